/* subscription: the ONVIF event subscription client (see subscription.h). */
#include "onvif/subscription.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "base/clock.h"
#include "base/log.h"
#include "codec/json.h"
#include "net/evhttp.h"
#include "net/net.h"

#define NSEEN 128
#define NRECENT 256

struct ck_subscription {
	ck_subscription_opts so;
	int trust_xaddrs;
	ck_onvif *c;         /* control requests */
	ck_onvif *pc;        /* PullMessages (longer HTTP timeout) */
	ck_evhttp *lis;
	char consumer[300];  /* http://host:port/ of the listener */
	unsigned gen;        /* push: subscription number, in the consumer path */
	int gen_seen;        /* a Notify for gen arrived */
	int from;            /* push: 0 current subscription, 1 the replaced one */
	char *seen[NSEEN];   /* fingerprints heard from the replaced one */
	unsigned nseen;
	char *recent[NRECENT];  /* push: fingerprints delivered lately */
	unsigned nrecent;
	char token[33];      /* push: the unguessable part of the consumer path */
	char camera[64];     /* push: the only address Notifies come from */
	ck_events_sub sub;
	int subscribed;
	char sub_url[1024];  /* sub.address after XAddr rewriting */
	int64_t renew_at;    /* monotonic */
	const ck_subscription_hooks *h;   /* during a wait */
};

static int
is_done(const ck_subscription_hooks *h)
{
	return h && h->done && h->done(h->ctx);
}

ck_subscription *
ck_subscription_new(const ck_onvif_target *t, const ck_onvif_opts *o,
    const ck_cred *cred, const ck_subscription_opts *so, ck_err *e)
{
	ck_subscription *s = calloc(1, sizeof *s);
	ck_onvif_opts po = *o;

	if (s == NULL) {
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	s->so = *so;
	s->trust_xaddrs = o->trust_xaddrs;
	if (so->push) {
		unsigned char r[16];
		/* a path nobody can guess: a Notify elsewhere is not ours */
		if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
			ck_err_set(e, CK_SOFTWARE, "getrandom failed");
			goto fail;
		}
		for (size_t i = 0; i < sizeof r; i++)
			snprintf(s->token + 2 * i, 3, "%02x", r[i]);
	}
	if ((s->c = ck_onvif_new(t, o, cred, e)) == NULL)
		goto fail;
	if (so->push) {
		if ((s->lis = ck_evhttp_listen(so->push_host, so->push_port, e)) == NULL)
			goto fail;
		snprintf(s->consumer, sizeof s->consumer, strchr(so->push_host, ':')
		    ? "http://[%s]:%d/" : "http://%s:%d/", so->push_host,
		    ck_evhttp_port(s->lis));
		ck_log_info("listening for notifications at %s", s->consumer);
	} else {
		/* PullMessages holds the request for up to the pull timeout */
		po.timeout_ms = o->timeout_ms + (long)so->pull_ms;
		if ((s->pc = ck_onvif_new(t, &po, cred, e)) == NULL)
			goto fail;
	}
	return s;
fail:
	ck_subscription_free(s);
	return NULL;
}

static void
forget_seen(ck_subscription *s)
{
	for (unsigned k = 0; k < NSEEN; k++) {
		free(s->seen[k]);
		s->seen[k] = NULL;
	}
	s->nseen = 0;
}

static void
forget_recent(ck_subscription *s)
{
	for (unsigned k = 0; k < NRECENT; k++) {
		free(s->recent[k]);
		s->recent[k] = NULL;
	}
	s->nrecent = 0;
}

static void
drop_sub(ck_subscription *s)
{
	ck_events_sub_clear(&s->sub);
	s->subscribed = 0;
}

void
ck_subscription_free(ck_subscription *s)
{
	if (s == NULL)
		return;
	forget_seen(s);
	forget_recent(s);
	drop_sub(s);
	ck_evhttp_free(s->lis);
	ck_onvif_free(s->pc);
	ck_onvif_free(s->c);
	free(s);
}

ck_onvif *
ck_subscription_client(ck_subscription *s)
{
	return s->c;
}

const char *
ck_subscription_device(const ck_subscription *s)
{
	return ck_onvif_get_target(s->c)->url;
}

/* A notification's identity: topic and source (the key), UtcTime and data;
 * NULL without a UtcTime (nothing tells two such apart). */
