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

/* A connection being read: its bytes so far and when it must be done. */
struct conn {
	int fd;
	char peer[80];
	char *buf;
	size_t len, cap;
	int64_t accepted, deadline;  /* monotonic ms */
	int have_head;
};

struct ck_evhttp {
	int fd;
	int port;
	long head_ms, body_ms;
	struct conn c[CK_EVHTTP_MAX_CONNS];
	int nc;
};

static void conn_close(ck_evhttp *h, int i);

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
	h->head_ms = 2000;
	h->body_ms = 10000;
	return h;
}

void
ck_evhttp_free(ck_evhttp *h)
{
	if (!h)
		return;
	while (h->nc > 0)
		conn_close(h, 0);
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
reply(int fd, int status, const char *text)
{
	char b[160];
	ck_err e;
	int n = snprintf(b, sizeof b, "HTTP/1.1 %d %s\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n", status, text);

	/* a short answer to a socket with an empty send buffer: it goes out
	 * at once, or the peer is not reading and loses it */
	ck_net_write_all(fd, b, (size_t)n, ck_clock_now_ms() + 200, &e);
}

static const char *
status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Payload Too Large";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

static void
conn_close(ck_evhttp *h, int i)
{
	close(h->c[i].fd);
	free(h->c[i].buf);
	h->c[i] = h->c[--h->nc];
}

/* Reads what c's socket has and answers a complete request. Returns 1 when
 * the connection is finished (answered or broken), 0 to wait for more. */
static int
conn_read(ck_evhttp *h, struct conn *c, ck_evhttp_cb cb, void *arg, int *count,
    int *stop)
{
	char head[CK_EVHTTP_MAX_HEAD + 1];
	const char *method, *path;
	char *body;
	size_t blen;
	ssize_t n;
	ck_err e;
	int rc;

	if (c->len == c->cap) {
		char *q;
		if (c->cap >= CK_EVHTTP_MAX_HEAD + CK_EVHTTP_MAX_BODY + 65536) {
			reply(c->fd, 413, status_text(413));
			return 1;
		}
		if ((q = realloc(c->buf, c->cap * 2)) == NULL)
			return 1;
		c->buf = q;
		c->cap *= 2;
	}
	n = read(c->fd, c->buf + c->len, c->cap - c->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return 1;
	c->len += (size_t)n;
	rc = ck_evhttp_parse(c->buf, c->len, head, sizeof head, &method, &path,
	    &body, &blen, &e);
	if (rc < 0) {
		ck_log_info("push listener: %s: %s", c->peer, e.msg);
		reply(c->fd, e.kind == CK_NOINPUT ? 413 : 400,
		    status_text(e.kind == CK_NOINPUT ? 413 : 400));
		return 1;
	}
	if (rc == 0) {
		const char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
		if (end && !c->have_head) {
			/* the head is in: the body gets its own, longer deadline; a
			 * client that asks first (Expect: 100-continue) is told to
			 * go on rather than left waiting */
			c->have_head = 1;
			c->deadline = c->accepted + h->body_ms;
			if (memmem(c->buf, (size_t)(end - c->buf), "100-continue", 12))
				ck_net_write_all(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25,
				    ck_clock_now_ms() + 200, &e);
		}
		return 0;
	}
	if (strcmp(method, "POST") != 0) {
		reply(c->fd, 405, status_text(405));
	} else {
		int status = 200;
		ck_log_trace('<', body, blen);
		*stop |= cb(arg, c->peer, path, body, blen, &status);
		reply(c->fd, status, status_text(status));
		if (status == 200)
			(*count)++;
	}
	free(body);
	return 1;
}

void
ck_evhttp_set_deadlines(ck_evhttp *h, long head_ms, long body_ms)
{
	h->head_ms = head_ms;
	h->body_ms = body_ms;
}

int
ck_evhttp_serve(ck_evhttp *h, int64_t deadline, ck_evhttp_cb cb, void *arg,
    ck_err *e)
{
	int count = 0, stop = 0;

	for (;;) {
		struct pollfd p[CK_EVHTTP_MAX_CONNS + 1];
		int64_t now = ck_clock_now_ms(), wake = deadline;
		int i, r;

		/* connections past their deadline are dropped: a slow or silent
		 * peer holds one slot for a bounded time, never the listener */
		for (i = 0; i < h->nc; i++)
			if (now >= h->c[i].deadline) {
				ck_log_info("push listener: %s: too slow (%s), dropped",
				    h->c[i].peer, h->c[i].have_head ? "body" : "headers");
				reply(h->c[i].fd, 408, status_text(408));
				conn_close(h, i--);
			} else if (h->c[i].deadline < wake) {
				wake = h->c[i].deadline;
			}
		if (now >= deadline || stop)
			return count;
		p[0] = (struct pollfd){ .fd = h->fd, .events = POLLIN };
		for (i = 0; i < h->nc; i++)
			p[i + 1] = (struct pollfd){ .fd = h->c[i].fd, .events = POLLIN };
		r = poll(p, (nfds_t)h->nc + 1, wake - now > 1000 ? 1000 : (int)(wake - now));
		if (r < 0) {
			if (errno == EINTR)
				return count;
			return ck_err_set(e, CK_IOERR, "poll: %s", strerror(errno));
		}
		/* the connections first (indexes shift when one closes: back to
		 * front), then new ones */
		for (i = h->nc - 1; i >= 0; i--)
			if ((p[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    conn_read(h, &h->c[i], cb, arg, &count, &stop))
				conn_close(h, i);
		if (p[0].revents & POLLIN) {
			struct sockaddr_storage ss;
			socklen_t sl = sizeof ss;
			int fd = accept4(h->fd, (struct sockaddr *)&ss, &sl,
			    SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0) {
				if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
					continue;
				return ck_err_set(e, CK_IOERR, "accept: %s", strerror(errno));
			}
			if (h->nc == CK_EVHTTP_MAX_CONNS) {
				reply(fd, 503, status_text(503));
				close(fd);
				continue;
			}
			h->c[h->nc] = (struct conn){ .fd = fd, .cap = 4096,
			    .buf = malloc(4096), .accepted = ck_clock_now_ms() };
			h->c[h->nc].deadline = h->c[h->nc].accepted + h->head_ms;
			ck_net_addr_str((struct sockaddr *)&ss, h->c[h->nc].peer,
			    sizeof h->c[h->nc].peer);
			if (h->c[h->nc].buf == NULL) {
				close(fd);
				continue;
			}
			h->nc++;
		}
	}
}
