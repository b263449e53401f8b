#!/usr/bin/env bash
# make demo: runs each part in tests/tools/demo.d against simulated peers on
# loopback, in order, and shows what the tools print.
#
# Each part runs in a session of its own (setsid) and cleans up after itself;
# whatever it leaves running is then named on stderr and killed with the
# whole session, so the demo never leaves a process behind (a process group
# would not do: `timeout` moves its child into a group of its own).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
export PATH="$PWD/$BUILD/bin:$PATH"
export DEMO_TMP=$(mktemp -d)
sid=

# sweep PART: kills what is left in the part's session, saying what it was.
# Peers the part stopped get 3 s to finish (the emulators exit gracefully).
sweep() {
	local left i
	[ -n "$sid" ] || return 0
	for i in $(seq 30); do
		left=$(ps -o pid=,args= -s "$sid" 2>/dev/null || true)
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -n "$left" ]; then
		printf 'demo: %s left running (killed):\n%s\n' "$1" "$left" >&2
		pkill -TERM -s "$sid" 2>/dev/null || true
		sleep 0.5
		pkill -KILL -s "$sid" 2>/dev/null || true
	fi
	sid=
}
trap 'sweep "${part:-demo}"; rm -rf "$DEMO_TMP"' EXIT
trap 'exit 130' INT TERM

for part in tests/tools/demo.d/*.sh; do
	printf '\n\033[1m== %s\033[0m\n' "$(sed -n 's/^# demo: //p' "$part")"
	rm -f "$DEMO_TMP/sid"
	setsid bash -c 'echo $$ >"$DEMO_TMP/sid"; exec bash "$0"' "$part" &
	pid=$!
	while [ ! -s "$DEMO_TMP/sid" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
	sid=$(cat "$DEMO_TMP/sid" 2>/dev/null || true)
	rc=0
	wait "$pid" || rc=$?
	sweep "$part"
	[ $rc -eq 0 ] || { echo "demo: $part failed (exit $rc)" >&2; exit $rc; }
done
