/* device: the device-side GB/T 28181 user agent. */
#include "gb/device.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "codec/digest.h"
#include "codec/xml.h"
#include "gb/devstate.h"
#include "gb/manscdp.h"
#include "gb/ptzcmd.h"

/* Answers in flight at once; a query beyond them is answered 200 and then
 * reported with an error instead of a Response (a platform that never
 * answers cannot make the device hold unbounded state). */
#define MAX_PENDING 128

enum { P_REG = 1, P_KA, P_ANSWER, P_ACK };
enum { R_REGISTER = 1, R_REFRESH };

/* A query being answered, one MESSAGE at a time (Catalog in chunks). */
struct answer {
	char cmd_type[32];
	unsigned long sn;
	char from[64];            /* user part of the query's From */
	char to[320];             /* the query's From URI: where answers go */
	ck_sip_peer peer;         /* where the query came from */
	size_t k;                 /* next catalog item */
	size_t last;              /* items in the MESSAGE in flight */
	int sent;                 /* MESSAGEs sent */
	unsigned long messages, items;  /* MESSAGEs answered, items in them */
	int catalog;
	const char *list_name;    /* a list answer: DeviceList, RecordList */
	char **list;              /* its items (the catalog's, or owned) */
	size_t nlist;
	int owns;
	char list_id[64];         /* DeviceID of the answer */
	char *body;               /* a one-MESSAGE answer, built when asked */
	size_t blen;
};

/* What a client transaction is for. */
struct pend {
	uint64_t tx;
	int kind;
	unsigned gen;             /* registration session (keepalives) */
	unsigned long sn;         /* keepalive SN */
	int64_t t0;               /* monotonic ms when sent */
	struct answer *a;         /* P_ANSWER */
};

/* The registration in progress: challenge and redirect state. */
struct regproc {
	int active, purpose, expires;
	int challenges, redirects;
	unsigned nc;
	char auth[1024];
	int have_auth;
	int64_t t0;               /* wall ms when the REGISTER went out */
};

struct ck_device {
	ck_device_opts o;
	ck_sip *s;
	ck_json *j;
	ck_notifier *notifier;    /* subscriptions and alarms, or NULL */
	ck_sip_peer peer;
	int have_peer;
	char server_id[64], server_host[256];
	int server_port;
	char call_id[64], from_tag[24];
	char **items;             /* o.items, or the self item */
	size_t nitems;
	char *self_item;
	int registered, failures, misses, expires;
	unsigned gen;
	unsigned long sn;
	int64_t next_reg, refresh_at, next_ka;
	struct regproc reg;
	struct pend pend[MAX_PENDING + 4];
	size_t npend;
	ck_devstate st;           /* configuration, recording, guard, presets */
	int redirected;           /* registered with a server a 302 named */
	int64_t boot_until;       /* TeleBoot: silent until then (0: running) */
};

static void
rec_start(ck_device *d, const char *type)
{
	ck_json_record(d->j, type);
	ck_json_time_ms(d->j, "ts", ck_clock_wall_ms());
}

static void
emit(ck_device *d)
{
	if (d->o.on_record)
		d->o.on_record(d->o.arg, d->j);
	ck_json_reset(d->j);
}

static void
rec_server(ck_device *d)
{
	char a[300];
	ck_json_str(d->j, "server", d->server_id);
	snprintf(a, sizeof a, strchr(d->server_host, ':') ? "[%s]:%d" : "%s:%d",
	    d->server_host, d->server_port);
	ck_json_str(d->j, "address", a);
	ck_json_str(d->j, "transport", d->o.tcp ? "tcp" : "udp");
}

static void
rec_error(ck_device *d, const char *stage, const ck_err *e)
{
	rec_start(d, "error");
	ck_json_str(d->j, "stage", stage);
	ck_json_str(d->j, "error", ck_err_kind_name(e->kind));
	ck_json_str(d->j, "message", e->msg);
	/* "status" in error records is the exit status of the kind (camkit.7) */
	ck_json_int(d->j, "status", e->kind ? e->kind : CK_SOFTWARE);
	emit(d);
	ck_log_warn("%s: %s", stage, e->msg);
}

static void
server_uri(const ck_device *d, char *out, size_t outlen)
{
	snprintf(out, outlen, strchr(d->server_host, ':') ? "sip:%s@[%s]:%d" :
	    "sip:%s@%s:%d", d->server_id, d->server_host, d->server_port);
}

static void
new_session(ck_device *d)
{
	ck_digest_random_hex(d->call_id, 12);
	ck_digest_random_hex(d->from_tag, 5);
	d->gen++;
}

static int
ensure_peer(ck_device *d, ck_err *e)
{
	if (d->have_peer && ck_sip_peer_alive(d->s, &d->peer))
		return 0;
	d->have_peer = 0;
	if (d->o.tcp) {
		if (ck_sip_connect(d->s, d->server_host, d->server_port, ck_clock_now_ms() +
		    (d->o.timeout_ms < 10000 ? d->o.timeout_ms : 10000), &d->peer, e) < 0)
			return -1;
	} else if (ck_sip_peer_udp(d->s, d->server_host, d->server_port, &d->peer, e) < 0)
		return -1;
	d->have_peer = 1;
	return 0;
}

static struct pend *
pend_add(ck_device *d, uint64_t tx, int kind)
{
	struct pend *p = &d->pend[d->npend++];
	memset(p, 0, sizeof *p);
	p->tx = tx;
	p->kind = kind;
	p->gen = d->gen;
	p->t0 = ck_clock_now_ms();
	return p;
}

/* ---- registration ---- */

/* The REGISTER of the procedure in d->reg, as a new request. */
static osip_message_t *
register_request(ck_device *d, ck_err *e)
{
	char ruri[400], from[200];
	server_uri(d, ruri, sizeof ruri);
	snprintf(from, sizeof from, "sip:%s@%s", d->o.id, d->o.domain);
	ck_sip_reqspec rs = { .method = "REGISTER", .ruri = ruri, .from = from,
	    .to = from, .from_tag = d->from_tag, .call_id = d->call_id,
	    .expires = d->reg.expires, .authorization = d->reg.have_auth ? d->reg.auth : NULL };
	if (ensure_peer(d, e) < 0)
		return NULL;
	d->reg.t0 = ck_clock_wall_ms();
	return ck_sip_request_new(d->s, &d->peer, &rs, e);
}

