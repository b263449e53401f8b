/* registrar: the platform side of GB/T 28181 registration on a ck_sip
 * endpoint. Challenges REGISTER with 401 Digest (realm = domain, random
 * nonce, opaque), verifies (one password or per-device passwords, constant
 * time), answers 200 with a GB Date header, 403 for IDs outside the allow
 * list, accepts Keepalive MESSAGEs, and tracks each device's transport and
 * source address so the caller can send requests back over the same socket
 * (NAT-safe: use dev->peer with ck_sip_request_new/ck_sip_send_request).
 *
 * Loop:
 *   ck_sip_req *rq;
 *   while (ck_sip_next_request(s, now + 1000, &rq, &e) >= 0) {
 *       if (rq && !ck_registrar_handle(r, rq)) { ...your request...; ck_sip_req_free(rq); }
 *       ck_registrar_tick(r);
 *   }
 * Events (register, keepalive, offline, ...) are reported through the
 * callback given in the options. Refusals (auth_failed) are rate limited
 * per source address (a burst of 10, then 1 a second; 50 a second over
 * all addresses): the ones held back are counted and reported as one
 * CK_REG_AUTH_SUPPRESSED event per address at most every 10 s, so that
 * an unauthenticated flood costs bounded output and memory. */
#ifndef CK_REGISTRAR_H
#define CK_REGISTRAR_H

#include <stdint.h>

#include <signal.h>

#include "base/err.h"
#include "codec/json.h"
#include "gb/sip.h"

enum ck_registrar_ev {
	CK_REG_REGISTER = 1,   /* registered (first time or again) */
	CK_REG_REFRESH,        /* same Call-ID refreshed before expiry */
	CK_REG_UNREGISTER,     /* Expires: 0 */
	CK_REG_EXPIRED,        /* registration ran out without a refresh */
	CK_REG_KEEPALIVE,      /* Keepalive MESSAGE accepted */
	CK_REG_OFFLINE,        /* max_missed keepalive intervals without one */
	CK_REG_AUTH_FAILED,    /* reason: "unknown id", "wrong password",
	                          "stale nonce", "wrong realm", "not allowed",
	                          "bad authorization", "replayed nonce count",
	                          "replayed nonce", "qop required"; for
	                          MESSAGEs "not registered", "wrong source" */
	CK_REG_AUTH_SUPPRESSED /* auth_failed events not reported (rate limit,
	                          per source address): ev->suppressed of them;
	                          dev->source is the address without port, or
	                          "" for addresses the bounded table could not
	                          keep apart */
};

typedef struct ck_registrar_device {
	char id[64];
	char contact[256];
	char user_agent[128];
	char source[64];          /* "ip:port" the request came from */
	ck_sip_peer peer;         /* transport + socket + address to answer on */
	int expires;              /* seconds granted */
	int registered;           /* 1 after a successful REGISTER */
	int online;               /* 0 after an offline/expired/unregister event */
	int64_t registered_at;    /* wall clock ms */
	int64_t last_seen;        /* monotonic ms of the last REGISTER/keepalive */
	int64_t expires_at;       /* monotonic ms */
	char call_id[128];
} ck_registrar_device;

typedef struct ck_registrar_event {
	int type;                 /* enum ck_registrar_ev */
	const char *reason;       /* for CK_REG_AUTH_FAILED; else NULL */
	const ck_registrar_device *dev; /* the device (for auth_failed: id/source/peer
	                             only); valid during the callback */
	int status;               /* SIP status answered (0 for timer events) */
	unsigned long suppressed; /* for CK_REG_AUTH_SUPPRESSED */
} ck_registrar_event;

typedef void (*ck_registrar_cb)(void *arg, const ck_registrar_event *ev);

typedef struct ck_registrar_opts {
	const char *domain;         /* realm and SIP domain (10+ digits) */
	const char *password;       /* one password for every device, or NULL */
	const char *password_file;  /* "ID PASSWORD" per line ('#' comments) */
	const char *allow;          /* comma list of IDs or prefixes ending in
	                               '*'; NULL = anyone with the password */
	int nonce_ttl_s;            /* nonce lifetime, 0 = 300 */
	int64_t keepalive_ms;       /* expected keepalive interval, 0 = 60000 */
	int max_missed;             /* intervals missed before offline, 0 = 3 */
	int min_expires;            /* smallest Expires granted, 0 = 1 */
	int sha256;                 /* challenge with SHA-256 instead of MD5 */
	int qop;                    /* 1 = offer qop="auth" (default 0: GB
	                               devices mostly expect no qop); answers
	                               without qop are then refused */
	int unknown_status;         /* answer to a MESSAGE from an ID not
	                               registered: 0 = 404 (makes cameras
	                               register again), or 403, 200, ... */
	const char *date_tz;        /* zone of the REGISTER 200's Date header
	                               (sets TZ for the process); NULL = local */
	ck_registrar_cb on_event;
	void *arg;
} ck_registrar_opts;

