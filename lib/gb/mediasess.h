/* mediasess: the platform's side of an established GB/T 28181 media
 * dialog, from the ACK to the end: receives the media (ck_mediarx) into a
 * writer, answers the device (its BYE; MESSAGE MediaStatus, where 121 ends
 * a playback or download) and, with --await-register, the registrar's
 * business, sends playback control lines as INFO MANSRTSP, and hangs up
 * (BYE) on a stop flag, a duration, a byte count or missing media.
 * Records (media_started, media_status, control, bye, stats) go to a
 * callback as NDJSON. */
#ifndef CK_MEDIASESS_H
#define CK_MEDIASESS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/json.h"
#include "gb/invite.h"
#include "gb/mediarx.h"
#include "gb/query.h"

typedef struct ck_mediasess_opts {
	int64_t duration_ms;          /* hang up after, 0 = never */
	int64_t max_bytes;            /* hang up after so much RTP, 0 = never */
	int64_t media_timeout_ms;     /* hang up, CK_TEMPFAIL, without media */
	int64_t timeout_ms;           /* SIP transactions (INFO, BYE <= 5 s) */
	int control_fd;               /* lines pause/play/scale N/seek S, or -1 */
	volatile sig_atomic_t *stop;  /* set by a signal handler: hang up */
	/* writes one RTP packet of the locked stream: 0, or -1 when the
	 * output failed (the session ends with CK_IOERR) */
	int (*on_packet)(void *arg, const uint8_t *pkt, size_t len);
	void (*on_record)(void *arg, ck_json *j);   /* a record is ready in j */
	void *arg;
} ck_mediasess_opts;

/* Runs the session of dialog v over q's endpoint (and registrar) with
 * media from mx until it ends. Returns 0 (ended by either side, 121,
 * duration, byte count, stop flag), CK_TEMPFAIL (no media in time),
 * CK_IOERR (output failed) or another kind on an internal error. */
int ck_mediasess_run(ck_query *q, ck_invite *v, ck_mediarx *mx,
    const ck_mediasess_opts *o);

#endif