static int
challenge_of(osip_message_t *m, ck_digest_chal *c, ck_err *e)
{
	osip_www_authenticate_t *w = NULL;
	char *v = NULL;
	int rc;
	if (osip_message_get_www_authenticate(m, 0, &w) < 0 || w == NULL)
		osip_message_get_proxy_authenticate(m, 0, &w);
	if (w == NULL || osip_www_authenticate_to_str(w, &v) != 0 || v == NULL)
		return ck_err_set(e, CK_PROTO, "401 without a Digest challenge");
	rc = ck_digest_parse_challenge(v, c, e);
	osip_free(v);
	return rc;
}

/* Registers with another server from now on; a record of type says so. */
static void
switch_server(ck_device *d, const char *type, const char *id, const char *host, int port)
{
	char old[300];
	snprintf(old, sizeof old, "%s@%s:%d", d->server_id, d->server_host, d->server_port);
	snprintf(d->server_id, sizeof d->server_id, "%s", id);
	snprintf(d->server_host, sizeof d->server_host, "%s", host);
	d->server_port = port;
	if (d->have_peer)
		ck_sip_peer_close(d->s, &d->peer);
	d->have_peer = 0;
	rec_start(d, type);
	ck_json_str(d->j, "from", old);
	rec_server(d);
	emit(d);
}

/* Switches to the server named by a 302's Contact (sip:ID@HOST:PORT). */
static int
redirect(ck_device *d, osip_message_t *m, ck_err *e)
{
	osip_contact_t *c = NULL;
	if (osip_message_get_contact(m, 0, &c) < 0 || c == NULL || c->url == NULL ||
	    c->url->host == NULL || c->url->username == NULL)
		return ck_err_set(e, CK_PROTO, "302 without a usable Contact");
	int port = c->url->port ? atoi(c->url->port) : 5060;
	switch_server(d, "redirected", c->url->username, c->url->host,
	    port > 0 && port <= 65535 ? port : 5060);
	d->redirected = 1;
	return 0;
}

/* After a redirect, the server it named is lost (refresh refused or
 * unanswered, keepalives unanswered, registration failed): GB/T
 * 28181-2022 has the device run the redirect procedure again, at the
 * server it was configured with. Returns 1 when it switched back. */
static int
back_to_origin(ck_device *d)
{
	if (!d->redirected)
		return 0;
	switch_server(d, "redirect_reset", d->o.server_id, d->o.server_host, d->o.server_port);
	d->redirected = 0;
	return 1;
}

/* What a final response to the REGISTER means: 1 granted (*granted,
 * *offset_ms and date set), 0 send it again (challenge answered, or
 * redirected), -1 failed with e. */
static int
register_answer(ck_device *d, osip_message_t *r, int *granted, int64_t *offset_ms,
    char *date, size_t datelen, ck_err *e)
{
	int st = osip_message_get_status_code(r);
	int64_t t1 = ck_clock_wall_ms();
	date[0] = '\0';
	if (st >= 200 && st < 300) {
		const char *dv = ck_sip_header(r, "date");
		int64_t srv;
		*granted = ck_sip_expires(r, d->reg.expires);
		*offset_ms = 0;
		if (dv && ck_sip_parse_gb_date(dv, &srv) == 0) {
			*offset_ms = srv - (d->reg.t0 + t1) / 2;
			snprintf(date, datelen, "%s", dv);
		}
		return 1;
	}
	if ((st == 401 || st == 407) && d->reg.challenges < 3) {
		ck_digest_chal ch;
		char ruri[400];
		if (challenge_of(r, &ch, e) < 0)
			return -1;
		/* A second 401 that is not about a stale nonce means the
		 * credentials were refused. */
		if (d->reg.have_auth && !ch.stale)
			return ck_err_set(e, CK_NOPERM, "registration rejected: wrong "
			    "credentials (401 after answering the challenge)");
		if (d->o.password == NULL)
			return ck_err_set(e, CK_CONFIG, "platform asks for a password "
			    "and none is configured (--password-file, GB_PASSWORD)");
		server_uri(d, ruri, sizeof ruri);
		if (ck_digest_build_auth(&ch, d->o.user && d->o.user[0] ? d->o.user : d->o.id,
		    d->o.password, "REGISTER", ruri, ++d->reg.nc, NULL, d->reg.auth,
		    sizeof d->reg.auth, e) < 0)
			return -1;
		d->reg.have_auth = 1;
		d->reg.challenges++;
		return 0;
	}
	if ((st == 301 || st == 302) && d->reg.redirects < 3) {
		if (redirect(d, r, e) < 0)
			return -1;
		d->reg.redirects++;
		d->reg.have_auth = 0;
		d->reg.challenges = 0;
		d->reg.nc = 0;
		return 0;
	}
	return ck_err_set(e, st == 403 ? CK_NOPERM : CK_PROTO, "registration answered %d %s",
	    st, osip_message_get_reason_phrase(r) ? osip_message_get_reason_phrase(r) : "");
}

static void
reg_begin(ck_device *d, int purpose, int expires)
{
	memset(&d->reg, 0, sizeof d->reg);
	d->reg.purpose = purpose;
	d->reg.expires = expires;
}

/* Sends the procedure's REGISTER as a transaction. 0 or -1. */
static int
reg_send(ck_device *d, ck_err *e)
{
	osip_message_t *req = register_request(d, e);
	uint64_t tx;
	if (req == NULL)
		return -1;
	tx = ck_sip_tx_start(d->s, &d->peer, req, ck_clock_now_ms() + d->o.timeout_ms, e);
	if (tx == 0)
		return -1;
	pend_add(d, tx, P_REG);
	d->reg.active = 1;
	return 0;
}

