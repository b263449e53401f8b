/* notifier: device-side GB/T 28181 subscriptions, notifications, alarms. */
#include "gb/notifier.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/sbuf.h"
#include "codec/digest.h"
#include "codec/xml.h"
#include "gb/manscdp.h"
#include "net/net.h"

#define DEFAULT_EXPIRES 3600     /* a SUBSCRIBE without Expires */
#define MAX_EXPIRES 86400
#define MAX_PEND 64              /* NOTIFY/MESSAGE transactions in flight */
#define MAX_ALARMS 16            /* alarms waiting for their confirmation */
#define ALARM_SENDS 3            /* MESSAGEs per alarm before giving up */
#define CHANGES_PER_NOTIFY 16    /* catalog changes per NOTIFY (UDP-sized) */

enum { K_CATALOG, K_ALARM, K_POSITION };
static const char *const kinds[] = { "Catalog", "Alarm", "MobilePosition" };

enum { T_NOTIFY = 1, T_ALARM };

/* What a NOTIFY says of the subscription: active, or ended (by an
 * Expires: 0, or by its expiry: RFC 6665 4.2.2's reason=timeout). */
enum { F_ACTIVE, F_TERMINATED, F_TIMEOUT };

/* One subscription: the dialog the SUBSCRIBE made (we are its UAS). */
struct sub {
	int used, kind;
	unsigned gen;                 /* changes when the slot is reused */
	char call_id[128], local_tag[24], remote_tag[64];
	char local_uri[256], remote_uri[256], target[256];
	char event[128];              /* the Event header, echoed */
	char from[64];                /* subscriber's user part, for records */
	char device_id[64];           /* DeviceID the Query named */
	unsigned long qsn;            /* its SN, echoed in the 200's Response */
	ck_sip_peer peer;
	unsigned cseq;
	int64_t expires_at, next_pos, interval_ms;
	int state_due;                /* the current state is to be notified
	                                 (accepted or refreshed: RFC 6665
	                                 4.2.1.2), at the next tick */
};

struct alarm {
	int used, inflight, sends, last_status;
	unsigned long sn;
	char time[24];
	int64_t raised, next;         /* monotonic ms */
};

struct pend {
	uint64_t tx;
	int type, slot, kind;
	unsigned gen;
	unsigned long sn;             /* T_ALARM */
	unsigned cseq;
	int final;                    /* F_*: a terminated NOTIFY */
	int state;                    /* the current state after a SUBSCRIBE */
	size_t items;
	char from[64];
};

struct ck_notifier {
	ck_notifier_opts o;
	ck_sip *s;
	ck_json *j;
	struct sub *subs;
	int nsubs;
	unsigned gen;
	unsigned long sn;             /* SN of our Notify bodies */
	struct pend pend[MAX_PEND];
	size_t npend;
	struct alarm alarms[MAX_ALARMS];
	int64_t next_alarm, t0;
	char **gens[64];              /* catalogs loaded on reload (owned) */
	size_t gen_n[64], ngens;
};

/* ---- records ---- */

static void
rec_start(ck_notifier *n, const char *type)
{
	ck_json_record(n->j, type);
	ck_json_time_ms(n->j, "ts", ck_clock_wall_ms());
}

static void
emit(ck_notifier *n)
{
	if (n->o.on_record)
		n->o.on_record(n->o.arg, n->j);
	ck_json_reset(n->j);
}

static void
rec_sub(ck_notifier *n, const char *type, const struct sub *x)
{
	rec_start(n, type);
	ck_json_str(n->j, "cmd_type", kinds[x->kind]);
	ck_json_str(n->j, "from", x->from);
	ck_json_str(n->j, "call_id", x->call_id);
}

static void
rec_error(ck_notifier *n, const char *stage, const ck_err *e)
{
	rec_start(n, "error");
	ck_json_str(n->j, "stage", stage);
	ck_json_str(n->j, "error", ck_err_kind_name(e->kind));
	ck_json_str(n->j, "message", e->msg);
	ck_json_int(n->j, "status", e->kind ? e->kind : CK_SOFTWARE);
	emit(n);
	ck_log_warn("%s: %s", stage, e->msg);
}

/* ---- parsing ---- */

int
ck_notifier_event_ok(const char *v, char *pkg, size_t pkglen)
{
	static const char *const ok[] = { "presence", "Catalog", "Alarm",
	    "MobilePosition", NULL };
	size_t a = 0, b;
	if (pkglen)
		pkg[0] = '\0';
	if (v == NULL)
		return 1;
	while (v[a] == ' ' || v[a] == '\t')
		a++;
	for (b = a; v[b] && v[b] != ';'; b++)
		;
	while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
		b--;
	/* "id=1984": only parameters, no package (cameras send that) */
	if (b == a || memchr(v + a, '=', b - a))
		return 1;
	for (int i = 0; ok[i]; i++)
		if (strlen(ok[i]) == b - a && strncasecmp(v + a, ok[i], b - a) == 0) {
			snprintf(pkg, pkglen, "%s", ok[i]);
			return 1;
		}
	return 0;
}

int
ck_notifier_expires(const char *v, int dflt)
{
	long x = 0;
	int digits = 0;
	if (v == NULL)
		return dflt;
	while (*v == ' ' || *v == '\t')
		v++;
	for (; isdigit((unsigned char)*v); v++, digits++)
		if (x < 100000000)
			x = x * 10 + (*v - '0');
	while (*v == ' ' || *v == '\t')
		v++;
	if (digits == 0 || *v)
		return -1;
	return x > MAX_EXPIRES ? MAX_EXPIRES : (int)x;
}

/* The body a builder made for <Response>, with the root renamed <Notify>:
 * a device's Notify has the same shape. The root tags are ASCII and a
 * GB18030 trail byte is never '<', so the swap is byte-safe. */
