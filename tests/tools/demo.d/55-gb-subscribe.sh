# demo: gb-subscribe: a platform subscribes to a device's catalog, alarms and position; the device moves, raises an alarm and changes a channel
set -eu
export GB_PASSWORD=demo-secret
items=$DEMO_TMP/sub-channels.xml
item() { printf '<Item><DeviceID>%s</DeviceID><Name>%s</Name><Status>%s</Status></Item>\n' "$@"; }
item 34020000001310000001 "Gate 01" ON >"$items"
echo "\$ gb-subscribe --await-register 127.0.0.1:0 --port-file port --event catalog,alarm,position --interval 1 --duration 4s &"
gb-subscribe --await-register 127.0.0.1:0 --port-file "$DEMO_TMP/sport" --wait 10s \
	--event catalog,alarm,position --interval 1 --duration 4s >"$DEMO_TMP/sub.out" 2>/dev/null &
sub_pid=$!
trap 'kill "$sub_pid" 2>/dev/null || true' EXIT
for _ in $(seq 200); do [ -s "$DEMO_TMP/sport" ] && break; sleep 0.05; done
port=$(cat "$DEMO_TMP/sport")
echo "\$ gb-register --server 34020000002000000001@127.0.0.1:$port --device-id 34020000001320000001 --catalog channels.xml --position 120.1536,30.2875 &"
gb-register --server "34020000002000000001@127.0.0.1:$port" --device-id 34020000001320000001 \
	--catalog "$items" --position 120.1536,30.2875 >"$DEMO_TMP/sdevice.out" 2>/dev/null &
dev_pid=$!
trap 'kill "$sub_pid" 2>/dev/null || true; kill -KILL "$dev_pid" 2>/dev/null || true' EXIT
for _ in $(seq 200); do [ "$(grep -c '"subscribed"' "$DEMO_TMP/sdevice.out" 2>/dev/null)" -ge 3 ] && break; sleep 0.05; done
echo '$ kill -USR1 DEVICE   # an alarm'
kill -USR1 "$dev_pid"
echo '$ kill -HUP DEVICE    # after adding a channel to channels.xml'
item 34020000001310000002 "Yard 02" ON >>"$items"
kill -HUP "$dev_pid"
wait "$sub_pid" || true
if command -v jq >/dev/null; then
	jq -c 'select((.type=="notify" or .type=="message") and .cmd_type) |
	    {type, event: (.event // .cmd_type), items: (.items | if . then map({device_id, event}) else null end),
	    longitude, latitude, priority, alarm_method, description} |
	    with_entries(select(.value != null))' "$DEMO_TMP/sub.out" | head -n 5
else
	head -n 6 "$DEMO_TMP/sub.out"
fi
kill -KILL "$dev_pid" 2>/dev/null || true
{ wait "$dev_pid"; } 2>/dev/null || true
