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

"$G" synth -o "$T/a.rtp" --packets 40000 --seed 1
"$G" synth -o "$T/b.rtp" --packets 40000 --ssrc 0x1234 --seed 2
"$G" --sip -o "$T/cap.pcap" "$T/a.rtp" "$T/b.rtp"
rm -f "$T/a.rtp" "$T/b.rtp"
size=$(stat -c %s "$T/cap.pcap")
mb=$(( size / 1048576 ))

# wall time of a command, best of N runs, in seconds
best() {
	local n=$1 b= t; shift
	for _ in $(seq "$n"); do
		t=$( { /usr/bin/time -f %e "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -n 1)
		if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN{exit !(a<b)}'; then b=$t; fi
	done
	echo "$b"
}
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }

cat "$T/cap.pcap" >/dev/null   # warm the page cache
ours=$(best 3 "$X" -r "$T/cap.pcap" --format json)
tcpd=$(best 3 tcpdump -r "$T/cap.pcap" -w /dev/null)
tsh=$(best 1 tshark -r "$T/cap.pcap" -d udp.port==30002,rtp -q -z rtp,streams)
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

awk -v mb="$mb" -v o="$ours" -v td="$tcpd" -v ts="$tsh" -v r1="$rss1" \
    -v r2="$rss2" -v big="$bigmb" 'BEGIN {
	printf "capture: %d MiB, 80000 RTP packets in 2 streams\n", mb
	printf "pcap-rtp-extract listing: %.2f s (%.0f MiB/s)\n", o, mb / (o > 0 ? o : 0.01)
	printf "tshark -z rtp,streams:    %.2f s  -> ours is %.1fx faster (goal >= 20x)\n", ts, ts / (o > 0 ? o : 0.01)
	printf "tcpdump -r -w /dev/null:  %.2f s  -> ours runs at %.0f%% of its throughput (goal >= 40%%)\n", td, 100 * td / (o > 0 ? o : 0.01)
	printf "peak RSS: %.1f MiB on %d MiB, %.1f MiB on %d MiB (goal <= 16 MiB, flat)\n", r1 / 1024, mb, r2 / 1024, big
}'
