#!/bin/bash
# tests/tools/genreport.sh - ISC's DNS compliance tests (genreport, from
# DNS-Compliance-Testing; not in Debian) against roostd and, for a
# measure, against Unbound in forward mode, both forwarding to the same
# mockdns upstream.  Run by hand, not by make check (genreport must be
# built first, and CI has no network to fetch it):
#
#   git clone https://github.com/dns-violations/DNS-Compliance-Testing
#   cd DNS-Compliance-Testing && autoreconf -fi && ./configure &&
#       make LIBS="-lresolv -lcrypto"
#   make compliance GENREPORT=/path/to/genreport    (in roost's build tree)
#
# Prints genreport's recursive-mode report (-R: RD on every test, RA
# expected) and its query-type tests (-t) for each.  Everything runs in
# a private network namespace (tests/lib.sh): genreport reaches only
# 127.0.0.1 (roostd) and 127.0.0.41 (Unbound), they only the mock at
# 127.0.0.2.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

: "${GENREPORT:=$(command -v genreport)}"
[ -x "$GENREPORT" ] || {
	echo "genreport.sh: set GENREPORT to a built genreport (see the top of this file)"
	exit 99
}
UNBOUND=$(command -v unbound || echo /usr/sbin/unbound)
ZONE=$top_srcdir/tests/mock/zones/example.test.zone
UP=127.0.0.2#5300
P=5353
UB=127.0.0.41

mock_start up "$UP" --zone "$ZONE" --cookies || exit 99
roostd_start r "127.0.0.1#$P" --upstream "$UP" || exit 99
cat >"$T/unbound.conf" <<EOF
server:
	interface: $UB@$P
	port: $P
	do-ip6: no
	do-not-query-localhost: no
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	username: ""
	chroot: ""
	directory: "$T"
	pidfile: "$T/unbound.pid"
	use-syslog: no
	logfile: "$T/unbound.log"
	num-threads: 1
	so-reuseport: no
	auto-trust-anchor-file: ""
	trust-anchor-file: ""
	local-zone: "test." nodefault
forward-zone:
	name: "."
	forward-addr: ${UP/\#/@}
remote-control:
	control-enable: no
EOF
"$UNBOUND" -d -c "$T/unbound.conf" 2>>"$T/unbound.err" &
LIB_PIDS+=($!)
wait_until 10 "$DNSPROBE" -q -t 200 "$UB#$P" query example.test SOA \
    >/dev/null 2>&1 || {
	cat "$T/unbound.err" "$T/unbound.log" 2>/dev/null
	exit 99
}

for who in "roostd 127.0.0.1" "unbound $UB"; do
	echo "# genreport -R -P $P: example.test. via $who"
	echo "example.test. $who" | "$GENREPORT" -R -f -P "$P"
	echo "# genreport -R -t -a (query types)"
	echo "example.test. $who" | "$GENREPORT" -R -t -a -P "$P"
done
