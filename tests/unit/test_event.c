/* Notification bodies decoded into records (gb/event), the Response built
 * for an alarm, Subscription-State values and --event lists (gb/subscribe). */
#include <stdlib.h>

#include "gb/event.h"
#include "gb/subscribe.h"
#include "t.h"

/* 视频丢失 in GB2312 */
#define VL_GB "\xca\xd3\xc6\xb5\xb6\xaa\xca\xa7"

static const char *
decode(ck_json *j, const char *body, int via_message, ck_event_note *n)
{
	ck_err e;

	ck_json_reset(j);
	ck_json_record(j, "t");
	if (ck_event_decode(body, strlen(body), NULL, via_message, j, n, &e) < 0) {
		fprintf(stderr, "decode: %s\n", e.msg);
		return "";
	}
	return ck_json_text(j);
}

int
main(void)
{
	ck_json *j = ck_json_new();
	ck_event_note n;
	ck_err e;
	char state[32], reason[64], *r;
	long ex;
	size_t len;
	unsigned ev = 0;

	/* an alarm MESSAGE without declaration, GB2312: fields, Response due */
	T_EQ_STR(decode(j, "<Notify><CmdType>Alarm</CmdType><SN>7</SN>"
	    "<DeviceID>34020000001320000001</DeviceID><AlarmPriority>1</AlarmPriority>"
	    "<AlarmMethod>2</AlarmMethod><AlarmTime>2026-12-04T10:01:03</AlarmTime>"
	    "<AlarmDescription>" VL_GB "</AlarmDescription><Longitude>-0.5</Longitude>"
	    "<Info><AlarmType>1</AlarmType></Info></Notify>", 1, &n),
	    "{\"type\":\"t\",\"cmd_type\":\"Alarm\",\"kind\":\"Notify\","
	    "\"device_id\":\"34020000001320000001\",\"sn\":7,\"priority\":1,"
	    "\"alarm_method\":2,\"alarm_method_name\":\"device\",\"alarm_type\":1,"
	    "\"time\":\"2026-12-04T10:01:03\",\"description\":\"视频丢失\","
	    "\"longitude\":-0.5,\"charset\":\"GB18030\"");
	T_EQ_INT(n.response_due, 1);
	T_EQ_INT(n.sn, 7);
	T_OK((r = ck_event_response(&n, &len, &e)) != NULL);
	T_OK(r && strstr(r, "<Response>") && strstr(r, "<CmdType>Alarm</CmdType>") &&
	    strstr(r, "<SN>7</SN>") && strstr(r, "<Result>OK</Result>") &&
	    strstr(r, "<DeviceID>34020000001320000001</DeviceID>"));
	free(r);
	/* the same in a NOTIFY: the 200 confirms it, no Response */
	decode(j, "<Notify><CmdType>Alarm</CmdType><SN>8</SN></Notify>", 0, &n);
	T_EQ_INT(n.response_due, 0);
	/* numbers stay numbers only when they are JSON numbers */
	T_EQ_STR(decode(j, "<Notify><CmdType>MobilePosition</CmdType>"
	    "<Longitude>1e3</Longitude><Latitude>01</Latitude><Speed>+1</Speed>"
	    "<Direction>NaN</Direction><Altitude>-</Altitude></Notify>", 1, &n),
	    "{\"type\":\"t\",\"cmd_type\":\"MobilePosition\",\"kind\":\"Notify\","
	    "\"device_id\":\"\",\"longitude\":1e3,\"latitude\":\"01\",\"speed\":\"+1\","
	    "\"direction\":\"NaN\",\"altitude\":\"-\"");
	T_EQ_INT(n.response_due, 0);
	/* catalog changes */
	T_EQ_STR(decode(j, "<Notify><CmdType>Catalog</CmdType><SumNum>2</SumNum>"
	    "<DeviceList Num=\"2\"><Item><DeviceID>1</DeviceID><Event>ADD</Event>"
	    "</Item><Item><DeviceID>2</DeviceID><Event>DEL</Event></Item>"
	    "</DeviceList></Notify>", 0, &n),
	    "{\"type\":\"t\",\"cmd_type\":\"Catalog\",\"kind\":\"Notify\","
	    "\"device_id\":\"\",\"sum_num\":2,\"items\":[{\"device_id\":\"1\","
	    "\"event\":\"ADD\"},{\"device_id\":\"2\",\"event\":\"DEL\"}]");
	/* anything else: its fields */
	T_EQ_STR(decode(j, "<Notify><CmdType>MediaStatus</CmdType><NotifyType>121"
	    "</NotifyType></Notify>", 1, &n),
	    "{\"type\":\"t\",\"cmd_type\":\"MediaStatus\",\"kind\":\"Notify\","
	    "\"device_id\":\"\",\"fields\":{\"notify_type\":\"121\"}");
	/* refused: no body, not XML, no CmdType */
	ck_json_reset(j);
	T_EQ_INT(ck_event_decode("", 0, NULL, 1, j, &n, &e), -1);
	T_EQ_INT(ck_event_decode("<Notify>", 8, NULL, 1, j, &n, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);

	ck_subscribe_parse_state("active;expires=3599", state, sizeof state, &ex,
	    reason, sizeof reason);
	T_EQ_STR(state, "active");
	T_EQ_INT(ex, 3599);
	T_EQ_STR(reason, "");
	ck_subscribe_parse_state(" terminated ; reason=deactivated;retry-after=5",
	    state, sizeof state, &ex, reason, sizeof reason);
	T_EQ_STR(state, "terminated");
	T_EQ_INT(ex, -1);
	T_EQ_STR(reason, "deactivated");
	ck_subscribe_parse_state("expires=5", state, sizeof state, &ex, reason,
	    sizeof reason);
	T_EQ_INT(ex, -1);   /* a parameter only after ';' */
	ck_subscribe_parse_state("active;expires=x", state, sizeof state, &ex,
	    reason, sizeof reason);
	T_EQ_INT(ex, -1);
	ck_subscribe_parse_state(NULL, state, sizeof state, &ex, reason, sizeof reason);
	T_EQ_STR(state, "");

	T_EQ_INT(ck_subscribe_parse_events("catalog,ALARM", &ev, &e), 0);
	T_EQ_INT(ck_subscribe_parse_events("mobileposition", &ev, &e), 0);
	T_EQ_INT(ev, CK_SUBSCRIBE_CATALOG | CK_SUBSCRIBE_ALARM | CK_SUBSCRIBE_POSITION);
	T_EQ_INT(ck_subscribe_parse_events("catalog,,weather", &ev, &e), -1);
	T_EQ_INT(e.kind, CK_USAGE);

	/* the alarm Responses in flight: nothing due starts nothing; a full
	 * table refuses before building anything; a finished transaction is
	 * taken only when it is one of the table's */
	ck_event_confirms c = { { 0 }, 0 };
	ck_event_note due = { .response_due = 1 }, none = { 0 };
	T_EQ_INT(ck_event_confirm(&c, NULL, NULL, &none, NULL, &e), 0);
	c.n = CK_EVENT_MAX_CONFIRMS;
	T_EQ_INT(ck_event_confirm(&c, NULL, NULL, &due, NULL, &e), -1);
	T_EQ_INT(e.kind, CK_TEMPFAIL);
	c.n = 2;
	c.tx[0] = 5;
	c.tx[1] = 7;
	ck_err_set(&e, CK_TEMPFAIL, "sip: no final response");
	T_EQ_INT(ck_event_confirm_done(&c, 9, NULL, &e), 0);
	T_EQ_INT(c.n, 2);
	T_EQ_INT(ck_event_confirm_done(&c, 5, NULL, &e), 1);
	T_EQ_INT(c.n, 1);
	T_EQ_INT(c.tx[0], 7);
	T_EQ_INT(ck_event_confirm_done(&c, 5, NULL, &e), 0);
	ck_json_free(j);
	T_DONE();
}
