#include "net/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int
ck_net_resolve(const char *host, int port, int family, int socktype,
    struct sockaddr_storage *ss, socklen_t *sl, ck_err *e)
{
	struct addrinfo hints, *res = NULL;
	char ps[16];
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = family;
	hints.ai_socktype = socktype;
	hints.ai_flags = AI_NUMERICSERV | (host && *host ? 0 : AI_PASSIVE);
	snprintf(ps, sizeof ps, "%d", port);
	rc = getaddrinfo(host && *host ? host : NULL, ps, &hints, &res);
	if (rc != 0 || res == NULL)
		return ck_err_set(e, CK_NOHOST, "%s: %s", host ? host : "*",
		    rc ? gai_strerror(rc) : "no address");
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sl = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

void
ck_net_addr_split(const struct sockaddr *sa, char *host, size_t hostlen, int *port)
{
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, hostlen);
		*port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const void *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, host, hostlen);
		*port = ntohs(s4->sin_port);
	}
}

void
ck_net_addr_key(const struct sockaddr *sa, unsigned char key[16])
{
	memset(key, 0, 16);
	if (sa->sa_family == AF_INET6)
		memcpy(key, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
	else {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	}
}

const char *
ck_net_addr_str(const struct sockaddr *sa, char *out, size_t outlen)
{
	char h[INET6_ADDRSTRLEN];
	int port;

	ck_net_addr_split(sa, h, sizeof h, &port);
	if (sa->sa_family == AF_INET6)
		snprintf(out, outlen, "[%s]:%d", h, port);
	else
		snprintf(out, outlen, "%s:%d", h, port);
	return out;
}

static int
nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int
bound_socket(const char *addr, int port, int family, int type, ck_err *e)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	if (family == AF_UNSPEC && (addr == NULL || *addr == '\0'))
		family = AF_INET;
	if (ck_net_resolve(addr, port, family, type, &ss, &sl, e) < 0)
		return -1;
	fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ck_err_set(e, CK_IOERR, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		char a[80];
		ck_err_set(e, errno == EADDRINUSE || errno == EACCES ? CK_CONFIG : CK_IOERR,
		    "bind %s: %s", ck_net_addr_str((struct sockaddr *)&ss, a, sizeof a),
		    strerror(errno));
		close(fd);
		return -1;
	}
	nonblock(fd);
	return fd;
}

int
ck_net_udp_bind(const char *addr, int port, int family, ck_err *e)
{
	return bound_socket(addr, port, family, SOCK_DGRAM, e);
}

int
ck_net_tcp_listen(const char *addr, int port, int family, ck_err *e)
{
	int fd = bound_socket(addr, port, family, SOCK_STREAM, e);

	if (fd >= 0 && listen(fd, 512) < 0) {
		ck_err_set(e, CK_IOERR, "listen: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
ck_net_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char h[INET6_ADDRSTRLEN];
	int port;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -1;
	ck_net_addr_split((struct sockaddr *)&ss, h, sizeof h, &port);
	return port;
}

static volatile sig_atomic_t *net_intr;

void
ck_net_set_interrupt(volatile sig_atomic_t *flag)
{
	net_intr = flag;
}

int
ck_net_wait_fd(int fd, short events, int64_t deadline, ck_err *e)
{
	struct pollfd p = { .fd = fd, .events = events };
	int ms, rc;

	for (;;) {
		if (net_intr && *net_intr)
			return ck_err_set(e, CK_OK, "interrupted");
		if (deadline < 0)
			ms = -1;
		else {
			int64_t left = deadline - ck_clock_now_ms();
			if (left <= 0)
				return ck_err_set(e, CK_TEMPFAIL, "timed out");
			ms = left > 1000000 ? 1000000 : (int)left;
		}
		if (net_intr && (ms < 0 || ms > CK_NET_INTR_POLL_MS))
			ms = CK_NET_INTR_POLL_MS;   /* a poll that timed out loops */
		rc = poll(&p, 1, ms);
		if (rc > 0)
			return 0;
		if (rc < 0) {
			if (errno == EINTR)
				return ck_err_set(e, CK_OK, "interrupted");
			return ck_err_set(e, CK_IOERR, "poll: %s", strerror(errno));
		}
	}
}

int
ck_net_tcp_connect(const char *host, int port, int64_t deadline, ck_err *e)
{
	struct sockaddr_storage ss;
	socklen_t sl, el = sizeof(int);
	int fd, err = 0;
	char a[80];

	if (ck_net_resolve(host, port, AF_UNSPEC, SOCK_STREAM, &ss, &sl, e) < 0)
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return ck_err_set(e, CK_IOERR, "socket: %s", strerror(errno));
	ck_net_addr_str((struct sockaddr *)&ss, a, sizeof a);
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			goto fail;
		}
		if (ck_net_wait_fd(fd, POLLOUT, deadline, e) < 0) {
			close(fd);
			return ck_err_wrap(e, "connect %s", a);
		}
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err != 0)
			goto fail;
	}
	return fd;
