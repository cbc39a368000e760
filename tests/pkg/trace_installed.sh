#!/bin/bash
# tests/pkg/trace_installed.sh - the installed roost and roostd (from the
# .deb, in /usr) against the mock DNS tree of tests/trace, in a private
# network namespace: roost trace walks it from the mock root, and roostd,
# started as root with the shipped /etc/roost/roostd.conf, drops to the
# package's roost user and forwards to a mock server.  Run by
# tests/pkg/test_deb.sh as root; mockdns and dnsprobe come from the build
# tree ($top_builddir).
. "$top_srcdir/tests/lib.sh"
lib_init "$@"
. "$top_srcdir/tests/trace/tree.sh"

ROOST=/usr/bin/roost
ROOSTD=/usr/sbin/roostd
tree_start || exit 99

out=$("$ROOST" trace --root-hints "$HINTS" -p "$P" --timeout 0.5 \
    www.example.test A 2>&1)
check_eq "installed roost trace www.example.test A: exit 0" 0 "$?"
chain=$(printf '%s\n' "$out" |
    sed -n 's/^\([^ ;|][^ ]*\) @\([^ ]*\) (\([^)]*\)): \([a-z]*\).*/\1 \4/p' |
    paste -sd ' ')
check_eq "installed roost trace: root, test., example.test. in order" \
    ". referral test. referral example.test. answer" "$chain"
check_match "installed roost trace: an A record" \
    '^www\.example\.test\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.1$' \
    "$out"

# roostd as root with the shipped file: binds, then runs as roost (in a
# user namespace, where the roost user does not exist, it stays)
user=root
lib_real_root && user=roost
roostd_start pkg 127.0.0.1#5353 -c /etc/roost/roostd.conf --user "$user" \
    --upstream "127.0.0.12#$P" || exit 99
pid=${ROOSTD_PID[pkg]}
if lib_real_root; then
	check_eq "installed roostd runs as the roost user" "$(id -u roost)" \
	    "$(awk '/^Uid:/ { print $3 }' "/proc/$pid/status")"
else
	skip "installed roostd runs as the roost user" \
	    "the real root, to switch users"
fi
out=$("$ROOST" query www.example.test A @127.0.0.1#5353 +short 2>&1 |
    sort | paste -sd ' ')
check_eq "installed roostd answers through the mock server" \
    "192.0.2.1 192.0.2.2" "$out"
roostd_stop pkg
check_eq "installed roostd stops with status 0" 0 "$?"

finish
