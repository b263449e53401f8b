#!/usr/bin/env bats
# rtp-ps-demux: known answers from tests/tools/psmux (the ES muxed into PS
# and RTP comes back byte for byte), ffmpeg's mpeg demuxer as the
# independent peer, loss accounting against psmux's side file, network
# inputs on loopback, and bad input.
bats_require_minimum_version 1.5.0
load helpers
load media

teardown() { teardown_peers; }

setup_file() {
	command -v ffmpeg >/dev/null || return 0
	local d=$BATS_FILE_TMPDIR
	es "$d/v.264" h264
	es "$d/v.265" h265
	g711 "$d/a.alaw" alaw 4
}

setup() {
	media_setup
	PSMUX="$TOOLS/psmux"
}

# mux ES VARIANT-ARGS...: writes $T/x.ps, $T/x.rtp, $T/x.rtpdump
mux() {
	local es=$1; shift
	"$PSMUX" "$es" --ps "$T/x.ps" --rtp "$T/x.rtp" --rtpdump "$T/x.rtpdump" "$@" 2>/dev/null
}

# demux_all ES: every container variant demuxes back to ES exactly
demux_all() {
	local es=$1 f
	run --separate-stderr rtp-ps-demux --ps "$T/x.ps"
	assert_status 0
	rtp-ps-demux --ps "$T/x.ps" 2>/dev/null | cmp - "$es"
	rtp-ps-demux < "$T/x.ps" 2>/dev/null | cmp - "$es"   # PS recognised by its pack header
	for f in x.rtp x.rtpdump; do
		rtp-ps-demux "$T/$f" 2>/dev/null | cmp - "$es"
	done
	rtp-ps-demux < "$T/x.rtp" 2>/dev/null | cmp - "$es"
	cat "$T/x.rtpdump" | rtp-ps-demux 2>/dev/null | cmp - "$es"
}

@test "usage: missing input file -> 66, bad option values -> 64, two inputs -> 64" {
	run --separate-stderr rtp-ps-demux "$T/nope.rtp"
	assert_status 66
	assert_contains "$stderr" "nope.rtp"
	run --separate-stderr rtp-ps-demux --reorder lots x
	assert_status 64
	assert_contains "$stderr" "try 'rtp-ps-demux --help'"
	run --separate-stderr rtp-ps-demux --ssrc 0x1FFFFFFFF x
	assert_status 64
	run --separate-stderr rtp-ps-demux a b
	assert_status 64
	run --separate-stderr rtp-ps-demux ftp://x:1
	assert_status 64
	[ -z "$output" ]
}

@test "video is never written to a terminal" {
	require_cmd script
	mux "$D/v.264"
	run script -qec "rtp-ps-demux '$T/x.rtp'" /dev/null
	assert_status 64
	assert_contains "$output" "refusing to write video to a terminal"
	[ "${#output}" -lt 200 ]
}

@test "H.264: PS, RFC 4571, rtpdump (file and pipe) all give the source ES back" {
	mux "$D/v.264"
	demux_all "$D/v.264"
	run --separate-stderr rtp-ps-demux "$T/x.rtp"
	assert_status 0
	assert_contains "$stderr" "h264 320x240, 75 frames (3 key)"
	assert_contains "$stderr" "0 lost"
}

@test "H.265: every variant gives the source ES back; resolution from the SPS" {
	mux "$D/v.265" --pes-max 2000
	demux_all "$D/v.265"
	run --separate-stderr rtp-ps-demux --stats "$T/x.rtpdump"
	assert_status 0
	assert_json_eq "$stderr" .codec h265
	assert_json_eq "$stderr" .width 320
	assert_json_eq "$stderr" .height 240
	assert_json_eq "$stderr" .frames 75
	assert_json_eq "$stderr" .key_frames 3
	assert_json_eq "$stderr" .framing rtpdump
}

