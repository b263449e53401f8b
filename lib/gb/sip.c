/* sip: SIP endpoint over UDP/TCP on libosip2's parser and serializer. */
#include "base/clock.h"
#include "gb/sip.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/errqueue.h>
#include <sys/epoll.h>

#include <osipparser2/osip_port.h>

#include "codec/digest.h"
#include "base/hash.h"
#include "base/log.h"
#include "net/net.h"

#ifndef CAMKIT_VERSION
#define CAMKIT_VERSION "0.0.0"
#endif

#define T2_MS 4000
#define CACHE_SLOTS 8192
#define CACHE_TTL_MS 32000

struct srcent;

struct conn {
	int fd;
	uint64_t id;
	struct sockaddr_storage addr;
	socklen_t alen;
	char *buf;
	size_t len, cap;   /* buffer grows from 4 KiB up to CK_SIP_MAX + 1 */
	size_t idx;        /* place in s->conns */
	/* Accepted connections are an unauthenticated peer's resource: timed
	 * out, counted per source address, and evicted oldest first (unless
	 * trusted: the registrar vouched for them) when the table is full. */
	int accepted, trusted, proven;   /* proven: a complete message came */
	int64_t last_msg;       /* accept, then each complete message */
	int64_t partial_since;  /* first byte of an incomplete message, or 0 */
	struct conn *fprev, *fnext;   /* s->fifo: untrusted accepted, oldest first */
	struct srcent *src;
};

/* Accepted connections per source address (no port). */
struct srcent {
	unsigned char ip[16];
	int n;
	struct srcent *next;
};
#define SRC_BUCKETS 4096

struct cache_ent {
	char key[160];
	char *data;
	size_t len;
	int64_t until;
};

struct qent {
	ck_sip_req *r;
	struct qent *next;
};

/* A client transaction: the request's bytes for retransmission, its timers,
 * and once it is over the final response or the error. */
struct tx {
	uint64_t id;
	char branch[96];
	char *data;
	size_t len;
	ck_sip_peer peer;
	int64_t start, next, end;
	int interval, provisional;
	int invite;                /* no retransmission after a 1xx (17.1.1.2) */
	int async;                 /* started by ck_sip_tx_start */
	int done;
	osip_message_t *resp;      /* final response, when done and no error */
	ck_err err;                /* why it failed, when done and no resp */
	uint64_t seq;              /* arrival number of resp (ck_sip_tx_seq) */
};

struct ck_sip {
	int udp_fd, tcp_fd, port, family;
	int t1;
	int max_conns;
	size_t cache_slots;
	struct conn **conns;
	size_t nconns, capconns;
	uint64_t next_conn;
	/* TCP hardening (accepted connections only) */
	struct conn **byfd;       /* fd -> connection */
	size_t nbyfd;
	struct conn *fifo_head, *fifo_tail;
	struct srcent **srctab;
	int per_source;
	int64_t idle_ms, header_ms, next_sweep, accept_paused_until;
	size_t max_header, max_buffered, buffered;
	int spare_fd;             /* given up to accept-and-close under EMFILE */
	int epfd;                 /* every connection (made with the first one, so
	                           * UDP-only endpoints hold no extra descriptor):
	                           * the cost of a wait does not grow with idle
	                           * connections */
	struct qent *qhead, *qtail;
	uint64_t rx_seq;           /* messages taken in so far (arrival order) */
	size_t qlen;
	unsigned cseq;
	char ua[128];
	char contact_host[128];
	/* client transactions, outstanding and finished but not yet taken */
	struct tx *txs;
	size_t ntxs;
	uint64_t next_tx;
	struct cache_ent *cache;
	/* local address toward the last UDP peer */
	struct sockaddr_storage la_peer;
	char la_host[64];
	char *rbuf;
	volatile sig_atomic_t *intr;
};

static int osip_ready;

/* libosip2 traces go to stderr only at -vvv (by default it prints errors on
 * stdout, which is for data). */
static void
osip_log(const char *fi, int li, osip_trace_level_t level, const char *fmt,
    va_list ap)
{
	char msg[512];

	if (ck_log_verbosity < CK_LOG_HEX)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	ck_log_at(CK_LOG_HEX, "osip %s:%d: %s", fi, li, msg);
}

static void
osip_setup(void)
{
	if (osip_ready)
		return;
	osip_trace_initialize_func(END_TRACE_LEVEL, osip_log);
	parser_init();
	osip_ready = 1;
}

const char *
ck_sip_transport_name(int t)
{
	return t == CK_SIP_TCP ? "tcp" : "udp";
}

int
ck_sip_peer_same(const ck_sip_peer *a, const ck_sip_peer *b)
{
	if (a->transport != b->transport)
		return 0;
	if (a->transport == CK_SIP_TCP)
		return a->conn == b->conn;
	return a->addrlen == b->addrlen && memcmp(&a->addr, &b->addr, a->addrlen) == 0;
}

const char *
ck_sip_peer_str(const ck_sip_peer *p, char *out, size_t outlen)
{
	return ck_net_addr_str((const struct sockaddr *)&p->addr, out, outlen);
}

int
ck_sip_port(const ck_sip *s)
{
	return s->port;
}

void
ck_sip_set_interrupt(ck_sip *s, volatile sig_atomic_t *flag)
{
	s->intr = flag;
}

int
ck_sip_udp_fd(const ck_sip *s)
{
	return s->udp_fd;
}

static int tcp_setup(ck_sip *s, ck_err *e);

