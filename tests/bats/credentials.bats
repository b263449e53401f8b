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
	run --separate-stderr timeout 30 onvif-ptz -j 1 status "$A" "$B"
	assert_status 77
	[ "$(printf '%s\n' "$output" | jq -r .type | tr '\n' ' ')" = "ptz_status error " ]
}

# ---- secrets (issue 12) ----

@test "--password is refused: passwords never go on the command line" {
	for t in onvif-time onvif-info onvif-media onvif-call onvif-ptz onvif-subscribe; do
		args=("$A"); [ "$t" = onvif-ptz ] && args=(status "$A")
		[ "$t" = onvif-call ] && args=("http://$A/onvif/device_service" '<a/>')
		run --separate-stderr timeout 30 $t --password alpha "${args[@]}"
		[ "$status" -eq 64 ] || { echo "$t: exit $status: $stderr"; return 1; }
		assert_contains "$stderr" "passwords never go on the command line"
		run --separate-stderr timeout 30 $t --password=alpha "${args[@]}"
		[ "$status" -eq 64 ] || { echo "$t --password=: exit $status: $stderr"; return 1; }
		[ -z "$output" ]
	done
}

@test "a password file that group or others can read is refused (78), a private one used" {
	printf 'alpha\n' >"$D/pw"
	chmod 640 "$D/pw"
	run --separate-stderr timeout 30 onvif-info -u admin --password-file "$D/pw" "$A"
	assert_status 78
	assert_contains "$stderr" "group or others can read"
	[ -z "$output" ]
	chmod 604 "$D/pw"
	run --separate-stderr timeout 30 onvif-time -u admin --password-file "$D/pw" "$A"
	assert_status 78
	chmod 600 "$D/pw"
	run --separate-stderr timeout 30 onvif-info -u admin --password-file "$D/pw" "$A"
	assert_status 0
}

@test "a one-line password file takes its user name from ONVIF_USERNAME" {
	rm -f "$CAMKIT_CREDENTIALS"
	printf 'alpha\n' >"$D/pw"
	chmod 600 "$D/pw"
	ONVIF_USERNAME=admin run --separate-stderr timeout 30 onvif-info --password-file "$D/pw" "$A"
	assert_status 0
	assert_json_eq "$output" .type info
	# -u still wins over the environment
	ONVIF_USERNAME=nobody run --separate-stderr timeout 30 onvif-info -u admin \
	    --password-file "$D/pw" "$A"
	assert_status 0
}

@test "a password without any user name: a clear error naming -u and ONVIF_USERNAME (78)" {
	rm -f "$CAMKIT_CREDENTIALS"
	ONVIF_PASSWORD=alpha run --separate-stderr timeout 30 onvif-time "$A"
	assert_status 78
	assert_contains "$stderr" "-u USER"
	assert_contains "$stderr" "ONVIF_USERNAME"
	[ -z "$output" ]
	printf 'alpha\n' >"$D/pw"
	chmod 600 "$D/pw"
	run --separate-stderr timeout 30 onvif-ptz --password-file "$D/pw" status "$A"
	assert_status 78
	assert_contains "$stderr" "ONVIF_USERNAME"
}

@test "a tool holding a password (ONVIF, GB) is not dumpable: /proc shows root, not its user" {
	require_cmd setpriv
	rm -f "$CAMKIT_CREDENTIALS"
	# as an unprivileged user, /proc/PID belongs to that user unless the
	# process made itself non-dumpable (then to root)
	setpriv --reuid=65534 --regid=65534 --clear-groups sleep 5 &
	sp=$!
	# until setpriv has exec'd sleep: before that the child is still root's
	for i in $(seq 50); do
		[ "$(cat /proc/$sp/comm 2>/dev/null)" = sleep ] && break
		sleep 0.1
	done
	owner=$(stat -c %u /proc/$sp/status)
	kill $sp; wait $sp || true
	[ "$owner" = 65534 ]
	# under SANITIZE=1 the sanitizers' log directory is root's: give the
	# unprivileged process one it can write, and judge its reports here
	local sl="$BATS_TEST_TMPDIR/san" asan=${ASAN_OPTIONS:-} ubsan=${UBSAN_OPTIONS:-}
	mkdir -m 1777 "$sl"
	asan=$(sed "s|log_path=[^:]*|log_path=$sl/asan|" <<<"$asan")
	ubsan=$(sed "s|log_path=[^:]*|log_path=$sl/ubsan|" <<<"$ubsan")
	ASAN_OPTIONS=$asan UBSAN_OPTIONS=$ubsan \
	ONVIF_USERNAME=admin ONVIF_PASSWORD=alpha setpriv --reuid=65534 --regid=65534 \
	    --clear-groups "$(command -v onvif-subscribe)" --duration 20s "$A" \
	    >"$D/sub.out" 2>"$D/sub.err" &
	pid=$!
	# wait until it has subscribed (it holds the password by then)
	# (the forked child is root's until setpriv execs the tool: judge the
	# tool itself, not that moment)
	for i in $(seq 100); do
		[ "$(cat /proc/$pid/comm 2>/dev/null)" = onvif-subscribe ] &&
		    [ "$(stat -c %u /proc/$pid/status 2>/dev/null)" = 0 ] && break
		sleep 0.1
	done
	owner=$(stat -c %u /proc/$pid/status)
	# diagnostics for a failure: the process's state while it still runs
	[ "$owner" = 0 ] || { echo "owner=$owner"; ps -o pid,ppid,uid,stat,wchan,cmd -p $pid; }
	kill -TERM $pid; wait $pid || true
	[ "$owner" = 0 ] || { cat "$D/sub.err" "$D/sub.out"; return 1; }
	# the GB side too: a registrar holding GB_PASSWORD
	ASAN_OPTIONS=$asan UBSAN_OPTIONS=$ubsan \
	GB_PASSWORD=secret setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$(command -v gb-register)" -l 127.0.0.1:0 >"$D/reg.out" 2>"$D/reg.err" &
	pid=$!
	for i in $(seq 100); do
		grep -q listening "$D/reg.out" 2>/dev/null && break
		sleep 0.1
	done
	owner=$(stat -c %u /proc/$pid/status)
	kill -TERM $pid; wait $pid || true
	[ "$owner" = 0 ] || { echo "gb-register owner=$owner"; cat "$D/reg.err"; return 1; }
	[ -z "$(ls -A "$sl")" ] || { cat "$sl"/*; return 1; }
}
