#!/bin/bash
# tests/daemon/test_roostd_networkd.sh - roostd following systemd-networkd's
# links through the state files networkd writes for systemd-resolved
# (networkd = yes).
#
# (a) Always: the test writes the files as networkd 252 does (a
# temporary file renamed into place, the keys and the DNS= syntax of
# link_save()) into a folder of its own (networkd-state-dir), for
# bridges it makes in its private network namespace (no dummy module
# everywhere).  Each managed link with servers becomes a source named
# after its interface, origin networkd; its route-only domain reaches
# only its mock; a search-domain link with the default route shares the
# names no domain claims; an unmanaged link and a link without servers
# are no sources; a rewritten file changes the source, a deleted one
# removes it; junk entries are skipped with a warning; the folder may
# appear after roostd started; with no upstream at all roostd starts
# and waits for a link.
#
# (b) Where the machine allows it (the real root, systemd-nspawn works:
# as test_roostd_nspawn.sh), the real thing: the machine's systemd booted
# in systemd-nspawn --volatile=yes --private-network with
# systemd-networkd, a .netdev making a bridge corp0 and a .network giving
# it DNS=127.0.0.3:5300 and Domains=~corp.example; roostd from the build
# tree as roostd.service with networkd = yes; the mocks in the
# container's network namespace.  Skipped (the checks said so) otherwise.
#
# The mocks: 127.0.0.2-4#5300; roostd in (a) on 127.0.0.1#5391.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

: "${ROOST:=$top_builddir/src/roost}"
DEF=127.0.0.2#5300
CORP=127.0.0.3#5300
HOME_=127.0.0.4#5300
P=5391
DIG="dig +tries=1 +time=3 -p $P @127.0.0.1"
# roostd, once it runs as nobody, must reach the control socket and the
# state files: $T is root's alone otherwise
chmod 711 "$T" || exit 99
CTLDIR=$T/ctl
NETIF=$T/netif
LINKS=$NETIF/links
mkdir -m 755 "$CTLDIR" "$NETIF" || exit 99
CTL=$CTLDIR/control
CONF=$CTLDIR/roostd.conf

lib_zone corp.example. 198.51.100.1 >"$T/corp.zone"
lib_zone home.arpa. 192.168.1.10 >"$T/home.zone"
lib_zone example.test. 192.0.2.1 >"$T/def.zone"
mock_start def "$DEF" --zone "$T/def.zone" || exit 99
mock_start corp "$CORP" --zone "$T/corp.zone" || exit 99
mock_start home "$HOME_" --zone "$T/home.zone" || exit 99

# state IFINDEX ADMIN_STATE [KEY=VALUE...]: link IFINDEX's state file as
# networkd's link_save() writes it (the keys resolved does not read
# included), made whole in a temporary file and renamed over the old one
state() {
	local ifindex=$1 admin=$2 tmp
	shift 2
	tmp=$LINKS/.#${ifindex}XXXXXX
	{
		echo "# This is private data. Do not parse."
		echo "ADMIN_STATE=$admin"
		echo "OPER_STATE=no-carrier"
		echo "CARRIER_STATE=no-carrier"
		echo "ADDRESS_STATE=off"
		echo "IPV4_ADDRESS_STATE=off"
		echo "IPV6_ADDRESS_STATE=off"
		echo "ONLINE_STATE=offline"
		echo "REQUIRED_FOR_ONLINE=yes"
		echo "REQUIRED_OPER_STATE_FOR_ONLINE=degraded:routable"
		echo "REQUIRED_FAMILY_FOR_ONLINE=any"
		echo "ACTIVATION_POLICY=up"
		echo "NETWORK_FILE=/etc/systemd/network/50-test.network"
		printf '%s\n' "$@"
		echo "LLMNR=yes"
		echo "MDNS=no"
	} >"$tmp" && chmod 644 "$tmp" && mv "$tmp" "$LINKS/$ifindex"
}

# --- the links: bridges stand in for a tunnel, a Wi-Fi and a LAN -----------

ip link add vpn0 type bridge && ip link add wlan0 type bridge &&
    ip link add lan0 type bridge || exit 99