fail:
	close(fd);
	return ck_err_set(e, err == ECONNREFUSED || err == EHOSTUNREACH ||
	    err == ENETUNREACH ? CK_UNAVAIL : CK_IOERR, "connect %s: %s", a,
	    strerror(err));
}

ssize_t
ck_net_read_deadline(int fd, void *buf, size_t n, int64_t deadline, ck_err *e)
{
	for (;;) {
		ssize_t r = read(fd, buf, n);
		if (r >= 0)
			return r;
		if (errno == ECONNRESET)
			return ck_err_set(e, CK_UNAVAIL, "connection reset by peer");
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return ck_err_set(e, CK_IOERR, "read: %s", strerror(errno));
		if (ck_net_wait_fd(fd, POLLIN, deadline, e) < 0)
			return -1;
	}
}

int
ck_net_write_all(int fd, const void *vbuf, size_t n, int64_t deadline, ck_err *e)
{
	const char *buf = vbuf;

	while (n > 0) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
		if (w > 0) {
			buf += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == ENOTSOCK)
			w = write(fd, buf, n);
		if (w > 0) {
			buf += w;
			n -= (size_t)w;
			continue;
		}
		if (errno == EPIPE || errno == ECONNRESET)
			return ck_err_set(e, CK_UNAVAIL, "write: %s", strerror(errno));
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return ck_err_set(e, CK_IOERR, "write: %s", strerror(errno));
		if (ck_net_wait_fd(fd, POLLOUT, deadline, e) < 0)
			return -1;
	}
	return 0;
}

ssize_t
ck_net_recvfrom_deadline(int fd, void *buf, size_t n, struct sockaddr_storage *from,
    socklen_t *fromlen, int64_t deadline, ck_err *e)
{
	for (;;) {
		ssize_t r;
		*fromlen = sizeof *from;
		r = recvfrom(fd, buf, n, 0, (struct sockaddr *)from, fromlen);
		if (r >= 0)
			return r;
		if (errno == ECONNREFUSED)
			return ck_err_set(e, CK_UNAVAIL, "port unreachable");
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return ck_err_set(e, CK_IOERR, "recvfrom: %s", strerror(errno));
		if (ck_net_wait_fd(fd, POLLIN, deadline, e) < 0)
			return -1;
	}
}

int
ck_net_ifaces_v4(ck_net_iface *out, int max, const char *only, ck_err *e)
{
	struct ifaddrs *ifa, *p;
	int n = 0;

	if (getifaddrs(&ifa) < 0)
		return ck_err_set(e, CK_IOERR, "getifaddrs: %s", strerror(errno));
	for (p = ifa; p && n < max; p = p->ifa_next) {
		if (p->ifa_addr == NULL || p->ifa_addr->sa_family != AF_INET)
			continue;
		if (only ? strcmp(p->ifa_name, only) != 0 :
		    !(p->ifa_flags & IFF_UP) || !(p->ifa_flags & IFF_MULTICAST))
			continue;
		snprintf(out[n].name, sizeof out[n].name, "%s", p->ifa_name);
		out[n].index = if_nametoindex(p->ifa_name);
		out[n].addr = ((struct sockaddr_in *)p->ifa_addr)->sin_addr;
		out[n].is_loopback = (p->ifa_flags & IFF_LOOPBACK) != 0;
		n++;
	}
	freeifaddrs(ifa);
	if (only && n == 0)
		return ck_err_set(e, CK_USAGE, "%s: no such interface with an IPv4 address",
		    only);
	return n;
}

