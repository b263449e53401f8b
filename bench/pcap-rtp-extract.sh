#!/usr/bin/env bash
# pcap-rtp-extract stream listing against tshark -z rtp,streams and
# tcpdump -r X -w /dev/null on a generated capture of >= 100 MB (two RTP
# streams over UDP with SIP/SDP), and peak RSS on it and on a capture ten
# times bigger. Prints ratios from this one run. Temp files are deleted.
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

# a capture ten times bigger: the same records repeated (header once)
python3 - "$T/cap.pcap" "$T/big.pcap" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "wb") as f:
    f.write(d)
    for _ in range(9):
        f.write(d[24:])
PY
rm -f "$T/cap.pcap"
bigmb=$(( $(stat -c %s "$T/big.pcap") / 1048576 ))
rss2=$(rss "$X" -r "$T/big.pcap" --format json)

awk -v mb="$mb" -v o="$ours" -v oc="$oursc" -v td="$tcpd" -v tdc="$tcpdc" \
    -v ts="$tsh" -v tsc="$tshc" -v r1="$rss1" -v r2="$rss2" -v big="$bigmb" '
function d(x) { return x > 0 ? x : 0.005 }
BEGIN {
	printf "capture: %d MiB, 90000 RTP packets in 2 streams (times: wall / CPU seconds,\n", mb
	printf "  best of 5 for ours and tcpdump, one tshark run, page cache warm)\n"
	printf "pcap-rtp-extract listing: %.3f / %.3f s (%.0f MiB/s wall)\n", o, oc, mb / d(o)
	printf "tshark -z rtp,streams:    %.3f / %.3f s -> ours %.1fx faster wall, %.1fx CPU (goal >= 20x)\n", ts, tsc, ts / d(o), tsc / d(oc)
	printf "tcpdump -r -w /dev/null:  %.3f / %.3f s -> ours at %.0f%% of its throughput wall, %.0f%% CPU (goal >= 40%%)\n", td, tdc, 100 * td / d(o), 100 * tdc / d(oc)
	printf "peak RSS: %.1f MiB on %d MiB, %.1f MiB on %d MiB (goal <= 16 MiB, flat)\n", r1 / 1024, mb, r2 / 1024, big
}'
