/* evhttp: tiny HTTP/1.1 listener for Notify POSTs (see evhttp.h). */
#include "base/clock.h"
#include "net/evhttp.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "net/net.h"

struct ck_evhttp {
	int fd;
	int port;
};

ck_evhttp *
ck_evhttp_listen(const char *addr, int port, ck_err *e)
{
	ck_evhttp *h;
	int fd = ck_net_tcp_listen(addr, port, AF_UNSPEC, e);

	if (fd < 0)
		return NULL;
	h = calloc(1, sizeof *h);
	if (!h) {
		close(fd);
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	h->fd = fd;
	h->port = ck_net_local_port(fd);
	return h;
}

void
ck_evhttp_free(ck_evhttp *h)
{
	if (!h)
		return;
	close(h->fd);
	free(h);
}

int
ck_evhttp_port(const ck_evhttp *h)
{
	return h->port;
}

/* Finds header name (case-insensitive) in the header block; value copied. */
static int
header(const char *head, const char *name, char *val, size_t vlen)
{
	const char *p = strstr(head, "\r\n");
	size_t nl = strlen(name);

	while (p && p[2]) {
		const char *line = p + 2, *end = strstr(line, "\r\n");
		if (!end)
			break;
		if ((size_t)(end - line) > nl && strncasecmp(line, name, nl) == 0 &&
		    line[nl] == ':') {
			const char *v = line + nl + 1;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			size_t n = (size_t)(end - v);
			while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
				n--;
			if (n >= vlen)
				n = vlen - 1;
			memcpy(val, v, n);
			val[n] = '\0';
			return 1;
		}
		p = end;
	}
	return 0;
}

/* Decodes a chunked body from b[0..n). Returns bytes consumed (>0), 0 when
 * incomplete, -1 on error. */
static long
dechunk(const char *b, size_t n, char **out, size_t *olen, ck_err *e)
{
	size_t pos = 0, total = 0;
	char *o = NULL;

	for (;;) {
		const char *eol = memmem(b + pos, n - pos, "\r\n", 2);
		unsigned long sz = 0;
		size_t i;

		if (!eol)
			goto more;
		for (i = pos; b + i < eol && isxdigit((unsigned char)b[i]); i++) {
			sz = sz * 16 + (unsigned long)(isdigit((unsigned char)b[i]) ?
			    b[i] - '0' : (tolower((unsigned char)b[i]) - 'a' + 10));
			if (sz > CK_EVHTTP_MAX_BODY) {
				free(o);
				return ck_err_set(e, CK_NOINPUT, "chunked body too large");
			}
		}
		if (i == pos) {
			free(o);
			return ck_err_set(e, CK_DATAERR, "bad chunk size");
		}
		pos = (size_t)(eol - b) + 2;
		if (sz == 0) {
			/* Trailers end with an empty line. */
			const char *end = memmem(b + pos, n - pos, "\r\n", 2);
			while (end && end != b + pos) {
				pos = (size_t)(end - b) + 2;
				end = memmem(b + pos, n - pos, "\r\n", 2);
			}
			if (!end)
				goto more;
			pos += 2;
			if (!o && !(o = malloc(1))) {
				return ck_err_set(e, CK_SOFTWARE, "out of memory");
			}
			o[total] = '\0';
			*out = o;
			*olen = total;
			return (long)pos;
		}
		if (total + sz > CK_EVHTTP_MAX_BODY) {
			free(o);
			return ck_err_set(e, CK_NOINPUT, "chunked body too large");
		}
		if (n - pos < sz + 2)
			goto more;
		char *q = realloc(o, total + sz + 1);
		if (!q) {
			free(o);
			return ck_err_set(e, CK_SOFTWARE, "out of memory");
		}
		o = q;
		memcpy(o + total, b + pos, sz);
		total += sz;
		pos += sz;
		if (b[pos] != '\r' || b[pos + 1] != '\n') {
			free(o);
			return ck_err_set(e, CK_DATAERR, "bad chunk terminator");
		}
		pos += 2;
	}
more:
	free(o);
	return 0;
}

int
ck_evhttp_parse(const char *buf, size_t len, char *head, size_t headlen,
    const char **method, const char **path, char **body, size_t *blen,
    ck_err *e)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	size_t hl;
	char v[64], *sp1, *sp2;

	*body = NULL;
	*blen = 0;
	if (!end) {
		if (len >= CK_EVHTTP_MAX_HEAD || len >= headlen)
			return ck_err_set(e, CK_NOINPUT, "request header too large");
		return 0;
	}
	hl = (size_t)(end - buf) + 4;
	if (hl >= headlen || hl > CK_EVHTTP_MAX_HEAD)
		return ck_err_set(e, CK_NOINPUT, "request header too large");
	memcpy(head, buf, hl);
	head[hl] = '\0';
	/* Request line: METHOD SP PATH SP HTTP/1.x */
	sp1 = strchr(head, ' ');
	if (!sp1 || sp1 == head || sp1 > strstr(head, "\r\n"))
		return ck_err_set(e, CK_DATAERR, "bad request line");
	sp2 = strchr(sp1 + 1, ' ');
	if (!sp2 || sp2 > strstr(head, "\r\n") || strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return ck_err_set(e, CK_DATAERR, "bad request line");
	*sp1 = '\0';
	*sp2 = '\0';
	*method = head;
	*path = sp1 + 1;
	if (header(sp2 + 1, "Transfer-Encoding", v, sizeof v) &&
	    strcasecmp(v, "identity") != 0) {
		long used;
		if (strcasecmp(v, "chunked") != 0)
			return ck_err_set(e, CK_DATAERR, "unsupported transfer coding");
		used = dechunk(buf + hl, len - hl, body, blen, e);
		if (used <= 0)
			return (int)used;
		return (int)(hl + (size_t)used);
	}
	if (header(sp2 + 1, "Content-Length", v, sizeof v)) {
		char *ep;
		unsigned long long cl;
		if (!isdigit((unsigned char)v[0]))
			return ck_err_set(e, CK_DATAERR, "bad Content-Length");
		errno = 0;
		cl = strtoull(v, &ep, 10);
		if (*ep || errno)
			return ck_err_set(e, CK_DATAERR, "bad Content-Length");
		if (cl > CK_EVHTTP_MAX_BODY)
			return ck_err_set(e, CK_NOINPUT, "body of %llu bytes is too large", cl);
		if (len - hl < cl)
			return 0;
		*body = malloc(cl + 1);
		if (!*body)
			return ck_err_set(e, CK_SOFTWARE, "out of memory");
		memcpy(*body, buf + hl, cl);
		(*body)[cl] = '\0';
		*blen = cl;
		return (int)(hl + cl);
	}
	*body = calloc(1, 1);
	if (!*body)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	return (int)hl;
}

static void
reply(int fd, int status, const char *text, int64_t deadline)
{
	char b[160];
	ck_err e;
	int n = snprintf(b, sizeof b, "HTTP/1.1 %d %s\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n", status, text);

	ck_net_write_all(fd, b, (size_t)n, deadline, &e);
}

/* Serves one connection. Returns 1 if a POST went to cb, else 0; *stop
 * gets what cb asked. */
static int
serve_conn(int fd, const char *peer, int64_t deadline, ck_evhttp_cb cb,
    void *arg, int *stop)
{
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap), *head = malloc(CK_EVHTTP_MAX_HEAD + 1);
	int done = 0, rc, continued = 0;
	ck_err e;

	if (!buf || !head)
		goto out;
	for (;;) {
		const char *method, *path;
		char *body;
		size_t blen;
		ssize_t n;

		rc = ck_evhttp_parse(buf, len, head, CK_EVHTTP_MAX_HEAD + 1, &method,
		    &path, &body, &blen, &e);
		if (rc < 0) {
			ck_log_info("push listener: %s: %s", peer, e.msg);
			reply(fd, e.kind == CK_NOINPUT ? 413 : 400, e.kind == CK_NOINPUT
			    ? "Payload Too Large" : "Bad Request", deadline);
			goto out;
		}
		if (rc == 0 && !continued) {
			/* A client that asks first (Expect: 100-continue) is told
			 * to go on rather than left waiting. */
			const char *end = memmem(buf, len, "\r\n\r\n", 4);
			if (end) {
				continued = 1;
				if (memmem(buf, (size_t)(end - buf), "100-continue", 12))
					ck_net_write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25,
					    deadline, &e);
			}
		}
		if (rc > 0) {
			if (strcmp(method, "POST") != 0) {
				reply(fd, 405, "Method Not Allowed", deadline);
			} else {
				reply(fd, 200, "OK", deadline);
				ck_log_trace('<', body, blen);
				*stop = cb(arg, peer, path, body, blen);
				done = 1;
			}
			free(body);
			goto out;
		}
		if (len == cap) {
			char *q;
			if (cap >= CK_EVHTTP_MAX_HEAD + CK_EVHTTP_MAX_BODY + 65536) {
				reply(fd, 413, "Payload Too Large", deadline);
				goto out;
			}
			q = realloc(buf, cap * 2);
			if (!q)
				goto out;
			buf = q;
			cap *= 2;
		}
		n = ck_net_read_deadline(fd, buf + len, cap - len, deadline, &e);
		if (n <= 0) {
			if (n < 0)
				ck_log_info("push listener: %s: %s", peer, e.msg);
			goto out;
		}
		len += (size_t)n;
	}
out:
	free(buf);
	free(head);
	return done;
}

int
ck_evhttp_serve(ck_evhttp *h, int64_t deadline, ck_evhttp_cb cb, void *arg,
    ck_err *e)
{
	int count = 0, stop = 0;

	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		char peer[80];
		int64_t left = deadline - ck_clock_now_ms();
		struct pollfd p = { .fd = h->fd, .events = POLLIN };
		int fd, r;

		if (left <= 0 || stop)
			return count;
		r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (r < 0) {
			if (errno == EINTR)
				return count;
			return ck_err_set(e, CK_IOERR, "poll: %s", strerror(errno));
		}
		if (r == 0)
			continue;
		fd = accept4(h->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
				continue;
			return ck_err_set(e, CK_IOERR, "accept: %s", strerror(errno));
		}
		ck_net_addr_str((struct sockaddr *)&ss, peer, sizeof peer);
		/* A client gets 2 s beyond our own deadline, never more. */
		{
			int64_t d = ck_clock_now_ms() + 5000, lim = deadline + 2000;
			count += serve_conn(fd, peer, d < lim ? d : lim, cb, arg, &stop);
		}
		close(fd);
	}
}
