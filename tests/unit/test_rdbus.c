/*
 * tests/unit/test_rdbus.c - the resolve1 D-Bus subset without a bus:
 * the argument decoders (SetLinkDNS's servers and SetLinkDomains's
 * domains into source.h's FIELD=VALUE words, read back by
 * source_set_field(); the mode checks), the RTM_DELLINK parser on
 * hand-built netlink buffers, and the reconnect timer on the loop's
 * fake clock when no bus is there.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "log.h"
#include "loop.h"
#include "rdbus.h"
#include "source.h"

static const uint8_t v4[4] = { 10, 8, 0, 1 };
static const uint8_t v4b[4] = { 10, 8, 0, 2 };
static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t ll6[16] = { 0xfe, 0x80, [15] = 1 };
static const uint8_t zero[16];

/* The word for s[0..n), or fails the test. */
static const char *
servers(const struct rdbus_server *s, size_t n, int ifindex)
{
	static char buf[RDBUS_WORD_MAX];
	char err[256];

	if (rdbus_servers_word(s, n, ifindex, buf, sizeof(buf), err,
		sizeof(err)) != 0)
		fail_msg("rdbus_servers_word: %s", err);
	return buf;
}

/* The error for s[0..n), or fails the test if it is accepted. */
static const char *
servers_bad(const struct rdbus_server *s, size_t n)
{
	static char err[256];
	char buf[RDBUS_WORD_MAX];

	if (rdbus_servers_word(s, n, 1, buf, sizeof(buf), err, sizeof(err)) ==
	    0)
		fail_msg("accepted: %s", buf);
	return err;
}

static const char *
domains(const struct rdbus_domain *d, size_t n)
{
	static char buf[RDBUS_WORD_MAX];
	char err[256];

	if (rdbus_domains_word(d, n, buf, sizeof(buf), err, sizeof(err)) != 0)
		fail_msg("rdbus_domains_word: %s", err);
	return buf;
}

static const char *
domains_bad(const struct rdbus_domain *d, size_t n)
{
	static char err[256];
	char buf[RDBUS_WORD_MAX];

	if (rdbus_domains_word(d, n, buf, sizeof(buf), err, sizeof(err)) == 0)
		fail_msg("accepted: %s", buf);
	return err;
}

/* word through source_set_field(), as main will apply it. */
static void
apply(struct source *s, const char *word)
{
	char err[256];

	memset(s, 0, sizeof(*s));
	s->default_route = SOURCE_DEFAULT_AUTO; /* as source_get() makes it */
	if (source_set_field(s, word, err, sizeof(err)) != 0)
		fail_msg("source_set_field(\"%s\"): %s", word, err);
}

static void
test_rdbus_servers_v4_v6_and_ports(void **state)
{
	struct rdbus_server s[] = {
		{ AF_INET, v4, 4, 0, NULL },
		{ AF_INET6, v6, 16, 5353, NULL },
		{ AF_INET, v4b, 4, 853, NULL },
	};
	struct source src;
	char text[ADDR_STRLEN];

	(void)state;
	/* port 0, 53 and 853 (resolved's "the default") are the
	 * transport's: 53 for plain DNS, 853 for TLS */
	assert_string_equal(servers(s, 1, 3), "servers=10.8.0.1");
	assert_string_equal(servers(&s[1], 1, 3), "servers=2001:db8::1#5353");
	assert_string_equal(servers(s, 3, 3),
	    "servers=10.8.0.1,2001:db8::1#5353,10.8.0.2");
	s[1].port = 53;
	assert_string_equal(servers(&s[1], 1, 3), "servers=2001:db8::1");
	s[1].port = 5353;

	/* what source_set_field() reads back is what was sent */
	apply(&src, servers(s, 3, 3));
	assert_int_equal(src.nserver, 3);
	server_settle(&src.server[0], SERVER_TLS_NO);
	assert_string_equal(addr_str(&src.server[0].addr, text, sizeof(text)),
	    "10.8.0.1#53");
	assert_string_equal(addr_str(&src.server[1].addr, text, sizeof(text)),
	    "2001:db8::1#5353");
	server_settle(&src.server[2], SERVER_TLS_STRICT);
	assert_int_equal(addr_port(&src.server[2].addr), 853);
}

