/*
 * src/daemon/log.h - roostd's log: levels, journald priority prefixes and
 * rate-limited warnings.
 *
 * Lines go to stderr, one per message, no trailing newline in the
 * format.  When stderr is the journal (JOURNAL_STREAM matches it) each
 * line starts with a "<N>" syslog priority prefix so journald files it at
 * the right level.  Nothing here allocates.
 *
 * Globals (allowed by STYLE.md for log settings): the level and the
 * prefix flag, set once by main (and by a reload).
 */
#ifndef ROOST_LOG_H
#define ROOST_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level {
	LOG_LEVEL_ERR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/*
 * Sets the level and the program name, and detects the journal (when
 * stderr's device and inode match $JOURNAL_STREAM).
 */
void log_init(const char *progname, enum log_level level);

/* Changes the level (e.g. on reload). */
void log_set_level(enum log_level level);

/* True if messages of this level are written (to skip building them). */
int log_enabled(enum log_level level);

/* An error with ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An error without errno. */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A startup error: the caller exits. */
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A fixed-window limit for warnings that can repeat per packet: at most
 * LOG_RATELIMIT_BURST lines per LOG_RATELIMIT_INTERVAL_MS window; the
 * number suppressed is reported with the next line let through.
 */
struct log_ratelimit {
	uint64_t window_start_ms;
	unsigned used;
	unsigned suppressed;
};

#define LOG_RATELIMIT_BURST 5
#define LOG_RATELIMIT_INTERVAL_MS 10000

/*
 * Returns 1 if a line may be written now (now_ms from the loop clock),
 * 0 to drop it.  *suppressed_out gets the count dropped since the last
 * line let through.
 */
int log_ratelimit_ok(struct log_ratelimit *rl, uint64_t now_ms,
    unsigned *suppressed_out);

/*
 * A warning through rl (now_ms from the loop clock), if it lets one
 * through: the formatted line (cut at 255 octets), and " (N more
 * suppressed)" when rl dropped N > 0 lines since the last one.
 */
void log_warnx_limited(struct log_ratelimit *rl, uint64_t now_ms,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * A failed call's warning through rl: what and ": strerror(errno)", and
 * " (N more suppressed)" when rl dropped some since the last one.  errno
 * is kept.
 */
void
log_warn_limited(struct log_ratelimit *rl, uint64_t now_ms, const char *what);

#endif /* ROOST_LOG_H */
