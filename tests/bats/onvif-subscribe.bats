#!/usr/bin/env bats
# onvif-subscribe against the strict emulator's event service: the real
# Hikvision PullMessages payload, generated and scripted streams, push
# delivery, renewals, and faults (restart, 5xx, resets, lost subscriptions).
load helpers

setup() {
	export ONVIF_USERNAME=admin ONVIF_PASSWORD=secret
	EMU_PROFILE=ex_onvif	# emu: the ex_onvif recordings unless --profile is given
}

teardown() {
	[ -n "${SUB_PID:-}" ] && kill -9 "$SUB_PID" 2>/dev/null
	teardown_peers
}

ops() { jq -r 'select(.op) | .op' "$1"; }
body() { jq -r --arg op "$2" 'select(.op == $op) | .body' "$1"; }
# delivered FILE...: "topic ts" of every message the emulator delivered
delivered() { cat "$@" | jq -r 'select(.event == "delivered") | .topic + " " + .ts'; }
# printed: "topic ts" of every event record in $1
printed() { printf '%s\n' "$1" | jq -r 'select(.type == "event") | .topic + " " + .ts'; }

sub() { timeout 60 onvif-subscribe --pull-timeout 1s "$@"; }
# consumer LOG: the ConsumerReference address of the last Subscribe
consumer() { body "$1" Subscribe | sed -n 's/.*<wsa:Address>\(http[^<]*\)<.*/\1/p' | tail -n 1; }

@test "usage errors exit 64" {
	run --separate-stderr onvif-subscribe --push 0.0.0.0:8002 127.0.0.1
	assert_status 64
	assert_contains "$stderr" "not a wildcard"
	run --separate-stderr onvif-subscribe --count 0 127.0.0.1
	assert_status 64
	run --separate-stderr onvif-subscribe --exec 'notify "unbalanced' 127.0.0.1
	assert_status 64
	assert_contains "$stderr" "unbalanced quote"
	run --separate-stderr onvif-subscribe --topic 'tns1:<x>' 127.0.0.1
	assert_status 64
	run --separate-stderr onvif-subscribe --coalesce fast 127.0.0.1
	assert_status 64
	run --separate-stderr onvif-subscribe 127.0.0.1 127.0.0.2
	assert_status 64
	assert_contains "$stderr" "one target at a time"
	[ -z "$output" ]
}

@test "pull point: the real Hikvision payload, then generated events; what was delivered is printed" {
	emu
	run --separate-stderr sub --count 12 "$DEV"
	assert_status 0
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 12 ]
	first=$(printf '%s\n' "$output" | head -n 1)
	assert_json_eq "$first" .topic "tns1:VideoSource/MotionAlarm"
	assert_json_eq "$first" .ts "2025-04-18T20:34:05.000Z"
	assert_json_eq "$first" .operation Initialized
	assert_json_eq "$first" .source.Source VideoSource_1
	assert_json_eq "$first" .data.State false
	key=$(printf '%s\n' "$output" | jq -c 'select(.topic == "tns1:RuleEngine/FieldDetector/ObjectsInside") | .key')
	[ "$key" = '{"ObjectId":"0"}' ]
	last=$(printf '%s\n' "$output" | tail -n 1)
	assert_json_eq "$last" .topic "tns1:RuleEngine/CellMotionDetector/Motion"
	assert_json_eq "$last" .topic_ns "http://www.onvif.org/ver10/topics"
	# the bytes: the subscription request, PullMessages, Unsubscribe to the
	# subscription address with WS-Addressing To
	body "$LOG" CreatePullPointSubscription | grep -qF '<tev:InitialTerminationTime>PT60S</tev:InitialTerminationTime>'
	body "$LOG" PullMessages | head -n 1 | grep -qE '<tev:Timeout>PT[01](\.[0-9]+)?S</tev:Timeout><tev:MessageLimit>100</tev:MessageLimit>'
	body "$LOG" Unsubscribe | grep -qF "<wsa:To xmlns:wsa=\"http://www.w3.org/2005/08/addressing\">http://$DEV/onvif/Events/PullSubManager_1</wsa:To>"
	[ "$(jq -r 'select(.op == "PullMessages") | .path' "$LOG" | sort -u)" = /onvif/Events/PullSubManager_1 ]
	# exactly what the emulator delivered, in order
	diff -u <(delivered "$EV" | head -n 12) <(printed "$output")
}

