# demo: gb-register: a GB28181 device registers with a gb-register --listen registrar
set -eu
export GB_PASSWORD=demo-secret
echo '$ gb-register --listen 127.0.0.1:0 --keepalive 1s &'
gb-register --listen 127.0.0.1:0 --keepalive 1s >"$DEMO_TMP/registrar.out" 2>/dev/null &
reg_pid=$!
for _ in $(seq 100); do grep -q listening "$DEMO_TMP/registrar.out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$DEMO_TMP/registrar.out" | head -n 1)
echo "\$ gb-register --server 34020000002000000001@127.0.0.1:$port --device-id 34020000001320000001 --keepalive 1s   # SIGTERM after 2.5 s"
timeout -s TERM 2.5 gb-register --server "34020000002000000001@127.0.0.1:$port" \
	--device-id 34020000001320000001 --keepalive 1s 2>/dev/null || true
sleep 0.2
echo '# the registrar saw:'
kill "$reg_pid"
wait "$reg_pid" 2>/dev/null || true
cat "$DEMO_TMP/registrar.out"
echo '$ GB_PASSWORD=wrong gb-register ...   # rejected: exit 77'
gb-register --listen 127.0.0.1:0 >"$DEMO_TMP/registrar2.out" 2>/dev/null &
reg_pid=$!
for _ in $(seq 100); do grep -q listening "$DEMO_TMP/registrar2.out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$DEMO_TMP/registrar2.out" | head -n 1)
GB_PASSWORD=wrong gb-register --server "34020000002000000001@127.0.0.1:$port" \
	--device-id 34020000001320000001 2>/dev/null || echo "(exit $?)"
kill "$reg_pid"; wait "$reg_pid" 2>/dev/null || true
grep auth_failed "$DEMO_TMP/registrar2.out"
