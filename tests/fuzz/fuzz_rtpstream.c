/* libFuzzer: RTP parsing and the stream statistics. Input: records of
 * time step (2 bytes, 0.1 ms units), clock selector (1), then an RFC 4571
 * style 1-byte length + RTP packet. */
#include <stddef.h>
#include <stdint.h>

#include "media/rtp.h"
#include "media/rtpstream.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	static const uint32_t clocks[] = {0, 8000, 90000, 44100, 1000, 11025};
	ck_rtpstream_stat s;
	double t = 0;
	ck_rtp r;

	ck_rtpstream_stat_init(&s);
	while (n >= 4) {
		size_t len = p[3];
		t += (p[0] << 8 | p[1]) / 10.0;
		uint32_t clk = clocks[p[2] % 6];
		p += 4, n -= 4;
		if (len > n)
			len = n;
		if (ck_rtp_parse(p, len, &r, NULL) == 0)
			ck_rtpstream_stat_add(&s, t, (int64_t)t / 1000, 0, r.seq, r.ts, r.pt,
			    (int)r.marker, (uint32_t)len, clk);
		ck_rtp_is_rtcp(p, len);
		p += len, n -= len;
	}
	(void)ck_rtpstream_stat_lost(&s);
	(void)ck_rtpstream_name_clock("H264");
	return 0;
}
