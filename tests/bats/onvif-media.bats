#!/usr/bin/env bats
# onvif-media against the strict emulator (generated and recorded devices),
# differential against the npm `onvif` client.
load helpers
bats_require_minimum_version 1.5.0

setup() {
	require_cmd python3 jq
	export ONVIF_USERNAME=admin ONVIF_PASSWORD=secret
	export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/cfg"
}

teardown() { teardown_peers; }

# sent OP: the request bodies of operation OP from the emulator's log.
sent() {
	jq -r --arg op "$1" 'select(.op == $op) | .body' "$LOG"
}

@test "usage errors exit 64" {
	run --separate-stderr onvif-media --transport rtp 127.0.0.1
	assert_status 64
	assert_contains "$stderr" "--transport: 'rtp' (udp, tcp or http)"
	run --separate-stderr onvif-media --media 3 127.0.0.1
	assert_status 64
	run --separate-stderr onvif-media --with-credentials --no-uri 127.0.0.1
	assert_status 64
	run --separate-stderr env -u ONVIF_PASSWORD onvif-media --with-credentials 127.0.0.1
	assert_status 64
	assert_contains "$stderr" "no password configured"
	run --separate-stderr onvif-media 'http://[bad'
	assert_status 64
	[ -z "$output" ]
}

@test "Media2 profiles with stream and snapshot URIs, one record each" {
	emu
	run --separate-stderr onvif-media "$DEV"
	assert_status 0
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 2 ]
	assert_json_eq "${lines[0]}" '[.type,.device,.media,.token,.name,.fixed,.video_source,.encoding,.width,.height,.frame_rate,.bitrate_kbps,.audio_encoding,.ptz_configuration,.transport,.stream_uri,.snapshot_uri]|tostring' \
	    "[\"profile\",\"http://$DEV/onvif/device_service\",2,\"main\",\"mainStream\",true,\"VideoSource_1\",\"H264\",1920,1080,25,4096,null,\"ptzcfg0\",\"udp\",\"rtsp://127.0.0.1:554/Streaming/main\",\"http://$DEV/snapshot/main.jpg\"]"
	assert_json_eq "${lines[1]}" '[.token,.width,.height,.frame_rate,.bitrate_kbps,.ptz_configuration,.stream_uri]|tostring' \
	    '["sub",640,360,15,512,null,"rtsp://127.0.0.1:554/Streaming/sub"]'
	# exact request bodies: Media2 GetProfiles with Type All, RtspUnicast
	sent GetProfiles | grep -qF '<s:Body><tr2:GetProfiles xmlns:tr2="http://www.onvif.org/ver20/media/wsdl"><tr2:Type>All</tr2:Type></tr2:GetProfiles></s:Body>'
	sent GetStreamUri | grep -qF '<s:Body><tr2:GetStreamUri xmlns:tr2="http://www.onvif.org/ver20/media/wsdl"><tr2:Protocol>RtspUnicast</tr2:Protocol><tr2:ProfileToken>main</tr2:ProfileToken></tr2:GetStreamUri></s:Body>'
	sent GetSnapshotUri | grep -qF '<tr2:GetSnapshotUri xmlns:tr2="http://www.onvif.org/ver20/media/wsdl"><tr2:ProfileToken>sub</tr2:ProfileToken></tr2:GetSnapshotUri>'
	# every media request was signed and verified
	[ "$(jq -r 'select(.ns|test("media")) | .auth' "$LOG" | sort -u)" = wsse ]
}

