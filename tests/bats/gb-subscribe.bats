#!/usr/bin/env bats
# gb-subscribe against sipp (Debian sip-tester) as an independent device:
# sipp accepts or refuses the SUBSCRIBE, checks what we send (Event, body,
# CSeq, tags, refresh, Expires: 0) with its own regexps and fails the call
# when they do not match, and sends NOTIFYs and alarm MESSAGEs. Also
# gb-register --listen decoding and confirming an alarm a sipp device raises.
load helpers
bats_require_minimum_version 1.5.0

SIPP="$ROOT/tests/sipp"
DEV_ID=34020000001320000001
PLATFORM_ID=34020000002000000001
MOTION=视频动检

setup() {
	require_cmd sipp jq iconv
	T=$BATS_TEST_TMPDIR
	export GB_PASSWORD=secret
	unset GB_USERNAME CAMKIT_CREDENTIALS
	export XDG_CONFIG_HOME="$T/cfg"
	# the alarm text as raw GB2312 bytes, made by iconv (not our code)
	printf 'SEQUENTIAL\n%s;\n' "$(printf '视频丢失' | iconv -f UTF-8 -t GB2312)" >"$T/names.csv"
	printf 'SEQUENTIAL\n%s;\n' "$(printf '西湖 大门 9' | iconv -f UTF-8 -t GB2312)" >"$T/gate.csv"
}

teardown() { teardown_peers; show_on_failure; }

# start_dev SCENARIO [sipp args...]: sipp as the device on a free UDP port.
start_dev() {
	local scen=$1; shift
	start_sipp_peer "$T/sipp.out" -sf "$SIPP/$scen" -nostdin -timeout 30s \
		-set devid "$DEV_ID" -trace_msg -message_file "$T/sipp.msg" \
		-trace_err -error_file "$T/sipp.err" "$@"
}

# sipp_ok: sipp ended and every call passed its checks.
sipp_ok() {
	local rc=0
	wait "$SIPP_PID" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$T/sipp.err" "$T/sipp.out" >&2; return 1; }
}

types() { jq -r .type <<<"$output" | tr '\n' ' '; }

@test "usage errors exit 64" {
	run --separate-stderr gb-subscribe "sip:$DEV_ID@127.0.0.1"
	assert_status 64; assert_contains "$stderr" "--event is required"
	assert_contains "$stderr" "try 'gb-subscribe --help'"
	run --separate-stderr gb-subscribe --event weather "sip:$DEV_ID@127.0.0.1"
	assert_status 64; assert_contains "$stderr" "unknown event 'weather'"
	run --separate-stderr gb-subscribe --event alarm
	assert_status 64; assert_contains "$stderr" "--await-register"
	run --separate-stderr gb-subscribe --event alarm -w 127.0.0.1:0 "sip:$DEV_ID@127.0.0.1"
	assert_status 64
	run --separate-stderr gb-subscribe --event alarm http://127.0.0.1/
	assert_status 64; assert_contains "$stderr" "sip:ID@HOST"
	run --separate-stderr gb-subscribe --event alarm --expires 0 "sip:$DEV_ID@127.0.0.1"
	assert_status 64
	run --separate-stderr gb-subscribe --event alarm --start-time 2026-12-04 "sip:$DEV_ID@127.0.0.1"
	assert_status 64; assert_contains "$stderr" "yyyy-MM-ddTHH:mm:ss"
	run --separate-stderr gb-subscribe --event alarm --alarm-method video "sip:$DEV_ID@127.0.0.1"
	assert_status 64
	run --separate-stderr gb-subscribe --event alarm --duration soon "sip:$DEV_ID@127.0.0.1"
	assert_status 64
}

@test "catalog: NOTIFY item changes decoded (GB2312 name), refreshed in the dialog, ended with Expires: 0" {
	start_dev subscribe-catalog.xml -m 1 -set grant 3 -inf "$T/gate.csv"
	run --separate-stderr timeout 30 gb-subscribe --event catalog --expires 3 --count 2 \
		"sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	sipp_ok
	[ "$(types)" = "subscribed notify refreshed notify unsubscribed notify " ]
	r=$(sed -n 1p <<<"$output")
	assert_json_eq "$r" .event Catalog
	assert_json_eq "$r" .expires 3
	r=$(sed -n 2p <<<"$output")
	assert_json_eq "$r" .subscription_state active
	assert_json_eq "$r" .cmd_type Catalog
	assert_json_eq "$r" .sum_num 2
	[ "$(jq -r '.items[] | .device_id + ":" + .event' <<<"$r" | tr '\n' ' ')" = \
		"34020000001310000009:ADD 34020000001310000001:UPDATE " ]
	assert_json_eq "$r" '.items[0].name' "西湖 大门 9"
	r=$(sed -n 4p <<<"$output")
	[ "$(jq -r '.items[] | .device_id + ":" + .event' <<<"$r" | tr '\n' ' ')" = \
		"34020000001310000002:OFF 34020000001310000009:DEL " ]
	assert_json_eq "$(sed -n 5p <<<"$output")" .status 200
	r=$(sed -n 6p <<<"$output")
	assert_json_eq "$r" .subscription_state terminated
	assert_json_eq "$r" .reason timeout
	# what went out, as sipp logged it: Event, then Expires 3, 3, 0
	[ "$(grep -c '^SUBSCRIBE ' "$T/sipp.msg")" -eq 3 ]
	[ "$(awk '/^SUBSCRIBE /{s=1} s&&/^Expires:/{print $2; s=0}' "$T/sipp.msg" | tr -d '\r' | tr '\n' ' ')" = "3 3 0 " ]
	grep -q '^Event: Catalog' "$T/sipp.msg"
}

