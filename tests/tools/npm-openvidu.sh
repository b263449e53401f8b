#!/usr/bin/env bash
# npm-openvidu.sh: the official OpenVidu 2.x Node client (npm
# `openvidu-node-client`), the independent peer that proves
# tests/tools/openvidu-emu speaks the real server's REST API.
#
#   NODE_PATH=$(tests/tools/npm-openvidu.sh) node tests/tools/npm/<script>.js ...
#
# Installs openvidu-node-client@$NPM_OPENVIDU_VERSION (default below) once
# and prints its node_modules directory; exit codes as npm-install.sh's.
exec "$(dirname "$0")/npm-install.sh" openvidu-node-client "${NPM_OPENVIDU_VERSION:-2.32.2}"
