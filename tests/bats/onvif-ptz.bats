#!/usr/bin/env bats
# onvif-ptz against the strict emulator (tests/tools/onvif-emu) driving the
# recorded PTZ devices, and against the npm `onvif` client as a peer.
load helpers

setup() {
	export ONVIF_USERNAME=admin ONVIF_PASSWORD=secret
	EMU_PROFILE=ex_onvif	# emu: the ex_onvif recordings unless --profile is given
}

teardown() { teardown_peers; }

# ops: the operations the emulator saw, one per line
ops() { jq -r 'select(.op) | .op' "$LOG"; }
# body OP: the request bodies of OP
body() { jq -r --arg op "$1" 'select(.op == $op) | .body' "$LOG"; }

ptz() { timeout 30 onvif-ptz "$@"; }

@test "usage errors exit 64 before any request" {
	run --separate-stderr onvif-ptz
	assert_status 64
	assert_contains "$stderr" "a verb is required"
	run --separate-stderr onvif-ptz twirl 127.0.0.1
	assert_status 64
	assert_contains "$stderr" "unknown verb 'twirl'"
	run --separate-stderr onvif-ptz preset-set
	assert_status 64
	assert_contains "$stderr" "preset-set needs an argument"
	run --separate-stderr onvif-ptz --pan left move 127.0.0.1
	assert_status 64
	assert_contains "$stderr" "--pan: 'left' is not a number"
	run --separate-stderr onvif-ptz --duration soon move 127.0.0.1
	assert_status 64
	run --separate-stderr onvif-ptz --auth kerberos status 127.0.0.1
	assert_status 64
	[ -z "$output" ]
}

@test "interactive refuses when stdin is not a terminal" {
	run --separate-stderr onvif-ptz interactive 127.0.0.1 </dev/null
	assert_status 64
	assert_contains "$stderr" "interactive needs a terminal"
	[ -z "$output" ]
}

