#!/usr/bin/env bats
# gb-catalog against sipp (Debian sip-tester) as an independent device, and
# against gb-register's device side end to end, over UDP and TCP.
load helpers
bats_require_minimum_version 1.5.0

SIPP="$ROOT/tests/sipp"
DEV_ID=34020000001320000001
PLAT=34020000002000000001@3402000000
ZJ=浙江省杭州市

setup() {
	require_cmd sipp jq iconv
	T=$BATS_TEST_TMPDIR
	# channel names as raw GB2312 bytes, made here with iconv (not our code)
	printf 'SEQUENTIAL\n%s;%s;%s\n' "$(printf '%s' "$ZJ" | iconv -f UTF-8 -t GB2312)" \
		"$(printf '西湖区 02' | iconv -f UTF-8 -t GB2312)" \
		"$(printf '滨江 3' | iconv -f UTF-8 -t GB2312)" >"$T/names.csv"
}

teardown() { teardown_peers; show_on_failure; }

# start_sipp SCENARIO [args...]: sipp as the device on a free UDP port
# (TCP with SIPP_TCP=1).
start_sipp() {
	local scen=$1; shift
	[ -n "${SIPP_TCP:-}" ] && set -- -t t1 "$@"
	start_sipp_peer "$T/sipp.out" -sf "$SIPP/$scen" -m 1 -nostdin -timeout 20s \
		-inf "$T/names.csv" -set sum 3 -set devid "$DEV_ID" \
		-trace_msg -message_file "$T/sipp.msg" "$@"
}

# start_capture PORT: tshark on loopback for that port, into $T/cap.pcap.
start_capture() {
	tshark -i lo -f "port $1" -w "$T/cap.pcap" >"$T/tshark.out" 2>&1 &
	CAP_PID=$!
	PEER_PIDS+=("$CAP_PID")
	wait_for_grep "Capturing on" "$T/tshark.out" 10
	sleep 0.3
}

stop_capture() {
	sleep 0.3
	kill -INT "$CAP_PID"; wait "$CAP_PID" 2>/dev/null || true
}

@test "usage errors exit 64" {
	run --separate-stderr gb-catalog
	assert_status 64; assert_contains "$stderr" "try 'gb-catalog --help'"
	run --separate-stderr gb-catalog -w 127.0.0.1:0 sip:1@127.0.0.1
	assert_status 64
	run --separate-stderr gb-catalog http://127.0.0.1/
	assert_status 64; assert_contains "$stderr" "sip:ID@HOST"
	run --separate-stderr gb-catalog --query Bogus sip:1@127.0.0.1
	assert_status 64; assert_contains "$stderr" "--query"
	run --separate-stderr gb-catalog --query RecordInfo sip:1@127.0.0.1
	assert_status 64; assert_contains "$stderr" "--start"
	run --separate-stderr gb-catalog --query recordinfo --start 2023-10-14 --end 2023-10-14T23:00:00 sip:1@127.0.0.1
	assert_status 64
	run --separate-stderr gb-catalog --from nodomain sip:1@127.0.0.1
	assert_status 64
	run --separate-stderr gb-catalog -t soon sip:1@127.0.0.1
	assert_status 64
}

@test "no registrar password -> 78" {
	: >"$T/creds"; chmod 600 "$T/creds"
	run --separate-stderr env -u GB_PASSWORD CAMKIT_CREDENTIALS="$T/creds" gb-catalog -w 127.0.0.1:0 --wait 1s
	assert_status 78; [ -z "$output" ]; assert_contains "$stderr" "password"
}

