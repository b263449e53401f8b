/* libFuzzer: GB/T 28181 SDP offers and answers (lib/gb/gbsdp), then an
 * offer written from what was read, which must read back the same. */
#include <stdint.h>
#include <string.h>

#include "gb/gbsdp.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ck_gbsdp_desc d, d2;
	ck_err e;
	char out[4096];

	if (ck_gbsdp_parse((const char *)data, size, &d, &e) < 0)
		return 0;
	ck_gbsdp_offer o = { .origin_id = d.origin[0] ? d.origin : "1",
	    .channel = d.channel[0] ? d.channel : "1", .addr = d.addr[0] ? d.addr : "127.0.0.1",
	    .port = d.port, .kind = d.start > 0 && d.end > d.start ? CK_GBSDP_PLAYBACK : CK_GBSDP_PLAY,
	    .transport = d.tcp ? CK_GBSDP_TCP_PASSIVE : CK_GBSDP_UDP, .start = d.start,
	    .end = d.end, .f = d.f[0] ? d.f : NULL };
	memcpy(o.ssrc, "0100000001", 11);
	int n = ck_gbsdp_offer_write(&o, out, sizeof out, &e);
	if (n > 0) {
		if (ck_gbsdp_parse(out, (size_t)n, &d2, &e) < 0 || d2.port != d.port ||
		    d2.tcp != d.tcp || strcmp(d2.addr, o.addr) != 0 || d2.ssrc != 100000001)
			__builtin_trap();
	}
	return 0;
}
