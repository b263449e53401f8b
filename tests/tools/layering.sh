#!/usr/bin/env bash
# Checks the lib/ layering rules (README "Source map"); prints each breach
# as "file: rule" and exits 1 when there is any.
#   base includes only base; codec only base and codec;
#   onvif never includes gb or media, nor they onvif; openvidu only base,
#   codec and net; lib/ never includes cli/
#   (only cmd/ does); only lib/net opens sockets; nothing in lib/ writes to
#   stderr but the log sink (base/log.c), nor to stdout but cli/;
#   every exported ck_ symbol of lib/FAMILY/MOD.h starts with ck_MOD.
set -uo pipefail
cd "$(dirname "$0")/../.."
bad=0
breach() { echo "$1: $2"; bad=1; }

for f in lib/*/*.[ch]; do
	fam=${f#lib/}; fam=${fam%%/*}
	mod=${f##*/}; mod=${mod%.*}
	incs=$(sed -n 's/^#include "\([a-z]*\)\/[a-z0-9_]*\.h".*/\1/p' "$f" | sort -u)
	for i in $incs; do
		case "$fam:$i" in
		base:base | codec:base | codec:codec) ;;
		base:* | codec:*) breach "$f" "$fam includes $i" ;;
		onvif:gb | onvif:media | gb:onvif | media:onvif) breach "$f" "$fam includes $i" ;;
		openvidu:base | openvidu:codec | openvidu:net | openvidu:openvidu) ;;
		openvidu:*) breach "$f" "openvidu includes $i (only base, codec, net)" ;;
		cli:*) ;;
		*:cli) breach "$f" "lib/$fam includes cli (only cmd/ may)" ;;
		esac
	done
	# code only: drop comments and string literals first
	code=$(sed -e 's://.*$::' "$f" | perl -0pe 's{/\*.*?\*/}{}gs; s{"(\\.|[^"\\])*"}{""}g')
	if [ "$fam" != net ] && grep -qE '\b(socket|bind|listen|accept4?|connect)[[:space:]]*\(' <<<"$code"; then
		breach "$f" "opens or binds a socket outside lib/net"
	fi
	if [ "$f" != lib/base/log.c ] && grep -qE '\bstderr\b|\bperror[[:space:]]*\(' <<<"$code"; then
		breach "$f" "writes to stderr outside the log sink"
	fi
	if [ "$fam" != cli ] && grep -qE '\b(printf|puts|putchar)[[:space:]]*\(|\bstdout\b' <<<"$code"; then
		breach "$f" "writes to stdout outside lib/cli"
	fi
	case "$f" in
	*.h)
		for s in $(grep -oE '^[^ #/*].*\bck_[a-z0-9_]+[[:space:]]*\(' <<<"$code" | grep -oE '\bck_[a-z0-9_]+[[:space:]]*\($' | tr -d '( '); do
			case "$s" in ck_"$mod" | ck_"$mod"_*) ;; *) breach "$f" "exports $s (prefix is not ck_${mod}_)" ;; esac
		done
		for s in $(grep -oE '^\}[[:space:]]*ck_[a-z0-9_]+;|^typedef [^(]*\bck_[a-z0-9_]+;' <<<"$code" | grep -oE 'ck_[a-z0-9_]+;$' | tr -d ';'); do
			case "$s" in ck_"$mod" | ck_"$mod"_*) ;; *) breach "$f" "exports type $s (prefix is not ck_${mod}_)" ;; esac
		done
		;;
	esac
done
[ $bad -eq 0 ] && echo "layering: $(ls lib/*/*.[ch] | wc -l) files clean"
exit $bad
