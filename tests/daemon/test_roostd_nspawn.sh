#!/bin/bash
# tests/daemon/test_roostd_nspawn.sh - roostd under a real systemd, end to
# end: systemd-nspawn boots the machine's own systemd as PID 1 in a
# container (--volatile=yes: a pristine tmpfs root with the host's /usr
# read-only; --private-network: only lo), with the built units in its
# /etc/systemd/system and a drop-in that points ExecStart at the build
# tree's roostd and a test config, and a short WatchdogSec.  The units'
# hardening is used as shipped.  Then, asked through systemctl in the
# container: roostd.socket starts; the first query starts roostd.service
# (inactive before, active after: Type=notify readiness), which runs
# unprivileged with no capabilities and shows its STATUS= line; `systemctl
# reload` delivers SIGHUP and the new upstream and TTL clamp take effect
# with the same main PID; a SIGSTOPped roostd misses its watchdog pings
# and is killed and restarted (NRestarts grows, a new main PID answers);
# `systemctl stop` ends it with exit status 0 and the socket stops
# answering.
#
# The mock upstreams run in the container's network namespace (entered
# with nsenter, as every query is): nothing leaves it.  Needs root and
# systemd-nspawn (package systemd-container); skipped (77) otherwise.
. "$top_srcdir/tests/lib.sh"

if ! lib_real_root; then
	who="uid ${ROOST_TEST_REAL_UID:-$(id -u)}"
	[ -n "${ROOST_TEST_USERNS:-}" ] && who="$who in a user namespace"
	lib_skip_all "needs the machine's real root to boot a container with" \
	    "systemd-nspawn (this is $who)"
fi
for tool in systemd-nspawn nsenter systemctl; do
	command -v "$tool" >/dev/null ||
	    lib_skip_all "needs $tool (apt-get install systemd-container util-linux)"
done
SYSTEMD=/lib/systemd/systemd
[ -x "$SYSTEMD" ] || lib_skip_all "needs $SYSTEMD to boot in the container"
lib_init "$@"
# Can systemd-nspawn make a container here at all (not inside a container
# that forbids it)?  The same options as below, with true for init.
if ! out=$(timeout 30 systemd-nspawn -q -D / --volatile=yes \
    --private-network --register=no --keep-unit -- /usr/bin/true \
    </dev/null 2>&1); then
	lib_skip_all "needs systemd-nspawn to run a container here; it says:" \
	    "$(printf '%s\n' "$out" | tail -n 3 | tr '\n' ' ')"
fi

ZONE=$top_srcdir/tests/mock/zones/example.test.zone
UNIT=$top_builddir/systemd/roostd.service
BOOT_TIMEOUT=30		# s for the container's systemd to finish booting
WATCHDOG_SEC=3		# the drop-in's WatchdogSec
# where the container sees the build tree (read-only): not under /tmp or
# /home, which PrivateTmp= and ProtectHome= hide from the service
CT_BUILD=/opt/roost-build

[ -f "$UNIT" ] || { echo "$UNIT is not built (make)" >&2; exit 99; }

# --- the container's configuration ------------------------------------------

# $T is root's alone; the directories bound into the container must be
# readable by roostd's dynamic user
CT=$T/ct
mkdir -p "$CT/system/roostd.service.d" "$CT/roost" || exit 99
chmod 755 "$CT" "$CT/system" "$CT/system/roostd.service.d" "$CT/roost"
cp "$UNIT" "$top_srcdir/systemd/roostd.socket" "$CT/system/" || exit 99
cat >"$CT/system/roostd.service.d/test.conf" <<EOF || exit 99
# test_roostd_nspawn.sh: the build tree's roostd, the test's config, and
# a watchdog short enough to wait for.  In a sanitizer build (ignored
# otherwise) no LeakSanitizer at exit: it needs ptrace(), which
# SystemCallFilter= rightly forbids; the other tests look for leaks.
[Service]
ExecStart=
ExecStart=$CT_BUILD/src/roostd -c /etc/roost/roostd.conf
WatchdogSec=${WATCHDOG_SEC}s
Environment=ASAN_OPTIONS=detect_leaks=0
EOF
# what the container boots into: the basic system, nothing else
cat >"$CT/system/roosttest.target" <<EOF || exit 99
[Unit]
Description=test_roostd_nspawn.sh: the basic system only
Requires=basic.target
After=basic.target
EOF
# conf UPSTREAM MAX_TTL: write roostd's configuration (the sockets come
# from systemd: no listen line)
conf() {
	{
		echo "# written by test_roostd_nspawn.sh"
		echo "upstream = $1"
		echo "max-ttl = $2"
		echo "log-level = info"
	} >"$CT/roost/roostd.conf.new" &&
	    chmod 644 "$CT/roost/roostd.conf.new" &&
	    mv "$CT/roost/roostd.conf.new" "$CT/roost/roostd.conf"
}
conf 127.0.0.2#5300 3600 || exit 99

