/* lib/events and lib/evhttp: NotificationMessage parsing on the real
 * Hikvision payload, topic normalisation, times, subscription replies, the
 * topic tree, coalescing, argv splitting, the Notify request parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onvif/coalesce.h"
#include "onvif/events.h"
#include "onvif/hook.h"
#include "net/evhttp.h"
#include "t.h"

#define FX "tests/fixtures/onvif/"

static ck_xml_doc *
load(const char *path)
{
	FILE *f = fopen(path, "rb");
	static char buf[1 << 16];
	size_t n;
	ck_err e;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return ck_xml_parse(buf, n, &e);
}

static const char *
item(const ck_events_item *a, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i].name, name) == 0)
			return a[i].value;
	return NULL;
}

static void
test_hikvision(void)
{
	ck_xml_doc *d = load(FX "ex_onvif/pull_messages.xml");
	const ck_xml_node *resp;
	ck_events_msg *m;
	size_t n;
	ck_err e;

	T_OK(d != NULL);
	resp = ck_xml_find(ck_xml_root(d), CK_NS_TEV, "PullMessagesResponse");
	T_EQ_INT(ck_events_parse_msgs(resp, &m, &n, &e), 0);
	T_EQ_INT(n, 8);
	T_EQ_STR(m[0].topic, "tns1:VideoSource/MotionAlarm");
	T_EQ_STR(m[0].topic_ns, CK_NS_TNS1);
	T_EQ_STR(m[0].op, "Initialized");
	T_EQ_INT(m[0].utc_ms, 1745008445000LL);
	T_EQ_STR(item(m[1].src, m[1].nsrc, "Rule"), "MyMotionDetectorRule");
	T_EQ_STR(item(m[1].data, m[1].ndata, "IsMotion"), "false");
	T_EQ_INT(ck_events_msg_active(&m[1]), 0);
	T_EQ_STR(item(m[4].key, m[4].nkey, "ObjectId"), "0");
	T_EQ_INT(ck_events_msg_active(&m[5]), 1);    /* no boolean: active */
	{
		char *k = ck_events_msg_key(&m[1]);
		T_EQ_STR(k, "tns1:RuleEngine/CellMotionDetector/Motion\nRule=MyMotionDetectorRule\n"
		    "VideoAnalyticsConfigurationToken=VideoAnalyticsToken\n"
		    "VideoSourceConfigurationToken=VideoSourceToken");
		free(k);
	}
	ck_events_msgs_free(m, n);
	ck_xml_free(d);
}

static void
test_topics_norm(void)
{
	/* a vendor prefix for the ONVIF namespace, padding, a second namespace
	 * inside the path, and an ElementItem */
	const char *x = "<n:Notify xmlns:n=\"" CK_NS_WSNT "\" xmlns:q=\"" CK_NS_TT "\">"
	    "<n:NotificationMessage><n:Topic xmlns:ns0=\"" CK_NS_TNS1 "\" "
	    "xmlns:ax=\"http://www.axis.com/2009/event/topics\">\n  ns0:Device/ax:IO/Port \n"
	    "</n:Topic><n:Message><q:Message UtcTime=\"2025-01-02T03:04:05.5+01:00\">"
	    "<q:Data><q:ElementItem Name=\"Box\"><q:R a=\"1\">t</q:R></q:ElementItem>"
	    "<q:SimpleItem Name=\"state\" Value=\"1\"/></q:Data></q:Message></n:Message>"
	    "</n:NotificationMessage></n:Notify>";
	ck_err e;
	ck_xml_doc *d = ck_xml_parse(x, strlen(x), &e);
	ck_events_msg *m;
	size_t n;

	T_OK(d != NULL);
	T_EQ_INT(ck_events_parse_msgs(ck_xml_root(d), &m, &n, &e), 0);
	T_EQ_INT(n, 1);
	T_EQ_STR(m[0].topic, "tns1:Device/tnsaxis:IO/Port");
	T_EQ_INT(m[0].utc_ms, 1735783445500LL);
	T_EQ_STR(item(m[0].data, m[0].ndata, "Box"),
	    "<R xmlns=\"" CK_NS_TT "\" a=\"1\">t</R>");
	T_EQ_INT(ck_events_msg_active(&m[0]), 1);
	ck_events_msgs_free(m, n);
	ck_xml_free(d);
	/* a message without a topic is refused */
	x = "<n:Notify xmlns:n=\"" CK_NS_WSNT "\"><n:NotificationMessage/></n:Notify>";
	d = ck_xml_parse(x, strlen(x), &e);
	T_EQ_INT(ck_events_parse_msgs(ck_xml_root(d), &m, &n, &e), -1);
	T_EQ_INT(e.kind, CK_PROTO);
	ck_xml_free(d);
}

