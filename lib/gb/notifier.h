/* notifier: the device side of GB/T 28181 subscriptions and alarms, next to
 * ck_device on the same ck_sip endpoint.
 *
 * SUBSCRIBE (GB/T 28181-2016 9.11, RFC 6665): the body's <Query> CmdType says
 * what is subscribed (Catalog, Alarm, MobilePosition); the Event header may
 * be "Catalog", "presence", the CmdType itself, or only params ("id=1984",
 * as cameras send); other packages get 489. The 200 carries Expires, the
 * Event echoed, a Contact and a <Response> Result OK. A SUBSCRIBE in the
 * dialog (or with the same Call-ID and From tag: platforms that drop the To
 * tag) refreshes it; Expires 0 ends it with a NOTIFY
 * "Subscription-State: terminated", its expiry with one saying
 * "terminated;reason=timeout" (RFC 6665 4.2.2). At most
 * max_subs subscriptions exist at once (503 beyond), so a peer cannot grow
 * memory without bound.
 *
 * NOTIFY in the dialog (Subscription-State active;expires=N, Application/
 * MANSCDP+xml <Notify>): Catalog, the items that changed when the catalog
 * file is re-read (Event ADD, DEL, UPDATE, or ON/OFF when only Status
 * changed); MobilePosition every Interval seconds of the Query (default 5).
 * Each NOTIFY is a client transaction (SIP timers); a failure is reported,
 * a 481 or no answer at all ends the subscription. Right after a
 * subscription is accepted or refreshed its current state is notified
 * (RFC 6665 4.2.1.2): Catalog, every item with Event ADD; Alarm, a NOTIFY
 * without a body (no alarm is a state); MobilePosition, the position.
 *
 * Alarms (2016 9.4, A.2.5): raised every alarm_every_ms and when *raise is
 * set (SIGUSR1), sent as MESSAGE <Notify> CmdType Alarm to the platform and
 * as NOTIFY to Alarm subscribers. The platform confirms with a MESSAGE
 * <Response> CmdType Alarm of the same SN (from the platform the device is
 * registered with; others get 403); until it does the MESSAGE is sent
 * again (same SN) every confirm_ms, 3 times in all.
 *
 * Everything is reported as NDJSON records through on_record: subscribed,
 * subscription_refreshed, unsubscribed, subscription_expired,
 * subscribe_refused, notified (current_state true for the NOTIFY that
 * follows a SUBSCRIBE), notify_failed, catalog_changed (trigger reload or
 * DeviceConfig), alarm,
 * alarm_confirmed, alarm_unconfirmed, refused, error. */
#ifndef CK_NOTIFIER_H
#define CK_NOTIFIER_H

#include <signal.h>
#include <stdint.h>

#include "base/err.h"
#include "codec/json.h"
#include "gb/sip.h"

#define CK_NOTIFIER_MAX_SUBS 32

/* A record is complete in j: write it (ck_json_emit) or drop it. */
typedef void (*ck_notifier_cb)(void *arg, ck_json *j);

typedef struct ck_notifier_opts {
	const char *id;             /* this device's ID */
	const char *domain;         /* its SIP domain */
	const char *catalog;        /* file re-read when *reload is set, or NULL */
	int64_t alarm_every_ms;     /* 0: alarms only on *raise */
	int have_position;          /* MobilePosition refused (489) without */
	double lon, lat;            /* degrees; the device moves from there */
	int64_t confirm_ms;         /* wait for an alarm's Response; 0 = 5 s */
	int64_t timeout_ms;         /* per transaction, 0 = timer F */
	int max_subs;               /* 0 = CK_NOTIFIER_MAX_SUBS */
	volatile sig_atomic_t *reload;  /* set by SIGHUP: re-read the catalog */
	volatile sig_atomic_t *raise;   /* set by SIGUSR1: raise an alarm */
	ck_notifier_cb on_record;
	void *arg;
} ck_notifier_opts;

/* What the device lends the notifier at each tick. */
typedef struct ck_notifier_ctx {
	int registered;
	const ck_sip_peer *peer;    /* toward the platform, NULL when none */
	const char *server_uri;     /* sip:ID@host:port of the platform */
	char ***items;              /* the device's catalog: replaced on reload */
	size_t *nitems;
} ck_notifier_ctx;

typedef struct ck_notifier ck_notifier;

/* A notifier on endpoint s (not owned); o's strings must outlive it.
 * Returns it or NULL with e. */
ck_notifier *ck_notifier_new(ck_sip *s, const ck_notifier_opts *o, ck_err *e);
/* Cancels its transactions and frees it, the catalogs it loaded too (the
 * device must not use them after). NULL is fine. */
void ck_notifier_free(ck_notifier *n);
/* Takes SUBSCRIBE and the platform's alarm Responses (MESSAGE <Response>
 * CmdType Alarm; one not from_platform, the platform the device is
 * registered with, gets 403 and a refused record): answers, frees rq and
 * returns 1. Anything else: 0, rq untouched. n NULL: 0. */
int ck_notifier_handle(ck_notifier *n, ck_sip_req *rq, int from_platform);
/* A finished client transaction: 1 when it was one of the notifier's (resp
 * freed), 0 when not (resp untouched). */
int ck_notifier_finished(ck_notifier *n, uint64_t tx, osip_message_t *resp,
    const ck_err *e);
/* Runs what is due: expiries, positions, alarms, a catalog reload (which
 * may replace what c->items and c->nitems point to with arrays the notifier owns). */
void ck_notifier_tick(ck_notifier *n, const ck_notifier_ctx *c);
/* The catalog went from old to nw other than by a reload (a DeviceConfig
 * renamed the device's own item); both stay the caller's. Reported as a
 * reload's change is (catalog_changed, trigger as given) and the items
 * that differ NOTIFYed to the Catalog subscribers (Event UPDATE for a
 * renamed one). NULL n is fine. */
void ck_notifier_catalog_changed(ck_notifier *n, char **old, size_t nold,
    char **nw, size_t nnew, const char *trigger);
/* A reboot (TeleBoot): every subscription and every alarm waiting for its
 * confirmation is forgotten, as a camera's memory is, each reported
 * (subscription_expired, alarm_unconfirmed with reason "reboot"); the
 * NOTIFYs and MESSAGEs in flight are abandoned. NULL is fine. */
void ck_notifier_reset(ck_notifier *n);
/* The earlier of w and the notifier's next deadline (ck_clock_now_ms). */
int64_t ck_notifier_wake(const ck_notifier *n, int64_t w);

/* Parsing, exposed for the fuzz harness and tests. */
/* The kind a SUBSCRIBE's Event header value names: 1 acceptable (package
 * copied to pkg, may be ""), 0 another package (489). */
int ck_notifier_event_ok(const char *v, char *pkg, size_t pkglen);
/* An Expires header value ("300", " 300 ", NULL = dflt): seconds, or -1
 * when not a number. Capped at 86400. */
int ck_notifier_expires(const char *v, int dflt);

#endif
