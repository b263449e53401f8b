/* Unit tests for lib/media/psmux: access-unit splitting (4-byte start
 * codes, multi-slice pictures, parameter sets), the packets (size bound,
 * marker, sequence, SSRC switch, timestamps), PSM before key frames only,
 * large frames in several PES, audio interleaving, loop and seek, and the
 * round trip through lib/media/ps (the demuxer gives the input back). */
#include <stdlib.h>
#include <string.h>

#include "codec/h26x.h"
#include "media/ps.h"
#include "media/psmux.h"
#include "media/rtp.h"
#include "t.h"

static const uint8_t sps320[] = { 0x67, 0xf4, 0x00, 0x0d, 0x91, 0x96, 0x81, 0x41, 0xfb, 0x01,
	0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1, 0x42, 0xaa };

/* x264 at 10 fps and x265 at 30000/1001 fps (VUI timing in the SPS) */
static const uint8_t sps264_10[] = { 0x67, 0xf4, 0x00, 0x0a, 0x91, 0x96, 0x82, 0x84, 0x7e,
	0x27, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x01, 0x40, 0xf1, 0x22,
	0x6a };
static const uint8_t sps265_2997[] = { 0x42, 0x01, 0x01, 0x04, 0x08, 0x00, 0x00, 0x03, 0x00,
	0x9e, 0x08, 0x00, 0x00, 0x03, 0x00, 0x00, 0x3c, 0x90, 0x02, 0x84, 0x0f, 0x2c, 0xb2, 0xb3,
	0x49, 0x27, 0x2b, 0xc0, 0x5b, 0x81, 0x01, 0x00, 0x02, 0x00, 0x00, 0x07, 0xd2, 0x00, 0x00,
	0xea, 0x60, 0x10 };

typedef struct buf {
	uint8_t *p;
	size_t len, cap;
} buf;

static void
add(buf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

/* nal with a 4-byte (sc4) or 3-byte start code, then n filler bytes */
static void
nal(buf *b, int sc4, uint8_t h0, uint8_t h1, size_t n)
{
	static const uint8_t sc[4] = { 0, 0, 0, 1 };
	add(b, sc4 ? sc : sc + 1, sc4 ? 4 : 3);
	add(b, &h0, 1);
	add(b, &h1, 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)(0x40 + i % 61);  /* never 00 00 0x */
		add(b, &c, 1);
	}
}

/* 6 pictures: IDR (SPS PPS IDR, two slices), P, P (big), P, IDR, P */
static void
h264_stream(buf *b, size_t big)
{
	add(b, "\0\0\0\1", 4);
	add(b, sps320, sizeof sps320);
	nal(b, 1, 0x68, 0xce, 3);             /* PPS */
	nal(b, 1, 0x65, 0x88, 500);           /* IDR, first_mb 0 */
	nal(b, 0, 0x65, 0x40, 300);           /* IDR, second slice */
	nal(b, 1, 0x41, 0x9a, 200);           /* P */
	nal(b, 1, 0x09, 0x10, 0);             /* AUD opens the next */
	nal(b, 1, 0x41, 0x9a, big);           /* P, large */
	nal(b, 1, 0x06, 0x05, 10);            /* SEI opens the next */
	nal(b, 0, 0x41, 0x9a, 100);
	add(b, "\0\0\0\1", 4);
	add(b, sps320, sizeof sps320);
	nal(b, 1, 0x68, 0xce, 3);
	nal(b, 1, 0x65, 0x88, 400);           /* IDR */
	nal(b, 1, 0x41, 0x9a, 50);
	add(b, "\0\0", 2);                    /* trailing zeros stay */
}

typedef struct got {
	buf v, a;
	int frames, keys;
	uint64_t pts[16];
} got;

static int
sink(void *ctx, const ck_ps_frame *f, ck_err *e)
{
	got *g = ctx;
	(void)e;
	if (f->kind == CK_PS_VIDEO) {
		add(&g->v, f->data, f->len);
		if (g->frames < 16)
			g->pts[g->frames] = f->pts;
		g->frames++;
		g->keys += f->key;
	} else if (f->kind == CK_PS_AUDIO)
		add(&g->a, f->data, f->len);
	return 0;
}

static size_t
count(const uint8_t *p, size_t n, const uint8_t *pat, size_t pl)
{
	size_t c = 0;
	for (size_t i = 0; i + pl <= n; i++)
		c += memcmp(p + i, pat, pl) == 0;
	return c;
}

