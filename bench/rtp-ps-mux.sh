#!/usr/bin/env bash
# bench/rtp-ps-mux.sh: rtp-ps-mux against ffmpeg's mpeg muxer and cat, on
# >= 100 MB of generated H.264 (temp dir, deleted after). Prints
# throughputs and ratios measured in this one run, and peak RSS (the
# input is mapped: its pages count in RSS but are the page cache's).
# Goals: >= 4x `ffmpeg -i x.h264 -c copy -f mpeg -`, >= 30% of `cat`.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin/rtp-ps-mux
DEMUX=$PWD/$BUILD/bin/rtp-ps-demux
[ -x "$BIN" ] || make -s "$BUILD/bin/rtp-ps-mux"
MB=${BENCH_MB:-110}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=25:duration=4 \
	-c:v libx264 -preset ultrafast -g 50 -bf 0 -b:v 12M -f h264 "$tmp/v.264"
es=$(stat -c %s "$tmp/v.264")
loops=$(( MB * 1048576 / es + 1 ))
for _ in $(seq "$loops"); do cat "$tmp/v.264"; done > "$tmp/x.264"
size=$(stat -c %s "$tmp/x.264")

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

cat "$tmp/x.264" > /dev/null   # warm the page cache
# correctness first: the figures mean nothing for wrong output
"$BIN" "$tmp/x.264" | "$DEMUX" 2>/dev/null | cmp - "$tmp/x.264"

t_rtp=$(best 3 "$BIN" "$tmp/x.264" -o /dev/null)
t_ps=$(best 3 "$BIN" --ps "$tmp/x.264" -o /dev/null)
t_cat=$(best 3 cat "$tmp/x.264")
t_ff=$(best 1 ffmpeg -v error -i "$tmp/x.264" -c copy -f mpeg -y /dev/null)
t_pipe=$(best 3 sh -c "'$BIN' '$tmp/x.264' | cat > /dev/null")
t_catpipe=$(best 3 sh -c "cat '$tmp/x.264' | cat > /dev/null")
rss=$(/usr/bin/time -f %M "$BIN" "$tmp/x.264" -o /dev/null 2>&1 >/dev/null | tail -1)

printf 'input: H.264 1280x720, %d MB (%d copies of a 4 s clip)\n' $(( size / 1048576 )) "$loops"
printf 'RFC 4571: rtp-ps-mux %s MB/s; --ps %s MB/s; ffmpeg -f mpeg %s MB/s; cat %s MB/s\n' \
	"$(rate "$size" "$t_rtp")" "$(rate "$size" "$t_ps")" "$(rate "$size" "$t_ff")" "$(rate "$size" "$t_cat")"
printf '          vs ffmpeg %sx (goal >= 4), vs cat %s (goal >= 0.30)\n' \
	"$(ratio "$t_ff" "$t_rtp")" "$(ratio "$t_cat" "$t_rtp")"
printf 'through a pipe: rtp-ps-mux | cat %s MB/s, cat | cat %s MB/s, ratio %s\n' \
	"$(rate "$size" "$t_pipe")" "$(rate "$size" "$t_catpipe")" "$(ratio "$t_catpipe" "$t_pipe")"
printf 'peak RSS: %s KiB (the mapped input included)\n' "$rss"