static char *
fingerprint(const ck_events_msg *m)
{
	char *key = ck_events_msg_key(m), *fp;
	size_t i, n;

	if (!key || !m->utc)
		return free(key), NULL;
	n = strlen(key) + strlen(m->utc) + 2;
	for (i = 0; i < m->ndata; i++)
		n += strlen(m->data[i].name) + strlen(m->data[i].value) + 2;
	fp = malloc(n);
	if (!fp)
		return free(key), NULL;
	snprintf(fp, n, "%s\n%s", key, m->utc);
	for (i = 0; i < m->ndata; i++) {
		strcat(fp, "\n");
		strcat(fp, m->data[i].name);
		strcat(fp, "=");
		strcat(fp, m->data[i].value);
	}
	free(key);
	return fp;
}

int
ck_subscription_topics(ck_onvif *c, void (*cb)(void *arg, const char *topic,
    const char *ns, const ck_xml_node *descr), void *arg, ck_err *e)
{
	ck_soap_resp resp;
	char *body = ck_events_body_get_properties();
	int n, rc;

	if (body == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	rc = ck_onvif_call(c, "events", body, &resp, e);
	free(body);
	if (rc < 0)
		return -1;
	if (!resp.first || strcmp(resp.first->name, "GetEventPropertiesResponse")) {
		ck_soap_resp_free(&resp);
		return ck_err_set(e, CK_PROTO, "expected GetEventPropertiesResponse");
	}
	n = ck_events_topics(resp.first, cb, arg, e);
	ck_soap_resp_free(&resp);
	return n;
}

/* Push: a camera that got no timely answer sends the Notify again. What
 * was delivered lately is remembered and a repeat dropped. Returns 1 for a
 * repeat. */
static int
retransmission(ck_subscription *s, const ck_events_msg *m)
{
	char *fp = fingerprint(m);
	unsigned k;

	if (fp == NULL)
		return 0;
	for (k = 0; k < NRECENT; k++)
		if (s->recent[k] && strcmp(s->recent[k], fp) == 0) {
			ck_log_info("%s at %s again (a retransmission); printed once",
			    m->topic, m->utc);
			free(fp);
			return 1;
		}
	k = s->nrecent++ % NRECENT;
	free(s->recent[k]);
	s->recent[k] = fp;
	return 0;
}

/* Push, while one subscription replaces another: both may send the same
 * notification. What the replaced one sent is remembered, and the new one's
 * copy dropped. Returns 1 for such a copy. */
static int
transition_dup(ck_subscription *s, const ck_events_msg *m)
{
	char *fp = fingerprint(m);
	unsigned k;

	if (fp == NULL)
		return 0;
	if (s->from == 1) {
		k = s->nseen++ % NSEEN;
		free(s->seen[k]);
		s->seen[k] = fp;
		return 0;
	}
	for (k = 0; k < NSEEN; k++)
		if (s->seen[k] && strcmp(s->seen[k], fp) == 0) {
			ck_log_info("%s at %s came from both subscriptions; printed once",
			    m->topic, m->utc);
			free(fp);
			return 1;
		}
	free(fp);
	return 0;
}

/* Parses the NotificationMessages under container and delivers them. */
static int
deliver_all(ck_subscription *s, const ck_subscription_hooks *h,
    const ck_xml_node *container, ck_err *e)
{
	ck_events_msg *m;
	size_t n, i;
	int64_t rx = ck_clock_wall_ms();

	if (ck_events_parse_msgs(container, &m, &n, e) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s->so.push && (transition_dup(s, &m[i]) || retransmission(s, &m[i])))
			continue;
		if (h->deliver(h->ctx, &m[i], rx))
			break;
	}
	ck_events_msgs_free(m, n);
	return 0;
}

/* WS-Addressing headers for requests to the subscription manager: To, and
 * the reference parameters the device gave us. */
static char *
sub_header(const ck_subscription *s, const char *action)
{
	char *to = ck_xml_escape(s->sub_url), *hd;
	size_t n;

	if (!to)
		return NULL;
	n = strlen(to) + strlen(action) + (s->sub.refparams ? strlen(s->sub.refparams) : 0)
	    + 256;
	hd = malloc(n);
	if (hd)
		snprintf(hd, n, "<wsa:Action xmlns:wsa=\"" CK_NS_WSA "\">%s</wsa:Action>"
		    "<wsa:To xmlns:wsa=\"" CK_NS_WSA "\">%s</wsa:To>%s", action, to,
		    s->sub.refparams ? s->sub.refparams : "");
	free(to);
	return hd;
}