@test "position: a NOTIFY ahead of the 200 is taken, numbers decoded, Interval sent" {
	start_dev subscribe-position.xml -m 1 -set interval 2
	run --separate-stderr timeout 30 gb-subscribe --event position --interval 2 --count 2 \
		"sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	sipp_ok
	[ "$(types)" = "subscribed notify notify unsubscribed notify " ]
	r=$(sed -n 2p <<<"$output")
	[ "$(jq -c '[.event,.cmd_type,.time,.longitude,.latitude,.speed,.direction,.altitude]' <<<"$r")" = \
		'["MobilePosition","MobilePosition","2026-12-04T10:00:00",120.1551,30.2741,36.5,90,12]' ]
	r=$(sed -n 3p <<<"$output")
	# a value that is not a number stays the text the device sent
	[ "$(jq -c '[.latitude,.speed,.direction,.altitude]' <<<"$r")" = '[-30.5,0,"n/a",null]' ]
	# the early NOTIFY really came first on the wire
	[ "$(grep -E '^(NOTIFY|SIP/2.0 200)' "$T/sipp.msg" | head -2 | cut -c1-6 | tr '\n' ' ')" = "NOTIFY SIP/2. " ]
}

@test "position: SIGTERM unsubscribes (Expires: 0) and exits 0" {
	start_dev subscribe-position.xml -m 1 -set interval 5
	gb-subscribe --event position "sip:$DEV_ID@127.0.0.1:$SIPP_PORT" >"$T/out" 2>"$T/err" &
	local gb=$!
	PEER_PIDS+=("$gb")
	wait_for_grep '"sn":22' "$T/out" 15
	kill -TERM "$gb"
	local rc=0
	wait "$gb" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$T/err"; return 1; }
	sipp_ok
	[ "$(jq -r .type "$T/out" | tail -2 | tr '\n' ' ')" = "unsubscribed notify " ]
}

@test "position: --duration ends the subscription" {
	start_dev subscribe-position.xml -m 1 -set interval 5
	run --separate-stderr timeout 30 gb-subscribe --event position --duration 2s \
		"sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	sipp_ok
	[ "$(types)" = "subscribed notify notify unsubscribed notify " ]
}

@test "alarm: filters sent, NOTIFY alarm decoded, GB2312 alarm MESSAGE decoded and confirmed with a Response" {
	start_dev subscribe-alarm.xml -m 2 -inf "$T/names.csv" -set prio 1 -set method 2/5 -set hold 0
	run --separate-stderr timeout 30 gb-subscribe --event alarm --count 2 \
		--start-priority 1 --alarm-method 2/5 "sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	sipp_ok
	[ "$(types)" = "subscribed notify message unsubscribed notify " ]
	r=$(sed -n 2p <<<"$output")
	[ "$(jq -c '[.cmd_type,.priority,.alarm_method,.alarm_method_name,.alarm_type,.event_type,.time,.description,.longitude,.latitude]' <<<"$r")" = \
		'["Alarm",2,5,"video",2,1,"2026-12-04T10:01:02","motion",120.15,30.27]' ]
	[ "$(jq -r .confirmed <<<"$r")" = null ]
	r=$(sed -n 3p <<<"$output")
	[ "$(jq -c '[.method,.cmd_type,.sn,.priority,.alarm_method_name,.alarm_type,.description,.confirmed]' <<<"$r")" = \
		'["MESSAGE","Alarm",32,1,"device",1,"视频丢失",true]' ]
	# sipp checked the Response's body; it did reach it
	grep -q '<Result>OK</Result>' "$T/sipp.msg"
}

# responses_received: the Response MESSAGEs sipp received, one line each:
# its Via branch and CSeq.
responses_received() {
	"$TOOLS/sipp-json" "$T/sipp.msg" | jq -r 'select(.dir=="received" and .method=="MESSAGE" and
		(.body | contains("<Response>"))) | "\(.headers.via | capture("(?<b>branch=[^;]*)").b) \(.cseq)"'
}

