/* pcapin: link layers, IPv4/IPv6 headers, fragment reassembly, bounds. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <string.h>

#include "media/pcap.h"
#include "t.h"

static size_t
ip4udp(uint8_t *b, uint16_t id, uint16_t frag, const uint8_t *l4, size_t n)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	b[2] = (uint8_t)((20 + n) >> 8);
	b[3] = (uint8_t)(20 + n);
	b[4] = (uint8_t)(id >> 8);
	b[5] = (uint8_t)id;
	b[6] = (uint8_t)(frag >> 8);
	b[7] = (uint8_t)frag;
	b[8] = 64;
	b[9] = 17;
	memcpy(b + 12, "\x0a\x00\x00\x02\x0a\x00\x00\x01", 8);
	memcpy(b + 20, l4, n);
	return 20 + n;
}

static size_t
udp(uint8_t *b, const char *payload, size_t n)
{
	b[0] = 0x13;
	b[1] = 0x88;     /* 5000 */
	b[2] = 0x75;
	b[3] = 0x30;     /* 30000 */
	b[4] = (uint8_t)((8 + n) >> 8);
	b[5] = (uint8_t)(8 + n);
	b[6] = b[7] = 0;
	memcpy(b + 8, payload, n);
	return 8 + n;
}

int
main(void)
{
	uint8_t l4[4000], ip[4100], fr[4200];
	char pl[3000];
	size_t n, m;
	ck_pcap_pkt p;
	ck_pcap_netdec *d;
	uint64_t mal, re, fd;
	int i;

	for (i = 0; i < (int)sizeof pl; i++)
		pl[i] = (char)('a' + i % 26);
	n = udp(l4, pl, 100);
	m = ip4udp(ip, 1, 0x4000, l4, n);

	/* Ethernet with two VLAN tags */
	d = ck_pcap_netdec_new(DLT_EN10MB, 0);
	memset(fr, 0, 12);
	memcpy(fr + 12, "\x88\xa8\x00\xc8\x81\x00\x00\x64\x08\x00", 10);
	memcpy(fr + 22, ip, m);
	T_EQ_INT(ck_pcap_netdec_frame(d, fr, 22 + m, 5, 7, &p), 1);
	T_EQ_INT(p.proto, 17);
	T_EQ_INT(p.sport, 5000);
	T_EQ_INT(p.dport, 30000);
	T_EQ_INT(p.len, 100);
	T_OK(memcmp(p.data, pl, 100) == 0);
	T_OK(memcmp(p.src, "\x0a\x00\x00\x02", 4) == 0);
	T_EQ_INT(p.ts_sec, 5);
	/* truncated header: skipped, counted */
	T_EQ_INT(ck_pcap_netdec_frame(d, fr, 20, 5, 7, &p), 0);
	T_EQ_INT(ck_pcap_netdec_frame(d, fr, 22 + 10, 5, 7, &p), 0);
	ck_pcap_netdec_counts(d, &mal, &re, &fd);
	T_EQ_INT(mal, 2);
	ck_pcap_netdec_free(d);

	/* Linux cooked v1 and v2, raw, BSD loopback */
	d = ck_pcap_netdec_new(DLT_LINUX_SLL, 0);
	memset(fr, 0, 16);
	fr[14] = 0x08;
	memcpy(fr + 16, ip, m);
	T_EQ_INT(ck_pcap_netdec_frame(d, fr, 16 + m, 0, 0, &p), 1);
	ck_pcap_netdec_free(d);
	d = ck_pcap_netdec_new(DLT_LINUX_SLL2, 0);
	memset(fr, 0, 20);
	fr[0] = 0x08;
	memcpy(fr + 20, ip, m);
	T_EQ_INT(ck_pcap_netdec_frame(d, fr, 20 + m, 0, 0, &p), 1);
	ck_pcap_netdec_free(d);
	d = ck_pcap_netdec_new(DLT_RAW, 0);
	T_EQ_INT(ck_pcap_netdec_frame(d, ip, m, 0, 0, &p), 1);
	T_EQ_INT(p.len, 100);
	ck_pcap_netdec_free(d);
	d = ck_pcap_netdec_new(DLT_NULL, 0);
	memcpy(fr, "\x02\x00\x00\x00", 4);
	memcpy(fr + 4, ip, m);
	T_EQ_INT(ck_pcap_netdec_frame(d, fr, 4 + m, 0, 0, &p), 1);
	memcpy(fr, "\x00\x00\x00\x02", 4);   /* network order (DLT_LOOP style) */
	T_EQ_INT(ck_pcap_netdec_frame(d, fr, 4 + m, 0, 0, &p), 1);
	ck_pcap_netdec_free(d);

	/* IPv4 fragments, last one first, one duplicated */
	d = ck_pcap_netdec_new(DLT_RAW, 0);
	n = udp(l4, pl, 2000);
	m = ip4udp(ip, 77, 0x2000 | 0, l4, 800);
	uint8_t f1[900], f2[900], f3[900];
	size_t n1 = m, n2, n3;
	memcpy(f1, ip, m);
	n2 = ip4udp(f2, 77, 0x2000 | 100, l4 + 800, 800);
	n3 = ip4udp(f3, 77, 200, l4 + 1600, n - 1600);
	T_EQ_INT(ck_pcap_netdec_frame(d, f3, n3, 1, 0, &p), 0);
	T_EQ_INT(ck_pcap_netdec_frame(d, f1, n1, 1, 0, &p), 0);
	T_EQ_INT(ck_pcap_netdec_frame(d, f1, n1, 1, 0, &p), 0);
	T_EQ_INT(ck_pcap_netdec_frame(d, f2, n2, 1, 0, &p), 1);
	T_EQ_INT(p.len, 2000);
	T_OK(memcmp(p.data, pl, 2000) == 0);
	/* an incomplete datagram times out after 30 s of capture time */
	T_EQ_INT(ck_pcap_netdec_frame(d, f1, n1, 100, 0, &p), 0);
	T_EQ_INT(ck_pcap_netdec_frame(d, f2, n2, 200, 0, &p), 0);
	ck_pcap_netdec_counts(d, &mal, &re, &fd);
	T_EQ_INT(re, 1);
	T_EQ_INT(fd, 1);
	ck_pcap_netdec_free(d);

	/* IPv6 with a fragment header */
	d = ck_pcap_netdec_new(DLT_RAW, 0);
	{
		uint8_t v6[1500];
		size_t k, off;
		int got = 0;
		n = udp(l4, pl, 2000);
		for (off = 0; off < n; off += 1200) {
			size_t len = n - off > 1200 ? 1200 : n - off;
			memset(v6, 0, 48);
			v6[0] = 0x60;
			v6[4] = (uint8_t)((8 + len) >> 8);
			v6[5] = (uint8_t)(8 + len);
			v6[6] = 44;
			v6[7] = 64;
			v6[23] = 2;
			v6[39] = 1;
			v6[40] = 17;
			v6[42] = (uint8_t)(off >> 8);
			v6[43] = (uint8_t)((off & 0xF8) | (off + len < n));
			v6[47] = 9;
			memcpy(v6 + 48, l4 + off, len);
			k = 48 + len;
			got += ck_pcap_netdec_frame(d, v6, k, 1, 0, &p);
		}
		T_EQ_INT(got, 1);
		T_EQ_INT(p.af, 6);
		T_EQ_INT(p.len, 2000);
		T_OK(memcmp(p.data, pl, 2000) == 0);
	}
	ck_pcap_netdec_free(d);
	T_OK(ck_pcap_netdec_supported(DLT_EN10MB));
	T_OK(!ck_pcap_netdec_supported(DLT_IEEE802_11));
	T_DONE();
}
