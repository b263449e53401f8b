#include "onvif/onvif.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "codec/digest.h"
#include "base/log.h"
#include "net/net.h"
#include "base/opt.h"
#include "onvif/wsse.h"

#define DEFAULT_PATH "/onvif/device_service"
#define SOAP_CTYPE "application/soap+xml; charset=utf-8"
#define MAX_SERVICES 32

struct ck_onvif {
	ck_onvif_target t;
	ck_onvif_opts o;
	char user[256], pass[256];
	int have_pass;
	ck_http *h;
	int64_t offset_ms;
	int calibrated;
	ck_onvif_service svc[MAX_SERVICES];
	int nsvc, resolved;
	ck_http_resp last;
	ck_digest_chal chal;   /* the device's last Digest challenge */
	int have_chal;
	unsigned nc;           /* nonce count used with chal */
	int demands_auth;      /* refused an unsigned call once: sign from now on */
};

/* ---- options ---- */

void
ck_onvif_opts_init(ck_onvif_opts *o)
{
	memset(o, 0, sizeof *o);
	o->auth = CK_AUTH_AUTO;
	o->timeout_ms = 5000;
}

int
ck_onvif_cred(const ck_onvif_opts *o, const char *host, ck_cred *c, ck_err *e)
{
	return ck_cred_load(c, "ONVIF", o->user, o->password_file, host, e);
}

/* ---- targets ---- */

#define MAX_JSON_TARGET (64 * 1024)

static int
target_from_url(const char *s, ck_onvif_target *t, ck_err *e)
{
	ck_opt_url u;

	if (ck_opt_parse_url(s, &u, e) < 0)
		return -1;
	if (strcmp(u.scheme, "http") != 0 && strcmp(u.scheme, "https") != 0)
		return ck_err_set(e, CK_USAGE, "'%s': only http and https URLs", s);
	if (strcmp(u.path, "/") == 0)
		snprintf(u.path, sizeof u.path, "%s", DEFAULT_PATH);
	u.user[0] = '\0';   /* credentials never come from the URL */
	snprintf(t->scheme, sizeof t->scheme, "%s", u.scheme);
	snprintf(t->host, sizeof t->host, "%s", u.host);
	t->port = u.port;
	snprintf(t->path, sizeof t->path, "%s", u.path);
	if (ck_opt_format_url(&u, t->url, sizeof t->url) < 0)
		return ck_err_set(e, CK_USAGE, "'%s': URL too long", s);
	return 0;
}

/* The first http(s) address of a string that may hold several separated by
 * blanks (WS-Discovery XAddrs). Returns 0 or -1. */
static int
target_from_addrs(const char *s, ck_onvif_target *t)
{
	char *copy = strdup(s), *save = NULL, *tok;
	int rc = -1;

	if (copy == NULL)
		return -1;
	for (tok = strtok_r(copy, " \t", &save); tok && rc < 0;
	    tok = strtok_r(NULL, " \t", &save))
		if ((strncasecmp(tok, "http://", 7) == 0 ||
		    strncasecmp(tok, "https://", 8) == 0) &&
		    target_from_url(tok, t, NULL) == 0)
			rc = 0;
	free(copy);
	return rc;
}

/* A target from an NDJSON record: the first usable address under "xaddrs",
 * then "xaddr", "url", "device" (a string or an array of strings). */
static int
target_from_json(const char *s, size_t n, ck_onvif_target *t, ck_err *e)
{
	static const char *const keys[] = { "xaddrs", "xaddr", "url", "device", NULL };
	json_error_t je;
	json_t *root, *v, *item;
	size_t i;
	int rc = -1;

	if (n > MAX_JSON_TARGET)
		return ck_err_set(e, CK_DATAERR, "target: JSON line longer than %d bytes",
		    MAX_JSON_TARGET);
	root = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return ck_err_set(e, CK_DATAERR, "target: malformed JSON line (%s)", je.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return ck_err_set(e, CK_DATAERR, "target: not a JSON object");
	}
	for (int k = 0; keys[k] && rc < 0; k++) {
		v = json_object_get(root, keys[k]);
		if (json_is_string(v))
			rc = target_from_addrs(json_string_value(v), t);
		else if (json_is_array(v))
			json_array_foreach(v, i, item)
				if (rc < 0 && json_is_string(item))
					rc = target_from_addrs(json_string_value(item), t);
	}
	json_decref(root);
	if (rc < 0)
		return ck_err_set(e, CK_DATAERR,
		    "JSON record has no usable \"xaddrs\" http(s) address");
	return 0;
}