static void
rec_registered(ck_device *d, const char *type, int granted, int64_t off, const char *date)
{
	rec_start(d, type);
	ck_json_str(d->j, "id", d->o.id);
	rec_server(d);
	ck_json_int(d->j, "expires", granted);
	ck_json_int(d->j, "local_port", ck_sip_port(d->s));
	if (date[0]) {
		ck_json_str(d->j, "server_date", date);
		ck_json_num(d->j, "offset_s", (double)off / 1000.0, 3);
	}
	emit(d);
}

static int64_t
refresh_time(int granted)
{
	return ck_clock_now_ms() + (int64_t)(granted > 120 ? granted - 60 :
	    (granted + 1) / 2) * 1000;
}

/* The procedure failed with e. Returns -1 when the device gives up. */
static int
reg_failed(ck_device *d, ck_err *e)
{
	int fatal = e->kind == CK_NOPERM || e->kind == CK_CONFIG;
	d->reg.active = 0;
	if (d->reg.purpose == R_REFRESH) {
		rec_error(d, "refresh", e);
		d->registered = 0;
		/* a redirected-to server that refuses is not the end: the
		 * redirect server picks another (GB/T 28181-2022) */
		if (back_to_origin(d)) {
			d->next_reg = ck_clock_now_ms();
			new_session(d);
			return 0;
		}
		if (fatal)
			return -1;
	} else {
		rec_error(d, "register", e);
		d->failures++;
		if (back_to_origin(d))
			fatal = 0;
		else if (e->kind == CK_NOHOST)
			fatal = 1;
		if (fatal || (d->o.attempts > 0 && d->failures >= d->o.attempts))
			return -1;
	}
	d->next_reg = ck_clock_now_ms() + d->o.retry_ms;
	new_session(d);
	return 0;
}

/* A final response (or failure: r NULL) to the procedure's REGISTER. */
static int
reg_done(ck_device *d, osip_message_t *r, ck_err *e)
{
	char date[64];
	int granted, rc;
	int64_t off;
	if (r == NULL)
		return reg_failed(d, e);
	rc = register_answer(d, r, &granted, &off, date, sizeof date, e);
	if (rc == 0)
		return reg_send(d, e) < 0 ? reg_failed(d, e) : 0;
	if (rc < 0)
		return reg_failed(d, e);
	d->reg.active = 0;
	d->expires = granted;
	d->refresh_at = refresh_time(granted);
	if (d->reg.purpose == R_REFRESH) {
		rec_registered(d, "refreshed", granted, off, date);
		return 0;
	}
	d->registered = 1;
	d->failures = d->misses = 0;
	rec_registered(d, "registered", granted, off, date);
	d->next_ka = ck_clock_now_ms() + d->o.keepalive_ms;
	return 0;
}

/* ---- keepalives and MESSAGEs ---- */

/* Starts a MANSCDP MESSAGE transaction to uri over p. Returns its id or 0. */
static uint64_t
message_start(ck_device *d, const ck_sip_peer *p, const char *to, const char *body,
    size_t len, int64_t deadline, ck_err *e)
{
	char from[200];
	snprintf(from, sizeof from, "sip:%s@%s", d->o.id, d->o.domain);
	ck_sip_reqspec rs = { .method = "MESSAGE", .ruri = to, .from = from,
	    .expires = -1, .content_type = CK_SIP_MANSCDP, .body = body, .body_len = len };
	osip_message_t *req = ck_sip_request_new(d->s, p, &rs, e);
	if (req == NULL)
		return 0;
	return ck_sip_tx_start(d->s, p, req, deadline, e);
}

static void
keepalive_lost(ck_device *d, int status)
{
	rec_start(d, "keepalive_lost");
	ck_json_uint(d->j, "sn", d->sn);
	ck_json_int(d->j, "missed", d->misses);
	if (status > 0)
		ck_json_int(d->j, "status", status);
	emit(d);
	d->registered = 0;
	d->next_reg = ck_clock_now_ms();
	back_to_origin(d);
	new_session(d);
}

/* A keepalive's outcome: status, or -1 when it got no answer. */
static void
keepalive_done(ck_device *d, const struct pend *p, int status)
{
	if (!d->registered || p->gen != d->gen)
		return;   /* from a session that is over */
	if (status >= 200 && status < 300) {
		d->misses = 0;
		rec_start(d, "keepalive_ok");
		ck_json_uint(d->j, "sn", p->sn);
		ck_json_int(d->j, "rtt_ms", ck_clock_now_ms() - p->t0);
		emit(d);
		return;
	}
	/* an error status is a refusal: no use waiting for more misses */
	d->misses = status > 0 ? d->o.max_missed : d->misses + 1;
	if (d->misses >= d->o.max_missed)
		keepalive_lost(d, status);
}

static void
keepalive_send(ck_device *d)
{
	char to[400];
	size_t len;
	ck_err e;
	uint64_t tx = 0;
	char *body = ck_manscdp_keepalive(++d->sn, d->o.id, &len, &e);
	server_uri(d, to, sizeof to);
	/* the answer is due before the next keepalive */
	if (body && d->npend < MAX_PENDING + 2 && ensure_peer(d, &e) == 0)
		tx = message_start(d, &d->peer, to, body, len, ck_clock_now_ms() +
		    (d->o.keepalive_ms < d->o.timeout_ms ? d->o.keepalive_ms :
		    d->o.timeout_ms), &e);
	free(body);
	if (tx) {
		pend_add(d, tx, P_KA)->sn = d->sn;
		return;
	}
	ck_log_info("keepalive %lu not sent: %s", d->sn, e.msg);
	struct pend p = { .gen = d->gen, .sn = d->sn };
	keepalive_done(d, &p, -1);
}

/* Starts the next MESSAGE of a query's answer. Returns 1 when one went
 * out, 0 when the answer is complete, -1 on error (e). */
