/*
 * tests/unit/test_netif.c - systemd-networkd's link state files: the
 * parser on files shaped as networkd 252 writes them (IPv4, IPv6, ports,
 * %IFINDEX, #SERVERNAME, search and route domains, DNS_DEFAULT_ROUTE,
 * unmanaged links) and on junk; the words it gives source_set_field();
 * and the folder watch on a real inotify in a temporary folder, its
 * settle time and retry on the loop's fake clock: a file created,
 * rewritten by rename (networkd's way), rewritten unchanged, losing its
 * servers, deleted; the folder missing, appearing, going and coming
 * back; its parent missing too.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"
#include "netif.h"
#include "source.h"

/* --- the parser ---------------------------------------------------------- */

static struct netif_link link_;
static char words_[NETIF_NWORDS][NETIF_WORD_MAX];
static char note_[256];

/* Parses text as link ifindex's file; returns the entries skipped. */
static int
parse(const char *text, int ifindex)
{
	int n = netif_parse(text, strlen(text), ifindex, &link_, note_,
	    sizeof(note_));

	netif_words(&link_, words_);
	return n;
}

static void
test_netif_parses_ipv4_servers_and_domains(void **state)
{
	(void)state;
	assert_int_equal(
	    parse("# This is private data. Do not parse.\n"
		  "ADMIN_STATE=configured\n"
		  "OPER_STATE=routable\n"
		  "NETWORK_FILE=/etc/systemd/network/10-corp.network\n"
		  "DNS=192.0.2.1 198.51.100.7:5300\n"
		  "NTP=\n"
		  "DOMAINS=corp.example\n"
		  "ROUTE_DOMAINS=vpn.example\n"
		  "LLMNR=yes\n"
		  "MDNS=no\n",
		3),
	    0);
	assert_string_equal(note_, "");
	assert_true(link_.managed);
	assert_int_equal(link_.nserver, 2);
	assert_string_equal(words_[0], "servers=192.0.2.1,198.51.100.7#5300");
	assert_string_equal(words_[1], "domains=corp.example.,~vpn.example.");
	assert_string_equal(words_[2], "default-route=auto");
}

static void
test_netif_parses_ipv6_ports_scopes_and_names(void **state)
{
	(void)state;
	/* as in_addr_port_ifindex_name_to_string() writes them */
	assert_int_equal(parse("ADMIN_STATE=configured\n"
			       "DNS=2001:db8::1 [2001:db8::2]:5300 fe80::1%3 "
			       "[fe80::2]:5353%3#dns.example fe80::4 "
			       "2001:db8::5#dot.example fe80::3%4\n",
			     3),
	    1);
	assert_string_equal(note_,
	    "DNS: \"fe80::3%4\": scoped to link 4, not this one");
	/* names kept for TLS; ports 0, 53, 853 left to the policy */
	assert_string_equal(words_[0],
	    "servers=2001:db8::1,2001:db8::2#5300,fe80::1%3,"
	    "fe80::2%3#5353#dns.example,fe80::4%3,2001:db8::5#dot.example");
	/* a link-local address is scoped to its link, others to none */
	assert_int_equal(parse("ADMIN_STATE=configured\n"
			       "DNS=2001:db8::1%3 fe80::9\n",
			     7),
	    1);
	assert_string_equal(words_[0], "servers=fe80::9%7");
}

static void
test_netif_leaves_dot_and_default_ports_to_the_policy(void **state)
{
	(void)state;
	assert_int_equal(parse("ADMIN_STATE=configured\n"
			       "DNS=192.0.2.1:853#dns.example 192.0.2.1 "
			       "192.0.2.1:53 192.0.2.2#dns.example. "
			       "[2001:db8::1]:853#x 192.0.2.3:0\n",
			     2),
	    0);
	/* the same server three times is written once (the first) */
	assert_string_equal(words_[0],
	    "servers=192.0.2.1#dns.example,192.0.2.2#dns.example,"
	    "2001:db8::1#x,192.0.2.3");
	/* a name that is not a host name skips its entry */
	assert_int_equal(parse("ADMIN_STATE=configured\n"
			       "DNS=192.0.2.4#bad_name 192.0.2.5\n",
			     2),
	    1);
	assert_string_equal(words_[0], "servers=192.0.2.5");
}

