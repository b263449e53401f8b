/* libFuzzer: link layer + IPv4/IPv6 + fragment reassembly + the RTP scanner
 * (SIP/SDP, heuristics, TCP reassembly) over a buffer. Input: one byte
 * choosing the link type, then frames as 2-byte big-endian length + bytes. */
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

#include "media/pcap.h"
#include "media/rtpscan.h"

static const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
    DLT_NULL, DLT_LOOP, DLT_IPV4, DLT_IPV6};

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	ck_pcap_netdec *d;
	ck_rtpscan *sc;
	ck_rtpscan_opts o = {0};
	ck_pcap_pkt pk;
	int64_t t = 1000;

	if (n < 1)
		return 0;
	d = ck_pcap_netdec_new(dlts[p[0] % (sizeof dlts / sizeof dlts[0])], 8192);
	o.nforced = 1;
	o.forced[0].tcp = p[0] >> 7;
	o.forced[0].port = 5000;
	sc = ck_rtpscan_new(&o, NULL, NULL);
	p++, n--;
	while (n >= 2 && d && sc) {
		size_t fl = (size_t)(p[0] << 8 | p[1]);
		if (fl > n - 2)
			fl = n - 2;
		pk.frame = 0;
		if (ck_pcap_netdec_frame(d, p + 2, fl, t, 0, &pk))
			ck_rtpscan_packet(sc, &pk);
		t += fl & 31;      /* lets fragments time out now and then */
		p += 2 + fl;
		n -= 2 + fl;
	}
	ck_rtpscan_free(sc);
	ck_pcap_netdec_free(d);
	return 0;
}