static int
answer_next(ck_device *d, struct answer *a, ck_err *e)
{
	char *b = NULL;
	size_t len, cnt = 0;
	if (!a->list_name && a->sent > 0)
		return 0;
	if (a->list_name) {
		if (a->sent > 0 && a->k >= a->nlist)
			return 0;
		size_t chunk = (size_t)d->o.chunk;
		cnt = a->nlist - a->k < chunk ? a->nlist - a->k : chunk;
		b = ck_manscdp_list_response(a->cmd_type, a->sn, a->list_id, a->nlist,
		    a->list_name, (const char *const *)a->list + a->k, cnt, &len, e);
	} else if (a->body) {
		b = a->body;   /* built when the query came (the state then) */
		len = a->blen;
		a->body = NULL;
	} else
		return ck_err_set(e, CK_SOFTWARE, "no answer for %s", a->cmd_type);
	if (b == NULL)
		return -1;
	uint64_t tx = message_start(d, &a->peer, a->to, b, len,
	    ck_clock_now_ms() + d->o.timeout_ms, e);
	free(b);
	if (tx == 0)
		return -1;
	pend_add(d, tx, P_ANSWER)->a = a;
	a->sent++;
	a->last = cnt;
	a->k += cnt;
	return 1;
}

/* The query record, once its answer is over (status < 0: e says why). */
static void
answer_end(ck_device *d, struct answer *a, int status, const ck_err *e)
{
	rec_start(d, "query");
	ck_json_str(d->j, "cmd_type", a->cmd_type);
	ck_json_uint(d->j, "sn", a->sn);
	ck_json_str(d->j, "from", a->from);
	ck_json_uint(d->j, "messages", a->messages);
	if (a->list_name)
		ck_json_uint(d->j, "items", a->items);
	if (status < 0)
		ck_json_str(d->j, "error", e->msg);
	else if (status >= 300)
		ck_json_int(d->j, "status", status);
	emit(d);
	for (size_t i = 0; a->owns && i < a->nlist; i++)
		free(a->list[i]);
	if (a->owns)
		free(a->list);
	free(a->body);
	free(a);
}

static void
answer_done(ck_device *d, struct answer *a, int status, ck_err *e)
{
	if (status >= 0) {
		a->messages++;
		a->items += a->last;
	}
	if (status >= 200 && status < 300) {
		int rc = answer_next(d, a, e);
		if (rc > 0)
			return;
		if (rc < 0)
			status = -1;
	}
	answer_end(d, a, status, e);
}

/* Appends to list (*n items) a RecordList <Item> of channel id:
 * /record/ID/FILE.ps from start to end (wall ms) of type. 0, or -1 out of
 * memory (*n unchanged). */
static int
record_item(char **list, size_t *n, const char *id, const char *file, int64_t start,
    int64_t end, const char *type)
{
	char st[40], en[40];
	ck_sip_gb_date(start, 0, st, sizeof st);
	ck_sip_gb_date(end, 0, en, sizeof en);
	st[19] = en[19] = '\0';
	if (asprintf(&list[*n], "<Item>\r\n<DeviceID>%s</DeviceID>\r\n<Name>%s</Name>\r\n"
	    "<FilePath>/record/%s/%s.ps</FilePath>\r\n<Address>Address</Address>\r\n"
	    "<StartTime>%s</StartTime>\r\n<EndTime>%s</EndTime>\r\n<Secrecy>0</Secrecy>\r\n"
	    "<Type>%s</Type>\r\n<RecorderID>%s</RecorderID>\r\n</Item>", id, id, id, file,
	    st, en, type, id) < 0)
		return -1;
	(*n)++;
	return 0;
}

/* The synthetic recordings of channel id that overlap the query's
 * StartTime..EndTime: o.records of o.record_seconds each, the last ones of
 * the grid of ck_camera_record_step_ms that start in the day before now,
 * every one the media file (the camera maps a playback onto it). 0, or -1
 * out of memory. */
static int
records(ck_device *d, const ck_manscdp *m, const char *id, char ***out, size_t *n)
{
	const char *qs = ck_manscdp_field(m->root, "StartTime"),
	    *qe = ck_manscdp_field(m->root, "EndTime");
	int64_t from = 0, to = INT64_MAX, now = ck_clock_wall_ms() / 1000 * 1000;
	int64_t step = ck_camera_record_step_ms(d->o.records),
	    len = (int64_t)d->o.record_seconds * 1000, grid = now / step * step;
	if (qs)
		ck_sip_parse_gb_date(qs, &from);
	if (qe)
		ck_sip_parse_gb_date(qe, &to);
	*out = calloc((size_t)d->o.records + 1, sizeof **out);
	*n = 0;
	if (*out == NULL)
		return -1;
	for (int i = 0; i < d->o.records; i++) {
		int64_t s = grid - (int64_t)(d->o.records - i) * step, e = s + (len > 0 ? len : 1000);
		char file[16];
		snprintf(file, sizeof file, "%d", i);
		if (e >= from && s <= to && record_item(*out, n, id, file, s, e, "time") < 0)
			return -1;
	}
	/* what RecordCmd Record recorded (to now while it goes on) */
	int64_t ms = d->st.manual_start_ms, me = d->st.recording ? now : d->st.manual_end_ms;
	if (ms > 0 && me >= from && ms <= to &&
	    record_item(*out, n, id, "manual", ms, me, "manual") < 0)
		return -1;
	return 0;
}

/* The one-MESSAGE answer to query m for channel id into a->body: the
 * device's own (DeviceInfo) or the state's. 0, 1
 * when this device has no answer for the CmdType, -1 with e. */
static int
answer_body(ck_device *d, struct answer *a, const ck_manscdp *m, const char *id, ck_err *e)
{
	char now[40];
	if (strcmp(m->cmd_type, "DeviceInfo") == 0) {
		char ch[16];
		snprintf(ch, sizeof ch, "%zu", d->nitems);
		const char *kv[] = { "Result", "OK", "DeviceName", d->st.name,
		    "Manufacturer", d->o.manufacturer, "Model", d->o.model,
		    "Firmware", d->o.firmware, "Channel", ch };
		a->body = ck_manscdp_response("DeviceInfo", m->sn, id, kv, 12, NULL, &a->blen, e);
	} else {
		ck_sip_gb_date(ck_clock_wall_ms(), 0, now, sizeof now);
		now[19] = '\0';
		a->body = ck_devstate_answer(&d->st, m, id, now, &a->blen, e);
		if (a->body == NULL && e->kind == CK_EMPTY)
			return 1;
	}
	return a->body ? 0 : -1;
}