@test "alarm: the Response is a client transaction, retransmitted until the device answers it" {
	# sipp answers the Response only 1.7 s after it came: the copies that
	# come meanwhile (timer E: 0.5 s, then 1 s later) are taken in and
	# logged, not answered; then gb-subscribe waits for its 200
	start_dev subscribe-alarm.xml -m 2 -inf "$T/names.csv" -set prio 1 -set method 2/5 -set hold 1700
	run --separate-stderr timeout 30 gb-subscribe -v --event alarm --count 2 \
		--start-priority 1 --alarm-method 2/5 "sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	sipp_ok
	[ "$(types)" = "subscribed notify message unsubscribed notify " ]
	assert_json_eq "$(sed -n 3p <<<"$output")" .confirmed true
	assert_contains "$stderr" "alarm Response answered 200"
	local copies
	copies=$(responses_received)
	[ "$(wc -l <<<"$copies")" -ge 2 ] || { echo "copies: $copies" >&2; return 1; }
	# every copy the same request: one branch, one CSeq
	[ "$(sort -u <<<"$copies" | wc -l)" -eq 1 ]
}

@test "catalog over TCP: the same dialog on one connection" {
	start_dev subscribe-catalog.xml -t t1 -m 1 -set grant 3 -inf "$T/gate.csv"
	run --separate-stderr timeout 30 gb-subscribe --tcp --event catalog --expires 3 --count 2 \
		"sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	sipp_ok
	[ "$(types)" = "subscribed notify refreshed notify unsubscribed notify " ]
	grep -q '^Via: SIP/2.0/TCP' "$T/sipp.msg"
}

# route_pair PATH [tcp]: subscribe-route-proxy.xml (PROXY_PID, PROXY_PORT,
# log $T/proxy.msg; over TCP with tcp, and the route names it
# ;transport=tcp) and the device behind it, subscribe-route-device.xml
# -set path PATH (SIPP_PID, SIPP_PORT, log $T/sipp.msg); then gb-subscribe
# subscribes to the device and checks that its dialog requests went to the
# proxy, not the device. The caller checks their Request-URI and Route.
route_pair() {
	local pt=() nearp=
	[ "${2:-}" = tcp ] && pt=(-t t1) nearp=";transport=tcp"
	start_sipp_peer "$T/proxy.out" -sf "$SIPP/subscribe-route-proxy.xml" -nostdin "${pt[@]}" \
		-timeout 30s -set devid "$DEV_ID" -m 1 -trace_msg -message_file "$T/proxy.msg" \
		-trace_err -error_file "$T/proxy.err"
	PROXY_PID=$SIPP_PID PROXY_PORT=$SIPP_PORT
	start_dev subscribe-route-device.xml -m 1 -set pport "$PROXY_PORT" -set path "$1" \
		-set nearp "$nearp"
	run --separate-stderr timeout 30 gb-subscribe --event catalog --expires 2 --count 2 \
		"sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	sipp_ok
	local rc=0
	wait "$PROXY_PID" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$T/proxy.err" "$T/proxy.out" >&2; return 1; }
	[ "$(types)" = "subscribed notify refreshed notify unsubscribed notify " ]
	[ "$(jq -r 'select(.type=="notify") | .source' <<<"$output" | tr '\n' ' ')" = \
		"127.0.0.1:$SIPP_PORT 127.0.0.1:$PROXY_PORT 127.0.0.1:$PROXY_PORT " ]
	# the device saw the initial SUBSCRIBE only, the proxy the refresh and
	# the unsubscribe
	[ "$(grep -c '^SUBSCRIBE ' "$T/sipp.msg")" -eq 1 ]
	[ "$(grep -c '^SUBSCRIBE ' "$T/proxy.msg")" -eq 2 ]
	! grep -q '^Route:' "$T/sipp.msg"
}

# loose_routed: both requests the proxy got name the device's Contact and
# carry the route set, near proxy first (sipp checked the same with its
# own regexp).
loose_routed() {
	[ "$(grep -c "^SUBSCRIBE sip:$DEV_ID@127.0.0.1:$SIPP_PORT SIP/2.0" "$T/proxy.msg")" -eq 2 ]
	[ "$(grep '^Route:' "$T/proxy.msg" | tr -d '\r' | tr '\n' ' ')" = \
		"Route: <sip:127.0.0.1:$PROXY_PORT;lr> Route: <sip:proxy2.gb.invalid;lr> Route: <sip:127.0.0.1:$PROXY_PORT;lr> Route: <sip:proxy2.gb.invalid;lr> " ]
}

@test "route set from the 200's Record-Route, reversed: refresh and unsubscribe go through the near proxy with Route headers" {
	route_pair 2xx
	loose_routed
}

@test "route set whose near proxy is TCP (;transport=tcp) at another address: the refresh and the unsubscribe go over a connection of their own" {
	route_pair 2xx tcp
	[ "$(grep -c "^SUBSCRIBE sip:$DEV_ID@127.0.0.1:$SIPP_PORT SIP/2.0" "$T/proxy.msg")" -eq 2 ]
	[ "$(grep '^Route:' "$T/proxy.msg" | tr -d '\r' | tr '\n' ' ')" = \
		"Route: <sip:127.0.0.1:$PROXY_PORT;transport=tcp;lr> Route: <sip:proxy2.gb.invalid;lr> Route: <sip:127.0.0.1:$PROXY_PORT;transport=tcp;lr> Route: <sip:proxy2.gb.invalid;lr> " ]
	# they came over TCP, our subscription to the device over UDP
	[ "$(grep -c '^Via: SIP/2.0/TCP ' "$T/proxy.msg")" -ge 2 ]
	grep -q '^Via: SIP/2.0/UDP ' "$T/sipp.msg"
}

