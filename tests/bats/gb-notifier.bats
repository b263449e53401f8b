#!/usr/bin/env bats
# gb-register's device side as a notifier (lib/gb/notifier): SUBSCRIBE for
# Catalog, Alarm and MobilePosition, NOTIFY in the dialog, alarms as
# MESSAGE Notify confirmed by the platform's Response. The platform is
# sipp (an independent SIP stack) running tests/sipp/notifier-*.xml, whose
# regexp checks (check_it) land in $T/sipp.err when what the device sent is
# wrong, and whose log lines ($T/sipp.log) show what it parsed.
load helpers
bats_require_minimum_version 1.5.0

SIPP="$ROOT/tests/sipp"
PLATFORM_ID=34020000002000000001
DEV_ID=34020000001320000001

setup() {
	require_cmd sipp jq
	gb_setup
}

teardown() { teardown_peers; show_on_failure; }

# start_platform SCENARIO [sipp args...]: sipp as the platform (UAS) on a
# free UDP port (SIPP_PORT); messages in $T/sipp.msg, its log in
# $T/sipp.log, failed checks in $T/sipp.err.
start_platform() {
	local scen=$1 auth=(); shift
	: >"$T/sipp.err"
	# register-platform.xml challenges (GB_PASSWORD) and sends a Date
	case $scen in register-*) auth=(-set pass secret -set date 2026-01-02T03:04:05.678) ;; esac
	start_sipp_peer "$T/sipp.out" -sf "$SIPP/$scen" -nostdin -timeout 60s \
		-set user "$DEV_ID" "${auth[@]}" -trace_msg -message_file "$T/sipp.msg" -trace_logs -log_file "$T/sipp.log" \
		-trace_err -error_file "$T/sipp.err" "$@"
}

# start_device OUT [args...]: gb-register device side in the background.
start_device() {
	local out=$1; shift
	timeout 60 gb-register --server "$PLATFORM_ID@127.0.0.1:$SIPP_PORT" --device-id "$DEV_ID" \
		--keepalive 60s "$@" >"$out" 2>"$out.err" &
	DEV_PID=$!
	PEER_PIDS+=("$DEV_PID")
}

# The `timeout` wrapper is DEV_PID; the device is its child.
device_pid() { pgrep -P "$DEV_PID" gb-register; }

stop_device() {
	kill -TERM "$DEV_PID"
	wait "$DEV_PID" || true
}

# No sipp check failed (a wrong header or body from the device).
assert_sipp_checks() {
	if grep -q 'Failed regexp' "$T/sipp.err"; then
		cat "$T/sipp.err" >&2
		return 1
	fi
}

# run_subscribers LOG EVENT EXPIRES CMDTYPE [sipp args...]: sipp as platforms
# (UAC, notifier-subscriber.xml) sending SUBSCRIBEs straight to the device
# registered with start_platform register-platform.xml ($T/d.out); each
# answer's status logged to LOG. LAPSE=1: each waits for the NOTIFY that
# ends its subscription at expiry, and answers it.
run_subscribers() {
	local log=$1 ev=$2 exp=$3 cmd=$4 port
	shift 4
	port=$(jq -r 'select(.type=="registered") | .local_port' "$T/d.out")
	printf 'SEQUENTIAL\n%s;%s;\n' "$DEV_ID" "$PLATFORM_ID" >"$T/u.csv"
	run timeout 60 sipp 127.0.0.1:"$port" -sf "$SIPP/notifier-subscriber.xml" -inf "$T/u.csv" \
		-i 127.0.0.1 -nostdin -timeout 40s -set event "$ev" -set exp "$exp" -set cmd "$cmd" \
		-set lapse "${LAPSE:-0}" -trace_logs -log_file "$log" "$@"
}

catalog() {
	cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Response><DeviceList>
<Item><DeviceID>34020000001310000001</DeviceID><Name>Gate</Name><Status>$2</Status></Item>
<Item><DeviceID>34020000001310000002</DeviceID><Name>$3</Name><Status>ON</Status></Item>
$4
</DeviceList></Response>
EOF
}

