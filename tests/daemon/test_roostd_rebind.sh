#!/bin/bash
# tests/daemon/test_roostd_rebind.sh - rebind-protection: an upstream
# that answers a private, loopback or link-local address for a public
# name gets its answer refused (SERVFAIL with EDE 15, seen by dig,
# counted by roost stats, logged); public addresses pass; names of a
# routing domain (a VPN's forward-zone) and local-data keep their
# private addresses; with the option off the answer goes through.
#
# Runs in a private network namespace (lib_init): the mocks on
# 127.0.0.2-3#5300, roostd on 127.0.0.1#5373 and #5374.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

: "${ROOST:=$top_builddir/src/roost}"
DEF=127.0.0.2#5300
CORP=127.0.0.3#5300
P=5373
CTLDIR=$T/ctl
mkdir "$CTLDIR" && chmod 711 "$T" && chmod 755 "$CTLDIR" || exit 99
CTL=$CTLDIR/control
DIG="dig +tries=1 +time=3 -p $P @127.0.0.1"

{
	lib_zone example.test. 192.168.1.1
	printf 'good\tIN A 198.51.100.1\n'
	printf 'v6\tIN AAAA fe80::1\n'
	printf 'mapped\tIN AAAA ::ffff:10.1.2.3\n'
	printf 'loop\tIN A 127.0.0.1\n'
	printf 'pub6\tIN AAAA 2001:db8::1\n'
	printf 'alias\tIN CNAME www\n'
} >"$T/def.zone"
lib_zone corp.example. 10.0.0.5 >"$T/corp.zone"
mock_start def "$DEF" --zone "$T/def.zone" || exit 99
mock_start corp "$CORP" --zone "$T/corp.zone" || exit 99
roostd_start r "127.0.0.1#$P" --upstream "$DEF" --rebind-protection yes \
    --forward-zone "corp.example $CORP" \
    --local-data "nas.home.arpa. A 192.168.1.10" \
    --control-socket "$CTL" || exit 99

status() { $DIG "$@" | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }
short() { $DIG +short "$@"; }

check_eq "a public name with a private address: SERVFAIL" SERVFAIL \
    "$(status www.example.test A)"
check_match "... with EDE 15 and its reason" \
    "EDE: 15 \(Blocked\): \(a private address for a public name\)" \
    "$($DIG www.example.test A)"
check_eq "... and so its CNAME's" SERVFAIL "$(status alias.example.test A)"
check_eq "a loopback address: SERVFAIL" SERVFAIL \
    "$(status loop.example.test A)"
check_eq "a link-local IPv6 address: SERVFAIL" SERVFAIL \
    "$(status v6.example.test AAAA)"
check_eq "an IPv4-mapped private address: SERVFAIL" SERVFAIL \
    "$(status mapped.example.test AAAA)"
check_eq "a public address passes" 198.51.100.1 \
    "$(short good.example.test A)"
check_eq "a public IPv6 address passes" 2001:db8::1 \
    "$(short pub6.example.test AAAA)"
check_eq "a routing domain's name keeps its private address" 10.0.0.5 \
    "$(short www.corp.example A)"
check_eq "local-data keeps its private address" 192.168.1.10 \
    "$(short nas.home.arpa A)"
n=$("$ROOST" --control "$CTL" stats --json |
    sed -n 's/.*"rebind": *\([0-9]*\).*/\1/p')
check_ge "stats: guard.rebind counts the refused answers" "${n:-0}" 5
check_match "the log names the name and the address" \
    "rebind-protection: www.example.test. is public but the upstream answered 192.168.1.1" \
    "$(cat "$T/r.log")"

roostd_start off "127.0.0.1#5374" --upstream "$DEF" || exit 99
DIG="dig +tries=1 +time=3 -p 5374 @127.0.0.1"
check_eq "rebind-protection off (the default): the private answer" \
    192.168.1.1 "$(short www.example.test A)"

finish