static void
test_times(void)
{
	int64_t ms;

	T_EQ_INT(ck_events_parse_time("1970-01-01T00:00:00Z", &ms), 0);
	T_EQ_INT(ms, 0);
	T_EQ_INT(ck_events_parse_time("2025-04-15T16:50:37", &ms), 0);
	T_EQ_INT(ms, 1744735837000LL);
	T_EQ_INT(ck_events_parse_time("2025-04-15 16:50:37Z", &ms), -1);
	T_EQ_INT(ck_events_parse_time("2025-13-15T16:50:37Z", &ms), -1);
	T_EQ_INT(ck_events_parse_duration("PT60S", &ms), 0);
	T_EQ_INT(ms, 60000);
	T_EQ_INT(ck_events_parse_duration("PT1M30.5S", &ms), 0);
	T_EQ_INT(ms, 90500);
	T_EQ_INT(ck_events_parse_duration("P1DT1H", &ms), 0);
	T_EQ_INT(ms, 90000000);
	T_EQ_INT(ck_events_parse_duration("PT", &ms), -1);
	T_EQ_INT(ck_events_parse_duration("P1H", &ms), -1);
}

static void
test_sub(void)
{
	ck_xml_doc *d = load(FX "ex_onvif/create_pull_point_subscription.xml");
	ck_events_sub s;
	ck_err e;

	T_OK(d != NULL);
	T_EQ_INT(ck_events_parse_sub(ck_xml_find(ck_xml_root(d), CK_NS_TEV,
	    "CreatePullPointSubscriptionResponse"), &s, &e), 0);
	T_EQ_STR(s.address, "http://192.168.8.120/onvif/Events/PullSubManager_20250415T164937Z_0");
	T_EQ_INT(s.termination_ms - s.current_ms, 60000);
	ck_events_sub_clear(&s);
	ck_xml_free(d);
}

static int ntopics;
static char last_topic[256];

static void
topic_cb(void *arg, const char *t, const char *ns, const ck_xml_node *descr)
{
	(void)arg; (void)ns; (void)descr;
	ntopics++;
	snprintf(last_topic, sizeof last_topic, "%s", t);
}

static void
test_tree(void)
{
	ck_xml_doc *d = load(FX "agsh-onvif-servermockup/GetEventProperties.xml");
	ck_err e;

	T_OK(d != NULL);
	T_EQ_INT(ck_events_topics(ck_xml_find(ck_xml_root(d), CK_NS_TEV,
	    "GetEventPropertiesResponse"), topic_cb, NULL, &e), 4);
	T_EQ_STR(last_topic, "tns1:VideoAnalytics/tnsaxis:MotionDetection");
	ck_xml_free(d);
}

typedef struct tmsg {
	ck_events_msg m;
	ck_events_item s[1], d[1];
} tmsg;

static void
mk(tmsg *t, const char *topic, const char *src, const char *motion)
{
	memset(t, 0, sizeof *t);
	t->m.topic = (char *)topic;
	t->s[0].name = (char *)"Source";
	t->s[0].value = (char *)src;
	t->d[0].name = (char *)"IsMotion";
	t->d[0].value = (char *)motion;
	t->m.src = t->s;
	t->m.nsrc = 1;
	t->m.data = t->d;
	t->m.ndata = 1;
	t->m.utc_ms = -1;
}

static void
test_coalesce(void)
{
	ck_coalesce *c = ck_coalesce_new(1000);
	const ck_coalesce_event *o;
	ck_coalesce_event end;
	tmsg ta, tf, tb;
	ck_events_msg *a = &ta.m, *f = &tf.m, *b = &tb.m;

	mk(&ta, "tns1:M", "v1", "true");
	mk(&tf, "tns1:M", "v1", "false");
	mk(&tb, "tns1:M", "v2", "true");

	T_EQ_INT(ck_coalesce_feed(c, f, 0, 0, &o), 0);       /* false opens nothing */
	T_EQ_INT(ck_coalesce_feed(c, a, 10, 10, &o), 1);
	T_EQ_INT(o->id, 1);
	T_EQ_INT(ck_coalesce_feed(c, a, 500, 500, &o), 0);
	T_EQ_INT(ck_coalesce_feed(c, f, 900, 900, &o), 0);   /* false extends */
	T_EQ_INT(ck_coalesce_feed(c, b, 950, 950, &o), 1);   /* other source */
	T_EQ_INT(ck_coalesce_feed(c, a, 1800, 1800, &o), 0);
	T_EQ_INT(ck_coalesce_next(c), 1951);
	T_EQ_INT(ck_coalesce_expire(c, 2000, &end), 1);
	T_EQ_INT(end.id, 2);
	ck_coalesce_event_clear(&end);
	T_EQ_INT(ck_coalesce_expire(c, 2000, &end), 0);
	T_EQ_INT(ck_coalesce_expire(c, 2801, &end), 1);
	T_EQ_INT(end.id, 1);
	T_EQ_INT(end.count, 4);
	ck_coalesce_event_clear(&end);
	T_EQ_INT(ck_coalesce_feed(c, a, 5000, 5000, &o), 1);
	T_EQ_INT(ck_coalesce_expire(c, INT64_MAX, &end), 1);
	ck_coalesce_event_clear(&end);
	ck_coalesce_free(c);
}

