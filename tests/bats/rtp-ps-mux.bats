#!/usr/bin/env bats
# rtp-ps-mux: known answers (rtp-ps-demux gives the ES and the audio back
# byte for byte), ffmpeg's mpeg demuxer and ffprobe as independent peers for
# the PS, tshark for the RTP on loopback and through rtp2pcap, every
# destination kind, every option, and bad input.
bats_require_minimum_version 1.5.0
load helpers
load media

teardown() { teardown_peers; }

setup_file() {
	command -v ffmpeg >/dev/null || return 0
	local d=$BATS_FILE_TMPDIR
	es "$d/v.264" h264 3 -preset veryfast -bf 2
	es "$d/v.265" h265
	# key frames far over one PES (65000 bytes)
	ffmpeg -v error -y -f lavfi -i testsrc=size=640x360:rate=10:duration=1 -vf noise=alls=40:allf=t \
		-c:v libx264 -preset ultrafast -qp 20 -g 5 -f h264 "$d/big.264"
	g711 "$d/a.alaw" alaw
	g711 "$d/a.ulaw" mulaw
	ffmpeg -v error -y -f lavfi -i sine=frequency=440:duration=3 -ar 44100 -ac 1 -c:a aac -f adts "$d/a.aac"
}

setup() {
	media_setup
}

# rtpinfo FILE: facts about an RFC 4571 stream as one JSON object
rtpinfo() { "$TOOLS/rtp-info" "$1"; }

frames() {
	ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames -of csv=p=0 "$1"
}

@test "usage: no input or two destinations -> 64, bad values -> 64, missing file -> 66, garbage -> 65" {
	run --separate-stderr rtp-ps-mux
	assert_status 64
	assert_contains "$stderr" "try 'rtp-ps-mux --help'"
	for a in "--fps 0" "--fps 300" "--fps x" "--ssrc 0x1FFFFFFFF" "--payload 63" "--payload 65001" \
	    "--audio-codec opus" "--timeout soon" "--port-file $T/p" "--bogus"; do
		run --separate-stderr rtp-ps-mux $a "$D/v.264"
		assert_status 64
	done
	run --separate-stderr rtp-ps-mux -o "$T/x" "$D/v.264" "$T/y"
	assert_status 64
	run --separate-stderr rtp-ps-mux "$D/v.264" ftp://127.0.0.1:1
	assert_status 64
	run --separate-stderr rtp-ps-mux --ps "$D/v.264" udp://127.0.0.1:9
	assert_status 64
	run --separate-stderr rtp-ps-mux "$T/nope.h264"
	assert_status 66
	assert_contains "$stderr" "nope.h264"
	run --separate-stderr rtp-ps-mux --audio "$T/nope.alaw" "$D/v.264"
	assert_status 66
	head -c 5000 /dev/urandom > "$T/garbage"
	run --separate-stderr rtp-ps-mux -o "$T/out" "$T/garbage"
	assert_status 65
	assert_contains "$stderr" "not an Annex-B"
	: > "$T/empty"
	run --separate-stderr rtp-ps-mux -o "$T/out" "$T/empty"
	assert_status 65
	# an ADTS file cut in the middle of a frame
	head -c 1000 "$D/a.aac" > "$T/cut.aac"
	run --separate-stderr rtp-ps-mux -o "$T/out" --audio "$T/cut.aac" "$D/v.264"
	assert_status 65
	assert_contains "$stderr" "cut.aac"
}

@test "refuses to write media to a terminal; --help lists every option" {
	run --separate-stderr script -qec "rtp-ps-mux $D/v.264" /dev/null
	assert_status 64
	assert_contains "$output" "terminal"
	run --separate-stderr rtp-ps-mux --help
	assert_status 0
	for o in output audio audio-codec ps rtpdump fps ssrc payload realtime loop port-file timeout stats; do
		assert_contains "$output" "--$o"
	done
}

@test "H.264 (B-frames) and H.265: rtp-ps-demux gives the ES back byte for byte; stdin input" {
	rtp-ps-mux "$D/v.264" | rtp-ps-demux > "$T/o.264"
	cmp "$T/o.264" "$D/v.264"
	rtp-ps-mux "$D/v.265" | rtp-ps-demux > "$T/o.265"
	cmp "$T/o.265" "$D/v.265"
	cat "$D/v.264" | rtp-ps-mux - | rtp-ps-demux > "$T/o2.264"
	cmp "$T/o2.264" "$D/v.264"
}