/* A request to the subscription manager; reply element checked by name. */
static int
sub_request(ck_subscription *s, ck_onvif *c, const char *action, char *body,
    const char *want, ck_soap_resp *resp, ck_err *e)
{
	char *hdr = sub_header(s, action);
	ck_onvif_req q = { NULL, s->sub_url, hdr, body, 0 };
	int rc;

	if (!hdr || !body) {
		free(hdr);
		free(body);
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	}
	rc = ck_onvif_request(c, &q, resp, NULL, e);
	free(hdr);
	free(body);
	if (rc < 0)
		return -1;
	if (!resp->first || strcmp(resp->first->name, want) != 0) {
		ck_soap_resp_free(resp);
		return ck_err_set(e, CK_PROTO, "expected %s in the reply", want);
	}
	return 0;
}

/* Sets renew_at from what the device granted. */
static void
schedule_renew(ck_subscription *s, int64_t cur, int64_t term)
{
	int64_t granted = s->so.term_ms, delay;

	if (term >= 0) {
		int64_t now_dev = cur >= 0 ? cur : ck_clock_wall_ms() + ck_onvif_offset_ms(s->c);
		granted = term - now_dev;
	}
	if (granted < 1000)
		granted = 1000;
	/* At 80%, but a second before the end at least: devices give times to
	 * the second and our idea of their clock is no better. */
	delay = granted * 8 / 10;
	if (granted - delay < 1000)
		delay = granted - 1000 > granted / 2 ? granted - 1000 : granted / 2;
	s->renew_at = ck_clock_now_ms() + delay;
	ck_log_info("subscription granted for %lld ms; renewing in %lld ms",
	    (long long)granted, (long long)delay);
}

/* The address the camera's Notifies must come from: push_from, else the
 * target's (resolved now: it may have moved since the last subscription). */
static int
camera_address(ck_subscription *s, ck_err *e)
{
	const ck_onvif_target *t = ck_onvif_get_target(s->c);
	struct sockaddr_storage ss;
	socklen_t sl;
	int port;

	if (ck_net_resolve(s->so.push_from ? s->so.push_from : t->host, t->port,
	    AF_UNSPEC, SOCK_STREAM, &ss, &sl, e) < 0)
		return ck_err_wrap(e, "push");
	ck_net_addr_split((struct sockaddr *)&ss, s->camera, sizeof s->camera, &port);
	return 0;
}

int
ck_subscription_subscribe(ck_subscription *s, ck_err *e)
{
	const ck_subscription_opts *so = &s->so;
	const char *want = so->push ? "SubscribeResponse" :
	    "CreatePullPointSubscriptionResponse";
	char term[32], consumer[340];
	ck_soap_resp resp;
	int pass;

	ck_events_fmt_duration(so->term_ms, term);
	/* Each push subscription has its own consumer path, so that Notifies
	 * from one we replaced (Unsubscribe does not work everywhere) are told
	 * apart and dropped instead of printed twice. */
	s->gen++;
	s->gen_seen = 0;
	forget_seen(s);
	snprintf(consumer, sizeof consumer, "%sonvif-subscribe/%s/%u", s->consumer,
	    s->token, s->gen);
	if (so->push && camera_address(s, e) < 0)
		return -1;
	/* Some firmwares refuse a relative InitialTerminationTime: then an
	 * absolute one on the device's clock, then none (take what they give). */
	for (pass = 0; pass < 3; pass++) {
		char abs[40];
		const char *t = pass == 0 ? term : pass == 1 ? abs : NULL;
		char *body;
		int rc;

		ck_json_rfc3339_ms(ck_clock_wall_ms() + ck_onvif_offset_ms(s->c) + so->term_ms,
		    abs, sizeof abs);
		body = so->push ? ck_events_body_subscribe(consumer, so->topics, t)
		    : ck_events_body_create_pullpoint(so->topics, t);
		if (!body)
			return ck_err_set(e, CK_SOFTWARE, "out of memory");
		rc = ck_onvif_call(s->c, "events", body, &resp, e);
		free(body);
		if (rc == 0)
			break;
		if (pass == 2 || e->kind != CK_PROTO)
			return ck_err_wrap(e, "%s", so->push ? "Subscribe" :
			    "CreatePullPointSubscription");
		ck_log_info("subscription with %s refused (%s); retrying with %s",
		    pass == 0 ? "a relative time" : "an absolute time", e->msg,
		    pass == 0 ? "an absolute time" : "none");
	}
	if (!resp.first || strcmp(resp.first->name, want) != 0) {
		ck_soap_resp_free(&resp);
		return ck_err_set(e, CK_PROTO, "expected %s in the reply", want);
	}
	drop_sub(s);
	if (ck_events_parse_sub(resp.first, &s->sub, e) < 0) {
		ck_soap_resp_free(&resp);
		return -1;
	}
	ck_soap_resp_free(&resp);
	ck_onvif_rewrite_xaddr(ck_onvif_get_target(s->c), s->sub.address,
	    s->trust_xaddrs, s->sub_url, sizeof s->sub_url);
	s->subscribed = 1;
	if (s->pc)
		ck_onvif_set_offset_ms(s->pc, ck_onvif_offset_ms(s->c));
	ck_log_info("subscribed: %s", s->sub_url);
	schedule_renew(s, s->sub.current_ms, s->sub.termination_ms);
	return 0;
}

