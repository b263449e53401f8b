#!/usr/bin/env bats
# gb-register against sipp (Debian sip-tester) as an independent SIP stack:
# sipp as a platform that challenges and verifies the digest itself
# (verifyauth), sipp as devices answering our registrar's challenge with its
# own digest code ([authentication]); the bytes on the wire checked by tshark.
load helpers
bats_require_minimum_version 1.5.0

SIPP="$ROOT/tests/sipp"
PLATFORM_ID=34020000002000000001
DEV_ID=34020000001320000001
GB_DATE=2026-01-02T03:04:05.678

setup() {
	require_cmd sipp jq
	gb_setup
}

teardown() { teardown_peers; show_on_failure; }

# start_sipp_uas SCENARIO [sipp args...]: sipp as a platform on a free UDP
# port (SIPP_PORT), with its message log in $T/sipp.msg.
start_sipp_uas() {
	local scen=$1; shift
	start_sipp_peer "$T/sipp.out" -sf "$SIPP/$scen" -nostdin -timeout 60s \
		-set user "$DEV_ID" -set pass secret -set date "$GB_DATE" \
		-trace_msg -message_file "$T/sipp.msg" "$@"
}

# start_registrar [gb-register args...]: gb-register --listen on a free
# port; records in $T/reg.out, port in REG_PORT.
start_registrar() {
	gb-register --listen 127.0.0.1:0 "$@" >"$T/reg.out" 2>"$T/reg.err" &
	PEER_PIDS+=("$!")
	REG_PID=$!
	wait_for_grep '"listening"' "$T/reg.out" 10 || { cat "$T/reg.err" >&2; return 1; }
	REG_PORT=$(jq -r 'select(.type=="listening") | .port' "$T/reg.out")
}

# start_device OUT [args...]: gb-register device side in the background.
start_device() {
	local out=$1; shift
	timeout 60 gb-register --server "$PLATFORM_ID@127.0.0.1:$SIPP_PORT" --device-id "$DEV_ID" \
		"$@" >"$out" 2>"$out.err" &
	DEV_PID=$!
	PEER_PIDS+=("$DEV_PID")
}

# sipp as a device: run_sipp_uac SCENARIO PORT [args...] (foreground, bounded).
run_sipp_uac() {
	local scen=$1 port=$2; shift 2
	printf 'SEQUENTIAL\n%s;%s;\n' "${UAC_ID:-$DEV_ID}" "$PLATFORM_ID" >"$T/dev.csv"
	run timeout 30 sipp 127.0.0.1:"$port" -sf "$SIPP/$scen" -inf "$T/dev.csv" \
		-i 127.0.0.1 -m 1 -nostdin -timeout 20s -timeout_error \
		-set expires 60 -au "${UAC_ID:-$DEV_ID}" "$@"
}

@test "gb-register: usage errors exit 64" {
	run --separate-stderr gb-register
	assert_status 64
	assert_contains "$stderr" "--server or --listen is required"
	assert_contains "$stderr" "try 'gb-register --help'"
	run --separate-stderr gb-register --server "$PLATFORM_ID@127.0.0.1" --device-id 12x
	assert_status 64
	assert_contains "$stderr" "--device-id"
	run --separate-stderr gb-register --server nohost --device-id "$DEV_ID"
	assert_status 64
	assert_contains "$stderr" "ID@HOST"
	run --separate-stderr gb-register --listen :0 --server "$PLATFORM_ID@127.0.0.1"
	assert_status 64
	run --separate-stderr gb-register --server "$PLATFORM_ID@127.0.0.1" --device-id "$DEV_ID" --keepalive 5parsecs
	assert_status 64
	[ -z "$output" ]
}

@test "gb-register: registers with sipp's digest check, keepalives, unregisters on SIGTERM" {
	start_sipp_uas register-platform.xml -set grant 3600
	start_device "$T/d.out" --keepalive 300ms
	wait_for_grep keepalive_ok "$T/d.out" 10
	kill -TERM "$DEV_PID"
	wait "$DEV_PID" && st=0 || st=$?
	[ "$st" -eq 0 ] || { cat "$T/d.out.err"; echo "exit $st"; return 1; }
	run jq -r .type "$T/d.out"
	[ "${lines[0]}" = registered ]
	[ "${lines[1]}" = keepalive_ok ]
	[ "${lines[${#lines[@]}-1]}" = unregistered ]
	rec=$(head -n 1 "$T/d.out")
	assert_json_eq "$rec" .server "$PLATFORM_ID"
	assert_json_eq "$rec" .transport udp
	assert_json_eq "$rec" .expires 3600
	assert_json_eq "$rec" .server_date "$GB_DATE"
	# offset = platform clock (the fixed Date) minus ours, at the same moment
	want=$(( $(date -u -d "${GB_DATE/T/ }" +%s) - $(date -u -d "$(jq -r .ts <<<"$rec")" +%s) ))
	got=$(jq -r '.offset_s | floor' <<<"$rec")
	[ $((got - want)) -ge -2 ] && [ $((got - want)) -le 1 ]
	assert_json_eq "$(sed -n 2p "$T/d.out")" .sn 1
	# what sipp received: the unregister is Expires: 0 with credentials
	grep -q '^Expires: 0' "$T/sipp.msg"
	grep -q '^Authorization: Digest username="'"$DEV_ID"'", realm="3402000000", nonce="a8afe6fcbee6331d89d3eb0d3d19ce39"' "$T/sipp.msg"
	grep -q 'opaque="a853e4f25298413f9bf3a9aa6767857d"' "$T/sipp.msg"
	grep -q '<CmdType>Keepalive</CmdType>' "$T/sipp.msg"
	[ ! -s "$T/d.out.err" ]
}

