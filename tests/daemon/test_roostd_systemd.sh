#!/bin/bash
# tests/daemon/test_roostd_systemd.sh - roostd as a systemd service,
# without a real systemd: socket activation through
# systemd-socket-activate (a UDP and a TCP socket, both answered; a
# socket of the wrong kind refused), and the notifications to a stand-in
# NOTIFY_SOCKET (tests/tools/notifylisten): READY=1 once it answers,
# STATUS= refreshed, WATCHDOG=1 at half of WATCHDOG_USEC, STOPPING=1 on
# SIGTERM; SIGHUP reloads the configuration (RELOADING=1 ... READY=1),
# keeps the cache, applies upstreams, TTL clamps, log level and access
# rules, drains the old upstreams, and keeps the old configuration when
# the new file is broken.  Started as root, roostd drops to an
# unprivileged user with no capabilities (read from /proc/PID/status).
#
# Runs in a private network namespace (lib_init); the mock upstream on
# 127.0.0.2#5300, roostd on 127.0.0.1 ports 5353...
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

ZONE=$top_srcdir/tests/mock/zones/example.test.zone
UP=127.0.0.2#5300
NOTIFYLISTEN=$top_builddir/tests/tools/notifylisten
probe() { "$DNSPROBE" "$@"; }

if ! command -v systemd-socket-activate >/dev/null; then
	echo "systemd-socket-activate is missing (apt-get install systemd)" >&2
	exit 99
fi
mock_start up "$UP" --zone "$ZONE" || exit 99
# roostd drops to $ROOSTD_USER, then still sends notifications and reads
# its file again on SIGHUP: notify sockets and that file live where that
# user may reach them ($T is root's alone), as /run/systemd/notify is
RT=$T/rt
mkdir "$RT" && chmod 711 "$T" && chmod 755 "$RT" || exit 99

# --- socket activation ---------------------------------------------------------

# systemd-socket-activate makes sockets of one kind per run, so two are
# chained: the outer one makes the UDP socket and, on the first datagram,
# execs the inner one, which passes fd 3 on, adds a TCP socket as fd 4
# and execs roostd at once (fd 3 is readable).  roostd is told nothing
# about where to listen: it must take both sockets from $LISTEN_FDS.
systemd-socket-activate -d -l 127.0.0.1:5353 --fdname=dns-udp -- \
    systemd-socket-activate -l 127.0.0.1:5353 --fdname=dns-udp:dns-tcp -- \
    "$ROOSTD" -c /dev/null -v --user "$ROOSTD_USER" --upstream "$UP" \
    2>"$T/act.log" &
ACT=$!
LIB_PIDS+=("$ACT")
# the first datagram starts roostd; give it time to start and answer
wait_until 5 grep -q "Listening on 127.0.0.1:5353" "$T/act.log" ||
    { fail "systemd-socket-activate listens"; cat "$T/act.log"; finish; }