@test "stuffing (non-0xFF), DTS, split key frames, 0xBD/0xBE, audio, odd PSMs: byte-exact" {
	local v
	for v in "--stuffing fffa00 --dts" "--stuffing 00000000000000" \
		"--pes-max 1000 --private --padding" "--audio $D/a.alaw --pes-max 5000" \
		"--psm-crc le" "--psm-crc bad --psm-every" "--no-psm" "--payload 64 --seq 65535" \
		"--audio $D/a.alaw --audio-separate --pts-every-pes --pes-max 1500"; do
		mux "$D/v.264" $v
		demux_all "$D/v.264" || { echo "variant: $v"; return 1; }
		mux "$D/v.265" $v
		demux_all "$D/v.265" || { echo "variant: $v (h265)"; return 1; }
	done
}

@test "--audio writes the G.711 payloads, --private the 0xBD payloads" {
	mux "$D/v.264" --audio "$D/a.alaw" --private --pes-max 3000
	run --separate-stderr rtp-ps-demux --stats --audio "$T/a.out" --private "$T/p.out" -o "$T/v.out" "$T/x.rtp"
	assert_status 0
	[ -z "$output" ]
	cmp "$T/v.out" "$D/v.264"
	# 75 frames x 320 bytes (8000 Hz / 25 fps)
	head -c 24000 "$D/a.alaw" | cmp - "$T/a.out"
	assert_json_eq "$stderr" .audio_codec pcm_alaw
	assert_json_eq "$stderr" .audio_bytes 24000
	[ "$(stat -c %s "$T/p.out")" -eq $((75 * 16)) ]
	[ "$(head -c 4 "$T/p.out")" = "HIK" ] || [ "$(head -c 3 "$T/p.out")" = "HIK" ]
	# without --private nothing of 0xBD leaks into the video
	rtp-ps-demux "$T/x.rtp" 2>/dev/null | cmp - "$D/v.264"
}

@test "peer: rtp-ps-demux --ps equals ffmpeg -f mpeg ... -c copy on the same file" {
	mux "$D/v.264" --stuffing fffa --pes-max 3000 --private --padding
	ffmpeg -v error -f mpeg -i "$T/x.ps" -map 0:v -c copy -f h264 - > "$T/ff.264"
	rtp-ps-demux --ps "$T/x.ps" 2>/dev/null | cmp - "$T/ff.264"
	mux "$D/v.265" --dts --pes-max 2500
	ffmpeg -v error -f mpeg -i "$T/x.ps" -map 0:v -c copy -f hevc - > "$T/ff.265"
	rtp-ps-demux --ps "$T/x.ps" 2>/dev/null | cmp - "$T/ff.265"
}

@test "ffprobe reads the demuxed output" {
	mux "$D/v.265"
	rtp-ps-demux -o "$T/out.265" "$T/x.rtp" 2>/dev/null
	run ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height -of csv=p=0 "$T/out.265"
	assert_status 0
	[ "$output" = "hevc,320,240" ]
	mux "$D/v.264"
	rtp-ps-demux -o "$T/out.264" "$T/x.rtpdump" 2>/dev/null
	run ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=codec_name,nb_read_frames -of csv=p=0 "$T/out.264"
	[ "$output" = "h264,75" ]
}

@test "--frames: NDJSON index with pts, dts, key, size and offsets that tile the output" {
	mux "$D/v.264" --dts
	run --separate-stderr rtp-ps-demux --frames "$T/f.json" -o "$T/o.264" "$T/x.rtp"
	assert_status 0
	[ "$(wc -l < "$T/f.json")" -eq 75 ]
	[ "$(jq -s 'map(select(.key)) | length' "$T/f.json")" -eq 3 ]
	[ "$(jq -s '.[0] | [.type, .pts, .dts, .key, .offset] | @csv' -r "$T/f.json")" = '"frame",97200,90000,true,0' ]
	# offsets are consecutive and sizes sum to the file
	jq -s -e 'reduce .[] as $f ({o:0, ok:true}; {o: ($f.offset + $f.size), ok: (.ok and $f.offset == .o)}) | .ok' "$T/f.json"
	[ "$(jq -s 'map(.size) | add' "$T/f.json")" -eq "$(stat -c %s "$T/o.264")" ]
}

