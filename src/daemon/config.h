/*
 * src/daemon/config.h - roostd's configuration: the config file, command
 * line options and their defaults.
 *
 * A struct config is plain data with fixed-size arrays: it owns no heap
 * memory, so it can be copied, compared and dropped freely.  Building one
 * never exits the process: every failure is reported as text in the
 * caller's buffer ("FILE:LINE: message" for the file), and only main
 * decides what to do with it.
 *
 * The file format: one "key = value" per line, blanks around both
 * allowed; a '#' at the start of a line or after a blank starts a comment
 * (so "127.0.0.1#5353" is one value); blank lines are ignored; CRLF line
 * ends are accepted; a line longer than CONFIG_MAX_LINE or holding a
 * control character other than a tab is an error.  Keys that take a list
 * (listen, upstream, allow, forward-zone, local-zone, local-data,
 * hosts-file) may be repeated; a repeated scalar key keeps
 * its last value.  Every key is also roostd's long flag (--key VALUE).
 * See etc/roostd.conf.
 */
#ifndef ROOST_CONFIG_H
#define ROOST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "acl.h"
#include "addr.h"
#include "control_proto.h"
#include "server.h"
#include "wire.h"

#define CONFIG_MAX_LISTEN 16
#define CONFIG_MAX_UPSTREAM 8
#define CONFIG_MAX_ALLOW 64
#define CONFIG_MAX_ZONES 32       /* forward-zone lines */
#define CONFIG_MAX_LOCAL_ZONES 64 /* local-zone lines */
#define CONFIG_MAX_HOSTS_FILES 8  /* hosts-file lines */
#define CONFIG_MAX_BLOCKLISTS 16  /* blocklist lines; allowlist too */
#define CONFIG_MAX_INSECURE 64    /* domain-insecure names */
/* local-data lines, as text: each line's record and its NUL */
#define CONFIG_LOCAL_DATA_BYTES 16384
#define CONFIG_MAX_LINE 1024 /* longer lines are an error */
#define CONFIG_PATH_MAX 512
#define CONFIG_USER_MAX 33 /* a Linux login name and the NUL */
/* a unix socket path: sizeof(sun_path) with its NUL */
#define CONFIG_CONTROL_PATH_MAX CONTROL_PROTO_PATH_MAX

#define CONFIG_DNS_PORT 53

enum config_log_level {
	CONFIG_LOG_ERR = 0,
	CONFIG_LOG_WARN,
	CONFIG_LOG_INFO,
	CONFIG_LOG_DEBUG,
};

/* A forward-zone: the questions at or below name go to these servers. */
struct config_zone {
	uint8_t name[WIRE_MAX_NAME]; /* wire form, lower case, not the root */
	size_t name_len;
	struct server server[CONFIG_MAX_UPSTREAM];
	size_t nserver;
	bool runtime; /* a run-time source's routing domain (a VPN's,
			 a link's): its names are not validated */
};

/* What a blocked name is answered. */
enum config_block_answer {
	CONFIG_BLOCK_NXDOMAIN,
	CONFIG_BLOCK_NULL, /* 0.0.0.0 and ::, NODATA for other types */
	CONFIG_BLOCK_REFUSED,
};

/* DNSSEC validation (dnssec). */
enum config_dnssec {
	CONFIG_DNSSEC_NO,         /* pass records through, never claim AD */
	CONFIG_DNSSEC_YES,        /* bogus answers are SERVFAIL */
	CONFIG_DNSSEC_PERMISSIVE, /* bogus answers are logged, served
				     without AD */
};

/* A domain name of a list key (domain-insecure). */
struct config_domain {
	uint8_t name[WIRE_MAX_NAME]; /* wire form, lower case */
	uint8_t name_len;
};

/* Which answers the query log shows (log-queries). */
enum config_log_queries {
	CONFIG_LOG_QUERIES_NO,
	CONFIG_LOG_QUERIES_YES,
	CONFIG_LOG_QUERIES_FAILED, /* rcodes other than NOERROR, NXDOMAIN */
};

/* The kinds of local-zone (local.h says what each answers). */
enum config_local_kind {
	CONFIG_LOCAL_STATIC,
	CONFIG_LOCAL_TRANSPARENT,
	CONFIG_LOCAL_REFUSE,
};

