#!/usr/bin/env bash
# npm-onvif.sh: the npm `onvif` client (agsh/onvif), an independent ONVIF
# implementation used as the differential peer in the bats tests and benches.
#
#   NODE_PATH=$(tests/tools/npm-onvif.sh) node tests/tools/npm/<script>.js ...
#
# Installs onvif@$NPM_ONVIF_VERSION (default below) ONCE into tests/.npm/
# (gitignored) and reuses it afterwards; prints the node_modules directory
# on stdout and nothing else. Exit 0 on success; when npm or node is missing
# or the registry cannot be reached it prints why on stderr and exits 69
# (callers turn that into a test failure under CI=true, a skip otherwise).
# Concurrent callers serialise on a lock file.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR="$ROOT/tests/.npm"
VER=${NPM_ONVIF_VERSION:-0.8.3}
for c in node npm; do
	command -v "$c" >/dev/null 2>&1 || { echo "npm-onvif: $c is not installed (make deps)" >&2; exit 69; }
done
mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock -w 300 9 || { echo "npm-onvif: lock timeout" >&2; exit 75; }
if [ -f "$DIR/node_modules/onvif/package.json" ] &&
   [ "$(node -p "require('$DIR/node_modules/onvif/package.json').version" 2>/dev/null)" = "$VER" ]; then
	echo "$DIR/node_modules"
	exit 0
fi
[ -f "$DIR/package.json" ] || echo '{"name":"camkit-test-peers","private":true}' >"$DIR/package.json"
if ! (cd "$DIR" && timeout 300 npm install --no-audit --no-fund --loglevel=error \
	"onvif@$VER" >"$DIR/install.log" 2>&1); then
	echo "npm-onvif: 'npm install onvif@$VER' failed (offline?); see $DIR/install.log:" >&2
	tail -n 5 "$DIR/install.log" >&2
	exit 69
fi
echo "$DIR/node_modules"