int
ck_onvif_target_parse(const char *s, ck_onvif_target *t, ck_err *e)
{
	char buf[4096];
	size_t n;

	memset(t, 0, sizeof *t);
	s += strspn(s, " \t\r\n");
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0)
		return ck_err_set(e, CK_USAGE, "empty target");
	if (s[0] == '{')
		return target_from_json(s, n, t, e);
	if (n >= sizeof buf)
		return ck_err_set(e, CK_USAGE, "target too long");
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strstr(buf, "://"))
		return target_from_url(buf, t, e);
	snprintf(t->scheme, sizeof t->scheme, "http");
	if (ck_opt_parse_hostport(buf, t->host, sizeof t->host, &t->port, 80, e) < 0)
		return -1;
	snprintf(t->path, sizeof t->path, "%s", DEFAULT_PATH);
	{
		ck_opt_url u;
		memset(&u, 0, sizeof u);
		snprintf(u.scheme, sizeof u.scheme, "http");
		snprintf(u.host, sizeof u.host, "%s", t->host);
		u.port = t->port;
		snprintf(u.path, sizeof u.path, "%s", DEFAULT_PATH);
		if (ck_opt_format_url(&u, t->url, sizeof t->url) < 0)
			return ck_err_set(e, CK_USAGE, "target too long");
	}
	return 0;
}


/* ---- client ---- */

ck_onvif *
ck_onvif_new(const ck_onvif_target *t, const ck_onvif_opts *o,
    const ck_cred *cred, ck_err *e)
{
	ck_onvif *c;
	ck_http_opts ho;
	ck_cred host;

	memset(&host, 0, sizeof host);
	if (cred == NULL || !cred->have_pass ||
	    strcmp(cred->source, "credentials file") == 0) {
		if (ck_onvif_cred(o, t->host, &host, e) < 0)
			return NULL;
		if (host.have_pass)
			cred = &host;
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		ck_cred_wipe(&host);
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	c->t = *t;
	c->o = *o;
	if (cred) {
		snprintf(c->user, sizeof c->user, "%s", cred->user);
		if (cred->have_pass) {
			snprintf(c->pass, sizeof c->pass, "%s", cred->pass);
			c->have_pass = 1;
		}
	}
	ck_cred_wipe(&host);
	memset(&ho, 0, sizeof ho);
	ho.timeout_ms = o->timeout_ms;
	ho.insecure = o->insecure;
	ho.tls_hint = o->tls_hint;   /* ck_http adds it to certificate errors */
	c->h = ck_http_new(&ho, e);
	if (c->h == NULL) {
		ck_onvif_free(c);
		return NULL;
	}
	return c;
}

const char *
ck_onvif_user(const ck_onvif *c)
{
	return c->user;
}

const char *
ck_onvif_password(const ck_onvif *c)
{
	return c->have_pass ? c->pass : "";
}

void
ck_onvif_free(ck_onvif *c)
{
	if (c == NULL)
		return;
	ck_http_free(c->h);
	ck_cred_wipe_mem(c->pass, sizeof c->pass);
	free(c);
}

const ck_onvif_target *
ck_onvif_get_target(const ck_onvif *c)
{
	return &c->t;
}

const ck_onvif_opts *
ck_onvif_get_opts(const ck_onvif *c)
{
	return &c->o;
}

const ck_http_resp *
ck_onvif_last(const ck_onvif *c)
{
	return &c->last;
}

int64_t
ck_onvif_offset_ms(const ck_onvif *c)
{
	return c->offset_ms;
}

void
ck_onvif_set_offset_ms(ck_onvif *c, int64_t offset_ms)
{
	c->offset_ms = offset_ms;
	c->calibrated = 1;
}

/* Offset from the HTTP Date header, when the body gave no usable time. */
static int
offset_from_date(const ck_http_resp *r, int64_t *off)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof tm);
	if (r->date[0] == '\0')
		return -1;
	end = strptime(r->date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL)
		return -1;
	*off = (int64_t)timegm(&tm) * 1000 - (r->sent_ms + r->rtt_ms / 2);
	return 0;
}

