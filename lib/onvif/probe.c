/* probe: WS-Discovery Probe targets and sockets (see probe.h). */
#include "onvif/probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "base/opt.h"
#include "net/net.h"
#include "onvif/wsdiscovery.h"

#define MAX_IFACES 32
#define MAX_HOSTS 64

struct target {                  /* where Probes go */
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;                      /* socket to send with */
	int family;
	struct in_addr ifaddr;       /* IPv4 multicast: outgoing interface */
	unsigned ifindex;            /* IPv6 multicast: outgoing interface */
	int multicast;
};

struct ck_probe {
	int v6, listen;
	int fd4, fd6;
	struct target tgt[MAX_IFACES + MAX_HOSTS];
	int ntgt;
};

ck_probe *
ck_probe_new(int v6, int listen, ck_err *e)
{
	ck_probe *p = calloc(1, sizeof *p);

	if (p == NULL) {
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	p->v6 = v6;
	p->listen = listen;
	p->fd4 = p->fd6 = -1;
	return p;
}

void
ck_probe_free(ck_probe *p)
{
	if (p == NULL)
		return;
	if (p->fd4 >= 0)
		close(p->fd4);
	if (p->fd6 >= 0)
		close(p->fd6);
	free(p);
}

int
ck_probe_fd(const ck_probe *p, int k)
{
	return k == 0 ? p->fd4 : p->fd6;
}

/* IPv6 interfaces that are up and multicast-capable (one entry each). */
static int
ifaces_v6(unsigned *idx, char names[][IF_NAMESIZE], int max, const char *only,
    ck_err *e)
{
	struct ifaddrs *ifa, *p;
	int n = 0, i;

	if (getifaddrs(&ifa) < 0)
		return ck_err_set(e, CK_IOERR, "getifaddrs: %s", strerror(errno));
	for (p = ifa; p && n < max; p = p->ifa_next) {
		if (!p->ifa_addr || p->ifa_addr->sa_family != AF_INET6 ||
		    !(p->ifa_flags & IFF_UP) || !(p->ifa_flags & IFF_MULTICAST) ||
		    (only && strcmp(only, p->ifa_name) != 0))
			continue;
		for (i = 0; i < n && strcmp(names[i], p->ifa_name) != 0; i++)
			;
		if (i < n)
			continue;
		snprintf(names[n], IF_NAMESIZE, "%s", p->ifa_name);
		idx[n++] = if_nametoindex(p->ifa_name);
	}
	freeifaddrs(ifa);
	if (n == 0 && only && if_nametoindex(only) == 0)   /* a typo: usage, as for IPv4 */
		return ck_err_set(e, CK_USAGE, "%s: no such interface", only);
	if (n == 0)
		return ck_err_set(e, CK_UNAVAIL, "%s%s", only ? only : "no up multicast "
		    "interface with IPv6", only ? ": not up, or no IPv6" : "");
	return n;
}

static int
sock_for(ck_probe *r, int family, ck_err *e)
{
	int *fd = family == AF_INET6 ? &r->fd6 : &r->fd4;

	if (*fd < 0)
		*fd = ck_net_udp_bind(NULL, r->listen ? CK_WSD_PORT : 0, family, e);
	return *fd;
}

/* Multicast targets, one per interface (or the listening joins). */
int
ck_probe_multicast(ck_probe *r, const char *only, ck_err *e)
{
	int n, i, fd;

	if ((fd = sock_for(r, r->v6 ? AF_INET6 : AF_INET, e)) < 0)
		return -1;
	if (r->v6) {
		unsigned idx[MAX_IFACES];
		char names[MAX_IFACES][IF_NAMESIZE];
		if ((n = ifaces_v6(idx, names, MAX_IFACES, only, e)) < 0)
			return -1;
		for (i = 0; i < n; i++) {
			struct target *t = &r->tgt[r->ntgt];
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&t->ss;
			if (r->listen) {
				if (ck_net_mcast_join_v6(fd, CK_WSD_GROUP_V6, idx[i], e) < 0)
					return -1;
				ck_log_info("listening on %s", names[i]);
				continue;
			}
			memset(t, 0, sizeof *t);
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(CK_WSD_PORT);
			inet_pton(AF_INET6, CK_WSD_GROUP_V6, &s6->sin6_addr);
			s6->sin6_scope_id = idx[i];
			t->sl = sizeof *s6;
			t->fd = fd;
			t->family = AF_INET6;
			t->ifindex = idx[i];
			t->multicast = 1;
			r->ntgt++;
			ck_log_info("probing [%s%%%s]:%d", CK_WSD_GROUP_V6, names[i], CK_WSD_PORT);
		}
		return 0;
	}
	ck_net_iface ifs[MAX_IFACES];
	if ((n = ck_net_ifaces_v4(ifs, MAX_IFACES, only, e)) < 0)
		return -1;
	if (n == 0)
		return ck_err_set(e, CK_UNAVAIL, "no up multicast-capable IPv4 interface "
		    "(name hosts to probe them by unicast)");
	for (i = 0; i < n; i++) {
		struct target *t = &r->tgt[r->ntgt];
		if (r->listen) {
			if (ck_net_mcast_join_v4(fd, CK_WSD_GROUP_V4, ifs[i].addr, e) < 0)
				return ck_err_wrap(e, "%s", ifs[i].name);
			ck_log_info("listening on %s", ifs[i].name);
			continue;
		}
		if (ck_net_resolve(CK_WSD_GROUP_V4, CK_WSD_PORT, AF_INET, SOCK_DGRAM,
		    &t->ss, &t->sl, e) < 0)
			return -1;
		t->fd = fd;
		t->family = AF_INET;
		t->ifaddr = ifs[i].addr;
		t->multicast = 1;
		r->ntgt++;
		ck_log_info("probing %s:%d on %s", CK_WSD_GROUP_V4, CK_WSD_PORT, ifs[i].name);
	}
	return 0;
}

int
ck_probe_unicast(ck_probe *r, char **hosts, int nhosts, ck_err *e)
{
	char host[256];
	int i, port;

	if (nhosts > MAX_HOSTS)
		return ck_err_set(e, CK_USAGE, "at most %d hosts", MAX_HOSTS);
	for (i = 0; i < nhosts; i++) {
		struct target *t = &r->tgt[r->ntgt];
		if (ck_opt_parse_hostport(hosts[i], host, sizeof host, &port, CK_WSD_PORT,
		    e) < 0 || ck_net_resolve(host, port, r->v6 ? AF_INET6 : AF_UNSPEC,
		    SOCK_DGRAM, &t->ss, &t->sl, e) < 0)
			return -1;
		t->family = t->ss.ss_family;
		if ((t->fd = sock_for(r, t->family, e)) < 0)
			return -1;
		t->multicast = 0;
		r->ntgt++;
	}
	return 0;
}

int
ck_probe_send(ck_probe *r, const char *probe, ck_err *e)
{
	int i;

	for (i = 0; i < r->ntgt; i++) {
		struct target *t = &r->tgt[i];
		char a[80];
		if (t->multicast && t->family == AF_INET &&
		    ck_net_mcast_out_v4(t->fd, t->ifaddr, 1, e) < 0)
			return -1;
		if (t->multicast && t->family == AF_INET6 &&
		    (setsockopt(t->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &t->ifindex,
		    sizeof t->ifindex) < 0 || setsockopt(t->fd, IPPROTO_IPV6,
		    IPV6_MULTICAST_HOPS, &(int){ 1 }, sizeof(int)) < 0))
			return ck_err_set(e, CK_IOERR, "IPv6 multicast options: %s",
			    strerror(errno));
		ck_log_info("Probe to %s", ck_net_addr_str((struct sockaddr *)&t->ss, a, sizeof a));
		ck_log_trace('>', probe, strlen(probe));
		if (sendto(t->fd, probe, strlen(probe), 0, (struct sockaddr *)&t->ss,
		    t->sl) < 0)
			ck_log_warn("send to %s: %s", a, strerror(errno));   /* other targets may work */
	}
	return 0;
}
