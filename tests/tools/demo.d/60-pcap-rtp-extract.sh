# demo: pcap-rtp-extract: find the RTP streams in a capture, check loss and jitter, pull one out
set -euo pipefail
T=${DEMO_TMP:-$(mktemp -d)}
G=tests/tools/rtp2pcap
# A GB28181-style PS stream when ffmpeg and psmux are there, else synthetic RTP.
if command -v ffmpeg >/dev/null && [ -x tests/tools/psmux ]; then
	ffmpeg -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=25 -t 4 \
	    -c:v libx264 -g 25 -bf 0 -f h264 "$T/demo.h264"
	tests/tools/psmux --rtp "$T/demo.rtp" --es "$T/demo.es" "$T/demo.h264" 2>/dev/null
else
	$G synth -o "$T/demo.rtp" --packets 500
fi
$G synth -o "$T/other.rtp" --packets 300 --ssrc 0x1234 --pt 8 --seed 7
# A capture with SIP/SDP, 802.1Q, 2% loss and some reordering on the second stream.
$G --sip --link vlan --format pcapng -o "$T/demo.pcapng" "$T/demo.rtp"
$G --loss 2 --reorder 2 --seed 9 -o "$T/other.pcap" "$T/other.rtp"
echo "\$ pcap-rtp-extract -r demo.pcapng --format table"
pcap-rtp-extract -r "$T/demo.pcapng" --format table
echo "\$ pcap-rtp-extract -r other.pcap | jq -c '{ssrc,packets,lost,out_of_order,max_delta_ms}'"
pcap-rtp-extract -r "$T/other.pcap" | jq -c '{ssrc,packets,lost,out_of_order,max_delta_ms}'
echo "\$ pcap-rtp-extract -r demo.pcapng --stream 1 > demo-extracted.rtp"
pcap-rtp-extract -r "$T/demo.pcapng" --stream 1 >"$T/demo-extracted.rtp"
cmp "$T/demo-extracted.rtp" "$T/demo.rtp" && echo "extracted stream is byte-identical to the generator's RTP"
# left for the next part (rtp-ps-demux): $DEMO_TMP/demo.pcapng, demo-extracted.rtp
