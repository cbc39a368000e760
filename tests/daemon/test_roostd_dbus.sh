#!/bin/bash
# tests/daemon/test_roostd_dbus.sh - roostd as org.freedesktop.resolve1 on
# a private system bus: a real dbus-daemon started here (its
# configuration written by the test, with the policy file roost ships),
# roostd with dbus = yes on it, and real busctl calls shaped as
# resolvectl's (SetLinkDNSEx, SetLinkDomains, SetLinkDefaultRoute,
# RevertLink) and NetworkManager's (SetLinkDNS, SetLinkDomains,
# SetLinkDefaultRoute, SetLinkLLMNR, SetLinkMulticastDNS, SetLinkDNSSEC,
# SetLinkDNSOverTLS, which sets the link's dns-over-tls) on two links
# (bridges: no dummy module everywhere).  Each link becomes a source;
# its domains reach only its mock; a link deleted takes its servers
# with it (rtnetlink); bad calls get the standard D-Bus errors; a
# caller who is not root is refused.
#
# Runs in a private network namespace (lib_init), where the dummy links
# are made: the mocks on 127.0.0.2-4#5300, roostd on 127.0.0.1#5390.
. "$top_srcdir/tests/lib.sh"
lib_init "$@"

: "${ROOST:=$top_builddir/src/roost}"
DEF=127.0.0.2#5300
CORP=127.0.0.3#5300
HOME_=127.0.0.4#5300
P=5390
BUS=$T/bus
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$BUS
CTLDIR=$T/ctl
mkdir "$CTLDIR" && chmod 711 "$T" && chmod 755 "$CTLDIR" || exit 99
CTL=$CTLDIR/control
CONF=$CTLDIR/roostd.conf
DIG="dig +tries=1 +time=3 -p $P @127.0.0.1"

for tool in dbus-daemon busctl; do
	command -v "$tool" >/dev/null || {
		echo "$tool is missing (./bootstrap installs it)" >&2
		exit 99
	}
done

lib_zone corp.example. 198.51.100.1 >"$T/corp.zone"
lib_zone home.arpa. 192.168.1.10 >"$T/home.zone"
lib_zone example.test. 192.0.2.1 >"$T/def.zone"
mock_start def "$DEF" --zone "$T/def.zone" || exit 99
mock_start corp "$CORP" --zone "$T/corp.zone" || exit 99
mock_start home "$HOME_" --zone "$T/home.zone" || exit 99

# --- the bus: a system bus of our own, with roost's policy ----------------

# the shipped policy names roostd's packaged user; the test's roostd
# runs as $ROOSTD_USER, given the same rights here
sed "s/user=\"roost\"/user=\"$ROOSTD_USER\"/" \
    "$top_srcdir/etc/dbus-1/roostd-resolve1.conf" >"$T/roostd-resolve1.conf"
cat >"$T/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$BUS</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <policy user="root">
    <allow own="*"/>
  </policy>
  <include>$T/roostd-resolve1.conf</include>
</busconfig>
EOF
lib_spawn dbus-daemon --nofork --nopidfile --config-file="$T/bus.conf" \
    2>"$T/bus.log"
wait_until 10 test -S "$BUS" || {
	echo "dbus-daemon did not start:" >&2
	cat "$T/bus.log" >&2
	exit 99
}

