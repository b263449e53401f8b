#!/usr/bin/env bats
# make demo (tests/tools/demo.sh): every part runs, and no process it started
# survives it.
load helpers

@test "make demo runs every part and leaves no process behind" {
	require_cmd python3 jq ffmpeg ffprobe
	local build=${CAMKIT_BIN%/bin} mark="demo-$$-$RANDOM" left p i
	# every process of the demo inherits the mark in its environment, whatever
	# session or process group it ends up in
	# output to files and bats' fd 3 closed: a leftover holding a pipe would
	# hang the test instead of failing it
	status=0
	CAMKIT_DEMO_MARK=$mark BUILD=${build#"$ROOT"/} timeout 300 bash "$ROOT/tests/tools/demo.sh" \
		</dev/null >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/out") stderr=$(cat "$BATS_TEST_TMPDIR/err")
	# what still runs (a second for processes that are just exiting)
	for i in $(seq 10); do
		DEMO_LEFT=($(grep -lasF "CAMKIT_DEMO_MARK=$mark" /proc/[0-9]*/environ | cut -d/ -f3))
		[ ${#DEMO_LEFT[@]} -eq 0 ] && break
		sleep 0.1
	done
	left=
	for p in "${DEMO_LEFT[@]}"; do left+="$(ps -o pid=,args= -p "$p")"$'\n'; done
	assert_status 0
	[ "$(grep -c '^.\[1m== ' <<<"$output")" -eq "$(ls "$ROOT"/tests/tools/demo.d/*.sh | wc -l)" ]
	[ -z "$left" ] || { echo "still running after the demo:"; echo "$left"; return 1; }
	# the parts stop their own peers: the demo's sweep had nothing to kill
	[[ "$stderr" != *"left running"* ]] || { echo "$stderr"; return 1; }
}

# a failing run must not leave the demo's processes to the next tests
DEMO_LEFT=()
teardown() {
	[ ${#DEMO_LEFT[@]} -eq 0 ] || kill -KILL "${DEMO_LEFT[@]}" 2>/dev/null || true
}

@test "the demo's sweep names and kills what a part leaves running" {
	local d="$BATS_TEST_TMPDIR/tree" mark="sweep-$$-$RANDOM"
	mkdir -p "$d/tests/tools/demo.d"
	cp "$ROOT/tests/tools/demo.sh" "$d/tests/tools/"
	# a part that leaves a process behind, hidden behind `timeout` (which
	# moves its child into a process group of its own)
	printf '# demo: leaky\ntimeout 60 sleep 50 &\necho started\n' >"$d/tests/tools/demo.d/10-leak.sh"
	CAMKIT_DEMO_MARK=$mark run --separate-stderr timeout 60 bash "$d/tests/tools/demo.sh" </dev/null 3>&-
	assert_status 0
	assert_contains "$stderr" "10-leak.sh left running (killed)"
	assert_contains "$stderr" "sleep 50"
	sleep 0.5
	[ -z "$(grep -lasF "CAMKIT_DEMO_MARK=$mark" /proc/[0-9]*/environ)" ]
}
