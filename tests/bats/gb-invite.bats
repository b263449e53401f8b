#!/usr/bin/env bats
# gb-invite against sipp (Debian sip-tester) as the camera's SIP side and
# tests/tools/rtpsend as its media side: the offer sipp checks (Subject, y=,
# recvonly), an answer with another y= (the stream locks to it), 183 before
# 200, the three transports with the received RTP demuxed back to the
# source ES byte for byte, BYE both ways, MediaStatus 121, refusals.
bats_require_minimum_version 1.5.0
load helpers

SIPP="$ROOT/tests/sipp"
DEV_ID=34020000001320000001
YHIK=0060205514   # a Hikvision answer; its media carries SSRC 0x0396A9CA

setup_file() {
	command -v ffmpeg >/dev/null || return 0
	local d=$BATS_FILE_TMPDIR
	ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=25:duration=2 \
		-c:v libx264 -preset ultrafast -g 25 -bf 0 -f h264 "$d/v.264"
	"$ROOT/tests/tools/psmux" "$d/v.264" --rtp "$d/x.rtp" --ssrc 60205514 2>/dev/null
	"$ROOT/tests/tools/psmux" "$d/v.264" --rtp "$d/other.rtp" --ssrc 0x11111111 2>/dev/null
}

setup() {
	require_cmd sipp jq ffmpeg python3
	D=$BATS_FILE_TMPDIR
	T=$BATS_TEST_TMPDIR
	export GB_PASSWORD=secret
	unset GB_USERNAME CAMKIT_CREDENTIALS
	# bytes of RTP in the file: what --max-bytes must reach to hang up at its end
	TOTAL=$(python3 -c 'import os,struct,sys; d=open(sys.argv[1],"rb").read(); o=t=0
while o + 2 <= len(d): n = struct.unpack_from(">H", d, o)[0]; t += n; o += 2 + n
print(t)' "$D/x.rtp")
}

teardown() {
	teardown_peers
	show_on_failure "$T"/{ev,ev2,err,dev.out,dev.err}
}

# camera SCENARIO PROTO SETUPLINE [MPORT]: sipp answering the INVITE.
camera() {
	start_sipp_peer "$T/sipp.out" -sf "$SIPP/$1" -m 1 -nostdin -timeout 30s \
		-set yssrc "$YHIK" -set mport "${4:-15060}" -set proto "$2" -set setupline "$3" \
		-trace_msg -message_file "$T/sipp.msg"
}

# invite ARGS...: gb-invite in the background, records in $T/ev, RTP in
# $T/out.rtp; waits for the "invited" record and sets MPORT to our media port.
invite() {
	timeout 30 gb-invite --events "$T/ev" "$@" "sip:$DEV_ID@127.0.0.1:$SIPP_PORT" \
		>"$T/out.rtp" 2>"$T/err" &
	GI=$!
	PEER_PIDS+=("$GI")
	wait_for_grep '"invited"' "$T/ev" 10 || { cat "$T/err" "$T/sipp.out"; return 1; }
	MPORT=$(jq -r 'select(.type=="invited") | .local_media_port' "$T/ev")
}

# finish: gb-invite's exit status in GI_RC, then sipp's result.
finish() {
	GI_RC=0
	wait "$GI" || GI_RC=$?
	wait "$SIPP_PID" || { echo "sipp failed"; cat "$T/sipp.out"; return 1; }
}

@test "gb-invite: usage errors -> 64; stdout a terminal refused" {
	run --separate-stderr gb-invite
	assert_status 64
	assert_contains "$stderr" "try 'gb-invite --help'"
	run --separate-stderr gb-invite --transport sctp sip:1@127.0.0.1
	assert_status 64
	run --separate-stderr gb-invite --playback sip:1@127.0.0.1
	assert_status 64
	assert_contains "$stderr" "--start"
	run --separate-stderr gb-invite --start 2026-01-01T00:00:00 sip:1@127.0.0.1
	assert_status 64
	run --separate-stderr gb-invite -w :0 sip:1@127.0.0.1
	assert_status 64
	run --separate-stderr gb-invite http://x/
	assert_status 64
	require_cmd script
	run script -qec "gb-invite sip:1@127.0.0.1:9" /dev/null
	assert_status 64
	assert_contains "$output" "terminal"
}

@test "gb-invite UDP: offer as Annex F, 183 then 200 with the camera's y=, media locked to it, ES byte for byte, BYE" {
	camera invite-device.xml RTP/AVP a=sendonly
	invite --max-bytes "$TOTAL"
	# a stream with another SSRC first: dropped, counted
	"$TOOLS/rtpsend" udp "$D/other.rtp" 127.0.0.1 "$MPORT"
	"$TOOLS/rtpsend" udp "$D/x.rtp" 127.0.0.1 "$MPORT"
	finish
	[ "$GI_RC" -eq 0 ] || { cat "$T/err"; return 1; }
	rtp-ps-demux <"$T/out.rtp" 2>/dev/null | cmp - "$D/v.264"
	inv=$(grep '"invited"' "$T/ev")
	assert_json_eq "$inv" .answered_ssrc "$YHIK"
	assert_json_eq "$inv" .transport udp
	assert_json_eq "$inv" .media_port 15060
	[[ $(jq -r .offered_ssrc <<<"$inv") =~ ^0200[0-9]{6}$ ]]
	assert_json_eq "$(grep media_started "$T/ev")" .ssrc 0x0396A9CA
	assert_json_eq "$(grep media_started "$T/ev")" .ssrc_from answer
	assert_json_eq "$(grep '"bye"' "$T/ev")" .by us
	assert_json_eq "$(grep '"bye"' "$T/ev")" .reason "max bytes"
	assert_json_eq "$(grep '"bye"' "$T/ev")" .status 200
	st=$(grep '"stats"' "$T/ev")
	assert_json_eq "$st" .bytes "$TOTAL"
	assert_json_eq "$st" .lost 0
	[ "$(jq -r .other_ssrc <<<"$st")" -gt 0 ]
	# what sipp received: the offer and the Subject as GB/T 28181 writes them
	grep -q '^Subject: '"$DEV_ID"':0200[0-9]\{6\},34020000002000000001:0' "$T/sipp.msg"
	grep -q '^m=video [0-9]* RTP/AVP 96 98 97' "$T/sipp.msg"
	grep -q '^a=rtpmap:96 PS/90000' "$T/sipp.msg"
	grep -q '^s=Play' "$T/sipp.msg"
	grep -q '^ACK sip:' "$T/sipp.msg"
	grep -q '^BYE sip:' "$T/sipp.msg"
}

@test "gb-invite tcp-passive: we listen (a=setup:passive), the camera connects; ES byte for byte" {
	camera invite-device.xml TCP/RTP/AVP a=setup:active
	invite --transport tcp-passive --max-bytes "$TOTAL"
	"$TOOLS/rtpsend" tcp "$D/x.rtp" 127.0.0.1 "$MPORT"
	finish
	[ "$GI_RC" -eq 0 ] || { cat "$T/err"; return 1; }
	rtp-ps-demux <"$T/out.rtp" 2>/dev/null | cmp - "$D/v.264"
	grep -q '^m=video [0-9]* TCP/RTP/AVP 96 98 97' "$T/sipp.msg"
	grep -q '^a=setup:passive' "$T/sipp.msg"
	grep -q '^a=connection:new' "$T/sipp.msg"
	assert_json_eq "$(grep '"invited"' "$T/ev")" .setup active
}

@test "gb-invite tcp-active: we connect to the answer's port; ES byte for byte; --rtpdump" {
	start_peer "$T/serve.port" "$TOOLS/rtpsend" serve "$D/x.rtp" "$T/serve.port"
	camera invite-device.xml TCP/RTP/AVP a=setup:passive "$PEER_PORT"
	invite --transport tcp-active --max-bytes "$TOTAL" --rtpdump
	finish
	[ "$GI_RC" -eq 0 ] || { cat "$T/err"; return 1; }
	rtp-ps-demux "$T/out.rtp" 2>/dev/null | cmp - "$D/v.264"
	head -c 12 "$T/out.rtp" | grep -q '#!rtpplay1.0'
	grep -q '^a=setup:active' "$T/sipp.msg"
	assert_json_eq "$(grep '"invited"' "$T/ev")" .local_media_port 9
}

@test "gb-invite: the camera hangs up (BYE) -> 200, exit 0" {
	camera invite-device-bye.xml RTP/AVP a=sendonly
	invite
	"$TOOLS/rtpsend" udp "$D/x.rtp" 127.0.0.1 "$MPORT"
	finish
	[ "$GI_RC" -eq 0 ] || { cat "$T/err"; return 1; }
	assert_json_eq "$(grep '"bye"' "$T/ev")" .by device
	grep -q "Successful call.*|.*1" "$T/sipp.out"
}

@test "gb-invite --download START END as operands, RFC 3339 with offsets; --sdp-f adds f=" {
	camera invite-device-status.xml RTP/AVP a=sendonly
	invite --download 2023-10-14T08:00:00+08:00 2023-10-14T00:10:00.250Z \
		--sdp-f 'v/2/4/25/1/4096a///'
	"$TOOLS/rtpsend" udp "$D/x.rtp" 127.0.0.1 "$MPORT"
	finish
	[ "$GI_RC" -eq 0 ] || { cat "$T/err"; return 1; }
	# 2023-10-14T00:00:00Z = 1697241600, whatever TZ says
	grep -q '^t=1697241600 1697242200' "$T/sipp.msg"
	grep -q '^f=v/2/4/25/1/4096a///' "$T/sipp.msg"
	# a malformed f= or time is a usage error before anything is sent
	run --separate-stderr gb-invite --sdp-f 'v/2/4a/1' sip:1@127.0.0.1
	assert_status 64
	assert_contains "$stderr" "--sdp-f"
	run --separate-stderr gb-invite --playback --start 2023-10-14T00:00:00+25:00 \
		--end 2023-10-14T01:00:00Z sip:1@127.0.0.1
	assert_status 64
	assert_contains "$stderr" "not a time"
}

@test "gb-invite --download: MediaStatus 121 in the dialog -> 200, BYE, exit 0" {
	camera invite-device-status.xml RTP/AVP a=sendonly
	invite --download --start 2023-10-14T00:00:00 --end 2023-10-14T00:10:00 --speed 4
	"$TOOLS/rtpsend" udp "$D/x.rtp" 127.0.0.1 "$MPORT"
	finish
	[ "$GI_RC" -eq 0 ] || { cat "$T/err"; return 1; }
	assert_json_eq "$(grep media_status "$T/ev")" .notify_type 121
	assert_json_eq "$(grep '"bye"' "$T/ev")" .reason "media status 121"
	grep -q '^s=Download' "$T/sipp.msg"
	grep -q '^u='"$DEV_ID"':0' "$T/sipp.msg"
	grep -q '^a=downloadspeed:4' "$T/sipp.msg"
	grep -q '^y=1200[0-9]\{6\}' "$T/sipp.msg"
	want=$(TZ=${TZ:-} date -d 2023-10-14T00:00:00 +%s)
	grep -q "^t=$want $((want + 600))" "$T/sipp.msg"
}

@test "gb-invite: 486 -> exit 76 with the status; no media -> BYE, exit 75" {
	camera invite-device-486.xml RTP/AVP a=sendonly
	run --separate-stderr timeout 20 gb-invite "sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 76
	assert_json_eq "$(grep '"error"' <<<"$stderr")" .sip_status 486
	teardown_peers || true
	camera invite-device.xml RTP/AVP a=sendonly
	invite --media-timeout 1s
	finish
	[ "$GI_RC" -eq 75 ]
	assert_json_eq "$(grep '"bye"' "$T/ev")" .reason "media timeout"
	grep -q '^BYE sip:' "$T/sipp.msg"
}

@test "gb-invite --await-register: the INVITE goes out of the registrar's socket; gb-register refuses it (488) -> 76" {
	GB_PASSWORD=secret start_await_register "$T/gi.out" "$T/gi.err" \
		timeout 30 gb-invite -v -w 127.0.0.1:0 --wait 15s --events "$T/ev"
	local gi=$PEER_PID port=$PEER_PORT
	timeout 30 gb-register -s "34020000002000000001@127.0.0.1:$port" -d "$DEV_ID" \
		--retry 1s -vv >"$T/dev.out" 2>"$T/dev.err" &
	PEER_PIDS+=("$!")
	local rc=0
	wait "$gi" || rc=$?
	[ "$rc" -eq 76 ] || { cat "$T/gi.err" "$T/dev.err"; return 1; }
	assert_json_eq "$(grep '"error"' "$T/ev")" .sip_status 488
	# the device saw the INVITE come from the port it registered with
	grep -q '^< INVITE sip:'"$DEV_ID"'@127.0.0.1:' "$T/dev.err"
	grep -q "^< Via: SIP/2.0/UDP 127.0.0.1:$port;" "$T/dev.err"
}

# ---- the loop: gb-register --media (the simulated camera) <-> gb-invite

# loop_start ARGS...: gb-invite -w 127.0.0.1:0 ARGS (records in $T/ev, RTP in
# $T/out.rtp) and a gb-register device streaming $D/v.264 registering with
# it (records in $T/dev.out). Sets GI and DEV. The device ID is this test's
# own (DEV_ID) and gb-invite waits for it alone: other bats files run at the
# same time with devices of the usual ID and password, and one of them
# registering at a port that was theirs a moment ago must not be taken for
# this test's camera.
loop_start() {
	DEV_ID=3402000000132$(printf %07d $(( (RANDOM * 32768 + RANDOM) % 10000000 )))
	timeout 60 gb-invite -v -w 127.0.0.1:0 -d "$DEV_ID" --port-file "$T/gi.port" --wait 20s \
		--events "$T/ev" "$@" >"$T/out.rtp" 2>"$T/err" &
	GI=$!
	PEER_PIDS+=("$GI")
	wait_for_file "$T/gi.port" 10 || { cat "$T/err"; return 1; }
	timeout 60 gb-register -s "34020000002000000001@127.0.0.1:$(cat "$T/gi.port")" -d "$DEV_ID" \
		--media "$D/v.264" --retry 1s -v ${DEV_ARGS:-} >"$T/dev.out" 2>"$T/dev.err" &
	DEV=$!
	PEER_PIDS+=("$DEV")
}

# camera_start SECS MEDIA [ARGS...]: a platform (gb-register -l) and a
# camera (gb-register --media MEDIA ARGS, for SECS at most) registered
# with it, records in $T/dev.out. Sets DEV (the camera) and DPORT (its SIP
# port).
camera_start() {
	local secs=$1 media=$2; shift 2
	start_peer "$T/reg.port" gb-register -l 127.0.0.1:0 --port-file "$T/reg.port" --keepalive 60s
	timeout "$secs" gb-register -s "34020000002000000001@127.0.0.1:$PEER_PORT" -d "$DEV_ID" \
		--media "$media" "$@" >"$T/dev.out" 2>"$T/dev.err" &
	DEV=$!
	PEER_PIDS+=("$DEV")
	wait_for_grep '"registered"' "$T/dev.out" 10
	DPORT=$(jq -r 'select(.type=="registered") | .local_port' "$T/dev.out")
}

# one loop of the clip as the camera's muxer cuts it: RTP bytes
one_loop() {
	rtp-ps-mux "$D/v.264" 2>/dev/null | python3 -c 'import struct,sys; d=sys.stdin.buffer.read(); o=t=0
while o + 2 <= len(d): n = struct.unpack_from(">H", d, o)[0]; t += n; o += 2 + n
print(t)'
}

@test "loop: gb-register --media streams live to gb-invite over udp, tcp-passive, tcp-active; the ES comes back byte for byte" {
	local one tr rc
	one=$(one_loop)
	for tr in udp tcp-passive tcp-active; do
		rm -f "$T/gi.port" "$T/ev"
		loop_start --transport "$tr" --max-bytes "$one"
		rc=0; wait "$GI" || rc=$?
		[ "$rc" -eq 0 ] || { echo "$tr: exit $rc"; cat "$T/err" "$T/dev.err"; return 1; }
		rtp-ps-demux <"$T/out.rtp" 2>/dev/null | cmp - "$D/v.264"
		wait_for_grep '"stream_stopped".*"platform"' "$T/dev.out" 5
		inv=$(grep '"type":"invite"' "$T/dev.out")
		# the camera's role is the mirror of ours
		case $tr in
		udp) assert_json_eq "$inv" .transport udp ;;
		tcp-passive) assert_json_eq "$inv" .transport tcp-active ;;
		tcp-active) assert_json_eq "$inv" .transport tcp-passive ;;
		esac
		# the camera answered with the offered y= as its SSRC
		assert_json_eq "$(grep '"invited"' "$T/ev")" .answered_ssrc "$(jq -r .offered_ssrc <<<"$(grep '"invited"' "$T/ev")")"
		teardown_peers || true
	done
}