bus() { busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" "$@"; }
mgr() { # mgr METHOD SIGNATURE ARG...: a call on resolve1's Manager
	bus call org.freedesktop.resolve1 /org/freedesktop/resolve1 \
	    org.freedesktop.resolve1.Manager "$@"
}

# --- the links: two bridges stand in for a tunnel and a Wi-Fi -----------

ip link add vpn0 type bridge && ip link add wlan0 type bridge || exit 99
ifindex() { ip -o link show "$1" | cut -d: -f1; }
VPN=$(ifindex vpn0)
WLAN=$(ifindex wlan0)

cat >"$CONF" <<EOF
upstream = $DEF
upstream-timeout = 500
control-socket = $CTL
dbus = yes
EOF
chmod 644 "$CONF"
roostd_start r "127.0.0.1#$P" -c "$CONF" --control-socket "$CTL" || exit 99
roost() { "$ROOST" --control "$CTL" "$@"; }
seen() { mock_counts "$1" | awk '{ print $1, $2 }' | sort -u | tr '\n' ' '; }
answer() { $DIG +short "$@"; }
owned() { bus status org.freedesktop.resolve1 >/dev/null 2>&1; }

check "roostd owns org.freedesktop.resolve1" wait_until 10 owned

# --- resolvectl's calls: dns, domain, default-route ------------------------

# resolvectl dns vpn0 127.0.0.3:5300
out=$(mgr SetLinkDNSEx 'ia(iayqs)' "$VPN" 1 2 4 127 0 0 3 5300 "" 2>&1)
check_eq "SetLinkDNSEx: accepted" "" "$out"
# resolvectl domain vpn0 '~corp.example'
out=$(mgr SetLinkDomains 'ia(sb)' "$VPN" 1 corp.example true 2>&1)
check_eq "SetLinkDomains: accepted" "" "$out"
# resolvectl default-route vpn0 false
out=$(mgr SetLinkDefaultRoute 'ib' "$VPN" false 2>&1)
check_eq "SetLinkDefaultRoute: accepted" "" "$out"
json=$(roost upstream --json)
check_eq "vpn0: a source named after the link, from D-Bus" dbus \
    "$(jq -r '.sources[] | select(.name == "vpn0") | .origin' <<<"$json")"
check_eq "vpn0: its server and routing domain" \
    "[\"$CORP\"] [\"~corp.example.\"] false" \
    "$(jq -r '.sources[] | select(.name == "vpn0") | "\(.servers | tojson) \(.domains | tojson) \(.default_route)"' <<<"$json")"
check_eq "vpn0: corp.example from the link's server" 198.51.100.1 \
    "$(answer www.corp.example A)"
check_eq "vpn0: example.test from the configuration's" 192.0.2.1 \
    "$(answer www.example.test A)"
check_eq "vpn0: the link's server saw only its domain" \
    "www.corp.example. A " "$(seen corp)"
check_eq "vpn0: the default saw no corp.example" "www.example.test. A " \
    "$(seen def)"

# --- NetworkManager's calls for a Wi-Fi with a search domain --------------

for call in "SetLinkDNS ia(iay) $WLAN 1 2 4 127 0 0 4" \
    "SetLinkDomains ia(sb) $WLAN 1 home.arpa false" \
    "SetLinkDefaultRoute ib $WLAN true" \
    "SetLinkLLMNR is $WLAN yes" \
    "SetLinkMulticastDNS is $WLAN no" \
    "SetLinkDNSSEC is $WLAN allow-downgrade" \
    "SetLinkDNSOverTLS is $WLAN no" \
    "SetLinkDNSSECNegativeTrustAnchors ias $WLAN 1 corp.example"; do
	# shellcheck disable=SC2086 # the words are the call's arguments
	out=$(mgr $call 2>&1)
	check_eq "NetworkManager's ${call%% *}: accepted" "" "$out"
done
check_eq "wlan0: port 0 is 53" '["127.0.0.4#53"]' \
    "$(roost upstream --json | jq -c '.sources[] | select(.name == "wlan0") | .servers')"
# the mock listens on 5300: set it as resolvectl would, with the port
mgr SetLinkDNSEx 'ia(iayqs)' "$WLAN" 1 2 4 127 0 0 4 5300 "" >/dev/null
mock_reset def
check_eq "wlan0: home.arpa from the Wi-Fi's server" 192.168.1.10 \
    "$(answer www.home.arpa A)"
json=$(roost route www.example.test --json)
check_eq "wlan0: a default-route link shares the names no domain claims" \
    '["roostd.conf","wlan0"]' "$(jq -c .sources <<<"$json")"
check_eq "wlan0: the default route has both servers" \
    "[\"$DEF\",\"$HOME_\"]" "$(jq -c '[.servers[].address] | sort' <<<"$json")"
check_match "the accepted per-link modes are logged" \
    'SetLinkDNSSEC on wlan0' "$(cat "$T/r.log")"

# DNS over TLS per link, as `resolvectl dnsovertls wlan0 yes` and `resolvectl
# dns wlan0 127.0.0.4#dns.home.example` set it (the servers are not asked)
srv() { roost upstream --json | jq -c ".sources[] | select(.name == \"$1\") |
    [.dns_over_tls, .servers]"; }
mgr SetLinkDNSEx 'ia(iayqs)' "$WLAN" 1 2 4 127 0 0 4 0 dns.home.example \
    >/dev/null
out=$(mgr SetLinkDNSOverTLS is "$WLAN" yes 2>&1)
check_eq "SetLinkDNSOverTLS yes: accepted" "" "$out"
check_eq "wlan0: strict, port 853, the server's name kept" \
    '["strict",["127.0.0.4#853#dns.home.example"]]' "$(srv wlan0)"
mgr SetLinkDNSOverTLS is "$WLAN" "" >/dev/null
check_eq "SetLinkDNSOverTLS '': roostd.conf's dns-over-tls (no)" \
    '["default",["127.0.0.4#53#dns.home.example"]]' "$(srv wlan0)"
out=$(mgr SetLinkDNSOverTLS is "$WLAN" always 2>&1)
check_match "SetLinkDNSOverTLS always: refused" \
    'Invalid DNSOverTLS setting' "$out"
mgr SetLinkDNSEx 'ia(iayqs)' "$WLAN" 1 2 4 127 0 0 4 5300 "" >/dev/null
mgr SetLinkDNSOverTLS is "$WLAN" no >/dev/null

# --- errors: as resolved gives them ---------------------------------------

out=$(mgr ResolveHostname 'isit' 0 www.example.test 0 0 2>&1)
check_match "a method not served: UnknownMethod" \
    'Unknown method|UnknownMethod' "$out"
out=$(mgr SetLinkDNS 'ia(iay)' "$VPN" 1 7 4 127 0 0 3 2>&1)
check_match "a bad address family: refused, says why" \
    'unknown address family 7' "$out"
out=$(mgr SetLinkDNS 'ia(iay)' "$VPN" 1 2 3 127 0 0 2>&1)
check_match "a short address: refused, says why" \
    'an IPv4 address has 4 octets, not 3' "$out"
out=$(mgr SetLinkDNS 'ia(iay)' 99999 1 2 4 127 0 0 3 2>&1)
check_match "a link that is not there: NoSuchLink" 'Link 99999 not known' \
    "$out"
out=$(mgr SetLinkDNSEx 'ia(iayqs)' "$VPN" 1 2 4 127 0 0 1 "$P" "" 2>&1)
check_match "roostd itself as a server: refused" 'roostd itself' "$out"
check_eq "after the errors: vpn0 as it was" "[\"$CORP\"]" \
    "$(roost upstream --json | jq -c '.sources[] | select(.name == "vpn0") | .servers')"
if lib_real_root; then
	out=$(setpriv --reuid=1 --regid=1 --clear-groups \
	    busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" call \
	    org.freedesktop.resolve1 /org/freedesktop/resolve1 \
	    org.freedesktop.resolve1.Manager RevertLink i "$VPN" 2>&1)
	check_match "a caller who is not root: AccessDenied" \
	    'Access denied|AccessDenied|ermission' "$out"
	check_eq "and vpn0 is still there" '["vpn0"]' \
	    "$(roost route www.corp.example --json | jq -c .sources)"
else
	skip "a caller who is not root refused" \
	    "the real root, to call as another user"
fi

# --- FlushCaches, RevertLink, a link that goes ----------------------------

check_eq "FlushCaches: accepted" "" "$(mgr FlushCaches 2>&1)"
check_eq "FlushCaches: the cache is empty" "" "$(roost dump | tail -n +2)"
check_eq "ResetServerFeatures: accepted" "" "$(mgr ResetServerFeatures 2>&1)"
check_eq "RevertLink wlan0: accepted" "" "$(mgr RevertLink i "$WLAN" 2>&1)"
check_eq "RevertLink wlan0: its source is gone" '["roostd.conf","vpn0"]' \
    "$(roost upstream --json | jq -c '[.sources[].name]')"
ip link del vpn0
gone() { [ "$(roost route www.corp.example --json | jq -c .sources)" = \
    '["roostd.conf"]' ]; }
check "vpn0 deleted: its servers go with it" wait_until 5 gone
check_match "vpn0 deleted: logged" 'link.*vpn0.*gone|vpn0.*removed' \
    "$(cat "$T/r.log")"
mock_reset corp
mock_reset def
$DIG www2.corp.example A >/dev/null
check_eq "vpn0 deleted: corp.example asked of the default again" 1 \
    "$(mock_count def www2.corp.example. A udp)"
check_eq "vpn0 deleted: the link's server not asked" "" "$(seen corp)"

# --- a laptop at boot: no server yet but what D-Bus will give -------------

roostd_stop r
check_eq "roostd stops with exit 0" 0 $?
: >"$T/empty-resolv.conf"
chmod 644 "$T/empty-resolv.conf"
cat >"$CONF" <<EOF
resolv-conf = $T/empty-resolv.conf
control-socket = $CTL
dbus = yes
EOF
roostd_start r2 "127.0.0.1#$P" -c "$CONF" --control-socket "$CTL"
check_eq "no server at all: roostd starts all the same" 0 $?
check_match "no server: says so, and what it does meanwhile" \
    'no upstream yet .*names no nameserver.*SERVFAIL until D-Bus' \
    "$(cat "$T/r2.log")"
check "no server: roostd takes the name again" wait_until 10 owned
out=$($DIG www.example.test A)
check_match "no server: SERVFAIL at once" 'status: SERVFAIL' "$out"
check_match "no server: with EDE 23, said why" \
    'EDE: 23 \(Network Error\).*no upstream could be reached' "$out"
mgr SetLinkDNSEx 'ia(iayqs)' "$WLAN" 1 2 4 127 0 0 2 5300 "" >/dev/null
check_eq "the Wi-Fi's server given over D-Bus: answered" 192.0.2.1 \
    "$(answer www2.example.test A)"

finish
