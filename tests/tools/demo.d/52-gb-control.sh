# demo: gb-control: a platform turns a device's recording on and waits for its Response; gb-catalog then sees it in DeviceStatus
set -eu
export GB_PASSWORD=demo-secret
echo "\$ gb-control --await-register 127.0.0.1:0 --port-file port record &"
gb-control --await-register 127.0.0.1:0 --port-file "$DEMO_TMP/cport" --wait 10s record \
	>"$DEMO_TMP/control.out" &
ctl_pid=$!
trap 'kill "$ctl_pid" 2>/dev/null || true' EXIT
for _ in $(seq 200); do [ -s "$DEMO_TMP/cport" ] && break; sleep 0.05; done
port=$(cat "$DEMO_TMP/cport")
echo "\$ gb-register --server 34020000002000000001@127.0.0.1:$port --device-id 34020000001320000001 &"
gb-register --server "34020000002000000001@127.0.0.1:$port" \
	--device-id 34020000001320000001 >"$DEMO_TMP/cdevice.out" 2>/dev/null &
dev_pid=$!
trap 'kill "$ctl_pid" 2>/dev/null || true; kill -KILL "$dev_pid" 2>/dev/null || true' EXIT
wait "$ctl_pid"
cat "$DEMO_TMP/control.out"
# the platform is gone, so skip the device's unregister attempt
kill -KILL "$dev_pid" 2>/dev/null || true
{ wait "$dev_pid"; } 2>/dev/null || true