@test "gb-register: refreshes before the granted expiry (sipp grants 2 s)" {
	start_sipp_uas register-platform.xml -set grant 2
	start_device "$T/d.out" --expires 3600 --keepalive 60s
	wait_for_grep refreshed "$T/d.out" 10
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
	assert_json_eq "$(grep refreshed "$T/d.out" | head -n 1)" .expires 2
	# three REGISTER transactions with credentials: register, refresh, unregister
	[ "$(grep -c '^Authorization: Digest' "$T/sipp.msg")" -ge 3 ]
	# the refresh keeps the Call-ID
	[ "$(grep -A6 '^REGISTER ' "$T/sipp.msg" | grep '^Call-ID' | sort -u | wc -l)" -eq 1 ]
}

@test "gb-register: wrong password -> sipp answers 403 -> exit 77" {
	start_sipp_uas register-platform.xml -set grant 3600
	GB_PASSWORD=wrong run --separate-stderr timeout 20 gb-register \
		--server "$PLATFORM_ID@127.0.0.1:$SIPP_PORT" --device-id "$DEV_ID"
	assert_status 77
	assert_contains "$stderr" "403"
	assert_json_eq "$output" .type error
	assert_json_eq "$output" .error auth
}

@test "gb-register: no password configured and a challenge -> exit 78" {
	start_sipp_uas register-platform.xml -set grant 3600
	unset GB_PASSWORD
	run --separate-stderr timeout 20 gb-register \
		--server "$PLATFORM_ID@127.0.0.1:$SIPP_PORT" --device-id "$DEV_ID"
	assert_status 78
	assert_contains "$stderr" "none is configured"
}

@test "gb-register: silent platform -> timeout exit 75 after --attempts" {
	hold_port udp
	port=$PEER_PORT
	run --separate-stderr timeout 20 gb-register --server "$PLATFORM_ID@127.0.0.1:$port" \
		--device-id "$DEV_ID" --timeout 700ms --attempts 2 --retry 100ms
	assert_status 75
	[ "$(grep -c '"type":"error"' <<<"$output")" -eq 2 ]
	assert_contains "$stderr" "no final response"
}

@test "gb-register: 302 redirect (GB28181-2022) to a gb-register --listen platform" {
	start_registrar
	start_sipp_uas register-redirect.xml -set grant 3600 \
		-set target "sip:34020000002000000002@127.0.0.1:$REG_PORT"
	start_device "$T/d.out" --keepalive 60s
	wait_for_grep '"registered"' "$T/d.out" 10
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
	red=$(grep '"redirected"' "$T/d.out")
	assert_json_eq "$red" .server 34020000002000000002
	assert_json_eq "$red" .address "127.0.0.1:$REG_PORT"
	assert_json_eq "$(grep '"registered"' "$T/d.out")" .server 34020000002000000002
	wait_for_grep '"unregister"' "$T/reg.out" 5
	assert_json_eq "$(grep '"register"' "$T/reg.out")" .id "$DEV_ID"
}

@test "gb-register: unanswered keepalives -> keepalive_lost -> registers again" {
	start_sipp_uas register-nokeepalive.xml -set grant 3600
	start_device "$T/d.out" --keepalive 300ms --max-missed 3
	wait_for_grep keepalive_lost "$T/d.out" 15
	wait_for_grep_n 2 '"registered"' "$T/d.out"
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
	run jq -r .type "$T/d.out"
	[ "${lines[0]}" = registered ]
	[ "${lines[1]}" = keepalive_lost ]
	[ "${lines[2]}" = registered ]
	assert_json_eq "$(grep keepalive_lost "$T/d.out")" .missed 3
}

@test "gb-register: --tcp against sipp over TCP" {
	start_sipp_uas register-platform.xml -t t1 -set grant 3600
	start_device "$T/d.out" --tcp --keepalive 300ms
	wait_for_grep keepalive_ok "$T/d.out" 10
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
	assert_json_eq "$(head -n 1 "$T/d.out")" .transport tcp
	tail -n 1 "$T/d.out" | grep -q unregistered
	grep -q '^Via: SIP/2.0/TCP ' "$T/sipp.msg"
	grep -q 'TCP message received' "$T/sipp.msg"
}

@test "gb-register: TCP connection dropped -> reconnects and registers again" {
	start_registrar --keepalive 60s
	timeout 60 gb-register --server "$PLATFORM_ID@127.0.0.1:$REG_PORT" --device-id "$DEV_ID" \
		--tcp --keepalive 300ms --retry 200ms >"$T/d.out" 2>"$T/d.err" &
	DEV_PID=$!; PEER_PIDS+=("$DEV_PID")
	wait_for_grep keepalive_ok "$T/d.out" 10
	kill "$REG_PID"; wait "$REG_PID" || true
	wait_for_grep '"connection"\|keepalive_lost\|"error"' "$T/d.out" 10
	# the platform comes back on the same port
	gb-register --listen "127.0.0.1:$REG_PORT" >"$T/reg2.out" 2>&1 &
	PEER_PIDS+=("$!")
	wait_for_grep '"register"' "$T/reg2.out" 15
	assert_json_eq "$(grep '"register"' "$T/reg2.out")" .transport tcp
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
	wait_for_grep_n 2 '"registered"' "$T/d.out"
}

