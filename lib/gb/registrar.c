/* registrar: GB/T 28181 platform-side registration and keepalive tracking. */
#include "base/clock.h"
#include "gb/registrar.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "base/cred.h"
#include "codec/digest.h"
#include "base/log.h"
#include "net/net.h"

#define NBUCKETS 65536

struct dev {
	ck_registrar_device d;
	char nonce[40];          /* last nonce accepted, and its nonce count */
	unsigned long nc;
	struct dev *next;
};

struct pw {
	char *id;
	char *pass;
};

struct ck_registrar {
	ck_sip *s;
	ck_registrar_opts o;
	char domain[128];
	char *password;
	struct pw *pws;
	size_t npws;
	char **allow;
	size_t nallow;
	unsigned char secret[32];
	char opaque[33];
	struct dev **tab;
	size_t ndev, nonline;
	int64_t last_tick;
	/* ck_registrar_await */
	int awaiting;
	const char *await_id;
	int await_hit;
	ck_registrar_device await_dev;
};

static unsigned
hash_id(const char *k)
{
	unsigned h = 2166136261u;
	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 16777619u;
	return h;
}

static int
pw_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pw *)a)->id, ((const struct pw *)b)->id);
}

static int
load_pwfile(ck_registrar *r, const char *path, ck_err *e)
{
	/* the same rule as every password file: private, or refused (78) */
	FILE *f = ck_cred_fopen(path, e);
	char line[1024];
	int ln = 0;
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f)) {
		char id[128], pass[512];
		ln++;
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '#' || *p == '\0')
			continue;
		if (sscanf(p, "%127s %511s", id, pass) != 2) {
			if (f != stdin)
				fclose(f);
			ck_cred_wipe_mem(line, sizeof line);
			return ck_err_set(e, CK_CONFIG, "%s:%d: expected 'ID PASSWORD'", path, ln);
		}
		struct pw *n = realloc(r->pws, (r->npws + 1) * sizeof *n);
		if (n == NULL) {
			if (f != stdin)
				fclose(f);
			return ck_err_set(e, CK_SOFTWARE, "out of memory");
		}
		r->pws = n;
		r->pws[r->npws].id = strdup(id);
		r->pws[r->npws].pass = strdup(pass);
		r->npws++;
		ck_cred_wipe_mem(pass, sizeof pass);
		ck_cred_wipe_mem(line, sizeof line);
	}
	if (f != stdin)
		fclose(f);
	qsort(r->pws, r->npws, sizeof *r->pws, pw_cmp);
	return 0;
}

ck_registrar *
ck_registrar_new(ck_sip *s, const ck_registrar_opts *o, ck_err *e)
{
	ck_registrar *r = calloc(1, sizeof *r);
	if (r == NULL || (r->tab = calloc(NBUCKETS, sizeof *r->tab)) == NULL) {
		free(r);
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	r->s = s;
	r->o = *o;
	if (r->o.nonce_ttl_s <= 0)
		r->o.nonce_ttl_s = 300;
	if (r->o.keepalive_ms <= 0)
		r->o.keepalive_ms = 60000;
	if (r->o.max_missed <= 0)
		r->o.max_missed = 3;
	if (r->o.min_expires <= 0)
		r->o.min_expires = 1;
	snprintf(r->domain, sizeof r->domain, "%s", o->domain ? o->domain : "");
	r->o.domain = r->domain;
	if (o->password)
		r->password = strdup(o->password);
	r->o.password = NULL;
	if (o->password_file && load_pwfile(r, o->password_file, e) < 0) {
		ck_registrar_free(r);
		return NULL;
	}
	if (o->allow && *o->allow) {
		char *dup = strdup(o->allow), *save = NULL;
		for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			while (*t == ' ')
				t++;
			if (*t == '\0')
				continue;
			char **n = realloc(r->allow, (r->nallow + 1) * sizeof *n);
			if (n == NULL)
				break;
			r->allow = n;
			r->allow[r->nallow++] = strdup(t);
		}
		free(dup);
	}
	if (RAND_bytes(r->secret, sizeof r->secret) != 1 ||
	    ck_digest_random_hex(r->opaque, 16) < 0) {
		ck_registrar_free(r);
		ck_err_set(e, CK_SOFTWARE, "no random bytes");
		return NULL;
	}
	return r;
}