@test "sipp device: GB2312 bodies without encoding declaration, one MESSAGE per channel, duplicate dropped" {
	start_sipp catalog-device.xml
	start_capture "$SIPP_PORT"
	run --separate-stderr timeout 30 gb-catalog --from "$PLAT" --sn 4711 "sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	stop_capture
	assert_status 0
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 3 ]
	printf '%s\n' "$output" | jq -e . >/dev/null
	[ "$(printf '%s\n' "$output" | jq -r .item.device_id | tr '\n' ' ')" = "34020000001310000001 34020000001310000002 34020000001310000003 " ]
	[ "$(printf '%s\n' "$output" | jq -r .item.name | tr '\n' '|')" = "$ZJ|西湖区 02|滨江 3|" ]
	assert_json_eq "$(printf '%s\n' "$output" | head -1)" .item.address "$ZJ"
	assert_json_eq "$(printf '%s\n' "$output" | head -1)" .item.info.ptz_type 1
	assert_json_eq "$(printf '%s\n' "$output" | head -1)" .sn 4711
	assert_json_eq "$(printf '%s\n' "$output" | head -1)" .sum_num 3
	assert_json_eq "$(printf '%s\n' "$output" | head -1)" .type item
	# sipp got its 200 for each of the 4 MESSAGEs and finished its call
	wait "$SIPP_PID"
	grep -q "Successful call.*|.*1" "$T/sipp.out"
	[ "$(grep -c '^SIP/2.0 200' "$T/sipp.msg")" -ge 4 ]
	# the exact query we sent
	grep -q '^MESSAGE sip:'"$DEV_ID"'@127.0.0.1:'"$SIPP_PORT"' SIP/2.0' "$T/sipp.msg"
	grep -q '^<CmdType>Catalog</CmdType>' "$T/sipp.msg"
	grep -q '^<SN>4711</SN>' "$T/sipp.msg"
	# tshark (independent dissector): well-formed SIP, the headers GB28181
	# wants, and Content-Length equal to the body's bytes, also for the
	# device's GB2312 bodies
	run --separate-stderr tshark -r "$T/cap.pcap" -Y 'sip.Method == "MESSAGE"' -T fields -E separator='|' \
		-e sip.from.addr -e sip.Content-Type -e sip.Content-Length -e sip.Max-Forwards -e sip.Via.branch -e sip.CSeq.method -e sip.from.tag
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 5 ] || { echo "$output"; return 1; }
	ours=$(printf '%s\n' "$output" | grep "^sip:34020000002000000001@" )
	IFS='|' read -r from ct cl mf branch cseqm ftag <<<"$ours"
	[ "$ct" = "Application/MANSCDP+xml" ]; [ "$mf" = 70 ]; [ "$cseqm" = MESSAGE ]
	[[ $branch == z9hG4bK* ]]; [ -n "$ftag" ]
	[ -z "$(tshark -r "$T/cap.pcap" -Y '_ws.malformed || _ws.expert.severity >= 6291456' 2>/dev/null)" ]
	run --separate-stderr python3 "$TOOLS/sip-message-lengths" "$T/cap.pcap"
	[ "$status" -eq 0 ]
	assert_contains "$output" "gb2312-body"
	assert_contains "$output" "checked 5"
}

@test "sipp device over TCP: query and answers on one connection" {
	SIPP_TCP=1 start_sipp catalog-device.xml
	run --separate-stderr timeout 30 gb-catalog --tcp "sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	[ "$(printf '%s\n' "$output" | jq -r .item.name | tr '\n' '|')" = "$ZJ|西湖区 02|滨江 3|" ]
	wait "$SIPP_PID"
	grep -q '^Via: SIP/2.0/TCP ' "$T/sipp.msg"
}

@test "--xml prints the bodies converted to UTF-8" {
	start_sipp catalog-device.xml
	run --separate-stderr timeout 30 gb-catalog --xml --from "$PLAT" "sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	[ "$(printf '%s\n' "$output" | grep -c '^<?xml version="1.0" encoding="UTF-8"?>$')" -eq 4 ]
	assert_contains "$output" "<Name>$ZJ</Name>"
	assert_contains "$output" "<Name>滨江 3</Name>"
	printf '%s\n' "$output" | iconv -f UTF-8 -t UTF-8 >/dev/null
}