static void
test_argv(void)
{
	char **v;
	ck_err e;

	T_EQ_INT(ck_hook_split_argv(" mail -s 'motion at $door' \"a \\\"b\\\"\" c\\ d;e ", &v, &e), 0);
	T_EQ_STR(v[0], "mail");
	T_EQ_STR(v[2], "motion at $door");
	T_EQ_STR(v[3], "a \"b\"");
	T_EQ_STR(v[4], "c d;e");
	T_OK(v[5] == NULL);
	ck_hook_argv_free(v);
	T_EQ_INT(ck_hook_split_argv("x 'y", &v, &e), -1);
	T_EQ_INT(e.kind, CK_USAGE);
	T_EQ_INT(ck_hook_split_argv("   ", &v, &e), -1);
	T_EQ_INT(ck_hook_split_argv("''", &v, &e), 0);    /* one empty word */
	T_EQ_STR(v[0], "");
	ck_hook_argv_free(v);
}

static void
test_http_parse(void)
{
	char head[CK_EVHTTP_MAX_HEAD + 1], *body;
	const char *m, *p;
	size_t bl;
	ck_err e;
	const char *r1 = "POST /n HTTP/1.1\r\nHost: x\r\ncontent-length: 5\r\n\r\nhello";
	const char *r2 = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
	    "2;x=y\r\nde\r\n0\r\n\r\n";

	T_EQ_INT(ck_evhttp_parse(r1, strlen(r1) - 1, head, sizeof head, &m, &p, &body, &bl, &e), 0);
	T_EQ_INT(ck_evhttp_parse(r1, strlen(r1), head, sizeof head, &m, &p, &body, &bl, &e),
	    (int)strlen(r1));
	T_EQ_STR(m, "POST");
	T_EQ_STR(p, "/n");
	T_EQ_STR(body, "hello");
	free(body);
	T_EQ_INT(ck_evhttp_parse(r2, strlen(r2), head, sizeof head, &m, &p, &body, &bl, &e),
	    (int)strlen(r2));
	T_EQ_STR(body, "abcde");
	free(body);
	T_EQ_INT(ck_evhttp_parse(r2, strlen(r2) - 3, head, sizeof head, &m, &p, &body, &bl, &e), 0);
	{
		const char *big = "POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n";
		T_EQ_INT(ck_evhttp_parse(big, strlen(big), head, sizeof head, &m, &p, &body, &bl, &e), -1);
		T_EQ_INT(e.kind, CK_NOINPUT);
	}
	{
		const char *bad = "POST\r\n\r\n";
		T_EQ_INT(ck_evhttp_parse(bad, strlen(bad), head, sizeof head, &m, &p, &body, &bl, &e), -1);
		T_EQ_INT(e.kind, CK_DATAERR);
	}
	{
		const char *neg = "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n";
		T_EQ_INT(ck_evhttp_parse(neg, strlen(neg), head, sizeof head, &m, &p, &body, &bl, &e), -1);
	}
}

static void
test_bodies(void)
{
	char *b = ck_events_body_create_pullpoint("tns1:RuleEngine//.", "PT60S");
	char d[32];

	T_OK(strstr(b, "<tev:Filter><wsnt:TopicExpression Dialect=\""
	    CK_EV_DIALECT_CONCRETE_SET "\" xmlns:tns1=\"" CK_NS_TNS1 "\"") != NULL);
	T_OK(strstr(b, ">tns1:RuleEngine//.</wsnt:TopicExpression></tev:Filter>"
	    "<tev:InitialTerminationTime>PT60S</tev:InitialTerminationTime>") != NULL);
	free(b);
	T_EQ_STR(ck_events_fmt_duration(1500, d), "PT1.500S");
	T_EQ_INT(ck_events_check_topic("tns1:RuleEngine//.|tns1:VideoSource/MotionAlarm", NULL), 0);
	T_EQ_INT(ck_events_check_topic("a\"b", NULL), -1);
}

int
main(void)
{
	test_hikvision();
	test_topics_norm();
	test_times();
	test_sub();
	test_tree();
	test_coalesce();
	test_argv();
	test_http_parse();
	test_bodies();
	T_DONE();
}