@test "gb-register: answers sipp's Catalog query in chunks, GB2312 bytes, correct Content-Length (tshark)" {
	require_cmd tshark tcpdump
	require_root
	printf '%s\n' '<?xml version="1.0" encoding="UTF-8"?>' '<Response><DeviceList>' \
		'<Item><DeviceID>34020000001320000011</DeviceID><Name>浙江省</Name></Item>' \
		'<Item><DeviceID>34020000001320000012</DeviceID><Name>Cam 2</Name></Item>' \
		'<Item><DeviceID>34020000001320000013</DeviceID><Name>Cam 3</Name></Item>' \
		'</DeviceList></Response>' >"$T/cat.xml"
	# sipp first (it sends nothing before the device registers), then the capture
	start_sipp_uas register-platform-query.xml -set grant 3600 -set cmd Catalog
	tcpdump -Z root --immediate-mode -i lo -U -w "$T/cap.pcap" "udp port $SIPP_PORT" 2>"$T/tcpdump.err" &
	TCPD=$!; PEER_PIDS+=("$TCPD")
	wait_for_grep listening "$T/tcpdump.err" 10
	start_device "$T/d.out" --catalog "$T/cat.xml" --catalog-chunk 2 --keepalive 60s
	wait_for_grep '"query"' "$T/d.out" 10
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
	sleep 0.3
	kill -TERM "$TCPD"; wait "$TCPD" || true
	q=$(grep '"query"' "$T/d.out")
	assert_json_eq "$q" .cmd_type Catalog
	assert_json_eq "$q" .sn 471
	assert_json_eq "$q" .messages 2
	assert_json_eq "$q" .items 3
	assert_json_eq "$q" .from "$PLATFORM_ID"
	# tshark: nothing malformed; every request we sent has the expected headers
	[ "$(tshark -r "$T/cap.pcap" -d udp.port==$SIPP_PORT,sip -Y '_ws.malformed || _ws.expert.severity == error' 2>/dev/null | wc -l)" -eq 0 ]
	tshark -r "$T/cap.pcap" -d udp.port==$SIPP_PORT,sip -Y "sip.Method && udp.dstport == $SIPP_PORT" -T fields -E separator='|' \
		-e sip.Method -e sip.Via.branch -e sip.from.tag -e sip.CSeq.method -e sip.Max-Forwards \
		-e sip.Content-Type -e sip.Content-Length -e udp.payload 2>/dev/null >"$T/fields"
	[ "$(cut -d'|' -f1 "$T/fields" | sort | uniq -c | awk '{print $2":"$1}' | tr '\n' ' ')" = "MESSAGE:2 REGISTER:4 " ]
	while IFS='|' read -r m br tag cm mf ct cl hex; do
		[[ $br == z9hG4bK* ]] || { echo "branch $br"; return 1; }
		[ -n "$tag" ] && [ "$cm" = "$m" ] && [ "$mf" = 70 ] || { echo "headers: $m $tag $cm $mf"; return 1; }
		body=$(python3 -c 'import sys; b=bytes.fromhex(sys.argv[1]); print(len(b.split(b"\r\n\r\n",1)[1]))' "$hex")
		[ "$body" = "$cl" ] || { echo "$m: Content-Length $cl, body $body"; return 1; }
		if [ "$m" = MESSAGE ]; then
			[ "$ct" = "Application/MANSCDP+xml" ] || { echo "ctype $ct"; return 1; }
		fi
	done <"$T/fields"
	# the GB2312 bytes of 浙江省 (d5e3 bdad caa1) in the first chunk, SumNum 3
	grep -q 'd5e3bdadcaa1' "$T/fields"
	[ "$(grep -c '<SumNum>3</SumNum>' "$T/sipp.msg")" -eq 2 ]
	grep -q '<DeviceList Num="2">' "$T/sipp.msg"
	grep -q '<DeviceList Num="1">' "$T/sipp.msg"
}

@test "gb-register: answers DeviceInfo from options" {
	start_sipp_uas register-platform-query.xml -set grant 3600 -set cmd DeviceInfo
	start_device "$T/d.out" --keepalive 60s --name "Gate 1" --model IPC-X
	wait_for_grep '"query"' "$T/d.out" 10
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
	assert_json_eq "$(grep '"query"' "$T/d.out")" .cmd_type DeviceInfo
	grep -q '<DeviceName>Gate 1</DeviceName>' "$T/sipp.msg"
	grep -q '<Model>IPC-X</Model>' "$T/sipp.msg"
	grep -q '<CmdType>DeviceInfo</CmdType>' "$T/sipp.msg"
}