@test "partial answer: prints what came, says so, exits 75" {
	start_sipp catalog-device-partial.xml
	run --separate-stderr timeout 30 gb-catalog -t 1s "sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 75
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
	assert_json_eq "$output" .item.name "$ZJ"
	assert_contains "$stderr" "partial answer: 1 of 3 items"
}

@test "malformed response body -> 65" {
	start_sipp catalog-device-malformed.xml
	run --separate-stderr timeout 30 gb-catalog -t 1s "sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 65
	[ -z "$output" ]
	assert_contains "$stderr" "malformed"
}

@test "RecordInfo and ConfigDownload queries carry the fields devices expect" {
	require_cmd tshark
	start_sipp catalog-query-sink.xml
	start_capture "$SIPP_PORT"
	run --separate-stderr timeout 30 gb-catalog --query RecordInfo -c 34020000001310000001 \
		--start 2023-10-14T00:00:00 --end 2023-10-14T23:00:00 --type time --address "$ZJ" \
		--sn 10000 -t 1s "sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	stop_capture
	assert_status 75
	assert_contains "$stderr" "no RecordInfo response"
	python3 "$TOOLS/gb-recordinfo-check" "$T/sipp.msg"
	# tshark: our MESSAGE is well formed and its Content-Length counts the
	# GB2312 bytes (not UTF-8 characters)
	run --separate-stderr tshark -r "$T/cap.pcap" -Y 'sip.Method == "MESSAGE"' -T fields -E separator='|' \
		-e sip.Content-Type -e sip.Content-Length -e udp.payload
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
	IFS='|' read -r ct cl payload <<<"$output"
	[ "$ct" = Application/MANSCDP+xml ]
	python3 "$TOOLS/sip-body-length" "$cl" "$payload" 浙江省杭州市
	[ -z "$(tshark -r "$T/cap.pcap" -Y '_ws.malformed || _ws.expert.severity >= 6291456' 2>/dev/null)" ]
	start_sipp catalog-query-sink.xml
	run --separate-stderr timeout 30 gb-catalog --query configdownload --config BasicParam,VideoParamOpt -t 500ms \
		"sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 75
	grep -q '^<CmdType>ConfigDownload</CmdType>' "$T/sipp.msg"
	grep -q '^<ConfigType>BasicParam/VideoParamOpt</ConfigType>' "$T/sipp.msg"
}

@test "silent device -> 75" {
	hold_port udp
	run --separate-stderr timeout 30 gb-catalog -t 1s "sip:$DEV_ID@127.0.0.1:$PEER_PORT"
	assert_status 75
	[ -z "$output" ]
	assert_contains "$stderr" "no final response"
}

# e2e PROTO: gb-register (device side) registers with gb-catalog -w.
e2e() {
	local tcp=$1 q=${2:-Catalog}
	printf '%s\n' "<Item><DeviceID>34020000001310000001</DeviceID><Name>$ZJ</Name><Status>ON</Status><Info><PTZType>1</PTZType></Info></Item>" \
		'<Item><DeviceID>34020000001310000002</DeviceID><Name>Camera 02</Name><Status>ON</Status></Item>' \
		'<Item><DeviceID>34020000001310000003</DeviceID><Name>Camera 03</Name><Status>OFF</Status></Item>' >"$T/items.xml"
	GB_PASSWORD=s3cret start_await_register "$T/cat.out" "$T/cat.err" \
		gb-catalog -v --query "$q" -w 127.0.0.1:0 --wait "${WAIT:-15s}" -t 5s
	local cat=$PEER_PID port=$PEER_PORT
	GB_PASSWORD=${DEV_PASSWORD:-s3cret} timeout 20 gb-register $tcp --server "34020000002000000001@127.0.0.1:$port" \
		--device-id "$DEV_ID" --catalog "$T/items.xml" --catalog-chunk 2 --retry 1s >"$T/dev.out" 2>"$T/dev.err" &
	DEV=$!
	PEER_PIDS+=("$DEV")
	set +e
	wait "$cat"; CAT_RC=$?
	set -e
}

