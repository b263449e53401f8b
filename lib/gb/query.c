#include "base/clock.h"
#include "gb/query.h"

#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>

#include "base/log.h"
#include "base/opt.h"

int
ck_query_split_uri(const char *s, char *id, size_t idlen, char *host,
    size_t hostlen, int *port)
{
	const char *at;
	ck_err e;

	if (strncasecmp(s, "sip:", 4) != 0)
		return 0;
	s += 4;
	if (!(at = strchr(s, '@')) || at == s || (size_t)(at - s) >= idlen ||
	    strchr(at + 1, '@') || strchr(s, ';'))
		return 0;
	snprintf(id, idlen, "%.*s", (int)(at - s), s);
	if (ck_opt_parse_hostport(at + 1, host, hostlen, port, 5060, &e) < 0 ||
	    !host[0])
		return 0;
	return 1;
}

/* "ID@DOMAIN" -> id, domain. */
static int
split_from(const char *from, char *id, size_t idlen, char *dom, size_t domlen,
    ck_err *e)
{
	const char *at = strchr(from, '@');

	if (!at || at == from || !at[1] || (size_t)(at - from) >= idlen ||
	    strlen(at + 1) >= domlen)
		return ck_err_set(e, CK_USAGE, "--from '%s' is not ID@DOMAIN", from);
	snprintf(id, idlen, "%.*s", (int)(at - from), from);
	snprintf(dom, domlen, "%s", at + 1);
	return 0;
}

static void
on_reg(void *arg, const ck_registrar_event *ev)
{
	(void)arg;
	if (ev->type == CK_REG_AUTH_FAILED)
		ck_log_warn("registrar: %s from %s: %s", ev->dev ? ev->dev->id : "?",
		    ev->dev ? ev->dev->source : "?", ev->reason ? ev->reason : "");
	else if (ev->type == CK_REG_AUTH_SUPPRESSED)
		ck_log_warn("registrar: %lu more refusals from %s not logged (rate limit)",
		    ev->suppressed, ev->dev && ev->dev->source[0] ? ev->dev->source :
		    "other addresses");
	else
		ck_log_info("registrar: %s %s (%s %s)", ev->dev ? ev->dev->id : "?",
		    ck_registrar_event_name(ev->type),
		    ev->dev ? ck_sip_transport_name(ev->dev->peer.transport) : "",
		    ev->dev ? ev->dev->source : "");
}

static int
open_direct(ck_query *q, const ck_query_opts *o, const char *fid, const char *fdom,
    ck_err *e)
{
	char host[256];
	int port;
	ck_sip_opts so = { .port = o->local_port, .udp = 1,
	    .tcp_listen = o->tcp && o->tcp_accept };

	if (so.tcp_listen) {
		so.max_conns = CK_QUERY_ACCEPT_CONNS;
		so.tcp_per_source = CK_QUERY_ACCEPT_PER_SOURCE;
	}

	if (!ck_query_split_uri(o->target, q->device_id, sizeof q->device_id, host,
	    sizeof host, &port))
		return ck_err_set(e, CK_USAGE, "'%s' is not sip:ID@HOST[:PORT]",
		    o->target);
	if (!(q->sip = ck_sip_open(&so, e)))
		return -1;
	if (o->tcp) {
		if (ck_sip_connect(q->sip, host, port, ck_clock_now_ms() +
		    (o->connect_ms > 0 ? o->connect_ms : 5000), &q->peer, e) < 0)
			return -1;
	} else if (ck_sip_peer_udp(q->sip, host, port, &q->peer, e) < 0)
		return -1;
	snprintf(q->ruri, sizeof q->ruri, "%s", o->target);
	ck_sip_peer_str(&q->peer, q->source, sizeof q->source);
	(void)fid, (void)fdom;
	return 0;
}

