#!/bin/bash
# tests/daemon/test_roostd_cachefile.sh - warm restarts: roostd saves its
# cache to --cache-file when stopped and loads it when started, so a name
# cached before a restart is answered after it without an upstream query
# (mockdns counts), its TTL lowered by the time roostd was down; kill -9
# at random moments of periodic saves (and right while the new file is
# being written) always leaves a file that loads; a truncated and a
# bit-flipped file are refused in one log line and roostd starts cold
# (the first query goes upstream); on a full disk (a small tmpfs in a
# private mount namespace) the save fails in one log line, leaves no
# temporary file and the previous snapshot stays whole.
#
# Runs in a private network namespace (lib_init): mockdns on 127.0.0.2,
# roostd on 127.0.0.1#5401.  Waits are polls with deadlines.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

ZONES=$top_srcdir/tests/daemon/zones
UP=127.0.0.2#5300
ADDR=127.0.0.1#5401
CFTOOL=$top_builddir/tests/tools/cachefile_tool
probe() { "$DNSPROBE" "$@"; }

# roostd runs as $ROOSTD_USER: its state folder must be its own to write
S=$T/state
chmod 711 "$T" && mkdir -p "$S" && chmod 777 "$S" || exit 99
CF=$S/cache

mock_start up "$UP" --zone "$ZONES/cache.test.zone" || exit 99

# start_roostd [ARG...]: roostd "main" with the cache file and no periodic
# saves unless the args say otherwise.
start_roostd() {
	roostd_start main "$ADDR" --upstream "$UP" --cache-file "$CF" \
	    --cache-save-interval 0 "$@"
}
# ttl_of OUT: the TTL of the first answer record.
ttl_of() { awk '$1 == "an" { print $3; exit }' <<<"$1"; }
log_of() { cat "$T/main.log"; }
# past MS: the wall clock has reached MS
past() { [ "$(lib_now_ms)" -ge "$1" ]; }

# --- a warm restart ---------------------------------------------------------

check "no cache file yet" test ! -e "$CF"
start_roostd || exit 99
check_match "a missing cache file is a cold start" \
    "cache file $CF: none yet, starting cold" "$(log_of)"
t1=$(lib_now_ms)
out=$(probe "$ADDR" query hit.cache.test A)
t1b=$(lib_now_ms)
check_match "hit.cache.test answered before the restart" \
    '^an hit\.cache\.test\. [0-9]+ IN A 192\.0\.2\.1$' "$out"
ttl1=$(ttl_of "$out")
out=$(probe "$ADDR" query nx.cache.test A)
check_match "nx.cache.test answered NXDOMAIN" 'rcode=NXDOMAIN' "$out"
check_eq "one upstream query for hit.cache.test" 1 \
    "$(mock_count up hit.cache.test. A udp)"
roostd_stop main
check_eq "roostd exits 0 on SIGTERM" 0 "$?"
check_match "the cache is saved on SIGTERM" \
    "cache saved to $CF: 2 entries, [0-9]+ bytes" "$(log_of)"
check "the saved file loads" "$CFTOOL" check "$CF"
check "no temporary file is left" test ! -e "$CF.tmp"
mode=$(stat -c %a "$CF")
check_eq "the cache file is private (mode 600)" 600 "$mode"
# down at least 2 s, by the clock
check "2 s pass" wait_until 10 past $((t1 + 2500))
start_roostd || exit 99
check_match "the restart loads both entries" \
    "cache file $CF: loaded 2 entries of 2 \(0 expired or refused\), [0-9]+ s after the save, in [0-9]+ ms" \
    "$(log_of)"
t2=$(lib_now_ms)
out=$(probe "$ADDR" query hit.cache.test A)
t2b=$(lib_now_ms)
check_match "hit.cache.test answered after the restart" \
    '^an hit\.cache\.test\. [0-9]+ IN A 192\.0\.2\.1$' "$out"
ttl2=$(ttl_of "$out")
check_eq "... from the cache: still one upstream query" 1 \
    "$(mock_count up hit.cache.test. A udp)"
