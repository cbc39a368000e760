/*
 * src/daemon/netif.h - following systemd-networkd's links: the per-link
 * state files networkd writes (/run/systemd/netif/links/IFINDEX) read as
 * systemd-resolved reads them, each link with servers becoming an
 * upstream source.
 *
 * networkd tells resolved a link's DNS settings through these files,
 * not over D-Bus.  A file is "KEY=VALUE" lines ('#' comments); the keys
 * read here, as networkd 252 writes them (link_save() in
 * src/network/networkd-state-file.c) and sd-network reads them:
 * - ADMIN_STATE: the link is networkd's unless it is missing, "pending",
 *   "initialized" or "unmanaged" (resolved's rule); an unmanaged link's
 *   other keys are ignored.
 * - DNS: the servers, blank-separated, each "ADDR", "ADDR:PORT" (IPv4),
 *   "[ADDR]:PORT" (IPv6), then optionally "%IFINDEX" (a link-local IPv6
 *   address's link) and "#SERVERNAME" (a DNS-over-TLS name).
 * - DOMAINS: search domains; ROUTE_DOMAINS: route-only domains ("~" in
 *   a .network file, "." for every name).  A name in both is route-only.
 * - DNS_DEFAULT_ROUTE: yes or no (absent: resolved's automatic rule).
 * - DNS_OVER_TLS: yes (strict), opportunistic or no (absent: roostd.conf's
 *   dns-over-tls).
 * Other keys are skipped.
 *
 * The watch turns each link's settings into the FIELD=VALUE words of
 * source.h's source_set_field(), handed to main through netif_ops, as
 * D-Bus does with rdbus_ops.
 *
 * Ownership: the watch owns its inotify descriptor, its loop timers and
 * the words it last gave each link.
 */
#ifndef ROOST_NETIF_H
#define ROOST_NETIF_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "config.h"
#include "loop.h"
#include "source.h"
#include "wire.h"

#define NETIF_SETTLE_MS 100 /* after the first event, the folder is read */
#define NETIF_RETRY_MS 5000 /* neither the folder nor its parent there */
#define NETIF_MAX_FILE                                                         \
	65536               /* octets of one state file; a longer one is
				skipped, as if it named no server */
#define NETIF_MAX_ENTRY 256 /* octets of one DNS= entry; longer: skipped */
#define NETIF_MAX_LINKS SOURCE_MAX /* links followed; more are skipped */
#define NETIF_MAX_SCAN 4096        /* files looked at per reading */
/* servers=, domains=, default-route=, dns-over-tls= */
#define NETIF_NWORDS 4
/* The longest word: "domains=" and SOURCE_MAX_DOMAINS "~NAME," items. */
#define NETIF_WORD_MAX (16 + SOURCE_MAX_DOMAINS * (WIRE_MAX_NAME_TEXT + 2))

/* One link's DNS settings, as netif_parse() read them. */
struct netif_link {
	bool managed; /* ADMIN_STATE says networkd configures the link */
	struct server server[CONFIG_MAX_UPSTREAM]; /* in file order, unique */
	size_t nserver;
	struct source_domain domain[SOURCE_MAX_DOMAINS]; /* unique */
	size_t ndomain;
	enum source_default default_route; /* DNS_DEFAULT_ROUTE, or auto */
	enum server_tls dns_over_tls;      /* DNS_OVER_TLS, or unset */
};

/*
 * Parses the state file of link ifindex, text[0..len) (need not end in
 * a newline or a NUL), into out.  Nothing is trusted: an unknown key, a
 * line without "=", a server entry that is no numeric address, scoped
 * to another link or past CONFIG_MAX_UPSTREAM, a domain that is no
 * domain name or past SOURCE_MAX_DOMAINS is skipped; the last of a key
 * given twice counts.  A server's port 0, 53 or 853 is the transport's
 * (not given: 53 for plain DNS, 853 over TLS, as rdbus.h does),
 * #SERVERNAME is kept as its TLS name (a name that is no host name
 * skips the entry), and a link-local IPv6 address without "%IFINDEX"
 * gets ifindex.  Returns how many entries were skipped, with the first one's
 * why in err ("" when none).
 */
int netif_parse(const char *text, size_t len, int ifindex,
    struct netif_link *out, char *err, size_t errlen);

/*
 * Writes link's settings as NETIF_NWORDS words of source_set_field():
 * "servers=A#P,...", "domains=NAME,~NAME,..." and
 * "default-route=yes|no|auto", each replacing what a link had before.
 */
void netif_words(const struct netif_link *link,
    char words[NETIF_NWORDS][NETIF_WORD_MAX]);

/* What main does for the links (every op runs from the loop). */
struct netif_ops {
	/*
	 * Applies the NETIF_NWORDS words to the networkd source of link
	 * ifindex (ifname its name now, "" if the kernel knows no such
	 * link here), making it if new.  Returns 0, or -1 with why in err
	 * and nothing changed (logged; tried again at the next change).
	 */
	int (*link_set)(void *arg, int ifindex, const char *ifname,
	    const char *const *words, size_t nwords, char *err, size_t errlen);
	/* Drops the networkd source of ifindex, if any: its file went, or
	 * it no longer names a server or is no longer managed. */
	void (*link_revert)(void *arg, int ifindex);
	void *arg;
};

struct netif_watch;

/*
 * Follows the state files in dir (absolute): reads them now (calling
 * ops for the links already there before returning), then
 * NETIF_SETTLE_MS after a file there is written, renamed into place or
 * deleted.  A dir missing is no error: its parent is watched for it to
 * appear, or, that missing too, both are looked for every
 * NETIF_RETRY_MS; a dir that goes takes its links with it.  A link is
 * set only when its words change; one with no server, or unmanaged, is
 * not a source.  ops is copied; l must outlive the watch.
 * Returns the watch, or NULL with why in err (out of memory, no
 * inotify, a dir that is not an absolute path).
 */
struct netif_watch *netif_watch_new(struct loop *l, const char *dir,
    const struct netif_ops *ops, char *err, size_t errlen);

/* Stops watching and frees w (NULL is fine); the links set stay set. */
void netif_watch_free(struct netif_watch *w);

#endif /* ROOST_NETIF_H */