/* The Authorization value answering the cached challenge for url, into out;
 * returns 0, or -1 when there is none to answer. */
static int
digest_authz(ck_onvif *c, const char *url, char *out, size_t outlen)
{
	ck_opt_url u;

	if (!c->have_chal || ck_opt_parse_url(url, &u, NULL) < 0)
		return -1;
	c->nc++;
	return ck_digest_build_auth(&c->chal, c->user, c->pass, "POST", u.path,
	    c->nc, NULL, out, outlen, NULL) < 0 ? -1 : 0;
}

static const char *auth_hint(const ck_onvif *c);

static int
post_once(ck_onvif *c, const char *url, const ck_onvif_req *q, int signed_,
    ck_soap_resp *r, ck_soap_fault *f, int *demanded, ck_err *e)
{
	int wsse = signed_ && (c->o.auth == CK_AUTH_AUTO || c->o.auth == CK_AUTH_WSSE);
	int digest = signed_ && (c->o.auth == CK_AUTH_AUTO || c->o.auth == CK_AUTH_DIGEST);
	char *hdr = NULL, *env = NULL, authz[1024];
	int sent_authz = 0;
	ck_http_resp hr;
	int rc;

	*demanded = 0;
	for (int round = 0; round < 2; round++) {
		free(env);
		env = NULL;
		if (wsse) {
			/* a fresh token (nonce, Created) for every post */
			char *tok = ck_wsse_header(c->user, c->pass, c->offset_ms, e);
			size_t n;
			if (tok == NULL)
				return -1;
			n = strlen(tok) + (q->header_xml ? strlen(q->header_xml) : 0) + 1;
			hdr = malloc(n);
			if (hdr)
				snprintf(hdr, n, "%s%s", tok, q->header_xml ? q->header_xml : "");
			ck_cred_wipe_mem(tok, strlen(tok));
			free(tok);
			if (hdr == NULL)
				return ck_err_set(e, CK_SOFTWARE, "out of memory");
		}
		env = ck_soap_envelope(hdr ? hdr : q->header_xml, q->body_xml);
		free(hdr);
		hdr = NULL;
		if (env == NULL)
			return ck_err_set(e, CK_SOFTWARE, "out of memory");
		sent_authz = digest && digest_authz(c, url, authz, sizeof authz) == 0;
		rc = ck_http_post(c->h, url, SOAP_CTYPE, env, strlen(env),
		    sent_authz ? authz : NULL, &hr, e);
		ck_cred_wipe_mem(authz, sizeof authz);
		ck_cred_wipe_mem(env, strlen(env));
		if (rc < 0) {
			free(env);
			return -1;
		}
		ck_http_resp_free(&c->last);
		c->last = hr;
		c->last.body = NULL;
		if (hr.status != 401 || !digest)
			break;
		/* answer (or re-answer a stale) Digest challenge once */
		{
			ck_digest_chal ch;
			if (hr.www_authenticate[0] == '\0' ||
			    ck_digest_parse_challenge(hr.www_authenticate, &ch, NULL) < 0 ||
			    (sent_authz && !ch.stale) || round == 1)
				break;
			c->chal = ch;
			c->have_chal = 1;
			c->nc = 0;
			ck_log_info("answering the HTTP Digest challenge (%s)",
			    ck_digest_alg_name(ch.alg));
			free(hr.body);
		}
	}
	free(env);
	if (hr.status == 401) {
		ck_digest_chal ch;
		*demanded = 1;
		/* keep an unsigned attempt's challenge for the signed retry */
		if (!signed_ && (c->o.auth == CK_AUTH_AUTO || c->o.auth == CK_AUTH_DIGEST) &&
		    ck_digest_parse_challenge(hr.www_authenticate, &ch, NULL) == 0) {
			c->chal = ch;
			c->have_chal = 1;
			c->nc = 0;
		}
		if (sent_authz)
			rc = ck_err_set(e, CK_NOPERM, "%s: HTTP Digest authentication rejected (401)", url);
		else if (!signed_)
			rc = ck_err_set(e, CK_NOPERM, "%s: device demands authentication (HTTP 401)", url);
		else if (digest)
			rc = ck_err_set(e, CK_NOPERM, "%s: HTTP 401 without a usable Digest challenge", url);
		else
			rc = ck_err_set(e, CK_NOPERM, "%s: HTTP 401%s%s%s", url,
			    c->o.auth == CK_AUTH_WSSE ? " (the device wants HTTP Digest: " : "",
			    c->o.auth == CK_AUTH_WSSE ? auth_hint(c) : "",
			    c->o.auth == CK_AUTH_WSSE ? " auto or digest)" : "");
		free(hr.body);
		return rc;
	}
	rc = ck_soap_parse(hr.body, hr.len, r, f, e);
	if (rc < 0) {
		if (e && e->kind == CK_NOPERM)
			*demanded = 1;
		if (e && e->kind == CK_DATAERR && (hr.status < 200 || hr.status > 299))
			ck_err_set(e, CK_PROTO, "%s: HTTP %ld (%s)", url, hr.status,
			    hr.len ? "body is not SOAP" : "empty body");
		else
			ck_err_wrap(e, "%s", url);
		free(hr.body);
		return -1;
	}
	free(hr.body);
	if (hr.status < 200 || hr.status > 299) {
		ck_soap_resp_free(r);
		return ck_err_set(e, CK_PROTO, "%s: HTTP %ld", url, hr.status);
	}
	return 0;
}

