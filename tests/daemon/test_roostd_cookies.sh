#!/bin/bash
# tests/daemon/test_roostd_cookies.sh - DNS cookies (RFC 7873) toward
# upstreams, seen by the mock: a client cookie per server, the same one
# every time; the server cookie learnt and sent back; BADCOOKIE asked
# again once with the new server cookie; an answer with another client's
# cookie refused as a forgery; a server that stops sending cookies still
# answered; a server without cookies, and upstream-cookies no, unchanged.
#
# Runs in a private network namespace (lib_init): mockdns "a" and "b"
# (--cookies) and "plain" (no cookies); roostd "r" forwards to a and b,
# "p" to plain, "n" to a with upstream-cookies no.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

ZONE=$top_srcdir/tests/mock/zones/example.test.zone
A=127.0.0.2#5300
B=127.0.0.3#5300
PLAIN=127.0.0.4#5300
P=5358	# roostd r (a), then +1 two (a and b), +2 p (plain), +3 n (no)
DIG="dig +tries=1 +time=5 @127.0.0.1"
: "${ROOST:=$top_builddir/src/roost}"

: >"$T/a.rules"
echo '*.viaa.example.test	*	drop' >"$T/b.rules"
mock_start a "$A" --zone "$ZONE" --cookies --rules "$T/a.rules" || exit 99
mock_start b "$B" --zone "$ZONE" --cookies --rules "$T/b.rules" || exit 99
mock_start plain "$PLAIN" --zone "$ZONE" || exit 99
roostd_start r "127.0.0.1#$P" --upstream "$A" --servfail-ttl 0 \
    --upstream-timeout 100 --upstream-give-up 2000 \
    --control-socket "$T/r.ctl" || exit 99
roostd_start two "127.0.0.1#$((P + 1))" --upstream "$A" --upstream "$B" \
    --upstream-timeout 100 || exit 99
roostd_start p "127.0.0.1#$((P + 2))" --upstream "$PLAIN" || exit 99
roostd_start n "127.0.0.1#$((P + 3))" --upstream "$A" \
    --upstream-cookies no || exit 99
rstat() { "$ROOST" --control "$T/r.ctl" stats --json | jq -r ".$1"; }
idle() { [ "$(rstat fetches.inflight)" = 0 ]; }

# cookies NAME QNAME: the cookie= fields of mock NAME's log lines for
# QNAME (lower case, final dot), in order; "none" for a query without
cookies() {
	awk -v n="$2" '$2 == "query" && $6 == n {
		c = "none"
		for (i = 7; i <= NF; i++)
			if ($i ~ /^cookie=/) c = substr($i, 8)
		print c
	}' "$T/$1.log"
}
# ask PORT NAME: dig's status for NAME A
ask() { $DIG -p "$1" "$2" A | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
# rules MOCK LINE: MOCK's rules are LINE from now on
rules() { echo "$2" >"$T/$1.rules" && mock_reload "$1" || fail "$1: reload"; }

# --- the cookies sent ---------------------------------------------------------

# cookies go to a server once it has answered with EDNS
for n in c1 c2 c3; do
	check_eq "$n: answered" NXDOMAIN "$(ask $P $n.example.test)"
done
check_eq "first query: no cookie (EDNS not seen yet)" none \
    "$(cookies a c1.example.test.)"
c2=$(cookies a c2.example.test.)
check_match "second: the client cookie alone" '^[0-9a-f]{16}/-$' "$c2"
c3=$(cookies a c3.example.test.)
check_match "third: with the server cookie (RFC 9018 layout), ours" \
    '^[0-9a-f]{16}/01000000[0-9a-f]{24}$' "$c3"
check_eq "the same client cookie each time" "${c2%/*}" "${c3%/*}"

# another server, another client cookie (b drops *.viaa, so a answers
# those; a answers *.viab too unless b is asked first, and b does)
rules a '*.viab.example.test	*	drop'
for n in x1 x2 y1 y2; do
	case $n in x*) z=viaa ;; *) z=viab ;; esac
	check_eq "$n.$z: answered" NXDOMAIN "$(ask $((P + 1)) $n.$z.example.test)"
done
xa=$(cookies a x2.viaa.example.test. | tail -n 1)
yb=$(cookies b y2.viab.example.test. | tail -n 1)
check_match "two upstreams: a gets a cookie" '^[0-9a-f]{16}/' "$xa"
check_match "two upstreams: b gets one" '^[0-9a-f]{16}/' "$yb"
check "two upstreams: not the same client cookie" [ "${xa%/*}" != "${yb%/*}" ]

# --- BADCOOKIE: asked again once, with the new server cookie ---------------

# a's reload changed its secret: the server cookie r holds is stale now
rules a 'bc.example.test	*	badcookie'
check_eq "BADCOOKIE: the client still gets its answer" NXDOMAIN \
    "$(ask $P bc.example.test)"
check_eq "BADCOOKIE: one retry" 1 "$(rstat guard.cookie_retries)"
bc=$(cookies a bc.example.test. | tr '\n' ' ')
check_match "BADCOOKIE: the stale cookie, then the new one" \
    '^[0-9a-f]{16}/[0-9a-f]+! [0-9a-f]{16}/[0-9a-f]+ $' "$bc"
check_match "BADCOOKIE: a said so" 'bc\.example\.test\. A badcookie' \
    "$(cat "$T/a.log")"

# --- forgeries and servers that change --------------------------------------

rules a '*	*	wrong-cookie'
check_eq "another client's cookie: not taken" SERVFAIL "$(ask $P w1.example.test)"
check_ge "another client's cookie: counted" "$(rstat guard.bad_cookie)" 1
check_ge "another client's cookie: retried, not given up" \
    "$(cookies a w1.example.test. | wc -l)" 2
check "the fetch ends (upstream-give-up)" wait_until 5 idle
rules a ''
check_eq "a well again" NXDOMAIN "$(ask $P w2.example.test)"
# a stops sending cookies: a few answers without are taken for forgeries
# (each try asked again), then roostd stops expecting them
rules a '*	*	no-cookie'
check_eq "a server that stopped sending cookies: still answered" NXDOMAIN \
    "$(ask $P f1.example.test)"
check_eq "f1: asked 3 times" 3 "$(cookies a f1.example.test. | wc -l)"
check_match "stopping noted in the log" 'no longer expected' "$(cat "$T/r.log")"
check_eq "later answers taken at once" NXDOMAIN "$(ask $P f2.example.test)"
check_eq "f2: one query to a" 1 "$(cookies a f2.example.test. | wc -l)"

# --- no cookies ---------------------------------------------------------------

for n in g1 g2 g3; do
	check_eq "a server without cookies: $n answered" NXDOMAIN \
	    "$(ask $((P + 2)) $n.example.test)"
done
check_match "roostd offers its cookie all the same" '^[0-9a-f]{16}/-$' \
    "$(cookies plain g3.example.test.)"
for n in h1 h2 h3; do
	ask $((P + 3)) $n.example.test >/dev/null
done
check_eq "upstream-cookies no: none sent" "none none none" \
    "$(for n in h1 h2 h3; do cookies a $n.example.test.; done | tr '\n' ' ' | sed 's/ $//')"

finish
