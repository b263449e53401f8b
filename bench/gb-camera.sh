#!/usr/bin/env bash
# bench/gb-camera.sh: the simulated camera (gb-register --media) on loopback.
#  1. STREAMS (50) live streams at once from one device (--max-streams),
#     each a ~2 Mb/s H.264 clip muxed to PS/RTP over UDP, every one asked
#     for by its own gb-invite (the platform); gb-register's CPU share of one
#     core over WINDOW_S seconds of steady streaming, the gb-invites' CPU in
#     the same window, and the media rate the gb-invites received.
#  2. DEVICES (1000) devices in one process (--count) registered with
#     `gb-register --listen` and sending keepalives every BENCH_KA (60) s:
#     the simulator's CPU share of one core over one keepalive period, its
#     RSS and peak RSS.
# Environment: BUILD (build), STREAMS (50), RATE_KBPS (2000), WINDOW_S (10),
# DEVICES (1000), BENCH_KA (60). Figures only; no asserts. The load average
# is printed: the figures only mean something on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
B="$PWD/$BUILD/bin"
STREAMS=${STREAMS:-50}
RATE_KBPS=${RATE_KBPS:-2000}
WINDOW_S=${WINDOW_S:-10}
DEVICES=${DEVICES:-1000}
KA=${BENCH_KA:-60}
for c in ffmpeg jq; do command -v "$c" >/dev/null || { echo "$c is required" >&2; exit 1; }; done
[ -x "$B/gb-register" ] && [ -x "$B/gb-invite" ] || { echo "build $B first (make)" >&2; exit 1; }
. bench/common.bash
bench_servers
export GB_PASSWORD=benchpw
rss_kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
wait_grep() { for _ in $(seq 400); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.05; done; return 1; }

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# the platform: gb-register --listen
"$B/gb-register" --listen 127.0.0.1:0 --keepalive "${KA}s" >"$T/reg.out" 2>"$T/reg.err" &
PIDS+=("$!")
wait_grep listening "$T/reg.out"
PORT=$(jq -r 'select(.type=="listening") | .port' "$T/reg.out")

# ---- 1. concurrent streams ------------------------------------------------
ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=25:duration=20 \
	-c:v libx264 -preset veryfast -b:v "${RATE_KBPS}k" -maxrate "${RATE_KBPS}k" \
	-bufsize "${RATE_KBPS}k" -g 50 -bf 0 -f h264 "$T/v.264"
clip_kbps=$(( $(stat -c %s "$T/v.264") * 8 / 20 / 1000 ))
"$B/gb-register" -s "34020000002000000001@127.0.0.1:$PORT" -d 34020000001320000001 \
	--media "$T/v.264" --max-streams "$STREAMS" >"$T/dev.out" 2>"$T/dev.err" &
DEV=$!
PIDS+=("$DEV")
wait_grep '"registered"' "$T/dev.out"
DPORT=$(jq -r 'select(.type=="registered") | .local_port' "$T/dev.out")
GIS=()
for i in $(seq "$STREAMS"); do
	( "$B/gb-invite" --duration "$((WINDOW_S + 8))s" "sip:34020000001320000001@127.0.0.1:$DPORT" \
		2>/dev/null | wc -c >"$T/bytes.$i" ) &
	GIS+=("$!")
	PIDS+=("$!")
done
for _ in $(seq 200); do
	[ "$(grep -c '"stream_started"' "$T/dev.out")" -ge "$STREAMS" ] && break
	sleep 0.1
done
started=$(grep -c '"stream_started"' "$T/dev.out" || true)
sleep 2
gi_pids=$(pgrep -d' ' -x gb-invite -P "$(echo "${GIS[@]}" | tr ' ' ',')" || true)
gi_ticks() { local t=0 p; for p in $gi_pids; do t=$((t + $(cpu_ticks "$p"))); done; echo "$t"; }
d0=$(cpu_ticks "$DEV"); g0=$(gi_ticks); w0=$(date +%s.%N)
sleep "$WINDOW_S"
d1=$(cpu_ticks "$DEV"); g1=$(gi_ticks); w1=$(date +%s.%N)
for p in "${GIS[@]}"; do wait "$p" 2>/dev/null || true; done
total=$(cat "$T"/bytes.* | awk '{s += $1} END {print s + 0}')
el=$(echo "$w1 - $w0" | bc -l)
echo "streams: $started of $STREAMS started; clip ${clip_kbps} kb/s (asked ${RATE_KBPS})"
printf 'streams: gb-register %.1f%% of one core over %.1f s; the %d gb-invite %.1f%% together\n' \
	"$(echo "100 * ($d1 - $d0) / $TCK / $el" | bc -l)" "$el" "$STREAMS" \
	"$(echo "100 * ($g1 - $g0) / $TCK / $el" | bc -l)"
printf 'streams: received %.1f Mb/s in all (%.2f Mb/s a stream, RTP over %d s each)\n' \
	"$(echo "$total * 8 / ($WINDOW_S + 8) / 1000000" | bc -l)" \
	"$(echo "$total * 8 / ($WINDOW_S + 8) / 1000000 / $STREAMS" | bc -l)" "$((WINDOW_S + 8))"
kill "$DEV"; wait "$DEV" 2>/dev/null || true

# ---- 2. many devices ------------------------------------------------------
"$B/gb-register" -s "34020000002000000001@127.0.0.1:$PORT" -d 34020000001320010000 \
	--count "$DEVICES" --keepalive "${KA}s" >"$T/fleet.out" 2>"$T/fleet.err" &
FL=$!
PIDS+=("$FL")
t0=$(date +%s.%N)
for _ in $(seq 1200); do
	[ "$(grep -c '"registered"' "$T/fleet.out")" -ge "$DEVICES" ] && break
	sleep 0.1
done
reg=$(grep -c '"registered"' "$T/fleet.out" || true)
t1=$(date +%s.%N)
printf 'devices: %d of %d registered in %.1f s\n' "$reg" "$DEVICES" "$(echo "$t1 - $t0" | bc -l)"
c0=$(cpu_ticks "$FL"); k0=$(grep -c '"keepalive"' "$T/reg.out" || true); w0=$(date +%s.%N)
sleep "$KA"
c1=$(cpu_ticks "$FL"); k1=$(grep -c '"keepalive"' "$T/reg.out" || true); w1=$(date +%s.%N)
el=$(echo "$w1 - $w0" | bc -l)
printf 'devices: %.2f%% of one core over %.1f s (%d keepalives answered); RSS %d KiB, peak %d KiB\n' \
	"$(echo "100 * ($c1 - $c0) / $TCK / $el" | bc -l)" "$el" "$((k1 - k0))" \
	"$(rss_kb "$FL" VmRSS)" "$(rss_kb "$FL" VmHWM)"
