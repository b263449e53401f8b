/* registrar: GB/T 28181 platform-side registration and keepalive tracking. */
#include "base/clock.h"
#include "gb/registrar.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "base/cred.h"
#include "base/hash.h"
#include "codec/digest.h"
#include "base/log.h"
#include "base/opt.h"
#include "net/net.h"

#define NBUCKETS 65536

/* auth_failed records: a token bucket per source address (GCRA: the
 * bucket is the time its next token is due), in a bounded table so that
 * a flood from spoofed addresses grows neither output nor memory. */
#define LIM_SLOTS 1024          /* addresses tracked */
#define LIM_PROBE 8             /* slots an address may take */
#define LIM_BURST 10            /* records an address may cause at once */
#define LIM_EVERY_MS 1000       /* then one a second */
#define LIM_ALL_BURST 100       /* and over all addresses together */
#define LIM_ALL_EVERY_MS 20     /* 50 a second */
#define LIM_SUMMARY_MS 10000    /* one suppression count per address per 10 s */

struct lim {
	int family;               /* 0 = free slot */
	unsigned char addr[16];   /* ck_net_addr_key */
	int64_t tat;              /* when its next token is due (<= now: full) */
	unsigned long dropped;    /* records held back since `since` */
	int64_t since;
};

struct dev {
	ck_registrar_device d;
	/* The last nonce accepted, its issue stamp and nonce count: a nonce is
	 * good once (a newer stamp than any this device used), or again only
	 * with qop and a growing nc (RFC 7616 3.4). */
	char nonce[40];
	uint64_t stamp;
	unsigned long nc;
	struct dev *next;
};

struct pw {
	char *id;
	char *pass;
};