@test "gb-register --listen: sipp device registers with digest, keepalives, unregisters" {
	start_registrar --keepalive 1s
	run_sipp_uac register-device.xml "$REG_PORT" -ap secret -d 200
	assert_status 0
	wait_for_grep '"unregister"' "$T/reg.out" 5
	run jq -r .type "$T/reg.out"
	[ "${lines[*]}" = "listening register keepalive keepalive keepalive unregister" ]
	r=$(grep '"register"' "$T/reg.out")
	assert_json_eq "$r" .id "$DEV_ID"
	assert_json_eq "$r" .transport udp
	assert_json_eq "$r" .expires 60
	assert_json_eq "$r" .user_agent sipp
	assert_contains "$(jq -r .source <<<"$r")" "127.0.0.1:"
}

@test "gb-register --listen: qop=auth challenge answered by sipp" {
	start_registrar --qop
	run_sipp_uac register-bench.xml "$REG_PORT" -ap secret
	assert_status 0
	wait_for_grep '"register"' "$T/reg.out" 5
}

@test "gb-register --listen: wrong password -> 403, auth_failed wrong password" {
	start_registrar
	run_sipp_uac register-device-reject.xml "$REG_PORT" -ap wrong
	assert_status 0
	wait_for_grep auth_failed "$T/reg.out" 5
	assert_json_eq "$(grep auth_failed "$T/reg.out")" .reason "wrong password"
	assert_json_eq "$(grep auth_failed "$T/reg.out")" .status 403
	! grep -q '"register"' "$T/reg.out"
}

@test "gb-register --listen: ID outside --allow -> 403 unknown id; per-device password file" {
	printf '# id password\n%s devpass\n34020000001320000099 other\n' "$DEV_ID" >"$T/pw"
	chmod 600 "$T/pw"
	unset GB_PASSWORD
	start_registrar --allow '3402000000132000000*' --passwords "$T/pw"
	UAC_ID=34020000001320000099 run_sipp_uac register-device-unknown.xml "$REG_PORT" -ap other
	assert_status 0
	run_sipp_uac register-bench.xml "$REG_PORT" -ap devpass
	assert_status 0
	wait_for_grep '"register"' "$T/reg.out" 5
	assert_json_eq "$(grep auth_failed "$T/reg.out")" .reason "unknown id"
	assert_json_eq "$(grep auth_failed "$T/reg.out")" .id 34020000001320000099
}

@test "gb-register --listen: wrong realm -> 403; stale nonce -> 401 stale=true then 200" {
	start_registrar --nonce-ttl 1s
	run_sipp_uac register-device-realm.xml "$REG_PORT" -ap secret
	assert_status 0
	run_sipp_uac register-device-stale.xml "$REG_PORT" -ap secret -d 2500
	assert_status 0
	wait_for_grep '"register"' "$T/reg.out" 5
	run jq -r 'select(.type=="auth_failed") | .reason' "$T/reg.out"
	[ "${lines[*]}" = "wrong realm stale nonce" ]
}

@test "gb-register --listen: device that stops keeping alive goes offline" {
	start_registrar --keepalive 300ms --max-missed 3
	run_sipp_uac register-bench.xml "$REG_PORT" -ap secret
	assert_status 0
	wait_for_grep '"offline"' "$T/reg.out" 5
	assert_json_eq "$(grep '"offline"' "$T/reg.out")" .id "$DEV_ID"
}

@test "gb-register --listen: no password at all -> exit 78; missing password file -> 66" {
	unset GB_PASSWORD
	run --separate-stderr timeout 5 gb-register --listen 127.0.0.1:0
	assert_status 78
	run --separate-stderr timeout 5 gb-register --listen 127.0.0.1:0 --passwords "$T/nope"
	assert_status 66
}

@test "gb-register --listen: a --passwords file group or others can read is refused (78), as every password file" {
	printf '%s devpass\n' "$DEV_ID" >"$T/pw"
	chmod 640 "$T/pw"
	run --separate-stderr timeout 5 gb-register --listen 127.0.0.1:0 --passwords "$T/pw"
	assert_status 78
	assert_contains "$stderr" "refusing a password file that group or others can read"
	chmod 600 "$T/pw"
	run --separate-stderr timeout 2 gb-register --listen 127.0.0.1:0 --passwords "$T/pw"
	assert_status 124
}

@test "gb-register: device and platform over TCP, SHA-256 + qop, malformed SIP ignored" {
	start_registrar --sha256 --qop --keepalive 300ms
	# garbage and an oversized TCP header block do not disturb the registrar
	printf 'garbage\r\n\r\n' | timeout 2 python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); s.sendall(sys.stdin.buffer.read()); s.sendall(b"X"*70000); s.close()' "$REG_PORT"
	printf 'REGISTER sip:x SIP/2.0\r\n\r\n' | timeout 2 python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.sendto(sys.stdin.buffer.read(),("127.0.0.1",int(sys.argv[1])))' "$REG_PORT"
	timeout 60 gb-register --server "$PLATFORM_ID@127.0.0.1:$REG_PORT" --device-id "$DEV_ID" \
		--tcp --keepalive 300ms >"$T/d.out" 2>"$T/d.err" &
	DEV_PID=$!; PEER_PIDS+=("$DEV_PID")
	wait_for_grep keepalive_ok "$T/d.out" 10
	kill -TERM "$DEV_PID"; wait "$DEV_PID"
	wait_for_grep '"unregister"' "$T/reg.out" 5
	assert_json_eq "$(grep '"register"' "$T/reg.out")" .transport tcp
	assert_json_eq "$(head -n 1 "$T/d.out")" .transport tcp
	kill -0 "$REG_PID"
}

