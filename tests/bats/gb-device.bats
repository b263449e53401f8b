#!/usr/bin/env bats
# gb-register as a device (simulator fidelity), against sipp as the
# platform: an independent SIP stack sending the requests real platforms
# send (tests/sipp/device-*.xml) and logging every answer, which the tests
# read back with tests/tools/sipp-msgs. The device's Responses, and the
# 200s or silence where the standard gives no Response, are what is judged.
load helpers
bats_require_minimum_version 1.5.0

SIPP="$ROOT/tests/sipp"
PLATFORM_ID=34020000002000000001
DEV_ID=34020000001320000001
CHAN=34020000001310000001

setup() {
	require_cmd sipp jq python3
	gb_setup
}

teardown() { teardown_peers; show_on_failure; }

# sipp_uas NAME SCENARIO [sipp args...]: sipp as a platform on a free UDP
# port; log $T/NAME.msg, port in SIPP_PORT.
sipp_uas() {
	local name=$1 scen=$2; shift 2
	start_sipp_peer "$T/$name.out" -sf "$SIPP/$scen" -nostdin -timeout 90s \
		-set user "$DEV_ID" -set grant 3600 -trace_msg -message_file "$T/$name.msg" "$@"
}

# device OUT [args...]: gb-register registering with sipp at SIPP_PORT.
device() {
	local out=$1; shift
	timeout 90 gb-register --server "$PLATFORM_ID@127.0.0.1:$SIPP_PORT" --device-id "$DEV_ID" \
		"$@" >"$out" 2>"$out.err" &
	DEV_PID=$!
	PEER_PIDS+=("$DEV_PID")
}

# resp LOG SN: the body of the device's Response with that SN (received by sipp).
resp() { "$TOOLS/sipp-msgs" "$1" received --sn "$2" --start MESSAGE --body; }

# field BODY NAME: the text of the first <NAME> element.
field() { sed -n "s:.*<$2>\(.*\)</$2>.*:\1:p" <<<"$1" | head -n 1; }

# platform [gb-register args...]: the device registers with sipp running
# tests/sipp/device-platform.xml and waits until sipp has sent everything
# (the last probe answered) and the answers are in: log $T/p.msg, records
# $T/d.out.
platform() {
	sipp_uas p device-platform.xml -set chan "$CHAN"
	device "$T/d.out" "$@"
	wait_for_grep '"cmd_type":"RecordInfo"' "$T/d.out" 30 || true
	wait_for_grep 'CSeq: [0-9]* PUBLISH' "$T/p.msg" 10 || true
	sleep 0.5
}

@test "gb-device: Responses name the channel the request named, not the device" {
	platform --keepalive 60s
	for sn in 20 21 22 27 28 31 32 33 40 41 42 43 44 45 46 47 48 49 50 51 52; do
		b=$(resp "$T/p.msg" $sn)
		[ -n "$b" ] || { echo "no Response to SN $sn"; return 1; }
		[ "$(field "$b" DeviceID)" = "$CHAN" ] || { echo "SN $sn: $(field "$b" DeviceID)"; return 1; }
	done
	assert_json_eq "$(jq -c 'select(.sn==21)' "$T/d.out")" .device_id "$CHAN"
}

@test "gb-device: DeviceConfig BasicParam and SnapShotConfig get a Response with Result, and apply" {
	platform --keepalive 60s
	b=$(resp "$T/p.msg" 31)
	[ "$(field "$b" CmdType)" = DeviceConfig ]
	[ "$(field "$b" Result)" = OK ]
	b=$(resp "$T/p.msg" 32)
	[ "$(field "$b" CmdType)" = DeviceConfig ]
	[ "$(field "$b" Result)" = OK ]
	# what this device does not configure: ERROR
	[ "$(field "$(resp "$T/p.msg" 33)" Result)" = ERROR ]
	c=$(jq -c 'select(.type=="control" and .sn==31)' "$T/d.out")
	assert_json_eq "$c" .cmd_type DeviceConfig
	assert_json_eq "$c" .result OK
	assert_json_eq "$c" .command.basic_param.name "门口"
	assert_json_eq "$(jq -c 'select(.type=="control" and .sn==33)' "$T/d.out")" .result ERROR
	# applied: DeviceInfo has the new name, in GB2312 (c3c5 bfda) on the wire
	[ "$(field "$(resp "$T/p.msg" 51)" DeviceName)" = "门口" ]
	grep -q $'<DeviceName>\xc3\xc5\xbf\xda</DeviceName>' "$T/p.msg"
}

