# tests/lib.sh - shared shell library for roost's integration tests (bash).
#
# A test script starts with
#
#	. "$top_srcdir/tests/lib.sh"
#	lib_init "$@"
#
# and ends with `finish`.  Invariants it keeps:
# - Tests run only inside a private network namespace that has nothing but
#   lo: lib_init re-executes the script under unshare and refuses to go on
#   if any other interface is visible.  So no DNS can leave the machine;
#   still, always query an explicit 127.0.0.x or ::1 server.  As root it
#   is a plain network namespace (unshare --net); where root cannot bring
#   lo up there (a container without CAP_NET_ADMIN) and for other users,
#   a user namespace with its own network (unshare -rn), in which only
#   uid 0 exists: lib_real_root tells the checks that need the real one.
#   There is no fallback to the host's network.
# - $T is a short private folder under /tmp, whatever the build path:
#   unix sockets there fit sun_path (108 bytes), and roostd, once it has
#   dropped to nobody, can reach what a test makes for it there (a home
#   directory of mode 0700 on the way would stop it).
# - Every process started through lib_spawn or mock_start is stopped, and
#   the temporary directory $T removed, when the script exits.
# - Nothing sleeps a fixed time: readiness is a line on a FIFO read with a
#   deadline, other waits poll a condition until a deadline (wait_until).
#
# Environment (from make check's AM_TESTS_ENVIRONMENT, or derived):
#   top_srcdir, top_builddir, MOCKDNS, DNSPROBE
#   MOCKDNS_WRAPPER   optional command put before mockdns, e.g.
#                     "valgrind -q --leak-check=full --error-exitcode=99"
#
# Checks print "ok - NAME", "FAIL - NAME: why" or "SKIP - NAME: what it
# needs"; finish prints the closing line "N passed, N failed" (and ", N
# skipped" when some were) and exits non-zero if any failed.

LIB_PASSED=0
LIB_FAILED=0
LIB_SKIPPED=0
LIB_PIDS=()
LIB_READY_TIMEOUT=${LIB_READY_TIMEOUT:-10}
declare -A MOCK_PID MOCK_ADDR

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MOCKDNS:=$top_builddir/tests/mock/mockdns}"
: "${DNSPROBE:=$top_builddir/tests/tools/dnsprobe}"
: "${MOCKDNS_WRAPPER:=}"
export top_srcdir top_builddir MOCKDNS DNSPROBE
PATH=$PATH:/usr/sbin:/sbin

# lib_netns_works: as root, a plain network namespace can have lo up.
lib_netns_works() {
	unshare --net -- ip link set lo up >/dev/null 2>&1
}

# lib_init "$@": enter a private network namespace (by re-executing the
# calling script), bring lo up, make $T and the cleanup trap.
lib_init() {
	if [ -z "${ROOST_TEST_NETNS:-}" ]; then
		export ROOST_TEST_NETNS=1
		# who we really are, before unshare -r makes anyone uid 0
		export ROOST_TEST_REAL_UID=${ROOST_TEST_REAL_UID:-$(id -u)}
		if [ "$(id -u)" -eq 0 ] && lib_netns_works; then
			exec unshare --net -- "$BASH" "$0" "$@"
		fi
		if [ "$(id -u)" -eq 0 ]; then
			echo "# lib.sh: root cannot bring lo up in a network" \
			    "namespace here (no CAP_NET_ADMIN?): using a user" \
			    "namespace, where only uid 0 exists"
		fi
		if ! unshare -rn -- true 2>/dev/null; then
			echo "lib.sh: cannot make a private network namespace:" \
			    "unshare --net needs root with CAP_SYS_ADMIN and" \
			    "CAP_NET_ADMIN, unshare -rn needs user namespaces" >&2
			exit 99
		fi
		export ROOST_TEST_USERNS=1
		exec unshare -rn -- "$BASH" "$0" "$@"
	fi
	if [ "$(ip -o link show | grep -vc ': lo:')" -ne 0 ]; then
		echo "lib.sh: not in a private network namespace; refusing" >&2
		ip -o link show >&2
		exit 99
	fi
	if ! ip link set lo up; then
		echo "lib.sh: cannot bring lo up" >&2
		exit 99
	fi
	T=$(mktemp -d "/tmp/roost-$(basename "$0" .sh).XXXXXX") || exit 99
	trap lib_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# lib_real_root: the script runs as the machine's real root (every uid
# there, so roostd can drop to nobody), not as uid 0 of a user namespace.
lib_real_root() {
	[ "${ROOST_TEST_REAL_UID:-$(id -u)}" -eq 0 ] &&
	    [ -z "${ROOST_TEST_USERNS:-}" ]
}

# Stop every started process (TERM, then KILL after 5 s), show the logs
# of a failed run, remove $T.
lib_cleanup() {
	local rc=$? pid f end
	trap - EXIT
	for pid in "${LIB_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	end=$((SECONDS + 5))
	for pid in "${LIB_PIDS[@]}"; do
		while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do
			sleep 0.05	# polling for exit, with a deadline
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ "$rc" -ne 0 ] && [ -n "${T:-}" ]; then
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "--- $f (last 40 lines)"
			tail -n 40 "$f"
		done
	fi
	[ -n "${T:-}" ] && rm -rf "$T"
	exit "$rc"
}

