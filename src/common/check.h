/*
 * src/common/check.h - invariant checks, in the manner of Unbound's
 * log_assert: a broken invariant is reported as file:line and the
 * condition, then the process aborts (a corrupt cache must not answer).
 *
 * ROOST_ASSERT(cond) is compiled in debug builds only (configure
 * --enable-debug defines ROOST_DEBUG; CI's sanitizer run uses it), so it
 * may sit on the query path.  ROOST_CHECK(cond) is always compiled: for
 * the walkers (cache_check(), query_check(), loop_check()) that tests
 * and debug builds call where a full walk is affordable.
 */
#ifndef ROOST_CHECK_H
#define ROOST_CHECK_H

/* Reports "FILE:LINE: invariant broken: COND" on stderr and aborts. */
void check_fail(const char *cond, const char *file, int line)
    __attribute__((noreturn));

#define ROOST_CHECK(cond)                                                      \
	((cond) ? (void)0 : check_fail(#cond, __FILE__, __LINE__))

#ifdef ROOST_DEBUG
#define ROOST_ASSERT(cond) ROOST_CHECK(cond)
#else
/* not evaluated, but still compiled: it cannot rot */
#define ROOST_ASSERT(cond) ((void)sizeof(!(cond)))
#endif

#endif /* ROOST_CHECK_H */
