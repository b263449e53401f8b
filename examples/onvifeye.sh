#!/bin/sh
# onvifeye.sh: onvifeye's job on camkit, in a few lines of shell. For each
# camera event (a burst of motion notifications merged into one), record a
# clip from the camera's stream with ffmpeg, grab a still with
# onvif-snapshot, then run your hook with both files.
#
#   ONVIF_USERNAME=admin ONVIF_PASSWORD=... onvifeye.sh CAMERA DIR [HOOK]
#
# CAMERA is host[:port] or a device URL; files go to DIR as
# HOST_PORT-EVENTID-TIME.{mp4,jpg}; HOOK (optional) runs as
# HOOK CLIP STILL with the CAMKIT_* variables of the event (onvif-subscribe(1)).
# It keeps running when the camera goes away (--retry); run one per camera
# (systemd: see onvif-subscribe(1)). Tunables (environment):
#   ONVIFEYE_CLIP      clip length in seconds (default 10)
#   ONVIFEYE_COALESCE  quiet time that ends an event (default 30s)
#   ONVIFEYE_TOPIC     topics (default tns1:RuleEngine//.)
#   ONVIFEYE_OPTS      more onvif-subscribe options (e.g. --duration 1h)
# Note: ffmpeg gets the stream URI with the account in it (its command line
# is visible to local users); give the camera a viewer-only account.
set -eu

if [ "${1:-}" = --event ]; then
	# run by onvif-subscribe --exec, once per record, the record on stdin
	dir=$2 hook=${3:-}
	[ "$CAMKIT_STATE" = start ] || exit 0
	host=$(printf '%s' "$CAMKIT_DEVICE" | sed 's|^[a-z]*://||; s|/.*||; s|[^A-Za-z0-9.-]|_|g')
	base="$dir/$host-$CAMKIT_EVENT_ID-$(date -u +%Y%m%dT%H%M%SZ)"
	uri=$(onvif-media --with-credentials "$CAMKIT_DEVICE" |
	    jq -r 'select(.stream_uri) | .stream_uri' | head -n 1)
	onvif-snapshot "$CAMKIT_DEVICE" >"$base.jpg" || rm -f "$base.jpg"
	ffmpeg -nostdin -loglevel error -rtsp_transport tcp -i "$uri" \
	    -t "${ONVIFEYE_CLIP:-10}" -c copy -y "$base.mp4" || rm -f "$base.mp4"
	[ -z "$hook" ] || exec "$hook" "$base.mp4" "$base.jpg"
	exit 0
fi

[ $# -ge 2 ] || { echo "usage: onvifeye.sh CAMERA DIR [HOOK]" >&2; exit 64; }
cam=$1 dir=$2 hook=${3:-}
mkdir -p "$dir"
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
# shellcheck disable=SC2086 # ONVIFEYE_OPTS is a word list
exec onvif-subscribe --retry --coalesce "${ONVIFEYE_COALESCE:-30s}" \
    --topic "${ONVIFEYE_TOPIC:-tns1:RuleEngine//.}" \
    --exec-timeout "$(( ${ONVIFEYE_CLIP:-10} + 60 ))s" \
    --exec "$self --event $dir $hook" ${ONVIFEYE_OPTS:-} "$cam"