@test "gb-register: --position and --alarm-every values are checked (64)" {
	run --separate-stderr gb-register --server "$PLATFORM_ID@127.0.0.1" --device-id "$DEV_ID" \
		--position 200,30
	assert_status 64
	assert_contains "$stderr" "--position: LON,LAT"
	run --separate-stderr gb-register --server "$PLATFORM_ID@127.0.0.1" --device-id "$DEV_ID" \
		--alarm-every 10ms
	assert_status 64
	assert_contains "$stderr" "--alarm-every: at least 100ms"
	run --separate-stderr gb-register --listen 127.0.0.1:0 --alarm-every 1s
	assert_status 64
	assert_contains "$stderr" "--alarm-every and --position are for one device"
}

@test "gb-register: Catalog SUBSCRIBE (no Expires: 3600): the current catalog NOTIFYed at once and after the refresh to 900, SIGHUP notifies ADD/DEL/UPDATE/OFF, Expires 0 ends it" {
	catalog "$T/cat.xml" ON Yard "<Item><DeviceID>34020000001310000003</DeviceID><Name>Door</Name><Status>ON</Status></Item>"
	start_platform notifier-catalog.xml -set event "Catalog;id=1" -set expline "X-No-Expires: 1"
	start_device "$T/d.out" --catalog "$T/cat.xml"
	wait_for_grep '^refresh-state' "$T/sipp.log" 10
	# Gate goes OFF, Yard is renamed, Door goes, Tower comes
	catalog "$T/cat.xml" OFF "Yard 2" "<Item><DeviceID>34020000001310000004</DeviceID><Name>Tower</Name><Status>ON</Status></Item>"
	kill -HUP "$(device_pid)"
	wait_for_grep unsub-ok "$T/sipp.log" 10
	wait_for_grep '"state":"terminated"' "$T/d.out" 5
	stop_device
	assert_sipp_checks
	grep -q '^sub200 expires=3600 event= Catalog;id=1 contact=sip:34020000001320000001@127.0.0.1:' "$T/sipp.log"
	# the current catalog right after the 200 (RFC 6665 4.2.1.2), and again
	# after the refresh, counting down from 3600 and from 900
	grep -q '^init-state state=active;expires=3[56][0-9][0-9] sumnum=3 num=3 ' "$T/sipp.log"
	grep -q '^refresh200 expires= 900 ' "$T/sipp.log"
	grep -q '^refresh-state state=active;expires=\(8[0-9][0-9]\|900\) sumnum=3 num=3 ' "$T/sipp.log"
	# the NOTIFY counts down from the refreshed 900 s
	grep -q '^notify state=active;expires=\(8[0-9][0-9]\|900\) event= Catalog;id=1 ctype=Application/MANSCDP+xml sumnum=4' "$T/sipp.log"
	assert_json_eq "$(grep subscription_refreshed "$T/d.out")" .expires 900
	s=$(grep '"subscribed"' "$T/d.out")
	assert_json_eq "$s" .cmd_type Catalog
	assert_json_eq "$s" .sn 77
	assert_json_eq "$s" .expires 3600
	c=$(grep '"catalog_changed"' "$T/d.out")
	assert_json_eq "$c" '[.items,.added,.deleted,.updated,.on,.off,.subscribers]|join(",")' "3,1,1,1,0,1,1"
	[ "$(jq -r 'select(.type=="notified") | [.state,.items,.status,.current_state] | join(",")' "$T/d.out" | tr '\n' ' ')" = \
		"active,3,200,true active,3,200,true active,4,200, terminated,,200, " ]
	grep -q '"unsubscribed"' "$T/d.out"
	# the NOTIFY bodies, as sipp received them: the whole catalog as ADD
	# twice, then each change with its Event
	"$TOOLS/sipp-json" "$T/sipp.msg" | jq -c 'select(.method=="NOTIFY" and .items)' >"$T/n.json"
	[ "$(wc -l <"$T/n.json")" -eq 3 ]
	for i in 1 2; do
		n=$(sed -n "${i}p" "$T/n.json")
		assert_json_eq "$n" '[.items[] | "\(.device_id):\(.event):\(.name)"] | join(" ")' \
			"34020000001310000001:ADD:Gate 34020000001310000002:ADD:Yard 34020000001310000003:ADD:Door"
	done
	n=$(sed -n 3p "$T/n.json")
	assert_json_eq "$n" '[.items[] | "\(.device_id):\(.event)"] | sort | join(" ")' \
		"34020000001310000001:OFF 34020000001310000002:UPDATE 34020000001310000003:DEL 34020000001310000004:ADD"
	assert_json_eq "$n" '[.items[] | select(.event=="ADD" or .event=="UPDATE") | .name] | sort | join(",")' "Tower,Yard 2"
	assert_contains "$(jq -r .body <<<"$n")" '<DeviceList Num="4">'
}