@test "route set through a strict router (no ;lr): it is the Request-URI, the device's Contact the last Route" {
	route_pair strict
	[ "$(grep -c "^SUBSCRIBE sip:127.0.0.1:$PROXY_PORT SIP/2.0" "$T/proxy.msg")" -eq 2 ]
	[ "$(grep '^Route:' "$T/proxy.msg" | tr -d '\r' | tr '\n' ' ')" = \
		"Route: <sip:$DEV_ID@127.0.0.1:$SIPP_PORT> Route: <sip:$DEV_ID@127.0.0.1:$SIPP_PORT> " ]
}

@test "route set from a NOTIFY ahead of the 200, in order (the 200 has no Record-Route): refresh and unsubscribe go through the proxy" {
	route_pair notify
	loose_routed
	# the NOTIFY did come first on the wire
	[ "$(grep -E '^(NOTIFY|SIP/2.0 200)' "$T/sipp.msg" | head -2 | cut -c1-6 | tr '\n' ' ')" = "NOTIFY SIP/2. " ]
}

@test "a NOTIFY's Contact is the dialog's new target: the unsubscribe names it as Request-URI" {
	start_dev subscribe-target.xml -m 1
	run --separate-stderr timeout 30 gb-subscribe --event catalog --count 1 \
		"sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	sipp_ok
	[ "$(types)" = "subscribed notify unsubscribed notify " ]
	[ "$(grep -c "^SUBSCRIBE sip:$DEV_ID@127.0.0.1:$SIPP_PORT;line=2 SIP/2.0" "$T/sipp.msg")" -eq 1 ]
}

# far_routes FROM: the Record-Route entries <sip:pN.gb.invalid;lr> for N
# from FROM down to 2, farthest first, as a response collects them.
far_routes() {
	local n out=
	for ((n = $1; n >= 2; n--)); do out+="${out:+, }<sip:p$n.gb.invalid;lr>"; done
	echo "$out"
}

@test "a route set of 8 entries is kept whole; one of 9 is refused (76), not cut" {
	# 7 far entries and the device itself as the near proxy: 8 in all
	start_dev subscribe-route-limit.xml -m 1 -set rr "$(far_routes 8)" -set over no
	run --separate-stderr timeout 30 gb-subscribe --event catalog --count 1 \
		"sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	sipp_ok
	[ "$(types)" = "subscribed notify unsubscribed notify " ]
	# the unsubscribe names the device's Contact and carries the set
	# reversed, near first, every entry in order
	local want="Route: <sip:127.0.0.1:$SIPP_PORT;lr> " n
	for n in 2 3 4 5 6 7 8; do want+="Route: <sip:p$n.gb.invalid;lr> "; done
	[ "$(grep '^Route:' "$T/sipp.msg" | tr -d '\r' | tr '\n' ' ')" = "$want" ]
	# one entry more
	start_dev subscribe-route-limit.xml -m 1 -set rr "$(far_routes 9)" -set over yes
	run --separate-stderr timeout 30 gb-subscribe --event catalog --count 1 \
		"sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 76
	sipp_ok
	[ -z "$output" ]
	assert_contains "$stderr" "Record-Route beyond 8 entries"
}

# sipp_dialog_csv FILE: the dialog of the SUBSCRIBE in $T/sipp.msg as an
# -inf file for subscribe-tcp-notifier.xml (our Contact URI, Call-ID, From
# URI and tag, the device's tag); prints the Contact's port.
sipp_dialog_csv() {
	local m contact cid from ftag dtag
	m=$(tr -d '\r' <"$T/sipp.msg")
	contact=$(grep -m1 '^Contact:' <<<"$m" | sed 's/.*<\([^;>]*\).*/\1/')
	cid=$(grep -m1 '^Call-ID:' <<<"$m" | awk '{print $2}')
	from=$(grep -m1 '^From:' <<<"$m" | sed 's/.*<\([^>]*\)>.*/\1/')
	ftag=$(grep -m1 '^From:' <<<"$m" | sed 's/.*tag=//')
	dtag=$(grep '^To:.*tag=' <<<"$m" | head -1 | sed 's/.*tag=//')
	[ -n "$contact" ] && [ -n "$dtag" ] || return 1
	printf 'SEQUENTIAL\n%s;%s;%s;%s;%s;\n' "$contact" "$cid" "$from" "$ftag" "$dtag" >"$1"
	echo "${contact##*:}"
}