@test "loop: --download at 4x ends with the camera's MediaStatus 121; --playback too; byte for byte" {
	local kind rc
	for kind in "--download --speed 4" --playback; do
		rm -f "$T/gi.port" "$T/ev"
		# shellcheck disable=SC2086
		loop_start $kind --start 2023-10-14T00:00:00 --end 2023-10-14T01:00:00
		rc=0; wait "$GI" || rc=$?
		[ "$rc" -eq 0 ] || { echo "$kind: exit $rc"; cat "$T/err" "$T/dev.err"; return 1; }
		rtp-ps-demux <"$T/out.rtp" 2>/dev/null | cmp - "$D/v.264"
		assert_json_eq "$(grep media_status "$T/ev")" .notify_type 121
		assert_json_eq "$(grep '"bye"' "$T/ev")" .reason "media status 121"
		wait_for_grep '"stream_finished"' "$T/dev.out" 5
		teardown_peers || true
	done
}

@test "loop: --control pause/play/scale go as INFO MANSRTSP and the camera honours them" {
	mkfifo "$T/ctl"
	exec 7<>"$T/ctl"
	loop_start --playback --start 2023-10-14T00:00:00 --end 2023-10-14T01:00:00 --control "$T/ctl"
	wait_for_grep media_started "$T/ev" 10
	echo pause >&7
	wait_for_grep '"method":"pause"' "$T/dev.out" 10
	echo "scale 2" >&7
	wait_for_grep '"method":"play","speed":2' "$T/dev.out" 10
	rc=0; wait "$GI" || rc=$?
	exec 7>&-
	[ "$rc" -eq 0 ] || { cat "$T/err"; return 1; }
	[ "$(grep -c '"type":"control".*"status":200' "$T/ev")" -eq 2 ]
	rtp-ps-demux <"$T/out.rtp" 2>/dev/null | cmp - "$D/v.264"
}