ifindex() { ip -o link show "$1" | cut -d: -f1; }
VPN=$(ifindex vpn0)
WLAN=$(ifindex wlan0)
LAN=$(ifindex lan0)

cat >"$CONF" <<EOF
upstream = $DEF
upstream-timeout = 500
control-socket = $CTL
networkd = yes
networkd-state-dir = $LINKS
EOF
chmod 644 "$CONF"
roostd_start r "127.0.0.1#$P" -c "$CONF" --control-socket "$CTL" || exit 99
roost() { "$ROOST" --control "$CTL" "$@"; }
seen() { mock_counts "$1" | awk '{ print $1, $2 }' | sort -u | tr '\n' ' '; }
answer() { $DIG +short "$@"; }
names() { roost upstream --json | jq -c '[.sources[].name]'; }
# has NAMES: roost upstream lists exactly these sources
has() { [ "$(names)" = "$1" ]; }
src() { roost upstream --json | jq -c ".sources[] | select(.name == \"$1\")"; }

check_match "the folder not there yet: roostd waits for it" \
    "networkd: $LINKS is not there: waiting for it" "$(cat "$T/r.log")"
check_eq "no link yet: the configuration's source only" '["roostd.conf"]' \
    "$(names)"
mkdir -m 755 "$LINKS" || exit 99

# --- a VPN: route-only domain, no default route ------------------------------

state "$VPN" configured "DNS=127.0.0.3:5300" "NTP=" "DOMAINS=" \
    "ROUTE_DOMAINS=corp.example" "DNS_DEFAULT_ROUTE=no"
check "vpn0's file: a source" wait_until 5 has '["roostd.conf","vpn0"]'
check_eq "vpn0: origin networkd, its server, its routing domain" \
    "networkd [\"$CORP\"] [\"~corp.example.\"] false" \
    "$(src vpn0 | jq -r '"\(.origin) \(.servers | tojson) \(.domains | tojson) \(.default_route)"')"
check_match "roost upstream says where it came from" \
    'Source vpn0 \(origin networkd\)' "$(roost upstream)"
check_eq "vpn0: corp.example from the link's server" 198.51.100.1 \
    "$(answer www.corp.example A)"
check_eq "vpn0: example.test from the configuration's" 192.0.2.1 \
    "$(answer www.example.test A)"
check_eq "vpn0: the link's server saw only its domain" \
    "www.corp.example. A " "$(seen corp)"
check_eq "vpn0: the default saw no corp.example" "www.example.test. A " \
    "$(seen def)"

# --- a Wi-Fi: a search domain, the default route (resolved's rule) ----------

state "$WLAN" configured "DNS=127.0.0.4:5300" "DOMAINS=home.arpa" \
    "ROUTE_DOMAINS="
check "wlan0's file: a source" wait_until 5 has '["roostd.conf","vpn0","wlan0"]'
check_eq "wlan0: a search domain, default route by resolved's rule" \
    "[\"$HOME_\"] [\"home.arpa.\"] true" \
    "$(src wlan0 | jq -r '"\(.servers | tojson) \(.domains | tojson) \(.default_route)"')"
check_eq "wlan0: home.arpa from the Wi-Fi's server" 192.168.1.10 \
    "$(answer www.home.arpa A)"
check_eq "wlan0: a default-route link shares the names no domain claims" \
    '["roostd.conf","wlan0"]' \
    "$(roost route www.example.test --json | jq -c .sources)"

# --- DNS over TLS, as networkd writes DNSOverTLS= and DNS=ADDR#NAME ------------

state "$WLAN" configured "DNS=127.0.0.4#dns.home.example 127.0.0.5:5353" \
    "DOMAINS=home.arpa" "DNS_OVER_TLS=yes"
dot_is() { [ "$(src "$1" | jq -r .dns_over_tls)" = "$2" ]; }
check "wlan0 over TLS: rewritten, strict" wait_until 5 dot_is wlan0 strict
check_eq "wlan0 over TLS: port 853 and the name, a given port kept" \
    '["127.0.0.4#853#dns.home.example","127.0.0.5#5353"]' \
    "$(src wlan0 | jq -c .servers)"
state "$WLAN" configured "DNS=127.0.0.4:5300" "DOMAINS=home.arpa"
check "wlan0 back to roostd.conf's policy" wait_until 5 dot_is wlan0 default