# tcp_subscribed [ARGS]: a sipp device over TCP and gb-subscribe -v --tcp
# --event catalog ARGS subscribed to it in the background; sets sub (its
# pid) and port (the local port its Contact names, from the dialog, whose
# fields go to $T/dialog.csv).
tcp_subscribed() {
	start_dev subscribe-tcp-device.xml -t t1 -m 1
	timeout 30 gb-subscribe -v --tcp --event catalog "$@" \
		"sip:$DEV_ID@127.0.0.1:$SIPP_PORT" >"$T/sub.out" 2>"$T/sub.err" &
	sub=$!
	PEER_PIDS+=("$sub")
	wait_for_grep '"subscribed"' "$T/sub.out" 15 || { cat "$T/sub.err" "$T/sipp.err"; return 1; }
	port=$(sipp_dialog_csv "$T/dialog.csv")
}

# tcp_unharmed: tcp_subscribed's subscription is unharmed by what the
# test did: SIGTERM still ends it with Expires: 0, exit 0.
tcp_unharmed() {
	kill -TERM "$sub"
	local rc=0
	wait "$sub" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$T/sub.err"; return 1; }
	sipp_ok
	[ "$(jq -r .type "$T/sub.out" | tr '\n' ' ')" = "subscribed unsubscribed " ]
}

@test "catalog over TCP: a NOTIFY over a connection the device opens to our Contact is taken" {
	local sub port
	tcp_subscribed --count 1
	run timeout 20 sipp "127.0.0.1:$port" -t t1 -i 127.0.0.1 -sf "$SIPP/subscribe-tcp-notifier.xml" \
		-inf "$T/dialog.csv" -set devid "$DEV_ID" -m 1 -nostdin -timeout 15s -timeout_error \
		-trace_msg -message_file "$T/notifier.msg"
	[ "$status" -eq 0 ] || { echo "$output"; cat "$T/sub.err"; return 1; }
	# our 200 came back over its connection (sipp reports it as a
	# message it cannot map to its call)
	grep -A6 "can't be mapped" <<<"$output" | grep -q '^CSeq: 1 NOTIFY'
	grep -A1 "can't be mapped" <<<"$output" | grep -q '^SIP/2.0 200 OK'
	local rc=0
	wait "$sub" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$T/sub.err"; return 1; }
	sipp_ok
	run jq -r .type "$T/sub.out"
	[ "${lines[*]}" = "subscribed notify unsubscribed" ]
	r=$(sed -n 2p "$T/sub.out")
	assert_json_eq "$r" .sn 51
	assert_json_eq "$r" '.items[0].event' ADD
	# it came over another connection than ours to the device
	[ "$(jq -r .source <<<"$r")" != "127.0.0.1:$SIPP_PORT" ]
	grep -q 'tcp connection accepted' "$T/sub.err"
}

@test "catalog over TCP: the connections a device may open to us are bounded per source" {
	local sub port
	tcp_subscribed
	# 12 idle connections from one address: 8 kept, the rest closed
	[ "$(python3 "$TOOLS/gb-flood" idle "$port" 12)" = closed=4 ]
	assert_contains "$(cat "$T/sub.err")" "refused (limit)"
	tcp_unharmed
}

@test "catalog over TCP: a connection to us is cut past 16 KiB of header, and one whose message stalls at the 10 s header timeout" {
	local sub port t0
	tcp_subscribed
	[ "$(python3 "$TOOLS/gb-flood" headers "$port" 4 60000 5)" = "connected=4 closed=4" ]
	t0=$SECONDS
	[ "$(python3 "$TOOLS/gb-flood" headers "$port" 2 100 20)" = "connected=2 closed=2" ]
	# not at once: the stalled ones were held until the timeout
	[ $((SECONDS - t0)) -ge 8 ]
	tcp_unharmed
}

@test "catalog: terminated;reason=deactivated -> subscribed again in a new dialog" {
	start_dev subscribe-deactivate.xml -m 2 -set reason deactivated
	run --separate-stderr timeout 30 gb-subscribe --event catalog --count 1 \
		"sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	sipp_ok
	[ "$(types)" = "subscribed notify subscribed notify unsubscribed notify " ]
	assert_json_eq "$(sed -n 2p <<<"$output")" .reason deactivated
	[ "$(jq -r 'select(.type=="subscribed") | .call_id' <<<"$output" | sort -u | wc -l)" -eq 2 ]
	assert_json_eq "$(sed -n 4p <<<"$output")" '.items[0].event' ON
	assert_contains "$stderr" "ended by the device: deactivated"
}

@test "unsubscribe answered after its terminated NOTIFY: recorded in dialog order, the NOTIFY answered" {
	# the device sends its last NOTIFY, then the SUBSCRIBE's 200 300 ms
	# later: "unsubscribed" first, then the NOTIFY (held while the answer
	# was due), whichever datagram came first
	start_dev subscribe-crossed.xml -m 1 -set hold 300
	run --separate-stderr timeout 30 gb-subscribe --event catalog --count 1 \
		"sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	sipp_ok
	[ "$(types)" = "subscribed notify unsubscribed notify " ] || { echo "got: $(types)"; return 1; }
	assert_json_eq "$(sed -n 3p <<<"$output")" .status 200
	assert_json_eq "$(sed -n 4p <<<"$output")" .subscription_state terminated
}

