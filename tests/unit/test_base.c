/* Unit tests for the base modules: err, opt, json, log (redaction), cred. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cred.h"
#include "base/err.h"
#include "codec/json.h"
#include "base/log.h"
#include "base/opt.h"
#include "t.h"

static void
test_err(void)
{
	ck_err e;

	T_EQ_INT(ck_err_set(&e, CK_TEMPFAIL, "after %d ms", 500), -1);
	T_EQ_INT(e.kind, 75);
	T_EQ_STR(e.msg, "after 500 ms");
	ck_err_wrap(&e, "GetSystemDateAndTime");
	T_EQ_STR(e.msg, "GetSystemDateAndTime: after 500 ms");
	T_EQ_INT(e.kind, 75);
	T_EQ_INT(ck_err_worst(0, 1), 1);
	T_EQ_INT(ck_err_worst(77, 75), 77);
	T_EQ_STR(ck_err_kind_name(CK_NOPERM), "auth");
}

static void
test_opt(void)
{
	ck_err e;
	long long v;
	char host[64];
	int port;
	ck_opt_url u;
	char out[256];

	T_EQ_INT(ck_opt_parse_duration("500ms", &v, &e), 0); T_EQ_INT(v, 500);
	T_EQ_INT(ck_opt_parse_duration("5s", &v, &e), 0); T_EQ_INT(v, 5000);
	T_EQ_INT(ck_opt_parse_duration("2m", &v, &e), 0); T_EQ_INT(v, 120000);
	T_EQ_INT(ck_opt_parse_duration("1.5", &v, &e), 0); T_EQ_INT(v, 1500);
	T_EQ_INT(ck_opt_parse_duration("1h", &v, &e), 0); T_EQ_INT(v, 3600000);
	T_EQ_INT(ck_opt_parse_duration("5x", &v, &e), -1); T_EQ_INT(e.kind, CK_USAGE);
	T_EQ_INT(ck_opt_parse_duration("-1s", &v, &e), -1);
	T_EQ_INT(ck_opt_parse_duration("", &v, &e), -1);

	T_EQ_INT(ck_opt_parse_int("42", 0, 100, &v, &e), 0); T_EQ_INT(v, 42);
	T_EQ_INT(ck_opt_parse_int("0x1F", 0, 100, &v, &e), 0); T_EQ_INT(v, 31);
	T_EQ_INT(ck_opt_parse_int("101", 0, 100, &v, &e), -1);
	T_EQ_INT(ck_opt_parse_int("4 2", 0, 100, &v, &e), -1);
	T_EQ_INT(ck_opt_parse_int("99999999999999999999999", 0, 100, &v, &e), -1);

	T_EQ_INT(ck_opt_parse_hostport("cam.local", host, sizeof host, &port, 80, &e), 0);
	T_EQ_STR(host, "cam.local"); T_EQ_INT(port, 80);
	T_EQ_INT(ck_opt_parse_hostport("10.0.0.5:2020", host, sizeof host, &port, 80, &e), 0);
	T_EQ_STR(host, "10.0.0.5"); T_EQ_INT(port, 2020);
	T_EQ_INT(ck_opt_parse_hostport("[fe80::1]:8000", host, sizeof host, &port, 80, &e), 0);
	T_EQ_STR(host, "fe80::1"); T_EQ_INT(port, 8000);
	T_EQ_INT(ck_opt_parse_hostport("fe80::1", host, sizeof host, &port, 80, &e), 0);
	T_EQ_STR(host, "fe80::1"); T_EQ_INT(port, 80);
	T_EQ_INT(ck_opt_parse_hostport("host:99999", host, sizeof host, &port, 80, &e), -1);
	T_EQ_INT(ck_opt_parse_hostport(":80", host, sizeof host, &port, 80, &e), -1);
	/* listen addresses: ":PORT" and "PORT" are any address */
	T_EQ_INT(ck_opt_parse_listen(":5060", host, sizeof host, &port, 1, &e), 0);
	T_EQ_STR(host, "");
	T_EQ_INT(port, 5060);
	T_EQ_INT(ck_opt_parse_listen("5070", host, sizeof host, &port, 1, &e), 0);
	T_EQ_STR(host, "");
	T_EQ_INT(port, 5070);
	T_EQ_INT(ck_opt_parse_listen("0", host, sizeof host, &port, 1, &e), 0);
	T_EQ_INT(port, 0);
	T_EQ_INT(ck_opt_parse_listen("127.0.0.1:0", host, sizeof host, &port, 1, &e), 0);
	T_EQ_STR(host, "127.0.0.1");
	T_EQ_INT(ck_opt_parse_listen("[::1]:7", host, sizeof host, &port, 1, &e), 0);
	T_EQ_STR(host, "::1");
	T_EQ_INT(port, 7);
	T_EQ_INT(ck_opt_parse_listen("lo.example", host, sizeof host, &port, 5060, &e), 0);
	T_EQ_INT(port, 5060);
	T_EQ_INT(ck_opt_parse_listen(":", host, sizeof host, &port, 1, &e), -1);
	T_EQ_INT(ck_opt_parse_listen(":70000", host, sizeof host, &port, 1, &e), -1);
	T_EQ_INT(ck_opt_parse_listen(":x", host, sizeof host, &port, 1, &e), -1);
	T_EQ_INT(ck_opt_parse_listen("", host, sizeof host, &port, 1, &e), -1);

	T_EQ_INT(ck_opt_parse_url("http://admin%40x@192.168.1.10:8080/onvif/device_service", &u, &e), 0);
	T_EQ_STR(u.scheme, "http"); T_EQ_STR(u.user, "admin@x");
	T_EQ_STR(u.host, "192.168.1.10"); T_EQ_INT(u.port, 8080);
	T_EQ_STR(u.path, "/onvif/device_service");
	T_EQ_INT(ck_opt_parse_url("HTTPS://[::1]", &u, &e), 0);
	T_EQ_STR(u.scheme, "https"); T_EQ_INT(u.port, 443); T_EQ_STR(u.path, "/");
	T_OK(ck_opt_format_url(&u, out, sizeof out) > 0);
	T_EQ_STR(out, "https://[::1]/");
	T_EQ_INT(ck_opt_parse_url("not a url", &u, &e), -1);
	T_EQ_INT(ck_opt_parse_url("http:///x", &u, &e), -1);
}

