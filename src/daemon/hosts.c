/*
 * src/daemon/hosts.c - hosts files into the table of local names (see
 * hosts.h).
 *
 * Invariants: a file is read whole into one buffer, freed on every
 * path, and its descriptor closed; nothing of it is kept but the table's
 * records.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errbuf.h"
#include "hosts.h"

/* Files larger than this are not hosts files. */
#define HOSTS_MAX_FILE (64u << 20)

struct line_ctx {
	struct local_table *t;
	const char *path;
	size_t lineno;
	bool skip_localhost;
	hosts_warn_cb *warn;
	void *arg;
	struct hosts_count *n;
};

static void
bad_line(struct line_ctx *lc, const char *why, const char *word)
{
	char msg[512];

	lc->n->bad++;
	if (lc->warn == NULL || lc->n->bad > HOSTS_MAX_WARNINGS)
		return;
	snprintf(msg, sizeof(msg), "%s:%zu: %s \"%.64s\"%s", lc->path,
	    lc->lineno, why, word,
	    lc->n->bad == HOSTS_MAX_WARNINGS ? " (further bad lines only "
					       "counted)"
					     : "");
	lc->warn(lc->arg, msg);
}

/* The reverse name of an address (4 or 16 octets) in wire form. */
static void
reverse_name(const uint8_t *a, size_t alen, uint8_t *out, size_t *len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (alen == 4) {
		for (size_t i = 4; i-- > 0;) {
			int k = snprintf((char *)out + n + 1, 4, "%u", a[i]);

			out[n] = (uint8_t)k;
			n += 1 + (size_t)k;
		}
		memcpy(out + n, "\7in-addr\4arpa", 14);
		n += 14;
	} else {
		for (size_t i = 16; i-- > 0;) {
			out[n++] = 1;
			out[n++] = (uint8_t)hex[a[i] & 0xf];
			out[n++] = 1;
			out[n++] = (uint8_t)hex[a[i] >> 4];
		}
		memcpy(out + n, "\3ip6\4arpa", 10);
		n += 10;
	}
	*len = n;
}

/* True if name (wire form) is localhost. or below it. */
static bool
is_localhost(const uint8_t *name, size_t len)
{
	static const uint8_t lh[] = "\11localhost";

	return wire_name_is_subdomain(name, len, lh, sizeof(lh));
}

/* One name of a line: its address record, and the PTR if first. */
static int
add_name(struct line_ctx *lc, const char *word, const uint8_t *a, size_t alen,
    bool first)
{
	uint8_t name[WIRE_MAX_NAME], rev[WIRE_MAX_NAME];
	size_t len, rlen;

	if (wire_name_from_text(word, name, &len) != WIRE_OK || len < 2) {
		bad_line(lc, "bad name", word);
		return 0;
	}
	wire_name_lower(name, len);
	if (lc->skip_localhost && is_localhost(name, len))
		return 0;
	if (local_table_rr(lc->t, name, len, alen == 4 ? WIRE_T_A : WIRE_T_AAAA,
		HOSTS_TTL, a, alen) != 0)
		return -1;
	lc->n->records++;
	reverse_name(a, alen, rev, &rlen);
	if (!first || local_table_has(lc->t, rev, rlen, WIRE_T_PTR))
		return 0;
	if (local_table_rr(lc->t, rev, rlen, WIRE_T_PTR, HOSTS_TTL, name,
		len) != 0)
		return -1;
	lc->n->records++;
	return 0;
}

/* One line (NUL-terminated, comment and line end cut). */
static int
parse_line(struct line_ctx *lc, char *s)
{
	uint8_t a[16];
	size_t alen;
	char *addr, *w, *save = NULL;
	bool first = true;

	addr = strtok_r(s, " \t\r", &save);
	if (addr == NULL)
		return 0;
	if (inet_pton(AF_INET, addr, a) == 1)
		alen = 4;
	else if (inet_pton(AF_INET6, addr, a) == 1)
		alen = 16;
	else {
		bad_line(lc, "bad address", addr);
		return 0;
	}
	while ((w = strtok_r(NULL, " \t\r", &save)) != NULL) {
		if (add_name(lc, w, a, alen, first) != 0)
			return -1;
		first = false;
	}
	if (first)
		bad_line(lc, "an address without a name", addr);
	return 0;
}

int
hosts_parse(struct local_table *t, const char *path, const char *text,
    size_t len, bool skip_localhost, hosts_warn_cb *warn, void *arg,
    struct hosts_count *n)
{
	struct line_ctx lc = { t, path, 0, skip_localhost, warn, arg, n };
	char line[HOSTS_MAX_LINE + 1];
	size_t off = 0;

	while (off < len) {
		const char *end = memchr(text + off, '\n', len - off);
		size_t ll =
		    end != NULL ? (size_t)(end - (text + off)) : len - off;

		lc.lineno++;
		n->lines++;
		if (ll > HOSTS_MAX_LINE || memchr(text + off, '\0', ll)) {
			bad_line(&lc,
			    ll > HOSTS_MAX_LINE ? "line too long" : "NUL in",
			    "line");
		} else {
			memcpy(line, text + off, ll);
			line[ll] = '\0';
			line[strcspn(line, "#")] = '\0';
			if (parse_line(&lc, line) != 0)
				return -1;
		}
		off += ll + 1;
	}
	return 0;
}

int
hosts_load(struct local_table *t, const char *path, bool skip_localhost,
    hosts_warn_cb *warn, void *arg, struct hosts_count *n, char *err,
    size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t r = 0;
	int ret = -1, saved;

	if (fd < 0 || fstat(fd, &st) != 0)
		goto fail;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > HOSTS_MAX_FILE) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (got < (size_t)st.st_size &&
	    (r = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)r;
	if (r < 0)
		goto fail;
	if (hosts_parse(t, path, buf, got, skip_localhost, warn, arg, n) != 0)
		goto fail;
	ret = 0;
fail:
	saved = errno;
	if (ret != 0)
		errbuf(err, errlen, "%s: %s", path, strerror(saved));
	free(buf);
	if (fd >= 0)
		close(fd);
	errno = saved;
	return ret;
}
