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

teardown() { teardown_peers; }

# wait_bound PORT: until something listens on UDP or TCP PORT (10 s).
wait_bound() {
	local i
	for i in $(seq 200); do
		ss -Hlun "sport = :$1" 2>/dev/null | grep -q . && return 0
		ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	echo "nothing listens on $1" >&2; return 1
}

udp_port() {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_sipp SCENARIO [args...]: sipp as the device on a free UDP port
# (TCP with SIPP_TCP=1).
start_sipp() {
	local scen=$1; shift
	if [ -n "${SIPP_TCP:-}" ]; then
		SIPP_PORT=$(free_port); set -- -t t1 "$@"
	else
		SIPP_PORT=$(udp_port)
	fi
	sipp -sf "$SIPP/$scen" -i 127.0.0.1 -p "$SIPP_PORT" -m 1 -nostdin -timeout 20s \
		-inf "$T/names.csv" -set sum 3 -set devid "$DEV_ID" \
		-trace_msg -message_file "$T/sipp.msg" "$@" >"$T/sipp.out" 2>&1 &
	SIPP_PID=$!
	PEER_PIDS+=("$SIPP_PID")
	local i
	for i in $(seq 100); do
		ss -Hlun "sport = :$SIPP_PORT" 2>/dev/null | grep -q . && return 0
		ss -Hltn "sport = :$SIPP_PORT" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	echo "sipp did not start" >&2; cat "$T/sipp.out" >&2; return 1
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
	run --separate-stderr gb-catalog --query Alarm sip:1@127.0.0.1
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
	run --separate-stderr python3 - "$T/cap.pcap" <<'PY'
import subprocess, sys
# Every SIP MESSAGE's Content-Length equals the bytes after the blank line.
out = subprocess.run(["tshark", "-r", sys.argv[1], "-Y", "sip.Method == \"MESSAGE\"",
    "-T", "fields", "-e", "udp.payload"], capture_output=True, text=True, check=True).stdout
n = 0
for line in out.split():
    b = bytes.fromhex(line.replace(":", ""))
    head, body = b.split(b"\r\n\r\n", 1)
    cl = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0]
    assert cl == len(body), (cl, len(body))
    n += 1
    if b"\xd5\xe3\xbd\xad" in body:
        print("gb2312-body", cl)
print("checked", n)
PY
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
	python3 - "$T/sipp.msg" <<'PY'
import re, sys, xml.etree.ElementTree as ET
m = open(sys.argv[1], "rb").read()
body = re.search(rb"<\?xml.*?</Query>", m, re.S).group(0)
assert body.startswith(b'<?xml version="1.0" encoding="GB2312"?>')
assert "<Address>浙江省杭州市</Address>".encode("gb2312") in body
r = ET.fromstring(body.decode("gb2312").split("?>", 1)[1])
got = [(c.tag, c.text or "") for c in r]
assert got == [("CmdType", "RecordInfo"), ("SN", "10000"), ("DeviceID", "34020000001310000001"),
    ("StartTime", "2023-10-14T00:00:00"), ("EndTime", "2023-10-14T23:00:00"), ("FilePath", ""),
    ("Address", "浙江省杭州市"), ("Secrecy", "0"), ("Type", "time"), ("RecorderID", "all")], got
PY
	# tshark: our MESSAGE is well formed and its Content-Length counts the
	# GB2312 bytes (not UTF-8 characters)
	run --separate-stderr tshark -r "$T/cap.pcap" -Y 'sip.Method == "MESSAGE"' -T fields -E separator='|' \
		-e sip.Content-Type -e sip.Content-Length -e udp.payload
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
	IFS='|' read -r ct cl payload <<<"$output"
	[ "$ct" = Application/MANSCDP+xml ]
	python3 -c '
import sys
b = bytes.fromhex(sys.argv[2].replace(":", ""))
body = b.split(b"\r\n\r\n", 1)[1]
assert int(sys.argv[1]) == len(body), (sys.argv[1], len(body))
assert "浙江省杭州市".encode("gb2312") in body' "$cl" "$payload"
	[ -z "$(tshark -r "$T/cap.pcap" -Y '_ws.malformed || _ws.expert.severity >= 6291456' 2>/dev/null)" ]
	start_sipp catalog-query-sink.xml
	run --separate-stderr timeout 30 gb-catalog --query configdownload --config BasicParam,VideoParamOpt -t 500ms \
		"sip:$DEV_ID@127.0.0.1:$SIPP_PORT"
	assert_status 75
	grep -q '^<CmdType>ConfigDownload</CmdType>' "$T/sipp.msg"
	grep -q '^<ConfigType>BasicParam/VideoParamOpt</ConfigType>' "$T/sipp.msg"
}

@test "silent device -> 75" {
	python3 -c 'import socket,time,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); open(sys.argv[1],"w").write(str(s.getsockname()[1])); time.sleep(30)' "$T/port" &
	PEER_PIDS+=("$!")
	wait_for_file "$T/port" 10
	run --separate-stderr timeout 30 gb-catalog -t 1s "sip:$DEV_ID@127.0.0.1:$(cat "$T/port")"
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
	rm -f "$T/cport"
	GB_PASSWORD=s3cret gb-catalog --query "$q" -w 127.0.0.1:0 --port-file "$T/cport" --wait "${WAIT:-15s}" -t 5s >"$T/cat.out" 2>"$T/cat.err" &
	local cat=$!
	PEER_PIDS+=("$cat")
	wait_for_file "$T/cport" 10
	local port; port=$(cat "$T/cport")
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
	GB_PASSWORD=s3cret timeout 20 gb-catalog -v --query RecordInfo --start 2023-10-14T00:00:00 \
		--end 2023-10-14T23:59:59 -w 127.0.0.1:0 --port-file "$T/cport" --wait 15s >"$T/cat.out" 2>"$T/cat.err" &
	local cat=$!
	PEER_PIDS+=("$cat")
	wait_for_file "$T/cport" 10
	local port; port=$(cat "$T/cport")
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
	local port; port=$(free_port)
	run --separate-stderr timeout 20 gb-catalog --tcp -t 1s "sip:$DEV_ID@127.0.0.1:$port"
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
