#!/usr/bin/env bash
# bench/rtp-ps-mux.sh: rtp-ps-mux against ffmpeg's mpeg muxer and cat, on
# >= 100 MB of generated H.264 (temp dir, deleted after). Prints
# throughputs and ratios measured in this one run, and peak RSS (the
# input is mapped: its pages count in RSS but are the page cache's).
# Goals: >= 4x `ffmpeg -i x.h264 -c copy -f mpeg -`, >= 30% of `cat`.
source "$(dirname "$0")/common.bash"
bench_init rtp-ps-mux
DEMUX=$PWD/$BUILD/bin/rtp-ps-demux

bench_clip
for _ in $(seq "$LOOPS"); do cat "$tmp/v.264"; done > "$tmp/x.264"
size=$(stat -c %s "$tmp/x.264")

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

printf 'input: H.264 1280x720, %d MB (%d copies of a 4 s clip)\n' $(( size / 1048576 )) "$LOOPS"
printf 'RFC 4571: rtp-ps-mux %s MB/s; --ps %s MB/s; ffmpeg -f mpeg %s MB/s; cat %s MB/s\n' \
	"$(rate "$size" "$t_rtp")" "$(rate "$size" "$t_ps")" "$(rate "$size" "$t_ff")" "$(rate "$size" "$t_cat")"
printf '          vs ffmpeg %sx (goal >= 4), vs cat %s (goal >= 0.30)\n' \
	"$(ratio "$t_ff" "$t_rtp")" "$(ratio "$t_cat" "$t_rtp")"
printf 'through a pipe: rtp-ps-mux | cat %s MB/s, cat | cat %s MB/s, ratio %s\n' \
	"$(rate "$size" "$t_pipe")" "$(rate "$size" "$t_catpipe")" "$(ratio "$t_catpipe" "$t_pipe")"
printf 'peak RSS: %s KiB (the mapped input included)\n' "$rss"