/* ---- one request, in steps: resolve the endpoint, calibrate the clock,
 * call, retry once as the device's answer says ---- */

static int get_time(ck_onvif *c, ck_onvif_time *tout, ck_err *e);

/* The password hint for messages: what the caller said, or nothing. */
static const char *
pass_hint(const ck_onvif *c)
{
	return c->o.password_hint ? c->o.password_hint : "ONVIF_PASSWORD or the credentials file";
}

/* The caller's name for the authentication mode, for messages. */
static const char *
auth_hint(const ck_onvif *c)
{
	return c->o.auth_hint ? c->o.auth_hint : "auth mode";
}

/* Whether q goes out signed on the first attempt. */
static int
first_signed(const ck_onvif *c, const ck_onvif_req *q)
{
	int can_sign = c->have_pass && c->o.auth != CK_AUTH_NONE;

	return can_sign && (!(q->flags & CK_ONVIF_NOAUTH) ||
	    ((q->flags & CK_ONVIF_RETRY_AUTH) && c->demands_auth));
}

/* Step 2: before the first WS-Security token, learn the device clock
 * (GetSystemDateAndTime). A device that cannot be reached ends the request;
 * one that will not tell its time is signed for with the local clock. */
static int
calibrate(ck_onvif *c, ck_err *e)
{
	ck_err ce = { 0, "" };

	if (c->calibrated || (c->o.auth != CK_AUTH_AUTO && c->o.auth != CK_AUTH_WSSE))
		return 0;
	if (get_time(c, NULL, &ce) == 0)
		return 0;
	if (ce.kind == CK_TEMPFAIL || ce.kind == CK_UNAVAIL || ce.kind == CK_NOHOST) {
		*e = ce;
		return -1;
	}
	ck_log_info("clock calibration failed (%s); signing with the local clock", ce.msg);
	return 0;
}

/* Steps 3 and 4 for a known endpoint: post q, and when the device demands
 * authentication, retry once the way its answer calls for. */
