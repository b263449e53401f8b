/* tcpreasm: reassembly with out-of-order, retransmitted and overlapping
 * segments; RFC 4571 deframing across segment boundaries. */
#include <stdint.h>
#include <string.h>

#include "media/tcpreasm.h"
#include "t.h"

static uint8_t got[8192];
static size_t ngot;
static int holes;

static void
collect(void *arg, const uint8_t *p, size_t len)
{
	(void)arg;
	if (!p) {
		holes++;
		return;
	}
	memcpy(got + ngot, p, len);
	ngot += len;
}

static size_t frames[16];
static int nframes;

static void
frame(void *arg, const uint8_t *p, size_t len)
{
	(void)arg;
	(void)p;
	frames[nframes++] = len;
}

int
main(void)
{
	uint8_t data[4000];
	ck_tcpreasm *s;
	uint64_t rt, oo, gp;
	int i;
	ck_tcpreasm_deframer df = {0};

	for (i = 0; i < (int)sizeof data; i++)
		data[i] = (uint8_t)(i * 7);
	s = ck_tcpreasm_new(0);
	/* SYN at 0xFFFFFF00: the data wraps the sequence space */
	ck_tcpreasm_segment(s, 0xFFFFFF00u, 2, NULL, 0, collect, NULL, NULL);
	uint32_t b = 0xFFFFFF01u;
	ck_tcpreasm_segment(s, b, 0x18, data, 1000, collect, NULL, NULL);
	ck_tcpreasm_segment(s, b + 2000, 0x18, data + 2000, 1000, collect, NULL, NULL); /* ahead */
	T_EQ_INT(ngot, 1000);
	ck_tcpreasm_segment(s, b + 500, 0x18, data + 500, 700, collect, NULL, NULL); /* overlap */
	T_EQ_INT(ngot, 1200);
	ck_tcpreasm_segment(s, b, 0x18, data, 1000, collect, NULL, NULL);   /* retransmission */
	ck_tcpreasm_segment(s, b + 1200, 0x18, data + 1200, 800, collect, NULL, NULL); /* fills */
	T_EQ_INT(ngot, 3000);
	ck_tcpreasm_segment(s, b + 3000, 0x18, data + 3000, 1000, collect, NULL, NULL);
	T_EQ_INT(ngot, 4000);
	T_OK(memcmp(got, data, 4000) == 0);
	ck_tcpreasm_counts(s, &rt, &oo, &gp);
	T_EQ_INT(oo, 1);
	T_EQ_INT(rt, 2);
	T_EQ_INT(gp, 0);
	ck_tcpreasm_free(s);

	/* a hole that never fills: bounded buffering, then given up */
	s = ck_tcpreasm_new(1500);
	ngot = 0;
	ck_tcpreasm_segment(s, 100, 0x18, data, 100, collect, NULL, NULL);
	ck_tcpreasm_segment(s, 400, 0x18, data + 300, 1000, collect, NULL, NULL);
	T_EQ_INT(ngot, 100);
	int gap = 0;
	ck_tcpreasm_segment(s, 1400, 0x18, data + 1300, 1000, collect, NULL, &gap);
	T_EQ_INT(gap, 1);
	T_EQ_INT(holes, 1);
	T_EQ_INT(ngot, 2100);
	ck_tcpreasm_free(s);

	/* RFC 4571: three frames, fed byte by byte and in one piece */
	uint8_t st[] = {0, 3, 'a', 'b', 'c', 0, 0, 0, 1, 'x', 1, 0};
	uint8_t big[2 + 256];
	for (i = 0; i < (int)sizeof st; i++)
		ck_tcpreasm_deframer_feed(&df, st + i, 1, frame, NULL);
	T_EQ_INT(nframes, 2);
	T_EQ_INT(frames[0], 3);
	T_EQ_INT(frames[1], 1);
	T_EQ_INT(df.empty, 1);
	memcpy(big, "\x00\xff", 2);   /* continues the 0x0100 frame: 256 bytes */
	ck_tcpreasm_deframer_reset(&df);
	big[0] = 1, big[1] = 0;
	memset(big + 2, 0x80, 256);
	ck_tcpreasm_deframer_feed(&df, big, 100, frame, NULL);
	ck_tcpreasm_deframer_feed(&df, big + 100, sizeof big - 100, frame, NULL);
	T_EQ_INT(nframes, 3);
	T_EQ_INT(frames[2], 256);
	ck_tcpreasm_deframer_free(&df);
	T_DONE();
}
