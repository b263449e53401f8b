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

/* A route set bigger than this is refused rather than cut (a request sent
 * along part of its route would go astray). */
enum { MAX_ROUTES = 8, ROUTE_LEN = 256, MAX_HELD = 8 };

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
	int dialog;                /* established, by its 2xx or a NOTIFY */
	/* the route set (RFC 3261 12.1): Route values of our requests in the
	 * dialog, in order; route_bad when it did not fit */
	char route[MAX_ROUTES][ROUTE_LEN];
	size_t nroute;
	int route_bad;
	ck_sip_peer hop;           /* the first route's address, once resolved */
	int hop_ok, hop_own;       /* hop_own: a TCP connection of its own */
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
	/* the SUBSCRIBE waited for (one at a time) and what it got */
	struct sub *pending;       /* the sub whose SUBSCRIBE waits for its
	                              answer: its NOTIFYs are held meanwhile */
	uint64_t wait_id;
	int wait_done;
	osip_message_t *wait_resp;
	ck_err wait_err;
	/* NOTIFYs of the dialog being established, already answered, recorded
	 * after its "subscribed" record */
	ck_sip_req *held[MAX_HELD];
	size_t nheld;
	ck_event_confirms conf;    /* alarm Responses the device has not answered */
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

/* The Contact of m, when it has one, as the target of later requests (a
 * 2xx, and a NOTIFY: a target refresh request, RFC 6665 4.1.2.4). */
static void
take_target(struct sub *s, const osip_message_t *m)
{
	osip_contact_t *c = NULL;
	char *u = NULL;

	if (osip_message_get_contact(m, 0, &c) >= 0 && c && c->url &&
	    osip_uri_to_str(c->url, &u) == 0 && u) {
		if (strlen(u) < sizeof s->target)
			snprintf(s->target, sizeof s->target, "%s", u);
		osip_free(u);
	}
}

/* The route set of a dialog being established, from the Record-Route of
 * m: reversed from a 2xx (we sent the request: RFC 3261 12.1.2), in order
 * from a NOTIFY that came first (we receive the request: 12.1.1). */
static void
take_routes(struct sub *s, const osip_message_t *m, int reverse)
{
	int n = osip_list_size(&m->record_routes);

	s->nroute = 0;
	s->route_bad = 0;
	s->hop_ok = 0;
	for (int i = 0; i < n; i++) {
		osip_record_route_t *rr = osip_list_get(&m->record_routes,
		    reverse ? n - 1 - i : i);
		char *v = NULL;
		if (!rr || osip_record_route_to_str(rr, &v) != 0 || !v ||
		    strlen(v) >= ROUTE_LEN || s->nroute == MAX_ROUTES) {
			osip_free(v);
			s->route_bad = 1;
			s->nroute = 0;
			return;
		}
		snprintf(s->route[s->nroute++], ROUTE_LEN, "%s", v);
		osip_free(v);
	}
}

/* Takes the dialog's state from a 2xx: the device's tag and the route set
 * unless a NOTIFY established the dialog first, its Contact as the target
 * of later requests, the granted Expires. */
