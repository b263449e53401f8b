#!/usr/bin/env bats
# openvidu-ipcam against the strict OpenVidu 2.x emulator (tests/tools/
# openvidu-emu), which the official Node client (openvidu-node-client)
# proves faithful first; the Node client also checks what the tool did.
load helpers

setup() {
	require_cmd python3 jq openssl
	D=$BATS_TEST_TMPDIR
	export XDG_CONFIG_HOME="$D/cfg"
	unset OPENVIDU_URL OPENVIDU_SECRET CAMKIT_CREDENTIALS
}

teardown() { teardown_peers; }

# ov [EMU_ARGS...]: starts the emulator over HTTP with secret S3cret, logging
# each request to $D/ov.jsonl; sets OV and the tool's environment.
ov() {
	start_peer "$D/ov.port" python3 "$TOOLS/openvidu-emu" --port 0 --port-file "$D/ov.port" \
	    --secret S3cret --log "$D/ov.jsonl" "$@" 2>>"$D/ov.err"
	OV="http://127.0.0.1:$PEER_PORT"
	export OPENVIDU_URL=$OV OPENVIDU_SECRET=S3cret
}

# ov_tls: the same over HTTPS with a self-signed certificate made here.
ov_tls() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	    -addext subjectAltName=IP:127.0.0.1 -keyout "$D/key.pem" -out "$D/cert.pem" 2>/dev/null
	ov --tls-cert "$D/cert.pem" --tls-key "$D/key.pem"
	OV="https://127.0.0.1:$PEER_PORT"
	export OPENVIDU_URL=$OV
}

# api METHOD PATH [JSON]: a raw call with the right secret; prints "STATUS BODY".
api() {
	local st
	st=$(curl -sk -u OPENVIDUAPP:S3cret -X "$1" ${3:+-H 'Content-Type: application/json' -d "$3"} \
	    -o "$D/api.body" -w '%{http_code}' "$OV/openvidu/api$2")
	echo "$st $(cat "$D/api.body")"
}

# posts PATH_SUFFIX: how many POSTs to that path the emulator received.
posts() { jq -r "select(.method==\"POST\" and (.path|endswith(\"$1\"))) | .path" "$D/ov.jsonl" 2>/dev/null | wc -l; }

node_client() {
	local nm
	require_cmd node
	nm=$("$TOOLS/npm-openvidu.sh") || { [ "${CI:-}" = true ] && return 1; skip "openvidu-node-client unavailable"; }
	NODE_PATH="$nm" NODE_EXTRA_CA_CERTS="${CA:-}" timeout 60 node "$TOOLS/npm/openvidu.js" "$OV" "$@"
}

@test "the emulator is faithful: the official Node client creates, publishes, fetches, is refused 405, disconnects" {
	ov_tls
	CA="$D/cert.pem" run --separate-stderr node_client ipcam lobby rtsp://b1.dnsdojo.com:1935/live/sys3.stream
	assert_status 0
	assert_json_eq "${lines[0]}" .sessionId lobby
	assert_json_eq "${lines[1]}" '.connection|[.status,.type,.rtspUri,.data,.networkCache,.typeOfVideo[0]]|join(" ")' \
	    'active IPCAM rtsp://b1.dnsdojo.com:1935/live/sys3.stream Office security camera 2000 IPCAM'
	# the id the server derives from the URI, as in the seed's example
	id=$(jq -r .connection.id <<<"${lines[1]}")
	[[ $id =~ ^ipc_IPCAM_rtsp_[A-Z0-9]{4}_b1_dnsdojo_com_1935_live_sys3_stream$ ]]
	[[ $(jq -r '.connection.streams[0]' <<<"${lines[1]}") =~ ^str_IPC_[A-Za-z0-9]{4}_${id}$ ]]
	assert_json_eq "${lines[2]}" '.connections[0].id' "$id"
	assert_json_eq "${lines[3]}" '.error' 405        # deleting the camera's stream
	assert_json_eq "${lines[4]}" '.ok' true           # deleting its connection
	assert_json_eq "${lines[5]}" '.error' 404         # the session closed with its last camera
	OPENVIDU_SECRET=wrong CA="$D/cert.pem" run --separate-stderr node_client secret
	assert_status 1
	assert_json_eq "$output" .error 401
}

