#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "media/rtpseq.h"


int
ck_rtpseq_init(ck_rtpseq *q, int window, int64_t window_ms, ck_err *e)
{
	memset(q, 0, sizeof *q);
	q->window = window;
	q->window_ms = window_ms;
	q->nslots = window_ms > 0 ? 1024 : window;
	if (q->nslots > 0 && (q->slots = calloc((size_t)q->nslots, sizeof *q->slots)) == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	return 0;
}

void
ck_rtpseq_free(ck_rtpseq *q)
{
	for (int i = 0; i < q->nslots; i++)
		free(q->slots[i].p);
	free(q->slots);
	q->slots = NULL;
	q->nslots = 0;
}

static int
release(ck_rtpseq *q, const uint8_t *p, size_t n, ck_rtpseq_emit emit, void *ctx, ck_err *e)
{
	ck_rtp r;
	ck_err ig;
	int gap;

	if (ck_rtp_parse(p, n, &r, &ig) < 0) {
		q->bad++;
		return 0;
	}
	gap = ck_rtp_seq_delta(q->next, r.seq);
	if (gap < 0)
		gap = 0;
	q->lost += (uint64_t)gap;
	if (q->disc) {
		gap = -1;
		q->disc = 0;
	}
	q->next = (uint16_t)(r.seq + 1);
	q->packets++;
	return emit(ctx, &r, gap, e);
}

/* Index of the held packet with the lowest sequence number, or -1. */
static int
lowest(ck_rtpseq *q)
{
	int best = -1;
	for (int i = 0; i < q->nslots; i++)
		if (q->slots[i].used && (best < 0 || ck_rtp_seq_delta(q->slots[best].seq, q->slots[i].seq) < 0))
			best = i;
	return best;
}

/* A held packet leaves the window: how long it waited. */
static void
waited(ck_rtpseq *q, const ck_rtpseq_slot *s)
{
	int64_t w = q->now - s->t;

	if (q->now <= 0 || w < 0)
		return;          /* end of input: no time to go by */
	q->waited++;
	q->wait_sum_ms += w;
	if (w > q->wait_max_ms)
		q->wait_max_ms = w;
}

static int
drain(ck_rtpseq *q, ck_rtpseq_emit emit, void *ctx, ck_err *e)
{
	int again = 1;
	while (again && q->nused > 0) {
		again = 0;
		for (int i = 0; i < q->nslots; i++) {
			ck_rtpseq_slot *s = &q->slots[i];
			if (s->used && s->seq == q->next) {
				s->used = 0;
				q->nused--;
				waited(q, s);
				if (release(q, s->p, s->len, emit, ctx, e) < 0)
					return -1;
				again = 1;
				break;
			}
		}
	}
	return 0;
}

static int
release_lowest(ck_rtpseq *q, ck_rtpseq_emit emit, void *ctx, ck_err *e)
{
	int i = lowest(q);
	if (i < 0)
		return 0;
	q->slots[i].used = 0;
	q->nused--;
	waited(q, &q->slots[i]);
	if (release(q, q->slots[i].p, q->slots[i].len, emit, ctx, e) < 0)
		return -1;
	return drain(q, emit, ctx, e);
}

/* The sequence restarts at r: release what is held, then r as the first
 * packet after a discontinuity (gap -1, not counted as a loss). */
static int
jump(ck_rtpseq *q, const uint8_t *p, size_t n, const ck_rtp *r, ck_rtpseq_emit emit, void *ctx, ck_err *e)
{
	while (q->nused > 0)
		if (release_lowest(q, emit, ctx, e) < 0)
			return -1;
	q->jumps++;
	q->next = r->seq;
	q->highest = r->seq;
	q->disc = 1;
	return release(q, p, n, emit, ctx, e);
}

int
ck_rtpseq_push(ck_rtpseq *q, const uint8_t *p, size_t n, int64_t now, ck_rtpseq_emit emit, void *ctx, ck_err *e)
{
	ck_rtp r;
	ck_err ig;
	int d;

	q->now = now;
	if (ck_rtp_is_rtcp(p, n)) {
		q->rtcp++;
		return 0;
	}
	if (ck_rtp_parse(p, n, &r, &ig) < 0) {
		q->bad++;
		return 0;
	}
	if (!q->ssrc_set) {
		q->ssrc = r.ssrc;
		q->ssrc_set = 1;
		ck_log_info("locked to SSRC 0x%08x", r.ssrc);
	}
	if (r.ssrc != q->ssrc) {
		q->foreign++;
		return 0;
	}
	if (!q->started) {
		q->started = 1;
		q->next = q->highest = r.seq;
	}
	d = ck_rtp_seq_delta(q->next, r.seq);
	if (d < 0) {
		/* a duplicate or a late packet; but a run of in-order packets far
		 * behind is the sender restarting its sequence: follow it */
		q->back_n = r.seq == (uint16_t)(q->back_seq + 1) ? q->back_n + 1 : 1;
		q->back_seq = r.seq;
		if (q->back_n < 4 || d > -64) {
			q->duplicates++;
			return 0;
		}
		q->duplicates -= 3;  /* the three before this one were not duplicates */
		return jump(q, p, n, &r, emit, ctx, e);
	}
	q->back_n = 0;
	if (ck_rtp_seq_delta(q->highest, r.seq) < 0)
		q->reordered++;
	else
		q->highest = r.seq;
	if (d > 0x4000)  /* a jump: do not wait for the hole to fill */
		return jump(q, p, n, &r, emit, ctx, e);
	if (d == 0 || q->nslots == 0) {
		if (release(q, p, n, emit, ctx, e) < 0)
			return -1;
		return drain(q, emit, ctx, e);
	}
	for (int i = 0; i < q->nslots; i++)
		if (q->slots[i].used && q->slots[i].seq == r.seq) {
			q->duplicates++;
			return 0;
		}
	if (q->nused == q->nslots || (q->window > 0 && q->nused >= q->window)) {
		if (release_lowest(q, emit, ctx, e) < 0)
			return -1;
		if (ck_rtp_seq_delta(q->next, r.seq) == 0) {
			if (release(q, p, n, emit, ctx, e) < 0)
				return -1;
			return drain(q, emit, ctx, e);
		}
		if (ck_rtp_seq_delta(q->next, r.seq) < 0) {
			q->duplicates++;
			return 0;
		}
	}
	for (int i = 0; i < q->nslots; i++) {
		ck_rtpseq_slot *s = &q->slots[i];
		if (s->used)
			continue;
		if (s->cap < n) {
			uint8_t *np = realloc(s->p, n);
			if (np == NULL)
				return ck_err_set(e, CK_SOFTWARE, "out of memory");
			s->p = np;
			s->cap = n;
		}
		memcpy(s->p, p, n);
		s->len = n;
		s->seq = r.seq;
		s->t = now;
		s->used = 1;
		q->nused++;
		break;
	}
	return q->window_ms > 0 ? ck_rtpseq_expire(q, now, emit, ctx, e) : 0;
}

int
ck_rtpseq_expire(ck_rtpseq *q, int64_t now, ck_rtpseq_emit emit, void *ctx, ck_err *e)
{
	q->now = now;
	for (;;) {
		int i = lowest(q), old = -1;
		if (i < 0 || q->window_ms <= 0)
			return 0;
		for (int k = 0; k < q->nslots; k++)
			if (q->slots[k].used && now - q->slots[k].t >= q->window_ms)
				old = k;
		if (old < 0)
			return 0;
		if (release_lowest(q, emit, ctx, e) < 0)
			return -1;
	}
}

int
ck_rtpseq_flush(ck_rtpseq *q, ck_rtpseq_emit emit, void *ctx, ck_err *e)
{
	q->now = 0;
	while (q->nused > 0)
		if (release_lowest(q, emit, ctx, e) < 0)
			return -1;
	return 0;
}
