#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/opt.h"
#include "net/net.h"
#include "net/pktout.h"

#define TCP_BUF (64u << 10)

enum { K_UDP, K_TCP, K_LISTEN };

struct ck_pktout {
	int kind, fd, lfd;
	struct sockaddr_storage to;
	socklen_t tolen;
	int64_t timeout_ms;
	uint8_t *buf;
	size_t len;
	char desc[300];
};

int
ck_pktout_is_url(const char *s)
{
	return strncmp(s, "udp://", 6) == 0 || strncmp(s, "tcp://", 6) == 0 ||
	    strncmp(s, "tcp-listen://", 13) == 0;
}

/* "HOST:PORT", "[V6]:PORT", or ":PORT" (any address) when any_ok. */
static int
hostport(const char *spec, const char *rest, int any_ok, char *host, size_t hl, int *port, ck_err *e)
{
	long long v;

	if (rest[0] == ':' && any_ok) {
		host[0] = '\0';
		if (ck_opt_parse_int(rest + 1, 0, 65535, &v, e) < 0)
			return ck_err_set(e, CK_USAGE, "'%s': bad port", spec);
		*port = (int)v;
		return 0;
	}
	if (ck_opt_parse_hostport(rest, host, hl, port, -1, e) < 0)
		return ck_err_set(e, CK_USAGE, "'%s': %s", spec, e ? e->msg : "bad address");
	if (*port < 0 || (*port == 0 && !any_ok) || host[0] == '\0')
		return ck_err_set(e, CK_USAGE, "'%s': a host and a port are required", spec);
	return 0;
}

ck_pktout *
ck_pktout_open(const char *spec, int64_t deadline, ck_err *e)
{
	ck_pktout *o = calloc(1, sizeof *o);
	char host[256];
	int port;

	if (o == NULL) {
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	o->fd = o->lfd = -1;
	o->timeout_ms = 10000;
	snprintf(o->desc, sizeof o->desc, "%s", spec);
	if (strncmp(spec, "udp://", 6) == 0) {
		o->kind = K_UDP;
		if (hostport(spec, spec + 6, 0, host, sizeof host, &port, e) < 0 ||
		    ck_net_resolve(host, port, AF_UNSPEC, SOCK_DGRAM, &o->to, &o->tolen, e) < 0 ||
		    (o->fd = ck_net_udp_bind(NULL, 0, o->to.ss_family, e)) < 0)
			goto fail;
		int sz = 4 << 20;
		setsockopt(o->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	} else if (strncmp(spec, "tcp://", 6) == 0) {
		o->kind = K_TCP;
		if (hostport(spec, spec + 6, 0, host, sizeof host, &port, e) < 0 ||
		    (o->fd = ck_net_tcp_connect(host, port, deadline, e)) < 0)
			goto fail;
		ck_log_info("connected to %s", spec);
	} else if (strncmp(spec, "tcp-listen://", 13) == 0) {
		o->kind = K_LISTEN;
		if (hostport(spec, spec + 13, 1, host, sizeof host, &port, e) < 0 ||
		    (o->lfd = ck_net_tcp_listen(host[0] ? host : NULL, port, AF_UNSPEC, e)) < 0)
			goto fail;
		snprintf(o->desc, sizeof o->desc, "tcp-listen://%s%s%s:%d", strchr(host, ':') ? "[" : "",
		    host[0] ? host : "0.0.0.0", strchr(host, ':') ? "]" : "", ck_net_local_port(o->lfd));
	} else {
		ck_err_set(e, CK_USAGE, "'%s': unknown destination (udp://, tcp://, tcp-listen://)", spec);
		goto fail;
	}
	if (o->kind != K_UDP && (o->buf = malloc(TCP_BUF)) == NULL) {
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		goto fail;
	}
	return o;
fail:
	ck_pktout_close(o);
	return NULL;
}

int
ck_pktout_port(const ck_pktout *o)
{
	return ck_net_local_port(o->kind == K_LISTEN ? o->lfd : o->fd);
}

const char *
ck_pktout_desc(const ck_pktout *o)
{
	return o->desc;
}

void
ck_pktout_set_timeout(ck_pktout *o, int64_t ms)
{
	o->timeout_ms = ms;
}

int
ck_pktout_accept(ck_pktout *o, int64_t deadline, ck_err *e)
{
	if (o->kind != K_LISTEN || o->fd >= 0)
		return 0;
	for (;;) {
		int fd = accept4(o->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0) {
			o->fd = fd;
			close(o->lfd);
			o->lfd = -1;
			ck_log_info("accepted a connection on %s", o->desc);
			return 0;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
			return ck_err_set(e, CK_IOERR, "accept: %s", strerror(errno));
		if (ck_net_wait_fd(o->lfd, POLLIN, deadline, e) < 0)
			return e && e->kind == CK_TEMPFAIL ?
			    ck_err_set(e, CK_TEMPFAIL, "%s: nobody connected in time", o->desc) : -1;
	}
}

static int
tcp_write(ck_pktout *o, const uint8_t *p, size_t n, ck_err *e)
{
	int64_t dl = o->timeout_ms < 0 ? -1 : ck_clock_now_ms() + o->timeout_ms;

	if (ck_net_write_all(o->fd, p, n, dl, e) < 0)
		return e && e->kind == CK_TEMPFAIL ?
		    ck_err_set(e, CK_TEMPFAIL, "%s: the peer stopped reading", o->desc) :
		    ck_err_wrap(e, "%s", o->desc);
	return 0;
}

int
ck_pktout_flush(ck_pktout *o, ck_err *e)
{
	int rc = 0;

	if (o->kind != K_UDP && o->len > 0 && o->fd >= 0)
		rc = tcp_write(o, o->buf, o->len, e);
	o->len = 0;
	return rc;
}

int
ck_pktout_send(ck_pktout *o, const uint8_t *p, size_t n, ck_err *e)
{
	if (n < 2)
		return ck_err_set(e, CK_SOFTWARE, "pktout: a frame of %zu bytes", n);
	if (o->kind == K_UDP) {
		for (;;) {
			ssize_t w = sendto(o->fd, p + 2, n - 2, 0, (struct sockaddr *)&o->to, o->tolen);
			if (w >= 0)
				return 0;
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
				/* the socket buffer is full: wait for room */
				if (ck_net_wait_fd(o->fd, POLLOUT, ck_clock_now_ms() + 1000, e) < 0 &&
				    e && e->kind != CK_OK)
					return ck_err_wrap(e, "%s", o->desc);
				continue;
			}
			if (errno == ECONNREFUSED)
				return 0;  /* an earlier datagram met a closed port; UDP goes on */
			return ck_err_set(e, errno == EHOSTUNREACH || errno == ENETUNREACH ||
			    errno == EADDRNOTAVAIL ? CK_UNAVAIL : CK_IOERR, "%s: send: %s",
			    o->desc, strerror(errno));
		}
	}
	if (o->fd < 0)
		return ck_err_set(e, CK_SOFTWARE, "pktout: send before accept");
	if (o->len + n > TCP_BUF && ck_pktout_flush(o, e) < 0)
		return -1;
	if (n > TCP_BUF)
		return tcp_write(o, p, n, e);
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}

void
ck_pktout_close(ck_pktout *o)
{
	if (o == NULL)
		return;
	if (o->fd >= 0)
		close(o->fd);
	if (o->lfd >= 0)
		close(o->lfd);
	free(o->buf);
	free(o);
}