void
ck_registrar_free(ck_registrar *r)
{
	if (r == NULL)
		return;
	if (r->tab)
		for (size_t i = 0; i < NBUCKETS; i++)
			while (r->tab[i]) {
				struct dev *d = r->tab[i];
				r->tab[i] = d->next;
				free(d);
			}
	free(r->tab);
	for (size_t i = 0; i < r->npws; i++) {
		ck_cred_wipe_mem(r->pws[i].pass, strlen(r->pws[i].pass));
		free(r->pws[i].id);
		free(r->pws[i].pass);
	}
	free(r->pws);
	if (r->password) {
		ck_cred_wipe_mem(r->password, strlen(r->password));
		free(r->password);
	}
	for (size_t i = 0; i < r->nallow; i++)
		free(r->allow[i]);
	free(r->allow);
	ck_cred_wipe_mem(r->secret, sizeof r->secret);
	free(r);
}

static struct dev *
dev_get(ck_registrar *r, const char *id, int create)
{
	unsigned h = hash_id(id) % NBUCKETS;
	for (struct dev *d = r->tab[h]; d; d = d->next)
		if (strcmp(d->d.id, id) == 0)
			return d;
	if (!create)
		return NULL;
	struct dev *d = calloc(1, sizeof *d);
	if (d == NULL)
		return NULL;
	snprintf(d->d.id, sizeof d->d.id, "%s", id);
	d->next = r->tab[h];
	r->tab[h] = d;
	r->ndev++;
	return d;
}

const ck_registrar_device *
ck_registrar_find(ck_registrar *r, const char *id)
{
	struct dev *d = dev_get(r, id, 0);
	return d ? &d->d : NULL;
}

size_t
ck_registrar_online(const ck_registrar *r)
{
	return r->nonline;
}

static int
allowed(const ck_registrar *r, const char *id)
{
	if (r->nallow == 0)
		return 1;
	for (size_t i = 0; i < r->nallow; i++) {
		const char *a = r->allow[i];
		size_t l = strlen(a);
		if (l > 0 && a[l - 1] == '*') {
			if (strncmp(a, id, l - 1) == 0)
				return 1;
		} else if (strcmp(a, id) == 0)
			return 1;
	}
	return 0;
}

static const char *
password_for(const ck_registrar *r, const char *id)
{
	if (r->npws) {
		struct pw key = { (char *)id, NULL };
		struct pw *p = bsearch(&key, r->pws, r->npws, sizeof *r->pws, pw_cmp);
		if (p)
			return p->pass;
	}
	return r->password;
}

static void
emit(ck_registrar *r, int type, const char *reason, const ck_registrar_device *d,
    int status)
{
	ck_registrar_event ev = { type, reason, d, status };
	if (r->awaiting && !r->await_hit &&
	    (type == CK_REG_REGISTER || type == CK_REG_REFRESH || type == CK_REG_KEEPALIVE) &&
	    (r->await_id == NULL || strcmp(r->await_id, d->id) == 0)) {
		r->await_hit = 1;
		r->await_dev = *d;
	}
	if (r->o.on_event)
		r->o.on_event(r->o.arg, &ev);
}

/* Stateless nonce: 8 hex digits of issue time + 24 hex of HMAC(secret, time). */
static void
make_nonce(ck_registrar *r, int64_t now_s, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char ts[9];
	snprintf(ts, sizeof ts, "%08llx", (unsigned long long)(now_s & 0xffffffff));
	HMAC(EVP_sha256(), r->secret, sizeof r->secret, (unsigned char *)ts, 8, md, &mdlen);
	memcpy(out, ts, 8);
	for (int i = 0; i < 12; i++)
		snprintf(out + 8 + 2 * i, 3, "%02x", md[i]);
}

