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
#include <stdint.h>

#include "base/err.h"
#include "gb/registrar.h"
#include "gb/sip.h"

#define CK_GB_DEFAULT_FROM "34020000002000000001@3402000000"

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

#endif
