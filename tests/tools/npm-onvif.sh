#!/usr/bin/env bash
# npm-onvif.sh: the npm `onvif` client (agsh/onvif), an independent ONVIF
# implementation used as the differential peer in the bats tests and benches.
#
#   NODE_PATH=$(tests/tools/npm-onvif.sh) node tests/tools/npm/<script>.js ...
#
# Installs onvif@$NPM_ONVIF_VERSION (default below) once and prints its
# node_modules directory; exit codes as npm-install.sh's.
exec "$(dirname "$0")/npm-install.sh" onvif "${NPM_ONVIF_VERSION:-0.8.3}"