static int
exchange(ck_onvif *c, const char *url, const ck_onvif_req *q, ck_soap_resp *r,
    ck_soap_fault *f, ck_err *e)
{
	int can_sign = c->have_pass && c->o.auth != CK_AUTH_NONE;
	int sign = first_signed(c, q), demanded, rc;

	ck_log_info("POST %s%s", url, sign ? " (signed)" : "");
	rc = post_once(c, url, q, sign, r, f, &demanded, e);
	if (rc == 0 || !demanded)
		return rc;
	if (sign && (q->flags & CK_ONVIF_NOAUTH) && e->kind == CK_NOPERM) {
		/* signed straight away because the device wanted it before, and
		 * refused: its clock may have moved (a clock set, NTP); go the
		 * unsigned way, with the Date header as the clock if it insists */
		ck_log_info("signed request refused; retrying the unsigned way");
		c->demands_auth = 0;
		c->calibrated = 0;
		c->offset_ms = 0;
		sign = 0;
		rc = post_once(c, url, q, 0, r, f, &demanded, e);
		if (rc == 0 || !demanded)
			return rc;
	}
	if (!sign && (q->flags & CK_ONVIF_RETRY_AUTH)) {
		if (!can_sign)
			return c->o.auth == CK_AUTH_NONE ?
			    ck_err_set(e, CK_NOPERM, "%s: device demands authentication and "
			    "authentication is turned off (%s none)", url, auth_hint(c)) :
			    ck_err_set(e, CK_NOPERM, "%s: device demands authentication and "
			    "no password is configured (%s)", url, pass_hint(c));
		ck_log_info("device demands authentication; retrying signed");
		c->demands_auth = 1;
		if (!c->calibrated) {
			/* not calibrated yet: the HTTP Date header is the best clue */
			int64_t off;
			if (offset_from_date(&c->last, &off) == 0)
				c->offset_ms = off;
		}
		return post_once(c, url, q, 1, r, f, &demanded, e);
	}
	if (!can_sign && c->o.auth != CK_AUTH_NONE && e->kind == CK_NOPERM)
		ck_err_wrap(e, "no password configured (%s)", pass_hint(c));
	return rc;
}

int
ck_onvif_request(ck_onvif *c, const ck_onvif_req *q, ck_soap_resp *r,
    ck_soap_fault *f, ck_err *e)
{
	const char *url = q->url;
	ck_err dummy;

	if (e == NULL)
		e = &dummy;
	memset(r, 0, sizeof *r);
	/* 1. the endpoint: given, or resolved from the device's services */
	if (url == NULL && (url = ck_onvif_service_url(c, q->service ? q->service :
	    "device", e)) == NULL)
		return -1;
	/* 2. the device clock, if this goes out with a WS-Security token */
	if (first_signed(c, q) && calibrate(c, e) < 0)
		return -1;
	/* 3. and 4. the call, and the one retry the device may call for */
	return exchange(c, url, q, r, f, e);
}

int
ck_onvif_call(ck_onvif *c, const char *service, const char *body_xml,
    ck_soap_resp *r, ck_err *e)
{
	ck_onvif_req q;

	memset(&q, 0, sizeof q);
	q.service = service;
	q.body_xml = body_xml;
	return ck_onvif_request(c, &q, r, NULL, e);
}

/* ---- time ---- */

static int
read_num(const ck_xml_node *n, const char *name, int lo, int hi, int *out, ck_err *e)
{
	const char *s = ck_xml_child_text(n, CK_NS_TT, name);
	long long v;

	if (s == NULL)
		return ck_err_set(e, CK_DATAERR, "SystemDateAndTime: %s missing", name);
	if (ck_opt_parse_int(s, lo, hi, &v, NULL) < 0)
		return ck_err_set(e, CK_DATAERR, "SystemDateAndTime: %s '%s' out of range", name, s);
	*out = (int)v;
	return 0;
}

static int
read_dt(const ck_xml_node *dt, int out[6], ck_err *e)
{
	const ck_xml_node *d = ck_xml_child(dt, CK_NS_TT, "Date");
	const ck_xml_node *t = ck_xml_child(dt, CK_NS_TT, "Time");

	if (d == NULL || t == NULL)
		return ck_err_set(e, CK_DATAERR, "SystemDateAndTime: %s without Date or Time",
		    dt->name);
	if (read_num(d, "Year", 1970, 9999, &out[0], e) < 0 ||
	    read_num(d, "Month", 1, 12, &out[1], e) < 0 ||
	    read_num(d, "Day", 1, 31, &out[2], e) < 0 ||
	    read_num(t, "Hour", 0, 23, &out[3], e) < 0 ||
	    read_num(t, "Minute", 0, 59, &out[4], e) < 0 ||
	    read_num(t, "Second", 0, 60, &out[5], e) < 0)
		return -1;
	return 0;
}

