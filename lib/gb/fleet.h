/* fleet: N simulated GB/T 28181 devices in one process and one poll loop.
 * Device k (0-based) has the ID of the first plus k (decimal, same width),
 * its own UDP SIP endpoint (so its own registration, digest, keepalives,
 * queries and answers, exactly as a lone ck_device) and, with a media, its
 * own ck_camera streaming on demand; every camera shares the one media.
 * Each record the devices and cameras make gets "device":ID before it is
 * handed on. UDP only: a TCP registration's connections are the
 * endpoint's own and not pollable from here. */
#ifndef CK_FLEET_H
#define CK_FLEET_H

#include <signal.h>

#include "base/err.h"
#include "gb/camera.h"
#include "gb/device.h"
#include "gb/sip.h"

typedef struct ck_fleet_opts {
	int count;                /* 1..CK_FLEET_MAX */
	ck_device_opts dev;       /* id: the first device's; camera ignored;
	                           * on_record/arg get every record */
	ck_camera_opts cam;       /* media NULL: no cameras (INVITE -> 488) */
	ck_sip_opts sip;          /* port 0: each its own ephemeral port, else
	                           * device k binds port + k */
} ck_fleet_opts;

#define CK_FLEET_MAX 10000

typedef struct ck_fleet ck_fleet;

/* Opens every endpoint and device (they register on the first run). NULL
 * with e: CK_USAGE (count, an ID that would overflow its width, TCP),
 * CK_UNAVAIL (a port in use), CK_SOFTWARE. */
ck_fleet *ck_fleet_new(const ck_fleet_opts *o, ck_err *e);
/* Runs every device until *stop is set (returns 0) or one fails for good
 * (returns -1 with its e, as ck_device_tick: given up, rejected). */
int ck_fleet_run(ck_fleet *f, volatile sig_atomic_t *stop, ck_err *e);
/* Hangs up every camera's dialogs and unregisters every device; once one
 * unregister gets no answer (the platform is gone) the rest are skipped,
 * their number logged. */
void ck_fleet_stop(ck_fleet *f);
void ck_fleet_free(ck_fleet *f);
/* ck_fleet_new, ck_fleet_run until *stop or a failure, ck_fleet_stop after
 * a stop, ck_fleet_free: what gb-register --count does. Returns 0, or the
 * failure's kind with e (*started 0: the fleet never started). */
int ck_fleet_main(const ck_fleet_opts *o, volatile sig_atomic_t *stop, int *started,
    ck_err *e);
/* Writes into out (outlen >= 33) the decimal ID first + k, keeping the
 * width. 0, or -1 when it would not fit or first is not digits. */
int ck_fleet_id(const char *first, int k, char *out, size_t outlen);

#endif
