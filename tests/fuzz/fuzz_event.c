/* libFuzzer: the notification decoders of gb-subscribe and gb-register
 * --listen. The first byte picks the path: a MANSCDP body straight into
 * ck_event_decode (as a MESSAGE or a NOTIFY, detected or forced charset)
 * and the Response built for it; a whole SIP message through ck_sip_parse
 * into ck_event_fields, as the tools see a request; or a
 * Subscription-State value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gb/event.h"
#include "gb/subscribe.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const cs[] = { NULL, NULL, "GB2312" };
	const char *b = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;
	ck_event_note note;
	ck_err e;
	ck_json *j;

	if (size == 0 || !(j = ck_json_new()))
		return 0;
	switch (data[0] % 4) {
	case 0:
	case 1:
		ck_json_record(j, "message");
		if (ck_event_decode(b, n, cs[(data[0] / 4) % 3], data[0] % 2 == 0,
		    j, &note, &e) == 0) {
			size_t len;
			char *r = ck_event_response(&note, &len, &e);
			free(r);
		}
		break;
	case 2: {
		osip_message_t *m = ck_sip_parse(b, n, &e);
		if (m && MSG_IS_REQUEST(m)) {
			ck_sip_req rq = { .msg = m };
			ck_json_record(j, "notify");
			ck_event_fields(&rq, NULL, j, &note);
		}
		if (m)
			osip_message_free(m);
		break;
	}
	default: {
		char *v = strndup(b, n), state[32], reason[64];
		long ex;
		if (v)
			ck_subscribe_parse_state(v, state, sizeof state, &ex, reason,
			    sizeof reason);
		free(v);
	}
	}
	ck_json_reset(j);
	ck_json_free(j);
	return 0;
}