@test "the target can come from stdin as an onvif-discover record" {
	emu
	run --separate-stderr bash -c "printf '%s\n' '{\"type\":\"device\",\"xaddrs\":[\"http://$DEV/onvif/device_service\"]}' | timeout 30 onvif-subscribe --count 1"
	assert_status 0
	assert_json_eq "$output" .device "http://$DEV/onvif/device_service"
	assert_json_eq "$output" .topic "tns1:VideoSource/MotionAlarm"
}

@test "--topic filters on the device; SIGTERM unsubscribes and exits 0" {
	emu
	onvif-subscribe --pull-timeout 1s --topic 'tns1:RuleEngine/CellMotionDetector/Motion' "$DEV" \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	SUB_PID=$!
	wait_for_grep '"IsMotion":"true"' "$BATS_TEST_TMPDIR/out" 10
	kill -TERM "$SUB_PID"
	rc=0
	wait "$SUB_PID" || rc=$?
	SUB_PID=
	[ "$rc" -eq 0 ]
	[ "$(jq -r .topic "$BATS_TEST_TMPDIR/out" | sort -u)" = "tns1:RuleEngine/CellMotionDetector/Motion" ]
	body "$LOG" CreatePullPointSubscription | grep -qF '<tev:Filter><wsnt:TopicExpression Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"'
	body "$LOG" CreatePullPointSubscription | grep -qF '>tns1:RuleEngine/CellMotionDetector/Motion</wsnt:TopicExpression></tev:Filter>'
	[ "$(ops "$LOG" | tail -n 1)" = Unsubscribe ]
	jq -e 'select(.event == "unsubscribe")' "$EV" >/dev/null
}

@test "renews at 80% of the granted time; absolute times when relative ones are refused" {
	emu --quirk renew-relative-refused --quirk subscribe-relative-refused
	run --separate-stderr sub --termination 2s --duration 3500ms -v "$DEV"
	assert_status 0
	# one subscription (asked with an absolute time after a refusal), kept
	# alive by absolute Renews
	[ "$(jq -r 'select(.op == "CreatePullPointSubscription") | .result' "$LOG" | tr '\n' ' ')" = "fault ok " ]
	body "$LOG" CreatePullPointSubscription | sed -n 2p | grep -qE '<tev:InitialTerminationTime>20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z</tev:InitialTerminationTime>'
	[ "$(jq -r 'select(.op == "Renew") | .result' "$LOG" | head -n 2 | tr '\n' ' ')" = "fault ok " ]
	body "$LOG" Renew | head -n 1 | grep -qF '<wsnt:TerminationTime>PT2S</wsnt:TerminationTime>'
	body "$LOG" Renew | sed -n 2p | grep -qE '<wsnt:TerminationTime>20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z</wsnt:TerminationTime>'
	# 80% of 2 s would leave 400 ms: one second of margin wins
	assert_contains "$stderr" "granted for 2000 ms; renewing in 1000 ms"
	[ "$(jq -r 'select(.op == "Renew") | .result' "$LOG" | grep -c ok)" -ge 2 ]
	! grep -q ResourceUnknown <<<"$stderr"
}

@test "a device that refuses Renew gets a new subscription, and events go on" {
	emu --quirk renew-refused
	run --separate-stderr sub --termination 1s --duration 3s "$DEV"
	assert_status 0
	[ "$(ops "$LOG" | grep -c CreatePullPointSubscription)" -ge 2 ]
	assert_contains "$stderr" "renew failed"
	diff -u <(delivered "$EV") <(printed "$output")
}