ck_sip *
ck_sip_open(const ck_sip_opts *o, ck_err *e)
{
	ck_sip *s = calloc(1, sizeof *s);
	const char *ba = o->bind_addr && *o->bind_addr ? o->bind_addr : NULL;
	if (s == NULL) {
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	osip_setup();
	s->udp_fd = s->tcp_fd = s->spare_fd = s->epfd = -1;
	s->t1 = o->t1_ms > 0 ? o->t1_ms : 500;
	s->max_conns = o->max_conns > 0 ? o->max_conns : CK_SIP_DEF_MAX_CONNS;
	s->per_source = o->tcp_per_source > 0 ? o->tcp_per_source :
	    o->tcp_per_source < 0 ? INT32_MAX : CK_SIP_DEF_PER_SOURCE;
	s->idle_ms = o->tcp_idle_ms > 0 ? o->tcp_idle_ms : CK_SIP_DEF_IDLE_MS;
	s->header_ms = o->tcp_header_ms > 0 ? o->tcp_header_ms : CK_SIP_DEF_HEADER_MS;
	s->max_header = o->tcp_max_header > 0 ? o->tcp_max_header : CK_SIP_DEF_MAX_HEADER;
	s->max_buffered = o->tcp_max_buffered > 0 ? o->tcp_max_buffered :
	    CK_SIP_DEF_MAX_BUFFERED;
	s->family = ba && strchr(ba, ':') ? AF_INET6 : AF_INET;
	snprintf(s->ua, sizeof s->ua, "%s",
	    o->user_agent ? o->user_agent : "camkit/" CAMKIT_VERSION);
	if (o->contact_host)
		snprintf(s->contact_host, sizeof s->contact_host, "%s", o->contact_host);
	s->cache_slots = o->cache_slots > 0 ? (size_t)o->cache_slots : CACHE_SLOTS;
	s->cache = calloc(s->cache_slots, sizeof *s->cache);
	s->rbuf = malloc(CK_SIP_MAX + 1);
	if (s->cache == NULL || s->rbuf == NULL) {
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		goto fail;
	}
	s->port = o->port;
	if ((o->udp || o->tcp_listen) && ck_net_udp_tcp_bind(ba, s->port, s->family,
	    o->udp ? &s->udp_fd : NULL, o->tcp_listen ? &s->tcp_fd : NULL, e) < 0)
		goto fail;
	if (s->udp_fd >= 0) {
		int big = 4 << 20, one = 1;
		s->port = ck_net_local_port(s->udp_fd);
		setsockopt(s->udp_fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
		/* ICMP errors (port unreachable) on this unconnected socket:
		 * without this a REGISTER to a closed port waits out Timer F */
		if (s->family == AF_INET6)
			setsockopt(s->udp_fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof one);
		else
			setsockopt(s->udp_fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
	} else if (s->tcp_fd >= 0)
		s->port = ck_net_local_port(s->tcp_fd);
	if (s->tcp_fd >= 0 && tcp_setup(s, e) < 0)
		goto fail;
	{
		unsigned char r[2];
		char hx[5];
		ck_digest_random_hex(hx, 2);
		(void)r;
		s->cseq = (unsigned)strtoul(hx, NULL, 16) % 1000 + 1;
	}
	return s;
fail:
	ck_sip_close(s);
	return NULL;
}

static void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}

void
ck_sip_req_free(ck_sip_req *r)
{
	if (r == NULL)
		return;
	if (r->msg)
		osip_message_free(r->msg);
	free(r->raw);
	free(r);
}

void
ck_sip_close(ck_sip *s)
{
	if (s == NULL)
		return;
	if (s->udp_fd >= 0)
		close(s->udp_fd);
	if (s->tcp_fd >= 0)
		close(s->tcp_fd);
	if (s->spare_fd >= 0)
		close(s->spare_fd);
	if (s->epfd >= 0)
		close(s->epfd);
	for (size_t i = 0; i < s->nconns; i++)
		conn_free(s->conns[i]);
	free(s->conns);
	free(s->byfd);
	if (s->srctab)
		for (size_t i = 0; i < SRC_BUCKETS; i++)
			while (s->srctab[i]) {
				struct srcent *x = s->srctab[i];
				s->srctab[i] = x->next;
				free(x);
			}
	free(s->srctab);
	while (s->qhead) {
		struct qent *q = s->qhead;
		s->qhead = q->next;
		ck_sip_req_free(q->r);
		free(q);
	}
	if (s->cache)
		for (size_t i = 0; i < s->cache_slots; i++)
			free(s->cache[i].data);
	free(s->cache);
	for (size_t i = 0; i < s->ntxs; i++) {
		free(s->txs[i].data);
		if (s->txs[i].resp)
			osip_message_free(s->txs[i].resp);
	}
	free(s->txs);
	free(s->rbuf);
	free(s);
}

/* The connection on fd with that id (fds are reused, ids never), or NULL. */
static struct conn *
conn_find(ck_sip *s, int fd, uint64_t id)
{
	if (fd < 0 || (size_t)fd >= s->nbyfd || s->byfd[fd] == NULL)
		return NULL;
	return s->byfd[fd]->id == id ? s->byfd[fd] : NULL;
}

/* The per-address counter for a, created when create is set. */
static struct srcent *
src_get(ck_sip *s, const struct sockaddr_storage *a, int create)
{
	unsigned char ip[16];
	ck_net_addr_key((const struct sockaddr *)a, ip);
	struct srcent **b = &s->srctab[ck_hash_bytes(ip, 16, CK_HASH_INIT) % SRC_BUCKETS];
	for (struct srcent *x = *b; x; x = x->next)
		if (memcmp(x->ip, ip, 16) == 0)
			return x;
	if (!create)
		return NULL;
	struct srcent *x = calloc(1, sizeof *x);
	if (x == NULL)
		return NULL;
	memcpy(x->ip, ip, 16);
	x->next = *b;
	*b = x;
	return x;
}

static void
src_release(ck_sip *s, struct srcent *x)
{
	if (x == NULL || --x->n > 0)
		return;
	for (struct srcent **p = &s->srctab[ck_hash_bytes(x->ip, 16, CK_HASH_INIT) % SRC_BUCKETS];
	    *p; p = &(*p)->next)
		if (*p == x) {
			*p = x->next;
			free(x);
			return;
		}
}

static void
fifo_unlink(ck_sip *s, struct conn *c)
{
	if (!c->accepted || c->trusted)
		return;
	if (c->fprev)
		c->fprev->fnext = c->fnext;
	else
		s->fifo_head = c->fnext;
	if (c->fnext)
		c->fnext->fprev = c->fprev;
	else
		s->fifo_tail = c->fprev;
	c->fprev = c->fnext = NULL;
}

static void
conn_drop(ck_sip *s, struct conn *c)
{
	ck_log_info("tcp connection %llu closed", (unsigned long long)c->id);
	size_t i = c->idx;
	s->conns[i] = s->conns[--s->nconns];
	s->conns[i]->idx = i;
	if ((size_t)c->fd < s->nbyfd)
		s->byfd[c->fd] = NULL;
	if (s->epfd >= 0)
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	fifo_unlink(s, c);
	src_release(s, c->src);
	s->buffered -= c->cap;
	conn_free(c);
}

/* Keeps fd as a connection; accepted ones are counted against their source.
 * NULL (fd not taken) when the table is full or memory runs out. */
static struct conn *
conn_add(ck_sip *s, int fd, const struct sockaddr_storage *a, socklen_t al,
    int accepted)
{
	struct conn *c;
	if ((int)s->nconns >= s->max_conns)
		return NULL;
	if (s->nconns == s->capconns) {
		size_t n = s->capconns ? s->capconns * 2 : 16;
		struct conn **p = realloc(s->conns, n * sizeof *p);
		if (p == NULL)
			return NULL;
		s->conns = p;
		s->capconns = n;
	}
	if ((size_t)fd >= s->nbyfd) {
		size_t n = s->nbyfd ? s->nbyfd : 64;
		while (n <= (size_t)fd)
			n *= 2;
		struct conn **p = realloc(s->byfd, n * sizeof *p);
		if (p == NULL)
			return NULL;
		memset(p + s->nbyfd, 0, (n - s->nbyfd) * sizeof *p);
		s->byfd = p;
		s->nbyfd = n;
	}
	if (s->epfd < 0 && s->nconns == 0)
		s->epfd = epoll_create1(EPOLL_CLOEXEC);   /* else poll() watches them */
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	if (s->epfd >= 0 && epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(c);
		return NULL;
	}
	if (accepted && s->srctab && (c->src = src_get(s, a, 1)) == NULL) {
		if (s->epfd >= 0)
			epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL);
		free(c);
		return NULL;
	}
	c->fd = fd;
	c->id = ++s->next_conn;
	c->addr = *a;
	c->alen = al;
	c->idx = s->nconns;
	c->accepted = accepted;
	c->last_msg = ck_clock_now_ms();
	s->conns[s->nconns++] = c;
	s->byfd[fd] = c;
	if (c->src)
		c->src->n++;
	if (accepted) {
		c->fprev = s->fifo_tail;
		if (s->fifo_tail)
			s->fifo_tail->fnext = c;
		else
			s->fifo_head = c;
		s->fifo_tail = c;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return c;
}

/* Listener setup: descriptors raised to the hard limit, the connection
 * table kept below it (so accept() rarely meets EMFILE), a spare fd for
 * when it does, the per-source table. */
static int
tcp_setup(ck_sip *s, ck_err *e)
{
	long nofile = ck_net_raise_nofile();
	long spare = nofile / 4 < 64 ? nofile / 4 : 64;   /* for everything else */
	if (nofile > 0 && s->max_conns > nofile - spare)
		s->max_conns = nofile - spare > 1 ? (int)(nofile - spare) : 1;
	s->srctab = calloc(SRC_BUCKETS, sizeof *s->srctab);
	if (s->srctab == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return 0;
}

void
ck_sip_peer_trust(ck_sip *s, const ck_sip_peer *p)
{
	struct conn *c;
	if (p->transport != CK_SIP_TCP || (c = conn_find(s, p->fd, p->conn)) == NULL ||
	    c->trusted)
		return;
	fifo_unlink(s, c);
	c->trusted = 1;
}

static void tx_conn_lost(ck_sip *s, uint64_t conn);

/* Drops accepted connections past their timeouts: an incomplete message or
 * a first message not complete within header_ms, no message for idle_ms. */
static void
conn_sweep(ck_sip *s, int64_t now)
{
	if (now < s->next_sweep)
		return;
	s->next_sweep = now + 200;
	for (size_t i = 0; i < s->nconns;) {
		struct conn *c = s->conns[i];
		const char *why = NULL;
		if (!c->accepted)
			;
		else if (c->partial_since && now - c->partial_since >= s->header_ms)
			why = "incomplete message timed out";
		else if (!c->proven && now - c->last_msg >= s->header_ms)
			why = "no message after connecting";
		else if (now - c->last_msg >= s->idle_ms)
			why = "idle timeout";
		if (why) {
			ck_log_info("tcp connection %llu: %s", (unsigned long long)c->id, why);
			tx_conn_lost(s, c->id);
			conn_drop(s, c);
			continue;   /* the last one moved into slot i */
		}
		i++;
	}
}

int
ck_sip_peer_udp(ck_sip *s, const char *host, int port, ck_sip_peer *p,
    ck_err *e)
{
	memset(p, 0, sizeof *p);
	if (s->udp_fd < 0)
		return ck_err_set(e, CK_SOFTWARE, "sip: endpoint has no UDP socket");
	p->transport = CK_SIP_UDP;
	p->fd = s->udp_fd;
	return ck_net_resolve(host, port, s->family, SOCK_DGRAM, &p->addr, &p->addrlen, e);
}

int
ck_sip_connect(ck_sip *s, const char *host, int port, int64_t deadline,
    ck_sip_peer *p, ck_err *e)
{
	struct sockaddr_storage a;
	socklen_t al = sizeof a;
	struct conn *c;
	int fd = ck_net_tcp_connect(host, port, deadline, e);
	memset(p, 0, sizeof *p);
	if (fd < 0)
		return -1;
	if (getpeername(fd, (struct sockaddr *)&a, &al) < 0 ||
	    (c = conn_add(s, fd, &a, al, 0)) == NULL) {
		close(fd);
		return ck_err_set(e, CK_SOFTWARE, "sip: cannot keep connection");
	}
	p->transport = CK_SIP_TCP;
	p->fd = fd;
	p->conn = c->id;
	p->addr = a;
	p->addrlen = al;
	return 0;
}

int
ck_sip_peer_alive(ck_sip *s, const ck_sip_peer *p)
{
	if (p->transport != CK_SIP_TCP)
		return 1;
	return conn_find(s, p->fd, p->conn) != NULL;
}

void
ck_sip_peer_close(ck_sip *s, const ck_sip_peer *p)
{
	struct conn *c;
	if (p->transport == CK_SIP_TCP && (c = conn_find(s, p->fd, p->conn)) != NULL)
		conn_drop(s, c);
}

/* ---- helpers over messages ---- */

int
ck_sip_set_body(osip_message_t *m, const char *ctype, const void *body,
    size_t len)
{
	char cl[24];
	if (body && len > 0) {
		if (osip_message_set_body(m, body, len) != 0)
			return -1;
		if (ctype && osip_message_set_content_type(m, ctype) != 0)
			return -1;
	}
	snprintf(cl, sizeof cl, "%zu", body ? len : 0);
	if (m->content_length) {
		osip_content_length_free(m->content_length);
		m->content_length = NULL;
	}
	return osip_message_set_content_length(m, cl) == 0 ? 0 : -1;
}

const char *
ck_sip_body(const osip_message_t *m, size_t *len)
{
	osip_body_t *b = NULL;
	*len = 0;
	if (osip_message_get_body(m, 0, &b) < 0 || b == NULL || b->body == NULL)
		return NULL;
	*len = b->length;
	return b->body;
}

const char *
ck_sip_header(const osip_message_t *m, const char *name)
{
	osip_header_t *h = NULL;
	if (osip_message_header_get_byname(m, name, 0, &h) < 0 || h == NULL)
		return NULL;
	return h->hvalue;
}

const char *
ck_sip_from_user(const osip_message_t *m, int which_to)
{
	osip_from_t *f = which_to ? m->to : m->from;
	if (f && f->url && f->url->username)
		return f->url->username;
	return "";
}

int
ck_sip_call_id(const osip_message_t *m, char *out, size_t outlen)
{
	const osip_call_id_t *c = m->call_id;
	if (c == NULL || c->number == NULL)
		return -1;
	int k = c->host ? snprintf(out, outlen, "%s@%s", c->number, c->host) :
	    snprintf(out, outlen, "%s", c->number);
	return k >= 0 && (size_t)k < outlen ? 0 : -1;
}

int
ck_sip_expires(const osip_message_t *m, int dflt)
{
	osip_contact_t *c = NULL;
	osip_generic_param_t *gp = NULL;
	const char *v;
	if (osip_message_get_contact(m, 0, &c) >= 0 && c &&
	    osip_contact_param_get_byname(c, "expires", &gp) >= 0 && gp && gp->gvalue)
		return atoi(gp->gvalue);
	v = ck_sip_header(m, "expires");
	if (v) {
		char *end;
		long x = strtol(v, &end, 10);
		if (end != v && x >= 0 && x < 100000000)
			return (int)x;
	}
	return dflt;
}

char *
ck_sip_to_str(const osip_message_t *m, size_t *len, ck_err *e)
{
	char *d = NULL;
	size_t l = 0;
	if (osip_message_to_str((osip_message_t *)m, &d, &l) != 0 || d == NULL) {
		ck_err_set(e, CK_SOFTWARE, "sip: cannot serialise message");
		return NULL;
	}
	/* libosip2 pads the value ("Content-Length:     5"); weak device
	 * parsers expect one space, so close the gap. */
	char *cl = strstr(d, "\r\nContent-Length: ");
	if (cl) {
		char *v = cl + 18, *w = v;
		while (*w == ' ')
			w++;
		if (w > v) {
			memmove(v, w, l - (size_t)(w - d) + 1);
			l -= (size_t)(w - v);
		}
	}
	if (l > CK_SIP_MAX) {
		osip_free(d);
		ck_err_set(e, CK_SOFTWARE, "sip: message too large (%zu bytes)", l);
		return NULL;
	}
	*len = l;
	return d;
}

osip_message_t *
ck_sip_parse(const char *buf, size_t len, ck_err *e)
{
	osip_message_t *m = NULL;
	osip_setup();
	if (len == 0 || len > CK_SIP_MAX) {
		ck_err_set(e, CK_DATAERR, "sip: bad message size %zu", len);
		return NULL;
	}
	if (osip_message_init(&m) != 0) {
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	if (osip_message_parse(m, buf, len) != 0) {
		osip_message_free(m);
		ck_err_set(e, CK_DATAERR, "sip: unparsable message");
		return NULL;
	}
	/* Everything we do needs these; a message without them is malformed. */
	if (m->call_id == NULL || m->cseq == NULL || m->cseq->method == NULL ||
	    m->from == NULL || m->to == NULL || osip_list_size(&m->vias) < 1 ||
	    (MSG_IS_REQUEST(m) && (m->req_uri == NULL || m->sip_method == NULL))) {
		osip_message_free(m);
		ck_err_set(e, CK_DATAERR, "sip: message lacks Via/From/To/Call-ID/CSeq");
		return NULL;
	}
	/* libosip2 drops a body that comes without Content-Type; keep it. */
	if (osip_list_size(&m->bodies) == 0 && m->content_length &&
	    m->content_length->value && atol(m->content_length->value) > 0) {
		const char *end = memmem(buf, len, "\r\n\r\n", 4);
		long cl = atol(m->content_length->value);
		if (end && (size_t)(end + 4 - buf) + (size_t)cl <= len)
			osip_message_set_body(m, end + 4, (size_t)cl);
	}
	return m;
}

/* ---- GB dates ---- */

void
ck_sip_gb_date(int64_t unix_ms, int utc, char *out, size_t outlen)
{
	time_t t = (time_t)(unix_ms / 1000);
	struct tm tm;
	if (utc)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(unix_ms % 1000));
}

int
ck_sip_parse_gb_date(const char *v, int64_t *unix_ms)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0, ms = 0;
	memset(&tm, 0, sizeof tm);
	while (*v == ' ')
		v++;
	if (sscanf(v, "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) == 6) {
		const char *p = v + n;
		if (*p == '.') {
			int k = 0;
			p++;
			while (*p >= '0' && *p <= '9' && k < 3) {
				ms = ms * 10 + (*p++ - '0');
				k++;
			}
			while (k++ < 3)
				ms *= 10;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		/* RFC 3339's zone: Z or an offset; without one, local time (GB) */
		int zoned = 0, off = 0, zh, zm, k = 0;
		if (*p == 'Z' || *p == 'z') {
			zoned = 1;
			p++;
		} else if ((*p == '+' || *p == '-') &&
		    (sscanf(p + 1, "%2d:%2d%n", &zh, &zm, &k) == 2 ||
		    sscanf(p + 1, "%2d%2d%n", &zh, &zm, &k) == 2) && zh < 24 && zm < 60) {
			zoned = 1;
			off = (zh * 60 + zm) * 60 * (*p == '-' ? -1 : 1);
			p += 1 + k;
		}
		while (*p == ' ')
			p++;
		if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
		    mi > 59 || sec > 60 || y < 1970 || y > 9999)
			return -1;
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = sec;
		tm.tm_isdst = -1;   /* local time: let TZ decide summer time */
		time_t t = zoned ? timegm(&tm) : mktime(&tm);
		if (t == (time_t)-1)
			return -1;
		t -= off;
		*unix_ms = (int64_t)t * 1000 + ms;
		return 0;
	}
	const char *end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end && *end == '\0') {
		*unix_ms = (int64_t)timegm(&tm) * 1000;
		return 0;
	}
	return -1;
}

/* ---- sending ---- */

static void udp_icmp_errors(ck_sip *s);

static int
send_bytes(ck_sip *s, const ck_sip_peer *p, const char *d, size_t l, ck_err *e)
{
	ck_log_trace('>', d, l);
	if (p->transport == CK_SIP_TCP) {
		struct conn *c = conn_find(s, p->fd, p->conn);
		if (c == NULL)
			return ck_err_set(e, CK_UNAVAIL, "sip: TCP connection is closed");
		/* A peer that does not read its answers cannot stall the loop:
		 * an accepted connection not vouched for gets what the kernel
		 * takes now, a registered device's a second. */
		int64_t wait = !c->accepted ? 5000 : c->trusted ? 1000 : 0;
		if (ck_net_write_all(c->fd, d, l, ck_clock_now_ms() + wait, e) < 0) {
			if ((c = conn_find(s, p->fd, p->conn)) != NULL)
				conn_drop(s, c);
			e->kind = CK_UNAVAIL;
			return -1;
		}
		return 0;
	}
	for (int tries = 0; tries < 50; tries++) {
		ssize_t n = sendto(p->fd, d, l, 0, (const struct sockaddr *)&p->addr,
		    p->addrlen);
		if (n == (ssize_t)l)
			return 0;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ||
		    errno == EINTR)) {
			struct pollfd pf = { p->fd, POLLOUT, 0 };
			poll(&pf, 1, 10);
			continue;
		}
		if (n < 0 && (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
		    errno == ENETUNREACH) && tries < 49) {
			/* an earlier datagram's ICMP error (IP_RECVERR), reported by
			 * this sendto and now cleared: fail its transaction, retry */
			udp_icmp_errors(s);
			continue;
		}
		if (n < 0 && errno == ECONNREFUSED)
			return ck_err_set(e, CK_UNAVAIL, "sip: connection refused");
		return ck_err_set(e, CK_IOERR, "sip: sendto: %s", strerror(errno));
	}
	return ck_err_set(e, CK_IOERR, "sip: socket buffer full");
}