static void
test_rdbus_servers_keep_their_tls_names(void **state)
{
	struct rdbus_server s[] = {
		{ AF_INET, v4, 4, 0, "dns.corp.example" },
		{ AF_INET6, v6, 16, 8853, "dns6.corp.example" },
		{ AF_INET, v4b, 4, 0, "" },
	};
	struct source src;
	char buf[512], err[256];

	(void)state;
	assert_string_equal(servers(s, 3, 3),
	    "servers=10.8.0.1#dns.corp.example,"
	    "2001:db8::1#8853#dns6.corp.example,10.8.0.2");
	apply(&src, servers(s, 3, 3));
	assert_string_equal(src.server[0].tls_name, "dns.corp.example");
	assert_string_equal(src.server[1].tls_name, "dns6.corp.example");
	assert_int_equal(addr_port(&src.server[1].addr), 8853);
	assert_string_equal(src.server[2].tls_name, "");
	/* a name the certificate check could not use is refused */
	s[0].name = "not a name";
	assert_int_equal(
	    rdbus_servers_word(s, 1, 3, buf, sizeof(buf), err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "DNS server 1: bad tls-name"));
}

static void
test_rdbus_servers_link_local_gets_the_link(void **state)
{
	struct rdbus_server s = { AF_INET6, ll6, 16, 0, NULL };
	struct source src;

	(void)state;
	assert_string_equal(servers(&s, 1, 7), "servers=fe80::1%7");
	apply(&src, servers(&s, 1, 7));
	assert_int_equal(addr_scope(&src.server[0].addr), 7);
}

static void
test_rdbus_servers_empty_clears(void **state)
{
	struct source src;
	struct rdbus_server s = { AF_INET, v4, 4, 0, NULL };

	(void)state;
	assert_string_equal(servers(NULL, 0, 1), "servers=");
	apply(&src, servers(&s, 1, 1));
	assert_int_equal(src.nserver, 1);
	assert_int_equal(source_set_field(&src, servers(NULL, 0, 1), NULL, 0),
	    0);
	assert_int_equal(src.nserver, 0);
}

static void
test_rdbus_servers_refuses_bad_ones(void **state)
{
	struct rdbus_server fam = { 99, v4, 4, 0, NULL };
	struct rdbus_server unix_fam = { AF_UNIX, v4, 4, 0, NULL };
	struct rdbus_server short6 = { AF_INET6, v4, 4, 0, NULL };
	struct rdbus_server long4 = { AF_INET, v6, 16, 0, NULL };
	struct rdbus_server empty4 = { AF_INET, NULL, 0, 0, NULL };
	struct rdbus_server any4 = { AF_INET, zero, 4, 0, NULL };
	struct rdbus_server any6 = { AF_INET6, zero, 16, 0, NULL };
	struct rdbus_server two[] = { { AF_INET, v4, 4, 0, NULL }, long4 };

	(void)state;
	assert_non_null(strstr(servers_bad(&fam, 1), "family 99"));
	assert_non_null(strstr(servers_bad(&unix_fam, 1), "family"));
	assert_non_null(strstr(servers_bad(&short6, 1), "16 octets, not 4"));
	assert_non_null(strstr(servers_bad(&long4, 1), "4 octets, not 16"));
	assert_non_null(strstr(servers_bad(&empty4, 1), "not 0"));
	assert_non_null(strstr(servers_bad(&any4, 1), "0.0.0.0"));
	assert_non_null(strstr(servers_bad(&any6, 1), "::"));
	/* which one is said */
	assert_non_null(strstr(servers_bad(two, 2), "DNS server 2"));
}

