# tests/trace/sectree.sh - build and serve a DNSSEC-signed mock DNS tree
# (bash, to be sourced after tests/lib.sh's lib_init).  Keys, zones and
# signatures are made afresh under $T/sec/ by ldns-keygen, ldns-signzone
# and ldns-key2ds, and served by three NSD instances on port $P:
#
#   root  127.0.0.60  .  (RSASHA256, NSEC): a DS for every signed TLD
#   tld   127.0.0.61  the TLDs below (ECDSAP256SHA256, each a KSK and a ZSK)
#   leaf  127.0.0.62  sub.good. (signed, NSEC), unsigned.optout. and
#                     plain.nsec. (both unsigned)
#
# The TLDs, each with www A 192.0.2.N and www AAAA 2001:db8::N:
#   good.     NSEC3 (0 iterations, no salt); a, c, *.w TXT; sub.good.
#             signed (DS)
#   optout.   NSEC3 opt-out; unsigned.optout. has no DS and no NSEC3 of
#             its own: an opt-out NSEC3 covers it
#   nsec.     NSEC; a, c, *.w TXT; plain.nsec. has no DS (its NSEC says so)
#   expired.  the RRSIG over www.expired. A expired 3 days ago
#   nokey.    the root's DS for it matches none of its DNSKEYs
#   nosig.    www.nosig. A has no RRSIG
#   badnsec.  b.badnsec. removed after signing: its NXDOMAIN carries the
#             NSEC a -> b, validly signed but not covering b
#   badnsec3. the same with NSEC3 (b's NSEC3 removed too)
#   alg.      DNSKEYs and RRSIGs say algorithm 23 (ECC-GOST12, which we do
#             not support), and so does the root's DS
#
# sectree_start: build everything, start the servers; 1 if one did not
# answer.  It then sets
#   SEC_HINTS       root hints (a.root-servers. 127.0.0.60)
#   SEC_ANCHOR_DS   the root KSK's DS, one line as ldns-key2ds -n -2 prints
#   SEC_ANCHOR_KEY  the root KSK's DNSKEY, one line
#   SEC_TAG[ZONE]   key tag of ZONE's KSK (ZONE with its final dot: good.,
#                   sub.good., . for the root), SEC_TAG[ZONEzsk] of its
#                   ZSK (good.zsk, .zsk), SEC_TAG[nokey.ds] the tag in the
#                   root's DS for nokey.; for alg. the tags of the keys as
#                   rewritten to algorithm 23 (what its DS and RRSIGs say)

# shellcheck shell=bash
P=${P:-5330}

# sec_file ZONE: the file name stem of ZONE ("root" for ".").
sec_file() {
	if [ "$1" = . ]; then echo root; else echo "${1%.}"; fi
}

# sec_keygen ZONE ALG [-k]: make a key for ZONE in $SEC/keys (a KSK with
# -k) and print its base name K<zone>+<alg>+<tag>.  RSA keys get 2048
# bits as KSK, 1024 as ZSK.
sec_keygen() {
	local bits=()
	case $2 in
	RSA*) if [ "${3:-}" = -k ]; then bits=(-b 2048); else bits=(-b 1024); fi ;;
	esac
	(cd "$SEC/keys" && ldns-keygen -r /dev/urandom -a "$2" "${bits[@]}" \
	    ${3:+"$3"} "$1") ||
	    { echo "sectree: ldns-keygen $1 failed" >&2; return 1; }
}

