# Shared bats helpers. Load with: load helpers
#
# CAMKIT_BIN is set by tests/run (build/bin or build-san/bin) and is on PATH.
bats_require_minimum_version 1.5.0
ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
: "${CAMKIT_BIN:=$ROOT/build/bin}"
PATH="$CAMKIT_BIN:$PATH"
FIXTURES="$ROOT/tests/fixtures"
TOOLS="$ROOT/tests/tools"
SHARED="$ROOT/../shared"

# require_cmd CMD...: skip when missing, but fail under CI=true (a skipped
# test in CI is a hole).
require_cmd() {
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			if [ "${CI:-}" = true ]; then
				echo "required command '$c' is missing under CI" >&2
				return 1
			fi
			skip "$c not installed"
		fi
	done
}

# require_shared PATH: data under ../shared (present in CI); same policy.
require_shared() {
	if [ ! -e "$SHARED/$1" ]; then
		if [ "${CI:-}" = true ]; then
			echo "missing ../shared/$1 under CI" >&2
			return 1
		fi
		skip "../shared/$1 not present"
	fi
}

# require_root: for network namespaces.
require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		[ "${CI:-}" = true ] && { echo "root required under CI" >&2; return 1; }
		skip "needs root"
	fi
}

# start_peer PORTFILE CMD...: runs CMD in the background; CMD must write the
# port it bound (port 0 → kernel's choice) to PORTFILE. Waits up to 10 s for
# it, sets PEER_PID and PEER_PORT. The peer is killed in teardown_peers.
PEER_PIDS=()
start_peer() {
	local pf=$1; shift
	rm -f "$pf"
	"$@" &
	PEER_PID=$!
	PEER_PIDS+=("$PEER_PID")
	wait_for_file "$pf" 10 || { echo "peer did not start: $*" >&2; return 1; }
	PEER_PORT=$(cat "$pf")
}

# emu [EMULATOR OPTIONS...]: the ONVIF device emulator (tests/tools/onvif-emu)
# on $EMU_BIND (127.0.0.1), port 0 unless $EMU_PORT is set, the port read back
# from its --port-file. Account admin / $EMU_PASSWORD (default secret);
# --profile $EMU_PROFILE unless the options name a --profile. The n-th call
# in a test (or n=$EMU_N) logs requests to emu$n.jsonl ($LOG) and delivered
# events to ev$n.jsonl ($EV) in $BATS_TEST_TMPDIR, stderr to emu.err.
# Sets DEV (host:port) and PEER_PORT/PEER_PID; stopped by teardown_peers.
EMU_COUNT=0
emu() {
	EMU_COUNT=$((EMU_COUNT + 1))
	local n=${EMU_N:-$EMU_COUNT} d=$BATS_TEST_TMPDIR prof=()
	[ -n "${EMU_PROFILE:-}" ] && prof=(--profile "$EMU_PROFILE")
	case " $* " in *" --profile "*) prof=() ;; esac
	LOG="$d/emu$n.jsonl"
	EV="$d/ev$n.jsonl"
	start_peer "$d/emu$n.port" python3 "$TOOLS/onvif-emu" "${prof[@]}" \
	    --bind "${EMU_BIND:-127.0.0.1}" --port "${EMU_PORT:-0}" --port-file "$d/emu$n.port" \
	    --log "$LOG" --events-log "$EV" --user admin --password "${EMU_PASSWORD:-secret}" \
	    "$@" 2>>"$d/emu.err"
	DEV="${EMU_BIND:-127.0.0.1}:$PEER_PORT"
}

# wait_for_file FILE SECONDS: waits for a non-empty file.
wait_for_file() {
	local f=$1 t=$(( $2 * 20 ))
	while [ $t -gt 0 ]; do
		[ -s "$f" ] && return 0
		sleep 0.05; t=$((t - 1))
	done
	return 1
}

# gb_setup: what every GB test runs with: the password 'secret' in
# GB_PASSWORD, no user name or credentials file, a private config
# directory, UTC (Date headers, record times); T is the test's directory.
gb_setup() {
	export GB_PASSWORD=secret
	unset GB_USERNAME CAMKIT_CREDENTIALS
	export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/cfg"
	export TZ=UTC
	T=$BATS_TEST_TMPDIR
}

# wait_for_grep PATTERN FILE SECONDS
wait_for_grep() {
	local p=$1 f=$2 t=$(( $3 * 20 ))
	while [ $t -gt 0 ]; do
		grep -q -- "$p" "$f" 2>/dev/null && return 0
		sleep 0.05; t=$((t - 1))
	done
	return 1
}

# wait_for_grep_n N PATTERN FILE [SECONDS]: until N lines of FILE match
# (within SECONDS, default 10)
wait_for_grep_n() {
	local n=$1 p=$2 f=$3 t=$(( ${4:-10} * 20 ))
	while [ $t -gt 0 ]; do
		[ "$(grep -c -- "$p" "$f" 2>/dev/null)" -ge "$n" ] && return 0
		sleep 0.05; t=$((t - 1))
	done
	return 1
}

