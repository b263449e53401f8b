/* Digest: RFC 2617 §3.5, RFC 7616 §3.9.1 (MD5, SHA-256), a real GB28181
 * capture, parsing and building round trips. */
#include <string.h>

#include "codec/digest.h"
#include "t.h"

int
main(void)
{
	char out[CK_DIGEST_HEX_MAX], buf[1024];
	ck_err e;
	ck_digest_chal c;
	ck_digest_auth a;

	/* RFC 2617 §3.5 */
	T_OK(ck_digest_response(CK_DIGEST_MD5, "Mufasa", "testrealm@host.com",
	    "Circle Of Life", "GET", "/dir/index.html",
	    "dcd98b7102dd2f0e8b11d0f600bfb0c093", "auth", "00000001", "0a4f113b",
	    out, &e) == 0);
	T_EQ_STR(out, "6629fae49393a05397450978507c4ef1");

	/* RFC 7616 §3.9.1, MD5 and SHA-256 */
	const char *n7616 = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
	const char *cn7616 = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
	T_OK(ck_digest_response(CK_DIGEST_MD5, "Mufasa", "http-auth@example.org",
	    "Circle of Life", "GET", "/dir/index.html", n7616, "auth", "00000001",
	    cn7616, out, &e) == 0);
	T_EQ_STR(out, "8ca523f5e9506fed4657c9700eebdbec");
	T_OK(ck_digest_response(CK_DIGEST_SHA256, "Mufasa", "http-auth@example.org",
	    "Circle of Life", "GET", "/dir/index.html", n7616, "auth", "00000001",
	    cn7616, out, &e) == 0);
	T_EQ_STR(out, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");

	/* Real capture (Hikvision platform, GB28181 REGISTER, no qop) */
	T_OK(ck_digest_response(CK_DIGEST_MD5, "admin", "hik", "12345", "REGISTER",
	    "sip:130909115229300920@10.64.49.44:7100",
	    "a8afe6fcbee6331d89d3eb0d3d19ce39", NULL, NULL, NULL, out, &e) == 0);
	T_EQ_STR(out, "907ddb1bcc25174d7de4a96c947fb066");
	/* ... and its unregister (Expires: 0) from the same capture (seed 003) */
	T_OK(ck_digest_response(CK_DIGEST_MD5, "admin", "hik", "12345", "REGISTER",
	    "sip:130909115229300920@10.64.49.44:7100",
	    "42dc1acbe02b15743942c0af9314768b", NULL, NULL, NULL, out, &e) == 0);
	T_EQ_STR(out, "7328353ed26e3f2edf3ff57e834d5665");

	/* Challenge parsing: the 7616 SHA-256 challenge, unquoted algorithm */
	T_EQ_INT(ck_digest_parse_challenge("Digest\r\n realm=\"http-auth@example.org\","
	    " qop=\"auth, auth-int\", algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\","
	    " opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"", &c, &e), -1);
	T_EQ_INT(ck_digest_parse_challenge("Digest realm=\"http-auth@example.org\","
	    " qop=\"auth, auth-int\", algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\","
	    " opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"", &c, &e), 0);
	T_EQ_STR(c.realm, "http-auth@example.org");
	T_EQ_INT(c.alg, CK_DIGEST_SHA256);
	T_EQ_INT(c.qop_auth, 1);
	T_EQ_STR(c.opaque, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
	T_EQ_INT(ck_digest_build_auth(&c, "Mufasa", "Circle of Life", "GET",
	    "/dir/index.html", 1, cn7616, buf, sizeof buf, &e) > 0, 1);
	T_OK(strstr(buf, "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\"") != NULL);
	T_OK(strstr(buf, "nc=00000001") != NULL);
	T_OK(strstr(buf, "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"") != NULL);
	/* ... which the server side parses and verifies */
	T_EQ_INT(ck_digest_parse_auth(buf, &a, &e), 0);
	T_EQ_STR(a.username, "Mufasa");
	T_EQ_STR(a.cnonce, cn7616);
	T_EQ_INT(ck_digest_verify(&a, "Circle of Life", "GET", &e), 1);
	T_EQ_INT(ck_digest_verify(&a, "Circle of life", "GET", &e), 0);
	T_EQ_INT(ck_digest_verify(&a, "Circle of Life", "POST", &e), 0);

	/* GB28181 style: no qop, stale, unknown params, bad inputs */
	T_EQ_INT(ck_digest_parse_challenge("Digest realm=\"hik\",nonce=\"a8afe6fcbee6331d89d3eb0d3d19ce39\",stale=TRUE,foo=bar", &c, &e), 0);
	T_EQ_INT(c.stale, 1);
	T_EQ_INT(c.qop_auth, 0);
	T_EQ_INT(c.alg, CK_DIGEST_MD5);
	T_EQ_INT(ck_digest_build_auth(&c, "admin", "12345", "REGISTER",
	    "sip:130909115229300920@10.64.49.44:7100", 1, NULL, buf, sizeof buf, &e) > 0, 1);
	T_OK(strstr(buf, "response=\"907ddb1bcc25174d7de4a96c947fb066\"") != NULL);
	T_OK(strstr(buf, "qop") == NULL);
	T_EQ_INT(ck_digest_parse_auth(buf, &a, &e), 0);
	T_EQ_INT(ck_digest_verify(&a, "12345", "REGISTER", &e), 1);
	/* Upper-case hex from the client is accepted */
	T_EQ_INT(ck_digest_parse_auth("Digest username=\"admin\",realm=\"hik\",nonce=\"a8afe6fcbee6331d89d3eb0d3d19ce39\","
	    "uri=\"sip:130909115229300920@10.64.49.44:7100\",response=\"907DDB1BCC25174D7DE4A96C947FB066\",algorithm=MD5", &a, &e), 0);
	T_EQ_INT(ck_digest_verify(&a, "12345", "REGISTER", &e), 1);

	T_EQ_INT(ck_digest_parse_challenge("Basic realm=\"x\"", &c, &e), -1);
	T_EQ_INT(e.kind, CK_PROTO);
	T_EQ_INT(ck_digest_parse_challenge("Digest realm=\"x\", nonce=\"y\", algorithm=SHA-512-256", &c, &e), -1);
	T_EQ_INT(ck_digest_parse_challenge("Digest realm=\"x\"", &c, &e), -1);
	T_EQ_INT(ck_digest_parse_challenge("Digest realm=\"x, nonce=\"y", &c, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	T_EQ_INT(ck_digest_parse_auth("Digest username=\"a\"", &a, &e), -1);
	T_EQ_INT(ck_digest_parse_auth("Digest username=\"a\",realm=\"r\",nonce=\"n\",uri=\"u\",response=\"00\",qop=auth", &a, &e), -1);
	T_EQ_INT(ck_digest_parse_auth(NULL, &a, &e), -1);

	/* Challenge building */
	memset(&c, 0, sizeof c);
	strcpy(c.realm, "3402000000");
	strcpy(c.nonce, "abc");
	strcpy(c.opaque, "op");
	c.stale = 1;
	T_EQ_INT(ck_digest_build_challenge(&c, buf, sizeof buf, &e) > 0, 1);
	T_EQ_STR(buf, "Digest realm=\"3402000000\", nonce=\"abc\", opaque=\"op\", algorithm=MD5, stale=true");
	T_EQ_INT(ck_digest_build_challenge(&c, buf, 10, &e), -1);
	T_DONE();
}
