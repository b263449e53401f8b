#include "base/clock.h"
#include "onvif/wsse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "base/cred.h"
#include "codec/xml.h"

int
ck_wsse_base64(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	size_t need = 4 * ((n + 2) / 3) + 1;

	if (outlen < need || n > 1u << 20)
		return -1;
	return EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

int
ck_wsse_digest(const unsigned char *nonce, size_t nlen, const char *created,
    const char *password, char *out, size_t outlen, ck_err *e)
{
	unsigned char md[SHA_DIGEST_LENGTH];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok;

	ok = c && EVP_DigestInit_ex(c, EVP_sha1(), NULL) &&
	    EVP_DigestUpdate(c, nonce, nlen) &&
	    EVP_DigestUpdate(c, created, strlen(created)) &&
	    EVP_DigestUpdate(c, password, strlen(password)) &&
	    EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
	if (!ok || ck_wsse_base64(md, sizeof md, out, outlen) < 0)
		return ck_err_set(e, CK_SOFTWARE, "SHA-1 digest failed");
	return 0;
}

void
ck_wsse_created(int64_t unix_ms, char *out, size_t outlen)
{
	time_t t = (time_t)(unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000);
	int ms = (int)(unix_ms - (int64_t)t * 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ms);
}

#define PW_TYPE "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
#define NONCE_TYPE "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"

char *
ck_wsse_header_with(const char *user, const char *password,
    const unsigned char *nonce, size_t nlen, const char *created, ck_err *e)
{
	char digest[64], nonce64[128];
	char *euser, *out;
	size_t n;

	if (nlen > 64 || ck_wsse_base64(nonce, nlen, nonce64, sizeof nonce64) < 0) {
		ck_err_set(e, CK_SOFTWARE, "nonce too long");
		return NULL;
	}
	if (ck_wsse_digest(nonce, nlen, created, password, digest, sizeof digest, e) < 0)
		return NULL;
	euser = ck_xml_escape(user);
	n = (euser ? strlen(euser) : 0) + 1024;
	out = euser ? malloc(n) : NULL;
	if (out == NULL) {
		free(euser);
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	snprintf(out, n,
	    "<wsse:Security s:mustUnderstand=\"1\" xmlns:wsse=\"" CK_NS_WSSE "\""
	    " xmlns:wsu=\"" CK_NS_WSU "\">"
	    "<wsse:UsernameToken><wsse:Username>%s</wsse:Username>"
	    "<wsse:Password Type=\"" PW_TYPE "\">%s</wsse:Password>"
	    "<wsse:Nonce EncodingType=\"" NONCE_TYPE "\">%s</wsse:Nonce>"
	    "<wsu:Created>%s</wsu:Created></wsse:UsernameToken></wsse:Security>",
	    euser, digest, nonce64, created);
	free(euser);
	ck_cred_wipe_mem(digest, sizeof digest);
	return out;
}

char *
ck_wsse_header(const char *user, const char *password, int64_t device_offset_ms,
    ck_err *e)
{
	unsigned char nonce[CK_WSSE_NONCE_LEN];
	char created[40];

	if (RAND_bytes(nonce, sizeof nonce) != 1) {
		ck_err_set(e, CK_SOFTWARE, "RAND_bytes failed");
		return NULL;
	}
	ck_wsse_created(ck_clock_wall_ms() + device_offset_ms, created, sizeof created);
	return ck_wsse_header_with(user, password, nonce, sizeof nonce, created, e);
}