static void
to_notify(char *b, size_t *len)
{
	char *p = strstr(b, "<Response>"), *q;
	if (p == NULL)
		return;
	memcpy(p, "<Notify>", 8);
	memmove(p + 8, p + 10, *len - (size_t)(p + 10 - b) + 1);
	*len -= 2;
	for (q = NULL, p = b; (p = strstr(p, "</Response>")) != NULL; p++)
		q = p;
	if (q == NULL)
		return;
	memcpy(q, "</Notify>", 9);
	memmove(q + 9, q + 11, *len - (size_t)(q + 11 - b) + 1);
	*len -= 2;
}

static void
local_time(int64_t wall_ms, char *out, size_t outlen)
{
	ck_sip_gb_date(wall_ms, 0, out, outlen);
	if (outlen > 19)
		out[19] = '\0';   /* yyyy-MM-ddTHH:mm:ss, as A.2 writes times */
}

/* ---- transactions ---- */

static struct pend *
pend_add(ck_notifier *n, uint64_t tx, int type)
{
	struct pend *p = &n->pend[n->npend++];
	memset(p, 0, sizeof *p);
	p->tx = tx;
	p->type = type;
	p->slot = -1;
	return p;
}

static void
contact_of(const ck_notifier *n, const ck_sip_peer *p, char *out, size_t outlen)
{
	char host[64];
	if (ck_net_local_addr_toward((const struct sockaddr *)&p->addr, p->addrlen,
	    host, sizeof host) < 0)
		snprintf(host, sizeof host, "127.0.0.1");
	snprintf(out, outlen, strchr(host, ':') ? "sip:%s@[%s]:%d%s" : "sip:%s@%s:%d%s",
	    n->o.id, host, ck_sip_port(n->s),
	    p->transport == CK_SIP_TCP ? ";transport=tcp" : "");
}

static int64_t
deadline(const ck_notifier *n)
{
	return n->o.timeout_ms > 0 ? ck_clock_now_ms() + n->o.timeout_ms : -1;
}

/* Sends a NOTIFY in x's dialog (slot -1: x is not kept); final F_*. 0 or
 * -1 (e). */
static int
notify_send(ck_notifier *n, struct sub *x, int slot, int final, const char *body,
    size_t len, size_t items, int state_of, ck_err *e)
{
	char contact[200], state[64];
	uint64_t tx;
	if (n->npend >= MAX_PEND)
		return ck_err_set(e, CK_TEMPFAIL, "%d transactions in flight", MAX_PEND);
	contact_of(n, &x->peer, contact, sizeof contact);
	ck_sip_reqspec rs = { .method = "NOTIFY", .ruri = x->target, .from = x->local_uri,
	    .to = x->remote_uri, .from_tag = x->local_tag, .call_id = x->call_id,
	    .cseq = ++x->cseq, .contact = contact, .expires = -1,
	    .content_type = body ? CK_SIP_MANSCDP : NULL, .body = body, .body_len = len };
	osip_message_t *m = ck_sip_request_new(n->s, &x->peer, &rs, e);
	if (m == NULL)
		return -1;
	if (final)
		snprintf(state, sizeof state, "terminated%s",
		    final == F_TIMEOUT ? ";reason=timeout" : "");
	else {
		int64_t left = (x->expires_at - ck_clock_now_ms() + 999) / 1000;
		snprintf(state, sizeof state, "active;expires=%lld", (long long)(left > 0 ? left : 0));
	}
	if (x->remote_tag[0])
		osip_to_set_tag(m->to, osip_strdup(x->remote_tag));
	osip_message_set_header(m, "Event", x->event);
	osip_message_set_header(m, "Subscription-State", state);
	if ((tx = ck_sip_tx_start(n->s, &x->peer, m, deadline(n), e)) == 0)
		return -1;
	struct pend *p = pend_add(n, tx, T_NOTIFY);
	p->slot = slot;
	p->gen = x->gen;
	p->kind = x->kind;
	p->cseq = rs.cseq;
	p->final = final;
	p->state = state_of;
	p->items = items;
	snprintf(p->from, sizeof p->from, "%s", x->from);
	return 0;
}

static void
notify_or_report(ck_notifier *n, struct sub *x, int slot, const char *body, size_t len,
    size_t items, int state_of)
{
	ck_err e;
	if (notify_send(n, x, slot, 0, body, len, items, state_of, &e) < 0) {
		rec_sub(n, "notify_failed", x);
		ck_json_str(n->j, "error", e.msg);
		emit(n);
	}
}

static void
sub_free(ck_notifier *n, int slot)
{
	n->subs[slot].used = 0;
	n->nsubs--;
}

/* ---- MobilePosition ---- */

/* The device drives round a 200 m circle at 36 km/h from its --position:
 * plausible motion a platform's map can follow. */
static void
position(const ck_notifier *n, double *lon, double *lat, double *dir)
{
	const double r = 200.0, v = 10.0;
	double t = (double)(ck_clock_now_ms() - n->t0) / 1000.0, th = v * t / r;
	double north = r * sin(th), east = r * (1.0 - cos(th));
	*lat = n->o.lat + north / 111320.0;
	*lon = n->o.lon + east / (111320.0 * cos(n->o.lat * M_PI / 180.0));
	*dir = fmod(th * 180.0 / M_PI, 360.0);
}

static void
position_notify(ck_notifier *n, int slot)
{
	struct sub *x = &n->subs[slot];
	char tm[40], lon[24], lat[24], dir[16];
	double lo, la, di;
	size_t len;
	ck_err e;
	position(n, &lo, &la, &di);
	local_time(ck_clock_wall_ms(), tm, sizeof tm);
	snprintf(lon, sizeof lon, "%.6f", lo);
	snprintf(lat, sizeof lat, "%.6f", la);
	snprintf(dir, sizeof dir, "%.1f", di);
	const char *kv[] = { "Time", tm, "Longitude", lon, "Latitude", lat, "Speed", "36.0",
	    "Direction", dir, "Altitude", "50" };
	char *b = ck_manscdp_response("MobilePosition", ++n->sn,
	    x->device_id[0] ? x->device_id : n->o.id, kv, 12, NULL, &len, &e);
	if (b == NULL) {
		rec_error(n, "notify", &e);
		return;
	}
	to_notify(b, &len);
	notify_or_report(n, x, slot, b, len, 0, 0);
	free(b);
}

