/* subscription: the ONVIF event subscription client (WS-BaseNotification).
 *
 * One subscription to one device, pull-point (CreatePullPointSubscription,
 * PullMessages) or push (Subscribe with a consumer address served by a
 * lib/net/evhttp listener). It subscribes with the firmware fallbacks
 * (relative, then absolute, then no InitialTerminationTime), renews at 80%
 * of what the device grants, unsubscribes, and once subscribed survives the
 * device going away: it backs off and subscribes again. While one push
 * subscription replaces another, both may send the same notification: the
 * copy is dropped; so is a Notify the camera sends again. A push listener
 * takes Notifies only on the subscription's own path (random, 128 bits)
 * and from the camera's address; it reads up to 64 connections at once,
 * each with header and body deadlines. Notifications go to the caller's
 * hooks.
 *
 *   ck_subscription *s = ck_subscription_new(&target, &opts, &cred, &so, &e);
 *   ck_subscription_hooks h = { deliver, done, next, tick, ctx };
 *   if (ck_subscription_run(s, &h, &e) < 0) ...   // until h.done
 *   ck_subscription_unsubscribe(s);
 *   ck_subscription_free(s);
 */
#ifndef CK_SUBSCRIPTION_H
#define CK_SUBSCRIPTION_H

#include <stdint.h>

#include "base/cred.h"
#include "base/err.h"
#include "onvif/events.h"
#include "onvif/onvif.h"

typedef struct ck_subscription_opts {
	const char *topics;        /* ConcreteSet expression, NULL = all */
	int push;                  /* 1: Basic Notification to our listener */
	const char *push_host;     /* listener address the device can reach */
	int push_port;             /* 0: any */
	const char *push_from;     /* Notifies accepted from this host only;
	                              NULL: the target's address */
	long long pull_ms;         /* PullMessages Timeout */
	int limit;                 /* PullMessages MessageLimit */
	long long term_ms;         /* termination time asked for */
	long long backoff_max_ms;  /* longest wait between recovery attempts */
	int retry;                 /* a failing first subscription is retried
	                              (backoff) instead of ending the run */
} ck_subscription_opts;

/* What the subscription hands its user; every hook but deliver may be
 * NULL. Times are monotonic ms (ck_clock_now_ms). */
typedef struct ck_subscription_hooks {
	/* one notification, rx_ms its wall-clock arrival; returns 1 when no
	 * more are wanted (the rest of the batch is dropped), else 0 */
	int (*deliver)(void *ctx, const ck_events_msg *m, int64_t rx_ms);
	/* 1 when the run should end (a signal, enough events, time is up) */
	int (*done)(void *ctx);
	/* the caller's next deadline, or -1: waits end there */
	int64_t (*next)(void *ctx);
	/* called after every wait with the time, for the caller's timers */
	void (*tick)(void *ctx, int64_t now);
	void *ctx;
} ck_subscription_hooks;

typedef struct ck_subscription ck_subscription;

/* A subscription client for target t (nothing is sent yet; a push one
 * listens already). Returns NULL with the error of ck_onvif_new or of the
 * listener. */
ck_subscription *ck_subscription_new(const ck_onvif_target *t,
    const ck_onvif_opts *o, const ck_cred *cred, const ck_subscription_opts *so,
    ck_err *e);
/* Frees s and closes its listener (ck_subscription_unsubscribe first to
 * tell the device); NULL is fine. */
void ck_subscription_free(ck_subscription *s);
/* The control client (for other requests to the same device). */
ck_onvif *ck_subscription_client(ck_subscription *s);
/* The device URL, for records. */
const char *ck_subscription_device(const ck_subscription *s);
/* GetEventProperties of c's device: cb once per topic of its tree (see
 * ck_events_topics). Returns the number of topics, or -1 (CK_PROTO for
 * another reply, or the request's kind). */
int ck_subscription_topics(ck_onvif *c, void (*cb)(void *arg, const char *topic,
    const char *ns, const ck_xml_node *descr), void *arg, ck_err *e);
/* Subscribes (with the firmware fallbacks). Returns 0, or -1 with the
 * request's kind. */
int ck_subscription_subscribe(ck_subscription *s, ck_err *e);
/* Renews with a relative time, then an absolute one. Returns 0, or -1 when
 * both fail (the caller subscribes again). */
int ck_subscription_renew(ck_subscription *s, const ck_subscription_hooks *h,
    ck_err *e);
/* Unsubscribes (errors are only logged: the device may be gone). */
void ck_subscription_unsubscribe(ck_subscription *s);
/* One wait for notifications: a PullMessages, or serving the listener,
 * until the renewal, the caller's next deadline or a second. Returns 0, or
 * -1 with the request's kind. */
int ck_subscription_wait(ck_subscription *s, const ck_subscription_hooks *h,
    ck_err *e);
/* The subscription loop, until h->done: subscribe, renew, wait, and on
 * trouble back off (500 ms doubling up to backoff_max_ms) and subscribe
 * again. Returns 0, or -1 when the first subscription fails (unless retry)
 * or, once subscribed, the device refuses the credentials (CK_NOPERM);
 * CK_USAGE and CK_CONFIG always end it. */
int ck_subscription_run(ck_subscription *s, const ck_subscription_hooks *h,
    ck_err *e);

#endif
