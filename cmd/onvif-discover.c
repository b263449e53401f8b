/* onvif-discover: find ONVIF devices with WS-Discovery (multicast Probe,
 * unicast Probe to named hosts, or passive Hello/Bye listening). */
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "base/clock.h"
#include "base/err.h"
#include "codec/json.h"
#include "base/log.h"
#include "net/net.h"
#include "base/opt.h"
#include "cli/tool.h"
#include "onvif/wsdiscovery.h"

#define MAX_IFACES 32
#define MAX_HOSTS 64
#define MAX_DEVICES 256
#define DEFAULT_TYPES "dn:NetworkVideoTransmitter"

static const char usage[] =
"Usage: onvif-discover [options] [HOST[:PORT]...]\n"
"Finds ONVIF devices with WS-Discovery and prints one NDJSON record each.\n"
"Without HOST, probes 239.255.255.250:3702 on every up multicast interface;\n"
"with HOSTs, sends a unicast Probe to each (port 3702 unless given).\n"
"\n"
"  -t, --timeout DUR     collect answers for DUR (default 3s); with --listen,\n"
"                        stop after DUR (default: until interrupted)\n"
"  -i, --interface IFACE probe or listen on IFACE only\n"
"  -6, --ipv6            use [FF02::C]:3702 instead of IPv4\n"
"      --types LIST      Probe Types (default dn:NetworkVideoTransmitter;\n"
"                        '' probes for any device)\n"
"      --listen          passive: print Hello and Bye announcements\n"
"  -v, --verbose         -v events, -vv wire trace\n"
"  -h, --help            show this help\n"
"  -V, --version         show the version\n"
"\n"
"Exit: 0 found, 1 nothing answered, 64 usage, 68 unknown host, 69 no\n"
"usable interface, 74 I/O error, 76 only malformed answers.\n";

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct target {                  /* where Probes go */
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;                      /* socket to send with */
	int family;
	struct in_addr ifaddr;       /* IPv4 multicast: outgoing interface */
	unsigned ifindex;            /* IPv6 multicast: outgoing interface */
	int multicast;
};

struct device {
	ck_wsdiscovery_match m;
	char from[64];
	int64_t first_ms;
};

struct run {
	const char *types;
	int listen, v6;
	long long timeout_ms;        /* -1 = none (listen only) */
	int fd4, fd6;
	struct target tgt[MAX_IFACES + MAX_HOSTS];
	int ntgt;
	char msgid[64];
	struct device *dev;
	int ndev;
	char seen[64][64];           /* recent MessageIDs (listen dedupe) */
	int nseen;
	int nbad;                    /* unparsable or foreign replies */
	ck_json *j;
};

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
	if (n == 0)
		return ck_err_set(e, CK_UNAVAIL, "%s%s", only ? only : "no up multicast "
		    "interface with IPv6", only ? ": not up, or no IPv6" : "");
	return n;
}

static int
sock_for(struct run *r, int family, ck_err *e)
{
	int *fd = family == AF_INET6 ? &r->fd6 : &r->fd4;

	if (*fd < 0)
		*fd = ck_net_udp_bind(NULL, r->listen ? CK_WSD_PORT : 0, family, e);
	return *fd;
}

/* Multicast targets, one per interface (or the listening joins). */
static int
setup_multicast(struct run *r, const char *only, ck_err *e)
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

