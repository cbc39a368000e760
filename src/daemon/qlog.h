/*
 * src/daemon/qlog.h - the query log: one line per answer sent, to
 * roostd's log as log-queries says (rate-limited) and to the clients of
 * `roost monitor` (control.h) whatever it says.
 *
 * A line, without its LF:
 *
 *   CLIENT#PORT udp|tcp NAME TYPE RCODE FROM[ SERVER] MSms
 *
 * NAME the question's, lower-cased (wire_name_to_text(), "-" when no
 * question was read), TYPE a mnemonic or TYPEnnn, RCODE a mnemonic or
 * RCODEnn, FROM cache, upstream (followed by the server that answered),
 * stale, local, blocked or roostd (roostd's own answer: an error, a
 * refusal, a SERVFAIL), MS the milliseconds since the question came.
 *
 * Cost: the query path calls no hook at all unless log-queries is on or
 * a monitor is connected (query_ctx_set_log()).  The log gets at most
 * QLOG_LOG_PER_S lines a second; the rest are counted and the count is
 * logged when the next second begins.  Monitors are never waited for:
 * their sink drops what a slow one cannot take.
 *
 * Ownership: the qlog is its creator's; it holds no memory beyond
 * itself.  The query context it feeds must outlive it.
 */
#ifndef ROOST_QLOG_H
#define ROOST_QLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "loop.h"
#include "query.h"

#define QLOG_LOG_PER_S 100 /* lines a second to the log */
#define QLOG_LINE_MAX 1200 /* a line's longest text, NUL included */

struct qlog;

/* Takes each line (len octets, no LF, valid for the call). */
typedef void qlog_sink_fn(void *arg, const char *line, size_t len);

/* A query log feeding nothing yet.  Returns it, or NULL (no memory). */
struct qlog *qlog_new(struct loop *l, struct query_ctx *q);

/* Which answers go to roostd's log from now on. */
void qlog_set_mode(struct qlog *g, enum config_log_queries mode);

/* Every line goes to fn (NULL: no sink) from now on. */
void qlog_set_sink(struct qlog *g, qlog_sink_fn *fn, void *arg);

/* True for the rcodes log-queries = failed shows. */
bool qlog_failed(unsigned rcode);

/*
 * Writes e's line (see above) into buf (len octets, NUL-terminated,
 * cut if short).  Returns the line's length as written.
 */
size_t qlog_format(const struct query_log_entry *e, char *buf, size_t len);

/* Frees g (NULL is fine); the query context gets no log hook. */
void qlog_free(struct qlog *g);

#endif /* ROOST_QLOG_H */