static void
test_netif_reads_dns_over_tls(void **state)
{
	(void)state;
	parse("ADMIN_STATE=configured\nDNS=192.0.2.1\n", 2);
	assert_string_equal(words_[3], "dns-over-tls=default");
	parse("ADMIN_STATE=configured\nDNS=192.0.2.1\nDNS_OVER_TLS=yes\n", 2);
	assert_int_equal(link_.dns_over_tls, SERVER_TLS_STRICT);
	assert_string_equal(words_[3], "dns-over-tls=strict");
	parse("ADMIN_STATE=configured\nDNS=192.0.2.1\n"
	      "DNS_OVER_TLS=opportunistic\n",
	    2);
	assert_string_equal(words_[3], "dns-over-tls=opportunistic");
	parse("ADMIN_STATE=configured\nDNS=192.0.2.1\nDNS_OVER_TLS=no\n", 2);
	assert_string_equal(words_[3], "dns-over-tls=no");
	assert_int_equal(parse("ADMIN_STATE=configured\nDNS=192.0.2.1\n"
			       "DNS_OVER_TLS=always\n",
			     2),
	    1);
	assert_string_equal(note_,
	    "DNS_OVER_TLS: \"always\" is not yes, opportunistic or no");
	assert_string_equal(words_[3], "dns-over-tls=default");
}

static void
test_netif_reads_dns_default_route(void **state)
{
	(void)state;
	parse("ADMIN_STATE=configured\nDNS=192.0.2.1\nDNS_DEFAULT_ROUTE=yes\n",
	    2);
	assert_int_equal(link_.default_route, SOURCE_DEFAULT_YES);
	assert_string_equal(words_[2], "default-route=yes");
	parse("ADMIN_STATE=configured\nDNS=192.0.2.1\nDNS_DEFAULT_ROUTE=no\n",
	    2);
	assert_string_equal(words_[2], "default-route=no");
	/* parse_boolean()'s other spellings */
	parse("ADMIN_STATE=configured\nDNS_DEFAULT_ROUTE=true\n", 2);
	assert_int_equal(link_.default_route, SOURCE_DEFAULT_YES);
	parse("ADMIN_STATE=configured\nDNS_DEFAULT_ROUTE=0\n", 2);
	assert_int_equal(link_.default_route, SOURCE_DEFAULT_NO);
	assert_int_equal(parse("ADMIN_STATE=configured\n"
			       "DNS_DEFAULT_ROUTE=maybe\n",
			     2),
	    1);
	assert_string_equal(note_,
	    "DNS_DEFAULT_ROUTE: \"maybe\" is not yes or no");
	assert_string_equal(words_[2], "default-route=auto");
}

static void
test_netif_tells_search_from_route_domains(void **state)
{
	(void)state;
	assert_int_equal(parse("ADMIN_STATE=configured\n"
			       "DNS=192.0.2.1\n"
			       "DOMAINS=home.arpa Corp.Example. lab.example\n"
			       "ROUTE_DOMAINS=corp.example . 10.in-addr.arpa\n",
			     2),
	    0);
	/* in both lists: route-only; "." routes every name */
	assert_string_equal(words_[1],
	    "domains=home.arpa.,~corp.example.,lab.example.,~.,"
	    "~10.in-addr.arpa.");
	/* the root is no search domain */
	assert_int_equal(
	    parse("ADMIN_STATE=configured\nDOMAINS=. a.example\n", 2), 1);
	assert_string_equal(note_, "DOMAINS: \".\" is no search domain");
	assert_string_equal(words_[1], "domains=a.example.");
}

static void
test_netif_skips_unmanaged_links(void **state)
{
	static const char *const unmanaged[] = { "unmanaged", "pending",
		"initialized", "" };
	static const char *const managed[] = { "configuring", "configured",
		"failed", "linger" };
	char text[256];

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		snprintf(text, sizeof(text),
		    "ADMIN_STATE=%s\nDNS=192.0.2.1\nDOMAINS=x.example\n",
		    unmanaged[i]);
		parse(text, 2);
		assert_false(link_.managed);
		assert_int_equal(link_.nserver, 0);
		assert_int_equal(link_.ndomain, 0);
		snprintf(text, sizeof(text),
		    "ADMIN_STATE=%s\nDNS=192.0.2.1\nDOMAINS=x.example\n",
		    managed[i]);
		parse(text, 2);
		assert_true(link_.managed);
		assert_int_equal(link_.nserver, 1);
	}
	/* no ADMIN_STATE at all: not networkd's */
	parse("DNS=192.0.2.1\n", 2);
	assert_false(link_.managed);
}