# --- links that are no sources -------------------------------------------------

state "$LAN" unmanaged "DNS=127.0.0.2:5300"
state 4242 configured "DNS="
state "$WLAN" pending "DNS=127.0.0.4:5300" "DOMAINS=home.arpa"
check "wlan0 pending (not networkd's yet): its source goes" \
    wait_until 5 has '["roostd.conf","vpn0"]'
check_eq "an unmanaged link, a link without servers: no sources" \
    '["roostd.conf","vpn0"]' "$(names)"

# --- rewritten, with junk; deleted ------------------------------------------------

state "$VPN" configured \
    "DNS=bogus 127.0.0.3:5300 [fe80::1]:53%999#dns.example" \
    "ROUTE_DOMAINS=corp.example 168.192.in-addr.arpa" "DNS_DEFAULT_ROUTE=no"
two() {
	[ "$(src vpn0 | jq -c .domains)" = \
	    '["~corp.example.","~168.192.in-addr.arpa."]' ]
}
check "vpn0 rewritten: its new domains" wait_until 5 two
check_match "the junk entries: skipped, said" \
    "networkd: $LINKS/$VPN: 2 entries skipped: DNS: \"bogus\": not a numeric address" \
    "$(cat "$T/r.log")"
# roostd itself as a server is refused by the merge: the link is kept as
# it was, and the warning says why
state "$VPN" configured "DNS=127.0.0.1:$P" "ROUTE_DOMAINS=corp.example"
refused() { grep -q "networkd: link $VPN (vpn0): .*roostd itself" "$T/r.log"; }
check "roostd itself as vpn0's server: refused, said why" wait_until 5 refused
check_eq "refused: vpn0 as it was" "[\"$CORP\"]" "$(src vpn0 | jq -c .servers)"
rm "$LINKS/$VPN"
check "vpn0's file deleted: its source goes" wait_until 5 has '["roostd.conf"]'
check_match "vpn0 removed: logged" "routing: source vpn0 \\(link $VPN\\) removed" \
    "$(cat "$T/r.log")"
mock_reset corp
mock_reset def
$DIG www2.corp.example A >/dev/null
check_eq "vpn0 gone: corp.example asked of the default again" 1 \
    "$(mock_count def www2.corp.example. A udp)"
check_eq "vpn0 gone: the link's server not asked" "" "$(seen corp)"

roostd_stop r
check_eq "roostd stops with exit 0" 0 $?

# --- a machine at boot: no server yet but what networkd will give ----------------

: >"$T/empty-resolv.conf"
chmod 644 "$T/empty-resolv.conf"
cat >"$CONF" <<EOF
resolv-conf = $T/empty-resolv.conf
control-socket = $CTL
networkd = yes
networkd-state-dir = $LINKS
EOF
roostd_start r2 "127.0.0.1#$P" -c "$CONF" --control-socket "$CTL"
check_eq "no server at all: roostd starts all the same" 0 $?
check_match "no server: says so, and what it waits for" \
    'no upstream yet .*SERVFAIL until systemd-networkd or' \
    "$(cat "$T/r2.log")"
check_match "no server: SERVFAIL at once" 'status: SERVFAIL' \
    "$($DIG www.example.test A)"
state "$WLAN" configured "DNS=127.0.0.2:5300" "DNS_DEFAULT_ROUTE=yes"
check "the LAN's server from networkd: a source" \
    wait_until 5 has '["resolv.conf","wlan0"]'
check_eq "the LAN's server from networkd: answered" 192.0.2.1 \
    "$(answer www2.example.test A)"
roostd_stop r2
check_eq "roostd stops with exit 0 (no upstream at start)" 0 $?

# --- (b) systemd-networkd itself, in a container ----------------------------------

# What test_roostd_nspawn.sh needs, asked the same way; a skipped check
# says what is missing (part (a) has run).
SYSTEMD=/lib/systemd/systemd
NETWORKD=/lib/systemd/systemd-networkd
UNIT=$top_builddir/systemd/roostd.service
CT_BUILD=/opt/roost-build	# the build tree in the container, read-only
why=
if ! lib_real_root; then
	why="the machine's real root to boot a container"
