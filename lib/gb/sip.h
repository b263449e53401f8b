/* sip: a small SIP endpoint on libosip2 (parser and serializer) over UDP and
 * TCP. One endpoint owns one UDP socket, optionally one TCP listening socket,
 * and any number of TCP connections (accepted or opened by ck_sip_connect).
 * TCP framing is plain SIP-over-TCP: headers up to CRLFCRLF, then
 * Content-Length bytes (RFC 3261 §18.3); messages are bounded (CK_SIP_MAX).
 *
 * Typical client use:
 *   ck_sip *s = ck_sip_open(&opts, &e);
 *   ck_sip_peer p; ck_sip_peer_udp(s, "10.0.0.2", 5060, &p, &e);
 *   ck_sip_reqspec rs = { .method = "MESSAGE", .ruri = "sip:3402...@10.0.0.2:5060",
 *       .from = "sip:3402000000200000001@3402000000", .content_type =
 *       CK_SIP_MANSCDP, .body = xml, .body_len = n };
 *   osip_message_t *req = ck_sip_request_new(s, &p, &rs, &e);
 *   osip_message_t *resp;
 *   ck_sip_send_request(s, &p, req, deadline, &resp, &e);  // req freed
 *   ... osip_message_free(resp);
 * Server use: ck_sip_next_request() returns incoming requests (those that
 * arrived while a client transaction waited are queued, never lost);
 * answer each with ck_sip_reply() or ck_sip_response_new()+ck_sip_send_response(),
 * then ck_sip_req_free(). UDP retransmissions of an answered request are
 * answered again from a response cache and never surface twice.
 *
 * Messages sent and received are traced with ck_log_trace (-vv, redacted). */
#ifndef CK_SIP_H
#define CK_SIP_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>

#include <osipparser2/osip_parser.h>

#include "base/err.h"

#define CK_SIP_MAX 65535                 /* largest message accepted/sent */
#define CK_SIP_MANSCDP "Application/MANSCDP+xml"

enum ck_sip_transport { CK_SIP_UDP = 0, CK_SIP_TCP = 1 };

/* Where a message came from / goes to. For TCP, conn identifies the
 * connection (fd alone may be reused); for UDP, fd is the endpoint's socket. */
typedef struct ck_sip_peer {
	int transport;                   /* enum ck_sip_transport */
	int fd;
	uint64_t conn;                   /* TCP connection id, 0 for UDP */
	struct sockaddr_storage addr;
	socklen_t addrlen;
} ck_sip_peer;

typedef struct ck_sip_opts {
	const char *bind_addr;    /* NULL/"" = any (IPv4); "::" for IPv6 */
	int port;                 /* 0 = ephemeral */
	int udp;                  /* open the UDP socket (1 recommended) */
	int tcp_listen;           /* also accept TCP on the same port */
	const char *user_agent;   /* NULL = "camkit/VERSION" */
	const char *contact_host; /* NULL = the local address toward each peer */
	int t1_ms;                /* RFC 3261 T1, 0 = 500 */
	int max_conns;            /* TCP connections kept, 0 = 16384 (and below
	                           * the descriptor limit, raised to its hard
	                           * value when listening on TCP); when full, the
	                           * oldest accepted connection not trusted
	                           * (ck_sip_peer_trust) makes room */
	int cache_slots;          /* answers kept for retransmitted requests,
	                           * 0 = 8192 (a lone device needs few) */
	/* Bounds on accepted TCP connections (what an unauthenticated peer
	 * can hold); 0 = the default. */
	int tcp_per_source;       /* per source address, 0 = 256, -1 = no limit */
	int64_t tcp_idle_ms;      /* no complete message for this long: closed
	                           * (0 = 300 s) */
	int64_t tcp_header_ms;    /* a message (the first one too) not complete
	                           * this long after it began: closed (0 = 10 s) */
	size_t tcp_max_header;    /* unterminated header block cut here (0 = 16 KiB) */
	size_t tcp_max_buffered;  /* bytes buffered over all connections
	                           * (0 = 32 MiB); a connection needing more is closed */
} ck_sip_opts;

