#!/usr/bin/env bash
# bench/rtp-ps-demux.sh: rtp-ps-demux against ffmpeg's mpeg demuxer and cat,
# on >= 100 MB of generated PS and RFC 4571 input (temp dir, deleted after).
# Prints throughputs and ratios measured in this one run, and peak RSS.
# Goals: >= 4x ffmpeg, >= 50% of cat on PS, >= 40% of cat on RFC 4571,
# peak RSS <= 8 MiB whatever the input size.
source "$(dirname "$0")/common.bash"
bench_init rtp-ps-demux

bench_clip
tests/tools/psmux "$tmp/v.264" --loop "$LOOPS" --pes-max 65000 --stuffing fffa \
	--ps "$tmp/x.ps" --rtp "$tmp/x.rtp" --es "$tmp/x.264" 2>/dev/null
ps_size=$(stat -c %s "$tmp/x.ps")
rtp_size=$(stat -c %s "$tmp/x.rtp")

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
	$(( ps_size / 1048576 )) $(( rtp_size / 1048576 )) "$LOOPS"
printf 'PS:       rtp-ps-demux %s MB/s, ffmpeg %s MB/s, cat %s MB/s\n' \
	"$(rate "$ps_size" "$t_ours")" "$(rate "$ps_size" "$t_ff")" "$(rate "$ps_size" "$t_cat")"
printf '          vs ffmpeg %sx (goal >= 4), vs cat %s (goal >= 0.50)\n' \
	"$(ratio "$t_ff" "$t_ours")" "$(ratio "$t_cat" "$t_ours")"
printf 'RFC 4571: rtp-ps-demux %s MB/s, cat %s MB/s, vs cat %s (goal >= 0.40)\n' \
	"$(rate "$rtp_size" "$t_rtp")" "$(rate "$rtp_size" "$t_catr")" "$(ratio "$t_catr" "$t_rtp")"
printf 'peak RSS: PS %s KiB, RFC 4571 %s KiB, PS at 1/10 size %s KiB (goal <= 8192)\n' \
	"$rss_ps" "$rss_rtp" "$rss_small"

# The default reorder window's latency cost, measured: RTP paced in real
# time (25 fps, the 720p clip: ~10 s), 1% of the packets not sent. In-order
# packets are never held; after a gap packets wait until the window gives
# the missing one up. The demuxer reports how many waited and how long
# (--stats: reorder_waited, reorder_wait_max_ms, reorder_wait_mean_ms).
# BENCH_LATENCY=0 skips this part.
if [ "${BENCH_LATENCY:-1}" = 1 ]; then
	tests/tools/psmux "$tmp/v.264" --loop 3 --rtp "$tmp/l.rtp" 2>/dev/null
	pace=$tmp/pace.py
	cat >"$pace" <<'PY'
# pace.py RTP MODE [PORT]: sends RFC 4571 RTP in real time (90 kHz
# timestamps), skipping every 100th packet; MODE pipe (stdout, RFC 4571)
# or udp (datagrams to 127.0.0.1:PORT).
import socket, struct, sys, time
d = open(sys.argv[1], "rb").read()
mode = sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM) if mode == "udp" else None
out = sys.stdout.buffer
i = n = 0
t0 = ts0 = None
while i < len(d):
    l = struct.unpack(">H", d[i:i + 2])[0]
    p = d[i + 2:i + 2 + l]
    i += 2 + l
    ts = struct.unpack(">I", p[4:8])[0]
    if t0 is None:
        t0, ts0 = time.monotonic(), ts
    wait = t0 + ((ts - ts0) & 0xFFFFFFFF) / 90000 - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    n += 1
    if n % 100 == 50:
        continue
    if s:
        s.sendto(p, ("127.0.0.1", int(sys.argv[3])))
    else:
        out.write(d[i - 2 - l:i])
        out.flush()
PY
	lat() {   # label: one line of figures from the --stats summary
		python3 -c 'import json,sys; j=json.loads([l for l in open(sys.argv[1]) if l.startswith("{")][-1]); print("%-28s %6d packets, %5d waited, wait max %4d ms, mean %6.1f ms, dropped frames %d" % (sys.argv[2], j["rtp_packets"], j["reorder_waited"], j["reorder_wait_max_ms"], j["reorder_wait_mean_ms"], j["dropped_frames"]))' "$1" "$2"
	}
	python3 "$pace" "$tmp/l.rtp" pipe | "$BIN" --stats -o /dev/null 2>"$tmp/p.err" || true
	lat "$tmp/p.err" "pipe, default (64 packets)"
	python3 "$pace" "$tmp/l.rtp" pipe | "$BIN" --stats --reorder 0 -o /dev/null 2>"$tmp/p0.err" || true
	lat "$tmp/p0.err" "pipe, --reorder 0"
	"$BIN" -v --stats -t 2s -o /dev/null udp://127.0.0.1:0 2>"$tmp/u.err" &
	dpid=$!
	for _ in $(seq 100); do grep -q 'listening on' "$tmp/u.err" && break; sleep 0.05; done
	port=$(sed -n 's/.*listening on udp:.*:\([0-9]*\)$/\1/p' "$tmp/u.err" | head -1)
	python3 "$pace" "$tmp/l.rtp" udp "$port"
	wait "$dpid" || true
	lat "$tmp/u.err" "udp://, default (100ms)"
	printf 'packet rate of this clip: %s packets/s\n' \
	    "$(python3 -c 'import json,sys; j=json.loads([l for l in open(sys.argv[1]) if l.startswith("{")][-1]); print(round(j["rtp_packets"] / 12))' "$tmp/p0.err")"
fi