/* ---- SUBSCRIBE ---- */

static void
refuse(ck_notifier *n, ck_sip_req *rq, int status, const char *why)
{
	ck_err e;
	osip_message_t *m = ck_sip_response_new(n->s, rq, status, &e);
	if (m) {
		if (status == 489)
			osip_message_set_header(m, "Allow-Events", "presence, Catalog");
		if (status == 503)
			osip_message_set_header(m, "Retry-After", "60");
		ck_sip_send_response(n->s, rq, m, &e);
	}
	rec_start(n, "subscribe_refused");
	ck_json_str(n->j, "from", ck_sip_from_user(rq->msg, 0));
	ck_json_int(n->j, "status", status);
	ck_json_str(n->j, "reason", why);
	emit(n);
}

static int
find_sub(const ck_notifier *n, const char *call_id, const char *from_tag)
{
	for (int i = 0; i < n->o.max_subs; i++)
		if (n->subs[i].used && strcmp(n->subs[i].call_id, call_id) == 0 &&
		    strcmp(n->subs[i].remote_tag, from_tag) == 0)
			return i;
	return -1;
}

static const char *
tag_of(osip_from_t *f)
{
	osip_generic_param_t *t = NULL;
	if (f && osip_from_get_tag(f, &t) >= 0 && t && t->gvalue)
		return t->gvalue;
	return "";
}

/* Fills a new dialog from the SUBSCRIBE (local tag: the 200's To tag). */
static int
dialog_from(ck_notifier *n, struct sub *x, const ck_sip_req *rq, int kind,
    const ck_manscdp *m, const char *event, int expires)
{
	char *u = NULL;
	osip_contact_t *ct = NULL;
	osip_message_t *q = rq->msg;
	memset(x, 0, sizeof *x);
	x->kind = kind;
	x->gen = ++n->gen;
	x->peer = rq->peer;
	x->cseq = 1;
	if (ck_sip_call_id(q, x->call_id, sizeof x->call_id) < 0 ||
	    strlen(tag_of(q->from)) >= sizeof x->remote_tag)
		return -1;
	snprintf(x->remote_tag, sizeof x->remote_tag, "%s", tag_of(q->from));
	snprintf(x->from, sizeof x->from, "%s", ck_sip_from_user(q, 0));
	snprintf(x->event, sizeof x->event, "%s", event);
	if (m) {
		snprintf(x->device_id, sizeof x->device_id, "%s", m->device_id);
		x->qsn = m->sn;
	}
	if (osip_uri_to_str(q->to->url, &u) != 0 || strlen(u) >= sizeof x->local_uri)
		goto bad;
	snprintf(x->local_uri, sizeof x->local_uri, "%s", u);
	osip_free(u);
	if (osip_uri_to_str(q->from->url, &u) != 0 || strlen(u) >= sizeof x->remote_uri)
		goto bad;
	snprintf(x->remote_uri, sizeof x->remote_uri, "%s", u);
	osip_free(u);
	u = NULL;
	/* NOTIFYs go to the Contact (RFC 6665 4.1.1), to the address the
	 * SUBSCRIBE came from (NAT-safe) */
	if (osip_message_get_contact(q, 0, &ct) >= 0 && ct && ct->url &&
	    osip_uri_to_str(ct->url, &u) == 0 && strlen(u) < sizeof x->target)
		snprintf(x->target, sizeof x->target, "%s", u);
	else
		snprintf(x->target, sizeof x->target, "%s", x->remote_uri);
	osip_free(u);
	x->expires_at = ck_clock_now_ms() + (int64_t)expires * 1000;
	if (kind == K_POSITION) {
		const char *iv = m ? ck_manscdp_field(m->root, "Interval") : NULL;
		long s = iv ? strtol(iv, NULL, 10) : 5;
		x->interval_ms = (s >= 1 && s <= 3600 ? s : 5) * 1000;
		x->next_pos = ck_clock_now_ms();   /* the current state at once */
	}
	return 0;
bad:
	osip_free(u);
	return -1;
}

/* 200 with Expires, Event, Contact and the <Response> Result OK; the local
 * tag (for a new dialog) copied to tag. 0 or -1. */
static int
accept_sub(ck_notifier *n, ck_sip_req *rq, const struct sub *x, int expires,
    unsigned long sn, char *tag, size_t taglen)
{
	ck_err e;
	char buf[200];
	size_t len;
	osip_generic_param_t *t = NULL;
	const char *kv[] = { "Result", "OK" };
	osip_message_t *m = ck_sip_response_new(n->s, rq, 200, &e);
	char *b = ck_manscdp_response(kinds[x->kind], sn, x->device_id[0] ? x->device_id :
	    n->o.id, kv, 2, NULL, &len, &e);
	if (m == NULL || b == NULL || osip_to_get_tag(m->to, &t) < 0 || t == NULL ||
	    t->gvalue == NULL) {
		free(b);
		if (m)
			osip_message_free(m);
		return -1;
	}
	snprintf(tag, taglen, "%s", t->gvalue);
	snprintf(buf, sizeof buf, "%d", expires);
	osip_message_set_expires(m, buf);
	osip_message_set_header(m, "Event", x->event);
	contact_of(n, &rq->peer, buf, sizeof buf);
	char ct[210];
	snprintf(ct, sizeof ct, "<%s>", buf);
	osip_message_set_contact(m, ct);
	ck_sip_set_body(m, CK_SIP_MANSCDP, b, len);
	free(b);
	return ck_sip_send_response(n->s, rq, m, &e);
}

static int
kind_of(const char *cmd_type)
{
	for (int k = 0; k < 3; k++)
		if (strcmp(cmd_type, kinds[k]) == 0)
			return k;
	return -1;
}