#define CK_SIP_DEF_MAX_CONNS 16384
#define CK_SIP_DEF_PER_SOURCE 256
#define CK_SIP_DEF_IDLE_MS 300000
#define CK_SIP_DEF_HEADER_MS 10000
#define CK_SIP_DEF_MAX_HEADER 16384
#define CK_SIP_DEF_MAX_BUFFERED (32u << 20)

typedef struct ck_sip ck_sip;

/* Opens an endpoint (sockets bound, non-blocking) and initialises libosip2's
 * parser. Returns it (free with ck_sip_close) or NULL with e filled. */
ck_sip *ck_sip_open(const ck_sip_opts *o, ck_err *e);
/* Closes every socket and frees queued requests. NULL is fine. */
void ck_sip_close(ck_sip *s);
/* The port the endpoint is bound to (the kernel's choice when 0 was asked). */
int ck_sip_port(const ck_sip *s);
/* While *flag (set by a signal handler) is non-zero, ck_sip_send_request
 * gives up at once with CK_OK kind and "interrupted" (NULL: never). */
void ck_sip_set_interrupt(ck_sip *s, volatile sig_atomic_t *flag);
/* The UDP socket (or -1), for callers that need to poll it themselves. */
int ck_sip_udp_fd(const ck_sip *s);

/* Resolves host:port into a UDP peer over the endpoint's socket. 0 or -1. */
int ck_sip_peer_udp(ck_sip *s, const char *host, int port, ck_sip_peer *p,
    ck_err *e);
/* Opens (before the deadline) a TCP connection owned by the endpoint and
 * fills p. Incoming requests on it are returned by ck_sip_next_request with
 * this same peer. 0, or -1 with CK_NOHOST/CK_UNAVAIL/CK_TEMPFAIL. */
int ck_sip_connect(ck_sip *s, const char *host, int port, int64_t deadline,
    ck_sip_peer *p, ck_err *e);
/* 1 while p's TCP connection is open (always 1 for UDP). */
int ck_sip_peer_alive(ck_sip *s, const ck_sip_peer *p);
/* Closes p's TCP connection (no-op for UDP). */
void ck_sip_peer_close(ck_sip *s, const ck_sip_peer *p);
/* Marks p's accepted TCP connection as vouched for (an authenticated
 * device): never closed to make room for a new one. No-op for UDP. */
void ck_sip_peer_trust(ck_sip *s, const ck_sip_peer *p);
/* 1 when a and b are the same source: the same UDP address and port, or
 * the same TCP connection. */
int ck_sip_peer_same(const ck_sip_peer *a, const ck_sip_peer *b);
/* "udp"/"tcp" and "ip:port" text for a peer (out >= 64 bytes). */
const char *ck_sip_transport_name(int transport);
const char *ck_sip_peer_str(const ck_sip_peer *p, char *out, size_t outlen);

/* What a new request looks like. Unset (NULL/0) fields get defaults. */
typedef struct ck_sip_reqspec {
	const char *method;       /* "REGISTER", "MESSAGE", ... */
	const char *ruri;         /* request URI, "sip:ID@host:port" */
	const char *from;         /* From URI, "sip:ID@DOMAIN" */
	const char *to;           /* To URI; NULL = ruri */
	const char *from_tag;     /* NULL = random */
	const char *call_id;      /* NULL = random */
	unsigned cseq;            /* 0 = next value of the endpoint's counter */
	const char *contact;      /* Contact URI; NULL = sip:<from user>@local:port
	                             (only REGISTER/INVITE/SUBSCRIBE get one unless set) */
	int expires;              /* Expires header; -1 = none (0 is "Expires: 0") */
	const char *authorization;/* Authorization value, or NULL */
	const char *content_type; /* with body; e.g. CK_SIP_MANSCDP */
	const void *body;         /* raw bytes (GB2312 is fine); Content-Length is body_len */
	size_t body_len;
} ck_sip_reqspec;

