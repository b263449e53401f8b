/* mediasess: the receiving session of a GB/T 28181 media dialog. */
#include "gb/mediasess.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "gb/manscdp.h"
#include "gb/mansrtsp.h"

struct run {
	const ck_mediasess_opts *o;
	ck_query *q;
	ck_invite *v;
	ck_mediarx *mx;
	ck_json *j;
	int64_t t0, last_media;
	char ctl[512];
	size_t ctl_len;
	unsigned long rtsp_cseq;
};

static void
rec(struct run *r, const char *type)
{
	ck_json_record(r->j, type);
	ck_json_time_ms(r->j, "ts", ck_clock_wall_ms());
}

static void
emit(struct run *r)
{
	if (r->o->on_record)
		r->o->on_record(r->o->arg, r->j);
	ck_json_reset(r->j);
}

/* A packet of the locked stream: the first one is reported; each goes to
 * the writer. -2 when the byte count is reached, CK_IOERR when the writer
 * failed. */
static int
on_packet(void *arg, const uint8_t *p, size_t n)
{
	struct run *r = arg;
	if (r->last_media == 0) {
		const ck_mediarx_stats *st = ck_mediarx_stats_of(r->mx);
		char hex[12];
		rec(r, "media_started");
		snprintf(hex, sizeof hex, "0x%08X", st->ssrc);
		ck_json_str(r->j, "ssrc", hex);
		ck_json_str(r->j, "ssrc_from", st->locked == 1 ? "answer" : "first packet");
		ck_json_str(r->j, "peer", ck_mediarx_peer(r->mx));
		emit(r);
	}
	r->last_media = ck_clock_now_ms();
	if (r->o->on_packet(r->o->arg, p, n) < 0)
		return CK_IOERR;
	if (r->o->max_bytes > 0 &&
	    (int64_t)ck_mediarx_stats_of(r->mx)->bytes >= r->o->max_bytes)
		return -2;
	return 0;
}

/* Answers a request that came during the session. Returns 1 when the
 * session is over (device BYE, MediaStatus 121 answered). */
static int
incoming(struct run *r, ck_sip_req *rq, int *bye_needed)
{
	ck_err e;
	size_t bl;
	const char *b = ck_sip_body(rq->msg, &bl);
	int over = 0;
	if (r->q->reg && ck_registrar_handle(r->q->reg, rq))
		return 0;
	if (ck_invite_match(r->v, rq) && MSG_IS_BYE(rq->msg)) {
		ck_sip_reply(r->q->sip, rq, 200, &e);
		rec(r, "bye");
		ck_json_str(r->j, "by", "device");
		emit(r);
		over = 1;
		*bye_needed = 0;
	} else if (MSG_IS_MESSAGE(rq->msg)) {
		ck_manscdp m;
		ck_sip_reply(r->q->sip, rq, 200, &e);
		if (b && ck_manscdp_parse(b, bl, NULL, &m, &e) == 0) {
			const char *nt = ck_manscdp_field(m.root, "NotifyType");
			if (strcmp(m.cmd_type, "MediaStatus") == 0) {
				rec(r, "media_status");
				ck_json_str(r->j, "notify_type", nt ? nt : "");
				emit(r);
				over = nt && strcmp(nt, "121") == 0;
			}
			ck_manscdp_free(&m);
		}
	} else
		ck_sip_reply(r->q->sip, rq, ck_invite_match(r->v, rq) ? 200 : 405, &e);
	ck_sip_req_free(rq);
	return over;
}

/* Sends the INFO for each complete line of --control. */
static void
control(struct run *r)
{
	ssize_t n = read(r->o->control_fd, r->ctl + r->ctl_len, sizeof r->ctl - 1 - r->ctl_len);
	char *nl;
	if (n <= 0)
		return;
	r->ctl_len += (size_t)n;
	r->ctl[r->ctl_len] = '\0';
	while ((nl = strchr(r->ctl, '\n')) != NULL) {
		int method, st;
		double scale, from;
		char body[256];
		ck_err e;
		*nl = '\0';
		if (ck_mansrtsp_command(r->ctl, &method, &scale, &from) < 0)
			ck_log_warn("--control: '%s' is not pause, play, scale N or seek S", r->ctl);
		else if (ck_mansrtsp_write(method, ++r->rtsp_cseq, scale, from, body, sizeof body, &e) > 0) {
			st = ck_invite_request(r->v, "INFO", "Application/MANSRTSP", body,
			    strlen(body), ck_clock_now_ms() + r->o->timeout_ms, &e);
			rec(r, "control");
			ck_json_str(r->j, "command", r->ctl);
			if (st < 0)
				ck_json_str(r->j, "error", e.msg);
			else
				ck_json_int(r->j, "status", st);
			emit(r);
		}
		r->ctl_len -= (size_t)(nl + 1 - r->ctl);
		memmove(r->ctl, nl + 1, r->ctl_len + 1);
	}
	if (r->ctl_len == sizeof r->ctl - 1)
		r->ctl_len = 0;   /* an endless line is dropped */
}