@test "gb-register: a DeviceConfig Name that renames the camera's own catalog item is NOTIFYed to its Catalog subscriber (Event UPDATE)" {
	start_platform notifier-rename.xml -set name "Gate 2"
	start_device "$T/d.out" --name "Gate 1"
	wait_for_grep unsub-ok "$T/sipp.log" 15 || { cat "$T/sipp.log" "$T/sipp.err" "$T/d.out" "$T/d.out.err" >&2; return 1; }
	wait_for_grep '"state":"terminated"' "$T/d.out" 5
	stop_device
	assert_sipp_checks
	grep -qx 'init state=active;expires=[0-9]* name=Gate 1 event=ADD' "$T/sipp.log"
	grep -qx "rename-notify state=active;expires=[0-9]* sumnum=1 num=1 id=$DEV_ID name=Gate 2 event=UPDATE" "$T/sipp.log" ||
		{ cat "$T/sipp.log" >&2; return 1; }
	# the NOTIFY came after the DeviceConfig's 200, in the subscription's dialog
	"$TOOLS/sipp-json" "$T/sipp.msg" | jq -c 'select(.dir=="received" and .method=="NOTIFY" and .items)' >"$T/n.json"
	[ "$(jq -r '[.cseq, (.items[] | "\(.device_id):\(.event):\(.name)")] | join(" ")' "$T/n.json" | tr '\n' '|')" = \
		"2 NOTIFY $DEV_ID:ADD:Gate 1|3 NOTIFY $DEV_ID:UPDATE:Gate 2|" ]
	[ "$(jq -r .call_id "$T/n.json" | sort -u | wc -l)" -eq 1 ]
	c=$(grep '"catalog_changed"' "$T/d.out")
	assert_json_eq "$c" '[.trigger,.items,.added,.deleted,.updated,.on,.off,.subscribers]|join(",")' "DeviceConfig,1,0,0,1,0,0,1"
	[ "$(jq -r 'select(.type=="notified") | [.state,.items,.status,.current_state] | join(",")' "$T/d.out" | tr '\n' ' ')" = \
		"active,1,200,true active,1,200, terminated,,200, " ]
	# the record of the control comes before the change it made
	[ "$(grep -n '"control"' "$T/d.out" | cut -d: -f1)" -lt "$(grep -n '"catalog_changed"' "$T/d.out" | cut -d: -f1)" ]
}

@test "gb-register --tcp: SUBSCRIBE and NOTIFY on the registration's TCP connection" {
	catalog "$T/cat.xml" ON Yard ""
	start_platform notifier-catalog.xml -t t1 -set event Catalog -set expline "Expires: 120"
	start_device "$T/d.out" --tcp --catalog "$T/cat.xml"
	wait_for_grep '^refresh-state' "$T/sipp.log" 10
	catalog "$T/cat.xml" ON Yard "<Item><DeviceID>34020000001310000004</DeviceID><Name>Tower</Name><Status>ON</Status></Item>"
	kill -HUP "$(device_pid)"
	wait_for_grep unsub-ok "$T/sipp.log" 10
	stop_device
	assert_sipp_checks
	grep -q '^sub200 expires=120 event= Catalog contact=sip:34020000001320000001@127.0.0.1:[0-9]*;transport=tcp' "$T/sipp.log"
	grep -q '^init-state state=active;expires=1[0-2][0-9] sumnum=2 num=2 ' "$T/sipp.log"
	grep -q '^notify state=active;expires=\(8[0-9][0-9]\|900\) event= Catalog ctype=Application/MANSCDP+xml sumnum=1' "$T/sipp.log"
	# the current state twice, the change, terminated
	[ "$(grep -c '"notified".*"status":200' "$T/d.out")" -eq 4 ]
	# everything the device sent (REGISTER, 200s, NOTIFYs) came over TCP
	[ "$(grep -c 'TCP message received' "$T/sipp.msg")" -ge 4 ]
	! grep -q 'UDP message received' "$T/sipp.msg"
	"$TOOLS/sipp-json" "$T/sipp.msg" | jq -r 'select(.dir=="received") | .headers.via' | grep -v '^SIP/2.0/TCP ' && return 1
	true
}

