#include "gb/subscribe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/log.h"
#include "codec/digest.h"
#include "gb/event.h"
#include "gb/manscdp.h"

/* S_RETRY: ended by the device in a way that asks for a new subscription
 * (RFC 6665 4.1.3), made again at refresh_at. */
enum { S_NONE, S_ACTIVE, S_RETRY, S_ENDED };

struct sub {
	unsigned event;
	const char *cmd_type;      /* body CmdType and the records' "event" */
	const char *package;       /* Event header */
	char call_id[40], tag[20], remote_tag[128], target[320];
	unsigned cseq;
	unsigned long sn;
	int state;
	int granted;               /* seconds */
	int64_t refresh_at;        /* ck_clock_now_ms time */
	int64_t expires_at;        /* when the device lets it lapse */
	int64_t subscribed_at;     /* last initial SUBSCRIBE, to pace retries */
	int terminated;            /* a NOTIFY said terminated */
	int ending;                /* our Expires: 0 was accepted */
};

struct run {
	ck_query *q;
	const ck_subscribe_opts *o;
	ck_json *j;
	struct sub subs[3];
	size_t nsubs;
	long notes;                /* notifications with a body so far */
	int rc_end;                /* exit kind once the device ended them all */
	int out_failed;
};

static const struct {
	unsigned bit;
	const char *name, *alias, *cmd_type, *package;
} events[] = {
	{ CK_SUBSCRIBE_CATALOG, "catalog", NULL, "Catalog", "Catalog" },
	{ CK_SUBSCRIBE_ALARM, "alarm", NULL, "Alarm", "presence" },
	{ CK_SUBSCRIBE_POSITION, "position", "mobileposition", "MobilePosition",
	    "presence" },
};

int
ck_subscribe_parse_events(const char *list, unsigned *bits, ck_err *e)
{
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ","), i;
		for (i = 0; i < sizeof events / sizeof events[0]; i++)
			if ((strlen(events[i].name) == n &&
			    !strncasecmp(p, events[i].name, n)) || (events[i].alias &&
			    strlen(events[i].alias) == n && !strncasecmp(p, events[i].alias, n)))
				break;
		if (i == sizeof events / sizeof events[0])
			return ck_err_set(e, CK_USAGE, "unknown event '%.*s' (catalog, "
			    "alarm, position)", (int)n, p);
		*bits |= events[i].bit;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int
emit(struct run *r)
{
	if (!r->out_failed && r->o->on_record(r->o->arg, r->j) != 0)
		r->out_failed = 1;
	return r->out_failed ? -1 : 0;
}

static void
head(struct run *r, const char *type, const struct sub *s)
{
	ck_json_record(r->j, type);
	ck_json_time_ms(r->j, "ts", ck_clock_wall_ms());
	if (s)
		ck_json_str(r->j, "event", s->cmd_type);
	ck_json_str(r->j, "device", r->q->device_id);
}

/* The SUBSCRIBE body: a <Query> naming what is subscribed (GB/T 28181-2016
 * 9.11; Appendix A for the alarm conditions). */
static char *
body_for(const struct run *r, const struct sub *s, size_t *len, ck_err *e)
{
	const ck_subscribe_opts *o = r->o;
	const char *id = o->channel ? o->channel : r->q->device_id;
	char iv[16];

	if (s->event == CK_SUBSCRIBE_ALARM) {
		ck_manscdp_kv kv[] = {
			{ "StartAlarmPriority", o->start_priority ? o->start_priority : "0" },
			{ "EndAlarmPriority", o->end_priority ? o->end_priority : "0" },
			{ "AlarmMethod", o->alarm_method ? o->alarm_method : "0" },
			{ "AlarmType", o->alarm_type },
			{ "StartAlarmTime", o->start_time },
			{ "EndAlarmTime", o->end_time },
		};
		return ck_manscdp_query(s->cmd_type, s->sn, id, kv, 6, len, e);
	}
	if (s->event == CK_SUBSCRIBE_POSITION) {
		snprintf(iv, sizeof iv, "%d", o->interval > 0 ? o->interval : 5);
		ck_manscdp_kv kv = { "Interval", iv };
		return ck_manscdp_query(s->cmd_type, s->sn, id, &kv, 1, len, e);
	}
	return ck_manscdp_query(s->cmd_type, s->sn, id, NULL, 0, len, e);
}