elif ! command -v systemd-nspawn >/dev/null ||
    ! command -v nsenter >/dev/null; then
	why="systemd-nspawn and nsenter (systemd-container, util-linux)"
elif [ ! -x "$SYSTEMD" ] || [ ! -x "$NETWORKD" ]; then
	why="$SYSTEMD and $NETWORKD to boot in the container"
elif [ ! -f "$UNIT" ]; then
	why="$UNIT (make)"
elif ! out=$(timeout 30 systemd-nspawn -q -D / --volatile=yes \
    --private-network --register=no --keep-unit -- /usr/bin/true \
    </dev/null 2>&1); then
	why="systemd-nspawn to run a container here; it says: $(printf '%s\n' "$out" | tail -n 3 | tr '\n' ' ')"
fi
if [ -n "$why" ]; then
	skip "a real systemd-networkd in a container" "$why"
	finish
fi

# the container's /etc/systemd/system, /etc/systemd/network, /etc/roost
CT=$T/ct
mkdir -p "$CT/system/roostd.service.d" "$CT/network" "$CT/roost" || exit 99
chmod 755 "$CT" "$CT/system" "$CT/system/roostd.service.d" "$CT/network" \
    "$CT/roost"
cp "$UNIT" "$top_srcdir/systemd/roostd.socket" "$CT/system/" || exit 99
cat >"$CT/system/roostd.service.d/test.conf" <<EOF || exit 99
# test_roostd_networkd.sh: the build tree's roostd (no LeakSanitizer:
# SystemCallFilter= forbids its ptrace(); the other tests look for leaks)
[Service]
ExecStart=
ExecStart=$CT_BUILD/src/roostd -c /etc/roost/roostd.conf
Environment=ASAN_OPTIONS=detect_leaks=0
EOF
cat >"$CT/system/roosttest.target" <<EOF || exit 99
[Unit]
Description=test_roostd_networkd.sh: the basic system and systemd-networkd
Requires=basic.target systemd-networkd.service
After=basic.target systemd-networkd.service
EOF
cat >"$CT/network/50-corp0.netdev" <<EOF || exit 99
[NetDev]
Name=corp0
Kind=bridge
EOF
cat >"$CT/network/50-corp0.network" <<EOF || exit 99
[Match]
Name=corp0