static void
subscribe(ck_notifier *n, ck_sip_req *rq)
{
	osip_message_t *q = rq->msg;
	const char *ev = ck_sip_header(q, "event"), *to_tag = tag_of(q->to);
	char pkg[32], tag[24];
	int exp = ck_notifier_expires(ck_sip_header(q, "expires"), DEFAULT_EXPIRES), kind = -1;
	size_t blen;
	const char *body = ck_sip_body(q, &blen);
	ck_manscdp m = { 0 };
	ck_err e;
	if (ev == NULL)
		ev = ck_sip_header(q, "o");   /* compact form (RFC 6665 8.2.1) */
	if (!ck_notifier_event_ok(ev, pkg, sizeof pkg)) {
		refuse(n, rq, 489, "event package not supported");
		return;
	}
	if (exp < 0) {
		refuse(n, rq, 400, "Expires is not a number");
		return;
	}
	if (body && ck_manscdp_parse(body, blen, NULL, &m, &e) < 0) {
		refuse(n, rq, 400, e.msg);
		return;
	}
	if (body && (kind = kind_of(m.cmd_type)) < 0) {
		ck_manscdp_free(&m);
		refuse(n, rq, 489, "CmdType is not Catalog, Alarm or MobilePosition");
		return;
	}
	char cid[sizeof n->subs[0].call_id];
	int slot = ck_sip_call_id(q, cid, sizeof cid) < 0 ? -1 : find_sub(n, cid, tag_of(q->from));
	if (slot < 0 && to_tag[0]) {
		ck_manscdp_free(&m);
		refuse(n, rq, 481, "no such subscription");
		return;
	}
	if (slot >= 0) {
		/* a refresh (a platform may resend without the To tag) */
		struct sub *x = &n->subs[slot];
		if (to_tag[0] && strcmp(to_tag, x->local_tag) != 0) {
			ck_manscdp_free(&m);
			refuse(n, rq, 481, "no such subscription");
			return;
		}
		x->peer = rq->peer;
		x->expires_at = ck_clock_now_ms() + (int64_t)exp * 1000;
		if (body)
			x->qsn = m.sn;   /* a refresh may come without a body */
		accept_sub(n, rq, x, exp, x->qsn, tag, sizeof tag);
		if (exp == 0) {
			rec_sub(n, "unsubscribed", x);
			emit(n);
			if (notify_send(n, x, -1, F_TERMINATED, NULL, 0, 0, 0, &e) < 0)
				rec_error(n, "notify", &e);
			sub_free(n, slot);
		} else {
			rec_sub(n, "subscription_refreshed", x);
			ck_json_int(n->j, "expires", exp);
			emit(n);
			if (x->kind == K_POSITION)
				x->next_pos = ck_clock_now_ms();
			else
				x->state_due = 1;
		}
		ck_manscdp_free(&m);
		return;
	}
	if (body == NULL) {
		refuse(n, rq, 400, "SUBSCRIBE without a Query body");
		return;
	}
	if (kind == K_POSITION && !n->o.have_position) {
		ck_manscdp_free(&m);
		refuse(n, rq, 489, "no position (--position)");
		return;
	}
	struct sub tmp, *x = &tmp;
	if (exp > 0) {
		if (n->nsubs >= n->o.max_subs) {
			ck_manscdp_free(&m);
			refuse(n, rq, 503, "too many subscriptions");
			return;
		}
		for (slot = 0; n->subs[slot].used; slot++)
			;
		x = &n->subs[slot];
	}
	if (dialog_from(n, x, rq, kind, &m, ev ? ev : kind == K_CATALOG ? "Catalog" :
	    "presence", exp) < 0) {
		ck_manscdp_free(&m);
		refuse(n, rq, 400, "header too long");
		return;
	}
	if (accept_sub(n, rq, x, exp, m.sn, tag, sizeof tag) < 0) {
		ck_manscdp_free(&m);
		refuse(n, rq, 500, "cannot answer");
		return;
	}
	snprintf(x->local_tag, sizeof x->local_tag, "%s", tag);
	rec_sub(n, exp > 0 ? "subscribed" : "unsubscribed", x);
	ck_json_uint(n->j, "sn", m.sn);
	ck_json_str(n->j, "device_id", m.device_id);
	ck_json_str(n->j, "event", x->event);
	ck_json_int(n->j, "expires", exp);
	if (kind == K_POSITION)
		ck_json_int(n->j, "interval", (long long)(x->interval_ms / 1000));
	emit(n);
	ck_manscdp_free(&m);
	if (exp == 0) {
		/* a fetch, or an unsubscribe for a dialog we do not know: the
		 * terminated NOTIFY RFC 6665 4.2.1.1 asks for */
		if (notify_send(n, x, -1, F_TERMINATED, NULL, 0, 0, 0, &e) < 0)
			rec_error(n, "notify", &e);
		return;
	}
	x->used = 1;
	x->state_due = kind != K_POSITION;   /* positions have their own clock */
	n->nsubs++;
}

/* ---- alarms ---- */

static void
alarm_confirmed(ck_notifier *n, ck_sip_req *rq, const ck_manscdp *m)
{
	const char *res = ck_manscdp_field(m->root, "Result");
	for (int i = 0; i < MAX_ALARMS; i++) {
		struct alarm *a = &n->alarms[i];
		if (!a->used || a->sn != m->sn)
			continue;
		rec_start(n, "alarm_confirmed");
		ck_json_uint(n->j, "sn", a->sn);
		ck_json_str(n->j, "result", res ? res : "");
		ck_json_str(n->j, "from", ck_sip_from_user(rq->msg, 0));
		ck_json_int(n->j, "sends", a->sends);
		ck_json_int(n->j, "after_ms", ck_clock_now_ms() - a->raised);
		ck_json_obj(n->j, "response");
		ck_manscdp_json_fields(m->root, n->j, 1, m);
		ck_json_end(n->j);
		emit(n);
		/* a MESSAGE still in flight is forgotten with it */
		for (size_t k = 0; k < n->npend; k++)
			if (n->pend[k].type == T_ALARM && n->pend[k].sn == a->sn)
				n->pend[k].sn = 0;
		a->used = 0;
		return;
	}
	ck_log_info("alarm Response SN %lu: no such alarm waits", m->sn);
}