static void
test_rdbus_servers_at_most_config_max(void **state)
{
	uint8_t a[CONFIG_MAX_UPSTREAM + 2][4];
	struct rdbus_server s[CONFIG_MAX_UPSTREAM + 2];
	char buf[RDBUS_WORD_MAX], err[256];
	struct source src;

	(void)state;
	for (size_t i = 0; i < CONFIG_MAX_UPSTREAM + 2; i++) {
		a[i][0] = 192, a[i][1] = 0, a[i][2] = 2;
		a[i][3] = (uint8_t)(i + 1);
		s[i] = (struct rdbus_server){ AF_INET, a[i], 4, 0, NULL };
	}
	apply(&src, servers(s, CONFIG_MAX_UPSTREAM, 1));
	assert_int_equal(src.nserver, CONFIG_MAX_UPSTREAM);
	assert_non_null(
	    strstr(servers_bad(s, CONFIG_MAX_UPSTREAM + 1), "more than"));
	/* a server sent twice is one server */
	s[CONFIG_MAX_UPSTREAM] = s[0];
	s[CONFIG_MAX_UPSTREAM].port = 53;
	apply(&src, servers(s, CONFIG_MAX_UPSTREAM + 1, 1));
	assert_int_equal(src.nserver, CONFIG_MAX_UPSTREAM);
	/* a buffer too short is an error, not a cut list */
	assert_int_equal(rdbus_servers_word(s, 2, 1, buf, 20, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "too long"));
}

static void
test_rdbus_domains_route_only_and_search(void **state)
{
	struct rdbus_domain d[] = {
		{ "corp.example", true },
		{ "lan", false },
	};
	struct rdbus_domain root = { ".", true };
	struct source src;

	(void)state;
	assert_string_equal(domains(d, 2), "domains=~corp.example,lan");
	apply(&src, domains(d, 2));
	assert_int_equal(src.ndomain, 2);
	assert_true(src.domain[0].route_only);
	assert_false(src.domain[1].route_only);
	assert_false(source_default_route(&src)); /* a route-only domain */

	/* "." route-only: every name (a VPN taking all of DNS) */
	assert_string_equal(domains(&root, 1), "domains=~.");
	apply(&src, domains(&root, 1));
	assert_int_equal(src.domain[0].len, 1);
	assert_true(source_default_route(&src));

	assert_string_equal(domains(NULL, 0), "domains=");
	apply(&src, domains(NULL, 0));
	assert_int_equal(src.ndomain, 0);
}

static void
test_rdbus_domains_twice_is_once_last_flag_wins(void **state)
{
	struct rdbus_domain d[] = {
		{ "Corp.Example", false },
		{ "lan", true },
		{ "corp.example.", true },
	};

	(void)state;
	assert_string_equal(domains(d, 3), "domains=~Corp.Example,~lan");
}

static void
test_rdbus_domains_refuses_bad_text(void **state)
{
	static const char *bad[] = { "corp example", "corp,example", "",
		"~corp.example", "tab\there", "caf\xc3\xa9.example", "a..b",
		"x\x7f" };
	char label[80], big[WIRE_MAX_NAME_TEXT + 40];
	struct rdbus_domain d;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = (struct rdbus_domain){ bad[i], false };
		(void)domains_bad(&d, 1);
		d.route_only = true;
		(void)domains_bad(&d, 1);
	}
	d = (struct rdbus_domain){ NULL, false };
	assert_non_null(strstr(domains_bad(&d, 1), "empty"));
	d = (struct rdbus_domain){ "a b", false };
	assert_non_null(strstr(domains_bad(&d, 1), "blank, comma"));
	/* a label of 64 octets, a name past 255 */
	memset(label, 'a', 64);
	label[64] = '\0';
	d = (struct rdbus_domain){ label, false };
	assert_non_null(strstr(domains_bad(&d, 1), "invalid domain"));
	big[0] = '\0';
	for (int i = 0; i < 60; i++)
		strcat(big, "abcd.");
	d = (struct rdbus_domain){ big, false };
	(void)domains_bad(&d, 1);
	/* the root is no search domain (resolved's rule) */
	d = (struct rdbus_domain){ ".", false };
	assert_non_null(strstr(domains_bad(&d, 1), "root"));
}

static void
test_rdbus_domains_at_most_source_max(void **state)
{
	char names[SOURCE_MAX_DOMAINS + 1][16];
	struct rdbus_domain d[SOURCE_MAX_DOMAINS + 1];
	struct source src;

	(void)state;
	for (size_t i = 0; i <= SOURCE_MAX_DOMAINS; i++) {
		snprintf(names[i], sizeof(names[i]), "d%zu.example", i);
		d[i] = (struct rdbus_domain){ names[i], i % 2 == 0 };
	}
	apply(&src, domains(d, SOURCE_MAX_DOMAINS));
	assert_int_equal(src.ndomain, SOURCE_MAX_DOMAINS);
	assert_non_null(
	    strstr(domains_bad(d, SOURCE_MAX_DOMAINS + 1), "more than"));
}