static int
open_await(ck_query *q, const ck_query_opts *o, const char *fdom, ck_err *e)
{
	char host[256];
	int port;
	ck_registrar_device dev;
	ck_sip_opts so = { .udp = 1, .tcp_listen = 1 };
	ck_registrar_opts ro = { .domain = o->domain ? o->domain : fdom,
	    .password = o->password, .password_file = o->passwords_file,
	    .allow = o->allow, .sha256 = o->sha256, .on_event = on_reg };

	if (ck_opt_parse_listen(o->listen, host, sizeof host, &port, 5060, e) < 0)
		return ck_err_wrap(e, "--await-register");
	so.bind_addr = host, so.port = port;
	if (!(q->sip = ck_sip_open(&so, e)) ||
	    !(q->reg = ck_registrar_new(q->sip, &ro, e)))
		return -1;
	ck_log_info("registrar listening on port %d (udp and tcp), domain %s",
	    ck_sip_port(q->sip), ro.domain);
	if (o->on_listening)
		o->on_listening(o->listening_arg, ck_sip_port(q->sip));
	if (ck_registrar_await(q->reg, o->device_id, o->wait_ms < 0 ? -1 :
	    ck_clock_now_ms() + o->wait_ms, &dev, e) < 0) {
		if (e->kind == CK_TEMPFAIL)
			ck_err_set(e, CK_TEMPFAIL, "no device registered within "
			    "%lld ms", (long long)o->wait_ms);
		return -1;
	}
	q->peer = dev.peer;
	snprintf(q->device_id, sizeof q->device_id, "%s", dev.id);
	snprintf(q->source, sizeof q->source, "%s", dev.source);
	snprintf(q->ruri, sizeof q->ruri, "sip:%s@%s", dev.id, dev.source);
	ck_log_info("device %s is at %s over %s", dev.id, dev.source,
	    ck_sip_transport_name(dev.peer.transport));
	return 0;
}

int
ck_query_open(ck_query *q, const ck_query_opts *o, ck_err *e)
{
	char fid[64], fdom[128];
	int rc;

	memset(q, 0, sizeof *q);
	if (split_from(o->from ? o->from : CK_GB_DEFAULT_FROM, fid, sizeof fid,
	    fdom, sizeof fdom, e) < 0)
		return -1;
	snprintf(q->from_uri, sizeof q->from_uri, "sip:%s@%s", fid, fdom);
	rc = o->listen ? open_await(q, o, fdom, e) : open_direct(q, o, fid, fdom, e);
	if (rc < 0) {
		ck_query_close(q);
		return -1;
	}
	/* The To of a request to a device names it in our domain, as
	 * platforms do (sip:ID@DOMAIN). */
	snprintf(q->to_uri, sizeof q->to_uri, "sip:%s@%s", q->device_id, fdom);
	return 0;
}

void
ck_query_close(ck_query *q)
{
	if (q->reg)
		ck_registrar_free(q->reg);
	if (q->sip)
		ck_sip_close(q->sip);
	q->reg = NULL;
	q->sip = NULL;
}

int
ck_query_message(ck_query *q, const void *body, size_t len, int64_t deadline,
    int *status, char *reason, size_t reasonlen, ck_err *e)
{
	ck_sip_reqspec rs = { .method = "MESSAGE", .ruri = q->ruri,
	    .from = q->from_uri, .to = q->to_uri, .expires = -1,
	    .content_type = CK_SIP_MANSCDP, .body = body, .body_len = len };
	osip_message_t *req, *resp = NULL;
	const char *rp;

	if (!(req = ck_sip_request_new(q->sip, &q->peer, &rs, e)))
		return -1;
	if (ck_sip_send_request(q->sip, &q->peer, req, deadline, &resp, e) < 0)
		return -1;
	*status = osip_message_get_status_code(resp);
	rp = osip_message_get_reason_phrase(resp);
	snprintf(reason, reasonlen, "%s", rp ? rp : "");
	osip_message_free(resp);
	return 0;
}

int
ck_query_next_message(ck_query *q, int64_t deadline, ck_sip_req **out, ck_err *e)
{
	for (;;) {
		ck_sip_req *rq = NULL;
		int64_t until = ck_clock_now_ms() + 1000;
		int n;

		if (deadline >= 0 && until > deadline)
			until = deadline;
		n = ck_sip_next_request(q->sip, until, &rq, e);
		if (n < 0)
			return -1;
		if (q->reg)
			ck_registrar_tick(q->reg);
		if (n == 0) {
			if (deadline >= 0 && ck_clock_now_ms() >= deadline)
				return 0;
			continue;
		}
		if (q->reg && ck_registrar_handle(q->reg, rq))
			continue;
		if (!MSG_IS_MESSAGE(rq->msg)) {
			ck_err e2;
			ck_sip_reply(q->sip, rq, 405, &e2);
			ck_sip_req_free(rq);
			continue;
		}
		*out = rq;
		return 1;
	}
}

/* 1 if m answers x: a Response (or a Notify, as some devices answer an
 * Alarm or MobilePosition query) with x's SN and CmdType. The DeviceID is
 * not compared: a channel answers with its own. */
