/* onvif-discover: find ONVIF devices with WS-Discovery (multicast Probe,
 * unicast Probe to named hosts, or passive Hello/Bye listening). */
#include <errno.h>
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
#include "cli/opts.h"
#include "cli/tool.h"
#include "onvif/probe.h"
#include "onvif/wsdiscovery.h"

#define MAX_HOSTS 64
#define MAX_DEVICES 256
#define DEFAULT_TYPES "dn:NetworkVideoTransmitter"

static const char usage[] = "Usage: onvif-discover [options] [HOST[:PORT]...]";
static const char about[] =
"Finds ONVIF devices with WS-Discovery and prints one NDJSON record each.\n"
"Without HOST, probes 239.255.255.250:3702 on every up multicast interface;\n"
"with HOSTs, sends a unicast Probe to each (port 3702 unless given).\n";
static const char footer[] =
"Exit: 0 found, 1 nothing answered, 64 usage (also an -i interface that does\n"
"not exist), 68 unknown host, 69 no usable interface up, 74 I/O error,\n"
"76 only malformed answers.\n";

enum { O_IPV6 = CK_OPTS_TOOL, O_TYPES, O_LISTEN };

static const ck_opts_opt disc_opts[] = {
	{ "timeout", 't', CK_OPTS_ARG, "DUR", "collect answers for DUR (default 3s); with --listen,\n"
	    "stop after DUR (default: until interrupted)" },
	{ "interface", 'i', CK_OPTS_ARG, "IFACE", "probe or listen on IFACE only" },
	{ "ipv6", O_IPV6, CK_OPTS_NOARG, NULL, "use [FF02::C]:3702 instead of IPv4" },
	{ "types", O_TYPES, CK_OPTS_ARG, "LIST", "Probe Types (default dn:NetworkVideoTransmitter;\n"
	    "'' probes for any device)" },
	{ "listen", O_LISTEN, CK_OPTS_NOARG, NULL, "passive: print Hello and Bye announcements" },
	{ NULL, 0, 0, NULL, NULL }
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct device {
	ck_wsdiscovery_match m;
	char from[64];
	int64_t first_ms;
};

struct run {
	const char *types;
	int listen, v6;
	long long timeout_ms;        /* -1 = none (listen only) */
	ck_probe *pr;                /* sockets and where Probes go */
	char msgid[64];
	struct device *dev;
	int ndev;
	char seen[64][64];           /* recent MessageIDs (listen dedupe) */
	int nseen;
	int nbad;                    /* unparsable or foreign replies */
	ck_json *j;
};

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
	ck_wsdiscovery_match_json(r->j, &m->match[0]);
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
			if (ck_probe_send(r->pr, probe, e) < 0)
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
		for (int k = 0; k < 2; k++)
			if (ck_probe_fd(r->pr, k) >= 0)
				p[np++] = (struct pollfd){ .fd = ck_probe_fd(r->pr, k), .events = POLLIN };
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
		ck_wsdiscovery_match_json(r->j, &r->dev[i].m);
		ck_json_str(r->j, "from", r->dev[i].from);
		if (ck_json_emit(r->j, stdout) < 0)
			break;
	}
	if (r->listen) {
		if (!printed)
			ck_log_warn("no Hello or Bye heard");
		return printed ? CK_OK : CK_EMPTY;
	}
	if (r->ndev == 0 && r->nbad > 0) {
		ck_log_warn("no usable answer: %d malformed", r->nbad);
		return CK_PROTO;
	}
	if (r->ndev == 0)   /* exit 1 alone reads like a crash in a terminal */
		ck_log_warn("no device answered within %lld ms", r->timeout_ms);
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
	r->j = ck_json_new();
	r->dev = calloc(MAX_DEVICES, sizeof *r->dev);
	if (r->j == NULL || r->dev == NULL)
		ck_err_set(&e, CK_SOFTWARE, "out of memory");
	else if ((r->pr = ck_probe_new(r->v6, r->listen, &e)) != NULL &&
	    (nhosts > 0 ? ck_probe_unicast(r->pr, hosts, nhosts, &e) == 0 :
	    ck_probe_multicast(r->pr, iface, &e) == 0))
		rc = discover(r, &e);
	for (i = 0; r->dev && i < r->ndev; i++)
		ck_wsdiscovery_match_clear(&r->dev[i].m);
	free(r->dev);
	ck_json_free(r->j);
	ck_probe_free(r->pr);
	return rc < 0 ? ck_tool_fail(&e) : rc;
}

struct opts {
	struct run *r;
	const char *iface;
	int timeout_given;
};

static int
disc_opt(void *ctx, int key, const char *arg, ck_err *e)
{
	struct opts *o = ctx;

	switch (key) {
	case 't':
		if (ck_opt_parse_duration(arg, &o->r->timeout_ms, e) < 0)
			return ck_err_wrap(e, "--timeout");
		o->timeout_given = 1;
		return 0;
	case 'i': o->iface = arg; return 0;
	case O_IPV6: o->r->v6 = 1; return 0;
	case O_TYPES: o->r->types = arg; return 0;
	case O_LISTEN: o->r->listen = 1; return 0;
	}
	return ck_err_set(e, CK_SOFTWARE, "unhandled option");
}

int
main(int argc, char **argv)
{
	static struct run r = { .types = DEFAULT_TYPES, .timeout_ms = 3000 };
	struct opts o = { &r, NULL, 0 };
	const ck_opts_block block = { NULL, disc_opts, disc_opt, &o };
	const ck_opts_tool tool = { usage, about, footer, &block, 1 };
	int arg0, rc;
	ck_err e;

	ck_log_init(argv[0]);
	if (!ck_opts_parse(&tool, argc, argv, &arg0, &rc))
		return rc;
	if (ck_wsdiscovery_check_types(r.types, &e) < 0)
		return ck_tool_usage_err("--types: %s", e.msg);
	if (argc - arg0 > MAX_HOSTS)
		return ck_tool_usage_err("at most %d hosts", MAX_HOSTS);
	if (r.listen && arg0 < argc)
		return ck_tool_usage_err("--listen takes no HOST");
	if (r.listen && !o.timeout_given)
		r.timeout_ms = -1;
	if (r.timeout_ms <= 0 && !(r.listen && !o.timeout_given))
		return ck_tool_usage_err("--timeout must be positive");
	return ck_tool_finish(run_discovery(&r, o.iface, argv + arg0, argc - arg0));
}
