#!/bin/bash
# tests/daemon/test_roostd_upstream.sh - upstream sources set at run time
# over the control socket, as a VPN script would: `roost upstream set`
# gives a VPN's servers their routing domains (corp.example and a reverse
# zone), `roost route` says where a name goes, `roost upstream` lists
# the sources, routes and each server's state and last error, "~." takes
# every name from the default route, `roost upstream revert` undoes each.
# Each question reaches only its route's mock (their query counts prove
# it); a change of routing drops only the cached subtree it moves; a
# refused change changes nothing; a reload keeps the run-time sources;
# a user outside roostd's group is refused.
#
# Runs in a private network namespace (lib_init): the mocks on
# 127.0.0.2-4#5300, roostd on 127.0.0.1#5380 with a control socket.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

: "${ROOST:=$top_builddir/src/roost}"
DEF=127.0.0.2#5300
CORP=127.0.0.3#5300
ALL=127.0.0.4#5300
DEAD=127.0.0.5#5300 # nobody listens: the port is unreachable
P=5380
CTLDIR=$T/ctl
mkdir "$CTLDIR" && chmod 711 "$T" && chmod 755 "$CTLDIR" || exit 99
CTL=$CTLDIR/control
CONF=$CTLDIR/roostd.conf
DIG="dig +tries=1 +time=3 -p $P @127.0.0.1"

# the default upstream knows a public corp.example; the VPN its own
lib_zone corp.example. 198.51.100.1 >"$T/corp.zone"
lib_zone corp.example. 192.0.2.99 >"$T/public-corp.zone"
lib_zone example.test. 192.0.2.1 >"$T/def.zone"
lib_zone example.test. 203.0.113.1 >"$T/all.zone"
cat >"$T/rev.zone" <<'EOF'
$ORIGIN 8.10.in-addr.arpa.
$TTL 300
@	IN SOA ns.corp.example. hostmaster.corp.example. 1 7200 900 1209600 60
@	IN NS ns.corp.example.
4.3	IN PTR host.corp.example.
EOF
mock_start def "$DEF" --zone "$T/def.zone" --zone "$T/public-corp.zone" ||
    exit 99
mock_start corp "$CORP" --zone "$T/corp.zone" --zone "$T/rev.zone" || exit 99
mock_start all "$ALL" --zone "$T/all.zone" || exit 99

cat >"$CONF" <<EOF
upstream = $DEF
upstream-timeout = 500
control-socket = $CTL
EOF
chmod 644 "$CONF"
roostd_start r "127.0.0.1#$P" -c "$CONF" --control-socket "$CTL" || exit 99
roost() { "$ROOST" --control "$CTL" "$@"; }
# SERVER's questions, "NAME TYPE" each, sorted
seen() { mock_counts "$1" | awk '{ print $1, $2 }' | sort -u | tr '\n' ' '; }
answer() { $DIG +short "$@"; }
sources() { roost upstream --json | jq -c '[.sources[] | .name]'; }

# --- before: one source, the configuration's ---------------------------------

check_eq "before: corp.example from the default upstream" 192.0.2.99 \
    "$(answer www.corp.example A)"
check_eq "before: example.test from the default upstream" 192.0.2.1 \
    "$(answer www.example.test A)"
check_eq "before: one source, the configuration file" '["roostd.conf"]' \
    "$(sources)"
check_eq "before: route of www.corp.example is the default" . \
    "$(roost route www.corp.example --json | jq -r .zone)"

# --- a VPN's servers and routing domains -------------------------------------

mock_reset def
out=$(roost upstream set vpn0 --dns "$CORP" --domain '~corp.example' \
    --domain '~8.10.in-addr.arpa' 2>&1)
check_eq "set vpn0: exit 0" 0 $?
check_match "set vpn0: shows the source" vpn0 "$out"
check_match "set vpn0: the moved subtree's entry dropped, logged" \
    'routing: corp.example. goes to other servers now: 1 cached entries' \
    "$(cat "$T/r.log")"
check_eq "vpn0: corp.example from the VPN's server now" 198.51.100.1 \
    "$(answer www.corp.example A)"
check_eq "vpn0: the reverse zone from the VPN's server" host.corp.example. \
    "$(answer -x 10.8.3.4)"
check_eq "vpn0: example.test still cached (the default did not move)" \
    192.0.2.1 "$(answer www.example.test A)"
check_eq "vpn0: a new example.test name from the default upstream" \
    192.0.2.1 "$(answer www2.example.test A)"
check_eq "vpn0: the default saw only the name outside the VPN's" \
    "www2.example.test. A " "$(seen def)"
check_eq "vpn0: the VPN's server saw only its domains" \
    "4.3.8.10.in-addr.arpa. PTR www.corp.example. A " "$(seen corp)"

json=$(roost route www.corp.example --json)
check_eq "route: www.corp.example goes to corp.example's route" \
    corp.example. "$(jq -r .zone <<<"$json")"
check_eq "route: because of vpn0" '["vpn0"]' "$(jq -c .sources <<<"$json")"
check_eq "route: to the VPN's server" "$CORP" \
    "$(jq -r '.servers[0].address' <<<"$json")"
check_eq "route: a name outside goes to the configuration's" \
    '["roostd.conf"]' \
    "$(roost route www.example.test --json | jq -c .sources)"

