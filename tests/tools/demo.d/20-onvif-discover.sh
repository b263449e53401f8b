# demo: onvif-discover, onvif-info, onvif-media: find emulated cameras, read what they are and their streams
set -eu
# the emulators and responders are this script's children: stop them when it ends
# (started inside $(...), so their pids go through a file)
trap 'kill $(cat "$DEMO_TMP/discover.pids" 2>/dev/null) 2>/dev/null || true' EXIT
# Multicast needs network namespaces (root; the bats tests make them); the
# demo probes by unicast on loopback instead, as for cameras in another subnet.
emu() { # emu NAME ARGS...: an emulated camera (HTTP), prints its port
	local name=$1; shift
	tests/tools/onvif-emu --port 0 --port-file "$DEMO_TMP/$name.port" \
		--user admin --password demo "$@" >/dev/null 2>&1 &
	echo $! >>"$DEMO_TMP/discover.pids"
	for _ in $(seq 200); do [ -s "$DEMO_TMP/$name.port" ] && break; sleep 0.05; done
	cat "$DEMO_TMP/$name.port"
}
wsd() { # wsd NAME HTTPPORT ARGS...: its WS-Discovery side, prints its UDP port
	local name=$1 port=$2; shift 2
	python3 tests/tools/onvif_emu/discovery.py --bind 127.0.0.1 --port 0 --no-hello \
		--ready "$DEMO_TMP/$name.wsd" --xaddr "http://{addr}:$port/onvif/device_service" "$@" >/dev/null 2>&1 &
	echo $! >>"$DEMO_TMP/discover.pids"
	for _ in $(seq 200); do [ -s "$DEMO_TMP/$name.wsd" ] && break; sleep 0.05; done
	cat "$DEMO_TMP/$name.wsd"
}
h1=$(emu enp --profile enp1a14-ir_25x)
h2=$(emu hap --profile happytimesoft)
u1=$(wsd enp "$h1" --urn urn:uuid:6e1a14aa-0000-4000-8000-000000000001 --name ENP1A14 --hardware ENP1A14-IR)
# the second one answers the way python-ws-discovery's recorded camera does:
# no Types, wsa:PortType in the EndpointReference, other prefixes, and twice
u2=$(wsd hap "$h2" --urn urn:uuid:4a770000-0000-4000-8000-000000000002 --name happytime \
	--quirk no-types --quirk porttype --quirk odd-prefixes --quirk twice)
export ONVIF_USERNAME=admin ONVIF_PASSWORD=demo
echo "\$ onvif-discover -t 1s 127.0.0.1:$u1 127.0.0.1:$u2 | jq -c '{urn, name, hardware, xaddrs, types}'"
onvif-discover -t 1s "127.0.0.1:$u1" "127.0.0.1:$u2" | tee "$DEMO_TMP/found" |
	jq -c '{urn, name, hardware, xaddrs, types}'
echo "\$ onvif-info <found | jq -c '[.manufacturer, .model, .firmware, .capabilities]'"
onvif-info <"$DEMO_TMP/found" | jq -c '[.manufacturer, .model, .firmware, .capabilities]'
echo "\$ onvif-media --transport tcp <found | jq -r '[.token, .encoding, .width, .height, .stream_uri] | @tsv'"
onvif-media --transport tcp <"$DEMO_TMP/found" | jq -r '[.token, .encoding, .width, .height, .stream_uri] | @tsv'
body='<GetSnapshotUri xmlns="http://www.onvif.org/ver10/media/wsdl"><ProfileToken>Profile_1</ProfileToken></GetSnapshotUri>'
echo "\$ onvif-call -d 127.0.0.1:$h1 media '$body'"
onvif-call -d "127.0.0.1:$h1" media "$body"
echo "\$ onvif-call -d 127.0.0.1:$h1 media '${body/Profile_1/nope}'"
onvif-call -d "127.0.0.1:$h1" media "${body/Profile_1/nope}" 2>&1 || echo "(exit $?)"
