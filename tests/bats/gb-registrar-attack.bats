#!/usr/bin/env bats
# The registrar (gb-register --listen, and gb-catalog --await-register which
# runs the same code) under bounded attack on loopback: idle TCP connections
# by the tens of thousands, unterminated headers, forged keepalives,
# replayed digest answers. The abuse comes from tests/tools/gb-flood; the
# legitimate devices are gb-register's device side and sipp.
load helpers
bats_require_minimum_version 1.5.0

PLATFORM_ID=34020000002000000001
DEV_ID=34020000001320000001

setup() {
	require_cmd jq ss
	gb_setup
}

teardown() { teardown_peers; show_on_failure; }

# start_registrar [args...]: gb-register --listen on 127.0.0.1, port 0 unless
# REG_AT says ADDR:PORT; records in $T/reg.out, port in REG_PORT.
start_registrar() {
	gb-register --listen "${REG_AT:-127.0.0.1:0}" "$@" >"$T/reg.out" 2>"$T/reg.err" &
	REG_PID=$!
	PEER_PIDS+=("$REG_PID")
	wait_for_grep '"listening"' "$T/reg.out" 10 || { cat "$T/reg.err" >&2; return 1; }
	REG_PORT=$(jq -r 'select(.type=="listening") | .port' "$T/reg.out" | tail -n 1)
}

# start_device OUT [args...]: gb-register's device side against the registrar.
start_device() {
	local out=$1; shift
	timeout 60 gb-register --server "$PLATFORM_ID@127.0.0.1:$REG_PORT" --device-id "$DEV_ID" \
		"$@" >"$out" 2>"$out.err" &
	DEV_PID=$!
	PEER_PIDS+=("$DEV_PID")
}

# held_from PORT ADDR: established connections the registrar on PORT holds
# from source address ADDR.
held_from() {
	ss -Htn state established "( sport = :$1 )" | awk -v a="$2" '$4 ~ "^"a":" { n++ } END { print n + 0 }'
}

# ms_since T0: milliseconds since T0 (date +%s%3N).
ms_since() { echo $(( $(date +%s%3N) - $1 )); }