@test "gb-register: MobilePosition SUBSCRIBE Interval 1 gets NOTIFYs with Time, Longitude, Latitude, Speed, Direction, Altitude" {
	start_platform notifier-position.xml -set event presence -set expline "Expires: 600" -set interval 1
	start_device "$T/d.out" --position 120.153576,30.287459
	wait_for_grep unsub-ok "$T/sipp.log" 15 || { cat "$T/sipp.log" "$T/sipp.err" "$T/d.out" "$T/d.out.err" >&2; return 1; }
	stop_device
	assert_sipp_checks
	[ "$(grep -c '^pos state=active' "$T/sipp.log")" -eq 3 ]
	s=$(grep '"subscribed"' "$T/d.out")
	assert_json_eq "$s" '[.cmd_type,.interval,.expires,.event]|join(",")' "MobilePosition,1,600,presence"
	[ "$(grep -c '"notified".*"MobilePosition".*"active".*"status":200' "$T/d.out")" -eq 3 ]
	# near the start and moving: three different points within 100 m
	sed -n 's/^pos .* lon=\([-0-9.]*\) lat=\([-0-9.]*\) speed=\([0-9.]*\) dir=\([0-9.]*\) .*/\1 \2 \3 \4/p' \
		"$T/sipp.log" >"$T/pts"
	[ "$(sort -u "$T/pts" | wc -l)" -eq 3 ]
	awk '{ d = $1 - 120.153576; e = $2 - 30.287459
	       if (d * d > 1e-6 || e * e > 1e-6 || $3 != 36.0 || $4 < 0 || $4 >= 360) exit 1 }' "$T/pts"
	# one second apart by the device's own clock (the Time fields)
	[ "$(grep -o 'time=[-0-9T:]*' "$T/sipp.log" | sort -u | wc -l)" -ge 2 ]
}

@test "gb-register: a NOTIFY nobody answers is retransmitted (UDP, SIP timers), reported and ends the subscription" {
	start_platform notifier-mute.xml -set event presence -set expline "Expires: 600" -set interval 60
	start_device "$T/d.out" --position 120.153576,30.287459 -t 2s
	wait_for_grep subscription_expired "$T/d.out" 15
	stop_device
	f=$(grep notify_failed "$T/d.out")
	assert_json_eq "$f" '[.cmd_type,.cseq,.state]|map(tostring)|join(",")' "MobilePosition,2,active"
	assert_contains "$(jq -r .error <<<"$f")" "no final response"
	assert_json_eq "$(grep subscription_expired "$T/d.out")" .reason "NOTIFY unanswered"
	# the same NOTIFY (CSeq 2) arrived more than once: timer A retransmissions
	"$TOOLS/sipp-json" "$T/sipp.msg" | jq -r 'select(.dir=="received" and .method=="NOTIFY") | .cseq' >"$T/cseq"
	[ "$(wc -l <"$T/cseq")" -ge 2 ]
	[ "$(sort -u "$T/cseq")" = "2 NOTIFY" ]
	# and it never counted as delivered
	[ "$(grep -c '"notified"' "$T/d.out")" -eq 0 ]
}

@test "gb-register: without --position a MobilePosition SUBSCRIBE gets 489" {
	start_platform register-platform.xml -set grant 3600
	start_device "$T/d.out"
	wait_for_grep '"registered"' "$T/d.out" 10
	run_subscribers "$T/u.log" presence 60 MobilePosition -m 1
	assert_status 0
	stop_device
	grep -qx 'status 489' "$T/u.log"
	assert_json_eq "$(grep subscribe_refused "$T/d.out")" '[.status,.reason]|join(",")' "489,no position (--position)"
}