/* Builds a request: Via SIP/2.0/<transport> local:port;rport;branch=z9hG4bK...,
 * Max-Forwards 70, From with tag, To, Call-ID, CSeq, Contact, User-Agent,
 * Expires, Content-Type/Length. expires must be set explicitly (-1 for none)
 * when the spec is zero-initialised: 0 means "Expires: 0" only for REGISTER.
 * Returns a message the caller owns (osip_message_free) or NULL. */
osip_message_t *ck_sip_request_new(ck_sip *s, const ck_sip_peer *p,
    const ck_sip_reqspec *rs, ck_err *e);

/* Client transaction: sends req to p, retransmits on UDP (T1 doubling up to
 * T2 = 4 s), and waits for the final response (>= 200), until timer F (64*T1)
 * or the deadline (-1 = timer F only), whichever comes first. 1xx are
 * skipped. Takes ownership of req. On success *resp is the final response
 * (caller frees; any status: check osip_message_get_status_code) and 0 is
 * returned; -1 with CK_TEMPFAIL on timeout, CK_UNAVAIL when the TCP
 * connection dropped or ICMP refused. Requests arriving meanwhile are queued;
 * transactions started with ck_sip_tx_start keep running. */
int ck_sip_send_request(ck_sip *s, const ck_sip_peer *p, osip_message_t *req,
    int64_t deadline, osip_message_t **resp, ck_err *e);
/* Client transactions that run side by side (a device answering a query
 * while its keepalive waits): ck_sip_tx_start sends req (taking it) and
 * returns the transaction's id (> 0), or 0 with e (CK_TEMPFAIL when
 * CK_SIP_MAX_TX are outstanding). Retransmissions and timer F run inside
 * ck_sip_next_request and ck_sip_send_request, and ck_sip_next_request
 * returns 0 early once one has finished, so the caller collects it. */
#define CK_SIP_MAX_TX 256
uint64_t ck_sip_tx_start(ck_sip *s, const ck_sip_peer *p, osip_message_t *req,
    int64_t deadline, ck_err *e);
/* Takes the oldest finished transaction: returns 1 with *id and either
 * *resp (the final response, caller frees) or *resp NULL and e filled as
 * ck_sip_send_request fails; 0 when none has finished. */
int ck_sip_tx_done(ck_sip *s, uint64_t *id, osip_message_t **resp, ck_err *e);
/* Where the final response of transaction id came among the requests
 * received (comparable with ck_sip_req.seq: a NOTIFY and the 200 of its
 * SUBSCRIBE taken in by one read are told apart), or 0 while it runs, when
 * it failed or was collected. */
uint64_t ck_sip_tx_seq(const ck_sip *s, uint64_t id);
/* Forgets a transaction; a response arriving later is dropped. */
void ck_sip_tx_cancel(ck_sip *s, uint64_t id);
/* Transactions still waiting for their final response. */
size_t ck_sip_tx_outstanding(const ck_sip *s);
/* Sends any message (request or response) to p once, no transaction. 0/-1. */
int ck_sip_send_raw(ck_sip *s, const ck_sip_peer *p, osip_message_t *m,
    ck_err *e);

/* An incoming request. raw holds the exact bytes received. */
typedef struct ck_sip_req {
	osip_message_t *msg;
	ck_sip_peer peer;
	char *raw;
	size_t rawlen;
	uint64_t seq;                    /* arrival number (ck_sip_tx_seq) */
} ck_sip_req;

/* Waits for the next incoming request until the deadline (-1 = forever).
 * Returns 1 with *out set (caller frees with ck_sip_req_free), 0 at the
 * deadline, -1 on error; a signal (EINTR) returns 0 early so callers can
 * check their flags. Malformed messages (unparsable, or lacking Via, From,
 * To, Call-ID or CSeq) are dropped and reported at -v; stray responses too.
 * ACKs are returned like other requests (answering them sends nothing). */
int ck_sip_next_request(ck_sip *s, int64_t deadline, ck_sip_req **out,
    ck_err *e);
void ck_sip_req_free(ck_sip_req *r);
/* Retransmits (UDP) and times out what is due; returns when the next
 * transaction timer falls (ck_clock_now_ms time), or -1 when none runs.
 * For callers that poll ck_sip_udp_fd themselves. */
