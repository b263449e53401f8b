/* digest: RFC 2617 / RFC 7616 Digest authentication. */
#include "codec/digest.h"
#include "base/cred.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

const char *
ck_digest_alg_name(int alg)
{
	return alg == CK_DIGEST_SHA256 ? "SHA-256" : "MD5";
}

/* Walks "name=value, name="quoted", ..." after the scheme. Calls fn for each
 * pair with the unquoted value. Returns 0, or -1 on a syntax error. */
typedef int (*param_fn)(void *arg, const char *name, size_t nlen,
    const char *val, size_t vlen);

static int
walk_params(const char *p, param_fn fn, void *arg)
{
	char val[1024];
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0')
			return 0;
		const char *n = p;
		while (*p && *p != '=' && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		size_t nlen = (size_t)(p - n);
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=' || nlen == 0)
			return -1;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		size_t vl = 0;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				if ((unsigned char)*p < 0x20 && *p != '\t')
					return -1;
				if (vl + 1 >= sizeof val)
					return -1;
				val[vl++] = *p++;
			}
			if (*p != '"')
				return -1;
			p++;
		} else {
			while (*p && *p != ',' && *p != ' ' && *p != '\t') {
				if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
					return -1;
				if (vl + 1 >= sizeof val)
					return -1;
				val[vl++] = *p++;
			}
		}
		val[vl] = '\0';
		if (fn(arg, n, nlen, val, vl) < 0)
			return -1;
	}
}

static int
name_is(const char *n, size_t nlen, const char *want)
{
	return strlen(want) == nlen && strncasecmp(n, want, nlen) == 0;
}

static int
copy_field(char *dst, size_t cap, const char *v, size_t vl)
{
	if (vl >= cap)
		return -1;
	memcpy(dst, v, vl);
	dst[vl] = '\0';
	return 0;
}

static int
parse_alg(const char *v, int *alg)
{
	if (strcasecmp(v, "MD5") == 0)
		*alg = CK_DIGEST_MD5;
	else if (strcasecmp(v, "SHA-256") == 0)
		*alg = CK_DIGEST_SHA256;
	else
		return -1;
	return 0;
}

/* qop list "auth,auth-int" contains auth? */
static int
qop_has_auth(const char *v)
{
	const char *p = v;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *s = p;
		while (*p && *p != ',' && *p != ' ')
			p++;
		if ((size_t)(p - s) == 4 && strncasecmp(s, "auth", 4) == 0)
			return 1;
	}
	return 0;
}

struct chal_ctx { ck_digest_chal *c; int bad_alg; int bad_len; int have_nonce, have_realm; };

static int
chal_param(void *arg, const char *n, size_t nl, const char *v, size_t vl)
{
	struct chal_ctx *x = arg;
	int r = 0;
	if (name_is(n, nl, "realm")) {
		r = copy_field(x->c->realm, sizeof x->c->realm, v, vl);
		x->have_realm = 1;
	} else if (name_is(n, nl, "nonce")) {
		r = copy_field(x->c->nonce, sizeof x->c->nonce, v, vl);
		x->have_nonce = 1;
	} else if (name_is(n, nl, "opaque")) {
		r = copy_field(x->c->opaque, sizeof x->c->opaque, v, vl);
	} else if (name_is(n, nl, "algorithm")) {
		if (parse_alg(v, &x->c->alg) < 0)
			x->bad_alg = 1;
	} else if (name_is(n, nl, "qop")) {
		x->c->qop_auth = qop_has_auth(v);
	} else if (name_is(n, nl, "stale")) {
		x->c->stale = strcasecmp(v, "true") == 0;
	}
	if (r < 0)
		x->bad_len = 1;
	return 0;
}

static const char *
skip_scheme(const char *value, ck_err *e)
{
	const char *p = value;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "Digest", 6) != 0 || (p[6] != ' ' && p[6] != '\t')) {
		ck_err_set(e, CK_PROTO, "not a Digest authentication header");
		return NULL;
	}
	return p + 6;
}

int
ck_digest_parse_challenge(const char *value, ck_digest_chal *c, ck_err *e)
{
	struct chal_ctx x = { c, 0, 0, 0, 0 };
	memset(c, 0, sizeof *c);
	if (value == NULL)
		return ck_err_set(e, CK_PROTO, "no challenge");
	const char *p = skip_scheme(value, e);
	if (p == NULL)
		return -1;
	if (walk_params(p, chal_param, &x) < 0)
		return ck_err_set(e, CK_DATAERR, "malformed Digest challenge");
	if (x.bad_len)
		return ck_err_set(e, CK_DATAERR, "Digest challenge field too long");
	if (x.bad_alg)
		return ck_err_set(e, CK_PROTO, "unsupported Digest algorithm");
	if (!x.have_nonce || !x.have_realm)
		return ck_err_set(e, CK_PROTO, "Digest challenge without %s",
		    x.have_nonce ? "realm" : "nonce");
	return 0;
}