@test "the emulator answers like the server: 401 without body, 400 messages, 404/400 empty, 409, 415" {
	ov
	run curl -s -o "$D/b" -w '%{http_code}' -u OPENVIDUAPP:nope "$OV/openvidu/api/sessions"
	[ "$output" = 401 ] && [ ! -s "$D/b" ]
	curl -s -D "$D/h" -o /dev/null "$OV/openvidu/api/sessions"
	grep -qi '^WWW-Authenticate: Basic realm="Realm"' "$D/h"
	run api POST /sessions/nope/connection '{"type":"IPCAM","rtspUri":"rtsp://x/"}'
	[ "$output" = "404 " ]
	run api POST /sessions '{"customSessionId":"lobby"}'
	[ "${output%% *}" = 200 ]
	assert_json_eq "${output#* }" '[.id,.object,.connections.numberOfElements]|join(" ")' 'lobby session 0'
	run api POST /sessions '{"customSessionId":"lobby"}'
	[ "$output" = "409 " ]
	run api POST /sessions '{"customSessionId":"a b"}'
	assert_json_eq "${output#* }" .message "Some parameter is not valid. Parameter 'customSessionId' is wrong. Must be an alphanumeric string [a-zA-Z0-9_-]"
	run api POST /sessions/lobby/connection '{"type":"IPCAM","rtspUri":"RTSP://x/"}'
	assert_json_eq "${output#* }" '[.status,.message,.path]|join("|")' \
	    "400|Error in parameter 'rtspUri': RTSP URI does not contain a valid protocol [file, rtsp, rtsps, http, https]|/openvidu/api/sessions/lobby/connection"
	run api POST /sessions/lobby/connection '{"type":"IPCAM","rtspUri":"rtsp://x/","adaptativeBitrate":"yes"}'
	assert_json_eq "${output#* }" .message "Type error in some parameter: class java.lang.String cannot be cast to class java.lang.Boolean (java.lang.String and java.lang.Boolean are in module java.base of loader 'bootstrap')"
	run api POST /sessions/lobby/connection '{"type":"CAM"}'
	assert_json_eq "${output#* }" .message "Parameter 'type' CAM is not defined"
	run api DELETE /sessions/nope/connection/x
	[ "$output" = "400 " ]
	run curl -s -o /dev/null -w '%{http_code}' -u OPENVIDUAPP:S3cret -H 'Content-Type: text/plain' \
	    -d '{}' "$OV/openvidu/api/sessions"
	[ "$output" = 415 ]
}