int
ck_sip_send_raw(ck_sip *s, const ck_sip_peer *p, osip_message_t *m, ck_err *e)
{
	size_t l;
	char *d = ck_sip_to_str(m, &l, e);
	int rc;
	if (d == NULL)
		return -1;
	rc = send_bytes(s, p, d, l, e);
	osip_free(d);
	return rc;
}

/* Local host (numeric) and port toward p, for Via and Contact. */
static void
local_toward(ck_sip *s, const ck_sip_peer *p, char *host, size_t hl, int *port)
{
	struct sockaddr_storage la;
	socklen_t ll = sizeof la;
	*port = s->port;
	if (p->transport == CK_SIP_TCP) {
		struct conn *c = conn_find(s, p->fd, p->conn);
		if (c && getsockname(c->fd, (struct sockaddr *)&la, &ll) == 0) {
			ck_net_addr_split((struct sockaddr *)&la, host, hl, port);
			if (s->tcp_fd >= 0)
				*port = s->port;
			goto out;
		}
	}
	if (s->la_host[0] && memcmp(&s->la_peer, &p->addr, sizeof s->la_peer) == 0) {
		snprintf(host, hl, "%s", s->la_host);
		goto out;
	}
	if (ck_net_local_addr_toward((const struct sockaddr *)&p->addr, p->addrlen,
	    host, hl) < 0)
		snprintf(host, hl, "%s", s->family == AF_INET6 ? "::1" : "127.0.0.1");
	memcpy(&s->la_peer, &p->addr, sizeof s->la_peer);
	snprintf(s->la_host, sizeof s->la_host, "%s", host);
out:
	if (s->contact_host[0])
		snprintf(host, hl, "%s", s->contact_host);
}

