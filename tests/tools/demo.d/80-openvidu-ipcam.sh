# demo: openvidu-ipcam: find emulated cameras, publish their streams into an OpenVidu session, list, unpublish
set -eu
# the emulators are this script's children: stop them when it ends
trap 'kill $(cat "$DEMO_TMP/openvidu.pids" 2>/dev/null) 2>/dev/null || true' EXIT
started() { # started NAME: records the last background job, waits for NAME's port file
	echo $! >>"$DEMO_TMP/openvidu.pids"
	for _ in $(seq 200); do [ -s "$DEMO_TMP/$1" ] && break; sleep 0.05; done
	cat "$DEMO_TMP/$1"
}
tests/tools/onvif-emu --port 0 --port-file "$DEMO_TMP/ov-cam.port" --user admin --password demo \
	--profile happytimesoft >/dev/null 2>&1 &
cam=$(started ov-cam.port)
python3 tests/tools/onvif_emu/discovery.py --bind 127.0.0.1 --port 0 --no-hello \
	--ready "$DEMO_TMP/ov-cam.wsd" --xaddr "http://{addr}:$cam/onvif/device_service" \
	--urn urn:uuid:4a770000-0000-4000-8000-0000000000c8 --name lobby-cam >/dev/null 2>&1 &
wsd=$(started ov-cam.wsd)
tests/tools/openvidu-emu --port 0 --port-file "$DEMO_TMP/ov.port" --secret demo-secret \
	>/dev/null 2>&1 &
ov=$(started ov.port)
export ONVIF_USERNAME=admin ONVIF_PASSWORD=demo
export OPENVIDU_URL="http://127.0.0.1:$ov" OPENVIDU_SECRET=demo-secret
echo "# an emulated camera, and an emulated OpenVidu 2.x server at $OPENVIDU_URL"
echo "\$ onvif-discover -t 1s 127.0.0.1:$wsd | onvif-media --with-credentials | tee cams | openvidu-ipcam publish --session lobby --create"
onvif-discover -t 1s "127.0.0.1:$wsd" | onvif-media --with-credentials | tee "$DEMO_TMP/cams" |
	openvidu-ipcam publish --session lobby --create
echo "\$ openvidu-ipcam publish --session lobby <cams | jq -c '{state, connection_id}'   # already there"
openvidu-ipcam publish --session lobby <"$DEMO_TMP/cams" | jq -c '{state, connection_id}'
echo "\$ openvidu-ipcam publish --session lobby RTSP://127.0.0.1/x   # refused before sending"
openvidu-ipcam publish --session lobby RTSP://127.0.0.1/x 2>&1 >/dev/null || echo "(exit $?)"
echo "\$ openvidu-ipcam list | jq -c '[.session, .connection_id, .rtsp_uri]'"
openvidu-ipcam list | jq -c '[.session, .connection_id, .rtsp_uri]'
echo "\$ openvidu-ipcam unpublish --session lobby --all | jq -c '[.state, .connection_id, .session_closed]'"
openvidu-ipcam unpublish --session lobby --all | jq -c '[.state, .connection_id, .session_closed]'
echo "\$ openvidu-ipcam list   # the session closed with its last camera"
openvidu-ipcam list || echo "(exit $?)"