struct auth_ctx { ck_digest_auth *a; int bad; int have_user, have_resp, have_nonce, have_uri, have_realm; };

static int
auth_param(void *arg, const char *n, size_t nl, const char *v, size_t vl)
{
	struct auth_ctx *x = arg;
	ck_digest_auth *a = x->a;
	int r = 0;
	if (name_is(n, nl, "username")) {
		r = copy_field(a->username, sizeof a->username, v, vl);
		x->have_user = 1;
	} else if (name_is(n, nl, "realm")) {
		r = copy_field(a->realm, sizeof a->realm, v, vl);
		x->have_realm = 1;
	} else if (name_is(n, nl, "nonce")) {
		r = copy_field(a->nonce, sizeof a->nonce, v, vl);
		x->have_nonce = 1;
	} else if (name_is(n, nl, "uri")) {
		r = copy_field(a->uri, sizeof a->uri, v, vl);
		x->have_uri = 1;
	} else if (name_is(n, nl, "response")) {
		r = copy_field(a->response, sizeof a->response, v, vl);
		x->have_resp = 1;
	} else if (name_is(n, nl, "opaque")) {
		r = copy_field(a->opaque, sizeof a->opaque, v, vl);
	} else if (name_is(n, nl, "cnonce")) {
		r = copy_field(a->cnonce, sizeof a->cnonce, v, vl);
	} else if (name_is(n, nl, "nc")) {
		r = copy_field(a->nc, sizeof a->nc, v, vl);
	} else if (name_is(n, nl, "algorithm")) {
		r = parse_alg(v, &a->alg);
	} else if (name_is(n, nl, "qop")) {
		if (strcasecmp(v, "auth") == 0)
			a->qop_auth = 1;
		else
			r = -1;
	}
	if (r < 0)
		x->bad = 1;
	return 0;
}

int
ck_digest_parse_auth(const char *value, ck_digest_auth *a, ck_err *e)
{
	struct auth_ctx x = { a, 0, 0, 0, 0, 0, 0 };
	memset(a, 0, sizeof *a);
	if (value == NULL)
		return ck_err_set(e, CK_DATAERR, "no Authorization");
	const char *p = skip_scheme(value, e);
	if (p == NULL)
		return ck_err_set(e, CK_DATAERR, "not Digest credentials");
	if (walk_params(p, auth_param, &x) < 0 || x.bad)
		return ck_err_set(e, CK_DATAERR, "malformed Digest credentials");
	if (!x.have_user || !x.have_resp || !x.have_nonce || !x.have_uri ||
	    !x.have_realm)
		return ck_err_set(e, CK_DATAERR, "incomplete Digest credentials");
	if (a->qop_auth && (a->nc[0] == '\0' || a->cnonce[0] == '\0'))
		return ck_err_set(e, CK_DATAERR, "qop=auth without nc/cnonce");
	return 0;
}

/* hex(H(parts joined by ':')) into out. */
static int
hash_hex(int alg, const char *const *parts, int n, char *out, ck_err *e)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	const EVP_MD *md_t = alg == CK_DIGEST_SHA256 ? EVP_sha256() : EVP_md5();
	int ok = c && EVP_DigestInit_ex(c, md_t, NULL);
	for (int i = 0; ok && i < n; i++) {
		if (i > 0)
			ok = EVP_DigestUpdate(c, ":", 1);
		if (ok)
			ok = EVP_DigestUpdate(c, parts[i], strlen(parts[i]));
	}
	if (ok)
		ok = EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
	if (!ok)
		return ck_err_set(e, CK_SOFTWARE, "digest: hash unavailable");
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[2 * mdlen] = '\0';
	return 0;
}

int
ck_digest_response(int alg, const char *user, const char *realm,
    const char *pass, const char *method, const char *uri, const char *nonce,
    const char *qop, const char *nc, const char *cnonce, char *out, ck_err *e)
{
	char ha1[CK_DIGEST_HEX_MAX], ha2[CK_DIGEST_HEX_MAX];
	const char *p1[] = { user, realm, pass };
	const char *p2[] = { method, uri };
	int rc = hash_hex(alg, p1, 3, ha1, e);
	if (rc == 0)
		rc = hash_hex(alg, p2, 2, ha2, e);
	if (rc == 0) {
		if (qop && *qop) {
			const char *p3[] = { ha1, nonce, nc ? nc : "", cnonce ? cnonce : "", qop, ha2 };
			rc = hash_hex(alg, p3, 6, out, e);
		} else {
			const char *p3[] = { ha1, nonce, ha2 };
			rc = hash_hex(alg, p3, 3, out, e);
		}
	}
	ck_cred_wipe_mem(ha1, sizeof ha1);
	return rc;
}

