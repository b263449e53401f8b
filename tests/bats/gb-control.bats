#!/usr/bin/env bats
# gb-control: every DeviceControl/DeviceConfig body, checked by an
# independent XML parser; sending against sipp (Debian sip-tester) as the
# device, which checks the body with its own regexps and answers with a
# Response (OK, ERROR, from the channel's ID, or never); --body FILE; and
# end to end against gb-register's device side.
load helpers
bats_require_minimum_version 1.5.0

SIPP="$ROOT/tests/sipp"
DEV_ID=34020000001320000001
CHAN=34020000001310000001
PLAT=34020000002000000001@3402000000

setup() { T=$BATS_TEST_TMPDIR; }
teardown() { teardown_peers; show_on_failure; }

# start_sipp SCENARIO [args...]: sipp as the device on a free UDP port.
start_sipp() {
	local scen=$1; shift
	start_sipp_peer "$T/sipp.out" -sf "$SIPP/$scen" -m 1 -nostdin -timeout 20s \
		-trace_msg -message_file "$T/sipp.msg" -trace_logs -log_file "$T/sipp.log" "$@"
}

# fields VERB [ARGS...] -- PATH...: the --xml body of the command, read
# back by tests/tools/manscdp-fields (Python's XML parser, GB2312).
fields() {
	local a=()
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	gb-control -x -c "$CHAN" --sn 7 "${a[@]}" >"$T/b.xml" || return 1
	python3 "$TOOLS/manscdp-fields" "$T/b.xml" . CmdType SN DeviceID "$@"
}

@test "usage errors exit 64, before anything is sent" {
	run --separate-stderr gb-control
	assert_status 64; assert_contains "$stderr" "try 'gb-control --help'"
	run --separate-stderr gb-control "sip:$DEV_ID@127.0.0.1"
	assert_status 64; assert_contains "$stderr" "no command"
	run --separate-stderr gb-control "sip:$DEV_ID@127.0.0.1" spin
	assert_status 64; assert_contains "$stderr" "unknown control"
	run --separate-stderr gb-control teleboot
	assert_status 64; assert_contains "$stderr" "--await-register"
	run --separate-stderr gb-control -x teleboot
	assert_status 64; assert_contains "$stderr" "--channel"
	run --separate-stderr gb-control "sip:$DEV_ID@127.0.0.1" teleboot now
	assert_status 64; assert_contains "$stderr" "teleboot takes 0 arguments"
	run --separate-stderr gb-control "sip:$DEV_ID@127.0.0.1" drag-zoom-in 1 2 3
	assert_status 64; assert_contains "$stderr" "6 arguments"
	run --separate-stderr gb-control "sip:$DEV_ID@127.0.0.1" drag-zoom-out 1 2 3 4 5 70000
	assert_status 64
	run --separate-stderr gb-control "sip:$DEV_ID@127.0.0.1" home-position 0
	assert_status 64
	run --separate-stderr gb-control "sip:$DEV_ID@127.0.0.1" config colour=red
	assert_status 64; assert_contains "$stderr" "heartbeat-interval"
	run --separate-stderr gb-control "sip:$DEV_ID@127.0.0.1" config expiration=1
	assert_status 64
	run --separate-stderr gb-control "sip:$DEV_ID@127.0.0.1" snapshot 11 1 http://x/
	assert_status 64
	run --separate-stderr gb-control "sip:$DEV_ID@127.0.0.1" snapshot 1 1 http://x/ short
	assert_status 64; assert_contains "$stderr" "SESSION"
	run --separate-stderr gb-control "sip:$DEV_ID@127.0.0.1" reset-alarm 9
	assert_status 64
	run --separate-stderr gb-control "sip:$DEV_ID@127.0.0.1" --body /dev/null guard
	assert_status 64
	run --separate-stderr gb-control -w 127.0.0.1:0 "sip:$DEV_ID@127.0.0.1" guard
	assert_status 64
	run --separate-stderr gb-control http://x/ guard
	assert_status 64
	run --separate-stderr gb-control -x -c 1 --body /dev/null
	assert_status 64
	: >"$T/creds"; chmod 600 "$T/creds"
	run --separate-stderr env -u GB_PASSWORD CAMKIT_CREDENTIALS="$T/creds" gb-control -w 127.0.0.1:0 guard
	assert_status 78
}