@test "loop: --max-streams 1 -> a second INVITE gets 486; SIGTERM: the camera BYEs its dialog, then unregisters" {
	camera_start 60 "$D/v.264" --max-streams 1
	timeout 60 gb-invite --events "$T/ev" "sip:$DEV_ID@127.0.0.1:$DPORT" >"$T/out.rtp" 2>"$T/err" &
	GI=$!
	PEER_PIDS+=("$GI")
	wait_for_grep media_started "$T/ev" 10
	run --separate-stderr timeout 20 gb-invite "sip:$DEV_ID@127.0.0.1:$DPORT" -o /dev/null
	assert_status 76
	assert_json_eq "$(grep '"error"' <<<"$stderr")" .sip_status 486
	kill -TERM "$DEV"
	rc=0; wait "$GI" || rc=$?
	[ "$rc" -eq 0 ]
	assert_json_eq "$(grep '"bye"' "$T/ev")" .by device
	wait "$DEV"
	grep -q '"stream_stopped".*"device"' "$T/dev.out"
	tail -n 1 "$T/dev.out" | grep -q '"unregistered"'
	grep -q '"invite_refused".*"status":486' "$T/dev.out"
}

@test "loop: an offer the camera cannot serve gets 488 and a record saying why" {
	camera_start 30 "$D/v.264"
	# sipp as a platform offering H.264 only over RTP, no PS
	printf 'SEQUENTIAL\n%s;\n' "$DEV_ID" >"$T/inv.csv"
	run timeout 20 sipp "127.0.0.1:$DPORT" -sf "$SIPP/invite-platform-h264.xml" -inf "$T/inv.csv" \
		-i 127.0.0.1 -p 0 -m 1 -nostdin -timeout 15s -timeout_error
	assert_status 0
	wait_for_grep invite_refused "$T/dev.out" 5
	assert_json_eq "$(grep invite_refused "$T/dev.out")" .reason "PS/90000 not offered"
	assert_json_eq "$(grep invite_refused "$T/dev.out")" .status 488
}

