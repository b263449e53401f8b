/* invite: the platform's side of a GB/T 28181 media dialog on a ck_sip
 * endpoint: INVITE with an SDP offer (and the Subject header GB requires),
 * one digest challenge answered, ACK for the final answer (the 2xx ACK a
 * new transaction, a non-2xx ACK on the INVITE's branch), then in-dialog
 * BYE and INFO, and the matching of the device's in-dialog requests (BYE,
 * MESSAGE MediaStatus) by Call-ID. */
#ifndef CK_INVITE_H
#define CK_INVITE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "gb/sip.h"

typedef struct ck_invite_opts {
	const char *ruri;         /* sip:CHANNEL@HOST:PORT */
	const char *from;         /* sip:PLATFORM@DOMAIN */
	const char *subject;      /* Subject header value, or NULL */
	const char *sdp;          /* the offer */
	size_t sdp_len;
	const char *user;         /* digest user (NULL: the From user) */
	const char *password;     /* NULL: a challenge fails with CK_CONFIG */
} ck_invite_opts;

typedef struct ck_invite {
	ck_sip *s;
	ck_sip_peer peer;
	char call_id[64], from_tag[24], to_tag[128];
	char ruri[320], from[320];
	unsigned cseq;            /* CSeq of the last request we sent */
	int confirmed;            /* 2xx received and ACKed */
	int status;               /* final status of the INVITE */
	char reason[128];
	char *answer;             /* the 2xx's SDP (malloc'd, NUL-terminated) */
	size_t answer_len;
} ck_invite;

/* Sends the INVITE to p over s and waits until the deadline for its final
 * answer, answering a 401/407 once. Returns 0 after a 2xx (v->answer set,
 * ACK sent), or -1 with e: CK_PROTO (v->status 3xx-6xx), CK_NOPERM (403,
 * or a second challenge), CK_CONFIG (a challenge and no password),
 * CK_TEMPFAIL (no answer), CK_UNAVAIL, CK_DATAERR (2xx without SDP), or
 * CK_OK kind when interrupted (ck_sip_set_interrupt). ck_invite_free it
 * either way. */
int ck_invite_start(ck_invite *v, ck_sip *s, const ck_sip_peer *p,
    const ck_invite_opts *o, int64_t deadline, ck_err *e);
/* Sends an in-dialog request (BYE, INFO) with an optional body and waits
 * until the deadline. Returns the final status, or -1 with e. */
int ck_invite_request(ck_invite *v, const char *method, const char *ctype,
    const char *body, size_t len, int64_t deadline, ck_err *e);
/* 1 if rq is a request of this dialog (same Call-ID), else 0. */
int ck_invite_match(const ck_invite *v, const ck_sip_req *rq);
/* Frees what v holds. */
void ck_invite_free(ck_invite *v);

#endif
