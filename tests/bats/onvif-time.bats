#!/usr/bin/env bats
# onvif-time against the strict ONVIF emulator (tests/tools/onvif-emu) with
# recorded real-device profiles, and against the npm `onvif` client.
load helpers
bats_require_minimum_version 1.5.0

setup() {
	require_cmd python3 jq
	export ONVIF_USERNAME=admin ONVIF_PASSWORD=s3cret
	unset ONVIF_PASSWORD_FILE CAMKIT_CREDENTIALS
	EMU_PASSWORD=s3cret
	export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/cfg"
}

teardown() { teardown_peers; }

# emu_all ARGS...: one frozen emulator per recorded time profile, started
# together; sets PORTS[profile].
emu_all() {
	local p
	declare -gA PORTS=()
	for p in $("$TOOLS/onvif-emu" --list-time-profiles); do
		"$TOOLS/onvif-emu" --port 0 --port-file "$BATS_TEST_TMPDIR/$p.port" \
		    --user admin --password s3cret --profile "$p" --frozen "$@" &
		PEER_PIDS+=("$!")
	done
	for p in $("$TOOLS/onvif-emu" --list-time-profiles); do
		wait_for_file "$BATS_TEST_TMPDIR/$p.port" 20 || return 1
		PORTS[$p]=$(cat "$BATS_TEST_TMPDIR/$p.port")
	done
}

ot() { run --separate-stderr timeout 30 onvif-time "$@"; }

# The values a recorded GetSystemDateAndTime holds, read with ElementTree
# (independently of the C code) as the JSON onvif-time should print.
recorded_fields() {
	python3 "$TOOLS/recorded-time" "$1" "$TOOLS"
}

@test "usage errors exit 64 before touching the network" {
	ot --set --ntp pool.ntp.org 127.0.0.1:1
	assert_status 64
	assert_contains "$stderr" "exclude each other"
	[ -z "$output" ]
	ot --ntp 'bad host!' 127.0.0.1:1
	assert_status 64
	ot --timeout 0 127.0.0.1:1
	assert_status 64
	ot --auth kerberos 127.0.0.1:1
	assert_status 64
	assert_contains "$stderr" "try 'onvif-time --help'"
	ot rtsp://127.0.0.1/x
	assert_status 64
	assert_contains "$stderr" "only http and https"
	ot 127.0.0.1:99999
	assert_status 64
}

@test "every recorded device: printed fields equal its recorded response" {
	local n=0 p want got
	emu_all
	for p in "${!PORTS[@]}"; do
		DEV=127.0.0.1:${PORTS[$p]}
		want=$(recorded_fields "$p")
		ot "$DEV"
		assert_status 0
		[ -z "$stderr" ]
		got=$(jq -cS '{utc, local, tz, dst, date_time_type}' <<<"$output")
		if [ "$got" != "$want" ]; then
			echo "$p: got  $got" >&2
			echo "$p: want $want" >&2
			return 1
		fi
		assert_json_eq "$output" .type time
		assert_json_eq "$output" .device "http://$DEV/onvif/device_service"
		assert_json_eq "$output" '.rtt_ms | type' number
		assert_json_eq "$output" '.ts | test("^20[0-9-]+T[0-9:.]+Z$")' true
		n=$((n + 1))
	done
	[ "$n" -ge 8 ]
}

@test "differential: the npm onvif client reads the same device time" {
	local nm p ours theirs
	nm=$("$TOOLS/npm-onvif.sh") || {
		[ "${CI:-}" = true ] && return 1
		skip "npm onvif not installable"
	}
	emu_all
	for p in "${!PORTS[@]}"; do
		ours=$(timeout 30 onvif-time "127.0.0.1:${PORTS[$p]}" | jq -r .utc)
		theirs=$(NODE_PATH="$nm" timeout 30 node "$TOOLS/npm/onvif-time.js" 127.0.0.1 \
		    "${PORTS[$p]}" | jq -r .utc)
		echo "$p: onvif-time $ours, npm onvif $theirs" >&2
		[ -n "$ours" ] && [ "$ours" = "$theirs" ]
	done
}

@test "device clock 2 h ahead: offset ~7200 s, --set signs with device time" {
	emu --profile dcs-6511 --skew 7200
	ot "$DEV"
	assert_status 0
	assert_json_eq "$output" '.offset_s > 7198 and .offset_s < 7202' true
	ot --set "$DEV"
	assert_status 0
	assert_json_eq "$output" .set manual
	assert_json_eq "$output" .date_time_type Manual
	assert_json_eq "$output" '.offset_s > -1.5 and .offset_s < 1.5' true
	# the token was accepted by a device whose clock was 2 h ahead
	run jq -c 'select(.op == "SetSystemDateAndTime") | [.result, .auth, (.wsse.skew_s | fabs < 3)]' "$LOG"
	[ "$output" = '["ok","wsse",true]' ]
	# now the device is on time: a later read agrees
	ot "$DEV"
	assert_json_eq "$output" '.offset_s > -1.5 and .offset_s < 1.5' true
}