# --- the container --------------------------------------------------------------

NSPAWN_PID=
CT_PID=		# the container's systemd, as the host sees it
ct_cleanup() {
	local rc=$? end
	if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
		# nspawn asks the container's systemd to power off
		kill -TERM "$NSPAWN_PID"
		end=$((SECONDS + 10))
		while kill -0 "$NSPAWN_PID" 2>/dev/null &&
		    [ "$SECONDS" -lt "$end" ]; do
			sleep 0.1	# polling for exit, with a deadline
		done
	fi
	if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
		# still there: killing the PID 1 of its PID namespace kills
		# all of the container (nspawn has not reaped it, so the PID
		# is still its)
		[ -n "$CT_PID" ] && kill -KILL "$CT_PID" 2>/dev/null
		kill -KILL "$NSPAWN_PID" 2>/dev/null
	fi
	[ -n "$NSPAWN_PID" ] && wait "$NSPAWN_PID" 2>/dev/null
	echo "# the container is gone after $SECONDS s"
	(exit "$rc")
	lib_cleanup
}
trap ct_cleanup EXIT

systemd-nspawn -q -D / --volatile=yes --private-network --register=no \
    --keep-unit \
    --bind-ro="$CT/system:/etc/systemd/system" \
    --bind-ro="$CT/roost:/etc/roost" \
    --bind-ro="$top_builddir:$CT_BUILD" \
    -b -- --unit=roosttest.target systemd.firstboot=off \
    </dev/null >"$T/nspawn.log" 2>&1 &
NSPAWN_PID=$!

# ct_find: set CT_PID, the container's PID 1: nspawn's child running
# systemd
ct_find() {
	local p k v ppid
	# nspawn's children, from /proc with builtins only (pgrep is procps,
	# not on a minimal system)
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		ppid=
		while read -r k v; do
			[ "$k" = PPid: ] && { ppid=$v; break; }
		done <"/proc/$p/status" 2>/dev/null
		[ "$ppid" = "$NSPAWN_PID" ] || continue
		if [ "$(readlink "/proc/$p/exe")" = "$(readlink -f "$SYSTEMD")" ]; then
			CT_PID=$p
			return 0
		fi
	done
	kill -0 "$NSPAWN_PID" 2>/dev/null || return 0	# gone: stop waiting
	return 1
}
wait_until 10 ct_find
if [ -z "$CT_PID" ]; then
	echo "systemd-nspawn did not start the container's systemd:" >&2
	cat "$T/nspawn.log" >&2
	exit 99
fi
# in_ct CMD...: run CMD in the container (its mounts, PIDs and network)
in_ct() { nsenter -t "$CT_PID" -m -p -n -- "$@"; }
ctl() { in_ct systemctl "$@"; }
booted() {
	case $(ctl is-system-running 2>/dev/null) in
	running | degraded) return 0 ;;
	esac
	kill -0 "$CT_PID" 2>/dev/null || return 0	# gone: stop waiting
	return 1
}
wait_until "$BOOT_TIMEOUT" booted
state=$(ctl is-system-running 2>&1)
if [ "$state" != running ] && [ "$state" != degraded ]; then
	echo "the container's systemd did not boot within ${BOOT_TIMEOUT}s" \
	    "(state: $state):" >&2
	tail -n 40 "$T/nspawn.log" >&2
	exit 99
fi
echo "# the container booted in $SECONDS s ($state), its systemd is pid $CT_PID"
# journal: the container's journal of roostd and its socket, also kept
# in $T/journal.log, which lib_cleanup shows if the test fails
journal() {
	in_ct journalctl -q --no-pager -o cat -u roostd.service -u roostd.socket \
	    >"$T/journal.log" 2>&1
	cat "$T/journal.log"
}
# prop UNIT PROPERTY: one property's value
prop() { ctl show -P "$2" "$1"; }

