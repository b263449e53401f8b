#include "gb/mediarx.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "base/clock.h"
#include "base/log.h"
#include "media/rtp.h"
#include "media/tcpreasm.h"
#include "net/net.h"

struct ck_mediarx {
	int transport, fd, lfd, port;
	ck_tcpreasm_deframer df;
	ck_mediarx_stats st;
	int have_seq;
	uint16_t seq;
	char peer[64];
	uint8_t *buf;
	ck_mediarx_fn fn;
	void *arg;
	int stop;
};

ck_mediarx *
ck_mediarx_open(int transport, const char *addr, int port, ck_err *e)
{
	ck_mediarx *m = calloc(1, sizeof *m);
	int fam = addr && strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (m == NULL || (m->buf = malloc(65536)) == NULL) {
		free(m);
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	m->transport = transport;
	m->fd = m->lfd = -1;
	m->port = 9;
	if (transport == 0) {
		if ((m->fd = ck_net_udp_bind(addr, port, fam, e)) < 0)
			goto fail;
		int big = 4 << 20;
		setsockopt(m->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
		m->port = ck_net_local_port(m->fd);
	} else if (transport == 1) {
		if ((m->lfd = ck_net_tcp_listen(addr, port, fam, e)) < 0)
			goto fail;
		m->port = ck_net_local_port(m->lfd);
	}
	return m;
fail:
	if (e->kind == CK_CONFIG)
		e->kind = CK_UNAVAIL;
	ck_mediarx_free(m);
	return NULL;
}

int
ck_mediarx_port(const ck_mediarx *m)
{
	return m->port;
}

int
ck_mediarx_connect(ck_mediarx *m, const char *host, int port, int64_t deadline, ck_err *e)
{
	if ((m->fd = ck_net_tcp_connect(host, port, deadline, e)) < 0)
		return -1;
	snprintf(m->peer, sizeof m->peer, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
	return 0;
}

void
ck_mediarx_lock(ck_mediarx *m, uint32_t ssrc)
{
	m->st.ssrc = ssrc;
	m->st.locked = 1;
}

/* One packet from the wire: lock, count, hand on. */
static int
packet(ck_mediarx *m, const uint8_t *p, size_t n)
{
	ck_rtp r;
	ck_err e;
	if (ck_rtp_is_rtcp(p, n))
		return 0;
	if (ck_rtp_parse(p, n, &r, &e) < 0) {
		m->st.not_rtp++;
		return 0;
	}
	if (!m->st.locked) {
		m->st.ssrc = r.ssrc;
		m->st.locked = 2;
	}
	if (r.ssrc != m->st.ssrc) {
		m->st.other_ssrc++;
		return 0;
	}
	if (m->have_seq) {
		int d = ck_rtp_seq_delta(m->seq, r.seq);
		if (d > 1 && d < 3000)
			m->st.lost += (uint64_t)(d - 1);
		if (d > 0)
			m->seq = r.seq;
	} else {
		m->have_seq = 1;
		m->seq = r.seq;
	}
	m->st.packets++;
	m->st.bytes += n;
	return m->fn ? m->fn(m->arg, p, n) : 0;
}

static void
frame(void *arg, const uint8_t *p, size_t len)
{
	ck_mediarx *m = arg;
	if (!m->stop)
		m->stop = packet(m, p, len);
}

int
ck_mediarx_poll(ck_mediarx *m, int ms, ck_mediarx_fn fn, void *arg, ck_err *e)
{
	struct pollfd pf = { m->fd >= 0 ? m->fd : m->lfd, POLLIN, 0 };
	m->fn = fn;
	m->arg = arg;
	m->stop = 0;
	if (pf.fd < 0) {
		if (ms > 0)
			poll(NULL, 0, ms);
		return 0;
	}
	int rc = poll(&pf, 1, ms);
	if (rc < 0)
		return errno == EINTR ? 0 : ck_err_set(e, CK_IOERR, "poll: %s", strerror(errno));
	if (rc == 0)
		return 0;
	if (m->fd < 0) {
		/* tcp-passive: the device connects; one connection is the stream */
		struct sockaddr_storage a;
		socklen_t al;
		int fd = ck_net_accept(m->lfd, &a, &al);
		if (fd < 0)
			return 0;
		m->fd = fd;
		ck_net_addr_str((struct sockaddr *)&a, m->peer, sizeof m->peer);
		close(m->lfd);
		m->lfd = -1;
		ck_log_info("media connection from %s", m->peer);
		return 0;
	}
	for (int k = 0; k < 256 && !m->stop; k++) {
		if (m->transport == 0) {
			struct sockaddr_storage a;
			socklen_t al = sizeof a;
			ssize_t n = recvfrom(m->fd, m->buf, 65536, 0, (struct sockaddr *)&a, &al);
			if (n < 0)
				break;
			if (!m->peer[0])
				ck_net_addr_str((struct sockaddr *)&a, m->peer, sizeof m->peer);
			m->stop = packet(m, m->buf, (size_t)n);
		} else {
			ssize_t n = read(m->fd, m->buf, 65536);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			if (n <= 0)
				return 1;
			if (ck_tcpreasm_deframer_feed(&m->df, m->buf, (size_t)n, frame, m) < 0)
				return ck_err_set(e, CK_SOFTWARE, "out of memory");
		}
	}
	return m->stop;
}

const ck_mediarx_stats *
ck_mediarx_stats_of(const ck_mediarx *m)
{
	return &m->st;
}

const char *
ck_mediarx_peer(const ck_mediarx *m)
{
	return m->peer;
}

void
ck_mediarx_free(ck_mediarx *m)
{
	if (m == NULL)
		return;
	if (m->fd >= 0)
		close(m->fd);
	if (m->lfd >= 0)
		close(m->lfd);
	ck_tcpreasm_deframer_free(&m->df);
	free(m->buf);
	free(m);
}
