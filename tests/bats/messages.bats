#!/usr/bin/env bats
# Examples and messages across tools (issue 13): README pipelines run as
# written, silent failures that now say why, exit statuses of odd replies.
load helpers
bats_require_minimum_version 1.5.0

teardown() {
	teardown_peers || true
}

@test "README: the tshark | gb-ptzcmd --decode pipeline on a loopback capture, upper- and lower-case PTZCmd" {
	require_cmd tshark tcpdump jq python3
	require_root
	T=$BATS_TEST_TMPDIR
	python3 "$TOOLS/sip-ptz-device" listen "$T/dev.port" >"$T/dev.out" &
	PEER_PIDS+=("$!")
	wait_for_file "$T/dev.port" 10
	local port; port=$(cat "$T/dev.port")
	tcpdump -Z root --immediate-mode -i lo -U -w "$T/ptz.pcap" "udp port $port" 2>"$T/tcpdump.err" &
	local cap=$!
	PEER_PIDS+=("$cap")
	wait_for_grep listening "$T/tcpdump.err" 10
	# our own MESSAGE (upper case, one element a line) ...
	run --separate-stderr timeout 20 gb-ptzcmd --send "sip:34020000001310000001@127.0.0.1:$port" \
		--from 34020000002000000001@3402000000 -d 34020000001310000001 --address 0x4D right 0x90
	assert_status 0
	# ... and a platform's (lower case, the body on one line)
	local zoom; zoom=$(gb-ptzcmd zoom-in 10 | tr A-F a-f)
	run python3 "$TOOLS/sip-ptz-device" send "$port" "$zoom"
	[ "$output" = "SIP/2.0 200 OK" ]
	wait_for_grep "$zoom" "$T/dev.out" 10
	sleep 0.5; kill -INT "$cap"; wait "$cap" || true
	# the README's example, as printed there, run on this capture
	local cmd
	cmd=$(sed -n '/^\$ tshark -r ptz.pcap/,/gb-ptzcmd --decode/p' "$ROOT/README.md" | sed '1s/^\$ //')
	[ -n "$cmd" ]
	run --separate-stderr bash -c "cd '$T' && set -o pipefail && $cmd"
	assert_status 0
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ] || { echo "$output"; return 1; }
	# the first line is the one the README shows
	[ "$(printf '%s\n' "$output" | sed -n 1p)" = \
	  "$(sed -n '/gb-ptzcmd --decode/{n;p;q}' "$ROOT/README.md")" ]
	assert_json_eq "$(printf '%s\n' "$output" | sed -n 2p)" .action zoom-in
}