out=$(probe -t 5000 127.0.0.1#5353 query www.example.test A)
check_match "socket-activated: the first UDP query (starting roostd) is answered" \
    'rcode=NOERROR .*check=ok' "$out"
check_match "socket-activated: the answer's record" 'an www.example.test.* A 192\.0\.2\.1' \
    "$out"
out=$(probe -T 127.0.0.1#5353 query only-a.example.test A)
check_match "socket-activated: a TCP query is answered" \
    'rcode=NOERROR .*check=ok' "$out"
log=$(cat "$T/act.log")
check_match "socket-activated: roostd took the UDP socket" \
    'socket 3 \("dns-udp"\) from systemd: 127\.0\.0\.1#5353/udp' "$log"
check_match "socket-activated: roostd took the TCP socket" \
    'socket 4 \("dns-tcp"\) from systemd: 127\.0\.0\.1#5353/tcp' "$log"
check_match "socket-activated: answers on the passed sockets, binds none" \
    'answering on 127\.0\.0\.1#5353 \(sockets from systemd\)' "$log"
check_nomatch "socket-activated: no default 127.0.0.1#53 bound" \
    '127\.0\.0\.1:53 ' "$(ss -lnup; ss -lntp)"
kill -TERM "$ACT"
wait "$ACT"
check_eq "socket-activated roostd stops on SIGTERM with status 0" 0 "$?"

# a socket that is neither UDP nor TCP-listening (here a unix datagram
# socket) is refused with its number and name, exit 4
systemd-socket-activate -d -l "$T/unix.sock" --fdname=odd -- \
    "$ROOSTD" -c /dev/null --upstream "$UP" 2>"$T/odd.log" &
ODD=$!
LIB_PIDS+=("$ODD")
wait_until 5 test -S "$T/unix.sock"
# one datagram makes systemd-socket-activate exec roostd
logger -u "$T/unix.sock" "wake up"
if ! wait_until 5 eval '! kill -0 "$ODD" 2>/dev/null'; then
	kill -TERM "$ODD"
fi
wait "$ODD"
check_eq "a unix socket from systemd: exit 4" 4 "$?"
check_match "a unix socket from systemd: named, with the way out" \
    'socket 3 \("odd"\) from systemd is not an IPv4 or IPv6 UDP socket or listening TCP socket: check roostd.socket' \
    "$(cat "$T/odd.log")"

# --- sd_notify -----------------------------------------------------------------

# notify_fields: the "N: FIELD" lines notifylisten has printed so far
notify_fields() { cat "$T/notify.out"; }
# notify_has ERE: some field line matches
notify_has() { grep -Eq -- "$1" "$T/notify.out"; }
# notify_count ERE: how many field lines match
notify_count() { grep -Ec -- "$1" "$T/notify.out"; }

lib_spawn "$NOTIFYLISTEN" "$RT/notify.sock" >"$T/notify.out" 2>"$T/notify.log"
wait_until 5 test -S "$RT/notify.sock" || { fail "notifylisten starts"; finish; }
chmod 666 "$RT/notify.sock"

export NOTIFY_SOCKET=$RT/notify.sock WATCHDOG_USEC=300000
roostd_start n 127.0.0.1#5354 --upstream "$UP" || exit 99
unset NOTIFY_SOCKET WATCHDOG_USEC
wait_until 5 notify_has '^[0-9]+: READY=1$'
check "READY=1 sent" notify_has '^[0-9]+: READY=1$'
check_match "READY=1 comes with a STATUS= line" \
    '^1: STATUS=0 queries, cache hit rate 0\.0%, 1/1 upstreams alive, 0 in flight$' \
    "$(notify_fields)"
check_match "roostd logs the watchdog interval (half of WATCHDOG_USEC)" \
    'watchdog: pinging systemd every 150 ms' "$(cat "$T/n.log")"
# notify_atleast N ERE: at least N field lines match (for wait_until)
notify_atleast() { [ "$(notify_count "$2")" -ge "$1" ]; }
wait_until 5 notify_atleast 4 '^[0-9]+: WATCHDOG=1$'
check_ge "WATCHDOG=1 sent again and again" \
    "$(notify_count '^[0-9]+: WATCHDOG=1$')" 4
# queries, one a cache hit: the next STATUS= refresh (every 5 s) counts
probe 127.0.0.1#5354 query www.example.test A >/dev/null
probe 127.0.0.1#5354 query www.example.test A >/dev/null
wait_until 8 notify_has "STATUS=[0-9]+ queries, cache hit rate 50\\.0%, 1/1 upstreams alive"
check "STATUS= refreshed: the queries, hit rate 50% (1 of 2), upstream alive" \
    notify_has "STATUS=[0-9]+ queries, cache hit rate 50\\.0%, 1/1 upstreams alive, 0 in flight"
check_eq "no STOPPING=1 while running" 0 "$(notify_count 'STOPPING=1')"
roostd_stop n
check_eq "notified roostd stops with status 0" 0 "$?"
# roostd has exited, but notifylisten may not have printed its last
# datagrams yet (a busy machine): wait for them
wait_until 5 notify_has 'STATUS=stopping \(SIGTERM\)'
check "STOPPING=1 on SIGTERM" notify_has '^[0-9]+: STOPPING=1$'
check "STOPPING=1 comes with its STATUS=" notify_has 'STATUS=stopping \(SIGTERM\)'

# without WATCHDOG_USEC there is no ping
: >"$T/notify.out"
export NOTIFY_SOCKET=$RT/notify.sock
roostd_start nw 127.0.0.1#5355 --upstream "$UP" || exit 99
unset NOTIFY_SOCKET
wait_until 5 notify_has '^[0-9]+: READY=1$'
check "no watchdog: READY=1 sent" notify_has '^[0-9]+: READY=1$'
probe 127.0.0.1#5355 query www.example.test A >/dev/null
check_eq "no watchdog: no WATCHDOG=1" 0 "$(notify_count 'WATCHDOG=1')"
roostd_stop nw
check_eq "roostd without watchdog stops with status 0" 0 "$?"
# its last datagrams must be in before the file is emptied again
wait_until 5 notify_has 'STATUS=stopping \(SIGTERM\)'
check "roostd without watchdog: STOPPING=1 on SIGTERM" \
    notify_has '^[0-9]+: STOPPING=1$'

# without NOTIFY_SOCKET nothing is sent and roostd runs as before
: >"$T/notify.out"
roostd_start plain 127.0.0.1#5356 --upstream "$UP" || exit 99
check_match "no NOTIFY_SOCKET: roostd answers" 'rcode=NOERROR .*check=ok' \
    "$(probe 127.0.0.1#5356 query www.example.test A)"
roostd_stop plain
check_eq "no NOTIFY_SOCKET: nothing sent" "" "$(notify_fields)"

# --- SIGHUP reload --------------------------------------------------------------

# roostd with its own config file (no -v: the file's log level counts),
# told to notify $RT/r.sock; readiness is READY=1 there.
lib_spawn "$NOTIFYLISTEN" "$RT/r.sock" >"$T/r.out" 2>"$T/r-listen.log"
wait_until 5 test -S "$RT/r.sock" || { fail "notifylisten starts"; finish; }
chmod 666 "$RT/r.sock"
r_count() { grep -Ec -- "$1" "$T/r.out"; }
# r_wait_ready N: wait until the N-th READY=1 has arrived
r_ready_atleast() { [ "$(r_count ': READY=1$')" -ge "$1" ]; }
r_wait_ready() { wait_until 10 r_ready_atleast "$1"; }
# ttl_of OUT: the TTL of the first answer record in dnsprobe's output
ttl_of() { sed -n 's/^an [^ ]* \([0-9]*\) .*/\1/p' <<<"$1" | head -n 1; }
R=127.0.0.1#5357
mock_start up2 127.0.0.3#5300 --zone "$ZONE" \
    --rule '*.slow.example.test A delay=600' || exit 99
mock_start up3 127.0.0.4#5300 --zone "$ZONE" \
    --rule '*.slow.example.test A delay=600' || exit 99
conf() {
	{
		echo "# written by test_roostd_systemd.sh"
		echo "listen = $R"
		echo "upstream = $1"
		echo "log-level = $2"
		echo "max-ttl = $3"
		shift 3
		printf '%s\n' "$@"
	} >"$RT/r.conf"
}
conf 127.0.0.3#5300 info 3600
NOTIFY_SOCKET=$RT/r.sock "$ROOSTD" -c "$RT/r.conf" --user "$ROOSTD_USER" \
    2>"$T/r.log" &
RPID=$!
LIB_PIDS+=("$RPID")
r_wait_ready 1 || { fail "reload roostd gets ready"; cat "$T/r.log"; finish; }
out=$(probe "$R" query www.example.test A)
check_match "reload: answered before the reload" 'rcode=NOERROR .*check=ok' "$out"
check_eq "reload: before, the TTL is the zone's" 300 "$(ttl_of "$out")"
check_eq "reload: before, up2 asked once" 1 \
    "$(mock_count up2 www.example.test. A udp)"
check_nomatch "reload: log-level info: no query lines" '^roostd: query ' \
    "$(cat "$T/r.log")"

# new upstream, log level debug, max-ttl 60
conf 127.0.0.4#5300 debug 60
kill -HUP "$RPID"
r_wait_ready 2
check_eq "SIGHUP: RELOADING=1 sent once" 1 "$(r_count ': RELOADING=1$')"
order=$(grep -E ': (READY|RELOADING)=1$' "$T/r.out" | sed 's/^[0-9]*: //' |
    tr '\n' ' ')
check_eq "SIGHUP: READY=1, then RELOADING=1, then READY=1" \
    "READY=1 RELOADING=1 READY=1 " "$order"
check_match "SIGHUP: logged" 'SIGHUP: configuration reloaded from .*r\.conf; the cache is kept' \
    "$(cat "$T/r.log")"
out=$(probe "$R" query www.example.test A)
check_match "after reload: www answered" 'rcode=NOERROR .*check=ok' "$out"
check_eq "after reload: the cache was kept (no upstream asked for www)" \
    "1 0" "$(mock_count up2 www.example.test. A udp) $(mock_count up3 www.example.test. A udp)"
check_match "after reload: log-level debug applied (the hit is logged)" \
    'query udp .*www\.example\.test\. type=1: cache hit' "$(cat "$T/r.log")"
out=$(probe "$R" query only-a.example.test A)
check_match "after reload: a new name is answered" 'rcode=NOERROR .*check=ok' "$out"
check_eq "after reload: the new upstream (up3) was asked, not up2" "0 1" \
    "$(mock_count up2 only-a.example.test. A udp) $(mock_count up3 only-a.example.test. A udp)"
# (the cache clamps what it stores; the cache hit shows it)
out=$(probe "$R" query only-a.example.test A)
# (a second or more may pass between the two queries: 50..60)
check_match "after reload: the new max-ttl (60) clamps the cached TTL" \
    '^(5[0-9]|60)$' "$(ttl_of "$out")"

# a broken file: refused with FILE:LINE, the old configuration stays
conf 127.0.0.3#5300 info 3600 "frobnicate = 1"
kill -HUP "$RPID"
r_wait_ready 3
check_eq "bad reload: RELOADING=1 then READY=1 again" 2 \
    "$(r_count ': RELOADING=1$')"
check_match "bad reload: the error names FILE:LINE" \
    'SIGHUP: reload failed, the configuration in force stays: .*r\.conf:6: unknown option "frobnicate"' \
    "$(cat "$T/r.log")"
check "bad reload: STATUS= says so" grep -q \
    'STATUS=.*last reload failed, old configuration in force' "$T/r.out"
out=$(probe "$R" query alias.example.test A)
check_match "bad reload: still answering" 'rcode=NOERROR .*check=ok' "$out"
check_eq "bad reload: still the reloaded upstream (up3) and log level" "0 1" \
    "$(mock_count up2 alias.example.test. A udp) $(mock_count up3 alias.example.test. A udp)"
check_match "bad reload: still log-level debug" 'query udp .*alias\.example\.test\.' \
    "$(cat "$T/r.log")"

# a query in flight while the upstreams change is answered by the old
# upstream set, which then drains
probe -t 4000 "$R" query q1.slow.example.test A >"$T/slow.out" &
SLOW=$!
up3_asked_slow() { [ "$(mock_count up3 q1.slow.example.test. A udp)" -ge 1 ]; }
wait_until 5 up3_asked_slow
conf 127.0.0.3#5300 debug 60 "allow = 10.0.0.0/8"
kill -HUP "$RPID"
r_wait_ready 4
wait "$SLOW"
# (the mock's slow rule answers after 600 ms; the name does not exist)
check_match "reload with a query in flight: the upstream's answer, not SERVFAIL" \
    'rcode=NXDOMAIN .*check=ok' "$(cat "$T/slow.out")"
wait_until 5 grep -q "reload: the old upstreams have drained" "$T/r.log"
check "reload: the old upstream set drained, then freed" grep -q \
    "reload: the old upstreams have drained" "$T/r.log"
# the new access rules: 127.0.0.1 is no longer allowed
out=$(probe "$R" query www.example.test A)
check_match "after reload: new access rules apply (REFUSED)" 'rcode=REFUSED' \
    "$out"
kill -TERM "$RPID"
wait "$RPID"
check_eq "reloaded roostd stops with status 0" 0 "$?"

# --- privilege drop --------------------------------------------------------------

# status_field PID FIELD: the value of FIELD in /proc/PID/status
status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }
if lib_real_root; then
	NOBODY_UID=$(id -u nobody)
	# a privileged port (below 1024): only root may bind it
	roostd_start p 127.0.0.1#53 --upstream "$UP" --user nobody || exit 99
	pid=${ROOSTD_PID[p]}
	check_match "root, port 53: answers after the drop" 'rcode=NOERROR .*check=ok' \
	    "$(probe 127.0.0.1#53 query www.example.test A)"
	check_eq "root, port 53: every uid is nobody's (real, effective, saved, fs)" \
	    "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID" \
	    "$(status_field "$pid" Uid | tr -s '[:space:]' ' ' | sed 's/ $//')"
	check_eq "root, port 53: no supplementary groups" \
	    "$(id -g nobody)" "$(status_field "$pid" Groups | tr -d '[:space:]')"
	check_eq "root, port 53: no effective capability" 0000000000000000 \
	    "$(status_field "$pid" CapEff)"
	check_eq "root, port 53: no permitted capability" 0000000000000000 \
	    "$(status_field "$pid" CapPrm)"
	check_match "root, port 53: the drop is logged" \
	    "running as user nobody \\(uid $NOBODY_UID, gid [0-9]+\\)" \
	    "$(cat "$T/p.log")"
	roostd_stop p
	check_eq "dropped roostd stops with status 0" 0 "$?"

	# a user that does not exist: exit 3, and how to fix it
	timeout 10 "$ROOSTD" -c /dev/null --listen 127.0.0.1#53 \
	    --upstream "$UP" --user roost-no-such-user >"$T/nouser.out" 2>&1
	check_eq "a user that does not exist: exit 3" 3 "$?"
	check_match "a user that does not exist: named, with the way out" \
	    'user "roost-no-such-user" does not exist: create it \(useradd --system' \
	    "$(cat "$T/nouser.out")"
	# the default user is roost
	if ! getent passwd roost >/dev/null; then
		timeout 10 "$ROOSTD" -c /dev/null --listen 127.0.0.1#53 \
		    --upstream "$UP" >"$T/nouser.out" 2>&1
		check_eq "the default user (roost, absent here): exit 3" 3 "$?"
		check_match "the default user is roost" 'user "roost" does not exist' \
		    "$(cat "$T/nouser.out")"
	fi
	# user = root keeps root, with a warning
	roostd_start pr 127.0.0.1#5358 --upstream "$UP" --user root || exit 99
	check_eq "user = root: stays root" 0 \
	    "$(status_field "${ROOSTD_PID[pr]}" Uid | awk '{ print $2 }')"
	check_match "user = root: warned" 'running as root \(user = root\)' \
	    "$(cat "$T/pr.log")"
	roostd_stop pr
else
	skip "privilege drop: port 53, then nobody; --user root" \
	    "the real root, with users to switch to"
fi

finish
