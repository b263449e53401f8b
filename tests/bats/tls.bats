#!/usr/bin/env bats
# HTTPS to a device: certificates are verified unless --insecure is given.
# The emulator serves TLS with a self-signed certificate made here.
load helpers

setup() {
	require_cmd python3 openssl jq
	export ONVIF_USERNAME=admin ONVIF_PASSWORD=secret
	export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/cfg"
	D=$BATS_TEST_TMPDIR
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	    -addext subjectAltName=IP:127.0.0.1 \
	    -keyout "$D/key.pem" -out "$D/cert.pem" 2>/dev/null
	emu --tls-cert "$D/cert.pem" --tls-key "$D/key.pem"
	URL="https://127.0.0.1:$PEER_PORT/onvif/device_service"
}

teardown() { teardown_peers; }

@test "a self-signed device certificate is refused by default (69), nothing is sent" {
	run --separate-stderr timeout 20 onvif-time "$URL"
	assert_status 69
	assert_contains "$stderr" "certificate"
	assert_contains "$stderr" "--insecure"
	assert_json_eq "$output" .error unreachable
	# the handshake failed, so no SOAP request reached the device
	[ ! -s "$LOG" ]
}

@test "--insecure opts out: time is read and a signed call works over TLS" {
	run --separate-stderr timeout 20 onvif-time --insecure "$URL"
	assert_status 0
	assert_json_eq "$output" .type time
	run --separate-stderr timeout 20 onvif-ptz --insecure status "$URL"
	assert_status 0
	assert_json_eq "$output" .type ptz_status
	# the signed request was verified by the emulator (WS-Security over TLS)
	grep -q '"GetStatus"' "$LOG"
}

@test "every ONVIF tool refuses the certificate without --insecure" {
	for t in onvif-info onvif-media "onvif-ptz status"; do
		run --separate-stderr timeout 20 $t "$URL"
		[ "$status" -eq 69 ] || { echo "$t: $status $stderr"; return 1; }
	done
}

@test "onvif-snapshot over HTTPS: refused with the --insecure hint (69); --insecure fetches the JPEG over TLS" {
	mkdir "$D/out"
	run --separate-stderr timeout 20 onvif-snapshot -o "$D/out" "$URL"
	assert_status 69
	assert_contains "$stderr" "certificate"
	assert_contains "$stderr" "--insecure"
	assert_json_eq "$output" .error unreachable
	[ -z "$(ls "$D/out")" ]
	run --separate-stderr timeout 20 onvif-snapshot --insecure -o "$D/out" "$URL"
	assert_status 0
	assert_json_eq "$output" .type snapshot
	[ "$(head -c 2 "$(jq -r .file <<<"$output")" | od -An -tx1 | tr -d ' ')" = ffd8 ]
	# the still came over TLS from the URI the device handed out
	jq -e 'select(.op == "snapshot" and .result == "ok")' "$LOG" >/dev/null
}

@test "onvif-snapshot: a snapshot URI on an HTTPS server whose certificate fails carries the --insecure hint" {
	# the SOAP device is plain HTTP; its stills are on the TLS emulator
	local tls=$PEER_PORT
	emu --snapshot-base "https://127.0.0.1:$tls"
	mkdir "$D/out"
	run --separate-stderr timeout 20 onvif-snapshot -o "$D/out" "127.0.0.1:$PEER_PORT"
	assert_status 69
	assert_contains "$stderr" "https://127.0.0.1:$tls/snapshot/"
	assert_contains "$stderr" "certificate"
	assert_contains "$stderr" "(--insecure skips verification)"
	assert_json_eq "$output" .type error
	assert_contains "$(jq -r .message <<<"$output")" "--insecure"
	[ -z "$(ls "$D/out")" ]
	run --separate-stderr timeout 20 onvif-snapshot -k -o "$D/out" "127.0.0.1:$PEER_PORT"
	assert_status 0
	assert_json_eq "$output" .type snapshot
}