static void
answer_query(ck_device *d, ck_sip_req *rq, ck_manscdp *m)
{
	ck_err e;
	char *to = NULL;
	struct answer *a = calloc(1, sizeof *a);
	if (a == NULL || osip_uri_to_str(rq->msg->from->url, &to) != 0) {
		free(a);
		return;
	}
	snprintf(a->cmd_type, sizeof a->cmd_type, "%s", m->cmd_type);
	snprintf(a->from, sizeof a->from, "%s", ck_sip_from_user(rq->msg, 0));
	snprintf(a->to, sizeof a->to, "%s", to);
	osip_free(to);
	a->sn = m->sn;
	a->peer = rq->peer;
	/* the answer names what the query named (a channel), as cameras do */
	snprintf(a->list_id, sizeof a->list_id, "%s", m->device_id[0] ? m->device_id : d->o.id);
	a->catalog = strcmp(m->cmd_type, "Catalog") == 0;
	int rc = 0;
	if (a->catalog) {
		a->list_name = "DeviceList";
		a->list = d->items;
		a->nlist = d->nitems;
	} else if (strcmp(m->cmd_type, "RecordInfo") == 0) {
		a->list_name = "RecordList";
		a->owns = 1;
		if (records(d, m, a->list_id, &a->list, &a->nlist) < 0)
			rc = ck_err_set(&e, CK_SOFTWARE, "out of memory");
	} else if ((rc = answer_body(d, a, m, a->list_id, &e)) > 0) {
		answer_end(d, a, 0, &e);   /* nothing to answer with */
		return;
	}
	if (rc == 0)
		rc = d->npend < MAX_PENDING ? answer_next(d, a, &e) :
		    ck_err_set(&e, CK_TEMPFAIL, "%d answers in flight", MAX_PENDING);
	if (rc < 0)
		answer_end(d, a, -1, &e);
}

/* Which controls get a Response MESSAGE with their Result. GB/T
 * 28181-2016 9.3.1: after PTZ, remote start (TeleBoot), forced key frame
 * (IFameCmd), DragZoomIn/Out "the target device sends no answer"; after
 * recording, guard/unguard, alarm reset, home position and device
 * configuration (DeviceConfig) it sends one with the result. 2022 9.3.1 d)
 * adds PTZ precise control, storage card formatting (FormatSDCard) and
 * target tracking to the unanswered ones; its device upgrade is answered. */
static const char *const ack_controls[] = {
	"RecordCmd", "GuardCmd", "AlarmCmd", "HomePosition", "DeviceUpgrade", NULL
};

/* TeleBoot: a rebooting camera drops off the network without
 * unregistering or hanging up, answers nothing for its boot time, then
 * registers anew (new Call-ID and tags) at the server it is configured
 * with. What it was doing (streams, their dialogs, subscriptions,
 * recording, an alarm) is gone; its configuration stays. */
static void
reboot(ck_device *d)
{
	for (size_t i = 0; i < d->npend;) {
		if (d->pend[i].kind == P_REG || d->pend[i].kind == P_KA) {
			ck_sip_tx_cancel(d->s, d->pend[i].tx);
			d->pend[i] = d->pend[--d->npend];
		} else
			i++;
	}
	d->reg.active = 0;
	d->registered = 0;
	d->misses = 0;
	if (d->st.recording)
		d->st.manual_end_ms = ck_clock_wall_ms();
	d->st.recording = d->st.alarm = 0;
	ck_notifier_reset(d->notifier);   /* subscriptions live in RAM too */
	if (d->o.camera)   /* its calls drop: media stops, dialogs forgotten */
		ck_camera_drop(d->o.camera, "reboot");
	if (d->have_peer)
		ck_sip_peer_close(d->s, &d->peer);
	d->have_peer = 0;
	int64_t boot = d->o.boot_ms > 0 ? d->o.boot_ms : 3000;
	rec_start(d, "rebooting");
	ck_json_str(d->j, "id", d->o.id);
	ck_json_int(d->j, "boot_ms", boot);
	emit(d);
	back_to_origin(d);
	new_session(d);
	d->boot_until = d->next_reg = ck_clock_now_ms() + boot;
}

/* Carries out DeviceControl m (the 200 is sent). Returns 1 when it needs
 * a Response (*ok its Result), 0 when not. */
static int
control(ck_device *d, const ck_manscdp *m, int *ok, int *teleboot)
{
	const ck_xml_node *r = m->root;
	const char *v;
	ck_err e;
	int need = 0;
	*ok = 1;
	for (int i = 0; ack_controls[i]; i++)
		if (ck_xml_child(r, NULL, ack_controls[i]))
			need = 1;
	if ((v = ck_manscdp_field(r, "PTZCmd")) != NULL) {
		ck_ptzcmd c;
		if (ck_ptzcmd_decode_hex(v, strlen(v), &c, &e) == 0)
			ck_devstate_ptz(&d->st, &c);
	}
	if ((v = ck_manscdp_field(r, "TeleBoot")) != NULL)
		*teleboot = strcmp(v, "Boot") == 0;
	if ((v = ck_manscdp_field(r, "RecordCmd")) != NULL) {
		if (strcmp(v, "Record") == 0 && !d->st.recording) {
			d->st.recording = 1;
			d->st.manual_start_ms = ck_clock_wall_ms();
		} else if (strcmp(v, "StopRecord") == 0 && d->st.recording) {
			d->st.recording = 0;
			d->st.manual_end_ms = ck_clock_wall_ms();
		} else if (strcmp(v, "Record") && strcmp(v, "StopRecord"))
			*ok = 0;
	}
	if ((v = ck_manscdp_field(r, "GuardCmd")) != NULL) {
		if (strcmp(v, "SetGuard") == 0 || strcmp(v, "ResetGuard") == 0)
			d->st.guard = v[0] == 'S';
		else
			*ok = 0;
	}
	if ((v = ck_manscdp_field(r, "AlarmCmd")) != NULL) {
		if (strcmp(v, "ResetAlarm") == 0)
			d->st.alarm = 0;
		else
			*ok = 0;
	}
	if ((v = ck_manscdp_field(r, "FormatSDCard")) != NULL)
		d->st.formats++;
	const ck_xml_node *h = ck_xml_child(r, NULL, "HomePosition");
	if (h) {
		const char *en = ck_manscdp_field(h, "Enabled"),
		    *rt = ck_manscdp_field(h, "ResetTime"), *pi = ck_manscdp_field(h, "PresetIndex");
		if (en == NULL || (strcmp(en, "0") && strcmp(en, "1")))
			*ok = 0;
		else {
			d->st.home_enabled = en[0] == '1';
			if (rt)
				d->st.home_reset_s = atoi(rt);
			if (pi)
				d->st.home_preset = atoi(pi);
		}
	}
	return need;
}