static void
hostport(char *out, size_t ol, const char *host, int port)
{
	if (strchr(host, ':'))
		snprintf(out, ol, "[%s]:%d", host, port);
	else
		snprintf(out, ol, "%s:%d", host, port);
}

osip_message_t *
ck_sip_request_new(ck_sip *s, const ck_sip_peer *p, const ck_sip_reqspec *rs,
    ck_err *e)
{
	osip_message_t *m = NULL;
	osip_uri_t *u = NULL;
	char host[64], hp[96], buf[1024], tag[20], br[40];
	int port;
	if (rs->method == NULL || rs->ruri == NULL || rs->from == NULL) {
		ck_err_set(e, CK_SOFTWARE, "sip: request without method/uri/from");
		return NULL;
	}
	if (osip_message_init(&m) != 0)
		goto oom;
	local_toward(s, p, host, sizeof host, &port);
	hostport(hp, sizeof hp, host, port);
	osip_message_set_method(m, osip_strdup(rs->method));
	osip_message_set_version(m, osip_strdup("SIP/2.0"));
	if (osip_uri_init(&u) != 0 || osip_uri_parse(u, rs->ruri) != 0) {
		if (u)
			osip_uri_free(u);
		osip_message_free(m);
		ck_err_set(e, CK_USAGE, "sip: bad request URI '%s'", rs->ruri);
		return NULL;
	}
	osip_message_set_uri(m, u);
	ck_digest_random_hex(br, 8);
	snprintf(buf, sizeof buf, "SIP/2.0/%s %s;rport;branch=z9hG4bK%s",
	    p->transport == CK_SIP_TCP ? "TCP" : "UDP", hp, br);
	if (osip_message_set_via(m, buf) != 0)
		goto bad;
	if (rs->from_tag)
		snprintf(tag, sizeof tag, "%s", rs->from_tag);
	else
		ck_digest_random_hex(tag, 4);
	snprintf(buf, sizeof buf, "<%s>;tag=%s", rs->from, tag);
	if (osip_message_set_from(m, buf) != 0)
		goto bad;
	snprintf(buf, sizeof buf, "<%s>", rs->to ? rs->to : rs->ruri);
	if (osip_message_set_to(m, buf) != 0)
		goto bad;
	if (rs->call_id)
		snprintf(buf, sizeof buf, "%s", rs->call_id);
	else
		ck_digest_random_hex(buf, 12);
	if (osip_message_set_call_id(m, buf) != 0)
		goto bad;
	snprintf(buf, sizeof buf, "%u %s", rs->cseq ? rs->cseq : s->cseq++, rs->method);
	if (osip_message_set_cseq(m, buf) != 0)
		goto bad;
	if (rs->contact || strcmp(rs->method, "REGISTER") == 0 ||
	    strcmp(rs->method, "INVITE") == 0 || strcmp(rs->method, "SUBSCRIBE") == 0) {
		if (rs->contact)
			snprintf(buf, sizeof buf, "<%s>", rs->contact);
		else {
			osip_from_t *f = m->from;
			snprintf(buf, sizeof buf, "<sip:%s@%s%s>",
			    f && f->url && f->url->username ? f->url->username : "camkit", hp,
			    p->transport == CK_SIP_TCP ? ";transport=tcp" : "");
		}
		if (osip_message_set_contact(m, buf) != 0)
			goto bad;
	}
	osip_message_set_max_forwards(m, "70");
	if (rs->authorization && osip_message_set_authorization(m, rs->authorization) != 0)
		goto bad;
	osip_message_set_header(m, "User-Agent", s->ua);
	if (rs->expires > 0 || (rs->expires == 0 && strcmp(rs->method, "REGISTER") == 0)) {
		snprintf(buf, sizeof buf, "%d", rs->expires);
		osip_message_set_expires(m, buf);
	}
	if (ck_sip_set_body(m, rs->content_type, rs->body, rs->body_len) != 0)
		goto bad;
	return m;
bad:
	osip_message_free(m);
	ck_err_set(e, CK_USAGE, "sip: cannot build %s (bad URI or header value)", rs->method);
	return NULL;
oom:
	ck_err_set(e, CK_SOFTWARE, "out of memory");
	return NULL;
}