/* "Result" of a Response body in a 2xx, or NULL when there is none. The
 * device confirms the subscription there (GB/T 28181-2016 9.11). */
static int
result_ok(const osip_message_t *resp, char *why, size_t whylen)
{
	size_t len;
	const char *b = ck_sip_body(resp, &len);
	ck_manscdp m;
	ck_err e;
	int ok = 1;

	if (!b || len == 0)
		return 1;
	if (ck_manscdp_parse(b, len, NULL, &m, &e) < 0) {
		ck_log_info("unreadable body in the SUBSCRIBE answer ignored: %s", e.msg);
		return 1;
	}
	const char *res = ck_manscdp_field(m.root, "Result");
	if (res && strcasecmp(res, "OK") != 0) {
		snprintf(why, whylen, "Result %s", res);
		ok = 0;
	}
	ck_manscdp_free(&m);
	return ok;
}

/* Takes the dialog's state from a 2xx: the device's tag, its Contact as
 * the target of later requests, the granted Expires. */
static void
take_2xx(struct sub *s, const osip_message_t *resp, int asked)
{
	osip_generic_param_t *tag = NULL;
	osip_contact_t *c = NULL;
	const char *ex = ck_sip_header(resp, "Expires");
	char *u = NULL;
	long g;

	if (!s->remote_tag[0] && resp->to && osip_to_get_tag(resp->to, &tag) == 0 &&
	    tag && tag->gvalue)
		snprintf(s->remote_tag, sizeof s->remote_tag, "%s", tag->gvalue);
	if (osip_message_get_contact(resp, 0, &c) >= 0 && c && c->url &&
	    osip_uri_to_str(c->url, &u) == 0 && u) {
		if (strlen(u) < sizeof s->target)
			snprintf(s->target, sizeof s->target, "%s", u);
		osip_free(u);
	}
	g = ex ? strtol(ex, NULL, 10) : asked;
	/* a grant is never longer than asked (RFC 6665 4.2.1.1) */
	s->granted = g > 0 && g <= asked ? (int)g : asked;
}

static void
schedule(struct sub *s, int seconds)
{
	int margin = seconds / 3 > 300 ? 300 : seconds / 3;
	if (margin < 1 && seconds > 1)
		margin = 1;   /* never refresh at the very moment it ends */
	int64_t now = ck_clock_now_ms();
	s->expires_at = now + (int64_t)seconds * 1000;
	s->refresh_at = now + (int64_t)(seconds - margin) * 1000;
}

/* Sends one SUBSCRIBE of s's dialog (initial, refresh, or Expires: 0) and
 * waits for its final answer: *status. Returns 0 or -1 with e (no answer). */
static int
send_subscribe(struct run *r, struct sub *s, int expires, int *status,
    char *why, size_t whylen, ck_err *e)
{
	ck_query *q = r->q;
	char tag[160];
	size_t len;
	char *body = body_for(r, s, &len, e);
	osip_message_t *m, *resp = NULL;

	if (!body)
		return -1;
	ck_sip_reqspec rs = { .method = "SUBSCRIBE",
	    .ruri = s->target[0] ? s->target : q->ruri, .from = q->from_uri,
	    .to = q->to_uri, .from_tag = s->tag, .call_id = s->call_id,
	    .cseq = ++s->cseq, .expires = expires,
	    .content_type = CK_SIP_MANSCDP, .body = body, .body_len = len };
	m = ck_sip_request_new(q->sip, &q->peer, &rs, e);
	free(body);
	if (!m)
		return -1;
	snprintf(tag, sizeof tag, "%s", s->package);
	osip_message_set_header(m, "Event", tag);
	if (expires == 0)
		osip_message_set_expires(m, "0");
	if (s->remote_tag[0])
		osip_to_set_tag(m->to, osip_strdup(s->remote_tag));
	if (ck_sip_send_request(q->sip, &q->peer, m, ck_clock_now_ms() +
	    (r->o->timeout_ms > 0 ? r->o->timeout_ms : 5000), &resp, e) < 0)
		return -1;
	*status = osip_message_get_status_code(resp);
	const char *rp = osip_message_get_reason_phrase(resp);
	snprintf(why, whylen, "%d %s", *status, rp ? rp : "");
	if (*status >= 200 && *status <= 299) {
		if (expires > 0)
			take_2xx(s, resp, expires);
		if (!result_ok(resp, why, whylen))
			*status = 0;   /* accepted by SIP, refused in the body */
	}
	osip_message_free(resp);
	return 0;
}