@test "--xml: every control's body as GB/T 28181 A.2.3 lays it out" {
	run fields teleboot -- TeleBoot
	[ "$output" = "Control DeviceControl 7 $CHAN Boot" ]
	run fields record -- RecordCmd StreamNumber
	[ "$output" = "Control DeviceControl 7 $CHAN Record None" ]
	run fields stop-record 1 -- RecordCmd StreamNumber
	[ "$output" = "Control DeviceControl 7 $CHAN StopRecord 1" ]
	run fields guard -- GuardCmd
	[ "$output" = "Control DeviceControl 7 $CHAN SetGuard" ]
	run fields unguard -- GuardCmd
	[ "$output" = "Control DeviceControl 7 $CHAN ResetGuard" ]
	run fields reset-alarm -- AlarmCmd Info
	[ "$output" = "Control DeviceControl 7 $CHAN ResetAlarm None" ]
	run fields reset-alarm 2 5 -- AlarmCmd Info/AlarmMethod Info/AlarmType
	[ "$output" = "Control DeviceControl 7 $CHAN ResetAlarm 2 5" ]
	run fields iframe -- IFameCmd
	[ "$output" = "Control DeviceControl 7 $CHAN Send" ]
	run fields drag-zoom-in 1920 1080 960 540 200 100 -- DragZoomIn/Length DragZoomIn/Width \
		DragZoomIn/MidPointX DragZoomIn/MidPointY DragZoomIn/LengthX DragZoomIn/LengthY
	[ "$output" = "Control DeviceControl 7 $CHAN 1920 1080 960 540 200 100" ]
	run fields drag-zoom-out 704 576 1 2 3 4 -- DragZoomOut/Length DragZoomOut/LengthY
	[ "$output" = "Control DeviceControl 7 $CHAN 704 4" ]
	run fields home-position 3 60 -- HomePosition/Enabled HomePosition/ResetTime HomePosition/PresetIndex
	[ "$output" = "Control DeviceControl 7 $CHAN 1 60 3" ]
	run fields home-position-off -- HomePosition/Enabled HomePosition/PresetIndex
	[ "$output" = "Control DeviceControl 7 $CHAN 0 None" ]
	run fields format-sdcard -- FormatSDCard
	[ "$output" = "Control DeviceControl 7 $CHAN 1" ]
	# the name in GB2312, as the body declares (the parser decodes GB2312)
	run fields config name=西湖一号 expiration=3600 heartbeat-interval=30 heartbeat-count=5 -- \
		BasicParam/Name BasicParam/Expiration BasicParam/HeartBeatInterval BasicParam/HeartBeatCount
	[ "$output" = "Control DeviceConfig 7 $CHAN 西湖一号 3600 30 5" ]
	run fields snapshot 3 2 'http://127.0.0.1/up?token=a&b=1' 0123456789abcdef0123456789abcdef -- \
		SnapShotConfig/SnapNum SnapShotConfig/Interval SnapShotConfig/UploadURL SnapShotConfig/SessionID
	[ "$output" = "Control DeviceConfig 7 $CHAN 3 2 http://127.0.0.1/up?token=a&b=1 0123456789abcdef0123456789abcdef" ]
	# a SessionID is made up when not given: 32-128 letters, digits, '-'
	run fields snapshot 1 1 http://x/ -- SnapShotConfig/SessionID
	[[ ${output##* } =~ ^[A-Za-z0-9-]{32,128}$ ]]
}

@test "sipp device: record, the Response from the channel's ID, decoy ignored, Result OK -> 0" {
	require_cmd sipp jq
	start_sipp control-device.xml -set result OK -set respid "$CHAN"
	run --separate-stderr timeout 20 gb-control --from "$PLAT" -c "$CHAN" --sn 4242 \
		"sip:$DEV_ID@127.0.0.1:$SIPP_PORT" record
	assert_status 0
	[ -z "$stderr" ]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
	assert_json_eq "$output" .type control
	assert_json_eq "$output" .command record
	assert_json_eq "$output" .cmd_type DeviceControl
	assert_json_eq "$output" .sn 4242
	assert_json_eq "$output" .status 200
	assert_json_eq "$output" .awaited true
	assert_json_eq "$output" .result OK
	assert_json_eq "$output" .response_device_id "$CHAN"
	assert_json_eq "$output" .device_id "$CHAN"
	assert_json_eq "$output" .to "$DEV_ID"
	# sipp received both 200s (it fails the call otherwise) and saw the body
	wait "$SIPP_PID"
	grep -q "body-ok cmd=DeviceControl sn=4242 id=$CHAN elem=RecordCmd val=Record\$" "$T/sipp.log"
}

@test "sipp device: Result ERROR -> 76 with the record; DeviceConfig BasicParam" {
	require_cmd sipp jq
	start_sipp control-device.xml -set result ERROR -set respid "$DEV_ID"
	run --separate-stderr timeout 20 gb-control --sn 9 "sip:$DEV_ID@127.0.0.1:$SIPP_PORT" \
		config heartbeat-interval=30 heartbeat-count=4
	assert_status 76
	assert_json_eq "$output" .cmd_type DeviceConfig
	assert_json_eq "$output" .result ERROR
	assert_contains "$stderr" "Result ERROR"
	wait "$SIPP_PID"
	grep -q "body-ok cmd=DeviceConfig sn=9 id=$DEV_ID elem=BasicParam val=" "$T/sipp.log"
	grep -q '^<HeartBeatInterval>30</HeartBeatInterval>' "$T/sipp.msg"
	grep -q '^<HeartBeatCount>4</HeartBeatCount>' "$T/sipp.msg"
}

@test "sipp device: a Response that never comes -> 75, the SIP 200 still reported" {
	require_cmd sipp jq
	start_sipp control-device-silent.xml
	run --separate-stderr timeout 20 gb-control -t 1s "sip:$DEV_ID@127.0.0.1:$SIPP_PORT" guard
	assert_status 75
	assert_json_eq "$output" .status 200
	assert_json_eq "$output" .awaited true
	assert_json_eq "$output" '.result // "none"' none
	assert_contains "$stderr" "no DeviceControl response"
	grep -q "body-ok cmd=DeviceControl elem=GuardCmd val=SetGuard" "$T/sipp.log"
}

@test "sipp device: controls without a Response end on the SIP 200" {
	require_cmd sipp jq
	local c want
	for c in "teleboot:TeleBoot=Boot" "iframe:IFameCmd=Send" "format-sdcard 2:FormatSDCard=2" \
	    "drag-zoom-in 704 576 10 20 30 40:DragZoomIn="; do
		want=${c#*:}
		start_sipp control-device-silent.xml
		# -t 10s: waiting for a Response would end in 75 after 10 s
		run --separate-stderr timeout 20 gb-control -t 10s "sip:$DEV_ID@127.0.0.1:$SIPP_PORT" ${c%%:*}
		assert_status 0
		assert_json_eq "$output" .awaited false
		assert_json_eq "$output" .status 200
		wait_for_grep "body-ok cmd=DeviceControl elem=${want%%=*} val=${want#*=}" "$T/sipp.log" 5
		teardown_peers || true
		rm -f "$T/sipp.log"
	done
}

@test "--body FILE: a control body as it is, its Response collected; a Query's answers printed" {
	require_cmd sipp jq
	printf '<?xml version="1.0"?>\r\n<Control>\r\n<CmdType>DeviceControl</CmdType>\r\n<SN>77</SN>\r\n<DeviceID>%s</DeviceID>\r\n<AlarmCmd>ResetAlarm</AlarmCmd>\r\n</Control>\r\n' "$CHAN" >"$T/ctl.xml"
	start_sipp control-device.xml -set result OK -set respid "$CHAN"
	run --separate-stderr timeout 20 gb-control --body "$T/ctl.xml" "sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	assert_json_eq "$output" .command body
	assert_json_eq "$output" .sn 77
	assert_json_eq "$output" .device_id "$CHAN"
	assert_json_eq "$output" .result OK
	wait "$SIPP_PID"
	grep -q "body-ok cmd=DeviceControl sn=77 id=$CHAN elem=AlarmCmd val=ResetAlarm" "$T/sipp.log"
	# the body went out byte for byte (CRs included)
	local m b
	m=$(cat "$T/sipp.msg"); b=$(cat "$T/ctl.xml")
	[[ $m == *"$b"* ]]
	# a query: the answer decoded as gb-catalog decodes it
	printf '<?xml version="1.0" encoding="GB2312"?>\n<Query>\n<CmdType>DeviceStatus</CmdType>\n<SN>78</SN>\n<DeviceID>%s</DeviceID>\n</Query>\n' "$DEV_ID" >"$T/q.xml"
	printf 'SEQUENTIAL\n<Result>OK</Result><Online>ONLINE</Online><Status>OK</Status><Record>ON</Record>;\n' >"$T/f.csv"
	start_sipp query-device.xml -set respid "$DEV_ID" -inf "$T/f.csv"
	run --separate-stderr timeout 20 gb-control --body "$T/q.xml" "sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	assert_json_eq "$output" .type response
	assert_json_eq "$output" .cmd_type DeviceStatus
	assert_json_eq "$output" .fields.record ON
	assert_json_eq "$output" .fields.online ONLINE
}

@test "--body FILE: missing 66, malformed or without SN 65, silent device 75" {
	run --separate-stderr gb-control --body "$T/none.xml" "sip:$DEV_ID@127.0.0.1:9"
	assert_status 66; [ -z "$output" ]
	printf '<Control><CmdType>DeviceControl</CmdType><SN>1</SN>' >"$T/bad.xml"
	run --separate-stderr gb-control --body "$T/bad.xml" "sip:$DEV_ID@127.0.0.1:9"
	assert_status 65
	printf '<Control><CmdType>DeviceControl</CmdType><GuardCmd>SetGuard</GuardCmd></Control>' >"$T/nosn.xml"
	run --separate-stderr gb-control --body "$T/nosn.xml" "sip:$DEV_ID@127.0.0.1:9"
	assert_status 65; assert_contains "$stderr" "SN"
	hold_port udp
	run --separate-stderr timeout 20 gb-control -t 1s "sip:$DEV_ID@127.0.0.1:$PEER_PORT" guard
	assert_status 75; [ -z "$output" ]
}

@test "--await-register: gb-register's device answers guard with a Response (UDP, TCP); teleboot ends on the 200" {
	require_cmd jq
	local c tcp
	for c in guard:udp guard:tcp teleboot:udp; do
		tcp=; [ "${c#*:}" = tcp ] && tcp=--tcp
		GB_PASSWORD=s3cret start_await_register "$T/p.out" "$T/p.err" \
			timeout 20 gb-control -w 127.0.0.1:0 --wait 15s "${c%%:*}"
		local p=$PEER_PID
		GB_PASSWORD=s3cret timeout 20 gb-register --retry 1s $tcp --server "34020000002000000001@127.0.0.1:$PEER_PORT" \
			--device-id "$DEV_ID" >"$T/dev.out" 2>"$T/dev.err" &
		PEER_PIDS+=("$!")
		wait "$p" || { cat "$T/p.err" "$T/dev.err"; return 1; }
		assert_json_eq "$(cat "$T/p.out")" .status 200
		assert_json_eq "$(cat "$T/p.out")" .transport "${c#*:}"
		if [ "${c%%:*}" = guard ]; then
			assert_json_eq "$(cat "$T/p.out")" .result OK
			assert_json_eq "$(cat "$T/p.out")" .awaited true
		else
			assert_json_eq "$(cat "$T/p.out")" .awaited false
		fi
		wait_for_grep '"type":"control"' "$T/dev.out" 5
		teardown_peers || true
	done
}

@test "sipp device over TCP: the control and its Response on one connection" {
	require_cmd sipp jq
	start_sipp control-device.xml -t t1 -set result OK -set respid "$DEV_ID"
	run --separate-stderr timeout 20 gb-control --tcp --sn 5150 "sip:$DEV_ID@127.0.0.1:$SIPP_PORT" \
		reset-alarm 2 1
	assert_status 0
	assert_json_eq "$output" .transport tcp
	assert_json_eq "$output" .result OK
	wait "$SIPP_PID"
	grep -q "body-ok cmd=DeviceControl sn=5150 id=$DEV_ID elem=AlarmCmd val=ResetAlarm" "$T/sipp.log"
	grep -q '^<AlarmMethod>2</AlarmMethod>' "$T/sipp.msg"
	grep -q '^<AlarmType>1</AlarmType>' "$T/sipp.msg"
}

@test "sipp device: a Response that overtakes the SIP 200 is still taken and answered" {
	require_cmd sipp jq
	start_sipp control-device-early.xml -set respid "$CHAN"
	run --separate-stderr timeout 20 gb-control --sn 606 "sip:$DEV_ID@127.0.0.1:$SIPP_PORT" home-position-off
	assert_status 0
	assert_json_eq "$output" .status 200
	assert_json_eq "$output" .result OK
	assert_json_eq "$output" .response_device_id "$CHAN"
	# sipp got our 200 to its Response (the scenario fails otherwise)
	wait "$SIPP_PID"
	grep -q "body-ok cmd=DeviceControl sn=606 early" "$T/sipp.log"
}

# e2e_device: gb-register --listen as the platform and gb-register's device
# registered with it; sets URI to the device's own address (from the
# registrar's record), where the tools then reach it directly.
e2e_device() {
	GB_PASSWORD=s3cret gb-register --listen 127.0.0.1:0 >"$T/reg.out" 2>"$T/reg.err" &
	PEER_PIDS+=("$!")
	wait_for_grep '"listening"' "$T/reg.out" 10 || { cat "$T/reg.err"; return 1; }
	local port; port=$(jq -r 'select(.type=="listening") | .port' "$T/reg.out")
	GB_PASSWORD=s3cret timeout 60 gb-register --server "34020000002000000001@127.0.0.1:$port" \
		--device-id "$DEV_ID" >"$T/dev.out" 2>"$T/dev.err" &
	PEER_PIDS+=("$!")
	wait_for_grep '"type":"register"' "$T/reg.out" 10 || { cat "$T/dev.err"; return 1; }
	URI="sip:$DEV_ID@$(jq -r 'select(.type=="register") | .source' "$T/reg.out" | head -n 1)"
}

@test "end to end with gb-register's device: each control's Response, and the state the queries then show" {
	require_cmd jq
	e2e_device
	# DeviceConfig: answered from the channel named, then ConfigDownload says so
	run --separate-stderr timeout 20 gb-control -c "$CHAN" "$URI" config heartbeat-interval=30 heartbeat-count=4
	assert_status 0
	assert_json_eq "$output" .result OK
	assert_json_eq "$output" .response_device_id "$CHAN"
	run --separate-stderr timeout 20 gb-catalog --query ConfigDownload "$URI"
	assert_status 0
	assert_json_eq "$output" '[.fields.basic_param.heart_beat_interval,.fields.basic_param.heart_beat_count]|@csv' '"30","4"'
	# RecordCmd -> DeviceStatus Record
	run --separate-stderr timeout 20 gb-control "$URI" record
	assert_status 0; assert_json_eq "$output" .result OK
	run --separate-stderr timeout 20 gb-catalog --query DeviceStatus "$URI"
	assert_json_eq "$output" .fields.record ON
	run --separate-stderr timeout 20 gb-control "$URI" stop-record
	assert_status 0
	run --separate-stderr timeout 20 gb-catalog --query DeviceStatus "$URI"
	assert_json_eq "$output" .fields.record OFF
	# HomePosition (gb-ptzcmd, the same path) -> HomePositionQuery
	run --separate-stderr timeout 20 gb-ptzcmd --send "$URI" home-position 3 60
	assert_status 0; assert_json_eq "$output" .result OK
	run --separate-stderr timeout 20 gb-catalog --query HomePositionQuery "$URI"
	assert_json_eq "$output" '[.fields.home_position.enabled,.fields.home_position.preset_index,.fields.home_position.reset_time]|@csv' '"1","3","60"'
	# a PTZCmd has no Response, and moves what PTZPosition reports
	run --separate-stderr timeout 20 gb-catalog --query PTZPosition "$URI"
	local z0; z0=$(jq -r .fields.zoom <<<"$output")
	run --separate-stderr timeout 20 gb-ptzcmd -t 10s --send "$URI" zoom-in 15
	assert_status 0; assert_json_eq "$output" .awaited false
	run --separate-stderr timeout 20 gb-catalog --query PTZPosition "$URI"
	[ "$(jq -r .fields.zoom <<<"$output")" -gt "$z0" ]
	# FormatSDCard has no Response (2022); the card is empty after it
	run --separate-stderr timeout 20 gb-control -t 10s "$URI" format-sdcard
	assert_status 0; assert_json_eq "$output" .awaited false
	run --separate-stderr timeout 20 gb-catalog --query SDCardStatus "$URI"
	assert_json_eq "$output" '.item.free_space == .item.capacity' true
	# guard, iframe, drag-zoom: Responses where due, none where not
	for c in "guard:true" "unguard:true" "iframe:false" "drag-zoom-in 704 576 352 288 100 100:false"; do
		run --separate-stderr timeout 20 gb-control -t 10s "$URI" ${c%%:*}
		assert_status 0
		assert_json_eq "$output" .awaited "${c#*:}"
	done
	# an alarm reset is taken only from the platform the device registered
	# with, not from this tool's own socket: 403 -> 77
	run --separate-stderr timeout 20 gb-control -t 10s "$URI" reset-alarm 2
	assert_status 77
	assert_json_eq "$output" .status 403
}
