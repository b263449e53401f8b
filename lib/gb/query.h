/* gbquery: the platform side of a GB/T 28181 query or control, shared by
 * gb-catalog and gb-ptzcmd. Reaches a device either directly
 * (sip:ID@HOST:PORT, the device must accept our --from) or by acting as its
 * registrar and waiting until it registers or sends a keepalive, then
 * talking back over the same transport and source address (NAT-safe, as
 * GB28181 requires). Sends MANSCDP MESSAGEs and hands back the MESSAGEs the
 * device sends, while the registrar keeps answering REGISTER refreshes and
 * keepalives in the background. */
#ifndef CK_GBQUERY_H
#define CK_GBQUERY_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "base/err.h"
#include "codec/json.h"
#include "gb/manscdp.h"
#include "gb/registrar.h"
#include "gb/sip.h"

#define CK_GB_DEFAULT_FROM "34020000002000000001@3402000000"
/* Bounds on what tcp_accept lets in: one device is expected, so few
 * connections; the header and idle timeouts are ck_sip's defaults, as a
 * registrar's. */
#define CK_QUERY_ACCEPT_CONNS 64
#define CK_QUERY_ACCEPT_PER_SOURCE 8

typedef struct ck_query_opts {
	const char *target;        /* "sip:ID@HOST[:PORT]" (direct), or NULL */
	const char *listen;        /* "[ADDR]:PORT" (await registration), or NULL */
	const char *from;          /* our "ID@DOMAIN"; NULL = CK_GB_DEFAULT_FROM */
	const char *domain;        /* realm; NULL = the domain of from */
	const char *password;      /* registrar: one password, or NULL */
	const char *passwords_file;/* registrar: "ID PASSWORD" lines, or NULL */
	const char *allow;         /* registrar: allowed IDs, or NULL */
	int sha256;                /* registrar: challenge with SHA-256 */
	const char *device_id;     /* await only this device (NULL: any) */
	int local_port;            /* 0 = any (direct) */
	int tcp;                   /* direct: connect over TCP */
	int tcp_accept;            /* direct with tcp: also accept TCP on the
	                            * local port (the Contact's), for a device
	                            * that opens its own connection to send
	                            * requests; bounded (CK_QUERY_ACCEPT_*) */
	int64_t wait_ms;           /* how long to await registration, -1 forever */
	int64_t connect_ms;        /* TCP connect limit (direct) */
	/* called with the bound port once the registrar listens (before the
	 * wait), so a caller that asked for port 0 can tell its peer */
	void (*on_listening)(void *arg, int port);
	void *listening_arg;
} ck_query_opts;

typedef struct ck_query {
	ck_sip *sip;
	ck_registrar *reg;         /* NULL when direct */
	ck_sip_peer peer;          /* where requests to the device go */
	char device_id[64];
	char ruri[320], from_uri[320], to_uri[320];
	char source[64];           /* the device's address "ip:port" */
} ck_query;

/* 1 if s looks like "sip:ID@HOST[:PORT]" and splits it (id >= 64, host >=
 * 256); 0 otherwise. */
int ck_query_split_uri(const char *s, char *id, size_t idlen, char *host,
    size_t hostlen, int *port);
/* Opens the endpoint and reaches the device (waits for its registration
 * with o->listen). Returns 0, or -1 with e: CK_USAGE (bad target), CK_NOHOST,
 * CK_UNAVAIL, CK_TEMPFAIL (nobody registered in time), CK_NOINPUT/CK_CONFIG
 * (password file), CK_OK kind when a signal interrupted the wait. */
int ck_query_open(ck_query *q, const ck_query_opts *o, ck_err *e);
/* Closes the endpoint and the registrar; q may be half-opened. */
void ck_query_close(ck_query *q);
/* Sends one MESSAGE (Content-Type Application/MANSCDP+xml) with body to the
 * device and waits until the deadline for the final answer: *status gets
 * its code, reason its phrase. Returns 0 (any status), or -1 with
 * CK_TEMPFAIL (no answer) or CK_UNAVAIL. */
int ck_query_message(ck_query *q, const void *body, size_t len, int64_t deadline,
    int *status, char *reason, size_t reasonlen, ck_err *e);
