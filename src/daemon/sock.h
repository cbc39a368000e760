/*
 * src/daemon/sock.h - opening the sockets roostd serves clients on: an
 * ADDR#PORT from the configuration made into a bound, nonblocking,
 * close-on-exec UDP socket or listening TCP socket, and a failure
 * explained with the way out (a low port without the privilege, an
 * address another program holds, an address no interface has, IPv6
 * disabled).
 *
 * Ownership: a returned fd belongs to the caller.
 */
#ifndef ROOST_SOCK_H
#define ROOST_SOCK_H

#include <stddef.h>

#include "config.h"

/*
 * Opens a socket of type (SOCK_DGRAM or SOCK_STREAM) bound to a: IPv6
 * sockets v6-only, TCP with SO_REUSEADDR and listening.  Returns the fd,
 * or -1 with errno set and "cannot listen on ADDR#PORT/PROTO: ..." (and
 * a hint) in err.
 */
int
sock_open_listener(const struct addr *a, int type, char *err, size_t errlen);

#endif /* ROOST_SOCK_H */
