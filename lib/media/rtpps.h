/* rtpps: RTP frames to the PS demuxer. Groups in-order RTP packets into
 * frames (one RTP timestamp, marker on the last packet), decides which
 * frames lost packets (including frames lost whole, estimated from the
 * timestamp step) and feeds the payloads of intact frames to a ck_ps. */
#ifndef CK_RTPPS_H
#define CK_RTPPS_H

#include <stdint.h>

#include "base/err.h"
#include "media/ps.h"
#include "media/rtp.h"

typedef struct ck_rtpps {
	ck_ps *ps;
	int keep_damaged;      /* feed damaged frames as far as they parse */
	uint64_t frames;       /* RTP frames seen (whole lost ones not included) */
	uint64_t dropped;      /* frames that lost packets and were dropped */
	uint64_t damaged_kept; /* frames that lost packets, kept (keep_damaged) */
	uint64_t lost_whole;   /* of those, frames with no packet received */
	uint8_t head[8];       /* first bytes of the first payload (diagnostics) */
	size_t head_len;
	unsigned head_pt;
	/* private */
	int in_frame, damaged, marker, have_prev;
	uint32_t ts, prev_ts, step;
} ck_rtpps;

/* Starts an assembler feeding ps (not owned). */
void ck_rtpps_init(ck_rtpps *f, ck_ps *ps, int keep_damaged);
/* One in-order packet and the number lost just before it (-1: the sender
 * restarted its sequence). Returns 0 or -1
 * (from the demuxer: not PS, sink failure). */
int ck_rtpps_packet(ck_rtpps *f, const ck_rtp *r, int gap, ck_err *e);
/* What the first payload looks like when it is not PS, from the evidence
 * in f->head and f->head_pt (static payload type, start code, NAL header,
 * a known private header), or NULL when there is none. Static string. */
const char *ck_rtpps_guess(const ck_rtpps *f);
/* End of input: closes the last frame (damaged when its marker never came
 * and packets were lost). Returns 0 or -1. */
int ck_rtpps_finish(ck_rtpps *f, ck_err *e);

#endif
