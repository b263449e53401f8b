#!/usr/bin/env bats
# The shell examples of README.md, extracted by tests/tools/readme-examples
# and run as written against the simulators, the README's hosts substituted:
# 10.0.0.7 is an emulated PTZ camera (tests/tools/onvif-emu, ex_onvif
# recordings, whose preset "Entrance" stands for the README's "Gate"),
# 10.0.0.5 an emulated ENP1A14 (profile tokens Profile_1...) or, with :5060,
# a GB28181 platform (gb-register --listen); 10.1.2.3 and the multicast
# `onvif-discover` are a WS-Discovery responder on loopback for the first
# camera (unicast); `:5060` listen addresses are `:0 --port-file gb.port`,
# and a device (gb-register, channels.xml) registers there; onvif-snapshot's
# 10.0.0.5 is a generated device (its snapshot URI is served); the OpenVidu
# server is tests/tools/openvidu-emu; the files and directories named (camera.pcap, cam.pcap, ptz.pcap, channels.xml, ~/.cam-pw) are
# generated. Examples marked in the README (skip, broken) are reported with
# their reason on the TAP stream, never dropped silently.
load helpers

setup() {
	require_cmd python3 jq ffmpeg ffprobe tshark
	W=$BATS_TEST_TMPDIR/w
	mkdir -p "$W/home"
}

teardown() { teardown_peers; }

# fixtures: what the examples read
make_fixtures() {
	ffmpeg -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=25 -t 3 \
		-c:v libx264 -g 25 -bf 0 -f h264 "$W/src.h264"
	python3 "$TOOLS/psmux" --rtp "$W/ps.rtp" "$W/src.h264" 2>/dev/null
	python3 "$TOOLS/rtp2pcap" --sip -o "$W/cam.pcap" "$W/ps.rtp"
	python3 "$TOOLS/rtp2pcap" --sip --loss 3 --seed 2 -o "$W/camera.pcap" "$W/ps.rtp"
	printf '%s\n' '<Item><DeviceID>34020000001310000001</DeviceID><Name>Gate 01</Name><Status>ON</Status></Item>' \
		>"$W/channels.xml"
	printf 'MESSAGE sip:34020000001320000001@3402000000 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\nFrom: <sip:34020000002000000001@3402000000>;tag=1\nTo: <sip:34020000001320000001@3402000000>\nCall-ID: 1\nCSeq: 1 MESSAGE\nMax-Forwards: 70\nContent-Type: Application/MANSCDP+xml\nContent-Length: %d\n\n%s' \
		"$(printf '%s' "$PTZ_BODY" | wc -c)" "$PTZ_BODY" >"$W/msg"
	python3 "$TOOLS/sip-pcap" "$W/ptz.pcap" "$W/msg"
	cp "$W/src.h264" "$W/cam.h264"
	ffmpeg -loglevel error -y -f lavfi -i sine=frequency=440:duration=3 -ar 8000 -ac 1 -f alaw "$W/cam.alaw"
	mkdir -p "$W/stills"
	printf 'secret\n' >"$W/home/.cam-pw"
	chmod 600 "$W/home/.cam-pw"
}
PTZ_BODY='<?xml version="1.0" encoding="GB2312"?>
<Control>
<CmdType>DeviceControl</CmdType>
<SN>1</SN>
<DeviceID>34020000001320000001</DeviceID>
<PTZCmd>A50F4D0190000092</PTZCmd>
</Control>
'

