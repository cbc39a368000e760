#!/bin/bash
# tests/daemon/test_roostd_split.sh - split DNS with forward-zone: three
# mockdns servers, the default upstream ("def"), a VPN's ("corp", for
# corp.example and the reverse zone 8.10.in-addr.arpa) and a lab's
# ("lab", for lab.corp.example inside it).  Each question reaches only
# its own route's server (the mocks' query counts prove it), the longest
# zone wins, `roost stats` shows each zone's servers, and a reload that
# moves a zone drops what was cached below it and nothing else.
#
# Runs in a private network namespace (lib_init): the mocks on
# 127.0.0.2-4#5300, roostd on 127.0.0.1#5370 with a control socket.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

: "${ROOST:=$top_builddir/src/roost}"
DEF=127.0.0.2#5300
CORP=127.0.0.3#5300
LAB=127.0.0.4#5300
P=5370
CTLDIR=$T/ctl
mkdir "$CTLDIR" && chmod 711 "$T" && chmod 755 "$CTLDIR" || exit 99
CTL=$CTLDIR/control
CONF=$CTLDIR/roostd.conf
DIG="dig +tries=1 +time=3 -p $P @127.0.0.1"

lib_zone corp.example. 198.51.100.1 >"$T/corp.zone"
lib_zone lab.corp.example. 198.51.100.2 >"$T/lab.zone"
lib_zone example.test. 192.0.2.1 >"$T/def.zone"
cat >"$T/rev.zone" <<'EOF'
$ORIGIN 8.10.in-addr.arpa.
$TTL 300
@	IN SOA ns.corp.example. hostmaster.corp.example. 1 7200 900 1209600 60
@	IN NS ns.corp.example.
4.3	IN PTR host.corp.example.
EOF
mock_start def "$DEF" --zone "$T/def.zone" || exit 99
mock_start corp "$CORP" --zone "$T/corp.zone" --zone "$T/rev.zone" \
    --zone "$T/lab.zone" || exit 99
mock_start lab "$LAB" --zone "$T/lab.zone" || exit 99

write_conf() { # write_conf [LAB-SERVER]: lab.corp.example via it (default lab)
	cat >"$CONF" <<EOF
upstream = $DEF
forward-zone = lab.corp.example ${1:-$LAB}
forward-zone = corp.example $CORP
forward-zone = 8.10.in-addr.arpa $CORP
control-socket = $CTL
EOF
	chmod 644 "$CONF"
}
write_conf
roostd_start r "127.0.0.1#$P" -c "$CONF" --control-socket "$CTL" || exit 99
roost() { "$ROOST" --control "$CTL" "$@"; }
# counts SERVER: "NAME TYPE" of every question SERVER saw, sorted
seen() { mock_counts "$1" | awk '{ print $1, $2 }' | sort -u | tr '\n' ' '; }
answer() { $DIG +short "$@"; }

# --- each name to its own route ----------------------------------------------

check_eq "corp.example: the VPN's answer" 198.51.100.1 \
    "$(answer www.corp.example A)"
check_eq "lab.corp.example, inside it: the longer zone's server" \
    198.51.100.2 "$(answer www.lab.corp.example A)"
check_eq "a reverse zone: PTR from the VPN's server" host.corp.example. \
    "$(answer -x 10.8.3.4)"
check_eq "anything else: the default upstream" 192.0.2.1 \
    "$(answer www.example.test A)"
# a private reverse name outside 8.10.in-addr.arpa: roostd's own
# NXDOMAIN (serve-private-reverse), seen by no server
check_match "-x 10.9.3.4: answered here" "status: NXDOMAIN" \
    "$($DIG -x 10.9.3.4)"
check_eq "def saw only the names outside every zone" \
    "www.example.test. A " "$(seen def)"
check_eq "corp saw only corp.example and the reverse zone" \
    "4.3.8.10.in-addr.arpa. PTR www.corp.example. A " "$(seen corp)"
check_eq "lab saw only lab.corp.example" "www.lab.corp.example. A " \
    "$(seen lab)"

# --- stats show each zone's servers ------------------------------------------

json=$(roost stats --json)
check_eq "stats: four servers over four routes" 4 \
    "$(jq '.upstreams | length' <<<"$json")"
check_eq "stats: the default upstream has no zone" null \
    "$(jq -r --arg a "$DEF" '.upstreams[] | select(.address == $a) | .zone' <<<"$json")"
check_eq "stats: corp's server, once per zone" \
    "8.10.in-addr.arpa. corp.example." \
    "$(jq -r --arg a "$CORP" '[.upstreams[] | select(.address == $a) | .zone] | sort | join(" ")' <<<"$json")"
check_eq "stats: the lab server asked once" 1 \
    "$(jq -r --arg a "$LAB" '.upstreams[] | select(.address == $a) | .queries' <<<"$json")"
check_match "stats (text): a zone's server says its zone" \
    "forward-zone lab.corp.example." "$(roost stats)"

# --- a reload that moves a zone drops its subtree only -----------------------

mock_reset def
mock_reset corp
mock_reset lab
write_conf "$CORP"
check_eq "reload: lab.corp.example to corp's server" \
    "roostd reloaded its configuration" "$(roost reload 2>&1)"
check_match "reload: the moved zone's entries dropped, logged" \
    'lab.corp.example. goes to other servers now: 1 cached entries' \
    "$(cat "$T/r.log")"
check_eq "after the reload: lab.corp.example from corp now" 198.51.100.2 \
    "$(answer www.lab.corp.example A)"
check_eq "after the reload: corp asked for it" 1 \
    "$(mock_count corp www.lab.corp.example. A udp)"
check_eq "after the reload: lab no longer asked" "" "$(seen lab)"
check_eq "after the reload: corp.example still cached" 198.51.100.1 \
    "$(answer www.corp.example A)"
check_eq "after the reload: the default's answer still cached" 192.0.2.1 \
    "$(answer www.example.test A)"
check_eq "after the reload: neither asked again" "" "$(seen def)"
check_eq "after the reload: corp asked for nothing else" \
    "www.lab.corp.example. A " "$(seen corp)"

finish
