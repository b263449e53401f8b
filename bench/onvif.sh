#!/usr/bin/env bash
# bench/onvif.sh: whole-process wall time and peak RSS of camkit's ONVIF
# tools against the npm `onvif` client (agsh/onvif) doing the same work
# against the same emulated device on loopback, measured in this run:
#   time        onvif-time              vs Cam.getSystemDateAndTime
#   media       onvif-media (profiles,  vs Cam connect + GetProfiles +
#               stream+snapshot URIs)      GetStreamUri/GetSnapshotUri each
#   ptz-status  onvif-ptz status        vs Cam connect + GetStatus + GetPresets
#               (when onvif-ptz is built)
# Each command runs RUNS times (default 5); the median wall time and the
# largest peak RSS (GNU time %M) are reported, then the ratios npm/camkit.
# Goal: camkit >= 20x faster and <= 1/10 of the memory.
# Then the fleet: FLEET (1000) emulated cameras in one emulator process,
# FLEET_SILENT (10%) of them silent, read once by onvif-time -j FLEET_JOBS
# (128) and once by npm onvif with every request started together
# (Promise.all), both with a FLEET_TIMEOUT (5s) per request. Goal: onvif-time
# done within the timeout + 2 s and under 40 MiB RSS, >= 5x faster and
# >= 10x less memory than npm onvif.
# Environment: BUILD (build), RUNS (5), PROFILE (generic: emulator profile),
# FLEET, FLEET_SILENT, FLEET_JOBS, FLEET_TIMEOUT (ms).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-5}
PROFILE=${PROFILE:-generic}
B="$PWD/$BUILD/bin"
for t in onvif-time onvif-media; do
	[ -x "$B/$t" ] || { echo "build $B/$t first (make)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is required" >&2; exit 1; }