# substitute CMD: the example with the simulated hosts
substitute() {
	local c=$1
	c=${c//10.0.0.5:5060/127.0.0.1:$REG}
	[[ $c == *onvif-snapshot* ]] && c=${c//10.0.0.5/$DEVG}
	c=${c///srv\/stills/stills}
	c=${c//https:\/\/openvidu.example:4443/$OV}
	c=${c//OPENVIDU_SECRET=.../OPENVIDU_SECRET=S3cret}
	c=${c//10.0.0.7/$DEV7}
	c=${c//10.0.0.5/$DEV5}
	c=${c//preset-goto Gate/preset-goto Entrance}
	c=${c//10.1.2.3/127.0.0.1:$WSD}
	c=${c//--await-register :5060/--await-register :0 --port-file gb.port}
	c=${c//--listen :5060/--listen :0 --port-file gb.port}
	# the multicast probe becomes a unicast one to the responder
	[[ $c == *"onvif-discover 127.0.0.1:"* ]] || c=${c//onvif-discover/onvif-discover 127.0.0.1:$WSD}
	printf '%s' "$c"
}

@test "every README example works as written against the simulators" {
	make_fixtures
	emu
	DEVG=$DEV
	emu --profile enp1a14-ir_25x
	DEV5=$DEV
	emu --profile ex_onvif --event-interval 0.5
	DEV7=$DEV
	start_peer "$W/wsd.port" python3 "$TOOLS/onvif_emu/discovery.py" --bind 127.0.0.1 --port 0 \
		--no-hello --ready "$W/wsd.port" --xaddr "http://$DEV/onvif/device_service" \
		--urn urn:uuid:readme-1 --name PREDATOR --hardware HD_PREDATOR 2>>"$W/wsd.err"
	WSD=$PEER_PORT
	start_peer "$W/ov.port" python3 "$TOOLS/openvidu-emu" --port 0 --port-file "$W/ov.port" \
		--secret S3cret 2>>"$W/ov.err"
	OV="http://127.0.0.1:$PEER_PORT"
	GB_PASSWORD=12345 gb-register --listen 127.0.0.1:0 >"$W/reg.out" 2>"$W/reg.err" &
	PEER_PIDS+=("$!")
	wait_for_grep '"listening"' "$W/reg.out" 10
	REG=$(jq -r 'select(.type=="listening") | .port' "$W/reg.out")
	[ -n "$REG" ] || { cat "$W/reg.out" "$W/reg.err"; return 1; }
	python3 "$TOOLS/readme-examples" "$ROOT/README.md" >"$W/examples"
	[ "$(wc -l <"$W/examples")" -ge 20 ]
	local n=0 ran=0 failed=() rec line cmd want rc out err block prelude= t0
	while IFS= read -r rec; do
		n=$((n + 1))
		line=$(jq -r .line <<<"$rec")
		if [ "$(jq -r '.skip // empty' <<<"$rec")" ]; then
			echo "# README.md:$line skipped: $(jq -r .skip <<<"$rec")" >&3
			continue
		fi
		cmd=$(substitute "$(jq -r .cmd <<<"$rec")")
		# a block is one session: its exports hold for the commands after them
		[ "$(jq -r .block <<<"$rec")" = "${block:-}" ] || prelude=
		block=$(jq -r .block <<<"$rec")
		[[ $cmd == "export "* ]] && prelude+="$cmd"$'\n'
		# a GB listener gets a device, with the example's password, stopped with it
		local dev=
		if [[ $cmd == *"--port-file gb.port"* ]]; then
			local pw; pw=$(sed -n 's/.*GB_PASSWORD=\([^ ]*\).*/\1/p' <<<"$cmd" | head -n 1)
			rm -f "$W/gb.port"
			dev='(for i in $(seq 200); do [ -s gb.port ] && break; sleep 0.05; done
			GB_PASSWORD='"$pw"' exec gb-register --server 34020000002000000001@127.0.0.1:$(cat gb.port) \
			--device-id 34020000001320000001 --catalog channels.xml >/dev/null 2>&1) &
			trap "kill $! 2>/dev/null" EXIT'$'\n'
		fi
		t0=$SECONDS
		want=$(jq -r '.output | join("\n")' <<<"$rec")
		local secs; secs=$(jq -r '.runs_for // empty' <<<"$rec")
		# stopped by SIGINT: jq writing to a file (not a terminal) would lose
		# what it buffered
		[ -n "$secs" ] && cmd=${cmd//| jq /| jq --unbuffered }
		[ -n "$secs" ] && cmd=${cmd//|$'\n'    jq /|$'\n'    jq --unbuffered }
		rc=0
		(cd "$W" && HOME="$W/home" ONVIF_USERNAME=admin ONVIF_PASSWORD=secret \
			timeout -s INT "${secs:-30}" bash -o pipefail -c "$prelude$dev$cmd" \
			</dev/null >"$W/out" 2>"$W/err" 3>&-) || rc=$?
		out=$(cat "$W/out") err=$(cat "$W/err")
		local ok=1 why=
		if [ -n "$secs" ]; then
			case $rc in 0 | 124 | 130) ;; *) ok=0 why="exit $rc" ;; esac
		elif [ $rc -ne 0 ]; then
			ok=0 why="exit $rc"
		fi
		if [ $ok = 1 ] && [ -n "$want" ] && [ -z "$out$err" ]; then
			ok=0 why="no output where the README shows some"
		fi
		if [ $ok = 1 ] && [ "$(jq -r .exact <<<"$rec")" = true ] && [ "$out" != "$want" ]; then
			ok=0 why="output differs: got '$out'"
		fi
		if [ "$(jq -r '.broken // empty' <<<"$rec")" ]; then
			if [ $ok = 1 ]; then
				failed+=("README.md:$line works now: remove its 'broken' mark")
			else
				echo "# README.md:$line skipped (known broken: $(jq -r .broken <<<"$rec")): $why" >&3
			fi
			continue
		fi
		ran=$((ran + 1))
		if [ $ok = 1 ]; then
			echo "# README.md:$line ok ($((SECONDS - t0))s)" >&3
		else
			failed+=("README.md:$line: $why
  \$ $cmd
  stderr: $(head -c 600 <<<"$err")
  stdout: $(head -c 300 <<<"$out")")
		fi
	done <"$W/examples"
	echo "# README examples: $n, run $ran" >&3
	[ ${#failed[@]} -eq 0 ] || { printf '%s\n' "${failed[@]}"; return 1; }
	[ $ran -ge 10 ]
}

@test "the example extractor: prompts, continuations, output, marks; a mark without a reason is refused" {
	local r="$BATS_TEST_TMPDIR/R.md"
	printf '%s\n' '# x' '<!-- readme-test: skip 2 needs a camera -->' '```sh' '$ a |' '    b' 'out 1' '$ c' '```' \
		'<!-- readme-test: exact -->' '```sh' '# comment' 'd \' '  e' '```' >"$r"
	run python3 "$TOOLS/readme-examples" "$r"
	assert_status 0
	[ "${#lines[@]}" -eq 3 ]
	assert_json_eq "${lines[0]}" '[.line, .cmd, (.output|join(",")), .skip]|tostring' '[4,"a |\n    b","out 1",null]'
	assert_json_eq "${lines[1]}" '[.line, .cmd, .skip]|tostring' '[7,"c","needs a camera"]'
	assert_json_eq "${lines[2]}" '[.line, .cmd, .exact]|tostring' '[12,"d \\\n  e",true]'
	printf '%s\n' '<!-- readme-test: skip -->' '```sh' 'a' '```' >"$r"
	run python3 "$TOOLS/readme-examples" "$r"
	[ "$status" -ne 0 ]
	assert_contains "$output" "needs a reason"
}
