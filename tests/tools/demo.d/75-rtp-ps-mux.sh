# demo: rtp-ps-mux: a file streamed as a GB28181 camera does, and back
set -euo pipefail
T=${DEMO_TMP:-$(mktemp -d)}
ffmpeg -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=25 -t 2 \
    -c:v libx265 -x265-params log-level=error:keyint=25 -f hevc "$T/mux.h265"
ffmpeg -loglevel error -y -f lavfi -i sine=frequency=440:duration=2 -ar 8000 -ac 1 -f alaw "$T/mux.alaw"
echo "\$ rtp-ps-mux --audio mux.alaw mux.h265 | rtp-ps-demux --audio back.alaw > back.h265"
rtp-ps-mux --audio "$T/mux.alaw" "$T/mux.h265" | rtp-ps-demux --audio "$T/back.alaw" > "$T/back.h265"
cmp "$T/back.h265" "$T/mux.h265" && cmp "$T/back.alaw" "$T/mux.alaw" &&
	echo "video and audio came back byte for byte"
# TCP passive, paced like a camera: the receiver connects to the port we report
echo "\$ rtp-ps-mux --realtime --ssrc 0x0396A9CA --port-file port mux.h265 tcp-listen://127.0.0.1:0 &"
rm -f "$T/port"
rtp-ps-mux --realtime --ssrc 0x0396A9CA --port-file "$T/port" "$T/mux.h265" tcp-listen://127.0.0.1:0 &
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
echo "\$ rtp-ps-demux tcp://127.0.0.1:\$(cat port) | ffprobe -show_entries stream=codec_name,width,height,nb_read_frames -count_frames -"
rtp-ps-demux "tcp://127.0.0.1:$(cat "$T/port")" 2>/dev/null |
	ffprobe -v error -count_frames -show_entries stream=codec_name,width,height,nb_read_frames -of compact=p=0 -
wait
echo "\$ rtp-ps-mux --ps mux.h265 | ffmpeg -f mpeg -i - -c copy -f hevc - | cmp - mux.h265"
rtp-ps-mux --ps "$T/mux.h265" | ffmpeg -v error -f mpeg -i - -c copy -f hevc - | cmp - "$T/mux.h265" &&
	echo "ffmpeg's demuxer agrees"
