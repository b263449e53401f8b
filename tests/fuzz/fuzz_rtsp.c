/* libFuzzer: RTSP messages and Transport headers through lib/media/rtsp,
 * as pcap-rtp-extract hands them over (reassembled TCP bytes, any length). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/rtsp.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	ck_rtsp_msg m;
	ck_rtsp_transport t;
	ck_err e;
	long l;
	char *v;

	if (n && ck_rtsp_looks(p, n) && (l = ck_rtsp_msg_len(p, n)) > 0 &&
	    ck_rtsp_parse(p, (size_t)l, &m, &e) == 0 && m.transport[0])
		ck_rtsp_transport_parse(m.transport, &t);
	if ((v = malloc(n + 4)) != NULL) {
		uint8_t st[4] = { 0 };
		int stn = 0;
		memcpy(v, p, n);
		v[n] = '\0';
		ck_rtsp_transport_parse(v, &t);
		/* base64, decoded in place as the scanner does */
		ck_rtsp_b64(st, &stn, (uint8_t *)v, n, (uint8_t *)v);
		free(v);
	}
	return 0;
}