@test "gb-register: DeviceControl from sipp: PTZCmd decoded, GuardCmd acknowledged with a Response" {
	start_sipp_uas register-platform-control.xml -set grant 3600 -set ptz A50F0102FA0000B1
	start_device "$T/d.out" --keepalive 60s
	wait_for_grep_n 2 '"control"' "$T/d.out"
	wait_for_grep '<Result>OK</Result>' "$T/sipp.msg" 5
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
	c=$(grep '"control"' "$T/d.out" | head -n 1)
	assert_json_eq "$c" .ptzcmd A50F0102FA0000B1
	assert_json_eq "$c" .family ptz
	assert_json_eq "$c" .action left
	assert_json_eq "$c" .sn 11
	assert_json_eq "$c" .from "$PLATFORM_ID"
	g=$(grep '"control"' "$T/d.out" | sed -n 2p)
	assert_json_eq "$g" .command.guard_cmd SetGuard
	grep -q '<CmdType>DeviceControl</CmdType>' "$T/sipp.msg"
	grep -B3 -A3 '<Result>OK</Result>' "$T/sipp.msg" | grep -q '<SN>12</SN>'
}

@test "gb-register: catalog file missing -> 66, without items -> 65; unknown host -> 68" {
	run --separate-stderr gb-register --server "$PLATFORM_ID@127.0.0.1:5060" --device-id "$DEV_ID" --catalog "$T/none.xml"
	assert_status 66
	assert_contains "$stderr" "none.xml"
	printf '<Response><DeviceList Num="0"></DeviceList></Response>\n' >"$T/empty.xml"
	run --separate-stderr gb-register --server "$PLATFORM_ID@127.0.0.1:5060" --device-id "$DEV_ID" --catalog "$T/empty.xml"
	assert_status 65
	assert_contains "$stderr" "no <Item>"
	run --separate-stderr timeout 20 gb-register --server "$PLATFORM_ID@no-such-host.invalid:5060" --device-id "$DEV_ID"
	assert_status 68
}

@test "gb-register: IPv6 loopback, SIGINT unregisters, -vv trace redacts Authorization" {
	gb-register --listen '[::1]:0' >"$T/reg.out" 2>"$T/reg.err" &
	PEER_PIDS+=("$!")
	wait_for_grep listening "$T/reg.out" 10
	port=$(jq -r .port "$T/reg.out")
	timeout 30 gb-register -vv --server "$PLATFORM_ID@[::1]:$port" --device-id "$DEV_ID" >"$T/d.out" 2>"$T/d.err" &
	DEV_PID=$!; PEER_PIDS+=("$DEV_PID")
	wait_for_grep '"registered"' "$T/d.out" 10
	kill -INT "$DEV_PID"
	wait "$DEV_PID"
	assert_json_eq "$(head -n 1 "$T/d.out")" .address "[::1]:$port"
	assert_json_eq "$(tail -n 1 "$T/d.out")" .type unregistered
	wait_for_grep '"unregister"' "$T/reg.out" 5
	grep -q '^> Authorization: Digest \[redacted\]' "$T/d.err"
	! grep -q 'response=' "$T/d.err"
	grep -q '^< SIP/2.0 401 Unauthorized' "$T/d.err"
	grep -q '^> Via: SIP/2.0/UDP \[::1\]:' "$T/d.err"
}

@test "gb-register: answers DeviceStatus" {
	start_sipp_uas register-platform-query.xml -set grant 3600 -set cmd DeviceStatus
	start_device "$T/d.out" --keepalive 60s
	wait_for_grep '"query"' "$T/d.out" 10
	wait_for_grep '<Online>ONLINE</Online>' "$T/sipp.msg" 5
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
	assert_json_eq "$(grep '"query"' "$T/d.out")" .cmd_type DeviceStatus
	grep -q '<CmdType>DeviceStatus</CmdType>' "$T/sipp.msg"
	grep -q '<Result>OK</Result>' "$T/sipp.msg"
	grep -qE '<DeviceTime>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}</DeviceTime>' "$T/sipp.msg"
}