int
ck_subscription_renew(ck_subscription *s, const ck_subscription_hooks *h,
    ck_err *e)
{
	char term[40];

	for (int pass = 0; pass < 2; pass++) {
		ck_soap_resp resp;
		int64_t t, cur;

		if (pass == 0)
			ck_events_fmt_duration(s->so.term_ms, term);
		else
			ck_json_rfc3339_ms(ck_clock_wall_ms() + ck_onvif_offset_ms(s->c) +
			    s->so.term_ms, term, sizeof term);
		if (sub_request(s, s->c, "http://docs.oasis-open.org/wsn/bw-2/"
		    "SubscriptionManager/RenewRequest", ck_events_body_renew(term),
		    "RenewResponse", &resp, e) == 0) {
			ck_events_parse_renew(resp.first, &t, &cur);
			ck_soap_resp_free(&resp);
			schedule_renew(s, cur, t);
			return 0;
		}
		if (e->kind != CK_PROTO || is_done(h))
			return -1;
		ck_log_info("Renew %s refused: %s", pass ? "(absolute)" : "(relative)", e->msg);
	}
	return -1;
}

void
ck_subscription_unsubscribe(ck_subscription *s)
{
	ck_soap_resp resp;
	ck_err e;

	if (!s->subscribed)
		return;
	if (sub_request(s, s->c, "http://docs.oasis-open.org/wsn/bw-2/"
	    "SubscriptionManager/UnsubscribeRequest", ck_events_body_unsubscribe(),
	    "UnsubscribeResponse", &resp, &e) == 0) {
		ck_soap_resp_free(&resp);
		ck_log_info("unsubscribed");
	} else {
		ck_log_info("Unsubscribe: %s", e.msg);
	}
	drop_sub(s);
}

/* The next moment something must happen: renewal, or the caller's. */
static int64_t
next_deadline(const ck_subscription *s, const ck_subscription_hooks *h,
    int64_t limit)
{
	int64_t d = limit, cx = h->next ? h->next(h->ctx) : -1;

	if (s->renew_at < d)
		d = s->renew_at;
	if (cx >= 0 && cx < d)
		d = cx;
	return d;
}

static int
pull(ck_subscription *s, const ck_subscription_hooks *h, ck_err *e)
{
	int64_t now = ck_clock_now_ms();
	int64_t d = next_deadline(s, h, now + s->so.pull_ms) - now;
	ck_soap_resp resp;
	int rc;

	if (d < 200)
		d = 200;
	if (sub_request(s, s->pc, "http://www.onvif.org/ver10/events/wsdl/"
	    "PullPointSubscription/PullMessagesRequest", ck_events_body_pull(d,
	    s->so.limit), "PullMessagesResponse", &resp, e) < 0)
		return -1;
	rc = deliver_all(s, h, resp.first, e);
	/* Some firmwares answer at once, ignoring the Timeout: do not hammer
	 * them with back-to-back requests. */
	if (rc == 0 && !ck_xml_child(resp.first, CK_NS_WSNT, "NotificationMessage")) {
		int64_t min_wait = d / 2 < 1000 ? d / 2 : 1000;
		int64_t spent = ck_clock_now_ms() - now;
		if (spent < min_wait && !is_done(h))
			poll(NULL, 0, (int)(min_wait - spent));
	}
	ck_soap_resp_free(&resp);
	return rc;
}

/* Whether peer ("addr:port", "[v6]:port") is the camera's address. */
static int
from_camera(const ck_subscription *s, const char *peer)
{
	const char *p = peer, *end = strrchr(peer, ':');
	size_t n;

	if (*p == '[') {
		p++;
		end = strchr(p, ']');
	}
	if (end == NULL)
		return 0;
	n = (size_t)(end - p);
	return n == strlen(s->camera) && strncmp(p, s->camera, n) == 0;
}