static int
refusal_kind(int status)
{
	return status == 401 || status == 403 || status == 407 ? CK_NOPERM : CK_PROTO;
}

static int
subscribe_one(struct run *r, struct sub *s)
{
	char why[160];
	int status = 0;
	ck_err e;

	ck_digest_random_hex(s->call_id, 12);
	ck_digest_random_hex(s->tag, 4);
	s->cseq = 0;
	s->remote_tag[0] = s->target[0] = '\0';
	s->terminated = s->ending = 0;
	s->subscribed_at = ck_clock_now_ms();
	if (send_subscribe(r, s, r->o->expires, &status, why, sizeof why, &e) < 0) {
		ck_log_warn("%s SUBSCRIBE to %s: %s", s->cmd_type, r->q->device_id, e.msg);
		return e.kind == CK_OK ? CK_TEMPFAIL : e.kind;
	}
	if (status < 200 || status > 299) {
		ck_log_warn("%s refused the %s subscription: %s", r->q->device_id,
		    s->cmd_type, why);
		return status ? refusal_kind(status) : CK_PROTO;
	}
	s->state = S_ACTIVE;
	schedule(s, s->granted);
	head(r, "subscribed", s);
	ck_json_int(r->j, "status", status);
	ck_json_int(r->j, "expires", s->granted);
	ck_json_str(r->j, "call_id", s->call_id);
	emit(r);
	return 0;
}

/* Subscribes again after delay_ms, and no sooner than 2 s after the last
 * initial SUBSCRIBE, so a device that ends every subscription at once is
 * not flooded. */
static void
retry_at(struct sub *s, int64_t delay_ms)
{
	int64_t t = ck_clock_now_ms() + delay_ms;
	if (t < s->subscribed_at + 2000)
		t = s->subscribed_at + 2000;
	s->state = S_RETRY;
	s->refresh_at = t;
}

static void
refresh(struct run *r, struct sub *s)
{
	char why[160];
	int status = 0;
	ck_err e;

	if (send_subscribe(r, s, r->o->expires, &status, why, sizeof why, &e) < 0) {
		/* no answer: try again while the subscription still lives */
		int64_t next = ck_clock_now_ms() + 5000;
		ck_log_warn("%s refresh: %s", s->cmd_type, e.msg);
		if (next >= s->expires_at) {
			ck_log_warn("%s subscription lapsed", s->cmd_type);
			s->state = S_ENDED;
		}
		s->refresh_at = next;
		return;
	}
	head(r, "refreshed", s);
	ck_json_int(r->j, "status", status);
	if (status >= 200 && status <= 299) {
		schedule(s, s->granted);
		ck_json_int(r->j, "expires", s->granted);
	} else if (status == 481) {
		/* the device has forgotten it: a new one (RFC 6665 4.1.2.2) */
		ck_log_warn("%s refresh: %s; subscribing again", s->cmd_type, why);
		retry_at(s, 0);
	} else {
		ck_log_warn("%s refresh refused: %s", s->cmd_type, why);
		s->state = S_ENDED;
		r->rc_end = status ? refusal_kind(status) : CK_PROTO;
	}
	emit(r);
}

static void
unsubscribe(struct run *r, struct sub *s)
{
	char why[160];
	int status = 0;
	ck_err e;

	head(r, "unsubscribed", s);
	if (send_subscribe(r, s, 0, &status, why, sizeof why, &e) < 0) {
		ck_log_warn("%s unsubscribe: %s", s->cmd_type, e.msg);
		ck_json_str(r->j, "error", e.msg);
	} else {
		ck_json_int(r->j, "status", status);
		s->ending = status >= 200 && status <= 299;
	}
	emit(r);
	s->state = S_ENDED;
}

static struct sub *
match(struct run *r, const osip_message_t *m)
{
	osip_generic_param_t *tag = NULL;
	const char *cid = m->call_id && m->call_id->number ? m->call_id->number : "";

	if (!m->to || osip_to_get_tag(m->to, &tag) != 0 || !tag || !tag->gvalue)
		return NULL;
	for (size_t i = 0; i < r->nsubs; i++)
		if (!strcmp(r->subs[i].call_id, cid) &&
		    !strcmp(r->subs[i].tag, tag->gvalue))
			return &r->subs[i];
	return NULL;
}