@test "gb-register --listen: what the registrar sends, checked by tshark (401, 200 with GB Date, rport)" {
	require_cmd tshark tcpdump
	require_root
	start_registrar --keepalive 1s
	tcpdump -Z root --immediate-mode -i lo -U -w "$T/cap.pcap" "udp port $REG_PORT" 2>"$T/tcpdump.err" &
	TCPD=$!; PEER_PIDS+=("$TCPD")
	wait_for_grep listening "$T/tcpdump.err" 10
	run_sipp_uac register-device.xml "$REG_PORT" -ap secret -d 100
	assert_status 0
	sleep 0.3
	kill -TERM "$TCPD"; wait "$TCPD" || true
	ts() { tshark -r "$T/cap.pcap" -d "udp.port==$REG_PORT,sip" "$@" 2>/dev/null; }
	[ "$(ts -Y '_ws.malformed || _ws.expert.severity == error' | wc -l)" -eq 0 ]
	ts -Y "sip.Status-Code && udp.srcport == $REG_PORT" -T fields -E separator='|' \
		-e sip.Status-Code -e sip.CSeq.method -e sip.to.tag -e sip.Via.rport -e sip.Via.received \
		-e sip.WWW-Authenticate -e sip.Date -e sip.Content-Length -e sip.CSeq.seq >"$T/resp"
	# REGISTER 401, 200; 3 keepalives 200; unregister 401, 200 (a response
	# repeated for a retransmission on a busy machine is folded by uniq)
	[ "$(cut -d'|' -f1,2,9 "$T/resp" | uniq | cut -d'|' -f1,2 | tr '\n' ' ')" = "401|REGISTER 200|REGISTER 200|MESSAGE 200|MESSAGE 200|MESSAGE 401|REGISTER 200|REGISTER " ]
	while IFS='|' read -r code m tag rport recv www date cl _; do
		[ -n "$tag" ] && [ -n "$rport" ] && [ "$recv" = 127.0.0.1 ] && [ "$cl" = 0 ] ||
			{ echo "bad $code $m: tag=$tag rport=$rport received=$recv cl=$cl"; return 1; }
		if [ "$code" = 401 ]; then
			[[ $www == 'Digest realm="3402000000", nonce="'* ]] && [[ $www == *'opaque="'* ]] || { echo "www: $www"; return 1; }
		fi
		if [ "$code" = 200 ] && [ "$m" = REGISTER ]; then
			[[ $date =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}$ ]] || { echo "date: $date"; return 1; }
		fi
	done <"$T/resp"
}

@test "gb-register: stdout gone -> stops with exit 74" {
	run --separate-stderr timeout 10 sh -c "gb-register --listen 127.0.0.1:0 >/dev/full"
	assert_status 74
	start_sipp_uas register-platform.xml -set grant 3600
	run --separate-stderr timeout 20 sh -c "gb-register --server '$PLATFORM_ID@127.0.0.1:$SIPP_PORT' --device-id '$DEV_ID' --keepalive 200ms >/dev/full"
	assert_status 74
	# it still unregistered on the way out
	wait_for_grep '^Expires: 0' "$T/sipp.msg" 5
}

@test "gb-register --listen: qop nonce count replayed -> 401 stale, auth_failed" {
	start_registrar --qop
	run timeout 10 python3 "$TOOLS/sip-nc-replay" "$REG_PORT" "$DEV_ID"
	assert_status 0
	[ "${lines[0]}" = "SIP/2.0 200 OK" ]
	[ "${lines[1]}" = "SIP/2.0 401 Unauthorized" ]
	[ "${lines[2]}" = True ]
	wait_for_grep auth_failed "$T/reg.out" 5
	assert_json_eq "$(grep auth_failed "$T/reg.out" | head -n 1)" .reason "replayed nonce count"
}

@test "gb-register: without --catalog answers as an IP camera (itself); RecordInfo gets an empty list" {
	start_sipp_uas register-platform-query.xml -set grant 3600 -set cmd Catalog
	start_device "$T/d.out" --keepalive 60s --name "Door <1>"
	wait_for_grep '"query"' "$T/d.out" 10
	wait_for_grep '</Response>' "$T/sipp.msg" 5
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
	assert_json_eq "$(grep '"query"' "$T/d.out")" .items 1
	grep -q '<SumNum>1</SumNum>' "$T/sipp.msg"
	grep -q "<DeviceID>$DEV_ID</DeviceID>" "$T/sipp.msg"
	grep -q '<Name>Door &lt;1&gt;</Name>' "$T/sipp.msg"
	grep -q "<ParentID>$PLATFORM_ID</ParentID>" "$T/sipp.msg"
	teardown_peers || true
	rm -f "$T/sipp.msg"
	start_sipp_uas register-platform-query.xml -set grant 3600 -set cmd RecordInfo
	start_device "$T/d2.out" --keepalive 60s
	wait_for_grep '"query"' "$T/d2.out" 10
	wait_for_grep '</Response>' "$T/sipp.msg" 5
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
	assert_json_eq "$(grep '"query"' "$T/d2.out")" .cmd_type RecordInfo
	grep -q '<RecordList Num="0">' "$T/sipp.msg"
	grep -q '<SumNum>0</SumNum>' "$T/sipp.msg"
}

@test "gb-register: SIGTERM while a REGISTER waits on a silent platform exits at once" {
	hold_port udp
	port=$PEER_PORT
	timeout 30 gb-register --server "$PLATFORM_ID@127.0.0.1:$port" --device-id "$DEV_ID" \
		>"$T/d.out" 2>"$T/d.err" &
	DEV_PID=$!
	sleep 0.5
	t0=$(date +%s%N)
	kill -TERM "$DEV_PID"
	wait "$DEV_PID"
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 2000 ]
	[ ! -s "$T/d.out" ]
}