# --- checks -------------------------------------------------------------

# lib_skip_all WHY: the whole script cannot run here (automake's 77).
lib_skip_all() {
	echo "SKIP: $*"
	exit 77
}

# skip NAME WHAT: NAME cannot run here; WHAT says what it needs.
skip() {
	LIB_SKIPPED=$((LIB_SKIPPED + 1))
	echo "SKIP - $1: needs $2"
}

pass() {
	LIB_PASSED=$((LIB_PASSED + 1))
	echo "ok - $1"
}

# fail NAME [WHY]
fail() {
	LIB_FAILED=$((LIB_FAILED + 1))
	echo "FAIL - $1${2:+: $2}"
}

# check NAME CMD [ARG...]: pass if CMD exits 0; show its output if not.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$name"
	else
		fail "$name" "exit $? from: $*"
		printf '%s\n' "$out" | sed 's/^/    /'
	fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected [$2], got [$3]"
	fi
}

# check_match NAME ERE TEXT: some line of TEXT matches the extended regex.
check_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		pass "$1"
	else
		fail "$1" "no line matches /$2/ in:"
		printf '%s\n' "$3" | sed 's/^/    /'
	fi
}

# check_nomatch NAME ERE TEXT: no line of TEXT matches.
check_nomatch() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		fail "$1" "a line matches /$2/ in:"
		printf '%s\n' "$3" | sed 's/^/    /'
	else
		pass "$1"
	fi
}

# check_ge NAME A B: integer A >= B.
check_ge() {
	if [ "$2" -ge "$3" ] 2>/dev/null; then
		pass "$1"
	else
		fail "$1" "expected $2 >= $3"
	fi
}

# check_lt NAME A B: integer A < B.
check_lt() {
	if [ "$2" -lt "$3" ] 2>/dev/null; then
		pass "$1"
	else
		fail "$1" "expected $2 < $3"
	fi
}

# finish: the closing line, and the exit status.
finish() {
	if [ "$LIB_SKIPPED" -ne 0 ]; then
		echo "$LIB_PASSED passed, $LIB_FAILED failed, $LIB_SKIPPED skipped"
	else
		echo "$LIB_PASSED passed, $LIB_FAILED failed"
	fi
	if [ "$LIB_FAILED" -ne 0 ] || [ "$LIB_PASSED" -eq 0 ]; then
		exit 1
	fi
	exit 0
}

# lib_apt_need PKG...: install (as root, with apt-get) those of the Debian
# packages that are missing, refreshing the lists only if the install
# cannot find them.  For the scripts outside make check that set up a
# machine; 1 (said on stderr) if they cannot be had.
lib_apt_need() {
	local p missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q ' installed$' || missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	echo "# installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends $missing >/dev/null ||
	    { apt-get update -q >/dev/null &&
	    apt-get install -y -q --no-install-recommends $missing >/dev/null; } ||
	    { echo "lib.sh: cannot install$missing" >&2; return 1; }
}

# --- processes ------------------------------------------------------------

# wait_until SECONDS CMD [ARG...]: poll CMD until it succeeds (0) or the
# deadline passes (1).  For conditions with no event to wait on.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.02
	done
	return 0
}

# lib_spawn CMD [ARG...]: run CMD in the background, stopped at exit.
lib_spawn() {
	"$@" &
	LIB_PIDS+=($!)
}

# lib_zone ORIGIN ADDRESS: on stdout, a zone file for mockdns --zone
# whose names www, www2 and www3 answer A ADDRESS (SOA, NS, ns: glue).
lib_zone() {
	cat <<EOF
\$ORIGIN $1
\$TTL 300
@	IN SOA ns hostmaster 1 7200 900 1209600 60
@	IN NS ns
ns	IN A 192.0.2.53
www	IN A $2
www2	IN A $2
www3	IN A $2
EOF
}

