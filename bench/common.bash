# bench/common.bash: what the media benchmarks share (source it).
#
#   bench_init TOOL        strict mode, cd to the top of the tree, BIN = the
#                          built TOOL (made when missing), tmp = a temp dir
#                          removed on exit
#   bench_clip             $tmp/v.264: 4 s of 1280x720 H.264 at 12 Mb/s; sets
#                          LOOPS, the copies of it that make BENCH_MB MB
#                          (default 110: over the 100 MB the goals speak of)
#   best N CMD...          best of N wall-clock seconds of CMD
#   rate BYTES SECONDS     MB/s
#   ratio A B              A / B, two decimals
#   bench_servers          for benchmarks that start servers: T = a temp
#                          dir, PIDS = processes killed and reaped (then T
#                          removed) on exit, 65536 descriptors if allowed,
#                          TCK = clock ticks per second for cpu_ticks PID
#                          (user + system ticks of a process, 0 once gone)

bench_init() {
	set -euo pipefail
	cd "$(dirname "${BASH_SOURCE[0]}")/.."
	BUILD=${BUILD:-build}
	BIN=$PWD/$BUILD/bin/$1
	[ -x "$BIN" ] || make -s "$BUILD/bin/$1"
	MB=${BENCH_MB:-110}
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
}

bench_clip() {
	ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=25:duration=4 \
		-c:v libx264 -preset ultrafast -g 50 -bf 0 -b:v 12M -f h264 "$tmp/v.264"
	LOOPS=$(( MB * 1048576 / $(stat -c %s "$tmp/v.264") + 1 ))
}

best() {
	local n=$1 t b=999999 s; shift
	for _ in $(seq "$n"); do
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1
		t=$(echo "$(date +%s.%N) - $s" | bc -l)
		b=$(echo "if ($t < $b) $t else $b" | bc -l)
	done
	echo "$b"
}

rate() { echo "scale=1; $1 / 1048576 / $2" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }

bench_servers() {
	T=$(mktemp -d)
	PIDS=()
	trap bench_servers_cleanup EXIT
	ulimit -n 65536 2>/dev/null || true
	TCK=$(getconf CLK_TCK)
}

bench_servers_cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