@test "gb-register: Alarm SUBSCRIBE as cameras send it (Event: id=1984, Expires:300); SIGUSR1 alarm as NOTIFY and MESSAGE, confirmed by a GB2312 Response" {
	start_platform notifier-alarm.xml -set event "id=1984" -set expline "Expires:300" \
		-set reason "$(printf '\xd2\xd1\xc8\xb7\xc8\xcf')"
	start_device "$T/d.out" --position 116.397128,39.916527
	wait_for_grep '"subscribed"' "$T/d.out" 10
	kill -USR1 "$(device_pid)"
	wait_for_grep unsub-ok "$T/sipp.log" 10
	wait_for_grep alarm_confirmed "$T/d.out" 10
	stop_device
	assert_sipp_checks
	grep -q '^sub200 expires=300 event= id=1984 ' "$T/sipp.log"
	# no alarm yet: a NOTIFY without a body right after the 200
	grep -q '^init-state state=active;expires=[0-9]* length= *0$' "$T/sipp.log"
	assert_json_eq "$(grep '"notified"' "$T/d.out" | head -n 1)" '[.cmd_type,.state,.current_state,.status]|join(",")' "Alarm,active,true,200"
	grep -q '^alarm-notify state=active;expires=[0-9]* event= id=1984 ctype=Application/MANSCDP+xml sn=1 priority=3 method=5 time=20[-0-9T:]* type=2' "$T/sipp.log"
	grep -q '^alarm-message sn=1 ' "$T/sipp.log"
	a=$(grep '"alarm"' "$T/d.out")
	assert_json_eq "$a" '[.sn,.trigger,.priority,.method,.alarm_type,.subscribers]|join(",")' "1,signal,3,5,2,1"
	c=$(grep alarm_confirmed "$T/d.out")
	assert_json_eq "$c" '[.sn,.result,.sends]|join(",")' "1,OK,1"
	# the Response had no XML declaration and GB2312 bytes: decoded
	assert_json_eq "$c" .response.reason "已确认"
	# the alarm MESSAGE to the platform: GB2312 description, the position
	"$TOOLS/sipp-json" "$T/sipp.msg" |
		jq -c 'select(.dir=="received" and .method=="MESSAGE" and (.body|contains("<CmdType>Alarm</CmdType>")))' >"$T/a.json"
	[ "$(wc -l <"$T/a.json")" -eq 1 ]
	assert_json_eq "$(cat "$T/a.json")" .charset gb18030
	b=$(jq -r .body "$T/a.json")
	for f in 'encoding="GB2312"' '<Notify>' '<AlarmDescription>运动目标检测报警</AlarmDescription>' \
		'<AlarmPriority>3<' '<AlarmMethod>5<' '<AlarmTime>20' '<Longitude>116.39' '<Latitude>39.91' \
		'<AlarmType>2<'; do
		assert_contains "$b" "$f"
	done
}

@test "gb-register: an alarm the platform never confirms is sent again (same SN), 3 times, then alarm_unconfirmed" {
	start_platform register-platform.xml -set grant 3600
	start_device "$T/d.out" -t 1s
	wait_for_grep '"registered"' "$T/d.out" 10
	kill -USR1 "$(device_pid)"
	wait_for_grep alarm_unconfirmed "$T/d.out" 15
	stop_device
	assert_json_eq "$(grep alarm_unconfirmed "$T/d.out")" '[.sn,.sends,.last_status]|join(",")' "1,3,200"
	! grep -q alarm_confirmed "$T/d.out"
	# three MESSAGEs (three transactions, not UDP retransmissions), one SN
	"$TOOLS/sipp-json" "$T/sipp.msg" |
		jq -c 'select(.dir=="received" and .method=="MESSAGE" and (.body|contains("<CmdType>Alarm</CmdType>")))' >"$T/a.json"
	[ "$(jq -r .call_id "$T/a.json" | sort -u | wc -l)" -eq 3 ]
	[ "$(jq -r '.body | capture("<SN>(?<sn>[0-9]+)</SN>").sn' "$T/a.json" | sort -u)" = 1 ]
}

@test "gb-register: --alarm-every raises alarms on a timer, each confirmed" {
	start_platform notifier-alarm.xml -set event presence -set expline "Expires: 60" -set reason OK
	start_device "$T/d.out" --alarm-every 300ms
	wait_for_grep unsub-ok "$T/sipp.log" 10
	wait_for_grep_n 3 alarm_confirmed "$T/d.out" 10
	stop_device
	assert_sipp_checks
	[ "$(grep '"alarm"' "$T/d.out" | jq -r .trigger | sort -u)" = timer ]
	[ "$(grep alarm_confirmed "$T/d.out" | jq -r .sn | sort -u | wc -l)" -ge 3 ]
}

