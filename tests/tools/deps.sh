#!/usr/bin/env bash
# Installs the Debian packages camkit needs to build, test, lint, fuzz and
# benchmark. Quiet when everything is present.
set -euo pipefail

pkgs=(
	build-essential pkg-config
	libcurl4-openssl-dev libssl-dev libexpat1-dev libosip2-dev libpcap-dev libjansson-dev
	bats jq curl mandoc zsh bash-completion openssl
	clang libclang-rt-14-dev
	python3
	sip-tester tshark tcpdump ffmpeg
	iproute2 procps time hyperfine psmisc bc parallel
	python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly
)

missing=()
for p in "${pkgs[@]}"; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$s" = "install ok installed" ] || missing+=("$p")
done
# Node.js may come from another repository than Debian's (whose npm package
# then conflicts with it): ask for Debian's only when the commands are absent.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "camkit: missing Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "camkit: run as root, or: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "camkit: installed ${missing[*]}" >&2