@test "publish: the exact request (Basic auth, JSON body, every property option) and the record" {
	ov
	api POST /sessions '{"customSessionId":"lobby"}' >/dev/null
	run --separate-stderr openvidu-ipcam publish --session lobby --no-adaptive-bitrate --always-play \
	    --network-cache 500 --data 'Gate camera' --no-record rtsp://10.1.2.3:554/Streaming/main
	assert_status 0
	assert_json_eq "$output" '[.type,.state,.session,.rtsp_uri]|join(" ")' \
	    'ipcam published lobby rtsp://10.1.2.3:554/Streaming/main'
	assert_json_eq "$output" '.properties|tostring' \
	    '{"adaptive_bitrate":false,"only_play_with_subscribers":false,"network_cache_ms":500,"record":false,"data":"Gate camera"}'
	[[ $(jq -r .connection_id <<<"$output") =~ ^ipc_IPCAM_rtsp_[A-Z0-9]{4}_10_1_2_3_554_Streaming_main$ ]]
	[[ $(jq -r .stream_id <<<"$output") =~ ^str_IPC_.{4}_ipc_IPCAM_rtsp_ ]]
	[[ $(jq -r .created_at <<<"$output") =~ ^20[0-9-]{8}T[0-9:.]{12}Z$ ]]
	req=$(jq -c 'select(.method=="POST" and (.path|endswith("/connection")))' "$D/ov.jsonl")
	assert_json_eq "$req" .path /openvidu/api/sessions/lobby/connection
	assert_json_eq "$req" '.headers.Authorization' "Basic $(printf OPENVIDUAPP:S3cret | base64)"
	assert_json_eq "$req" '.headers["Content-Type"]' application/json
	assert_json_eq "$req" '.body|fromjson|tostring' \
	    '{"type":"IPCAM","rtspUri":"rtsp://10.1.2.3:554/Streaming/main","adaptativeBitrate":false,"onlyPlayWithSubscribers":false,"networkCache":500,"data":"Gate camera","record":false}'
	# a file URI has no host: the server writes it as "null" in the id
	run --separate-stderr openvidu-ipcam publish --session lobby file:///srv/v.mp4
	[[ $(jq -r .connection_id <<<"$output") =~ ^ipc_IPCAM_file_[A-Z0-9]{4}_null_srv_v_mp4$ ]]
	# defaults are the server's: true, true, 2000, record true, no data
	run --separate-stderr openvidu-ipcam publish --session lobby rtsp://10.1.2.4/x
	assert_status 0
	req=$(jq -c 'select(.method=="POST" and (.path|endswith("/connection")))' "$D/ov.jsonl" | tail -n 1)
	assert_json_eq "$req" '.body|fromjson|tostring' \
	    '{"type":"IPCAM","rtspUri":"rtsp://10.1.2.4/x","adaptativeBitrate":true,"onlyPlayWithSubscribers":true,"networkCache":2000,"record":true}'
}

@test "the Node client sees the cameras openvidu-ipcam published, with their properties" {
	ov
	run --separate-stderr openvidu-ipcam publish --session hall --create --always-play \
	    --data Lobby rtsp://u:p@10.0.0.9/ch1 rtsp://10.0.0.8/ch2
	assert_status 0
	run --separate-stderr node_client connections hall
	assert_status 0
	assert_json_eq "$output" '[.cameras[]|[.rtspUri,.data,.onlyPlayWithSubscribers,.adaptativeBitrate,.networkCache,.record]|join(",")]|sort|join(" ")' \
	    'rtsp://10.0.0.8/ch2,Lobby,false,true,2000,true rtsp://u:p@10.0.0.9/ch1,Lobby,false,true,2000,true'
}

@test "unknown session: 76 with a hint at --create; --create makes it, then reuses it (409)" {
	ov
	run --separate-stderr openvidu-ipcam publish --session nope rtsp://10.0.0.1/a
	assert_status 76
	assert_contains "$stderr" "session 'nope' does not exist on the server (--create makes it)"
	assert_json_eq "$output" '[.type,.error,.status,.session,.rtsp_uri]|join(" ")' 'error fault 76 nope rtsp://10.0.0.1/a'
	[ "$(posts /connection)" -eq 0 ]
	run --separate-stderr openvidu-ipcam -v publish --session nope --create rtsp://10.0.0.1/a
	assert_status 0
	assert_contains "$stderr" "session nope created"
	run --separate-stderr openvidu-ipcam --verbose publish --session nope --create rtsp://10.0.0.1/b
	assert_status 0
	assert_contains "$stderr" "session nope already exists"
	run api GET /sessions/nope/connection
	assert_json_eq "${output#* }" .numberOfElements 2
}

@test "a URI already in the session is not published twice (a record says so) unless --force" {
	ov
	openvidu-ipcam publish --session s1 --create rtsp://a:b@10.0.0.1/x >"$D/first"
	# the same camera, with other credentials or none: already there
	run --separate-stderr openvidu-ipcam publish --session s1 rtsp://10.0.0.1/x 'rtsp://c:d@10.0.0.1/x'
	assert_status 0
	[ "${#lines[@]}" -eq 2 ]
	assert_json_eq "${lines[0]}" .state already_published
	assert_json_eq "${lines[0]}" .connection_id "$(jq -r .connection_id "$D/first")"
	[ "$(posts /connection)" -eq 1 ]
	# twice in one input: published once
	run --separate-stderr openvidu-ipcam publish --session s1 rtsp://10.0.0.2/y rtsp://10.0.0.2/y
	assert_json_eq "$output" '.state' "$(printf 'published\nalready_published')"
	run --separate-stderr openvidu-ipcam publish --session s1 --force rtsp://10.0.0.1/x
	assert_status 0
	assert_json_eq "$output" .state published
	[ "$(posts /connection)" -eq 3 ]
}

