/* subscribe: the platform side of GB/T 28181 subscriptions (RFC 6665 event
 * notification over SIP, GB/T 28181-2016 9.11): one SUBSCRIBE
 * dialog per event (Catalog, Alarm, MobilePosition) with the device reached
 * through a ck_query (direct, or as its registrar), refreshed before it
 * expires, ended with Expires: 0; the NOTIFYs of the dialogs and the
 * notification MESSAGEs the device sends meanwhile decoded by gb/event and
 * handed out as NDJSON records.
 *
 * Event header: "Catalog" for the catalog subscription, "presence" for
 * Alarm and MobilePosition, as deployed platforms send them (the standard's
 * examples use both); the body's CmdType names what is subscribed. Each
 * subscription is its own dialog, so its NOTIFYs are told apart by Call-ID
 * and our tag; a NOTIFY that arrives before the 200 of its SUBSCRIBE
 * establishes the dialog (RFC 6665 4.1.2.4). Requests in a dialog follow
 * its route set (RFC 3261 12.1: the 2xx's Record-Route reversed, or the
 * early NOTIFY's in order), else go to the device's address. Each
 * SUBSCRIBE and each alarm Response is a client transaction; requests
 * that arrive while one waits are handled meanwhile. */
#ifndef CK_SUBSCRIBE_H
#define CK_SUBSCRIBE_H

#include <signal.h>
#include <stdint.h>

#include "base/err.h"
#include "codec/json.h"
#include "gb/query.h"

enum ck_subscribe_event {
	CK_SUBSCRIBE_CATALOG = 1 << 0,
	CK_SUBSCRIBE_ALARM = 1 << 1,
	CK_SUBSCRIBE_POSITION = 1 << 2,
};

typedef struct ck_subscribe_opts {
	unsigned events;           /* ck_subscribe_event bits */
	int expires;               /* asked for, seconds (> 0) */
	int interval;              /* MobilePosition Interval, seconds */
	const char *channel;       /* DeviceID in the bodies; NULL = the device */
	/* Alarm subscription filters (the alarm query of GB/T 28181-2016 Appendix A);
	 * NULL = StartAlarmPriority/EndAlarmPriority/AlarmMethod 0 (all),
	 * the others left out */
	const char *start_priority, *end_priority, *alarm_method, *alarm_type;
	const char *start_time, *end_time;  /* yyyy-MM-ddTHH:mm:ss */
	unsigned long sn;          /* SN of the first body (then +1 each) */
	const char *charset;       /* bodies read as; NULL = detect */
	long count;                /* stop after this many notifications, 0 = no */
	int64_t duration_ms;       /* stop after this long, <= 0 = no */
	int64_t timeout_ms;        /* for each SUBSCRIBE's answer */
	volatile sig_atomic_t *stop;   /* set by a signal: unsubscribe and end */
	/* every record (subscribed, notify, message, unsubscribed, ended):
	 * the callback emits it; a non-zero return stops (stdout failed) */
	int (*on_record)(void *arg, ck_json *j);
	void *arg;
} ck_subscribe_opts;

/* Parses "catalog,alarm,position" (also mobileposition, any case) into
 * ck_subscribe_event bits added to *events. Returns 0 or -1 with CK_USAGE. */
int ck_subscribe_parse_events(const char *list, unsigned *events, ck_err *e);
/* Splits a Subscription-State value ("active;expires=N", "pending",
 * "terminated;reason=R"; NULL = absent) into state (token, "" when absent),
 * *expires (-1 when absent or not a number in 0..1 year) and reason ("").
 * Bounded by slen and rlen. */
void ck_subscribe_parse_state(const char *value, char *state, size_t slen,
    long *expires, char *reason, size_t rlen);
/* Subscribes over q (opened by ck_query_open) to every event of o, prints
 * what comes until o->count, o->duration_ms, *o->stop or the end of every
 * subscription, then unsubscribes. Returns an exit kind: 0, CK_PROTO (the
 * device refused a SUBSCRIBE: 4xx-6xx, a Response with Result ERROR, or a
 * route set too big), CK_NOPERM (401/403), CK_TEMPFAIL (no answer, also a
 * subscription that lapsed unrefreshed), CK_UNAVAIL, CK_IOERR (on_record
 * failed). Reasons are logged. */
int ck_subscribe_run(ck_query *q, const ck_subscribe_opts *o);

#endif