@test "gb-invite: a 401 on the INVITE is answered with the digest sipp verifies; a wrong password -> 403 -> 77" {
	start_sipp_peer "$T/sipp.out" -sf "$SIPP/invite-device-auth.xml" -m 1 -nostdin -timeout 30s \
		-set yssrc "$YHIK" -set mport 15060 -set proto RTP/AVP -set setupline a=sendonly \
		-set user 34020000002000000001 -set pass secret -trace_msg -message_file "$T/sipp.msg"
	invite --max-bytes "$TOTAL"
	"$TOOLS/rtpsend" udp "$D/x.rtp" 127.0.0.1 "$MPORT"
	finish
	[ "$GI_RC" -eq 0 ] || { cat "$T/err"; return 1; }
	grep -q '^Authorization: Digest username="34020000002000000001", realm="3402000000"' "$T/sipp.msg"
	rtp-ps-demux <"$T/out.rtp" 2>/dev/null | cmp - "$D/v.264"
	teardown_peers || true
	start_sipp_peer "$T/sipp2.out" -sf "$SIPP/invite-device-auth.xml" -m 1 -nostdin -timeout 30s \
		-set yssrc "$YHIK" -set mport 15060 -set proto RTP/AVP -set setupline a=sendonly \
		-set user 34020000002000000001 -set pass other
	run --separate-stderr timeout 20 gb-invite "sip:$DEV_ID@127.0.0.1:$SIPP_PORT" -o /dev/null
	assert_status 77
	assert_json_eq "$(grep '"error"' <<<"$stderr")" .sip_status 403
	unset GB_PASSWORD
	run --separate-stderr env CAMKIT_CREDENTIALS=/dev/null timeout 20 gb-invite "sip:$DEV_ID@127.0.0.1:$SIPP_PORT" -o /dev/null
	[ "$status" -ne 0 ]
}

