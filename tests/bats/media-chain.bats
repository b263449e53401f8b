#!/usr/bin/env bats
# media-chain: what goes in comes out byte-identical through every path.
# An H.264 or H.265 elementary stream from ffmpeg goes through rtp-ps-mux to
# udp:// or tcp:// on the loopback of a network namespace of the test's own,
# where tcpdump captures it; it must come back identical (cmp) from the live
# receiver (rtp-ps-demux udp:// or tcp-listen://) and from the capture
# (pcap-rtp-extract --stream 1 | rtp-ps-demux). tshark judges the capture
# (0 lost for UDP; no lost or retransmitted TCP segments, and its own TCP
# reassembly of the stream demuxes to the same ES). A copy of the capture
# with one byte of carried media flipped must not give the ES back, so the
# comparison is shown to be real.
bats_require_minimum_version 1.5.0
load helpers
load media

setup_file() {
	command -v ffmpeg >/dev/null || return 0
	local d=$BATS_FILE_TMPDIR
	es "$d/v.264" h264 2 -preset veryfast -bf 2
	es "$d/v.265" h265 2
}

setup() {
	require_root
	require_cmd ffmpeg tcpdump tshark ip python3 jq
	D=$BATS_FILE_TMPDIR
	T=$BATS_TEST_TMPDIR
	source "$TOOLS/netns.sh"
	netns_init
	NS=$NETNS_SW
}

teardown() {
	teardown_peers
	netns_cleanup
}

in_ns() { ip netns exec "$NS" "$@"; }
# (background peers run ip netns exec themselves, not through in_ns: the
# pid of a backgrounded function is a subshell's, which a signal to it
# would not reach the peer through)

# capture_start FILTER: tcpdump on the namespace's lo into $T/cap.pcap.
# Immediate mode (packets are written at once) has a ring of fixed-size
# slots, one per packet: 64 MiB of them, so a burst on a loaded machine
# does not overflow it (capture_stop checks that nothing was dropped).
capture_start() {
	ip netns exec "$NS" timeout 60 tcpdump -i lo -n -U --immediate-mode -s 65535 -B 65536 -w "$T/cap.pcap" "$@" 2> "$T/tcpdump.err" &
	CAP_PID=$!
	PEER_PIDS+=("$CAP_PID")
	wait_for_grep "listening on" "$T/tcpdump.err" 10
}

# capture_stop: tcpdump ends and says it dropped nothing. It is stopped once
# its file has not grown for a second (at most 15 s): a signal ends it at
# once, and packets still in the kernel's buffer would be lost.
capture_stop() {
	local n=-1 same=0 t=150
	while [ $same -lt 10 ] && [ $t -gt 0 ]; do
		if [ "$(stat -c %s "$T/cap.pcap")" = "$n" ]; then same=$((same + 1)); else same=0; fi
		n=$(stat -c %s "$T/cap.pcap")
		sleep 0.1; t=$((t - 1))
	done
	kill -INT "$CAP_PID"
	wait "$CAP_PID" || true
	cat "$T/tcpdump.err"
	grep -q "^0 packets dropped by kernel" "$T/tcpdump.err"
}

# receiver URL: the live rtp-ps-demux in the namespace, writing $T/live.es;
# sets RX_PID and PORT
receiver() {
	ip netns exec "$NS" timeout 60 rtp-ps-demux -v --timeout 3s -o "$T/live.es" "$1" 2> "$T/rx.err" &
	RX_PID=$!
	PEER_PIDS+=("$RX_PID")
	wait_for_grep "listening on" "$T/rx.err" 10
	PORT=$(sed -n 's/.*listening on [a-z-]*:.*:\([0-9]*\)$/\1/p' "$T/rx.err")
	[ -n "$PORT" ]
}

