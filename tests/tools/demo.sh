#!/usr/bin/env bash
# make demo: runs each part in tests/tools/demo.d against simulated peers on
# loopback, in order, and shows what the tools print.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
export PATH="$PWD/$BUILD/bin:$PATH"
export DEMO_TMP=$(mktemp -d)
trap 'rm -rf "$DEMO_TMP"; kill $(jobs -p) 2>/dev/null || true' EXIT
for part in tests/tools/demo.d/*.sh; do
	printf '\n\033[1m== %s\033[0m\n' "$(sed -n 's/^# demo: //p' "$part")"
	bash "$part"
done