/* A local-zone: the questions at or below name are answered here. */
struct config_local_zone {
	uint8_t name[WIRE_MAX_NAME]; /* wire form, lower case, not the root */
	uint8_t name_len;
	uint8_t kind; /* enum config_local_kind */
};

struct config {
	/* where the values came from, for messages */
	char path[CONFIG_PATH_MAX];

	struct addr listen[CONFIG_MAX_LISTEN];
	size_t nlisten;
	struct server upstream[CONFIG_MAX_UPSTREAM];
	size_t nupstream;
	struct addr_subnet allow[CONFIG_MAX_ALLOW];
	size_t nallow;
	struct config_zone zone[CONFIG_MAX_ZONES]; /* in configuration order */
	size_t nzone;

	/* names answered here (local.h): the built-in zones, and the
	 * local-zone and local-data lines; local_data holds nlocal_data
	 * records as text, each with its NUL, local_data_len octets */
	bool serve_localhost;
	bool serve_special_use;
	bool serve_private_reverse;
	bool domain_needed;
	struct config_local_zone local_zone[CONFIG_MAX_LOCAL_ZONES];
	size_t nlocal_zone;
	char local_data[CONFIG_LOCAL_DATA_BYTES];
	size_t local_data_len;
	size_t nlocal_data;
	/* hosts files answered from (hosts.h); "hosts-file = none" sets
	 * hosts_file_none, so config_finish() adds no default */
	char hosts_file[CONFIG_MAX_HOSTS_FILES][CONFIG_PATH_MAX];
	size_t nhosts_file;
	bool hosts_file_none;
	/* blocklists and allowlists (blocklist.h), and what a blocked
	 * name is answered */
	char blocklist[CONFIG_MAX_BLOCKLISTS][CONFIG_PATH_MAX];
	size_t nblocklist;
	char allowlist[CONFIG_MAX_BLOCKLISTS][CONFIG_PATH_MAX];
	size_t nallowlist;
	enum config_block_answer block_answer;

	/* DNSSEC (validate.h): the mode, the trust anchor file ("": the
	 * system's, else built-in keys), negative trust anchors */
	enum config_dnssec dnssec;
	char trust_anchor_file[CONFIG_PATH_MAX];
	struct config_domain insecure[CONFIG_MAX_INSECURE];
	size_t ninsecure;

	/* DNS over TLS (tls.h): the policy of every server that does not
	 * say (config_finish() settles each), and the CA certificates
	 * servers are authenticated by ("": the system's store) */
	enum server_tls dns_over_tls;
	char tls_ca_file[CONFIG_PATH_MAX];

	/* upstreams come from this file when none is configured */
	char resolv_conf[CONFIG_PATH_MAX];
	/* they did (config_finish()): roostd follows the file's changes */
	bool upstream_from_resolv;

	/* One try at one upstream may last its smoothed RTT plus this. */
	unsigned upstream_timeout_ms;
	/* A client gets an answer, a stale one or SERVFAIL within this. */
	unsigned query_deadline_ms;
	/* A question is tried upstream this long (config_finish() makes it
	 * at least query_deadline_ms); an answer that comes after a
	 * client's deadline is still cached. */
	unsigned upstream_give_up_ms;

	unsigned tcp_idle_timeout_s;
	unsigned tcp_max_connections;

	enum config_log_level log_level;
	enum config_log_queries log_queries;

	/* the cache (see include/cache.h) */
	unsigned cache_size;       /* bytes, every byte counted */
	unsigned min_ttl;          /* s */
	unsigned max_ttl;          /* s */
	unsigned max_negative_ttl; /* s */
	unsigned servfail_ttl;     /* s a SERVFAIL from every upstream is
				      remembered; 0: not at all */
	bool prefetch;             /* refresh entries hit in their last 10% */
	bool minimal_responses;    /* cache and serve only the answer section
				      of positive answers without DO */
	bool serve_stale;          /* RFC 8767, when every upstream fails */
	unsigned stale_limit;      /* s past expiry an entry may be served */
	/* RFC 8767: ms a refresh of an expired entry may take before the
	 * stale answer goes out (0: at once); s after a failed refresh in
	 * which stale answers go out without asking again. */
	unsigned stale_client_timeout_ms;
	unsigned stale_recheck_s;
	bool dns0x20; /* random case upstream, exact case in the answer */
	/* refuse private addresses for public names (rebind.h) */
	bool rebind_protection;
	bool upstream_cookies; /* RFC 7873 toward upstreams */
	/* serve org.freedesktop.resolve1's SetLink* calls (rdbus.h) */
	bool dbus;
	/* follow systemd-networkd's links through the state files in
	 * networkd_state_dir (an absolute path; netif.h) */
	bool networkd;
	char networkd_state_dir[CONFIG_PATH_MAX];