static void
test_json(void)
{
	ck_json *j = ck_json_new();
	char *q;

	ck_json_record(j, "time");
	ck_json_str(j, "s", "a\"b\\c\n\x01");
	ck_json_int(j, "i", -5);
	ck_json_num(j, "n", 1.2500, 3);
	ck_json_num(j, "z", -0.0001, 2);
	ck_json_num(j, "nan", NAN, 2);
	ck_json_bool(j, "b", 1);
	ck_json_null(j, "x");
	ck_json_arr(j, "a");
	ck_json_str(j, NULL, "u");
	ck_json_int(j, NULL, 2);
	ck_json_obj(j, NULL);
	ck_json_str(j, "k", NULL);
	ck_json_end(j);
	ck_json_end(j);
	T_EQ_STR(ck_json_text(j), "{\"type\":\"time\",\"s\":\"a\\\"b\\\\c\\n\\u0001\","
	    "\"i\":-5,\"n\":1.25,\"z\":0,\"nan\":null,\"b\":true,\"x\":null,"
	    "\"a\":[\"u\",2,{\"k\":null}]");
	ck_json_reset(j);
	/* UTF-8: valid multibyte kept, invalid bytes and surrogates -> U+FFFD */
	ck_json_record(j, NULL);
	ck_json_str(j, "name", "\xe6\xb5\x99\xe6\xb1\x9f");
	ck_json_str(j, "bad", "a\xff" "b\xed\xa0\x80");
	T_EQ_STR(ck_json_text(j), "{\"name\":\"\xe6\xb5\x99\xe6\xb1\x9f\","
	    "\"bad\":\"a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	ck_json_free(j);

	q = ck_json_quote("x\ty", 3);
	T_EQ_STR(q, "\"x\\ty\"");
	free(q);
	{
		char b[40];
		ck_json_rfc3339_ms(1692949499123LL, b, sizeof b);
		T_EQ_STR(b, "2023-08-25T07:44:59.123Z");
	}
	/* emit to a full device fails */
	{
		FILE *f = fopen("/dev/full", "w");
		if (f) {
			ck_json *k = ck_json_new();
			ck_json_record(k, "x");
			T_EQ_INT(ck_json_emit(k, f), -1);
			ck_json_free(k);
			fclose(f);
		}
	}
}

static void
test_redact(void)
{
	const char *http = "POST / HTTP/1.1\r\nAuthorization: Digest username=\"admin\", "
	    "response=\"abc\"\r\nHost: x\r\n\r\n";
	const char *xml = "<wsse:UsernameToken><wsse:Username>admin</wsse:Username>"
	    "<wsse:Password Type=\"...#PasswordDigest\">c2VjcmV0</wsse:Password>"
	    "<Nonce EncodingType=\"b64\">bm9uY2U=</Nonce></wsse:UsernameToken>";
	const char *sip = "REGISTER sip:x SIP/2.0\r\nproxy-authorization: Digest "
	    "username=\"34020000001320000001\", response=\"ffff\"\r\n";
	char *r;

	r = ck_log_redact(http, strlen(http));
	T_OK(strstr(r, "Authorization: Digest [redacted]\r\nHost: x") != NULL);
	T_OK(strstr(r, "abc") == NULL);
	free(r);
	r = ck_log_redact(xml, strlen(xml));
	T_OK(strstr(r, "c2VjcmV0") == NULL);
	T_OK(strstr(r, "bm9uY2U=") == NULL);
	T_OK(strstr(r, "<wsse:Username>admin</wsse:Username>") != NULL);
	T_OK(strstr(r, "#PasswordDigest\">[redacted]</wsse:Password>") != NULL);
	free(r);
	r = ck_log_redact(sip, strlen(sip));
	T_OK(strstr(r, "ffff") == NULL);
	free(r);
}

static void
test_cred(void)
{
	char dir[] = "/tmp/ck-cred-XXXXXX", path[256];
	ck_cred c;
	ck_err e;
	FILE *f;

	T_OK(mkdtemp(dir) != NULL);
	unsetenv("ONVIF_PASSWORD");
	unsetenv("ONVIF_USERNAME");
	snprintf(path, sizeof path, "%s/creds", dir);
	setenv("CAMKIT_CREDENTIALS", path, 1);
	f = fopen(path, "w");
	fputs("machine 10.0.0.1 login admin password s3cret\n"
	    "default login guest password any\n", f);
	fclose(f);
	chmod(path, 0644);
	T_EQ_INT(ck_cred_load(&c, "ONVIF", NULL, NULL, "10.0.0.1", &e), -1);
	T_EQ_INT(e.kind, CK_CONFIG);
	chmod(path, 0600);
	T_EQ_INT(ck_cred_load(&c, "ONVIF", NULL, NULL, "10.0.0.1", &e), 0);
	T_EQ_STR(c.user, "admin"); T_EQ_STR(c.pass, "s3cret"); T_EQ_INT(c.have_pass, 1);
	T_EQ_INT(ck_cred_load(&c, "ONVIF", NULL, NULL, "10.9.9.9", &e), 0);
	T_EQ_STR(c.user, "guest"); T_EQ_STR(c.pass, "any");
	/* environment wins over the file */
	setenv("ONVIF_PASSWORD", "envpw", 1);
	setenv("ONVIF_USERNAME", "envuser", 1);
	T_EQ_INT(ck_cred_load(&c, "ONVIF", NULL, NULL, "10.0.0.1", &e), 0);
	T_EQ_STR(c.user, "envuser"); T_EQ_STR(c.pass, "envpw");
	/* -u wins over the env user name */
	T_EQ_INT(ck_cred_load(&c, "ONVIF", "op", NULL, "10.0.0.1", &e), 0);
	T_EQ_STR(c.user, "op"); T_EQ_STR(c.pass, "envpw");
	/* password file wins over everything; two lines = user + password */
	snprintf(path, sizeof path, "%s/pw", dir);
	f = fopen(path, "w");
	fputs("fileuser\nfilepw\n", f);
	fclose(f);
	/* group or others may read it: refused here, whoever calls (ONVIF, GB) */
	chmod(path, 0640);
	T_EQ_INT(ck_cred_load(&c, "ONVIF", NULL, path, NULL, &e), -1);
	T_EQ_INT(e.kind, CK_CONFIG);
	T_OK(strstr(e.msg, "refusing a password file that group or others can read") != NULL);
	T_EQ_INT(c.have_pass, 0);
	chmod(path, 0604);
	T_EQ_INT(ck_cred_load(&c, "GB", NULL, path, NULL, &e), -1);
	T_EQ_INT(e.kind, CK_CONFIG);
	T_OK(ck_cred_fopen(path, &e) == NULL);
	T_EQ_INT(e.kind, CK_CONFIG);
	chmod(path, 0600);
	f = ck_cred_fopen(path, &e);
	T_OK(f != NULL);
	if (f)
		fclose(f);
	T_OK(ck_cred_fopen("-", &e) == stdin);
	T_EQ_INT(ck_cred_load(&c, "ONVIF", NULL, path, NULL, &e), 0);
	T_EQ_STR(c.user, "fileuser"); T_EQ_STR(c.pass, "filepw");
	ck_cred_wipe(&c);
	T_EQ_INT(c.pass[0], 0);
	T_EQ_INT(ck_cred_load(&c, "ONVIF", NULL, "/nonexistent/pw", NULL, &e), -1);
	T_EQ_INT(e.kind, CK_NOINPUT);
	unsetenv("ONVIF_PASSWORD");
	unsetenv("ONVIF_USERNAME");
	unsetenv("CAMKIT_CREDENTIALS");
	unlink(path);
	snprintf(path, sizeof path, "%s/creds", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	test_err();
	test_opt();
	test_json();
	test_redact();
	test_cred();
	T_DONE();
}
