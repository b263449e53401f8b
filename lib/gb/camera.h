/* camera: the media side of a simulated GB/T 28181 camera on a ck_sip
 * endpoint (used by the device user agent). Answers INVITE with a sendonly
 * PS/90000 SDP (the offered y= as SSRC unless one is configured), and after
 * the ACK streams a media file muxed by lib/media/psmux in real time: live
 * (s=Play) in a loop, Playback once, Download once at the offered
 * downloadspeed; both end with an in-dialog MESSAGE MediaStatus 121. Media
 * goes over UDP, TCP active (the platform offered setup:passive: we
 * connect) or TCP passive (it offered setup:active: we listen). INFO
 * MANSRTSP PAUSE/PLAY/Scale/Range is honoured; BYE stops a stream; up to
 * max_streams dialogs at once (486 above), 488 with a record saying why for
 * an offer it cannot serve. */
#ifndef CK_CAMERA_H
#define CK_CAMERA_H

#include <stdint.h>

#include "base/err.h"
#include "codec/json.h"
#include "gb/sip.h"
#include "media/psmux.h"

typedef struct ck_camera_opts {
	const ck_psmux_media *media;  /* not owned; outlives the camera */
	const char *id;               /* the device ID (SDP o= and Contact) */
	int max_streams;              /* 0 = 8 */
	uint32_t ssrc;                /* 0 = the offer's y= */
	void (*on_record)(void *arg, ck_json *j);  /* a record is ready in j */
	void *arg;
} ck_camera_opts;

typedef struct ck_camera ck_camera;

/* A camera on endpoint s (not owned). NULL with e on allocation failure. */
ck_camera *ck_camera_new(ck_sip *s, const ck_camera_opts *o, ck_err *e);
/* Handles rq when it is media business (INVITE, ACK, BYE, INFO of a media
 * dialog): answers it, frees it and returns 1. Returns 0 otherwise. */
int ck_camera_handle(ck_camera *c, ck_sip_req *rq);
/* Sends the packets that are due, accepts and connects media sockets,
 * ends finished playbacks. Cheap; call it at least by ck_camera_wake. */
void ck_camera_tick(ck_camera *c);
/* When the next packet is due (ck_clock_now_ms time), or -1 when idle. */
int64_t ck_camera_wake(const ck_camera *c);
/* Dialogs streaming or set up. */
int ck_camera_active(const ck_camera *c);
/* Sends BYE in every dialog (each bounded to 2 s) and closes them. */
void ck_camera_stop(ck_camera *c);
void ck_camera_free(ck_camera *c);

#endif