static int
setup_unicast(struct run *r, char **hosts, int nhosts, ck_err *e)
{
	char host[256];
	int i, port;

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

static int
send_probe(struct run *r, const char *probe, ck_err *e)
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

static void
put_match(ck_json *j, const ck_wsdiscovery_match *m)
{
	ck_wsdiscovery_scopes sc;
	size_t i;

	ck_json_str(j, "urn", m->address);
	ck_json_arr(j, "xaddrs");
	for (i = 0; i < m->nxaddrs; i++)
		ck_json_str(j, NULL, m->xaddrs[i]);
	ck_json_end(j);
	ck_json_arr(j, "types");
	for (i = 0; i < m->ntypes; i++)
		ck_json_str(j, NULL, m->types[i]);
	ck_json_end(j);
	ck_json_arr(j, "scopes");
	for (i = 0; i < m->nscopes; i++)
		ck_json_str(j, NULL, m->scopes[i]);
	ck_json_end(j);
	ck_wsdiscovery_parse_scopes(m, &sc);
	ck_json_str(j, "name", sc.name);
	ck_json_str(j, "hardware", sc.hardware);
	ck_json_arr(j, "location");
	for (i = 0; i < sc.nlocation; i++)
		ck_json_str(j, NULL, sc.location[i]);
	ck_json_end(j);
	ck_json_arr(j, "profiles");
	for (i = 0; i < sc.nprofile; i++)
		ck_json_str(j, NULL, sc.profile[i]);
	ck_json_end(j);
	if (m->metadata_version >= 0)
		ck_json_int(j, "metadata_version", m->metadata_version);
	else
		ck_json_null(j, "metadata_version");
}

/* One ProbeMatches datagram: dedupe by EndpointReference, merge XAddrs. */
static void
take_matches(struct run *r, const ck_wsdiscovery_msg *m, const char *from)
{
	size_t k;
	int i;

	if (m->kind != CK_WSD_PROBE_MATCHES) {
		ck_log_info("%s: ignoring a %s", from, m->kind == CK_WSD_HELLO ? "Hello" :
		    m->kind == CK_WSD_BYE ? "Bye" : "Probe");
		return;
	}
	if (m->relates_to && strcmp(m->relates_to, r->msgid) != 0) {
		ck_log_info("%s: ProbeMatches for another probe (%s), ignored", from,
		    m->relates_to);
		return;
	}
	for (k = 0; k < m->nmatch; k++) {
		for (i = 0; i < r->ndev; i++)
			if (strcmp(r->dev[i].m.address, m->match[k].address) == 0)
				break;
		if (i < r->ndev) {
			ck_log_info("%s: %s again", from, m->match[k].address);
			if (ck_wsdiscovery_merge(&r->dev[i].m, &m->match[k]) < 0)
				ck_log_warn("out of memory");
			continue;
		}
		if (r->ndev >= MAX_DEVICES) {
			ck_log_warn("more than %d devices, ignoring the rest", MAX_DEVICES);
			return;
		}
		if (ck_wsdiscovery_match_copy(&r->dev[r->ndev].m, &m->match[k]) < 0) {
			ck_log_warn("out of memory");
			return;
		}
		snprintf(r->dev[r->ndev].from, sizeof r->dev[r->ndev].from, "%s", from);
		r->dev[r->ndev].first_ms = ck_clock_wall_ms();
		ck_log_info("%s: %s", from, m->match[k].address);
		r->ndev++;
	}
}

/* --listen: print each Hello/Bye at once; retransmissions (same
 * MessageID) are printed once. Returns 1 if a record was printed. */
static int
announce(struct run *r, const ck_wsdiscovery_msg *m, const char *from)
{
	int i;

	if (m->kind != CK_WSD_HELLO && m->kind != CK_WSD_BYE)
		return 0;
	if (m->message_id) {
		for (i = 0; i < r->nseen && i < 64; i++)
			if (strcmp(r->seen[i], m->message_id) == 0)
				return 0;
		snprintf(r->seen[r->nseen++ % 64], 64, "%s", m->message_id);
	}
	ck_json_record(r->j, m->kind == CK_WSD_HELLO ? "hello" : "bye");
	ck_json_time_ms(r->j, "ts", ck_clock_wall_ms());
	put_match(r->j, &m->match[0]);
	ck_json_str(r->j, "from", from);
	if (ck_json_emit(r->j, stdout) < 0)
		stop = 1;
	return 1;
}

static int
receive(struct run *r, int fd, int *printed)
{
	static char buf[65536];
	struct sockaddr_storage from;
	socklen_t fl = sizeof from;
	char a[80];
	ssize_t n;
	ck_err e;
	ck_wsdiscovery_msg *m;

	n = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &fl);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	ck_net_addr_str((struct sockaddr *)&from, a, sizeof a);
	ck_log_info("%zd bytes from %s", n, a);
	ck_log_trace('<', buf, (size_t)n);
	if ((m = ck_wsdiscovery_parse(buf, (size_t)n, &e)) == NULL) {
		ck_log_warn("%s: %s", a, e.msg);   /* one bad device must not stop the run */
		r->nbad++;
		return 0;
	}
	if (r->listen)
		*printed |= announce(r, m, a);
	else
		take_matches(r, m, a);
	ck_wsdiscovery_msg_free(m);
	return 0;
}

static unsigned
rand_between(unsigned lo, unsigned hi)
{
	unsigned v = 0;

	RAND_bytes((unsigned char *)&v, sizeof v);
	return lo + v % (hi - lo + 1);
}