@test "end to end with gb-register over UDP: Catalog in chunks" {
	e2e ""
	[ "$CAT_RC" -eq 0 ] || { cat "$T/cat.err" "$T/dev.err"; return 1; }
	[ "$(wc -l <"$T/cat.out")" -eq 3 ]
	[ "$(jq -r .item.name "$T/cat.out" | tr '\n' '|')" = "$ZJ|Camera 02|Camera 03|" ]
	[ "$(jq -r .item.info.ptz_type "$T/cat.out" | head -1)" = 1 ]
	wait_for_grep '"type":"query".*"items":3' "$T/dev.out" 5
	wait_for_grep '"type":"registered".*"transport":"udp"' "$T/dev.out" 5
}

@test "end to end with gb-register over TCP: Catalog and DeviceInfo" {
	e2e --tcp
	[ "$CAT_RC" -eq 0 ] || { cat "$T/cat.err" "$T/dev.err"; return 1; }
	[ "$(jq -r .item.device_id "$T/cat.out" | tr '\n' ' ')" = "34020000001310000001 34020000001310000002 34020000001310000003 " ]
	wait_for_grep '"type":"registered".*"transport":"tcp"' "$T/dev.out" 5 || { cat "$T/dev.out"; return 1; }
	teardown_peers || true
	e2e --tcp DeviceInfo
	[ "$CAT_RC" -eq 0 ] || { cat "$T/cat.err" "$T/dev.err"; return 1; }
	[ "$(wc -l <"$T/cat.out")" -eq 1 ]
	assert_json_eq "$(cat "$T/cat.out")" .type response
	assert_json_eq "$(cat "$T/cat.out")" .cmd_type DeviceInfo
	assert_json_eq "$(cat "$T/cat.out")" .fields.result OK
	assert_json_eq "$(cat "$T/cat.out")" .fields.channel 3
}

@test "wrong device password: registrar refuses it, nothing registers -> 75" {
	WAIT=3s DEV_PASSWORD=wrong e2e ""
	[ "$CAT_RC" -eq 75 ] || { cat "$T/cat.err"; return 1; } 
	[ ! -s "$T/cat.out" ]
	grep -q "wrong password" "$T/cat.err"
}

@test "a device without recordings: empty RecordInfo answer -> 1" {
	GB_PASSWORD=s3cret start_await_register "$T/cat.out" "$T/cat.err" timeout 20 gb-catalog -v \
		--query RecordInfo --start 2023-10-14T00:00:00 --end 2023-10-14T23:59:59 -w 127.0.0.1:0 --wait 15s
	local cat=$PEER_PID port=$PEER_PORT
	GB_PASSWORD=s3cret timeout 20 gb-register --retry 1s --server "34020000002000000001@127.0.0.1:$port" \
		--device-id "$DEV_ID" >"$T/dev.out" 2>"$T/dev.err" &
	PEER_PIDS+=("$!")
	local rc=0
	wait "$cat" || rc=$?
	[ "$rc" -eq 1 ] || { cat "$T/cat.err"; return 1; }
	[ ! -s "$T/cat.out" ]
	grep -q "the RecordInfo is empty" "$T/cat.err"
}

@test "direct TCP to a closed port -> 69" {
	hold_port tcp
	run --separate-stderr timeout 20 gb-catalog --tcp -t 1s "sip:$DEV_ID@127.0.0.1:$PEER_PORT"
	assert_status 69
	[ -z "$output" ]
	assert_contains "$stderr" "refused"
}

@test "PresetQuery: one MESSAGE without SumNum, declared GB2312" {
	start_sipp catalog-device-presets.xml
	run --separate-stderr timeout 30 gb-catalog --query PresetQuery -c 34020000001310000001 "sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 0
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ]
	[ "$(printf '%s\n' "$output" | jq -r '[.cmd_type, .item.preset_id, .item.preset_name] | join(",")' | tr '\n' '|')" = "PresetQuery,1,$ZJ|PresetQuery,2,Gate 3|" ]
	grep -q '^<CmdType>PresetQuery</CmdType>' "$T/sipp.msg"
	grep -q '^<DeviceID>34020000001310000001</DeviceID>' "$T/sipp.msg"
}

