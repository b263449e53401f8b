/* libFuzzer harness for the PS demuxer and the Annex-B/SPS parsers: the
 * input is fed in chunks whose sizes come from its first byte. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "codec/h26x.h"
#include "media/ps.h"

static int
sink(void *ctx, const ck_ps_frame *f, ck_err *e)
{
	size_t *n = ctx;
	volatile uint8_t x = 0;
	(void)e;
	if (f->len > 0)
		x = f->data[0] ^ f->data[f->len - 1];
	(void)x;
	*n += f->len;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	ck_ps ps;
	ck_err e;
	size_t out = 0, chunk, off;
	ck_h26x_info inf;
	int w, h;

	if (n < 1)
		return 0;
	chunk = (size_t)(p[0] & 0x3F) * 7 + 1;
	if (ck_ps_init(&ps, sink, &out, &e) < 0)
		return 0;
	ps.keep_private = p[0] & 0x40;
	ps.frame_mode = p[0] & 0x80;
	for (off = 1; off < n; off += chunk) {
		size_t m = n - off < chunk ? n - off : chunk;
		if (ck_ps_feed(&ps, p + off, m, &e) < 0)
			break;
		if (ps.frame_mode && (p[off] & 7) == 0)
			ck_ps_frame_end(&ps, p[off] & 8, &e);
		if ((p[off] & 0x1F) == 0x1F)
			ck_ps_resync(&ps);
	}
	ck_ps_finish(&ps, &e);
	ck_ps_free(&ps);
	ck_h26x_scan(CK_CODEC_H264, p, n, &inf);
	ck_h26x_scan(CK_CODEC_H265, p, n, &inf);
	ck_h26x_guess(p, n);
	ck_h26x_h264_sps_size(p, n, &w, &h);
	ck_h26x_h265_sps_size(p, n, &w, &h);
	return 0;
}