int
ck_net_mcast_join_v4(int fd, const char *group, struct in_addr ifaddr, ck_err *e)
{
	struct ip_mreq m;

	if (inet_pton(AF_INET, group, &m.imr_multiaddr) != 1)
		return ck_err_set(e, CK_USAGE, "%s: not an IPv4 group", group);
	m.imr_interface = ifaddr;
	if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m) < 0)
		return ck_err_set(e, CK_IOERR, "join %s: %s", group, strerror(errno));
	return 0;
}

int
ck_net_mcast_join_v6(int fd, const char *group, unsigned ifindex, ck_err *e)
{
	struct ipv6_mreq m;

	if (inet_pton(AF_INET6, group, &m.ipv6mr_multiaddr) != 1)
		return ck_err_set(e, CK_USAGE, "%s: not an IPv6 group", group);
	m.ipv6mr_interface = ifindex;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m, sizeof m) < 0)
		return ck_err_set(e, CK_IOERR, "join %s: %s", group, strerror(errno));
	return 0;
}

int
ck_net_mcast_out_v4(int fd, struct in_addr ifaddr, int ttl, ck_err *e)
{
	unsigned char t = (unsigned char)ttl, loop = 1;

	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ifaddr, sizeof ifaddr) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &t, sizeof t) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop) < 0)
		return ck_err_set(e, CK_IOERR, "multicast options: %s", strerror(errno));
	return 0;
}

int
ck_net_udp_tcp_bind(const char *addr, int port, int family, int *udp_fd,
    int *tcp_fd, ck_err *e)
{
	int tries = port == 0 && udp_fd && tcp_fd ? 64 : 1;

	for (int i = 0; i < tries; i++) {
		int u = -1, t = -1, p = port;
		if (udp_fd) {
			if ((u = ck_net_udp_bind(addr, p, family, e)) < 0)
				break;
			p = ck_net_local_port(u);
		}
		if (tcp_fd) {
			if ((t = ck_net_tcp_listen(addr, p, family, e)) < 0) {
				if (u >= 0)
					close(u);
				/* another socket holds the TCP side of the number the
				 * kernel gave UDP: take another pair */
				if (e->kind == CK_CONFIG && i + 1 < tries)
					continue;
				break;
			}
		}
		if (udp_fd)
			*udp_fd = u;
		if (tcp_fd)
			*tcp_fd = t;
		return 0;
	}
	/* bound_socket reports a taken port as a configuration problem; for a
	 * listener it is an unavailable service */
	if (e->kind == CK_CONFIG)
		e->kind = CK_UNAVAIL;
	return -1;
}

int
ck_net_local_addr_toward(const struct sockaddr *peer, socklen_t peerlen,
    char *host, size_t hostlen)
{
	struct sockaddr_storage la;
	socklen_t ll = sizeof la;
	int fd = socket(peer->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), port, rc = -1;

	if (fd < 0)
		return -1;
	if (connect(fd, peer, peerlen) == 0 &&
	    getsockname(fd, (struct sockaddr *)&la, &ll) == 0) {
		ck_net_addr_split((struct sockaddr *)&la, host, hostlen, &port);
		rc = 0;
	}
	close(fd);
	return rc;
}

int
ck_net_accept(int lfd, struct sockaddr_storage *a, socklen_t *al)
{
	*al = sizeof *a;
	return accept4(lfd, (struct sockaddr *)a, al, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

long
ck_net_raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t cur = rl.rlim_cur;
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			rl.rlim_cur = cur;
	}
	return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1L << 30 ? 1L << 30 : (long)rl.rlim_cur;
}