/* DeviceConfig: applied to the state (nothing when any part is refused),
 * the keepalive timer follows a new HeartBeatInterval at once, a new
 * Expiration the next refresh; *was set to the device's own catalog item
 * as it was when a new Name replaced it (the caller notifies and frees
 * it). 1 OK, 0 ERROR (e says why). */
static int
configure(ck_device *d, const ck_manscdp *m, char **was, ck_err *e)
{
	int hb = d->st.heartbeat_interval;
	char name[sizeof d->st.name];
	memcpy(name, d->st.name, sizeof name);
	if (ck_devstate_config(&d->st, m->root, e) < 0)
		return 0;
	if (d->self_item && strcmp(name, d->st.name) != 0) {
		/* the camera is its own channel: the catalog names it anew
		 * (answers in flight read d->self_item when they send) */
		ck_err ie;
		char *it = ck_manscdp_self_item(d->o.id, d->st.name, d->o.manufacturer,
		    d->o.model, d->o.domain, d->o.server_id, &ie);
		if (it) {
			*was = d->self_item;
			d->self_item = it;
		} else
			rec_error(d, "config", &ie);
	}
	if (d->st.heartbeat_interval != hb) {
		d->o.keepalive_ms = (int64_t)d->st.heartbeat_interval * 1000;
		d->next_ka = ck_clock_now_ms() + d->o.keepalive_ms;
	}
	d->o.max_missed = d->st.heartbeat_count;
	d->o.expires = d->st.expiration;
	return 1;
}

static void
answer_control(ck_device *d, ck_sip_req *rq, ck_manscdp *m)
{
	ck_err e = { 0 };
	const char *ptz = ck_manscdp_field(m->root, "PTZCmd");
	const char *id = m->device_id[0] ? m->device_id : d->o.id;
	int need_ack, ok = 1, teleboot = 0;
	char *was = NULL;
	if (strcmp(m->cmd_type, "DeviceConfig") == 0) {
		need_ack = 1;
		ok = configure(d, m, &was, &e);
	} else
		need_ack = control(d, m, &ok, &teleboot);
	rec_start(d, "control");
	ck_json_str(d->j, "from", ck_sip_from_user(rq->msg, 0));
	ck_json_uint(d->j, "sn", m->sn);
	ck_json_str(d->j, "device_id", m->device_id);
	if (strcmp(m->cmd_type, "DeviceControl") != 0)
		ck_json_str(d->j, "cmd_type", m->cmd_type);
	if (ptz) {
		ck_ptzcmd c;
		ck_err pe;
		ck_json_str(d->j, "ptzcmd", ptz);
		if (ck_ptzcmd_decode_hex(ptz, strlen(ptz), &c, &pe) == 0)
			ck_ptzcmd_json(&c, d->j);
		else
			ck_json_str(d->j, "decode_error", pe.msg);
	} else {
		ck_json_obj(d->j, "command");
		ck_manscdp_json_fields(m->root, d->j, 1, m);
		ck_json_end(d->j);
	}
	if (need_ack)
		ck_json_str(d->j, "result", ok ? "OK" : "ERROR");
	if (!ok && e.msg[0])
		ck_json_str(d->j, "reason", e.msg);
	emit(d);
	if (was) {
		/* a renamed channel is a catalog change: its subscribers hear
		 * of it as of a re-read catalog file (Event UPDATE) */
		ck_notifier_catalog_changed(d->notifier, &was, 1, &d->self_item, 1,
		    "DeviceConfig");
		free(was);
	}
	if (teleboot)
		reboot(d);
	if (!need_ack)
		return;
	size_t len;
	char *to = NULL;
	uint64_t tx = 0;
	char *b = ck_devstate_result(m->cmd_type, m->sn, id, ok, &len, &e);
	if (b && d->npend >= MAX_PENDING)
		ck_err_set(&e, CK_TEMPFAIL, "%d answers in flight", MAX_PENDING);
	else if (b && osip_uri_to_str(rq->msg->from->url, &to) == 0)
		tx = message_start(d, &rq->peer, to, b, len,
		    ck_clock_now_ms() + d->o.timeout_ms, &e);
	osip_free(to);
	free(b);
	if (tx)
		pend_add(d, tx, P_ACK);
	else
		rec_error(d, "control", &e);
}

/* rq came from the platform this device is registered with: its ID in
 * From, and the address the device registers at (UDP: the same address
 * and port; TCP: the registration's connection), the mirror of the
 * registrar's check on its devices. A request that can silence an alarm
 * (its confirmation, a reset) is taken only from there. */
static int
from_platform(const ck_device *d, const ck_sip_req *rq)
{
	return d->registered && d->have_peer &&
	    strcmp(ck_sip_from_user(rq->msg, 0), d->server_id) == 0 &&
	    ck_sip_peer_same(&d->peer, &rq->peer);
}

