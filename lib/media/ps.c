#include <stdlib.h>
#include <string.h>

#include "codec/h26x.h"
#include "media/ps.h"

enum { S_SYNC, S_UNIT, S_PAYLOAD };
enum { K_SKIP, K_VIDEO, K_AUDIO, K_PRIV };

#define HOLD_MAX (65536 + 16)
#define NOT_PS_LIMIT (256u << 10)

uint32_t
ck_ps_crc32_mpeg(const uint8_t *p, size_t n)
{
	static uint32_t t[256];
	uint32_t c = 0xFFFFFFFFu;

	if (t[1] == 0)
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t k = i << 24;
			for (int j = 0; j < 8; j++)
				k = (k & 0x80000000u) ? (k << 1) ^ 0x04C11DB7u : k << 1;
			t[i] = k;
		}
	while (n--)
		c = (c << 8) ^ t[((c >> 24) ^ *p++) & 0xFF];
	return c;
}

int
ck_ps_init(ck_ps *ps, ck_ps_sink sink, void *ctx, ck_err *e)
{
	memset(ps, 0, sizeof *ps);
	ps->sink = sink;
	ps->ctx = ctx;
	ps->state = S_SYNC;
	ps->hold = malloc(HOLD_MAX);
	ps->pkt = malloc(65536);
	ps->au_cap = 64u << 10;  /* grows with the largest frame, up to CK_PS_AU_MAX */
	ps->au = malloc(ps->au_cap);
	if (!ps->hold || !ps->pkt || !ps->au) {
		ck_ps_free(ps);
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	}
	return 0;
}

void
ck_ps_free(ck_ps *ps)
{
	free(ps->hold);
	free(ps->pkt);
	free(ps->au);
	ps->hold = ps->pkt = ps->au = NULL;
}

static uint64_t
rd_ts(const uint8_t *q)
{
	return (uint64_t)((q[0] >> 1) & 7) << 30 | (uint64_t)q[1] << 22 |
	    (uint64_t)(q[2] >> 1) << 15 | (uint64_t)q[3] << 7 | (q[4] >> 1);
}

/* Hands the current access unit to the sink (or drops it). */
static int
au_end(ck_ps *ps, int damaged, ck_err *e)
{
	int rc = 0;

	int ext = damaged;

	if (!ps->au_open)
		return 0;
	damaged |= ps->damaged;
	if (ps->au_len > 0 && (!damaged || ps->keep_damaged)) {
		ck_ps_frame f = { 0 };
		ck_h26x_info inf;
		if (ps->video_codec == CK_CODEC_UNKNOWN)
			ps->video_codec = ck_h26x_guess(ps->au, ps->au_len);
		if (!ps->au_split && (ps->video_codec == CK_CODEC_H264 ||
		    ps->video_codec == CK_CODEC_H265)) {
			ck_h26x_scan(ps->video_codec, ps->au, ps->au_len, &inf);
			f.key = inf.key;
			if (inf.width > 0) {
				ps->width = inf.width;
				ps->height = inf.height;
			}
		}
		f.kind = CK_PS_VIDEO;
		f.stream_id = ps->video_sid;
		f.codec = ps->video_codec;
		f.has_pts = ps->au_has_pts;
		f.has_dts = ps->au_has_dts;
		f.pts = ps->au_pts;
		f.dts = ps->au_dts;
		f.damaged = damaged;
		f.data = ps->au;
		f.len = ps->au_len;
		if (!ps->au_split) {
			ps->frames++;
			ps->keys += f.key;
		}
		ps->damaged_kept += damaged != 0;
		ps->video_bytes += ps->au_len;
		rc = ps->sink(ps->ctx, &f, e);
	} else if (damaged && !ext && ps->au_len > 0) {
		ps->dropped++;  /* PS-level damage; RTP-level drops are the caller's */
	}
	ps->au_open = ps->au_len = 0;
	ps->au_split = 0;
	ps->damaged = 0;
	return rc;
}

void
ck_ps_resync(ck_ps *ps)
{
	if (ps->state != S_SYNC)
		ps->resyncs++;
	if (ps->au_open)
		ps->damaged = 1;
	ps->state = S_SYNC;
	ps->hold_len = 0;
	ps->left = 0;
	ps->pkt_len = 0;
}

