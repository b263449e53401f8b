/* libFuzzer harness for the RTP source framing (RFC 4571, RTSP "$",
 * rtpdump, detection between them), the reorder window and the RTP frame
 * to PS path. The input goes through a memfd as a file would. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "media/ps.h"
#include "media/rtpps.h"
#include "media/rtpseq.h"
#include "media/rtpsrc.h"

static int
sink(void *ctx, const ck_ps_frame *f, ck_err *e)
{
	(void)ctx;
	(void)e;
	(void)f;
	return 0;
}

static int
emit(void *ctx, const ck_rtp *r, int gap, ck_err *e)
{
	return ck_rtpps_packet(ctx, r, gap, e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	ck_rtpsrc s;
	ck_rtpseq q;
	ck_rtpps fr;
	ck_ps ps;
	ck_err e;
	const uint8_t *pk;
	size_t pn;
	int fd, k, window;

	if (n < 1)
		return 0;
	window = p[0] & 0x0F;
	ck_rtpsrc_framing_detect(p + 1, n - 1, 1, NULL);
	if ((fd = memfd_create("fuzz", 0)) < 0)
		return 0;
	if (write(fd, p + 1, n - 1) != (ssize_t)(n - 1) || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return 0;
	}
	if (ck_rtpsrc_open(&s, "-", CK_IN_AUTO, 0, &e) < 0) {
		close(fd);
		return 0;
	}
	s.fd = fd;
	if (ck_ps_init(&ps, sink, NULL, &e) == 0 && ck_rtpseq_init(&q, window, (p[0] & 0x10) ? 20 : 0, &e) == 0) {
		ck_rtpps_init(&fr, &ps, p[0] & 0x20);
		k = ck_rtpsrc_probe(&s, &e);
		if (k == CK_IN_PS) {
			while (ck_rtpsrc_chunk(&s, &pk, &pn, &e) > 0)
				if (ck_ps_feed(&ps, pk, pn, &e) < 0)
					break;
		} else if (k > 0) {
			int64_t t = 0;
			while (ck_rtpsrc_next(&s, &pk, &pn, &e) > 0)
				if (ck_rtpseq_push(&q, pk, pn, t++, emit, &fr, &e) < 0)
					break;
			ck_rtpseq_flush(&q, emit, &fr, &e);
			ck_rtpps_finish(&fr, &e);
			ck_rtpps_guess(&fr);
		}
		ck_ps_finish(&ps, &e);
		ck_rtpseq_free(&q);
	}
	ck_ps_free(&ps);
	ck_rtpsrc_close(&s);
	return 0;
}
