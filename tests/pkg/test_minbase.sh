#!/bin/bash
# tests/pkg/test_minbase.sh - the README's test command on a fresh machine:
# debootstrap a Debian minbase of this machine's release (plus git) into a
# scratch folder, clone the tree into its /root/roost (with the tracked
# files as they are in the work tree; /root is mode 0700 there, as on any
# Debian), and run `./bootstrap && make -j2 check` in it, then
# tests/pkg/test_deb.sh (the README's packaging steps as written), as root
# under systemd-nspawn.  By default with nspawn's default capabilities, which
# lack CAP_NET_ADMIN as Docker's and podman's do: the tests must find
# their private network there (lib.sh) and skip, each with its reason,
# only what truly needs more.  The container shares this machine's
# network and apt configuration, so that bootstrap can install packages;
# the tests in it make their own namespaces, as everywhere.
#
#	tests/pkg/test_minbase.sh [--all-caps] [COMMAND]
#
# --all-caps gives the container every capability (a VM's root); COMMAND
# (a shell line, run in /root/roost) replaces the test command, e.g.
# 'bash .ci/run'.  Needs root; installs debootstrap and systemd-container
# when missing.  Not part of make check: .ci/run runs it.  Prints the
# container's test logs of the tests that did not pass, every skip with
# its reason, and ends with "N passed, N failed" over the container's
# tests (a command that fails without a test summary is one failure).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
export top_srcdir
. "$top_srcdir/tests/lib.sh"	# pass, fail, check*, finish; no netns here:
				# debootstrap and apt need the package registry

caps=
# the README's test command, then its packaging steps (test_deb.sh runs
# them as written) on the same fresh machine
cmd='./bootstrap && make -j2 check && top_srcdir=$PWD top_builddir=$PWD tests/pkg/test_deb.sh'
if [ "${1:-}" = --all-caps ]; then
	caps=--capability=all
	shift
fi
[ $# -gt 0 ] && cmd=$1

if [ "$(id -u)" -ne 0 ]; then
	echo "test_minbase.sh: needs root (debootstrap, systemd-nspawn)" >&2
	exit 99
fi
lib_apt_need debootstrap systemd-container || exit 99

# Inside a container that cannot start one of its own, there is nothing
# to test here: say so (a skip, not a failure).
if ! out=$(timeout 30 systemd-nspawn -q -D / --volatile=yes --register=no \
    --keep-unit -- /usr/bin/true </dev/null 2>&1); then
	echo "SKIP - the minbase container: needs systemd-nspawn to run a" \
	    "container here; it says: $(printf '%s\n' "$out" | tail -n 3 |
	    tr '\n' ' ')"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi

# this machine's release and first Debian mirror, from its apt sources
# (deb822 .sources files or one-line sources.list entries)
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
    sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)\/\{0,1\}$/\1/p' |
    head -n 1)
[ -n "$mirror" ] || mirror=$(cat /etc/apt/sources.list 2>/dev/null |
    sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\/debian\)\/\{0,1\}[[:space:]].*/\2/p' |
    head -n 1)
if [ -z "$suite" ] || [ -z "$mirror" ]; then
	echo "test_minbase.sh: no Debian release ($suite) or mirror" \
	    "($mirror) in /etc/os-release and /etc/apt" >&2
	exit 99
fi

W=$(mktemp -d /var/tmp/roost-minbase.XXXXXX) || exit 99
cleanup() {
	local rc=$?
	if [ "$rc" -eq 0 ]; then
		rm -rf "$W"
	else
		echo "# kept for a look: $W (the command's output: $W/run.log)"
	fi
	exit "$rc"
}
trap cleanup EXIT
R=$W/root

step() {
	echo "# [${SECONDS}s] $1"
}

step "debootstrap --variant=minbase --include=git $suite $R $mirror"
debootstrap --variant=minbase --include=git "$suite" "$R" "$mirror" \
    >"$W/debootstrap.log" 2>&1
rc=$?
check_eq "debootstrap a $suite minbase: exit 0" 0 "$rc"
[ "$rc" -eq 0 ] || { tail -n 20 "$W/debootstrap.log"; finish; }
# the machine's apt configuration (its mirrors, suites and settings)
rm -f "$R/etc/apt/sources.list"
cp -a /etc/apt/sources.list* /etc/apt/apt.conf.d "$R/etc/apt/" 2>/dev/null
check_eq "the minbase's /root is mode 700" 700 "$(stat -c %a "$R/root")"

# a clone, as a newcomer has (test_deb.sh and .ci/run ask git which files
# the tree has), with the tracked files as they are in this work tree
git clone -q --no-local "$top_srcdir" "$R/root/roost" || exit 99
(cd "$top_srcdir" && git ls-files -z | tar --null -T - -cf -) |
    tar -xf - -C "$R/root/roost" || exit 99

step "systemd-nspawn ${caps:-(default capabilities)}: $cmd"
systemd-nspawn -q -D "$R" --register=no --keep-unit --console=pipe $caps \
    --chdir=/root/roost -E CI="${CI:-}" -- /bin/bash -c "$cmd" \
    </dev/null >"$W/run.log" 2>&1
rc=$?
step "the command exited $rc"

B=$R/root/roost
sum=$B/test-suite.log
ci=$(grep -aE '^ci: [0-9]+ passed, [0-9]+ failed$' "$W/run.log" | tail -n 1)
if [ -n "$ci" ]; then
	# a whole .ci/run: its phases' failures, and its closing line
	grep -aE '^(===== ci|ci: |FAIL|ERROR|SKIP)' "$W/run.log"
	[[ $ci =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]
	LIB_PASSED=$((LIB_PASSED + BASH_REMATCH[1]))
	LIB_FAILED=$((LIB_FAILED + BASH_REMATCH[2]))
elif [ -f "$sum" ]; then
	for log in $(cd "$B" && find tests -name '*.log' | sort); do
		res=$(sed -n 's/^\(PASS\|FAIL\|ERROR\|SKIP\|XFAIL\|XPASS\) .*/\1/p' \
		    "$B/$log" | tail -n 1)
		case $res in
		PASS) grep -h '^SKIP - ' "$B/$log" | sed "s|^|    ${log%.log}: |" ;;
		SKIP) echo "    ${log%.log}: $(grep -h '^SKIP' "$B/$log" | head -n 1)" ;;
		*)
			echo "----- ${log} ($res)"
			cat "$B/$log"
			;;
		esac
	done
	sed -n '/^# TOTAL/,/^# ERROR/p' "$sum"
	p=$(sed -n 's/^# PASS: *//p' "$sum")
	f=$(sed -n 's/^# FAIL: *//p' "$sum")
	e=$(sed -n 's/^# ERROR: *//p' "$sum")
	LIB_PASSED=$((LIB_PASSED + ${p:-0}))
	LIB_FAILED=$((LIB_FAILED + ${f:-0} + ${e:-0}))
fi
# the Debian package test's lines, when the command ran it
if grep -aq '^# \[[0-9]*s\] README.md.s packaging steps' "$W/run.log"; then
	sed -n '/^# \[[0-9]*s\] README.md.s packaging steps/,$p' "$W/run.log" |
	    grep -av '^ok - '
fi
[ "$rc" -eq 0 ] || tail -n 60 "$W/run.log"
check_eq "the command in the container: exit 0" 0 "$rc"
finish