int
ck_ps_frame_end(ck_ps *ps, int damaged, ck_err *e)
{
	return au_end(ps, damaged, e);
}

static void
parse_psm(ck_ps *ps, const uint8_t *q, size_t len)
{
	size_t info, map, off, end;

	ps->psms++;
	if (len < 16) {
		ps->psm_bad++;
		return;
	}
	if (ck_ps_crc32_mpeg(q, len - 4) !=
	    ((uint32_t)q[len - 4] << 24 | (uint32_t)q[len - 3] << 16 | (uint32_t)q[len - 2] << 8 | q[len - 1]))
		ps->psm_bad++;  /* counted, not fatal: some devices store it little-endian */
	info = (size_t)q[8] << 8 | q[9];
	if (10 + info + 2 > len - 4) {
		ps->psm_bad++;
		return;
	}
	map = (size_t)q[10 + info] << 8 | q[11 + info];
	off = 12 + info;
	if (map > len - 4 - off) {  /* e.g. a map claiming 1000 streams */
		ps->psm_bad++;
		return;
	}
	end = off + map;
	while (off + 4 <= end) {
		unsigned st = q[off], sid = q[off + 1];
		size_t il = (size_t)q[off + 2] << 8 | q[off + 3];
		ps->stream_type[sid] = (uint8_t)st;
		off += 4 + il;
	}
}

/* Starts a PES of stream sid; returns the payload kind. */
static int
pes_kind(ck_ps *ps, unsigned sid)
{
	if (sid >= 0xE0 && sid <= 0xEF) {
		if (ps->video_sid == 0)
			ps->video_sid = sid;
		return sid == ps->video_sid ? K_VIDEO : K_SKIP;
	}
	if (sid >= 0xC0 && sid <= 0xDF) {
		if (ps->audio_sid == 0)
			ps->audio_sid = sid;
		return sid == ps->audio_sid ? K_AUDIO : K_SKIP;
	}
	if (sid == 0xBD)
		return ps->keep_private ? K_PRIV : K_SKIP;
	return K_SKIP;
}

static int
pkt_end(ck_ps *ps, ck_err *e)
{
	ck_ps_frame f = { 0 };

	if (ps->kind == K_AUDIO) {
		f.kind = CK_PS_AUDIO;
		if (ps->audio_codec == CK_CODEC_UNKNOWN)
			ps->audio_codec = ck_h26x_codec_from_stream_type(ps->stream_type[ps->p_sid]);
		f.codec = ps->audio_codec;
		ps->audio_bytes += ps->pkt_len;
	} else
		f.kind = CK_PS_PRIVATE;
	f.stream_id = ps->p_sid;
	f.has_pts = ps->p_has_pts;
	f.has_dts = ps->p_has_dts;
	f.pts = ps->p_pts;
	f.dts = ps->p_dts;
	f.data = ps->pkt;
	f.len = ps->pkt_len;
	ps->pkt_len = 0;
	return f.len ? ps->sink(ps->ctx, &f, e) : 0;
}

/* Video PES header seen: decides whether it opens a new access unit. */
static int
video_start(ck_ps *ps, ck_err *e)
{
	if (ps->au_open && ps->p_has_pts && (!ps->au_has_pts || ps->p_pts != ps->au_pts))
		if (au_end(ps, 0, e) < 0)
			return -1;
	if (!ps->au_open) {
		ps->au_open = 1;
		ps->au_has_pts = ps->p_has_pts;
		ps->au_has_dts = ps->p_has_dts;
		ps->au_pts = ps->p_pts;
		ps->au_dts = ps->p_has_dts ? ps->p_dts : ps->p_pts;
		if (ps->video_codec == CK_CODEC_UNKNOWN)
			ps->video_codec = ck_h26x_codec_from_stream_type(ps->stream_type[ps->video_sid]);
	}
	return 0;
}

/* Parses one unit header at q (avail bytes). Returns the bytes it used,
 * 0 when it needs *need bytes, or -1 when q is not a valid unit. */
