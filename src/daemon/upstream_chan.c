/*
 * src/daemon/upstream_chan.c - the c-ares channels of the upstream
 * module in our event loop: one channel per upstream server, its sockets
 * watched by the loop, its timeouts on a loop timer, and its renewal
 * (a channel whose EDNS c-ares dropped is replaced and drains).
 *
 * Invariants:
 * - A channel is never created without its one explicit server, so
 *   c-ares never falls back to 127.0.0.1 (which would be roostd itself).
 * - A draining channel is on its set's draining list until its last try
 *   has ended; then it is destroyed before the loop next waits.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "upstream_impl.h"

static void
chan_fd_ready(void *arg, int fd, unsigned events)
{
	struct upstream_chan *c = arg;
	ares_socket_t r = ARES_SOCKET_BAD, w = ARES_SOCKET_BAD;

	if (events & (LOOP_READ | LOOP_ERROR))
		r = fd;
	if (events & LOOP_WRITE)
		w = fd;
	/* no re-arm: an answer only ends tries, and a timer that fires
	 * early re-arms itself (see upstream_chan_timer_arm()) */
	ares_process_fd(c->ch, r, w);
}

static void
chan_sock_state(void *arg, ares_socket_t fd, int readable, int writable)
{
	struct upstream_chan *c = arg;
	struct loop *l = c->u->set->loop;
	unsigned ev = (readable ? LOOP_READ : 0) | (writable ? LOOP_WRITE : 0);

	if (ev == 0) {
		loop_fd_del(l, fd);
		return;
	}
	if (loop_fd_mod(l, fd, ev) == 0)
		return;
	if (loop_fd_add(l, fd, ev, chan_fd_ready, c) != 0)
		log_warn("upstream %s: cannot watch socket", c->u->name);
}

static int
chan_sock_configure(ares_socket_t fd, int type, void *arg)
{
	(void)type;
	(void)arg;
	/* c-ares opens its sockets without close-on-exec */
	return fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 ? 0 : -1;
}

