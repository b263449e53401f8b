# demo: onvif-ptz and onvif-subscribe: move an emulated PTZ camera, read its events
set -eu
tests/tools/onvif-emu --profile ex_onvif --port 0 --port-file "$DEMO_TMP/ptz.port" \
	--user admin --password demo --event-interval 0.4 2>/dev/null &
emu_pid=$!
trap 'kill $emu_pid 2>/dev/null || true' EXIT
for _ in $(seq 200); do [ -s "$DEMO_TMP/ptz.port" ] && break; sleep 0.05; done
t="127.0.0.1:$(cat "$DEMO_TMP/ptz.port")"
export ONVIF_USERNAME=admin ONVIF_PASSWORD=demo
echo "# a gSOAP PTZ camera and a Hikvision event stream, recorded, on $t"
echo "\$ onvif-ptz status $t | jq -c '[.pan, .tilt, .zoom, .move_pan_tilt]'"
onvif-ptz status "$t" | jq -c '[.pan, .tilt, .zoom, .move_pan_tilt]'
echo "\$ onvif-ptz move --pan 0.5 --duration 1s $t    # ContinuousMove, then Stop"
onvif-ptz move --pan 0.5 --duration 1s "$t"
echo "\$ onvif-ptz status $t | jq -c '[.pan, .tilt, .zoom]'"
onvif-ptz status "$t" | jq -c '[.pan, .tilt, .zoom]'
echo "\$ onvif-ptz move --pan 1.5 $t    # outside the node's velocity range: exit 64, nothing sent"
onvif-ptz move --pan 1.5 "$t" 2>&1 >/dev/null || echo "(exit $?)"
echo "\$ onvif-ptz presets $t | jq -r '[.token, .name, .pan, .tilt] | @tsv'"
onvif-ptz presets "$t" | jq -r '[.token, .name, .pan, .tilt] | @tsv'
echo "\$ onvif-ptz preset-goto Parking $t && onvif-ptz status $t | jq -c '[.pan, .tilt, .zoom]'"
onvif-ptz preset-goto Parking "$t" >/dev/null && onvif-ptz status "$t" | jq -c '[.pan, .tilt, .zoom]'
echo "\$ onvif-subscribe --count 10 $t | jq -c '[.ts, .topic, .data]'   # the real Hikvision burst, then motion"
onvif-subscribe --count 10 "$t" | jq -c '[.ts, .topic, .data]'
echo "\$ onvif-subscribe --topic tns1:RuleEngine//. --coalesce 1s --duration 3s $t | jq -c '[.type, .event_id, .notifications]'"
onvif-subscribe --topic 'tns1:RuleEngine//.' --coalesce 1s --duration 3s "$t" | jq -c '[.type, .event_id, .notifications]'
