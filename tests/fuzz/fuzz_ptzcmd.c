/* libFuzzer: PTZCmd decoding from hex text and from raw bytes. Whatever
 * decodes must describe itself without crashing, and a decoded command that
 * encodes again must keep its instruction and address. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gb/ptzcmd.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ck_ptzcmd c;
	ck_err e;
	char act[64], hex[17];
	uint8_t b[8];

	if (ck_ptzcmd_decode_hex((const char *)data, size, &c, &e) == 0) {
		ck_ptzcmd_action(&c, act, sizeof act);
		if (ck_ptzcmd_encode(&c, b, &e) == 0 &&
		    ((unsigned)b[3] != c.op ||
		    (b[2] | (unsigned)(b[6] & 0xF) << 8) != c.address))
			abort();
	}
	if (size >= 8 && ck_ptzcmd_decode(data, &c, &e) == 0) {
		ck_ptzcmd_action(&c, act, sizeof act);
		if (ck_ptzcmd_encode_hex(&c, hex, &e) == 0 &&
		    strncmp(hex, "A50F", 4) != 0)
			abort();
	}
	return 0;
}
