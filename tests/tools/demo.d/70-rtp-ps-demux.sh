# demo: rtp-ps-demux: get the video back from a GB28181 PS-over-RTP capture with loss
set -euo pipefail
T=${DEMO_TMP:-$(mktemp -d)}
ffmpeg -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=25 -t 4 \
    -c:v libx264 -g 25 -bf 0 -f h264 "$T/cam.h264"
ffmpeg -loglevel error -y -f lavfi -i sine=frequency=440:duration=4 -ar 8000 -ac 1 -f alaw "$T/cam.alaw"
# The camera's stream: H.264 + G.711 in PS, split key frames, non-0xFF pack
# stuffing, 2% packet loss; psmux lists the frames that lost packets.
tests/tools/psmux "$T/cam.h264" --audio "$T/cam.alaw" --pes-max 4000 --stuffing fffa \
    --loss 2 --seed 3 --rtp "$T/cam.rtp" --lost "$T/cam.lost" --intact "$T/cam.intact" 2>/dev/null
if command -v pcap-rtp-extract >/dev/null && [ -x tests/tools/rtp2pcap ]; then
	tests/tools/rtp2pcap --sip --format pcapng -o "$T/cam.pcapng" "$T/cam.rtp"
	echo "\$ pcap-rtp-extract -r cam.pcapng | jq -c '{ssrc,encoding,packets,lost}'"
	pcap-rtp-extract -r "$T/cam.pcapng" | jq -c '{ssrc,encoding,packets,lost}'
	echo "\$ pcap-rtp-extract -r cam.pcapng --stream 1 | rtp-ps-demux --audio cam.g711 -o cam.out.h264"
	pcap-rtp-extract -r "$T/cam.pcapng" --stream 1 | rtp-ps-demux --audio "$T/cam.g711" -o "$T/cam.out.h264"
else
	echo "\$ rtp-ps-demux --audio cam.g711 -o cam.out.h264 < cam.rtp"
	rtp-ps-demux --audio "$T/cam.g711" -o "$T/cam.out.h264" < "$T/cam.rtp"
fi
echo "frames that lost packets (psmux side file): $(wc -l < "$T/cam.lost")"
cmp "$T/cam.out.h264" "$T/cam.intact" && echo "every frame written is byte-identical to the camera's"
echo "\$ ffprobe -show_entries stream=codec_name,width,height,nb_read_frames -count_frames cam.out.h264"
ffprobe -v error -count_frames -show_entries stream=codec_name,width,height,nb_read_frames -of compact=p=0 "$T/cam.out.h264"