/* 1 fresh, 0 stale (ours but old, or not ours at all). */
static int
nonce_fresh(ck_registrar *r, const char *nonce)
{
	char want[40];
	if (strlen(nonce) != 32)
		return 0;
	unsigned long long ts = strtoull((char[9]){ nonce[0], nonce[1], nonce[2], nonce[3],
	    nonce[4], nonce[5], nonce[6], nonce[7], 0 }, NULL, 16);
	make_nonce(r, (int64_t)ts, want);
	if (CRYPTO_memcmp(want, nonce, 32) != 0)
		return 0;
	long long age = (long long)((ck_clock_wall_ms() / 1000) & 0xffffffff) - (long long)ts;
	return age >= -5 && age <= r->o.nonce_ttl_s;
}

static void
fill_src(ck_registrar_device *d, const ck_sip_req *rq)
{
	d->peer = rq->peer;
	ck_sip_peer_str(&rq->peer, d->source, sizeof d->source);
}

static int
challenge(ck_registrar *r, ck_sip_req *rq, int stale)
{
	ck_err e;
	ck_digest_chal c;
	char v[512];
	memset(&c, 0, sizeof c);
	snprintf(c.realm, sizeof c.realm, "%s", r->domain);
	make_nonce(r, ck_clock_wall_ms() / 1000, c.nonce);
	c.nonce[32] = '\0';
	snprintf(c.opaque, sizeof c.opaque, "%s", r->opaque);
	c.alg = r->o.sha256 ? CK_DIGEST_SHA256 : CK_DIGEST_MD5;
	c.qop_auth = r->o.qop;
	c.stale = stale;
	osip_message_t *m = ck_sip_response_new(r->s, rq, 401, &e);
	if (m == NULL)
		return -1;
	if (ck_digest_build_challenge(&c, v, sizeof v, &e) < 0 ||
	    osip_message_set_www_authenticate(m, v) != 0) {
		osip_message_free(m);
		return -1;
	}
	return ck_sip_send_response(r->s, rq, m, &e);
}

static void
reject(ck_registrar *r, ck_sip_req *rq, int status, const char *reason,
    const char *id)
{
	ck_err e;
	ck_registrar_device d;
	memset(&d, 0, sizeof d);
	snprintf(d.id, sizeof d.id, "%s", id);
	fill_src(&d, rq);
	ck_sip_reply(r->s, rq, status, &e);
	emit(r, CK_REG_AUTH_FAILED, reason, &d, status);
}

static void
set_offline(ck_registrar *r, struct dev *d)
{
	if (d->d.online && r->nonline > 0)
		r->nonline--;
	d->d.online = 0;
}

static void
set_online(ck_registrar *r, struct dev *d)
{
	if (!d->d.online)
		r->nonline++;
	d->d.online = 1;
}