static long
parse_unit(ck_ps *ps, const uint8_t *q, size_t avail, size_t *need, ck_err *e)
{
	unsigned id;
	size_t len, hl;

	if (avail < 4)
		return *need = 4, 0;
	if (q[0] != 0 || q[1] != 0 || q[2] != 1 || q[3] < 0xB9)
		return -1;
	id = q[3];
	if (id == 0xB9)
		return 4;
	if (id == 0xBA) {
		if (avail < 5)
			return *need = 5, 0;
		if ((q[4] & 0xC0) == 0x40) {
			if (avail < 14)
				return *need = 14, 0;
			len = 14 + (q[13] & 7);
		} else if ((q[4] & 0xF0) == 0x20)
			len = 12;
		else
			return -1;
		if (avail < len)
			return *need = len, 0;
		ps->packs++;
		return (long)len;
	}
	if (avail < 6)
		return *need = 6, 0;
	len = (size_t)q[4] << 8 | q[5];
	if (id == 0xBC) {
		if (avail < 6 + len)
			return *need = 6 + len, 0;
		parse_psm(ps, q, 6 + len);
		return (long)(6 + len);
	}
	ps->pes++;
	if (len == 0) {  /* unbounded/empty PES: nothing usable in a PS */
		ps->empty_pes++;
		return 6;
	}
	ps->kind = K_SKIP;
	if (id == 0xBD || (id >= 0xC0 && id <= 0xEF))
		ps->kind = pes_kind(ps, id);
	if (ps->kind == K_SKIP) {
		ps->left = len;
		ps->state = S_PAYLOAD;
		return 6;
	}
	if (avail < 9)
		return *need = 9, 0;
	if ((q[6] & 0xC0) != 0x80 || len < 3)
		return -1;  /* MPEG-1 PES syntax is not used by GB28181 devices */
	hl = q[8];
	if (3 + hl > len)
		return -1;
	if (avail < 9 + hl)
		return *need = 9 + hl, 0;
	ps->p_sid = id;
	ps->p_has_pts = ps->p_has_dts = 0;
	if ((q[7] & 0x80) && hl >= 5) {
		ps->p_has_pts = 1;
		ps->p_pts = rd_ts(q + 9);
		if ((q[7] & 0x40) && hl >= 10) {
			ps->p_has_dts = 1;
			ps->p_dts = rd_ts(q + 14);
		}
	}
	ps->left = len - 3 - hl;
	ps->state = S_PAYLOAD;
	ps->pkt_len = 0;
	if (ps->kind == K_VIDEO && video_start(ps, e) < 0)
		return -2;
	return (long)(9 + hl);
}

/* Payload bytes of the current PES. */
static int
payload(ck_ps *ps, const uint8_t *p, size_t m, ck_err *e)
{
	if (ps->kind == K_VIDEO) {
		if (ps->au_len + m > CK_PS_AU_MAX) {
			/* oversize: hand over what we have, keep going */
			if (au_end(ps, 0, e) < 0)
				return -1;
			ps->au_open = 1;
			ps->au_split = 1;
		}
		if (ps->au_len + m > ps->au_cap) {
			size_t nc = ps->au_cap * 2;
			while (nc < ps->au_len + m)
				nc *= 2;
			if (nc > CK_PS_AU_MAX)
				nc = CK_PS_AU_MAX;
			uint8_t *na = realloc(ps->au, nc);
			if (na == NULL)
				return ck_err_set(e, CK_SOFTWARE, "out of memory");
			ps->au = na;
			ps->au_cap = nc;
		}
		memcpy(ps->au + ps->au_len, p, m);
		ps->au_len += m;
	} else if (ps->kind == K_AUDIO || ps->kind == K_PRIV) {
		memcpy(ps->pkt + ps->pkt_len, p, m);  /* a PES payload < 64 KiB */
		ps->pkt_len += m;
	}
	return 0;
}

static const uint8_t pack_sc[4] = { 0, 0, 1, 0xBA };

