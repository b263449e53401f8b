/* sip: message building/serialising over libosip2, framing, transactions
 * over loopback UDP and TCP (a forked peer answers), GB dates. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "net/net.h"
#include "gb/sip.h"
#include "t.h"

/* GB2312 bytes of 浙江省 */
static const char gbbody[] = "<?xml version=\"1.0\"?>\r\n<Notify><CmdType>Keepalive</CmdType>"
    "<SN>7</SN><Name>\xd5\xe3\xbd\xad\xca\xa1</Name></Notify>\r\n";

/* Child: answers up to n requests on s with 200 (dropping the first one
 * when drop_first, to force a UDP retransmission), then exits. */
static void
serve(ck_sip *s, int n, int drop_first)
{
	ck_err e;
	ck_sip_req *rq;
	int seen = 0;
	while (n > 0 && ck_sip_next_request(s, ck_clock_now_ms() + 5000, &rq, &e) == 1) {
		if (drop_first && seen++ == 0) {
			ck_sip_req_free(rq);
			continue;
		}
		osip_message_t *m = ck_sip_response_new(s, rq, 200, &e);
		osip_message_set_header(m, "Date", "2026-11-21T10:00:00.123");
		ck_sip_send_response(s, rq, m, &e);
		ck_sip_req_free(rq);
		n--;
	}
	/* answer retransmissions from the cache for a moment */
	ck_sip_next_request(s, ck_clock_now_ms() + 300, &rq, &e);
	ck_sip_close(s);
	_exit(0);
}

static void
roundtrip(int tcp, int drop_first)
{
	ck_err e;
	ck_sip_opts so = { .bind_addr = "127.0.0.1", .udp = 1, .tcp_listen = tcp, .t1_ms = 100 };
	ck_sip *srv = ck_sip_open(&so, &e);
	T_OK(srv != NULL);
	if (srv == NULL)
		return;
	int port = ck_sip_port(srv);
	pid_t pid = fork();
	if (pid == 0)
		serve(srv, 1, drop_first);
	ck_sip_close(srv);

	ck_sip_opts co = { .bind_addr = "127.0.0.1", .udp = 1, .t1_ms = 100, .user_agent = "t/1" };
	ck_sip *c = ck_sip_open(&co, &e);
	ck_sip_peer p;
	T_OK(c != NULL);
	if (tcp)
		T_EQ_INT(ck_sip_connect(c, "127.0.0.1", port, ck_clock_now_ms() + 2000, &p, &e), 0);
	else
		T_EQ_INT(ck_sip_peer_udp(c, "127.0.0.1", port, &p, &e), 0);
	char ruri[128];
	snprintf(ruri, sizeof ruri, "sip:34020000001320000001@127.0.0.1:%d", port);
	ck_sip_reqspec rs = { .method = "MESSAGE", .ruri = ruri,
	    .from = "sip:34020000002000000001@3402000000", .expires = -1,
	    .content_type = CK_SIP_MANSCDP, .body = gbbody, .body_len = sizeof gbbody - 1 };
	osip_message_t *m = ck_sip_request_new(c, &p, &rs, &e);
	T_OK(m != NULL);
	size_t l;
	char *txt = ck_sip_to_str(m, &l, &e);
	char want[64];
	snprintf(want, sizeof want, "Content-Length: %zu\r\n", sizeof gbbody - 1);
	T_OK(strstr(txt, want) != NULL);
	T_OK(strstr(txt, tcp ? "Via: SIP/2.0/TCP 127.0.0.1:" : "Via: SIP/2.0/UDP 127.0.0.1:") != NULL);
	T_OK(strstr(txt, ";rport;branch=z9hG4bK") != NULL);
	T_OK(strstr(txt, "Max-Forwards: 70\r\n") != NULL);
	T_OK(strstr(txt, "Content-Type: Application/MANSCDP+xml\r\n") != NULL);
	T_OK(strstr(txt, "From: <sip:34020000002000000001@3402000000>;tag=") != NULL);
	T_OK(strstr(txt, "User-Agent: t/1\r\n") != NULL);
	T_OK(strstr(txt, "Contact:") == NULL);
	T_OK(strstr(txt, "\xd5\xe3\xbd\xad\xca\xa1") != NULL);
	free(txt);
	osip_message_t *resp = NULL;
	T_EQ_INT(ck_sip_send_request(c, &p, m, ck_clock_now_ms() + 5000, &resp, &e), 0);
	T_OK(resp != NULL);
	if (resp) {
		T_EQ_INT(osip_message_get_status_code(resp), 200);
		T_EQ_STR(ck_sip_header(resp, "date"), "2026-11-21T10:00:00.123");
		osip_via_t *v = osip_list_get(&resp->vias, 0);
		osip_generic_param_t *rp = NULL;
		osip_via_param_get_byname(v, "rport", &rp);
		T_OK(rp && rp->gvalue && atoi(rp->gvalue) > 0);
		osip_generic_param_t *tag = NULL;
		osip_to_get_tag(resp->to, &tag);
		T_OK(tag != NULL);
		osip_message_free(resp);
	}
	ck_sip_close(c);
	int st;
	waitpid(pid, &st, 0);
}

