#!/bin/bash
# tests/daemon/test_roostd_config.sh - roostd's start-up contract: every
# tests/unit/config/good.*.conf passes --check-config, every bad.*.conf
# fails with exit 3 and the message of its "# expect:" line; a listen
# address in use names the address and the cause and exits 4; a
# resolv.conf that names only roostd's own address leaves no upstream:
# exit 3 with a message that says so.
#
# Runs in a private network namespace (lib_init); the one roostd that
# really starts listens on 127.0.0.1#5353 with a mock upstream.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

FIX=$top_srcdir/tests/unit/config
UP=127.0.0.2#5300

# roostd_check ARG...: run roostd --check-config with a deadline; its
# stdout and stderr in $T/check.out, its exit status returned.
roostd_check() {
	timeout 10 "$ROOSTD" --check-config "$@" >"$T/check.out" 2>&1
}

# --- good.*.conf ------------------------------------------------------------------

ngood=0
for f in "$FIX"/good.*.conf; do
	[ -f "$f" ] || continue
	ngood=$((ngood + 1))
	name=$(basename "$f")
	(cd "$FIX" && roostd_check -c "$name")
	rc=$?
	if [ "$rc" = 0 ]; then
		pass "--check-config $name: exit 0"
	else
		fail "--check-config $name" "exit $rc, expected 0"
		sed 's/^/    /' "$T/check.out"
	fi
done
if [ "$ngood" = 0 ]; then
	echo "# no $FIX/good.*.conf fixtures yet: nothing checked"
fi

# --- bad.*.conf --------------------------------------------------------------------

nbad=0
for f in "$FIX"/bad.*.conf; do
	[ -f "$f" ] || continue
	nbad=$((nbad + 1))
	name=$(basename "$f")
	expect=$(sed -n '1s/^# expect: //p' "$f")
	if [ -z "$expect" ]; then
		fail "--check-config $name" "no '# expect: MESSAGE' first line"
		continue
	fi
	# from the fixtures' folder, so that messages name the file as the
	# expect lines do (bad.x.conf:3: ...)
	(cd "$FIX" && roostd_check -c "$name")
	rc=$?
	if [ "$rc" != 3 ]; then
		fail "--check-config $name" "exit $rc, expected 3"
		sed 's/^/    /' "$T/check.out"
	elif ! grep -qF -- "$expect" "$T/check.out"; then
		fail "--check-config $name" "message lacks [$expect]:"
		sed 's/^/    /' "$T/check.out"
	else
		pass "--check-config $name: exit 3, the expected message"
	fi
done
if [ "$nbad" = 0 ]; then
	echo "# no $FIX/bad.*.conf fixtures yet: nothing checked"
fi

# a config file of our own, through -c, overridden by flags
cat >"$T/own.conf" <<EOF
# written by test_roostd_config.sh
listen = 127.0.0.1#5353
upstream = $UP
query-deadline = 1500
EOF
roostd_check -c "$T/own.conf"
check_eq "--check-config of a written config: exit 0" 0 "$?"
roostd_check -c "$T/own.conf" --upstream-timeout 1500
check_eq "--check-config: a flag that breaks the file's deadline: exit 3" \
    3 "$?"
check_match "--check-config: the deadline message" \
    'query-deadline \(1500 ms\) must exceed upstream-timeout \(1500 ms\)' \
    "$(cat "$T/check.out")"
roostd_check -c "$T/nonexistent.conf" --upstream "$UP"
check_eq "-c naming a missing file: exit 3" 3 "$?"
check_match "-c naming a missing file: the file named" 'nonexistent\.conf' \
    "$(cat "$T/check.out")"
timeout 10 "$ROOSTD" --no-such-flag >"$T/check.out" 2>&1
check_eq "an unknown flag: exit 2" 2 "$?"
check_match "an unknown flag: usage on stderr" '^usage: roostd' \
    "$(cat "$T/check.out")"

# --- no upstream left ------------------------------------------------------------------

# resolv.loopback.conf names 127.0.0.1 and ::1 (port 53): exactly the
# default listen addresses.  Nothing here binds port 53: config fails
# first.
RESOLV=$FIX/resolv.loopback.conf
if [ ! -f "$RESOLV" ]; then
	RESOLV=$T/resolv.loopback.conf
	printf 'nameserver 127.0.0.1\nnameserver ::1\n' >"$RESOLV"
fi
for mode in --check-config start; do
	args=(-c /dev/null --resolv-conf "$RESOLV")
	[ "$mode" = start ] || args+=(--check-config)
	timeout 10 "$ROOSTD" "${args[@]}" >"$T/check.out" 2>&1
	rc=$?
	check_eq "no upstream left ($mode): exit 3" 3 "$rc"
	check_match "no upstream left ($mode): says resolv.conf names only our own address" \
	    "no upstream: .*resolv\.loopback\.conf names only roostd's own listen address" \
	    "$(cat "$T/check.out")"
done
# the same with an explicit listen on another port: 127.0.0.1#53 is then
# a real upstream (it does not loop), so the config passes
timeout 10 "$ROOSTD" -c /dev/null --resolv-conf "$RESOLV" \
    --listen 127.0.0.1#5353 --check-config >"$T/check.out" 2>&1
check_eq "resolv.conf loopback, roostd on another port: accepted" 0 "$?"

# --- bind failure: the address in use ---------------------------------------------------

mock_start up "$UP" --zone "$top_srcdir/tests/mock/zones/example.test.zone" ||
    exit 99
roostd_start first 127.0.0.1#5353 --upstream "$UP" || exit 99
timeout 10 "$ROOSTD" -c /dev/null --listen 127.0.0.1#5353 --upstream "$UP" \
    >"$T/second.out" 2>&1
rc=$?
out=$(cat "$T/second.out")
check_eq "second roostd on the same address: exit 4" 4 "$rc"
check_match "second roostd: names the address" '127\.0\.0\.1#5353' "$out"
check_match "second roostd: names the cause" 'Address already in use' "$out"
check_match "second roostd: says how to see who holds the port" "ss -lntup 'sport = :5353'" \
    "$out"
# the same on IPv6 and for TCP alone: hold the TCP port with a listener of
# our own (the mock, TCP and UDP) on ::1
mock_start v6 "[::1]:5354" || exit 99
timeout 10 "$ROOSTD" -c /dev/null --listen "::1#5354" --upstream "$UP" \
    >"$T/second.out" 2>&1
rc=$?
out=$(cat "$T/second.out")
check_eq "roostd on an IPv6 address in use: exit 4" 4 "$rc"
check_match "IPv6 address in use: named" '::1.*5354' "$out"
out=$("$DNSPROBE" 127.0.0.1#5353 query www.example.test A)
check_match "the first roostd is unharmed" 'rcode=NOERROR .*check=ok' "$out"
roostd_stop first
check_eq "the first roostd stops with status 0" 0 "$?"

finish