int
ck_ps_feed(ck_ps *ps, const uint8_t *p, size_t n, ck_err *e)
{
	size_t i = 0;

	ps->fed += n;
	while (i < n) {
		if (ps->state == S_PAYLOAD) {
			size_t m = n - i < ps->left ? n - i : ps->left;
			if (payload(ps, p + i, m, e) < 0)
				return -1;
			i += m;
			ps->left -= m;
			if (ps->left == 0) {
				ps->state = S_UNIT;
				if ((ps->kind == K_AUDIO || ps->kind == K_PRIV) && pkt_end(ps, e) < 0)
					return -1;
			}
			continue;
		}
		if (ps->state == S_SYNC) {
			if (ps->hold_len > 0) {
				/* a pack start code split across chunks */
				uint8_t t[8];
				size_t k = ps->hold_len, add = n - i < 3 ? n - i : 3;
				memcpy(t, ps->hold, k);
				memcpy(t + k, p + i, add);
				uint8_t *f = memmem(t, k + add, pack_sc, 4);
				if (f != NULL && (size_t)(f - t) < k) {
					size_t off = (size_t)(f - t);
					memmove(ps->hold, ps->hold + off, k - off);
					ps->hold_len = k - off;
					ps->skipped += off;
					ps->state = S_UNIT;
					continue;
				}
				if (k + add < 4) {
					/* still too short to tell: keep the tail */
					size_t keep = k + add < 3 ? k + add : 3;
					ps->skipped += k + add - keep;
					memcpy(ps->hold, t + k + add - keep, keep);
					ps->hold_len = keep;
					i += add;
					continue;
				}
				ps->skipped += k;
				ps->hold_len = 0;
			}
			const uint8_t *f = memmem(p + i, n - i, pack_sc, 4);
			if (f == NULL) {
				size_t keep = n - i < 3 ? n - i : 3;
				ps->skipped += n - i - keep;
				memcpy(ps->hold, p + n - keep, keep);
				ps->hold_len = keep;
				i = n;
			} else {
				ps->skipped += (size_t)(f - (p + i));
				i = (size_t)(f - p);
				ps->state = S_UNIT;
			}
			if (ps->packs == 0 && ps->skipped > NOT_PS_LIMIT)
				return ck_err_set(e, CK_DATAERR,
				    "no MPEG-PS pack header in the first %u KiB: the payload is not MPEG-PS",
				    NOT_PS_LIMIT >> 10);
			continue;
		}
		/* S_UNIT: a header, possibly across chunks */
		size_t need = 0;
		long used;
		if (ps->hold_len == 0) {
			used = parse_unit(ps, p + i, n - i, &need, e);
			if (used > 0) {
				i += (size_t)used;
				continue;
			}
			if (used == 0) {
				if (need > HOLD_MAX)
					return ck_err_set(e, CK_SOFTWARE, "PS header too large");
				memcpy(ps->hold, p + i, n - i);
				ps->hold_len = n - i;
				i = n;
				continue;
			}
		} else {
			used = parse_unit(ps, ps->hold, ps->hold_len, &need, e);
			if (used == 0) {
				size_t add = need - ps->hold_len;
				if (add > n - i)
					add = n - i;
				memcpy(ps->hold + ps->hold_len, p + i, add);
				ps->hold_len += add;
				i += add;
				continue;
			}
			if (used > 0) {
				/* headers ask for exactly what they use */
				ps->hold_len = 0;
				continue;
			}
		}
		if (used == -2)
			return -1;
		if (ps->hold_len == 0)
			i++;  /* not a unit here: search again after this byte */
		ck_ps_resync(ps);
	}
	return 0;
}

int
ck_ps_finish(ck_ps *ps, ck_err *e)
{
	if (ps->state == S_PAYLOAD && ps->left > 0) {
		ps->damaged = ps->au_open && ps->kind == K_VIDEO;
		ps->pkt_len = 0;
	}
	if (ps->state == S_UNIT && ps->hold_len > 0 && ps->au_open)
		ps->damaged = 1;  /* a header cut off by the end */
	if (au_end(ps, 0, e) < 0)
		return -1;
	if (ps->packs == 0 && ps->fed > 0)
		return ck_err_set(e, CK_DATAERR, "no MPEG-PS pack header in %llu bytes: the payload is not MPEG-PS",
		    (unsigned long long)ps->fed);
	return 0;
}