@test "falls back to Media without Media2; --transport tcp/http bytes" {
	emu --quirk no-media2
	run --separate-stderr onvif-media --transport tcp "$DEV"
	assert_status 0
	assert_json_eq "${lines[0]}" '[.media,.token,.transport,.stream_uri]|join(" ")' \
	    '1 main tcp rtsp://127.0.0.1:554/Streaming/main'
	[ -z "$(jq -r 'select(.ns=="http://www.onvif.org/ver20/media/wsdl") | .op' "$LOG")" ]
	sent GetStreamUri | grep -qF '<s:Body><trt:GetStreamUri xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema"><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup><trt:ProfileToken>main</trt:ProfileToken></trt:GetStreamUri></s:Body>'
	: >"$LOG"
	run --separate-stderr onvif-media --transport http --profile sub "$DEV"
	assert_status 0
	[ "${#lines[@]}" -eq 1 ]
	sent GetStreamUri | grep -qF '<tt:Protocol>HTTP</tt:Protocol>'
	teardown_peers
	emu
	run --separate-stderr onvif-media --transport http --media 2 --profile sub "$DEV"
	assert_status 0
	sent GetStreamUri | grep -qF '<tr2:Protocol>RtspOverHttp</tr2:Protocol><tr2:ProfileToken>sub</tr2:ProfileToken>'
	run --separate-stderr onvif-media --media 1 --no-uri "$DEV"
	assert_status 0
	assert_json_eq "${lines[0]}" '[.media,has("stream_uri")]|tostring' '[1,false]'
}

@test "recorded ENP1A14 camera: Media2 configurations, H.265, PTZ token" {
	require_shared data/onvif-samples/easy_onvif/ENP1A14-IR_25X
	emu --profile enp1a14-ir_25x
	run --separate-stderr onvif-media "$DEV"
	assert_status 0
	[ "${#lines[@]}" -eq 3 ]
	assert_json_eq "${lines[0]}" '[.media,.token,.name,.encoding,.width,.height,.frame_rate,.bitrate_kbps,.ptz_configuration]|tostring' \
	    '[2,"Profile_1","mainStream","H265",2560,1440,25,8192,"PTZToken"]'
	assert_json_eq "${lines[1]}" '[.token,.name,.width,.height]|tostring' '["Profile_2","subStream",704,480]'
	# the recorded URI, with the address the device has here
	assert_json_eq "${lines[0]}" .stream_uri \
	    "$(sed -n 's|.*<tr2:Uri>rtsp://[^/]*\(/[^<]*\)</tr2:Uri>.*|rtsp://127.0.0.1\1|p' \
	      "$FIXTURES/onvif/easy_onvif/ENP1A14-IR_25X/media2/GetStreamUriResponse.xml" | sed 's/&amp;/\&/g')"
}

@test "--profile: one profile; unknown token exits 1 with an error record" {
	emu
	run --separate-stderr onvif-media -p sub "$DEV"
	assert_status 0
	[ "${#lines[@]}" -eq 1 ]
	assert_json_eq "$output" .token sub
	run --separate-stderr onvif-media -p nope "$DEV"
	assert_status 1
	assert_json_eq "$output" '[.type,.status,.message]|join(" ")' "error 1 no profile with token 'nope'"
	assert_contains "$stderr" "no profile with token 'nope'"
}

@test "--with-credentials percent-encodes the account into the RTSP URI only" {
	emu --user 'ad min' --password 'p@ss:w/rd%'
	printf 'ad min\np@ss:w/rd%%\n' >"$BATS_TEST_TMPDIR/pw"
	chmod 600 "$BATS_TEST_TMPDIR/pw"
	run --separate-stderr onvif-media --password-file "$BATS_TEST_TMPDIR/pw" \
	    --with-credentials -p main "127.0.0.1:$PEER_PORT"
	assert_status 0
	assert_json_eq "$output" .stream_uri 'rtsp://ad%20min:p%40ss%3Aw%2Frd%25@127.0.0.1:554/Streaming/main'
	assert_json_eq "$output" .snapshot_uri "http://127.0.0.1:$PEER_PORT/snapshot/main.jpg"
}

@test "advertised addresses of another host are rewritten; --trust-xaddrs keeps them" {
	emu --xaddr-host 127.0.0.2:9
	run --separate-stderr onvif-media -v -p main "$DEV"
	assert_status 0
	assert_json_eq "$output" '[.stream_uri,.advertised_stream_uri]|join(" ")' \
	    'rtsp://127.0.0.1:554/Streaming/main rtsp://127.0.0.2:554/Streaming/main'
	assert_contains "$stderr" "rewritten to http://$DEV/onvif/media2_service"
	# trusted, the advertised (dead) address is used: refused
	run --separate-stderr timeout 20 onvif-media --trust-xaddrs -t 2s "$DEV"
	assert_status 69
	assert_json_eq "$output" '[.type,.status]|join(" ")' 'error 69'
}

@test "wrong password exits 77; HTTP Digest-only device works with --auth auto" {
	emu
	run --separate-stderr env ONVIF_PASSWORD=wrong onvif-media "$DEV"
	assert_status 77
	assert_json_eq "$output" '[.type,.error,.status]|join(" ")' 'error auth 77'
	assert_contains "$stderr" "NotAuthorized"
	teardown_peers
	emu --auth digest
	run --separate-stderr onvif-media -p main "$DEV"
	assert_status 0
	assert_json_eq "$output" .token main
	jq -r 'select(.op=="GetStreamUri") | .auth' "$LOG" | grep -qx 'digest\|wsse+digest'
}

@test "silent device: timeout 75; not XML: 65; recorded corrupt reply: 65" {
	emu --quirk silent
	run --separate-stderr timeout 20 onvif-media -t 1s "$DEV"
	assert_status 75
	assert_json_eq "$output" .error timeout
	teardown_peers
	emu --quirk garbage-xml
	run --separate-stderr timeout 20 onvif-media "$DEV"
	assert_status 65
	teardown_peers
	# SUNBA.405's recorded Media2 GetProfiles has log lines after the envelope
	require_shared data/onvif-samples/easy_onvif/SUNBA.405
	emu --profile sunba.405
	run --separate-stderr timeout 20 onvif-media "$DEV"
	assert_status 65
	assert_contains "$stderr" "not well-formed"
}

@test "GetStreamUri fault for a profile: null stream_uri, exit 76, others still listed" {
	emu --quirk stream-uri-fault
	run --separate-stderr onvif-media "$DEV"
	assert_status 76
	[ "${#lines[@]}" -eq 2 ]
	assert_json_eq "${lines[0]}" '[.token,.stream_uri]|join(" ")' 'main rtsp://127.0.0.1:554/Streaming/main'
	assert_json_eq "${lines[1]}" '[.token,.stream_uri,.snapshot_uri]|tostring' \
	    "[\"sub\",null,\"http://$DEV/snapshot/sub.jpg\"]"
	assert_contains "$stderr" "profile sub: GetStreamUri:"
	assert_contains "$stderr" "ter:StreamConflict"
}

@test "targets from stdin, as onvif-discover prints them" {
	emu
	run --separate-stderr bash -c "printf '%s\n' '{\"type\":\"device\",\"xaddrs\":[\"http://$DEV/onvif/device_service\"]}' | onvif-media --no-uri"
	assert_status 0
	[ "${#lines[@]}" -eq 2 ]
	run --separate-stderr bash -c ': | onvif-media'
	assert_status 1
	assert_contains "$stderr" "no targets"
}

@test "differential: same profiles and stream URIs as the npm onvif client" {
	require_cmd node
	nm=$("$TOOLS/npm-onvif.sh") || { [ "${CI:-}" = true ] && return 1; skip "npm onvif unavailable"; }
	for prof in generic enp1a14-ir_25x happytimesoft; do
		emu --profile "$prof"
		NODE_PATH="$nm" timeout 30 node "$TOOLS/npm/onvif-media.js" 127.0.0.1 "$PEER_PORT" admin secret UDP \
		    >"$BATS_TEST_TMPDIR/npm.out" 2>"$BATS_TEST_TMPDIR/npm.err" ||
		    { cat "$BATS_TEST_TMPDIR/npm.err"; return 1; }
		run --separate-stderr onvif-media "$DEV"
		assert_status 0
		f='[.media,.token,.name,.encoding,.width,.height,.stream_uri,.snapshot_uri]|tostring'
		diff -u <(jq -c "$f" "$BATS_TEST_TMPDIR/npm.out") <(printf '%s\n' "$output" | jq -c "$f")
		[ -s "$BATS_TEST_TMPDIR/npm.out" ]
		teardown_peers
	done
}

@test "differential over Media (no Media2) and RTSP/TCP: same as the npm onvif client" {
	require_cmd node
	nm=$("$TOOLS/npm-onvif.sh") || { [ "${CI:-}" = true ] && return 1; skip "npm onvif unavailable"; }
	for prof in generic ipd-h4k8m05-bs; do
		emu --profile "$prof" --quirk no-media2
		NODE_PATH="$nm" timeout 30 node "$TOOLS/npm/onvif-media.js" 127.0.0.1 "$PEER_PORT" admin secret RTSP \
		    >"$BATS_TEST_TMPDIR/npm.out" 2>"$BATS_TEST_TMPDIR/npm.err" ||
		    { cat "$BATS_TEST_TMPDIR/npm.err"; return 1; }
		run --separate-stderr onvif-media --transport tcp "$DEV"
		assert_status 0
		f='[.media,.token,.name,.encoding,.width,.height,.stream_uri,.snapshot_uri]|tostring'
		diff -u <(jq -c "$f" "$BATS_TEST_TMPDIR/npm.out") <(printf '%s\n' "$output" | jq -c "$f")
		[ "$(jq -r .media "$BATS_TEST_TMPDIR/npm.out" | sort -u)" = 1 ]
		# both asked for RTP over RTSP over TCP
		[ "$(jq -r 'select(.op=="GetStreamUri") | .body' "$LOG" | grep -c '<[a-z:]*Protocol>RTSP</[a-z:]*Protocol>')" -ge 2 ]
		teardown_peers
		: >"$LOG"
	done
}

# ---- --check: RTSP OPTIONS/DESCRIBE against GStreamer's RTSP server ----

# rtsp_server: GStreamer's RTSP server (system python3-gi) with Digest
# admin/secret; sets RTSP_PORT. Skips locally, fails under CI, without it.
rtsp_server() {
	if ! /usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0"); from gi.repository import GstRtspServer' 2>/dev/null; then
		[ "${CI:-}" = true ] && { echo "GStreamer RTSP server (python3-gi, gir1.2-gst-rtsp-server-1.0) missing under CI" >&2; return 1; }
		skip "GStreamer RTSP server not installed (tests/tools/deps.sh)"
	fi
	start_peer "$BATS_TEST_TMPDIR/rtsp.port" "$TOOLS/rtsp-server" "$BATS_TEST_TMPDIR/rtsp.port" \
	    admin secret 2>>"$BATS_TEST_TMPDIR/rtsp.err"
	RTSP_PORT=$PEER_PORT
}

@test "--check: OPTIONS and DESCRIBE with Digest against GStreamer's RTSP server: codec, clock, resolution" {
	rtsp_server
	emu --rtsp-port "$RTSP_PORT"
	run --separate-stderr timeout 60 onvif-media --check "$DEV"
	assert_status 0
	[ "${#lines[@]}" -eq 2 ]
	main=$(printf '%s\n' "$output" | jq -c 'select(.token == "main") | .check')
	assert_json_eq "$main" .ok true
	assert_json_eq "$main" .options_status 200
	assert_json_eq "$main" .rtsp_status 200
	assert_json_eq "$main" .host_rewritten false
	assert_json_eq "$main" '.streams | length' 1
	assert_json_eq "$main" '.streams[0] | [.media, .codec, .clock_rate, .width, .height] | map(tostring) | join(" ")' "video H264 90000 640 360"
	sub=$(printf '%s\n' "$output" | jq -c 'select(.token == "sub") | .check')
	assert_json_eq "$sub" '.streams[0] | [.width, .height] | map(tostring) | join("x")' "320x180"
}

@test "--check: a wrong RTSP password is 77 (401), an unreachable stream 69; the record says so" {
	rtsp_server
	emu --rtsp-port "$RTSP_PORT" --auth none
	ONVIF_PASSWORD=wrong run --separate-stderr timeout 60 onvif-media --check -p main "$DEV"
	assert_status 77
	assert_json_eq "$output" .check.ok false
	assert_json_eq "$output" .check.rtsp_status 401
	assert_json_eq "$output" .check.error auth
	teardown_peers
	hold_port tcp	# bound, not listening: refused
	emu --rtsp-port "$PEER_PORT"
	run --separate-stderr timeout 60 onvif-media --check -p main "$DEV"
	assert_status 69
	assert_json_eq "$output" .check.error unreachable
	run --separate-stderr onvif-media --check --no-uri 127.0.0.1
	assert_status 64
}

@test "--check: an advertised host the client cannot reach is rewritten, checked, and said so" {
	rtsp_server
	emu --rtsp-port "$RTSP_PORT" --xaddr-host 127.0.0.2:9
	run --separate-stderr timeout 60 onvif-media --check -p main "$DEV"
	assert_status 0
	assert_json_eq "$output" .advertised_stream_uri "rtsp://127.0.0.2:$RTSP_PORT/Streaming/main"
	assert_json_eq "$output" .stream_uri "rtsp://127.0.0.1:$RTSP_PORT/Streaming/main"
	assert_json_eq "$output" .check.host_rewritten true
	assert_json_eq "$output" .check.ok true
}
