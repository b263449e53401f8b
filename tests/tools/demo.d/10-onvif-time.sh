# demo: onvif-time: read and fix camera clocks (emulated recorded cameras on loopback)
set -eu
# the emulators are this script's children: stop them when it ends
trap 'kill $(cat "$DEMO_TMP/onvif-time.pids" 2>/dev/null) 2>/dev/null || true' EXIT
emu() { # emu NAME ARGS...: starts an emulator, prints its host:port
	local name=$1; shift
	tests/tools/onvif-emu --port 0 --port-file "$DEMO_TMP/$name.port" \
		--user admin --password demo "$@" >/dev/null 2>&1 &
	echo $! >>"$DEMO_TMP/onvif-time.pids"
	for _ in $(seq 200); do [ -s "$DEMO_TMP/$name.port" ] && break; sleep 0.05; done
	echo "127.0.0.1:$(cat "$DEMO_TMP/$name.port")"
}
a=$(emu dlink --profile dcs-6511 --skew 7200)
b=$(emu sunba --profile sunba.405 --auth digest --open-ops "")
echo "# a D-Link DCS-6511 whose clock is 2 h fast, a SUNBA PTZ that wants HTTP Digest for everything"
echo "\$ onvif-time $a $b"
ONVIF_USERNAME=admin ONVIF_PASSWORD=demo onvif-time "$a" "$b"
echo "\$ onvif-time --set $a    # the token is signed with the camera's own (wrong) time"
ONVIF_USERNAME=admin ONVIF_PASSWORD=demo onvif-time --set "$a"
echo "\$ onvif-time --ntp pool.ntp.org $b"
ONVIF_USERNAME=admin ONVIF_PASSWORD=demo onvif-time --ntp pool.ntp.org "$b"
echo "\$ onvif-time --set $a   # wrong password"
ONVIF_USERNAME=admin ONVIF_PASSWORD=nope onvif-time --set "$a" 2>&1 || echo "(exit $?)"