@test "loss: every output frame is intact and dropped frames == frames that lost packets" {
	local s args
	for args in "--loss 3 --seed 5" "--loss 10 --seed 7 --pes-max 3000 --payload 500" \
		"--loss-frames 3,10,11,12,50" "--loss 20 --seed 3 --payload 200" "--loss 5 --seed 9 --reorder 5 --dup 5" \
		"--loss 8 --seed 2 --payload 400 --audio $D/a.alaw --audio-separate"; do
		for c in 264 265; do
			"$PSMUX" "$D/v.$c" $args --rtp "$T/l.rtp" --lost "$T/l.lost" --intact "$T/l.es" 2>/dev/null
			run --separate-stderr rtp-ps-demux --stats --reorder 8 -o "$T/l.out" "$T/l.rtp"
			assert_status 0
			cmp "$T/l.out" "$T/l.es" || { echo "$args ($c)"; return 1; }
			assert_json_eq "$stderr" .dropped_frames "$(wc -l < "$T/l.lost")"
			[ "$(wc -l < "$T/l.lost")" -gt 0 ]
		done
	done
}

@test "loss: --keep-damaged passes partial frames instead of dropping them" {
	"$PSMUX" "$D/v.264" --loss 10 --seed 7 --payload 300 --rtp "$T/l.rtp" --lost "$T/l.lost" --intact "$T/l.es" 2>/dev/null
	run --separate-stderr rtp-ps-demux --stats --keep-damaged -o "$T/l.out" "$T/l.rtp"
	assert_status 0
	[ "$(printf '%s' "$stderr" | jq .damaged_frames)" -gt 0 ]
	[ "$(stat -c %s "$T/l.out")" -gt "$(stat -c %s "$T/l.es")" ]
}

@test "reorder and duplicates: a reorder window restores the exact stream" {
	"$PSMUX" "$D/v.264" --reorder 10 --dup 10 --seed 2 --payload 400 --rtp "$T/r.rtp" 2>/dev/null
	run --separate-stderr rtp-ps-demux --stats --reorder 4 -o "$T/r.out" "$T/r.rtp"
	assert_status 0
	cmp "$T/r.out" "$D/v.264"
	assert_json_eq "$stderr" .lost 0
	assert_json_eq "$stderr" .dropped_frames 0
	[ "$(printf '%s' "$stderr" | jq .reordered)" -gt 0 ]
	[ "$(printf '%s' "$stderr" | jq .duplicates)" -gt 0 ]
	run --separate-stderr rtp-ps-demux --stats --reorder 50ms -o "$T/r2.out" "$T/r.rtp"
	assert_status 0
	cmp "$T/r2.out" "$D/v.264"
	# without a window the swaps are losses, yet nothing damaged is written
	run --separate-stderr rtp-ps-demux --stats --reorder 0 -o "$T/r3.out" "$T/r.rtp"
	assert_status 0
	[ "$(printf '%s' "$stderr" | jq .dropped_frames)" -gt 0 ]
}

@test "--ssrc picks one of two streams; default locks to the first SSRC" {
	"$PSMUX" "$D/v.264" --ssrc 0x11111111 --rtp "$T/a.rtp" 2>/dev/null
	"$PSMUX" "$D/v.265" --ssrc 0x22222222 --rtp "$T/b.rtp" 2>/dev/null
	cat "$T/a.rtp" "$T/b.rtp" > "$T/ab.rtp"
	rtp-ps-demux "$T/ab.rtp" 2>/dev/null | cmp - "$D/v.264"
	rtp-ps-demux --ssrc 0x22222222 "$T/ab.rtp" 2>/dev/null | cmp - "$D/v.265"
	run --separate-stderr rtp-ps-demux --ssrc 5 "$T/ab.rtp"
	assert_status 1
	[ -z "$output" ]
}

# listen_port FILE SCHEME: the port from "-v" "listening on SCHEME://...:PORT"
listen_port() {
	wait_for_grep "listening on" "$1" 10 || return 1
	sed -n "s/.*listening on $2:\/\/.*:\([0-9]*\)\$/\1/p" "$1"
}

