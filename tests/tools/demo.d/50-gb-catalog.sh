# demo: gb-catalog: a GB28181 device (gb-register) registers with gb-catalog and lists its channels
set -eu
items=$DEMO_TMP/channels.xml
cat >"$items" <<'XML'
<Item><DeviceID>34020000001310000001</DeviceID><Name>浙江省杭州市 西湖 01</Name><Manufacturer>camkit</Manufacturer><Status>ON</Status><Info><PTZType>1</PTZType></Info></Item>
<Item><DeviceID>34020000001310000002</DeviceID><Name>Gate 02</Name><Manufacturer>camkit</Manufacturer><Status>ON</Status></Item>
<Item><DeviceID>34020000001310000003</DeviceID><Name>Yard 03</Name><Manufacturer>camkit</Manufacturer><Status>OFF</Status></Item>
XML
export GB_PASSWORD=demo-secret
echo "\$ gb-catalog --await-register 127.0.0.1:0 --port-file port | jq -c '{id: .item.device_id, name: .item.name, status: .item.status}' &"
gb-catalog --await-register 127.0.0.1:0 --port-file "$DEMO_TMP/port" --wait 10s >"$DEMO_TMP/catalog.out" &
cat_pid=$!
trap 'kill "$cat_pid" 2>/dev/null || true' EXIT
for i in $(seq 200); do   # until the registrar listens
	[ -s "$DEMO_TMP/port" ] && break
	sleep 0.05
done
port=$(cat "$DEMO_TMP/port")
echo "\$ gb-register --server 34020000002000000001@127.0.0.1:$port --device-id 34020000001320000001 --catalog channels.xml &"
# no `timeout` wrapper here: killing it would leave gb-register running
gb-register --server "34020000002000000001@127.0.0.1:$port" \
	--device-id 34020000001320000001 --catalog "$items" >"$DEMO_TMP/device.out" 2>/dev/null &
dev_pid=$!
trap 'kill "$cat_pid" 2>/dev/null || true; kill -KILL "$dev_pid" 2>/dev/null || true' EXIT
wait "$cat_pid"
if command -v jq >/dev/null; then
	jq -c '{id: .item.device_id, name: .item.name, status: .item.status}' "$DEMO_TMP/catalog.out"
else
	cat "$DEMO_TMP/catalog.out"
fi
# the platform is gone, so skip the device's unregister attempt
kill -KILL "$dev_pid" 2>/dev/null || true
{ wait "$dev_pid"; } 2>/dev/null || true