int
ck_onvif_parse_time(const ck_xml_node *resp, ck_onvif_time *t, ck_err *e)
{
	const ck_xml_node *s, *n;
	const char *v;

	memset(t, 0, sizeof *t);
	t->dst = -1;
	s = ck_xml_child(resp, CK_NS_TDS, "SystemDateAndTime");
	if (s == NULL)
		s = ck_xml_child(resp, CK_NS_TT, "SystemDateAndTime");
	if (s == NULL)
		return ck_err_set(e, CK_DATAERR, "reply has no SystemDateAndTime");
	v = ck_xml_child_text(s, CK_NS_TT, "DateTimeType");
	snprintf(t->date_time_type, sizeof t->date_time_type, "%s", v ? v : "");
	t->dst = ck_xml_bool(ck_xml_child_text(s, CK_NS_TT, "DaylightSavings"));
	v = ck_xml_path_text(s, CK_NS_TT, "TimeZone/TZ");
	snprintf(t->tz, sizeof t->tz, "%s", v ? v : "");
	if ((n = ck_xml_child(s, CK_NS_TT, "UTCDateTime")) != NULL) {
		struct tm tm;
		if (read_dt(n, t->utc, e) < 0)
			return -1;
		memset(&tm, 0, sizeof tm);
		tm.tm_year = t->utc[0] - 1900;
		tm.tm_mon = t->utc[1] - 1;
		tm.tm_mday = t->utc[2];
		tm.tm_hour = t->utc[3];
		tm.tm_min = t->utc[4];
		tm.tm_sec = t->utc[5];
		t->utc_ms = (int64_t)timegm(&tm) * 1000;
		t->has_utc = 1;
	}
	if ((n = ck_xml_child(s, CK_NS_TT, "LocalDateTime")) != NULL) {
		if (read_dt(n, t->local, e) < 0)
			return -1;
		t->has_local = 1;
	}
	return 0;
}

static const char GET_TIME[] =
    "<tds:GetSystemDateAndTime xmlns:tds=\"" CK_NS_TDS "\"/>";

/* GetSystemDateAndTime, unsigned unless the device insists; sets the
 * client's offset from the answer. */
static int
get_time(ck_onvif *c, ck_onvif_time *tout, ck_err *e)
{
	ck_onvif_req q;
	ck_soap_resp r;
	ck_onvif_time t;
	int rc;

	memset(&q, 0, sizeof q);
	memset(&r, 0, sizeof r);
	q.url = c->t.url;
	q.body_xml = GET_TIME;
	q.flags = CK_ONVIF_NOAUTH | CK_ONVIF_RETRY_AUTH;
	if (exchange(c, c->t.url, &q, &r, NULL, e) < 0)
		return -1;
	if (!ck_xml_is(r.first, CK_NS_TDS, "GetSystemDateAndTimeResponse")) {
		ck_err_set(e, CK_DATAERR, "%s: unexpected reply {%s}%s", c->t.url,
		    r.first ? r.first->ns : "", r.first ? r.first->name : "(empty body)");
		ck_soap_resp_free(&r);
		return -1;
	}
	rc = ck_onvif_parse_time(r.first, &t, e);
	ck_soap_resp_free(&r);
	if (rc < 0)
		return ck_err_wrap(e, "%s", c->t.url);
	if (t.has_utc) {
		/* the device truncates to whole seconds: its clock was somewhere
		 * in [utc, utc + 1 s) when it answered; take the middle */
		c->offset_ms = t.utc_ms + 500 - (c->last.sent_ms + c->last.rtt_ms / 2);
		c->calibrated = 1;
		ck_log_info("device clock offset %+lld ms (rtt %lld ms)",
		    (long long)c->offset_ms, (long long)c->last.rtt_ms);
	} else {
		int64_t off;
		if (offset_from_date(&c->last, &off) == 0) {
			c->offset_ms = off;
			c->calibrated = 1;
		}
	}
	if (tout)
		*tout = t;
	return 0;
}

int
ck_onvif_get_time(ck_onvif *c, ck_onvif_time *tout, int64_t *offset_ms,
    int64_t *rtt_ms, ck_err *e)
{
	ck_err dummy;

	if (get_time(c, tout, e ? e : &dummy) < 0)
		return -1;
	if (offset_ms)
		*offset_ms = c->offset_ms;
	if (rtt_ms)
		*rtt_ms = c->last.rtt_ms;
	return 0;
}

/* ---- services ---- */