@test "udp:// input: datagrams from a sender on loopback" {
	mux "$D/v.264" --audio "$D/a.alaw"
	rtp-ps-demux -v --timeout 2s -o "$T/u.out" udp://127.0.0.1:0 2> "$T/u.err" &
	PEER_PIDS+=($!)
	local pid=$! port
	port=$(listen_port "$T/u.err" udp)
	"$TOOLS/rtpsend" udp "$T/x.rtp" 127.0.0.1 "$port"
	wait "$pid"
	cmp "$T/u.out" "$D/v.264"
	grep -q "75 frames" "$T/u.err"
	# IPv6, where the host has it
	python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null || return 0
	rtp-ps-demux -v --timeout 2s -o "$T/u6.out" 'udp://[::1]:0' 2> "$T/u6.err" &
	pid=$!
	PEER_PIDS+=($pid)
	port=$(listen_port "$T/u6.err" udp)
	grep -q 'listening on udp://\[::1\]:' "$T/u6.err"
	"$TOOLS/rtpsend" udp "$T/x.rtp" ::1 "$port"
	wait "$pid"
	cmp "$T/u6.out" "$D/v.264"
}

@test "tcp-listen:// input: RFC 4571 and RTSP '\$' framing, segments not aligned" {
	local mode pid port
	mux "$D/v.264" --payload 1200
	for mode in tcp dollar; do
		rtp-ps-demux -v --timeout 5s -o "$T/t.out" tcp-listen://127.0.0.1:0 2> "$T/t.err" &
		pid=$!
		PEER_PIDS+=($pid)
		port=$(listen_port "$T/t.err" tcp)
		"$TOOLS/rtpsend" $mode "$T/x.rtp" 127.0.0.1 "$port"
		wait "$pid"
		cmp "$T/t.out" "$D/v.264"
		if [ $mode = dollar ]; then grep -q "rtsp-interleaved framing" "$T/t.err"; else grep -q "rfc4571 framing" "$T/t.err"; fi
	done
}

@test "RFC 4571 whose first length is 0x24xx is not mistaken for '\$' framing" {
	mux "$D/v.264" --payload 9230 --pes-max 9000 --padding --padding-size 9300
	[ "$(head -c 1 "$T/x.rtp" | od -An -tx1 | tr -d ' ')" = 24 ]
	rtp-ps-demux -v "$T/x.rtp" 2> "$T/e" | cmp - "$D/v.264"
	grep -q "rfc4571 framing" "$T/e"
}

@test "tcp:// input (TCP active: we connect to the sender)" {
	mux "$D/v.265"
	start_peer "$T/port" "$TOOLS/rtpsend" serve "$T/x.rtp" "$T/port"
	run --separate-stderr rtp-ps-demux --timeout 5s -o "$T/a.out" "tcp://127.0.0.1:$PEER_PORT"
	assert_status 0
	cmp "$T/a.out" "$D/v.265"
}

@test "network errors: silent UDP port -> 75, refused TCP -> 69, nobody connects -> 75" {
	run --separate-stderr timeout 10 rtp-ps-demux --timeout 300ms -o "$T/n" udp://127.0.0.1:0
	assert_status 75
	assert_contains "$stderr" "nothing received"
	hold_port tcp	# bound, not listening: refused
	run --separate-stderr timeout 10 rtp-ps-demux --timeout 2s -o "$T/n" "tcp://127.0.0.1:$PEER_PORT"
	assert_status 69
	run --separate-stderr timeout 10 rtp-ps-demux --timeout 300ms -o "$T/n" tcp-listen://127.0.0.1:0
	assert_status 75
}