static int
answers(const ck_query_xchg *x, const ck_manscdp *m)
{
	return (!strcmp(m->kind, "Response") || !strcmp(m->kind, "Notify")) &&
	    m->has_sn && m->sn == x->sn && !strcasecmp(m->cmd_type, x->cmd_type);
}

/* Answers one incoming MESSAGE with 200; returns what on_answer said for
 * a matching one (1 complete), else 0. */
static int
exchange_one(ck_query *q, ck_query_xchg *x, ck_sip_req *rq, int64_t t0)
{
	size_t len;
	const char *body = ck_sip_body(rq->msg, &len);
	ck_manscdp m;
	ck_err e;
	int done = 0;

	ck_sip_reply(q->sip, rq, 200, &e);
	if (!body || len == 0) {
		ck_log_info("MESSAGE without a body ignored");
		return 0;
	}
	if (ck_manscdp_parse(body, len, x->charset, &m, &e) < 0) {
		ck_log_warn("answer from %s: %s", q->source, e.msg);
		x->malformed++;
		return 0;
	}
	if (answers(x, &m)) {
		x->answers++;
		done = x->on_answer(x->arg, &m, body, len);
		if (done)
			x->answer_ms = ck_clock_now_ms() - t0;
	} else
		ck_log_info("ignored %s %s SN %lu from %s", m.kind, m.cmd_type,
		    m.sn, m.device_id);
	ck_manscdp_free(&m);
	return done;
}

int
ck_query_exchange(ck_query *q, const void *body, size_t len, ck_query_xchg *x,
    ck_err *e)
{
	int64_t t0 = ck_clock_now_ms(), deadline;
	ck_sip_req *rq;
	int n;

	x->answers = x->malformed = 0;
	x->answer_ms = -1;
	if (ck_query_message(q, body, len, t0 + x->timeout_ms, &x->status,
	    x->reason, sizeof x->reason, e) < 0)
		return -1;
	x->rtt_ms = ck_clock_now_ms() - t0;
	if (!x->await || x->status < 200 || x->status > 299)
		return 0;
	deadline = ck_clock_now_ms() + x->timeout_ms;
	for (;;) {
		if ((n = ck_query_next_message(q, deadline, &rq, e)) < 0)
			return -1;
		if (n == 0)
			break;
		int before = x->answers, done = exchange_one(q, x, rq, t0);
		ck_sip_req_free(rq);
		if (done)
			return 0;
		if (x->answers > before)   /* idle time counts from the last one */
			deadline = ck_clock_now_ms() + x->timeout_ms;
	}
	if (x->answers == 0 && x->malformed)
		return ck_err_set(e, CK_DATAERR, "no %s response within %lld ms, only "
		    "malformed ones", x->cmd_type, (long long)x->timeout_ms);
	if (x->answers == 0)
		return ck_err_set(e, CK_TEMPFAIL, "no %s response (SN %lu) within "
		    "%lld ms of the SIP %d", x->cmd_type, x->sn,
		    (long long)x->timeout_ms, x->status);
	return ck_err_set(e, CK_TEMPFAIL, "partial %s answer, then nothing for "
	    "%lld ms", x->cmd_type, (long long)x->timeout_ms);
}

#define MAX_ITEMS 100000

int
ck_query_is_list(const char *t)
{
	return !strcmp(t, "Catalog") || !strcmp(t, "RecordInfo") ||
	    !strcmp(t, "PresetQuery");
}

/* 1 if key was new (and remembered), 0 if seen, -1 when full. */
static int
remember(ck_query_list *l, const char *key)
{
	size_t i;
	char **k;

	for (i = 0; i < l->nkeys; i++)
		if (!strcmp(l->keys[i], key))
			return 0;
	if (l->nkeys >= MAX_ITEMS ||
	    !(k = realloc(l->keys, (l->nkeys + 1) * sizeof *k)))
		return -1;
	l->keys = k;
	if (!(k[l->nkeys] = strdup(key)))
		return -1;
	l->nkeys++;
	return 1;
}

static void
record_head(ck_query_list *l, const ck_manscdp *m, const char *type)
{
	ck_json_record(l->j, type);
	ck_json_str(l->j, "cmd_type", m->cmd_type);
	ck_json_str(l->j, "device_id", m->device_id);
	ck_json_uint(l->j, "sn", m->sn);
	if (m->sumnum >= 0)
		ck_json_int(l->j, "sum_num", m->sumnum);
}

static void
emit(ck_query_list *l)
{
	if (l->out)
		ck_json_emit(l->j, l->out);
	else
		ck_json_reset(l->j);
}

