#!/usr/bin/env bats
# gb-ptzcmd: encoding known answers, strict decoding, MANSCDP body, sending.
load helpers
bats_require_minimum_version 1.5.0

teardown() { teardown_peers; show_on_failure; }

@test "encode: the known answers" {
	run --separate-stderr gb-ptzcmd stop
	assert_status 0; [ "$output" = A50F0100000000B5 ]; [ -z "$stderr" ]
	run --separate-stderr gb-ptzcmd left 0xFA
	assert_status 0; [ "$output" = A50F0102FA0000B1 ]
	run --separate-stderr gb-ptzcmd left 250
	[ "$output" = A50F0102FA0000B1 ]
	run --separate-stderr gb-ptzcmd down 250
	[ "$output" = A50F010400FA00B3 ]
	run --separate-stderr gb-ptzcmd up 250
	[ "$output" = A50F010800FA00B7 ]
	run --separate-stderr gb-ptzcmd preset-goto 5
	[ "$output" = A50F01820005003C ]
	run --separate-stderr gb-ptzcmd zoom-in 10
	[ "$output" = A50F01100000A065 ]
	run --separate-stderr gb-ptzcmd iris-open 250
	[ "$output" = A50F014400FA00F3 ]
	run --separate-stderr gb-ptzcmd focus-far 250
	[ "$output" = A50F0141FA0000F0 ]
}

@test "encode: 12-bit address split over bytes 3 and 7" {
	run --separate-stderr gb-ptzcmd --address 0xABC left 250
	assert_status 0; [ "$output" = A50FBC02FA000A76 ]
	run --separate-stderr gb-ptzcmd --address 77 right 0x90
	[ "$output" = A50F4D0190000092 ]
	run --separate-stderr gb-ptzcmd --address 4096 stop
	assert_status 64; assert_contains "$stderr" "try 'gb-ptzcmd --help'"
}

@test "encode: cruise, scan and aux families put values where the standard says" {
	run gb-ptzcmd cruise-add 1 5;     [ "$output" = A50F01840105003F ]
	run gb-ptzcmd cruise-speed 2 0xABC; [ "$output" = A50F018602BCA099 ]
	run gb-ptzcmd cruise-dwell 3 300; [ "${output:6:2}" = 87 ]; [ "${output:8:2}" = 03 ]; [ "${output:10:2}" = 2C ]; [ "${output:12:1}" = 1 ]
	run gb-ptzcmd cruise-start 4;     [ "${output:6:4}" = 8804 ]
	run gb-ptzcmd cruise-stop 4;      [ "$output" = A50F0100000000B5 ]
	run gb-ptzcmd scan-left 2;        [ "${output:6:6}" = 890201 ]
	run gb-ptzcmd scan-right;         [ "${output:6:6}" = 890102 ]
	run gb-ptzcmd aux-on 1;           [ "${output:6:6}" = 8C0100 ]
	run gb-ptzcmd aux-off 1;          [ "${output:6:6}" = 8D0100 ]
	# every encoding decodes back to the same command
	for c in "up-left 128 64" "zoom-out 3" "focus-near 9" "iris-close 7" \
	    "preset-set 9" "preset-del 9" "cruise-del 1 0" "scan-start 3" \
	    "scan-speed 1 4095" "cruise-dwell 3 300"; do
		h=$(gb-ptzcmd $c)
		a=$(gb-ptzcmd --decode "$h" | jq -r .action)
		[ "$a" = "${c%% *}" ] || { echo "$c -> $h -> $a"; return 1; }
	done
	# independent checksum: sum of bytes 1-7 mod 256 (python, not our code)
	for c in "up-left 128 64" "cruise-dwell 3 300" "scan-speed 1 4095"; do
		h=$(gb-ptzcmd --address 0x123 $c)
		python3 -c "import sys;b=bytes.fromhex(sys.argv[1]);assert b[0]==0xA5 and b[1]==0x0F and sum(b[:7])%256==b[7] and b[2]==0x23 and b[6]&15==1" "$h"
	done
}

@test "encode: usage errors exit 64" {
	run --separate-stderr gb-ptzcmd
	assert_status 64; assert_contains "$stderr" "try 'gb-ptzcmd --help'"
	run --separate-stderr gb-ptzcmd spin 3
	assert_status 64; assert_contains "$stderr" "unknown command"
	run --separate-stderr gb-ptzcmd left 256
	assert_status 64; [ -z "$output" ]
	run --separate-stderr gb-ptzcmd zoom-in 16
	assert_status 64
	run --separate-stderr gb-ptzcmd preset-goto 0
	assert_status 64
	run --separate-stderr gb-ptzcmd preset-goto
	assert_status 64
	run --separate-stderr gb-ptzcmd left fast
	assert_status 64
	run --separate-stderr gb-ptzcmd --xml stop
	assert_status 64; assert_contains "$stderr" "--device-id"
	run --separate-stderr gb-ptzcmd guard
	assert_status 64
}