@test "bad PS: truncated, PES length past the end, zero-length PES, PSM with 1000 streams, garbage" {
	mux "$D/v.264" --pes-max 3000
	# truncated: whole frames only, a prefix of the source
	head -c 40000 "$T/x.ps" > "$T/t.ps"
	run --separate-stderr rtp-ps-demux --stats -o "$T/t.out" --ps "$T/t.ps"
	assert_status 0
	assert_json_eq "$stderr" .dropped_frames 1
	cmp -n "$(stat -c %s "$T/t.out")" "$T/t.out" "$D/v.264"
	[ "$(stat -c %s "$T/t.out")" -gt 30000 ]
	# frames after a broken PES are still found; nothing broken is written
	"$TOOLS/psbreak" pes-past-end "$T/x.ps" "$T/b.ps"
	run --separate-stderr rtp-ps-demux --stats --frames "$T/b.json" -o "$T/b.out" --ps "$T/b.ps"
	assert_status 0
	[ "$(printf '%s' "$stderr" | jq .resyncs)" -ge 1 ]
	python3 "$TOOLS/ps-frames-match" "$T/b.json" "$T/b.out" "$D/v.264"
	for m in zero-pes psm-1000 garbage-head; do
		"$TOOLS/psbreak" $m "$T/x.ps" "$T/b.ps"
		run --separate-stderr rtp-ps-demux -o "$T/b.out" --ps "$T/b.ps"
		assert_status 0
		cmp "$T/b.out" "$D/v.264" || { echo "$m"; return 1; }
	done
}

@test "not PS: random bytes and a non-PS payload under PS/90000 -> 65, nothing written" {
	head -c 300000 /dev/urandom > "$T/r.bin"
	run --separate-stderr rtp-ps-demux --ps -o "$T/o" "$T/r.bin"
	assert_status 65
	assert_contains "$stderr" "not MPEG-PS"
	[ ! -s "$T/o" ]
	run --separate-stderr rtp-ps-demux -o "$T/o" "$T/r.bin"
	assert_status 65
	assert_contains "$stderr" "neither RFC 4571"
	mux "$D/v.264"
	"$TOOLS/psbreak" nonps-rtp "$T/x.rtp" "$T/n.rtp"
	run --separate-stderr rtp-ps-demux -o "$T/o" "$T/n.rtp"
	assert_status 65
	assert_contains "$stderr" "not MPEG-PS"
	assert_contains "$stderr" "looks like RFC 6184 H.264"
	[ ! -s "$T/o" ]
	# a truncated RFC 4571 file: whole packets are used, the cut one is reported
	head -c 50001 "$T/x.rtp" > "$T/c.rtp"
	run --separate-stderr rtp-ps-demux -o "$T/o" "$T/c.rtp"
	assert_status 0
	assert_contains "$stderr" "input ends inside a frame"
	cmp -n "$(stat -c %s "$T/o")" "$T/o" "$D/v.264"
	: > "$T/empty"
	run --separate-stderr rtp-ps-demux -o "$T/o" "$T/empty"
	assert_status 1
}

@test "real captures: rtptools' own rtpdump (PCMU) and an RFC 6184 H.264 stream are refused as not PS" {
	require_shared data/pcap-samples/rtptools-bark.rtp
	run --separate-stderr rtp-ps-demux --stats -o "$T/o" "$SHARED/data/pcap-samples/rtptools-bark.rtp"
	assert_status 65
	assert_contains "$stderr" "not MPEG-PS"
	# 16 records, one of them RTCP (plen 0): 15 RTP packets of SSRC 0x00059c72
	assert_json_eq "$(printf '%s\n' "$stderr" | grep '^{')" .rtp_packets 15
	assert_json_eq "$(printf '%s\n' "$stderr" | grep '^{')" .ssrc 367730
	[ ! -s "$T/o" ]
	command -v pcap-rtp-extract >/dev/null || { [ "${CI:-}" != true ] && skip "pcap-rtp-extract not built"; }
	pcap-rtp-extract -r "$SHARED/data/pcap-samples/vzvca-h264.pcap" --stream 1 > "$T/h.rtp"
	run --separate-stderr rtp-ps-demux -o "$T/o" "$T/h.rtp"
	assert_status 65
	assert_contains "$stderr" "looks like RFC 6184 H.264"
	[ ! -s "$T/o" ]
}