/* ---- receiving ---- */

static const char *
top_branch(const osip_message_t *m)
{
	osip_via_t *v = osip_list_get(&m->vias, 0);
	osip_generic_param_t *b = NULL;
	if (v && osip_via_param_get_byname(v, "branch", &b) >= 0 && b && b->gvalue)
		return b->gvalue;
	return "";
}

static void
cache_key(const osip_message_t *m, const ck_sip_peer *p, char *k, size_t kl)
{
	char a[64];
	snprintf(k, kl, "%s|%s|%s|%s", top_branch(m), m->cseq->method,
	    m->cseq->number ? m->cseq->number : "", ck_sip_peer_str(p, a, sizeof a));
}

static struct cache_ent *
cache_get(ck_sip *s, const char *k)
{
	struct cache_ent *c = &s->cache[ck_hash_str(k, CK_HASH_INIT) % s->cache_slots];
	if (c->data && strcmp(c->key, k) == 0 && c->until > ck_clock_now_ms())
		return c;
	return NULL;
}

static void
cache_put(ck_sip *s, const char *k, const char *d, size_t l)
{
	struct cache_ent *c = &s->cache[ck_hash_str(k, CK_HASH_INIT) % s->cache_slots];
	char *x = malloc(l);
	if (x == NULL)
		return;
	memcpy(x, d, l);
	free(c->data);
	c->data = x;
	c->len = l;
	c->until = ck_clock_now_ms() + CACHE_TTL_MS;
	snprintf(c->key, sizeof c->key, "%s", k);
}

static void
enqueue(ck_sip *s, ck_sip_req *r)
{
	struct qent *q = malloc(sizeof *q);
	if (q == NULL) {
		ck_sip_req_free(r);
		return;
	}
	q->r = r;
	q->next = NULL;
	if (s->qtail)
		s->qtail->next = q;
	else
		s->qhead = q;
	s->qtail = q;
	s->qlen++;
}

/* ---- client transactions ---- */

static struct tx *
tx_by_branch(ck_sip *s, const char *branch)
{
	for (size_t i = 0; i < s->ntxs; i++)
		if (!s->txs[i].done && strcmp(s->txs[i].branch, branch) == 0)
			return &s->txs[i];
	return NULL;
}

static struct tx *
tx_by_id(ck_sip *s, uint64_t id)
{
	for (size_t i = 0; i < s->ntxs; i++)
		if (s->txs[i].id == id)
			return &s->txs[i];
	return NULL;
}

static void
tx_finish(struct tx *t, int kind, const char *msg)
{
	t->done = 1;
	ck_err_set(&t->err, kind, "%s", msg);
}

/* Every transaction waiting on a TCP connection that closed fails. */
static void
tx_conn_lost(ck_sip *s, uint64_t conn)
{
	for (size_t i = 0; i < s->ntxs; i++)
		if (!s->txs[i].done && s->txs[i].peer.transport == CK_SIP_TCP &&
		    s->txs[i].peer.conn == conn)
			tx_finish(&s->txs[i], CK_UNAVAIL,
			    "sip: TCP connection closed before the response");
}

/* Removes the transaction (its id was taken or cancelled). */
static void
tx_remove(ck_sip *s, struct tx *t)
{
	free(t->data);
	if (t->resp)
		osip_message_free(t->resp);
	*t = s->txs[--s->ntxs];
}

/* Retransmissions and timeouts of every outstanding transaction. Returns
 * the earliest time one of them needs attention (-1: none). */
static int64_t
tx_timers(ck_sip *s)
{
	int64_t now = ck_clock_now_ms(), wake = -1;
	for (size_t i = 0; i < s->ntxs; i++) {
		struct tx *t = &s->txs[i];
		ck_err e;
		if (t->done)
			continue;
		if (!ck_sip_peer_alive(s, &t->peer)) {
			tx_finish(t, CK_UNAVAIL, "sip: TCP connection closed before the response");
			continue;
		}
		if (now >= t->end) {
			char m[80];
			snprintf(m, sizeof m, "sip: no final response within %lld ms",
			    (long long)(t->end - t->start));
			tx_finish(t, CK_TEMPFAIL, m);
			continue;
		}
		if (t->invite && t->provisional)
			t->next = t->end;
		if (t->peer.transport == CK_SIP_UDP && now >= t->next && t->next < t->end) {
			ck_log_info("retransmitting request (%d ms)", t->interval);
			if (send_bytes(s, &t->peer, t->data, t->len, &e) < 0) {
				t->done = 1;
				t->err = e;
				continue;
			}
			t->interval = t->provisional ? T2_MS :
			    (t->interval * 2 > T2_MS ? T2_MS : t->interval * 2);
			t->next = now + t->interval;
		}
		int64_t w = t->peer.transport == CK_SIP_UDP && t->next < t->end ?
		    t->next : t->end;
		if (wake < 0 || w < wake)
			wake = w;
	}
	return wake;
}

/* 1 when a transaction started by ck_sip_tx_start has finished. */
static int
tx_async_done(const ck_sip *s)
{
	for (size_t i = 0; i < s->ntxs; i++)
		if (s->txs[i].async && s->txs[i].done)
			return 1;
	return 0;
}

static uint64_t
tx_start(ck_sip *s, const ck_sip_peer *p, osip_message_t *req, int64_t deadline,
    int async, ck_err *e)
{
	size_t l;
	char *d;
	struct tx *t;
	if (s->ntxs >= CK_SIP_MAX_TX) {
		osip_message_free(req);
		ck_err_set(e, CK_TEMPFAIL, "sip: %d transactions outstanding", CK_SIP_MAX_TX);
		return 0;
	}
	if ((d = ck_sip_to_str(req, &l, e)) == NULL) {
		osip_message_free(req);
		return 0;
	}
	if (s->txs == NULL && (s->txs = calloc(CK_SIP_MAX_TX, sizeof *s->txs)) == NULL) {
		osip_free(d);
		osip_message_free(req);
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return 0;
	}
	t = &s->txs[s->ntxs];
	memset(t, 0, sizeof *t);
	snprintf(t->branch, sizeof t->branch, "%s", top_branch(req));
	t->invite = MSG_IS_INVITE(req);
	osip_message_free(req);
	/* osip_free and free are the same allocator unless libosip2 was built
	 * with its own; copy to keep one owner */
	if ((t->data = malloc(l)) == NULL) {
		osip_free(d);
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return 0;
	}
	memcpy(t->data, d, l);
	osip_free(d);
	t->len = l;
	t->id = ++s->next_tx;
	t->peer = *p;
	t->async = async;
	t->start = ck_clock_now_ms();
	t->interval = s->t1;
	t->end = t->start + 64LL * s->t1;
	if (deadline >= 0 && deadline < t->end)
		t->end = deadline;
	t->next = p->transport == CK_SIP_UDP ? t->start + t->interval : t->end;
	s->ntxs++;
	if (send_bytes(s, p, t->data, t->len, e) < 0) {
		tx_remove(s, t);
		return 0;
	}
	return t->id;
}