# The two answers were served between t1..t1b and t2..t2b; the clocks
# count whole seconds, so the TTL dropped by the time between them, give
# or take a second at each end.
lo=$(((t2 - t1b) / 1000 - 1))
hi=$(((t2b - t1 + 999) / 1000 + 1))
drop=$((ttl1 - ttl2))
echo "# TTL $ttl1 before, $ttl2 after: down by $drop s; expected $lo..$hi"
check_ge "the TTL dropped by the downtime (at least 2 s)" "$drop" 2
check "the TTL dropped by the elapsed time ($drop in $lo..$hi)" \
    test "$drop" -ge "$lo" -a "$drop" -le "$hi"
roostd_stop main
cp "$CF" "$T/good.cache" || exit 99

# --- the default: $STATE_DIRECTORY/cache under systemd, else none ----------

SD=$T/sdstate
mkdir -p "$SD" && chmod 777 "$SD" || exit 99
STATE_DIRECTORY=$SD roostd_start sd "$ADDR" --upstream "$UP" || exit 99
check_match "with \$STATE_DIRECTORY set, the cache file is in it" \
    "cache file $SD/cache: none yet, starting cold" "$(cat "$T/sd.log")"
roostd_stop sd
check "... and is saved there at stop" "$CFTOOL" check "$SD/cache"
roostd_start nosd "$ADDR" --upstream "$UP" || exit 99
check_match "without it, no cache file" \
    "no cache file: the cache starts empty and is not saved" \
    "$(cat "$T/nosd.log")"
roostd_stop nosd
rm -f "$SD/cache"
STATE_DIRECTORY=$SD roostd_start none "$ADDR" --upstream "$UP" \
    --cache-file none || exit 99
check_match "... nor with cache-file none" \
    "no cache file: the cache starts empty and is not saved" \
    "$(cat "$T/none.log")"
roostd_stop none
check "... which saves nothing at stop" test ! -e "$SD/cache"

# --- damaged files: one line, a cold start ------------------------------------

# damaged NAME REASON-ERE: start on the damaged $CF; it must be refused
# with REASON and the first query must reach the upstream
damaged() {
	local before after
	before=$(mock_count up hit.cache.test. A udp)
	start_roostd || return 1
	check_match "$1 file refused in one line naming it and why" \
	    "roostd: cache file ignored, starting cold: $CF: $2" "$(log_of)"
	check_eq "$1 file: one line about it" 1 \
	    "$(grep -c "cache file" "$T/main.log")"
	out=$(probe "$ADDR" query hit.cache.test A)
	check_match "$1 file: hit.cache.test still answered" \
	    '^an hit\.cache\.test\. [0-9]+ IN A 192\.0\.2\.1$' "$out"
	after=$(mock_count up hit.cache.test. A udp)
	check_eq "$1 file: a cold start (the query went upstream)" \
	    $((before + 1)) "$after"
	roostd_stop main
	check_eq "$1 file: roostd stops cleanly" 0 "$?"
}

size=$(stat -c %s "$T/good.cache")
head -c $((size / 2)) "$T/good.cache" >"$CF"
damaged truncated "truncated: $((size / 2)) bytes of $size"
cp "$T/good.cache" "$CF"
# flip one bit of the last byte (inside a stored answer)
last=$(od -An -tu1 -j $((size - 1)) -N 1 "$CF" | tr -d ' ')
printf "$(printf '\\%03o' $((last ^ 4)))" |
    dd of="$CF" bs=1 seek=$((size - 1)) conv=notrunc status=none
check "the bit flip changed the file" bash -c "! cmp -s '$CF' '$T/good.cache'"
damaged bit-flipped 'corrupt \(checksum mismatch\)'
echo 'nameserver 192.0.2.1' >"$CF"
damaged foreign 'not a roostd cache file \(bad magic\)'

# --- kill -9 during saves -------------------------------------------------------