/* The next MESSAGE from anyone but the registrar's business (those are
 * answered on the way; other methods get 405). Returns 1 with *out (the
 * caller answers it with ck_sip_reply and frees it), 0 at the deadline or
 * on a signal, -1 on error. */
int ck_query_next_message(ck_query *q, int64_t deadline, ck_sip_req **out,
    ck_err *e);

/* One request and the answers it calls for (see ck_query_exchange). */
typedef struct ck_query_xchg {
	const char *cmd_type;     /* answers carry this CmdType... */
	unsigned long sn;         /* ...and this SN (any DeviceID) */
	int await;                /* 0: the SIP answer ends the exchange */
	const char *charset;      /* answers' charset, NULL = detect */
	int64_t timeout_ms;       /* the SIP answer; then the idle time allowed
	                           * before and between answers */
	/* a matching answer (a Response, or a Notify of the same CmdType):
	 * returns 1 when the answer is complete, 0 when more is due */
	int (*on_answer)(void *arg, const ck_manscdp *m, const char *raw,
	    size_t rawlen);
	void *arg;
	/* results */
	int status;               /* final SIP status of the request */
	char reason[128];
	int64_t rtt_ms;           /* request to its final answer */
	int64_t answer_ms;        /* request to the answer that completed it */
	int answers, malformed;   /* matching answers, unparsable MESSAGEs */
} ck_query_xchg;

/* Sends body (a MANSCDP MESSAGE) and, when x->await and the SIP answer
 * is 2xx, answers every MESSAGE that comes with 200 and hands the
 * matching ones to x->on_answer until it says complete. Returns 0 (the
 * SIP answer came: see x->status; with await, the answer is complete),
 * or -1 with e: CK_TEMPFAIL (no SIP answer; or no complete answer before
 * the idle timeout: x->answers tells partial from none), CK_DATAERR (only
 * malformed answers), CK_UNAVAIL, or CK_OK kind on a signal. */
int ck_query_exchange(ck_query *q, const void *body, size_t len,
    ck_query_xchg *x, ck_err *e);

/* Collects the answers to a query as records: list answers (Catalog,
 * RecordInfo, PresetQuery, and any Response with SumNum and an <Item>
 * list) become one "item" record per new Item (Catalog items unique by
 * DeviceID, others by content; complete when SumNum are in), the others
 * one "response" record with the decoded fields. */
typedef struct ck_query_list {
	const char *cmd_type;
	ck_json *j;
	FILE *out;                /* where records go (NULL: nowhere) */
	/* state */
	char **keys;
	size_t nkeys;
	long sumnum;              /* -1 until an answer says */
	int full;                 /* stopped at the item limit */
	int refused;              /* an answer said Result ERROR */
} ck_query_list;

/* 1 if cmd_type's answer is a list (Catalog, RecordInfo, PresetQuery). */
int ck_query_is_list(const char *cmd_type);
/* Takes one matching answer into l, emitting its records. Returns 1 when
 * the answer is complete, 0 when more is due. */
int ck_query_take(ck_query_list *l, const ck_manscdp *m);
/* Frees what l remembers. */
void ck_query_list_free(ck_query_list *l);

/* A query to ask and where its records go (see ck_query_ask). */
typedef struct ck_query_askspec {
	const char *cmd_type;
	unsigned long sn;
	int64_t timeout_ms;       /* the SIP answer, then idle between answers */
	const char *charset;      /* answers' charset, NULL = detect */
	FILE *out;                /* where records go (NULL: nowhere) */
	/* each matching answer's bytes (for --xml), or NULL */
	void (*raw)(void *arg, const char *body, size_t len);
	void *arg;
} ck_query_askspec;

/* Sends a <Query> body and emits its answer's records (ck_query_take).
 * Returns the exit status, e saying why when not 0: CK_EMPTY (an empty
 * list), CK_PROTO (SIP error status, or an answer with Result ERROR:
 * its record is still emitted), CK_NOPERM (401/403/407), CK_TEMPFAIL (no answer,
 * or a partial one), CK_DATAERR (only malformed answers), CK_SOFTWARE. */
int ck_query_ask(ck_query *q, const void *body, size_t len,
    const ck_query_askspec *a, ck_err *e);

#endif
