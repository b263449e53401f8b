#include "gb/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "gb/manscdp.h"

/* 1 if s is a JSON number (RFC 8259 grammar), so it can be written as is. */
static int
json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (*s == '.') {
		if (*++s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		if (*++s == '+' || *s == '-')
			s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* key: the number as sent, or its text when devices put something else
 * there (never dropped, never invented); absent elements stay absent. */
static void
num_field(ck_json *j, const char *key, const char *text)
{
	if (text == NULL)
		return;
	if (*text && strlen(text) <= 64 && json_number(text))
		ck_json_raw(j, key, text);
	else
		ck_json_str(j, key, text);
}

static void
str_field(ck_json *j, const char *key, const char *text)
{
	if (text)
		ck_json_str(j, key, text);
}

/* AlarmMethod values, GB/T 28181-2016 Appendix A (the alarm Notify). */
static const char *
method_name(const char *m)
{
	static const char *const names[] = { NULL, "phone", "device", "sms",
	    "gps", "video", "device_fault", "other" };
	if (m && m[0] >= '1' && m[0] <= '7' && m[1] == '\0')
		return names[m[0] - '0'];
	return NULL;
}

static void
alarm_fields(const ck_xml_node *r, ck_json *j)
{
	const char *m = ck_manscdp_field(r, "AlarmMethod");
	const ck_xml_node *info = ck_xml_child(r, NULL, "Info");
	const char *type = ck_manscdp_field(r, "AlarmType");
	const char *ev = NULL;

	/* AlarmType sits in <Info> (2016); some devices put it at the top. */
	if (info) {
		const ck_xml_node *p = ck_xml_child(info, NULL, "AlarmTypeParam");
		if (ck_manscdp_field(info, "AlarmType"))
			type = ck_manscdp_field(info, "AlarmType");
		if (p)
			ev = ck_manscdp_field(p, "EventType");
	}
	num_field(j, "priority", ck_manscdp_field(r, "AlarmPriority"));
	num_field(j, "alarm_method", m);
	str_field(j, "alarm_method_name", method_name(m));
	num_field(j, "alarm_type", type);
	num_field(j, "event_type", ev);
	str_field(j, "time", ck_manscdp_field(r, "AlarmTime"));
	str_field(j, "description", ck_manscdp_field(r, "AlarmDescription"));
	num_field(j, "longitude", ck_manscdp_field(r, "Longitude"));
	num_field(j, "latitude", ck_manscdp_field(r, "Latitude"));
}

static void
position_fields(const ck_xml_node *r, ck_json *j)
{
	str_field(j, "time", ck_manscdp_field(r, "Time"));
	num_field(j, "longitude", ck_manscdp_field(r, "Longitude"));
	num_field(j, "latitude", ck_manscdp_field(r, "Latitude"));
	num_field(j, "speed", ck_manscdp_field(r, "Speed"));
	num_field(j, "direction", ck_manscdp_field(r, "Direction"));
	num_field(j, "altitude", ck_manscdp_field(r, "Altitude"));
}

/* The item changes of a catalog notification: every field of each Item,
 * its Event (ON, OFF, VLOST, DEFECT, ADD, DEL, UPDATE) among them. */
static void
catalog_fields(const ck_manscdp *m, ck_json *j)
{
	const ck_xml_node *it;

	if (m->sumnum >= 0)
		ck_json_int(j, "sum_num", m->sumnum);
	ck_json_arr(j, "items");
	for (it = ck_manscdp_next_item(m, NULL); it; it = ck_manscdp_next_item(m, it)) {
		ck_json_obj(j, NULL);
		ck_manscdp_json_fields(it, j, 0, NULL);
		ck_json_end(j);
	}
	ck_json_end(j);
}

int
ck_event_decode(const char *body, size_t len, const char *charset,
    int via_message, ck_json *j, ck_event_note *n, ck_err *e)
{
	ck_manscdp m;

	memset(n, 0, sizeof *n);
	if (body == NULL || len == 0)
		return ck_err_set(e, CK_DATAERR, "no body");
	if (ck_manscdp_parse(body, len, charset, &m, e) < 0)
		return -1;
	snprintf(n->kind, sizeof n->kind, "%s", m.kind);
	snprintf(n->cmd_type, sizeof n->cmd_type, "%s", m.cmd_type);
	snprintf(n->device_id, sizeof n->device_id, "%s", m.device_id);
	n->sn = m.sn;
	n->has_sn = m.has_sn;
	n->response_due = via_message && !strcmp(m.kind, "Notify") &&
	    !strcmp(m.cmd_type, "Alarm");
	ck_json_str(j, "cmd_type", m.cmd_type);
	ck_json_str(j, "kind", m.kind);
	ck_json_str(j, "device_id", m.device_id);
	if (m.has_sn)
		ck_json_uint(j, "sn", m.sn);
	if (!strcmp(m.cmd_type, "Alarm"))
		alarm_fields(m.root, j);
	else if (!strcmp(m.cmd_type, "MobilePosition"))
		position_fields(m.root, j);
	else if (!strcmp(m.cmd_type, "Catalog"))
		catalog_fields(&m, j);
	else {
		ck_json_obj(j, "fields");
		ck_manscdp_json_fields(m.root, j, 1, &m);
		ck_json_end(j);
	}
	if (strcmp(m.charset, "UTF-8") != 0)
		ck_json_str(j, "charset", m.charset);
	ck_manscdp_free(&m);
	return 0;
}

char *
ck_event_response(const ck_event_note *n, size_t *len, ck_err *e)
{
	static const char *const kv[] = { "Result", "OK" };

	return ck_manscdp_response(n->cmd_type, n->sn, n->device_id, kv, 2, NULL,
	    len, e);
}

/* The Response MESSAGE that n is due, back to rq's sender. */
static osip_message_t *
confirm_new(ck_sip *s, const ck_sip_req *rq, const ck_event_note *n,
    const char *from_uri, ck_err *e)
{
	char ruri[320], src[64], me[320];
	const char *user = ck_sip_from_user(rq->msg, 0);
	osip_message_t *req;
	char *body, *to = NULL;
	size_t len;

	if (!from_uri) {
		/* as whom the device addressed: the To of its MESSAGE */
		if (!rq->msg->to || !rq->msg->to->url ||
		    osip_uri_to_str(rq->msg->to->url, &to) != 0 || !to) {
			ck_err_set(e, CK_DATAERR, "no To URI to answer from");
			return NULL;
		}
		snprintf(me, sizeof me, "%s", to);
		osip_free(to);
		from_uri = me;
	}
	if (!(body = ck_event_response(n, &len, e)))
		return NULL;
	/* Back to where the alarm came from (NAT-safe), named as its sender. */
	snprintf(ruri, sizeof ruri, "sip:%s@%s", *user ? user : n->device_id,
	    ck_sip_peer_str(&rq->peer, src, sizeof src));
	ck_sip_reqspec rs = { .method = "MESSAGE", .ruri = ruri, .from = from_uri,
	    .expires = -1, .content_type = CK_SIP_MANSCDP, .body = body,
	    .body_len = len };
	req = ck_sip_request_new(s, &rq->peer, &rs, e);
	free(body);
	return req;
}

int
ck_event_confirm(ck_event_confirms *c, ck_sip *s, const ck_sip_req *rq,
    const ck_event_note *n, const char *from_uri, ck_err *e)
{
	osip_message_t *m;
	uint64_t tx;

	if (!n->response_due)
		return 0;
	/* a device that raises alarms faster than it answers their Responses
	 * holds no more transactions than this; it resends what stays
	 * unconfirmed */
	if (c->n == CK_EVENT_MAX_CONFIRMS)
		return ck_err_set(e, CK_TEMPFAIL, "%d alarm Responses wait for their "
		    "answer already", CK_EVENT_MAX_CONFIRMS);
	if (!(m = confirm_new(s, rq, n, from_uri, e)))
		return -1;
	/* the transaction takes m, also when it cannot start */
	if (!(tx = ck_sip_tx_start(s, &rq->peer, m, -1, e)))
		return -1;
	c->tx[c->n++] = tx;
	ck_log_info("confirming %s %s SN %lu", n->kind, n->cmd_type, n->sn);
	return 1;
}

int
ck_event_confirm_done(ck_event_confirms *c, uint64_t id, osip_message_t *resp,
    const ck_err *te)
{
	size_t i;

	for (i = 0; i < c->n && c->tx[i] != id; i++)
		;
	if (i == c->n)
		return 0;
	c->tx[i] = c->tx[--c->n];
	if (!resp) {
		ck_log_warn("alarm Response: %s", te->msg);
		return 1;
	}
	int st = osip_message_get_status_code(resp);
	if (st < 200 || st > 299)
		ck_log_warn("the device answered the alarm Response %d", st);
	else
		ck_log_info("alarm Response answered %d", st);
	osip_message_free(resp);
	return 1;
}

int
ck_event_fields(const ck_sip_req *rq, const char *charset, ck_json *j,
    ck_event_note *n)
{
	size_t len;
	const char *b = ck_sip_body(rq->msg, &len);
	int via_message = MSG_IS_MESSAGE(rq->msg);
	char src[64];
	ck_err e;

	ck_json_str(j, "from", ck_sip_from_user(rq->msg, 0));
	ck_json_str(j, "source", ck_sip_peer_str(&rq->peer, src, sizeof src));
	memset(n, 0, sizeof *n);
	ck_json_int(j, "body_bytes", b ? (long long)len : 0);
	if (!b || len == 0)
		return 0;
	if (ck_event_decode(b, len, charset, via_message, j, n, &e) < 0) {
		ck_log_warn("%s from %s: %s", rq->msg->sip_method, src, e.msg);
		ck_json_str(j, "error", e.msg);
	}
	return 1;
}

int
ck_event_answer(ck_event_confirms *c, ck_sip *s, const ck_sip_req *rq,
    const char *from_uri, const char *charset, ck_json *j)
{
	ck_event_note n;
	ck_err e;
	int msg = MSG_IS_MESSAGE(rq->msg), had;

	ck_sip_reply(s, rq, msg ? 200 : 405, &e);
	ck_json_str(j, "method", rq->msg->sip_method);
	had = ck_event_fields(rq, charset, j, &n);
	if (msg && n.response_due) {
		if (ck_event_confirm(c, s, rq, &n, from_uri, &e) < 0)
			ck_log_warn("cannot confirm the %s: %s", n.cmd_type, e.msg);
		else
			ck_json_bool(j, "confirmed", 1);
	}
	return had;
}
