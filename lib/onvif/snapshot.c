/* snapshot: still images of ONVIF devices (see snapshot.h). */
#include "onvif/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/cred.h"
#include "base/log.h"
#include "base/opt.h"
#include "codec/digest.h"
#include "onvif/media.h"
#include "onvif/wsse.h"

int
ck_snapshot_check_jpeg(const unsigned char *b, size_t n, ck_err *e)
{
	if (n < 4 || b[0] != 0xff || b[1] != 0xd8 || b[2] != 0xff)
		return ck_err_set(e, CK_DATAERR, "not a JPEG (%zu bytes, no SOI marker%s)",
		    n, n && b[0] == '<' ? "; looks like HTML" : "");
	while (n > 4 && (b[n - 1] == '\n' || b[n - 1] == '\r' || b[n - 1] == '\0'))
		n--;
	if (b[n - 2] != 0xff || b[n - 1] != 0xd9)
		return ck_err_set(e, CK_DATAERR, "JPEG without its EOI marker "
		    "(truncated, %zu bytes)", n);
	return 0;
}

int
ck_snapshot_uri(ck_onvif *c, int v, const char *token, char *uri,
    size_t urilen, char *adv, size_t advlen, ck_err *e)
{
	const ck_onvif_opts *o = ck_onvif_get_opts(c);
	ck_err e2 = { 0, "" };

	if (ck_media_get_uri(c, v, ck_media_snapshot_uri_body(v, token), adv, advlen,
	    e) < 0) {
		/* Media2 refuses it on some firmwares that answer it on Media */
		if (v != 2 || ck_media_version(c, 1, &e2) < 0 ||
		    ck_media_get_uri(c, 1, ck_media_snapshot_uri_body(1, token), adv,
		    advlen, &e2) < 0)
			return -1;
		ck_log_info("profile %s: Media2 GetSnapshotUri failed (%s); Media answered",
		    token, e->msg);
	}
	if (o->trust_xaddrs ||
	    ck_media_uri_rehost(adv, ck_onvif_get_target(c)->host, uri, urilen) < 0)
		snprintf(uri, urilen, "%s", adv);
	else if (strcmp(uri, adv) != 0)
		ck_log_info("snapshot URI %s rewritten to %s", adv, uri);
	return 0;
}

/* The Authorization answering challenge chal for GET uri, into out. */
static int
answer(ck_onvif *c, const char *chal, const char *uri, char *out, size_t outlen,
    ck_err *e)
{
	ck_opt_url u;
	ck_digest_chal dc;
	char up[600];
	size_t n;

	if (strncasecmp(chal, "Basic", 5) == 0) {
		/* Basic sends the password itself: only what the camera asks for */
		n = (size_t)snprintf(up, sizeof up, "%s:%s", ck_onvif_user(c),
		    ck_onvif_password(c));
		memcpy(out, "Basic ", 6);
		if (n >= sizeof up || ck_wsse_base64((unsigned char *)up, n, out + 6,
		    outlen - 6) < 0) {
			ck_cred_wipe_mem(up, sizeof up);
			return ck_err_set(e, CK_CONFIG, "credentials too long for Basic");
		}
		ck_cred_wipe_mem(up, sizeof up);
		return 0;
	}
	if (ck_digest_parse_challenge(chal, &dc, e) < 0 ||
	    ck_opt_parse_url(uri, &u, e) < 0)
		return ck_err_wrap(e, "snapshot");
	return ck_digest_build_auth(&dc, ck_onvif_user(c), ck_onvif_password(c), "GET",
	    u.path, 1, NULL, out, outlen, e);
}

int
ck_snapshot_fetch(ck_onvif *c, const char *uri, ck_http_resp *r, ck_err *e)
{
	const ck_onvif_opts *o = ck_onvif_get_opts(c);
	ck_http_opts ho = { .timeout_ms = o->timeout_ms, .insecure = o->insecure,
	    .tls_hint = o->tls_hint };
	char authz[1024];
	ck_http *h = ck_http_new(&ho, e);
	int rc = -1;

	memset(r, 0, sizeof *r);
	if (h == NULL)
		return -1;
	if (ck_http_get(h, uri, NULL, r, e) < 0)
		goto out;
	if (r->status == 401) {
		if (ck_onvif_password(c)[0] == '\0') {
			ck_err_set(e, CK_NOPERM, "%s: HTTP 401 and no password is configured", uri);
			goto out;
		}
		if (answer(c, r->www_authenticate, uri, authz, sizeof authz, e) < 0) {
			if (e->kind == CK_DATAERR)
				e->kind = CK_PROTO;
			goto out;
		}
		ck_log_info("answering the snapshot's %.6s challenge", r->www_authenticate);
		ck_http_resp_free(r);
		rc = ck_http_get(h, uri, authz, r, e);
		ck_cred_wipe_mem(authz, sizeof authz);
		if (rc < 0)
			goto out;
		rc = -1;
		if (r->status == 401) {
			ck_err_set(e, CK_NOPERM, "%s: credentials refused (HTTP 401)", uri);
			goto out;
		}
	}
	if (r->status < 200 || r->status > 299)
		ck_err_set(e, CK_PROTO, "%s: HTTP %ld", uri, r->status);
	else if (ck_snapshot_check_jpeg((unsigned char *)r->body, r->len, e) < 0)
		ck_err_wrap(e, "%s", uri);
	else
		rc = 0;
out:
	if (rc < 0)
		ck_http_resp_free(r);
	ck_http_free(h);
	return rc;
}