/* The alarm's <Notify> (A.2.5.1): a motion-detection video alarm. */
static char *
alarm_body(const ck_notifier *n, const struct alarm *a, size_t *len, ck_err *e)
{
	char lon[24], lat[24];
	double lo = 0, la = 0, di;
	if (n->o.have_position)
		position(n, &lo, &la, &di);
	snprintf(lon, sizeof lon, "%.6f", lo);
	snprintf(lat, sizeof lat, "%.6f", la);
	const char *kv[] = { "AlarmPriority", "3", "AlarmMethod", "5",
	    "AlarmTime", a->time, "AlarmDescription", "运动目标检测报警",
	    "Longitude", lon, "Latitude", lat };
	char *b = ck_manscdp_response("Alarm", a->sn, n->o.id, kv, n->o.have_position ? 12 : 8,
	    "<Info>\r\n<AlarmType>2</AlarmType>\r\n</Info>\r\n", len, e);
	if (b)
		to_notify(b, len);
	return b;
}

static void
alarm_send(ck_notifier *n, struct alarm *a, const ck_notifier_ctx *c)
{
	char from[200];
	size_t len;
	ck_err e;
	uint64_t tx = 0;
	char *b = alarm_body(n, a, &len, &e);
	a->sends++;
	a->next = ck_clock_now_ms() + n->o.confirm_ms;
	snprintf(from, sizeof from, "sip:%s@%s", n->o.id, n->o.domain);
	ck_sip_reqspec rs = { .method = "MESSAGE", .ruri = c->server_uri, .from = from,
	    .expires = -1, .content_type = CK_SIP_MANSCDP, .body = b, .body_len = len };
	osip_message_t *m = b && n->npend < MAX_PEND ?
	    ck_sip_request_new(n->s, c->peer, &rs, &e) : NULL;
	if (b && n->npend >= MAX_PEND)
		ck_err_set(&e, CK_TEMPFAIL, "%d transactions in flight", MAX_PEND);
	free(b);
	if (m)
		tx = ck_sip_tx_start(n->s, c->peer, m, deadline(n), &e);
	if (tx == 0) {
		rec_error(n, "alarm", &e);
		return;
	}
	a->inflight = 1;
	pend_add(n, tx, T_ALARM)->sn = a->sn;
}

static void
alarm_raise(ck_notifier *n, const char *why)
{
	struct alarm *a = NULL;
	for (int i = 0; i < MAX_ALARMS && a == NULL; i++)
		if (!n->alarms[i].used)
			a = &n->alarms[i];
	if (a == NULL) {
		/* the oldest gives way: a platform that never confirms cannot
		 * make the device hold unbounded state */
		a = &n->alarms[0];
		for (int i = 1; i < MAX_ALARMS; i++)
			if (n->alarms[i].raised < a->raised)
				a = &n->alarms[i];
		rec_start(n, "alarm_unconfirmed");
		ck_json_uint(n->j, "sn", a->sn);
		ck_json_int(n->j, "sends", a->sends);
		ck_json_str(n->j, "reason", "too many alarms waiting");
		emit(n);
	}
	memset(a, 0, sizeof *a);
	a->used = 1;
	a->sn = ++n->sn;
	a->raised = a->next = ck_clock_now_ms();
	local_time(ck_clock_wall_ms(), a->time, sizeof a->time);
	int subs = 0;
	size_t len;
	ck_err e;
	char *b = alarm_body(n, a, &len, &e);
	for (int i = 0; b && i < n->o.max_subs; i++)
		if (n->subs[i].used && n->subs[i].kind == K_ALARM) {
			notify_or_report(n, &n->subs[i], i, b, len, 0, 0);
			subs++;
		}
	free(b);
	rec_start(n, "alarm");
	ck_json_uint(n->j, "sn", a->sn);
	ck_json_str(n->j, "trigger", why);
	ck_json_int(n->j, "priority", 3);
	ck_json_int(n->j, "method", 5);
	ck_json_int(n->j, "alarm_type", 2);
	ck_json_str(n->j, "alarm_time", a->time);
	ck_json_int(n->j, "subscribers", subs);
	emit(n);
}

static void
alarms_tick(ck_notifier *n, const ck_notifier_ctx *c, int64_t now)
{
	for (int i = 0; i < MAX_ALARMS; i++) {
		struct alarm *a = &n->alarms[i];
		if (!a->used || a->inflight || now < a->next)
			continue;
		if (a->sends >= ALARM_SENDS) {
			rec_start(n, "alarm_unconfirmed");
			ck_json_uint(n->j, "sn", a->sn);
			ck_json_int(n->j, "sends", a->sends);
			if (a->last_status)
				ck_json_int(n->j, "last_status", a->last_status);
			emit(n);
			a->used = 0;
		} else if (c->registered && c->peer && c->server_uri)
			alarm_send(n, a, c);
		else
			a->next = now + 1000;   /* held until registered; no busy wake */
	}
}

/* ---- catalog changes ---- */

/* Child element name's text of an <Item> string into out ("" if none). */
static void
item_field(const char *item, const char *name, char *out, size_t outlen)
{
	ck_err e;
	ck_xml_doc *d = ck_xml_parse(item, strlen(item), &e);
	const char *v = d ? ck_xml_child_text(ck_xml_root(d), NULL, name) : NULL;
	snprintf(out, outlen, "%s", v ? v : "");
	ck_xml_free(d);
}

/* The item without its <Status> element's content, to tell a Status-only
 * change (ON/OFF) from an UPDATE. Malloc'd. */