@test "a replayed signed request is refused by the emulator (its checks are real)" {
	require_cmd curl
	# every operation needs a token; the first, unsigned, attempt is refused
	# and the retry is signed with the device clock taken from HTTP Date
	emu --profile dcs-6511 --skew 7200 --open-ops ""
	ot --auth wsse "$DEV"
	assert_status 0
	assert_json_eq "$output" '.offset_s > 7198 and .offset_s < 7202' true
	body=$(jq -r 'select(.result == "ok") | .body' "$LOG")
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/soap+xml' \
	    --data-binary "$body" "http://$DEV/onvif/device_service")
	[ "$code" = 400 ]
	run jq -r '.wsse.why // .result' "$LOG"
	[ "${lines[1]}" = ok ]
	[ "${lines[2]}" = "nonce replayed" ]
	# --set moves the device clock 2 h back: the read after it must cope
	ot --auth wsse --set "$DEV"
	assert_status 0
	assert_json_eq "$output" '.offset_s > -1.5 and .offset_s < 1.5' true
}

@test "the exact bytes: unsigned GetSystemDateAndTime, then a signed Set" {
	emu --profile sunba
	ot --set "$DEV"
	assert_status 0
	run jq -r 'select(.op == "GetSystemDateAndTime") | .body' "$LOG"
	[ "${lines[0]}" = '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><tds:GetSystemDateAndTime xmlns:tds="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>' ]
	run jq -r 'select(.op == "GetSystemDateAndTime") | .headers["content-type"]' "$LOG"
	[ "${lines[0]}" = 'application/soap+xml; charset=utf-8' ]
	jq -r 'select(.op == "SetSystemDateAndTime") | .body' "$LOG" >"$BATS_TEST_TMPDIR/set.xml"
	run python3 "$TOOLS/set-time-check" "$BATS_TEST_TMPDIR/set.xml"
	[ "$output" = ok ]
	# no HTTP Authorization header was needed or sent
	run jq -r 'select(.headers.authorization) | .op' "$LOG"
	[ -z "$output" ]
}

@test "--ntp: SetNTP then DateTimeType NTP, device time printed after" {
	emu --profile happytimesoft
	ot --ntp ntp.example.org "$DEV"
	assert_status 0
	assert_json_eq "$output" .date_time_type NTP
	assert_json_eq "$output" .ntp ntp.example.org
	run jq -r 'select(.op != null) | .op' "$LOG"
	[ "$(echo "$output" | tr '\n' ' ')" = "GetSystemDateAndTime SetNTP SetSystemDateAndTime GetSystemDateAndTime " ]
	body=$(jq -r 'select(.op == "SetNTP") | .body' "$LOG")
	assert_contains "$body" '<tds:FromDHCP>false</tds:FromDHCP><tds:NTPManual><tt:Type>DNS</tt:Type><tt:DNSname>ntp.example.org</tt:DNSname></tds:NTPManual>'
	# an address the device refuses: SOAP fault -> 76
	ot --ntp 999.1.1.1 "$DEV"
	assert_status 76
	assert_contains "$stderr" "ter:InvalidIPv4Address"
	assert_json_eq "$output" .error fault
	teardown_peers
	# a device 2 h off that signs-only everything and jumps to the right
	# time when handed to NTP: the read after the change must still work
	emu --profile dcs-6511 --skew 7200 --open-ops "" --ntp-time
	ot --ntp 10.0.0.1 "$DEV"
	assert_status 0
	assert_json_eq "$output" '.offset_s > -1.5 and .offset_s < 1.5' true
	run jq -r 'select(.op != null) | .op + ":" + .result' "$LOG"
	[ "$(echo "$output" | tr '\n' ' ')" = "GetSystemDateAndTime:fault GetSystemDateAndTime:ok SetNTP:ok SetSystemDateAndTime:ok GetSystemDateAndTime:fault GetSystemDateAndTime:fault GetSystemDateAndTime:ok " ]
}

@test "wrong password -> 77; no password where one is needed -> 77" {
	emu --profile dcs-6511
	ONVIF_PASSWORD=wrong ot --set "$DEV"
	assert_status 77
	assert_contains "$stderr" "ter:NotAuthorized"
	assert_json_eq "$output" .error auth
	assert_json_eq "$output" .status 77
	teardown_peers
	emu --profile dcs-6511 --open-ops ""
	unset ONVIF_PASSWORD
	ot "$DEV"
	assert_status 77
	assert_contains "$stderr" "no password is configured"
	ONVIF_PASSWORD=s3cret ot --auth none "$DEV"
	assert_status 77
	assert_contains "$stderr" "--auth none"
	run jq -r 'select(.wsse != null or .digest != null) | .op' "$LOG"
	[ -z "$output" ]
}