	/* Warm restarts (see include/cachefile.h): where the cache is
	 * saved, "" for the default (see config_cache_file()) or "none";
	 * and how often, in seconds (0: only when roostd stops). */
	char cache_file[CONFIG_PATH_MAX];
	unsigned cache_save_interval_s;

	/* Started as root, roostd binds its sockets and then runs as this
	 * user; "root" keeps root (a warning is logged). */
	char user[CONFIG_USER_MAX];

	/* The control socket (roost stats, flush, dump, reload): an
	 * absolute path, or "" for none ("control-socket = none").
	 * control_socket_set: it was configured, so failing to create it
	 * stops start-up; the default only logs why it is missing. */
	char control_socket[CONFIG_CONTROL_PATH_MAX];
	bool control_socket_set;
};

#define CONFIG_CACHE_FILE_NONE "none"
#define CONFIG_CACHE_FILE_NAME "cache" /* in the state directory */

/*
 * The forward-zone of c that holds name (wire form, len octets; the
 * longest one), or NULL.
 */
const struct config_zone *
config_zone_for(const struct config *c, const uint8_t *name, size_t len);

/* How a key's value is parsed and where it goes. */
enum config_kind {
	CONFIG_KIND_LISTEN,
	CONFIG_KIND_UPSTREAM,
	CONFIG_KIND_ALLOW,
	CONFIG_KIND_FORWARD_ZONE,
	CONFIG_KIND_LOCAL_ZONE,
	CONFIG_KIND_LOCAL_DATA,
	CONFIG_KIND_HOSTS_FILE,
	CONFIG_KIND_BLOCKLIST,
	CONFIG_KIND_ALLOWLIST,
	CONFIG_KIND_BLOCK_ANSWER,
	CONFIG_KIND_DNSSEC,
	CONFIG_KIND_DNS_OVER_TLS,
	CONFIG_KIND_INSECURE,
	CONFIG_KIND_LOG_QUERIES,
	CONFIG_KIND_PATH,
	CONFIG_KIND_ABS_PATH, /* a PATH that must start with "/" */
	CONFIG_KIND_UINT,
	CONFIG_KIND_LOG_LEVEL,
	CONFIG_KIND_BOOL,
	CONFIG_KIND_USER,
	CONFIG_KIND_CACHE_FILE,
	CONFIG_KIND_CONTROL,
};

/*
 * One key of roostd.conf, which is also roostd's long flag --NAME ARG.
 * config_options[] is the one list of the keys: their kinds, ranges,
 * defaults and help text; config_defaults(), config_finish()'s default
 * lists, roostd's flags and --help and the docs test all read it.
 */
struct config_option {
	const char *name;
	enum config_kind kind;
	size_t off;        /* of the field; unused by the list kinds */
	size_t size;       /* of a string field (PATH, USER, ...) */
	unsigned min, max; /* CONFIG_KIND_UINT's range */
	const char *unit;  /* CONFIG_KIND_UINT's, for messages */
	/* The default as roostd.conf spells it: a list's entries separated
	 * by blanks (config_finish() adds them to an empty list); "" when
	 * the default is not a value (upstream, cache-file: help says). */
	const char *def;
	const char *arg;  /* the value's name in --help ("MS") */
	const char *help; /* --help's text, without the default */
};

/* The keys, in --help's order; config_noptions entries. */
extern const struct config_option config_options[];
extern const size_t config_noptions;

/*
 * The option named key (the file's key, the flag without "--"), or NULL
 * when there is none.
 */
const struct config_option *config_option_find(const char *key);