static void
handle_register(ck_registrar *r, ck_sip_req *rq)
{
	ck_err e;
	osip_message_t *q = rq->msg;
	osip_authorization_t *au = NULL;
	const char *id = ck_sip_from_user(q, 0);
	char *aval = NULL;
	ck_digest_auth a;

	if (*id == '\0' || strlen(id) >= sizeof(((ck_registrar_device *)0)->id)) {
		ck_sip_reply(r->s, rq, 400, &e);
		return;
	}
	if (!allowed(r, id) || password_for(r, id) == NULL) {
		reject(r, rq, 403, "unknown id", id);
		return;
	}
	if (osip_message_get_authorization(q, 0, &au) < 0 || au == NULL) {
		challenge(r, rq, 0);
		return;
	}
	if (osip_authorization_to_str(au, &aval) != 0 || aval == NULL ||
	    ck_digest_parse_auth(aval, &a, &e) < 0) {
		osip_free(aval);
		challenge(r, rq, 0);
		ck_registrar_device d;
		memset(&d, 0, sizeof d);
		snprintf(d.id, sizeof d.id, "%s", id);
		fill_src(&d, rq);
		emit(r, CK_REG_AUTH_FAILED, "bad authorization", &d, 401);
		return;
	}
	osip_free(aval);
	if (strcmp(a.realm, r->domain) != 0) {
		reject(r, rq, 403, "wrong realm", id);
		return;
	}
	if (!nonce_fresh(r, a.nonce)) {
		ck_registrar_device d;
		memset(&d, 0, sizeof d);
		snprintf(d.id, sizeof d.id, "%s", id);
		fill_src(&d, rq);
		challenge(r, rq, 1);
		emit(r, CK_REG_AUTH_FAILED, "stale nonce", &d, 401);
		return;
	}
	if (ck_digest_verify(&a, password_for(r, id), q->sip_method, &e) != 1) {
		reject(r, rq, 403, "wrong password", id);
		return;
	}
	int expires = ck_sip_expires(q, 3600);
	struct dev *d = dev_get(r, id, expires > 0);
	/* With qop, a nonce count that does not grow is a replay (RFC 7616
	 * 3.4): answer with a fresh nonce, as for a stale one. */
	if (d && a.qop_auth) {
		unsigned long nc = strtoul(a.nc, NULL, 16);
		if (strcmp(d->nonce, a.nonce) == 0 && nc <= d->nc) {
			ck_registrar_device x;
			memset(&x, 0, sizeof x);
			snprintf(x.id, sizeof x.id, "%s", id);
			fill_src(&x, rq);
			challenge(r, rq, 1);
			emit(r, CK_REG_AUTH_FAILED, "replayed nonce count", &x, 401);
			return;
		}
		snprintf(d->nonce, sizeof d->nonce, "%s", a.nonce);
		d->nc = nc;
	}
	osip_message_t *m = ck_sip_response_new(r->s, rq, 200, &e);
	if (m == NULL)
		return;
	char date[40], ex[16];
	ck_sip_gb_date(ck_clock_wall_ms(), 0, date, sizeof date);
	osip_message_set_header(m, "Date", date);
	if (expires > 0 && expires < r->o.min_expires)
		expires = r->o.min_expires;
	snprintf(ex, sizeof ex, "%d", expires);
	osip_message_set_expires(m, ex);
	osip_contact_t *ct = NULL;
	if (osip_message_get_contact(q, 0, &ct) >= 0 && ct) {
		char *cs = NULL;
		if (osip_contact_to_str(ct, &cs) == 0 && cs) {
			osip_message_set_contact(m, cs);
			osip_free(cs);
		}
	}
	ck_sip_send_response(r->s, rq, m, &e);
	if (d == NULL)
		return;
	if (expires == 0) {
		fill_src(&d->d, rq);
		d->d.registered = 0;
		d->d.expires = 0;
		set_offline(r, d);
		emit(r, CK_REG_UNREGISTER, NULL, &d->d, 200);
		return;
	}
	int refresh = d->d.registered && d->d.online &&
	    strcmp(d->d.call_id, q->call_id->number ? q->call_id->number : "") == 0;
	int64_t now = ck_clock_now_ms();
	fill_src(&d->d, rq);
	d->d.expires = expires;
	d->d.registered = 1;
	if (!refresh)
		d->d.registered_at = ck_clock_wall_ms();
	d->d.last_seen = now;
	d->d.expires_at = now + (int64_t)expires * 1000;
	set_online(r, d);
	snprintf(d->d.call_id, sizeof d->d.call_id, "%s", q->call_id->number ? q->call_id->number : "");
	d->d.contact[0] = '\0';
	if (ct && ct->url) {
		char *us = NULL;
		if (osip_uri_to_str(ct->url, &us) == 0 && us) {
			snprintf(d->d.contact, sizeof d->d.contact, "%s", us);
			osip_free(us);
		}
	}
	const char *ua = ck_sip_header(q, "user-agent");
	snprintf(d->d.user_agent, sizeof d->d.user_agent, "%s", ua ? ua : "");
	emit(r, refresh ? CK_REG_REFRESH : CK_REG_REGISTER, NULL, &d->d, 200);
}

/* Body is a MANSCDP Notify with CmdType Keepalive? (a byte search, enough
 * to route it; the body is not otherwise interpreted). */
static int
is_keepalive(const osip_message_t *m)
{
	size_t len;
	const char *b = ck_sip_body(m, &len);
	if (b == NULL || len > 8192)
		return 0;
	const char *p = memmem(b, len, "CmdType>", 8);
	if (p == NULL)
		return 0;
	p += 8;
	while (p < b + len && isspace((unsigned char)*p))
		p++;
	return (size_t)(b + len - p) >= 9 && strncmp(p, "Keepalive", 9) == 0;
}