# same ES OUT: OUT is ES byte for byte, and ES with one byte flipped is not
same() {
	[ "$(stat -c %s "$1")" -gt 10000 ]
	cmp "$2" "$1"
	python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[len(d) // 2] ^= 1
open(sys.argv[2], "wb").write(d)' "$1" "$T/flipped.es"
	! cmp -s "$T/flipped.es" "$2"
}

# from_capture PCAP OUT: pcap-rtp-extract's stream 1, demuxed
from_capture() {
	pcap-rtp-extract -r "$1" --stream 1 -o "$T/x.rtp"
	rtp-ps-demux -o "$2" "$T/x.rtp"
}

# chain ES udp|tcp MUX-OPTIONS...: the whole chain, every comparison
chain() {
	local es=$1 proto=$2; shift 2
	if [ "$proto" = udp ]; then
		capture_start udp
		receiver udp://127.0.0.1:0
	else
		capture_start tcp
		receiver tcp-listen://127.0.0.1:0
	fi
	run --separate-stderr in_ns timeout 60 rtp-ps-mux --stats --ssrc 0x0396A9CA "$@" "$es" "$proto://127.0.0.1:$PORT"
	assert_status 0
	sent=$(echo "$stderr" | jq -r 'select(.type == "summary") | .rtp_packets')
	wait "$RX_PID"
	capture_stop

	# live: the receiver got it all
	same "$es" "$T/live.es"

	# capture: our extractor, then the demuxer
	from_capture "$T/cap.pcap" "$T/cap.es"
	same "$es" "$T/cap.es"
	run pcap-rtp-extract -r "$T/cap.pcap" --format json
	assert_status 0
	[ "$(echo "$output" | wc -l)" = 1 ]
	assert_json_eq "$output" .transport "$proto"
	assert_json_eq "$output" .ssrc 0x0396A9CA
	assert_json_eq "$output" .lost 0
	packets=$(echo "$output" | jq .packets)
	[ "$packets" -gt 20 ]

	# tshark's view of the same capture
	if [ "$proto" = udp ]; then
		run tshark -r "$T/cap.pcap" -d "udp.port==$PORT,rtp" -q -z rtp,streams
		echo "$output" | grep -E "0x0396A9CA +RTPType-96 +$packets +0 \(0\.0%\)"
		[ "$(tshark -r "$T/cap.pcap" -Y "udp.dstport==$PORT" 2>/dev/null | wc -l)" = "$packets" ]
	else
		[ -z "$(tshark -r "$T/cap.pcap" -Y 'tcp.analysis.lost_segment || tcp.analysis.retransmission || tcp.analysis.ack_lost_segment || _ws.malformed' 2>/dev/null)" ]
		tshark -r "$T/cap.pcap" -q -z follow,tcp,raw,0 > "$T/follow.txt"
		grep -E '^[0-9a-f]+$' "$T/follow.txt" |
			python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().replace("\n", "")))' > "$T/tshark.rtp"
		rtp-ps-demux -o "$T/tshark.es" "$T/tshark.rtp"
		same "$es" "$T/tshark.es"
	fi
	[ "$sent" = "$packets" ]

	# one byte of carried media changed in the capture: not the ES any more
	"$TOOLS/flip-shared-byte" "$es" "$T/cap.pcap" "$T/bad.pcap"
	from_capture "$T/bad.pcap" "$T/bad.es" || true
	! cmp -s "$T/bad.es" "$es"
}

@test "H.264 over udp://: live receiver and capture give the ES back; tshark 0 lost" {
	chain "$D/v.264" udp
}

@test "H.265 over udp:// --realtime: live receiver and capture give the ES back; tshark 0 lost" {
	chain "$D/v.265" udp --realtime
}

@test "H.264 over tcp:// --realtime: live receiver, capture and tshark's TCP reassembly give the ES back" {
	chain "$D/v.264" tcp --realtime
}

@test "H.265 over tcp://: live receiver, capture and tshark's TCP reassembly give the ES back" {
	chain "$D/v.265" tcp
}