static void
test_rdbus_modes_are_resolveds(void **state)
{
	char err[128];

	(void)state;
	assert_int_equal(
	    rdbus_mode_check("SetLinkDNSSEC", "yes", err, sizeof(err)), 0);
	assert_int_equal(rdbus_mode_check("SetLinkDNSSEC", "allow-downgrade",
			     err, sizeof(err)),
	    0);
	assert_int_equal(
	    rdbus_mode_check("SetLinkDNSSEC", "", err, sizeof(err)), 0);
	assert_int_equal(
	    rdbus_mode_check("SetLinkDNSSEC", "maybe", err, sizeof(err)), -1);
	assert_string_equal(err, "Invalid DNSSEC setting: \"maybe\"");
	assert_int_equal(
	    rdbus_mode_check("SetLinkLLMNR", "resolve", err, sizeof(err)), 0);
	assert_int_equal(
	    rdbus_mode_check("SetLinkMulticastDNS", "no", err, sizeof(err)), 0);
	assert_int_equal(rdbus_mode_check("SetLinkMulticastDNS",
			     "opportunistic", err, sizeof(err)),
	    -1);
	assert_int_equal(rdbus_mode_check("SetLinkDNSOverTLS", "opportunistic",
			     err, sizeof(err)),
	    0);
	assert_int_equal(
	    rdbus_mode_check("SetLinkDNSOverTLS", "yes\n", err, sizeof(err)),
	    -1);
	assert_string_equal(err, "Invalid DNSOverTLS setting: \"yes?\"");
	assert_int_equal(
	    rdbus_mode_check("SetLinkFoo", "yes", err, sizeof(err)), -1);
}

/* --- rtnetlink ------------------------------------------------------ */

struct gone {
	int ifindex[16];
	char ifname[16][IF_NAMESIZE];
	size_t n;
};

static void
on_gone(void *arg, int ifindex, const char *ifname)
{
	struct gone *g = arg;

	assert_true(g->n < 16);
	assert_true(strlen(ifname) < IF_NAMESIZE);
	g->ifindex[g->n] = ifindex;
	snprintf(g->ifname[g->n], IF_NAMESIZE, "%s", ifname);
	g->n++;
}

/*
 * Appends a link message at buf + off as the kernel writes it: the
 * header, ifinfomsg, an IFLA_MTU, then IFLA_IFNAME (if name) without
 * padding after it.  Returns the offset of the next message.
 */
static size_t
put_link(uint8_t *buf, size_t off, uint16_t type, unsigned char family,
    int ifindex, const char *name)
{
	struct ifinfomsg ifi = { .ifi_family = family, .ifi_index = ifindex };
	struct rtattr mtu = { .rta_len = RTA_LENGTH(4), .rta_type = IFLA_MTU };
	struct rtattr nm = { .rta_type = IFLA_IFNAME };
	struct nlmsghdr h = { .nlmsg_type = type };
	uint32_t mtu_v = 1420;
	size_t p = off + NLMSG_HDRLEN;

	memcpy(buf + p, &ifi, sizeof(ifi));
	p += NLMSG_ALIGN(sizeof(ifi));
	memcpy(buf + p, &mtu, sizeof(mtu));
	memcpy(buf + p + RTA_LENGTH(0), &mtu_v, 4);
	p += RTA_ALIGN(mtu.rta_len);
	if (name != NULL) {
		nm.rta_len = (unsigned short)RTA_LENGTH(strlen(name) + 1);
		memcpy(buf + p, &nm, sizeof(nm));
		memcpy(buf + p + RTA_LENGTH(0), name, strlen(name) + 1);
		p += nm.rta_len;
	}
	h.nlmsg_len = (uint32_t)(p - off);
	memcpy(buf + off, &h, sizeof(h));
	return off + NLMSG_ALIGN(h.nlmsg_len);
}