[Network]
ConfigureWithoutCarrier=yes
DNS=127.0.0.3:5300
Domains=~corp.example
EOF
cat >"$CT/roost/roostd.conf" <<EOF || exit 99
# written by test_roostd_networkd.sh (the sockets come from systemd)
upstream = $DEF
networkd = yes
log-level = info
EOF
chmod 644 "$CT"/network/* "$CT/roost/roostd.conf"

NSPAWN_PID=
CT_PID=		# the container's systemd, as the host sees it
ct_cleanup() {
	local rc=$? end
	if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
		kill -TERM "$NSPAWN_PID"	# nspawn powers the container off
		end=$((SECONDS + 10))
		while kill -0 "$NSPAWN_PID" 2>/dev/null &&
		    [ "$SECONDS" -lt "$end" ]; do
			sleep 0.1	# polling for exit, with a deadline
		done
	fi
	if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
		# killing its PID 1 kills all of the container
		[ -n "$CT_PID" ] && kill -KILL "$CT_PID" 2>/dev/null
		kill -KILL "$NSPAWN_PID" 2>/dev/null
	fi
	[ -n "$NSPAWN_PID" ] && wait "$NSPAWN_PID" 2>/dev/null
	(exit "$rc")
	lib_cleanup
}
trap ct_cleanup EXIT
systemd-nspawn -q -D / --volatile=yes --private-network --register=no \
    --keep-unit \
    --bind-ro="$CT/system:/etc/systemd/system" \
    --bind-ro="$CT/network:/etc/systemd/network" \
    --bind-ro="$CT/roost:/etc/roost" \
    --bind-ro="$top_builddir:$CT_BUILD" \
    -b -- --unit=roosttest.target systemd.firstboot=off \
    </dev/null >"$T/nspawn.log" 2>&1 &
NSPAWN_PID=$!
# ct_find: set CT_PID, nspawn's child running systemd (from /proc, with
# builtins only)
ct_find() {
	local p k v ppid
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		ppid=
		while read -r k v; do
			[ "$k" = PPid: ] && { ppid=$v; break; }
		done 2>/dev/null <"/proc/$p/status"
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
wait_until 30 booted
state=$(ctl is-system-running 2>&1)
if [ "$state" != running ] && [ "$state" != degraded ]; then
	echo "the container's systemd did not boot within 30 s ($state):" >&2
	tail -n 40 "$T/nspawn.log" >&2
	exit 99
fi
echo "# the container booted ($state), its systemd is pid $CT_PID"
# journal: roostd's and networkd's, kept in $T/journal.log for a failure
journal() {
	in_ct journalctl -q --no-pager -o cat -u roostd.service \
	    -u systemd-networkd.service >"$T/journal.log" 2>&1
	cat "$T/journal.log"
}
check_eq "systemd-networkd runs in the container" active \
    "$(ctl is-active systemd-networkd.service)"
made() { in_ct ip -o link show corp0 >/dev/null 2>&1; }
wait_until 10 made
CORP0=$(in_ct ip -o link show corp0 | cut -d: -f1)
check_match "networkd made the bridge corp0 from the .netdev" '^[0-9]+$' \
    "$CORP0"
FILE=/run/systemd/netif/links/$CORP0
written() { in_ct grep -q '^DNS=.' "$FILE" 2>/dev/null; }
wait_until 20 written
keys=$(in_ct grep -E \
    '^(ADMIN_STATE|DNS|DOMAINS|ROUTE_DOMAINS|DNS_DEFAULT_ROUTE)=' "$FILE" 2>&1)
printf '%s\n' "$keys" | sed "s|^|# networkd's $FILE: |"
check_match "networkd writes the server with its port" \
    '^DNS=127\.0\.0\.3:5300$' "$keys"
check_match "networkd writes ~corp.example as a route domain" \
    '^ROUTE_DOMAINS=corp\.example$' "$keys"

# the mocks and probes run in the container's network namespace only
MOCKDNS_WRAPPER="nsenter -t $CT_PID -n -- $MOCKDNS_WRAPPER"
cat >"$T/dnsprobe" <<EOF || exit 99
#!/bin/sh
exec nsenter -t $CT_PID -n -- "$DNSPROBE" "\$@"
EOF
chmod 755 "$T/dnsprobe"
DNSPROBE=$T/dnsprobe
mock_start ct_def "$DEF" --zone "$T/def.zone" || exit 99
mock_start ct_corp "$CORP" --zone "$T/corp.zone" || exit 99
check "systemctl start roostd.service" ctl start roostd.service
ct_roost() { in_ct "$CT_BUILD/src/roost" "$@"; }
ct_has() {
	ct_roost upstream --json 2>/dev/null |
	    jq -e '.sources[] | select(.name == "corp0")' >/dev/null
}
check "roostd in the container: a source for corp0" wait_until 10 ct_has
check_eq "corp0: origin networkd, networkd's server and domain" \
    "networkd [\"$CORP\"] [\"~corp.example.\"] false" \
    "$(ct_roost upstream --json | jq -r '.sources[] | select(.name == "corp0") | "\(.origin) \(.servers | tojson) \(.domains | tojson) \(.default_route)"')"
out=$("$DNSPROBE" -t 5000 127.0.0.1#53 query www.corp.example A)
check_match "corp.example through roostd on 127.0.0.1:53" \
    'an www\.corp\.example.* A 198\.51\.100\.1' "$out"
out=$("$DNSPROBE" -t 5000 127.0.0.1#53 query www.example.test A)
check_match "example.test through roostd too" \
    'an www\.example\.test.* A 192\.0\.2\.1' "$out"
check_eq "corp0's server was asked corp.example only" "www.corp.example. A " \
    "$(seen ct_corp)"
check_eq "the default server was not asked corp.example" \
    "www.example.test. A " "$(seen ct_def)"
in_ct ip link del corp0
ct_gone() { ! ct_has; }
check "corp0 deleted: networkd drops its file, roostd its source" \
    wait_until 10 ct_gone
journal >/dev/null

finish