# The mocks and every probe run in the container's network namespace only
# (not its mounts: the paths are the host's).
MOCKDNS_WRAPPER="nsenter -t $CT_PID -n -- $MOCKDNS_WRAPPER"
cat >"$T/dnsprobe" <<EOF || exit 99
#!/bin/sh
exec nsenter -t $CT_PID -n -- "$DNSPROBE" "\$@"
EOF
chmod 755 "$T/dnsprobe"
DNSPROBE=$T/dnsprobe
probe() { "$DNSPROBE" "$@"; }
check_eq "the probes run in the container's network namespace" \
    "$(readlink "/proc/$CT_PID/ns/net")" \
    "$(nsenter -t "$CT_PID" -n -- readlink /proc/self/ns/net)"
mock_start up 127.0.0.2#5300 --zone "$ZONE" || exit 99
mock_start up2 127.0.0.3#5300 --zone "$ZONE" || exit 99
# ttl_of OUT: the TTL of the first answer record in dnsprobe's output
ttl_of() { sed -n 's/^an [^ ]* \([0-9]*\) .*/\1/p' <<<"$1" | head -n 1; }

# --- socket activation: the first query starts roostd ---------------------------

check_eq "roostd.service is loaded with the test drop-in" \
    "loaded $CT_BUILD/src/roostd" \
    "$(prop roostd.service LoadState) $(ctl show -p ExecStart roostd.service |
        sed -n 's/.*path=\([^ ;]*\).*/\1/p')"
check "systemctl start roostd.socket" ctl start roostd.socket
check_eq "roostd.socket is active (listening)" "active listening" \
    "$(prop roostd.socket ActiveState) $(prop roostd.socket SubState)"
check_eq "before any query roostd.service is inactive" inactive \
    "$(prop roostd.service ActiveState)"
