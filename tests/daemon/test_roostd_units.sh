#!/bin/bash
# tests/daemon/test_roostd_units.sh - the systemd units: roostd.service
# and roostd.socket pass `systemd-analyze verify` (with roostd(8) found,
# so the Documentation= line is checked too), the service carries the
# hardening of README.md's list, and `systemd-analyze security` rates it
# better (a lower exposure) than systemd-resolved.service: the unit on
# this machine if there is one, else the number README.md records.
#
# Both are offline checks of the unit files: no manager is asked.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

# systemd-resolved.service's exposure as README.md records it (Debian 12,
# systemd 252, measured offline like here)
RESOLVED_RECORDED=2.2

U=$T/units
mkdir -p "$U" "$T/man/man8" || exit 99
sed -e "s|@sbindir@|$top_builddir/src|g" -e "s|@sysconfdir@|/etc|g" \
    "$top_srcdir/systemd/roostd.service.in" >"$U/roostd.service" || exit 99
cp "$top_srcdir/systemd/roostd.socket" "$U/" || exit 99
cp "$top_srcdir/man/roostd.8" "$T/man/man8/" || exit 99

out=$(cd "$U" && MANPATH=$T/man systemd-analyze verify roostd.socket \
    roostd.service 2>&1)
rc=$?
check_eq "systemd-analyze verify roostd.socket roostd.service: exit 0" 0 "$rc"
check_eq "systemd-analyze verify: nothing to say" "" "$out"

svc=$(cat "$U/roostd.service")

# Every program the service runs, roostd aside, is there on a minimal
# Debian system (debootstrap's minbase: Essential and Priority: required),
# where systemd-analyze verify above would find it missing otherwise.
if command -v dpkg-query >/dev/null; then
	for cmd in $(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\([^ ]*\).*/\1/p' \
	    "$U/roostd.service"); do
		case $cmd in */roostd) continue ;; esac
		case $cmd in /*) path=$cmd ;; *) path=$(type -P "$cmd") ;; esac
		pkg=$(dpkg -S "$path" 2>/dev/null | grep -v '^diversion by' |
		    sed -n '1s/: .*//p')
		how=$(dpkg-query -W -f='${Essential}/${Priority}' "$pkg" \
		    2>/dev/null)
		check_match "the unit's $cmd ($path, package ${pkg:-none}) is on a minimal system" \
		    '^yes/|/required$' "$how"
	done
else
	skip "the unit's programs are on a minimal system" "dpkg (Debian)"
fi
for line in Type=notify DynamicUser=yes 'CapabilityBoundingSet=$' \
    NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
    PrivateTmp=yes PrivateDevices=yes ProtectKernelTunables=yes \
    ProtectKernelModules=yes ProtectKernelLogs=yes \
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK' \
    SystemCallFilter=@system-service MemoryDenyWriteExecute=yes \
    StateDirectory=roost RuntimeDirectory=roost 'WatchdogSec=' \
    "ExecStart=$top_builddir/src/roostd "; do
	check_match "roostd.service has ${line%\$}" "^$line" "$svc"
done
sock=$(cat "$U/roostd.socket")
for line in 'ListenDatagram=127.0.0.1:53' 'ListenStream=127.0.0.1:53' \
    'ListenDatagram=\[::1\]:53' 'ListenStream=\[::1\]:53' FreeBind=yes \
    BindIPv6Only=ipv6-only; do
	check_match "roostd.socket has ${line//\\/}" "^$line\$" "$sock"
done

# exposure N.N of a unit file, from systemd-analyze security's last line
exposure() {
	systemd-analyze security --offline=yes "$1" 2>/dev/null |
	    sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p'
}
# lt A B: decimal A < B
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }

ours=$(exposure "$U/roostd.service")
echo "# systemd-analyze security: roostd.service $ours"
check_match "systemd-analyze security rates roostd.service" '^[0-9]+\.[0-9]$' \
    "$ours"
resolved=""
for f in /lib/systemd/system/systemd-resolved.service \
    /usr/lib/systemd/system/systemd-resolved.service; do
	[ -f "$f" ] && { resolved=$(exposure "$f"); break; }
done
if [ -n "$resolved" ]; then
	echo "# systemd-resolved.service on this machine: $resolved"
	check "roostd.service ($ours) is more secure than systemd-resolved.service ($resolved)" \
	    lt "$ours" "$resolved"
else
	echo "# systemd-resolved is not installed here: comparing with" \
	    "README.md's $RESOLVED_RECORDED"
	check "roostd.service ($ours) is more secure than systemd-resolved.service (recorded $RESOLVED_RECORDED)" \
	    lt "$ours" "$RESOLVED_RECORDED"
fi
readme_has() { grep -Eq -- "$1" "$top_srcdir/README.md"; }
check "README.md records roostd.service's $ours" \
    readme_has "^\| roostd\.service \| ${ours//./\\.} "
check "README.md records systemd-resolved.service's $RESOLVED_RECORDED" \
    readme_has "^\| systemd-resolved\.service \| ${RESOLVED_RECORDED//./\\.} "

finish