json=$(roost upstream --json)
check_eq "upstream: two sources" '["roostd.conf","vpn0"]' "$(sources)"
check_eq "upstream: vpn0's route-only domains take no default route" false \
    "$(jq '.sources[] | select(.name == "vpn0") | .default_route' <<<"$json")"
check_eq "upstream: vpn0's domains, route-only" \
    '["~corp.example.","~8.10.in-addr.arpa."]' \
    "$(jq -c '.sources[] | select(.name == "vpn0") | .domains' <<<"$json")"
check_eq "upstream: three routes" 3 "$(jq '.routes | length' <<<"$json")"
check_eq "upstream: the VPN's server has asked twice" 2 \
    "$(jq --arg a "$CORP" '[.routes[].servers[] | select(.address == $a) | .queries] | add' <<<"$json")"
check_match "upstream (text): names vpn0 and its server" \
    "vpn0.*$CORP" "$(roost upstream | tr '\n' ' ')"

# --- refused changes change nothing ------------------------------------------

before=$(roost upstream --json | jq -c .sources)
out=$(roost upstream set vpn0 --dns not-an-address 2>&1)
check_eq "refused: a bad address (exit 2)" 2 $?
check_match "refused: says why" "not-an-address" "$out"
out=$(roost upstream set vpn0 --dns "127.0.0.1#$P" 2>&1)
check_eq "refused: roostd itself as a server (exit 2)" 2 $?
check_match "refused: says it is roostd itself" "roostd itself" "$out"
out=$(roost upstream set roostd.conf --dns "$CORP" 2>&1)
check_eq "refused: the configuration's own source (exit 2)" 2 $?
check_match "refused: edit the file instead" "edit the file" "$out"
out=$(roost upstream set vpn0 --domain 'bad..name' 2>&1)
check_eq "refused: a bad domain (exit 2)" 2 $?
out=$(roost upstream set vpn0 --default-route maybe 2>&1)
check_eq "refused: --default-route maybe is a usage error (exit 3)" 3 $?
out=$(roost upstream revert nosuch 2>&1)
check_eq "refused: revert of no such source (exit 2)" 2 $?
check_eq "refused: the sources are as they were" "$before" \
    "$(roost upstream --json | jq -c .sources)"

# --- access: only root, roostd's user and its group --------------------------

if lib_real_root; then
	out=$(setpriv --reuid=65533 --regid=65533 --clear-groups \
	    "$ROOST" upstream set evil --dns "$ALL" --domain '~.' \
	    --control "$CTL" 2>&1)
	check_eq "access: a stranger's set is refused (exit 2)" 2 $?
	check_eq "access: and changed nothing" "$before" \
	    "$(roost upstream --json | jq -c .sources)"
else
	skip "access: a stranger's set refused" \
	    "the real root, to run roost as another user"
fi

# --- a reload keeps the run-time sources -------------------------------------

check_eq "reload: done" "roostd reloaded its configuration" \
    "$(roost reload 2>&1)"
check_eq "reload: vpn0 still routes corp.example" '["vpn0"]' \
    "$(roost route www2.corp.example --json | jq -c .sources)"

# --- a server that cannot be reached: its last error -------------------------

roost upstream set dead --dns "$DEAD" --domain '~dead.test' >/dev/null
check_eq "dead: set, exit 0" 0 $?
$DIG www.dead.test A >/dev/null
json=$(roost upstream --json)
check_match "dead: its last error is shown" '^(unreachable|timeout)$' \
    "$(jq -r --arg a "$DEAD" '.routes[].servers[] | select(.address == $a) | .last_error' <<<"$json")"
check_eq "dead: the VPN's server (on two routes) has none" '[null,null]' \
    "$(jq -c --arg a "$CORP" '[.routes[].servers[] | select(.address == $a) | .last_error]' <<<"$json")"
check_eq "dead: revert" 0 "$(roost upstream revert dead >/dev/null; echo $?)"

# --- "~.": a VPN that takes every name ---------------------------------------

mock_reset def
roost upstream set vpnall --dns "$ALL" --domain '~.' >/dev/null
check_eq "~.: set, exit 0" 0 $?
check_eq "~.: a new example.test name from the VPN's server" 203.0.113.1 \
    "$(answer www3.example.test A)"
check_eq "~.: the default upstream not asked" "" "$(seen def)"
check_eq "~.: the route of the root names vpnall" '["vpnall"]' \
    "$(roost route www3.example.test --json | jq -c .sources)"
check_eq "~.: corp.example stays with vpn0 (longer domain)" '["vpn0"]' \
    "$(roost route www.corp.example --json | jq -c .sources)"

# --- revert ------------------------------------------------------------------

roost upstream revert vpnall
check_eq "revert vpnall: exit 0" 0 $?
check_eq "revert vpnall: root names back to the configuration's" \
    '["roostd.conf"]' \
    "$(roost route www3.example.test --json | jq -c .sources)"
mock_reset corp
roost upstream revert vpn0
check_eq "revert vpn0: exit 0" 0 $?
check_eq "revert vpn0: corp.example from the default upstream again" \
    192.0.2.99 "$(answer www.corp.example A)"
check_eq "revert vpn0: the VPN's server no longer asked" "" "$(seen corp)"
check_eq "revert: one source left" '["roostd.conf"]' "$(sources)"

finish