static const struct { const char *name, *ns; } svc_names[] = {
	{ "device", CK_NS_TDS },
	{ "media", CK_NS_TRT },
	{ "media2", CK_NS_TR2 },
	{ "ptz", CK_NS_TPTZ },
	{ "events", CK_NS_TEV },
	{ "imaging", CK_NS_TIMG },
	{ "analytics", CK_NS_TAN },
	{ "deviceio", "http://www.onvif.org/ver10/deviceIO/wsdl" },
	{ "recording", "http://www.onvif.org/ver10/recording/wsdl" },
	{ "search", "http://www.onvif.org/ver10/search/wsdl" },
	{ "replay", "http://www.onvif.org/ver10/replay/wsdl" },
	{ NULL, NULL }
};

const char *
ck_onvif_service_ns(const char *name)
{
	if (strstr(name, "://") || strncmp(name, "urn:", 4) == 0)
		return name;
	for (int i = 0; svc_names[i].name; i++)
		if (strcasecmp(name, svc_names[i].name) == 0)
			return svc_names[i].ns;
	return NULL;
}

void
ck_onvif_rewrite_xaddr(const ck_onvif_target *t, const char *xaddr, int trust,
    char *out, size_t outlen)
{
	ck_opt_url u, tu;
	const char *path = NULL, *p;

	if (trust || ck_opt_parse_url(xaddr, &u, NULL) == 0) {
		if (trust || strcasecmp(u.host, t->host) == 0) {
			snprintf(out, outlen, "%s", xaddr);
			return;
		}
		path = u.path;
	} else if ((p = strstr(xaddr, "://")) != NULL) {
		/* unparsable authority (e.g. a doubled port): keep only the path */
		path = strchr(p + 3, '/');
	}
	memset(&tu, 0, sizeof tu);
	snprintf(tu.scheme, sizeof tu.scheme, "%s", t->scheme);
	snprintf(tu.host, sizeof tu.host, "%s", t->host);
	tu.port = t->port;
	snprintf(tu.path, sizeof tu.path, "%s", path ? path : t->path);
	if (ck_opt_format_url(&tu, out, outlen) < 0)
		snprintf(out, outlen, "%s", xaddr);
	else if (strcmp(out, xaddr) != 0)
		ck_log_info("XAddr %s rewritten to %s (trusting advertised addresses keeps it)",
		    xaddr, out);
}

static void
add_service(ck_onvif *c, const char *ns, const char *xaddr, int major, int minor)
{
	ck_onvif_service *s;

	if (ns == NULL || xaddr == NULL || !ns[0] || !xaddr[0] || c->nsvc >= MAX_SERVICES)
		return;
	for (int i = 0; i < c->nsvc; i++)
		if (strcmp(c->svc[i].ns, ns) == 0)
			return;
	s = &c->svc[c->nsvc++];
	snprintf(s->ns, sizeof s->ns, "%s", ns);
	snprintf(s->advertised, sizeof s->advertised, "%s", xaddr);
	/* WS-Discovery style lists: take the first address */
	s->advertised[strcspn(s->advertised, " \t")] = '\0';
	ck_onvif_rewrite_xaddr(&c->t, s->advertised, c->o.trust_xaddrs, s->xaddr,
	    sizeof s->xaddr);
	s->major = major;
	s->minor = minor;
}

static int
from_services(ck_onvif *c, const ck_xml_node *resp)
{
	for (const ck_xml_node *s = ck_xml_child(resp, CK_NS_TDS, "Service"); s;
	    s = ck_xml_next(s, CK_NS_TDS, "Service")) {
		const ck_xml_node *v = ck_xml_child(s, CK_NS_TDS, "Version");
		long long ma = -1, mi = -1;
		const char *t;
		if ((t = ck_xml_child_text(v, CK_NS_TT, "Major")) != NULL)
			ck_opt_parse_int(t, 0, 1000, &ma, NULL);
		if ((t = ck_xml_child_text(v, CK_NS_TT, "Minor")) != NULL)
			ck_opt_parse_int(t, 0, 100000, &mi, NULL);
		add_service(c, ck_xml_child_text(s, CK_NS_TDS, "Namespace"),
		    ck_xml_child_text(s, CK_NS_TDS, "XAddr"), (int)ma, (int)mi);
	}
	return c->nsvc;
}

