#!/usr/bin/env bats
# Every tool follows the shared conventions: --help to stdout with exit 0,
# --version, usage errors exit 64 with a hint, and every long option in
# --help is documented in the man page and offered by both completions.
load helpers

tools() {
	local f
	for f in "$ROOT"/cmd/*.c; do basename "$f" .c; done
}

@test "every tool: --help exits 0 on stdout, --version, bad option exits 64" {
	for t in $(tools); do
		run --separate-stderr "$t" --help
		[ "$status" -eq 0 ] || { echo "$t --help: $status"; return 1; }
		assert_contains "$output" "Usage:"
		[ -z "$stderr" ] || { echo "$t --help wrote to stderr"; return 1; }
		run --separate-stderr "$t" --version
		[ "$status" -eq 0 ] && assert_contains "$output" "camkit"
		run --separate-stderr "$t" --no-such-option
		[ "$status" -eq 64 ] || { echo "$t bad option: $status"; return 1; }
		assert_contains "$stderr" "try '$t --help'"
	done
}

@test "every long option in --help is in the man page and both completions" {
	for t in $(tools); do
		[ -f "$ROOT/man/$t.1" ] || { echo "no man/$t.1"; return 1; }
		[ -f "$ROOT/completions/bash/$t" ] || { echo "no completions/bash/$t"; return 1; }
		grep -q -- "$t" "$ROOT/completions/zsh/_camkit" || { echo "$t not in _camkit"; return 1; }
		for o in $("$t" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
			# mdoc writes --foo as "Fl \-foo" or "Fl -foo"
			grep -qE -- "Fl (\\\\)?-${o#--}( |\$)" "$ROOT/man/$t.1" ||
				{ echo "$t: $o missing from man/$t.1"; return 1; }
			grep -q -- "$o" "$ROOT/completions/bash/$t" ||
				{ echo "$t: $o missing from completions/bash/$t"; return 1; }
			grep -q -- "$o" "$ROOT/completions/zsh/_camkit" ||
				{ echo "$t: $o missing from completions/zsh/_camkit"; return 1; }
		done
	done
}

@test "man pages pass mandoc -Tlint" {
	require_cmd mandoc
	for m in "$ROOT"/man/*.[17]; do
		run mandoc -Tlint -W warning "$m"
		[ "$status" -eq 0 ] || { echo "$m: $output"; return 1; }
	done
}

@test "bash completions load and complete long options" {
	for t in $(tools); do
		run bash -c "source '$ROOT/completions/bash/$t' && complete -p $t"
		[ "$status" -eq 0 ] || { echo "$t: $output"; return 1; }
	done
}

@test "stdout write errors are reported (exit 74), not swallowed" {
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr bash -c 'gb-ptzcmd stop >/dev/full'
	assert_status 74
}

@test "make install honours DESTDIR and PREFIX; uninstall removes it all" {
	d="$BATS_TEST_TMPDIR/dest"
	run make -C "$ROOT" -s install DESTDIR="$d" PREFIX=/opt/ck BUILD="${CAMKIT_BIN%/bin}"
	assert_status 0
	for t in $(tools); do
		[ -x "$d/opt/ck/bin/$t" ] && [ -f "$d/opt/ck/share/man/man1/$t.1" ] &&
		    [ -f "$d/opt/ck/share/bash-completion/completions/$t" ] ||
		    { echo "$t not installed"; return 1; }
	done
	[ -f "$d/opt/ck/share/man/man7/camkit.7" ]
	[ -f "$d/opt/ck/share/zsh/site-functions/_camkit" ]
	run make -C "$ROOT" -s uninstall DESTDIR="$d" PREFIX=/opt/ck BUILD="${CAMKIT_BIN%/bin}"
	assert_status 0
	[ -z "$(find "$d" -type f)" ]
}

@test "lib/ layering: families, sockets only in lib/net, printing only through the log sink, prefixes" {
	run --separate-stderr bash "$ROOT/tests/tools/layering.sh"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	assert_contains "$output" "files clean"
}

@test "the layering check catches a breach" {
	# a copy of the tree with one forbidden include: the script must say so
	local t="$BATS_TEST_TMPDIR/tree"
	mkdir -p "$t/tests/tools" && cp -r "$ROOT/lib" "$t/" && cp "$ROOT/tests/tools/layering.sh" "$t/tests/tools/"
	sed -i '0,/^#include "/s||#include "gb/sip.h"\n#include "|' "$t/lib/onvif/soap.c"
	printf 'void f(void) { fprintf(stderr, "x"); }\n' >>"$t/lib/codec/json.c"
	run --separate-stderr bash "$t/tests/tools/layering.sh"
	[ "$status" -eq 1 ]
	assert_contains "$output" "lib/onvif/soap.c: onvif includes gb"
	assert_contains "$output" "lib/codec/json.c: writes to stderr outside the log sink"
}

@test "camkit.7 lists every tool, and every tool's man page refers to it" {
	local m t missing=
	for m in "$ROOT"/man/*.1; do
		t=$(basename "$m" .1)
		grep -q "^\.It Xr $t 1$" "$ROOT/man/camkit.7" || missing+=" camkit.7:$t"
		grep -q "^\.Xr camkit 7" "$m" || missing+=" $t.1:camkit(7)"
	done
	[ -z "$missing" ] || { echo "missing:$missing"; return 1; }
}
