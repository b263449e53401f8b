/* libFuzzer: Digest header parsing (WWW-Authenticate and Authorization
 * values), and building/verifying from whatever parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/digest.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	ck_err e;
	ck_digest_chal c;
	ck_digest_auth a;
	char buf[2048];
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ck_digest_parse_challenge(s, &c, &e) == 0) {
		if (ck_digest_build_auth(&c, "34020000001320000001", "pw", "REGISTER",
		    "sip:34020000002000000001@3402000000", 1, NULL, buf, sizeof buf, &e) > 0 &&
		    ck_digest_parse_auth(buf, &a, &e) == 0 &&
		    ck_digest_verify(&a, "pw", "REGISTER", &e) != 1)
			abort();   /* our own answer must verify */
		ck_digest_build_challenge(&c, buf, sizeof buf, &e);
	}
	if (ck_digest_parse_auth(s, &a, &e) == 0)
		ck_digest_verify(&a, "pw", "REGISTER", &e);
	free(s);
	return 0;
}