uint64_t
ck_sip_tx_start(ck_sip *s, const ck_sip_peer *p, osip_message_t *req,
    int64_t deadline, ck_err *e)
{
	return tx_start(s, p, req, deadline, 1, e);
}

int
ck_sip_tx_done(ck_sip *s, uint64_t *id, osip_message_t **resp, ck_err *e)
{
	struct tx *best = NULL;
	for (size_t i = 0; i < s->ntxs; i++)
		if (s->txs[i].async && s->txs[i].done &&
		    (best == NULL || s->txs[i].id < best->id))
			best = &s->txs[i];
	if (best == NULL)
		return 0;
	*id = best->id;
	*resp = best->resp;
	best->resp = NULL;
	if (*resp == NULL)
		*e = best->err;
	tx_remove(s, best);
	return 1;
}

uint64_t
ck_sip_tx_seq(const ck_sip *s, uint64_t id)
{
	for (size_t i = 0; i < s->ntxs; i++)
		if (s->txs[i].id == id)
			return s->txs[i].done && s->txs[i].resp ? s->txs[i].seq : 0;
	return 0;
}

void
ck_sip_tx_cancel(ck_sip *s, uint64_t id)
{
	struct tx *t = tx_by_id(s, id);
	if (t)
		tx_remove(s, t);
}

size_t
ck_sip_tx_outstanding(const ck_sip *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->ntxs; i++)
		n += !s->txs[i].done;
	return n;
}

/* One complete message from p. */
static void
dispatch(ck_sip *s, const char *buf, size_t len, const ck_sip_peer *p)
{
	ck_err e;
	osip_message_t *m;
	ck_log_trace('<', buf, len);
	m = ck_sip_parse(buf, len, &e);
	if (m == NULL) {
		ck_log_info("dropped malformed SIP message (%zu bytes): %s", len, e.msg);
		return;
	}
	if (MSG_IS_RESPONSE(m)) {
		struct tx *t = tx_by_branch(s, top_branch(m));
		if (t && m->status_code >= 200) {
			t->resp = m;
			t->done = 1;
			t->seq = ++s->rx_seq;
			return;
		}
		if (t)
			t->provisional = 1;   /* RFC 3261 17.1.2.2: retransmit at T2 */
		osip_message_free(m);
		return;
	}
	/* ACKs surface (a media dialog starts with one) but are never answered
	 * (ck_sip_send_response ignores them) nor cached */
	if (p->transport == CK_SIP_UDP && !MSG_IS_ACK(m)) {
		char k[160];
		struct cache_ent *c;
		cache_key(m, p, k, sizeof k);
		if ((c = cache_get(s, k)) != NULL) {
			ck_log_info("retransmission of %s answered again", m->sip_method);
			send_bytes(s, p, c->data, c->len, &e);
			osip_message_free(m);
			return;
		}
	}
	if (s->qlen >= 100000) {
		osip_message_free(m);
		return;
	}
	ck_sip_req *r = calloc(1, sizeof *r);
	if (r == NULL || (r->raw = malloc(len + 1)) == NULL) {
		free(r);
		osip_message_free(m);
		return;
	}
	memcpy(r->raw, buf, len);
	r->raw[len] = '\0';
	r->rawlen = len;
	r->msg = m;
	r->peer = *p;
	r->seq = ++s->rx_seq;
	enqueue(s, r);
}

/* Content-Length from a header block (full or compact form); -1 if absent. */
static long
header_clen(const char *h, size_t hl)
{
	size_t i = 0;
	while (i < hl) {
		const char *line = h + i;
		const char *nl = memchr(line, '\n', hl - i);
		size_t ll = nl ? (size_t)(nl - line) : hl - i;
		const char *v = NULL;
		if (ll > 15 && strncasecmp(line, "content-length", 14) == 0)
			v = line + 14;
		else if (ll > 1 && (line[0] == 'l' || line[0] == 'L') &&
		    (line[1] == ':' || line[1] == ' ' || line[1] == '\t'))
			v = line + 1;
		if (v) {
			while (v < line + ll && (*v == ' ' || *v == '\t'))
				v++;
			if (v < line + ll && *v == ':') {
				v++;
				long n = 0;
				while (v < line + ll && (*v == ' ' || *v == '\t'))
					v++;
				if (v >= line + ll || *v < '0' || *v > '9')
					return -2;
				while (v < line + ll && *v >= '0' && *v <= '9') {
					n = n * 10 + (*v++ - '0');
					if (n > CK_SIP_MAX)
						return -2;
				}
				return n;
			}
		}
		i += ll + 1;
	}
	return -1;
}

long
ck_sip_frame(const char *buf, size_t len, size_t *skip)
{
	size_t k = 0;
	while (k < len && (buf[k] == '\r' || buf[k] == '\n'))
		k++;
	*skip = k;
	buf += k;
	len -= k;
	if (len == 0)
		return 0;
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	if (end == NULL)
		return len > CK_SIP_MAX ? -1 : 0;
	size_t hl = (size_t)(end - buf) + 4;
	long cl = header_clen(buf, hl);
	if (cl == -2)
		return -1;
	if (cl < 0)
		cl = 0;
	if (hl + (size_t)cl > CK_SIP_MAX)
		return -1;
	if (len < hl + (size_t)cl)
		return 0;
	return (long)(hl + (size_t)cl);
}

/* Extracts complete messages from a TCP buffer. Returns -1 to drop the
 * connection (framing broken, message or header block too large), 1 when
 * dispatching dropped it already, 0 otherwise. */
static int
tcp_extract(ck_sip *s, struct conn *c)
{
	int fd = c->fd;
	for (;;) {
		size_t skip;
		long total = ck_sip_frame(c->buf, c->len, &skip);
		if (skip) {
			memmove(c->buf, c->buf + skip, c->len - skip);
			c->len -= skip;
		}
		if (total < 0)
			return -1;
		if (total == 0) {
			/* an unterminated header block is cut at the bound */
			if (c->len > s->max_header && memmem(c->buf, c->len, "\r\n\r\n", 4) == NULL)
				return -1;
			if (c->len == 0) {
				c->partial_since = 0;
				s->buffered -= c->cap;
				free(c->buf);   /* idle connections hold no buffer */
				c->buf = NULL;
				c->cap = 0;
			} else if (c->partial_since == 0)
				c->partial_since = ck_clock_now_ms();
			return 0;
		}
		ck_sip_peer p = { CK_SIP_TCP, c->fd, c->id, c->addr, c->alen };
		uint64_t id = c->id;
		/* dispatch may send (retransmission answer) and drop c on error */
		char *copy = malloc((size_t)total);
		if (copy == NULL)
			return -1;
		memcpy(copy, c->buf, (size_t)total);
		memmove(c->buf, c->buf + total, c->len - (size_t)total);
		c->len -= (size_t)total;
		c->proven = 1;
		c->last_msg = ck_clock_now_ms();
		c->partial_since = 0;
		dispatch(s, copy, (size_t)total, &p);
		free(copy);
		if ((c = conn_find(s, fd, id)) == NULL)
			return 1;
	}
}

static void
read_conn(ck_sip *s, struct conn *c)
{
	/* Many idle device connections: keep buffers small until needed, and
	 * all of them together within max_buffered. */
	if (c->len == c->cap && c->cap < CK_SIP_MAX + 1) {
		size_t nc = c->cap ? c->cap * 2 : 4096;
		if (nc > CK_SIP_MAX + 1)
			nc = CK_SIP_MAX + 1;
		if (c->accepted && s->buffered + (nc - c->cap) > s->max_buffered) {
			ck_log_info("tcp connection %llu: buffered bytes over the bound",
			    (unsigned long long)c->id);
			tx_conn_lost(s, c->id);
			conn_drop(s, c);
			return;
		}
		char *nb = realloc(c->buf, nc);
		if (nb == NULL) {
			tx_conn_lost(s, c->id);
			conn_drop(s, c);
			return;
		}
		s->buffered += nc - c->cap;
		c->buf = nb;
		c->cap = nc;
	}
	ssize_t n = read(c->fd, c->buf + c->len, c->cap - c->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		tx_conn_lost(s, c->id);
		conn_drop(s, c);
		return;
	}
	c->len += (size_t)n;
	uint64_t id = c->id;
	int fd = c->fd;
	if (tcp_extract(s, c) < 0) {
		ck_log_info("tcp connection %llu: bad framing or message too large",
		    (unsigned long long)id);
		if ((c = conn_find(s, fd, id)) != NULL) {
			tx_conn_lost(s, id);
			conn_drop(s, c);
		}
	}
}