@test "catalog: a refresh answered 481 -> subscribed again in a new dialog" {
	start_dev subscribe-forget.xml -m 2
	run --separate-stderr timeout 30 gb-subscribe --event catalog --count 1 --expires 60 \
		"sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	sipp_ok
	[ "$(types)" = "subscribed refreshed subscribed notify unsubscribed notify " ]
	assert_json_eq "$(sed -n 1p <<<"$output")" .expires 2
	assert_json_eq "$(sed -n 2p <<<"$output")" .status 481
	# granted no longer than asked, whatever the device says
	assert_json_eq "$(sed -n 3p <<<"$output")" .expires 60
	assert_contains "$stderr" "subscribing again"
}

@test "catalog: terminated;reason=rejected -> not again, 76" {
	start_dev subscribe-deactivate.xml -m 1 -set reason rejected
	run --separate-stderr timeout 30 gb-subscribe --event catalog --count 1 \
		"sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 76
	sipp_ok
	[ "$(types)" = "subscribed notify " ]
	[ "$(grep -c '^SUBSCRIBE ' "$T/sipp.msg")" -eq 1 ]
}

@test "--await-register: a sipp device registers, the SUBSCRIBE goes back to its registered address, keepalives go on" {
	GB_PASSWORD=secret start_await_register "$T/sub.out" "$T/sub.err" \
		timeout 30 gb-subscribe -v --event catalog -w 127.0.0.1:0 --wait 20s
	local sub=$PEER_PID
	printf 'SEQUENTIAL\n%s;%s;\n' "$DEV_ID" "$PLATFORM_ID" >"$T/dev.csv"
	# sipp registers (digest) from its own port and keeps alive every 1.5 s;
	# the subscription reaches it as an out-of-call SUBSCRIBE
	start_sipp_peer "$T/sipp.out" 127.0.0.1:"$PEER_PORT" -sf "$SIPP/register-device.xml" \
		-oocsf "$SIPP/subscribe-ooc.xml" -inf "$T/dev.csv" -m 1 -nostdin -timeout 20s \
		-set expires 60 -au "$DEV_ID" -ap secret -d 1500 \
		-trace_msg -message_file "$T/sipp.msg" -trace_err -error_file "$T/sipp.err"
	wait_for_grep '"notify"' "$T/sub.out" 15 || { cat "$T/sub.err"; return 1; }
	# a keepalive handled by the registrar while subscribed
	wait_for_grep 'keepalive' "$T/sub.err" 15 || { cat "$T/sub.err"; return 1; }
	kill -TERM "$sub"
	local rc=0
	wait "$sub" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$T/sub.err" "$T/sipp.err"; return 1; }
	run jq -r .type "$T/sub.out"
	[ "${lines[*]}" = "subscribed notify unsubscribed notify" ]
	r=$(sed -n 2p "$T/sub.out")
	assert_json_eq "$r" .source "127.0.0.1:$SIPP_PORT"
	assert_json_eq "$r" '.items[0].event' OFF
	assert_json_eq "$(sed -n 3p "$T/sub.out")" .status 200
	# sipp's own checks (Event, our To tag, Expires: 0) passed
	! grep -E 'Aborting|Failed regexp' "$T/sipp.err"
	grep -q '^SUBSCRIBE ' "$T/sipp.msg"
}

@test "refused: 489 -> 76 with the status on stderr" {
	start_dev subscribe-refuse.xml -m 1
	run --separate-stderr timeout 30 gb-subscribe --event alarm "sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 76
	[ -z "$output" ]
	assert_contains "$stderr" "refused the Alarm subscription: 489 Bad Event"
	sipp_ok
}

@test "refused: 200 with Result ERROR in the body -> 76" {
	start_dev subscribe-result-error.xml -m 1
	run --separate-stderr timeout 30 gb-subscribe --event alarm "sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 76
	[ -z "$output" ]
	assert_contains "$stderr" "Result ERROR"
}

@test "silent device: no answer -> 75" {
	hold_port udp
	run --separate-stderr timeout 30 gb-subscribe --event catalog -t 1s "sip:$DEV_ID@127.0.0.1:$PEER_PORT"
	assert_status 75
	[ -z "$output" ]
	assert_contains "$stderr" "Catalog SUBSCRIBE"
}

