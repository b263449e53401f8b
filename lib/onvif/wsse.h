/* wsse: WS-Security UsernameToken with PasswordDigest (OASIS UsernameToken
 * Profile 1.0), the authentication ONVIF devices expect:
 *   PasswordDigest = Base64(SHA1(nonce + created + password))
 * Created must come from the DEVICE's clock (local clock + measured offset):
 * cameras reject tokens outside a few seconds of their own time. */
#ifndef CK_WSSE_H
#define CK_WSSE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define CK_WSSE_NONCE_LEN 20

/* Base64(SHA1(nonce + created + password)) into out (>= 29 bytes).
 * Returns 0, or -1 with CK_SOFTWARE. */
int ck_wsse_digest(const unsigned char *nonce, size_t nlen, const char *created,
    const char *password, char *out, size_t outlen, ck_err *e);
/* Formats unix_ms as the Created value "YYYY-MM-DDTHH:MM:SS.mmmZ" (>= 25). */
void ck_wsse_created(int64_t unix_ms, char *out, size_t outlen);
/* The <wsse:Security> header XML for user/password with the given nonce and
 * Created (the deterministic core, for tests). Returns a malloc'd string
 * (caller frees) or NULL with an error. */
char *ck_wsse_header_with(const char *user, const char *password,
    const unsigned char *nonce, size_t nlen, const char *created, ck_err *e);
/* The same with a fresh random nonce (RAND_bytes) and Created =
 * now + device_offset_ms (device minus local clock). */
char *ck_wsse_header(const char *user, const char *password,
    int64_t device_offset_ms, ck_err *e);
/* Standard Base64 of in[0..n) into out; returns the length or -1 if out is
 * too small. */
int ck_wsse_base64(const unsigned char *in, size_t n, char *out, size_t outlen);

#endif