@test "gb-device: a new HeartBeatInterval changes the keepalive interval at once" {
	platform --keepalive 60s
	# registered + the first keepalive at once; with 60 s no other for a
	# minute, with the configured 2 s two more come soon
	wait_for_grep_n 3 keepalive_ok "$T/d.out" 30
}

@test "gb-device: a new Expiration is asked for at the next refresh" {
	sipp_uas p device-platform.xml -set chan "$CHAN" -set grant 4
	device "$T/d.out" --keepalive 60s --expires 1800
	wait_for_grep '"cmd_type":"RecordInfo"' "$T/d.out" 30
	# granted 4 s: a refresh every 2 s; the ones after DeviceConfig ask 600
	wait_for_grep_n 2 '"refreshed"' "$T/d.out" 10
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
	e=$("$TOOLS/sipp-msgs" "$T/p.msg" received --start REGISTER | sed -n 's/^Expires: //p' | uniq | tr '\n' ' ')
	[ "$e" = "1800 600 0 " ] || { echo "Expires asked: $e"; return 1; }
}

@test "gb-device: which controls get a Response (GB/T 28181 9.3.1): FormatSDCard, IFameCmd, DragZoom, PTZ do not" {
	platform --keepalive 60s
	for sn in 21 22 27 28; do
		b=$(resp "$T/p.msg" $sn)
		[ "$(field "$b" CmdType)" = DeviceControl ] && [ "$(field "$b" Result)" = OK ] ||
			{ echo "SN $sn: $b"; return 1; }
	done
	for sn in 23 24 25 26 29 30; do
		[ -z "$(resp "$T/p.msg" $sn)" ] || { echo "SN $sn answered"; return 1; }
	done
	# but each of them got its 200 and a record
	[ "$(jq -r 'select(.type=="control") | .sn' "$T/d.out" | tr '\n' ' ')" = \
		"21 22 23 24 25 26 27 28 29 30 31 32 33 " ]
}

@test "gb-device: ConfigDownload per ConfigType: running values, several at once, unknown -> ERROR" {
	platform --keepalive 7s --max-missed 5 --expires 1800 --name "Gate 1"
	# before DeviceConfig: what the device runs with
	b=$(resp "$T/p.msg" 20)
	[ "$(field "$b" Result)" = OK ]
	[ "$(field "$b" Name)" = "Gate 1" ]
	[ "$(field "$b" HeartBeatInterval)" = 7 ]
	[ "$(field "$b" HeartBeatCount)" = 5 ]
	[ "$(field "$b" Expiration)" = 1800 ]
	[ "$(field "$b" SIPServerID)" = "$PLATFORM_ID" ]
	! grep -q VideoParamOpt <<<"$b"
	# after it: the configured values, and every type asked for
	b=$(resp "$T/p.msg" 41)
	[ "$(field "$b" Result)" = OK ]
	[ "$(field "$b" Name)" = "门口" ]
	[ "$(field "$b" HeartBeatInterval)" = 2 ]
	[ "$(field "$b" HeartBeatCount)" = 4 ]
	[ "$(field "$b" Expiration)" = 600 ]
	for el in BasicParam VideoParamOpt VideoParamConfig AudioParamOpt AudioParamConfig \
		SVACEncodeConfig SVACDecodeConfig SnapShotConfig; do
		[ "$(grep -c "<$el[ >]" <<<"$b")" = 1 ] || { echo "$el"; return 1; }
	done
	[ "$(field "$b" DownloadSpeed)" = 1/2/4/8 ]
	[ "$(field "$b" VideoFormat)" = 2 ]
	[ "$(field "$b" SnapNum)" = 3 ]
	[ "$(field "$b" UploadURL)" = "http://127.0.0.1/upload?token=x" ]
	[ "$(field "$b" SessionID)" = a1b2c3d4-e5f6-4711-8899-aabbccddeeff0011 ]
	# a well-formed body (sipp logged it as GB2312 bytes)
	resp "$T/p.msg" 41 | sed 's/encoding="GB2312"/encoding="UTF-8"/' | python3 -c 'import sys,xml.dom.minidom as m; m.parseString(sys.stdin.buffer.read())'
	b=$(resp "$T/p.msg" 42)
	[ "$(field "$b" Result)" = ERROR ]
	! grep -q BasicParam <<<"$b"
}