@test "SIGTERM/SIGINT end a live input cleanly: output flushed, summary, exit 0" {
	mux "$D/v.264"
	rtp-ps-demux -v --timeout 60s -o "$T/s.out" udp://127.0.0.1:0 2> "$T/s.err" &
	local pid=$! port
	PEER_PIDS+=($pid)
	port=$(listen_port "$T/s.err" udp)
	"$TOOLS/rtpsend" udp "$T/x.rtp" 127.0.0.1 "$port"
	kill -TERM "$pid"   # at once: what is already queued is still read
	local rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || { echo "exit $rc"; cat "$T/s.err"; return 1; }
	cmp "$T/s.out" "$D/v.264"
	grep -q "75 frames" "$T/s.err"
	# interrupted while waiting for the camera to connect: nothing came, exit 1
	rtp-ps-demux -v --timeout 60s -o "$T/s2.out" tcp-listen://127.0.0.1:0 2> "$T/s2.err" &
	pid=$!
	PEER_PIDS+=($pid)
	wait_for_grep "listening on" "$T/s2.err" 10
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 1 ] || { echo "exit $rc"; cat "$T/s2.err"; return 1; }
}

@test "sender restarts its RTP sequence (same SSRC): followed, not counted as loss" {
	# forward jump: the second stream starts 25000 sequence numbers on
	"$PSMUX" "$D/v.264" --seq 40000 --rtp "$T/r1.rtp" 2>/dev/null
	"$PSMUX" "$D/v.265" --seq 100 --rtp "$T/r2.rtp" 2>/dev/null
	cat "$T/r1.rtp" "$T/r2.rtp" > "$T/rr.rtp"
	run --separate-stderr rtp-ps-demux --stats -o "$T/o" "$T/rr.rtp"
	assert_status 0
	cat "$D/v.264" "$D/v.265" | cmp - "$T/o"
	local js=$(printf '%s\n' "$stderr" | grep '^{')
	assert_json_eq "$js" .seq_restarts 1
	assert_json_eq "$js" .lost 0
	assert_json_eq "$js" .dropped_frames 0
	assert_contains "$stderr" "restarted its RTP sequence"
	# backwards: the first packets of the new run look late; after a run of
	# them the new sequence is followed and only its first frame is lost
	"$PSMUX" "$D/v.264" --seq 5000 --rtp "$T/r1.rtp" 2>/dev/null
	"$PSMUX" "$D/v.264" --seq 1000 --rtp "$T/r2.rtp" --frames "$T/r2.frames" 2>/dev/null
	cat "$T/r1.rtp" "$T/r2.rtp" > "$T/rr.rtp"
	local s0=$(head -1 "$T/r2.frames" | cut -d' ' -f4)
	run --separate-stderr rtp-ps-demux --stats --reorder 4 -o "$T/o" "$T/rr.rtp"
	assert_status 0
	{ cat "$D/v.264"; tail -c +$((s0 + 1)) "$D/v.264"; } | cmp - "$T/o"
	js=$(printf '%s\n' "$stderr" | grep '^{')
	assert_json_eq "$js" .seq_restarts 1
	assert_json_eq "$js" .dropped_frames 1
}

@test "the default reorder window: 2% reordered packets through pcap-rtp-extract | rtp-ps-demux lose no frame; --reorder 0 turns it off" {
	command -v pcap-rtp-extract >/dev/null || { [ "${CI:-}" != true ] && skip "pcap-rtp-extract not built"; }
	"$PSMUX" "$D/v.264" --loop 4 --es "$T/es" --rtp "$T/x.rtp" 2>/dev/null   # 300 frames
	"$TOOLS/rtp2pcap" --reorder 2 --seed 7 -o "$T/r.cap" "$T/x.rtp"
	run --separate-stderr bash -c "pcap-rtp-extract -r '$T/r.cap' --stream 1 | rtp-ps-demux --stats -o '$T/o'"
	assert_status 0
	cmp "$T/o" "$T/es"
	assert_json_eq "$stderr" .dropped_frames 0
	assert_json_eq "$stderr" .lost 0
	[ "$(jq .reordered <<<"$stderr")" -gt 0 ]
	# the window's cost is reported: the packets that waited behind a gap
	[ "$(jq .reorder_waited <<<"$stderr")" -gt 0 ]
	[ "$(jq .reorder_wait_max_ms <<<"$stderr")" -ge 0 ]
	run --separate-stderr bash -c "pcap-rtp-extract -r '$T/r.cap' --stream 1 | rtp-ps-demux --stats --reorder 0 -o '$T/o0'"
	assert_status 0
	[ "$(jq .dropped_frames <<<"$stderr")" -gt 0 ]
	assert_json_eq "$stderr" .reorder_waited 0
	# -v says which window was used
	run --separate-stderr rtp-ps-demux -v -o "$T/o1" "$T/x.rtp"
	assert_contains "$stderr" "reorder window 64 packets"
}