@test "survives HTTP 500, connection resets and lost subscriptions; nothing lost or doubled" {
	emu --pull-faults "3:500,5:unknown,7:reset"
	run --separate-stderr sub --backoff-max 300ms --count 20 "$DEV"
	assert_status 0
	assert_contains "$stderr" "HTTP 500"
	assert_contains "$stderr" "ResourceUnknown"
	[ "$(ops "$LOG" | grep -c CreatePullPointSubscription)" -ge 3 ]
	diff -u <(delivered "$EV" | head -n 20) <(printed "$output")
}

@test "kill and restart the device mid-stream: resumes, delivers what came after, no duplicates or losses" {
	emu
	port=$PEER_PORT
	out="$BATS_TEST_TMPDIR/out"
	onvif-subscribe --pull-timeout 1s --backoff-max 300ms "$DEV" >"$out" 2>"$BATS_TEST_TMPDIR/err" &
	SUB_PID=$!
	# the burst and a few generated events
	for i in $(seq 300); do [ "$(wc -l <"$out")" -ge 11 ] && break; sleep 0.1; done
	[ "$(wc -l <"$out")" -ge 11 ]
	kill -TERM "$PEER_PID"
	wait "$PEER_PID" 2>/dev/null || true
	sleep 0.5
	n_before=$(wc -l <"$out")
	EMU_N=2 EMU_PORT=$port emu --event-seq-start 1000
	[ "$PEER_PORT" = "$port" ]
	for i in $(seq 300); do
		[ "$(wc -l <"$out")" -ge $((n_before + 14)) ] && break
		sleep 0.1
	done
	kill -TERM "$SUB_PID"
	rc=0
	wait "$SUB_PID" || rc=$?
	SUB_PID=
	[ "$rc" -eq 0 ]
	grep -q "subscribing again" "$BATS_TEST_TMPDIR/err"
	# events generated by the second device were printed
	[ "$(jq -r 'select(.type == "event") | .received' "$out" | wc -l)" -ge $((n_before + 14)) ]
	# printed == delivered by device 1 then device 2, each exactly once
	diff -u <(delivered "$BATS_TEST_TMPDIR/ev1.jsonl" "$BATS_TEST_TMPDIR/ev2.jsonl") \
		<(printed "$(cat "$out")")
	[ -z "$(printed "$(cat "$out")" | grep -v '2025-04-18' | sort | uniq -d)" ]
}

@test "push: Subscribe with a ConsumerReference, Notify to our listener; PullPoint 500 as on a Tapo C320WS" {
	emu --quirk pullpoint-500
	run --separate-stderr sub "$DEV"
	assert_status 76
	assert_contains "$stderr" "500"
	run --separate-stderr sub --push 127.0.0.1:0 --count 4 "$DEV"
	assert_status 0
	[ "$(printf '%s\n' "$output" | jq -r .topic | sort -u)" = "tns1:RuleEngine/CellMotionDetector/Motion" ]
	body "$LOG" Subscribe | grep -qE "<wsnt:ConsumerReference><wsa:Address>http://127.0.0.1:[0-9]+/onvif-subscribe/[0-9a-f]{32}/1</wsa:Address></wsnt:ConsumerReference>"
	diff -u <(delivered "$EV" | head -n 4) <(printed "$output")
	ops "$LOG" | grep -qx Unsubscribe
}