static void
handle_keepalive(ck_registrar *r, ck_sip_req *rq)
{
	ck_err e;
	const char *id = ck_sip_from_user(rq->msg, 0);
	if (*id == '\0' || strlen(id) >= sizeof(((ck_registrar_device *)0)->id)) {
		ck_sip_reply(r->s, rq, 400, &e);
		return;
	}
	if (!allowed(r, id) || password_for(r, id) == NULL) {
		reject(r, rq, 403, "unknown id", id);
		return;
	}
	/* Keepalives are not authenticated: only devices that registered get
	 * tracked, so forged IDs cannot grow the table. Others are still
	 * answered and reported (a device that registered with an earlier
	 * instance of the platform keeps sending them). */
	struct dev *d = dev_get(r, id, 0);
	ck_sip_reply(r->s, rq, 200, &e);
	if (d == NULL) {
		ck_registrar_device x;
		memset(&x, 0, sizeof x);
		snprintf(x.id, sizeof x.id, "%s", id);
		fill_src(&x, rq);
		x.last_seen = ck_clock_now_ms();
		emit(r, CK_REG_KEEPALIVE, NULL, &x, 200);
		return;
	}
	fill_src(&d->d, rq);
	d->d.last_seen = ck_clock_now_ms();
	set_online(r, d);
	emit(r, CK_REG_KEEPALIVE, NULL, &d->d, 200);
}

int
ck_registrar_handle(ck_registrar *r, ck_sip_req *rq)
{
	osip_message_t *q = rq->msg;
	if (MSG_IS_REGISTER(q))
		handle_register(r, rq);
	else if (MSG_IS_MESSAGE(q) && is_keepalive(q))
		handle_keepalive(r, rq);
	else
		return 0;
	ck_sip_req_free(rq);
	return 1;
}

void
ck_registrar_tick(ck_registrar *r)
{
	int64_t now = ck_clock_now_ms();
	int64_t gone = r->o.keepalive_ms * r->o.max_missed;
	if (now - r->last_tick < 200)
		return;
	r->last_tick = now;
	for (size_t i = 0; i < NBUCKETS; i++)
		for (struct dev *d = r->tab[i]; d; d = d->next) {
			if (!d->d.online)
				continue;
			if (d->d.registered && now >= d->d.expires_at) {
				d->d.registered = 0;
				set_offline(r, d);
				emit(r, CK_REG_EXPIRED, NULL, &d->d, 0);
			} else if (now - d->d.last_seen >= gone) {
				set_offline(r, d);
				emit(r, CK_REG_OFFLINE, NULL, &d->d, 0);
			}
		}
}

int
ck_registrar_await(ck_registrar *r, const char *id, int64_t deadline,
    ck_registrar_device *out, ck_err *e)
{
	int rc = -1;
	r->awaiting = 1;
	r->await_id = id;
	r->await_hit = 0;
	for (;;) {
		ck_sip_req *rq = NULL;
		int64_t now = ck_clock_now_ms(), until = now + 1000;
		if (deadline >= 0 && until > deadline)
			until = deadline;
		int n = ck_sip_next_request(r->s, until, &rq, e);
		if (n < 0)
			break;
		if (n > 0 && !ck_registrar_handle(r, rq)) {
			ck_err e2;
			ck_sip_reply(r->s, rq, MSG_IS_MESSAGE(rq->msg) ? 200 : 405, &e2);
			ck_sip_req_free(rq);
		}
		ck_registrar_tick(r);
		if (r->await_hit) {
			*out = r->await_dev;
			rc = 0;
			break;
		}
		if (n == 0 && ck_clock_now_ms() < until) {
			ck_err_clear(e);   /* interrupted by a signal */
			break;
		}
		if (deadline >= 0 && ck_clock_now_ms() >= deadline) {
			ck_err_set(e, CK_TEMPFAIL, "no device registered before the deadline");
			break;
		}
	}
	r->awaiting = 0;
	return rc;
}