/* Receives until something ends the session; returns the exit status. */
static int
session(struct run *r)
{
	int bye = 1, rc = 0;
	ck_err e;
	const char *why = "signal";
	r->t0 = ck_clock_now_ms();
	for (;;) {
		ck_sip_req *rq;
		int64_t now = ck_clock_now_ms();
		if ((r->o->stop && *r->o->stop))
			break;
		if (r->o->duration_ms > 0 && now - r->t0 >= r->o->duration_ms) {
			why = "duration";
			break;
		}
		if (now - (r->last_media ? r->last_media : r->t0) >= r->o->media_timeout_ms) {
			why = "media timeout";
			rc = CK_TEMPFAIL;
			break;
		}
		int n = ck_sip_next_request(r->q->sip, now + 5, &rq, &e);
		if (n > 0 && incoming(r, rq, &bye)) {
			why = bye ? "media status 121" : "device";
			break;
		}
		if (r->q->reg)
			ck_registrar_tick(r->q->reg);
		if (r->o->control_fd >= 0)
			control(r);
		int m = ck_mediarx_poll(r->mx, 10, on_packet, r, &e);
		if (m == -2) {
			why = "max bytes";
			break;
		}
		if (m == CK_IOERR) {
			why = "output";
			rc = CK_IOERR;
			break;
		}
		if (m == 1) {
			why = "media connection closed";
			break;
		}
		if (m < 0) {
			ck_log_warn("%s", e.msg);
			rc = e.kind ? e.kind : CK_SOFTWARE;
			break;
		}
	}
	/* what the device sent before it said it was done is still ours: UDP
	 * datagrams can trail the MESSAGE or BYE that ended the session
	 * (bounded: a device that keeps sending does not hold us) */
	if (rc == 0 && (!bye || strcmp(why, "media status 121") == 0)) {
		uint64_t seen;
		int64_t until = ck_clock_now_ms() + 1000;
		do {
			seen = ck_mediarx_stats_of(r->mx)->packets;
			if (ck_mediarx_poll(r->mx, 100, on_packet, r, &e) != 0)
				break;
		} while (ck_mediarx_stats_of(r->mx)->packets > seen && ck_clock_now_ms() < until);
	}
	if (bye) {
		int st = ck_invite_request(r->v, "BYE", NULL, NULL, 0,
		    ck_clock_now_ms() + (r->o->timeout_ms < 5000 ? r->o->timeout_ms : 5000), &e);
		rec(r, "bye");
		ck_json_str(r->j, "by", "us");
		ck_json_str(r->j, "reason", why);
		if (st < 0)
			ck_json_str(r->j, "error", e.msg);
		else
			ck_json_int(r->j, "status", st);
		emit(r);
	}
	return rc;
}

static void
rec_stats(struct run *r)
{
	const ck_mediarx_stats *st = ck_mediarx_stats_of(r->mx);
	rec(r, "stats");
	ck_json_uint(r->j, "packets", st->packets);
	ck_json_uint(r->j, "lost", st->lost);
	ck_json_uint(r->j, "bytes", st->bytes);
	ck_json_uint(r->j, "other_ssrc", st->other_ssrc);
	ck_json_num(r->j, "duration_s", (double)(ck_clock_now_ms() - r->t0) / 1000.0, 3);
	emit(r);
}


int
ck_mediasess_run(ck_query *q, ck_invite *v, ck_mediarx *mx, const ck_mediasess_opts *o)
{
	struct run r = { .o = o, .q = q, .v = v, .mx = mx };
	int rc;
	if ((r.j = ck_json_new()) == NULL)
		return CK_SOFTWARE;
	rc = session(&r);
	rec_stats(&r);
	ck_json_free(r.j);
	return rc;
}
