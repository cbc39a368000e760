#!/bin/bash
# tests/trace/test_resolve.sh - roost resolve shows what getaddrinfo() and
# getnameinfo() return through the system's resolver path.
#
# Runs in a private network namespace (lib_init) and, for every call, in a
# private mount namespace whose /etc is the test's own: its resolv.conf
# names a mockdns on 127.0.0.2 port 53, its nsswitch.conf is "files dns"
# (no nss module that could talk to a resolver outside this namespace),
# its hosts has one test entry and its services the one service asked
# for; getaddrinfo can reach nothing else and needs nothing of the
# machine's /etc (a minimal system has no /etc/hosts nor /etc/services)
# but the dynamic linker's cache.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

ROOST=$top_builddir/src/roost
Z=$top_srcdir/tests/trace/zones
mock_start up 127.0.0.2#53 --zone "$Z/example.test.zone" \
    --zone "$Z/reverse.zone" --rule 'fail.example.test * rcode=servfail' ||
    exit 99

lib_etc '127.0.0.1 localhost
192.0.2.99 from-hosts.test' || exit 99

# res ARGS...: roost resolve inside the private mount namespace.
res() {
	OUT=$(lib_in_etc "$ROOST" resolve "$@" 2>"$T/res.err")
	RC=$?
}

res -4 www.example.test
check_eq "-4: exit 0" 0 "$RC"
check_match "-4: the header" \
    '^FAMILY +SOCKTYPE +PROTOCOL +ADDRESS +PORT +KIND$' "$OUT"
check_match "-4: both A records, stream, documentation addresses" \
    '^AF_INET +SOCK_STREAM +IPPROTO_TCP +192\.0\.2\.1 +- +documentation$' "$OUT"
check_match "-4: dgram too" \
    '^AF_INET +SOCK_DGRAM +IPPROTO_UDP +192\.0\.2\.2 +- +documentation$' "$OUT"
check_nomatch "-4: no IPv6" '^AF_INET6' "$OUT"
check_eq "-4: the DNS server was asked" 1 "$(mock_count up www.example.test. A udp)"
res -6 www.example.test
check_match "-6: the AAAA" \
    '^AF_INET6 +SOCK_STREAM +IPPROTO_TCP +2001:db8::1 +- +documentation$' "$OUT"
check_nomatch "-6: no IPv4" '^AF_INET ' "$OUT"
res www.example.test http
check_eq "unspec with a service: exit 0" 0 "$RC"
check_match "service: port 80 on IPv4" \
    '^AF_INET +SOCK_STREAM +IPPROTO_TCP +192\.0\.2\.1 +80 +documentation$' "$OUT"
check_match "service: port 80 on IPv6" \
    '^AF_INET6 +SOCK_STREAM +IPPROTO_TCP +2001:db8::1 +80 +documentation$' "$OUT"
# the order is getaddrinfo()'s, as glibc's getent ahosts shows it
roost_order=$(awk 'NR > 2 && !seen[$4]++ { print $4 }' <<<"$OUT" | paste -sd' ')
gai_order=$(lib_in_etc getent ahosts www.example.test |
    awk '!seen[$1]++ { print $1 }' | paste -sd' ')
check_eq "the chain in getaddrinfo()'s order (getent ahosts)" "$gai_order" \
    "$roost_order"
check_match "canonical name" '^canonical name www\.example\.test$' "$OUT"
res from-hosts.test
check_match "/etc/hosts is used" \
    '^AF_INET +SOCK_STREAM +IPPROTO_TCP +192\.0\.2\.99 ' "$OUT"
res localhost
check_match "127.0.0.1 is loopback" '127\.0\.0\.1 +- +loopback$' "$OUT"
check_eq "/etc/hosts: no DNS query" 0 "$(mock_count up from-hosts.test. A udp)"
res nope.example.test
check_eq "NXDOMAIN: exit 1" 1 "$RC"
check_match "NXDOMAIN: gai_strerror" 'nope\.example\.test: Name or service not known' "$(cat "$T/res.err")"
res fail.example.test
check_eq "SERVFAIL: exit 2" 2 "$RC"
res -x 192.0.2.1
check_eq "-x: exit 0" 0 "$RC"
check_eq "-x: the PTR name" "www.example.test" "$OUT"
res -x 192.0.2.77
check_eq "-x unknown: exit 1" 1 "$RC"
res -x nonsense
check_eq "-x not an address: usage (3)" 3 "$RC"
res
check_eq "no name: usage (3)" 3 "$RC"
OUT=$("$ROOST" resolve --help)
check_match "--help: -x" '-x, --reverse' "$OUT"

finish
