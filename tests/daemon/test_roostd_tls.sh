#!/bin/bash
# tests/daemon/test_roostd_tls.sh - DNS over TLS upstreams (RFC 7858, RFC
# 8310) against real Unbound servers with certificates from a test CA
# made here (openssl):
# - strict, by name: answers come over TLS (Unbound's own num.query.tls
#   counts them), never over the plain port (a mock there counts every
#   query); 60 questions at once share one connection (pipelining); a
#   connection the server closed when idle is made again with the
#   session resumed (num.query.tls.resume); a server's edns-tcp-keepalive
#   timeout is honoured; a pin authenticates alone;
# - strict failures: a wrong name, a self-signed certificate, an expired
#   one, a pin mismatch, a server that is not there: SERVFAIL with EDE 23,
#   the plain port never asked, `roost upstream` names the failure;
# - opportunistic: TLS without authentication (self-signed is fine), and
#   plain DNS on port 53 while TLS cannot be had, said in the stats;
# - faults: a server that closes mid-answer, a handshake that never
#   comes (a TCP listener that says nothing), a server that trickles
#   (tests/tools/dotfault).
#
# Runs in a private network namespace (lib_init): Unbound on port 853 of
# 127.0.0.60 (good certificate), .61 (self-signed), .62 (expired);
# mocks on port 53 of .60, .61 and .63 (the plain DNS ports); roostd on
# 127.0.0.1#5370 and up.  Unbound is Debian's (the README's test command
# installs it; its service is never started).
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

UNBOUND=$(command -v unbound || echo /usr/sbin/unbound)
for tool in "$UNBOUND" openssl; do
	command -v "$tool" >/dev/null || {
		echo "$tool is needed (./bootstrap installs it)"
		exit 99
	}
done
: "${ROOST:=$top_builddir/src/roost}"

D=$T/d
mkdir "$D" && chmod 711 "$T" && chmod 755 "$D" || exit 99
ip addr add 127.0.0.60/8 dev lo 2>/dev/null # lo has 127/8 anyway

# --- certificates ---------------------------------------------------------------

# ca: the test CA; good: dot.test and 127.0.0.60, from the CA; selfsigned:
# dot.test, signed by itself; expired: dot.test from the CA, valid in 2020
mkcert() { # NAME: a P-256 key and a request for dot.test
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$D/$1.key" -out "$D/$1.csr" -subj "/CN=dot.test" \
	    2>>"$T/openssl.log"
}
printf 'subjectAltName=DNS:dot.test,IP:127.0.0.60,IP:127.0.0.61,IP:127.0.0.62,IP:127.0.0.64\n' \
    >"$D/ext"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$D/ca.key" -out "$D/ca.pem" -days 30 -subj "/CN=roost test CA" \
    2>>"$T/openssl.log" || exit 99
mkcert good && openssl x509 -req -in "$D/good.csr" -CA "$D/ca.pem" \
    -CAkey "$D/ca.key" -CAcreateserial -out "$D/good.pem" -days 30 \
    -extfile "$D/ext" 2>>"$T/openssl.log" || exit 99
mkcert self && openssl x509 -req -in "$D/self.csr" -signkey "$D/self.key" \
    -out "$D/self.pem" -days 30 -extfile "$D/ext" 2>>"$T/openssl.log" ||
    exit 99
# openssl ca sets any validity, the past included
mkdir "$D/ca" && : >"$D/ca/index" && echo 1000 >"$D/ca/serial" || exit 99
cat >"$D/ca.cnf" <<EOF
[ ca ]
default_ca = test
[ test ]
dir = $D/ca
database = $D/ca/index
serial = $D/ca/serial
new_certs_dir = $D/ca
default_md = sha256
policy = any
copy_extensions = none
[ any ]
commonName = supplied
EOF
mkcert expired && openssl ca -batch -config "$D/ca.cnf" -cert "$D/ca.pem" \
    -keyfile "$D/ca.key" -in "$D/expired.csr" -out "$D/expired.pem" \
    -startdate 20200101000000Z -enddate 20200201000000Z -notext \
    -extfile "$D/ext" >>"$T/openssl.log" 2>&1 || exit 99
