#!/usr/bin/env bats
# The credentials file has entries per host: every ONVIF tool must sign each
# target with that target's own entry, also when one run covers several.
load helpers

setup() {
	require_cmd python3 jq
	unset ONVIF_USERNAME ONVIF_PASSWORD
	D=$BATS_TEST_TMPDIR
	export XDG_CONFIG_HOME="$D/cfg"
	export CAMKIT_CREDENTIALS="$D/creds"
	# two cameras on two loopback addresses, each with its own password
	EMU_PASSWORD=alpha emu
	A=$DEV
	EMU_BIND=127.0.0.2 EMU_PASSWORD=bravo emu --user root
	B=$DEV
	printf 'machine 127.0.0.1 login admin password alpha\nmachine 127.0.0.2 login root password bravo\n' >"$CAMKIT_CREDENTIALS"
	chmod 600 "$CAMKIT_CREDENTIALS"
}

teardown() { teardown_peers; }

@test "several targets in one run: each is signed with its own host's entry" {
	for t in "onvif-time --set" onvif-info "onvif-media --no-uri" "onvif-ptz status"; do
		run --separate-stderr timeout 30 $t "$A" "$B"
		[ "$status" -eq 0 ] || { echo "$t: exit $status: $stderr"; return 1; }
		[ "$(printf '%s\n' "$output" | jq -r .type | grep -vc '^error$')" -ge 2 ] ||
		    { echo "$t: $output"; return 1; }
	done
}

@test "a single tool run against the second host uses its entry" {
	run --separate-stderr timeout 30 onvif-subscribe --topics "$B"
	assert_status 0
	assert_json_eq "$(printf '%s\n' "$output" | head -n 1)" .type topic
}

@test "a host with no entry is refused by the device (77), not signed with another's" {
	printf 'machine 127.0.0.1 login admin password alpha\n' >"$CAMKIT_CREDENTIALS"
	run --separate-stderr timeout 30 onvif-ptz status "$A" "$B"
	assert_status 77
	[ "$(printf '%s\n' "$output" | jq -r .type | tr '\n' ' ')" = "ptz_status error " ]
}
