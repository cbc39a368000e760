/*
 * src/daemon/trust.h - DNSSEC validation on the loop: each upstream
 * answer is judged by validate.h, and the DS and DNSKEY sets it needs
 * are fetched through the routes, each zone once however many answers
 * wait for it.
 *
 * Besides the configured negative trust anchors (domain-insecure), the
 * private-use TLDs of LANs and the reverse zones of private addresses
 * are insecure without looking (no public parent can vouch for them).
 * The verdict counts are kept here.
 *
 * Ownership: the trust owns its store, its zone jobs (and their upstream
 * requests) and every check it has returned until it completes (its
 * callback then runs once, after which it is freed) or is cancelled.
 * Checks must be cancelled before trust_free().
 */
#ifndef ROOST_TRUST_H
#define ROOST_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "loop.h"
#include "route.h"
#include "validate.h"

/* Zone fetches and restarts one check may cause (more: indeterminate). */
#define TRUST_MAX_STEPS 64
/* Zone jobs in flight at once; past it, checks that need one more end
 * indeterminate. */
#define TRUST_MAX_ZONE_JOBS 256

struct trust;
struct trust_check;

struct trust_stats {
	uint64_t verdicts[VALIDATE_NVERDICTS]; /* answers judged */
	uint64_t key_fetches;  /* DS and DNSKEY questions sent */
	uint64_t key_failures; /* of those, unanswered */
	uint64_t stripped;     /* answers without RRSIGs in a signed zone */
	uint64_t do_ignored;   /* answers (and DS/DNSKEY answers) without DO */
	size_t zones;          /* zones remembered now */
};

/*
 * Creates the validator for c (its trust-anchor-file and domain-insecure
 * names), asking through l.  Returns it, or NULL with the reason in err.
 */
struct trust *
trust_new(struct loop *l, const struct config *c, char *err, size_t errlen);

/* Frees t, its zones and zone jobs (no check may be pending). */
void trust_free(struct trust *t);

/*
 * Applies c's anchors and negative trust anchors.  Returns 1 if they
 * differ from those in force (every zone is forgotten), 0 if they are
 * the same (the zones judged stay), or -1 with err filled (t keeps its
 * old ones).
 */
int trust_configure(struct trust *t, const struct config *c, char *err,
    size_t errlen);

/* Where key fetches go from now on (NULL: nowhere, they fail). */
void trust_set_routes(struct trust *t, struct route_table *routes);

/* Called once with the verdict of a pending check. */
typedef void trust_done_cb(void *arg, const struct validate_result *r);

/*
 * The answer as it is to be served, which trust_check() writes at the
 * verdict.  For a secure verdict, without the authority RRsets that
 * validation did not check and without the additional section (RFC 4035
 * 3.2.3: AD vouches for the answer and authority sections; Unbound's
 * val-clean-additional does the same).  For a client without DO
 * (strip), without the RRSIG, NSEC and NSEC3 records it must not get
 * (RFC 4035 3.2.1; those of the question's own type stay).
 */
struct trust_out {
	uint8_t *buf; /* cap octets, the caller's until the verdict */
	size_t cap;
	bool strip;
	size_t len;  /* at the verdict: the length written, or 0 when
			nothing was taken out (serve the answer as it is) */
	bool failed; /* it could not be written (too long, no memory) */
};

/*
 * Judges msg (len octets, without OPT), an upstream's answer asked with
 * DO and CD; do_echoed: its OPT had DO set, as RFC 3225 has a server that
 * speaks DNSSEC answer (false: the upstream ignored DO, which is counted
 * and said in the reason of a bogus verdict).  At the verdict *out (if
 * not NULL) is filled from the answer as parsed here: msg is read only
 * now.  Returns 0 with *r filled when it can say at once, or 1 with
 * *pending set (cb will be called with the verdict), or -1 if msg does
 * not parse (*r filled: bogus; out->failed if it had to strip).
 */
int trust_check(struct trust *t, const uint8_t *msg, size_t len, bool do_echoed,
    struct trust_out *out, trust_done_cb *cb, void *arg,
    struct validate_result *r, struct trust_check **pending);

/* Forgets a pending check: its callback is not called. */
void trust_cancel(struct trust_check *c);

/* Answers of route i (route.h's numbering, as routed when judged)
 * that were bogus for want of RRSIGs in a signed zone. */
uint64_t trust_stripped(const struct trust *t, unsigned i);

/* Answers of route i (as trust_stripped() counts them), DS and DNSKEY
 * answers among them, whose upstream ignored DO. */
uint64_t trust_do_ignored(const struct trust *t, unsigned i);

/* The counters. */
void trust_stats(const struct trust *t, struct trust_stats *out);

#endif /* ROOST_TRUST_H */