static int
from_capabilities(ck_onvif *c, const ck_xml_node *resp)
{
	static const struct { const char *path, *ns; } caps[] = {
		{ "Device", CK_NS_TDS }, { "Media", CK_NS_TRT }, { "PTZ", CK_NS_TPTZ },
		{ "Events", CK_NS_TEV }, { "Imaging", CK_NS_TIMG },
		{ "Analytics", CK_NS_TAN },
		{ "Extension/DeviceIO", "http://www.onvif.org/ver10/deviceIO/wsdl" },
		{ "Extension/Recording", "http://www.onvif.org/ver10/recording/wsdl" },
		{ "Extension/Search", "http://www.onvif.org/ver10/search/wsdl" },
		{ "Extension/Replay", "http://www.onvif.org/ver10/replay/wsdl" },
		{ NULL, NULL }
	};
	const ck_xml_node *cap = ck_xml_child(resp, CK_NS_TDS, "Capabilities");

	for (int i = 0; caps[i].path; i++) {
		const ck_xml_node *n = ck_xml_path(cap, CK_NS_TT, caps[i].path);
		add_service(c, caps[i].ns, ck_xml_child_text(n, CK_NS_TT, "XAddr"), -1, -1);
	}
	return c->nsvc;
}

/* A device-service request while resolving: steps 2 to 4 only (the
 * endpoint is the target itself). */
static int
device_call(ck_onvif *c, const ck_onvif_req *q, ck_soap_resp *r, ck_err *e)
{
	memset(r, 0, sizeof *r);
	if (first_signed(c, q) && calibrate(c, e) < 0)
		return -1;
	return exchange(c, c->t.url, q, r, NULL, e);
}

int
ck_onvif_services(ck_onvif *c, const ck_onvif_service **list, ck_err *e)
{
	ck_onvif_req q;
	ck_soap_resp r;
	ck_err se = { 0, "" };

	if (c->resolved) {
		if (list)
			*list = c->svc;
		return c->nsvc;
	}
	memset(&q, 0, sizeof q);
	q.url = c->t.url;
	q.body_xml = "<tds:GetServices xmlns:tds=\"" CK_NS_TDS "\">"
	    "<tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>";
	if (device_call(c, &q, &r, &se) == 0) {
		if (ck_xml_is(r.first, CK_NS_TDS, "GetServicesResponse"))
			from_services(c, r.first);
		ck_soap_resp_free(&r);
	} else if (se.kind == CK_TEMPFAIL || se.kind == CK_UNAVAIL || se.kind == CK_NOHOST) {
		*e = se;
		return -1;
	} else {
		ck_log_info("GetServices failed (%s); trying GetCapabilities", se.msg);
	}
	if (c->nsvc == 0) {
		ck_err ce = { 0, "" };
		/* Tapo and others answer GetCapabilities even unsigned */
		q.body_xml = "<tds:GetCapabilities xmlns:tds=\"" CK_NS_TDS "\">"
		    "<tds:Category>All</tds:Category></tds:GetCapabilities>";
		q.flags = c->have_pass ? 0 : CK_ONVIF_NOAUTH;
		if (device_call(c, &q, &r, &ce) < 0) {
			*e = se.kind != CK_OK ? se : ce;
			return -1;
		}
		if (ck_xml_is(r.first, CK_NS_TDS, "GetCapabilitiesResponse"))
			from_capabilities(c, r.first);
		ck_soap_resp_free(&r);
		if (c->nsvc == 0)
			return ck_err_set(e, CK_PROTO, "%s: neither GetServices nor "
			    "GetCapabilities listed any service", c->t.url);
	}
	c->resolved = 1;
	if (list)
		*list = c->svc;
	return c->nsvc;
}

const char *
ck_onvif_service_url(ck_onvif *c, const char *service, ck_err *e)
{
	const char *ns = ck_onvif_service_ns(service);

	if (ns == NULL) {
		ck_err_set(e, CK_USAGE, "unknown service '%s' (device, media, media2, ptz, "
		    "events, imaging, analytics, deviceio, recording, search, replay, or a "
		    "namespace URI)", service);
		return NULL;
	}
	if (strcmp(ns, CK_NS_TDS) == 0)
		return c->t.url;
	if (ck_onvif_services(c, NULL, e) < 0)
		return NULL;
	for (int i = 0; i < c->nsvc; i++)
		if (strcmp(c->svc[i].ns, ns) == 0)
			return c->svc[i].xaddr;
	ck_err_set(e, CK_PROTO, "%s: the device offers no %s service", c->t.url, service);
	return NULL;
}
