#!/usr/bin/env bats
# onvif-snapshot against the strict emulator: GetSnapshotUri (Media2, else
# Media), the GET behind HTTP Digest (or Basic), the JPEG check, -o DIR
# naming, stdout never a terminal, --every.
load helpers

setup() {
	require_cmd python3 jq
	export ONVIF_USERNAME=admin ONVIF_PASSWORD=secret
	unset CAMKIT_CREDENTIALS
	export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/cfg"
	JPEG="$TOOLS/onvif_emu/snapshot.jpg"
	OUT="$BATS_TEST_TMPDIR/out"
	mkdir -p "$OUT"
}

teardown() { teardown_peers; }

gets() { jq -c 'select(.method == "GET") | [.auth, .result, .path]' "$LOG"; }

@test "usage: several images need -o, -o must be a directory, --count needs --every" {
	run --separate-stderr onvif-snapshot 127.0.0.1 127.0.0.2 </dev/null
	assert_status 64
	assert_contains "$stderr" "several images need -o DIR"
	run --separate-stderr onvif-snapshot --every 1s 127.0.0.1
	assert_status 64
	run --separate-stderr onvif-snapshot --all-profiles 127.0.0.1
	assert_status 64
	run --separate-stderr onvif-snapshot -o "$BATS_TEST_TMPDIR/nodir" 127.0.0.1
	assert_status 64
	assert_contains "$stderr" "not a directory"
	run --separate-stderr onvif-snapshot -o "$OUT" --count 2 127.0.0.1
	assert_status 64
	run --separate-stderr onvif-snapshot --every 5ms -o "$OUT" 127.0.0.1
	assert_status 64
	[ -z "$output" ]
}

@test "one image to stdout: GetSnapshotUri on Media2, GET answered with Digest, the camera's JPEG" {
	emu
	run --separate-stderr bash -c "onvif-snapshot '$DEV' >'$BATS_TEST_TMPDIR/a.jpg'"
	assert_status 0
	cmp "$BATS_TEST_TMPDIR/a.jpg" "$JPEG"
	# asked on Media2, fetched unauthenticated first, then with Digest
	[ "$(jq -r 'select(.op == "GetSnapshotUri") | .ns' "$LOG")" = "http://www.onvif.org/ver20/media/wsdl" ]
	[ "$(gets | tr '\n' ' ')" = '["none","unauthorized","/snapshot/main.jpg"] ["digest","ok","/snapshot/main.jpg"] ' ]
	if command -v ffprobe >/dev/null; then
		[ "$(ffprobe -v error -show_entries stream=codec_name,width -of csv=p=0 "$BATS_TEST_TMPDIR/a.jpg")" = "mjpeg,64" ]
	fi
}

@test "stdout a terminal is refused before anything is sent" {
	require_cmd script
	emu
	run --separate-stderr script -qec "onvif-snapshot '$DEV'" /dev/null
	assert_status 64
	assert_contains "$output" "terminal"
	[ ! -s "$LOG" ]
}