out=$(probe -t 10000 127.0.0.1#53 query www.example.test A)
check_match "the first query (over UDP, starting roostd) is answered" \
    'rcode=NOERROR .*check=ok' "$out"
check_match "the answer's record" 'an www.example.test.* A 192\.0\.2\.1' "$out"
# Type=notify: active only once roostd has sent READY=1
check_eq "after it roostd.service is active (running)" "active running" \
    "$(prop roostd.service ActiveState) $(prop roostd.service SubState)"
check_eq "Type=notify, NotifyAccess=main" "notify main" \
    "$(prop roostd.service Type) $(prop roostd.service NotifyAccess)"
check_match "StatusText is roostd's STATUS= line" \
    '^[0-9]+ queries, cache hit rate [0-9.]+%, 1/1 upstreams alive, [0-9]+ in flight' \
    "$(prop roostd.service StatusText)"
check_eq "the watchdog is armed from the drop-in" "${WATCHDOG_SEC}s" \
    "$(prop roostd.service WatchdogUSec)"
out=$(probe -T 127.0.0.1#53 query only-a.example.test A)
check_match "a TCP query to 127.0.0.1#53 is answered" \
    'rcode=NOERROR .*check=ok' "$out"
out=$(probe '[::1]:53' query www.example.test AAAA)
check_match "a UDP query to [::1]:53 is answered" \
    'an www.example.test.* AAAA 2001:db8::1' "$out"
out=$(probe -T '[::1]:53' query www.example.test AAAA)
check_match "a TCP query to [::1]:53 is answered" \
    'an www.example.test.* AAAA 2001:db8::1' "$out"
log=$(journal)
check_match "roostd took its four sockets from systemd" \
    'answering on .*\(sockets from systemd\)' "$log"

# the hardening holds at run time: an unprivileged user, no capabilities
PID1=$(prop roostd.service MainPID)
st=$(in_ct cat "/proc/$PID1/status")
check_match "roostd runs as a non-root (dynamic) user" \
    '^Uid:[[:space:]]+[1-9][0-9]*[[:space:]]' "$st"
check_match "roostd has no effective capabilities" \
    '^CapEff:[[:space:]]+0+$' "$st"
check_match "roostd has no permitted capabilities" \
    '^CapPrm:[[:space:]]+0+$' "$st"
check_match "roostd runs with NoNewPrivs" '^NoNewPrivs:[[:space:]]+1$' "$st"
check_match "roostd runs under a seccomp filter" '^Seccomp:[[:space:]]+2$' "$st"

# --- systemctl reload -------------------------------------------------------------

check_match "ExecReload sends SIGHUP to the main PID" '/bin/sh -c kill -HUP \$\{MAINPID\}' \
    "$(ctl show -p ExecReload roostd.service)"
out=$(probe 127.0.0.1#53 query alias.example.test A)
check_eq "before the reload: the zone's TTL (300)" 300 "$(ttl_of "$out")"
check_eq "before the reload: up2 was never asked" 0 \
    "$(mock_count up2 alias.example.test. A udp)"
conf 127.0.0.3#5300 60 || exit 99
check "systemctl reload roostd" ctl reload roostd.service
# reloaded: roostd logs it once the new configuration is in force
reloaded() { journal | grep -q 'SIGHUP: configuration reloaded'; }
wait_until 10 reloaded
check_match "roostd logs the reload (SIGHUP received)" \
    'SIGHUP: configuration reloaded from /etc/roost/roostd\.conf' "$(journal)"
wait_until 10 eval '[ "$(prop roostd.service SubState)" = running ]'
check_eq "after the reload: the same main PID, active (running)" \
    "$PID1 active running" "$(prop roostd.service MainPID) \
$(prop roostd.service ActiveState) $(prop roostd.service SubState)"
out=$(probe 127.0.0.1#53 query deep.ent.example.test A)
check_match "after the reload: a new name is answered" \
    'an deep.ent.example.test.* A 192\.0\.2\.3' "$out"
check_eq "after the reload: the new upstream (up2) was asked" 1 \
    "$(mock_count up2 deep.ent.example.test. A udp)"
check_eq "after the reload: the old upstream (up) was not" 0 \
    "$(mock_count up deep.ent.example.test. A udp)"
check_match "after the reload: the new max-ttl (60) clamps the TTL" \
    '^(5[0-9]|60)$' "$(ttl_of "$out")"

# --- the watchdog restarts a hung roostd ------------------------------------------

check_eq "no restart so far" 0 "$(prop roostd.service NRestarts)"
check "SIGSTOP roostd (systemctl kill)" \
    ctl kill --kill-who=main --signal=SIGSTOP roostd.service
stopped_at=$SECONDS
# restarted: a new main PID, running again
restarted() {
	local pid
	pid=$(prop roostd.service MainPID)
	[ -n "$pid" ] && [ "$pid" != 0 ] && [ "$pid" != "$PID1" ] &&
	    [ "$(prop roostd.service SubState)" = running ]
}
wait_until $((WATCHDOG_SEC * 5 + 5)) restarted
check "a hung roostd is restarted" restarted
echo "# restarted $((SECONDS - stopped_at)) s after SIGSTOP (WatchdogSec=${WATCHDOG_SEC}s)"
check_match "systemd saw the watchdog time out" \
    'roostd\.service: Watchdog timeout' "$(journal)"
check_eq "NRestarts is 1" 1 "$(prop roostd.service NRestarts)"
PID2=$(prop roostd.service MainPID)
out=$(probe -t 5000 127.0.0.1#53 query www.example.test A)
check_match "the new roostd answers" 'an www.example.test.* A 192\.0\.2\.1' "$out"
check_eq "the new roostd runs under the same socket" "active running" \
    "$(prop roostd.socket ActiveState) $(prop roostd.socket SubState)"

# --- systemctl stop -----------------------------------------------------------------

t0=$SECONDS
check "systemctl stop roostd.service" ctl stop roostd.service
check_lt "it stopped within TimeoutStopSec (10 s), no SIGKILL needed" \
    $((SECONDS - t0)) 10
check_eq "stopped: inactive (dead), result success" "inactive dead success" \
    "$(prop roostd.service ActiveState) $(prop roostd.service SubState) \
$(prop roostd.service Result)"
check_eq "roostd exited with status 0 (code 1 = exited)" "1 0" \
    "$(prop roostd.service ExecMainCode) $(prop roostd.service ExecMainStatus)"
check_eq "the main PID that stopped is the restarted one" "$PID2" \
    "$(prop roostd.service ExecMainPID)"
check "systemctl stop roostd.socket" ctl stop roostd.socket
check_eq "roostd.socket is inactive" inactive "$(prop roostd.socket ActiveState)"
out=$(probe -q -t 500 127.0.0.1#53 query www.example.test A 2>&1)
check_nomatch "nothing answers on 127.0.0.1#53 any more" 'rcode=' "$out"
check_eq "roostd.service was not started again" inactive \
    "$(prop roostd.service ActiveState)"
journal >/dev/null

finish
