#include "gb/invite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "codec/digest.h"

/* A request of the dialog with our tags and the next CSeq (or cseq). */
static osip_message_t *
dialog_request(ck_invite *v, const char *method, unsigned cseq, ck_err *e)
{
	ck_sip_reqspec rs = { .method = method, .ruri = v->ruri, .from = v->from,
	    .from_tag = v->from_tag, .call_id = v->call_id, .cseq = cseq, .expires = -1 };
	osip_message_t *m = ck_sip_request_new(v->s, &v->peer, &rs, e);
	if (m && v->to_tag[0] && m->to)
		osip_to_set_tag(m->to, osip_strdup(v->to_tag));
	return m;
}

/* The ACK of a final answer: for a 2xx a new transaction to the dialog,
 * for an error on the INVITE's own branch (RFC 3261 17.1.1.3). */
static void
ack(ck_invite *v, osip_message_t *resp, const char *branch)
{
	ck_err e;
	osip_generic_param_t *tag = NULL;
	if (resp->to && osip_to_get_tag(resp->to, &tag) >= 0 && tag && tag->gvalue)
		snprintf(v->to_tag, sizeof v->to_tag, "%s", tag->gvalue);
	osip_message_t *m = dialog_request(v, "ACK", v->cseq, &e);
	if (m == NULL)
		return;
	if (branch) {
		osip_via_t *via = osip_list_get(&m->vias, 0);
		osip_generic_param_t *b = NULL;
		if (via && osip_via_param_get_byname(via, "branch", &b) >= 0 && b) {
			osip_free(b->gvalue);
			b->gvalue = osip_strdup(branch);
		}
	}
	if (ck_sip_send_raw(v->s, &v->peer, m, &e) < 0)
		ck_log_warn("ACK not sent: %s", e.msg);
	osip_message_free(m);
}

static int
challenge(osip_message_t *r, const ck_invite_opts *o, ck_invite *v, unsigned nc,
    char *auth, size_t authlen, int *proxy, ck_err *e)
{
	osip_www_authenticate_t *w = NULL;
	ck_digest_chal ch;
	char *txt = NULL;
	int rc;
	*proxy = 0;
	if (osip_message_get_www_authenticate(r, 0, &w) < 0 || w == NULL) {
		osip_message_get_proxy_authenticate(r, 0, &w);
		*proxy = 1;
	}
	if (w == NULL || osip_www_authenticate_to_str(w, &txt) != 0 || txt == NULL)
		return ck_err_set(e, CK_PROTO, "%d without a Digest challenge", v->status);
	rc = ck_digest_parse_challenge(txt, &ch, e);
	osip_free(txt);
	if (rc < 0)
		return -1;
	if (o->password == NULL)
		return ck_err_set(e, CK_CONFIG, "the device asks for a password and none is "
		    "configured (--password-file, GB_PASSWORD)");
	const char *user = o->user;
	char fu[64];
	if (user == NULL) {
		const char *p = strncmp(o->from, "sip:", 4) == 0 ? o->from + 4 : o->from;
		snprintf(fu, sizeof fu, "%.*s", (int)strcspn(p, "@"), p);
		user = fu;
	}
	return ck_digest_build_auth(&ch, user, o->password, "INVITE", o->ruri, nc, NULL,
	    auth, authlen, e);
}

int
ck_invite_start(ck_invite *v, ck_sip *s, const ck_sip_peer *p,
    const ck_invite_opts *o, int64_t deadline, ck_err *e)
{
	char auth[1024];
	int have_auth = 0, proxy = 0;
	memset(v, 0, sizeof *v);
	v->s = s;
	v->peer = *p;
	snprintf(v->ruri, sizeof v->ruri, "%s", o->ruri);
	snprintf(v->from, sizeof v->from, "%s", o->from);
	ck_digest_random_hex(v->call_id, 12);
	ck_digest_random_hex(v->from_tag, 5);
	for (int round = 0; ; round++) {
		osip_message_t *req = dialog_request(v, "INVITE", 0, e), *r = NULL;
		if (req == NULL)
			return -1;
		v->cseq = (unsigned)atoi(req->cseq->number);
		if (o->subject)
			osip_message_set_header(req, "Subject", o->subject);
		if (have_auth) {
			if (proxy)
				osip_message_set_proxy_authorization(req, auth);
			else
				osip_message_set_authorization(req, auth);
		}
		/* Contact: where the device sends BYE and MESSAGE in the dialog */
		if (ck_sip_set_body(req, "application/sdp", o->sdp, o->sdp_len) != 0) {
			osip_message_free(req);
			return ck_err_set(e, CK_SOFTWARE, "sip: cannot set the SDP");
		}
		osip_via_t *via = osip_list_get(&req->vias, 0);
		osip_generic_param_t *b = NULL;
		char branch[96] = "";
		if (via && osip_via_param_get_byname(via, "branch", &b) >= 0 && b && b->gvalue)
			snprintf(branch, sizeof branch, "%s", b->gvalue);
		if (ck_sip_send_request(s, p, req, deadline, &r, e) < 0)
			return -1;
		v->status = osip_message_get_status_code(r);
		snprintf(v->reason, sizeof v->reason, "%s", osip_message_get_reason_phrase(r) ?
		    osip_message_get_reason_phrase(r) : "");
		if (v->status >= 200 && v->status < 300) {
			size_t bl;
			const char *body = ck_sip_body(r, &bl);
			ack(v, r, NULL);
			v->confirmed = 1;
			if (body == NULL || bl == 0 || (v->answer = malloc(bl + 1)) == NULL) {
				osip_message_free(r);
				return ck_err_set(e, CK_DATAERR, "%d without an SDP answer", v->status);
			}
			memcpy(v->answer, body, bl);
			v->answer[bl] = '\0';
			v->answer_len = bl;
			osip_message_free(r);
			return 0;
		}
		ack(v, r, branch);
		v->to_tag[0] = '\0';   /* that answer made no dialog */
		if ((v->status == 401 || v->status == 407) && round == 0) {
			int rc = challenge(r, o, v, 1, auth, sizeof auth, &proxy, e);
			osip_message_free(r);
			if (rc < 0)
				return -1;
			have_auth = 1;
			continue;
		}
		osip_message_free(r);
		return ck_err_set(e, v->status == 401 || v->status == 403 || v->status == 407 ?
		    CK_NOPERM : CK_PROTO, "INVITE answered %d %s", v->status, v->reason);
	}
}

int
ck_invite_request(ck_invite *v, const char *method, const char *ctype,
    const char *body, size_t len, int64_t deadline, ck_err *e)
{
	osip_message_t *r = NULL, *req = dialog_request(v, method, v->cseq + 1, e);
	int st;
	if (req == NULL)
		return -1;
	v->cseq++;
	if (body && ck_sip_set_body(req, ctype, body, len) != 0) {
		osip_message_free(req);
		return ck_err_set(e, CK_SOFTWARE, "sip: cannot set the body");
	}
	if (ck_sip_send_request(v->s, &v->peer, req, deadline, &r, e) < 0)
		return -1;
	st = osip_message_get_status_code(r);
	osip_message_free(r);
	return st;
}

int
ck_invite_match(const ck_invite *v, const ck_sip_req *rq)
{
	return rq->msg->call_id && rq->msg->call_id->number &&
	    strcmp(rq->msg->call_id->number, v->call_id) == 0;
}

void
ck_invite_free(ck_invite *v)
{
	free(v->answer);
	v->answer = NULL;
}
