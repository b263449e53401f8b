/* libFuzzer harness for the muxer's input parsers: the Annex-B access-unit
 * splitter, the ADTS frame splitter and the SPS timing walks. The first
 * byte picks the codec and where the input splits into video and audio.
 * Whatever opens is muxed and demuxed again: the demuxer must give back
 * the video and audio bytes exactly (abort otherwise). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/h26x.h"
#include "media/ps.h"
#include "media/psmux.h"

typedef struct back {
	const uint8_t *v, *a;
	size_t vn, an, vo, ao;
	int bad;
} back;

static int
sink(void *ctx, const ck_ps_frame *f, ck_err *e)
{
	back *b = ctx;
	(void)e;
	if (f->kind == CK_PS_VIDEO) {
		if (b->vo + f->len > b->vn || memcmp(b->v + b->vo, f->data, f->len) != 0)
			b->bad = 1;
		b->vo += f->len;
	} else if (f->kind == CK_PS_AUDIO) {
		if (b->ao + f->len > b->an || memcmp(b->a + b->ao, f->data, f->len) != 0)
			b->bad = 1;
		b->ao += f->len;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	static const int codecs[4] = { 0, CK_CODEC_H264, CK_CODEC_H265, 0 };
	ck_psmux_src src = { 0 };
	ck_psmux_media *m;
	ck_psmux *x;
	ck_psmux_pkt pk;
	ck_err e;
	ck_ps ps;
	back b = { 0 };
	size_t split;
	double fps;
	int packets = 0;

	if (n < 2)
		return 0;
	ck_h26x_h264_sps_fps(p + 1, n - 1, &fps);
	ck_h26x_h265_sps_fps(p + 1, n - 1, &fps);
	split = (p[0] & 0x0C) ? 1 + (n - 1) * (p[0] & 0x0C) / 16 : n;
	src.video_buf = p + 1;
	src.video_len = split - 1;
	src.codec = codecs[p[0] & 3];
	if (split < n) {
		src.audio_buf = p + split;
		src.audio_len = n - split;
		src.audio_codec = (p[0] & 0x10) ? CK_CODEC_AAC : 0;
	}
	if ((m = ck_psmux_media_open(&src, &e)) == NULL)
		return 0;
	ck_psmux_conf c = { .max_payload = 64 + (size_t)(p[0] >> 5) * 200, .ssrc = 1 };
	x = ck_psmux_new(m, &c, &e);
	b.v = src.video_buf;
	b.vn = src.video_len;
	b.a = src.audio_buf;
	b.an = src.audio_len;
	if (x != NULL && ck_ps_init(&ps, sink, &b, &e) == 0) {
		if (p[0] & 0x80)
			ck_psmux_seek(x, 0);
		while (ck_psmux_next(x, &pk) == 1 && packets++ < 100000)
			ck_ps_feed(&ps, pk.ps, pk.ps_len, &e);
		ck_ps_finish(&ps, &e);
		ck_ps_free(&ps);
		/* the round trip is exact (codec-guess-free: the PS carries bytes) */
		if (b.bad || b.vo != b.vn || b.ao != b.an)
			abort();
	}
	ck_psmux_free(x);
	ck_psmux_media_free(m);
	return 0;
}
