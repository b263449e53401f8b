/* evsink: what onvif-subscribe does with the notifications of its
 * subscription: one NDJSON record each on stdout ("event", or
 * "event_start"/"event_end" when coalescing), the --exec hook run with the
 * record on stdin and its facts in the environment, and the run's limits
 * (--count, --duration, a signal). */
#ifndef CK_EVSINK_H
#define CK_EVSINK_H

#include <signal.h>

#include "base/err.h"
#include "onvif/hook.h"
#include "onvif/subscription.h"

typedef struct ck_evsink_opts {
	long long count;             /* events before the run ends, 0: no limit */
	long long duration_ms;       /* run time, 0: no limit */
	long long coalesce_ms;       /* merge bursts quieter than this, 0: off */
	ck_hook *hook;               /* --exec, or NULL (not owned) */
	volatile sig_atomic_t *stop; /* set by a signal: the run ends */
} ck_evsink_opts;

typedef struct ck_evsink ck_evsink;

/* A sink with o's limits (the clock for duration starts now). Returns it
 * (ck_evsink_free), or NULL with CK_SOFTWARE. */
ck_evsink *ck_evsink_new(const ck_evsink_opts *o, ck_err *e);
/* The hooks to hand ck_subscription_run for s (named in the records). */
ck_subscription_hooks ck_evsink_hooks(ck_evsink *k, ck_subscription *s);
/* Lists s's event topics as "topic" records. Returns 0, CK_EMPTY (none),
 * CK_IOERR, or the failure's status after printing it. */
int ck_evsink_topics(ck_evsink *k, ck_subscription *s);
/* After the run, whose status was rc: ends the coalesced events still
 * open ("exit"). Returns rc when not 0, else CK_IOERR (stdout failed; a
 * closed pipe said nothing), CK_EMPTY (no event and no signal, after a
 * message) or 0. */
int ck_evsink_finish(ck_evsink *k, int rc);
void ck_evsink_free(ck_evsink *k);

#endif