/* Client transactions side by side: an answer to the second arrives and is
 * collected while the first, to a silent peer, is still outstanding. */
static void
concurrent(void)
{
	ck_err e;
	ck_sip_opts so = { .bind_addr = "127.0.0.1", .udp = 1, .t1_ms = 100 };
	ck_sip *srv = ck_sip_open(&so, &e), *silent = ck_sip_open(&so, &e);
	T_OK(srv && silent);
	if (!srv || !silent)
		return;
	int port = ck_sip_port(srv);
	pid_t pid = fork();
	if (pid == 0)
		serve(srv, 1, 0);
	ck_sip_close(srv);
	ck_sip *c = ck_sip_open(&so, &e);
	ck_sip_peer ps, pa;
	ck_sip_peer_udp(c, "127.0.0.1", ck_sip_port(silent), &ps, &e);
	ck_sip_peer_udp(c, "127.0.0.1", port, &pa, &e);
	ck_sip_reqspec rs = { .method = "MESSAGE", .ruri = "sip:1@127.0.0.1",
	    .from = "sip:2@3402000000", .expires = -1 };
	int64_t t0 = ck_clock_now_ms();
	uint64_t a = ck_sip_tx_start(c, &ps, ck_sip_request_new(c, &ps, &rs, &e), t0 + 3000, &e);
	uint64_t b = ck_sip_tx_start(c, &pa, ck_sip_request_new(c, &pa, &rs, &e), t0 + 3000, &e);
	T_OK(a > 0 && b > 0 && a != b);
	T_EQ_INT(ck_sip_tx_outstanding(c), 2);
	uint64_t id = 0;
	osip_message_t *resp = NULL;
	ck_sip_req *rq;
	while (ck_clock_now_ms() < t0 + 2500 && ck_sip_tx_done(c, &id, &resp, &e) == 0)
		T_EQ_INT(ck_sip_next_request(c, t0 + 2500, &rq, &e), 0);
	T_EQ_INT(id, b);
	T_OK(resp && osip_message_get_status_code(resp) == 200);
	if (resp)
		osip_message_free(resp);
	/* well before the silent one's deadline */
	T_OK(ck_clock_now_ms() - t0 < 2000);
	T_EQ_INT(ck_sip_tx_outstanding(c), 1);
	/* the silent one times out at its deadline, with CK_TEMPFAIL */
	while (ck_sip_tx_done(c, &id, &resp, &e) == 0)
		ck_sip_next_request(c, t0 + 5000, &rq, &e);
	T_EQ_INT(id, a);
	T_OK(resp == NULL);
	T_EQ_INT(e.kind, CK_TEMPFAIL);
	T_EQ_INT(ck_sip_tx_outstanding(c), 0);
	ck_sip_close(c);
	ck_sip_close(silent);
	int st;
	waitpid(pid, &st, 0);
}

/* An ICMP port unreachable for one peer (IP_RECVERR) fails that peer's
 * transaction at once, and a send to another peer before it was read is not
 * failed by it (the kernel reports the pending error on the next sendto). */
