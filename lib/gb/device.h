/* device: the device side of GB/T 28181 on a ck_sip endpoint, the mirror
 * of the registrar. Registers with the platform (digest, up to 3 redirects),
 * refreshes before expiry, sends keepalives, re-registers after max_missed
 * unanswered ones or a dropped TCP connection, answers Catalog, DeviceInfo,
 * DeviceStatus, RecordInfo, PresetQuery, ConfigDownload, the Alarm and
 * MobilePosition queries and the 2022 ones (lib/gb/devstate builds them,
 * each naming the DeviceID the query named), DeviceControl and
 * DeviceConfig (carried out, with the Response MESSAGE the controls that
 * need one get), TeleBoot (drops off, re-registers after a boot time),
 * OPTIONS (200 with Allow). After a 302 it goes back to the server it was
 * given once the one it was sent to is lost (GB/T 28181-2022).
 *
 * Every request it sends is its own client transaction (ck_sip_tx_start):
 * a platform that never answers a Response MESSAGE delays neither the
 * keepalives nor the next query. Loop:
 *   ck_device *d = ck_device_new(s, &opts, &e);
 *   while (!stop) {
 *       ck_sip_req *rq;
 *       int n = ck_sip_next_request(s, ck_device_wake(d), &rq, &e);
 *       if (n > 0) ck_device_handle(d, rq);
 *       if (n < 0 || ck_device_tick(d, &e) < 0) break;
 *   }
 *   ck_device_stop(d, &e);   // unregisters when registered
 *   ck_device_free(d);
 * What happens is reported as NDJSON records (registered, refreshed,
 * redirected, redirect_reset, rebooting, keepalive_ok, keepalive_lost,
 * control, query, unregistered,
 * error) built in a ck_json handed to the on_record callback. */
#ifndef CK_DEVICE_H
#define CK_DEVICE_H

#include <signal.h>
#include <stdint.h>

#include "base/err.h"
#include "codec/json.h"
#include "gb/camera.h"
#include "gb/notifier.h"
#include "gb/sip.h"

/* A record is complete in j: write it (ck_json_emit) or drop it. */
typedef void (*ck_device_cb)(void *arg, ck_json *j);

typedef struct ck_device_opts {
	const char *server_id;      /* the platform's ID */
	const char *server_host;    /* its address (numeric or a name) */
	int server_port;
	const char *id;             /* this device's ID */
	const char *domain;         /* SIP domain/realm */
	const char *user;           /* digest user, NULL = id */
	const char *password;       /* NULL: a challenge fails with CK_CONFIG */
	int tcp;                    /* one TCP connection instead of UDP */
	int expires;                /* asked for, seconds */
	int64_t keepalive_ms;
	int max_missed;             /* unanswered keepalives before re-registering */
	int64_t retry_ms;           /* wait after a failed registration */
	int attempts;               /* give up after so many failures, 0 = never */
	int64_t timeout_ms;         /* per transaction (timer F is the bound) */
	int chunk;                  /* Catalog items per Response MESSAGE */
	const char *name, *manufacturer, *model, *firmware;  /* DeviceInfo */
	char **items;               /* catalog <Item> strings (UTF-8); NULL =
	                               the device itself; not owned */
	size_t nitems;
	int records;                /* RecordInfo: this many synthetic records
	                               spread over the past day (0: none) */
	int record_seconds;         /* each one's length (the media's) */
	const char *presets;        /* "1,2,3" (the default when NULL), "" none */
	int64_t boot_ms;            /* TeleBoot: silent this long (0: 3 s) */
	ck_camera *camera;          /* media dialogs (INVITE...), or NULL: 488;
	                               not owned */
	const ck_notifier_opts *notify;  /* subscriptions and alarms, or NULL:
	                                    SUBSCRIBE 405 */
	ck_device_cb on_record;
	void *arg;
} ck_device_opts;

typedef struct ck_device ck_device;

/* A device on endpoint s (not owned); o's strings must outlive it. Nothing
 * is sent until the first ck_device_tick. Returns it or NULL with e. */
ck_device *ck_device_new(ck_sip *s, const ck_device_opts *o, ck_err *e);
/* Closes its TCP connection (not the endpoint) and frees it. NULL is fine. */
void ck_device_free(ck_device *d);
/* Answers an incoming request (MESSAGE queries and controls; media
 * dialogs through the camera; without one BYE 481, INVITE 488; the rest
 * 405) and frees it. */
void ck_device_handle(ck_device *d, ck_sip_req *rq);
/* Collects finished transactions and runs what is due (registration,
 * refresh, keepalive). Returns 0, or -1 with e when the device gives up:
 * CK_NOPERM (credentials refused), CK_CONFIG (no password), CK_NOHOST, or
 * the last failure's kind after o->attempts failed registrations. */
int ck_device_tick(ck_device *d, ck_err *e);
/* When ck_device_tick next has something to do (ck_clock_now_ms time). */
int64_t ck_device_wake(const ck_device *d);
/* 1 while registered. */
int ck_device_registered(const ck_device *d);
/* Unregisters (Expires: 0, bounded to 5 s) when registered and reports it.
 * Returns 0 (also when there was nothing to do) or -1 with e. */
int ck_device_stop(ck_device *d, ck_err *e);
/* The loop above with the camera cam (or NULL) ticked alongside: runs
 * until *stop is set, then hangs up cam's dialogs and unregisters
 * (returns 0); or returns -1 with e when the endpoint fails (logged) or
 * the device gives up (an error record). */
int ck_device_run(ck_device *d, ck_camera *cam, volatile sig_atomic_t *stop, ck_err *e);

#endif
