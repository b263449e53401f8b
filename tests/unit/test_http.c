/* lib/http against canned servers on loopback (a forked child per case). */
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "net/http.h"
#include "net/net.h"
#include "t.h"

/* Serves one connection: reads the request head and body (Content-Length),
 * saves it to *req_out (parent reads it through a pipe), answers reply
 * (NULL: never answer). Returns the port; *pid the child. */
static int
serve(const char *reply, pid_t *pid, int *pipefd)
{
	ck_err e;
	int l = ck_net_tcp_listen("127.0.0.1", 0, AF_INET, &e), port = ck_net_local_port(l);
	int pf[2];

	if (pipe(pf) < 0)
		abort();
	*pid = fork();
	if (*pid == 0) {
		char buf[65536];
		size_t n = 0;
		int c;
		ck_net_wait_fd(l, POLLIN, ck_clock_now_ms() + 5000, &e);
		c = accept(l, NULL, NULL);
		for (;;) {
			ssize_t k = ck_net_read_deadline(c, buf + n, sizeof buf - 1 - n,
			    ck_clock_now_ms() + 2000, &e);
			char *hend, *cl;
			if (k <= 0)
				break;
			n += (size_t)k;
			buf[n] = '\0';
			hend = strstr(buf, "\r\n\r\n");
			cl = strcasestr(buf, "Content-Length:");
			if (hend && (!cl || n >= (size_t)(hend + 4 - buf) + strtoul(cl + 15, NULL, 10)))
				break;
		}
		if (write(pf[1], buf, n) < 0)
			_exit(1);
		close(pf[1]);
		if (reply == NULL)
			sleep(10);
		else
			ck_net_write_all(c, reply, strlen(reply), ck_clock_now_ms() + 2000, &e);
		close(c);
		_exit(0);
	}
	close(l);
	close(pf[1]);
	*pipefd = pf[0];
	return port;
}

static void
reap(pid_t pid, int fd)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	close(fd);
}

static int
post(int port, long tmo, ck_http_resp *r, const char *authz, ck_err *e)
{
	ck_http_opts o = { .timeout_ms = tmo };
	ck_http *h = ck_http_new(&o, e);
	char url[64];
	int rc;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/onvif/device_service", port);
	rc = ck_http_post(h, url, "application/soap+xml; charset=utf-8", "<x/>", 4,
	    authz, r, e);
	ck_http_free(h);
	return rc;
}

int
main(void)
{
	ck_http_resp r;
	ck_err e = { 0, "" };
	pid_t pid;
	int fd, port;
	char req[4096];
	ssize_t n;

	/* 200: body, Date, content type; the request carries our headers */
	port = serve("HTTP/1.1 200 OK\r\nDate: Tue, 07 Mar 2023 16:14:53 GMT\r\n"
	    "Content-Type: application/soap+xml\r\nContent-Length: 5\r\n\r\nhello", &pid, &fd);
	T_EQ_INT(post(port, 3000, &r, "Digest username=\"u\"", &e), 0);
	T_EQ_INT(r.status, 200);
	T_EQ_STR(r.body, "hello");
	T_EQ_INT(r.len, 5);
	T_EQ_STR(r.date, "Tue, 07 Mar 2023 16:14:53 GMT");
	T_EQ_STR(r.content_type, "application/soap+xml");
	T_OK(r.rtt_ms >= 0 && r.recv_ms >= r.sent_ms);
	n = read(fd, req, sizeof req - 1);
	req[n > 0 ? n : 0] = '\0';
	T_OK(strncmp(req, "POST /onvif/device_service HTTP/1.1\r\n", 37) == 0);
	T_OK(strstr(req, "\r\nContent-Type: application/soap+xml; charset=utf-8\r\n") != NULL);
	T_OK(strstr(req, "\r\nAuthorization: Digest username=\"u\"\r\n") != NULL);
	T_OK(strstr(req, "Expect:") == NULL);
	T_OK(strstr(req, "\r\n\r\n<x/>") != NULL);
	ck_http_resp_free(&r);
	reap(pid, fd);

	/* 401 with two challenges: the SHA-256 one is kept, status returned */
	port = serve("HTTP/1.1 401 Unauthorized\r\n"
	    "WWW-Authenticate: Digest realm=\"r\", nonce=\"1\", algorithm=SHA-256, qop=\"auth\"\r\n"
	    "WWW-Authenticate: Digest realm=\"r\", nonce=\"2\", algorithm=MD5, qop=\"auth\"\r\n"
	    "Content-Length: 0\r\n\r\n", &pid, &fd);
	T_EQ_INT(post(port, 3000, &r, NULL, &e), 0);
	T_EQ_INT(r.status, 401);
	T_OK(strstr(r.www_authenticate, "SHA-256") != NULL);
	T_EQ_STR(r.body, "");
	ck_http_resp_free(&r);
	reap(pid, fd);

	/* not HTTP at all -> 65 */
	port = serve("\x16\x03garbage\r\n\r\n", &pid, &fd);
	T_EQ_INT(post(port, 3000, &r, NULL, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	reap(pid, fd);

	/* silent -> 75 */
	port = serve(NULL, &pid, &fd);
	T_EQ_INT(post(port, 500, &r, NULL, &e), -1);
	T_EQ_INT(e.kind, CK_TEMPFAIL);
	reap(pid, fd);

	/* refused -> 69 (the port of a listener just closed) */
	{
		int l = ck_net_tcp_listen("127.0.0.1", 0, AF_INET, &e);
		port = ck_net_local_port(l);
		close(l);
		T_EQ_INT(post(port, 2000, &r, NULL, &e), -1);
		T_EQ_INT(e.kind, CK_UNAVAIL);
	}
	/* a bad scheme is a usage error */
	{
		ck_http_opts o = { .timeout_ms = 1000 };
		ck_http *h = ck_http_new(&o, &e);
		T_EQ_INT(ck_http_post(h, "ftp://127.0.0.1/", "text/plain", "", 0, NULL, &r, &e), -1);
		T_EQ_INT(e.kind, CK_USAGE);
		ck_http_free(h);
	}
	T_DONE();
}