@test "gb-register --listen: a GB2312 alarm MESSAGE decoded, answered 200 and confirmed with a Response" {
	gb-register --listen 127.0.0.1:0 >"$T/reg.out" 2>"$T/reg.err" &
	PEER_PIDS+=("$!")
	wait_for_grep '"listening"' "$T/reg.out" 10 || { cat "$T/reg.err" >&2; return 1; }
	local port
	port=$(jq -r 'select(.type=="listening") | .port' "$T/reg.out")
	printf 'SEQUENTIAL\n%s;%s;%s;\n' "$DEV_ID" "$PLATFORM_ID" \
		"$(printf '%s' "$MOTION" | iconv -f UTF-8 -t GB2312)" >"$T/dev.csv"
	run timeout 30 sipp 127.0.0.1:"$port" -sf "$SIPP/subscribe-alarm-device.xml" \
		-oocsf "$SIPP/subscribe-confirm.xml" -inf "$T/dev.csv" -i 127.0.0.1 -m 1 \
		-nostdin -timeout 20s -timeout_error -set expires 60 -set hold 0 -au "$DEV_ID" \
		-ap secret -d 1500 -trace_msg -message_file "$T/sipp.msg"
	assert_status 0
	r=$(grep '"message"' "$T/reg.out")
	[ "$(jq -c '[.method,.from,.cmd_type,.kind,.device_id,.sn,.priority,.alarm_method,.alarm_method_name,.alarm_type,.event_type,.time,.description,.longitude,.latitude,.confirmed]' <<<"$r")" = \
		"[\"MESSAGE\",\"$DEV_ID\",\"Alarm\",\"Notify\",\"$DEV_ID\",77,1,5,\"video\",2,1,\"2026-12-04T10:02:03\",\"$MOTION\",116.397,39.909,true]" ]
	# sipp received the Response (its own checks: CmdType Alarm, SN 77,
	# Result OK) and answered it 200
	awk '/message received/{r=1} /message sent/{r=0} r' "$T/sipp.msg" | grep -q '<Result>OK</Result>'
	awk '/message sent/{s=1} /message received/{s=0} s' "$T/sipp.msg" | grep -A5 '^SIP/2.0 200' | grep -q 'CSeq: [0-9]* MESSAGE'
}

# listen_alarm HOLD: gb-register -v --listen (REG, records $T/reg.out, log
# $T/reg.err) and a sipp device (SIPP_PID) sending it an alarm and
# answering its Response HOLD ms after it came; returns once the alarm is
# recorded (its Response on the way).
listen_alarm() {
	gb-register -v --listen 127.0.0.1:0 >"$T/reg.out" 2>"$T/reg.err" &
	REG=$!
	PEER_PIDS+=("$REG")
	wait_for_grep '"listening"' "$T/reg.out" 10 || { cat "$T/reg.err" >&2; return 1; }
	local port
	port=$(jq -r 'select(.type=="listening") | .port' "$T/reg.out")
	printf 'SEQUENTIAL\n%s;%s;motion;\n' "$DEV_ID" "$PLATFORM_ID" >"$T/dev.csv"
	timeout 30 sipp 127.0.0.1:"$port" -sf "$SIPP/subscribe-alarm-device.xml" \
		-oocsf "$SIPP/subscribe-confirm.xml" -inf "$T/dev.csv" -i 127.0.0.1 -m 1 \
		-nostdin -timeout 20s -timeout_error -set expires 60 -set hold "$1" -au "$DEV_ID" \
		-ap secret -d 4000 -trace_msg -message_file "$T/sipp.msg" >"$T/sipp.out" 2>&1 &
	SIPP_PID=$!
	PEER_PIDS+=("$SIPP_PID")
	wait_for_grep '"message"' "$T/reg.out" 10 || { cat "$T/reg.err" "$T/sipp.out" >&2; return 1; }
}

@test "gb-register --listen: the alarm Response is a client transaction, retransmitted until the device answers it" {
	local copies
	# the device answers the Response 1.7 s after it came (its main
	# scenario waits 4 s for that): the copies that come meanwhile (timer
	# E: 0.5 s, then 1 s later) are taken in, not answered
	listen_alarm 1700
	wait "$SIPP_PID" || { cat "$T/sipp.out" >&2; return 1; }
	assert_json_eq "$(grep '"message"' "$T/reg.out")" .confirmed true
	copies=$(responses_received)
	[ "$(wc -l <<<"$copies")" -ge 2 ] || { echo "copies: $copies" >&2; return 1; }
	# every copy the same request: one branch, one CSeq
	[ "$(sort -u <<<"$copies" | wc -l)" -eq 1 ]
	# and the device's late 200 ended the transaction
	wait_for_grep "alarm Response answered 200" "$T/reg.err" 5 || { cat "$T/reg.err" >&2; return 1; }
}

@test "gb-register --listen stopped with an alarm Response unanswered waits for the answer (up to -t); a second signal quits at once" {
	local rc
	listen_alarm 1500
	kill -TERM "$REG"
	rc=0; wait "$REG" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$T/reg.err" >&2; return 1; }
	assert_contains "$(cat "$T/reg.err")" "waiting up to 32 s for 1 alarm Response to be answered"
	# it was still there to take the device's late 200
	grep -q "alarm Response answered 200" "$T/reg.err" || { cat "$T/reg.err" >&2; return 1; }
	wait "$SIPP_PID" || { cat "$T/sipp.out" >&2; return 1; }
	# again, signalled twice: gone before the answer
	listen_alarm 3000
	kill -TERM "$REG"
	wait_for_grep "waiting up to" "$T/reg.err" 5
	kill -TERM "$REG"
	rc=0; wait "$REG" || rc=$?
	[ "$rc" -eq 0 ]
	! grep -q "alarm Response answered" "$T/reg.err"
}

