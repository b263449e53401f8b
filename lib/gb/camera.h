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
	int records;                  /* the device's synthetic recordings per
	                               * day (ck_camera_record_step_ms), each
	                               * the media; a Playback/Download's t=
	                               * START END picks the part of the media
	                               * they cover. 0: t= is ignored, the
	                               * whole media plays */
	void (*on_record)(void *arg, ck_json *j);  /* a record is ready in j */
	void *arg;
} ck_camera_opts;

typedef struct ck_camera ck_camera;

/* The synthetic recordings of a device with n a day: one starts at every
 * multiple of this many ms since 1970 (so a time maps onto the same
 * recording whenever it is asked) and lasts the media's duration. */
int64_t ck_camera_record_step_ms(int n);

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
/* Closes every dialog and its media without a word to the platform (a
 * rebooting camera sends no BYE), each reported as stream_stopped with
 * reason why. */
void ck_camera_drop(ck_camera *c, const char *why);
void ck_camera_free(ck_camera *c);

#endif