@test "decode: the Hikvision capture and case-insensitive input" {
	run --separate-stderr gb-ptzcmd --decode a50f4d0190000092
	assert_status 0; [ -z "$stderr" ]
	assert_json_eq "$output" .type ptzcmd
	assert_json_eq "$output" .hex A50F4D0190000092
	assert_json_eq "$output" .family ptz
	assert_json_eq "$output" .action right
	assert_json_eq "$output" .pan_speed 144
	assert_json_eq "$output" .tilt_speed 0
	assert_json_eq "$output" .address 77
	run --separate-stderr gb-ptzcmd --decode A50F01820005003C
	assert_json_eq "$output" '[.family,.action,.preset]|@csv' '"preset","preset-goto",5'
	run --separate-stderr gb-ptzcmd --decode A50F010AFAFA00B3
	assert_json_eq "$output" .action up-left
}

@test "decode: malformed input exits 65 with a clear error, never a guess" {
	for h in A50F0100000000B A60F0100000000B6 A50E0100000000B4 A50F0100000000B4 \
	    A50F010C00FA00BB A50F018B00000040 A50F01000000G0B5; do
		run --separate-stderr gb-ptzcmd --decode "$h"
		assert_status 65
		[ -z "$output" ] || { echo "printed for $h: $output"; return 1; }
		[ -n "$stderr" ]
	done
	run --separate-stderr gb-ptzcmd --decode A50F0100000000B4
	assert_contains "$stderr" checksum
	run --separate-stderr gb-ptzcmd --decode A50E0100000000B4
	assert_contains "$stderr" "check nibble"
	run --separate-stderr gb-ptzcmd --decode A60F0100000000B6
	assert_contains "$stderr" "first byte"
	run --separate-stderr gb-ptzcmd --decode A50F0100000000
	assert_contains "$stderr" "16 hex digits"
}

@test "decode: stdin, one per line, error records for bad lines, worst status" {
	run --separate-stderr bash -c 'printf "A50F0102FA0000B1\n\na50f4d0190000092\r\nnope\nA50F0100000000B5\n" | gb-ptzcmd --decode'
	assert_status 65
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 4 ]
	[ "$(printf '%s\n' "$output" | jq -r .type | tr '\n' ' ')" = "ptzcmd ptzcmd error ptzcmd " ]
	assert_json_eq "$(printf '%s\n' "$output" | sed -n 3p)" .error malformed
	assert_json_eq "$(printf '%s\n' "$output" | sed -n 3p)" .input nope
	assert_contains "$stderr" "16 hex digits"
	run --separate-stderr bash -c 'printf "A50F0102FA0000B1\n" | gb-ptzcmd --decode'
	assert_status 0
}

@test "--xml: the whole MANSCDP DeviceControl body, parsed by an independent XML parser" {
	run --separate-stderr gb-ptzcmd --xml --device-id 34020000001320000001 --sn 17 preset-goto 5
	assert_status 0
	printf '%s' "$output" > "$BATS_TEST_TMPDIR/b.xml"
	run python3 "$TOOLS/manscdp-fields" "$BATS_TEST_TMPDIR/b.xml" . CmdType SN DeviceID PTZCmd Info/ControlPriority
	[ "$output" = "Control DeviceControl 17 34020000001320000001 A50F01820005003C 5" ]
	run gb-ptzcmd -x -d 34020000001320000001 --sn 3 home-position 7 60
	printf '%s' "$output" > "$BATS_TEST_TMPDIR/h.xml"
	run python3 "$TOOLS/manscdp-fields" "$BATS_TEST_TMPDIR/h.xml" HomePosition/Enabled HomePosition/ResetTime HomePosition/PresetIndex
	[ "$output" = "1 60 7" ]
	run gb-ptzcmd -x -d 34020000001320000001 guard
	assert_contains "$output" "<GuardCmd>SetGuard</GuardCmd>"
	run gb-ptzcmd -x -d 34020000001320000001 unguard
	assert_contains "$output" "<GuardCmd>ResetGuard</GuardCmd>"
}

# ---- sending: sipp (Debian sip-tester) as the device, gb-register end to end

