/*
 * src/client/cmd_resolve.c - `roost resolve`: what an application on this
 * machine sees, through getaddrinfo(3) and getnameinfo(3).
 *
 * This is the one subcommand that uses the system resolver (nsswitch,
 * /etc/hosts, /etc/resolv.conf, roostd): checking that path end to end
 * is its purpose.  The addrinfo chain is printed as a program walks it
 * (connect() to each in turn until one works): the order getaddrinfo()
 * returns, the system's RFC 6724 sort, one row per entry with its
 * family, socket type, protocol, address, port and the address's kind
 * (addr_kind()).  Owns: the addrinfo list, freed before
 * cmd_resolve_main() returns.
 */
#define _GNU_SOURCE /* EAI_NODATA, EAI_ADDRFAMILY are GNU extensions */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "client.h"

static void
resolve_usage(FILE *f)
{
	fprintf(f,
	    "usage: roost resolve [-4|-6] NAME [SERVICE]\n"
	    "       roost resolve -x ADDRESS\n"
	    "Ask the system resolver, as an application does: getaddrinfo(3)\n"
	    "(nsswitch, /etc/hosts, /etc/resolv.conf, roostd), and print the\n"
	    "addrinfo chain as a program walks it, connect() to each in turn:\n"
	    "family, socket type, protocol, address, port (- without SERVICE)\n"
	    "and the address's kind (loopback, private, shared, link-local,\n"
	    "documentation, unique-local, global, ...).  -x asks "
	    "getnameinfo(3)\n"
	    "for the name of ADDRESS.\n"
	    "\n"
	    "  -4              IPv4 addresses only (AF_INET)\n"
	    "  -6              IPv6 addresses only (AF_INET6)\n"
	    "  -x, --reverse   the name of a numeric ADDRESS (NI_NAMEREQD)\n"
	    "  -h, --help      this text\n"
	    "\n"
	    "Exit status: 0 addresses (or a name), 1 no such name or no "
	    "address\n"
	    "(EAI_NONAME, EAI_NODATA), 2 other failures (EAI_AGAIN, ...), 3 "
	    "usage.\n");
}

static const char *
family_str(int f)
{
	return f == AF_INET ? "AF_INET" : f == AF_INET6 ? "AF_INET6" : "other";
}

static const char *
socktype_str(int t)
{
	switch (t) {
	case SOCK_STREAM:
		return "SOCK_STREAM";
	case SOCK_DGRAM:
		return "SOCK_DGRAM";
	case SOCK_RAW:
		return "SOCK_RAW";
	default:
		return "other";
	}
}

static const char *
proto_str(int p)
{
	switch (p) {
	case IPPROTO_TCP:
		return "IPPROTO_TCP";
	case IPPROTO_UDP:
		return "IPPROTO_UDP";
	case 0:
		return "0";
	default:
		return "other";
	}
}

/* The kind of ai's address (addr_kind()), or "-". */
static const char *
kind_str(const struct addrinfo *ai)
{
	if (ai->ai_family == AF_INET)
		return addr_kind(AF_INET,
		    (const uint8_t *)&((const struct sockaddr_in *)ai->ai_addr)
			->sin_addr);
	if (ai->ai_family == AF_INET6)
		return addr_kind(AF_INET6,
		    (const uint8_t *)&((const struct sockaddr_in6 *)ai->ai_addr)
			->sin6_addr);
	return "-";
}

static int
gai_status(int e)
{
	switch (e) {
	case EAI_NONAME:
	case EAI_NODATA:
	case EAI_ADDRFAMILY:
		return CLIENT_EXIT_NONAME;
	default:
		return CLIENT_EXIT_FAIL;
	}
}

static int
do_reverse(const char *text)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	char host[NI_MAXHOST];
	socklen_t len;
	int e;

	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		len = sizeof(*sin6);
	} else {
		fprintf(stderr,
		    "roost resolve: not a numeric address: "
		    "\"%s\"\n",
		    text);
		return CLIENT_EXIT_USAGE;
	}
	e = getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), NULL,
	    0, NI_NAMEREQD);
	if (e != 0) {
		fprintf(stderr, "roost resolve: %s: %s\n", text,
		    gai_strerror(e));
		return gai_status(e);
	}
	printf("%s\n", host);
	return CLIENT_EXIT_ANSWER;
}

static int
do_forward(const char *name, const char *service, int family)
{
	struct addrinfo hints = { .ai_family = family,
		.ai_flags = AI_CANONNAME };
	struct addrinfo *res = NULL, *ai;
	char host[NI_MAXHOST], port[NI_MAXSERV];
	size_t width = strlen("ADDRESS");
	int e;

	e = getaddrinfo(name, service, &hints, &res);
	if (e != 0) {
		fprintf(stderr, "roost resolve: %s%s%s: %s\n", name,
		    service != NULL ? " " : "", service != NULL ? service : "",
		    gai_strerror(e));
		return gai_status(e);
	}
	if (res->ai_canonname != NULL)
		printf("canonical name %s\n", res->ai_canonname);
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host),
			NULL, 0, NI_NUMERICHOST) == 0 &&
		    strlen(host) > width)
			width = strlen(host);
	printf("%-8s  %-11s  %-11s  %-*s  %-5s  %s\n", "FAMILY", "SOCKTYPE",
	    "PROTOCOL", (int)width, "ADDRESS", "PORT", "KIND");
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		e = getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host),
		    port, sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV);
		if (e != 0)
			snprintf(host, sizeof(host), "?");
		printf("%-8s  %-11s  %-11s  %-*s  %-5s  %s\n",
		    family_str(ai->ai_family), socktype_str(ai->ai_socktype),
		    proto_str(ai->ai_protocol), (int)width, host,
		    service != NULL && e == 0 ? port : "-", kind_str(ai));
	}
	freeaddrinfo(res);
	return CLIENT_EXIT_ANSWER;
}

int
cmd_resolve_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reverse", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, family = AF_UNSPEC, reverse = 0;

	while ((c = getopt_long(argc, argv, "46xh", longopts, NULL)) != -1) {
		switch (c) {
		case '4':
			family = AF_INET;
			break;
		case '6':
			family = AF_INET6;
			break;
		case 'x':
			reverse = 1;
			break;
		case 'h':
			resolve_usage(stdout);
			return CLIENT_EXIT_ANSWER;
		default:
			resolve_usage(stderr);
			return CLIENT_EXIT_USAGE;
		}
	}
	if (reverse && optind == argc - 1 && family == AF_UNSPEC)
		return do_reverse(argv[optind]);
	if (!reverse && (optind == argc - 1 || optind == argc - 2))
		return do_forward(argv[optind],
		    optind == argc - 2 ? argv[optind + 1] : NULL, family);
	resolve_usage(stderr);
	return CLIENT_EXIT_USAGE;
}