static size_t
put_done(uint8_t *buf, size_t off)
{
	struct nlmsghdr h = { .nlmsg_len = NLMSG_LENGTH(4),
		.nlmsg_type = NLMSG_DONE };

	memset(buf + off, 0, NLMSG_LENGTH(4));
	memcpy(buf + off, &h, sizeof(h));
	return off + NLMSG_ALIGN(h.nlmsg_len);
}

static void
test_rdbus_link_parse_one_dellink(void **state)
{
	uint8_t buf[512] = { 0 };
	struct gone g = { 0 };
	size_t n = put_link(buf, 0, RTM_DELLINK, AF_UNSPEC, 7, "wg0");

	(void)state;
	assert_int_equal(rdbus_link_parse(buf, n, on_gone, &g), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ifindex[0], 7);
	assert_string_equal(g.ifname[0], "wg0");
}

static void
test_rdbus_link_parse_many_in_one_datagram(void **state)
{
	uint8_t buf[2048] = { 0 };
	struct gone g = { 0 };
	size_t n = 0;

	(void)state;
	n = put_link(buf, n, RTM_NEWLINK, AF_UNSPEC, 3, "eth0");
	n = put_link(buf, n, RTM_DELLINK, AF_UNSPEC, 4, "vpn0");
	/* a port leaving its bridge: the link stays */
	n = put_link(buf, n, RTM_DELLINK, AF_BRIDGE, 5, "veth1");
	n = put_link(buf, n, RTM_NEWADDR, AF_UNSPEC, 6, "x");
	n = put_link(buf, n, RTM_DELLINK, AF_UNSPEC, 8, NULL);
	n = put_link(buf, n, RTM_DELLINK, AF_UNSPEC, 0, "bad");
	n = put_done(buf, n);
	n = put_link(buf, n, RTM_DELLINK, AF_UNSPEC, 9,
	    "tun-long-name-0123456789");
	assert_int_equal(rdbus_link_parse(buf, n, on_gone, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.ifindex[0], 4);
	assert_string_equal(g.ifname[0], "vpn0");
	assert_int_equal(g.ifindex[1], 8);
	assert_string_equal(g.ifname[1], ""); /* no name attribute */
	assert_int_equal(g.ifindex[2], 9);
	assert_string_equal(g.ifname[2], "tun-long-name-0"); /* cut at 15 */

	/* the last message's padding may be missing */
	memset(&g, 0, sizeof(g));
	n = put_link(buf, 0, RTM_DELLINK, AF_UNSPEC, 4, "vpn0");
	n = put_link(buf, n, RTM_DELLINK, AF_UNSPEC, 5, "vpn10");
	assert_int_equal(rdbus_link_parse(buf, n - 2, on_gone, &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.ifname[1], "vpn10");
}

static void
test_rdbus_link_parse_truncated_and_lying(void **state)
{
	uint8_t raw[1024 + 1] = { 0 }, *buf = raw + 1; /* not aligned */
	struct gone g = { 0 };
	struct nlmsghdr h;
	size_t first, n;

	(void)state;
	first = put_link(buf, 0, RTM_DELLINK, AF_UNSPEC, 4, "vpn0");
	n = put_link(buf, first, RTM_DELLINK, AF_UNSPEC, 5, "vpn1");
	assert_int_equal(rdbus_link_parse(buf, n, on_gone, &g), 0);
	assert_int_equal(g.n, 2);

	/* cut inside the second: the first is reported, then -1 */
	for (size_t cut = first + 1; cut < n - 3; cut++) {
		memset(&g, 0, sizeof(g));
		assert_int_equal(rdbus_link_parse(buf, cut, on_gone, &g), -1);
		assert_int_equal(g.n, 1);
		assert_int_equal(g.ifindex[0], 4);
	}
	/* a header shorter than itself, or longer than the datagram */
	memcpy(&h, buf, sizeof(h));
	h.nlmsg_len = 8;
	memcpy(buf, &h, sizeof(h));
	memset(&g, 0, sizeof(g));
	assert_int_equal(rdbus_link_parse(buf, n, on_gone, &g), -1);
	assert_int_equal(g.n, 0);
	h.nlmsg_len = 100000;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(rdbus_link_parse(buf, n, on_gone, &g), -1);
	assert_int_equal(g.n, 0);
	/* a DELLINK too short for its ifinfomsg */
	h.nlmsg_len = NLMSG_HDRLEN + 4;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(rdbus_link_parse(buf, n, on_gone, &g), -1);
	assert_int_equal(g.n, 0);

	/* an attribute that lies about its length: the link, no name */
	n = put_link(buf, 0, RTM_DELLINK, AF_UNSPEC, 4, "vpn0");
	{
		struct rtattr a;
		size_t at =
		    NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifinfomsg));

		memcpy(&a, buf + at, sizeof(a));
		a.rta_len = 2000;
		memcpy(buf + at, &a, sizeof(a));
	}
	memset(&g, 0, sizeof(g));
	assert_int_equal(rdbus_link_parse(buf, n, on_gone, &g), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.ifname[0], "");

	/* nothing at all, or less than a header */
	assert_int_equal(rdbus_link_parse(buf, 0, on_gone, &g), 0);
	assert_int_equal(rdbus_link_parse(buf, 3, on_gone, &g), -1);
}