@test "gb-register: an expired subscription ends with a NOTIFY terminated;reason=timeout in its dialog (RFC 6665 4.2.2), answered by the subscriber" {
	catalog "$T/cat.xml" ON Yard ""
	start_platform register-platform.xml -set grant 3600
	start_device "$T/d.out" --catalog "$T/cat.xml"
	wait_for_grep '"registered"' "$T/d.out" 10
	LAPSE=1 run_subscribers "$T/u.log" Catalog 2 Catalog -m 1
	assert_status 0
	wait_for_grep '"notified".*"terminated"' "$T/d.out" 5
	stop_device
	grep -q '^notify *active;expires=[12]$' "$T/u.log"
	# the dialog of the first NOTIFY: same tags, the next CSeq; no body
	local first cs tt ft
	first=$(grep '^first cseq=' "$T/u.log")
	cs=$(sed 's/.*cseq=\([0-9]*\).*/\1/' <<<"$first")
	tt=$(sed 's/.*totag=\([^ ]*\).*/\1/' <<<"$first")
	ft=$(sed 's/.*fromtag=\([^ ]*\).*/\1/' <<<"$first")
	[ -n "$tt" ] && [ -n "$ft" ]
	grep -qx "lapsed  *terminated;reason=timeout cseq=$((cs + 1)) totag=$tt fromtag=$ft event= Catalog length=0" "$T/u.log" ||
		{ cat "$T/u.log" >&2; return 1; }
	assert_json_eq "$(grep subscription_expired "$T/d.out")" '[.cmd_type,.reason]|join(",")' "Catalog,timeout"
	assert_json_eq "$(grep '"notified".*"terminated"' "$T/d.out")" '[.cseq,.reason,.status]|map(tostring)|join(",")' \
		"$((cs + 1)),timeout,200"
	run jq -r .type "$T/d.out"
	[ "$(printf '%s\n' "${lines[@]}" | grep -v keepalive_ok | tr '\n' ' ')" = \
		"registered subscribed notified subscription_expired notified unregistered " ]
}

@test "gb-register: subscriptions are bounded (503 past 32), other packages get 489, each accepted one gets its NOTIFY at once, short ones expire with a terminated NOTIFY" {
	start_platform register-platform.xml -set grant 3600
	start_device "$T/d.out"
	wait_for_grep '"registered"' "$T/d.out" 10
	LAPSE=1 run_subscribers "$T/u.log" Catalog 2 Catalog -m 40 -r 100
	assert_status 0
	run_subscribers "$T/u2.log" dialog 60 Catalog -m 1
	assert_status 0
	wait_for_grep_n 32 subscription_expired "$T/d.out" 15
	wait_for_grep_n 64 '"notified"' "$T/d.out" 15
	stop_device
	[ "$(grep -cx 'status 200' "$T/u.log")" -eq 32 ]
	[ "$(grep -cx 'status 503' "$T/u.log")" -eq 8 ]
	grep -qx 'status 489' "$T/u2.log"
	[ "$(grep -c '"subscribed"' "$T/d.out")" -eq 32 ]
	[ "$(grep -c '"status":503' "$T/d.out")" -eq 8 ]
	# each accepted one was sent the catalog at once, and sipp answered it
	[ "$(grep -c '^notify *active;expires=[12]$' "$T/u.log")" -eq 32 ]
	[ "$(grep -c '"notified".*"current_state":true.*"status":200' "$T/d.out")" -eq 32 ]
	# each expired with the NOTIFY saying so, answered; nothing else went out
	[ "$(grep -c '^lapsed  *terminated;reason=timeout cseq=3 ' "$T/u.log")" -eq 32 ]
	[ "$(grep -c '"subscription_expired".*"reason":"timeout"' "$T/d.out")" -eq 32 ]
	[ "$(grep -c '"notified".*"state":"terminated","reason":"timeout".*"status":200' "$T/d.out")" -eq 32 ]
	[ "$(grep -c '"notified"' "$T/d.out")" -eq 64 ]
	! grep -q '"notify_failed"' "$T/d.out"
}

