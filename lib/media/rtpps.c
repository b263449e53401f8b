#include <string.h>

#include "media/rtpps.h"

void
ck_rtpps_init(ck_rtpps *f, ck_ps *ps, int keep_damaged)
{
	*f = (ck_rtpps){ 0 };
	f->ps = ps;
	f->keep_damaged = keep_damaged;
	ps->frame_mode = 1;
	ps->keep_damaged = keep_damaged;
}

static int
close_frame(ck_rtpps *f, ck_err *e)
{
	if (!f->in_frame)
		return 0;
	f->in_frame = 0;
	f->frames++;
	if (f->damaged) {
		if (f->keep_damaged)
			f->damaged_kept++;
		else
			f->dropped++;
	} else {
		/* learn the frame step from consecutive intact frames */
		if (f->have_prev) {
			uint32_t d = f->ts - f->prev_ts;
			if (d > 0 && d < 90000 * 4 && (f->step == 0 || d < f->step))
				f->step = d;
		}
	}
	f->prev_ts = f->ts;
	f->have_prev = 1;
	return ck_ps_frame_end(f->ps, f->damaged, e);
}

/* A frame's first packet starts with a PS unit (pack header, PES, ...). */
static int
head_ok(const ck_rtp *r)
{
	const uint8_t *p = r->payload;
	return r->payload_len >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 1 && p[3] >= 0xB9;
}

static void
open_frame(ck_rtpps *f, const ck_rtp *r, int damaged)
{
	f->in_frame = 1;
	f->ts = r->ts;
	f->damaged = damaged;
	f->marker = 0;
}

int
ck_rtpps_packet(ck_rtpps *f, const ck_rtp *r, int gap, ck_err *e)
{
	if (f->head_len == 0 && r->payload_len > 0) {
		f->head_len = r->payload_len < sizeof f->head ? r->payload_len : sizeof f->head;
		memcpy(f->head, r->payload, f->head_len);
		f->head_pt = r->pt;
	}
	if (gap < 0) {
		/* the sender restarted: what was under way is incomplete */
		if (f->in_frame && !f->marker)
			f->damaged = 1;
		if (close_frame(f, e) < 0)
			return -1;
		f->have_prev = 0;
		ck_ps_resync(f->ps);
		open_frame(f, r, !head_ok(r));
	} else if (gap > 0 && f->in_frame && r->ts == f->ts) {
		/* a hole inside this frame */
		f->damaged = 1;
		ck_ps_resync(f->ps);
	} else if (gap > 0) {
		int used = 0, head = head_ok(r);
		int64_t whole = 0;
		if (f->in_frame) {
			f->damaged = 1;  /* its tail (and marker) went missing */
			used++;
		}
		if (!head)
			used++;
		if (f->have_prev && f->step > 0) {
			int32_t d = (int32_t)(r->ts - (f->in_frame ? f->ts : f->prev_ts));
			if (d > 0 && d <= 90000 * 60)  /* else the timestamps tell nothing */
				whole = ((int64_t)d + f->step / 2) / f->step - 1;
		}
		if (used == 0 && whole < 1)
			whole = 1;  /* lost packets with no partial frame: whole frames */
		if (whole > gap - used)
			whole = gap - used;
		if (whole < 0)
			whole = 0;
		if (close_frame(f, e) < 0)
			return -1;
		f->lost_whole += (uint64_t)whole;
		f->dropped += (uint64_t)whole;
		ck_ps_resync(f->ps);
		open_frame(f, r, !head);
	} else if (!f->in_frame || r->ts != f->ts) {
		if (close_frame(f, e) < 0)
			return -1;
		open_frame(f, r, 0);
	}
	if (!f->damaged || f->keep_damaged)
		if (ck_ps_feed(f->ps, r->payload, r->payload_len, e) < 0)
			return -1;
	if (r->marker) {
		f->marker = 1;
		return close_frame(f, e);
	}
	return 0;
}

int
ck_rtpps_finish(ck_rtpps *f, ck_err *e)
{
	return close_frame(f, e);
}

/* An RFC 6184 payload header: F = 0; a single NAL unit, STAP-A or FU-A
 * whose nal_ref_idc fits its type (SEI, AUD and filler are sent with 0;
 * parameter sets, IDR slices and aggregates of them never are). */
static int
h264_payload(const uint8_t *h, size_t n)
{
	unsigned nri = (h[0] >> 5) & 3, t = h[0] & 0x1F;

	if (h[0] & 0x80)
		return 0;
	if (t == 6 || t == 9 || t == 12)
		return nri == 0;
	if (t == 7 || t == 8 || t == 5 || t == 24)
		return nri != 0;
	if (t == 28)   /* FU-A: not start and end at once, reserved bit 0 */
		return n >= 2 && (h[1] & 0xC0) != 0xC0 && !(h[1] & 0x20) &&
		    ((h[1] & 0x1F) == 1 || (h[1] & 0x1F) == 5) &&
		    (nri != 0 || (h[1] & 0x1F) == 1);
	return t == 1 && nri != 0;
}

/* An RFC 7798 payload header: F = 0, layer 0, temporal id 1 (as cameras
 * send), a VCL, parameter set, SEI, AP or FU type. */
static int
h265_payload(const uint8_t *h, size_t n)
{
	unsigned t = (h[0] >> 1) & 0x3F;

	if (n < 2 || (h[0] & 0x81) || h[1] != 1)
		return 0;
	if (t == 49)
		return n >= 3 && (h[2] & 0xC0) != 0xC0 && ((h[2] & 0x3F) <= 21);
	return t <= 21 || (t >= 32 && t <= 35) || t == 39 || t == 40 || t == 48;
}

const char *
ck_rtpps_guess(const ck_rtpps *f)
{
	const uint8_t *h = f->head;
	size_t n = f->head_len;

	if (f->head_pt == 0)
		return "G.711 u-law audio (static payload type 0, PCMU)";
	if (f->head_pt == 8)
		return "G.711 A-law audio (static payload type 8, PCMA)";
	if (n >= 4 && h[0] == 0 && h[1] == 0 && (h[2] == 1 || (h[2] == 0 && h[3] == 1)))
		return "an Annex-B elementary stream (H.264/H.265 without PS)";
	if (n >= 8 && h[0] == 1 && h[1] == 0 && h[2] == 0 && h[3] == 0)
		return "a private header (01 00 00 00 and a counter, as in Hikvision's own RTP format)";
	if (n >= 2 && h265_payload(h, n))
		return "RFC 7798 H.265 NAL units";
	if (n >= 1 && h264_payload(h, n))
		return "RFC 6184 H.264 NAL units";
	return NULL;
}