@test "stdin: plain URIs and onvif-media records (name becomes data); bad lines are error records" {
	ov
	printf '%s\n' 'rtsp://10.0.0.1/plain' '' \
	    '{"type":"profile","device":"http://10.0.0.5/onvif/device_service","name":"mainStream","stream_uri":"rtsp://admin:pw@10.0.0.5:554/Streaming/main"}' \
	    '{"type":"profile","name":"noUri","stream_uri":null}' '{not json' >"$D/in"
	run --separate-stderr openvidu-ipcam publish --session s --create <"$D/in"
	assert_status 65
	[ "${#lines[@]}" -eq 4 ]
	assert_json_eq "${lines[0]}" '[.type,.error,.message]|join("|")' 'error|malformed|input record of type profile has no stream_uri'
	assert_json_eq "${lines[1]}" '[.type,.error]|join("|")' 'error|malformed'
	assert_json_eq "${lines[2]}" '[.state,.rtsp_uri,.properties.data]|join(" ")' 'published rtsp://10.0.0.1/plain '
	assert_json_eq "${lines[3]}" '[.state,.rtsp_uri,.properties.data]|join(" ")' 'published rtsp://***@10.0.0.5:554/Streaming/main mainStream'
	# the server got the credentials (it must pull the stream), the record did not
	jq -r 'select(.method=="POST" and (.path|endswith("/connection")))|.body' "$D/ov.jsonl" |
	    grep -q '"rtspUri":"rtsp://admin:pw@10.0.0.5:554/Streaming/main"'
	# --data wins over the record's name
	printf '%s\n' '{"name":"x","stream_uri":"rtsp://10.0.0.6/a"}' |
	    openvidu-ipcam publish --session s --data Fixed >"$D/o"
	assert_json_eq "$(cat "$D/o")" .properties.data Fixed
	# an overlong line is refused and skipped, the next one is read
	{ head -c 70000 /dev/zero | tr '\0' a; echo; echo rtsp://10.0.0.7/after; } >"$D/long"
	run --separate-stderr openvidu-ipcam publish --session s <"$D/long"
	assert_status 65
	assert_json_eq "${lines[0]}" .message 'input line longer than 65536 bytes'
	assert_json_eq "${lines[1]}" '[.state,.rtsp_uri]|join(" ")' 'published rtsp://10.0.0.7/after'
	# nothing at all to publish
	run --separate-stderr openvidu-ipcam publish --session s </dev/null
	assert_status 1
}

@test "the pipeline: onvif-discover | onvif-media --with-credentials | openvidu-ipcam publish" {
	ov
	start_peer "$D/onvif.port" python3 "$TOOLS/onvif-emu" --port 0 --port-file "$D/onvif.port" \
	    --user admin --password 'pa:ss' 2>>"$D/onvif.err"
	cam=$PEER_PORT
	# its WS-Discovery side, probed by unicast (multicast needs namespaces)
	start_peer "$D/wsd.port" python3 "$TOOLS/onvif_emu/discovery.py" --bind 127.0.0.1 --port 0 \
	    --no-hello --ready "$D/wsd.port" --xaddr "http://{addr}:$cam/onvif/device_service" \
	    --urn urn:uuid:4a770000-0000-4000-8000-0000000000c9 2>>"$D/wsd.err"
	run --separate-stderr bash -c "onvif-discover -t 1s 127.0.0.1:$PEER_PORT |
	    ONVIF_USERNAME=admin ONVIF_PASSWORD=pa:ss onvif-media --with-credentials |
	    openvidu-ipcam publish --session lobby --create"
	assert_status 0
	[ "${#lines[@]}" -ge 2 ]
	for l in "${lines[@]}"; do
		assert_json_eq "$l" '.state' published
		[[ $(jq -r .rtsp_uri <<<"$l") == rtsp://\*\*\*@127.0.0.1:554/Streaming/* ]]
		[ -n "$(jq -r .properties.data <<<"$l")" ]   # the profile's name
	done
	run --separate-stderr openvidu-ipcam list --session lobby
	assert_status 0
	[ "${#lines[@]}" -ge 2 ]
	jq -r 'select(.method=="POST" and (.path|endswith("/connection")))|.body|fromjson|.rtspUri' "$D/ov.jsonl" |
	    grep -q '^rtsp://admin:pa%3Ass@127.0.0.1:554/Streaming/'
}

@test "URIs the server would refuse are caught before sending (64, schemes listed); the others go on" {
	ov
	run --separate-stderr openvidu-ipcam publish --session s --create ftp://10.0.0.1/a RTSP://10.0.0.1/b \
	    'rtsp://10.0.0.1/c d' rtsp://10.0.0.1/%zz 10.0.0.1/e rtsp://10.0.0.1/ok
	assert_status 64
	[ "${#lines[@]}" -eq 6 ]
	assert_json_eq "${lines[0]}" .message "ftp://10.0.0.1/a: scheme 'ftp' is not accepted by OpenVidu (accepted, in lower case: file, rtsp, rtsps, http, https)"
	assert_contains "${lines[1]}" "scheme 'RTSP' is not accepted"
	assert_contains "${lines[2]}" "illegal character at index 17"
	assert_contains "${lines[3]}" "malformed %-escape"
	assert_contains "${lines[4]}" "no scheme; OpenVidu accepts file, rtsp, rtsps, http, https"
	assert_json_eq "${lines[5]}" .state published
	[ "$(posts /connection)" -eq 1 ]
	# all refused: nothing is sent at all
	: >"$D/ov.jsonl"
	run --separate-stderr openvidu-ipcam publish --session s --create ftp://x/
	assert_status 64
	[ ! -s "$D/ov.jsonl" ]
}

@test "the pre-check and the server agree on which URIs are refused" {
	ov
	api POST /sessions '{"customSessionId":"d"}' >/dev/null
	for u in rtsp://h/a rtsps://h/a http://h/a https://h/a file:///v.mp4 'rtsp://u:p%40@h:554/a?x=1&y=2#f' \
	    'rtsp://[::1]:554/a' rtsp:opaque 'rtsp://h/caf%C3%A9' \
	    RTSP://h/a Rtsp://h/a ftp://h/a udp://h:5000 h/a rtsp: 'rtsp://h/a b' 'rtsp://h/a"b' \
	    'rtsp://h/a<b' 'rtsp://h/a{b' 'rtsp://h/a|b' 'rtsp://h/a\b' 'rtsp://h/a^b' \
	    'rtsp://h/a`b' 'rtsp://h/%zz' 'rtsp://h/%4' 'rtsp://h/a[1]' 'rtsp://h/?q=]' \
	    "$(printf 'rtsp://h/a\tb')"; do
		body=$(jq -cn --arg u "$u" '{type:"IPCAM",rtspUri:$u}')
		st=$(api POST /sessions/d/connection "$body")
		st=${st%% *}
		run --separate-stderr openvidu-ipcam publish --session d --force "$u"
		case "$st:$status" in
		200:0 | 400:64) ;;
		*) echo "URI '$u': server $st, openvidu-ipcam $status" >&2; return 1 ;;
		esac
	done
}

@test "server errors: 5xx is 76 with the server's message; several URIs give the worst status" {
	ov --media-server-down
	run --separate-stderr openvidu-ipcam publish --session s --create rtsp://10.0.0.1/a ftp://b/
	assert_status 76
	assert_json_eq "${lines[0]}" '[.error,.status,.message]|join("|")' \
	    'fault|76|publishing: HTTP 500: Error creating PlayerEndpoint for rtsp://10.0.0.1/a: media server unreachable'
	assert_json_eq "${lines[1]}" .status 64
}

@test "unpublish CONNECTION_ID: deletes the connection; the last camera closes the session" {
	ov
	openvidu-ipcam publish --session s --create rtsp://10.0.0.1/a rtsp://10.0.0.1/b >"$D/pub"
	a=$(sed -n 1p "$D/pub" | jq -r .connection_id)
	b=$(sed -n 2p "$D/pub" | jq -r .connection_id)
	run --separate-stderr openvidu-ipcam unpublish --session s "$a"
	assert_status 0
	assert_json_eq "$output" '[.state,.connection_id,.rtsp_uri,has("session_closed")]|join(" ")' "unpublished $a rtsp://10.0.0.1/a false"
	[ "$(jq -c "select(.method==\"DELETE\" and .path==\"/openvidu/api/sessions/s/connection/$a\")" "$D/ov.jsonl" | wc -l)" -eq 1 ]
	run --separate-stderr openvidu-ipcam -v unpublish --session s "$b"
	assert_status 0
	assert_json_eq "$output" .session_closed true
	assert_contains "$stderr" "session s closed with its last participant"
	run api GET /sessions/s
	[ "$output" = "404 " ]
	# unknown session (the server answers 400), unknown connection (404)
	run --separate-stderr openvidu-ipcam unpublish --session s "$a"
	assert_status 76
	assert_contains "$stderr" "session 's' does not exist"
	# an id with characters that need %-encoding in the path (the server decodes it)
	openvidu-ipcam publish --session t --create 'rtsp://10.0.0.1/test.mp4&ve=H264&w=1280' rtsp://10.0.0.1/a >"$D/pub"
	odd=$(sed -n 1p "$D/pub" | jq -r .connection_id)
	[[ $odd == *'&ve=H264&w=1280' ]]
	run --separate-stderr openvidu-ipcam unpublish --session t "$odd"
	assert_status 0
	assert_json_eq "$output" .connection_id "$odd"
	enc=${odd//&/%26}
	[ "$(jq -r 'select(.method=="DELETE")|.path' "$D/ov.jsonl" | tail -n 1)" = \
	    "/openvidu/api/sessions/t/connection/${enc//=/%3D}" ]
	run --separate-stderr openvidu-ipcam unpublish --session t ipc_nope
	assert_status 76
	assert_json_eq "$output" '[.connection_id,.message]|join("|")' "ipc_nope|no connection 'ipc_nope' in session 't' (HTTP 404)"
}

@test "unpublish leaves a WEBRTC participant alone (64); --uri and --all pick cameras; none is 1" {
	ov
	openvidu-ipcam publish --session s --create rtsp://u:p@10.0.0.1/a rtsp://10.0.0.2/b rtsp://10.0.0.3/c >/dev/null
	run api POST /sessions/s/connection '{"type":"WEBRTC"}'
	user=$(jq -r .id <<<"${output#* }")
	[[ $user == con_* ]]
	run --separate-stderr openvidu-ipcam unpublish --session s "$user"
	assert_status 64
	assert_contains "$stderr" "not an IP camera"
	run api GET /sessions/s/connection/"$user"
	[ "${output%% *}" = 200 ]
	# --uri matches whatever the credentials
	run --separate-stderr openvidu-ipcam unpublish --session s --uri rtsp://10.0.0.1/a
	assert_status 0
	assert_json_eq "$output" '[.state,.rtsp_uri]|join(" ")' 'unpublished rtsp://***@10.0.0.1/a'
	run --separate-stderr openvidu-ipcam unpublish --session s --uri rtsp://10.0.0.1/a
	assert_status 1
	assert_contains "$stderr" "no IP camera with that URI in session s"
	run --separate-stderr openvidu-ipcam unpublish --session s --all
	assert_status 0
	[ "${#lines[@]}" -eq 2 ]
	assert_json_eq "${lines[1]}" '[.state,.session_closed]|join(" ")' 'unpublished true'
	# the pending WEBRTC connection is not a participant: the session closed
	# with its last camera, and took it along, as the server does
	run api GET /sessions/s
	[ "$output" = "404 " ]
	run --separate-stderr openvidu-ipcam unpublish --session s --all
	assert_status 76
	openvidu-ipcam publish --session t --create rtsp://10.0.0.2/b >/dev/null
	api POST /sessions/t/connection '{"type":"WEBRTC"}' >/dev/null
	run --separate-stderr openvidu-ipcam unpublish --session t --uri rtsp://10.0.0.9/zz
	assert_status 1
	assert_contains "$stderr" "no IP camera with that URI in session t"
}

@test "list: every session's cameras, or one session's; none is 1; unknown session 76" {
	ov
	run --separate-stderr openvidu-ipcam list
	assert_status 1
	[ -z "$output" ]
	openvidu-ipcam publish --session a --create rtsp://10.0.0.1/a >/dev/null
	openvidu-ipcam publish --session b --create rtsp://10.0.0.2/b rtsp://10.0.0.3/c >/dev/null
	api POST /sessions/b/connection '{"type":"WEBRTC"}' >/dev/null
	run --separate-stderr openvidu-ipcam list
	assert_status 0
	[ "${#lines[@]}" -eq 3 ]
	assert_json_eq "$output" '[.session,.state]|join(" ")' "$(printf 'a active\nb active\nb active')"
	run --separate-stderr openvidu-ipcam list --session b
	assert_status 0
	assert_json_eq "$output" '.rtsp_uri' "$(printf 'rtsp://10.0.0.2/b\nrtsp://10.0.0.3/c')"
	run --separate-stderr openvidu-ipcam list --session zz
	assert_status 76
	assert_contains "$stderr" "session 'zz' does not exist"
}

@test "--url names the server (a trailing / is fine) and wins over OPENVIDU_URL" {
	ov
	OPENVIDU_URL=http://127.0.0.1:9/ run --separate-stderr openvidu-ipcam --url "$OV/" \
	    publish --session s --create rtsp://10.0.0.1/a
	assert_status 0
	assert_json_eq "$output" .state published
	jq -r .path "$D/ov.jsonl" | grep -qx /openvidu/api/sessions
	run --separate-stderr openvidu-ipcam --url "$OV" list
	assert_status 0
	run --separate-stderr openvidu-ipcam --url "http://u:p@127.0.0.1:$PEER_PORT" list
	assert_status 64
	assert_contains "$stderr" "no user in the URL"
}

@test "HTTPS: a self-signed certificate is refused (69, nothing sent); --insecure opts out" {
	ov_tls
	run --separate-stderr openvidu-ipcam list
	assert_status 69
	assert_contains "$stderr" "--insecure"
	assert_json_eq "$output" .error unreachable
	[ ! -s "$D/ov.jsonl" ]
	run --separate-stderr openvidu-ipcam -k publish --session s --create rtsp://10.0.0.1/a
	assert_status 0
	run --separate-stderr openvidu-ipcam --insecure list
	assert_status 0
}

@test "secret: wrong one 77; from --secret-file (mode checked, - is stdin), env, credentials file; never argv" {
	ov
	OPENVIDU_SECRET=nope run --separate-stderr openvidu-ipcam list
	assert_status 77
	assert_json_eq "$output" '[.error,.status]|join(" ")' 'auth 77'
	unset OPENVIDU_SECRET
	run --separate-stderr openvidu-ipcam list
	assert_status 78
	assert_contains "$stderr" "no OpenVidu secret"
	printf 'S3cret\n' >"$D/sec"
	chmod 644 "$D/sec"
	run --separate-stderr openvidu-ipcam --secret-file "$D/sec" list
	assert_status 78
	assert_contains "$stderr" "chmod 600"
	chmod 600 "$D/sec"
	run --separate-stderr openvidu-ipcam --secret-file "$D/sec" list
	assert_status 1
	run --separate-stderr openvidu-ipcam --secret-file "$D/missing" list
	assert_status 66
	run --separate-stderr bash -c 'echo S3cret | openvidu-ipcam --secret-file - list'
	assert_status 1
	mkdir -p "$D/cfg/camkit"
	printf 'machine 127.0.0.1 login OPENVIDUAPP password S3cret\n' >"$D/cfg/camkit/credentials"
	chmod 600 "$D/cfg/camkit/credentials"
	run --separate-stderr openvidu-ipcam list
	assert_status 1
	chmod 644 "$D/cfg/camkit/credentials"
	run --separate-stderr openvidu-ipcam list
	assert_status 78
	run --separate-stderr openvidu-ipcam --secret S3cret list
	assert_status 64
}

@test "timeout 75 (silent server), unreachable 69, unparsable reply 76" {
	ov --silent
	run --separate-stderr timeout 30 openvidu-ipcam -t 1s list
	assert_status 75
	assert_json_eq "$output" .error timeout
	hold_port tcp	# bound, not listening: refused
	OPENVIDU_URL="http://127.0.0.1:$PEER_PORT" run --separate-stderr openvidu-ipcam --timeout 2s list
	assert_status 69
	mkdir -p "$D/www/openvidu/api"
	echo 'not json' >"$D/www/openvidu/api/sessions"
	start_peer "$D/www.port" python3 -c '
import http.server, functools, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2])
s = http.server.HTTPServer(("127.0.0.1", 0), h)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()' "$D/www.port" "$D/www" 2>/dev/null
	OPENVIDU_URL="http://127.0.0.1:$PEER_PORT" run --separate-stderr openvidu-ipcam list
	assert_status 76
	assert_contains "$stderr" "unparsable reply"
}

@test "-vv traces the exchange with the Authorization redacted" {
	ov
	run --separate-stderr openvidu-ipcam -vv publish --session s --create rtsp://cam:campw@10.0.0.1/a
	assert_status 0
	assert_contains "$stderr" "> POST /openvidu/api/sessions/s/connection HTTP/1.1"
	assert_contains "$stderr" "< HTTP/1.1 200"
	assert_contains "$stderr" "Authorization: Basic [redacted]"
	! grep -q "$(printf OPENVIDUAPP:S3cret | base64)" <<<"$stderr"
	! grep -q S3cret <<<"$stderr"
	# the camera's account in the request and reply bodies is redacted too
	assert_contains "$stderr" '"rtspUri":"rtsp://[redacted]@10.0.0.1/a"'
	! grep -q campw <<<"$stderr"
	# the record and the server keep what each needs
	assert_json_eq "$output" .rtsp_uri 'rtsp://***@10.0.0.1/a'
	jq -r 'select(.method=="POST")|.body' "$D/ov.jsonl" | grep -q 'rtsp://cam:campw@10.0.0.1/a'
}

@test "usage errors are 64 before anything is sent; --help lists every option" {
	ov
	for args in "" "frob" "publish rtsp://x/" "unpublish x" "list extra" \
	    "list --uri rtsp://x/" "list --create" "unpublish --session s --all x" \
	    "publish --session 'a b' rtsp://x/" "publish --session s --network-cache -1 rtsp://x/" \
	    "-t 0 list" "-t soon list" "--url ftp://h/ list" "--sess s list"; do
		eval "run --separate-stderr openvidu-ipcam $args"
		[ "$status" -eq 64 ] || { echo "args: $args -> $status" >&2; return 1; }
	done
	[ ! -s "$D/ov.jsonl" ]
	unset OPENVIDU_URL
	run --separate-stderr openvidu-ipcam list
	assert_status 64
	assert_contains "$stderr" "OPENVIDU_URL"
	run --separate-stderr openvidu-ipcam --help
	assert_status 0
	for o in url secret-file insecure timeout session create force no-adaptive-bitrate \
	    always-play network-cache data no-record uri all verbose help version; do
		assert_contains "$output" "--$o"
	done
}