chmod 644 "$D"/*.pem "$D"/*.key
# the pin of a key: base64 of the SHA-256 of its SubjectPublicKeyInfo
pin() {
	openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
	    openssl dgst -sha256 -binary | base64
}
PIN_GOOD=$(pin "$D/good.pem")
PIN_SELF=$(pin "$D/self.pem")

# --- servers ----------------------------------------------------------------------

# unbound_start NAME ADDR CERT [CONF LINES...]: Unbound answering every
# name under dot.test. with 192.0.2.80 (a redirect zone), on ADDR#853
# with CERT, its control socket $T/NAME.ctl
unbound_start() {
	local name=$1 addr=$2 cert=$3
	shift 3
	{
		cat <<EOF
server:
	interface: $addr@853
	tls-port: 853
	tls-service-key: "$D/$cert.key"
	tls-service-pem: "$D/$cert.pem"
	do-ip6: no
	access-control: 127.0.0.0/8 allow
	username: ""
	chroot: ""
	directory: "$T"
	pidfile: "$T/$name.pid"
	use-syslog: no
	logfile: "$T/$name.log"
	verbosity: 1
	num-threads: 1
	so-reuseport: no
	auto-trust-anchor-file: ""
	module-config: "iterator"
	local-zone: "dot.test." redirect
	local-data: "dot.test. 300 IN A 192.0.2.80"
	extended-statistics: yes
EOF
		for line in "$@"; do printf '\t%s\n' "$line"; done
		cat <<EOF
remote-control:
	control-enable: yes
	control-interface: $T/$name.ctl
	control-use-cert: no
EOF
	} >"$T/$name.conf"
	"$UNBOUND"-checkconf "$T/$name.conf" >/dev/null ||
	    { "$UNBOUND"-checkconf "$T/$name.conf"; return 1; }
	"$UNBOUND" -d -c "$T/$name.conf" 2>>"$T/$name.err" &
	LIB_PIDS+=($!)
	wait_until 10 unbound-control -c "$T/$name.conf" status \
	    >/dev/null 2>&1
}
# ub_stat NAME KEY: one of Unbound's counters (0 if none)
ub_stat() {
	local v
	v=$(unbound-control -c "$T/$1.conf" stats_noreset |
	    sed -n "s/^$2=//p")
	echo "${v:-0}"
}

# the good server closes a connection idle for 300 ms (so that a later
# question makes a new one, resumed); good2 keeps one for Unbound's 30 s
unbound_start good 127.0.0.60 good "tcp-idle-timeout: 300" || exit 99
# (good2 offers edns-tcp-keepalive, RFC 7828: an idle timeout of 500 ms)
unbound_start good2 127.0.0.64 good "edns-tcp-keepalive: yes" \
    "edns-tcp-keepalive-timeout: 500" || exit 99
unbound_start self 127.0.0.61 self || exit 99
unbound_start expired 127.0.0.62 expired || exit 99

# the plain DNS ports: another answer (192.0.2.53), so that a plain
# answer shows, and counters that prove none was asked
lib_zone dot.test. 192.0.2.53 >"$D/plain.zone"
printf '%s\n' '$ORIGIN dot.test.' '*	300	IN	A	192.0.2.53' \
    >>"$D/plain.zone"
mock_start plain60 127.0.0.60#53 --zone "$D/plain.zone" || exit 99
mock_start plain61 127.0.0.61#53 --zone "$D/plain.zone" || exit 99
mock_start plain63 127.0.0.63#53 --zone "$D/plain.zone" || exit 99
# plain_asked NAME: every query the mock NAME has seen, over any transport
plain_asked() {
	mock_counts "$1" | awk '{ n += $4 } END { print n + 0 }'
}

# --- roostd ------------------------------------------------------------------

PORT=5370
# start NAME ROOSTD-ARGS...: roostd NAME on the next port ($R), with
# the test CA and a control socket ($CTL)
start() {
	local name=$1
	shift
	PORT=$((PORT + 1))
	R=127.0.0.1#$PORT
	CTL=$D/$name.control
	roostd_start "$name" "$R" --control-socket "$CTL" \
	    --tls-ca-file "$D/ca.pem" --log-level debug "$@"
}
roost() { "$ROOST" --control "$CTL" "$@"; }
# q NAME [DIG ARGS]: ask roostd; sets ST (the rcode), A (the answers),
# EDE (the extended error code, "-" for none)
q() {
	local out
	out=$(dig -p "${R#*#}" @"${R%#*}" +tries=1 +time=5 "$@" 2>&1)
	ST=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")
	A=$(awk '$4 == "A" { print $5 }' <<<"$out" | sort | tr '\n' ' ')
	A=${A% }
	EDE=$(sed -n 's/^; EDE: \([0-9]*\).*/\1/p' <<<"$out")
	EDE=${EDE:--}
}
# up_field KEY: KEY of roostd's first upstream server, as `roost upstream
# --json` gives it ("-" for null)
up_field() {
	roost upstream --json | jq -r ".routes[0].servers[0].$1 // \"-\""
}

