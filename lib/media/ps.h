/* ps: streaming MPEG-2 program stream demuxer for GB28181-style streams.
 * Feed it bytes in chunks of any size; it hands complete video access
 * units (Annex-B), audio PES payloads and, when asked, private_stream_1
 * payloads to a sink. Buffering is bounded: one PS header (<= 64 KiB), one
 * audio PES (<= 64 KiB) and the current access unit (<= CK_PS_AU_MAX; a
 * larger one is handed over in pieces). */
#ifndef CK_PS_H
#define CK_PS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define CK_PS_AU_MAX (4u << 20)

enum { CK_PS_VIDEO = 1, CK_PS_AUDIO = 2, CK_PS_PRIVATE = 3 };

typedef struct ck_ps_frame {
	int kind;              /* CK_PS_VIDEO / CK_PS_AUDIO / CK_PS_PRIVATE */
	unsigned stream_id;    /* 0xE0.., 0xC0.., 0xBD */
	int codec;             /* enum ck_h26x_codec */
	int has_pts, has_dts;
	uint64_t pts, dts;     /* 90 kHz, 33 bits */
	int key;               /* video: starts with an IDR/IRAP picture */
	int damaged;           /* handed over with --keep-damaged semantics */
	const uint8_t *data;   /* valid during the sink call only */
	size_t len;
} ck_ps_frame;

/* Receives each output unit; returns 0, or -1 (with e filled) to stop. */
typedef int (*ck_ps_sink)(void *ctx, const ck_ps_frame *f, ck_err *e);

typedef struct ck_ps {
	/* settings (set after ck_ps_init) */
	int keep_private;      /* hand 0xBD payloads to the sink */
	int frame_mode;        /* RTP: access units end at ck_ps_frame_end() too */
	int keep_damaged;      /* hand damaged access units over instead of dropping */
	/* what was learnt */
	uint8_t stream_type[256];  /* from the PSM, by stream_id (0 = unknown) */
	int video_codec, audio_codec, width, height;
	unsigned video_sid, audio_sid;
	/* counters */
	uint64_t packs, psms, psm_bad, pes, empty_pes, resyncs, skipped;
	uint64_t frames, keys, video_bytes, audio_bytes, dropped, damaged_kept;
	uint64_t fed;
	/* private state */
	ck_ps_sink sink;
	void *ctx;
	int state, kind, pes_start, damaged;
	size_t left;
	int p_has_pts, p_has_dts;
	uint64_t p_pts, p_dts;
	unsigned p_sid;
	uint8_t *hold;
	size_t hold_len;
	uint8_t *au;
	size_t au_len, au_cap;
	int au_open, au_has_pts, au_has_dts, au_split;
	uint64_t au_pts, au_dts;
	uint8_t *pkt;          /* current audio / private PES payload */
	size_t pkt_len;
} ck_ps;

/* Prepares ps with a sink; allocates its bounded buffers. Returns 0 or -1
 * (CK_SOFTWARE). Release with ck_ps_free. */
int ck_ps_init(ck_ps *ps, ck_ps_sink sink, void *ctx, ck_err *e);
/* Parses n bytes (p is not kept). Returns 0, or -1 when the sink failed or
 * the input is plainly not MPEG-PS (CK_DATAERR: no pack header in the first
 * 256 KiB). Damaged units are dropped and counted, never handed over. */
int ck_ps_feed(ck_ps *ps, const uint8_t *p, size_t n, ck_err *e);
/* RTP frame boundary: hands over the current access unit, or drops it when
 * damaged (data was lost inside it) unless keep_damaged. Returns 0 or -1. */
int ck_ps_frame_end(ck_ps *ps, int damaged, ck_err *e);
/* Data was lost: forget partial units, look for the next pack header. */
void ck_ps_resync(ck_ps *ps);
/* End of input: hands over the last complete unit (a unit cut off by the
 * end is dropped and counted). Returns 0 or -1. */
int ck_ps_finish(ck_ps *ps, ck_err *e);
/* Frees the buffers (ps itself belongs to the caller). */
void ck_ps_free(ck_ps *ps);
/* CRC-32/MPEG-2 of n bytes (as in the PSM). */
uint32_t ck_ps_crc32_mpeg(const uint8_t *p, size_t n);

#endif
