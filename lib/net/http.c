#include "base/clock.h"
#include "net/http.h"

#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "base/log.h"

#ifndef CAMKIT_VERSION
#define CAMKIT_VERSION "0.0.0"
#endif

struct ck_http {
	CURL *c;
	ck_http_opts o;
	int unverified;   /* the last post failed TLS certificate verification */
};

struct xfer {
	ck_http_resp *r;
	size_t cap;
	int too_big;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

/* curl_global_init is not thread-safe: once, whoever comes first. */
static void
curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void
ck_http_free(ck_http *h)
{
	if (h == NULL)
		return;
	if (h->c)
		curl_easy_cleanup(h->c);
	free(h);
}

ck_http *
ck_http_new(const ck_http_opts *o, ck_err *e)
{
	ck_http *h;

	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		ck_err_set(e, CK_SOFTWARE, "curl_global_init failed");
		return NULL;
	}
	h = calloc(1, sizeof *h);
	if (h == NULL || (h->c = curl_easy_init()) == NULL) {
		free(h);
		ck_err_set(e, CK_SOFTWARE, "curl_easy_init failed");
		return NULL;
	}
	h->o = *o;
	return h;
}

void
ck_http_resp_free(ck_http_resp *r)
{
	if (r) {
		free(r->body);
		memset(r, 0, sizeof *r);
	}
}

static size_t
on_body(char *p, size_t sz, size_t nm, void *ud)
{
	struct xfer *x = ud;
	ck_http_resp *r = x->r;
	size_t n = sz * nm;

	if (r->len + n > CK_HTTP_MAX_BODY) {
		x->too_big = 1;
		return 0;
	}
	if (r->len + n + 1 > x->cap) {
		size_t cap = x->cap ? x->cap : 4096;
		char *np;
		while (r->len + n + 1 > cap)
			cap *= 2;
		np = realloc(r->body, cap);
		if (np == NULL)
			return 0;
		r->body = np;
		x->cap = cap;
	}
	memcpy(r->body + r->len, p, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* Copies a header value (trimmed) into out when the line is "name: value". */
static int
hdr_value(const char *line, size_t n, const char *name, char *out, size_t outlen)
{
	size_t l = strlen(name), e;

	if (n <= l || strncasecmp(line, name, l) != 0 || line[l] != ':')
		return 0;
	line += l + 1;
	n -= l + 1;
	while (n && (*line == ' ' || *line == '\t'))
		line++, n--;
	e = n;
	while (e && (line[e - 1] == '\r' || line[e - 1] == '\n' || line[e - 1] == ' '))
		e--;
	if (e >= outlen)
		e = outlen - 1;
	memcpy(out, line, e);
	out[e] = '\0';
	return 1;
}

static size_t
on_header(char *p, size_t sz, size_t nm, void *ud)
{
	struct xfer *x = ud;
	ck_http_resp *r = x->r;
	size_t n = sz * nm;

	char chal[sizeof r->www_authenticate];

	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new response (after 100-continue): start over */
		r->date[0] = r->content_type[0] = r->www_authenticate[0] = '\0';
	}
	hdr_value(p, n, "Date", r->date, sizeof r->date);
	hdr_value(p, n, "Content-Type", r->content_type, sizeof r->content_type);
	if (hdr_value(p, n, "WWW-Authenticate", chal, sizeof chal) &&
	    (r->www_authenticate[0] == '\0' || strcasestr(chal, "SHA-256")))
		memcpy(r->www_authenticate, chal, sizeof chal);
	return n;
}

static int
on_debug(CURL *c, curl_infotype t, char *p, size_t n, void *ud)
{
	(void)c;
	(void)ud;
	switch (t) {
	case CURLINFO_HEADER_OUT:
	case CURLINFO_DATA_OUT:
		ck_log_trace('>', p, n);
		break;
	case CURLINFO_HEADER_IN:
	case CURLINFO_DATA_IN:
		ck_log_trace('<', p, n);
		break;
	case CURLINFO_TEXT:
		while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
			n--;
		ck_log_at(CK_LOG_WIRE, "%.*s", (int)n, p);
		break;
	default:
		break;
	}
	return 0;
}

static int
map_curl(CURLcode rc, const char *url, const char *errbuf, long tmo, ck_err *e)
{
	const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);

	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return ck_err_set(e, CK_NOHOST, "%s: %s", url, why);
	case CURLE_RECV_ERROR:
		/* libcurl reports a bad chunked encoding as a receive error */
		if (strstr(why, "chunk"))
			return ck_err_set(e, CK_DATAERR, "%s: malformed HTTP reply: %s", url, why);
		/* FALLTHROUGH */
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_SSL_CONNECT_ERROR:
		return ck_err_set(e, CK_UNAVAIL, "%s: %s", url, why);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return ck_err_set(e, CK_UNAVAIL, "%s: %s (certificate not verified)",
		    url, why);
	case CURLE_OPERATION_TIMEDOUT:
		return ck_err_set(e, CK_TEMPFAIL, "%s: no answer within %ld ms", url, tmo);
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_GOT_NOTHING:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_PARTIAL_FILE:
		/* a URL scheme libcurl lacks ("Protocol \"x\" not supported") is
		 * usage; a reply's bad version or status code is malformed */
		if (rc == CURLE_UNSUPPORTED_PROTOCOL && (!errbuf[0] || strstr(why, "rotocol \"")))
			return ck_err_set(e, CK_USAGE, "%s: %s", url, why);
		return ck_err_set(e, CK_DATAERR, "%s: malformed HTTP reply: %s", url, why);
	case CURLE_URL_MALFORMAT:
		return ck_err_set(e, CK_USAGE, "%s: %s", url, why);
	default:
		return ck_err_set(e, CK_UNAVAIL, "%s: %s", url, why);
	}
}