/* Fails the UDP transactions whose datagram drew an ICMP error (IP_RECVERR
 * queues it with the original destination in msg_name). */
static void
udp_icmp_errors(ck_sip *s)
{
	for (int k = 0; k < 64; k++) {
		struct sockaddr_storage a;
		char buf[64], ctl[512], m[160], host[64];
		struct iovec iov = { buf, sizeof buf };
		struct msghdr mh = { &a, sizeof a, &iov, 1, ctl, sizeof ctl, 0 };
		struct cmsghdr *c;
		int err = 0, port;
		if (recvmsg(s->udp_fd, &mh, MSG_ERRQUEUE) < 0)
			return;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR))
				err = ((struct sock_extended_err *)CMSG_DATA(c))->ee_errno;
		if (err == 0)
			continue;
		ck_net_addr_split((struct sockaddr *)&a, host, sizeof host, &port);
		snprintf(m, sizeof m, "sip: %s port %d: %s", host, port,
		    err == ECONNREFUSED ? "connection refused (ICMP port unreachable)" : strerror(err));
		ck_log_info("%s", m);
		for (size_t i = 0; i < s->ntxs; i++) {
			struct tx *t = &s->txs[i];
			char th[64];
			int tp;
			if (t->done || t->peer.transport != CK_SIP_UDP)
				continue;
			ck_net_addr_split((struct sockaddr *)&t->peer.addr, th, sizeof th, &tp);
			if (tp == port && strcmp(th, host) == 0)
				tx_finish(t, CK_UNAVAIL, m);
		}
	}
}

static void
read_udp(ck_sip *s)
{
	for (int k = 0; k < 512; k++) {
		struct sockaddr_storage a;
		socklen_t al = sizeof a;
		ssize_t n = recvfrom(s->udp_fd, s->rbuf, CK_SIP_MAX, MSG_TRUNC,
		    (struct sockaddr *)&a, &al);
		if (n < 0) {
			int again = errno != EAGAIN && errno != EWOULDBLOCK;
			udp_icmp_errors(s);
			if (again)
				continue;   /* the error was reported; datagrams may follow */
			return;
		}
		if (n > CK_SIP_MAX) {
			ck_log_info("dropped oversized UDP datagram (%zd bytes)", n);
			continue;
		}
		/* skip keepalive CRLFs */
		size_t off = 0;
		while (off < (size_t)n && (s->rbuf[off] == '\r' || s->rbuf[off] == '\n'))
			off++;
		if (off == (size_t)n)
			continue;
		ck_sip_peer p = { CK_SIP_UDP, s->udp_fd, 0, a, al };
		s->rbuf[n] = '\0';
		dispatch(s, s->rbuf + off, (size_t)n - off, &p);
	}
}

/* Makes room for one more accepted connection from source a: refused (0)
 * when that address holds its share, else the oldest untrusted accepted
 * connection is closed if the table is full. 1 when there is room. */
static int
accept_room(ck_sip *s, const struct sockaddr_storage *a)
{
	struct srcent *x = src_get(s, a, 0);
	if (x && x->n >= s->per_source)
		return 0;
	if ((int)s->nconns < s->max_conns)
		return 1;
	struct conn *old = s->fifo_head;
	if (old == NULL)
		return 0;
	ck_log_info("tcp connection %llu closed for a newer one (table full)",
	    (unsigned long long)old->id);
	tx_conn_lost(s, old->id);
	conn_drop(s, old);
	return 1;
}

static void
accept_conns(ck_sip *s)
{
	for (int k = 0; k < 256; k++) {
		struct sockaddr_storage a;
		socklen_t al = sizeof a;
		int fd = ck_net_accept(s->tcp_fd, &a, &al);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE) && k > 0)
			return;   /* accept() fails so before it looks at the queue:
			             nothing may be waiting (poll will say), and the
			             connection just accepted must not make room for
			             no one */
		if (fd < 0 && (errno == EMFILE || errno == ENFILE) && s->fifo_head) {
			/* out of descriptors (other files count too): the oldest
			 * unregistered connection makes room, as when the table
			 * is full */
			ck_log_info("accept: %s: tcp connection %llu closed for a newer one",
			    strerror(errno), (unsigned long long)s->fifo_head->id);
			tx_conn_lost(s, s->fifo_head->id);
			conn_drop(s, s->fifo_head);
			continue;
		}
		if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
			/* Nothing to evict, and the listener stays readable while
			 * the pending connection waits: give up the spare
			 * descriptor to accept and close it, and stop polling the
			 * listener for a moment. */
			ck_log_info("accept: %s: closing a pending connection", strerror(errno));
			if (s->spare_fd >= 0) {
				close(s->spare_fd);
				s->spare_fd = -1;
				if ((fd = ck_net_accept(s->tcp_fd, &a, &al)) >= 0)
					close(fd);
				s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			}
			s->accept_paused_until = ck_clock_now_ms() + 100;
			return;
		}
		if (fd < 0)
			return;
		if (!accept_room(s, &a) || conn_add(s, fd, &a, al, 1) == NULL) {
			char as[64];
			ck_log_info("tcp connection from %s refused (limit)",
			    ck_net_addr_str((struct sockaddr *)&a, as, sizeof as));
			close(fd);
			continue;
		}
		ck_log_info("tcp connection accepted");
	}
}

/* Waits up to the deadline for input and processes it. Returns 0 (something
 * or nothing happened), -1 with CK_OK kind on EINTR, -1 on poll error.
 * Connections are watched through one epoll descriptor (without it, each
 * of them through poll). */