static void
icmp_refused(void)
{
	ck_err e;
	ck_sip_opts co = { .bind_addr = "127.0.0.1", .udp = 1, .t1_ms = 500 };
	ck_sip *c = ck_sip_open(&co, &e), *dead = ck_sip_open(&co, &e), *live = ck_sip_open(&co, &e);
	T_OK(c && dead && live);
	if (!c || !dead || !live)
		return;
	ck_sip_peer pd, pl;
	ck_sip_peer_udp(c, "127.0.0.1", ck_sip_port(dead), &pd, &e);
	ck_sip_peer_udp(c, "127.0.0.1", ck_sip_port(live), &pl, &e);
	ck_sip_close(dead);   /* its port is closed now */
	ck_sip_reqspec rs = { .method = "MESSAGE", .ruri = "sip:1@127.0.0.1",
	    .from = "sip:2@3402000000", .expires = -1 };
	int64_t t0 = ck_clock_now_ms();
	uint64_t a = ck_sip_tx_start(c, &pd, ck_sip_request_new(c, &pd, &rs, &e), t0 + 20000, &e);
	T_OK(a > 0);
	usleep(100 * 1000);   /* the ICMP error is pending on c's socket */
	osip_message_t *m = ck_sip_request_new(c, &pl, &rs, &e);
	T_EQ_INT(ck_sip_send_raw(c, &pl, m, &e), 0);
	osip_message_free(m);
	ck_sip_req *rq = NULL;
	T_EQ_INT(ck_sip_next_request(live, ck_clock_now_ms() + 5000, &rq, &e), 1);
	ck_sip_req_free(rq);
	uint64_t id = 0;
	osip_message_t *resp = NULL;
	while (ck_clock_now_ms() < t0 + 15000 && ck_sip_tx_done(c, &id, &resp, &e) == 0)
		ck_sip_next_request(c, ck_clock_now_ms() + 200, &rq, &e);
	T_EQ_INT(id, a);
	T_OK(resp == NULL);
	T_EQ_INT(e.kind, CK_UNAVAIL);
	T_OK(strstr(e.msg, "connection refused") != NULL);
	ck_sip_close(c);
	ck_sip_close(live);
}