static char *
without_status(const char *item)
{
	char *s = strdup(item), *a, *b;
	if (s && (a = strstr(s, "<Status>")) && (b = strstr(a, "</Status>")))
		memmove(a + 8, b, strlen(b) + 1);
	return s;
}

/* An item of a change NOTIFY: the full item with <Event> for ADD and
 * UPDATE, DeviceID and Event for the others. Malloc'd or NULL. */
static char *
change_item(const char *item, const char *id, const char *event)
{
	ck_sbuf b = { 0 };
	const char *end = NULL, *p;
	if (strcmp(event, "ADD") == 0 || strcmp(event, "UPDATE") == 0) {
		for (p = item; (p = strstr(p, "</Item>")) != NULL; p++)
			end = p;
		if (end == NULL)
			return NULL;
		ck_sbuf_addn(&b, item, (size_t)(end - item));
		ck_sbuf_printf(&b, "<Event>%s</Event>\r\n</Item>", event);
	} else {
		ck_sbuf_add(&b, "<Item>\r\n");
		ck_sbuf_elem(&b, "DeviceID", id);
		ck_sbuf_printf(&b, "<Event>%s</Event>\r\n</Item>", event);
	}
	return ck_sbuf_done(&b);
}

struct changes {
	char **v;
	size_t n, cap;
	unsigned long count[5];   /* ADD DEL UPDATE ON OFF */
};

static void
change_add(struct changes *c, char *s, int which)
{
	if (s == NULL)
		return;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		char **v = realloc(c->v, cap * sizeof *v);
		if (v == NULL) {
			free(s);
			return;
		}
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = s;
	c->count[which]++;
}

/* The DeviceID of each item (one parse each), malloc'd array of [64]. */
static char (*ids_of(char **items, size_t n))[64]
{
	char (*ids)[64] = calloc(n ? n : 1, sizeof *ids);
	for (size_t i = 0; ids && i < n; i++)
		item_field(items[i], "DeviceID", ids[i], sizeof ids[i]);
	return ids;
}

static void
diff(char **old, size_t nold, char **nw, size_t nnew, struct changes *c)
{
	char st[16];
	int *seen = calloc(nold ? nold : 1, sizeof *seen);
	char (*oid)[64] = ids_of(old, nold), (*nid)[64] = ids_of(nw, nnew);
	for (size_t i = 0; seen && oid && nid && i < nnew; i++) {
		size_t k;
		for (k = 0; k < nold && (seen[k] || strcmp(nid[i], oid[k]) != 0); k++)
			;
		if (k == nold) {
			change_add(c, change_item(nw[i], nid[i], "ADD"), 0);
			continue;
		}
		seen[k] = 1;
		if (strcmp(nw[i], old[k]) == 0)
			continue;
		char *a = without_status(nw[i]), *b = without_status(old[k]);
		int status_only = a && b && strcmp(a, b) == 0;
		free(a);
		free(b);
		item_field(nw[i], "Status", st, sizeof st);
		if (status_only && (strcasecmp(st, "ON") == 0 || strcasecmp(st, "OFF") == 0)) {
			int on = strcasecmp(st, "ON") == 0;
			change_add(c, change_item(nw[i], nid[i], on ? "ON" : "OFF"), on ? 3 : 4);
		} else
			change_add(c, change_item(nw[i], nid[i], "UPDATE"), 2);
	}
	for (size_t k = 0; seen && oid && nid && k < nold; k++)
		if (!seen[k])
			change_add(c, change_item(old[k], oid[k], "DEL"), 1);
	free(seen);
	free(oid);
	free(nid);
}

/* The changes c to the Catalog subscriber in slot, CHANGES_PER_NOTIFY
 * items per NOTIFY, SumNum all of them (at least one NOTIFY: the state
 * of an empty catalog is news too). */
static void
catalog_notify_one(ck_notifier *n, int slot, const struct changes *c, int state_of)
{
	struct sub *x = &n->subs[slot];
	size_t k = 0;
	do {
		size_t cnt = c->n - k < CHANGES_PER_NOTIFY ? c->n - k : CHANGES_PER_NOTIFY, len;
		ck_err e;
		char *b = ck_manscdp_list_response("Catalog", ++n->sn, n->o.id, c->n,
		    "DeviceList", c->v ? (const char *const *)c->v + k : NULL, cnt, &len, &e);
		if (b == NULL) {
			rec_error(n, "notify", &e);
			return;
		}
		to_notify(b, &len);
		notify_or_report(n, x, slot, b, len, cnt, state_of);
		free(b);
		k += cnt;
	} while (k < c->n);
}

static void
catalog_notify(ck_notifier *n, struct changes *c)
{
	for (int i = 0; i < n->o.max_subs; i++)
		if (n->subs[i].used && n->subs[i].kind == K_CATALOG && c->n > 0)
			catalog_notify_one(n, i, c, 0);
}

/* The current state to a subscriber that was just accepted or refreshed
 * (RFC 6665 4.2.1.2; GB/T 28181-2016 9.11 subscriptions are RFC 6665
 * ones): Catalog, every item of the catalog with Event ADD (the Notify
 * form of A.2.5 change notifications; adding what the platform already
 * has is harmless); Alarm, a NOTIFY without a body (an alarm is an event,
 * not a state: none is pending until one is raised, and an empty body is
 * what RFC 6665 4.2.1.2 allows when there is no meaningful state). */
static void
state_notify(ck_notifier *n, int slot, const ck_notifier_ctx *c)
{
	struct sub *x = &n->subs[slot];
	x->state_due = 0;
	if (x->kind == K_ALARM) {
		notify_or_report(n, x, slot, NULL, 0, 0, 1);
		return;
	}
	struct changes ch = { 0 };
	size_t ni = c && c->items && c->nitems ? *c->nitems : 0;
	char (*ids)[64] = ids_of(ni ? *c->items : NULL, ni);
	for (size_t i = 0; ids && i < ni; i++)
		change_add(&ch, change_item((*c->items)[i], ids[i], "ADD"), 0);
	free(ids);
	if (ch.n == ni)
		catalog_notify_one(n, slot, &ch, 1);
	else {
		ck_err e;
		ck_err_set(&e, CK_SOFTWARE, "out of memory");
		rec_error(n, "notify", &e);
	}
	for (size_t i = 0; i < ch.n; i++)
		free(ch.v[i]);
	free(ch.v);
}

