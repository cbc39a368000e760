#!/bin/bash
# tests/pkg/test_deb.sh - the Debian package, end to end, on this machine:
# build the .deb from a clean copy of the tree (the files git tracks, as
# they are in the work tree) with README.md's packaging steps as written
# (apt-get install -y dpkg-dev, apt-get build-dep -y ./, dpkg-buildpackage
# -us -uc -b), run lintian (no error allowed; warnings
# are shown), install it with apt-get, check what it installed, that it
# created the roost system user and enabled or started nothing, run the
# installed programs against the mock DNS tree (tests/pkg/
# trace_installed.sh, in a private network namespace), then purge it and
# check what is left: the roost user stays (Debian keeps system users),
# every file and /etc/roost go.  A roost user this script created is
# removed at the end, so the machine is as before.
#
# Not part of make check: it needs root and apt, changes the machine and
# takes a minute or two.  .ci/run runs it after make distcheck, from a
# configured and built tree (mockdns and dnsprobe come from
# $top_builddir).  The package is built with DEB_BUILD_OPTIONS=nocheck:
# CI has just run the suite on this tree.
#
# Ends with "N passed, N failed".
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
. "$top_srcdir/tests/lib.sh"	# pass, fail, check*, finish; no netns here:
				# apt needs the package registry

if [ "$(id -u)" -ne 0 ]; then
	echo "test_deb.sh: needs root (apt-get install, adduser)" >&2
	exit 99
fi
# What this script calls besides the README's packaging steps, which a
# fresh Debian 12 may lack: git (the clean copy is what git tracks) and
# lintian.  dpkg-dev (apt-get build-dep ./ reads debian/control through
# it, and it has dpkg-buildpackage) is the README's to install: its steps
# run here as written.
export DEBIAN_FRONTEND=noninteractive
lib_apt_need git lintian || exit 99
W=$(mktemp -d /tmp/roost-deb.XXXXXX) || exit 99
user_before=no
getent passwd roost >/dev/null && user_before=yes
cleanup() {
	local rc=$?
	if dpkg -s roost >/dev/null 2>&1; then
		apt-get purge -y -q roost >/dev/null 2>&1
	fi
	if [ "$user_before" = no ] && getent passwd roost >/dev/null; then
		userdel roost
		getent group roost >/dev/null && groupdel roost
	fi
	rm -rf "$W"
	exit "$rc"
}
trap cleanup EXIT
# step WHAT: a progress line with the seconds spent so far
step() {
	echo "# [${SECONDS}s] $1"
}

if dpkg -s roost >/dev/null 2>&1; then
	echo "test_deb.sh: a roost package is installed already; purge it" \
	    "first (apt-get purge roost)" >&2
	exit 99
fi
version=$(sed -n 's/^AC_INIT(\[roost\], \[\([^]]*\)\].*/\1/p' \
    "$top_srcdir/configure.ac")
check_match "configure.ac has a version" '^[0-9]+\.[0-9]+\.[0-9]+$' "$version"
check_match "debian/changelog is at that version" "^roost \\($version\\) " \
    "$(head -n 1 "$top_srcdir/debian/changelog")"
check_match "NEWS has that version" "^$version " "$(cat "$top_srcdir/NEWS")"

# --- build ------------------------------------------------------------

S=$W/roost-$version
mkdir -p "$S" || exit 99
(cd "$top_srcdir" && git ls-files -z | tar --null -T - -cf -) |
    tar -xf - -C "$S" || exit 99
check "the clean copy has debian/ and no build products" \
    test -f "$S/debian/control" -a ! -e "$S/Makefile" -a ! -e "$S/configure"

# The README's packaging block: its lines up to the one that installs the
# .deb, run in the clean copy as written (CI has just run the suite on
# this tree: nocheck, as a build profile and a build option).
readme=$(awk '/^install the Debian package/ { inblock = 1; next }
    inblock && /^    / { sub(/^    /, ""); print; seen = 1; next }
    inblock && seen { exit }' "$top_srcdir/README.md")
build=$(printf '%s\n' "$readme" | grep -v '^apt-get install \.\./')
install=$(printf '%s\n' "$readme" | grep '^apt-get install \.\./')
check_match "README.md: the packaging steps build with dpkg-buildpackage" \
    'dpkg-buildpackage -us -uc -b' "$build"
step "README.md's packaging steps: $(printf '%s' "$build" | tr '\n' ';')"
(cd "$S" && DEB_BUILD_OPTIONS="nocheck parallel=2" DEB_BUILD_PROFILES=nocheck \
    bash -e -c "$build") >"$W/build.log" 2>&1
rc=$?
check_eq "README.md's packaging steps: exit 0" 0 "$rc"
[ "$rc" -eq 0 ] || { tail -n 40 "$W/build.log"; finish; }
arch=$(dpkg --print-architecture)
deb=$W/roost_${version}_$arch.deb
check "the .deb is roost_${version}_$arch.deb" test -f "$deb"
[ -f "$deb" ] || finish
check_eq "README.md installs that .deb" \
    "apt-get install ../roost_${version}_$arch.deb" "$install"

step "lintian"
lint=$(lintian --fail-on none "$W/roost_${version}_$arch.changes" 2>&1 |
    grep -v '^running with root privileges')
printf '%s\n' "$lint" | sed 's/^/    /'
check_nomatch "lintian: no error" '^E: ' "$lint"

contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' |
    grep -v '/$' | sort)
