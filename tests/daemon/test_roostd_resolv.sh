#!/bin/bash
# tests/daemon/test_roostd_resolv.sh - roostd follows the resolv.conf
# that names its upstreams, as network managers rewrite it: a rename
# over it (NetworkManager, resolvconf), a write in place, a symbolic link
# whose target is rewritten in its own folder and then pointed elsewhere,
# a delete and an empty file (the last servers kept, with a warning).
# After each change a new name reaches the new server within 1 s, with
# no restart, and what was cached stays cached.
#
# Runs in a private network namespace (lib_init): three mocks on port 53
# (resolv.conf has no port) of 127.0.0.2, .3 and .4; roostd on
# 127.0.0.1#5371 with --resolv-conf in the test's folder and no upstream.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

ZONE=$top_srcdir/tests/mock/zones/example.test.zone
P=5371
ETC=$T/etc
RUN=$T/run
mkdir -p "$ETC" "$RUN/nm" "$RUN/other" && chmod 711 "$T" &&
    chmod 755 "$ETC" "$RUN" "$RUN/nm" "$RUN/other" || exit 99
RESOLV=$ETC/resolv.conf
for m in 2 3 4; do
	mock_start "m$m" "127.0.0.$m#53" --zone "$ZONE" || exit 99
done

# put FILE LINE...: FILE holds the lines, written by a rename over it
put() {
	local f=$1
	shift
	printf '%s\n' "$@" >"$f.tmp" && chmod 644 "$f.tmp" && mv -f "$f.tmp" "$f"
}
put "$RESOLV" "# written by the test" "search example.test" \
    "nameserver 127.0.0.2" "options edns0"
roostd_start r "127.0.0.1#$P" --resolv-conf "$RESOLV" || exit 99

n=0
# goes_to M: a new name reaches mock mM within 1 s ($T/ms: how long it
# took; check runs it in a subshell)
goes_to() {
	local t0 name
	t0=$(lib_now_ms)
	while :; do
		n=$((n + 1))
		name=n$n.example.test
		dig +tries=1 +time=1 -p "$P" @127.0.0.1 "$name" A >/dev/null
		MS=$(($(lib_now_ms) - t0))
		echo "$MS" >"$T/ms"
		[ "$(mock_count "m$1" "$name." A udp)" -ge 1 ] && return 0
		[ "$MS" -ge 1000 ] && return 1
		sleep 0.05 # polling the change, within the 1 s bound
	done
}
cached() { # cached: www.example.test is answered without any mock asked
	local before after
	before=$(for m in 2 3 4; do mock_count "m$m" www.example.test. A udp; done)
	dig +short -p "$P" @127.0.0.1 www.example.test A >/dev/null
	after=$(for m in 2 3 4; do mock_count "m$m" www.example.test. A udp; done)
	[ "$before" = "$after" ]
}

check "start: the nameserver of resolv.conf" goes_to 2
dig +short -p "$P" @127.0.0.1 www.example.test A >/dev/null # cached now

put "$RESOLV" "nameserver 127.0.0.3"
check "rename over it: the new server within 1 s" goes_to 3
echo "# rename: $(cat "$T/ms") ms"
check_match "rename: one log line, old and new" \
    "resolv.conf changed: upstreams 127.0.0.2#53 -> 127.0.0.3#53" \
    "$(cat "$T/r.log")"
check "rename: the cache kept" cached

echo "nameserver 127.0.0.4" >"$RESOLV"
check "a write in place: the new server within 1 s" goes_to 4
echo "# in place: $(cat "$T/ms") ms"

# NetworkManager's way: resolv.conf a link into its run folder, which it
# rewrites there by rename
put "$RUN/nm/resolv.conf" "nameserver 127.0.0.2"
ln -s "$RUN/nm/resolv.conf" "$RESOLV.new" && mv -T "$RESOLV.new" "$RESOLV"
check "a link put in its place: its target's server" goes_to 2
put "$RUN/nm/resolv.conf" "nameserver 127.0.0.3"
check "the link's target rewritten in its folder: seen" goes_to 3
echo "# target rewritten: $(cat "$T/ms") ms"
put "$RUN/other/resolv.conf" "nameserver 127.0.0.4"
ln -s "$RUN/other/resolv.conf" "$RESOLV.new" && mv -T "$RESOLV.new" "$RESOLV"
check "the link pointed elsewhere: the new target's server" goes_to 4
check "still the cache kept" cached

rm -f "$RESOLV"
sleep 0.3 # the delete is seen and refused: nothing changes
check "deleted: the last servers kept" goes_to 4
check_match "deleted: a warning says so" \
    "resolv.conf changed: no upstream: cannot read .*keeping the upstreams 127.0.0.4#53" \
    "$(cat "$T/r.log")"
put "$RESOLV" "# between networks"
sleep 0.3
check "empty: the last servers kept" goes_to 4
check_match "empty: a warning says so" \
    "resolv.conf changed: no upstream: .* names no nameserver" \
    "$(cat "$T/r.log")"
put "$RESOLV" "nameserver 127.0.0.1" "nameserver 127.0.0.2"
check "roostd's own address skipped, the other taken" goes_to 2

finish