static void
test_netif_survives_junk(void **state)
{
	static const char nul[] = "ADMIN_STATE=configured\nDNS=1.2\0.3.4\n"
				  "DOMAINS=b.example\n";
	size_t big = 100000;
	char *text = malloc(big + 64);

	(void)state;
	/* bad entries skipped, the good ones kept, the first said */
	assert_int_equal(parse("ADMIN_STATE=configured\n"
			       "DNS=not-an-ip 192.0.2.1 1.2.3.4:99999 [::1 "
			       "0.0.0.0 :: 192.0.2.2:x 192.0.2.3%lo\n",
			     2),
	    7);
	assert_string_equal(note_, "DNS: \"not-an-ip\": not a numeric address");
	assert_string_equal(words_[0], "servers=192.0.2.1");
	/* no final newline, CRLF, blanks, quotes, comments, unknown keys,
	 * a line without "=", the last of a key twice */
	assert_int_equal(parse("; a comment\r\n"
			       "  ADMIN_STATE = configured \r\n"
			       "FROBNICATE=1\n"
			       "just words\n"
			       "DNS=192.0.2.9\n"
			       "DNS=\"192.0.2.1\t192.0.2.2\"\n"
			       "DOMAINS=a.example",
			     2),
	    1);
	assert_string_equal(note_, "line 4: no \"=\"");
	assert_string_equal(words_[0], "servers=192.0.2.1,192.0.2.2");
	assert_string_equal(words_[1], "domains=a.example.");
	/* a NUL inside a line: that line skipped */
	assert_int_equal(
	    netif_parse(nul, sizeof(nul) - 1, 2, &link_, note_, sizeof(note_)),
	    1);
	assert_string_equal(note_, "line 2: a NUL character");
	assert_int_equal(link_.nserver, 0);
	assert_int_equal(link_.ndomain, 1);
	/* past the limits: CONFIG_MAX_UPSTREAM servers, SOURCE_MAX_DOMAINS
	 * domains kept */
	assert_int_equal(parse("ADMIN_STATE=configured\n"
			       "DNS=10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 "
			       "10.0.0.5 10.0.0.6 10.0.0.7 10.0.0.8 10.0.0.9 "
			       "10.0.0.10\n"
			       "DOMAINS=a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 "
			       "a12 a13 a14 a15 a16 a17\n",
			     2),
	    3);
	assert_string_equal(note_, "DNS: \"10.0.0.9\": past 8 servers");
	assert_int_equal(link_.nserver, CONFIG_MAX_UPSTREAM);
	assert_int_equal(link_.ndomain, SOURCE_MAX_DOMAINS);
	/* names no domains= word can carry */
	assert_int_equal(parse("ADMIN_STATE=configured\n"
			       "DOMAINS=a,b.example a\\032b.example "
			       "a..example ok.example\n",
			     2),
	    3);
	assert_string_equal(words_[1], "domains=ok.example.");
	/* a very long line of junk, and an overlong entry */
	assert_non_null(text);
	memcpy(text, "ADMIN_STATE=configured\nDNS=", 27);
	memset(text + 27, '7', big);
	strcpy(text + 27 + big, " 192.0.2.1\nDOMAINS=z.example\n");
	assert_int_equal(parse(text, 2), 1);
	assert_string_equal(note_, "DNS: an entry of 100000 characters");
	assert_string_equal(words_[0], "servers=192.0.2.1");
	assert_string_equal(words_[1], "domains=z.example.");
	/* nothing at all */
	assert_int_equal(netif_parse("", 0, 2, &link_, note_, sizeof(note_)),
	    0);
	assert_false(link_.managed);
	free(text);
}

/* --- the watch --------------------------------------------------------------- */