# --- strict, authenticated by name -------------------------------------------

start byname --upstream "127.0.0.60 tls-name=dot.test" || exit 99
tls0=$(ub_stat good num.query.tls)
q www.dot.test A
check_eq "by name: answered over TLS" "NOERROR 192.0.2.80" "$ST $A"
check_eq "by name: Unbound saw one query over TLS" 1 \
    "$(($(ub_stat good num.query.tls) - tls0))"
check_eq "by name: transport" tls "$(up_field transport)"
check_eq "by name: authenticated as" dot.test "$(up_field tls_auth)"
up=$(roost upstream 2>&1)
check_match "roost upstream: over TLS, authenticated as dot.test" \
    'over TLS \(strict\), authenticated as dot\.test' "$up"

roostd_stop byname

# pipelining: 60 questions at once, on the one connection the first
# question opened
start pipe --upstream "127.0.0.64 tls-name=dot.test" || exit 99
q first.dot.test A
check_eq "pipelining: the first answer" "NOERROR 192.0.2.80" "$ST $A"
tls0=$(ub_stat good2 num.query.tls)
pids=()
for i in $(seq 1 60); do
	dig -p "${R#*#}" @"${R%#*}" +tries=1 +time=5 +short "p$i.dot.test" A \
	    >"$T/p$i.out" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
ok=0
for i in $(seq 1 60); do
	[ "$(cat "$T/p$i.out")" = 192.0.2.80 ] && ok=$((ok + 1))
done
check_eq "pipelining: 60 answers" 60 "$ok"
check_eq "pipelining: Unbound got 60 queries over TLS" 60 \
    "$(($(ub_stat good2 num.query.tls) - tls0))"
check_eq "pipelining: all on the first connection" "1 61" \
    "$(up_field tls_handshakes) $(up_field tls_queries)"
# the server's keepalive says 500 ms: roostd closes the idle connection
# before that (at 375 ms), not after its own 10 s, nor leaves it to the
# server
wait_until 5 grep -q "DNS over TLS: idle, closed" "$T/pipe.log"
check "keepalive: roostd closed the idle connection before the server's 500 ms" \
    grep -q "DNS over TLS: idle, closed" "$T/pipe.log"
roostd_stop pipe

start idle --upstream "127.0.0.60 tls-name=dot.test" || exit 99
q www.dot.test A
check_eq "idle: the first answer" "NOERROR 192.0.2.80" "$ST $A"
# reuse after idle: the server closed the idle connection (300 ms); the
# next question makes a new one, resuming the TLS session
res0=$(ub_stat good num.query.tls.resume)
wait_until 5 grep -q "closed by server while idle" "$T/idle.log"
check "idle: the server's close was seen, not taken for an error" \
    grep -q "closed by server while idle" "$T/idle.log"
q again.dot.test A
check_eq "idle: answered on a new connection" "NOERROR 192.0.2.80" "$ST $A"
check_eq "idle: the session was resumed (Unbound's count)" 1 \
    "$(($(ub_stat good num.query.tls.resume) - res0))"
check_ge "idle: roostd counts the resumption" "$(up_field tls_resumed)" 1
check_eq "idle: no TLS error" 0 "$(up_field tls_errors)"
check_eq "by name: the plain port was never asked" 0 "$(plain_asked plain60)"
roostd_stop idle

