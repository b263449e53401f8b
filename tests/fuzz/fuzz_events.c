/* Fuzzes what onvif-subscribe reads from the network: the Notify HTTP
 * request parser (lib/evhttp), then the SOAP body as a PullMessagesResponse
 * or Notify (lib/events: NotificationMessages, topics, items, times), the
 * subscription reply parser, the topic tree walk, and the coalescer and
 * JSON writer fed with what was parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "onvif/coalesce.h"
#include "onvif/events.h"
#include "net/evhttp.h"
#include "codec/json.h"
#include "codec/xml.h"

static void
topic_cb(void *arg, const char *t, const char *ns, const ck_xml_node *d)
{
	(void)ns; (void)d;
	*(size_t *)arg += strlen(t);
}

static void
messages(const ck_xml_node *n, ck_coalesce *co, ck_json *j)
{
	ck_events_msg *m;
	size_t cnt, i;
	ck_err e;
	const ck_coalesce_event *o;
	ck_coalesce_event end;

	if (ck_events_parse_msgs(n, &m, &cnt, &e) < 0)
		return;
	for (i = 0; i < cnt; i++) {
		ck_json_record(j, "event");
		ck_events_msg_json(j, &m[i], 0, "dev");
		ck_json_reset(j);
		ck_coalesce_feed(co, &m[i], (int64_t)i * 100, 0, &o);
	}
	while (ck_coalesce_expire(co, INT64_MAX, &end))
		ck_coalesce_event_clear(&end);
	ck_events_msgs_free(m, cnt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char head[CK_EVHTTP_MAX_HEAD + 1];
	const char *method, *path;
	char *body = NULL;
	size_t blen = 0, sum = 0;
	const char *xml = (const char *)data;
	size_t xlen = size;
	ck_err e;
	ck_xml_doc *d;
	ck_coalesce *co;
	ck_json *j;
	int64_t ms;
	char tb[64];

	/* An HTTP request around the XML, or the XML alone. */
	if (ck_evhttp_parse((const char *)data, size, head, sizeof head, &method,
	    &path, &body, &blen, &e) > 0) {
		xml = body;
		xlen = blen;
	}
	if (size < sizeof tb) {
		memcpy(tb, data, size);
		tb[size] = '\0';
		ck_events_parse_time(tb, &ms);
		ck_events_parse_duration(tb, &ms);
	}
	d = ck_xml_parse(xml, xlen, &e);
	if (d) {
		const ck_xml_node *r = ck_xml_root(d), *n;
		ck_events_sub s;

		co = ck_coalesce_new(1000);
		j = ck_json_new();
		if (co && j) {
			if ((n = ck_xml_find(r, CK_NS_TEV, "PullMessagesResponse")))
				messages(n, co, j);
			if ((n = ck_xml_find(r, CK_NS_WSNT, "Notify")))
				messages(n, co, j);
			if (ck_xml_is(r, CK_NS_WSNT, "Notify"))
				messages(r, co, j);
		}
		if ((n = ck_xml_find(r, NULL, "CreatePullPointSubscriptionResponse")) &&
		    ck_events_parse_sub(n, &s, &e) == 0)
			ck_events_sub_clear(&s);
		if ((n = ck_xml_find(r, NULL, "GetEventPropertiesResponse")))
			ck_events_topics(n, topic_cb, &sum, &e);
		ck_coalesce_free(co);
		ck_json_free(j);
		ck_xml_free(d);
	}
	free(body);
	return 0;
}