static uint64_t fake_now;
static char calls[4096]; /* what the ops were asked, one line each */
static bool refuse;      /* link_set fails */

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static int
on_set(void *arg, int ifindex, const char *ifname, const char *const *words,
    size_t nwords, char *err, size_t errlen)
{
	size_t n = strlen(calls);

	(void)arg;
	assert_int_equal(nwords, NETIF_NWORDS);
	snprintf(calls + n, sizeof(calls) - n, "set %d %s %s %s %s %s\n",
	    ifindex, ifname[0] != '\0' ? ifname : "-", words[0], words[1],
	    words[2], words[3]);
	if (refuse) {
		snprintf(err, errlen, "refused");
		return -1;
	}
	return 0;
}

static void
on_revert(void *arg, int ifindex)
{
	size_t n = strlen(calls);

	(void)arg;
	snprintf(calls + n, sizeof(calls) - n, "revert %d\n", ifindex);
}

static const struct netif_ops ops = {
	.link_set = on_set,
	.link_revert = on_revert,
};

/* Writes dir/name as networkd does: a temporary file renamed over it. */
static void
put(const char *dir, const char *name, const char *text)
{
	char path[512], tmp[520];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.#%sXyZ123", dir, name);
	assert_non_null(f = fopen(tmp, "w"));
	fputs(text, f);
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);
}

static void
drop(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(unlink(path), 0);
}

/* Runs the loop: the events read, then the settle time passed.  Returns
 * the calls made (and forgets them). */
static const char *
settle(struct loop *l)
{
	static char out[sizeof(calls)];

	calls[0] = '\0';
	assert_int_equal(loop_run_once(l, 0), 0);
	fake_now += NETIF_SETTLE_MS - 1;
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_string_equal(calls, ""); /* not yet: settling */
	fake_now += 1;
	assert_int_equal(loop_run_once(l, 0), 0);
	snprintf(out, sizeof(out), "%s", calls);
	calls[0] = '\0';
	return out;
}

#define CORP                                                                   \
	"ADMIN_STATE=configured\nDNS=192.0.2.1:5300\n"                         \
	"ROUTE_DOMAINS=corp.example\n"
#define CORP_WORDS                                                             \
	"servers=192.0.2.1#5300 domains=~corp.example. default-route=auto "    \
	"dns-over-tls=default"