/* True for the keys that take a list (listen, upstream, allow,
 * forward-zone, local-zone, local-data, hosts-file). */
bool config_option_is_list(const struct config_option *o);

/*
 * Sets every value to its default (each config_options[] entry's .def),
 * with empty listen, upstream and allow lists (config_finish() fills the
 * empty ones) and control_socket_set false.
 */
void config_defaults(struct config *c);

/*
 * Applies one option, from the file or the command line: key is the
 * file's key (the long flag without "--"), value its text.  List keys
 * append; a list already holding CONFIG_MAX_* entries, or an address
 * already in listen or upstream, is an error.  Numbers are strict
 * decimal (no sign, blank, suffix or overflow) within the key's range.
 * An allow subnet with host bits set ("10.0.0.1/8") is rejected, not
 * masked; a bare address is a /32 or /128.  Returns 0, or -1 with
 * "KEY: bad value "VALUE": why" (or similar, always naming the key and
 * the value) in err, c unchanged; no "FILE:LINE" prefix: the caller adds
 * where it came from.
 */
int config_set(struct config *c, const char *key, const char *value, char *err,
    size_t errlen);

/*
 * Empties the list that key names (listen, upstream, allow,
 * forward-zone, local-zone, local-data or hosts-file), so that
 * command-line values replace the file's instead of adding to them.
 * Returns 0, or -1 if key is not a list key.
 */
int config_clear_list(struct config *c, const char *key);

/*
 * Reads the file at path into c (on top of what c holds) and records
 * path in c->path.  If missing_ok and the file does not exist (ENOENT),
 * returns 0 with c untouched.  Returns 0, or -1 with "PATH:LINE: message"
 * (or "PATH: strerror") in err; c may then be partly updated and should
 * be dropped.  Stops at the first error.
 */
int config_load_file(struct config *c, const char *path, bool missing_ok,
    char *err, size_t errlen);

/*
 * Completes c after file and flags: the default listen addresses
 * (127.0.0.1#53 and ::1#53), allow list (127.0.0.0/8, ::1/128) and
 * hosts files (/etc/hosts, unless "none") when empty; when no upstream is set, the nameservers of c->resolv_conf
 * (port 53; the first CONFIG_MAX_UPSTREAM usable ones; duplicates and
 * lines it cannot parse skipped, as the libc resolver skips them), minus
 * any address roostd itself listens on (that would be a loop).  "Itself"
 * means the same address and port as a listen entry, or a loopback
 * address on the port of a wildcard (0.0.0.0 or ::) listen entry.
 * upstream-give-up below the query deadline is raised to it.
 * Returns 0, or -1 with the reason in err, no "FILE:" prefix: the query
 * deadline does not exceed the upstream timeout, a configured upstream
 * is one of our listen addresses, or no upstream is left (the message
 * says why and to set "upstream").  Reads only c->resolv_conf; calling
 * it twice is harmless.
 */
int config_finish(struct config *c, char *err, size_t errlen);

/*
 * The listen address of c a query sent to up would reach, or NULL: the
 * same address and port, or a loopback address on a wildcard listen's
 * port.  (A wildcard also receives on the host's other addresses; they
 * are not enumerated, so those are not caught.)
 */
const struct addr *
config_find_self(const struct config *c, const struct addr *up);

/*
 * The upstreams from the nameservers of c->resolv_conf, as
 * config_finish() takes them when none is configured (port 53, at most
 * CONFIG_MAX_UPSTREAM, roostd's own listen addresses skipped): replaces
 * c's upstream list.  For a resolv.conf that changed while roostd runs.
 * Returns 0, or -1 with why in err ("no upstream: ...") and c->nupstream
 * 0.
 */
int config_resolv_upstreams(struct config *c, char *err, size_t errlen);

/*
 * Where the cache is saved: c->cache_file if set (an absolute path), or
 * else STATE_DIR/cache when state_dir (systemd's $STATE_DIRECTORY; the
 * first directory of a colon-separated list) is set and not empty.
 * Returns buf holding the path, or NULL for no cache file ("none", no
 * state directory, or a path that does not fit buflen).
 */
const char *config_cache_file(const struct config *c, const char *state_dir,
    char *buf, size_t buflen);

#endif /* ROOST_CONFIG_H */