/* A catalog_changed record, and the items that differ NOTIFYed to every
 * Catalog subscriber (Event ADD, DEL, UPDATE, ON/OFF): what a reload and
 * a rename have in common. */
void
ck_notifier_catalog_changed(ck_notifier *n, char **old, size_t nold, char **nw,
    size_t nnew, const char *trigger)
{
	static const char *const names[] = { "added", "deleted", "updated", "on", "off" };
	struct changes ch = { 0 };
	int subs = 0;

	if (n == NULL)
		return;
	diff(old, nold, nw, nnew, &ch);
	rec_start(n, "catalog_changed");
	ck_json_str(n->j, "trigger", trigger);
	ck_json_int(n->j, "items", (long long)nnew);
	for (int i = 0; i < 5; i++)
		ck_json_uint(n->j, names[i], ch.count[i]);
	for (int i = 0; i < n->o.max_subs; i++)
		subs += n->subs[i].used && n->subs[i].kind == K_CATALOG;
	ck_json_int(n->j, "subscribers", ch.n ? subs : 0);
	emit(n);
	catalog_notify(n, &ch);
	for (size_t i = 0; i < ch.n; i++)
		free(ch.v[i]);
	free(ch.v);
}

static void
reload(ck_notifier *n, const ck_notifier_ctx *c)
{
	ck_err e;
	char **items, **old;
	long cnt;
	size_t nold;
	if (n->o.catalog == NULL || c->items == NULL) {
		ck_log_info("SIGHUP: no --catalog to re-read");
		return;
	}
	if (n->ngens == sizeof n->gens / sizeof n->gens[0]) {
		ck_err_set(&e, CK_SOFTWARE, "catalog re-read %zu times: restart to re-read again",
		    n->ngens);
		rec_error(n, "catalog", &e);
		return;
	}
	if ((cnt = ck_manscdp_items_file(n->o.catalog, &items, &e)) < 0) {
		rec_error(n, "catalog", &e);
		return;
	}
	/* answers in flight may still read the old catalog: it is kept */
	n->gens[n->ngens] = items;
	n->gen_n[n->ngens++] = (size_t)cnt;
	old = *c->items;
	nold = *c->nitems;
	*c->items = items;
	*c->nitems = (size_t)cnt;
	ck_notifier_catalog_changed(n, old, nold, items, (size_t)cnt, "reload");
}

/* ---- the hooks ---- */

int
ck_notifier_handle(ck_notifier *n, ck_sip_req *rq, int from_platform)
{
	ck_manscdp m;
	ck_err e;
	size_t blen;
	const char *body;
	if (n == NULL)
		return 0;
	if (MSG_IS_SUBSCRIBE(rq->msg)) {
		subscribe(n, rq);
		ck_sip_req_free(rq);
		return 1;
	}
	if (!MSG_IS_MESSAGE(rq->msg) || (body = ck_sip_body(rq->msg, &blen)) == NULL ||
	    memmem(body, blen, "Response", 8) == NULL || memmem(body, blen, "Alarm", 5) == NULL)
		return 0;
	if (ck_manscdp_parse(body, blen, NULL, &m, &e) < 0)
		return 0;   /* the device answers it (400) */
	if (strcmp(m.kind, "Response") != 0 || strcmp(m.cmd_type, "Alarm") != 0) {
		ck_manscdp_free(&m);
		return 0;
	}
	if (!from_platform) {
		/* anyone else could silence the device's alarms */
		char src[80];
		ck_sip_reply(n->s, rq, 403, &e);
		rec_start(n, "refused");
		ck_json_str(n->j, "cmd_type", "Alarm");
		ck_json_uint(n->j, "sn", m.sn);
		ck_json_str(n->j, "from", ck_sip_from_user(rq->msg, 0));
		ck_json_str(n->j, "source", ck_sip_peer_str(&rq->peer, src, sizeof src));
		ck_json_int(n->j, "status", 403);
		ck_json_str(n->j, "reason", "not the platform the device is registered with");
		emit(n);
	} else {
		ck_sip_reply(n->s, rq, 200, &e);
		alarm_confirmed(n, rq, &m);
	}
	ck_manscdp_free(&m);
	ck_sip_req_free(rq);
	return 1;
}

static void
notify_done(ck_notifier *n, const struct pend *p, int status, const ck_err *e)
{
	int live = p->slot >= 0 && n->subs[p->slot].used && n->subs[p->slot].gen == p->gen;
	rec_start(n, status >= 200 && status < 300 ? "notified" : "notify_failed");
	ck_json_str(n->j, "cmd_type", kinds[p->kind]);
	ck_json_str(n->j, "to", p->from);
	ck_json_uint(n->j, "cseq", p->cseq);
	ck_json_str(n->j, "state", p->final ? "terminated" : "active");
	if (p->final == F_TIMEOUT)
		ck_json_str(n->j, "reason", "timeout");
	if (p->state)
		ck_json_bool(n->j, "current_state", 1);
	if (p->kind == K_CATALOG && !p->final)
		ck_json_uint(n->j, "items", p->items);
	if (status > 0)
		ck_json_int(n->j, "status", status);
	else
		ck_json_str(n->j, "error", e->msg);
	emit(n);
	/* 481: the subscriber forgot the dialog; no answer at all: it is gone.
	 * Either way the subscription ends (RFC 6665 4.2.2). */
	if (live && (status == 481 || status < 0)) {
		rec_sub(n, "subscription_expired", &n->subs[p->slot]);
		ck_json_str(n->j, "reason", status < 0 ? "NOTIFY unanswered" : "481 to NOTIFY");
		emit(n);
		sub_free(n, p->slot);
	}
}