# ask_sipp FIELDS [gb-catalog args...]: query-device.xml answers from the
# channel's ID with FIELDS (UTF-8 here, sent as GB2312 without a
# declaration) as the body; runs gb-catalog with the args against it.
ask_sipp() {
	printf 'SEQUENTIAL\n%s;\n' "$(printf '%s' "$1" | iconv -f UTF-8 -t GB2312)" >"$T/f.csv"
	shift
	start_sipp_peer "$T/sipp.out" -sf "$SIPP/query-device.xml" -m 1 -nostdin -timeout 20s \
		-set respid 34020000001310000001 -inf "$T/f.csv" \
		-trace_msg -message_file "$T/sipp.msg" -trace_logs -log_file "$T/sipp.log"
	run --separate-stderr timeout 20 gb-catalog --from "$PLAT" --sn 31 "$@" "sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
}

@test "2022 and alarm queries: usage errors 64" {
	run --separate-stderr gb-catalog --query CruiseTrackQuery sip:1@127.0.0.1
	assert_status 64; assert_contains "$stderr" "--number"
	run --separate-stderr gb-catalog --number 2 sip:1@127.0.0.1
	assert_status 64
	run --separate-stderr gb-catalog --query MobilePosition --interval 0 sip:1@127.0.0.1
	assert_status 64
	run --separate-stderr gb-catalog --interval 5 sip:1@127.0.0.1
	assert_status 64
	run --separate-stderr gb-catalog --query Alarm --alarm-method 8 sip:1@127.0.0.1
	assert_status 64
}

@test "sipp device: PTZPosition, HomePositionQuery, CruiseTrackListQuery decoded from the channel's Response" {
	ask_sipp '<Pan>120.5</Pan><Tilt>30</Tilt><Zoom>2</Zoom>' --query ptzposition -c 34020000001310000001
	assert_status 0; [ -z "$stderr" ]
	assert_json_eq "$output" .type response
	assert_json_eq "$output" .cmd_type PTZPosition
	assert_json_eq "$output" .device_id 34020000001310000001
	assert_json_eq "$output" '[.fields.pan,.fields.tilt,.fields.zoom]|@csv' '"120.5","30","2"'
	wait "$SIPP_PID"
	grep -q 'body-ok cmd=PTZPosition sn=31 id=34020000001310000001 ' "$T/sipp.log"
	ask_sipp '<Result>OK</Result><HomePosition><Enabled>1</Enabled><ResetTime>60</ResetTime><PresetIndex>3</PresetIndex></HomePosition>' --query HomePositionQuery
	assert_status 0
	assert_json_eq "$output" '[.fields.result,.fields.home_position.enabled,.fields.home_position.preset_index]|@csv' '"OK","1","3"'
	ask_sipp '<Result>OK</Result><SumNum>2</SumNum><CruiseTrackList Num="2"><CruiseTrack><Number>1</Number><Name>巡航一</Name></CruiseTrack><CruiseTrack><Number>2</Number><Name>巡航二</Name></CruiseTrack></CruiseTrackList>' --query CruiseTrackListQuery
	assert_status 0
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
	assert_json_eq "$output" '[.fields.cruise_track_list.cruise_track[].name]|join(",")' '巡航一,巡航二'
}

