#ifndef CK_RTPSEQ_H
#define CK_RTPSEQ_H
/* rtpseq: puts one SSRC's packets back in sequence order within a window
 * of packets or milliseconds, counting loss, reordering and duplicates. */
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "media/rtp.h"

/* Sequencing of one SSRC. */
typedef struct ck_rtpseq_slot {
	uint8_t *p;
	size_t len, cap;
	int64_t t;
	uint16_t seq;
	int used;
} ck_rtpseq_slot;

/* Called with each packet released in order; gap = packets lost just
 * before it, or -1 after a sequence restart (loss unknown, not counted).
 * Returns 0 or -1 (e filled) to stop. */
typedef int (*ck_rtpseq_emit)(void *ctx, const ck_rtp *r, int gap, ck_err *e);

typedef struct ck_rtpseq {
	int window;            /* hold up to this many packets (0 = no reordering) */
	int64_t window_ms;     /* or hold a packet at most this long */
	uint32_t ssrc;
	int ssrc_set;          /* lock to ssrc (else to the first one seen) */
	/* counters */
	uint64_t packets, lost, reordered, duplicates, foreign, rtcp, bad;
	uint64_t jumps;        /* sequence restarts (sender restarted) */
	/* the window's latency cost: packets that waited in it (behind a
	 * gap) and how long, by the push times given */
	uint64_t waited;
	int64_t wait_max_ms, wait_sum_ms;
	/* private */
	int started;
	uint16_t next, highest, back_seq;
	int back_n, disc;
	int64_t now;           /* time of the current push or expiry */
	ck_rtpseq_slot *slots;
	int nslots, nused;
} ck_rtpseq;

/* Allocates the window (window packets, or 1024 slots in ms mode).
 * Returns 0 or -1. Free with ck_rtpseq_free. */
int ck_rtpseq_init(ck_rtpseq *q, int window, int64_t window_ms, ck_err *e);
/* Offers one packet received at now_ms; releases what can go in order. */
int ck_rtpseq_push(ck_rtpseq *q, const uint8_t *p, size_t n, int64_t now_ms,
    ck_rtpseq_emit emit, void *ctx, ck_err *e);
/* Releases packets held longer than window_ms (call when idle). */
int ck_rtpseq_expire(ck_rtpseq *q, int64_t now_ms, ck_rtpseq_emit emit, void *ctx, ck_err *e);
/* End of input: releases everything held, in order. */
int ck_rtpseq_flush(ck_rtpseq *q, ck_rtpseq_emit emit, void *ctx, ck_err *e);
/* Frees the held packets and the window (q itself belongs to the caller). */
void ck_rtpseq_free(ck_rtpseq *q);

#endif
