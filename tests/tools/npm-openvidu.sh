#!/usr/bin/env bash
# npm-openvidu.sh: the official OpenVidu 2.x Node client (npm
# `openvidu-node-client`), the independent peer that proves
# tests/tools/openvidu-emu speaks the real server's REST API.
#
#   NODE_PATH=$(tests/tools/npm-openvidu.sh) node tests/tools/npm/<script>.js ...
#
# Installs openvidu-node-client@$NPM_OPENVIDU_VERSION (default below) ONCE
# into tests/.npm/ (gitignored) and reuses it afterwards; prints the
# node_modules directory on stdout and nothing else. Exit 0 on success; when
# npm or node is missing or the registry cannot be reached it prints why on
# stderr and exits 69 (callers turn that into a test failure under CI=true,
# a skip otherwise). Concurrent callers serialise on the same lock file as
# npm-onvif.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR="$ROOT/tests/.npm"
PKG=openvidu-node-client
VER=${NPM_OPENVIDU_VERSION:-2.32.2}
for c in node npm; do
	command -v "$c" >/dev/null 2>&1 || { echo "npm-openvidu: $c is not installed (make deps)" >&2; exit 69; }
done
mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock -w 300 9 || { echo "npm-openvidu: lock timeout" >&2; exit 75; }
if [ -f "$DIR/node_modules/$PKG/package.json" ] &&
   [ "$(node -p "require('$DIR/node_modules/$PKG/package.json').version" 2>/dev/null)" = "$VER" ]; then
	echo "$DIR/node_modules"
	exit 0
fi
[ -f "$DIR/package.json" ] || echo '{"name":"camkit-test-peers","private":true}' >"$DIR/package.json"
if ! (cd "$DIR" && timeout 300 npm install --no-audit --no-fund --loglevel=error \
	"$PKG@$VER" >"$DIR/install-openvidu.log" 2>&1); then
	echo "npm-openvidu: 'npm install $PKG@$VER' failed (offline?); see $DIR/install-openvidu.log:" >&2
	tail -n 5 "$DIR/install-openvidu.log" >&2
	exit 69
fi
echo "$DIR/node_modules"