@test "push to a camera whose Renew and Unsubscribe do not work: no event printed twice" {
	emu --quirk renew-refused --quirk unsubscribe-refused --event-interval 0.1
	run --separate-stderr sub --push 127.0.0.1:0 --termination 1s --duration 3500ms -v "$DEV"
	assert_status 0
	[ "$(ops "$LOG" | grep -c '^Subscribe$')" -ge 3 ]
	# several subscriptions delivered the same events; each is printed once
	[ "$(jq -r 'select(.event == "delivered") | .ts' "$EV" | sort | uniq -d | wc -l)" -gt 0 ]
	[ -z "$(printed "$output" | sort | uniq -d)" ]
	grep -qE "a replaced subscription, ignored|came from both subscriptions" <<<"$stderr"
	[ "$(printed "$output" | wc -l)" -ge 15 ]
}

@test "push listener: oversized, malformed and non-POST requests are refused and the run goes on" {
	emu --event-interval 0.5
	onvif-subscribe -v --push 127.0.0.1:0 --count 3 "$DEV" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	SUB_PID=$!
	wait_for_grep 'subscribed:' "$BATS_TEST_TMPDIR/err" 10
	# the subscription's own (unguessable) consumer path, as the camera got it
	url=$(consumer "$LOG")
	run --separate-stderr timeout 20 python3 "$TOOLS/push-abuse" "$url"
	assert_status 0
	[ "$output" = "413 405 200 HTTP/1.1 100 Continue+200" ] ||
		[ "$output" = "0 405 200 HTTP/1.1 100 Continue+200" ]
	rc=0
	wait "$SUB_PID" || rc=$?
	SUB_PID=
	[ "$rc" -eq 0 ]
	[ "$(jq -r .type "$BATS_TEST_TMPDIR/out" | sort | uniq -c | tr -s ' ')" = " 3 event" ]
	grep -q 'body of 2000000 bytes is too large' "$BATS_TEST_TMPDIR/err"
	grep -q 'push from 127.0.0.1:[0-9]*: .*not XML\|push from 127.0.0.1:[0-9]*: .*not well-formed' "$BATS_TEST_TMPDIR/err"
}

@test "--coalesce: a Tapo-like cascade (repeats, a false state) is one event_start and one event_end" {
	script="$BATS_TEST_TMPDIR/script.jsonl"
	src='"source":{"VideoSourceConfigurationToken":"vsc","Rule":"motion"}'
	{
		for v in true true false true true; do
			echo "{\"delay\":0.1,\"prefix\":\"tnsx\",\"topic\":\"RuleEngine/CellMotionDetector/Motion\",$src,\"data\":{\"IsMotion\":\"$v\"}}"
		done
		echo "{\"delay\":1.5,\"topic\":\"RuleEngine/CellMotionDetector/Motion\",$src,\"data\":{\"IsMotion\":\"true\"}}"
		echo "{\"delay\":0.1,\"topic\":\"RuleEngine/CellMotionDetector/Motion\",$src,\"data\":{\"IsMotion\":\"true\"}}"
	} >"$script"
	emu --event-script "$script"
	run --separate-stderr sub --topic 'tns1:RuleEngine/CellMotionDetector/Motion' --coalesce 600ms --count 2 "$DEV"
	assert_status 0
	[ "$(printf '%s\n' "$output" | jq -r '.type + " " + (.event_id | tostring)' | tr '\n' ' ')" = \
	  "event_start 1 event_end 1 event_start 2 event_end 2 " ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.type == "event_end") | .notifications' | tr '\n' ' ')" = "5 2 " ]
	assert_json_eq "$(printf '%s\n' "$output" | head -n 1)" .data.IsMotion true
	# the first cascade was sent as "tnsx:RuleEngine/..." (tnsx bound to the
	# ONVIF topic namespace): printed with the canonical prefix
	assert_json_eq "$(printf '%s\n' "$output" | head -n 1)" .topic tns1:RuleEngine/CellMotionDetector/Motion
	assert_json_eq "$(printf '%s\n' "$output" | sed -n 2p)" .reason quiet
}

