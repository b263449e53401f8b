#!/usr/bin/env bash
# bench/gb-register.sh: sipp (sip-tester) devices registering with digest
# against `gb-register --listen` on loopback.
#  1. REGISTER+401+REGISTER+200 at increasing rates: the highest rate with
#     no failed call and no retransmission, gb-register's CPU per 1,000
#     registrations, and the ratio to sipp's own CPU in the same run.
#  2. 10,000 devices registered and sending keepalives at 60 s (BENCH_KA):
#     gb-register's CPU share of one core over a keepalive period and its
#     peak RSS.
# BENCH_FLOOD=N: the registrations of step 1 run while N idle TCP
# connections (tests/tools/gb-flood, 100 source addresses) are held; the
# descriptors held are printed before and after.
# Environment: BUILD (build), RATES ("1000 2000 3000 4000 5000 6000 8000 10000"),
# STEP_S (3), DEVICES (10000), BENCH_KA (60, seconds between keepalives),
# BENCH_PIN (0). The load average is printed: the figures only mean something
# on an otherwise idle machine.
# Goal: >= 5,000 authenticated registrations/s on one core; 10,000 devices
# online under 5% of a core.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN="$PWD/$BUILD/bin/gb-register"
RATES=${RATES:-"1000 2000 3000 4000 5000 6000 8000 10000"}
STEP_S=${STEP_S:-3}
DEVICES=${DEVICES:-10000}
KA=${BENCH_KA:-60}
command -v sipp >/dev/null || { echo "sipp (sip-tester) is required" >&2; exit 1; }
[ -x "$BIN" ] || { echo "build $BIN first (make)" >&2; exit 1; }
. bench/common.bash
bench_servers
# BENCH_PIN=1: one core each, gb-register on CPU 0 and sipp on CPU 1 (on a
# quiet machine; on a shared one pinning only adds contention).
PIN_REG=() PIN_SIPP=()
if [ "${BENCH_PIN:-0}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	PIN_REG=(taskset -c 0) PIN_SIPP=(taskset -c 1)
fi

# Datagrams the kernel dropped on the registrar's UDP socket (full buffer).
reg_drops() { ss -Huampn "sport = :$PORT" 2>/dev/null | sed -n 's/.*,d\([0-9]*\)).*/\1/p' | head -n 1; }
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

{
	echo SEQUENTIAL
	for i in $(seq 1 "$DEVICES"); do printf '3402000000132%07d;34020000002000000001;\n' "$i"; done
} >"$T/devices.csv"

start_registrar() {
	GB_PASSWORD=benchpw "${PIN_REG[@]}" "$BIN" --listen 127.0.0.1:0 --keepalive "${KA}s" "$@" >"$T/reg.out" 2>"$T/reg.err" &
	REG=$!
	PIDS+=("$REG")
	for _ in $(seq 100); do grep -q listening "$T/reg.out" 2>/dev/null && break; sleep 0.05; done
	PORT=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$T/reg.out" | head -n 1)
}

# run_sipp SCENARIO RATE CALLS [args]: sipp in the foreground; sets
# SIPP_TICKS (its CPU), FAILED, RETRANS, OK.
run_sipp() {
	local scen=$1 rate=$2 calls=$3; shift 3
	local lp; lp=$(free_port)
	rm -f "$T/stat.csv"
	"${PIN_SIPP[@]}" sipp 127.0.0.1:"$PORT" -sf tests/sipp/"$scen" -inf "$T/devices.csv" -i 127.0.0.1 -p "$lp" \
		-au bench -ap benchpw -set expires 3600 -r "$rate" -m "$calls" -l 20000 \
		-nostdin -timeout 300s -trace_stat -stf "$T/stat.csv" -fd 1 "$@" >"$T/sipp.out" 2>&1 &
	local sp=$!
	local t0=0 t1
	while kill -0 "$sp" 2>/dev/null; do
		# 0 once sipp is gone: keep the last reading
		t1=$(cpu_ticks "$sp"); [ "$t1" -gt 0 ] && t0=$t1; sleep 0.2
	done
	wait "$sp" || true
	SIPP_TICKS=$t0
	local last; last=$(tail -n 1 "$T/stat.csv")
	local hdr; hdr=$(head -n 1 "$T/stat.csv")
	col() { awk -F';' -v name="$1" 'NR==1{for(i=1;i<=NF;i++) if($i==name) c=i} NR>1{v=$c} END{print v+0}' "$T/stat.csv"; }
	FAILED=$(col 'FailedCall(C)')
	RETRANS=$(col 'Retransmissions(C)')
	OK=$(col 'SuccessfulCall(C)')
	: "$last" "$hdr"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo "== authenticated registrations (REGISTER, 401, REGISTER, 200) on loopback"
if [ "${BENCH_FLOOD:-0}" -gt 0 ]; then
	start_registrar --tcp-header-timeout 10m   # held for the whole step, not timed out
	per=$(( (BENCH_FLOOD + 1) / 2 ))   # two holders: a process's descriptors are limited
	python3 tests/tools/gb-flood hold "$PORT" "$per" 50 "$T/flood1" 0 &
	PIDS+=("$!")
	python3 tests/tools/gb-flood hold "$PORT" "$((BENCH_FLOOD - per))" 50 "$T/flood2" 50 &
	PIDS+=("$!")
	for _ in $(seq 3000); do [ -s "$T/flood1" ] && [ -s "$T/flood2" ] && break; sleep 0.1; done
	echo "idle TCP connections held: $(cat "$T/flood1" "$T/flood2" | tr '\n' ' ')(registrar descriptors: $(ls "/proc/$REG/fd" | wc -l))"
else
	start_registrar
fi
printf '%8s %8s %7s %8s %9s %14s %14s %8s\n' rate ok failed retrans reg_drops cpu_ms/1000reg sipp_ms/1000 ratio
best=0
for r in $RATES; do
	n=$((r * STEP_S))
	c0=$(cpu_ticks "$REG")
	run_sipp register-bench.xml "$r" "$n"
	c1=$(cpu_ticks "$REG")
	ms=$(awk -v t=$((c1 - c0)) -v k="$TCK" -v n="$OK" 'BEGIN{ if (n>0) printf "%.1f", t*1000/k/n*1000; else print "-" }')
	sms=$(awk -v t="$SIPP_TICKS" -v k="$TCK" -v n="$OK" 'BEGIN{ if (n>0) printf "%.1f", t*1000/k/n*1000; else print "-" }')
	ratio=$(awk -v a=$((c1 - c0)) -v b="$SIPP_TICKS" 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "-" }')
	printf '%8s %8s %7s %8s %9s %14s %14s %8s\n' "$r" "$OK" "$FAILED" "$RETRANS" "$(reg_drops)" "$ms" "$sms" "$ratio"
	if [ "$FAILED" = 0 ] && [ "$RETRANS" = 0 ] && [ "$OK" -ge "$n" ]; then best=$r; else break; fi
done
[ "${BENCH_FLOOD:-0}" -gt 0 ] && echo "registrar descriptors after step 1: $(ls "/proc/$REG/fd" | wc -l)"
echo "highest clean rate: $best registrations/s (no failed call, no retransmission)"
echo "(ratio = gb-register CPU / sipp CPU for the same calls; reg_drops = datagrams dropped on"
echo " the registrar's socket since it started: retransmissions with 0 there were lost or late on"
echo " sipp's side)"
kill "$REG"; wait "$REG" 2>/dev/null || true

echo "== $DEVICES devices online, keepalive every ${KA}s"
start_registrar --max-missed 3
run_sipp register-keepalive.xml 2000 "$DEVICES" -d $((KA * 1000)) &
SP=$!
# registration phase, then one whole keepalive period
for _ in $(seq 600); do
	[ "$(grep -c '"register"' "$T/reg.out")" -ge "$DEVICES" ] && break
	sleep 0.1
done
sleep 2
c0=$(cpu_ticks "$REG"); w0=$(date +%s.%N)
sleep "$KA"
c1=$(cpu_ticks "$REG"); w1=$(date +%s.%N)
ka=$(grep -c '"keepalive"' "$T/reg.out" || true)
online=$(grep -c '"register"' "$T/reg.out" || true)
rss=$(awk '/VmHWM/{print $2}' "/proc/$REG/status")
pct=$(awk -v t=$((c1 - c0)) -v k="$TCK" -v a="$w0" -v b="$w1" 'BEGIN{printf "%.2f", t/k/(b-a)*100}')
echo "registered: $online, keepalives answered so far: $ka"
echo "gb-register CPU over one keepalive period: ${pct}% of a core; peak RSS: $((rss / 1024)) MiB"
kill "$SP" 2>/dev/null || true
pkill -P "$SP" 2>/dev/null || true
wait "$SP" 2>/dev/null || true