# mock_start NAME ADDR#PORT [MOCKDNS ARG...]: start a mockdns called NAME
# listening on ADDR#PORT (more --listen may follow), with -v logging to
# $T/NAME.log, pidfile $T/NAME.pid and counts file $T/NAME.counts; return
# once it reports ready (1 if it does not within LIB_READY_TIMEOUT s).
mock_start() {
	local name=$1 addr=$2 fifo line
	shift 2
	fifo="$T/$name.ready"
	rm -f "$fifo"
	mkfifo "$fifo" || return 1
	# The open of the FIFO for writing waits for our read below; if
	# mockdns dies before it is ready, the read sees EOF at once.
	$MOCKDNS_WRAPPER "$MOCKDNS" -v --listen "$addr" \
	    --pidfile "$T/$name.pid" --counts "$T/$name.counts" \
	    --ready-fd 3 "$@" 3>"$fifo" 2>"$T/$name.log" &
	MOCK_PID[$name]=$!
	MOCK_ADDR[$name]=$addr
	LIB_PIDS+=($!)
	if ! read -r -t "$LIB_READY_TIMEOUT" line <"$fifo" ||
	    [ "${line%% *}" != ready ]; then
		echo "lib.sh: mockdns $name did not get ready:" >&2
		sed 's/^/    /' "$T/$name.log" >&2
		rm -f "$fifo"
		return 1
	fi
	rm -f "$fifo"
}

# mock_stop NAME: SIGTERM, and return mockdns's exit status.
mock_stop() {
	local pid=${MOCK_PID[$1]}
	kill -TERM "$pid" || return 1
	wait "$pid"
}

# mock_status NAME: mockdns's status TXT, e.g. "generation 1" ... as
# one line "generation 1 reload-errors 0".  Also a barrier: a signal sent
# to NAME before it has been acted on when this returns.
mock_status() {
	"$DNSPROBE" -T "${MOCK_ADDR[$1]}" query status.mockdns TXT CH |
	    sed -n 's/^an .* TXT //p' | tr -d '"'
}

# mock_generation NAME: how many times NAME has loaded its data.
mock_generation() {
	mock_status "$1" | sed -n 's/.*generation \([0-9]*\).*/\1/p'
}

# mock_signal NAME SIG: send SIG and wait until NAME has acted on it.
mock_signal() {
	kill "-$2" "${MOCK_PID[$1]}" && mock_status "$1" >/dev/null
}

# mock_reload NAME: SIGHUP; succeed only if the reload took (the data
# generation went up).
mock_reload() {
	local before after
	before=$(mock_generation "$1")
	mock_signal "$1" HUP || return 1
	after=$(mock_generation "$1")
	[ -n "$before" ] && [ "$after" = $((before + 1)) ]
}

# mock_counts NAME: the counter lines "name type transport count".
mock_counts() {
	"$DNSPROBE" -T "${MOCK_ADDR[$1]}" query counts.mockdns TXT CH |
	    sed -n 's/^an .* TXT "\(.*\)"$/\1/p'
}

# mock_count NAME QNAME TYPE TRANSPORT: one counter (0 if none); QNAME in
# lower case with its final dot.
mock_count() {
	local n
	n=$(mock_counts "$1" | awk -v n="$2" -v t="$3" -v p="$4" \
	    '$1 == n && $2 == t && $3 == p { print $4 }')
	echo "${n:-0}"
}

# mock_reset NAME: set NAME's counters to zero.
mock_reset() {
	"$DNSPROBE" -T "${MOCK_ADDR[$1]}" query reset.mockdns TXT CH >/dev/null
}

# --- roostd -----------------------------------------------------------------

: "${ROOSTD:=$top_builddir/src/roostd}"
# Whom roostd runs as (--user): started as root it drops to this user once
# its sockets are bound.  Really root: nobody, so every test runs roostd
# unprivileged; in a user namespace (unshare -rn) roostd only looks like
# root and cannot switch users: root (stay).
if lib_real_root; then
	: "${ROOSTD_USER:=nobody}"
else
	ROOSTD_USER=root	# the only user there is
fi
export ROOSTD_USER
: "${ROOSTD_WRAPPER:=}"
export ROOSTD
declare -A ROOSTD_PID ROOSTD_ADDR