static int
on_notify(void *arg, const char *peer, const char *path, const char *body,
    size_t len, int *status)
{
	ck_subscription *s = arg;
	const ck_subscription_hooks *h = s->h;
	ck_soap_resp resp;
	ck_err e;
	char pre[64];
	unsigned g;
	int n;

	/* only our own unguessable path, only from the camera: anything else
	 * is a forgery (or a stray client) and never reaches the output */
	n = snprintf(pre, sizeof pre, "/onvif-subscribe/%s/", s->token);
	if (strncmp(path, pre, (size_t)n) != 0 || sscanf(path + n, "%u", &g) != 1) {
		ck_log_warn("push from %s to %s: not this subscription's path, refused",
		    peer, path);
		*status = 404;
		return is_done(h);
	}
	if (!from_camera(s, peer)) {
		ck_log_warn("push from %s: not the camera's address (%s), refused", peer,
		    s->camera);
		*status = 403;
		return is_done(h);
	}
	/* The previous subscription is heard until the new one speaks: what it
	 * sends after that, the new one sends too. */
	s->from = 0;
	if (g == s->gen) {
		s->gen_seen = 1;
	} else if (g + 1 != s->gen || s->gen_seen) {
		ck_log_info("push from %s to %s: a replaced subscription, ignored",
		    peer, path);
		return is_done(h);
	} else {
		s->from = 1;
	}
	if (ck_soap_parse(body, len, &resp, NULL, &e) < 0) {
		ck_log_warn("push from %s: %s", peer, e.msg);
		return is_done(h);
	}
	if (!resp.first || !ck_xml_is(resp.first, CK_NS_WSNT, "Notify"))
		ck_log_warn("push from %s: not a wsnt:Notify (%s)", peer,
		    resp.first ? resp.first->name : "empty body");
	else if (deliver_all(s, h, resp.first, &e) < 0)
		ck_log_warn("push from %s: %s", peer, e.msg);
	ck_soap_resp_free(&resp);
	return is_done(h);
}

/* Serves the listener until deadline. */
static int
serve(ck_subscription *s, const ck_subscription_hooks *h, int64_t deadline,
    ck_err *e)
{
	int rc;

	s->h = h;
	rc = ck_evhttp_serve(s->lis, deadline, on_notify, s, e);
	s->h = NULL;
	return rc < 0 ? -1 : 0;
}

int
ck_subscription_wait(ck_subscription *s, const ck_subscription_hooks *h,
    ck_err *e)
{
	if (s->so.push)
		return serve(s, h, next_deadline(s, h, ck_clock_now_ms() + 1000), e);
	return pull(s, h, e);
}

static void
tick(const ck_subscription_hooks *h)
{
	if (h->tick)
		h->tick(h->ctx, ck_clock_now_ms());
}

static void
backoff_sleep(ck_subscription *s, const ck_subscription_hooks *h, int64_t ms)
{
	int64_t until = ck_clock_now_ms() + ms;

	while (!is_done(h) && ck_clock_now_ms() < until) {
		if (s->lis) {
			ck_err e;
			/* Keep answering pushes that still arrive. */
			serve(s, h, until < ck_clock_now_ms() + 200 ? until
			    : ck_clock_now_ms() + 200, &e);
		} else {
			poll(NULL, 0, 50);
		}
		tick(h);
	}
}

int
ck_subscription_run(ck_subscription *s, const ck_subscription_hooks *h,
    ck_err *e)
{
	int64_t backoff = 0;
	int first = 1;

	while (!is_done(h)) {
		int rc = 0;

		if (!s->subscribed) {
			rc = ck_subscription_subscribe(s, e);
			if (rc < 0 && first && !s->so.retry)
				return -1;
			if (rc == 0)
				first = 0;
		}
		if (rc == 0 && ck_clock_now_ms() >= s->renew_at &&
		    ck_subscription_renew(s, h, e) < 0) {
			if (is_done(h))
				break;
			ck_log_warn("renew failed (%s); subscribing again", e->msg);
			ck_subscription_unsubscribe(s);
			continue;
		}
		if (rc == 0)
			rc = ck_subscription_wait(s, h, e);
		tick(h);
		if (rc == 0) {
			backoff = 0;
			continue;
		}
		if (is_done(h))
			break;
		if (e->kind == CK_USAGE || e->kind == CK_CONFIG ||
		    (e->kind == CK_NOPERM && !(first && s->so.retry)))
			return -1;
		backoff = backoff ? backoff * 2 : 500;
		if (backoff > s->so.backoff_max_ms)
			backoff = s->so.backoff_max_ms;
		ck_log_warn("%s; subscribing again in %lld ms", e->msg, (long long)backoff);
		drop_sub(s);
		backoff_sleep(s, h, backoff);
	}
	return 0;
}