@test "interactive on a pseudo-terminal: arrow key -> RelativeMove; terminal restored after q and after SIGTERM" {
	emu
	run --separate-stderr timeout 30 python3 "$TOOLS/ptz-interactive" "$CAMKIT_BIN/onvif-ptz" "$DEV"
	assert_status 0
	[ "$output" = "raw True restored True exit 0
raw True restored True exit 0" ]
	[ "$(ops | grep -c RelativeMove)" -eq 2 ]
	body RelativeMove | grep -q '<tt:PanTilt x="0.2" y="0" space="http://www.onvif.org/ver10/tptz/PanTiltSpaces/TranslationGenericSpace"/>'
}

@test "interactive --continuous: a held key is one ContinuousMove, its release a Stop" {
	emu
	run --separate-stderr timeout 30 python3 "$TOOLS/ptz-interactive-held" "$CAMKIT_BIN/onvif-ptz" "$DEV"
	assert_status 0
	[ "$output" = "exit 0" ]
	[ "$(ops | grep -E 'Move|Stop' | tr '\n' ' ')" = "ContinuousMove Stop " ]
	body ContinuousMove | grep -qF '<tt:PanTilt x="0" y="0.5" space="http://www.onvif.org/ver10/tptz/PanTiltSpaces/VelocityGenericSpace"/>'
}

@test "status equals the recorded GetStatus (ex_onvif)" {
	emu
	run --separate-stderr ptz status "$DEV"
	assert_status 0
	[ -z "$stderr" ]
	assert_json_eq "$output" '.type' ptz_status
	assert_json_eq "$output" '[.pan, .tilt, .zoom] | map(tostring) | join(" ")' "0.164178 -0.618316 0"
	assert_json_eq "$output" '.move_pan_tilt + "/" + .move_zoom' "IDLE/IDLE"
	assert_json_eq "$output" '.pan_tilt_space' "http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace"
	assert_json_eq "$output" '.device_time_valid' true
	# the exact GetStatus body
	body GetStatus | grep -qF '<tptz:GetStatus xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema"><tptz:ProfileToken>'
}

@test "status tolerates real quirks: raw units without space, no MoveStatus with an Error" {
	emu --profile ipd-h4k8m05-bs
	run --separate-stderr ptz status "$DEV"
	assert_status 0
	assert_json_eq "$output" '[.pan, .tilt, .zoom] | map(tostring) | join(" ")' "32768 32768 12644"
	assert_json_eq "$output" '.pan_tilt_space' null
	assert_json_eq "$output" '.move_pan_tilt' null
	teardown_peers
	emu --profile enp1a14-ir_25x
	run --separate-stderr ptz status "$DEV"
	assert_status 0
	assert_json_eq "$output" '.error' "NO error"
	assert_json_eq "$output" '.move_zoom' null
	assert_json_eq "$output" '.pan' 0.801444
}

@test "presets equal the recorded GetPresets; nodes show spaces and ranges" {
	emu
	run --separate-stderr ptz presets "$DEV"
	assert_status 0
	[ "$(printf '%s\n' "$output" | jq -c '[.token, .name, .pan, .tilt, .zoom]' | tr '\n' ' ')" = \
	  '["PresetToken001","Entrance",0.5,0.25,0] ["PresetToken002","Parking",-0.3,-0.1,0.5] ' ]
	run --separate-stderr ptz nodes "$DEV"
	assert_status 0
	assert_json_eq "$output" '.token' PTZNodeToken
	assert_json_eq "$output" '.spaces.continuous_pan_tilt.x.min' -1
	assert_json_eq "$output" '.spaces.absolute_zoom.x.max' 1
	assert_json_eq "$output" '.max_presets' 300
}

@test "differential: the npm onvif client sees the same status and presets" {
	require_cmd node npm
	NP=$("$TOOLS/npm-onvif.sh") || {
		[ "${CI:-}" = true ] && { echo "npm onvif unavailable" >&2; return 1; }
		skip "npm onvif not installable"
	}
	emu
	# move first, so that both read a state that is not the recording
	run --separate-stderr ptz absolute --pan 0.25 --tilt -0.5 --zoom 0.75 "$DEV"
	assert_status 0
	run --separate-stderr env NODE_PATH="$NP" timeout 30 node "$TOOLS/npm/ptz-state.js" 127.0.0.1 "$PEER_PORT"
	assert_status 0
	peer=$output
	prof=$(printf '%s' "$peer" | jq -r .profile)
	run --separate-stderr ptz --profile "$prof" status "$DEV"
	assert_status 0
	[ "$(printf '%s' "$output" | jq -c '[.pan,.tilt,.zoom,.move_pan_tilt,.move_zoom]')" = \
	  "$(printf '%s' "$peer" | jq -c '[.pan,.tilt,.zoom,.move_pan_tilt,.move_zoom]')" ]
	[ "$(printf '%s' "$output" | jq -c '[.pan,.tilt,.zoom]')" = '[0.25,-0.5,0.75]' ]
	run --separate-stderr ptz --profile "$prof" presets "$DEV"
	assert_status 0
	[ "$(printf '%s\n' "$output" | jq -sc 'map({token, name})')" = \
	  "$(printf '%s' "$peer" | jq -c '.presets')" ]
}

@test "move --duration sends ContinuousMove then Stop, with the exact bodies" {
	emu
	run --separate-stderr ptz move --pan 0.5 --duration 300ms "$DEV"
	assert_status 0
	assert_json_eq "$output" '.verb + " " + (.stopped | tostring)' "move true"
	[ "$(ops | grep -E 'Move|Stop' | tr '\n' ' ')" = "ContinuousMove Stop " ]
	body ContinuousMove | grep -qF '<tptz:Velocity><tt:PanTilt x="0.5" y="0" space="http://www.onvif.org/ver10/tptz/PanTiltSpaces/VelocityGenericSpace"/></tptz:Velocity><tptz:Timeout>PT0.300S</tptz:Timeout>'
	body Stop | grep -qF '<tptz:PanTilt>true</tptz:PanTilt><tptz:Zoom>false</tptz:Zoom>'
	# Stop came at least the duration after ContinuousMove
	t1=$(jq -r 'select(.op=="ContinuousMove") | .ts' "$LOG")
	t2=$(jq -r 'select(.op=="Stop") | .ts' "$LOG")
	ms=$(python3 -c 'import sys,datetime as d; f=lambda s: d.datetime.fromisoformat(s.replace("Z","+00:00")); print(int((f(sys.argv[2])-f(sys.argv[1])).total_seconds()*1000))' "$t1" "$t2")
	[ "$ms" -ge 280 ]
	# the head moved right, and is still
	run --separate-stderr ptz status "$DEV"
	p1=$(printf '%s' "$output" | jq .pan)
	python3 -c "import sys; assert 0.2 < float(sys.argv[1]) < 0.45, sys.argv[1]" "$p1"
	assert_json_eq "$output" .move_pan_tilt IDLE
}

@test "SIGTERM during a move sends Stop (camera that ignores the Timeout)" {
	emu --quirk ptz-timeout-ignored
	onvif-ptz move --tilt 0.4 --duration 60s "$DEV" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait_for_grep '"ContinuousMove"' "$LOG" 10
	sleep 0.3
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ]
	ops | grep -qx Stop
	assert_json_eq "$(cat "$BATS_TEST_TMPDIR/out")" '.interrupted' true
	# stopped for real: two readings a moment apart agree
	a=$(ptz status "$DEV" | jq -c '[.tilt,.move_pan_tilt]')
	sleep 0.3
	b=$(ptz status "$DEV" | jq -c '[.tilt,.move_pan_tilt]')
	[ "$a" = "$b" ]
	assert_contains "$a" IDLE
}

@test "values outside the node's ranges exit 64 and send nothing that moves" {
	emu
	run --separate-stderr ptz move --pan 1.5 "$DEV"
	assert_status 64
	assert_contains "$stderr" "pan 1.5 is outside the continuous pan/tilt velocity range [-1, 1] of PTZ node PTZNodeToken"
	run --separate-stderr ptz absolute --zoom -0.2 "$DEV"
	assert_status 64
	assert_contains "$stderr" "zoom -0.2 is outside the absolute zoom range [0, 1]"
	run --separate-stderr ptz relative --pan 0.1 --speed 2 "$DEV"
	assert_status 64
	assert_contains "$stderr" "speed 2 is outside the pan/tilt speed range [0, 1]"
	run --separate-stderr ptz move "$DEV"
	assert_status 64
	assert_contains "$stderr" "move needs --pan, --tilt or --zoom"
	! ops | grep -qE 'Move|Stop'
}