int
main(void)
{
	buf es = { 0 }, ps = { 0 };
	ck_err e = { 0 };
	ck_psmux_info in;
	ck_psmux_media *m;
	ck_psmux *x;
	ck_psmux_pkt p;
	got g = { 0 };
	ck_ps d;

	h264_stream(&es, 150000);

	/* frame rate from the SPS VUI timing */
	{
		double fps = 0;
		int w = 0, h = 0;
		T_EQ_INT(ck_h26x_h264_sps_fps(sps264_10, sizeof sps264_10, &fps), 0);
		T_OK(fps == 10);
		T_EQ_INT(ck_h26x_h264_sps_size(sps264_10, sizeof sps264_10, &w, &h), 0);
		T_EQ_INT(w, 160);
		T_EQ_INT(ck_h26x_h265_sps_fps(sps265_2997, sizeof sps265_2997, &fps), 0);
		T_OK(fps > 29.969 && fps < 29.971);
		T_EQ_INT(ck_h26x_h265_sps_size(sps265_2997, sizeof sps265_2997, &w, &h), 0);
		T_EQ_INT(h, 120);
		T_EQ_INT(ck_h26x_h264_sps_fps(sps264_10, sizeof sps264_10 - 6, &fps), -1);
		T_EQ_INT(ck_h26x_h265_sps_fps(sps265_2997, sizeof sps265_2997 - 5, &fps), -1);
		T_EQ_INT(ck_h26x_h264_sps_fps(sps320, sizeof sps320, &fps), 0);
		T_OK(fps == 25);
	}

	/* indexing: 6 access units, 2 key, the size from the SPS */
	ck_psmux_src src = { .video_buf = es.p, .video_len = es.len, .fps = 25 };
	m = ck_psmux_media_open(&src, &e);
	T_OK(m != NULL);
	ck_psmux_media_info(m, &in);
	T_EQ_INT(in.codec, CK_CODEC_H264);
	T_EQ_INT(in.frames, 6);
	T_EQ_INT(in.key_frames, 2);
	T_EQ_INT(in.width, 320);
	T_EQ_INT(in.height, 240);
	T_EQ_INT(in.duration, 6 * 3600);

	/* packets: bounded, marked, in sequence, SSRC switched at a pack */
	ck_psmux_conf c = { .ssrc = 0x11111111, .seq = 65530, .max_payload = 1000, .ts_base = 7 };
	x = ck_psmux_new(m, &c, &e);
	T_OK(x != NULL);
	int packs = 0, n = 0, bad = 0, key_psm = 0, other_psm = 0, switched = 0;
	uint16_t seq = 65530;
	uint32_t ssrc_after = 0;
	while (ck_psmux_next(x, &p) == 1) {
		ck_rtp r;
		T_EQ_INT(ck_rtp_parse(p.rtp, p.rtp_len, &r, &e), 0);
		bad += r.payload_len > 1000 || r.pt != 96 || r.seq != seq++ ||
		    r.ts != (uint32_t)p.due + 7 || r.marker != (unsigned)p.marker ||
		    p.framed_len != p.rtp_len + 2 || (p.framed[0] << 8 | p.framed[1]) != (int)p.rtp_len ||
		    p.ps != r.payload || p.due != (uint64_t)packs * 3600;
		if (p.first) {
			size_t k = count(p.ps, p.ps_len, (const uint8_t *)"\0\0\1\xBC", 4);
			if (p.key)
				key_psm += (int)k;
			else
				other_psm += (int)k;
		}
		add(&ps, p.ps, p.ps_len);
		if (p.marker) {
			packs++;
			if (packs == 2) {
				ck_psmux_set_ssrc(x, 0x22222222);
				switched = 1;
			}
		}
		if (switched && p.first)
			ssrc_after = r.ssrc;
		if (!switched)
			T_EQ_INT(r.ssrc, 0x11111111);
		n++;
	}
	T_EQ_INT(bad, 0);
	T_EQ_INT(packs, 6);
	T_EQ_INT(ssrc_after, 0x22222222);
	T_EQ_INT(key_psm, 2);
	T_EQ_INT(other_psm, 0);
	T_OK(n > 150);
	/* the 150 kB frame went into three PES, the PTS on the first only */
	T_EQ_INT(count(ps.p, ps.len, (const uint8_t *)"\0\0\1\xE0", 4), 8);
	T_EQ_INT(ck_psmux_next(x, &p), 0);

	/* the round trip through the demuxer */
	T_EQ_INT(ck_ps_init(&d, sink, &g, &e), 0);
	T_EQ_INT(ck_ps_feed(&d, ps.p, ps.len, &e), 0);
	T_EQ_INT(ck_ps_finish(&d, &e), 0);
	T_EQ_INT(g.frames, 6);
	T_EQ_INT(g.keys, 2);
	T_EQ_INT(g.v.len, es.len);
	T_OK(g.v.len == es.len && memcmp(g.v.p, es.p, es.len) == 0);
	T_EQ_INT(g.pts[5], 5 * 3600);
	T_EQ_INT(d.psm_bad, 0);
	T_EQ_INT(d.stream_type[0xE0], 0x1B);
	ck_ps_free(&d);
	ck_psmux_free(x);

	/* seek: back to the key frame; loop: time goes on */
	c = (ck_psmux_conf){ .loop = 1 };
	x = ck_psmux_new(m, &c, &e);
	T_EQ_INT(ck_psmux_seek(x, 3 * 3600 + 100), 0);
	T_EQ_INT(ck_psmux_seek(x, 5 * 3600), 4 * 3600);
	T_EQ_INT(ck_psmux_seek(x, 6 * 3600 + 4 * 3600), 4 * 3600);  /* modulo the duration */
	int seen = 0;
	uint64_t last = 0;
	while (ck_psmux_next(x, &p) == 1 && seen < 1000) {
		if (p.first && p.loops == 2)
			break;
		if (p.first)
			last = p.due;
		seen++;
	}
	T_EQ_INT(p.loops, 2);
	T_EQ_INT(p.due, 2 * 6 * 3600);
	T_EQ_INT(p.key, 1);
	T_EQ_INT(last, 6 * 3600 + 5 * 3600);
	ck_psmux_free(x);
	ck_psmux_media_free(m);

	/* audio: G.711 in 320-byte packs, interleaved by time, back intact */
	{
		uint8_t al[1000];
		for (size_t i = 0; i < sizeof al; i++)
			al[i] = (uint8_t)(i * 7);
		ck_psmux_src s2 = { .video_buf = es.p, .video_len = es.len, .audio_buf = al,
			.audio_len = sizeof al, .fps = 25 };
		m = ck_psmux_media_open(&s2, &e);
		T_OK(m != NULL);
		ck_psmux_media_info(m, &in);
		T_EQ_INT(in.audio_codec, CK_CODEC_G711A);
		T_EQ_INT(in.audio_units, 4);
		x = ck_psmux_new(m, &(ck_psmux_conf){ 0 }, &e);
		ps.len = 0;
		uint64_t prev = 0;
		int order = 1, audio_packs = 0;
		while (ck_psmux_next(x, &p) == 1) {
			if (p.first) {
				order &= p.due >= prev;
				prev = p.due;
				audio_packs += p.audio;
			}
			add(&ps, p.ps, p.ps_len);
		}
		T_EQ_INT(order, 1);
		T_EQ_INT(audio_packs, 4);
		free(g.v.p);
		free(g.a.p);
		memset(&g, 0, sizeof g);
		ck_ps_init(&d, sink, &g, &e);
		T_EQ_INT(ck_ps_feed(&d, ps.p, ps.len, &e), 0);
		T_EQ_INT(ck_ps_finish(&d, &e), 0);
		T_EQ_INT(g.a.len, sizeof al);
		T_OK(g.a.len == sizeof al && memcmp(g.a.p, al, sizeof al) == 0);
		T_EQ_INT(d.stream_type[0xC0], 0x90);
		T_OK(g.v.len == es.len && memcmp(g.v.p, es.p, es.len) == 0);
		ck_ps_free(&d);
		free(g.v.p);
		free(g.a.p);
		ck_psmux_free(x);
		ck_psmux_media_free(m);
	}

	/* ADTS: frames by their length; a cut-off frame is malformed */
	{
		uint8_t adts[2 * 20];
		for (int i = 0; i < 2; i++) {
			uint8_t *h = adts + 20 * i;
			memset(h, 0x21, 20);
			h[0] = 0xFF; h[1] = 0xF1;
			h[2] = (uint8_t)(0x40 | (11 << 2));  /* AAC LC, 8 kHz */
			h[3] = 0x80; h[4] = (uint8_t)(20 >> 3); h[5] = (uint8_t)((20 & 7) << 5 | 0x1F);
			h[6] = 0xFC;
		}
		ck_psmux_src s3 = { .video_buf = es.p, .video_len = es.len, .audio_buf = adts,
			.audio_len = sizeof adts };
		m = ck_psmux_media_open(&s3, &e);
		T_OK(m != NULL);
		ck_psmux_media_info(m, &in);
		T_EQ_INT(in.audio_codec, CK_CODEC_AAC);
		T_EQ_INT(in.audio_units, 2);
		ck_psmux_media_free(m);
		s3.audio_len = sizeof adts - 1;
		T_OK(ck_psmux_media_open(&s3, &e) == NULL);
		T_EQ_INT(e.kind, CK_DATAERR);
	}

	/* errors: not Annex-B, empty, missing file, bad fps, bad payload size */
	{
		ck_psmux_src s4 = { .video_buf = (const uint8_t *)"GET / HTTP/1.1\r\n", .video_len = 16 };
		T_OK(ck_psmux_media_open(&s4, &e) == NULL);
		T_EQ_INT(e.kind, CK_DATAERR);
		s4.video_len = 0;
		T_OK(ck_psmux_media_open(&s4, &e) == NULL);
		T_EQ_INT(e.kind, CK_DATAERR);
		ck_psmux_src s5 = { .video = "/nonexistent/x.h264" };
		T_OK(ck_psmux_media_open(&s5, &e) == NULL);
		T_EQ_INT(e.kind, CK_NOINPUT);
		ck_psmux_src s6 = { .video_buf = es.p, .video_len = es.len, .fps = 500 };
		T_OK(ck_psmux_media_open(&s6, &e) == NULL);
		T_EQ_INT(e.kind, CK_USAGE);
		s6.fps = 0;
		m = ck_psmux_media_open(&s6, &e);
		T_OK(ck_psmux_new(m, &(ck_psmux_conf){ .max_payload = 10 }, &e) == NULL);
		T_EQ_INT(e.kind, CK_USAGE);
		ck_psmux_media_free(m);
	}
	free(es.p);
	free(ps.p);
	T_DONE();
}
