#!/usr/bin/env bash
# npm-install.sh PKG VERSION: installs the npm package PKG@VERSION, an
# independent peer for the tests and benches, ONCE into tests/.npm/
# (gitignored) and reuses it afterwards; prints the node_modules directory
# on stdout and nothing else. Callers are thin wrappers that pin the
# version (npm-onvif.sh, npm-openvidu.sh).
#
# Exit 0 on success; when npm or node is missing or the registry cannot be
# reached it prints why on stderr and exits 69 (callers turn that into a
# test failure under CI=true, a skip otherwise); 75 when the lock is not
# had in 300 s. Concurrent callers serialise on one lock file, as npm does
# not like two installs in one directory at a time.
set -euo pipefail
PKG=$1 VER=$2
ME="npm-install $PKG"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR="$ROOT/tests/.npm"
for c in node npm; do
	command -v "$c" >/dev/null 2>&1 || { echo "$ME: $c is not installed (make deps)" >&2; exit 69; }
done
mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock -w 300 9 || { echo "$ME: lock timeout" >&2; exit 75; }
if [ -f "$DIR/node_modules/$PKG/package.json" ] &&
   [ "$(node -p "require('$DIR/node_modules/$PKG/package.json').version" 2>/dev/null)" = "$VER" ]; then
	echo "$DIR/node_modules"
	exit 0
fi
[ -f "$DIR/package.json" ] || echo '{"name":"camkit-test-peers","private":true}' >"$DIR/package.json"
log="$DIR/install-$PKG.log"
if ! (cd "$DIR" && timeout 300 npm install --no-audit --no-fund --loglevel=error \
	"$PKG@$VER" >"$log" 2>&1); then
	echo "$ME: 'npm install $PKG@$VER' failed (offline?); see $log:" >&2
	tail -n 5 "$log" >&2
	exit 69
fi
echo "$DIR/node_modules"