static void
test_netif_watch_follows_the_files(void **state)
{
	char dir[] = "/tmp/roost-test-netif.XXXXXX";
	char links[64], err[256], cmd[128];
	struct loop *l;
	struct netif_watch *w;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(links, sizeof(links), "%s/links", dir);
	assert_non_null(l = loop_new());
	loop_set_clock(l, fake_clock, NULL);
	fake_now = 1000;
	calls[0] = '\0';

	/* no folder yet: its parent watched, nothing set */
	w = netif_watch_new(l, links, &ops, err, sizeof(err));
	if (w == NULL)
		fail_msg("netif_watch_new: %s", err);
	assert_string_equal(calls, "");
	assert_int_equal(mkdir(links, 0755), 0);
	assert_string_equal(settle(l), "");

	/* a link's file: set; lo is ifindex 1 in every network namespace */
	put(links, "1", CORP);
	assert_string_equal(settle(l), "set 1 lo " CORP_WORDS "\n");
	/* rewritten the same: nothing sent */
	put(links, "1", CORP);
	assert_string_equal(settle(l), "");
	/* rewritten twice before it settles: once, the last */
	put(links, "1", CORP "DNS_DEFAULT_ROUTE=yes\n");
	assert_int_equal(loop_run_once(l, 0), 0);
	put(links, "1",
	    "ADMIN_STATE=configured\nDNS=192.0.2.2 [2001:db8::1]:53\n");
	assert_string_equal(settle(l),
	    "set 1 lo servers=192.0.2.2,2001:db8::1 domains= "
	    "default-route=auto dns-over-tls=default\n");
	/* a link the kernel does not know here, unmanaged, then managed */
	put(links, "99999", "ADMIN_STATE=unmanaged\nDNS=192.0.2.9\n");
	assert_string_equal(settle(l), "");
	put(links, "99999", "ADMIN_STATE=configuring\nDNS=192.0.2.9\n");
	assert_string_equal(settle(l),
	    "set 99999 - servers=192.0.2.9 domains= default-route=auto "
	    "dns-over-tls=default\n");
	/* a link without servers, other files: nothing */
	put(links, "7", "ADMIN_STATE=configured\nDNS=\nDOMAINS=x.example\n");
	put(dir, "state", "OPER_STATE=routable\n");
	assert_string_equal(settle(l), "");
	/* link 1 loses its servers: reverted */
	put(links, "1", "ADMIN_STATE=configured\nDNS=\n");
	assert_string_equal(settle(l), "revert 1\n");
	/* a file deleted: reverted */
	drop(links, "99999");
	assert_string_equal(settle(l), "revert 99999\n");

	/* main refuses: said again at the next reading, then kept */
	refuse = true;
	put(links, "1", CORP);
	assert_string_equal(settle(l), "set 1 lo " CORP_WORDS "\n");
	refuse = false;
	put(links, "7", "ADMIN_STATE=configured\n");
	assert_string_equal(settle(l), "set 1 lo " CORP_WORDS "\n");
	put(links, "7", "ADMIN_STATE=configured\nDNS=\n");
	assert_string_equal(settle(l), "");

	/* the folder goes (networkd stopped, /run cleaned): so do its
	 * links; it comes back: so do they */
	drop(links, "1");
	drop(links, "7");
	assert_int_equal(rmdir(links), 0);
	assert_string_equal(settle(l), "revert 1\n");
	assert_int_equal(mkdir(links, 0755), 0);
	assert_string_equal(settle(l), "");
	put(links, "1", CORP);
	assert_string_equal(settle(l), "set 1 lo " CORP_WORDS "\n");

	netif_watch_free(w);
	/* started with a file there: set before netif_watch_new returns */
	calls[0] = '\0';
	w = netif_watch_new(l, links, &ops, err, sizeof(err));
	assert_non_null(w);
	assert_string_equal(calls, "set 1 lo " CORP_WORDS "\n");
	netif_watch_free(w);
	loop_free(l);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_netif_watch_looks_again_when_the_parent_is_missing(void **state)
{
	char dir[] = "/tmp/roost-test-netif.XXXXXX";
	char parent[64], links[80], err[256], cmd[128];
	struct loop *l;
	struct netif_watch *w;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(parent, sizeof(parent), "%s/netif", dir);
	snprintf(links, sizeof(links), "%s/links/", parent); /* a final '/' */
	assert_non_null(l = loop_new());
	loop_set_clock(l, fake_clock, NULL);
	fake_now = 1000;
	calls[0] = '\0';
	w = netif_watch_new(l, links, &ops, err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(mkdir(parent, 0755), 0);
	links[strlen(links) - 1] = '\0';
	assert_int_equal(mkdir(links, 0755), 0);
	put(links, "1", CORP);
	/* no watch saw it: found at the next look */
	assert_int_equal(loop_run_once(l, 0), 0);
	fake_now += NETIF_RETRY_MS - 1;
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_string_equal(calls, "");
	fake_now += 1;
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_string_equal(calls, "set 1 lo " CORP_WORDS "\n");
	/* and followed from then on */
	put(links, "1", "ADMIN_STATE=configured\nDNS=192.0.2.4\n");
	assert_string_equal(settle(l),
	    "set 1 lo servers=192.0.2.4 domains= default-route=auto "
	    "dns-over-tls=default\n");

	netif_watch_free(w);
	loop_free(l);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_netif_watch_refuses_a_relative_path(void **state)
{
	struct loop *l = loop_new();
	char err[256];

	(void)state;
	assert_null(netif_watch_new(l, "run/links", &ops, err, sizeof(err)));
	assert_string_equal(err, "run/links: not an absolute path");
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netif_parses_ipv4_servers_and_domains),
		cmocka_unit_test(test_netif_parses_ipv6_ports_scopes_and_names),
		cmocka_unit_test(
		    test_netif_leaves_dot_and_default_ports_to_the_policy),
		cmocka_unit_test(test_netif_reads_dns_over_tls),
		cmocka_unit_test(test_netif_reads_dns_default_route),
		cmocka_unit_test(test_netif_tells_search_from_route_domains),
		cmocka_unit_test(test_netif_skips_unmanaged_links),
		cmocka_unit_test(test_netif_survives_junk),
		cmocka_unit_test(test_netif_watch_follows_the_files),
		cmocka_unit_test(
		    test_netif_watch_looks_again_when_the_parent_is_missing),
		cmocka_unit_test(test_netif_watch_refuses_a_relative_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