SIPP="$ROOT/tests/sipp"
DEV_ID=34020000001320000001

# start_sipp SCENARIO [args...]: sipp as the device on a free UDP port.
start_sipp() {
	local scen=$1; shift
	T=$BATS_TEST_TMPDIR
	start_sipp_peer "$T/sipp.out" -sf "$SIPP/$scen" -m 1 -nostdin -timeout 20s \
		-trace_msg -message_file "$T/sipp.msg" -trace_logs -log_file "$T/sipp.log" "$@"
}

@test "--send: sipp device gets the DeviceControl MESSAGE and answers 200" {
	require_cmd sipp jq tshark
	start_sipp ptz-device.xml
	tshark -i lo -f "udp port $SIPP_PORT" -w "$T/cap.pcap" >"$T/tshark.out" 2>&1 &
	local cap=$!
	PEER_PIDS+=("$cap")
	wait_for_grep "Capturing on" "$T/tshark.out" 10; sleep 0.3
	run --separate-stderr timeout 20 gb-ptzcmd --send "sip:$DEV_ID@127.0.0.1:$SIPP_PORT" \
		--from 34020000002000000001@3402000000 -d 34020000001310000001 --sn 130 --address 0x4D right 0x90
	sleep 0.3; kill -INT "$cap"; wait "$cap" || true
	assert_status 0
	[ -z "$stderr" ]
	assert_json_eq "$output" .type control
	assert_json_eq "$output" .status 200
	assert_json_eq "$output" .ptzcmd A50F4D0190000092
	assert_json_eq "$output" .action right
	assert_json_eq "$output" .device_id 34020000001310000001
	assert_json_eq "$output" .to "$DEV_ID"
	assert_json_eq "$output" .transport udp
	assert_json_eq "$output" .sn 130
	wait "$SIPP_PID"
	grep -q "body-ok" "$T/sipp.log"
	# the exact request sipp received
	grep -q "^MESSAGE sip:$DEV_ID@127.0.0.1:$SIPP_PORT SIP/2.0" "$T/sipp.msg"
	grep -q '^From: <sip:34020000002000000001@3402000000>;tag=' "$T/sipp.msg"
	grep -q "^To: <sip:$DEV_ID@3402000000>" "$T/sipp.msg"
	grep -q '^Content-Type: Application/MANSCDP+xml' "$T/sipp.msg"
	blen=$(python3 "$TOOLS/gb-control-check" "$T/sipp.msg")
	# tshark: well formed, Content-Length equal to the body bytes
	run --separate-stderr tshark -r "$T/cap.pcap" -Y 'sip.Method == "MESSAGE"' -T fields -E separator='|' \
		-e sip.Content-Type -e sip.Content-Length -e sip.Max-Forwards -e sip.Via.branch -e sip.CSeq.method -e sip.from.tag -e sip.msg_body
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
	IFS='|' read -r ct cl mf branch cm ftag body <<<"$output"
	[ "$ct" = Application/MANSCDP+xml ]; [ "$mf" = 70 ]; [ "$cm" = MESSAGE ]
	[[ $branch == z9hG4bK* ]]; [ -n "$ftag" ]
	[ "$cl" -eq "$blen" ] || { echo "Content-Length $cl, body $blen"; return 1; }
	[ -z "$(tshark -r "$T/cap.pcap" -Y '_ws.malformed || _ws.expert.severity >= 6291456' 2>/dev/null)" ]
}

@test "--send: a 500 from the device is exit 76, with the record" {
	require_cmd sipp jq
	start_sipp ptz-device-500.xml
	run --separate-stderr timeout 20 gb-ptzcmd --send "sip:$DEV_ID@127.0.0.1:$SIPP_PORT" preset-goto 5
	assert_status 76
	assert_json_eq "$output" .status 500
	assert_json_eq "$output" .reason "Server Internal Error"
	assert_contains "$stderr" "500 Server Internal Error"
}

