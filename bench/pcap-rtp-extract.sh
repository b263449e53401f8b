#!/usr/bin/env bash
# pcap-rtp-extract stream listing against cat, tshark -z rtp,streams and
# tcpdump -r X -w /dev/null (and, on the big one, tcpdump reading with a
# filter that matches nothing: libpcap's own read loop): a generated capture of >= 100 MB (two RTP
# streams over UDP with SIP/SDP) and one nine times bigger (~1 GB, the same
# records repeated), both page-cached; peak RSS on each. Prints ratios
# from this one run (goals: >= 40% of cat's throughput on 1 GB,
# >= 20x tshark, RSS flat). tshark runs on both captures (about 20 s on
# 1 GB); BENCH_TSHARK_BIG=0 leaves the 1 GB run out.
# Temp files are deleted.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
X=$PWD/$BUILD/bin/pcap-rtp-extract
G=$PWD/tests/tools/rtp2pcap
for c in tshark tcpdump /usr/bin/time python3; do
	command -v "$c" >/dev/null || { echo "bench: $c missing (make deps)" >&2; exit 1; }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

"$G" synth -o "$T/a.rtp" --packets 45000 --seed 1
"$G" synth -o "$T/b.rtp" --packets 45000 --ssrc 0x1234 --seed 2
"$G" --sip -o "$T/cap.pcap" "$T/a.rtp" "$T/b.rtp"
rm -f "$T/a.rtp" "$T/b.rtp"
size=$(stat -c %s "$T/cap.pcap")
mb=$(( size / 1048576 ))

# best of N runs of a command: "WALL CPU" in seconds (CPU = user + system;
# on a shared machine the CPU time is the steadier figure)
best() {
	local n=$1 bw= bc= w c; shift
	for _ in $(seq "$n"); do
		{ TIMEFORMAT='%3R %3U %3S'; time "$@" >/dev/null 2>&1; } 2>"$T/time" || true
		read -r w u s < <(tail -n 1 "$T/time")
		c=$(awk -v u="$u" -v s="$s" 'BEGIN{print u + s}')
		if [ -z "$bw" ] || awk -v a="$w" -v b="$bw" 'BEGIN{exit !(a<b)}'; then bw=$w; fi
		if [ -z "$bc" ] || awk -v a="$c" -v b="$bc" 'BEGIN{exit !(a<b)}'; then bc=$c; fi
	done
	echo "$bw $bc"
}
rss() { /usr/bin/time -f %M -o "$T/rss" "$@" >/dev/null 2>&1; tail -n 1 "$T/rss"; }

cat "$T/cap.pcap" >/dev/null   # warm the page cache
read -r ours oursc <<<"$(best 5 "$X" -r "$T/cap.pcap" --format json)"
read -r tcpd tcpdc <<<"$(best 5 tcpdump -r "$T/cap.pcap" -w /dev/null)"
read -r tsh tshc <<<"$(best 1 tshark -r "$T/cap.pcap" -d udp.port==30002,rtp -q -z rtp,streams)"
rss1=$(rss "$X" -r "$T/cap.pcap" --format json)
"$X" -r "$T/cap.pcap" --format json | head -n 2 | cut -c 1-160

# a capture nine times bigger: the same records repeated (header once)
python3 - "$T/cap.pcap" "$T/big.pcap" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "wb") as f:
    f.write(d)
    for _ in range(8):
        f.write(d[24:])
PY
rm -f "$T/cap.pcap"
bigmb=$(( $(stat -c %s "$T/big.pcap") / 1048576 ))
cat "$T/big.pcap" >/dev/null   # warm the page cache
read -r bours boursc <<<"$(best 5 "$X" -r "$T/big.pcap" --format json)"
read -r bcat bcatc <<<"$(best 5 cat "$T/big.pcap")"
# libpcap's own offline read loop with no work per packet: a filter that
# matches nothing, so tcpdump prints nothing (the ceiling of any reader
# built on libpcap's stdio path)
read -r bnop bnopc <<<"$(best 5 tcpdump -r "$T/big.pcap" -q 'less 1')"
rss2=$(rss "$X" -r "$T/big.pcap" --format json)
btsh=0 btshc=0
if [ "${BENCH_TSHARK_BIG:-1}" = 1 ]; then
	read -r btsh btshc <<<"$(best 1 tshark -r "$T/big.pcap" -d udp.port==30002,rtp -q -z rtp,streams)"
fi

awk -v mb="$mb" -v o="$ours" -v oc="$oursc" -v td="$tcpd" -v tdc="$tcpdc" \
    -v ts="$tsh" -v tsc="$tshc" -v r1="$rss1" -v r2="$rss2" -v big="$bigmb" \
    -v bo="$bours" -v boc="$boursc" -v bc="$bcat" -v bcc="$bcatc" -v bt="$btsh" -v btc="$btshc" \
    -v bn="$bnop" -v bnc="$bnopc" '
function d(x) { return x > 0 ? x : 0.005 }
BEGIN {
	printf "capture: %d MiB, 90000 RTP packets in 2 streams, and %d MiB (the same records\n", mb, big
	printf "  nine times); times: wall / CPU seconds, best of 5 (tshark: one run), page cache warm\n"
	printf "pcap-rtp-extract on %d MiB: %.3f / %.3f s (%.0f MiB/s wall)\n", big, bo, boc, big / d(bo)
	printf "cat on %d MiB:              %.3f / %.3f s (%.0f MiB/s) -> ours at %.0f%% of cat wall (goal >= 40%%)\n", big, bc, bcc, big / d(bc), 100 * bc / d(bo)
	printf "pcap-rtp-extract on %d MiB: %.3f / %.3f s (%.0f MiB/s wall)\n", mb, o, oc, mb / d(o)
	printf "tshark -z rtp,streams:      %.3f / %.3f s -> ours %.1fx faster wall, %.1fx CPU (goal >= 20x)\n", ts, tsc, ts / d(o), tsc / d(oc)
	if (bt > 0)
		printf "tshark on %d MiB:           %.3f / %.3f s -> ours %.1fx faster wall, %.1fx CPU\n", big, bt, btc, bt / d(bo), btc / d(boc)
	printf "tcpdump -r -w /dev/null:    %.3f / %.3f s -> ours at %.0f%% of its throughput wall\n", td, tdc, 100 * td / d(o)
	printf "tcpdump -r, filter \"less 1\", %d MiB: %.3f / %.3f s (libpcap reading, no work) -> ours at %.0f%% of its time", big, bn, bnc, 100 * bo / d(bn)
	if (bt > 0)
		printf "; tshark / it = %.1fx", bt / d(bn)
	printf "\n"
	printf "peak RSS: %.1f MiB on %d MiB, %.1f MiB on %d MiB (goal: flat)\n", r1 / 1024, mb, r2 / 1024, big
}'