@test "man pages: typographic quotes pair up (onvif-time.1 -v, onvif-ptz.1 status)" {
	require_cmd mandoc python3
	run python3 "$TOOLS/man-quotes" "$ROOT"/man/*.1 "$ROOT"/man/*.7
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
}

@test "gb-ptzcmd --decode: nothing on stdin (or blank lines only) says so and exits 1" {
	run --separate-stderr bash -c 'gb-ptzcmd --decode </dev/null'
	assert_status 1
	[ -z "$output" ]
	assert_contains "$stderr" "no PTZCmd on stdin"
	run --separate-stderr bash -c 'printf "\n \n\t\r\n" | gb-ptzcmd --decode'
	assert_status 1
	[ -z "$output" ]
	assert_contains "$stderr" "no PTZCmd on stdin"
	gb-ptzcmd --help | grep -q "1 nothing to decode"
}

@test "gb-ptzcmd --decode: a bad stdin line is an error record with ts and status (camkit.7), the message once on stderr" {
	run --separate-stderr bash -c 'printf "nope\n" | gb-ptzcmd --decode'
	assert_status 65
	assert_json_eq "$output" .type error
	assert_json_eq "$output" .status 65
	assert_json_eq "$output" .error malformed
	assert_json_eq "$output" .input nope
	[ "$(jq -r .ts <<<"$output")" != null ]
	[ "$(printf '%s\n' "$stderr" | grep -c "16 hex digits")" -eq 1 ]
}

@test "GB over UDP to a closed port: the ICMP error ends the transaction at once, exit 69 with a message (not Timer F's 75)" {
	require_cmd jq python3
	local port; port=$(free_port udp)
	run --separate-stderr env GB_PASSWORD=x timeout 60 gb-register --attempts 1 \
		--server "34020000002000000001@127.0.0.1:$port" --device-id 34020000001320000001
	assert_status 69
	assert_json_eq "$output" .status 69
	assert_contains "$stderr" "127.0.0.1 port $port: connection refused"
	run --separate-stderr timeout 60 gb-ptzcmd --send "sip:34020000001310000001@127.0.0.1:$port" \
		--from 34020000002000000001@3402000000 --timeout 40s stop
	assert_status 69
	assert_contains "$stderr" "connection refused"
	port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0)); print(s.getsockname()[1])')
	run --separate-stderr env GB_PASSWORD=x timeout 60 gb-register --attempts 1 \
		--server "34020000002000000001@[::1]:$port" --device-id 34020000001320000001
	assert_status 69
	assert_contains "$stderr" "::1 port $port: connection refused"
}

@test "HTTP: a garbage status line, an unknown version or status code, a bad chunk size are 65 (malformed reply), not 64 or 69" {
	require_cmd python3
	local m
	for m in garbage version status chunked chunkeof; do
		start_peer "$BATS_TEST_TMPDIR/$m.port" python3 "$TOOLS/http-bad-reply" "$m" "$BATS_TEST_TMPDIR/$m.port"
		run --separate-stderr env ONVIF_USERNAME=admin ONVIF_PASSWORD=x timeout 30 \
			onvif-time "http://127.0.0.1:$PEER_PORT/onvif/device_service"
		[ "$status" -eq 65 ] || { echo "$m: exit $status: $stderr"; return 1; }
		assert_contains "$stderr" "malformed HTTP reply"
		assert_json_eq "$output" .status 65
	done
}

@test "onvif-ptz: an error record for an onvif-discover input line names the device URL, not the line" {
	require_cmd python3 jq
	EMU_PROFILE=ex_onvif emu
	local url="http://$DEV/onvif/device_service"
	run --separate-stderr bash -c "printf '%s\n' '{\"type\":\"device\",\"urn\":\"urn:uuid:x\",\"xaddrs\":[\"$url\"]}' |
		ONVIF_USERNAME=admin ONVIF_PASSWORD=secret timeout 30 onvif-ptz preset-goto NoSuchPresetName"
	[ "$status" -ne 0 ]
	assert_json_eq "$output" .type error
	assert_json_eq "$output" .device "$url"
	# a wrong password: the same
	run --separate-stderr bash -c "printf '%s\n' '{\"type\":\"device\",\"xaddrs\":[\"$url\"]}' |
		ONVIF_USERNAME=admin ONVIF_PASSWORD=wrong timeout 30 onvif-ptz status"
	assert_status 77
	assert_json_eq "$output" .device "$url"
}

@test "every tool's --help lists the same exit statuses as its man page's EXIT STATUS" {
	local t n h m bad=0
	for t in "$CAMKIT_BIN"/*; do
		n=$(basename "$t")
		[ -f "$ROOT/man/$n.1" ] || continue
		h=$(sh "$TOOLS/exit-codes" help "$t")
		m=$(sh "$TOOLS/exit-codes" man "$ROOT/man/$n.1")
		[ -n "$h" ] || { echo "$n: no exit statuses in --help"; bad=1; }
		[ "$h" = "$m" ] || { echo "$n: --help: $h; man: $m"; bad=1; }
	done
	[ "$bad" -eq 0 ]
}

@test "onvif-discover -i with an interface that does not exist is a usage error (64) for IPv4 and IPv6" {
	run --separate-stderr onvif-discover -t 1s -i nosuchif0
	assert_status 64
	assert_contains "$stderr" "nosuchif0: no such interface"
	run --separate-stderr onvif-discover --ipv6 -t 1s -i nosuchif0
	assert_status 64
	assert_contains "$stderr" "nosuchif0: no such interface"
	onvif-discover --help | grep -q "64 usage (also an -i interface"
}

@test "gb-catalog: an empty PresetQuery answer says so on stderr (exit 1), without -v" {
	T=$BATS_TEST_TMPDIR
	GB_PASSWORD=s3cret timeout 30 gb-catalog --query PresetQuery -w 127.0.0.1:0 --wait 20s \
		--port-file "$T/cat.port" >"$T/cat.out" 2>"$T/cat.err" &
	local cat=$! port
	PEER_PIDS+=("$cat")
	wait_for_file "$T/cat.port" 10
	port=$(cat "$T/cat.port")
	GB_PASSWORD=s3cret timeout 30 gb-register --retry 1s --server "34020000002000000001@127.0.0.1:$port" \
		--device-id 34020000001320000001 --presets '' >"$T/dev.out" 2>"$T/dev.err" &
	PEER_PIDS+=("$!")
	local rc=0
	wait "$cat" || rc=$?
	[ "$rc" -eq 1 ] || { cat "$T/cat.err"; return 1; }
	[ ! -s "$T/cat.out" ]
	[ "$(cat "$T/cat.err")" = "gb-catalog: the PresetQuery is empty" ]
}

@test "onvif-subscribe: a run that ends with no event says so on stderr (exit 1)" {
	require_cmd python3 jq
	EMU_PROFILE=ex_onvif emu --profile generic --event-interval 0
	run --separate-stderr env ONVIF_USERNAME=admin ONVIF_PASSWORD=secret timeout 60 \
		onvif-subscribe --pull-timeout 1s --duration 1500ms "$DEV"
	assert_status 1
	[ -z "$output" ]
	assert_contains "$stderr" "no event in 1500 ms"
}

@test "onvif-call: a SOAP fault is reported once (code, subcodes, reason), a missing-password hint kept" {
	require_cmd python3
	emu
	run --separate-stderr env ONVIF_USERNAME=admin ONVIF_PASSWORD=secret timeout 30 onvif-call -d "$DEV" media \
	    '<GetStreamUri xmlns="http://www.onvif.org/ver10/media/wsdl"><ProfileToken>nope</ProfileToken></GetStreamUri>'
	assert_status 76
	[ "$(grep -c "bad Stream None" <<<"$stderr")" -eq 1 ] || { echo "$stderr"; return 1; }
	[ "$(grep -c "InvalidStreamSetup" <<<"$stderr")" -eq 1 ]
	run --separate-stderr env -u ONVIF_PASSWORD -u ONVIF_PASSWORD_FILE -u CAMKIT_CREDENTIALS XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/cfg" ONVIF_USERNAME=admin timeout 30 onvif-call -d "$DEV" device \
	    '<tds:GetHostname xmlns:tds="http://www.onvif.org/ver10/device/wsdl"/>'
	assert_status 77
	[ "$(grep -c "NotAuthorized" <<<"$stderr")" -eq 1 ] || { echo "$stderr"; return 1; }
	assert_contains "$stderr" "no password configured"
}