@test "RTP: PT 96, marker on each frame's last packet, payloads <= 1400, sequence, SSRC, 25 fps from the SPS" {
	rtp-ps-mux --ssrc 0x0396A9CA "$D/v.264" > "$T/x.rtp"
	run rtpinfo "$T/x.rtp"
	assert_json_eq "$output" '.truncated' false
	assert_json_eq "$output" '.version|tostring' '[2]'
	assert_json_eq "$output" '.pt|tostring' '[96]'
	assert_json_eq "$output" '.ssrc|tostring' '[60205514]'
	assert_json_eq "$output" '.markers' 75
	assert_json_eq "$output" '.last_marked' true
	assert_json_eq "$output" '.max_payload' 1400
	assert_json_eq "$output" '.seq_ok' true
	assert_json_eq "$output" '.steps|tostring' '[3600]'
	assert_json_eq "$output" '.psm_packs' 3
	# --payload and --fps
	rtp-ps-mux --payload 500 --fps 10 "$D/v.264" > "$T/y.rtp"
	run rtpinfo "$T/y.rtp"
	assert_json_eq "$output" '.max_payload' 500
	assert_json_eq "$output" '.steps|tostring' '[9000]'
	assert_json_eq "$output" '.markers' 75
	rtp-ps-demux < "$T/y.rtp" | cmp - "$D/v.264"
}

@test "--ps: ffmpeg's mpeg demuxer gives the same ES; ffprobe decodes every frame" {
	rtp-ps-mux --ps "$D/v.264" > "$T/x.ps"
	ffmpeg -v error -f mpeg -i "$T/x.ps" -c copy -f h264 - | cmp - "$D/v.264"
	run frames "$T/x.ps"
	[ "$output" = 75 ]
	[ -z "$(ffprobe -v error -count_frames -show_entries stream=nb_read_frames "$T/x.ps" 2>&1 >/dev/null)" ]
	rtp-ps-mux --ps "$D/v.265" -o "$T/y.ps"
	ffmpeg -v error -f mpeg -i "$T/y.ps" -c copy -f hevc - | cmp - "$D/v.265"
	run ffprobe -v error -show_entries stream=codec_name,width,height -of csv=p=0 "$T/y.ps"
	[ "$output" = "hevc,320,240" ]
	rtp-ps-demux --ps "$T/y.ps" | cmp - "$D/v.265"
	# B-frames: DTS in decode order, PTS in display order (ffprobe's decoded
	# frames come out with strictly increasing PTS, one frame step apart)
	run bash -c "ffprobe -v error -show_entries packet=pts,dts -of csv=p=0 '$T/x.ps' | awk -F, '\$2 != \"N/A\" && \$1 > \$2' | wc -l"
	[ "$output" -gt 10 ]
	run bash -c "ffprobe -v error -show_entries frame=pts -of csv=p=0 '$T/x.ps' | tr -d , | grep . | awk 'NR > 1 && \$1 != p + 3600 { bad++ } { p = \$1 } END { print bad + 0, NR }'"
	[ "$output" = "0 75" ]
}

@test "large key frames go into several PES and come back whole (ffmpeg and rtp-ps-demux)" {
	[ "$(stat -c %s "$D/big.264")" -gt 300000 ]
	rtp-ps-mux --ps "$D/big.264" > "$T/big.ps"
	n=$(python3 -c 'import sys; print(open(sys.argv[1],"rb").read().count(b"\x00\x00\x01\xe0"))' "$T/big.ps")
	[ "$n" -gt 10 ]
	ffmpeg -v error -f mpeg -i "$T/big.ps" -c copy -f h264 - | cmp - "$D/big.264"
	rtp-ps-mux "$D/big.264" | rtp-ps-demux | cmp - "$D/big.264"
	run frames "$T/big.ps"
	[ "$output" = 10 ]
}

