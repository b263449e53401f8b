#include "base/clock.h"
#include "gb/query.h"

#include <stdio.h>
#include <string.h>
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
	static const char *const names[] = { "", "registered", "refreshed",
	    "unregistered", "expired", "keepalive", "offline", "auth failed" };
	const char *n = ev->type >= 1 && ev->type <= 7 ? names[ev->type] : "?";

	(void)arg;
	if (ev->type == CK_REG_AUTH_FAILED)
		ck_log_warn("registrar: %s from %s: %s", ev->dev ? ev->dev->id : "?",
		    ev->dev ? ev->dev->source : "?", ev->reason ? ev->reason : "");
	else
		ck_log_info("registrar: %s %s (%s %s)", ev->dev ? ev->dev->id : "?", n,
		    ev->dev ? ck_sip_transport_name(ev->dev->peer.transport) : "",
		    ev->dev ? ev->dev->source : "");
}

static int
open_direct(ck_query *q, const ck_query_opts *o, const char *fid, const char *fdom,
    ck_err *e)
{
	char host[256];
	int port;
	ck_sip_opts so = { .port = o->local_port, .udp = 1 };

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