@test "the camera against sipp as the platform (UAC): PS offer -> sendonly PS answer with the offered y=, ACK, media, BYE" {
	camera_start 30 "$D/v.264"
	printf 'SEQUENTIAL\n%s;\n' "$DEV_ID" >"$T/inv.csv"
	run timeout 20 sipp "127.0.0.1:$DPORT" -sf "$SIPP/invite-platform.xml" -inf "$T/inv.csv" \
		-i 127.0.0.1 -p 0 -mp 0 -m 1 -nostdin -timeout 15s -timeout_error
	assert_status 0
	wait_for_grep '"stream_stopped".*"platform"' "$T/dev.out" 5
	assert_json_eq "$(grep '"type":"invite"' "$T/dev.out")" .ssrc 200000077
	grep -q '"stream_started"' "$T/dev.out"
}

@test "gb-invite --duration, -o, -c, --media-port in use -> 69: BYE at the duration; every SIP/SDP message on the wire well formed (tshark)" {
	require_cmd tshark tcpdump
	require_root
	# --media-port: a port another socket holds is refused before any INVITE
	hold_port udp
	run --separate-stderr timeout 20 gb-invite --media-port "$PEER_PORT" -o /dev/null sip:1@127.0.0.1:9
	assert_status 69
	assert_contains "$stderr" "$PEER_PORT"
	camera invite-device.xml RTP/AVP a=sendonly
	tcpdump -Z root --immediate-mode -i lo -U -w "$T/cap.pcap" "udp port $SIPP_PORT" 2>"$T/tcpdump.err" &
	local td=$!
	PEER_PIDS+=("$td")
	wait_for_grep listening "$T/tcpdump.err" 10
	run --separate-stderr timeout 20 gb-invite --duration 1s -o "$T/o.rtp" \
		-c 34020000001310000007 --events "$T/ev" "sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	[ -z "$output" ]
	sleep 0.3
	kill -TERM "$td"; wait "$td" || true
	mp=$(jq -r 'select(.type=="invited") | .local_media_port' "$T/ev")
	assert_json_eq "$(grep '"invited"' "$T/ev")" .channel 34020000001310000007
	assert_json_eq "$(grep '"bye"' "$T/ev")" .reason duration
	grep -q '^INVITE sip:34020000001310000007@127.0.0.1:' "$T/sipp.msg"
	grep -q "^m=video $mp RTP/AVP" "$T/sipp.msg"
	ts() { tshark -r "$T/cap.pcap" -d "udp.port==$SIPP_PORT,sip" "$@" 2>/dev/null; }
	[ "$(ts -Y '_ws.malformed || _ws.expert.severity == error' | wc -l)" -eq 0 ]
	# what we sent, as tshark reads it: INVITE with SDP, ACK, BYE
	[ "$(ts -Y "sip.Method && udp.dstport == $SIPP_PORT" -T fields -e sip.Method | sort -u | tr '\n' ' ')" = "ACK BYE INVITE " ]
	ts -Y 'sip.Method == "INVITE"' -T fields -E separator='|' -e sdp.media -e sdp.media_attr \
		-e sdp.connection_info -e sip.Subject >"$T/inv"
	grep -q "^video $mp RTP/AVP 96 98 97|recvonly,rtpmap:96 PS/90000" "$T/inv"
	grep -q '|IN IP4 127.0.0.1|34020000001310000007:0200[0-9]\{6\},34020000002000000001:0$' "$T/inv"
}