@test "gb-register: a TeleBoot forgets the subscriptions and the unconfirmed alarms, as a rebooted camera does" {
	catalog "$T/cat.xml" ON Yard ""
	start_platform register-platform.xml -set grant 3600
	start_device "$T/d.out" --catalog "$T/cat.xml"
	wait_for_grep '"registered"' "$T/d.out" 10
	run_subscribers "$T/u.log" Catalog 600 Catalog -m 1
	assert_status 0
	wait_for_grep '"notified"' "$T/d.out" 5
	kill -USR1 "$(device_pid)"
	wait_for_grep '"alarm"' "$T/d.out" 5
	run timeout 30 sipp 127.0.0.1:"$(jq -r 'select(.type=="registered") | .local_port' "$T/d.out")" \
		-sf "$SIPP/notifier-teleboot.xml" -inf "$T/u.csv" -i 127.0.0.1 -m 1 -nostdin -timeout 20s
	assert_status 0
	wait_for_grep_n 2 '"registered"' "$T/d.out" 15
	catalog "$T/cat.xml" OFF Yard ""
	kill -HUP "$(device_pid)"
	wait_for_grep catalog_changed "$T/d.out" 5
	stop_device
	assert_json_eq "$(grep subscription_expired "$T/d.out")" '[.cmd_type,.reason]|join(",")' "Catalog,reboot"
	# the alarm's SN follows the catalog NOTIFY's (one SN counter for the
	# device's Notify bodies)
	assert_json_eq "$(grep alarm_unconfirmed "$T/d.out")" '[.sn,.reason]|map(tostring)|join(",")' \
		"$(jq -r 'select(.type=="alarm") | .sn' "$T/d.out"),reboot"
	assert_json_eq "$(grep catalog_changed "$T/d.out")" '[.off,.subscribers]|map(tostring)|join(",")' "1,0"
	# only the NOTIFY of the current state that followed the SUBSCRIBE
	[ "$(grep -c '"notified"' "$T/d.out")" -eq 1 ]
	! grep -q '"notify_failed"' "$T/d.out"
	run jq -r .type "$T/d.out"
	[ "$(printf '%s\n' "${lines[@]}" | grep -v keepalive_ok | tr '\n' ' ')" = \
		"registered subscribed notified alarm control subscription_expired alarm_unconfirmed rebooting registered catalog_changed unregistered " ]
}


@test "gb-register: an alarm confirmation or AlarmCmd ResetAlarm from anywhere but the platform the device registered with gets 403" {
	start_platform register-platform.xml -set grant 3600
	start_device "$T/d.out" -t 1s
	wait_for_grep '"registered"' "$T/d.out" 10
	kill -USR1 "$(device_pid)"
	wait_for_grep '"alarm"' "$T/d.out" 5
	sn=$(jq -r 'select(.type=="alarm") | .sn' "$T/d.out")
	port=$(jq -r 'select(.type=="registered") | .local_port' "$T/d.out")
	# the platform's ID in From, but another address (sipp's own port)
	{
		echo SEQUENTIAL
		echo "$DEV_ID;$PLATFORM_ID;<?xml version=\"1.0\"?><Response><CmdType>Alarm</CmdType><SN>$sn</SN><DeviceID>$DEV_ID</DeviceID><Result>OK</Result></Response>;"
		echo "$DEV_ID;$PLATFORM_ID;<?xml version=\"1.0\"?><Control><CmdType>DeviceControl</CmdType><SN>90</SN><DeviceID>$DEV_ID</DeviceID><AlarmCmd>ResetAlarm</AlarmCmd></Control>;"
	} >"$T/f.csv"
	run timeout 30 sipp "127.0.0.1:$port" -sf "$SIPP/device-foreign.xml" -inf "$T/f.csv" -i 127.0.0.1 \
		-m 2 -nostdin -timeout 20s -trace_logs -log_file "$T/f.log"
	assert_status 0
	[ "$(grep -cx 'status 403' "$T/f.log")" -eq 2 ]
	# the refused confirmation did not count: the device sent the alarm
	# until it gave up
	wait_for_grep alarm_unconfirmed "$T/d.out" 30
	stop_device
	! grep -q alarm_confirmed "$T/d.out"
	assert_json_eq "$(grep alarm_unconfirmed "$T/d.out")" '[.sn,.sends]|join(",")' "$sn,3"
	[ "$(jq -r 'select(.type=="refused") | [.cmd_type,.sn,.from,.status] | join(",")' "$T/d.out" | tr '\n' ' ')" = \
		"Alarm,$sn,$PLATFORM_ID,403 DeviceControl,90,$PLATFORM_ID,403 " ]
	! grep -q '"type":"control"' "$T/d.out"
}
