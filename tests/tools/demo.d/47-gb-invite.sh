# demo: gb-invite: a simulated camera (gb-register --media) streams; gb-invite fetches it live over TCP and plays back a recording
set -euo pipefail
T=${DEMO_TMP:-$(mktemp -d)}
export GB_PASSWORD=demo-secret
ffmpeg -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=25 -t 2 \
    -c:v libx264 -preset ultrafast -g 25 -bf 0 -f h264 "$T/cam.h264"
gb-register --listen 127.0.0.1:0 --port-file "$T/reg.port" --keepalive 60s >"$T/reg.out" 2>/dev/null &
reg=$!
for _ in $(seq 100); do [ -s "$T/reg.port" ] && break; sleep 0.05; done
echo "\$ gb-register --server 34020000002000000001@127.0.0.1:$(cat "$T/reg.port") --device-id 34020000001320000001 --media cam.h264 --records 3 &"
gb-register --server "34020000002000000001@127.0.0.1:$(cat "$T/reg.port")" \
	--device-id 34020000001320000001 --media "$T/cam.h264" --records 3 >"$T/cam.out" 2>/dev/null &
cam=$!
for _ in $(seq 100); do grep -q '"registered"' "$T/cam.out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*"registered".*"local_port":\([0-9]*\).*/\1/p' "$T/cam.out" | head -n 1)
echo "\$ gb-invite --transport tcp-passive --duration 2s sip:34020000001320000001@127.0.0.1:$port | rtp-ps-demux | ffprobe -count_frames -"
gb-invite --transport tcp-passive --duration 2s --events "$T/live.ev" \
	"sip:34020000001320000001@127.0.0.1:$port" | rtp-ps-demux 2>/dev/null |
	ffprobe -v error -count_frames -show_entries stream=codec_name,width,height,nb_read_frames -of compact=p=0 -
echo "\$ gb-catalog --query RecordInfo --start ... --end ... sip:34020000001320000001@127.0.0.1:$port | head -n 1"
gb-catalog --query RecordInfo --start "$(date -d @$(( $(date +%s) - 90000 )) +%Y-%m-%dT%H:%M:%S)" \
	--end "$(date +%Y-%m-%dT%H:%M:%S)" "sip:34020000001320000001@127.0.0.1:$port" >"$T/records"
rec=$(sed -n 1p "$T/records")
echo "$rec"
s=$(sed -n 's/.*"start_time":"\([^"]*\)".*/\1/p' <<<"$rec")
e=$(sed -n 's/.*"end_time":"\([^"]*\)".*/\1/p' <<<"$rec")
echo "\$ gb-invite --playback --start $s --end $e sip:... | rtp-ps-demux | cmp - cam.h264"
gb-invite --playback --start "$s" --end "$e" --events "$T/pb.ev" \
	"sip:34020000001320000001@127.0.0.1:$port" | rtp-ps-demux 2>/dev/null | cmp - "$T/cam.h264" &&
	echo "the recording came back byte for byte; the camera ended it with:"
grep media_status "$T/pb.ev"
kill -TERM "$cam"; wait "$cam" 2>/dev/null || true
kill "$reg"; wait "$reg" 2>/dev/null || true