@test "--audio: G.711 A-law, µ-law and AAC come back from rtp-ps-demux --audio; ffmpeg reads the AAC" {
	rtp-ps-mux --audio "$D/a.alaw" "$D/v.264" | rtp-ps-demux --stats --audio "$T/o.alaw" > "$T/o.264" 2> "$T/st"
	cmp "$T/o.264" "$D/v.264"
	cmp "$T/o.alaw" "$D/a.alaw"
	assert_json_eq "$(cat "$T/st")" .audio_codec pcm_alaw
	rtp-ps-mux --audio "$D/a.ulaw" "$D/v.265" | rtp-ps-demux --stats --audio "$T/o.ulaw" > "$T/o.265" 2> "$T/st"
	cmp "$T/o.265" "$D/v.265"
	cmp "$T/o.ulaw" "$D/a.ulaw"
	assert_json_eq "$(cat "$T/st")" .audio_codec pcm_mulaw
	# the name decides before the content: µ-law that starts like ADTS
	{ printf '\377\361\120\200\002\037\374'; cat "$D/a.ulaw"; } > "$T/adtsish.ulaw"
	rtp-ps-mux --audio "$T/adtsish.ulaw" "$D/v.264" | rtp-ps-demux --stats --audio "$T/o2.ulaw" 2> "$T/st" > /dev/null
	cmp "$T/o2.ulaw" "$T/adtsish.ulaw"
	assert_json_eq "$(cat "$T/st")" .audio_codec pcm_mulaw
	# --audio-codec overrides the name
	rtp-ps-mux --audio-codec pcm_mulaw --audio "$D/a.alaw" "$D/v.264" | rtp-ps-demux --stats --audio /dev/null 2> "$T/st" > /dev/null
	assert_json_eq "$(cat "$T/st")" .audio_codec pcm_mulaw
	rtp-ps-mux --audio "$D/a.aac" "$D/v.264" | rtp-ps-demux --audio "$T/o.aac" > "$T/o.264"
	cmp "$T/o.264" "$D/v.264"
	cmp "$T/o.aac" "$D/a.aac"
	rtp-ps-mux --ps --audio "$D/a.aac" "$D/v.264" > "$T/a.ps"
	ffmpeg -v error -f mpeg -i "$T/a.ps" -map 0:a -c copy -f adts - | cmp - "$D/a.aac"
	ffmpeg -v error -f mpeg -i "$T/a.ps" -map 0:v -c copy -f h264 - | cmp - "$D/v.264"
	run ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$T/a.ps"
	assert_contains "$output" "aac"
	# audio packs are RTP frames of their own, in time order
	rtp-ps-mux --audio "$D/a.alaw" "$D/v.264" > "$T/x.rtp"
	run rtpinfo "$T/x.rtp"
	assert_json_eq "$output" '.markers' $((75 + 75))
}

@test "--rtpdump: rtp-ps-demux reads it back" {
	rtp-ps-mux --rtpdump "$D/v.264" > "$T/x.rtpdump"
	[ "$(head -c 12 "$T/x.rtpdump")" = "#!rtpplay1.0" ]
	rtp-ps-demux "$T/x.rtpdump" | cmp - "$D/v.264"
}