static void
alarm_sent(ck_notifier *n, const struct pend *p, int status, const ck_err *e)
{
	for (int i = 0; p->sn && i < MAX_ALARMS; i++) {
		struct alarm *a = &n->alarms[i];
		if (!a->used || a->sn != p->sn)
			continue;
		a->inflight = 0;
		a->last_status = status;
		if (status < 200 || status >= 300) {
			ck_log_info("alarm %lu: %s", a->sn, status > 0 ? "refused" : e->msg);
			a->next = ck_clock_now_ms();   /* next send at once (counted) */
			if (status > 0)
				a->next += n->o.confirm_ms;
		}
	}
}

int
ck_notifier_finished(ck_notifier *n, uint64_t tx, osip_message_t *resp, const ck_err *e)
{
	size_t i;
	if (n == NULL)
		return 0;
	for (i = 0; i < n->npend && n->pend[i].tx != tx; i++)
		;
	if (i == n->npend)
		return 0;
	struct pend p = n->pend[i];
	int status = resp ? osip_message_get_status_code(resp) : -1;
	n->pend[i] = n->pend[--n->npend];
	if (p.type == T_NOTIFY)
		notify_done(n, &p, status, e);
	else
		alarm_sent(n, &p, status, e);
	if (resp)
		osip_message_free(resp);
	return 1;
}

void
ck_notifier_tick(ck_notifier *n, const ck_notifier_ctx *c)
{
	int64_t now = ck_clock_now_ms();
	if (n == NULL)
		return;
	for (int i = 0; i < n->o.max_subs; i++) {
		struct sub *x = &n->subs[i];
		if (!x->used)
			continue;
		if (now >= x->expires_at) {
			ck_err e;
			rec_sub(n, "subscription_expired", x);
			ck_json_str(n->j, "reason", "timeout");
			emit(n);
			/* the subscriber learns it ended rather than finding out
			 * by a 481 to its next refresh (RFC 6665 4.2.2) */
			if (notify_send(n, x, -1, F_TIMEOUT, NULL, 0, 0, 0, &e) < 0)
				rec_error(n, "notify", &e);
			sub_free(n, i);
		} else if (x->state_due)
			state_notify(n, i, c);
		else if (x->kind == K_POSITION && now >= x->next_pos) {
			x->next_pos = now - x->next_pos < x->interval_ms ?
			    x->next_pos + x->interval_ms : now + x->interval_ms;
			position_notify(n, i);
		}
	}
	if (n->o.reload && *n->o.reload) {
		*n->o.reload = 0;
		reload(n, c);
	}
	if (n->o.raise && *n->o.raise) {
		*n->o.raise = 0;
		alarm_raise(n, "signal");
	}
	if (n->o.alarm_every_ms > 0 && now >= n->next_alarm) {
		n->next_alarm = now + n->o.alarm_every_ms;
		alarm_raise(n, "timer");
	}
	alarms_tick(n, c, now);
}

void
ck_notifier_reset(ck_notifier *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->npend; i++)
		ck_sip_tx_cancel(n->s, n->pend[i].tx);
	n->npend = 0;
	for (int i = 0; i < n->o.max_subs; i++)
		if (n->subs[i].used) {
			rec_sub(n, "subscription_expired", &n->subs[i]);
			ck_json_str(n->j, "reason", "reboot");
			emit(n);
			sub_free(n, i);
		}
	for (int i = 0; i < MAX_ALARMS; i++)
		if (n->alarms[i].used) {
			rec_start(n, "alarm_unconfirmed");
			ck_json_uint(n->j, "sn", n->alarms[i].sn);
			ck_json_int(n->j, "sends", n->alarms[i].sends);
			ck_json_str(n->j, "reason", "reboot");
			emit(n);
			n->alarms[i].used = 0;
		}
}

int64_t
ck_notifier_wake(const ck_notifier *n, int64_t w)
{
	if (n == NULL)
		return w;
	for (int i = 0; i < n->o.max_subs; i++) {
		const struct sub *x = &n->subs[i];
		if (!x->used)
			continue;
		if (x->expires_at < w)
			w = x->expires_at;
		if (x->kind == K_POSITION && x->next_pos < w)
			w = x->next_pos;
		if (x->state_due)
			w = ck_clock_now_ms();
	}
	if (n->o.alarm_every_ms > 0 && n->next_alarm < w)
		w = n->next_alarm;
	for (int i = 0; i < MAX_ALARMS; i++)
		if (n->alarms[i].used && !n->alarms[i].inflight && n->alarms[i].next < w)
			w = n->alarms[i].next;
	return w;
}

ck_notifier *
ck_notifier_new(ck_sip *s, const ck_notifier_opts *o, ck_err *e)
{
	ck_notifier *n = calloc(1, sizeof *n);
	if (n == NULL || (n->j = ck_json_new()) == NULL) {
		free(n);
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	n->o = *o;
	n->s = s;
	if (n->o.max_subs <= 0)
		n->o.max_subs = CK_NOTIFIER_MAX_SUBS;
	if (n->o.confirm_ms <= 0)
		n->o.confirm_ms = 5000;
	if ((n->subs = calloc((size_t)n->o.max_subs, sizeof *n->subs)) == NULL) {
		ck_notifier_free(n);
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	n->t0 = ck_clock_now_ms();
	n->next_alarm = n->t0 + n->o.alarm_every_ms;
	return n;
}

void
ck_notifier_free(ck_notifier *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->npend; i++)
		ck_sip_tx_cancel(n->s, n->pend[i].tx);
	for (size_t g = 0; g < n->ngens; g++) {
		for (size_t i = 0; i < n->gen_n[g]; i++)
			free(n->gens[g][i]);
		free(n->gens[g]);
	}
	free(n->subs);
	ck_json_free(n->j);
	free(n);
}