static int
pump(ck_sip *s, int64_t deadline, ck_err *e)
{
	int viaep = s->epfd >= 0;
	size_t n = (viaep ? 0 : s->nconns) + 3, k = 0;
	struct pollfd stackp[64], *pf = n <= 64 ? stackp : malloc(n * sizeof *pf);
	int64_t now = ck_clock_now_ms();
	int listen = s->tcp_fd >= 0 && now >= s->accept_paused_until;
	if (s->tcp_fd >= 0 && s->nconns && deadline - now > 200)
		deadline = now + 200;   /* timeouts are swept at least 5 times a second */
	int to = deadline < 0 ? -1 : deadline <= now ? 0 :
	    (int)(deadline - now > 3600000 ? 3600000 : deadline - now);
	if (s->tcp_fd >= 0 && !listen && to > s->accept_paused_until - now)
		to = (int)(s->accept_paused_until - now);
	int rc;
	if (pf == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	if (s->udp_fd >= 0)
		pf[k++] = (struct pollfd){ s->udp_fd, POLLIN, 0 };
	if (listen)
		pf[k++] = (struct pollfd){ s->tcp_fd, POLLIN, 0 };
	size_t base = k;
	if (viaep)
		pf[k++] = (struct pollfd){ s->epfd, POLLIN, 0 };
	else
		for (size_t i = 0; i < s->nconns; i++)
			pf[k++] = (struct pollfd){ s->conns[i]->fd, POLLIN, 0 };
	rc = poll(pf, k, to);
	if (rc < 0) {
		if (pf != stackp)
			free(pf);
		if (errno == EINTR) {
			ck_err_clear(e);
			return -1;
		}
		return ck_err_set(e, CK_IOERR, "poll: %s", strerror(errno));
	}
	if (rc > 0) {
		/* Connections first (the table shifts when one is dropped, so
		 * collect fd and id before reading). */
		struct epoll_event evs[256];
		size_t nc = viaep ? 256 : k - base, m = 0;
		struct { int fd; uint64_t id; } *ids = nc ? malloc(nc * sizeof *ids) : NULL;
		if (viaep && pf[base].revents && ids) {
			int got = epoll_wait(s->epfd, evs, 256, 0);
			for (int i = 0; i < got; i++) {
				int fd = evs[i].data.fd;
				if ((size_t)fd < s->nbyfd && s->byfd[fd]) {
					ids[m].fd = fd;
					ids[m++].id = s->byfd[fd]->id;
				}
			}
		} else if (!viaep)
			for (size_t i = base; i < k && ids; i++)
				if (pf[i].revents) {
					ids[m].fd = pf[i].fd;
					ids[m++].id = s->conns[i - base]->id;
				}
		for (size_t j = 0; j < m; j++) {
			struct conn *c = conn_find(s, ids[j].fd, ids[j].id);
			if (c)
				read_conn(s, c);
		}
		free(ids);
		for (size_t i = 0; i < base; i++) {
			if (!pf[i].revents)
				continue;
			if (pf[i].fd == s->udp_fd)
				read_udp(s);
			else if (pf[i].fd == s->tcp_fd)
				accept_conns(s);
		}
	}
	if (pf != stackp)
		free(pf);
	if (s->tcp_fd >= 0)
		conn_sweep(s, ck_clock_now_ms());
	return 0;
}

int
ck_sip_next_request(ck_sip *s, int64_t deadline, ck_sip_req **out, ck_err *e)
{
	int pumped = 0;
	*out = NULL;
	for (;;) {
		int64_t wake = tx_timers(s);
		if (s->qhead) {
			struct qent *q = s->qhead;
			s->qhead = q->next;
			if (s->qhead == NULL)
				s->qtail = NULL;
			s->qlen--;
			*out = q->r;
			free(q);
			return 1;
		}
		/* a finished transaction is the caller's business too */
		if (tx_async_done(s))
			return 0;
		/* a past deadline still reads what is there once (without
		 * waiting): callers polling many endpoints pass 0 */
		if (deadline >= 0 && ck_clock_now_ms() >= deadline && pumped)
			return 0;
		pumped = 1;
		if (pump(s, wake >= 0 && (deadline < 0 || wake < deadline) ? wake : deadline,
		    e) < 0)
			return e->kind == CK_OK ? 0 : -1;
	}
}

int64_t
ck_sip_wake(ck_sip *s)
{
	return tx_timers(s);
}

int
ck_sip_send_request(ck_sip *s, const ck_sip_peer *p, osip_message_t *req,
    int64_t deadline, osip_message_t **resp, ck_err *e)
{
	uint64_t id = tx_start(s, p, req, deadline, 0, e);
	struct tx *t;
	int rc = -1;
	*resp = NULL;
	if (id == 0)
		return -1;
	for (;;) {
		int64_t wake = tx_timers(s);
		t = tx_by_id(s, id);
		if (t->done) {
			if ((*resp = t->resp) != NULL) {
				t->resp = NULL;
				rc = 0;
			} else
				*e = t->err;
			break;
		}
		if (s->intr && *s->intr) {
			ck_err_set(e, CK_OK, "interrupted");
			break;
		}
		if (pump(s, wake, e) < 0 && e->kind != CK_OK)
			break;
	}
	tx_remove(s, tx_by_id(s, id));
	return rc;
}

/* ---- responding ---- */

osip_message_t *
ck_sip_response_new(ck_sip *s, const ck_sip_req *rq, int status, ck_err *e)
{
	osip_message_t *m = NULL, *q = rq->msg;
	char host[64];
	int port;
	if (osip_message_init(&m) != 0) {
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	osip_message_set_version(m, osip_strdup("SIP/2.0"));
	osip_message_set_status_code(m, status);
	osip_message_set_reason_phrase(m, osip_strdup(osip_message_get_reason(status)[0] ?
	    osip_message_get_reason(status) : "Unknown"));
	if (osip_list_clone(&q->vias, &m->vias, (int (*)(void *, void **))osip_via_clone) < 0 ||
	    osip_from_clone(q->from, &m->from) != 0 || osip_to_clone(q->to, &m->to) != 0 ||
	    osip_call_id_clone(q->call_id, &m->call_id) != 0 ||
	    osip_cseq_clone(q->cseq, &m->cseq) != 0) {
		osip_message_free(m);
		ck_err_set(e, CK_SOFTWARE, "sip: cannot copy request headers");
		return NULL;
	}
	/* RFC 3581: fill rport with the source port, received with the address. */
	osip_via_t *v = osip_list_get(&m->vias, 0);
	if (v) {
		osip_generic_param_t *rp = NULL;
		ck_net_addr_split((const struct sockaddr *)&rq->peer.addr, host, sizeof host, &port);
		if (osip_via_param_get_byname(v, "rport", &rp) >= 0 && rp) {
			char ps[16];
			snprintf(ps, sizeof ps, "%d", port);
			osip_free(rp->gvalue);
			rp->gvalue = osip_strdup(ps);
			osip_via_set_received(v, osip_strdup(host));
		} else if (v->host && strcmp(v->host, host) != 0) {
			osip_via_set_received(v, osip_strdup(host));
		}
	}
	osip_generic_param_t *tag = NULL;
	if (status > 100 && m->to && (osip_to_get_tag(m->to, &tag) < 0 || tag == NULL)) {
		/* Stable per request: retransmissions get the same tag. */
		char t[16];
		snprintf(t, sizeof t, "%08x", ck_hash_str(top_branch(q), CK_HASH_INIT) ^
		    ck_hash_str(q->call_id->number ? q->call_id->number : "", CK_HASH_INIT));
		osip_to_set_tag(m->to, osip_strdup(t));
	}
	osip_message_set_header(m, "User-Agent", s->ua);
	osip_message_set_content_length(m, "0");
	return m;
}

int
ck_sip_send_response(ck_sip *s, const ck_sip_req *rq, osip_message_t *resp,
    ck_err *e)
{
	size_t l;
	char *d;
	int rc;
	if (MSG_IS_ACK(rq->msg)) {
		osip_message_free(resp);
		return 0;   /* an ACK gets no response (RFC 3261 17.2.1) */
	}
	d = ck_sip_to_str(resp, &l, e);
	osip_message_free(resp);
	if (d == NULL)
		return -1;
	rc = send_bytes(s, &rq->peer, d, l, e);
	if (rc == 0 && rq->peer.transport == CK_SIP_UDP) {
		char k[160];
		cache_key(rq->msg, &rq->peer, k, sizeof k);
		cache_put(s, k, d, l);
	}
	osip_free(d);
	return rc;
}

int
ck_sip_reply(ck_sip *s, const ck_sip_req *rq, int status, ck_err *e)
{
	osip_message_t *m = ck_sip_response_new(s, rq, status, e);
	if (m == NULL)
		return -1;
	return ck_sip_send_response(s, rq, m, e);
}

/* ---- Date header zone (REG) ---- */

int
ck_sip_date_tz_check(const char *zone, ck_err *e)
{
	const char *z = zone && *zone == ':' ? zone + 1 : zone;
	const char *dir = getenv("TZDIR");
	char path[512];
	size_t k = 0;
	if (z == NULL || *z == '\0' || strlen(z) > 128 || strstr(z, "..") || *z == '/')
		goto bad;
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", z);
	if (access(path, R_OK) == 0)
		return 0;
	/* a POSIX TZ string such as "CST-8": a name of 3+ letters, an offset */
	while (z[k] && ((z[k] >= 'A' && z[k] <= 'Z') || (z[k] >= 'a' && z[k] <= 'z')))
		k++;
	if (k >= 3 && (z[k] == '+' || z[k] == '-' || (z[k] >= '0' && z[k] <= '9')))
		return 0;
bad:
	return ck_err_set(e, CK_USAGE, "--date-tz: unknown time zone '%s'", zone ? zone : "");
}

int
ck_sip_set_date_tz(const char *zone, ck_err *e)
{
	if (ck_sip_date_tz_check(zone, e) < 0)
		return -1;
	if (setenv("TZ", zone, 1) < 0)
		return ck_err_set(e, CK_SOFTWARE, "setenv: %s", strerror(errno));
	tzset();
	return 0;
}