@test "-o DIR: one DEVICE-PROFILE-TIME.jpg and one record per image, every profile with --all-profiles" {
	emu
	run --separate-stderr onvif-snapshot -o "$OUT" --all-profiles "$DEV"
	assert_status 0
	[ "${#lines[@]}" -eq 2 ]
	for l in "${lines[@]}"; do
		f=$(jq -r .file <<<"$l")
		[[ "$(basename "$f")" =~ ^127\.0\.0\.1_[0-9]+-(main|sub)-[0-9]{8}T[0-9]{6}\.[0-9]{3}Z\.jpg$ ]]
		cmp "$f" "$JPEG"
		assert_json_eq "$l" .type snapshot
		assert_json_eq "$l" .bytes "$(stat -c %s "$JPEG")"
		assert_json_eq "$l" .device "http://$DEV/onvif/device_service"
	done
	[ "$(printf '%s\n' "${lines[@]}" | jq -r .profile | sort | tr '\n' ' ')" = "main sub " ]
	[ "$(ls "$OUT" | wc -l)" -eq 2 ]
	# -p picks one
	rm -f "$OUT"/*
	run --separate-stderr onvif-snapshot -o "$OUT" -p sub "$DEV"
	assert_status 0
	assert_json_eq "$output" .profile sub
	run --separate-stderr onvif-snapshot -o "$OUT" -p nosuch "$DEV"
	assert_status 1
	assert_json_eq "$output" .type error
}

@test "Media only: falls back to Media's GetSnapshotUri" {
	emu --quirk no-media2
	run --separate-stderr bash -c "onvif-snapshot '$DEV' >'$BATS_TEST_TMPDIR/a.jpg'"
	assert_status 0
	cmp "$BATS_TEST_TMPDIR/a.jpg" "$JPEG"
	[ "$(jq -r 'select(.op == "GetSnapshotUri") | .ns' "$LOG")" = "http://www.onvif.org/ver10/media/wsdl" ]
}

@test "Basic when the camera asks for Basic; wrong password -> 77; no password -> 77" {
	emu --snapshot-auth basic --auth none
	run --separate-stderr bash -c "onvif-snapshot '$DEV' >'$BATS_TEST_TMPDIR/a.jpg'"
	assert_status 0
	cmp "$BATS_TEST_TMPDIR/a.jpg" "$JPEG"
	[ "$(gets | tail -n 1)" = '["basic","ok","/snapshot/main.jpg"]' ]
	ONVIF_PASSWORD=wrong run --separate-stderr bash -c "onvif-snapshot '$DEV' >/dev/null"
	assert_status 77
	assert_contains "$stderr" "401"
	run --separate-stderr env -u ONVIF_PASSWORD bash -c "onvif-snapshot '$DEV' >/dev/null"
	assert_status 77
	assert_contains "$stderr" "no password"
}

@test "not a JPEG -> 65 (an HTML page with 200; a JPEG without EOI); nothing written" {
	emu --quirk snapshot-not-jpeg
	run --separate-stderr onvif-snapshot -o "$OUT" "$DEV"
	assert_status 65
	assert_contains "$stderr" "not a JPEG"
	assert_json_eq "$output" .type error
	[ -z "$(ls "$OUT")" ]
	emu --quirk snapshot-truncated
	run --separate-stderr bash -c "onvif-snapshot '$DEV' >/dev/null"
	assert_status 65
	assert_contains "$stderr" "EOI"
}

@test "advertised snapshot host is rewritten to the target's (NAT); --trust-xaddrs keeps it" {
	emu --xaddr-host 127.0.0.2:9
	run --separate-stderr onvif-snapshot -o "$OUT" "$DEV"
	assert_status 0
	assert_json_eq "$output" .uri "http://$DEV/snapshot/main.jpg"
	assert_json_eq "$output" .advertised_uri "http://127.0.0.2:${DEV##*:}/snapshot/main.jpg"
}

@test "--every DUR --count N: N rounds, one file each; several targets; an unreachable one is an error record" {
	emu
	a=$DEV
	hold_port tcp	# bound, not listening: refused
	bad=$PEER_PORT
	run --separate-stderr timeout 30 onvif-snapshot -t 2s -o "$OUT" --every 300ms --count 3 "$a" "127.0.0.1:$bad"
	assert_status 69
	[ "$(printf '%s\n' "$output" | jq -r .type | sort | uniq -c | awk '{print $1, $2}' | tr '\n' ' ')" = "3 error 3 snapshot " ]
	[ "$(ls "$OUT" | wc -l)" -eq 3 ]
}

@test "--every stops cleanly on SIGTERM (exit 0)" {
	emu
	onvif-snapshot -o "$OUT" --every 200ms "$DEV" >"$BATS_TEST_TMPDIR/rec" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait_for_file "$BATS_TEST_TMPDIR/rec" 10
	kill -TERM $pid
	rc=0
	wait $pid || rc=$?
	[ "$rc" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/err"; return 1; }
	[ "$(ls "$OUT" | wc -l)" -ge 1 ]
}