static void
take_2xx(struct sub *s, const osip_message_t *resp, int asked)
{
	osip_generic_param_t *tag = NULL;
	const char *ex = ck_sip_header(resp, "Expires");
	long g;

	if (!s->dialog) {
		if (resp->to && osip_to_get_tag(resp->to, &tag) == 0 && tag &&
		    tag->gvalue)
			snprintf(s->remote_tag, sizeof s->remote_tag, "%s", tag->gvalue);
		take_routes(s, resp, 1);
		s->dialog = 1;
	}
	take_target(s, resp);
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

/* The first route, parsed: its address and whether it routes loosely
 * (;lr). 0, or -1 with CK_PROTO when it is no SIP URI. */
static int
first_route(const struct sub *s, char *host, size_t hostlen, int *port,
    int *tcp, int *loose, char *uri, size_t urilen, ck_err *e)
{
	osip_route_t *rt = NULL;
	osip_uri_param_t *pm = NULL;
	char *u = NULL;
	int rc = -1;

	if (osip_route_init(&rt) != 0)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	if (osip_route_parse(rt, s->route[0]) == 0 && rt->url && rt->url->host &&
	    strlen(rt->url->host) < hostlen && osip_uri_to_str(rt->url, &u) == 0 &&
	    strlen(u) < urilen) {
		char *end;
		long p = rt->url->port ? strtol(rt->url->port, &end, 10) : 5060;
		if (p > 0 && p <= 65535 && (!rt->url->port || !*end)) {
			snprintf(host, hostlen, "%s", rt->url->host);
			snprintf(uri, urilen, "%s", u);
			*port = (int)p;
			*tcp = osip_uri_param_get_byname(&rt->url->url_params, "transport",
			    &pm) == 0 && pm && pm->gvalue ? !strcasecmp(pm->gvalue, "tcp") : -1;
			*loose = osip_uri_param_get_byname(&rt->url->url_params, "lr",
			    &pm) == 0;
			rc = 0;
		}
	}
	osip_free(u);
	osip_route_free(rt);
	return rc == 0 ? 0 : ck_err_set(e, CK_PROTO, "unusable Record-Route '%s'",
	    s->route[0]);
}

/* Where requests of s's dialog go: the device's address, or the first
 * route (RFC 3261 12.2.1.1), over its transport= or ours; a TCP route
 * to the device's own address reuses our connection. */
static int
next_hop(struct run *r, struct sub *s, const ck_sip_peer **hop, ck_err *e)
{
	ck_query *q = r->q;
	char host[ROUTE_LEN], uri[ROUTE_LEN], a[64], b[64];
	int port, tcp, loose;

	*hop = &q->peer;
	if (!s->nroute)
		return 0;
	if (s->hop_ok && ck_sip_peer_alive(q->sip, &s->hop)) {
		*hop = &s->hop;
		return 0;
	}
	if (s->hop_own)
		ck_sip_peer_close(q->sip, &s->hop);
	s->hop_ok = s->hop_own = 0;
	if (first_route(s, host, sizeof host, &port, &tcp, &loose, uri, sizeof uri,
	    e) < 0 || ck_sip_peer_udp(q->sip, host, port, &s->hop, e) < 0)
		return -1;
	if (tcp < 0)
		tcp = q->peer.transport == CK_SIP_TCP;
	if (tcp && q->peer.transport == CK_SIP_TCP &&
	    !strcmp(ck_sip_peer_str(&s->hop, a, sizeof a),
	    ck_sip_peer_str(&q->peer, b, sizeof b)))
		s->hop = q->peer;
	else if (tcp) {
		if (ck_sip_connect(q->sip, host, port, ck_clock_now_ms() +
		    (r->o->timeout_ms > 0 ? r->o->timeout_ms : 5000), &s->hop, e) < 0)
			return -1;
		s->hop_own = 1;
	}
	s->hop_ok = 1;
	*hop = &s->hop;
	return 0;
}

/* Puts the route set on m as Route headers: loose routing keeps the
 * target as Request-URI; a strict router (no ;lr) becomes the
 * Request-URI and the target goes last (RFC 3261 12.2.1.1). */
static int
add_routes(const struct sub *s, osip_message_t *m, ck_err *e)
{
	char host[ROUTE_LEN], uri[ROUTE_LEN], last[sizeof s->target + 2];
	int port, tcp, loose;
	size_t i = 0;
	osip_uri_t *u = NULL;
	char *t = NULL;

	if (!s->nroute)
		return 0;
	if (first_route(s, host, sizeof host, &port, &tcp, &loose, uri, sizeof uri,
	    e) < 0)
		return -1;
	if (!loose) {
		if (osip_uri_init(&u) != 0 || osip_uri_parse(u, uri) != 0) {
			osip_uri_free(u);
			return ck_err_set(e, CK_PROTO, "unusable Record-Route '%s'", uri);
		}
		if (osip_uri_to_str(m->req_uri, &t) != 0 || strlen(t) >= sizeof s->target) {
			osip_free(t);
			osip_uri_free(u);
			return ck_err_set(e, CK_PROTO, "target too long for a strict route");
		}
		snprintf(last, sizeof last, "<%s>", t);
		osip_free(t);
		osip_uri_free(m->req_uri);
		m->req_uri = u;
		i = 1;
	}
	for (; i < s->nroute; i++)
		if (osip_message_set_route(m, s->route[i]) != 0)
			return ck_err_set(e, CK_PROTO, "unusable Record-Route '%s'",
			    s->route[i]);
	if (!loose && osip_message_set_route(m, last) != 0)
		return ck_err_set(e, CK_PROTO, "unusable target %s", last);
	return 0;
}

static int turn(struct run *r, int64_t wake, ck_err *e);

/* Sends m (taken) to hop in a client transaction and handles what comes
 * meanwhile until its final answer: 0 with *resp, or -1 with e. */
static int
transact(struct run *r, const ck_sip_peer *hop, osip_message_t *m,
    int64_t deadline, osip_message_t **resp, ck_err *e)
{
	if (!(r->wait_id = ck_sip_tx_start(r->q->sip, hop, m, deadline, e)))
		return -1;
	r->wait_done = 0;
	while (!r->wait_done)
		if (turn(r, ck_clock_now_ms() + 1000, e) < 0) {
			ck_sip_tx_cancel(r->q->sip, r->wait_id);
			r->wait_id = 0;
			return -1;
		}
	r->wait_id = 0;
	if (!(*resp = r->wait_resp)) {
		*e = r->wait_err;
		return -1;
	}
	r->wait_resp = NULL;
	return 0;
}

/* Sends one SUBSCRIBE of s's dialog (initial, refresh, or Expires: 0) and
 * waits for its final answer: *status. Returns 0 or -1 with e (no answer). */
static int
send_subscribe(struct run *r, struct sub *s, int expires, int *status,
    char *why, size_t whylen, ck_err *e)
{
	ck_query *q = r->q;
	const ck_sip_peer *hop;
	char tag[160];
	size_t len;
	char *body;
	osip_message_t *m, *resp = NULL;

	if (next_hop(r, s, &hop, e) < 0 || !(body = body_for(r, s, &len, e)))
		return -1;
	ck_sip_reqspec rs = { .method = "SUBSCRIBE",
	    .ruri = s->target[0] ? s->target : q->ruri, .from = q->from_uri,
	    .to = q->to_uri, .from_tag = s->tag, .call_id = s->call_id,
	    .cseq = ++s->cseq, .expires = expires,
	    .content_type = CK_SIP_MANSCDP, .body = body, .body_len = len };
	m = ck_sip_request_new(q->sip, hop, &rs, e);
	free(body);
	if (!m)
		return -1;
	if (add_routes(s, m, e) < 0) {
		osip_message_free(m);
		return -1;
	}
	snprintf(tag, sizeof tag, "%s", s->package);
	osip_message_set_header(m, "Event", tag);
	if (expires == 0)
		osip_message_set_expires(m, "0");
	if (s->remote_tag[0])
		osip_to_set_tag(m->to, osip_strdup(s->remote_tag));
	/* s's NOTIFYs that come meanwhile are held (on_notify), for the
	 * caller to release after it has recorded the answer */
	r->pending = s;
	int rc = transact(r, hop, m, ck_clock_now_ms() +
	    (r->o->timeout_ms > 0 ? r->o->timeout_ms : 5000), &resp, e);
	r->pending = NULL;
	if (rc < 0)
		return -1;
	*status = osip_message_get_status_code(resp);
	const char *rp = osip_message_get_reason_phrase(resp);
	snprintf(why, whylen, "%d %s", *status, rp ? rp : "");
	if (*status >= 200 && *status <= 299) {
		if (expires > 0)
			take_2xx(s, resp, expires);
		if (!result_ok(resp, why, whylen))
			*status = 0;   /* accepted by SIP, refused in the body */
		else if (s->route_bad) {
			snprintf(why, whylen, "Record-Route beyond %d entries of %d bytes",
			    MAX_ROUTES, ROUTE_LEN - 1);
			*status = 0;
		}
	}
	osip_message_free(resp);
	return 0;
}

static int
refusal_kind(int status)
{
	return status == 401 || status == 403 || status == 407 ? CK_NOPERM : CK_PROTO;
}

static void notify_record(struct run *r, struct sub *s, ck_sip_req *rq,
    int answered);

/* The NOTIFYs held while s's SUBSCRIBE waited, once its answer is
 * recorded: recorded and answered when record, else answered 481. Holding
 * them keeps the records in wire order when the answer and a NOTIFY are
 * read in the same wake (a device sends the NOTIFY right after its 200). */
static void
release_held(struct run *r, struct sub *s, int record)
{
	ck_err e;

	for (size_t i = 0; i < r->nheld; i++) {
		if (record)
			notify_record(r, s, r->held[i], 0);
		else {
			ck_log_info("NOTIFY of a subscription that failed: 481");
			ck_sip_reply(r->q->sip, r->held[i], 481, &e);
		}
		ck_sip_req_free(r->held[i]);
	}
	r->nheld = 0;
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
	s->terminated = s->ending = s->dialog = 0;
	s->nroute = 0;
	s->route_bad = 0;
	if (s->hop_own)
		ck_sip_peer_close(r->q->sip, &s->hop);
	s->hop_ok = s->hop_own = 0;
	s->subscribed_at = ck_clock_now_ms();
	int rc = send_subscribe(r, s, r->o->expires, &status, why, sizeof why, &e);
	if (rc < 0) {
		ck_log_warn("%s SUBSCRIBE to %s: %s", s->cmd_type, r->q->device_id, e.msg);
		rc = e.kind == CK_OK ? CK_TEMPFAIL : e.kind;
	} else if (status < 200 || status > 299) {
		ck_log_warn("%s refused the %s subscription: %s", r->q->device_id,
		    s->cmd_type, why);
		rc = status ? refusal_kind(status) : CK_PROTO;
	} else {
		s->state = S_ACTIVE;
		schedule(s, s->granted);
		head(r, "subscribed", s);
		ck_json_int(r->j, "status", status);
		ck_json_int(r->j, "expires", s->granted);
		ck_json_str(r->j, "call_id", s->call_id);
		emit(r);
	}
	release_held(r, s, s->state == S_ACTIVE);
	return rc;
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

	int rc = send_subscribe(r, s, r->o->expires, &status, why, sizeof why, &e);
	if (rc < 0) {
		/* no answer: try again while the subscription still lives */
		int64_t next = ck_clock_now_ms() + 5000;
		ck_log_warn("%s refresh: %s", s->cmd_type, e.msg);
		if (next >= s->expires_at) {
			ck_log_warn("%s subscription lapsed", s->cmd_type);
			s->state = S_ENDED;
			r->rc_end = e.kind == CK_OK ? CK_TEMPFAIL : e.kind;
		}
		s->refresh_at = next;
	} else {
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
	/* recorded after the answer, as on_notify would have had them (s
	 * is never S_NONE here) */
	release_held(r, s, 1);
}

static void
unsubscribe(struct run *r, struct sub *s)
{
	char why[160];
	int status = 0;
	ck_err e;

	/* NOTIFYs meanwhile (the last one, terminated) are recorded after */
	int rc = send_subscribe(r, s, 0, &status, why, sizeof why, &e);
	head(r, "unsubscribed", s);
	if (rc < 0) {
		ck_log_warn("%s unsubscribe: %s", s->cmd_type, e.msg);
		ck_json_str(r->j, "error", e.msg);
	} else {
		ck_json_int(r->j, "status", status);
		s->ending = status >= 200 && status <= 299;
	}
	emit(r);
	s->state = S_ENDED;
	release_held(r, s, 1);
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

/* Records a NOTIFY of an active dialog and answers it (unless answered
 * already). */
static void
notify_record(struct run *r, struct sub *s, ck_sip_req *rq, int answered)
{
	char state[32], reason[64];
	long ex;
	ck_event_note n;
	ck_err e;

	ck_subscribe_parse_state(ck_sip_header(rq->msg, "Subscription-State"), state,
	    sizeof state, &ex, reason, sizeof reason);
	take_target(s, rq->msg);
	head(r, "notify", s);
	ck_json_str(r->j, "subscription_state", state[0] ? state : NULL);
	if (ex >= 0)
		ck_json_int(r->j, "expires", ex);
	if (reason[0])
		ck_json_str(r->j, "reason", reason);
	int counted = ck_event_fields(rq, r->o->charset, r->j, &n);
	if (!answered)
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

/* A NOTIFY while a SUBSCRIBE of s waits for its answer (initial, refresh
 * or unsubscribe). For an initial one, when it came ahead of the 2xx it
 * establishes the dialog (RFC 6665 4.1.2.4): the
 * device's tag, its Contact, the route set in the order it came (RFC 3261
 * 12.1.1). Held, and answered and recorded after "subscribed",
 * "refreshed" or "unsubscribed" (a device
 * that waits for the 200 of its SUBSCRIBE before the 200 of its NOTIFY
 * is not surprised); its retransmissions meanwhile are dropped. Returns 1
 * when rq is held (the caller must not free it). */
static int
early_notify(struct run *r, struct sub *s, ck_sip_req *rq)
{
	uint64_t answered_at = ck_sip_tx_seq(r->q->sip, r->wait_id);
	osip_generic_param_t *tag = NULL;
	ck_err e;

	for (size_t i = 0; i < r->nheld; i++)
		if (r->held[i]->msg->cseq && rq->msg->cseq &&
		    r->held[i]->msg->cseq->number && rq->msg->cseq->number &&
		    !strcmp(r->held[i]->msg->cseq->number, rq->msg->cseq->number))
			return 0;   /* a retransmission: the held one is answered */

	if (!s->dialog && !r->wait_done && (!answered_at || rq->seq < answered_at)) {
		if (rq->msg->from && osip_from_get_tag(rq->msg->from, &tag) == 0 &&
		    tag && tag->gvalue)
			snprintf(s->remote_tag, sizeof s->remote_tag, "%s", tag->gvalue);
		take_routes(s, rq->msg, 0);
		take_target(s, rq->msg);
		s->dialog = 1;
	}
	if (r->nheld == MAX_HELD) {
		ck_log_info("NOTIFY ahead of the SUBSCRIBE's answer beyond %d: "
		    "answered, not recorded", MAX_HELD);
		ck_sip_reply(r->q->sip, rq, 200, &e);
		return 0;
	}
	r->held[r->nheld++] = rq;
	return 1;
}

static int
on_notify(struct run *r, ck_sip_req *rq)
{
	struct sub *s = match(r, rq->msg);
	ck_err e;

	if (s && s == r->pending)
		return early_notify(r, s, rq);
	if (!s || s->state == S_NONE) {
		ck_log_info("NOTIFY outside our subscriptions: 481");
		ck_sip_reply(r->q->sip, rq, 481, &e);
		return 0;
	}
	notify_record(r, s, rq, 0);
	return 0;
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
	/* 200, and an alarm's Response in a client transaction of its own
	 * (its answer is collected by collect()) */
	if (ck_event_answer(&r->conf, r->q->sip, rq, r->q->from_uri, r->o->charset, r->j))
		r->notes++;
	emit(r);
}

/* Handles rq; 1 when it is held (not to be freed). */
static int
dispatch(struct run *r, ck_sip_req *rq)
{
	ck_err e;

	if (MSG_IS_NOTIFY(rq->msg))
		return on_notify(r, rq);
	if (MSG_IS_MESSAGE(rq->msg))
		on_message(r, rq);
	else if (!MSG_IS_ACK(rq->msg))
		ck_sip_reply(r->q->sip, rq, 405, &e);
	return 0;
}

/* Takes the transactions that finished: the SUBSCRIBE waited for, and
 * the alarm Responses (the device's answer only logged). */
static void
collect(struct run *r)
{
	osip_message_t *resp;
	uint64_t id;
	ck_err e;

	while (ck_sip_tx_done(r->q->sip, &id, &resp, &e) == 1) {
		if (id == r->wait_id) {
			r->wait_done = 1;
			r->wait_resp = resp;
			r->wait_err = e;
			continue;
		}
		if (!ck_event_confirm_done(&r->conf, id, resp, &e))
			osip_message_free(resp);   /* none other runs; freed all the same */
	}
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
	if (n > 0 && (!r->q->reg || !ck_registrar_handle(r->q->reg, rq)) &&
	    !dispatch(r, rq))
		ck_sip_req_free(rq);
	collect(r);
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
 * rather than leave it retransmitting, for a short while; and give the
 * alarm Responses still unanswered the timeout (-t) to be answered. */
static void
linger(struct run *r)
{
	int64_t t = r->o->timeout_ms > 0 ? r->o->timeout_ms : 5000;
	int64_t now = ck_clock_now_ms(), notes_until = now + (t < 2000 ? t : 2000),
	    conf_until = now + t;
	ck_err e;

	for (;;) {
		size_t waiting = 0;
		for (size_t i = 0; i < r->nsubs; i++)
			waiting += r->subs[i].ending && !r->subs[i].terminated;
		now = ck_clock_now_ms();
		int notes = waiting && now < notes_until,
		    confs = r->conf.n && now < conf_until;
		if (!notes && !confs)
			return;
		if (turn(r, notes && (!confs || notes_until < conf_until) ?
		    notes_until : conf_until, &e) < 0)
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
	osip_message_free(r.wait_resp);
	if (r.out_failed && rc == 0)
		rc = CK_IOERR;
	ck_json_free(r.j);
	return rc;
}