@test "--send: home-position and guard wait for the device's Response (Result OK, from the channel)" {
	require_cmd sipp jq
	start_sipp control-device.xml -set result OK -set respid 34020000001310000001
	run --separate-stderr timeout 20 gb-ptzcmd --send "sip:$DEV_ID@127.0.0.1:$SIPP_PORT" \
		-d 34020000001310000001 --sn 55 home-position 3 60
	assert_status 0
	assert_json_eq "$output" .command home-position
	assert_json_eq "$output" '.ptzcmd // "none"' none
	assert_json_eq "$output" .awaited true
	assert_json_eq "$output" .result OK
	assert_json_eq "$output" .response_device_id 34020000001310000001
	wait "$SIPP_PID"
	grep -q "body-ok cmd=DeviceControl sn=55 id=34020000001310000001 elem=HomePosition" "$T/sipp.log"
	grep -q '^<PresetIndex>3</PresetIndex>' "$T/sipp.msg"
	grep -q '^<ResetTime>60</ResetTime>' "$T/sipp.msg"
	! grep -q 'PTZCmd' "$T/sipp.msg"
	# Result ERROR is 76; a Response that never comes is 75
	start_sipp control-device.xml -set result ERROR -set respid "$DEV_ID"
	run --separate-stderr timeout 20 gb-ptzcmd --send "sip:$DEV_ID@127.0.0.1:$SIPP_PORT" guard
	assert_status 76
	assert_json_eq "$output" .result ERROR
	assert_contains "$stderr" "Result ERROR"
	start_sipp control-device-silent.xml
	run --separate-stderr timeout 20 gb-ptzcmd -t 1s --send "sip:$DEV_ID@127.0.0.1:$SIPP_PORT" unguard
	assert_status 75
	assert_json_eq "$output" .status 200
	grep -q "elem=GuardCmd val=ResetGuard" "$T/sipp.log"
	# a PTZCmd has no Response: the 200 ends it even with a long timeout
	start_sipp control-device-silent.xml
	run --separate-stderr timeout 20 gb-ptzcmd -t 10s --send "sip:$DEV_ID@127.0.0.1:$SIPP_PORT" stop
	assert_status 0
	assert_json_eq "$output" .awaited false
}

@test "--send: silent device -> 75; usage errors -> 64" {
	T=$BATS_TEST_TMPDIR
	hold_port udp
	run --separate-stderr timeout 20 gb-ptzcmd -t 1s --send "sip:$DEV_ID@127.0.0.1:$PEER_PORT" stop
	assert_status 75
	[ -z "$output" ]
	run --separate-stderr gb-ptzcmd --send http://x/ stop
	assert_status 64
	run --separate-stderr gb-ptzcmd --send "sip:$DEV_ID@127.0.0.1" --xml -d 1 stop
	assert_status 64
	run --separate-stderr gb-ptzcmd --send "sip:$DEV_ID@127.0.0.1" -w 127.0.0.1:0 stop
	assert_status 64
	run --separate-stderr gb-ptzcmd --send "sip:$DEV_ID@127.0.0.1" spin
	assert_status 64
	# bad arguments are refused before anything is sent or awaited
	run --separate-stderr timeout 5 gb-ptzcmd -w 127.0.0.1:0 home-position 0
	assert_status 64
	run --separate-stderr timeout 5 gb-ptzcmd --send "sip:$DEV_ID@127.0.0.1:$PEER_PORT" guard 1
	assert_status 64
	: >"$T/creds"; chmod 600 "$T/creds"
	run --separate-stderr env -u GB_PASSWORD CAMKIT_CREDENTIALS="$T/creds" gb-ptzcmd -w 127.0.0.1:0 stop
	assert_status 78
}

@test "--await-register: gb-register (device side) receives and decodes it, UDP and TCP" {
	require_cmd jq
	T=$BATS_TEST_TMPDIR
	local tcp port
	for tcp in "" --tcp; do
		GB_PASSWORD=s3cret start_await_register "$T/p.out" "$T/p.err" \
			timeout 20 gb-ptzcmd -v -w 127.0.0.1:0 --wait 15s zoom-in 10
		local p=$PEER_PID
		port=$PEER_PORT
		GB_PASSWORD=s3cret timeout 20 gb-register --retry 1s $tcp --server "34020000002000000001@127.0.0.1:$port" \
			--device-id "$DEV_ID" >"$T/dev.out" 2>"$T/dev.err" &
		PEER_PIDS+=("$!")
		wait "$p" || { cat "$T/p.err" "$T/dev.err"; return 1; }
		assert_json_eq "$(cat "$T/p.out")" .status 200
		[ "$(jq -r .transport "$T/p.out")" = "$( [ -n "$tcp" ] && echo tcp || echo udp)" ]
		wait_for_grep '"type":"control"' "$T/dev.out" 5
		local rec; rec=$(grep '"type":"control"' "$T/dev.out")
		assert_json_eq "$rec" .ptzcmd A50F01100000A065
		assert_json_eq "$rec" .action zoom-in
		assert_json_eq "$rec" .zoom_speed 10
		teardown_peers || true
	done
}
