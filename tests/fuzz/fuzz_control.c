/* libFuzzer: what a platform does with a device's answer to a control or
 * a query (gb/control, gb/query): parse it, judge its Result, decide
 * whether a body calls for a Response, decode it into the control record
 * and collect it as a list answer (items, SumNum, duplicates). The first
 * byte picks the query type the answer is collected for; when it is 0xFF
 * the rest is NUL-separated control verb and arguments for the builder
 * instead. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gb/control.h"
#include "gb/query.h"

static void
build(const char *s, size_t n)
{
	char *buf = malloc(n + 1), *args[8], cmd_type[32], *b;
	size_t i, len;
	int na = 0, resp;
	ck_err e;

	if (!buf)
		return;
	memcpy(buf, s, n);
	buf[n] = '\0';
	args[na++] = buf;
	for (i = 0; i < n && na < 8; i++)
		if (buf[i] == '\0')
			args[na++] = buf + i + 1;
	if ((b = ck_control_body(args[0], args + 1, na - 1, 1, "1", &resp,
	    cmd_type, &len, &e)))
		free(b);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "Catalog", "RecordInfo",
	    "SDCardStatus", "DeviceControl", "PTZPosition" };
	ck_query_list l = { .sumnum = -1 };   /* no out: records dropped */
	ck_manscdp m;
	ck_err e;

	if (size == 0)
		return 0;
	if (data[0] == 0xFF) {
		build((const char *)data + 1, size - 1);
		return 0;
	}
	if (ck_manscdp_parse((const char *)data + 1, size - 1, NULL, &m, &e) < 0)
		return 0;
	(void)ck_control_result(&m);
	(void)ck_control_expects(&m);
	l.j = ck_json_new();
	l.cmd_type = types[data[0] % 5];
	ck_json_record(l.j, "control");
	ck_control_response_json(&m, l.j);
	ck_json_reset(l.j);
	/* the same answer twice: the second must add nothing new */
	(void)ck_query_take(&l, &m);
	(void)ck_query_take(&l, &m);
	ck_query_list_free(&l);
	ck_json_free(l.j);
	ck_manscdp_free(&m);
	return 0;
}