for f in /usr/bin/roost /usr/sbin/roostd /etc/roost/roostd.conf \
    /lib/systemd/system/roostd.service /lib/systemd/system/roostd.socket \
    /usr/share/man/man1/roost.1.gz /usr/share/man/man5/roostd.conf.5.gz \
    /usr/share/man/man8/roostd.8.gz \
    /usr/share/dbus-1/system.d/roostd-resolve1.conf; do
	check_match "the .deb has $f" "^${f//./\\.}\$" "$contents"
done

# --- install ----------------------------------------------------------

step "apt-get install ./roost_${version}_$arch.deb"
(cd "$W" && apt-get install -y -q "./roost_${version}_$arch.deb") \
    >"$W/install.log" 2>&1
rc=$?
check_eq "apt-get install ./roost_*.deb: exit 0" 0 "$rc"
[ "$rc" -eq 0 ] || { tail -n 20 "$W/install.log"; finish; }
check_match "roostd --version: the package's version" "^roostd $version\$" \
    "$(/usr/sbin/roostd --version)"
check_match "roostd --version: c-ares, ldns and libsystemd" \
    '^c-ares [0-9.]+, ldns [0-9.]+ \(linked\)$' "$(/usr/sbin/roostd --version)"
check_match "roost --version: the version and ldns" \
    "^roost $version \\(ldns [0-9.]+\\)\$" "$(/usr/bin/roost --version)"
check "the shipped roostd.conf is a conffile" \
    grep -q /etc/roost/roostd.conf /var/lib/dpkg/info/roost.conffiles
check "the shipped roostd.conf passes --check-config" \
    /usr/sbin/roostd --check-config -c /etc/roost/roostd.conf \
    --upstream 192.0.2.1

pw=$(getent passwd roost)
check_match "the roost user exists" '^roost:' "$pw"
uid=$(printf '%s\n' "$pw" | cut -d: -f3)
check_lt "the roost user is a system user (uid < 1000)" "${uid:-99999}" 1000
check_match "the roost user has no login shell" ':/usr/sbin/nologin$' "$pw"
check_match "the roost user has no home" ':/nonexistent:' "$pw"
check "the roost group exists" getent group roost
check_match "roostd.service runs as that user" '^User=roost$' \
    "$(cat /lib/systemd/system/roostd.service)"

for u in roostd.socket roostd.service; do
	st=$(systemctl is-enabled "$u" 2>&1)
	check_eq "$u is installed but not enabled" disabled "$st"
done
links=$(find /etc/systemd/system -name 'roostd*' 2>/dev/null)
check_eq "no unit link under /etc/systemd/system" "" "$links"
check_eq "no roostd running after install" "" \
    "$(pidof /usr/sbin/roostd 2>/dev/null)"

step "tests/pkg/trace_installed.sh (private network namespace)"
out=$("$top_srcdir/tests/pkg/trace_installed.sh" 2>&1)
printf '%s\n' "$out" | sed 's/^/    /'
line=$(printf '%s\n' "$out" | tail -n 1)
if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ [0-9]+\ skipped)?$ ]]; then
	LIB_PASSED=$((LIB_PASSED + BASH_REMATCH[1]))
	LIB_FAILED=$((LIB_FAILED + BASH_REMATCH[2]))
else
	fail "trace_installed.sh ran to its end"
fi

# --- purge ------------------------------------------------------------

step "apt-get purge roost"
apt-get purge -y -q roost >"$W/purge.log" 2>&1
rc=$?
check_eq "apt-get purge roost: exit 0" 0 "$rc"
[ "$rc" -eq 0 ] || tail -n 20 "$W/purge.log"
check "dpkg knows no roost package after purge" \
    test -z "$(dpkg-query -W -f='${Status}' roost 2>/dev/null | grep installed)"
left=
for f in $contents /etc/roost /var/lib/roost; do
	[ -e "$f" ] && left="$left $f"
done
check_eq "purge leaves none of the package's files, nor /etc/roost" "" "$left"
check_match "purge keeps the roost system user (Debian's policy)" '^roost:' \
    "$(getent passwd roost)"

step "done"
finish
