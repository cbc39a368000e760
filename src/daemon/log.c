/*
 * src/daemon/log.c - roostd's log (see log.h).
 *
 * Invariant: each message is formatted into one stack buffer and written
 * with a single write(2), so lines from one process never interleave.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* A line longer is cut.  The SIGUSR1 stats line is the longest: with a
 * few upstreams, DNS over TLS and DNSSEC it is past 1 KiB (journald takes
 * 48 KiB lines). */
#define LOG_LINE_MAX 8192

static const char *log_progname = "roostd";
static enum log_level log_level = LOG_LEVEL_INFO;
static int log_journal; /* stderr is journald: add <N> prefixes */

void
log_init(const char *progname, enum log_level level)
{
	const char *js = getenv("JOURNAL_STREAM");
	struct stat st;
	unsigned long long dev, ino;

	log_progname = progname;
	log_level = level;
	log_journal = 0;
	if (js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino)
		log_journal = 1;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

int
log_enabled(enum log_level level)
{
	return level <= log_level;
}

/* syslog priorities for journald: err, warning, info, debug */
static const int log_prio[] = { 3, 4, 6, 7 };

static void
log_vwrite(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t n = 0;
	int r;

	if (!log_enabled(level))
		return;
	if (log_journal)
		r = snprintf(line, sizeof(line), "<%d>", log_prio[level]);
	else
		r = snprintf(line, sizeof(line), "%s: ", log_progname);
	n = r > 0 ? (size_t)r : 0;
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (r > 0)
		n += (size_t)r;
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	if (errnum != 0) {
		r = snprintf(line + n, sizeof(line) - n, ": %s",
		    strerror(errnum));
		if (r > 0)
			n += (size_t)r;
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
	}
	/* replace control characters a hostile name might carry */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)line[i] < ' ' || line[i] == 0x7f)
			line[i] = '?';
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, n);
}

#define LOG_FN(name, level, with_errno)                                        \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		int saved = errno;                                             \
		va_list ap;                                                    \
                                                                               \
		va_start(ap, fmt);                                             \
		log_vwrite(level, with_errno ? saved : 0, fmt, ap);            \
		va_end(ap);                                                    \
		errno = saved;                                                 \
	}

LOG_FN(log_warn, LOG_LEVEL_WARN, 1)
LOG_FN(log_warnx, LOG_LEVEL_WARN, 0)
LOG_FN(log_info, LOG_LEVEL_INFO, 0)
LOG_FN(log_debug, LOG_LEVEL_DEBUG, 0)
LOG_FN(log_err, LOG_LEVEL_ERR, 0)

int
log_ratelimit_ok(struct log_ratelimit *rl, uint64_t now_ms,
    unsigned *suppressed_out)
{
	if (now_ms - rl->window_start_ms >= LOG_RATELIMIT_INTERVAL_MS ||
	    rl->window_start_ms == 0) {
		rl->window_start_ms = now_ms;
		rl->used = 0;
	}
	if (rl->used >= LOG_RATELIMIT_BURST) {
		rl->suppressed++;
		return 0;
	}
	rl->used++;
	*suppressed_out = rl->suppressed;
	rl->suppressed = 0;
	return 1;
}

void
log_warnx_limited(struct log_ratelimit *rl, uint64_t now_ms, const char *fmt,
    ...)
{
	char line[256];
	unsigned suppressed;
	va_list ap;

	if (!log_ratelimit_ok(rl, now_ms, &suppressed))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (suppressed > 0)
		log_warnx("%s (%u more suppressed)", line, suppressed);
	else
		log_warnx("%s", line);
}

void
log_warn_limited(struct log_ratelimit *rl, uint64_t now_ms, const char *what)
{
	unsigned suppressed;
	int saved = errno;

	if (!log_ratelimit_ok(rl, now_ms, &suppressed))
		return;
	errno = saved;
	if (suppressed > 0)
		log_warn("%s (%u more suppressed)", what, suppressed);
	else
		log_warn("%s", what);
}