# --- end to end with gb-register's device side (lib/gb/notifier) ---------

# e2e_device ARGS...: gb-subscribe -w as the registrar (records in
# $T/sub.out), gb-register as the device registering with it (ARGS added;
# records in $T/dev.out). Sets SUB and DEV (pids).
e2e_device() {
	local sub_args=() a
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sub_args+=("$1"); shift; done
	shift
	printf '%s\n' '<Item><DeviceID>34020000001310000001</DeviceID><Name>Gate 01</Name><Status>ON</Status></Item>' >"$T/items.xml"
	GB_PASSWORD=s3cret start_await_register "$T/sub.out" "$T/sub.err" \
		timeout 60 gb-subscribe -v -w 127.0.0.1:0 --wait 20s "${sub_args[@]}"
	SUB=$PEER_PID
	# not under timeout(1): SIGHUP and SIGUSR1 must reach gb-register itself
	GB_PASSWORD=s3cret gb-register --server "$PLATFORM_ID@127.0.0.1:$PEER_PORT" \
		--device-id "$DEV_ID" --catalog "$T/items.xml" --retry 1s "$@" >"$T/dev.out" 2>"$T/dev.err" &
	DEV=$!
	PEER_PIDS+=("$DEV")
}

@test "end to end with gb-register over UDP: catalog change, positions, alarms confirmed" {
	e2e_device --event catalog,alarm,position --interval 1 --duration 6s -- \
		--alarm-every 2s --position 120.15,30.27
	wait_for_grep '"subscribed".*"MobilePosition"' "$T/sub.out" 20 || { cat "$T/sub.err" "$T/dev.err"; return 1; }
	# a channel added to the catalog file: SIGHUP re-reads it
	printf '%s\n' '<Item><DeviceID>34020000001310000001</DeviceID><Name>Gate 01</Name><Status>ON</Status></Item>' \
		'<Item><DeviceID>34020000001310000002</DeviceID><Name>Gate 02</Name><Status>ON</Status></Item>' >"$T/items.xml"
	kill -HUP "$DEV"
	local rc=0
	wait "$SUB" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$T/sub.err" "$T/dev.err"; return 1; }
	jq -e . "$T/sub.out" >/dev/null
	# the current catalog NOTIFYed on subscribing (RFC 6665 4.2.1.2), then
	# the change, decoded
	[ "$(jq -r 'select(.type=="notify" and .cmd_type=="Catalog") | .items[] | .device_id + ":" + .event' "$T/sub.out")" = \
		"34020000001310000001:ADD"$'\n'"34020000001310000002:ADD" ]
	# positions at the Interval, as numbers near the start
	jq -e -s '[.[] | select(.cmd_type=="MobilePosition")] | length >= 3 and
		all(.[]; (.longitude|type)=="number" and .latitude > 30.2 and .latitude < 30.3 and
		(.speed|type)=="number" and (.time|length)==19)' "$T/sub.out" >/dev/null
	# alarms: in the subscription's NOTIFYs and as MESSAGEs, the latter confirmed
	jq -e -s '[.[] | select(.type=="notify" and .cmd_type=="Alarm")] | length >= 1' "$T/sub.out" >/dev/null
	jq -e -s '[.[] | select(.type=="message" and .cmd_type=="Alarm" and .confirmed==true and (.priority|type)=="number" and (.alarm_method|type)=="number")] | length >= 1' "$T/sub.out" >/dev/null
	grep -q '"alarm_confirmed".*"result":"OK"' "$T/dev.out"
	# every subscription ended with Expires: 0, seen by the device
	[ "$(jq -r 'select(.type=="unsubscribed") | .status' "$T/sub.out" | tr '\n' ' ')" = "200 200 200 " ]
	[ "$(grep -c '"type":"unsubscribed"' "$T/dev.out")" -eq 3 ]
}

@test "end to end with gb-register over TCP: an alarm on SIGUSR1, confirmed" {
	e2e_device --event alarm --count 2 -- --tcp
	wait_for_grep '"subscribed".*"Alarm"' "$T/sub.out" 20 || { cat "$T/sub.err" "$T/dev.err"; return 1; }
	kill -USR1 "$DEV"
	local rc=0
	wait "$SUB" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$T/sub.err" "$T/dev.err"; return 1; }
	grep -q '"type":"registered".*"transport":"tcp"' "$T/dev.out"
	[ "$(jq -r 'select(.cmd_type=="Alarm") | .type' "$T/sub.out" | sort | tr '\n' ' ')" = "message notify " ]
	jq -e -s 'any(.[]; .type=="message" and .cmd_type=="Alarm" and .confirmed==true)' "$T/sub.out" >/dev/null
	wait_for_grep '"alarm_confirmed"' "$T/dev.out" 10
}