@test "gb-register: an unanswered Response MESSAGE delays neither keepalives nor queries (issue 8 stall)" {
	start_registrar --keepalive 1s
	timeout 60 gb-register --server "$PLATFORM_ID@127.0.0.1:$REG_PORT" --device-id "$DEV_ID" \
		--keepalive 1s >"$T/d.out" 2>"$T/d.err" &
	DEV_PID=$!; PEER_PIDS+=("$DEV_PID")
	wait_for_grep '"registered"' "$T/d.out" 10
	dport=$(jq -r 'select(.type=="registered") | .local_port' "$T/d.out")
	# guard asks for a Response MESSAGE; gb-ptzcmd exits on the 200 and never
	# answers it, so the device's transaction runs to timer F (32 s)
	run --separate-stderr timeout 20 gb-ptzcmd --send "sip:$DEV_ID@127.0.0.1:$dport" guard
	assert_status 0
	wait_for_grep '"guard_cmd"' "$T/d.out" 5
	n0=$(grep -c '"keepalive"' "$T/reg.out" || true)
	# keepalives keep coming at about their interval (20 s of slack, < timer F)
	wait_for_grep_n $((n0 + 3)) '"keepalive"' "$T/reg.out" 20
	# and a query sent meanwhile is answered
	run --separate-stderr timeout 20 gb-catalog --query DeviceInfo --timeout 10s "sip:$DEV_ID@127.0.0.1:$dport"
	assert_status 0
	assert_json_eq "$output" .cmd_type DeviceInfo
	kill -TERM "$DEV_PID"; wait "$DEV_PID" || true
}

@test "gb-register --listen :PORT and bare PORT mean every address; --port-file tells the port (issue 13)" {
	gb-register --listen :0 --port-file "$T/p1" >"$T/reg1.out" 2>"$T/reg1.err" &
	PEER_PIDS+=("$!")
	wait_for_file "$T/p1" 10 || { cat "$T/reg1.err"; return 1; }
	port=$(cat "$T/p1")
	assert_json_eq "$(head -n 1 "$T/reg1.out")" .port "$port"
	assert_json_eq "$(head -n 1 "$T/reg1.out")" .address 0.0.0.0
	timeout 20 gb-register --server "$PLATFORM_ID@127.0.0.1:$port" \
		--device-id "$DEV_ID" --attempts 1 --timeout 5s --keepalive 60s >"$T/d1.out" 2>&1 &
	PEER_PIDS+=("$!")
	wait_for_grep '"register"' "$T/reg1.out" 10
	# a bare number is a port, not the host 0.0.19.206
	gb-register --listen 0 --port-file "$T/p2" >"$T/reg2.out" 2>"$T/reg2.err" &
	PEER_PIDS+=("$!")
	wait_for_file "$T/p2" 10 || { cat "$T/reg2.err"; return 1; }
	assert_json_eq "$(head -n 1 "$T/reg2.out")" .port "$(cat "$T/p2")"
	run --separate-stderr gb-register --listen :nope
	assert_status 64
	assert_contains "$stderr" "--listen"
}

@test "gb-catalog/gb-ptzcmd --await-register :0 --port-file, and the GB short options (-d -t -w)" {
	GB_PASSWORD=secret gb-ptzcmd -w :0 --port-file "$T/pp" --wait 15s -t 5s guard >"$T/p.out" 2>"$T/p.err" &
	p=$!; PEER_PIDS+=("$p")
	wait_for_file "$T/pp" 10 || { cat "$T/p.err"; return 1; }
	timeout 30 gb-register -s "$PLATFORM_ID@127.0.0.1:$(cat "$T/pp")" -d "$DEV_ID" --retry 1s >"$T/d.out" 2>"$T/d.err" &
	PEER_PIDS+=("$!")
	wait "$p" || { cat "$T/p.err" "$T/d.err"; return 1; }
	assert_json_eq "$(cat "$T/p.out")" .status 200
	assert_json_eq "$(cat "$T/p.out")" .to "$DEV_ID"
	wait_for_grep '"guard_cmd"' "$T/d.out" 5
}