struct ck_registrar {
	ck_sip *s;
	int own_sip;             /* opened by ck_registrar_open */
	char host[256];          /* its listening address ("" = any) */
	ck_registrar_opts o;
	char domain[128];
	char *password;
	struct pw *pws;
	size_t npws;
	char **allow;
	size_t nallow;
	unsigned char secret[32];
	char opaque[33];
	uint64_t last_stamp;     /* of the last nonce issued: strictly growing */
	struct dev **tab;
	size_t ndev, nonline;
	struct lim *lim;         /* LIM_SLOTS */
	int64_t lim_all_tat;
	unsigned long lim_other; /* held back for addresses evicted from lim */
	int64_t lim_other_since;
	int64_t last_tick;
	/* ck_registrar_await */
	int awaiting;
	const char *await_id;
	int await_hit;
	ck_registrar_device await_dev;
};

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
	if (r == NULL || (r->tab = calloc(NBUCKETS, sizeof *r->tab)) == NULL ||
	    (r->lim = calloc(LIM_SLOTS, sizeof *r->lim)) == NULL) {
		if (r)
			free(r->tab);
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
	if (r->o.unknown_status == 0)
		r->o.unknown_status = 404;
	if (o->date_tz && ck_sip_set_date_tz(o->date_tz, e) < 0) {
		ck_registrar_free(r);
		return NULL;
	}
	r->o.date_tz = NULL;
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

static void lim_flush(ck_registrar *r, int64_t now, int all);

void
ck_registrar_free(ck_registrar *r)
{
	if (r == NULL)
		return;
	lim_flush(r, 0, 1);
	free(r->lim);
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
	if (r->own_sip)
		ck_sip_close(r->s);
	free(r);
}

static struct dev *
dev_get(ck_registrar *r, const char *id, int create)
{
	unsigned h = ck_hash_str(id, CK_HASH_INIT) % NBUCKETS;
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

/* The entry of p's address: found, or a free slot, or the slot among its
 * LIM_PROBE whose bucket filled up longest ago (its count not yet
 * reported goes to lim_other). NULL for a peer without an address. */
static struct lim *
lim_get(ck_registrar *r, const ck_sip_peer *p, int64_t now)
{
	unsigned char key[16];
	int fam = p->addr.ss_family;
	if (fam != AF_INET && fam != AF_INET6)
		return NULL;
	ck_net_addr_key((const struct sockaddr *)&p->addr, key);
	uint32_t h = ck_hash_bytes(key, 16, CK_HASH_INIT);
	struct lim *victim = NULL;
	for (int i = 0; i < LIM_PROBE; i++) {
		struct lim *l = &r->lim[(h + (uint32_t)i) % LIM_SLOTS];
		if (l->family == fam && memcmp(l->addr, key, 16) == 0)
			return l;
		if (victim == NULL || (victim->family && (l->family == 0 || l->tat < victim->tat)))
			victim = l;
	}
	if (victim->family && victim->dropped) {
		if (r->lim_other == 0)
			r->lim_other_since = now;
		r->lim_other += victim->dropped;
	}
	memset(victim, 0, sizeof *victim);
	victim->family = fam;
	memcpy(victim->addr, key, 16);
	victim->tat = now;
	return victim;
}

/* Takes a token from the bucket whose next token is due at *tat. */
static int
bucket_take(int64_t *tat, int64_t now, int burst, int64_t every)
{
	int64_t t = *tat > now ? *tat : now;
	if (t - now > (int64_t)(burst - 1) * every)
		return 0;
	*tat = t + every;
	return 1;
}

/* May an auth_failed event from p be reported? If not, it is counted. */
static int
lim_allow(ck_registrar *r, const ck_sip_peer *p)
{
	int64_t now = ck_clock_now_ms();
	struct lim *l = lim_get(r, p, now);
	if ((l == NULL || bucket_take(&l->tat, now, LIM_BURST, LIM_EVERY_MS)) &&
	    bucket_take(&r->lim_all_tat, now, LIM_ALL_BURST, LIM_ALL_EVERY_MS))
		return 1;
	unsigned long *n = l ? &l->dropped : &r->lim_other;
	if ((*n)++ == 0)
		*(l ? &l->since : &r->lim_other_since) = now;
	return 0;
}

static void
lim_report(ck_registrar *r, const struct lim *l, unsigned long n)
{
	ck_registrar_device d;
	ck_registrar_event ev = { CK_REG_AUTH_SUPPRESSED, NULL, &d, 0, n };
	memset(&d, 0, sizeof d);
	if (l) {
		d.peer.addr.ss_family = (sa_family_t)l->family;
		if (l->family == AF_INET)   /* the key holds it v4-mapped */
			memcpy(&((struct sockaddr_in *)&d.peer.addr)->sin_addr, l->addr + 12, 4);
		else
			memcpy(&((struct sockaddr_in6 *)&d.peer.addr)->sin6_addr, l->addr, 16);
		int port;
		ck_net_addr_split((struct sockaddr *)&d.peer.addr, d.source, sizeof d.source, &port);
	}
	if (r->o.on_event)
		r->o.on_event(r->o.arg, &ev);
}

/* Reports the counts held LIM_SUMMARY_MS (all: every count) and resets them. */
static void
lim_flush(ck_registrar *r, int64_t now, int all)
{
	if (r->lim == NULL)
		return;
	for (size_t i = 0; i < LIM_SLOTS; i++) {
		struct lim *l = &r->lim[i];
		if (l->dropped && (all || now - l->since >= LIM_SUMMARY_MS)) {
			lim_report(r, l, l->dropped);
			l->dropped = 0;
		}
	}
	if (r->lim_other && (all || now - r->lim_other_since >= LIM_SUMMARY_MS)) {
		lim_report(r, NULL, r->lim_other);
		r->lim_other = 0;
	}
}

static void
emit(ck_registrar *r, int type, const char *reason, const ck_registrar_device *d,
    int status)
{
	ck_registrar_event ev = { type, reason, d, status, 0 };
	if (type == CK_REG_AUTH_FAILED && !lim_allow(r, &d->peer))
		return;
	if (r->awaiting && !r->await_hit &&
	    (type == CK_REG_REGISTER || type == CK_REG_REFRESH ||
	    (type == CK_REG_KEEPALIVE && d->registered)) &&   /* never a stranger's */
	    (r->await_id == NULL || strcmp(r->await_id, d->id) == 0)) {
		r->await_hit = 1;
		r->await_dev = *d;
	}
	if (r->o.on_event)
		r->o.on_event(r->o.arg, &ev);
}

/* Nonce: 14 hex digits of its issue stamp (wall clock in microseconds,
 * strictly growing: at most one per microsecond, so it never runs ahead
 * of the clock at any real rate) + 18 hex of HMAC(secret, stamp);
 * stateless to check, ordered so that a device's used nonces can be
 * refused with one number. */
static void
nonce_for(ck_registrar *r, uint64_t stamp, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char ts[15];
	snprintf(ts, sizeof ts, "%014llx", (unsigned long long)(stamp & 0xffffffffffffffULL));
	HMAC(EVP_sha256(), r->secret, sizeof r->secret, (unsigned char *)ts, 14, md, &mdlen);
	memcpy(out, ts, 14);
	for (int i = 0; i < 9; i++)
		snprintf(out + 14 + 2 * i, 3, "%02x", md[i]);
}

static uint64_t
wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
make_nonce(ck_registrar *r, char *out)
{
	uint64_t now = wall_us();
	r->last_stamp = now > r->last_stamp ? now : r->last_stamp + 1;
	nonce_for(r, r->last_stamp, out);
}

/* The nonce's stamp when it is ours and fresh, else 0 (stale or forged). */
static uint64_t
nonce_stamp(ck_registrar *r, const char *nonce)
{
	char want[40], ts[15];
	if (strlen(nonce) != 32)
		return 0;
	memcpy(ts, nonce, 14);
	ts[14] = '\0';
	uint64_t stamp = strtoull(ts, NULL, 16);
	nonce_for(r, stamp, want);
	if (CRYPTO_memcmp(want, nonce, 32) != 0)
		return 0;
	long long age = ((long long)wall_us() - (long long)stamp) / 1000000;
	return age >= -5 && age <= r->o.nonce_ttl_s ? stamp : 0;
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
	make_nonce(r, c.nonce);
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
	uint64_t stamp = nonce_stamp(r, a.nonce);
	if (stamp == 0) {
		ck_registrar_device d;
		memset(&d, 0, sizeof d);
		snprintf(d.id, sizeof d.id, "%s", id);
		fill_src(&d, rq);
		challenge(r, rq, 1);
		emit(r, CK_REG_AUTH_FAILED, "stale nonce", &d, 401);
		return;
	}
	/* We offered qop: an answer without it (RFC 2069 style) is a
	 * downgrade that would let the same answer be replayed (RFC 7616 3.4). */
	if (r->o.qop && !a.qop_auth) {
		reject(r, rq, 403, "qop required", id);
		return;
	}
	if (ck_digest_verify(&a, password_for(r, id), q->sip_method, &e) != 1) {
		reject(r, rq, 403, "wrong password", id);
		return;
	}
	int expires = ck_sip_expires(q, 3600);
	struct dev *d = dev_get(r, id, 0);
	/* A nonce this device already used is a replay unless qop's nonce
	 * count grows (a refresh reusing the nonce): answer with a fresh
	 * nonce, as for a stale one. */
	unsigned long nc = a.qop_auth ? strtoul(a.nc, NULL, 16) : 0;
	if (d && !(stamp > d->stamp || (a.qop_auth && stamp == d->stamp &&
	    strcmp(d->nonce, a.nonce) == 0 && nc > d->nc))) {
		ck_registrar_device x;
		memset(&x, 0, sizeof x);
		snprintf(x.id, sizeof x.id, "%s", id);
		fill_src(&x, rq);
		challenge(r, rq, 1);
		emit(r, CK_REG_AUTH_FAILED, a.qop_auth ? "replayed nonce count" :
		    "replayed nonce", &x, 401);
		return;
	}
	if (d == NULL && expires > 0)
		d = dev_get(r, id, 1);
	if (d) {
		snprintf(d->nonce, sizeof d->nonce, "%s", a.nonce);
		d->stamp = stamp;
		d->nc = nc;
	}
	osip_message_t *m = ck_sip_response_new(r->s, rq, 200, &e);
	if (m == NULL)
		return;
	char date[40], ex[16];
	ck_sip_gb_date(ck_clock_wall_ms(), 0, date, sizeof date);   /* local or --date-tz */
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
	ck_sip_peer_trust(r->s, &rq->peer);   /* never evicted for a newcomer */
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

/* A MESSAGE: accepted only from a registered device at its registered
 * source. Keepalives are handled here; other MESSAGEs that pass return 0
 * (the caller's). Refused ones are answered and reported: an unknown or
 * unregistered ID gets unknown_status (404: real cameras register again),
 * a registered ID from elsewhere 403 (unauthenticated: it must never move
 * the device nor keep it online). */
static int
handle_message(ck_registrar *r, ck_sip_req *rq)
{
	ck_err e;
	const char *id = ck_sip_from_user(rq->msg, 0);
	int ka = is_keepalive(rq->msg);
	if (*id == '\0' || strlen(id) >= sizeof(((ck_registrar_device *)0)->id)) {
		ck_sip_reply(r->s, rq, 400, &e);
		return 1;
	}
	struct dev *d = dev_get(r, id, 0);
	if (d == NULL || !d->d.registered) {
		ck_registrar_device x;
		memset(&x, 0, sizeof x);
		snprintf(x.id, sizeof x.id, "%s", id);
		fill_src(&x, rq);
		x.last_seen = ck_clock_now_ms();
		ck_sip_reply(r->s, rq, r->o.unknown_status, &e);
		if (r->o.unknown_status < 300 && ka)
			emit(r, CK_REG_KEEPALIVE, NULL, &x, r->o.unknown_status);
		else
			emit(r, CK_REG_AUTH_FAILED, "not registered", &x, r->o.unknown_status);
		return 1;
	}
	if (!ck_sip_peer_same(&d->d.peer, &rq->peer)) {
		reject(r, rq, 403, "wrong source", id);
		return 1;
	}
	if (!ka)
		return 0;
	ck_sip_reply(r->s, rq, 200, &e);
	d->d.last_seen = ck_clock_now_ms();
	set_online(r, d);
	emit(r, CK_REG_KEEPALIVE, NULL, &d->d, 200);
	return 1;
}

int
ck_registrar_handle(ck_registrar *r, ck_sip_req *rq)
{
	osip_message_t *q = rq->msg;
	if (MSG_IS_REGISTER(q))
		handle_register(r, rq);
	else if (!MSG_IS_MESSAGE(q) || !handle_message(r, rq))
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
	lim_flush(r, now, 0);
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

static const char *const ev_names[] = {
	[CK_REG_REGISTER] = "register", [CK_REG_REFRESH] = "refresh",
	[CK_REG_UNREGISTER] = "unregister", [CK_REG_EXPIRED] = "expired",
	[CK_REG_KEEPALIVE] = "keepalive", [CK_REG_OFFLINE] = "offline",
	[CK_REG_AUTH_FAILED] = "auth_failed",
	[CK_REG_AUTH_SUPPRESSED] = "auth_failed_suppressed",
};

const char *
ck_registrar_event_name(int type)
{
	if (type < 1 || type >= (int)(sizeof ev_names / sizeof ev_names[0]))
		return "?";
	return ev_names[type];
}

void
ck_registrar_event_json(const ck_registrar_event *ev, ck_json *j)
{
	const ck_registrar_device *d = ev->dev;
	ck_json_record(j, ev_names[ev->type]);
	ck_json_time_ms(j, "ts", ck_clock_wall_ms());
	if (ev->type == CK_REG_AUTH_SUPPRESSED) {
		if (d->source[0])
			ck_json_str(j, "address", d->source);
		ck_json_int(j, "suppressed", (long long)ev->suppressed);
		return;
	}
	ck_json_str(j, "id", d->id);
	ck_json_str(j, "transport", ck_sip_transport_name(d->peer.transport));
	ck_json_str(j, "source", d->source);
	if (ev->reason)
		ck_json_str(j, "reason", ev->reason);
	if (ev->type == CK_REG_REGISTER || ev->type == CK_REG_REFRESH) {
		ck_json_str(j, "contact", d->contact);
		ck_json_int(j, "expires", d->expires);
		ck_json_str(j, "user_agent", d->user_agent);
	}
	if (ev->status)
		ck_json_int(j, "status", ev->status);
}

/* One turn of serving: the next request until 250 ms from now, every
 * client transaction that finished, the timers. -1 with e when the
 * endpoint fails. */
static int
serve_turn(ck_registrar *r, ck_registrar_other_cb other, ck_registrar_done_cb done,
    void *arg, ck_err *e)
{
	ck_sip_req *rq = NULL;
	osip_message_t *resp;
	uint64_t id;
	ck_err te;
	int n = ck_sip_next_request(r->s, ck_clock_now_ms() + 250, &rq, e);
	if (n < 0)
		return -1;
	if (n > 0 && !ck_registrar_handle(r, rq))
		other(arg, rq);
	/* taken each turn: one left waiting would end every wait early */
	while (ck_sip_tx_done(r->s, &id, &resp, &te) == 1)
		if (!done || !done(arg, id, resp, &te))
			osip_message_free(resp);
	ck_registrar_tick(r);
	return 0;
}

int
ck_registrar_serve(ck_registrar *r, volatile sig_atomic_t *stop,
    ck_registrar_other_cb other, ck_registrar_done_cb done, void *arg,
    ck_err *e)
{
	while (!*stop)
		if (serve_turn(r, other, done, arg, e) < 0)
			return -1;
	return 0;
}

int
ck_registrar_linger(ck_registrar *r, volatile sig_atomic_t *stop, const size_t *pending,
    int64_t deadline, ck_registrar_other_cb other, ck_registrar_done_cb done, void *arg,
    ck_err *e)
{
	while (*pending && *stop < 2 && ck_clock_now_ms() < deadline)
		if (serve_turn(r, other, done, arg, e) < 0)
			return -1;
	return 0;
}

ck_registrar *
ck_registrar_open(const char *listen, const ck_sip_opts *so,
    const ck_registrar_opts *o, ck_err *e)
{
	char host[256];
	int port;
	ck_sip_opts x = *so;
	ck_sip *s;
	ck_registrar *r;
	if (ck_opt_parse_listen(listen, host, sizeof host, &port, 5060, e) < 0)
		return NULL;
	x.bind_addr = host;
	x.port = port;
	if ((s = ck_sip_open(&x, e)) == NULL)
		return NULL;
	if ((r = ck_registrar_new(s, o, e)) == NULL) {
		ck_sip_close(s);
		return NULL;
	}
	r->own_sip = 1;
	snprintf(r->host, sizeof r->host, "%s", host);
	return r;
}

ck_sip *
ck_registrar_sip(const ck_registrar *r)
{
	return r->s;
}

void
ck_registrar_listening_json(const ck_registrar *r, const char *id, ck_json *j)
{
	ck_json_record(j, "listening");
	ck_json_time_ms(j, "ts", ck_clock_wall_ms());
	ck_json_str(j, "address", r->host[0] ? r->host : "0.0.0.0");
	ck_json_int(j, "port", ck_sip_port(r->s));
	ck_json_str(j, "domain", r->domain);
	ck_json_str(j, "id", id);
}