int
ck_http_unverified(const ck_http *h)
{
	return h->unverified;
}

/* What every exchange of ours sets: agent, timeouts, error buffer, the
 * body/header collectors into x, the wire trace, TLS verification. */
static void
set_common(ck_http *h, long tmo, long ctmo, char *errbuf, struct xfer *x)
{
	CURL *c = h->c;

	curl_easy_setopt(c, CURLOPT_USERAGENT, "camkit/" CAMKIT_VERSION);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, tmo);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ctmo);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, x);
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);   /* feeds on_debug (auth check) */
	if (h->o.insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

/* RTSP: one request (OPTIONS or DESCRIBE) on h's connection, libcurl
 * answering a 401 with Digest or Basic. Returns the status, or -1. */
static long
rtsp_req(ck_http *h, const char *url, long req, long cseq, ck_http_resp *r,
    struct xfer *x, char *errbuf, long tmo, ck_err *e)
{
	CURLcode rc;
	long status = 0;

	curl_easy_setopt(h->c, CURLOPT_RTSP_REQUEST, req);
	curl_easy_setopt(h->c, CURLOPT_RTSP_CLIENT_CSEQ, cseq);
	rc = curl_easy_perform(h->c);
	if (x->too_big)
		return ck_err_set(e, CK_DATAERR, "%s: reply larger than %u bytes", url,
		    CK_HTTP_MAX_BODY);
	if (rc != CURLE_OK) {
		/* libcurl reports an RTSP error status as a transfer error */
		curl_easy_getinfo(h->c, CURLINFO_RESPONSE_CODE, &status);
		if (rc == CURLE_RTSP_CSEQ_ERROR || status == 0)
			return map_curl(rc, url, errbuf, tmo, e);
	} else {
		curl_easy_getinfo(h->c, CURLINFO_RESPONSE_CODE, &status);
	}
	r->status = status;
	return status;
}

int
ck_http_rtsp_describe(ck_http *h, const char *url, const char *user,
    const char *pass, long *options_status, ck_http_resp *r, ck_err *e)
{
	struct xfer x;
	char errbuf[CURL_ERROR_SIZE] = "";
	long tmo = h->o.timeout_ms > 0 ? h->o.timeout_ms : 10000;
	long st;
	int rc = -1;

	memset(r, 0, sizeof *r);
	memset(&x, 0, sizeof x);
	x.r = r;
	*options_status = 0;
	curl_easy_reset(h->c);
	curl_easy_setopt(h->c, CURLOPT_URL, url);
	curl_easy_setopt(h->c, CURLOPT_PROTOCOLS_STR, "rtsp");
	curl_easy_setopt(h->c, CURLOPT_RTSP_STREAM_URI, url);
	curl_easy_setopt(h->c, CURLOPT_NOSIGNAL, 1L);
	set_common(h, tmo, tmo, errbuf, &x);
	if (user && pass && *pass) {
		curl_easy_setopt(h->c, CURLOPT_USERNAME, user);
		curl_easy_setopt(h->c, CURLOPT_PASSWORD, pass);
		/* Digest when offered, Basic only when that is all the camera takes */
		curl_easy_setopt(h->c, CURLOPT_HTTPAUTH, (long)(CURLAUTH_DIGEST | CURLAUTH_BASIC));
	}
	if ((st = rtsp_req(h, url, CURL_RTSPREQ_OPTIONS, 1, r, &x, errbuf, tmo, e)) < 0)
		goto out;
	*options_status = st;
	free(r->body);
	r->body = NULL;
	r->len = 0;
	x.cap = 0;
	if (rtsp_req(h, url, CURL_RTSPREQ_DESCRIBE, 2, r, &x, errbuf, tmo, e) < 0)
		goto out;
	if (r->body == NULL && (r->body = calloc(1, 1)) == NULL) {
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		goto out;
	}
	rc = 0;
out:
	/* the credentials leave the handle with the exchange */
	curl_easy_setopt(h->c, CURLOPT_PASSWORD, "");
	curl_easy_setopt(h->c, CURLOPT_ERRORBUFFER, NULL);
	if (rc < 0)
		ck_http_resp_free(r);
	return rc;
}

/* One exchange: a POST of body (ctype), or a GET when ctype is NULL. */
static int
perform(ck_http *h, const char *url, const char *ctype, const char *body,
    size_t len, const char *authz, ck_http_resp *r, ck_err *e);

int
ck_http_get(ck_http *h, const char *url, const char *authz, ck_http_resp *r,
    ck_err *e)
{
	return perform(h, url, NULL, NULL, 0, authz, r, e);
}

int
ck_http_post(ck_http *h, const char *url, const char *ctype, const char *body,
    size_t len, const char *authz, ck_http_resp *r, ck_err *e)
{
	return perform(h, url, ctype, body, len, authz, r, e);
}

/* A failed transfer: notes whether the certificate was not verified, and
 * adds the options' TLS hint to that error. Returns -1. */
static int
transfer_failed(ck_http *h, CURLcode rc, const char *url, const char *errbuf,
    long tmo, ck_err *e)
{
	h->unverified = rc == CURLE_PEER_FAILED_VERIFICATION ||
	    rc == CURLE_SSL_CACERT_BADFILE;
	map_curl(rc, url, errbuf, tmo, e);
	if (e && h->o.tls_hint && h->unverified) {
		size_t n = strlen(e->msg);
		snprintf(e->msg + n, sizeof e->msg - n, " (%s)", h->o.tls_hint);
	}
	return -1;
}

static int
perform(ck_http *h, const char *url, const char *ctype, const char *body,
    size_t len, const char *authz, ck_http_resp *r, ck_err *e)
{
	CURL *c = h->c;
	struct curl_slist *hl = NULL;
	struct xfer x;
	char errbuf[CURL_ERROR_SIZE] = "", cth[256], ah[1024];
	long tmo = h->o.timeout_ms > 0 ? h->o.timeout_ms : 10000;
	long ctmo = h->o.connect_timeout_ms > 0 ? h->o.connect_timeout_ms : tmo;
	curl_off_t pre = 0, st = 0;
	int64_t t0;
	CURLcode rc;

	h->unverified = 0;
	memset(r, 0, sizeof *r);
	memset(&x, 0, sizeof x);
	x.r = r;
	if (ctype) {
		snprintf(cth, sizeof cth, "Content-Type: %s", ctype);
		hl = curl_slist_append(hl, cth);
	}
	hl = curl_slist_append(hl, "Expect:");   /* cameras mishandle 100-continue */
	if (authz) {
		snprintf(ah, sizeof ah, "Authorization: %s", authz);
		hl = curl_slist_append(hl, ah);
		memset(ah, 0, sizeof ah);
	}
	if (hl == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (ctype) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	set_common(h, tmo, ctmo, errbuf, &x);
	t0 = ck_clock_wall_ms();
	rc = curl_easy_perform(c);
	curl_slist_free_all(hl);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	if (x.too_big) {
		ck_http_resp_free(r);
		return ck_err_set(e, CK_DATAERR, "%s: reply larger than %u bytes", url,
		    CK_HTTP_MAX_BODY);
	}
	if (rc != CURLE_OK) {
		ck_http_resp_free(r);
		return transfer_failed(h, rc, url, errbuf, tmo, e);
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &pre);
	curl_easy_getinfo(c, CURLINFO_STARTTRANSFER_TIME_T, &st);
	r->sent_ms = t0 + pre / 1000;
	r->recv_ms = t0 + st / 1000;
	if (r->recv_ms < r->sent_ms)
		r->recv_ms = r->sent_ms;
	r->rtt_ms = r->recv_ms - r->sent_ms;
	if (r->body == NULL && (r->body = calloc(1, 1)) == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	return 0;
}

/* A copy of p[0..n) (its length in *outn) with the userinfo of every
 * "scheme://user:pass@host" replaced by "[redacted]": request bodies may
 * carry camera URIs with their accounts, and the log sink redacts only
 * headers and WS-Security. Each replacement adds at most 9 bytes per 4 of
 * input ("://" and one byte of userinfo at least), hence the 4n bound. */
static char *
redact_userinfo(const char *p, size_t n, size_t *outn)
{
	char *o = malloc(4 * n + 16);
	size_t i = 0, k = 0, j;

	if (o == NULL)
		return NULL;
	while (i < n) {
		if (i + 3 <= n && memcmp(p + i, "://", 3) == 0) {
			memcpy(o + k, "://", 3);
			k += 3;
			i += 3;
			for (j = i; j < n && !memchr("/?#@\"' <>\r\n\\", p[j], 12); j++)
				;
			if (j < n && j > i && p[j] == '@') {
				memcpy(o + k, "[redacted]", 10);
				k += 10;
				i = j;
			}
			continue;
		}
		o[k++] = p[i++];
	}
	*outn = k;
	return o;
}

/* ck_http_request's trace: on_debug's, with URI accounts redacted too. */
static int
on_debug_req(CURL *c, curl_infotype t, char *p, size_t n, void *ud)
{
	char *r;
	size_t rn;

	if (t != CURLINFO_HEADER_OUT && t != CURLINFO_DATA_OUT &&
	    t != CURLINFO_HEADER_IN && t != CURLINFO_DATA_IN)
		return on_debug(c, t, p, n, ud);
	if (ck_log_verbosity < CK_LOG_WIRE)
		return 0;
	if ((r = redact_userinfo(p, n, &rn)) == NULL)
		return 0;
	on_debug(c, t, r, rn, ud);
	free(r);
	return 0;
}

int
ck_http_request(ck_http *h, const ck_http_req *q, ck_http_resp *r, ck_err *e)
{
	CURL *c = h->c;
	struct curl_slist *hl = NULL, *nl;
	struct xfer x;
	char errbuf[CURL_ERROR_SIZE] = "";
	long tmo = h->o.timeout_ms > 0 ? h->o.timeout_ms : 10000;
	long ctmo = h->o.connect_timeout_ms > 0 ? h->o.connect_timeout_ms : tmo;
	size_t i;
	CURLcode rc;

	memset(r, 0, sizeof *r);
	memset(&x, 0, sizeof x);
	x.r = r;
	for (i = 0; q->headers && q->headers[i]; i++) {
		if ((nl = curl_slist_append(hl, q->headers[i])) == NULL) {
			curl_slist_free_all(hl);
			return ck_err_set(e, CK_SOFTWARE, "out of memory");
		}
		hl = nl;
	}
	if ((nl = curl_slist_append(hl, "Expect:")) == NULL) {
		curl_slist_free_all(hl);
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	}
	hl = nl;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, q->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (q->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->len);
	}
	if (strcmp(q->method, "GET") == 0 && q->body == NULL)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	else if (strcmp(q->method, "POST") != 0 || q->body == NULL)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
	if (q->user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, q->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, q->pass ? q->pass : "");
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "camkit/" CAMKIT_VERSION);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, tmo);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ctmo);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug_req);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, &x);
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	if (h->o.insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	rc = curl_easy_perform(c);
	curl_slist_free_all(hl);
	/* the password must not stay in the handle between requests */
	curl_easy_setopt(c, CURLOPT_PASSWORD, NULL);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	if (x.too_big) {
		ck_http_resp_free(r);
		return ck_err_set(e, CK_DATAERR, "%s: reply larger than %u bytes", q->url,
		    CK_HTTP_MAX_BODY);
	}
	if (rc != CURLE_OK) {
		ck_http_resp_free(r);
		return transfer_failed(h, rc, q->url, errbuf, tmo, e);
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->body == NULL && (r->body = calloc(1, 1)) == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	return 0;
}