NM=$(tests/tools/npm-onvif.sh) || { echo "npm onvif unavailable" >&2; exit 1; }
T=$(mktemp -d)
EMU=
cleanup() { [ -n "$EMU" ] && kill "$EMU" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

python3 tests/tools/onvif-emu --port 0 --port-file "$T/port" --profile "$PROFILE" \
    --user admin --password secret --auth either 2>"$T/emu.err" &
EMU=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
PORT=$(cat "$T/port")
export ONVIF_USERNAME=admin ONVIF_PASSWORD=secret NODE_PATH="$NM"

# measure NAME CMD...: RUNS runs; sets WALL_MS (median) and RSS_KB (max).
measure() {
	local name=$1; shift
	local i s e walls=() rss=0 r
	for i in $(seq "$RUNS"); do
		s=$(date +%s%N)
		/usr/bin/time -f %M -o "$T/rss" "$@" >"$T/out" 2>"$T/err" ||
		    { echo "$name failed:" >&2; cat "$T/err" >&2; exit 1; }
		e=$(date +%s%N)
		walls+=($(( (e - s) / 1000 )))
		r=$(tail -n 1 "$T/rss"); [ "$r" -gt "$rss" ] && rss=$r
	done
	WALL_MS=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
	RSS_KB=$rss
	printf '%-28s %9.1f ms %8d KiB\n' "$name" "$(echo "$WALL_MS / 1000" | bc -l)" "$RSS_KB"
}

ratio() {   # label ours_ms ours_kb npm_ms npm_kb
	printf '%-12s %6.1fx faster   %6.1fx less memory\n' "$1" \
	    "$(echo "$4 / $2" | bc -l)" "$(echo "$5 / $3" | bc -l)"
}

echo "emulator profile $PROFILE on 127.0.0.1:$PORT, $RUNS runs each (median wall, max RSS)"
measure "onvif-time" "$B/onvif-time" "127.0.0.1:$PORT"; a=($WALL_MS $RSS_KB)
measure "npm onvif getSystemDateAndTime" node tests/tools/npm/onvif-time.js 127.0.0.1 "$PORT"; b=($WALL_MS $RSS_KB)
measure "onvif-media" "$B/onvif-media" "127.0.0.1:$PORT"; c=($WALL_MS $RSS_KB)
measure "npm onvif profiles+URIs" node tests/tools/npm/onvif-media.js 127.0.0.1 "$PORT" admin secret UDP; d=($WALL_MS $RSS_KB)
have_ptz=0
if [ -x "$B/onvif-ptz" ] && [ -f tests/tools/npm/ptz-state.js ]; then
	have_ptz=1
	measure "onvif-ptz status" "$B/onvif-ptz" status "127.0.0.1:$PORT"; p=($WALL_MS $RSS_KB)
	measure "npm onvif status+presets" node tests/tools/npm/ptz-state.js 127.0.0.1 "$PORT"; q=($WALL_MS $RSS_KB)
fi
echo "ratios (npm onvif / camkit; goal >= 20x faster, >= 10x less memory):"
ratio time "${a[0]}" "${a[1]}" "${b[0]}" "${b[1]}"
ratio media "${c[0]}" "${c[1]}" "${d[0]}" "${d[1]}"
[ $have_ptz = 1 ] && ratio ptz-status "${p[0]}" "${p[1]}" "${q[0]}" "${q[1]}"

# ---- the fleet ----
FLEET=${FLEET:-1000}
FLEET_SILENT=${FLEET_SILENT:-$((FLEET / 10))}
FLEET_JOBS=${FLEET_JOBS:-128}
FLEET_TIMEOUT=${FLEET_TIMEOUT:-5000}
ulimit -n "$(( FLEET * 4 + 256 ))" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
python3 tests/tools/onvif-emu --devices "$FLEET" --silent "$FLEET_SILENT" \
    --port-file "$T/fleet.port" --devices-file "$T/fleet" --user admin \
    --password secret --auth either 2>"$T/fleet.err" &
FLEET_PID=$!
for _ in $(seq 1200); do [ -s "$T/fleet.port" ] && break; sleep 0.05; done
[ -s "$T/fleet" ] || { echo "the fleet emulator did not start" >&2; cat "$T/fleet.err" >&2; exit 1; }
cut -d' ' -f1 "$T/fleet" >"$T/targets"
# fleet NAME CMD...: one run with the targets on stdin; WALL_MS, RSS_KB, and
# the record counts.
fleet() {
	local name=$1 s e; shift
	s=$(date +%s%N)
	/usr/bin/time -f %M -o "$T/rss" "$@" <"$T/targets" >"$T/out" 2>"$T/err" || true
	e=$(date +%s%N)
	WALL_MS=$(( (e - s) / 1000000 ))
	RSS_KB=$(tail -n 1 "$T/rss")
	printf '%-28s %9.1f s  %8d KiB  %5d answered %5d failed\n' "$name" \
	    "$(echo "$WALL_MS / 1000" | bc -l)" "$RSS_KB" \
	    "$(grep -c '"utc"' "$T/out" || true)" "$(grep -c '"error"' "$T/out" || true)"
}
echo "fleet: $FLEET cameras, $FLEET_SILENT silent, timeout ${FLEET_TIMEOUT} ms"
fleet "onvif-time -j $FLEET_JOBS" "$B/onvif-time" -j "$FLEET_JOBS" -t "${FLEET_TIMEOUT}ms"; f=($WALL_MS $RSS_KB)
fleet "npm onvif Promise.all" node tests/tools/npm/onvif-time-fleet.js "$FLEET_TIMEOUT"; g=($WALL_MS $RSS_KB)
kill "$FLEET_PID" 2>/dev/null
echo "fleet ratio (npm onvif / camkit; goal >= 5x faster, >= 10x less memory;"
echo "  onvif-time within the timeout + 2 s: $( [ "${f[0]}" -le $(( FLEET_TIMEOUT + 2000 )) ] && echo yes || echo NO),"
echo "  under 40 MiB: $( [ "${f[1]}" -le 40960 ] && echo yes || echo NO)):"
ratio fleet "${f[0]}" "${f[1]}" "${g[0]}" "${g[1]}"
exit 0