@test "device that demands authentication even for GetSystemDateAndTime" {
	emu --profile ipg-8150pss --open-ops ""
	ot "$DEV"
	assert_status 0
	assert_json_eq "$output" .tz CST-08:00
	run jq -r '[.op, .auth, .result] | join(",")' "$LOG"
	[ "${lines[0]}" = "GetSystemDateAndTime,none,fault" ]
	[ "${lines[1]}" = "GetSystemDateAndTime,wsse,ok" ]
}

@test "HTTP-Digest-only device works (MD5 and SHA-256)" {
	local algo
	for algo in MD5 SHA-256; do
		emu --profile gx728mf-ir28 --auth digest --digest-algo "$algo" --open-ops ""
		ot --set "$DEV"
		assert_status 0
		assert_json_eq "$output" .set manual
		run jq -r 'select(.result == "ok") | .auth + " " + .digest.algorithm' "$LOG"
		[ "${lines[0]}" = "wsse+digest $algo" ]
		ONVIF_PASSWORD=nope ot "$DEV"
		assert_status 77
		assert_contains "$stderr" "HTTP Digest authentication rejected"
		teardown_peers
	done
	# --auth digest: no WS-Security token at all
	emu --profile gx728mf-ir28 --auth digest --open-ops ""
	ot --auth digest "$DEV"
	assert_status 0
	run jq -r 'select(.result == "ok") | .auth' "$LOG"
	[ "$output" = digest ]
}

@test "silent device -> 75 within the timeout" {
	emu --quirk silent
	SECONDS=0
	ot -t 1s "$DEV"
	assert_status 75
	[ "$SECONDS" -lt 10 ]
	assert_json_eq "$output" .error timeout
	assert_contains "$stderr" "no answer within 1000 ms"
}

@test "refused port -> 69" {
	local p
	hold_port tcp	# bound, not listening: refused
	p=$PEER_PORT
	ot "127.0.0.1:$p"
	assert_status 69
	assert_json_eq "$output" .error unreachable
	assert_contains "$stderr" "127.0.0.1:$p"
}

@test "garbage replies -> 65" {
	emu --quirk garbage
	ot "$DEV"
	assert_status 65
	assert_json_eq "$output" .error malformed
	teardown_peers
	emu --quirk garbage-xml
	ot "$DEV"
	assert_status 65
	assert_contains "$stderr" "not"
}

@test "odd prefixes and SOAP 1.1 replies are read the same" {
	require_cmd curl
	emu --quirk odd-prefixes --skew -30
	ot "$DEV"
	assert_status 0
	assert_json_eq "$output" '.offset_s < -28 and .offset_s > -32' true
	grep -q 'ns2:' <<<"$(curl -s -H 'Content-Type: application/soap+xml' --data-binary \
	    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>' \
	    "http://$DEV/onvif/device_service")"
	teardown_peers
	emu --quirk soap11
	ot "$DEV"
	assert_status 0
	assert_json_eq "$output" .tz UTC0
}

@test "several targets and NDJSON on stdin: one record each, worst status" {
	local p
	emu --profile sunba.405 --frozen
	hold_port tcp	# bound, not listening: refused
	p=$PEER_PORT
	ot -j 1 "$DEV" "127.0.0.1:$p"
	assert_status 69
	[ "${#lines[@]}" -eq 2 ]
	assert_json_eq "${lines[0]}" .tz CST6CDT:
	assert_json_eq "${lines[1]}" .type error
	run --separate-stderr timeout 30 onvif-time <<EOF
{"type":"device","urn":"urn:uuid:1","xaddrs":["http://$DEV/onvif/device_service"],"scopes":["onvif://www.onvif.org/name/x"]}

http://$DEV/onvif/device_service
EOF
	assert_status 0
	[ "${#lines[@]}" -eq 2 ]
	assert_json_eq "${lines[0]}" .utc 2025-04-27T01:27:42Z
	assert_json_eq "${lines[1]}" .local 2025-04-26T19:27:42
	run --separate-stderr timeout 30 onvif-time </dev/null
	assert_status 1
	echo '{"xaddrs":' | { run --separate-stderr timeout 30 onvif-time; assert_status 65; }
}

@test "-vv traces the wire with the password digest and nonce redacted" {
	emu --profile dcs-6511
	ot -vv --set "$DEV"
	assert_status 0
	assert_contains "$stderr" "> POST /onvif/device_service HTTP/1.1"
	assert_contains "$stderr" "< HTTP/1.1 200"
	assert_contains "$stderr" "[redacted]"
	digest=$(jq -r 'select(.op == "SetSystemDateAndTime") | .body' "$LOG" |
	    sed -n 's/.*PasswordDigest">\([^<]*\)<.*/\1/p')
	[ -n "$digest" ]
	[[ "$stderr" != *"$digest"* ]]
	[[ "$stderr" != *s3cret* ]]
}