# 100000 entries to start from, saved every second: a save is a snapshot
# in slices and a write of about 7 MB; a kill comes either as soon as
# the new file is being written, or at a random moment of the first 3 s
# (a save or two complete by then: the file changes)
NBIG=100000
"$CFTOOL" sample "$CF" "$NBIG" && chmod 644 "$CF" || exit 99
cp "$CF" "$T/big.orig" || exit 99
KILLS=${KILLS:-16}
mid=0
for ((i = 0; i < KILLS; i++)); do
	start_roostd --cache-save-interval 1 --cache-size 268435456 || break
	if ((i % 2 == 0)); then
		# right while the new file is being written
		wait_until 10 test -e "$CF.tmp" && ((mid++))
	else
		# at a random moment of the next 3 s
		end=$(($(lib_now_ms) + RANDOM % 3000))
		wait_until 10 past "$end"
	fi
	kill -KILL "${ROOSTD_PID[main]}"
	wait "${ROOSTD_PID[main]}" 2>/dev/null
	if ! out=$("$CFTOOL" check "$CF"); then
		fail "kill -9 number $((i + 1)) leaves a loadable file" "$out"
		break
	fi
	n=$(sed -n 's/.*: \([0-9]*\) entries .*/\1/p' <<<"$out")
	[ "$n" = "$NBIG" ] || {
		fail "kill -9 number $((i + 1)) leaves all $NBIG entries" "$out"
		break
	}
done
check_eq "kill -9 $KILLS times during saves: the file always loads whole" \
    "$KILLS" "$i"
echo "# $mid of the kills came while $CF.tmp was being written"
check "roostd did replace the file during the kills" \
    bash -c "! cmp -s '$CF' '$T/big.orig'"
check_ge "some kills came in the middle of writing" "$mid" 1
check_match "roostd loaded the whole file on its last start" \
    "cache file $CF: loaded $NBIG entries of $NBIG" "$(log_of)"
start_roostd --cache-save-interval 1 --cache-size 268435456 || exit 99
check "a periodic save logs its result" wait_until 10 grep -q \
    "roostd: cache saved to $CF: $NBIG entries, [0-9]* bytes, in [0-9]* ms" \
    "$T/main.log"
roostd_stop main

# --- a full disk keeps the previous snapshot --------------------------------------

FULL=$T/full
mkdir -p "$FULL" || exit 99
"$CFTOOL" sample "$T/small.cache" 3 || exit 99
# In a private mount namespace: a 256 KiB tmpfs holds the cache file,
# then filler takes every byte left; roostd gets more entries and must
# save them at SIGTERM.
export FULL T ADDR UP CF CFTOOL
unshare -m --propagation private -- bash -c '
	. "$top_srcdir/tests/lib.sh"
	mount -t tmpfs -o size=256k,mode=1777 roost-full "$FULL" || exit 97
	cp "$T/small.cache" "$FULL/cache" && chmod 666 "$FULL/cache" || exit 97
	roostd_start full "$ADDR" --upstream "$UP" \
	    --cache-file "$FULL/cache" --cache-save-interval 0 || exit 97
	trap "kill -KILL ${ROOSTD_PID[full]} 2>/dev/null" EXIT
	"$DNSPROBE" "$ADDR" query hit.cache.test A >/dev/null
	"$DNSPROBE" "$ADDR" query id.cache.test A >/dev/null
	dd if=/dev/zero of="$FULL/filler" bs=4k status=none 2>/dev/null
	df -k "$FULL" | tail -n 1 >"$T/full.df"
	roostd_stop full
	echo "exit $?" >"$T/full.exit"
	cmp -s "$T/small.cache" "$FULL/cache" && echo same >"$T/full.same"
	[ -e "$FULL/cache.tmp" ] && echo yes >"$T/full.tmpleft"
	"$CFTOOL" check "$FULL/cache" >"$T/full.check"
	exit 0
'
check_eq "full disk: the scenario ran" 0 "$?"
echo "# full disk: $(cat "$T/full.df" 2>/dev/null)"
check_match "full disk: one line says the save failed and why" \
    "roostd: cache not saved: $FULL/cache.tmp: write: No space left on device; the previous file is kept" \
    "$(cat "$T/full.log")"
check_eq "full disk: roostd still stops cleanly" "exit 0" \
    "$(cat "$T/full.exit" 2>/dev/null)"
check_eq "full disk: the previous snapshot is unchanged" same \
    "$(cat "$T/full.same" 2>/dev/null)"
check_eq "full disk: no temporary file is left" "" \
    "$(cat "$T/full.tmpleft" 2>/dev/null)"
check_match "full disk: the previous snapshot loads" ": 3 entries " \
    "$(cat "$T/full.check" 2>/dev/null)"

finish