@test "the camera's --records: gb-catalog finds them by time (RecordInfo), gb-invite plays one back byte for byte" {
	camera_start 60 "$D/v.264" --records 5 --catalog-chunk 2
	now=$(date +%s)
	# the recordings start on a grid of 86400/5 s since 1970: not at its edge
	if (( now % 17280 > 17270 )); then sleep 12; now=$(date +%s); fi
	grid=$((now / 17280 * 17280))
	t() { date -d "@$1" +%Y-%m-%dT%H:%M:%S; }
	run --separate-stderr timeout 20 gb-catalog --query RecordInfo -c 34020000001310000001 \
		--start "$(t $((now - 2 * 86400)))" --end "$(t $((now + 60)))" "sip:$DEV_ID@127.0.0.1:$DPORT"
	assert_status 0
	[ "${#lines[@]}" -eq 5 ]
	assert_json_eq "${lines[0]}" .item.device_id 34020000001310000001
	assert_json_eq "${lines[0]}" .sum_num 5
	# only the recordings that overlap the range: the last three of the day
	run --separate-stderr timeout 20 gb-catalog --query RecordInfo \
		--start "$(t $((grid - 3 * 17280 - 10)))" --end "$(t $((now + 60)))" "sip:$DEV_ID@127.0.0.1:$DPORT"
	assert_status 0
	[ "${#lines[@]}" -eq 3 ]
	s=$(jq -r .item.start_time <<<"${lines[0]}")
	e=$(jq -r .item.end_time <<<"${lines[0]}")
	timeout 30 gb-invite --playback --start "$s" --end "$e" --events "$T/ev" \
		"sip:$DEV_ID@127.0.0.1:$DPORT" >"$T/out.rtp" 2>"$T/err" || { cat "$T/err"; return 1; }
	rtp-ps-demux <"$T/out.rtp" 2>/dev/null | cmp - "$D/v.264"
	assert_json_eq "$(grep media_status "$T/ev")" .notify_type 121
}

@test "loop: --duration 2s on a live stream hangs up after about 2 s of real-time media" {
	loop_start --duration 2s --transport tcp-passive
	rc=0; wait "$GI" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$T/err"; return 1; }
	assert_json_eq "$(grep '"bye"' "$T/ev")" .reason duration
	# paced by the camera: about 50 frames at 25 fps, not a burst
	n=$(rtp-ps-demux <"$T/out.rtp" 2>/dev/null | ffprobe -v error -count_frames \
		-show_entries stream=nb_read_frames -of csv=p=0 -)
	[ "$n" -ge 10 ] && [ "$n" -le 80 ] || { echo "frames: $n"; return 1; }
}

# records_start ARGS...: a platform (gb-register -l) and a camera with a
# 10 s clip (a key frame every 2 s) as --records 5; sets DPORT and REC (the
# first recording's start, seconds since 1970).
records_start() {
	ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=25:duration=10 \
		-c:v libx264 -preset ultrafast -g 50 -bf 0 -f h264 "$T/v10.264"
	camera_start 90 "$T/v10.264" --records 5 "$@"
	run --separate-stderr timeout 20 gb-catalog --query RecordInfo \
		--start "$(date -d @$(( $(date +%s) - 2 * 86400 )) +%Y-%m-%dT%H:%M:%S)" \
		--end "$(date +%Y-%m-%dT%H:%M:%S)" "sip:$DEV_ID@127.0.0.1:$DPORT"
	assert_status 0
	REC=$(date -d "$(jq -r .item.start_time <<<"${lines[0]}")" +%s)
	# the grid: every 86400/5 s
	[ $((REC % 17280)) -eq 0 ]
}

t() { date -d "@$1" +%Y-%m-%dT%H:%M:%S; }