@test "20,000 idle TCP connections from 100 addresses: a TCP device still registers at once (the oldest unregistered connections make room)" {
	# two holders of 10,000 (the hard descriptor limit may be 20,000);
	# root may raise the hard limit (CI runs as root)
	[ "$(id -u)" != 0 ] || ulimit -Hn 65536 2>/dev/null || true
	ulimit -n "$(ulimit -Hn)"
	[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 20000 ] ||
		skip "needs 20000 descriptors (ulimit -Hn is $(ulimit -Hn))"
	# timeouts far away: the connection limits alone must protect
	start_registrar --tcp-header-timeout 10m --tcp-idle 10m
	python3 "$TOOLS/gb-flood" hold "$REG_PORT" 10000 50 "$T/f1" 0 &
	PEER_PIDS+=("$!")
	python3 "$TOOLS/gb-flood" hold "$REG_PORT" 10000 50 "$T/f2" 50 &
	PEER_PIDS+=("$!")
	wait_for_file "$T/f1" 240 && wait_for_file "$T/f2" 240
	[ "$(cat "$T/f1" "$T/f2")" = "connected=10000 failed=0
connected=10000 failed=0" ]
	held=$(ls "/proc/$REG_PID/fd" | wc -l)
	echo "# registrar holds $held descriptors with 20000 connections made" >&3
	[ "$held" -gt 1000 ]
	t0=$(date +%s%3N)
	start_device "$T/dev.out" --tcp --attempts 1 -t 10s
	wait_for_grep '"registered"' "$T/dev.out" 10 || { cat "$T/dev.out.err" >&2; false; }
	echo "# TCP device registered $(ms_since "$t0") ms after starting, 20000 connections held" >&3
	wait_for_grep '"register".*"transport":"tcp"' "$T/reg.out" 5
}

@test "1,000 connections from one address: the registrar keeps 256 of them, and a device from another address registers over TCP" {
	start_registrar --tcp-header-timeout 10m
	python3 "$TOOLS/gb-flood" hold "$REG_PORT" 1000 1 "$T/f1" 0 &
	PEER_PIDS+=("$!")
	wait_for_file "$T/f1" 60
	sleep 1   # let the registrar accept (and refuse) the backlog
	run held_from "$REG_PORT" 127.77.0.1
	[ "$output" -eq 256 ]
	start_device "$T/dev.out" --tcp --attempts 1 -t 10s
	wait_for_grep '"registered"' "$T/dev.out" 10
	# sipp over TCP, an independent SIP stack, too
	require_cmd sipp
	printf 'SEQUENTIAL\n34020000001320000009;%s;\n' "$PLATFORM_ID" >"$T/sipp.csv"
	run timeout 30 sipp 127.0.0.1:"$REG_PORT" -t t1 -sf "$ROOT/tests/sipp/register-bench.xml" \
		-inf "$T/sipp.csv" -i 127.0.0.1 -m 1 -nostdin -timeout 10s -timeout_error \
		-set expires 60 -au 34020000001320000009 -ap secret
	assert_status 0
	wait_for_grep '"register".*"34020000001320000009".*"transport":"tcp"' "$T/reg.out" 5
	run held_from "$REG_PORT" 127.77.0.1
	[ "$output" -eq 256 ]
}

@test "descriptors exhausted (limit 40, 24 taken by inherited files, 300 connections): no busy loop on accept(), and a TCP device still registers" {
	(
		ulimit -n 40
		# files the registrar does not know about: accept() meets EMFILE
		# long before its connection table is full
		for i in $(seq 24); do exec {fd}</dev/null; done
		exec gb-register --listen 127.0.0.1:0 --tcp-per-source 0 --tcp-header-timeout 10m -v
	) >"$T/reg.out" 2>"$T/reg.err" &
	REG_PID=$!
	PEER_PIDS+=("$REG_PID")
	wait_for_grep '"listening"' "$T/reg.out" 10
	REG_PORT=$(jq -r .port "$T/reg.out")
	python3 "$TOOLS/gb-flood" hold "$REG_PORT" 300 1 "$T/f1" 0 &
	PEER_PIDS+=("$!")
	wait_for_file "$T/f1" 60
	# CPU time (utime + stime, clock ticks) spent in 3 s of the flood held
	c0=$(awk '{ print $14 + $15 }' "/proc/$REG_PID/stat")
	sleep 3
	ticks=$(( $(awk '{ print $14 + $15 }' "/proc/$REG_PID/stat") - c0 ))
	echo "# registrar used $ticks ticks of CPU in 3 s ($(getconf CLK_TCK)/s)" >&3
	[ "$ticks" -lt "$(getconf CLK_TCK)" ]
	grep -q 'accept: Too many open files' "$T/reg.err"
	# a TCP device takes the place of the oldest unregistered connection
	start_device "$T/dev.out" --tcp --attempts 1 -t 10s
	wait_for_grep '"registered"' "$T/dev.out" 10
}

@test "unterminated headers: cut at 16 KiB, memory stays bounded; a stalled message is closed at --tcp-header-timeout" {
	start_registrar --tcp-per-source 0 --tcp-header-timeout 1s
	rss0=$(awk '/VmRSS/ { print $2 }' "/proc/$REG_PID/status")
	run timeout 60 python3 "$TOOLS/gb-flood" headers "$REG_PORT" 2000 60000
	assert_status 0
	[ "$output" = "connected=2000 closed=2000" ]
	rss=$(awk '/VmRSS/ { print $2 }' "/proc/$REG_PID/status")
	echo "# RSS $rss0 kB before, $rss kB after 2000 x 60000-byte headers" >&3
	# (ASan keeps freed memory in quarantine: RSS says nothing there)
	[ "${SANITIZE:-0}" = 1 ] || [ "$rss" -lt $((rss0 + 40000)) ]
	# 100 bytes of a header, then silence: closed by the header timeout
	run timeout 30 python3 "$TOOLS/gb-flood" headers "$REG_PORT" 20 100
	[ "$output" = "connected=20 closed=20" ]
	grep -q 'incomplete message timed out' "$T/reg.err" || true
	kill -0 "$REG_PID"
}

@test "forged keepalive from another port: 403, the device's address does not move, and a dead device still goes offline" {
	start_registrar --keepalive 1s --max-missed 2 -v
	printf 'SEQUENTIAL\n%s;%s;\n' "$DEV_ID" "$PLATFORM_ID" >"$T/dev.csv"
	require_cmd sipp
	run timeout 30 sipp 127.0.0.1:"$REG_PORT" -sf "$ROOT/tests/sipp/register-bench.xml" -inf "$T/dev.csv" \
		-i 127.0.0.1 -m 1 -nostdin -timeout 20s -timeout_error -set expires 60 -au "$DEV_ID" -ap secret
	assert_status 0
	wait_for_grep '"register"' "$T/reg.out" 5
	src=$(jq -r 'select(.type=="register") | .source' "$T/reg.out")
	for i in 1 2 3 4 5 6; do
		run python3 "$TOOLS/gb-flood" keepalive "$REG_PORT" "$DEV_ID"
		[ "$output" = status=403 ]
		sleep 0.5
	done
	wait_for_grep '"offline"' "$T/reg.out" 10
	[ "$(jq -r 'select(.type=="offline") | .source' "$T/reg.out")" = "$src" ]
	! grep -q '"type":"keepalive"' "$T/reg.out"
	[ "$(jq -r 'select(.type=="auth_failed") | .reason' "$T/reg.out" | sort -u)" = "wrong source" ]
}

@test "gb-catalog --await-register: a forged keepalive before the device registers is answered 404 and the query goes to the real device" {
	printf '%s\n' '<Item><DeviceID>34020000001310000001</DeviceID><Name>Cam 1</Name><Status>ON</Status></Item>' >"$T/items.xml"
	start_await_register "$T/cat.out" "$T/cat.err" gb-catalog -v -w 127.0.0.1:0 --wait 20s -t 5s
	cat_pid=$PEER_PID port=$PEER_PORT
	python3 "$TOOLS/gb-flood" keepalive "$port" "$DEV_ID" 6 >"$T/forge.out" &
	forger=$!
	sleep 1
	timeout 30 gb-register --server "$PLATFORM_ID@127.0.0.1:$port" --device-id "$DEV_ID" \
		--catalog "$T/items.xml" >"$T/dev.out" 2>"$T/dev.err" &
	PEER_PIDS+=("$!")
	rc=0
	wait "$cat_pid" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$T/cat.err" >&2; false; }
	[ "$(jq -r .item.name "$T/cat.out")" = "Cam 1" ]
	wait "$forger"
	[ "$(cat "$T/forge.out")" = "status=404 queried=0" ]
}

@test "replayed digest answer (no qop): from another port with a new Call-ID and Expires: 0 or another Contact, and from the same port -> 401, device stays registered" {
	start_registrar
	run timeout 20 python3 "$TOOLS/gb-flood" replay "$REG_PORT" "$DEV_ID" secret
	assert_status 0
	[ "$output" = "status0=200 status1=401 status2=401 status3=401" ]
	[ "$(jq -r 'select(.type=="auth_failed") | .reason' "$T/reg.out" | sort -u)" = "replayed nonce" ]
	! grep -q '"unregister"' "$T/reg.out"
	[ "$(grep -c '"register"' "$T/reg.out")" -eq 1 ]
}

@test "--qop: an answer without qop is refused (403 qop required); sipp's qop answer and gb-register's refreshes still register" {
	start_registrar --qop
	run timeout 20 python3 "$TOOLS/gb-flood" noqop "$REG_PORT" "$DEV_ID" secret
	[ "$output" = "offered=True status=403" ]
	assert_json_eq "$(grep auth_failed "$T/reg.out")" .reason "qop required"
	# our device refreshes every second (Expires 2): each refresh must pass
	start_device "$T/dev.out" --expires 2 --keepalive 1s
	sleep 4
	[ "$(grep -c '"type":"refresh"\|"type":"register"' "$T/reg.out")" -ge 3 ]
	! grep -q '"type":"error"' "$T/dev.out"
}

@test "without qop, a device refreshing its registration gets a fresh challenge and stays registered" {
	start_registrar
	start_device "$T/dev.out" --expires 2 --keepalive 1s
	sleep 5
	[ "$(grep -c '"type":"refresh"\|"type":"register"' "$T/reg.out")" -ge 3 ]
	! grep -q '"type":"error"' "$T/dev.out"
	! grep -q '"expired"\|"offline"' "$T/reg.out"
}

@test "platform restarted within one keepalive interval: the new registrar answers the device's keepalive 404, the device registers again within 2 intervals (--unknown-status 200 keeps the old answer)" {
	ka=2   # keepalive interval, seconds (both sides)
	start_registrar --keepalive ${ka}s
	start_device "$T/dev.out" --keepalive ${ka}s --max-missed 3
	wait_for_grep '"register"' "$T/reg.out" $((5 * ka))
	kill "$REG_PID"
	wait "$REG_PID" || true
	mv "$T/reg.out" "$T/reg1.out"
	REG_AT=127.0.0.1:$REG_PORT start_registrar --keepalive ${ka}s
	wait_for_grep '"not registered"' "$T/reg.out" $((5 * ka))
	r=$(grep '"not registered"' "$T/reg.out" | head -n 1)
	assert_json_eq "$r" .id "$DEV_ID"
	assert_json_eq "$r" .status 404
	# gb-register's device side registers again on that 404. "Within 2
	# intervals" counted on the device's own clock, not ours: at most 2 of
	# its keepalives refused before it is back (1 when it re-registers on
	# the first 404; waiting out --max-missed would take 3; a load that
	# slows its registration by a whole interval, 2)
	wait_for_grep '"type":"register"' "$T/reg.out" $((10 * ka))
	refused=$(jq -r 'select(.type=="auth_failed" or .type=="register") | .type' "$T/reg.out" |
		sed '/^register$/q' | grep -c '^auth_failed$')
	up=$(jq -r 'select(.type=="listening") | .ts' "$T/reg.out")
	reg=$(jq -r 'select(.type=="register") | .ts' "$T/reg.out" | head -n 1)
	echo "# device registered again after $refused refused keepalive(s), $(( $(date -d "$reg" +%s%3N) - $(date -d "$up" +%s%3N) )) ms after the restart (keepalive $ka s)" >&3
	[ "$refused" -ge 1 ] && [ "$refused" -le 2 ]
	kill "$REG_PID"
	wait "$REG_PID" || true
	REG_AT=127.0.0.1:$REG_PORT start_registrar --keepalive ${ka}s --unknown-status 200
	wait_for_grep '"keepalive"' "$T/reg.out" $((5 * ka))
	assert_json_eq "$(grep '"keepalive"' "$T/reg.out" | head -n 1)" .status 200
}

@test "--date-tz Asia/Shanghai: the REGISTER 200's Date is Beijing time on a UTC host; a zone that does not exist is a usage error" {
	run --separate-stderr gb-register --listen 127.0.0.1:0 --date-tz Nowhere/Land
	assert_status 64
	assert_contains "$stderr" "unknown time zone"
	run --separate-stderr gb-register --listen 127.0.0.1:0 --unknown-status 302
	assert_status 64
	start_registrar --date-tz Asia/Shanghai
	run timeout 20 python3 "$TOOLS/gb-flood" date "$REG_PORT" "$DEV_ID" secret
	assert_status 0
	# within a minute of the UTC clock plus 8 hours
	want=$(date -u -d '+8 hours' +%s)
	got=$(date -u -d "${output%.*}" +%s)
	[ $((got - want)) -le 60 ] && [ $((want - got)) -le 60 ]
}

@test "port 0 under port pressure: UDP and TCP end up on one number (20 starts with 15,000 TCP ports taken); a taken port exits 69" {
	cat >"$T/pressure.py" <<'EOF'
import signal, socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
    except OSError:
        break
    socks.append(s)
open(sys.argv[2], "w").write("%d\n" % len(socks))
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
while True:
    signal.pause()
EOF
	python3 "$T/pressure.py" 15000 "$T/held" &
	PEER_PIDS+=("$!")
	wait_for_file "$T/held" 60
	for i in $(seq 20); do
		start_registrar
		owns_port "$REG_PID" udp "$REG_PORT"
		owns_port "$REG_PID" tcp "$REG_PORT"
		kill "$REG_PID"
		wait "$REG_PID" || true
	done
	hold_port udp
	run --separate-stderr timeout 10 gb-register --listen "127.0.0.1:$PEER_PORT"
	assert_status 69
	assert_contains "$stderr" "in use"
}

@test "8 TCP peers that send REGISTERs and never read the answers are closed at once; a sipp device registers meanwhile" {
	require_cmd sipp
	start_registrar
	python3 "$TOOLS/gb-flood" noread "$REG_PORT" 20 8 >"$T/nr.out" &
	nr=$!
	PEER_PIDS+=("$nr")
	sleep 3   # their answers fill the socket buffers
	printf 'SEQUENTIAL\n%s;%s;\n' "$DEV_ID" "$PLATFORM_ID" >"$T/dev.csv"
	run timeout 30 sipp 127.0.0.1:"$REG_PORT" -sf "$ROOT/tests/sipp/register-bench.xml" -inf "$T/dev.csv" \
		-i 127.0.0.1 -m 1 -nostdin -timeout 15s -timeout_error -set expires 60 -au "$DEV_ID" -ap secret
	assert_status 0
	wait "$nr"
	[ "$(sed 's/.* //' "$T/nr.out")" = closed=8 ]
}

# auth_records FILE PREFIX: auth_failed records from sources starting with
# PREFIX, and the sum of the auth_failed_suppressed counts for them.
auth_records() {
	jq -r --arg p "$2" 'select(.type=="auth_failed" and (.source | startswith($p))) | 1' "$1" | wc -l
}
auth_suppressed() {
	jq -r --arg p "$2" 'select(.type=="auth_failed_suppressed" and ((.address // "") | startswith($p))) |
		.suppressed' "$1" | awk '{ n += $1 } END { print n + 0 }'
}

@test "refused requests from 4 addresses: auth_failed records limited per address (10, then 1 a second), the rest counted in auth_failed_suppressed; a device registers meanwhile" {
	start_registrar
	t0=$(date +%s)
	# refused keepalives (404) and REGISTERs with made-up nonces (401),
	# one at a time, until the device has registered and at least 4000
	python3 "$TOOLS/gb-flood" refused "$REG_PORT" 4000 4 "$T/stop" >"$T/flood.out" &
	flood=$!
	PEER_PIDS+=("$flood")
	start_device "$T/dev.out" --attempts 1 -t 10s
	wait_for_grep '"registered"' "$T/dev.out" 30 || { cat "$T/dev.out.err" >&2; false; }
	touch "$T/stop"
	wait "$flood"
	wait_for_grep '"register"' "$T/reg.out" 5
	# each address's count is reported within its interval (10 s), not at exit
	wait_for_grep '"auth_failed_suppressed"' "$T/reg.out" 30
	kill "$REG_PID"
	wait "$REG_PID" || true   # and the counts still held at exit
	secs=$(( $(date +%s) - t0 + 1 ))
	sent=$(sed 's/ .*//; s/sent=//' "$T/flood.out")
	records=$(auth_records "$T/reg.out" 127.77.)
	dropped=$(auth_suppressed "$T/reg.out" 127.77.)
	echo "# $(cat "$T/flood.out") in about $secs s: $records auth_failed records, $dropped suppressed" >&3
	[ "$sent" -ge 4000 ]
	# at most 10 at once and 1 a second per address, whatever the speed
	[ "$records" -le $(( 4 * (10 + secs) )) ]
	[ "$records" -ge 40 ]
	# every refusal is accounted for: reported or counted
	[ $(( records + dropped )) -eq "$sent" ]
	# counts by address, for the flood's 4 addresses only
	[ "$(jq -r 'select(.type=="auth_failed_suppressed") | .address' "$T/reg.out" | sort -u | xargs)" = \
		"127.77.0.1 127.77.0.2 127.77.0.3 127.77.0.4" ]
	# the device's own record was not held back
	[ "$(jq -r 'select(.type=="register") | .id' "$T/reg.out")" = "$DEV_ID" ]
}

@test "refused requests from 3000 addresses (as from spoofed sources): at most 100 records, then 50 a second over all addresses; the counts still add up" {
	start_registrar
	t0=$(date +%s)
	run timeout 120 python3 "$TOOLS/gb-flood" refused "$REG_PORT" 6000 3000
	assert_status 0
	kill "$REG_PID"
	wait "$REG_PID" || true
	secs=$(( $(date +%s) - t0 + 1 ))
	records=$(auth_records "$T/reg.out" 127.77.)
	dropped=$(auth_suppressed "$T/reg.out" 127.77.)
	other=$(jq -r 'select(.type=="auth_failed_suppressed" and .address == null) | .suppressed' "$T/reg.out" |
		awk '{ n += $1 } END { print n + 0 }')
	counts=$(jq -r 'select(.type=="auth_failed_suppressed") | 1' "$T/reg.out" | wc -l)
	echo "# $output in about $secs s: $records records, $dropped suppressed by address + $other for addresses out of the table, in $counts records" >&3
	[ "$records" -le $(( 100 + 50 * secs )) ]
	[ $(( records + dropped + other )) -eq 6000 ]
	# the table is bounded (1024 addresses): fewer counts than addresses
	[ "$counts" -lt 3000 ]
}

# fds_below N: descriptors numbered below N the registrar holds (the
# limit counts numbers: one inherited above it takes no place).
fds_below() {
	ls "/proc/$REG_PID/fd" | awk -v n="$1" '$1 < n { k++ } END { print k + 0 }'
}

@test "descriptors exhausted by registered TCP devices (limit 40): further connections are accepted and closed at once through the spare descriptor, no busy loop, UDP still answered, and a TCP device registers once they go" {
	require_cmd sipp
	(
		ulimit -n 40
		# files the registrar does not know about: its connection table
		# (30 at this limit) is never full, accept() meets EMFILE first
		for i in $(seq 20); do exec {fd}</dev/null; done
		exec gb-register --listen 127.0.0.1:0 -v
	) >"$T/reg.out" 2>"$T/reg.err" &
	REG_PID=$!
	PEER_PIDS+=("$REG_PID")
	wait_for_grep '"listening"' "$T/reg.out" 10
	REG_PORT=$(jq -r .port "$T/reg.out")
	free=$(( 40 - $(fds_below 40) ))
	# registered devices are never closed for newcomers: they take every
	# descriptor left (but the one the first TCP connection costs for
	# epoll), the 4 or 5 connections after them find none
	python3 "$TOOLS/gb-flood" tcpreg "$REG_PORT" $((free + 4)) secret "$T/held" &
	PEER_PIDS+=("$!")
	holder=$!
	wait_for_file "$T/held" 120
	echo "# $free descriptors free: $(cat "$T/held")" >&3
	[ "$(fds_below 40)" -eq 40 ]
	grep -Eq "^registered=($free|$((free - 1))) closed=[45] timeout=0 other=0\$" "$T/held"
	# 20 more: each accepted and closed (the client sees the close)
	run timeout 60 python3 "$TOOLS/gb-flood" headers "$REG_PORT" 20 100
	assert_status 0
	[ "$output" = "connected=20 closed=20" ]
	[ "$(grep -c 'accept: Too many open files: closing a pending connection' "$T/reg.err")" -ge 24 ]
	# idle with the descriptors still exhausted: CPU time (utime + stime,
	# clock ticks) spent in 3 s, and no further accept attempts
	n0=$(grep -c 'closing a pending connection' "$T/reg.err")
	c0=$(awk '{ print $14 + $15 }' "/proc/$REG_PID/stat")
	sleep 3
	ticks=$(( $(awk '{ print $14 + $15 }' "/proc/$REG_PID/stat") - c0 ))
	echo "# registrar used $ticks ticks of CPU in 3 s ($(getconf CLK_TCK)/s) with no descriptor free" >&3
	[ "$ticks" -lt "$(getconf CLK_TCK)" ]
	[ "$(grep -c 'closing a pending connection' "$T/reg.err")" -eq "$n0" ]
	# UDP needs no descriptor: sipp registers meanwhile
	printf 'SEQUENTIAL\n34020000001320000009;%s;\n' "$PLATFORM_ID" >"$T/sipp.csv"
	run timeout 30 sipp 127.0.0.1:"$REG_PORT" -sf "$ROOT/tests/sipp/register-bench.xml" \
		-inf "$T/sipp.csv" -i 127.0.0.1 -m 1 -nostdin -timeout 10s -timeout_error \
		-set expires 60 -au 34020000001320000009 -ap secret
	assert_status 0
	wait_for_grep '"register".*"34020000001320000009".*"transport":"udp"' "$T/reg.out" 5
	[ "$(fds_below 40)" -eq 40 ]
	# the registered devices go: a TCP device registers
	kill "$holder"
	start_device "$T/dev.out" --tcp --attempts 1 -t 10s
	wait_for_grep '"registered"' "$T/dev.out" 20 || { cat "$T/dev.out.err" >&2; false; }
	wait_for_grep "\"register\".*\"$DEV_ID\".*\"transport\":\"tcp\"" "$T/reg.out" 5
	kill -0 "$REG_PID"
}