@test "credentials: per-host entry of the credentials file; loose modes refused" {
	emu --profile dcs-6511
	unset ONVIF_USERNAME ONVIF_PASSWORD
	export CAMKIT_CREDENTIALS="$BATS_TEST_TMPDIR/creds"
	printf 'machine 10.9.9.9 login other password nope\nmachine 127.0.0.1 login admin password s3cret\n' >"$CAMKIT_CREDENTIALS"
	chmod 600 "$CAMKIT_CREDENTIALS"
	echo "$DEV" | { run --separate-stderr timeout 30 onvif-time --set; assert_status 0; }
	run jq -r 'select(.op == "SetSystemDateAndTime") | .result' "$LOG"
	[ "$output" = ok ]
	chmod 644 "$CAMKIT_CREDENTIALS"
	ot "$DEV"
	assert_status 78
	echo x | { run --separate-stderr onvif-time --password-file -; assert_status 64; }
}

# ---- concurrency (-j) over a fleet in one emulator process ----

# fleet N ARGS...: emu with --devices N; FLEET gets the devices in order
# (the silent ones first), KINDS their kinds.
fleet() {
	emu --devices "$@" --devices-file "$BATS_TEST_TMPDIR/fleet"
	mapfile -t FLEET < <(cut -d' ' -f1 "$BATS_TEST_TMPDIR/fleet")
	mapfile -t KINDS < <(cut -d' ' -f2 "$BATS_TEST_TMPDIR/fleet")
}

@test "-j: targets worked on at once, records in completion order, each device's own clock offset" {
	fleet 4 --silent 1 --skewed 1
	[ "${KINDS[*]}" = "silent skewed plain plain" ]
	run --separate-stderr timeout 60 onvif-time -j 4 -t 3s "${FLEET[@]}"
	assert_status 75
	[ "${#lines[@]}" -eq 4 ]
	# the silent device was given first but answers last: its error record
	# comes after the three that answered
	assert_json_eq "${lines[3]}" .device "http://${FLEET[0]}/onvif/device_service"
	assert_json_eq "${lines[3]}" .error timeout
	skewed=$(printf '%s\n' "${lines[@]}" | jq -r --arg d "http://${FLEET[1]}/onvif/device_service" 'select(.device == $d) | .offset_s')
	python3 -c "import sys; assert 3590 < float(sys.argv[1]) < 3610, sys.argv[1]" "$skewed"
	for i in 2 3; do
		o=$(printf '%s\n' "${lines[@]}" | jq -r --arg d "http://${FLEET[$i]}/onvif/device_service" 'select(.device == $d) | .offset_s')
		python3 -c "import sys; assert abs(float(sys.argv[1])) < 5, sys.argv[1]" "$o"
	done
	# one at a time (-j 1), the input order holds: the silent one first
	run --separate-stderr timeout 60 onvif-time -j 1 -t 1s "${FLEET[@]}"
	assert_json_eq "${lines[0]}" .device "http://${FLEET[0]}/onvif/device_service"
	# targets from stdin go through the same workers
	run --separate-stderr bash -c "printf '%s\n' ${FLEET[*]} | timeout 60 onvif-time -j 4 -t 3s"
	assert_status 75
	assert_json_eq "$(printf '%s\n' "$output" | tail -n 1)" .error timeout
}

@test "-j for info, media, ptz and snapshot: the silent device's error record comes last" {
	fleet 3 --silent 1
	mkdir -p "$BATS_TEST_TMPDIR/shots"
	for t in onvif-info "onvif-media --no-uri" "onvif-ptz status" \
	    "onvif-snapshot -o $BATS_TEST_TMPDIR/shots"; do
		run --separate-stderr timeout 60 $t -j 3 -t 2s "${FLEET[@]}"
		[ "$status" -eq 75 ] || { echo "$t: exit $status: $stderr"; return 1; }
		last=$(printf '%s\n' "$output" | tail -n 1)
		# onvif-ptz names a failed target as given, the others by URL
		[[ "$(jq -r .device <<<"$last")" == *"${FLEET[0]}"* ]] ||
		    { echo "$t: $output"; return 1; }
		assert_json_eq "$last" .error timeout
	done
}

@test "-j: bad values are usage errors" {
	run --separate-stderr onvif-time -j 0 127.0.0.1
	assert_status 64
	run --separate-stderr onvif-time --jobs many 127.0.0.1
	assert_status 64
	run --separate-stderr onvif-info -j 5000 127.0.0.1
	assert_status 64
}