static void
chan_timeout(void *arg)
{
	struct upstream_chan *c = arg;

	ares_process_fd(c->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	upstream_chan_timer_arm(c);
}

/*
 * Arms c's timer for c-ares' nearest timeout, or cancels it.  c-ares only
 * times out tries that our own timers have given up on already, and
 * every try it starts times out a fixed o.timeout after its start, so a
 * timer armed for an earlier try stays early enough for a later one:
 * it is set here when it fires and when a try starts on an unarmed
 * channel, never once per answer (ares_timeout() walks every try).
 */
void
upstream_chan_timer_arm(struct upstream_chan *c)
{
	struct timeval tv, *t;

	if (c->ch == NULL)
		return;
	t = ares_timeout(c->ch, NULL, &tv);
	if (t == NULL) {
		loop_timer_cancel(c->u->set->loop, &c->timer);
		return;
	}
	(void)loop_timer_set(c->u->set->loop, &c->timer,
	    (uint64_t)t->tv_sec * 1000 + (uint64_t)(t->tv_usec + 999) / 1000);
}

struct upstream_chan *
upstream_chan_new(struct upstream *u, char *err, size_t errlen)
{
	struct upstream_chan *c;
	struct ares_options o = { 0 };
	struct ares_addr_port_node srv = { 0 };
	int r;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->u = u;
	loop_timer_init(&c->timer, chan_timeout, c);
	o.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_EDNS | ARES_FLAG_NOSEARCH |
	    ARES_FLAG_NOALIASES | ARES_FLAG_STAYOPEN;
	/* our own give-up timer ends a request first; this only bounds
	 * how long a forgotten try lingers */
	o.timeout = (int)u->set->pace.give_up_ms;
	o.tries = 1;
	o.ednspsz = UPSTREAM_EDNS_SIZE;
	o.sock_state_cb = chan_sock_state;
	o.sock_state_cb_data = c;
	/* Every setting c-ares would otherwise read from /etc/resolv.conf
	 * is given (no servers yet, no search domains, no sort list), so
	 * c-ares 1.18 reads no file here: a channel is renewed every
	 * UPSTREAM_UDP_MAX_QUERIES queries, and roostd's upstreams are its
	 * own configuration, never the system's. */
	o.nservers = 0;
	o.servers = NULL;
	o.ndomains = 0;
	o.domains = NULL;
	o.nsort = 0;
	o.sortlist = NULL;
	o.ndots = 1;
	o.lookups = (char *)"b";
#if HAVE_DECL_ARES_OPT_UDP_MAX_QUERIES
	/* c-ares opens a fresh UDP socket (source port) itself */
	o.udp_max_queries = UPSTREAM_UDP_MAX_QUERIES;
#endif
	r = ares_init_options(&c->ch, &o,
	    ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
		ARES_OPT_EDNSPSZ | ARES_OPT_SOCK_STATE_CB | ARES_OPT_LOOKUPS |
		ARES_OPT_SERVERS | ARES_OPT_DOMAINS | ARES_OPT_SORTLIST |
		ARES_OPT_NDOTS
#if HAVE_DECL_ARES_OPT_UDP_MAX_QUERIES
		| ARES_OPT_UDP_MAX_QUERIES
#endif
	);
	if (r != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(r));
		free(c);
		return NULL;
	}
	ares_set_socket_configure_callback(c->ch, chan_sock_configure, NULL);
	if (u->addr.ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&u->addr.ss;

		srv.family = AF_INET;
		memcpy(&srv.addr.addr4, &sin->sin_addr, 4);
		srv.udp_port = srv.tcp_port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)&u->addr.ss;

		srv.family = AF_INET6;
		memcpy(&srv.addr.addr6, &sin6->sin6_addr, 16);
		srv.udp_port = srv.tcp_port = ntohs(sin6->sin6_port);
	}
	srv.next = NULL;
	/* host byte order ports, despite the struct's look */
	if ((r = ares_set_servers_ports(c->ch, &srv)) != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: set server %s: %s", u->name,
		    ares_strerror(r));
		ares_destroy(c->ch);
		free(c);
		return NULL;
	}
	return c;
}

void
upstream_chan_destroy(struct upstream_chan *c)
{
	loop_timer_cancel(c->u->set->loop, &c->timer);
	/* runs the callbacks of tries still pending (ARES_EDESTRUCTION);
	 * c->ch stays valid during them */
	ares_destroy(c->ch);
	c->ch = NULL;
	free(c);
}

/* True if c-ares turned EDNS off for this channel. */
bool
upstream_chan_lost_edns(struct upstream_chan *c)
{
	struct ares_options o;
	int mask;
	bool lost;

	if (ares_save_options(c->ch, &o, &mask) != ARES_SUCCESS)
		return false;
	lost = !(o.flags & ARES_FLAG_EDNS);
	ares_destroy_options(&o);
	return lost;
}

/*
 * Replaces u's channel; the old one drains.  Returns 0, or -1 (logged)
 * if no new channel could be made: the old one stays in use.
 */
int
upstream_chan_replace(struct upstream *u)
{
	struct upstream_chan *old = u->chan, *c;
	char err[128];

	if ((c = upstream_chan_new(u, err, sizeof(err))) == NULL) {
		log_warnx("upstream %s: cannot renew channel: %s", u->name,
		    err);
		return -1;
	}
	u->chan = c;
	old->draining = true;
	old->next_draining = u->set->draining;
	u->set->draining = old;
	if (old->tries == 0)
		loop_before_wait(u->set->loop, &u->set->reap_hook);
	return 0;
}

void
upstream_chan_reap(struct upstream_set *s)
{
	struct upstream_chan **pp = &s->draining;

	while (*pp != NULL) {
		struct upstream_chan *c = *pp;

		if (c->tries == 0) {
			*pp = c->next_draining;
			upstream_chan_destroy(c);
		} else {
			pp = &c->next_draining;
		}
	}
}