# --- strict, pinned ------------------------------------------------------------

# a pin authenticates alone: no name, and no CA that knows the server
start pinned --upstream "127.0.0.61 tls-pin=$PIN_SELF" || exit 99
q www.dot.test A
check_eq "pin: a self-signed server with the right key answers" \
    "NOERROR 192.0.2.80" "$ST $A"
check_eq "pin: authenticated as" pin "$(up_field tls_auth)"
roostd_stop pinned

# --- strict failures: SERVFAIL, EDE 23, never plain ---------------------------

# strict_fails NAME WHAT UPSTREAM WHY: roostd with that one upstream
# answers SERVFAIL with EDE 23, asks no plain port, and says WHY
strict_fails() {
	local name=$1 what=$2 up=$3 why=$4
	start "$name" --upstream "$up" --query-deadline 3000 || return
	q www.dot.test A
	check_eq "$what: SERVFAIL, EDE 23" "SERVFAIL 23" "$ST $EDE"
	check_ge "$what: counted as a TLS error" "$(up_field tls_errors)" 1
	check_match "$what: roost upstream says why" "$why" \
	    "$(up_field tls_error)"
	check_eq "$what: last_error" "$5" "$(up_field last_error)"
	roostd_stop "$name"
}
strict_fails wrongname "wrong name" "127.0.0.60 tls-name=other.test" \
    "hostname_mismatch" tls-auth
strict_fails selfsigned "self-signed" "127.0.0.61 tls-name=dot.test" \
    "self-signed" tls-auth
strict_fails expired "expired" "127.0.0.62 tls-name=dot.test" \
    "certificate_has_expired" tls-auth
strict_fails pinwrong "pin mismatch" "127.0.0.60 tls-pin=$PIN_SELF" \
    "does_not_match_tls-pin" tls-auth
strict_fails nobody "no server on 853" "127.0.0.63 tls-name=dot.test" \
    "connect:_Connection_refused" tls
check_eq "strict failures: no plain port was ever asked" "0 0 0" \
    "$(plain_asked plain60) $(plain_asked plain61) $(plain_asked plain63)"

start byip --upstream 127.0.0.60 --dns-over-tls strict || exit 99
q www.dot.test A
check_eq "dns-over-tls=strict: by the address in the certificate" \
    "NOERROR 192.0.2.80" "$ST $A"
check_eq "dns-over-tls=strict: authenticated as" "address_127.0.0.60" \
    "$(up_field tls_auth)"
roostd_stop byip

# a failing strict server hands its questions to the next upstream, and
# is not tried again while it backs off
start failover --upstream "127.0.0.61 tls-name=dot.test" \
    --upstream "127.0.0.60 tls-name=dot.test" || exit 99
q www.dot.test A
check_eq "failover: the next strict upstream answers" \
    "NOERROR 192.0.2.80" "$ST $A"
q www2.dot.test A
check_eq "failover: again" "NOERROR 192.0.2.80" "$ST $A"
check_eq "failover: the failing one had one handshake, backing off" 1 \
    "$(grep -c 'DNS over TLS: certificate not accepted' "$T/failover.log")"
roostd_stop failover

# --- faults ------------------------------------------------------------------------

: "${DOTFAULT:=$top_builddir/tests/tools/dotfault}"
# fault_start NAME ADDR MODE: dotfault on ADDR#853 with the good
# certificate (dot.test), ready when it says so
fault_start() {
	local fifo=$T/$1.ready line
	mkfifo "$fifo" || return 1
	"$DOTFAULT" "$2#853" "$D/good.pem" "$D/good.key" "$3" >"$fifo" \
	    2>"$T/$1.log" &
	LIB_PIDS+=($!)
	read -r -t 10 line <"$fifo" && [ "$line" = ready ]
}
fault_start trickle 127.0.0.66 trickle || exit 99
fault_start closemid 127.0.0.67 close-mid || exit 99
fault_start notls 127.0.0.68 no-tls || exit 99

start trickle --upstream "127.0.0.66 tls-name=dot.test" || exit 99
q www.dot.test A
check_eq "trickle: an answer one octet per TLS record is whole" \
    "NOERROR 192.0.2.99" "$ST $A"