void
ck_subscribe_parse_state(const char *v, char *state, size_t slen, long *expires,
    char *reason, size_t rlen)
{
	const char *p;

	*expires = -1;
	reason[0] = state[0] = '\0';
	if (!v)
		return;
	v += strspn(v, " \t");
	snprintf(state, slen, "%.*s", (int)strcspn(v, "; \t"), v);
	/* parameters only: a state named "expires=" is not one */
	for (p = strchr(v, ';'); p; p = strchr(p + 1, ';')) {
		const char *q = p + 1 + strspn(p + 1, " \t");
		if (!strncasecmp(q, "expires=", 8)) {
			char *end;
			long x = strtol(q + 8, &end, 10);
			if (end != q + 8 && x >= 0 && x <= 86400L * 365)
				*expires = x;
		} else if (!strncasecmp(q, "reason=", 7))
			snprintf(reason, rlen, "%.*s", (int)strcspn(q + 7, "; \t"), q + 7);
	}
}

/* A terminated NOTIFY of a live subscription, per its reason (RFC 6665
 * 4.1.3): deactivated, timeout, no reason or an unknown one: subscribe
 * again at once; probation, giveup: after 30 s; rejected, noresource,
 * invariant: it is over. */
static void
ended_by_device(struct run *r, struct sub *s, const char *reason)
{
	ck_log_warn("%s subscription ended by the device%s%s", s->cmd_type,
	    *reason ? ": " : "", reason);
	if (!strcasecmp(reason, "rejected") || !strcasecmp(reason, "noresource") ||
	    !strcasecmp(reason, "invariant")) {
		s->state = S_ENDED;
		r->rc_end = CK_PROTO;
	} else
		retry_at(s, !strcasecmp(reason, "probation") ||
		    !strcasecmp(reason, "giveup") ? 30000 : 0);
}

static void
on_notify(struct run *r, ck_sip_req *rq)
{
	struct sub *s = match(r, rq->msg);
	char state[32], reason[64];
	long ex;
	ck_event_note n;
	ck_err e;

	if (!s || s->state == S_NONE) {
		ck_log_info("NOTIFY outside our subscriptions: 481");
		ck_sip_reply(r->q->sip, rq, 481, &e);
		return;
	}
	ck_subscribe_parse_state(ck_sip_header(rq->msg, "Subscription-State"), state,
	    sizeof state, &ex, reason, sizeof reason);
	if (!s->remote_tag[0]) {
		/* NOTIFY ahead of the 200: it names the device's tag */
		osip_generic_param_t *tag = NULL;
		if (rq->msg->from && osip_from_get_tag(rq->msg->from, &tag) == 0 &&
		    tag && tag->gvalue)
			snprintf(s->remote_tag, sizeof s->remote_tag, "%s", tag->gvalue);
	}
	head(r, "notify", s);
	ck_json_str(r->j, "subscription_state", state[0] ? state : NULL);
	if (ex >= 0)
		ck_json_int(r->j, "expires", ex);
	if (reason[0])
		ck_json_str(r->j, "reason", reason);
	int counted = ck_event_fields(rq, r->o->charset, r->j, &n);
	ck_sip_reply(r->q->sip, rq, 200, &e);
	emit(r);
	if (counted && s->state == S_ACTIVE)
		r->notes++;
	if (!strcasecmp(state, "terminated")) {
		s->terminated = 1;
		if (s->state == S_ACTIVE)
			ended_by_device(r, s, reason);
	} else if (ex >= 0 && s->state == S_ACTIVE &&
	    ck_clock_now_ms() + ex * 1000 < s->refresh_at + 1000)
		schedule(s, (int)(ex > 0 ? ex : 1));   /* the device shortened it */
}

static void
on_message(struct run *r, ck_sip_req *rq)
{
	size_t len;
	const char *b = ck_sip_body(rq->msg, &len);
	ck_err e;

	/* a device's keepalives are its registrar's business, not records */
	if (b && len < 4096 && memmem(b, len, "<CmdType>Keepalive<", 19)) {
		ck_sip_reply(r->q->sip, rq, 200, &e);
		ck_log_info("keepalive from %s", ck_sip_from_user(rq->msg, 0));
		return;
	}
	head(r, "message", NULL);
	if (ck_event_answer(r->q->sip, rq, r->q->from_uri, r->o->charset, r->j))
		r->notes++;
	emit(r);
}

