/* digest: HTTP/SIP Digest access authentication (RFC 2617, RFC 7616), client
 * and server side. MD5 and SHA-256 (OpenSSL EVP); qop=auth or no qop; opaque;
 * nonce counts. Pure functions over strings: no sockets, no printing. */
#ifndef CK_DIGEST_H
#define CK_DIGEST_H

#include <stddef.h>

#include "base/err.h"

enum ck_digest_alg { CK_DIGEST_MD5 = 0, CK_DIGEST_SHA256 = 1 };

/* Longest hex digest (SHA-256) plus NUL. */
#define CK_DIGEST_HEX_MAX 65

/* A parsed WWW-Authenticate / Proxy-Authenticate challenge. */
typedef struct ck_digest_chal {
	char realm[128];
	char nonce[256];
	char opaque[256];
	int alg;        /* enum ck_digest_alg */
	int qop_auth;   /* 1 when the server offered qop="auth" */
	int stale;      /* stale=true */
} ck_digest_chal;

/* A parsed Authorization / Proxy-Authorization header value. */
typedef struct ck_digest_auth {
	char username[128];
	char realm[128];
	char nonce[256];
	char uri[512];
	char response[CK_DIGEST_HEX_MAX];
	char opaque[256];
	char cnonce[128];
	char nc[16];       /* 8 hex digits when qop is present */
	int alg;
	int qop_auth;      /* 1 when qop=auth was given */
} ck_digest_auth;

/* Name for alg as written on the wire ("MD5", "SHA-256"). */
const char *ck_digest_alg_name(int alg);

/* Parses a challenge value ("Digest realm=\"..\", nonce=\"..\", ...").
 * Unknown parameters are ignored; an algorithm other than MD5/SHA-256, a
 * missing nonce or realm, a non-Digest scheme, or a value too long for the
 * fields is -1 with CK_PROTO (CK_DATAERR for syntax). */
int ck_digest_parse_challenge(const char *value, ck_digest_chal *c, ck_err *e);

/* Parses an Authorization value ("Digest username=\"..\", ..."). Returns 0,
 * or -1 with CK_DATAERR when it is not a well-formed Digest credential. */
int ck_digest_parse_auth(const char *value, ck_digest_auth *a, ck_err *e);

/* Computes the request-digest (lower-case hex) into out (>= 65 bytes).
 * qop NULL or "" = RFC 2069 style (no nc/cnonce); "auth" uses nc and cnonce.
 * Returns 0, or -1 (CK_SOFTWARE) if the hash is unavailable. */
int ck_digest_response(int alg, const char *user, const char *realm,
    const char *pass, const char *method, const char *uri, const char *nonce,
    const char *qop, const char *nc, const char *cnonce, char *out, ck_err *e);

/* Builds an Authorization value answering c (Digest username=..., realm,
 * nonce, uri, response, algorithm, [qop=auth, nc, cnonce], [opaque]) into
 * out. nc is the nonce count to use (1 for the first use of a nonce);
 * cnonce NULL = a random one. Returns the length, or -1 (too small: CK_SOFTWARE). */
int ck_digest_build_auth(const ck_digest_chal *c, const char *user,
    const char *pass, const char *method, const char *uri, unsigned nc,
    const char *cnonce, char *out, size_t outlen, ck_err *e);

/* Builds a challenge value (Digest realm, nonce, opaque, algorithm,
 * [qop="auth"], [stale=true]) into out. Returns the length or -1. */
int ck_digest_build_challenge(const ck_digest_chal *c, char *out,
    size_t outlen, ck_err *e);

/* Server side: 1 when a's response matches pass for method (uri as sent in
 * a), 0 when it does not; constant-time comparison. -1 on internal error. */
int ck_digest_verify(const ck_digest_auth *a, const char *pass,
    const char *method, ck_err *e);

/* Fills out with n random bytes as lower-case hex (out >= 2n+1). Returns 0 or -1. */
int ck_digest_random_hex(char *out, size_t nbytes);

#endif