typedef struct ck_registrar ck_registrar;

/* New registrar on endpoint s (not owned). Loads the password file and
 * allow list. Returns it (free with ck_registrar_free) or NULL with e
 * (CK_NOINPUT for a missing file, CK_CONFIG for a bad line). */
ck_registrar *ck_registrar_new(ck_sip *s, const ck_registrar_opts *o, ck_err *e);
/* Reports the suppression counts not yet reported (the callback runs),
 * then frees r. */
void ck_registrar_free(ck_registrar *r);

/* Handles rq if it is the registrar's business (REGISTER; a MESSAGE whose
 * body is a Keepalive notify; any MESSAGE not from a registered device at
 * its registered source, which is refused): answers it, reports events,
 * frees rq and returns 1. Returns 0 (rq untouched, still the caller's)
 * otherwise: other methods, and MESSAGEs from where their device is. */
int ck_registrar_handle(ck_registrar *r, ck_sip_req *rq);
/* Reports expired registrations and devices gone offline. Cheap; call it
 * at least once a second. */
void ck_registrar_tick(ck_registrar *r);
/* The device with that ID, or NULL. Valid until the next handle/tick. */
const ck_registrar_device *ck_registrar_find(ck_registrar *r, const char *id);
/* Number of devices currently online. */
size_t ck_registrar_online(const ck_registrar *r);

/* Serves registrations until device id (NULL = any) registers successfully
 * or sends a keepalive, or the deadline passes. Requests that are not the
 * registrar's are answered (MESSAGE 200, others 405) and dropped. Returns
 * 0 with *out filled (a copy), -1 with CK_TEMPFAIL at the deadline, or with
 * CK_OK kind when interrupted by a signal. */
int ck_registrar_await(ck_registrar *r, const char *id, int64_t deadline,
    ck_registrar_device *out, ck_err *e);

/* Opens an endpoint on listen ("[ADDR]:PORT", default port 5060; so gives
 * the rest, its bind_addr/port are overwritten) owned by the registrar,
 * and a registrar on it. Returns it or NULL with e (CK_USAGE for a bad
 * address, CK_UNAVAIL when the port is taken, as ck_registrar_new). */
ck_registrar *ck_registrar_open(const char *listen, const ck_sip_opts *so,
    const ck_registrar_opts *o, ck_err *e);
/* The registrar's endpoint. */
ck_sip *ck_registrar_sip(const ck_registrar *r);
/* Fills j with the "listening" record (ts, address, port, domain, id = our
 * own ID given); the caller emits it. */
void ck_registrar_listening_json(const ck_registrar *r, const char *id, ck_json *j);
/* Fills j with the NDJSON record of ev (type register, refresh, unregister,
 * expired, keepalive, offline, auth_failed; ts, id, transport, source,
 * reason, contact/expires/user_agent, status; auth_failed_suppressed: ts,
 * address, suppressed); the caller emits it. */
void ck_registrar_event_json(const ck_registrar_event *ev, ck_json *j);
/* The record type of an event type (enum ck_registrar_ev), "?" for
 * another number. */
const char *ck_registrar_event_name(int type);

/* Handles a request that is not the registrar's (ck_registrar_handle
 * returned 0): answers it and frees it. */
typedef void (*ck_registrar_other_cb)(void *arg, ck_sip_req *rq);

/* Takes a client transaction that finished (the caller started it on the
 * registrar's endpoint, e.g. an alarm Response): resp and te as
 * ck_sip_tx_done gives them. Returns 1 when it took resp, 0 to leave it
 * to the registrar (freed). */
typedef int (*ck_registrar_done_cb)(void *arg, uint64_t id, osip_message_t *resp,
    const ck_err *te);

/* Serves until *stop is set: registrations and keepalives handled, timers
 * ticked, every other request handed to other (which answers and frees
 * it), every client transaction that finished to done (NULL: dropped).
 * Returns 0 when stopped, -1 with e when the endpoint fails. */
int ck_registrar_serve(ck_registrar *r, volatile sig_atomic_t *stop,
    ck_registrar_other_cb other, ck_registrar_done_cb done, void *arg,
    ck_err *e);
/* What a stopped platform runs so the client transactions it started (the
 * alarm Responses) can end: serves as ck_registrar_serve while *pending is
 * not 0, until deadline or *stop reaches 2 (signalled again). Returns 0,
 * or -1 with e when the endpoint fails. */
int ck_registrar_linger(ck_registrar *r, volatile sig_atomic_t *stop,
    const size_t *pending, int64_t deadline, ck_registrar_other_cb other,
    ck_registrar_done_cb done, void *arg, ck_err *e);

#endif
