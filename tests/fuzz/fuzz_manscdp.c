/* libFuzzer: MANSCDP bodies in any charset through conversion, parsing,
 * item iteration and the JSON writer. The first byte picks a forced
 * charset now and then, to reach every conversion path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gb/manscdp.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const cs[] = { NULL, NULL, NULL, "GB2312", "UTF-8" };
	ck_manscdp m;
	ck_err e;
	const ck_xml_node *it;
	ck_json *j;
	const char *used;
	size_t n;
	char *u;

	if (size == 0)
		return 0;
	if (ck_manscdp_parse((const char *)data + 1, size - 1,
	    cs[data[0] % 5], &m, &e) == 0) {
		j = ck_json_new();
		ck_json_record(j, "response");
		ck_manscdp_json_fields(m.root, j, 1, &m);
		ck_json_reset(j);
		for (it = ck_manscdp_next_item(&m, NULL); it;
		    it = ck_manscdp_next_item(&m, it)) {
			ck_json_record(j, "item");
			ck_manscdp_json_fields(it, j, 0, NULL);
			ck_json_reset(j);
		}
		ck_json_free(j);
		ck_manscdp_free(&m);
	}
	if ((u = ck_manscdp_to_utf8((const char *)data, size, NULL, 1, &n, &used,
	    &e)))
		free(u);
	return 0;
}
