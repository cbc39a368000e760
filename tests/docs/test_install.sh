#!/bin/bash
# tests/docs/test_install.sh - `make install DESTDIR=...` installs exactly
# the two programs, the three man pages, roostd.conf and the two systemd
# units (when configure found a unit directory), nothing else; `make
# uninstall` removes exactly those, leaving at most empty folders.
#
# Runs make in $top_builddir (already built by make check), so the paths
# are the ones configure chose.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

D=$T/destdir
mkdir -p "$D" || exit 99
make_() {
	# MAKEFLAGS of an outer make check is not ours to inherit
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory \
	    -C "$top_builddir" "$@"
}

# The install folders as make expands them.
cat >"$T/dirs.mk" <<'EOF'
roost-print-dirs:
	@echo 'bindir=$(bindir)'
	@echo 'sbindir=$(sbindir)'
	@echo 'mandir=$(mandir)'
	@echo 'sysconfdir=$(sysconfdir)'
	@echo 'unitdir=$(systemdsystemunitdir)'
	@echo 'dbuspolicydir=$(dbuspolicydir)'
EOF
dirs=$(make_ -f Makefile -f "$T/dirs.mk" roost-print-dirs) || exit 99
eval "$dirs"
check_match "make expands the install folders" '^bindir=/' "$dirs"

expected=$(
	echo "$bindir/roost"
	echo "$sbindir/roostd"
	echo "$mandir/man1/roost.1"
	echo "$mandir/man5/roostd.conf.5"
	echo "$mandir/man8/roostd.8"
	echo "$sysconfdir/roost/roostd.conf"
	echo "$dbuspolicydir/roostd-resolve1.conf"
	if [ "$unitdir" != no ]; then
		echo "$unitdir/roostd.service"
		echo "$unitdir/roostd.socket"
	fi
)
expected=$(printf '%s\n' "$expected" | sed 's|//*|/|g' | sort)

out=$(make_ install DESTDIR="$D" 2>&1)
rc=$?
check_eq "make install DESTDIR=...: exit 0" 0 "$rc"
[ "$rc" -ne 0 ] && printf '%s\n' "$out" | sed 's/^/    /'
got=$(cd "$D" && find . ! -type d | sed 's|^\.||' | sort)
if [ "$got" = "$expected" ]; then
	pass "make install installs exactly the expected $(echo "$expected" | wc -l) files"
else
	fail "make install installs other files than expected" \
	    "diff expected got:"
	diff <(echo "$expected") <(echo "$got") | sed 's/^/    /'
fi

check "installed roostd runs: --version" "$D$sbindir/roostd" --version
check "installed roost runs: --version" "$D$bindir/roost" --version
unit=$D$unitdir/roostd.service
if [ "$unitdir" != no ]; then
	check_match "installed roostd.service runs the installed roostd" \
	    "^ExecStart=$sbindir/roostd -c $sysconfdir/roost/roostd.conf\$" \
	    "$(cat "$unit")"
fi
check "installed roostd.conf is the shipped one" \
    cmp "$top_srcdir/etc/roostd.conf" "$D$sysconfdir/roost/roostd.conf"

out=$(make_ uninstall DESTDIR="$D" 2>&1)
check_eq "make uninstall DESTDIR=...: exit 0" 0 "$?"
left=$(cd "$D" && find . ! -type d | sed 's|^\.||' | sort)
check_eq "make uninstall leaves no file behind" "" "$left"

finish