@test "udp://: tshark on loopback sees clean RTP (0 lost, PT 96, markers, SSRC); rtp-ps-demux gets the ES" {
	require_cmd tshark
	rtp-ps-demux -v --timeout 3s udp://127.0.0.1:0 > "$T/u.264" 2> "$T/d.err" &
	PEER_PIDS+=($!)
	wait_for_grep "listening on udp" "$T/d.err" 10
	port=$(sed -n 's/.*listening on udp:.*:\([0-9]*\)$/\1/p' "$T/d.err")
	tshark -i lo -f "udp port $port" -w "$T/cap.pcap" > "$T/tshark.out" 2>&1 &
	PEER_PIDS+=($!)
	wait_for_grep "Capturing on" "$T/tshark.out" 10; sleep 0.3
	run --separate-stderr rtp-ps-mux --ssrc 0x0396A9CA "$D/v.264" "udp://127.0.0.1:$port"
	assert_status 0
	wait "${PEER_PIDS[0]}"
	cmp "$T/u.264" "$D/v.264"
	sleep 0.5
	kill "${PEER_PIDS[1]}"; wait "${PEER_PIDS[1]}" || true
	run tshark -r "$T/cap.pcap" -d "udp.port==$port,rtp" -q -z rtp,streams
	assert_contains "$output" "0x0396A9CA"
	n=$(rtp-ps-mux "$D/v.264" | python3 -c 'import sys,struct; d=sys.stdin.buffer.read(); i=c=0
while i<len(d): i+=2+struct.unpack(">H",d[i:i+2])[0]; c+=1
print(c)')
	echo "$output" | grep -E "RTPType-96 +$n +0 \(0\.0%\)"
	run tshark -r "$T/cap.pcap" -d "udp.port==$port,rtp" -T fields -e rtp.marker -Y rtp.marker==1
	[ "$(echo "$output" | grep -c 1)" = 75 ]
	[ -z "$(tshark -r "$T/cap.pcap" -d "udp.port==$port,rtp" -Y '_ws.malformed || _ws.expert.severity >= 6291456' 2>/dev/null)" ]
}

@test "rtp2pcap: tshark reads the RFC 4571 output as clean RTP" {
	require_cmd tshark
	rtp-ps-mux --audio "$D/a.alaw" --ssrc 1234 "$D/v.265" > "$T/x.rtp"
	"$TOOLS/rtp2pcap" -o "$T/x.pcap" "$T/x.rtp"
	run tshark -r "$T/x.pcap" -d udp.port==30000,rtp -q -z rtp,streams
	echo "$output" | grep -E "0x000004D2 +RTPType-96 +[0-9]+ +0 \(0\.0%\)"
}

@test "tcp://: connects to rtp-ps-demux's tcp-listen; refused -> 69" {
	rtp-ps-demux -v --timeout 5s tcp-listen://127.0.0.1:0 > "$T/t.264" 2> "$T/d.err" &
	PEER_PIDS+=($!)
	wait_for_grep "listening on tcp" "$T/d.err" 10
	port=$(sed -n 's/.*listening on tcp:.*:\([0-9]*\)$/\1/p' "$T/d.err")
	run --separate-stderr rtp-ps-mux --audio "$D/a.alaw" -o "tcp://127.0.0.1:$port" "$D/v.264"
	assert_status 0
	wait "${PEER_PIDS[0]}"
	cmp "$T/t.264" "$D/v.264"
	hold_port tcp	# bound, not listening: refused
	run --separate-stderr rtp-ps-mux "$D/v.264" "tcp://127.0.0.1:$PEER_PORT"
	assert_status 69
	assert_contains "$stderr" "127.0.0.1"
	run --separate-stderr rtp-ps-mux "$D/v.264" "tcp://no-such-host.invalid:5000"
	assert_status 68
}

@test "tcp-listen://: listening record and --port-file; rtp-ps-demux connects; nobody -> 75 after --timeout" {
	rtp-ps-mux --port-file "$T/port" "$D/v.265" tcp-listen://127.0.0.1:0 2> "$T/m.err" &
	PEER_PIDS+=($!)
	wait_for_file "$T/port" 10
	port=$(cat "$T/port")
	assert_json_eq "$(head -n 1 "$T/m.err")" .type listening
	assert_json_eq "$(head -n 1 "$T/m.err")" .port "$port"
	assert_json_eq "$(head -n 1 "$T/m.err")" .url "tcp-listen://127.0.0.1:$port"
	rtp-ps-demux "tcp://127.0.0.1:$port" > "$T/t.265"
	wait "${PEER_PIDS[0]}"
	cmp "$T/t.265" "$D/v.265"
	run --separate-stderr rtp-ps-mux --timeout 1s "$D/v.264" tcp-listen://127.0.0.1:0
	assert_status 75
	assert_json_eq "$(echo "$stderr" | head -n 1)" .type listening
}

@test "tcp://: a receiver that stops reading -> 75 after --timeout" {
	python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
c, _ = s.accept(); time.sleep(30)' "$T/port" &
	PEER_PIDS+=($!)
	wait_for_file "$T/port" 10
	run --separate-stderr rtp-ps-mux --loop --timeout 1s "$D/big.264" "tcp://127.0.0.1:$(cat "$T/port")"
	assert_status 75
	assert_contains "$stderr" "stopped reading"
}

@test "--loop goes on with growing timestamps; --realtime paces by PTS; SIGTERM ends cleanly" {
	size=$(stat -c %s "$D/v.264")
	rtp-ps-mux --loop --ps "$D/v.264" | head -c $((3 * size)) > "$T/l.ps" || true
	rtp-ps-demux --ps "$T/l.ps" > "$T/l.264" 2>/dev/null || true
	cat "$D/v.264" "$D/v.264" > "$T/two.264"
	cmp -n $((2 * size)) "$T/l.264" "$T/two.264"
	rtp-ps-mux --loop "$D/v.264" | head -c $((3 * size)) > "$T/l.rtp" || true
	run rtpinfo "$T/l.rtp"
	assert_json_eq "$output" '.ts_monotonic' true
	# past the first loop
	[ "$(jq .last_ts <<<"$output")" -gt $((75 * 3600)) ]
	# 1 s of video at 25 fps takes at least ~1 s with --realtime
	ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=25:duration=1 -c:v libx264 -preset ultrafast -f h264 "$T/s.264"
	t0=$(date +%s%N)
	rtp-ps-mux --realtime "$T/s.264" > /dev/null
	t1=$(date +%s%N)
	[ $(( (t1 - t0) / 1000000 )) -ge 900 ]
	# SIGTERM: exits 0 after whole packets
	rtp-ps-mux --realtime --loop "$D/v.264" > "$T/r.rtp" &
	pid=$!
	sleep 1
	kill -TERM "$pid"
	wait "$pid"
	run rtpinfo "$T/r.rtp"
	assert_json_eq "$output" '.truncated' false
	assert_json_eq "$output" '.seq_ok' true
}

@test "-o FILE equals stdout; --stats record; -v summary; a full disk -> 74" {
	rtp-ps-mux -o "$T/a.rtp" "$D/v.264"
	rtp-ps-mux "$D/v.264" > "$T/b.rtp"
	cmp "$T/a.rtp" "$T/b.rtp"
	rtp-ps-mux "$D/v.264" "$T/c.rtp"
	cmp "$T/a.rtp" "$T/c.rtp"
	run --separate-stderr rtp-ps-mux --stats --ssrc 7 --audio "$D/a.aac" -o /dev/null "$D/v.264"
	assert_status 0
	assert_json_eq "$stderr" .type summary
	assert_json_eq "$stderr" .codec h264
	assert_json_eq "$stderr" .width 320
	assert_json_eq "$stderr" .frames 75
	assert_json_eq "$stderr" .key_frames 3
	assert_json_eq "$stderr" .fps 25
	assert_json_eq "$stderr" .fps_from_sps true
	assert_json_eq "$stderr" .audio_codec aac
	assert_json_eq "$stderr" .ssrc 7
	run --separate-stderr rtp-ps-mux -v -o /dev/null "$D/v.265"
	assert_status 0
	assert_contains "$stderr" "h265 320x240 25 fps, 75 frames (3 key)"
	run --separate-stderr rtp-ps-mux "$D/v.264" -o /dev/full
	assert_status 74
}

@test "IPv6: udp://[::1] and tcp-listen://[::1]" {
	rtp-ps-demux -v --timeout 3s 'udp://[::1]:0' > "$T/u.264" 2> "$T/d.err" &
	PEER_PIDS+=($!)
	wait_for_grep "listening on udp" "$T/d.err" 10
	port=$(sed -n 's/.*listening on udp:.*:\([0-9]*\)$/\1/p' "$T/d.err")
	run --separate-stderr rtp-ps-mux "$D/v.264" "udp://[::1]:$port"
	assert_status 0
	wait "${PEER_PIDS[0]}"
	cmp "$T/u.264" "$D/v.264"
	rtp-ps-mux --port-file "$T/port" "$D/v.265" 'tcp-listen://[::1]:0' 2> "$T/m.err" &
	PEER_PIDS+=($!)
	wait_for_file "$T/port" 10
	assert_json_eq "$(head -n 1 "$T/m.err")" .url "tcp-listen://[::1]:$(cat "$T/port")"
	rtp-ps-demux "tcp://[::1]:$(cat "$T/port")" 2>/dev/null | cmp - "$D/v.265"
}
