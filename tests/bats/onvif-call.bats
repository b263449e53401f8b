#!/usr/bin/env bats
# onvif-call against the strict emulator: envelope and bytes sent, service
# resolution, response printing, faults on stderr with their exit codes.
load helpers
bats_require_minimum_version 1.5.0

TDS='xmlns:tds="http://www.onvif.org/ver10/device/wsdl"'

setup() {
	require_cmd python3 jq
	export ONVIF_USERNAME=admin ONVIF_PASSWORD=secret
	export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/cfg"
}

teardown() { teardown_peers; }

@test "usage errors exit 64; a bad BODY exits 65, all before any request" {
	run --separate-stderr onvif-call
	assert_status 64
	run --separate-stderr onvif-call -d 127.0.0.1 device '<a/>' extra
	assert_status 64
	run --separate-stderr onvif-call -d 127.0.0.1 cameras '<a/>'
	assert_status 64
	assert_contains "$stderr" "unknown service 'cameras'"
	run --separate-stderr onvif-call media '<a/>'
	assert_status 64
	assert_contains "$stderr" "SERVICE 'media' needs --device TARGET"
	emu
	run --separate-stderr onvif-call -d "$DEV" device '<tds:Broken>'
	assert_status 65
	assert_contains "$stderr" "BODY is not well-formed XML"
	run --separate-stderr onvif-call -d "$DEV" device '<tds:GetHostname/>'
	assert_status 65
	assert_contains "$stderr" "unbound prefix"
	run --separate-stderr bash -c "onvif-call -d '$DEV' device </dev/null"
	assert_status 65
	assert_contains "$stderr" "BODY is empty"
	[ ! -s "$LOG" ]
}

@test "device call: standalone XML out, the exact envelope in, signed" {
	emu
	run --separate-stderr onvif-call -d "$DEV" device "<tds:GetHostname $TDS/>"
	assert_status 0
	[ -z "$stderr" ]
	[ "$output" = '<tds:GetHostnameResponse xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema"><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP><tt:Name>camkit-emu</tt:Name></tds:HostnameInformation></tds:GetHostnameResponse>' ]
	python3 -c 'import sys, xml.dom.minidom as m; m.parseString(sys.argv[1])' "$output"
	body=$(jq -r 'select(.op=="GetHostname") | .body' "$LOG")
	assert_contains "$body" '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
	assert_contains "$body" "<s:Body><tds:GetHostname $TDS/></s:Body></s:Envelope>"
	assert_contains "$body" '<wsse:UsernameToken><wsse:Username>admin</wsse:Username>'
	[ "$(jq -r 'select(.op=="GetHostname") | [.auth,.path,.headers["content-type"]] | join(" ")' "$LOG")" = \
	    'wsse /onvif/device_service application/soap+xml; charset=utf-8' ]
	# the clock was read, unsigned, before the signed call
	[ "$(jq -r '.op' "$LOG" | tr '\n' ' ')" = 'GetSystemDateAndTime GetHostname ' ]
}

@test "SERVICE resolved with GetServices; BODY from stdin; URL used as is" {
	emu
	run --separate-stderr bash -c "echo '<trt:GetProfiles xmlns:trt=\"http://www.onvif.org/ver10/media/wsdl\"/>' | onvif-call -d '$DEV' media"
	assert_status 0
	[ "$(printf '%s\n' "$output" | python3 -c 'import sys,xml.etree.ElementTree as E; r=E.fromstring(sys.stdin.read()); print(" ".join(p.get("token") for p in r))')" = "main sub" ]
	[ "$(jq -r 'select(.op=="GetProfiles") | .path' "$LOG")" = /onvif/media_service ]
	jq -r '.op' "$LOG" | grep -qx GetServices
	: >"$LOG"
	run --separate-stderr onvif-call "http://$DEV/onvif/media2_service" \
	    '<GetProfiles xmlns="http://www.onvif.org/ver20/media/wsdl"/>'
	assert_status 0
	assert_contains "$output" '<tr2:GetProfilesResponse xmlns:tr2="http://www.onvif.org/ver20/media/wsdl">'
	! jq -r '.op' "$LOG" | grep -qx GetServices
	run --separate-stderr onvif-call --envelope -d "$DEV" device "<tds:GetHostname $TDS/>"
	assert_status 0
	assert_contains "${lines[0]}" '<?xml version="1.0" encoding="UTF-8"?>'
	assert_contains "$output" '<s:Body><tds:GetHostnameResponse>'
}

@test "SOAP Fault: code, subcodes and reason on stderr, exit 76" {
	emu
	run --separate-stderr onvif-call -d "$DEV" media \
	    '<GetStreamUri xmlns="http://www.onvif.org/ver10/media/wsdl"><ProfileToken>nope</ProfileToken></GetStreamUri>'
	assert_status 76
	[ -z "$output" ]
	grep -qx 'onvif-call: code: env:Sender' <<<"$stderr"
	grep -qx 'onvif-call: subcode: ter:InvalidArgVal' <<<"$stderr"
	grep -qx 'onvif-call: subcode: ter:InvalidStreamSetup' <<<"$stderr"
	grep -qx "onvif-call: reason: bad Stream None" <<<"$stderr"
	run --separate-stderr onvif-call -d "$DEV" device "<tds:NoSuchThing $TDS/>"
	assert_status 76
	grep -qx 'onvif-call: subcode: ter:ActionNotSupported' <<<"$stderr"
	grep -qx 'onvif-call: code: env:Receiver' <<<"$stderr"
}

@test "NotAuthorized exits 77; Digest-only and unauthenticated devices" {
	emu
	run --separate-stderr env ONVIF_PASSWORD=wrong onvif-call -d "$DEV" device "<tds:GetHostname $TDS/>"
	assert_status 77
	grep -qx 'onvif-call: subcode: ter:NotAuthorized' <<<"$stderr"
	run --separate-stderr onvif-call --auth none -d "$DEV" device "<tds:GetHostname $TDS/>"
	assert_status 77
	teardown_peers
	emu --auth digest
	run --separate-stderr onvif-call -d "$DEV" device "<tds:GetHostname $TDS/>"
	assert_status 0
	assert_contains "$output" '<tt:Name>camkit-emu</tt:Name>'
	run --separate-stderr onvif-call --auth wsse -d "$DEV" device "<tds:GetHostname $TDS/>"
	assert_status 77
}

@test "silent device: 75; HTML answer: 65; refused: 69" {
	emu --quirk silent
	run --separate-stderr timeout 20 onvif-call -t 1s -d "$DEV" device "<tds:GetHostname $TDS/>"
	assert_status 75
	teardown_peers
	emu --quirk garbage-xml
	run --separate-stderr timeout 20 onvif-call --auth none -d "$DEV" device "<tds:GetHostname $TDS/>"
	assert_status 65
	hold_port tcp	# bound, not listening: refused
	run --separate-stderr timeout 20 onvif-call -d "127.0.0.1:$PEER_PORT" device "<tds:GetHostname $TDS/>"
	assert_status 69
}