static int
discover(struct run *r, ck_err *e)
{
	char *probe = NULL;
	int64_t start = ck_clock_now_ms(), end, next = start, delay = 0;
	int sends = 0, printed = 0, i, maxsends = 1 + CK_WSD_MULTICAST_REPEAT;

	if (!r->listen) {
		if (ck_wsdiscovery_uuid(r->msgid, sizeof r->msgid, e) < 0 ||
		    (probe = ck_wsdiscovery_probe(r->msgid, r->types, e)) == NULL)
			return -1;
	}
	end = r->timeout_ms >= 0 ? start + r->timeout_ms : -1;
	while (!stop) {
		int64_t now = ck_clock_now_ms(), wake = end;
		struct pollfd p[2];
		int np = 0, rc;
		if (end >= 0 && now >= end)
			break;
		if (probe && sends < maxsends && now >= next) {
			if (send_probe(r, probe, e) < 0)
				break;
			/* SOAP-over-UDP: first gap random in [MIN,MAX], then doubled,
			 * capped at UPPER. */
			delay = sends == 0 ? rand_between(CK_WSD_UDP_MIN_DELAY,
			    CK_WSD_UDP_MAX_DELAY) : delay * 2;
			if (delay > CK_WSD_UDP_UPPER_DELAY)
				delay = CK_WSD_UDP_UPPER_DELAY;
			next = now + delay;
			sends++;
		}
		if (probe && sends < maxsends && (wake < 0 || next < wake))
			wake = next;
		if (r->fd4 >= 0)
			p[np++] = (struct pollfd){ .fd = r->fd4, .events = POLLIN };
		if (r->fd6 >= 0)
			p[np++] = (struct pollfd){ .fd = r->fd6, .events = POLLIN };
		/* in slices of at most a minute: -t may be longer than an int of ms */
		rc = poll(p, (nfds_t)np, wake < 0 ? 60000 :
		    (int)(wake - now > 60000 ? 60000 : wake > now ? wake - now : 0));
		if (rc < 0 && errno != EINTR) {
			ck_err_set(e, CK_IOERR, "poll: %s", strerror(errno));
			break;
		}
		for (i = 0; rc > 0 && i < np; i++)
			if ((p[i].revents & POLLIN) && receive(r, p[i].fd, &printed) < 0)
				ck_log_warn("receive: %s", strerror(errno));
	}
	free(probe);
	if (e->kind != CK_OK)
		return -1;
	for (i = 0; i < r->ndev; i++) {
		ck_json_record(r->j, "device");
		ck_json_time_ms(r->j, "ts", r->dev[i].first_ms);
		put_match(r->j, &r->dev[i].m);
		ck_json_str(r->j, "from", r->dev[i].from);
		if (ck_json_emit(r->j, stdout) < 0)
			break;
	}
	if (r->listen)
		return printed ? CK_OK : CK_EMPTY;
	if (r->ndev == 0 && r->nbad > 0) {
		ck_log_warn("no usable answer: %d malformed", r->nbad);
		return CK_PROTO;
	}
	return r->ndev ? CK_OK : CK_EMPTY;
}

static int
run_discovery(struct run *r, const char *iface, char **hosts, int nhosts)
{
	ck_err e;
	int rc = -1, i;
	struct sigaction sa = { .sa_handler = on_signal };

	ck_err_clear(&e);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r->fd4 = r->fd6 = -1;
	r->j = ck_json_new();
	r->dev = calloc(MAX_DEVICES, sizeof *r->dev);
	if (r->j == NULL || r->dev == NULL)
		ck_err_set(&e, CK_SOFTWARE, "out of memory");
	else if (nhosts > 0 ? setup_unicast(r, hosts, nhosts, &e) == 0 :
	    setup_multicast(r, iface, &e) == 0)
		rc = discover(r, &e);
	for (i = 0; r->dev && i < r->ndev; i++)
		ck_wsdiscovery_match_clear(&r->dev[i].m);
	free(r->dev);
	ck_json_free(r->j);
	if (r->fd4 >= 0)
		close(r->fd4);
	if (r->fd6 >= 0)
		close(r->fd6);
	return rc < 0 ? ck_tool_fail(&e) : rc;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "interface", required_argument, NULL, 'i' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "types", required_argument, NULL, 'T' },
		{ "listen", no_argument, NULL, 'L' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct run r = { .types = DEFAULT_TYPES, .timeout_ms = 3000 };
	const char *iface = NULL;
	int c, timeout_given = 0;
	ck_err e;

	ck_log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "t:i:6vhV", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			if (ck_opt_parse_duration(optarg, &r.timeout_ms, &e) < 0)
				return ck_tool_usage_err("--timeout: %s", e.msg);
			timeout_given = 1;
			break;
		case 'i': iface = optarg; break;
		case '6': r.v6 = 1; break;
		case 'T': r.types = optarg; break;
		case 'L': r.listen = 1; break;
		case 'v': ck_log_verbosity++; break;
		case 'h': fputs(usage, stdout); return ck_tool_finish(0);
		case 'V': ck_tool_version(); return ck_tool_finish(0);
		default: return ck_tool_usage_err("unknown option");
		}
	}
	if (ck_wsdiscovery_check_types(r.types, &e) < 0)
		return ck_tool_usage_err("--types: %s", e.msg);
	if (argc - optind > MAX_HOSTS)
		return ck_tool_usage_err("at most %d hosts", MAX_HOSTS);
	if (r.listen && optind < argc)
		return ck_tool_usage_err("--listen takes no HOST");
	if (r.listen && !timeout_given)
		r.timeout_ms = -1;
	if (r.timeout_ms <= 0 && !(r.listen && !timeout_given))
		return ck_tool_usage_err("--timeout must be positive");
	return ck_tool_finish(run_discovery(&r, iface, argv + optind, argc - optind));
}
