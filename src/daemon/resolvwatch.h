/*
 * src/daemon/resolvwatch.h - following a resolv.conf that network
 * managers rewrite: inotify on the folder that holds it and, when it is
 * a symbolic link, on the folder of the file it points to, so that a
 * rename over it (NetworkManager, resolvconf), a write in place, a link
 * pointed elsewhere and a rewrite of the link's target are all seen.
 * Changes are debounced (RESOLVWATCH_SETTLE_MS after the last event, so
 * that a file written in pieces is read whole) and then reported once.
 *
 * Ownership: the watch owns its inotify descriptor and its loop timer.
 */
#ifndef ROOST_RESOLVWATCH_H
#define ROOST_RESOLVWATCH_H

#include <stddef.h>

#include "loop.h"

#define RESOLVWATCH_SETTLE_MS 100

struct resolv_watch;

/* The file may have changed: read it again. */
typedef void resolv_watch_cb(void *arg);

/*
 * Watches path (absolute).  Returns the watch, or NULL with why in err
 * (no inotify, the folder missing).
 */
struct resolv_watch *resolv_watch_new(struct loop *l, const char *path,
    resolv_watch_cb *cb, void *arg, char *err, size_t errlen);

/* Stops watching and frees w (NULL is fine). */
void resolv_watch_free(struct resolv_watch *w);

#endif /* ROOST_RESOLVWATCH_H */