# show_on_failure [FILE...]: in a teardown, the last 20 lines of each FILE
# that is not empty when the test failed (bats prints a failed test's
# teardown output with it), so a failure in CI says what the tools said.
# Without FILEs: the test's *.out, *.err and ev* files.
show_on_failure() {
	[ -n "${BATS_TEST_COMPLETED:-}" ] && return 0
	local f
	[ $# -gt 0 ] || set -- "$BATS_TEST_TMPDIR"/*.out "$BATS_TEST_TMPDIR"/*.err "$BATS_TEST_TMPDIR"/ev*
	for f in "$@"; do
		[ -s "$f" ] && { echo "--- ${f##*/} (last 20 lines)"; tail -n 20 "$f"; }
	done
	return 0
}

teardown_peers() {
	local p
	for p in "${PEER_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PEER_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	PEER_PIDS=()
}

# free_port [udp]: a port that was free a moment ago (bound then closed).
# Only a candidate: another process may take it at once. Never hand it to a
# tool; tools bind port 0 and report the port, and peers that cannot go
# through start_on_free_port, which checks and retries.
free_port() {
	python3 -c 'import socket,sys; s=socket.socket(type=socket.SOCK_DGRAM if sys.argv[1:]==["udp"] else socket.SOCK_STREAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "$@"
}

# hold_port udp|tcp [HOST]: a port of our own nobody else can take, held by
# tests/tools/port-hold until teardown_peers: UDP, a silent peer (never
# answers); TCP, bound but not listening (connections are refused). Sets
# PEER_PORT.
hold_port() {
	local pf="$BATS_TEST_TMPDIR/hold.$RANDOM.port"
	start_peer "$pf" python3 "$TOOLS/port-hold" "$1" "$pf" "${2:-127.0.0.1}"
}

# owns_port PID udp|tcp PORT: PID, or a process below it, has a socket
# bound to PORT (TCP: listening), per ss -p.
owns_port() {
	local pid=$1 flag=-Hlunp p n
	[ "$2" = tcp ] && flag=-Hltnp
	for p in $(ss $flag "sport = :$3" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2); do
		for n in 1 2 3 4; do
			[ "$p" = "$pid" ] && return 0
			p=$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')
			[ -n "$p" ] && [ "$p" -gt 1 ] || break
		done
	done
	return 1
}

# start_on_free_port udp|tcp OUT ERR CMD...: for a peer that cannot bind port
# 0 and report it (sipp): runs CMD in the background with @PORT@ in its
# arguments replaced by a free port, stdout to OUT, stderr to ERR (to OUT
# when ERR is "-"), and waits until that process listens on the port. When
# it exits first (another process took the port in between) it tries another
# port, 5 times. Sets PEER_PID and PEER_PORT; stopped by teardown_peers.
start_on_free_port() {
	local proto=$1 out=$2 err=$3 try i a port args
	shift 3
	for try in 1 2 3 4 5; do
		port=$(free_port "$proto")
		args=()
		for a in "$@"; do args+=("${a//@PORT@/$port}"); done
		if [ "$err" = - ]; then "${args[@]}" >"$out" 2>&1 &
		else "${args[@]}" >"$out" 2>"$err" &
		fi
		PEER_PID=$!
		for i in $(seq 200); do
			if owns_port "$PEER_PID" "$proto" "$port"; then
				PEER_PIDS+=("$PEER_PID")
				PEER_PORT=$port
				return 0
			fi
			kill -0 "$PEER_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill "$PEER_PID" 2>/dev/null
		wait "$PEER_PID" 2>/dev/null
	done
	echo "did not start on a free port: $*" >&2
	return 1
}

# start_sipp_peer OUTFILE SIPP_ARGS...: sipp (stdout and stderr to OUTFILE) on a
# free loopback port through start_on_free_port, TCP when the arguments say
# -t t1 or -t tn. Sets SIPP_PID and SIPP_PORT.
start_sipp_peer() {
	local out=$1 proto=udp
	shift
	case " $* " in *" -t t1 "* | *" -t tn "*) proto=tcp ;; esac
	start_on_free_port $proto "$out" - sipp -i 127.0.0.1 -p @PORT@ "$@" ||
		{ cat "$out" >&2; return 1; }
	SIPP_PID=$PEER_PID
	SIPP_PORT=$PEER_PORT
}

# start_await_register OUT ERR [timeout N] TOOL ARGS...: gb-catalog,
# gb-ptzcmd or gb-invite as a registrar (ARGS hold -w 127.0.0.1:0), --port-file added
# after TOOL and the port the kernel chose read back from it. Sets PEER_PID
# and PEER_PORT.
start_await_register() {
	local out=$1 err=$2 pf="$BATS_TEST_TMPDIR/await.$RANDOM.port" a args=() t
	shift 2
	for a in "$@"; do
		args+=("$a")
		case $a in gb-catalog | gb-ptzcmd | gb-invite | gb-control | gb-subscribe) args+=(--port-file "$pf") ;; esac
	done
	rm -f "$pf"
	"${args[@]}" >"$out" 2>"$err" &
	PEER_PID=$!
	PEER_PIDS+=("$PEER_PID")
	for t in $(seq 200); do
		[ -s "$pf" ] && { PEER_PORT=$(cat "$pf"); return 0; }
		kill -0 "$PEER_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "no port file from: $*" >&2; cat "$err" >&2
	return 1
}

# assert_status N: checks $status from `run`.
assert_status() {
	if [ "$status" -ne "$1" ]; then
		echo "expected exit $1, got $status" >&2
		echo "stdout: $output" >&2
		echo "stderr: ${stderr:-}" >&2
		return 1
	fi
}

# assert_json_eq JSON FILTER EXPECTED: jq -r FILTER on JSON equals EXPECTED.
assert_json_eq() {
	local got
	got=$(printf '%s\n' "$1" | jq -r "$2") || { echo "not JSON: $1" >&2; return 1; }
	if [ "$got" != "$3" ]; then
		echo "jq '$2': got '$got', want '$3'" >&2
		echo "in: $1" >&2
		return 1
	fi
}

# assert_contains HAYSTACK NEEDLE
assert_contains() {
	case "$1" in
	*"$2"*) return 0 ;;
	esac
	echo "expected to find '$2' in: $1" >&2
	return 1
}