@test "--exec runs the command per event with the record on stdin, without a shell" {
	emu
	x="$BATS_TEST_TMPDIR/x"
	run --separate-stderr sub --count 3 --topic 'tns1:RuleEngine/CellMotionDetector/Motion' \
		--exec "sh -c 'cat >>\"\$0\"' $x" "$DEV"
	assert_status 0
	for i in $(seq 50); do [ "$(wc -l <"$x" 2>/dev/null)" = 3 ] && break; sleep 0.1; done
	diff -u <(printf '%s\n' "$output" | sort) <(sort "$x")
	# ';' and '$HOME' reach the command as they are
	run --separate-stderr sub --count 1 --exec 'echo a;b $HOME' "$DEV"
	assert_status 0
	assert_contains "$stderr" 'a;b $HOME'
}

@test "--topics lists the topic tree with item descriptions" {
	emu
	run --separate-stderr timeout 30 onvif-subscribe --topics "$DEV"
	assert_status 0
	m=$(printf '%s\n' "$output" | jq -c 'select(.topic == "tns1:RuleEngine/CellMotionDetector/Motion") | [.property, .data.IsMotion]')
	[ "$m" = '[true,"xs:boolean"]' ]
	printf '%s\n' "$output" | jq -r .topic | grep -qx 'tns1:Device/HardwareFailure/tnshik:HardDiskFull'
	[ "$(printf '%s\n' "$output" | jq -r .type | sort -u)" = topic ]
}

@test "failures of the first subscription: 77 auth, 75 timeout, 65 malformed; 1 when nothing came" {
	emu
	ONVIF_PASSWORD=wrong run --separate-stderr sub "$DEV"
	assert_status 77
	teardown_peers
	emu --quirk silent
	run --separate-stderr sub -t 1s "$DEV"
	assert_status 75
	teardown_peers
	emu --quirk garbage-xml
	run --separate-stderr sub "$DEV"
	assert_status 65
	teardown_peers
	emu --profile generic --event-interval 0
	run --separate-stderr sub --duration 1500ms "$DEV"
	assert_status 1
	[ -z "$output" ]
}

