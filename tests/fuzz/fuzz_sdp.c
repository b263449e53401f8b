/* libFuzzer: SIP messages and SDP bodies through lib/sdp (libosip2), as
 * pcap-rtp-extract hands them over: NUL padded copies of capture bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/sdp.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	ck_sdp_media m[4];
	ck_err e;
	char *txt = calloc(1, n + 64);

	if (!txt)
		return 0;
	memcpy(txt, p, n);
	if (ck_sdp_sip_looks(p, n))
		ck_sdp_from_sip(txt, n, m, 4, &e);
	else {
		ck_sdp_parse(txt, n, m, 4, &e);
		ck_sdp_parse2(txt, n, 1, m, 4, &e);   /* RTSP: port 0 kept */
	}
	free(txt);
	return 0;
}
