# tests/trace/tree.sh - start the mock DNS tree of tests/trace (bash, to
# be sourced after tests/lib.sh's lib_init).  See zones/*.zone for who
# serves what; every server listens on port $P of its 127.0.0.x address
# (and the first three also on fd53::x, added to lo here).
#
# tree_start: start every server; returns 1 if one did not get ready.

Z=$top_srcdir/tests/trace/zones
P=${P:-5310}
HINTS=$Z/root.hints

tree_start() {
	local a
	for a in 10 11 12; do
		ip -6 addr add "fd53::$a/128" dev lo nodad || return 1
	done
	mock_start root 127.0.0.10#$P --listen "[fd53::10]:$P" --auth \
	    --zone "$Z/root.zone" || return 1
	mock_start test 127.0.0.11#$P --listen "[fd53::11]:$P" --auth \
	    --zone "$Z/test.zone" || return 1
	mock_start example 127.0.0.12#$P --listen "[fd53::12]:$P" --auth \
	    --zone "$Z/example.test.zone" --zone "$Z/reverse.zone" \
	    --zone "$Z/reverse6.zone" || return 1
	mock_start alt 127.0.0.13#$P --auth --zone "$Z/alt.zone" || return 1
	mock_start hosting 127.0.0.14#$P --auth --zone "$Z/hosting.alt.zone" \
	    --zone "$Z/gl.test.zone" || return 1
	# flaky.test.: a drops, b is lame (serves only the root), c fails
	mock_start flaky-a 127.0.0.20#$P --auth --zone "$Z/flaky.test.zone" \
	    --rule '* * drop' || return 1
	mock_start flaky-b 127.0.0.21#$P --auth --zone "$Z/root.zone" ||
	    return 1
	mock_start flaky-c 127.0.0.22#$P --auth --zone "$Z/flaky.test.zone" \
	    --rule '* * rcode=servfail' || return 1
	mock_start flaky-d 127.0.0.23#$P --auth --zone "$Z/flaky.test.zone" ||
	    return 1
	# dead.test.: both servers drop everything
	mock_start dead-a 127.0.0.24#$P --auth --zone "$Z/test.zone" \
	    --rule '* * drop' || return 1
	mock_start dead-b 127.0.0.25#$P --auth --zone "$Z/test.zone" \
	    --rule '* * drop' || return 1
	mock_start deep 127.0.0.26#$P --auth --zone "$Z/deep.test.zone" ||
	    return 1
	mock_start deep-c 127.0.0.27#$P --auth --zone "$Z/c.deep.test.zone" ||
	    return 1
	mock_start deep-b 127.0.0.28#$P --auth \
	    --zone "$Z/b.c.deep.test.zone" || return 1
	# chk.test.: servers that disagree (roost check)
	mock_start chk-a 127.0.0.40#$P --auth --zone "$Z/chk.test.zone" ||
	    return 1
	mock_start chk-b 127.0.0.41#$P --auth --zone "$Z/chk.test.old.zone" \
	    --rule '* * transport=tcp drop' || return 1
	mock_start chk-c 127.0.0.42#$P --auth --zone "$Z/root.zone" || return 1
	mock_start chk-d 127.0.0.44#$P --auth --zone "$Z/chk.test.zone" ||
	    return 1
	mock_start arpa 127.0.0.30#$P --auth --zone "$Z/arpa.zone" || return 1
	mock_start in-addr 127.0.0.31#$P --auth --zone "$Z/in-addr.arpa.zone" \
	    --zone "$Z/ip6.arpa.zone" || return 1
}