q www2.dot.test A
check_eq "trickle: and the next, on the same connection" \
    "NOERROR 192.0.2.99 1" "$ST $A $(up_field tls_handshakes)"
roostd_stop trickle

start closemid --upstream "127.0.0.67 tls-name=dot.test" || exit 99
q www.dot.test A
check_eq "closed mid-answer: SERVFAIL, EDE 23" "SERVFAIL 23" "$ST $EDE"
check_match "closed mid-answer: said" "closed|read" "$(up_field tls_error)"
check "closed mid-answer: roostd still answers" roostd_ready "$R"
roostd_stop closemid

start notls --upstream "127.0.0.68 tls-name=dot.test" || exit 99
t0=$(lib_now_ms)
q www.dot.test A
check_eq "no handshake: SERVFAIL at the deadline, EDE 22 (no reachable authority)" \
    "SERVFAIL 22" "$ST $EDE"
check_lt "no handshake: within the query deadline (ms < 3000)" \
    "$(($(lib_now_ms) - t0))" 3000
wait_until 8 grep -q "handshake timed out" "$T/notls.log"
check "no handshake: given up after 5 s" grep -q \
    "handshake timed out after 5000 ms" "$T/notls.log"
roostd_stop notls

# --- a run-time source's own policy ---------------------------------------------

# every configured server strict, and a captive portal's network in plain
# DNS for its own names: its source says dns-over-tls=no
start portal --upstream 127.0.0.64 --dns-over-tls strict || exit 99
roost upstream set portal --dns 127.0.0.63 --domain "~dot.test" \
    --dns-over-tls no >/dev/null
q www.dot.test A
check_eq "source dns-over-tls=no: plain DNS for its domain" \
    "NOERROR 192.0.2.53" "$ST $A"
q www.other.test A
check_eq "source dns-over-tls=no: the configured upstream stays strict" \
    "strict" "$(roost upstream --json | jq -r '.routes[] |
    select(.zone == ".") | .servers[0].transport' | sed 's/^tls$/strict/')"
check_eq "roost upstream: the source's policy" no \
    "$(roost upstream --json | jq -r '.sources[] |
    select(.name == "portal") | .dns_over_tls')"
# the same source over TLS, its server named as resolvectl writes it
roost upstream set portal --dns "127.0.0.64#dot.test" --dns-over-tls strict \
    >/dev/null
q www2.dot.test A
check_eq "source dns-over-tls=strict, ADDR#NAME: over TLS" \
    "NOERROR 192.0.2.80" "$ST $A"
check_eq "source ADDR#NAME: authenticated by the name" dot.test \
    "$(roost upstream --json | jq -r '.routes[] |
    select(.zone == "dot.test.") | .servers[0].tls_auth')"
roostd_stop portal

# --- opportunistic --------------------------------------------------------------

start opp --upstream 127.0.0.61 --upstream 127.0.0.63 \
    --dns-over-tls opportunistic || exit 99
q www.dot.test A
check_eq "opportunistic: a self-signed server is used over TLS" \
    "NOERROR 192.0.2.80" "$ST $A"
check_eq "opportunistic: transport" tls-opportunistic "$(up_field transport)"
check_eq "opportunistic: not authenticated" - "$(up_field tls_auth)"
check_match "roost stats: the TLS counters" \
    "TLS: handshakes 1 \(resumed 0\), queries per connection 1, errors 0" \
    "$(roost stats)"
check_eq "opportunistic: the plain port was not asked" 0 \
    "$(plain_asked plain61)"
roostd_stop opp
start oppdown --upstream 127.0.0.63 --dns-over-tls opportunistic || exit 99
plain0=$(plain_asked plain63)
q www.dot.test A
check_eq "opportunistic without TLS: plain DNS on port 53" \
    "NOERROR 192.0.2.53" "$ST $A"
check_eq "opportunistic without TLS: one plain query" 1 \
    "$(($(plain_asked plain63) - plain0))"
check_eq "opportunistic without TLS: counted as a fallback" 1 \
    "$(up_field plain_fallbacks)"
check_match "roost upstream: in plain DNS" "in plain DNS 1" \
    "$(roost upstream 2>&1)"
roostd_stop oppdown

finish