int64_t ck_sip_wake(ck_sip *s);

/* A response to rq with the request's Via (received=/rport= filled in for
 * the top one), From, To (with a To tag added when absent and status > 100),
 * Call-ID, CSeq, User-Agent. Caller may add headers, then send it with
 * ck_sip_send_response. NULL on error. */
osip_message_t *ck_sip_response_new(ck_sip *s, const ck_sip_req *rq,
    int status, ck_err *e);
/* Sends resp back to rq's peer (the source address and transport the
 * request came from: NAT-safe) and caches it for UDP retransmissions.
 * Takes ownership of resp. An ACK is never answered: 0, nothing sent.
 * 0 or -1. */
int ck_sip_send_response(ck_sip *s, const ck_sip_req *rq, osip_message_t *resp,
    ck_err *e);
/* ck_sip_response_new + ck_sip_send_response with no extra headers. */
int ck_sip_reply(ck_sip *s, const ck_sip_req *rq, int status, ck_err *e);

/* Helpers over parsed messages. */
/* Sets body and Content-Type (Content-Length follows body_len). 0 or -1. */
int ck_sip_set_body(osip_message_t *m, const char *content_type,
    const void *body, size_t len);
/* The first body's bytes and length, or NULL (len 0) when none. Not owned. */
const char *ck_sip_body(const osip_message_t *m, size_t *len);
/* Value of the first header named name (case-insensitive, any header osip
 * keeps as "other" such as Date, Expires is handled too), or NULL. Not owned. */
const char *ck_sip_header(const osip_message_t *m, const char *name);
/* User part of the From (or To, which_to=1) URI, or "" . Not owned. */
const char *ck_sip_from_user(const osip_message_t *m, int which_to);
/* The whole Call-ID of m ("number@host": libosip splits it) into out, as
 * in-dialog requests must carry it. 0, or -1 (none, or it does not fit). */
int ck_sip_call_id(const osip_message_t *m, char *out, size_t outlen);
/* Expires of a REGISTER: the Contact's expires= param, else the Expires
 * header, else dflt. */
int ck_sip_expires(const osip_message_t *m, int dflt);
/* Serialises m into a malloc'd NUL-terminated string (caller frees), *len set. */
char *ck_sip_to_str(const osip_message_t *m, size_t *len, ck_err *e);
/* Stream framing (SIP over TCP, RFC 3261 18.3): the length of the first
 * complete message in buf after *skip leading CR/LF keepalive bytes; 0 when
 * more bytes are needed; -1 when the framing is broken (bad Content-Length)
 * or the message would exceed CK_SIP_MAX. */
long ck_sip_frame(const char *buf, size_t len, size_t *skip);
/* Parses a buffer as a SIP message (copying it). NULL with CK_DATAERR. */
osip_message_t *ck_sip_parse(const char *buf, size_t len, ck_err *e);

/* GB/T 28181 Date header value "yyyy-MM-ddTHH:mm:ss.SSS" (local time as GB
 * platforms use, utc=0; or UTC, utc=1) for unix_ms into out (>= 24 bytes). */
void ck_sip_gb_date(int64_t unix_ms, int utc, char *out, size_t outlen);
/* Parses a GB Date value "yyyy-MM-ddTHH:mm:ss[.SSS]" (a space for the T
 * too) as local time (GB), or with an RFC 3339 zone (Z, +08:00, +0800) as
 * that zone's, or RFC 1123 "Sun, 06 Nov 1994 08:49:37 GMT", into unix ms.
 * Returns 0 or -1. */
int ck_sip_parse_gb_date(const char *v, int64_t *unix_ms);
/* 0 when zone names a time zone (a zoneinfo name such as Asia/Shanghai,
 * or a POSIX TZ string such as CST-8), else -1 with CK_USAGE. */
int ck_sip_date_tz_check(const char *zone, ck_err *e);
/* Makes local time (ck_sip_gb_date with utc=0, so the Date header) be
 * zone's, for the whole process (TZ). 0, or -1 with CK_USAGE. */
int ck_sip_set_date_tz(const char *zone, ck_err *e);

#endif