@test "gb-register --count 5: five devices with consecutive IDs each register with gb-register --listen; device k answers a query and an INVITE for itself" {
	command -v ffmpeg >/dev/null || skip "ffmpeg"
	ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=25:duration=1 \
		-c:v libx264 -preset ultrafast -g 25 -bf 0 -f h264 "$T/v.264"
	start_registrar --keepalive 60s
	port=$(jq -r 'select(.type=="listening") | .port' "$T/reg.out")
	gb-register -s "$PLATFORM_ID@127.0.0.1:$port" -d 34020000001320000098 --count 5 \
		--media "$T/v.264" >"$T/dev.out" 2>"$T/dev.err" &
	PEER_PIDS+=("$!")
	DEVS=$!
	for id in 34020000001320000098 34020000001320000099 34020000001320000100 \
		34020000001320000101 34020000001320000102; do
		wait_for_grep "\"register\".*\"id\":\"$id\".*\"status\":200" "$T/reg.out" 10 ||
			{ cat "$T/reg.out" "$T/dev.err"; return 1; }
	done
	[ "$(grep -c '"type":"register"' "$T/reg.out")" -eq 5 ]
	# each from its own port
	[ "$(jq -r 'select(.type=="register") | .source' "$T/reg.out" | sort -u | wc -l)" -eq 5 ]
	wait_for_grep '"registered".*"device":"34020000001320000102"' "$T/dev.out" 10
	k=34020000001320000100
	kport=$(jq -r "select(.type==\"registered\" and .device==\"$k\") | .local_port" "$T/dev.out")
	run --separate-stderr timeout 20 gb-catalog "sip:$k@127.0.0.1:$kport"
	assert_status 0
	assert_json_eq "${lines[0]}" .item.device_id "$k"
	wait_for_grep "\"query\".*\"device\":\"$k\"" "$T/dev.out" 5
	[ "$(grep -c '"type":"query"' "$T/dev.out")" -eq 1 ]
	# streaming on demand: device k's camera, byte for byte
	one=$(rtp-ps-mux "$T/v.264" 2>/dev/null | python3 -c 'import struct,sys; d=sys.stdin.buffer.read(); o=t=0
while o + 2 <= len(d): n = struct.unpack_from(">H", d, o)[0]; t += n; o += 2 + n
print(t)')
	timeout 30 gb-invite --max-bytes "$one" "sip:$k@127.0.0.1:$kport" >"$T/out.rtp" 2>"$T/gi.err" ||
		{ cat "$T/gi.err"; return 1; }
	rtp-ps-demux <"$T/out.rtp" 2>/dev/null | cmp - "$T/v.264"
	assert_json_eq "$(grep '"type":"invite"' "$T/dev.out")" .device "$k"
	# SIGTERM: every one unregisters
	kill -TERM "$DEVS"
	wait "$DEVS"
	[ "$(grep -c '"type":"unregistered"' "$T/dev.out")" -eq 5 ]
}

@test "gb-register --count: usage errors (with --listen, --tcp, IDs past their width) exit 64" {
	run --separate-stderr gb-register -l 127.0.0.1:0 --count 2
	assert_status 64
	run --separate-stderr gb-register -s "$PLATFORM_ID@127.0.0.1:5060" -d "$DEV_ID" --tcp --count 2
	assert_status 64
	run --separate-stderr gb-register -s "$PLATFORM_ID@127.0.0.1:5060" -d 99999999999999999999 --count 2
	assert_status 64
	assert_contains "$stderr" "does not fit"
	run --separate-stderr gb-register -s "$PLATFORM_ID@127.0.0.1:5060" -d "$DEV_ID" --count 0
	assert_status 64
}

@test "gb-register --count: stopped while the platform is silent, the fleet gives up unregistering after the first device's 5 s, not 5 s a device" {
	start_registrar --keepalive 60s
	gb-register -s "$PLATFORM_ID@127.0.0.1:$REG_PORT" -d 34020000001320020000 --count 30 \
		--retry 60s >"$T/dev.out" 2>"$T/dev.err" &
	local fleet=$! rc=0 t0
	PEER_PIDS+=("$fleet")
	wait_for_grep_n 30 '"registered"' "$T/dev.out" 20
	# the platform hangs (alive, answering nothing)
	kill -STOP "$REG_PID"
	t0=$SECONDS
	kill -TERM "$fleet"
	# 30 devices at 5 s each would be 150 s
	timeout 40 tail --pid="$fleet" -f /dev/null || { kill -CONT "$REG_PID"; echo "still unregistering after $((SECONDS - t0)) s"; return 1; }
	kill -CONT "$REG_PID"
	wait "$fleet" || rc=$?
	echo "stopped in $((SECONDS - t0)) s"
	[ "$(grep -c '"stage":"unregister"' "$T/dev.out")" -eq 1 ]
	assert_contains "$(cat "$T/dev.err")" "29 more devices not unregistered: the platform did not answer"
	# an answering platform still gets every unregister
	start_registrar --keepalive 60s
	gb-register -s "$PLATFORM_ID@127.0.0.1:$REG_PORT" -d 34020000001320030000 --count 30 \
		--retry 60s >"$T/dev2.out" 2>"$T/dev2.err" &
	fleet=$!
	PEER_PIDS+=("$fleet")
	wait_for_grep_n 30 '"registered"' "$T/dev2.out" 20
	kill -TERM "$fleet"
	wait "$fleet" || true
	[ "$(grep -c '"unregistered"' "$T/dev2.out")" -eq 30 ]
}

@test "gb-register --count 1000: every device registers, each on its own port (port-0 sockets can share a port; the fleet refuses that)" {
	start_registrar --keepalive 60s
	port=$(jq -r 'select(.type=="listening") | .port' "$T/reg.out")
	gb-register -s "$PLATFORM_ID@127.0.0.1:$port" -d 34020000001320010000 --count 1000 \
		--retry 60s >"$T/dev.out" 2>"$T/dev.err" &
	PEER_PIDS+=("$!")
	for _ in $(seq 300); do
		[ "$(grep -c '"registered"' "$T/dev.out")" -ge 1000 ] && break
		sleep 0.1
	done
	n=$(grep -c '"registered"' "$T/dev.out" || true)
	[ "$n" -eq 1000 ] || { echo "registered: $n"; return 1; }
	[ "$(jq -r 'select(.type=="registered") | .local_port' "$T/dev.out" | sort -u | wc -l)" -eq 1000 ]
	[ "$(jq -r 'select(.type=="registered") | .device' "$T/dev.out" | sort -u | wc -l)" -eq 1000 ]
	[ "$(jq -r 'select(.type=="register" and .status==200) | .id' "$T/reg.out" | sort -u | wc -l)" -eq 1000 ]
}