@test "sipp device: CruiseTrackQuery sends Number, MobilePosition Interval, Alarm its conditions" {
	ask_sipp '<Number>2</Number><SumNum>2</SumNum><CruiseTrack Num="2"><Item><PresetIndex>1</PresetIndex><StayTime>10</StayTime></Item><Item><PresetIndex>4</PresetIndex><StayTime>20</StayTime></Item></CruiseTrack>' \
		--query CruiseTrackQuery --number 2
	assert_status 0
	[ "$(printf '%s\n' "$output" | jq -r .item.preset_index | tr '\n' ' ')" = "1 4 " ]
	wait "$SIPP_PID"
	grep -q 'body-ok cmd=CruiseTrackQuery sn=31 .* number=2 interval= method=$' "$T/sipp.log"
	ask_sipp '<Time>2026-12-04T10:00:00</Time><Longitude>120.15</Longitude><Latitude>30.28</Latitude><Speed>0.0</Speed><Direction>90</Direction><Altitude>12</Altitude>' \
		--query MobilePosition --interval 5
	assert_status 0
	assert_json_eq "$output" '[.fields.longitude,.fields.latitude,.fields.direction]|@csv' '"120.15","30.28","90"'
	wait "$SIPP_PID"
	grep -q 'body-ok cmd=MobilePosition .* interval=5 method=$' "$T/sipp.log"
	ask_sipp '<Result>OK</Result>' --query Alarm --alarm-method 2 --start 2026-12-04T00:00:00 --end 2026-12-04T23:59:59
	assert_status 0
	assert_json_eq "$output" .cmd_type Alarm
	wait "$SIPP_PID"
	grep -q 'body-ok cmd=Alarm .* method=2$' "$T/sipp.log"
	grep -q '^<StartAlarmTime>2026-12-04T00:00:00</StartAlarmTime>' "$T/sipp.msg"
	grep -q '^<EndAlarmTime>2026-12-04T23:59:59</EndAlarmTime>' "$T/sipp.msg"
}

@test "sipp device: SDCardStatus, an Item list with SumNum in undeclared GB2312, one record per card" {
	ask_sipp '<SumNum>2</SumNum><SDCardList Num="2"><Item><ID>1</ID><HddName>存储卡甲</HddName><Status>OK</Status><Capacity>64</Capacity><FreeSpace>12</FreeSpace></Item><Item><ID>2</ID><HddName>存储卡乙</HddName><Status>ERROR</Status></Item></SDCardList>' \
		--query SDCardStatus
	assert_status 0
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ]
	[ "$(printf '%s\n' "$output" | jq -r '.type+":"+.item.hdd_name+":"+.item.status' | tr '\n' ' ')" = "item:存储卡甲:OK item:存储卡乙:ERROR " ]
	assert_json_eq "$(printf '%s\n' "$output" | head -1)" .sum_num 2
}

@test "sipp device: a query answered with Result ERROR is printed and exits 76" {
	ask_sipp '<Result>ERROR</Result>' --query CruiseTrackQuery --number 9
	assert_status 76
	assert_json_eq "$output" .fields.result ERROR
	assert_contains "$stderr" "Result ERROR"
	wait "$SIPP_PID"
	grep -q 'body-ok cmd=CruiseTrackQuery .* number=9 ' "$T/sipp.log"
}

@test "end to end with gb-register: Alarm, MobilePosition and the 2022 queries over --await-register" {
	local q
	for q in Alarm MobilePosition HomePositionQuery CruiseTrackListQuery PTZPosition SDCardStatus; do
		e2e "" "$q"
		[ "$CAT_RC" -eq 0 ] || { echo "$q: $CAT_RC"; cat "$T/cat.err" "$T/dev.err"; return 1; }
		assert_json_eq "$(head -n 1 "$T/cat.out")" .cmd_type "$q"
		case $q in
		SDCardStatus) assert_json_eq "$(cat "$T/cat.out")" '.item.id' 1 ;;
		PTZPosition) assert_json_eq "$(cat "$T/cat.out")" '.fields.zoom|tonumber > 0' true ;;
		HomePositionQuery) assert_json_eq "$(cat "$T/cat.out")" '.fields.home_position|has("enabled")' true ;;
		*) assert_json_eq "$(cat "$T/cat.out")" .fields.result OK ;;
		esac
		teardown_peers || true
	done
}