static void
dispatch(struct run *r, ck_sip_req *rq)
{
	ck_err e;

	if (MSG_IS_NOTIFY(rq->msg))
		on_notify(r, rq);
	else if (MSG_IS_MESSAGE(rq->msg))
		on_message(r, rq);
	else if (!MSG_IS_ACK(rq->msg))
		ck_sip_reply(r->q->sip, rq, 405, &e);
}

/* One turn: the next request until wake, registrar upkeep. -1 on error. */
static int
turn(struct run *r, int64_t wake, ck_err *e)
{
	ck_sip_req *rq = NULL;
	int n = ck_sip_next_request(r->q->sip, wake, &rq, e);

	if (n < 0)
		return e->kind == CK_OK ? 0 : -1;
	if (r->q->reg)
		ck_registrar_tick(r->q->reg);
	/* the registrar frees what it takes */
	if (n > 0 && (!r->q->reg || !ck_registrar_handle(r->q->reg, rq))) {
		dispatch(r, rq);
		ck_sip_req_free(rq);
	}
	return 0;
}

static size_t
active(const struct run *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nsubs; i++)
		n += r->subs[i].state == S_ACTIVE || r->subs[i].state == S_RETRY;
	return n;
}

/* After Expires: 0 the device sends a last NOTIFY (terminated): answer it
 * rather than leave it retransmitting, for a short while. */
static void
linger(struct run *r)
{
	int64_t until = ck_clock_now_ms() + (r->o->timeout_ms > 0 &&
	    r->o->timeout_ms < 2000 ? r->o->timeout_ms : 2000);
	ck_err e;

	for (;;) {
		size_t waiting = 0;
		for (size_t i = 0; i < r->nsubs; i++)
			waiting += r->subs[i].ending && !r->subs[i].terminated;
		if (!waiting || ck_clock_now_ms() >= until)
			return;
		if (turn(r, until, &e) < 0)
			return;
	}
}

static int
loop(struct run *r)
{
	const ck_subscribe_opts *o = r->o;
	int64_t end = o->duration_ms > 0 ? ck_clock_now_ms() + o->duration_ms : -1;
	ck_err e;

	while (!(o->stop && *o->stop) && !r->out_failed) {
		int64_t now = ck_clock_now_ms(), wake = now + 1000;
		if (o->count > 0 && r->notes >= o->count)
			return 0;
		if (end >= 0 && now >= end)
			return 0;
		if (!active(r)) {
			ck_log_info("no subscription left");
			return r->rc_end;
		}
		for (size_t i = 0; i < r->nsubs; i++) {
			struct sub *s = &r->subs[i];
			int rc;
			if (s->state == S_ACTIVE && s->refresh_at <= now)
				refresh(r, s);
			else if (s->state == S_RETRY && s->refresh_at <= now &&
			    (rc = subscribe_one(r, s)) != 0) {
				s->state = S_ENDED;
				r->rc_end = rc;
			}
		}
		for (size_t i = 0; i < r->nsubs; i++)
			if ((r->subs[i].state == S_ACTIVE || r->subs[i].state == S_RETRY) &&
			    r->subs[i].refresh_at < wake)
				wake = r->subs[i].refresh_at;
		if (end >= 0 && end < wake)
			wake = end;
		if (turn(r, wake, &e) < 0)
			return ck_err_wrap(&e, "sip"), e.kind;
	}
	return 0;
}

int
ck_subscribe_run(ck_query *q, const ck_subscribe_opts *o)
{
	struct run r = { .q = q, .o = o };
	int rc = 0;

	if (!(r.j = ck_json_new()))
		return CK_SOFTWARE;
	for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
		if (!(o->events & events[i].bit))
			continue;
		struct sub *s = &r.subs[r.nsubs++];
		s->event = events[i].bit;
		s->cmd_type = events[i].cmd_type;
		s->package = events[i].package;
		s->sn = (o->sn + r.nsubs - 1) % 1000000000UL;
	}
	for (size_t i = 0; i < r.nsubs && rc == 0; i++)
		rc = subscribe_one(&r, &r.subs[i]);
	if (rc == 0)
		rc = loop(&r);
	for (size_t i = 0; i < r.nsubs; i++)
		if (r.subs[i].state == S_ACTIVE)
			unsubscribe(&r, &r.subs[i]);
	linger(&r);
	if (r.out_failed && rc == 0)
		rc = CK_IOERR;
	ck_json_free(r.j);
	return rc;
}