# es_check OUT SRC FROM_KEY [TAIL_KEY]: OUT (a demuxed ES) is SRC from its
# FROM_KEY-th key frame (0-based) on, cut short; or, with TAIL_KEY, such a
# cut-short start followed by all of SRC from its TAIL_KEY-th key frame
# (a jump forward). Prints what it found.
es_check() { "$TOOLS/es-check" "$@"; }

frames() {
	ffprobe -v error -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$1"
}

@test "the camera's --records: a playback's t= range streams its part of the recording from the key frame at or before; a range with no recording -> 488" {
	records_start
	# 5..7 s into the recording: the key frame at 4 s to 7 s, 75 frames
	timeout 30 gb-invite --playback --start "$(t $((REC + 5)))" --end "$(t $((REC + 7)))" \
		--events "$T/ev" "sip:$DEV_ID@127.0.0.1:$DPORT" >"$T/out.rtp" 2>"$T/err" ||
		{ cat "$T/err"; return 1; }
	assert_json_eq "$(grep media_status "$T/ev")" .notify_type 121
	rtp-ps-demux <"$T/out.rtp" >"$T/out.264" 2>/dev/null
	es_check "$T/out.264" "$T/v10.264" 2
	[ "$(frames "$T/out.264")" -eq 75 ]
	inv=$(grep '"type":"invite"' "$T/dev.out")
	assert_json_eq "$inv" .media_from 5
	assert_json_eq "$inv" .media_to 7
	# a download from 1 s before the end of the recording to far past it: 9..10 s, from the key at 8
	timeout 30 gb-invite --download --speed 4 --start "$(t $((REC + 9)))" --end "$(t $((REC + 3600)))" \
		--events "$T/ev2" "sip:$DEV_ID@127.0.0.1:$DPORT" >"$T/out2.rtp" 2>"$T/err" ||
		{ cat "$T/err"; return 1; }
	rtp-ps-demux <"$T/out2.rtp" >"$T/out2.264" 2>/dev/null
	es_check "$T/out2.264" "$T/v10.264" 4
	[ "$(frames "$T/out2.264")" -eq 50 ]
	# between two recordings: nothing to play
	run --separate-stderr timeout 30 gb-invite --playback --start "$(t $((REC + 20)))" \
		--end "$(t $((REC + 30)))" "sip:$DEV_ID@127.0.0.1:$DPORT"
	assert_status 76
	assert_contains "$stderr" 488
	wait_for_grep '"invite_refused".*no recording in the t= range' "$T/dev.out" 5
}

@test "the camera's --records: INFO Range npt (gb-invite --control seek) restarts at the key frame at or before, counted from the t= start" {
	records_start
	mkfifo "$T/ctl"
	exec 7<>"$T/ctl"
	# 3..10 s of the recording: from the key frame at 2 s
	timeout 60 gb-invite --playback --start "$(t $((REC + 3)))" --end "$(t $((REC + 10)))" \
		--control "$T/ctl" --events "$T/ev" "sip:$DEV_ID@127.0.0.1:$DPORT" \
		>"$T/out.rtp" 2>"$T/err" &
	GI=$!
	PEER_PIDS+=("$GI")
	wait_for_grep media_started "$T/ev" 10
	echo pause >&7
	wait_for_grep '"method":"pause"' "$T/dev.out" 10
	# npt 4 from the t= start is 7 s into the recording: the key frame at 6 s
	echo "seek 4" >&7
	rc=0; wait "$GI" || rc=$?
	exec 7>&-
	[ "$rc" -eq 0 ] || { cat "$T/err"; return 1; }
	assert_json_eq "$(grep media_status "$T/ev")" .notify_type 121
	rtp-ps-demux <"$T/out.rtp" >"$T/out.264" 2>/dev/null
	# what came before the pause from the key at 2 s, then all from the key at 6 s
	es_check "$T/out.264" "$T/v10.264" 1 3
	n=$(frames "$T/out.264")
	[ "$n" -gt 100 ] && [ "$n" -lt 200 ] || { echo "frames: $n"; return 1; }
}