@test "PS after 1651 bytes of leading garbage is detected (bounded scan); too much garbage is refused" {
	mux "$D/v.264"
	python3 -c 'import random,sys; r=random.Random(5); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(1651)))' > "$T/g"
	cat "$T/g" "$T/x.ps" > "$T/gx.ps"
	run --separate-stderr rtp-ps-demux --stats -o "$T/o" "$T/gx.ps"
	assert_status 0
	cmp "$T/o" "$D/v.264"
	assert_contains "$stderr" "1651 bytes before the first MPEG-PS pack header skipped"
	assert_json_eq "$(grep '^{' <<<"$stderr")" .framing ps
	# from a pipe as well
	run --separate-stderr bash -c "cat '$T/gx.ps' | rtp-ps-demux -o '$T/o2'"
	assert_status 0
	cmp "$T/o2" "$D/v.264"
	# the scan is bounded: 100 KiB of garbage first is not PS
	head -c 102400 /dev/zero | tr '\0' 'x' > "$T/g2"
	cat "$T/g2" "$T/x.ps" > "$T/g2x.ps"
	run --separate-stderr rtp-ps-demux -o "$T/o3" "$T/g2x.ps"
	assert_status 65
	[ ! -s "$T/o3" ]
}

@test "raw RTP packets back to back (no length prefix) are detected and split" {
	mux "$D/v.264"
	# strip the RFC 4571 length prefixes
	python3 "$TOOLS/rtp-unframe" 4571 "$T/x.rtp" "$T/raw.rtp"
	[ "$(head -c 1 "$T/raw.rtp" | od -An -tx1 | tr -d ' ')" = 80 ]
	run --separate-stderr rtp-ps-demux --stats -o "$T/o" "$T/raw.rtp"
	assert_status 0
	cmp "$T/o" "$D/v.264"
	local js; js=$(grep '^{' <<<"$stderr")
	assert_json_eq "$js" .framing raw-rtp
	assert_json_eq "$js" .lost 0
	run --separate-stderr bash -c "cat '$T/raw.rtp' | rtp-ps-demux -o '$T/o2'"
	assert_status 0
	cmp "$T/o2" "$D/v.264"
}

@test "a pcap/pcapng or an Annex-B file is named, with the command to use instead" {
	mux "$D/v.264"
	for fmt in pcap pcapng; do
		"$TOOLS/rtp2pcap" --format $fmt -o "$T/c.$fmt" "$T/x.rtp"
		run --separate-stderr rtp-ps-demux -o "$T/o" "$T/c.$fmt"
		assert_status 65
		assert_contains "$stderr" "pcap/pcapng capture"
		assert_contains "$stderr" "pcap-rtp-extract -r FILE --stream N | rtp-ps-demux"
		[ ! -s "$T/o" ]
	done
	for es in v.264 v.265; do
		run --separate-stderr rtp-ps-demux -o "$T/o" "$D/$es"
		assert_status 65
		assert_contains "$stderr" "Annex-B elementary stream"
	done
}