/* Refuses rq (403) and reports it: a refused record. */
static void
refuse_foreign(ck_device *d, ck_sip_req *rq, const ck_manscdp *m)
{
	ck_err e;
	char src[80];
	ck_sip_reply(d->s, rq, 403, &e);
	rec_start(d, "refused");
	ck_json_str(d->j, "cmd_type", m->cmd_type);
	ck_json_uint(d->j, "sn", m->sn);
	ck_json_str(d->j, "from", ck_sip_from_user(rq->msg, 0));
	ck_json_str(d->j, "source", ck_sip_peer_str(&rq->peer, src, sizeof src));
	ck_json_int(d->j, "status", 403);
	ck_json_str(d->j, "reason", "not the platform the device is registered with");
	emit(d);
}

/* Methods this device handles (the Allow of its 405 and OPTIONS 200). */
static const char allow[] = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, MESSAGE";

/* A request that is not a MESSAGE and no media business: OPTIONS 200,
 * CANCEL of no transaction 481, BYE of no dialog 481, INVITE without a
 * camera 488, ACK nothing, the rest 405 with Allow (RFC 3261 8.2.1,
 * 11.2, 9.2). */
static void
answer_other(ck_device *d, ck_sip_req *rq)
{
	ck_err e;
	int st = MSG_IS_OPTIONS(rq->msg) ? 200 : MSG_IS_CANCEL(rq->msg) ||
	    MSG_IS_BYE(rq->msg) ? 481 : MSG_IS_INVITE(rq->msg) ? 488 : 405;
	osip_message_t *r;
	if (MSG_IS_ACK(rq->msg))
		return;
	if ((r = ck_sip_response_new(d->s, rq, st, &e)) == NULL)
		return;
	if (st == 200 || st == 405)
		osip_message_set_allow(r, allow);
	if (st == 200)
		osip_message_set_header(r, "Accept", "Application/MANSCDP+xml, application/sdp");
	ck_sip_send_response(d->s, rq, r, &e);
}

void
ck_device_handle(ck_device *d, ck_sip_req *rq)
{
	ck_err e;
	ck_manscdp m;
	size_t blen;
	const char *body = ck_sip_body(rq->msg, &blen);
	if (d->boot_until) {   /* rebooting: nobody answers */
		ck_sip_req_free(rq);
		return;
	}
	if (d->o.camera && ck_camera_handle(d->o.camera, rq))
		return;
	if (ck_notifier_handle(d->notifier, rq, from_platform(d, rq)))
		return;
	if (!MSG_IS_MESSAGE(rq->msg)) {
		answer_other(d, rq);
		ck_sip_req_free(rq);
		return;
	}
	if (body == NULL || ck_manscdp_parse(body, blen, NULL, &m, &e) < 0) {
		ck_sip_reply(d->s, rq, 400, &e);
		ck_sip_req_free(rq);
		return;
	}
	if (strcmp(m.kind, "Control") == 0 && ck_xml_child(m.root, NULL, "AlarmCmd") &&
	    !from_platform(d, rq)) {
		refuse_foreign(d, rq, &m);
		ck_manscdp_free(&m);
		ck_sip_req_free(rq);
		return;
	}
	ck_sip_reply(d->s, rq, 200, &e);
	if (strcmp(m.kind, "Query") == 0)
		answer_query(d, rq, &m);
	else if (strcmp(m.kind, "Control") == 0)
		answer_control(d, rq, &m);
	ck_manscdp_free(&m);
	ck_sip_req_free(rq);
}

/* ---- the loop ---- */

/* One finished transaction. Returns -1 when the device gives up. */
static int
finished(ck_device *d, uint64_t tx, osip_message_t *resp, ck_err *e)
{
	size_t i;
	int status = resp ? osip_message_get_status_code(resp) : -1, rc = 0;
	for (i = 0; i < d->npend && d->pend[i].tx != tx; i++)
		;
	if (i == d->npend) {
		if (!ck_notifier_finished(d->notifier, tx, resp, e) && resp)
			osip_message_free(resp);
		return 0;
	}
	struct pend p = d->pend[i];
	d->pend[i] = d->pend[--d->npend];
	switch (p.kind) {
	case P_REG:
		rc = reg_done(d, resp, e);
		break;
	case P_KA:
		keepalive_done(d, &p, status);
		break;
	case P_ANSWER:
		answer_done(d, p.a, status, e);
		break;
	case P_ACK:
		if (status < 0)
			rec_error(d, "control", e);
		break;
	}
	if (resp)
		osip_message_free(resp);
	return rc;
}

int
ck_device_tick(ck_device *d, ck_err *e)
{
	uint64_t tx;
	osip_message_t *resp;
	ck_err te;
	int64_t now;
	while (ck_sip_tx_done(d->s, &tx, &resp, &te) == 1)
		if (finished(d, tx, resp, &te) < 0) {
			*e = te;
			return -1;
		}
	now = ck_clock_now_ms();
	if (d->boot_until && now < d->boot_until)
		return 0;
	d->boot_until = 0;
	if (d->registered && d->o.tcp && !ck_sip_peer_alive(d->s, &d->peer)) {
		ck_err_set(&te, CK_UNAVAIL, "TCP connection to the platform closed");
		rec_error(d, "connection", &te);
		d->registered = 0;
		d->next_reg = now;
		back_to_origin(d);
		new_session(d);
	}
	if (d->reg.active)
		;   /* one registration at a time; keepalives go on meanwhile */
	else if (!d->registered && now >= d->next_reg) {
		reg_begin(d, R_REGISTER, d->o.expires);
		if (reg_send(d, &te) < 0 && reg_failed(d, &te) < 0) {
			*e = te;
			return -1;
		}
	} else if (d->registered && now >= d->refresh_at) {
		reg_begin(d, R_REFRESH, d->o.expires);
		if (reg_send(d, &te) < 0 && reg_failed(d, &te) < 0) {
			*e = te;
			return -1;
		}
	}
	if (d->registered && now >= d->next_ka) {
		d->next_ka = now + d->o.keepalive_ms;
		keepalive_send(d);
	}
	char uri[400];
	server_uri(d, uri, sizeof uri);
	ck_notifier_ctx nc = { d->registered, d->have_peer ? &d->peer : NULL, uri,
	    &d->items, &d->nitems };
	ck_notifier_tick(d->notifier, &nc);
	return 0;
}