@test "push: a forged Notify (another path, another address) is refused and never printed" {
	require_cmd curl
	emu --event-interval 0.5
	onvif-subscribe -v --push 127.0.0.1:0 --duration 4s "$DEV" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	SUB_PID=$!
	wait_for_grep 'subscribed:' "$BATS_TEST_TMPDIR/err" 10
	url=$(consumer "$LOG")
	[[ "$url" =~ /onvif-subscribe/[0-9a-f]{32}/1$ ]]
	forged='<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:tt="http://www.onvif.org/ver10/schema"><wsnt:NotificationMessage><wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet" xmlns:tns1="http://www.onvif.org/ver10/topics">tns1:Forged/Alarm</wsnt:Topic><wsnt:Message><tt:Message UtcTime="2026-01-01T00:00:00Z"><tt:Data><tt:SimpleItem Name="State" Value="true"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify></s:Body></s:Envelope>'
	base=${url%/onvif-subscribe/*}
	# a guessed path from the camera's own address
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/soap+xml' \
	    --data-binary "$forged" "$base/zzz")" = 404 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/soap+xml' \
	    --data-binary "$forged" "$base/onvif-subscribe/1")" = 404 ]
	# the right path from another host
	[ "$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 \
	    -H 'Content-Type: application/soap+xml' --data-binary "$forged" "$url")" = 403 ]
	rc=0
	wait "$SUB_PID" || rc=$?
	SUB_PID=
	[ "$rc" -eq 0 ]
	# the camera's own Notifies got through
	[ "$(jq -r .type "$BATS_TEST_TMPDIR/out" | sort -u)" = event ]
	! grep -q Forged "$BATS_TEST_TMPDIR/out"
	grep -q "not this subscription's path, refused" "$BATS_TEST_TMPDIR/err"
	grep -q "not the camera's address" "$BATS_TEST_TMPDIR/err"
}

@test "push: 30 slow connections do not hold up the camera's Notifies; nothing printed twice" {
	emu --event-interval 0.3
	onvif-subscribe -v --push 127.0.0.1:0 --count 5 "$DEV" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	SUB_PID=$!
	wait_for_grep 'subscribed:' "$BATS_TEST_TMPDIR/err" 10
	url=$(consumer "$LOG")
	# 30 connections that send half a request head and then nothing, held
	# for 25 s: one at a time, they would hold the listener for minutes
	python3 "$TOOLS/push-slow" "$url" 30 25 &
	SLOW_PID=$!
	rc=0
	timeout 20 tail --pid="$SUB_PID" -f /dev/null || rc=$?
	kill "$SLOW_PID" 2>/dev/null; wait "$SLOW_PID" 2>/dev/null || true
	[ "$rc" -eq 0 ] || { kill "$SUB_PID"; cat "$BATS_TEST_TMPDIR/err"; return 1; }
	wait "$SUB_PID"
	SUB_PID=
	[ "$(jq -r .type "$BATS_TEST_TMPDIR/out" | sort | uniq -c | tr -s ' ')" = " 5 event" ]
	[ -z "$(printed "$(cat "$BATS_TEST_TMPDIR/out")" | sort | uniq -d)" ]
}

@test "push: a Notify the camera sends again (no timely answer) is printed once" {
	emu --event-interval 0.5
	onvif-subscribe -v --push 127.0.0.1:0 --duration 4s "$DEV" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	SUB_PID=$!
	wait_for_grep 'subscribed:' "$BATS_TEST_TMPDIR/err" 10
	url=$(consumer "$LOG")
	# a copy of a Notify as a camera retries it: same message, same UtcTime
	n='<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:tt="http://www.onvif.org/ver10/schema"><wsnt:NotificationMessage><wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet" xmlns:tns1="http://www.onvif.org/ver10/topics">tns1:Device/Trigger/Relay</wsnt:Topic><wsnt:Message><tt:Message UtcTime="2026-01-01T00:00:00Z"><tt:Source><tt:SimpleItem Name="RelayToken" Value="r1"/></tt:Source><tt:Data><tt:SimpleItem Name="LogicalState" Value="active"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify></s:Body></s:Envelope>'
	for i in 1 2 3; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/soap+xml' \
		    --data-binary "$n" "$url")" = 200 ]
	done
	rc=0
	timeout 20 tail --pid="$SUB_PID" -f /dev/null || rc=$?
	[ "$rc" -eq 0 ]
	wait "$SUB_PID" || true
	SUB_PID=
	[ "$(jq -r 'select(.topic == "tns1:Device/Trigger/Relay") | .type' "$BATS_TEST_TMPDIR/out" | wc -l)" -eq 1 ]
	grep -q "a retransmission" "$BATS_TEST_TMPDIR/err"
}

# ---- onvif-subscribe as a service (issue 12) ----

@test "--retry: a camera unreachable at start is retried with backoff until it answers" {
	emu --event-interval 0.3
	kill -STOP "$PEER_PID"
	# without --retry the first failure ends the run
	run --separate-stderr timeout 20 onvif-subscribe -t 1s --count 1 "$DEV"
	assert_status 75
	onvif-subscribe --retry -t 1s --backoff-max 300ms --count 1 "$DEV" \
	    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	SUB_PID=$!
	wait_for_grep 'subscribing again in' "$BATS_TEST_TMPDIR/err" 15
	kill -CONT "$PEER_PID"
	rc=0
	timeout 30 tail --pid="$SUB_PID" -f /dev/null || rc=$?
	[ "$rc" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/err"; return 1; }
	wait "$SUB_PID" || rc=$?
	SUB_PID=
	[ "$rc" -eq 0 ]
	assert_json_eq "$(cat "$BATS_TEST_TMPDIR/out")" .type event
	# refused first subscriptions are retried too
	teardown_peers
	emu
	ONVIF_PASSWORD=wrong run --separate-stderr timeout 4 onvif-subscribe --retry \
	    --backoff-max 200ms --count 1 "$DEV"
	assert_status 124
	[ "$(grep -c 'subscribing again in' <<<"$stderr")" -ge 2 ]
}

@test "--exec is resolved at start: a missing or non-executable program is 66 before anything is sent" {
	emu
	run --separate-stderr onvif-subscribe --exec 'no-such-program-camkit --x' "$DEV"
	assert_status 66
	assert_contains "$stderr" "no-such-program-camkit"
	run --separate-stderr onvif-subscribe --exec "$BATS_TEST_TMPDIR/nope" "$DEV"
	assert_status 66
	printf 'x\n' >"$BATS_TEST_TMPDIR/plain"
	run --separate-stderr onvif-subscribe --exec "$BATS_TEST_TMPDIR/plain" "$DEV"
	assert_status 66
	assert_contains "$stderr" "not an executable"
	[ ! -s "$LOG" ]
	run --separate-stderr onvif-subscribe --exec-jobs 0 --exec true "$DEV"
	assert_status 64
}

@test "--exec hooks get CAMKIT_* variables: start and end of a coalesced event, single without" {
	emu
	x="$BATS_TEST_TMPDIR/env"
	run --separate-stderr sub --duration 3s --coalesce 500ms \
	    --topic 'tns1:RuleEngine/CellMotionDetector/Motion' \
	    --exec "sh -c 'env | grep ^CAMKIT_ | sort >\"\$0\".\$CAMKIT_STATE' $x" "$DEV"
	assert_status 0
	for i in $(seq 50); do [ -s "$x.end" ] && break; sleep 0.1; done
	start=$(printf '%s\n' "$output" | head -n 1)
	id=$(jq -r .event_id <<<"$start")
	grep -qx "CAMKIT_STATE=start" "$x.start"
	grep -qx "CAMKIT_STATE=end" "$x.end"
	grep -qx "CAMKIT_EVENT_ID=$id" "$x.start"
	grep -qx "CAMKIT_EVENT_ID=$id" "$x.end"
	grep -qx "CAMKIT_DEVICE=http://$DEV/onvif/device_service" "$x.start"
	grep -qx "CAMKIT_TOPIC=tns1:RuleEngine/CellMotionDetector/Motion" "$x.start"
	grep -qE "^CAMKIT_SOURCE=.+=.+" "$x.start"
	grep -qE "^CAMKIT_TIME=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$" "$x.start"
	# without --coalesce: one hook per event, state single, no event id
	run --separate-stderr sub --count 1 \
	    --exec "sh -c 'env | grep ^CAMKIT_ | sort >\"\$0\".\$CAMKIT_STATE' $x" "$DEV"
	assert_status 0
	for i in $(seq 50); do [ -s "$x.single" ] && break; sleep 0.1; done
	grep -qx "CAMKIT_STATE=single" "$x.single"
	! grep -q CAMKIT_EVENT_ID "$x.single"
}

@test "--exec-jobs bounds the commands running at once; --exec-timeout kills one that hangs" {
	emu --event-interval 0.1
	f="$BATS_TEST_TMPDIR/runs"
	run --separate-stderr sub --count 4 --exec-jobs 1 \
	    --exec "sh -c 'echo start >>\"\$0\"; sleep 0.3; echo end >>\"\$0\"' $f" "$DEV"
	assert_status 0
	for i in $(seq 50); do [ "$(grep -c end "$f" 2>/dev/null)" = 4 ] && break; sleep 0.1; done
	[ "$(tr '\n' ' ' <"$f")" = "start end start end start end start end " ]
	run --separate-stderr sub -v --count 1 --exec-timeout 300ms --exec "sleep 30" "$DEV"
	assert_status 0
	assert_contains "$stderr" "killed"
}
