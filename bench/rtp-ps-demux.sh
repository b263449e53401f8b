#!/usr/bin/env bash
# bench/rtp-ps-demux.sh: rtp-ps-demux against ffmpeg's mpeg demuxer and cat,
# on >= 100 MB of generated PS and RFC 4571 input (temp dir, deleted after).
# Prints throughputs and ratios measured in this one run, and peak RSS.
# Goals: >= 4x ffmpeg, >= 50% of cat on PS, >= 40% of cat on RFC 4571,
# peak RSS <= 8 MiB whatever the input size.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin/rtp-ps-demux
[ -x "$BIN" ] || make -s "$BUILD/bin/rtp-ps-demux"
MB=${BENCH_MB:-110}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=25:duration=4 \
	-c:v libx264 -preset ultrafast -g 50 -bf 0 -b:v 12M -f h264 "$tmp/v.264"
es=$(stat -c %s "$tmp/v.264")
loops=$(( MB * 1048576 / es + 1 ))
tests/tools/psmux "$tmp/v.264" --loop "$loops" --pes-max 65000 --stuffing fffa \
	--ps "$tmp/x.ps" --rtp "$tmp/x.rtp" --es "$tmp/x.264" 2>/dev/null
ps_size=$(stat -c %s "$tmp/x.ps")
rtp_size=$(stat -c %s "$tmp/x.rtp")

# best of N wall-clock seconds of a command
best() {
	local n=$1 t b=999999; shift
	for _ in $(seq "$n"); do
		local s=$(date +%s.%N)
		"$@" >/dev/null 2>&1
		t=$(echo "$(date +%s.%N) - $s" | bc -l)
		b=$(echo "if ($t < $b) $t else $b" | bc -l)
	done
	echo "$b"
}
rate() { echo "scale=1; $1 / 1048576 / $2" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }

cat "$tmp/x.ps" "$tmp/x.rtp" > /dev/null   # warm the page cache
# correctness first: the figures mean nothing for wrong output
"$BIN" --ps "$tmp/x.ps" 2>/dev/null | cmp - "$tmp/x.264"
"$BIN" "$tmp/x.rtp" 2>/dev/null | cmp - "$tmp/x.264"

t_ours=$(best 3 "$BIN" --ps "$tmp/x.ps" -o /dev/null)
t_cat=$(best 3 cat "$tmp/x.ps")
t_ff=$(best 1 ffmpeg -v error -f mpeg -i "$tmp/x.ps" -map 0:v -c copy -f h264 -y /dev/null)
t_rtp=$(best 3 "$BIN" "$tmp/x.rtp" -o /dev/null)
t_catr=$(best 3 cat "$tmp/x.rtp")
rss_ps=$(/usr/bin/time -f %M "$BIN" --ps "$tmp/x.ps" -o /dev/null 2>&1 >/dev/null | tail -1)
rss_rtp=$(/usr/bin/time -f %M "$BIN" "$tmp/x.rtp" -o /dev/null 2>&1 >/dev/null | tail -1)
head -c $(( ps_size / 10 )) "$tmp/x.ps" > "$tmp/small.ps"
rss_small=$(/usr/bin/time -f %M "$BIN" --ps "$tmp/small.ps" -o /dev/null 2>&1 >/dev/null | tail -1)

printf 'input: PS %d MB, RFC 4571 %d MB (H.264 1280x720, %d loops)\n' \
	$(( ps_size / 1048576 )) $(( rtp_size / 1048576 )) "$loops"
printf 'PS:       rtp-ps-demux %s MB/s, ffmpeg %s MB/s, cat %s MB/s\n' \
	"$(rate "$ps_size" "$t_ours")" "$(rate "$ps_size" "$t_ff")" "$(rate "$ps_size" "$t_cat")"
printf '          vs ffmpeg %sx (goal >= 4), vs cat %s (goal >= 0.50)\n' \
	"$(ratio "$t_ff" "$t_ours")" "$(ratio "$t_cat" "$t_ours")"
printf 'RFC 4571: rtp-ps-demux %s MB/s, cat %s MB/s, vs cat %s (goal >= 0.40)\n' \
	"$(rate "$rtp_size" "$t_rtp")" "$(rate "$rtp_size" "$t_catr")" "$(ratio "$t_catr" "$t_rtp")"
printf 'peak RSS: PS %s KiB, RFC 4571 %s KiB, PS at 1/10 size %s KiB (goal <= 8192)\n' \
	"$rss_ps" "$rss_rtp" "$rss_small"