@test "gb-device: RecordCmd and GuardCmd change DeviceStatus' Record and DutyStatus, and RecordInfo" {
	platform --keepalive 60s
	b=$(resp "$T/p.msg" 40)
	[ "$(field "$b" Result)" = OK ]
	[ "$(field "$b" Record)" = ON ]
	grep -q '<Alarmstatus Num="1">' <<<"$b"
	[ "$(field "$b" DutyStatus)" = ONDUTY ]
	# what RecordCmd Record started is listed, still going on (until now)
	b=$(resp "$T/p.msg" 52)
	[ "$(field "$b" SumNum)" = 1 ]
	[ "$(field "$b" Type)" = manual ]
	[ "$(field "$b" DeviceID)" = "$CHAN" ]
	[[ "$(field "$b" StartTime)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}$ ]]
	[[ ! "$(field "$b" EndTime)" < "$(field "$b" StartTime)" ]]
}

@test "gb-device: PresetQuery lists --presets; PTZCmd preset set/delete change it" {
	platform --keepalive 60s --presets 1,5,9
	b=$(resp "$T/p.msg" 43)
	# 1 deleted, 7 set by the scenario's PTZCmds
	[ "$(grep -o '<PresetID>[0-9]*' <<<"$b" | tr -dc '0-9\n' | tr '\n' ' ')" = "5 7 9 " ]
	[ "$(field "$b" SumNum)" = 3 ]
	grep -q '<PresetList Num="3">' <<<"$b"
	# the 2022 cruise track runs over them
	grep -q '<CruiseTrackList Num="1">' <<<"$(resp "$T/p.msg" 45)"
	[ "$(grep -c '<CruisePoint>' <<<"$(resp "$T/p.msg" 46)")" = 3 ]
}

@test "gb-device: --presets default 1,2,3; a bad list is a usage error" {
	run --separate-stderr gb-register --server "$PLATFORM_ID@127.0.0.1:5060" --device-id "$DEV_ID" --presets 1,x
	assert_status 64
	assert_contains "$stderr" "--presets"
	run --separate-stderr gb-register --server "$PLATFORM_ID@127.0.0.1:5060" --device-id "$DEV_ID" --presets 256
	assert_status 64
	platform --keepalive 60s
	[ "$(grep -o '<PresetID>[0-9]*' <<<"$(resp "$T/p.msg" 43)" | tr -dc '0-9\n' | tr '\n' ' ')" = "2 3 7 " ]
}

@test "gb-device: Alarm, MobilePosition and the 2022 queries get Response bodies" {
	platform --keepalive 60s
	for sn in 44 45 46 47 48 49 50; do
		[ "$(field "$(resp "$T/p.msg" $sn)" Result)" = OK ] || { echo "SN $sn"; return 1; }
	done
	[ "$(field "$(resp "$T/p.msg" 49)" CmdType)" = Alarm ]
	[ "$(field "$(resp "$T/p.msg" 50)" CmdType)" = MobilePosition ]
	b=$(resp "$T/p.msg" 44)
	[ "$(field "$b" CmdType)" = HomePositionQuery ]
	[ "$(field "$b" Enabled)" = 1 ] && [ "$(field "$b" PresetIndex)" = 2 ] && [ "$(field "$b" ResetTime)" = 30 ]
	b=$(resp "$T/p.msg" 47)
	[ "$(field "$b" Pan)" = 0 ] && [ "$(field "$b" Zoom)" = 1 ]
	# SDCardStatus after FormatSDCard: all free
	b=$(resp "$T/p.msg" 48)
	[ "$(field "$b" FreeSpace)" = "$(field "$b" Capacity)" ]
	grep -q '<SDCardList Num="1">' <<<"$b"
	# each a query record with its one MESSAGE
	for c in HomePositionQuery CruiseTrackListQuery CruiseTrackQuery PTZPosition SDCardStatus Alarm MobilePosition; do
		[ "$(jq -r "select(.type==\"query\" and .cmd_type==\"$c\") | .messages" "$T/d.out")" = 1 ] || { echo "$c"; return 1; }
	done
}

@test "gb-device: OPTIONS 200 with Allow, CANCEL of no transaction 481, 405 with Allow" {
	platform --keepalive 60s
	r=$("$TOOLS/sipp-msgs" "$T/p.msg" received --start 'SIP/2.0')
	grep -q 'CSeq: [0-9]* PUBLISH' <<<"$r"
	"$TOOLS/sipp-msgs" "$T/p.msg" received --start 'SIP/2.0 200' | grep -B12 -A12 'CSeq: [0-9]* OPTIONS' | grep -q '^Allow: .*MESSAGE'
	"$TOOLS/sipp-msgs" "$T/p.msg" received --start 'SIP/2.0 405' | grep -q '^Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, MESSAGE'
	"$TOOLS/sipp-msgs" "$T/p.msg" received --start 'SIP/2.0 481' | grep -q 'CSeq: [0-9]* CANCEL'
}

@test "gb-device: TeleBoot: answered, drops off, registers anew with a new Call-ID" {
	sipp_uas p device-teleboot.xml
	device "$T/d.out" --keepalive 60s
	wait_for_grep '"rebooting"' "$T/d.out" 15
	wait_for_grep_n 2 '"registered"' "$T/d.out" 30
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
	run jq -r .type "$T/d.out"
	[ "${lines[0]}" = registered ]
	[ "$(printf '%s\n' "${lines[@]}" | grep -v keepalive_ok | tr '\n' ' ')" = \
		"registered control rebooting registered unregistered " ]
	assert_json_eq "$(grep '"rebooting"' "$T/d.out")" .boot_ms 3000
	# the TeleBoot got its 200 and no Response MESSAGE
	"$TOOLS/sipp-msgs" "$T/p.msg" received --start 'SIP/2.0 200' | grep -q 'CSeq: 20 MESSAGE'
	[ -z "$(resp "$T/p.msg" 61)" ]
	# the REGISTERs before and after the reboot: two Call-IDs (and the
	# unregister on the second)
	ids=$("$TOOLS/sipp-msgs" "$T/p.msg" received --start REGISTER | sed -n 's/^Call-ID: //p' | sort -u | wc -l)
	[ "$ids" = 2 ]
}

@test "gb-device: after a 302, a lost server sends the device back to the redirect server (2022)" {
	sipp_uas b register-nokeepalive.xml -set pass secret -set date 2026-01-02T03:04:05.678
	b_port=$SIPP_PORT
	sipp_uas a register-redirect.xml -set pass secret -set date 2026-01-02T03:04:05.678 \
		-set target "sip:34020000002000000002@127.0.0.1:$b_port"
	device "$T/d.out" --keepalive 300ms --max-missed 2
	wait_for_grep '"redirect_reset"' "$T/d.out" 20
	wait_for_grep_n 2 '"redirected"' "$T/d.out" 20
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
	run jq -r .type "$T/d.out"
	[ "$(printf '%s\n' "${lines[@]}" | head -n 5 | tr '\n' ' ')" = \
		"redirected registered keepalive_lost redirect_reset redirected " ]
	r=$(grep '"redirect_reset"' "$T/d.out")
	assert_json_eq "$r" .from "34020000002000000002@127.0.0.1:$b_port"
	assert_json_eq "$r" .server "$PLATFORM_ID"
	assert_json_eq "$r" .address "127.0.0.1:$SIPP_PORT"
	# the redirect server saw two registrations, each with its own Call-ID
	[ "$("$TOOLS/sipp-msgs" "$T/a.msg" received --start REGISTER | sed -n 's/^Call-ID: //p' | sort -u | wc -l)" -ge 2 ]
}

@test "gb-device: a keepalive answered 404 or 403 (platform restarted) re-registers at once, new Call-ID" {
	for st in 404 403; do
		sipp_uas p$st device-keepalive-$st.xml
		device "$T/d$st.out" --keepalive 1s
		wait_for_grep_n 2 '"registered"' "$T/d$st.out" 20
		kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
		run jq -r .type "$T/d$st.out"
		[ "$(printf '%s\n' "${lines[@]}" | head -n 3 | tr '\n' ' ')" = "registered keepalive_lost registered " ]
		assert_json_eq "$(grep -m1 keepalive_lost "$T/d$st.out")" .status $st
		[ "$("$TOOLS/sipp-msgs" "$T/p$st.msg" received --start REGISTER | sed -n 's/^Call-ID: //p' | sort -u | wc -l)" -ge 2 ]
	done
}

@test "gb-device: what the device sends, checked by tshark (nothing malformed, MANSCDP MESSAGEs, Allow)" {
	require_cmd tshark tcpdump
	require_root
	sipp_uas p device-platform.xml -set chan "$CHAN"
	tcpdump -Z root --immediate-mode -B 16384 -i lo -U -w "$T/cap.pcap" "udp port $SIPP_PORT" 2>"$T/tcpdump.err" &
	TCPD=$!; PEER_PIDS+=("$TCPD")
	wait_for_grep listening "$T/tcpdump.err" 10
	device "$T/d.out" --keepalive 60s
	wait_for_grep '"cmd_type":"RecordInfo"' "$T/d.out" 30
	wait_for_grep 'CSeq: [0-9]* PUBLISH' "$T/p.msg" 10
	sleep 0.5
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
	sleep 0.3
	kill -TERM "$TCPD"; wait "$TCPD" || true
	ts() { tshark -r "$T/cap.pcap" -d "udp.port==$SIPP_PORT,sip" "$@" 2>/dev/null; }
	[ "$(ts -Y '_ws.malformed || _ws.expert.severity == error' | wc -l)" -eq 0 ]
	# the device's MESSAGEs: MANSCDP, the Content-Length its body's, tshark's
	# XML dissector reads each body's CmdType
	ts -Y "sip.Method == \"MESSAGE\" && udp.dstport == $SIPP_PORT" -T fields -E separator='|' \
		-e sip.Content-Type -e sip.Content-Length -e udp.payload >"$T/msgs"
	[ "$(wc -l <"$T/msgs")" -eq 21 ]
	while IFS='|' read -r ct cl hex; do
		[ "$ct" = "Application/MANSCDP+xml" ] || { echo "ctype $ct"; return 1; }
		body=$(python3 -c 'import sys; b=bytes.fromhex(sys.argv[1]); print(len(b.split(b"\r\n\r\n",1)[1]))' "$hex")
		[ "$body" = "$cl" ] || { echo "Content-Length $cl, body $body"; return 1; }
	done <"$T/msgs"
	# responses to OPTIONS and PUBLISH as tshark reads them
	[ "$(ts -Y "sip.Status-Code && udp.srcport != $SIPP_PORT && (sip.CSeq.method == \"OPTIONS\" || sip.CSeq.method == \"PUBLISH\")" \
		-T fields -E separator='|' -e sip.Status-Code -e sip.CSeq.method -e sip.Allow | tr '\n' ' ')" = \
		"200|OPTIONS|INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, MESSAGE 405|PUBLISH|INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, MESSAGE " ]
}

@test "gb-device: gb-register --listen restarted within one keepalive interval: the device registers again within 2 intervals" {
	gb-register --listen 127.0.0.1:0 >"$T/r1.out" 2>"$T/r1.err" &
	r1=$!; PEER_PIDS+=("$r1")
	wait_for_grep '"listening"' "$T/r1.out" 10
	port=$(jq -r 'select(.type=="listening") | .port' "$T/r1.out")
	timeout 90 gb-register --server "$PLATFORM_ID@127.0.0.1:$port" --device-id "$DEV_ID" \
		--keepalive 3s >"$T/d.out" 2>"$T/d.err" &
	DEV_PID=$!; PEER_PIDS+=("$DEV_PID")
	wait_for_grep keepalive_ok "$T/d.out" 15
	# the platform restarts right after a keepalive: well within one interval
	kill -TERM "$r1"; wait "$r1" || true
	t0=$(date +%s%3N)
	gb-register --listen "127.0.0.1:$port" >"$T/r2.out" 2>"$T/r2.err" &
	PEER_PIDS+=("$!")
	wait_for_grep '"listening"' "$T/r2.out" 10
	wait_for_grep '"register"' "$T/r2.out" 20
	t1=$(date +%s%3N)
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
	echo "re-registered $((t1 - t0)) ms after the restart (interval 3000 ms)"
	[ $((t1 - t0)) -le 6000 ]
	# the device was told it is unknown (404) and registered anew at once
	run jq -r .type "$T/d.out"
	[ "$(printf '%s\n' "${lines[@]}" | grep -v keepalive_ok | tr '\n' ' ')" = \
		"registered keepalive_lost registered unregistered " ]
	assert_json_eq "$(grep keepalive_lost "$T/d.out")" .status 404
	assert_json_eq "$(grep '"register"' "$T/r2.out")" .id "$DEV_ID"
}

# media_platform: a platform (gb-register -l) and this device streaming
# $T/v.264 (--media, one stream at most) registered with it; records in
# $T/d.out, its SIP port in DPORT.
media_platform() {
	ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=25:duration=2 \
		-c:v libx264 -preset ultrafast -g 25 -bf 0 -f h264 "$T/v.264"
	start_peer "$T/reg.port" gb-register -l 127.0.0.1:0 --port-file "$T/reg.port" --keepalive 60s
	timeout 90 gb-register -s "$PLATFORM_ID@127.0.0.1:$PEER_PORT" -d "$DEV_ID" --keepalive 60s \
		--media "$T/v.264" --max-streams 1 "$@" >"$T/d.out" 2>"$T/d.err" &
	DEV_PID=$!
	PEER_PIDS+=("$DEV_PID")
	wait_for_grep '"registered"' "$T/d.out" 10
	DPORT=$(jq -r 'select(.type=="registered") | .local_port' "$T/d.out")
	printf 'SEQUENTIAL\n%s;%s;\n' "$DEV_ID" "$PLATFORM_ID" >"$T/u.csv"
}

@test "gb-device: TeleBoot stops the --media streams without a BYE and forgets their dialogs; after re-registering an INVITE streams again" {
	require_cmd ffmpeg
	media_platform
	timeout 60 gb-invite --events "$T/ev" --media-timeout 2s --duration 40s \
		"sip:$DEV_ID@127.0.0.1:$DPORT" -o "$T/1.rtp" 2>"$T/gi.err" &
	GI=$!; PEER_PIDS+=("$GI")
	wait_for_grep media_started "$T/ev" 10
	run timeout 30 sipp "127.0.0.1:$DPORT" -sf "$SIPP/notifier-teleboot.xml" -inf "$T/u.csv" \
		-i 127.0.0.1 -m 1 -nostdin -timeout 20s
	assert_status 0
	# the RTP stops: gb-invite hangs up on its media timeout, long before
	# its --duration, and the device never hung up itself
	rc=0; wait "$GI" || rc=$?
	[ "$rc" -eq 75 ] || { echo "gb-invite exit $rc"; cat "$T/gi.err"; return 1; }
	assert_json_eq "$(grep '"bye"' "$T/ev")" .reason "media timeout"
	! grep -q '"by":"device"' "$T/ev"
	assert_json_eq "$(grep '"stream_stopped"' "$T/d.out")" '[.by,.reason]|join(",")' "device,reboot"
	wait_for_grep_n 2 '"registered"' "$T/d.out" 20
	# the dialog is gone (--max-streams 1 would refuse with 486): a new
	# INVITE is answered and streams
	run --separate-stderr timeout 30 gb-invite --max-bytes 20000 "sip:$DEV_ID@127.0.0.1:$DPORT" -o "$T/2.rtp"
	assert_status 0
	[ "$(stat -c %s "$T/2.rtp")" -gt 0 ]
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
	run jq -r .type "$T/d.out"
	[ "$(printf '%s\n' "${lines[@]}" | grep -v keepalive_ok | tr '\n' ' ')" = \
		"registered invite stream_started control stream_stopped rebooting registered invite stream_started stream_stopped unregistered " ]
}

@test "gb-device: a DeviceConfig BasicParam Name renames the camera's own catalog item" {
	sipp_uas p device-rename.xml -set name "Gate 2"
	device "$T/d.out" --keepalive 60s --name "Gate 1"
	for i in $(seq 100); do
		[ -n "$(resp "$T/p.msg" 62)" ] && break   # the last answer is in
		sleep 0.1
	done
	b=$(resp "$T/p.msg" 60)
	[ "$(field "$b" Name)" = "Gate 1" ] || { echo "before: $b"; return 1; }
	[ "$(field "$(resp "$T/p.msg" 61)" Result)" = OK ]
	b=$(resp "$T/p.msg" 62)
	[ "$(field "$b" Name)" = "Gate 2" ] || { echo "after: $b"; return 1; }
	# the rest of the item is unchanged
	[ "$(field "$b" DeviceID)" = "$DEV_ID" ]
	[ "$(field "$b" Status)" = ON ]
}

@test "gb-device: the camera's in-dialog MESSAGE (MediaStatus 121) carries the platform's whole Call-ID (number@host)" {
	require_cmd ffmpeg
	media_platform
	printf 'SEQUENTIAL\n%s;\n' "$DEV_ID" >"$T/inv.csv"
	run timeout 30 sipp "127.0.0.1:$DPORT" -sf "$SIPP/invite-platform-download.xml" -inf "$T/inv.csv" \
		-i 127.0.0.1 -p 0 -mp 0 -m 1 -nostdin -timeout 25s -timeout_error -trace_logs -log_file "$T/i.log"
	assert_status 0
	grep -q '^media-status call-id= *1-[0-9]*@127.0.0.1 ' "$T/i.log"
	wait_for_grep '"stream_finished"' "$T/d.out" 5
	assert_json_eq "$(grep '"stream_finished"' "$T/d.out")" .call_id "$(sed -n 's/^media-status call-id= *\([^ ]*\) .*/\1/p' "$T/i.log")"
}
