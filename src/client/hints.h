/*
 * src/client/hints.h - the root hints the walk starts from: the built-in
 * IANA root servers, or a named.root-style file.
 *
 * Ownership: each function returns a new set that the caller frees with
 * nsset_free().
 */
#ifndef ROOST_HINTS_H
#define ROOST_HINTS_H

#include <stddef.h>

#include "nsset.h"

/*
 * The built-in root hints (the IANA root servers, IPv4 and IPv6), every
 * address with this port, sorted by name.  Returns a new set or NULL
 * when out of memory.
 */
struct nsset *hints_builtin(int port);

/*
 * Root hints from a named.root-style file: the NS records of "." and
 * the A/AAAA records of their names, every address with port, sorted by
 * name.  Returns a new set, or NULL with "FILE: reason" or
 * "FILE:LINE: reason" in err (unreadable, a syntax error, no NS record
 * for the root, no address for any root server).
 */
struct nsset *hints_load(const char *file, int port, char *err, size_t errlen);

/*
 * The root hints a command was told to use: hints_load(file) when file
 * is not NULL, else hints_builtin(), "out of memory" in err when that
 * fails.  Returns a new set or NULL.
 */
struct nsset *hints_open(const char *file, int port, char *err, size_t errlen);

#endif /* ROOST_HINTS_H */
