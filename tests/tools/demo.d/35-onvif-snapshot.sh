# demo: onvif-snapshot and a fleet: stills behind HTTP Digest, 50 cameras read at once
set -eu
trap 'kill $(cat "$DEMO_TMP/snap.pids" 2>/dev/null) 2>/dev/null || true' EXIT
tests/tools/onvif-emu --port 0 --port-file "$DEMO_TMP/snap.port" --user admin \
    --password demo >/dev/null 2>&1 &
echo $! >>"$DEMO_TMP/snap.pids"
tests/tools/onvif-emu --devices 50 --silent 5 --skewed 5 --port-file "$DEMO_TMP/fleet.port" \
    --devices-file "$DEMO_TMP/fleet" --user admin --password demo >/dev/null 2>&1 &
echo $! >>"$DEMO_TMP/snap.pids"
for f in snap.port fleet; do
	for _ in $(seq 200); do [ -s "$DEMO_TMP/$f" ] && break; sleep 0.05; done
done
t=127.0.0.1:$(cat "$DEMO_TMP/snap.port")
export ONVIF_USERNAME=admin ONVIF_PASSWORD=demo
mkdir -p "$DEMO_TMP/shots"
echo "\$ onvif-snapshot $t > gate.jpg && od -An -tx1 -N4 gate.jpg    # GetSnapshotUri, then GET answered with Digest"
onvif-snapshot "$t" >"$DEMO_TMP/gate.jpg" && od -An -tx1 -N4 "$DEMO_TMP/gate.jpg"
echo "\$ onvif-snapshot -o shots --all-profiles $t | jq -c '[.profile, .bytes, .file]'"
onvif-snapshot -o "$DEMO_TMP/shots" --all-profiles "$t" | jq -c '[.profile, .bytes, (.file | split("/") | last)]'
echo "# 50 cameras in one emulator, 5 silent, 5 an hour fast"
echo "\$ cut -d' ' -f1 fleet | onvif-time -t 2s | jq -r '.error // (.offset_s|round|tostring)' | sort | uniq -c"
cut -d' ' -f1 "$DEMO_TMP/fleet" | onvif-time -t 2s 2>/dev/null | jq -r '.error // (.offset_s|round|tostring)' | sort | uniq -c || true
