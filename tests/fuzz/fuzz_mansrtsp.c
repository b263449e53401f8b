/* libFuzzer: MANSRTSP INFO bodies and answers (lib/gb/mansrtsp); a request
 * read back from what was written must agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gb/mansrtsp.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ck_mansrtsp m, m2;
	ck_err e;
	char out[512], line[64];
	int method;
	double scale, from;

	if (ck_mansrtsp_parse((const char *)data, size, &m, &e) == 0 && m.method) {
		int n = ck_mansrtsp_write(m.method, m.cseq, m.has_scale ? m.scale : 0,
		    m.has_range ? m.range_from : -1, out, sizeof out, &e);
		if (n > 0 && (ck_mansrtsp_parse(out, (size_t)n, &m2, &e) < 0 ||
		    m2.method != m.method || m2.cseq != m.cseq))
			__builtin_trap();
	}
	if (size < sizeof line) {
		memcpy(line, data, size);
		line[size] = '\0';
		ck_mansrtsp_command(line, &method, &scale, &from);
	}
	return 0;
}