@test "the camera against sipp as the platform: INFO PAUSE, PLAY with Scale and Range in the dialog answered 200 + MANSRTSP 200 OK; a=setup:active on a UDP line is ignored (UDP answer, no a=setup)" {
	ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=25:duration=10 \
		-c:v libx264 -preset ultrafast -g 50 -bf 0 -f h264 "$T/v10.264"
	camera_start 60 "$T/v10.264"
	printf 'SEQUENTIAL\n%s;\n' "$DEV_ID" >"$T/inv.csv"
	for setup in "" "a=setup:active"; do
		skip_n=$(wc -l <"$T/dev.out")
		run timeout 30 sipp "127.0.0.1:$DPORT" -sf "$SIPP/invite-platform-info.xml" -inf "$T/inv.csv" \
			-set setupline "$setup" -i 127.0.0.1 -p 0 -mp 0 -m 1 -nostdin -timeout 20s \
			-timeout_error -trace_msg -message_file "$T/sipp.msg" -trace_logs -log_file "$T/sipp.log"
		[ "$status" -eq 0 ] || { echo "setup '$setup': sipp $status"; cat "$T/sipp.msg"; return 1; }
		grep -q 'info answers MANSRTSP/1.0 200 OK CSeq: 7 MANSRTSP/1.0 200 OK CSeq: 8' "$T/sipp.log"
		for _ in $(seq 50); do
			tail -n +"$((skip_n + 1))" "$T/dev.out" >"$T/this.out"
			grep -q '"stream_stopped".*"platform"' "$T/this.out" && break
			sleep 0.1
		done
		inv=$(grep '"type":"invite"' "$T/this.out")
		assert_json_eq "$inv" .kind playback
		assert_json_eq "$inv" .transport udp
		[ "$(jq -r 'select(.type=="control") | "\(.method) \(.speed)"' "$T/this.out" | tr '\n' ,)" = "pause 1,play 2," ]
		# the 200 to the INVITE: sendonly on RTP/AVP and no a=setup (not a TCP line)
		sed -n '/SIP\/2.0 200 OK/,/^y=/p' "$T/sipp.msg" | awk '/CSeq: 1 INVITE/{f=1} f' >"$T/ans"
		grep -q '^m=video [0-9]* RTP/AVP 96' "$T/ans"
		! grep -q 'a=setup' "$T/ans"
		rm -f "$T/sipp.msg" "$T/sipp.log"
	done
}

@test "the camera against sipp as the platform over TCP: a=setup:passive offer -> it connects, a=setup:active -> it listens; live and playback; ES byte for byte" {
	records_start
	printf 'SEQUENTIAL\n%s;\n' "$DEV_ID" >"$T/inv.csv"
	local n=0
	for setup in passive active; do
		for kind in Play Playback; do
			n=$((n + 1))
			rm -f "$T/sink.port" "$T/sink.out"
			if [ "$kind" = Play ]; then tline="0 0"; key=0
			else tline="$((REC + 2)) $((REC + 5))"; key=1; fi
			if [ "$setup" = passive ]; then
				"$TOOLS/tcp-sink" listen "$T/sink.port" "$T/sink.out" &
				sink=$!
				wait_for_file "$T/sink.port" 5
				mport=$(cat "$T/sink.port")
			else
				mport=9
			fi
			timeout 30 sipp "127.0.0.1:$DPORT" -sf "$SIPP/invite-platform-tcp.xml" -inf "$T/inv.csv" \
				-i 127.0.0.1 -p 0 -m 1 -nostdin -timeout 25s -timeout_error \
				-set setup "$setup" -set mport "$mport" -set kind "$kind" -set tline "$tline" \
				-trace_msg -message_file "$T/sipp$n.msg" >"$T/sipp$n.out" 2>&1 &
			sp=$!
			if [ "$setup" = active ]; then
				for _ in $(seq 200); do
					[ "$(grep -c '"type":"invite"' "$T/dev.out")" -ge "$n" ] && break
					sleep 0.05
				done
				lport=$(jq -r 'select(.type=="invite") | .local_media_port' "$T/dev.out" | tail -n 1)
				"$TOOLS/tcp-sink" connect 127.0.0.1 "$lport" "$T/sink.out" &
				sink=$!
			fi
			wait "$sp" || { cat "$T/sipp$n.out" "$T/dev.err"; return 1; }
			wait "$sink"
			# the answer takes the other role of RFC 4145
			want=$([ "$setup" = passive ] && echo active || echo passive)
			grep -q "^a=setup:$want" "$T/sipp$n.msg"
			grep -q '^m=video [0-9]* TCP/RTP/AVP 96' "$T/sipp$n.msg"
			rtp-ps-demux <"$T/sink.out" >"$T/es$n" 2>/dev/null
			es_check "$T/es$n" "$T/v10.264" "$key"
		done
	done
	[ "$(grep -c '"stream_stopped".*"platform"' "$T/dev.out")" -eq 4 ]
}

@test "the camera against sipp as the platform: a re-INVITE refreshing the session (same offer, or none) -> 200 with the same answer, the stream goes on; one moving the media -> 488, the dialog stays" {
	camera_start 30 "$D/v.264"
	printf 'SEQUENTIAL\n%s;\n' "$DEV_ID" >"$T/inv.csv"
	run timeout 20 sipp "127.0.0.1:$DPORT" -sf "$SIPP/invite-platform-reinvite.xml" -inf "$T/inv.csv" \
		-i 127.0.0.1 -p 0 -mp 0 -m 1 -nostdin -timeout 15s -timeout_error
	assert_status 0
	wait_for_grep '"stream_stopped".*"platform"' "$T/dev.out" 5
	[ "$(jq -r 'select(.type=="reinvite") | .status' "$T/dev.out" | tr '\n' ' ')" = "200 200 488 " ]
	assert_json_eq "$(grep '"reinvite".*488' "$T/dev.out")" .reason "re-INVITE moves the media"
	# one stream from the first INVITE to the BYE
	[ "$(grep -c '"stream_started"' "$T/dev.out")" -eq 1 ]
	[ "$(grep -c '"stream_stopped"' "$T/dev.out")" -eq 1 ]
}