# lib_etc HOSTS [RESOLV]: make $T/etc, an /etc of the test's own for
# glibc's resolver (lib_in_etc runs a command under it): nsswitch.conf
# "hosts: files dns" (no nss module that could talk to anything outside
# this namespace), hosts with the lines HOSTS (host.conf "multi on": a
# name on several lines has each address), resolv.conf RESOLV
# (default: a nameserver on 127.0.0.2, one try of one second), a
# services file with http, and the dynamic linker's cache.  Nothing of
# the machine's /etc is needed (a minimal system has no /etc/hosts).
lib_etc() {
	local e=$T/etc
	mkdir -p "$e" || return 1
	printf '%s\n' "${2:-nameserver 127.0.0.2
options timeout:1 attempts:1}" >"$e/resolv.conf"
	printf 'hosts: files dns\nservices: files\n' >"$e/nsswitch.conf"
	printf 'multi on\n' >"$e/host.conf" # every line of a name, not the first
	printf '%s\n' "$1" >"$e/hosts"
	printf 'http 80/tcp www\n' >"$e/services"
	if [ -f /etc/ld.so.cache ]; then cp /etc/ld.so.cache "$e/" || return 1; fi
}

# lib_in_etc CMD...: CMD in a private mount namespace whose /etc is
# lib_etc's $T/etc.
lib_in_etc() {
	unshare --mount -- "$BASH" -c '
		set -e
		mount --bind "$1" /etc
		shift
		exec "$@"' _ "$T/etc" "$@"
}

# lib_now_ms: a wall clock in milliseconds, for measuring how long
# something took (never for waiting).
lib_now_ms() {
	local us=${EPOCHREALTIME/[.,]/}
	echo $((us / 1000))
}

# reply_field KEY: the value of KEY=VALUE in the first dnsprobe line on
# stdin that has it (empty if none).
reply_field() {
	sed -n "s/.* $1=\([^ ]*\).*/\1/p" | head -n 1
}

# roostd_ready ADDR#PORT: roostd answers there (over UDP).  The probe is a
# class CH question, which roostd answers itself (REFUSED) without asking
# an upstream and whatever its allow list, so readiness does not depend
# on the mocks.
roostd_ready() {
	"$DNSPROBE" -q -t 200 "$1" query ready.roostd.test TXT CH \
	    >/dev/null 2>&1
}

# roostd_start NAME ADDR#PORT [ROOSTD ARG...]: start roostd called NAME
# listening on ADDR#PORT (more --listen may follow in the args), with -v
# and stderr to $T/NAME.log, and "-c /dev/null" before the args (a -c in
# them wins) so that no system configuration is read; the args must name
# every --upstream; --user is $ROOSTD_USER (a --user in them wins); no
# control socket (a --control-socket in them wins; a -c file's does not),
# so that no test touches the host's /run/roost; no hosts file (the
# machine's /etc/hosts would answer names; a --hosts-file in them wins, a
# -c file's does not).
# Returns once roostd answers on ADDR#PORT; 1 (log shown) if it exits
# first or does not answer within LIB_READY_TIMEOUT s.
# Must run in the script's own shell (not in $(...)), so that the pid can
# be awaited: roostd_stop.
roostd_start() {
	local name=$1 addr=$2 pid end
	shift 2
	$ROOSTD_WRAPPER "$ROOSTD" -c /dev/null -v --user "$ROOSTD_USER" \
	    --control-socket none --hosts-file none --listen "$addr" "$@" \
	    2>"$T/$name.log" &
	pid=$!
	ROOSTD_PID[$name]=$pid
	ROOSTD_ADDR[$name]=$addr
	LIB_PIDS+=("$pid")
	end=$((SECONDS + LIB_READY_TIMEOUT))
	until roostd_ready "$addr"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			echo "lib.sh: roostd $name exited ($?) before" \
			    "answering:" >&2
			sed 's/^/    /' "$T/$name.log" >&2
			return 1
		fi
		if [ "$SECONDS" -ge "$end" ]; then
			echo "lib.sh: roostd $name did not answer on $addr" \
			    "within ${LIB_READY_TIMEOUT}s:" >&2
			sed 's/^/    /' "$T/$name.log" >&2
			return 1
		fi
		sleep 0.02	# polling for readiness, with a deadline
	done
}

# roostd_stop NAME: SIGTERM, and return roostd's exit status.
roostd_stop() {
	local pid=${ROOSTD_PID[$1]}
	kill -TERM "$pid" || return 1
	wait "$pid"
}