@test "the not-PS hint names only what it has evidence for (PT 0 is G.711; 01 00 00 00 + counter is not RFC 6184)" {
	require_shared data/pcap-samples/rtptools-bark.rtp
	run --separate-stderr rtp-ps-demux -o "$T/o" "$SHARED/data/pcap-samples/rtptools-bark.rtp"
	assert_status 65
	assert_contains "$stderr" "G.711 u-law"
	! grep -q "private framing" <<<"$stderr"
	# a vendor's private header (Hikvision's own format starts 01 00 00 00)
	python3 "$TOOLS/rtp-private" "$T/hik.rtp" 01000000 0x0396A9CA --counter
	run --separate-stderr rtp-ps-demux -o "$T/o" "$T/hik.rtp"
	assert_status 65
	assert_contains "$stderr" "01 00 00 00"
	! grep -q "RFC 6184" <<<"$stderr"
	# an unknown payload: the bytes, no guess
	python3 "$TOOLS/rtp-private" "$T/unk.rtp" e7551234 7
	run --separate-stderr rtp-ps-demux -o "$T/o" "$T/unk.rtp"
	assert_status 65
	assert_contains "$stderr" "e7 55 12 34"
	assert_contains "$stderr" "no known format"
}

@test "a full stdout is reported once" {
	[ -w /dev/full ] || skip "no /dev/full"
	mux "$D/v.264" --loop 20
	run --separate-stderr bash -c "rtp-ps-demux '$T/x.rtp' >/dev/full"
	assert_status 74
	[ "$(grep -c 'No space left' <<<"$stderr")" = 1 ]
	run --separate-stderr bash -c "rtp-ps-demux --ps '$T/x.ps' >/dev/full"
	assert_status 74
	[ "$(grep -c 'No space left' <<<"$stderr")" = 1 ]
}

@test "a reader that goes away (EPIPE, | head -c 100) is a clean stop: 0, nothing on stderr" {
	mux "$D/v.264" --loop 20
	rtp-ps-demux "$T/x.rtp" 2>/dev/null | head -c 100 > "$T/want"
	for args in "'$T/x.rtp'" "--ps '$T/x.ps'" "- < '$T/x.rtp'"; do
		run --separate-stderr bash -c "rtp-ps-demux $args | head -c 100 > '$T/h'; exit \${PIPESTATUS[0]}"
		assert_status 0
		[ -z "$stderr" ]
		cmp "$T/h" "$T/want"
	done
	# -o a FIFO whose reader leaves early: the same
	mkfifo "$T/fifo"
	head -c 100 "$T/fifo" > "$T/h" &
	run --separate-stderr rtp-ps-demux -o "$T/fifo" "$T/x.rtp"
	wait
	assert_status 0
	[ -z "$stderr" ]
	cmp "$T/h" "$T/want"
}

@test "public capture: its H.264 stream as raw RTP back to back is split and named RFC 6184, not refused blind" {
	require_shared data/pcap-samples/vzvca-h264.pcap
	command -v pcap-rtp-extract >/dev/null || { [ "${CI:-}" != true ] && skip "pcap-rtp-extract not built"; }
	pcap-rtp-extract -r "$SHARED/data/pcap-samples/vzvca-h264.pcap" --stream 1 --rtpdump > "$T/h.dump"
	# rtpdump records to raw packets: the common dump format with no lengths
	python3 "$TOOLS/rtp-unframe" rtpdump "$T/h.dump" "$T/raw.rtp"
	run --separate-stderr rtp-ps-demux --stats -o "$T/o" "$T/raw.rtp"
	assert_status 65
	local js; js=$(grep '^{' <<<"$stderr")
	assert_json_eq "$js" .framing raw-rtp
	# split where the packets were: the sequence runs on (the capture lost
	# one packet, tshark says), the demuxer gives up after 256 KiB of non-PS
	[ "$(jq .rtp_packets <<<"$js")" -gt 300 ]
	[ "$(jq .lost <<<"$js")" -le 1 ]
	assert_json_eq "$js" .duplicates 0
	assert_json_eq "$js" .ssrc "$(( $(pcap-rtp-extract -r "$SHARED/data/pcap-samples/vzvca-h264.pcap" --format json | jq -r .ssrc) ))"
	assert_contains "$stderr" "looks like RFC 6184 H.264"
	[ ! -s "$T/o" ]
}