int64_t
ck_device_wake(const ck_device *d)
{
	int64_t w = ck_clock_now_ms() + 1000;
	if (d->boot_until)
		return d->boot_until < w ? d->boot_until : w;
	if (!d->registered && !d->reg.active && d->next_reg < w)
		w = d->next_reg;
	if (d->registered && !d->reg.active && d->refresh_at < w)
		w = d->refresh_at;
	if (d->registered && d->next_ka < w)
		w = d->next_ka;
	return ck_notifier_wake(d->notifier, w);
}

int
ck_device_registered(const ck_device *d)
{
	return d->registered;
}

int
ck_device_stop(ck_device *d, ck_err *e)
{
	char date[64];
	int granted, rc;
	int64_t off, end = ck_clock_now_ms() +
	    (d->o.timeout_ms > 5000 ? 5000 : d->o.timeout_ms);
	if (!d->registered)
		return 0;
	/* a refresh in flight is forgotten: the unregister replaces it */
	for (size_t i = 0; i < d->npend; i++)
		if (d->pend[i].kind == P_REG)
			ck_sip_tx_cancel(d->s, d->pend[i].tx);
	reg_begin(d, R_REGISTER, 0);
	for (;;) {
		osip_message_t *req = register_request(d, e), *r = NULL;
		if (req == NULL || ck_sip_send_request(d->s, &d->peer, req, end, &r, e) < 0)
			break;
		rc = register_answer(d, r, &granted, &off, date, sizeof date, e);
		osip_message_free(r);
		if (rc > 0) {
			d->registered = 0;
			rec_start(d, "unregistered");
			ck_json_str(d->j, "id", d->o.id);
			rec_server(d);
			emit(d);
			return 0;
		}
		if (rc < 0)
			break;
	}
	rec_error(d, "unregister", e);
	return -1;
}

/* The state a fresh device starts with: its options as BasicParam. */
static int
state_init(ck_device *d, ck_err *e)
{
	ck_devstate *t = &d->st;
	snprintf(t->name, sizeof t->name, "%s", d->o.name ? d->o.name : "");
	snprintf(t->id, sizeof t->id, "%s", d->o.id);
	snprintf(t->server_id, sizeof t->server_id, "%s", d->o.server_id);
	snprintf(t->server_ip, sizeof t->server_ip, "%s", d->o.server_host);
	snprintf(t->domain, sizeof t->domain, "%s", d->o.domain ? d->o.domain : "");
	t->server_port = d->o.server_port;
	t->expiration = d->o.expires;
	t->heartbeat_interval = (int)((d->o.keepalive_ms + 999) / 1000);
	t->heartbeat_count = d->o.max_missed;
	t->snap_num = 1;
	t->snap_interval = 1;
	t->zoom = 1;
	return ck_devstate_presets(t, d->o.presets ? d->o.presets : "1,2,3", e);
}

ck_device *
ck_device_new(ck_sip *s, const ck_device_opts *o, ck_err *e)
{
	ck_device *d = calloc(1, sizeof *d);
	if (d == NULL || (d->j = ck_json_new()) == NULL) {
		free(d);
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	d->o = *o;
	d->s = s;
	if (o->notify && (d->notifier = ck_notifier_new(s, o->notify, e)) == NULL) {
		ck_device_free(d);
		return NULL;
	}
	if (d->o.max_missed <= 0)
		d->o.max_missed = 3;
	if (d->o.chunk <= 0)
		d->o.chunk = 1;
	snprintf(d->server_id, sizeof d->server_id, "%s", o->server_id);
	snprintf(d->server_host, sizeof d->server_host, "%s", o->server_host);
	d->server_port = o->server_port;
	if (o->items && o->nitems) {
		d->items = o->items;
		d->nitems = o->nitems;
	} else {
		/* an IP camera's answer: itself as the only channel */
		d->self_item = ck_manscdp_self_item(o->id, o->name, o->manufacturer,
		    o->model, o->domain, o->server_id, e);
		if (d->self_item == NULL) {
			ck_device_free(d);
			return NULL;
		}
		d->items = &d->self_item;
		d->nitems = 1;
	}
	if (state_init(d, e) < 0) {
		ck_device_free(d);
		return NULL;
	}
	new_session(d);
	d->next_reg = ck_clock_now_ms();
	return d;
}

void
ck_device_free(ck_device *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->npend; i++) {
		ck_sip_tx_cancel(d->s, d->pend[i].tx);
		if (d->pend[i].kind == P_ANSWER) {
			free(d->pend[i].a->body);
			free(d->pend[i].a);
		}
	}
	ck_notifier_free(d->notifier);
	if (d->have_peer)
		ck_sip_peer_close(d->s, &d->peer);
	free(d->self_item);
	ck_json_free(d->j);
	free(d);
}

int
ck_device_run(ck_device *d, ck_camera *cam, volatile sig_atomic_t *stop, ck_err *e)
{
	int rc = 0;
	while (!*stop) {
		ck_sip_req *rq = NULL;
		int64_t wake = ck_device_wake(d), cw = cam ? ck_camera_wake(cam) : -1;
		int n = ck_sip_next_request(d->s, cw >= 0 && cw < wake ? cw : wake, &rq, e);
		if (n > 0)
			ck_device_handle(d, rq);
		if (n < 0) {
			ck_log_warn("%s", e->msg);
			rc = -1;
			break;
		}
		if (cam)
			ck_camera_tick(cam);
		if (ck_device_tick(d, e) < 0) {
			rc = -1;   /* reported as an error record */
			break;
		}
	}
	if (*stop && cam)
		ck_camera_stop(cam);   /* BYE every dialog, then unregister */
	if (*stop)
		ck_device_stop(d, e);
	return rc;
}
