#include "gb/control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/opt.h"
#include "base/sbuf.h"
#include "gb/sip.h"

/* What a verb needs: its argument count and whether a Response is due. */
struct verb {
	const char *name;
	int min, max;             /* arguments */
	int response;
	const char *cmd_type;
};

static const struct verb verbs[] = {
	{ "teleboot", 0, 0, 0, "DeviceControl" },
	{ "record", 0, 1, 1, "DeviceControl" },
	{ "stop-record", 0, 1, 1, "DeviceControl" },
	{ "guard", 0, 0, 1, "DeviceControl" },
	{ "unguard", 0, 0, 1, "DeviceControl" },
	{ "reset-alarm", 0, 2, 1, "DeviceControl" },
	{ "iframe", 0, 0, 0, "DeviceControl" },
	{ "drag-zoom-in", 6, 6, 0, "DeviceControl" },
	{ "drag-zoom-out", 6, 6, 0, "DeviceControl" },
	{ "home-position", 1, 2, 1, "DeviceControl" },
	{ "home-position-off", 0, 0, 1, "DeviceControl" },
	{ "format-sdcard", 0, 1, 0, "DeviceControl" },
	{ "config", 1, 4, 1, "DeviceConfig" },
	{ "snapshot", 3, 4, 1, "DeviceConfig" },
};