int
ck_digest_random_hex(char *out, size_t nbytes)
{
	unsigned char b[64];
	if (nbytes > sizeof b || RAND_bytes(b, (int)nbytes) != 1)
		return -1;
	for (size_t i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	out[2 * nbytes] = '\0';
	return 0;
}

/* 1 when s can go between double quotes as is. */
static int
quotable(const char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
			return 0;
	return 1;
}

int
ck_digest_build_auth(const ck_digest_chal *c, const char *user,
    const char *pass, const char *method, const char *uri, unsigned nc,
    const char *cnonce, char *out, size_t outlen, ck_err *e)
{
	char resp[CK_DIGEST_HEX_MAX], ncs[16], cn[33];
	int n;
	snprintf(ncs, sizeof ncs, "%08x", nc ? nc : 1);
	if (!quotable(c->realm) || !quotable(c->nonce) || !quotable(c->opaque) ||
	    !quotable(user) || !quotable(uri) || (cnonce && !quotable(cnonce)))
		return ck_err_set(e, CK_PROTO, "digest: a value cannot be quoted");
	if (cnonce == NULL) {
		if (ck_digest_random_hex(cn, 16) < 0)
			return ck_err_set(e, CK_SOFTWARE, "digest: no random bytes");
		cnonce = cn;
	}
	if (ck_digest_response(c->alg, user, c->realm, pass, method, uri,
	    c->nonce, c->qop_auth ? "auth" : NULL, ncs, cnonce, resp, e) < 0)
		return -1;
	n = snprintf(out, outlen,
	    "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
	    "response=\"%s\", algorithm=%s",
	    user, c->realm, c->nonce, uri, resp, ck_digest_alg_name(c->alg));
	if (n >= 0 && (size_t)n < outlen && c->qop_auth)
		n += snprintf(out + n, outlen - (size_t)n,
		    ", qop=auth, nc=%s, cnonce=\"%s\"", ncs, cnonce);
	if (n >= 0 && (size_t)n < outlen && c->opaque[0])
		n += snprintf(out + n, outlen - (size_t)n, ", opaque=\"%s\"", c->opaque);
	if (n < 0 || (size_t)n >= outlen)
		return ck_err_set(e, CK_SOFTWARE, "digest: Authorization too long");
	return n;
}

int
ck_digest_build_challenge(const ck_digest_chal *c, char *out, size_t outlen,
    ck_err *e)
{
	if (!quotable(c->realm) || !quotable(c->nonce) || !quotable(c->opaque))
		return ck_err_set(e, CK_SOFTWARE, "digest: a value cannot be quoted");
	int n = snprintf(out, outlen, "Digest realm=\"%s\", nonce=\"%s\"",
	    c->realm, c->nonce);
	if (n >= 0 && (size_t)n < outlen && c->opaque[0])
		n += snprintf(out + n, outlen - (size_t)n, ", opaque=\"%s\"", c->opaque);
	if (n >= 0 && (size_t)n < outlen)
		n += snprintf(out + n, outlen - (size_t)n, ", algorithm=%s",
		    ck_digest_alg_name(c->alg));
	if (n >= 0 && (size_t)n < outlen && c->qop_auth)
		n += snprintf(out + n, outlen - (size_t)n, ", qop=\"auth\"");
	if (n >= 0 && (size_t)n < outlen && c->stale)
		n += snprintf(out + n, outlen - (size_t)n, ", stale=true");
	if (n < 0 || (size_t)n >= outlen)
		return ck_err_set(e, CK_SOFTWARE, "digest: challenge too long");
	return n;
}

int
ck_digest_verify(const ck_digest_auth *a, const char *pass, const char *method,
    ck_err *e)
{
	char want[CK_DIGEST_HEX_MAX];
	char got[CK_DIGEST_HEX_MAX];
	size_t wl, gl;
	if (ck_digest_response(a->alg, a->username, a->realm, pass, method, a->uri,
	    a->nonce, a->qop_auth ? "auth" : NULL, a->nc, a->cnonce, want, e) < 0)
		return -1;
	wl = strlen(want);
	gl = strlen(a->response);
	/* Lower-case the received hex: some clients send upper case. */
	memset(got, 0, sizeof got);
	for (size_t i = 0; i < gl && i < sizeof got - 1; i++)
		got[i] = (char)tolower((unsigned char)a->response[i]);
	/* Compare the full expected length whatever was received, so timing
	 * does not depend on where the first difference is. */
	int same = CRYPTO_memcmp(want, got, wl) == 0 && gl == wl;
	ck_cred_wipe_mem(want, sizeof want);
	return same;
}