@test "relative and absolute moves change the status; speed defaults from the configuration" {
	emu
	run --separate-stderr ptz absolute --pan 0.1 --tilt 0.2 --zoom 0.3 "$DEV"
	assert_status 0
	# a speed inside the node's speed space, sent in that space
	python3 -c "import sys; assert 0 < float(sys.argv[1]) <= 1" "$(printf '%s' "$output" | jq .speed)"
	body AbsoluteMove | grep -qE '<tptz:Speed><tt:PanTilt x="[0-9.]+" y="[0-9.]+" space="http://www.onvif.org/ver10/tptz/PanTiltSpaces/GenericSpeedSpace"/><tt:Zoom x="[0-9.]+" space="http://www.onvif.org/ver10/tptz/ZoomSpaces/ZoomGenericSpeedSpace"/></tptz:Speed>'
	run --separate-stderr ptz absolute --pan 0.1 --tilt 0.2 --speed 0.25 "$DEV"
	assert_status 0
	body AbsoluteMove | tail -n 1 | grep -qF '<tptz:Speed><tt:PanTilt x="0.25" y="0.25" space="http://www.onvif.org/ver10/tptz/PanTiltSpaces/GenericSpeedSpace"/></tptz:Speed>'
	run --separate-stderr ptz relative --pan 0.4 --tilt -0.1 "$DEV"
	assert_status 0
	run --separate-stderr ptz status "$DEV"
	assert_json_eq "$output" '[.pan, .tilt, .zoom] | map(tostring) | join(" ")' "0.5 0.1 0.3"
	# absolute with pan only keeps the current tilt
	run --separate-stderr ptz absolute --pan -0.5 "$DEV"
	assert_status 0
	run --separate-stderr ptz status "$DEV"
	assert_json_eq "$output" '[.pan, .tilt] | map(tostring) | join(" ")' "-0.5 0.1"
}

@test "preset-set, preset-goto by name, preset-remove, home" {
	emu
	ptz absolute --pan 0.7 --tilt 0.7 "$DEV" >/dev/null
	run --separate-stderr ptz preset-set Gate "$DEV"
	assert_status 0
	tok=$(printf '%s' "$output" | jq -r .token)
	[ -n "$tok" ]
	ptz preset-goto Entrance "$DEV" >/dev/null
	run --separate-stderr ptz preset-goto Gate "$DEV"
	assert_status 0
	assert_json_eq "$output" .token "$tok"
	run --separate-stderr ptz status "$DEV"
	assert_json_eq "$output" '[.pan, .tilt] | map(tostring) | join(" ")' "0.7 0.7"
	run --separate-stderr ptz preset-remove "$tok" "$DEV"
	assert_status 0
	run --separate-stderr ptz preset-goto Gate "$DEV"
	assert_status 64
	assert_contains "$stderr" "no preset with token or name 'Gate'"
	run --separate-stderr ptz home "$DEV"
	assert_status 0
	ops | grep -qx GotoHomePosition
}

@test "targets from stdin (onvif-discover records); one failing target gives an error record" {
	emu
	hold_port tcp	# bound, not listening: refused
	bad=$PEER_PORT
	run --separate-stderr bash -c "printf '%s\n' '{\"type\":\"device\",\"xaddrs\":[\"http://$DEV/onvif/device_service\"]}' '127.0.0.1:$bad' | timeout 30 onvif-ptz -j 1 -t 2s status"
	assert_status 69
	[ "$(printf '%s\n' "$output" | jq -r .type | tr '\n' ' ')" = "ptz_status error " ]
	assert_json_eq "$(printf '%s\n' "$output" | tail -n 1)" .error unreachable
}

@test "wrong password exits 77" {
	emu
	ONVIF_PASSWORD=wrong run --separate-stderr ptz status "$DEV"
	assert_status 77
	assert_contains "$stderr" "NotAuthorized"
}

@test "a device that never answers times out with 75" {
	emu --quirk silent
	run --separate-stderr ptz -t 1s status "$DEV"
	assert_status 75
}

@test "malformed replies exit 65, SOAP faults 76, an unknown profile 64" {
	emu --quirk garbage-xml
	run --separate-stderr ptz status "$DEV"
	assert_status 65
	teardown_peers
	# SUNBA.405's recorded GetProfiles has log lines after the envelope
	emu --profile sunba.405
	run --separate-stderr ptz status "$DEV"
	assert_status 65
	assert_contains "$stderr" "not well-formed"
	teardown_peers
	emu --quirk ptz-no-presets
	run --separate-stderr ptz presets "$DEV"
	assert_status 76
	assert_contains "$stderr" "ActionNotSupported"
	run --separate-stderr ptz --profile nosuch status "$DEV"
	assert_status 64
	assert_contains "$stderr" "no media profile 'nosuch'"
}
