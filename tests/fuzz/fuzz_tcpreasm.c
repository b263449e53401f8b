/* libFuzzer: TCP reassembly and RFC 4571 deframing. Input: segments as
 * seq offset (2 bytes), flags (1), length (2), data. */
#include <stddef.h>
#include <stdint.h>

#include "media/rtp.h"
#include "media/tcpreasm.h"

static ck_tcpreasm_deframer df;
static size_t frames;

static void
frame(void *arg, const uint8_t *p, size_t len)
{
	ck_rtp r;

	(void)arg;
	frames += len;
	ck_rtp_parse(p, len, &r, NULL);
}

static void
data(void *arg, const uint8_t *p, size_t len)
{
	(void)arg;
	if (!p)
		ck_tcpreasm_deframer_reset(&df);
	else
		ck_tcpreasm_deframer_feed(&df, p, len, frame, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	ck_tcpreasm *s = ck_tcpreasm_new(4096);
	uint32_t base = 0xFFFFF000u;

	while (s && n >= 5) {
		uint32_t seq = base + (uint32_t)(p[0] << 8 | p[1]);
		uint8_t fl = p[2];
		size_t len = (size_t)(p[3] << 8 | p[4]);
		p += 5, n -= 5;
		if (len > n)
			len = n;
		ck_tcpreasm_segment(s, seq, fl, p, len, data, NULL, NULL);
		p += len, n -= len;
	}
	ck_tcpreasm_free(s);
	ck_tcpreasm_deframer_free(&df);
	return 0;
}