# sec_tag BASE: the key tag in a key's base name, without leading zeros.
sec_tag() {
	echo $((10#${1##*+}))
}

# sec_keys ZONE ALG: a KSK and a ZSK for ZONE, kept in SEC_KSK[ZONE] and
# SEC_ZSK[ZONE] (paths without .key/.private), tags in SEC_TAG.
sec_keys() {
	local k z
	k=$(sec_keygen "$1" "$2" -k) && z=$(sec_keygen "$1" "$2") || return 1
	SEC_KSK[$1]=$SEC/keys/$k
	SEC_ZSK[$1]=$SEC/keys/$z
	SEC_TAG[$1]=$(sec_tag "$k")
	SEC_TAG[${1}zsk]=$(sec_tag "$z")
}

# sec_src ZONE N ADDR: on stdout, the start of ZONE's source: SOA, NS ns,
# ns A ADDR, www A 192.0.2.N and AAAA 2001:db8::N.
sec_src() {
	cat <<EOF
\$ORIGIN $1
\$TTL 300
@	IN SOA	ns hostmaster 1 7200 900 1209600 60
@	IN NS	ns
ns	IN A	$3
www	IN A	192.0.2.$2
www	IN AAAA	2001:db8::$2
EOF
}

# sec_sign ZONE OUT [LDNS-SIGNZONE OPTION...]: sign $SEC/<ZONE>.zone with
# ZONE's two keys into OUT, valid from a day ago to 30 days ahead unless
# the options give -i/-e (later ones win).
sec_sign() {
	local zone=$1 out=$2
	shift 2
	ldns-signzone -i "$SEC_INCEPT" -e "$SEC_EXPIRE" "$@" -o "$zone" \
	    -f "$out" "$SEC/$(sec_file "$zone").zone" \
	    "${SEC_KSK[$zone]}" "${SEC_ZSK[$zone]}" ||
	    { echo "sectree: ldns-signzone $zone failed" >&2; return 1; }
}

# sec_ds KEYFILE: the SHA-256 DS of the KSK in KEYFILE, on stdout, as
# ldns-key2ds prints it (owner ttl IN DS ...).
sec_ds() {
	ldns-key2ds -n -2 "$1" ||
	    { echo "sectree: ldns-key2ds $1 failed" >&2; return 1; }
}

# sec_ds300 KEYFILE: the same with TTL 300, for a parent zone.
sec_ds300() {
	sec_ds "$1" | awk '{ $2 = 300; print }'
}

# sec_rrsig_drop OWNER TYPE <IN >OUT: every line but the RRSIGs of OWNER
# covering TYPE (ldns-signzone's layout: owner ttl class RRSIG covered
# ...).  sec_rrsig_only OWNER TYPE: just those.
sec_rrsig_drop() {
	awk -v o="$1" -v t="$2" '!($1 == o && $4 == "RRSIG" && $5 == t)'
}
sec_rrsig_only() {
	awk -v o="$1" -v t="$2" '$1 == o && $4 == "RRSIG" && $5 == t'
}

# sec_rrsig_check FILE OWNER TYPE: FILE has an RRSIG of OWNER covering
# TYPE (so that a broken case cannot silently come out unbroken).
sec_rrsig_check() {
	[ -n "$(sec_rrsig_only "$2" "$3" <"$1")" ] && return 0
	echo "sectree: no RRSIG $3 of $2 in $1" >&2
	return 1
}

# sec_build_leaf: the zones of 127.0.0.62; sub.good.'s DS into good.'s
# source (made later, appended to then).  The unsigned zones go straight
# to the .signed file that NSD serves.
sec_build_leaf() {
	sec_keys sub.good. ECDSAP256SHA256 || return 1
	sec_src sub.good. 9 127.0.0.62 >"$SEC/sub.good.zone"
	sec_sign sub.good. "$SEC/sub.good.signed" || return 1
	sec_ds300 "${SEC_KSK[sub.good.]}.key" >"$SEC/sub.good.ds" || return 1
	sec_src unsigned.optout. 10 127.0.0.62 >"$SEC/unsigned.optout.signed"
	sec_src plain.nsec. 11 127.0.0.62 >"$SEC/plain.nsec.signed"
}

# sec_build_tlds: the zones of 127.0.0.61, signed, broken as each needs;
# their DSes (as the root is to publish them) into $SEC/root.ds.
sec_build_tlds() {
	local z h n=0 s=$SEC/root.ds
	: >"$s"
	for z in good optout nsec expired nokey nosig badnsec badnsec3 alg; do
		n=$((n + 1))
		sec_keys "$z." ECDSAP256SHA256 || return 1
		sec_src "$z." "$n" 127.0.0.61 >"$SEC/$z.zone"
	done

	# good.: NSEC3, no opt-out; a and c around b; a wildcard *.w;
	# sub.good. signed.
	{
		printf 'a\tIN A\t192.0.2.101\nc\tIN A\t192.0.2.103\n'
		printf '*.w\tIN TXT\t"wild"\n'
		printf 'sub\tIN NS\tns.sub\nns.sub\tIN A\t127.0.0.62\n'
		cat "$SEC/sub.good.ds"
	} >>"$SEC/good.zone"
	sec_sign good. "$SEC/good.signed" -n -t 0 || return 1

	# optout.: NSEC3 with the opt-out flag.  ldns-signzone -p still
	# gives the insecure delegation an NSEC3 of its own (which would
	# prove it by a match); so sign without it and add its NS and glue
	# (never signed) afterwards: the NSEC3 chain then has a gap around
	# unsigned.optout., covered by an opt-out NSEC3.
	sec_sign optout. "$SEC/optout.signed" -n -t 0 -p || return 1
	printf 'unsigned.optout.\t300\tIN\tNS\tns.unsigned.optout.\n' \
	    >>"$SEC/optout.signed"
	printf 'ns.unsigned.optout.\t300\tIN\tA\t127.0.0.62\n' \
	    >>"$SEC/optout.signed"

	# nsec.: NSEC; a wildcard *.w; plain.nsec. insecure (NS NSEC RRSIG
	# in its bitmap).
	printf 'a\tIN A\t192.0.2.101\nc\tIN A\t192.0.2.103\n' >>"$SEC/nsec.zone"
	printf '*.w\tIN TXT\t"wild"\n' >>"$SEC/nsec.zone"
	printf 'plain\tIN NS\tns.plain\nns.plain\tIN A\t127.0.0.62\n' \
	    >>"$SEC/nsec.zone"
	sec_sign nsec. "$SEC/nsec.signed" || return 1

	# expired.: signed again with a window that ended 3 days ago; that
	# signing's RRSIG over www.expired. A replaces the good one.
	sec_sign expired. "$SEC/expired.ok" || return 1
	sec_sign expired. "$SEC/expired.old" -i "$SEC_OLD_INCEPT" \
	    -e "$SEC_OLD_EXPIRE" || return 1
	sec_rrsig_check "$SEC/expired.old" www.expired. A || return 1
	{
		sec_rrsig_drop www.expired. A <"$SEC/expired.ok"
		sec_rrsig_only www.expired. A <"$SEC/expired.old"
	} >"$SEC/expired.signed"

	# nokey.: signed as usual; the root gets the DS of a third key,
	# which nokey. does not have.
	sec_sign nokey. "$SEC/nokey.signed" || return 1

	# nosig.: the RRSIG over www.nosig. A removed.
	sec_sign nosig. "$SEC/nosig.ok" || return 1
	sec_rrsig_check "$SEC/nosig.ok" www.nosig. A || return 1
	sec_rrsig_drop www.nosig. A <"$SEC/nosig.ok" >"$SEC/nosig.signed"

	# badnsec.: a, b, c signed, then every record of b removed.
	printf '%s\tIN A\t192.0.2.10%s\n' a 1 b 2 c 3 >>"$SEC/badnsec.zone"
	sec_sign badnsec. "$SEC/badnsec.ok" || return 1
	awk '$1 != "b.badnsec."' "$SEC/badnsec.ok" >"$SEC/badnsec.signed"

	# badnsec3.: the same with NSEC3: b's records and the NSEC3 at its
	# hash removed, so the NSEC3 before it ends at a hash that is gone.
	printf '%s\tIN A\t192.0.2.10%s\n' a 1 b 2 c 3 >>"$SEC/badnsec3.zone"
	sec_sign badnsec3. "$SEC/badnsec3.ok" -n -t 0 || return 1
	h=$(ldns-nsec3-hash -t 0 b.badnsec3.) || return 1
	awk -v h="${h}badnsec3." '$1 != "b.badnsec3." && $1 != h' \
	    "$SEC/badnsec3.ok" >"$SEC/badnsec3.signed"

	# alg.: signed with algorithm 13, then its DNSKEYs and RRSIGs
	# rewritten to say 23; the RRSIGs get the rewritten keys' tags.
	sec_sign alg. "$SEC/alg.ok" || return 1
	sec_alg23 || return 1

	for z in good optout nsec expired nosig badnsec badnsec3; do
		sec_ds300 "${SEC_KSK[$z.]}.key" >>"$s" || return 1
	done
	sec_nokey_ds >>"$s" || return 1
	sec_ds300 "$SEC/alg.ksk23.key" >>"$s" || return 1
}

# sec_nokey_ds: make the extra KSK for nokey. (kept out of its zone) and
# print its DS; its tag in SEC_TAG[nokey.ds].
sec_nokey_ds() {
	local k
	k=$(sec_keygen nokey. ECDSAP256SHA256 -k) || return 1
	SEC_TAG[nokey.ds]=$(sec_tag "$k")
	sec_ds300 "$SEC/keys/$k.key"
}

# sec_alg23: $SEC/alg.ok (signed with algorithm 13) to $SEC/alg.signed
# whose DNSKEYs and RRSIGs say algorithm 23.  The rewritten KSK goes to
# $SEC/alg.ksk23.key for its DS; the new tags of both keys (a key's tag
# covers its algorithm field) replace the old in the RRSIGs and SEC_TAG.
sec_alg23() {
	local oldk=${SEC_TAG[alg.]} oldz=${SEC_TAG[alg.zsk]} newk newz
	# DNSKEY: owner ttl IN DNSKEY flags proto ALG key; RRSIG: owner ttl
	# IN RRSIG covered ALG labels ttl exp inc tag signer sig.  The
	# comments ldns-signzone puts after a DNSKEY (";{id = ...}") go.
	awk '$4 == "DNSKEY" { sub(/[ \t]*;.*/, ""); $7 = 23 }
	     $4 == "RRSIG" { $6 = 23 }
	     { print }' "$SEC/alg.ok" >"$SEC/alg.23" || return 1
	awk '$4 == "DNSKEY" && $5 == 257' "$SEC/alg.23" >"$SEC/alg.ksk23.key"
	awk '$4 == "DNSKEY" && $5 == 256' "$SEC/alg.23" >"$SEC/alg.zsk23.key"
	newk=$(ldns-key2ds -n -2 "$SEC/alg.ksk23.key" | awk '{ print $5 }')
	newz=$(ldns-key2ds -f -n -2 "$SEC/alg.zsk23.key" | awk '{ print $5 }')
	if [ -z "$newk" ] || [ -z "$newz" ]; then
		echo "sectree: no key tags for the algorithm 23 keys of alg." >&2
		return 1
	fi
	awk -v ok="$oldk" -v nk="$newk" -v oz="$oldz" -v nz="$newz" '
	    $4 == "RRSIG" && $11 == ok { $11 = nk }
	    $4 == "RRSIG" && $11 == oz { $11 = nz }
	    { print }' "$SEC/alg.23" >"$SEC/alg.signed" || return 1
	SEC_TAG[alg.]=$newk
	SEC_TAG[alg.zsk]=$newz
}

# sec_build_root: the root zone (RSASHA256, NSEC), the hints and the
# trust anchor files.
sec_build_root() {
	local z
	sec_keys . RSASHA256 || return 1
	{
		cat <<EOF
\$ORIGIN .
\$TTL 300
.		IN SOA	a.root-servers. hostmaster.root-servers. 1 1800 900 604800 60
.		IN NS	a.root-servers.
a.root-servers.	IN A	127.0.0.60
EOF
		for z in good optout nsec expired nokey nosig badnsec badnsec3 alg; do
			printf '%s.\tIN NS\tns.%s.\nns.%s.\tIN A\t127.0.0.61\n' \
			    "$z" "$z" "$z"
		done
		cat "$SEC/root.ds"
	} >"$SEC/root.zone"
	sec_sign . "$SEC/root.signed" || return 1
	SEC_HINTS=$SEC/root.hints
	cat >"$SEC_HINTS" <<EOF
.			3600000	NS	a.root-servers.
a.root-servers.		3600000	A	127.0.0.60
EOF
	SEC_ANCHOR_DS=$SEC/anchor.ds
	sec_ds "${SEC_KSK[.]}.key" >"$SEC_ANCHOR_DS" || return 1
	SEC_ANCHOR_KEY=$SEC/anchor.key
	sed 's/[ \t]*;.*//' "${SEC_KSK[.]}.key" >"$SEC_ANCHOR_KEY"
}

# sec_nsd NAME ADDR ZONE...: write $SEC/nsd-NAME.conf serving each ZONE
# from $SEC/<ZONE>.signed on ADDR port $P, logging to $T/nsd-NAME.log
# (shown by lib_cleanup when a test fails), and start it.
sec_nsd() {
	local name=$1 addr=$2 z conf=$SEC/nsd-$1.conf
	shift 2
	cat >"$conf" <<EOF
server:
	username: ""
	chroot: ""
	database: ""
	zonesdir: "$SEC"
	pidfile: "$SEC/nsd-$name.pid"
	xfrdfile: "$SEC/nsd-$name.xfrd"
	zonelistfile: "$SEC/nsd-$name.zonelist"
	logfile: "$T/nsd-$name.log"
	ip-address: $addr@$P
	server-count: 1
	verbosity: 1
remote-control:
	control-enable: no
EOF
	for z in "$@"; do
		printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' \
		    "$z" "$SEC/$(sec_file "$z").signed" >>"$conf"
	done
	lib_spawn nsd -d -c "$conf"
	SEC_PID[$name]=$!
}

# sec_answers ADDR ZONE...: ADDR answers the SOA of every ZONE.  The
# first alone (a quick failure while the server is not up), then all in
# one dig (+short: one line per SOA, ";;" lines for failures).
sec_answers() {
	local addr=$1 z q=() n
	shift
	for z in "$@"; do
		q+=("$z" SOA)
	done
	n=$(dig @"$addr" -p "$P" +norec +time=1 +tries=1 +short "$1" SOA \
	    2>/dev/null | grep -c -v '^;')
	[ "$n" -eq 1 ] || return 1
	n=$(dig @"$addr" -p "$P" +norec +time=1 +tries=1 +short "${q[@]}" \
	    2>/dev/null | grep -c -v '^;')
	[ "$n" -eq $# ]
}

# sec_settled NAME ADDR ZONE...: NSD NAME has exited, or answers for
# every ZONE (then SEC_UP=1); a condition for wait_until.
sec_settled() {
	local name=$1
	shift
	kill -0 "${SEC_PID[$name]}" 2>/dev/null || return 0
	sec_answers "$@" && SEC_UP=1
}

# sec_wait NAME ADDR ZONE...: wait for NSD NAME to answer for every ZONE;
# 1 (with the end of its log) if it exits or does not within
# LIB_READY_TIMEOUT s.
sec_wait() {
	local name=$1 why
	SEC_UP=0
	wait_until "$LIB_READY_TIMEOUT" sec_settled "$@"
	[ "$SEC_UP" = 1 ] && return 0
	if kill -0 "${SEC_PID[$name]}" 2>/dev/null; then
		why="does not answer within ${LIB_READY_TIMEOUT}s for ${*:3}"
	else
		why="exited"
	fi
	echo "sectree: nsd $name ($2@$P) $why:" >&2
	tail -n 20 "$T/nsd-$name.log" 2>/dev/null | sed 's/^/    /' >&2
	return 1
}

# sectree_start: build the keys and zones in $T/sec, start the three NSD
# instances, return once all answer (1 if one does not).
sectree_start() {
	local now tlds
	SEC=$T/sec
	mkdir -p "$SEC/keys" || return 1
	declare -gA SEC_TAG=() SEC_KSK=() SEC_ZSK=() SEC_PID=()
	now=$(date +%s)
	SEC_INCEPT=$((now - 86400))
	SEC_EXPIRE=$((now + 30 * 86400))
	SEC_OLD_INCEPT=$((now - 30 * 86400))
	SEC_OLD_EXPIRE=$((now - 3 * 86400))
	# children first: a parent is signed with its children's DSes
	sec_build_leaf && sec_build_tlds && sec_build_root || return 1
	tlds=(good. optout. nsec. expired. nokey. nosig. badnsec. badnsec3. alg.)
	sec_nsd root 127.0.0.60 .
	sec_nsd tld 127.0.0.61 "${tlds[@]}"
	sec_nsd leaf 127.0.0.62 sub.good. unsigned.optout. plain.nsec.
	sec_wait root 127.0.0.60 . &&
	    sec_wait tld 127.0.0.61 "${tlds[@]}" &&
	    sec_wait leaf 127.0.0.62 sub.good. unsigned.optout. plain.nsec.
}