int
main(void)
{
	ck_err e;
	signal(SIGPIPE, SIG_IGN);
	roundtrip(0, 0);
	roundtrip(0, 1);   /* first datagram dropped: retransmission answers */
	roundtrip(1, 0);
	concurrent();
	icmp_refused();

	/* Timeout: nobody answers (T1 = 50 ms -> timer F 3.2 s, deadline 400 ms) */
	ck_sip_opts co = { .bind_addr = "127.0.0.1", .udp = 1, .t1_ms = 50 };
	ck_sip *c = ck_sip_open(&co, &e), *silent = ck_sip_open(&co, &e);
	ck_sip_peer p;
	ck_sip_peer_udp(c, "127.0.0.1", ck_sip_port(silent), &p, &e);
	ck_sip_reqspec rs = { .method = "REGISTER", .ruri = "sip:3402000000@127.0.0.1",
	    .from = "sip:34020000001320000001@3402000000",
	    .to = "sip:34020000001320000001@3402000000", .expires = 0 };
	osip_message_t *m = ck_sip_request_new(c, &p, &rs, &e), *resp = NULL;
	size_t l;
	char *txt = ck_sip_to_str(m, &l, &e);
	T_OK(strstr(txt, "Expires: 0\r\n") != NULL);
	T_OK(strstr(txt, "Contact: <sip:34020000001320000001@127.0.0.1:") != NULL);
	T_OK(strstr(txt, "Content-Length: 0\r\n") != NULL);
	free(txt);
	int64_t t0 = ck_clock_now_ms();
	T_EQ_INT(ck_sip_send_request(c, &p, m, t0 + 400, &resp, &e), -1);
	T_EQ_INT(e.kind, CK_TEMPFAIL);
	T_OK(ck_clock_now_ms() - t0 < 1000);
	ck_sip_close(c);
	ck_sip_close(silent);

	/* Parsing: missing headers, garbage, compact forms */
	const char *ok = "MESSAGE sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP 1.2.3.4:5060;branch=z9hG4bK1\r\n"
	    "f: <sip:x@y>;tag=1\r\nt: <sip:a@b>\r\ni: abc\r\nCSeq: 1 MESSAGE\r\nl: 3\r\n\r\nabc";
	m = ck_sip_parse(ok, strlen(ok), &e);
	T_OK(m != NULL);
	if (m) {
		size_t bl;
		const char *b = ck_sip_body(m, &bl);
		T_EQ_INT(bl, 3);
		T_OK(b && memcmp(b, "abc", 3) == 0);
		T_EQ_STR(ck_sip_from_user(m, 0), "x");
		T_EQ_INT(ck_sip_expires(m, 42), 42);
		osip_message_free(m);
	}
	const char *nocseq = "MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4\r\n\r\n";
	T_OK(ck_sip_parse(nocseq, strlen(nocseq), &e) == NULL);
	T_EQ_INT(e.kind, CK_DATAERR);
	T_OK(ck_sip_parse("\x01\x02garbage", 9, &e) == NULL);

	/* TCP framing */
	size_t sk;
	const char *two = "\r\n\r\nMESSAGE sip:a@b SIP/2.0\r\nContent-Length: 3\r\n\r\nabcNEXT";
	T_EQ_INT(ck_sip_frame(two, strlen(two), &sk), (long)strlen(two) - 4 - 4);
	T_EQ_INT(sk, 4);
	T_EQ_INT(ck_sip_frame(two, 20, &sk), 0);
	const char *compact = "OPTIONS sip:a@b SIP/2.0\r\nl:  2\r\n\r\nxy";
	T_EQ_INT(ck_sip_frame(compact, strlen(compact), &sk), (long)strlen(compact));
	const char *nolen = "OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n";
	T_EQ_INT(ck_sip_frame(nolen, strlen(nolen), &sk), (long)strlen(nolen));
	const char *bad = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: x\r\n\r\n";
	T_EQ_INT(ck_sip_frame(bad, strlen(bad), &sk), -1);
	const char *huge = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 999999\r\n\r\n";
	T_EQ_INT(ck_sip_frame(huge, strlen(huge), &sk), -1);
	T_EQ_INT(ck_sip_frame("\r\n", 2, &sk), 0);
	T_EQ_INT(sk, 2);

	/* GB dates (TZ-independent round trip, and the UTC form) */
	int64_t ms;
	char d[40];
	T_EQ_INT(ck_sip_parse_gb_date("2026-11-21T10:00:00.123", &ms), 0);
	ck_sip_gb_date(ms, 0, d, sizeof d);
	T_EQ_STR(d, "2026-11-21T10:00:00.123");
	T_EQ_INT(ck_sip_parse_gb_date("2026-11-21T10:00:00", &ms), 0);
	T_EQ_INT(ms % 1000, 0);
	ck_sip_gb_date(1700000000123LL, 1, d, sizeof d);
	T_EQ_STR(d, "2023-11-14T22:13:20.123");
	T_EQ_INT(ck_sip_parse_gb_date("Sun, 06 Nov 1994 08:49:37 GMT", &ms), 0);
	T_EQ_INT(ms, 784111777000LL);
	T_EQ_INT(ck_sip_parse_gb_date("2026-13-01T00:00:00", &ms), -1);
	T_EQ_INT(ck_sip_parse_gb_date("yesterday", &ms), -1);
	/* RFC 3339 zones, whatever TZ says; a space for the T */
	T_EQ_INT(ck_sip_parse_gb_date("2023-10-14T08:00:00+08:00", &ms), 0);
	T_EQ_INT(ms, 1697241600000LL);
	T_EQ_INT(ck_sip_parse_gb_date("2023-10-14T08:00:00+0800", &ms), 0);
	T_EQ_INT(ms, 1697241600000LL);
	T_EQ_INT(ck_sip_parse_gb_date("2023-10-14T00:10:00.250Z", &ms), 0);
	T_EQ_INT(ms, 1697242200250LL);
	T_EQ_INT(ck_sip_parse_gb_date("2023-10-13T20:00:00-04:00", &ms), 0);
	T_EQ_INT(ms, 1697241600000LL);
	T_EQ_INT(ck_sip_parse_gb_date("2026-11-21 10:00:00", &ms), 0);
	T_EQ_INT(ck_sip_parse_gb_date("2023-10-14T00:00:00+25:00", &ms), -1);
	T_EQ_INT(ck_sip_parse_gb_date("2023-10-14T00:00:00Zx", &ms), -1);

	/* --date-tz: zone names and POSIX strings; then local time is the zone's */
	ck_err ze;
	T_EQ_INT(ck_sip_date_tz_check("Asia/Shanghai", &ze), 0);
	T_EQ_INT(ck_sip_date_tz_check("CST-8", &ze), 0);
	T_EQ_INT(ck_sip_date_tz_check("Nowhere/Land", &ze), -1);
	T_EQ_INT(ze.kind, CK_USAGE);
	T_EQ_INT(ck_sip_date_tz_check("../../etc/passwd", &ze), -1);
	T_EQ_INT(ck_sip_date_tz_check("", &ze), -1);
	T_EQ_INT(ck_sip_set_date_tz("CST-8", &ze), 0);
	ck_sip_gb_date(1700000000123LL, 0, d, sizeof d);
	T_EQ_STR(d, "2023-11-15T06:13:20.123");
	T_DONE();
}
