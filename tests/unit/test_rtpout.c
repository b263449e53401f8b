/* rtpout: RFC 4571, rtpdump (rtptools layout) and payload writers, and the
 * sequence-number window. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/rtpout.h"
#include "t.h"

static size_t
pkt(uint8_t *b, uint16_t seq, size_t payload)
{
	memset(b, 0, 12 + payload);
	b[0] = 0x80;
	b[1] = 96;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	memset(b + 12, 0xAB, payload);
	return 12 + payload;
}

int
main(void)
{
	uint8_t p[64], dst[16] = {10, 0, 0, 1};
	char *buf = NULL;
	size_t blen = 0, n;
	FILE *f;
	ck_rtpout *o;

	/* RFC 4571 in arrival order */
	f = open_memstream(&buf, &blen);
	o = ck_rtpout_new(f, CK_RTPOUT_4571, 0);
	n = pkt(p, 7, 4);
	T_EQ_INT(ck_rtpout_packet(o, p, n, 100, 0, 4, dst, 30000), 0);
	T_EQ_INT(ck_rtpout_flush(o), 0);
	ck_rtpout_free(o);
	fclose(f);
	T_EQ_INT(blen, 18);
	T_OK(buf[0] == 0 && buf[1] == 16 && (uint8_t)buf[2] == 0x80);
	free(buf);

	/* rtpdump: text line, 16-byte header, 8-byte record headers */
	f = open_memstream(&buf, &blen);
	o = ck_rtpout_new(f, CK_RTPOUT_RTPDUMP, 0);
	ck_rtpout_packet(o, p, pkt(p, 1, 4), 100, 250000000, 4, dst, 30000);
	ck_rtpout_packet(o, p, pkt(p, 2, 8), 101, 0, 4, dst, 30000);
	ck_rtpout_flush(o);
	ck_rtpout_free(o);
	fclose(f);
	T_OK(blen > 27 && memcmp(buf, "#!rtpplay1.0 10.0.0.1/30000\n", 28) == 0);
	{
		const uint8_t *h = (const uint8_t *)buf + 28;
		T_EQ_INT(h[3], 100);                       /* start seconds */
		T_EQ_INT(h[4] << 24 | h[5] << 16 | h[6] << 8 | h[7], 250000);
		T_OK(memcmp(h + 8, dst, 4) == 0);
		T_EQ_INT(h[12] << 8 | h[13], 30000);
		h += 16;
		T_EQ_INT(h[0] << 8 | h[1], 8 + 16);        /* record length */
		T_EQ_INT(h[2] << 8 | h[3], 16);            /* packet length */
		T_EQ_INT(h[7], 0);                         /* offset ms */
		h += 24;
		T_EQ_INT(h[0] << 8 | h[1], 8 + 20);
		T_EQ_INT(h[6] << 8 | h[7], 750);
		T_EQ_INT(blen, 28 + 16 + 24 + 28);
	}
	free(buf);

	/* payload only, reordered by sequence number across the wrap */
	f = open_memstream(&buf, &blen);
	o = ck_rtpout_new(f, CK_RTPOUT_PAYLOAD, 4);
	{
		uint16_t seqs[] = {65534, 0, 65535, 1, 3, 2};
		int i;
		for (i = 0; i < 6; i++) {
			n = pkt(p, seqs[i], 1);
			p[12] = (uint8_t)i;
			ck_rtpout_packet(o, p, n, 1, 0, 4, dst, 1);
		}
	}
	ck_rtpout_flush(o);
	ck_rtpout_free(o);
	fclose(f);
	T_EQ_INT(blen, 6);
	T_OK(memcmp(buf, "\x00\x02\x01\x03\x05\x04", 6) == 0);
	free(buf);
	T_DONE();
}