int
ck_query_take(ck_query_list *l, const ck_manscdp *m)
{
	const ck_xml_node *it;
	const char *res = ck_manscdp_field(m->root, "Result");

	if (res && !strcasecmp(res, "ERROR"))
		l->refused = 1;
	if (!ck_query_is_list(l->cmd_type) &&
	    !(m->sumnum >= 0 && ck_manscdp_next_item(m, NULL))) {
		record_head(l, m, "response");
		ck_json_obj(l->j, "fields");
		ck_manscdp_json_fields(m->root, l->j, 1, NULL);
		emit(l);
		return 1;
	}
	if (m->sumnum >= 0)
		l->sumnum = m->sumnum;
	for (it = ck_manscdp_next_item(m, NULL); it;
	    it = ck_manscdp_next_item(m, it)) {
		const char *id = ck_manscdp_field(it, "DeviceID");
		int fresh;

		/* Catalog items are unique by DeviceID; records, presets and the
		 * rest by their whole content. */
		if (!strcmp(l->cmd_type, "Catalog") && id && *id)
			fresh = remember(l, id);
		else {
			size_t sl;
			const char *src = ck_xml_src(m->doc, &sl);
			char *key = strndup(src + it->src_off, it->src_len);
			fresh = key ? remember(l, key) : -1;
			free(key);
		}
		if (fresh < 0) {
			ck_log_warn("too many items; stopping at %zu", l->nkeys);
			l->full = 1;
			return 1;
		}
		if (!fresh) {
			ck_log_info("duplicate item %s dropped", id ? id : "");
			continue;
		}
		record_head(l, m, "item");
		ck_json_obj(l->j, "item");
		ck_manscdp_json_fields(it, l->j, 0, NULL);
		emit(l);
	}
	if (l->sumnum < 0)
		return 1;   /* no SumNum: one response is the whole answer */
	return (long)l->nkeys >= l->sumnum;
}

void
ck_query_list_free(ck_query_list *l)
{
	while (l->nkeys > 0)
		free(l->keys[--l->nkeys]);
	free(l->keys);
	l->keys = NULL;
}

struct ask {
	const ck_query_askspec *a;
	ck_query_list l;
};

static int
ask_answer(void *arg, const ck_manscdp *m, const char *raw, size_t len)
{
	struct ask *k = arg;

	if (k->a->raw)
		k->a->raw(k->a->arg, raw, len);
	return ck_query_take(&k->l, m);
}

int
ck_query_ask(ck_query *q, const void *body, size_t len,
    const ck_query_askspec *a, ck_err *e)
{
	struct ask k = { .a = a, .l = { .cmd_type = a->cmd_type, .out = a->out,
	    .sumnum = -1 } };
	ck_query_xchg x = { .cmd_type = a->cmd_type, .sn = a->sn, .await = 1,
	    .charset = a->charset, .timeout_ms = a->timeout_ms,
	    .on_answer = ask_answer, .arg = &k };
	int rc = 0;

	ck_err_clear(e);
	if (!(k.l.j = ck_json_new()))
		return ck_err_set(e, CK_SOFTWARE, "out of memory"), CK_SOFTWARE;
	if (ck_query_exchange(q, body, len, &x, e) < 0)
		rc = e->kind ? e->kind : CK_SOFTWARE;
	else if (x.status < 200 || x.status > 299) {
		ck_err_set(e, x.status == 401 || x.status == 403 || x.status == 407 ?
		    CK_NOPERM : CK_PROTO, "%s answered %d %s to the %s query",
		    q->device_id, x.status, x.reason, a->cmd_type);
		rc = e->kind;
	} else if (k.l.refused) {
		ck_err_set(e, CK_PROTO, "%s answered the %s query with Result ERROR",
		    q->device_id, a->cmd_type);
		rc = CK_PROTO;
	} else if (ck_query_is_list(a->cmd_type) && k.l.nkeys == 0) {
		ck_err_set(e, CK_EMPTY, "the %s is empty", a->cmd_type);
		rc = CK_EMPTY;
	}
	if (rc == CK_TEMPFAIL && x.answers > 0 && k.l.sumnum >= 0)
		ck_err_set(e, CK_TEMPFAIL, "partial answer: %zu of %ld items, then "
		    "nothing for %lld ms", k.l.nkeys, k.l.sumnum,
		    (long long)a->timeout_ms);
	ck_query_list_free(&k.l);
	ck_json_free(k.l.j);
	return rc;
}