static const struct verb *
find_verb(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

int
ck_control_is_verb(const char *verb)
{
	return find_verb(verb) != NULL;
}

/* args[i] as a number in lo..hi into out (decimal text). */
static int
num(const char *verb, const char *what, const char *arg, long long lo,
    long long hi, char out[24], ck_err *e)
{
	long long v;

	if (ck_opt_parse_int(arg, lo, hi, &v, e) < 0)
		return ck_err_wrap(e, "%s %s", verb, what);
	snprintf(out, 24, "%lld", v);
	return 0;
}

static void
elem(ck_sbuf *b, const char *name, const char *value)
{
	ck_sbuf_elem(b, name, value);
	ck_sbuf_add(b, "\r\n");
}

/* <DragZoomIn|Out> with the six numbers of 2016 A.2.3.1.9 (window length
 * and width, the box's midpoint and size, all in pixels). */
static int
drag_zoom(ck_sbuf *b, const char *verb, char *const *a, ck_err *e)
{
	static const char *const names[] = { "Length", "Width", "MidPointX",
	    "MidPointY", "LengthX", "LengthY" };
	char v[24];
	int i;

	ck_sbuf_add(b, strcmp(verb, "drag-zoom-in") ? "<DragZoomOut>\r\n" :
	    "<DragZoomIn>\r\n");
	for (i = 0; i < 6; i++) {
		if (num(verb, names[i], a[i], 0, 65535, v, e) < 0)
			return -1;
		elem(b, names[i], v);
	}
	ck_sbuf_add(b, strcmp(verb, "drag-zoom-in") ? "</DragZoomOut>\r\n" :
	    "</DragZoomIn>\r\n");
	return 0;
}

/* <BasicParam> from KEY=VALUE arguments (2016 A.2.3.2.2). */
static int
basic_param(ck_sbuf *b, char *const *a, int n, ck_err *e)
{
	static const char *const keys[][2] = { { "name", "Name" },
	    { "expiration", "Expiration" },
	    { "heartbeat-interval", "HeartBeatInterval" },
	    { "heartbeat-count", "HeartBeatCount" } };
	const char *val[4] = { NULL, NULL, NULL, NULL };
	char v[4][24];
	int i, k;

	for (i = 0; i < n; i++) {
		const char *eq = strchr(a[i], '=');
		for (k = 0; k < 4 && eq; k++)
			if (strlen(keys[k][0]) == (size_t)(eq - a[i]) &&
			    !strncmp(a[i], keys[k][0], (size_t)(eq - a[i])))
				break;
		if (!eq || k == 4)
			return ck_err_set(e, CK_USAGE, "config: '%s' is not name=, "
			    "expiration=, heartbeat-interval= or heartbeat-count=",
			    a[i]);
		if (val[k])
			return ck_err_set(e, CK_USAGE, "config: %s given twice",
			    keys[k][0]);
		val[k] = eq + 1;
		if (k == 0) {
			if (!*val[k] || strlen(val[k]) > 64)
				return ck_err_set(e, CK_USAGE, "config: name is 1-64 "
				    "characters");
		} else if (num("config", keys[k][0], val[k], k == 3 ? 1 : 5,
		    k == 1 ? 86400 * 7 : 3600, v[k], e) < 0)
			return -1;
		else
			val[k] = v[k];
	}
	ck_sbuf_add(b, "<BasicParam>\r\n");
	for (k = 0; k < 4; k++)
		if (val[k])
			elem(b, keys[k][1], val[k]);
	ck_sbuf_add(b, "</BasicParam>\r\n");
	return 0;
}

/* <SnapShotConfig> (2022 A.2.3.2.x): SnapNum 1-10, Interval >= 1 s, the
 * upload URL, and a SessionID of 32-128 letters, digits and '-' (random
 * when not given). */
static int
snapshot(ck_sbuf *b, char *const *a, int n, ck_err *e)
{
	char cnt[24], ivl[24], sess[40];
	const char *s;

	if (num("snapshot", "COUNT", a[0], 1, 10, cnt, e) < 0 ||
	    num("snapshot", "INTERVAL", a[1], 1, 3600, ivl, e) < 0)
		return -1;
	if (!*a[2] || strlen(a[2]) > 512 || strpbrk(a[2], " \t\r\n"))
		return ck_err_set(e, CK_USAGE, "snapshot: URL is empty, too long "
		    "or has blanks");
	if (n > 3) {
		s = a[3];
		if (strlen(s) < 32 || strlen(s) > 128 ||
		    s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-")])
			return ck_err_set(e, CK_USAGE, "snapshot: SESSION is 32-128 "
			    "letters, digits or '-'");
	} else {
		/* the session ties the uploaded pictures to this request: 32
		 * hex digits nobody can guess */
		unsigned char r[16];
		int i;
		if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
			return ck_err_set(e, CK_SOFTWARE, "getrandom failed");
		for (i = 0; i < 16; i++)
			snprintf(sess + 2 * i, 3, "%02x", r[i]);
		s = sess;
	}
	ck_sbuf_add(b, "<SnapShotConfig>\r\n");
	elem(b, "SnapNum", cnt);
	elem(b, "Interval", ivl);
	elem(b, "UploadURL", a[2]);
	elem(b, "SessionID", s);
	ck_sbuf_add(b, "</SnapShotConfig>\r\n");
	return 0;
}

/* The elements of the control after the header. */
static int
inner(ck_sbuf *b, const char *v, char *const *a, int n, ck_err *e)
{
	char x[24], y[24];

	if (!strcmp(v, "teleboot"))
		elem(b, "TeleBoot", "Boot");
	else if (!strcmp(v, "record") || !strcmp(v, "stop-record")) {
		elem(b, "RecordCmd", v[0] == 'r' ? "Record" : "StopRecord");
		/* 2022: which stream records, 0 main (the default) */
		if (n > 0) {
			if (num(v, "STREAM", a[0], 0, 9, x, e) < 0)
				return -1;
			elem(b, "StreamNumber", x);
		}
	} else if (!strcmp(v, "guard") || !strcmp(v, "unguard"))
		elem(b, "GuardCmd", v[0] == 'g' ? "SetGuard" : "ResetGuard");
	else if (!strcmp(v, "reset-alarm")) {
		elem(b, "AlarmCmd", "ResetAlarm");
		/* 2016 A.2.3.1.6: Info names the alarm method (1-7, 0 all) and,
		 * when given, its type */
		if (n > 0) {
			if (num(v, "METHOD", a[0], 0, 7, x, e) < 0 ||
			    (n > 1 && num(v, "TYPE", a[1], 0, 99, y, e) < 0))
				return -1;
			ck_sbuf_add(b, "<Info>\r\n");
			elem(b, "AlarmMethod", x);
			if (n > 1)
				elem(b, "AlarmType", y);
			ck_sbuf_add(b, "</Info>\r\n");
		}
	} else if (!strcmp(v, "iframe"))
		elem(b, "IFameCmd", "Send");   /* sic: the standard's spelling */
	else if (!strncmp(v, "drag-zoom-", 10))
		return drag_zoom(b, v, a, e);
	else if (!strcmp(v, "home-position")) {
		if (num(v, "PRESET", a[0], 1, 255, x, e) < 0 ||
		    num(v, "SECONDS", n > 1 ? a[1] : "0", 0, 86400, y, e) < 0)
			return -1;
		ck_sbuf_add(b, "<HomePosition>\r\n<Enabled>1</Enabled>\r\n");
		elem(b, "ResetTime", y);
		elem(b, "PresetIndex", x);
		ck_sbuf_add(b, "</HomePosition>\r\n");
	} else if (!strcmp(v, "home-position-off"))
		ck_sbuf_add(b, "<HomePosition>\r\n<Enabled>0</Enabled>\r\n"
		    "</HomePosition>\r\n");
	else if (!strcmp(v, "format-sdcard")) {
		/* 2022: the index of the card, from 1 */
		if (num(v, "N", n > 0 ? a[0] : "1", 1, 255, x, e) < 0)
			return -1;
		elem(b, "FormatSDCard", x);
	} else if (!strcmp(v, "config"))
		return basic_param(b, a, n, e);
	else
		return snapshot(b, a, n, e);
	return 0;
}

char *
ck_control_body(const char *verb, char *const *args, int nargs,
    unsigned long sn, const char *device_id, int *response, char *cmd_type,
    size_t *len, ck_err *e)
{
	const struct verb *v = find_verb(verb);
	ck_sbuf b = { 0 };
	char *body;

	if (!v)
		return ck_err_set(e, CK_USAGE, "unknown control '%s'", verb), NULL;
	if (nargs < v->min || nargs > v->max)
		return (v->min == v->max ? ck_err_set(e, CK_USAGE, "%s takes %d "
		    "argument%s", verb, v->min, v->min == 1 ? "" : "s") :
		    ck_err_set(e, CK_USAGE, "%s takes %d to %d arguments", verb,
		    v->min, v->max)), NULL;
	*response = v->response;
	snprintf(cmd_type, 32, "%s", v->cmd_type);
	if (inner(&b, verb, args, nargs, e) < 0) {
		ck_sbuf_free(&b);
		return NULL;
	}
	if (b.oom) {
		ck_sbuf_free(&b);
		return ck_err_set(e, CK_SOFTWARE, "out of memory"), NULL;
	}
	body = ck_manscdp_control(v->cmd_type, sn, device_id, b.p ? b.p : "",
	    len, e);
	ck_sbuf_free(&b);
	return body;
}

int
ck_control_expects(const ck_manscdp *m)
{
	/* DeviceUpgrade (2022) is answered too, as the device simulator
	 * answers it */
	static const char *const answered[] = { "RecordCmd", "GuardCmd",
	    "AlarmCmd", "HomePosition", "DeviceUpgrade" };
	size_t i;

	if (!strcmp(m->kind, "Query"))
		return 1;
	if (!strcmp(m->kind, "Notify"))
		return !strcasecmp(m->cmd_type, "Broadcast");
	if (strcmp(m->kind, "Control"))
		return 0;
	if (!strcasecmp(m->cmd_type, "DeviceConfig"))
		return 1;
	for (i = 0; i < sizeof answered / sizeof answered[0]; i++)
		if (ck_xml_child(m->root, NULL, answered[i]))
			return 1;
	return 0;
}

int
ck_control_result(const ck_manscdp *m)
{
	const char *r = ck_manscdp_field(m->root, "Result");

	if (!r)
		return -1;
	if (!strcasecmp(r, "OK"))
		return 1;
	return !strcasecmp(r, "ERROR") ? 0 : -1;
}

void
ck_control_response_json(const ck_manscdp *m, ck_json *j)
{
	ck_json_str(j, "result", ck_manscdp_field(m->root, "Result"));
	ck_json_str(j, "response_device_id", m->device_id);
	ck_json_obj(j, "response");
	ck_manscdp_json_fields(m->root, j, 1, m);
	ck_json_end(j);
}

/* ---- sending ---- */

struct run {
	const ck_control_send *s;
	ck_query *q;
	ck_query_xchg x;
	char *resp;               /* the Response body, kept for the record */
	size_t resp_len;
	ck_json *j;
};

static int
on_answer(void *arg, const ck_manscdp *m, const char *raw, size_t len)
{
	struct run *r = arg;

	(void)m;
	free(r->resp);
	if ((r->resp = malloc(len)))
		memcpy(r->resp, raw, len);
	r->resp_len = r->resp ? len : 0;
	return 1;   /* one Response ends a control */
}

static void
record(struct run *r, const ck_manscdp *m)
{
	const ck_control_send *s = r->s;
	ck_json *j = r->j;

	ck_json_record(j, "control");
	ck_json_time_ms(j, "ts", ck_clock_wall_ms());
	ck_json_str(j, "device_id", s->body_id);
	ck_json_str(j, "to", r->q->device_id);
	ck_json_str(j, "peer", r->q->source);
	ck_json_str(j, "transport", ck_sip_transport_name(r->q->peer.transport));
	ck_json_uint(j, "sn", s->sn);
	ck_json_str(j, "command", s->command);
	ck_json_str(j, "cmd_type", s->cmd_type);
	if (s->extra)
		s->extra(s->extra_arg, j);
	ck_json_int(j, "status", r->x.status);
	ck_json_str(j, "reason", r->x.reason);
	ck_json_int(j, "rtt_ms", r->x.rtt_ms);
	ck_json_bool(j, "awaited", s->response);
	if (m) {
		ck_control_response_json(m, j);
		ck_json_int(j, "response_ms", r->x.answer_ms);
	}
	ck_json_emit(j, s->out);
}

/* The exit status for the Response (or its absence), e saying why. */
static int
judge(struct run *r, const ck_manscdp *m, int rc, ck_err *e)
{
	int st = r->x.status;

	if (st < 200 || st > 299) {
		ck_err_set(e, st == 401 || st == 403 || st == 407 ? CK_NOPERM :
		    CK_PROTO, "%s answered %d %s", r->q->device_id, st, r->x.reason);
		return e->kind;
	}
	if (!r->s->response)
		return 0;
	if (rc < 0)
		return e->kind ? e->kind : CK_SOFTWARE;
	switch (ck_control_result(m)) {
	case 1:
		return 0;
	case 0:
		ck_err_set(e, CK_PROTO, "%s Response from %s: Result ERROR",
		    r->s->cmd_type, m->device_id);
		break;
	default:
		ck_err_set(e, CK_PROTO, "%s Response from %s without Result OK or "
		    "ERROR", r->s->cmd_type, m ? m->device_id : "?");
	}
	return CK_PROTO;
}

int
ck_control_run(ck_query *q, const ck_control_send *s, ck_err *e)
{
	struct run r = { .s = s, .q = q };
	ck_manscdp m, *mp = NULL;
	int rc, status;

	r.x = (ck_query_xchg){ .cmd_type = s->cmd_type, .sn = s->sn,
	    .await = s->response, .charset = s->charset,
	    .timeout_ms = s->timeout_ms, .on_answer = on_answer, .arg = &r };
	if (!(r.j = ck_json_new()))
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	rc = ck_query_exchange(q, s->body, s->len, &r.x, e);
	if (rc < 0 && r.x.rtt_ms == 0 && r.x.status == 0) {
		/* not even the SIP answer: nothing to report */
		ck_json_free(r.j);
		return e->kind ? e->kind : CK_SOFTWARE;
	}
	if (r.resp && ck_manscdp_parse(r.resp, r.resp_len, s->charset, &m, e) == 0)
		mp = &m;
	record(&r, mp);
	status = judge(&r, mp, rc, e);
	if (mp)
		ck_manscdp_free(mp);
	free(r.resp);
	ck_json_free(r.j);
	return status;
}

char *
ck_control_load(const char *path, size_t *len, ck_manscdp *m, ck_err *e)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (!f)
		return ck_err_set(e, CK_NOINPUT, "%s: %s", path, strerror(errno)),
		    NULL;
	buf = malloc(CK_MANSCDP_MAX_BODY + 1);
	n = buf ? fread(buf, 1, CK_MANSCDP_MAX_BODY + 1, f) : 0;
	fclose(f);
	if (!buf || n > CK_MANSCDP_MAX_BODY || n == 0) {
		free(buf);
		return ck_err_set(e, CK_DATAERR, "%s: %s", path, n ? "too large" :
		    "empty"), NULL;
	}
	if (ck_manscdp_parse(buf, n, NULL, m, e) < 0) {
		free(buf);
		return ck_err_wrap(e, "%s", path), NULL;
	}
	if (!m->has_sn) {
		ck_manscdp_free(m);
		free(buf);
		return ck_err_set(e, CK_DATAERR, "%s: no <SN> to match the answer "
		    "by", path), NULL;
	}
	*len = n;
	return buf;
}