/* --- without a bus -------------------------------------------------- */

static uint64_t fake_now;

static uint64_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static int
stub_set(void *arg, int ifindex, const char *ifname, const char *const *f,
    size_t n, char *err, size_t errlen)
{
	(void)arg, (void)ifindex, (void)ifname, (void)f, (void)n;
	(void)err, (void)errlen;
	fail_msg("link_set without a bus");
	return -1;
}

static void
stub_revert(void *arg, int ifindex)
{
	(void)arg, (void)ifindex;
}

static void
stub_void(void *arg)
{
	(void)arg;
}

static void
test_rdbus_retries_every_5s_without_a_bus(void **state)
{
	const struct rdbus_ops ops = { .link_set = stub_set,
		.link_revert = stub_revert,
		.flush_caches = stub_void,
		.reset_server_features = stub_void };
	struct loop *l;
	struct rdbus *b;
	char err[256];

	(void)state;
	assert_int_equal(setenv("DBUS_SYSTEM_BUS_ADDRESS",
			     "unix:path=/nonexistent/roost-test/bus", 1),
	    0);
	assert_non_null(l = loop_new());
	fake_now = 1000;
	loop_set_clock(l, fake_clock, NULL);
	b = rdbus_new(l, &ops, err, sizeof(err));
	if (b == NULL)
		fail_msg("rdbus_new: %s", err);
	assert_false(rdbus_serving(b));
	assert_int_equal(loop_next_deadline(l), 1000 + RDBUS_RETRY_MS);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(loop_run_once(l, 0), 0);
		assert_int_equal(loop_next_deadline(l),
		    fake_now + RDBUS_RETRY_MS);
		fake_now += RDBUS_RETRY_MS;
		assert_int_equal(loop_run_once(l, 0), 0); /* a retry */
		assert_false(rdbus_serving(b));
		assert_int_equal(loop_next_deadline(l),
		    fake_now + RDBUS_RETRY_MS);
	}
	loop_check(l);
	rdbus_free(b);
	assert_int_equal(loop_next_deadline(l), UINT64_MAX);
	rdbus_free(NULL);
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rdbus_servers_v4_v6_and_ports),
		cmocka_unit_test(test_rdbus_servers_link_local_gets_the_link),
		cmocka_unit_test(test_rdbus_servers_keep_their_tls_names),
		cmocka_unit_test(test_rdbus_servers_empty_clears),
		cmocka_unit_test(test_rdbus_servers_refuses_bad_ones),
		cmocka_unit_test(test_rdbus_servers_at_most_config_max),
		cmocka_unit_test(test_rdbus_domains_route_only_and_search),
		cmocka_unit_test(
		    test_rdbus_domains_twice_is_once_last_flag_wins),
		cmocka_unit_test(test_rdbus_domains_refuses_bad_text),
		cmocka_unit_test(test_rdbus_domains_at_most_source_max),
		cmocka_unit_test(test_rdbus_modes_are_resolveds),
		cmocka_unit_test(test_rdbus_link_parse_one_dellink),
		cmocka_unit_test(test_rdbus_link_parse_many_in_one_datagram),
		cmocka_unit_test(test_rdbus_link_parse_truncated_and_lying),
		cmocka_unit_test(test_rdbus_retries_every_5s_without_a_bus),
	};

	log_init("test_rdbus", LOG_LEVEL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
