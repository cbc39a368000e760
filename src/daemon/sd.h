/*
 * src/daemon/sd.h - roostd under systemd: the sockets socket activation
 * passes in, and the notifications to the service manager (READY,
 * STATUS, WATCHDOG, RELOADING, STOPPING).  libsystemd's sd-daemon is the
 * only systemd API used, and nothing here is required: without
 * $LISTEN_FDS roostd binds its own sockets, and without $NOTIFY_SOCKET
 * every notification is a no-op.
 *
 * The prefix is rsd_ because libsystemd owns sd_.
 *
 * Notifications are datagrams on a local unix socket (sd_notify());
 * they are sent from loop callbacks, so a wedged loop stops the
 * watchdog pings and systemd restarts us.
 */
#ifndef ROOST_SD_H
#define ROOST_SD_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "listen.h"
#include "loop.h"

/* Sockets systemd may pass: one UDP and one TCP per listen address. */
#define RSD_MAX_SOCKETS (2 * CONFIG_MAX_LISTEN)
/* STATUS= is refreshed this often (ms). */
#define RSD_STATUS_MS 5000
/* Fits one STATUS= line. */
#define RSD_STATUS_LEN 256

/*
 * Takes the sockets systemd passed (sd_listen_fds_with_names(), which
 * unsets $LISTEN_FDS so children do not inherit them).  Each must be an
 * IPv4 or IPv6 UDP socket or a listening TCP socket (sd_is_socket_inet);
 * each is made nonblocking and logged with its name and address.  Fills
 * fds[0..*n) (the caller owns the fds) and addrs[0..*naddrs) with their
 * distinct local addresses (at most CONFIG_MAX_LISTEN).  *n == 0: none
 * passed.  Returns 0, or -1 with the reason in err (the fds passed are
 * then closed).
 */
int rsd_listen_fds(struct listen_fd *fds, size_t max, size_t *n,
    struct addr *addrs, size_t *naddrs, char *err, size_t errlen);

/* Writes the one-line STATUS= text into buf (NUL-terminated). */
typedef void rsd_status_fn(void *arg, char *buf, size_t buflen);

struct rsd;

/*
 * Starts talking to the service manager from loop l: reads
 * $WATCHDOG_USEC (sd_watchdog_enabled()) and, when set, pings at half of
 * it from a loop timer.  status(arg) is asked for the STATUS= line every
 * RSD_STATUS_MS once rsd_ready() was called.  Returns the handle, or NULL
 * (out of memory, or the loop's timer heap full) with errno set.
 */
struct rsd *rsd_new(struct loop *l, rsd_status_fn *status, void *arg);

/* Watchdog interval roostd pings at, in ms; 0 when it is off. */
unsigned long rsd_watchdog_ms(const struct rsd *s);

/* READY=1 with the current STATUS=; starts the status refresh. */
void rsd_ready(struct rsd *s);

/* RELOADING=1 (then rsd_ready() when the reload is over). */
void rsd_reloading(struct rsd *s);

/* STOPPING=1 with a STATUS= line saying why; ends the status refresh. */
void rsd_stopping(struct rsd *s, const char *why);

/* Sends STATUS= now (e.g. after a failed reload: text says so). */
void rsd_status_now(struct rsd *s, const char *text);

/* Cancels the timers and frees s (NULL is fine). */
void rsd_free(struct rsd *s);

#endif /* ROOST_SD_H */
