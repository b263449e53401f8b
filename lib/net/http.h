/* http: HTTP POST on libcurl. Timeouts, an Authorization header (lib/onvif
 * answers Digest 401s with lib/digest), TLS verified unless told otherwise, and the
 * "> "/"< " wire trace (redacted) through ck_log_trace at -vv. */
#ifndef CK_HTTP_H
#define CK_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define CK_HTTP_MAX_BODY (8u << 20)

typedef struct ck_http ck_http;

typedef struct ck_http_opts {
	long connect_timeout_ms;   /* 0: same as timeout_ms */
	long timeout_ms;           /* whole exchange; 0: 10 s */
	int insecure;              /* 1: do not verify TLS peer/host */
	const char *tls_hint;      /* appended in parentheses to a certificate-
	                              verification error of a post, get or
	                              request (the tool says how to opt out;
	                              lib/ names no flag) */
} ck_http_opts;

typedef struct ck_http_resp {
	long status;               /* final HTTP status */
	char *body;                /* NUL-terminated, malloc'd; ck_http_resp_free */
	size_t len;
	char date[64];             /* Date header of the final response, or "" */
	char content_type[128];
	char www_authenticate[512];/* the WWW-Authenticate challenge of the final
	                              response (a SHA-256 Digest one preferred
	                              when several are offered), or "" */
	int64_t sent_ms;           /* wall clock when the request was on the wire */
	int64_t recv_ms;           /* wall clock when the first reply byte came */
	int64_t rtt_ms;            /* recv_ms - sent_ms (last request) */
} ck_http_resp;

/* A client that keeps its connection alive between posts; NULL on failure.
 * Free with ck_http_free. */
ck_http *ck_http_new(const ck_http_opts *o, ck_err *e);
void ck_http_free(ck_http *h);
/* POSTs body (len bytes, content type ctype) to url and fills r; authz (may
 * be NULL) is sent as the Authorization header value (HTTP Digest answers
 * are computed by the caller with lib/digest: libcurl's own Digest sends an
 * empty-bodied probe POST first, which SOAP devices answer with a fault
 * instead of a 401). Returns 0
 * for any HTTP status (the caller judges it), or -1 with CK_NOHOST (cannot
 * resolve), CK_UNAVAIL (refused, unreachable, TLS handshake/verification),
 * CK_TEMPFAIL (timeout), CK_DATAERR (not HTTP, empty or oversized reply),
 * CK_USAGE (bad URL/scheme), CK_SOFTWARE. */
int ck_http_post(ck_http *h, const char *url, const char *ctype,
    const char *body, size_t len, const char *authz, ck_http_resp *r, ck_err *e);
/* GETs url into r, as ck_http_post (the body bounded by CK_HTTP_MAX_BODY;
 * the Content-Type of the reply in r->content_type). */
int ck_http_get(ck_http *h, const char *url, const char *authz, ck_http_resp *r,
    ck_err *e);
/* RTSP OPTIONS then DESCRIBE of url on one connection, with user/pass (may
 * be NULL) answered to a 401 as the server asks (Digest, else Basic).
 * *options_status gets OPTIONS' status; r the DESCRIBE's (r->status; the
 * SDP in r->body, r->content_type). Returns 0 for any RTSP status (the
 * caller judges it), or -1 with the transport kinds of ck_http_post. */
int ck_http_rtsp_describe(ck_http *h, const char *url, const char *user,
    const char *pass, long *options_status, ck_http_resp *r, ck_err *e);
/* 1 when h's last exchange failed because the server's TLS certificate was
 * not verified (the caller may say how to opt out), else 0. */
int ck_http_unverified(const ck_http *h);
void ck_http_resp_free(ck_http_resp *r);

/* One request of any method, for REST APIs (OpenVidu). */
typedef struct ck_http_req {
	const char *method;          /* "GET", "POST", "DELETE", ... */
	const char *url;
	const char *const *headers;  /* "Name: value" lines, NULL-terminated, or NULL */
	const char *user;            /* HTTP Basic (sent up front) when not NULL */
	const char *pass;
	const char *body;            /* request body, or NULL for none */
	size_t len;
} ck_http_req;

/* Sends q with h's timeouts and TLS policy and fills r (freed with
 * ck_http_resp_free). The -vv trace shows the Authorization header
 * redacted. Returns 0 for any HTTP status, or -1 with the kinds of
 * ck_http_post. */
int ck_http_request(ck_http *h, const ck_http_req *q, ck_http_resp *r, ck_err *e);

#endif
