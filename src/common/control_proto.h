/*
 * src/common/control_proto.h - the control protocol between roostd and
 * `roost stats|flush|dump|reload`: the one place for its socket path,
 * request verbs, limits and reply framing, so the daemon and the client
 * cannot drift apart.  Constants only; both programs include it.
 *
 * A connection carries one request line (LF-terminated, at most
 * CONTROL_PROTO_MAX_REQUEST octets with the LF), then the reply: a
 * status line, CONTROL_PROTO_OK or CONTROL_PROTO_ERROR " MESSAGE", data
 * lines after OK, and a line CONTROL_PROTO_END; then roostd closes.  A
 * reply without its end line was cut short.  src/daemon/control.h
 * describes each request's data lines.
 */
#ifndef ROOST_CONTROL_PROTO_H
#define ROOST_CONTROL_PROTO_H

/* Where roostd listens unless control-socket says otherwise. */
#define CONTROL_PROTO_DEFAULT_PATH "/run/roost/control"
/* The longest socket path: sizeof(sun_path) on Linux, NUL included. */
#define CONTROL_PROTO_PATH_MAX 108

/* A request line, LF included: an "upstream set" line with a source's
 * every server and routing domain fits. */
#define CONTROL_PROTO_MAX_REQUEST 8192

/* The request verbs: "stats", "flush", "flush name NAME",
 * "flush zone NAME", "dump", "reload", and the upstream ones below. */
#define CONTROL_PROTO_STATS "stats"
#define CONTROL_PROTO_FLUSH "flush"
#define CONTROL_PROTO_FLUSH_NAME "name" /* second word: that name only */
#define CONTROL_PROTO_FLUSH_ZONE "zone" /* second word: at or below */
#define CONTROL_PROTO_DUMP "dump"
#define CONTROL_PROTO_RELOAD "reload"
/* "upstream", "upstream set SOURCE FIELD=VALUE...",
 * "upstream revert SOURCE", "route NAME" */
#define CONTROL_PROTO_UPSTREAM "upstream"
#define CONTROL_PROTO_UPSTREAM_SET "set"
#define CONTROL_PROTO_UPSTREAM_REVERT "revert"
#define CONTROL_PROTO_ROUTE "route"
/* "monitor": "ok", then a query-log line per answer (qlog.h) for as
 * long as the connection stays open; "." when roostd stops */
#define CONTROL_PROTO_MONITOR "monitor"
/* The fields of "upstream set": comma lists, empty for none. */
#define CONTROL_PROTO_FIELD_SERVERS "servers="
#define CONTROL_PROTO_FIELD_DOMAINS "domains="
#define CONTROL_PROTO_FIELD_DEFAULT_ROUTE "default-route=" /* yes|no|auto */
/* no|opportunistic|strict|default (the configuration's dns-over-tls) */
#define CONTROL_PROTO_FIELD_DNS_OVER_TLS "dns-over-tls="

/* The reply's status words and its last line. */
#define CONTROL_PROTO_OK "ok"
#define CONTROL_PROTO_ERROR "error" /* then a space and the reason */
#define CONTROL_PROTO_END "."

#endif /* ROOST_CONTROL_PROTO_H */
