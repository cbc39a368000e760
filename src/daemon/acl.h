/*
 * src/daemon/acl.h - the access check every client query passes: is its
 * source address in the configured allow list?
 *
 * Runs on the query path before a query costs any memory; it reads
 * only the struct config it is given, allocates nothing and makes no
 * call outside this module but memcmp.
 */
#ifndef ROOST_ACL_H
#define ROOST_ACL_H

#include <stdbool.h>
#include <sys/socket.h>

struct config;

/*
 * True if the address sa falls in one of c's allow subnets.  An IPv4
 * source is matched against the IPv4 subnets; an IPv6 source against the
 * IPv6 ones and, if it is v4-mapped (::ffff:127.0.0.1), also against the
 * IPv4 ones.  Any other family is false; so is an empty allow list.
 */
bool acl_allowed(const struct config *c, const struct sockaddr *sa);

#endif /* ROOST_ACL_H */
