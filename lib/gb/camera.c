/* camera: media dialogs of the simulated GB/T 28181 device. */
#include "gb/camera.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "base/clock.h"
#include "base/log.h"
#include "gb/gbsdp.h"
#include "gb/manscdp.h"
#include "gb/mansrtsp.h"
#include "net/net.h"

enum { S_FREE = 0, S_ANSWERED, S_STREAMING, S_ENDED };
enum { T_UDP = 0, T_LISTEN, T_CONNECT };   /* our media role */

struct sess {
	int state, kind, role;
	char call_id[128], local_tag[32], remote_tag[128];
	char local_uri[320], remote_uri[320], target[320];
	ck_sip_peer peer;          /* the platform's SIP side */
	unsigned cseq;
	char maddr[64];
	int mport;
	int fd, lfd;
	struct sockaddr_storage dst;
	socklen_t dstlen;
	ck_psmux *mux;
	ck_psmux_pkt pkt;
	int have_pkt, paused, reanchor;
	uint64_t from, to;         /* the part of the media played (90 kHz; to
	                            * 0 = to its end or forever) */
	double speed;
	char answer[1024];         /* our SDP answer, re-sent to a re-INVITE */
	int answer_len;
	int64_t t0;                /* wall ms at which due 0 is (re)anchored */
	uint32_t ssrc;
};

struct ck_camera {
	ck_camera_opts o;
	ck_sip *s;
	ck_json *j;
	struct sess *ss;
	unsigned long sn;
};

int64_t
ck_camera_record_step_ms(int n)
{
	return 86400000LL / (n > 0 ? n : 1);
}

/* Maps a Playback/Download t= START END onto the recording START falls in
 * (or, in a gap between recordings, the next one): sets x->from/to.
 * Returns NULL, or why nothing of the range is recorded. */
static const char *
map_range(const ck_camera *c, struct sess *x, const ck_gbsdp_desc *d)
{
	ck_psmux_info mi;
	if (c->o.records <= 0 || x->kind == 0 || d->start <= 0)
		return NULL;
	ck_psmux_media_info(c->o.media, &mi);
	int64_t step = ck_camera_record_step_ms(c->o.records), dur = (int64_t)(mi.duration / 90);
	int64_t a = d->start * 1000, b = d->end > d->start ? d->end * 1000 : INT64_MAX;
	int64_t off = a % step;
	if (off >= dur) {   /* a gap: the next recording */
		a += step - off;
		off = 0;
	}
	if (a >= b)
		return "no recording in the t= range";
	int64_t len = b - a < dur - off ? b - a : dur - off;
	x->from = (uint64_t)off * 90;
	x->to = (uint64_t)(off + len) * 90;
	return NULL;
}

static const char *const kinds[] = { "play", "playback", "download" };
static const char *const roles[] = { "udp", "tcp-passive", "tcp-active" };

static void
rec(ck_camera *c, const char *type, const struct sess *x)
{
	ck_json_record(c->j, type);
	ck_json_time_ms(c->j, "ts", ck_clock_wall_ms());
	if (x)
		ck_json_str(c->j, "call_id", x->call_id);
}

static void
emit(ck_camera *c)
{
	if (c->o.on_record)
		c->o.on_record(c->o.arg, c->j);
	ck_json_reset(c->j);
}

static struct sess *
find(ck_camera *c, const ck_sip_req *rq)
{
	char cid[sizeof c->ss[0].call_id];
	if (ck_sip_call_id(rq->msg, cid, sizeof cid) < 0)
		return NULL;
	for (int i = 0; i < c->o.max_streams; i++)
		if (c->ss[i].state != S_FREE && strcmp(c->ss[i].call_id, cid) == 0)
			return &c->ss[i];
	return NULL;
}

static void
close_sess(struct sess *x)
{
	if (x->fd >= 0)
		close(x->fd);
	if (x->lfd >= 0)
		close(x->lfd);
	ck_psmux_free(x->mux);
	memset(x, 0, sizeof *x);
	x->fd = x->lfd = -1;
}

/* An in-dialog request from us (BYE, MESSAGE) as a transaction whose
 * answer nobody waits for (the device collects and drops it), or, with
 * wait, sent and waited for. */
static void
dialog_send(ck_camera *c, struct sess *x, const char *method, const char *ctype,
    const char *body, size_t len, int wait)
{
	ck_err e;
	ck_sip_reqspec rs = { .method = method, .ruri = x->target, .from = x->local_uri,
	    .to = x->remote_uri, .from_tag = x->local_tag, .call_id = x->call_id,
	    .cseq = ++x->cseq, .expires = -1, .content_type = ctype, .body = body,
	    .body_len = len };
	osip_message_t *m = ck_sip_request_new(c->s, &x->peer, &rs, &e), *r = NULL;
	if (m == NULL) {
		ck_log_warn("%s: %s", method, e.msg);
		return;
	}
	if (x->remote_tag[0] && m->to)
		osip_to_set_tag(m->to, osip_strdup(x->remote_tag));
	if (wait) {
		if (ck_sip_send_request(c->s, &x->peer, m, ck_clock_now_ms() + 2000, &r, &e) == 0)
			osip_message_free(r);
		else
			ck_log_info("%s: %s", method, e.msg);
	} else if (ck_sip_tx_start(c->s, &x->peer, m, ck_clock_now_ms() + 32000, &e) == 0)
		ck_log_warn("%s: %s", method, e.msg);
}

/* Why an offer cannot be served, or NULL. */
static const char *
refuse(const ck_gbsdp_desc *d)
{
	if (strcmp(d->media, "video") != 0)
		return "only video is sent";
	if (!d->ps)
		return "PS/90000 not offered";
	if (d->direction == 1 || d->direction == 3)
		return "the platform must receive (recvonly)";
	if (!d->addr[0])
		return "no c= address";
	if (d->tcp && d->setup != 1 && d->setup != 2)
		return "TCP offer without a=setup:active or passive";
	if (d->port == 0 && !(d->tcp && d->setup == 1))
		return "m= port 0";
	return NULL;
}

static int
answer_sdp(ck_camera *c, struct sess *x, const ck_gbsdp_desc *d, const char *host,
    int port, char *out, size_t outlen)
{
	const char *ip = strchr(host, ':') ? "IP6" : "IP4";
	int n = snprintf(out, outlen, "v=0\r\no=%s 0 0 IN %s %s\r\ns=%s\r\nc=IN %s %s\r\n"
	    "t=%lld %lld\r\nm=video %d %sRTP/AVP 96\r\na=sendonly\r\na=rtpmap:96 PS/90000\r\n",
	    c->o.id, ip, host, d->session[0] ? d->session : "Play", ip, host,
	    (long long)(d->start > 0 ? d->start : 0), (long long)(d->end > 0 ? d->end : 0),
	    port, d->tcp ? "TCP/" : "");
	if (d->tcp)
		n += snprintf(out + n, outlen - (size_t)n, "a=setup:%s\r\na=connection:new\r\n",
		    x->role == T_LISTEN ? "passive" : "active");
	n += snprintf(out + n, outlen - (size_t)n, "y=%010u\r\nf=\r\n", x->ssrc);
	return n;
}

/* Sets up the media side for the offer d. Returns the port for the answer
 * or -1 with e. */
static int
media_open(struct sess *x, const ck_gbsdp_desc *d, ck_err *e)
{
	int fam = strchr(d->addr, ':') ? AF_INET6 : AF_INET;
	x->role = !d->tcp ? T_UDP : d->setup == 1 ? T_LISTEN : T_CONNECT;
	snprintf(x->maddr, sizeof x->maddr, "%s", d->addr);
	x->mport = d->port;
	if (x->role == T_UDP) {
		if ((x->fd = ck_net_udp_bind(NULL, 0, fam, e)) < 0 ||
		    ck_net_resolve(d->addr, d->port, fam, SOCK_DGRAM, &x->dst, &x->dstlen, e) < 0)
			return -1;
		return ck_net_local_port(x->fd);
	}
	if (x->role == T_LISTEN) {
		if ((x->lfd = ck_net_tcp_listen(NULL, 0, fam, e)) < 0)
			return -1;
		return ck_net_local_port(x->lfd);
	}
	return 9;   /* we connect: the discard port, as GB answers */
}

/* Our address toward the platform that sent rq (127.0.0.1 if unknown). */
static void
local_host(const ck_sip_req *rq, char *host, size_t len)
{
	if (ck_net_local_addr_toward((const struct sockaddr *)&rq->peer.addr, rq->peer.addrlen,
	    host, len) < 0)
		snprintf(host, len, "127.0.0.1");
}

/* The 200 to an INVITE or re-INVITE: our Contact at host and the SDP
 * answer. Returns NULL if it cannot be built. */
static osip_message_t *
answer_200(ck_camera *c, const ck_sip_req *rq, const char *host, const char *sdp, int n)
{
	ck_err e;
	char contact[200];
	osip_message_t *m = ck_sip_response_new(c->s, rq, 200, &e);
	snprintf(contact, sizeof contact, strchr(host, ':') ? "<sip:%s@[%s]:%d>" :
	    "<sip:%s@%s:%d>", c->o.id, host, ck_sip_port(c->s));
	if (m && (osip_message_set_contact(m, contact) != 0 ||
	    ck_sip_set_body(m, "application/sdp", sdp, (size_t)n) != 0)) {
		osip_message_free(m);
		m = NULL;
	}
	return m;
}

static void
on_invite(ck_camera *c, ck_sip_req *rq)
{
	ck_err e;
	ck_gbsdp_desc d;
	size_t bl;
	const char *body = ck_sip_body(rq->msg, &bl), *why = NULL;
	struct sess *x = NULL;
	char host[64], sdp[1024], *u = NULL;
	int status = 488, port = -1;
	if (body == NULL || ck_gbsdp_parse(body, bl, &d, &e) < 0)
		why = body ? e.msg : "no SDP offer";
	else if ((why = refuse(&d)) == NULL) {
		for (int i = 0; i < c->o.max_streams && !x; i++)
			if (c->ss[i].state == S_FREE)
				x = &c->ss[i];
		if (x == NULL) {
			status = 486;
			why = "--max-streams dialogs already";
		}
	}
	if (x) {
		x->kind = !strcmp(d.session, "Playback") ? 1 : !strcmp(d.session, "Download") ? 2 : 0;
		x->speed = x->kind == 2 && d.speed > 0 ? d.speed : 1;
		x->ssrc = c->o.ssrc ? c->o.ssrc : d.has_ssrc ? d.ssrc : 1;
		ck_psmux_conf conf = { .ssrc = x->ssrc, .loop = x->kind == 0 };
		if ((why = map_range(c, x, &d)) != NULL) {
			close_sess(x);
			x = NULL;
		} else if ((port = media_open(x, &d, &e)) < 0 ||
		    (x->mux = ck_psmux_new(c->o.media, &conf, &e)) == NULL) {
			why = e.msg;
			status = 500;
			close_sess(x);
			x = NULL;
		} else if (x->from)
			ck_psmux_seek(x->mux, x->from);
	}
	if (x == NULL) {
		ck_sip_reply(c->s, rq, status, &e);
		rec(c, "invite_refused", NULL);
		ck_json_int(c->j, "status", status);
		ck_json_str(c->j, "reason", why);
		emit(c);
		ck_sip_req_free(rq);
		return;
	}
	local_host(rq, host, sizeof host);
	int n = answer_sdp(c, x, &d, host, port, sdp, sizeof sdp);
	osip_message_t *m = answer_200(c, rq, host, sdp, n);
	osip_generic_param_t *tag = NULL;
	if (m == NULL || osip_to_get_tag(m->to, &tag) < 0 || tag == NULL) {
		if (m)
			osip_message_free(m);
		close_sess(x);
		ck_sip_reply(c->s, rq, 500, &e);
		ck_sip_req_free(rq);
		return;
	}
	memcpy(x->answer, sdp, (size_t)n);
	x->answer_len = n;
	snprintf(x->local_tag, sizeof x->local_tag, "%s", tag->gvalue);
	/* whole, "number@host": our BYE and MESSAGE in the dialog carry it */
	ck_sip_call_id(rq->msg, x->call_id, sizeof x->call_id);
	if (osip_from_get_tag(rq->msg->from, &tag) >= 0 && tag && tag->gvalue)
		snprintf(x->remote_tag, sizeof x->remote_tag, "%s", tag->gvalue);
	if (osip_uri_to_str(rq->msg->to->url, &u) == 0)
		snprintf(x->local_uri, sizeof x->local_uri, "%s", u);
	osip_free(u);
	u = NULL;
	if (osip_uri_to_str(rq->msg->from->url, &u) == 0)
		snprintf(x->remote_uri, sizeof x->remote_uri, "%s", u);
	osip_free(u);
	u = NULL;
	osip_contact_t *ct = NULL;
	if (osip_message_get_contact(rq->msg, 0, &ct) >= 0 && ct && ct->url &&
	    osip_uri_to_str(ct->url, &u) == 0)
		snprintf(x->target, sizeof x->target, "%s", u);
	else
		snprintf(x->target, sizeof x->target, "%s", x->remote_uri);
	osip_free(u);
	x->peer = rq->peer;
	x->cseq = 100;
	x->state = S_ANSWERED;
	ck_sip_send_response(c->s, rq, m, &e);
	rec(c, "invite", x);
	ck_json_str(c->j, "kind", kinds[x->kind]);
	ck_json_str(c->j, "transport", roles[x->role]);
	ck_json_str(c->j, "media_address", x->maddr);
	ck_json_int(c->j, "media_port", x->mport);
	ck_json_int(c->j, "local_media_port", port);
	ck_json_uint(c->j, "ssrc", x->ssrc);
	if (x->to) {
		ck_json_num(c->j, "media_from", (double)x->from / 90000, 3);
		ck_json_num(c->j, "media_to", (double)x->to / 90000, 3);
	}
	emit(c);
	ck_sip_req_free(rq);
}

static void
on_ack(ck_camera *c, struct sess *x)
{
	ck_err e;
	if (x->state != S_ANSWERED)
		return;
	if (x->role == T_CONNECT &&
	    (x->fd = ck_net_tcp_connect(x->maddr, x->mport, ck_clock_now_ms() + 3000, &e)) < 0) {
		rec(c, "stream_error", x);
		ck_json_str(c->j, "message", e.msg);
		emit(c);
		dialog_send(c, x, "BYE", NULL, NULL, 0, 0);
		close_sess(x);
		return;
	}
	x->state = S_STREAMING;
	x->reanchor = 1;
	rec(c, "stream_started", x);
	emit(c);
}

static void
on_info(ck_camera *c, struct sess *x, ck_sip_req *rq)
{
	ck_err e;
	ck_mansrtsp r;
	size_t bl;
	const char *b = ck_sip_body(rq->msg, &bl);
	if (b == NULL || ck_mansrtsp_parse(b, bl, &r, &e) < 0 || r.method == 0) {
		ck_sip_reply(c->s, rq, 400, &e);
		return;
	}
	if (r.method == CK_MANSRTSP_PAUSE)
		x->paused = 1;
	else if (r.method == CK_MANSRTSP_PLAY) {
		x->paused = 0;
		if (r.has_scale)
			x->speed = r.scale;
		/* npt counts from the start of what is played (t= START) */
		if (r.has_range && r.range_from >= 0) {
			uint64_t t = x->from + (uint64_t)(r.range_from * 90000);
			ck_psmux_seek(x->mux, x->to && t >= x->to ? x->to - 1 : t);
			x->have_pkt = 0;
		}
	}
	x->reanchor = 1;
	char ans[128];
	int n = snprintf(ans, sizeof ans, "MANSRTSP/1.0 200 OK\r\nCSeq: %lu\r\n\r\n", r.cseq);
	osip_message_t *m = ck_sip_response_new(c->s, rq, 200, &e);
	if (m && ck_sip_set_body(m, "Application/MANSRTSP", ans, (size_t)n) == 0)
		ck_sip_send_response(c->s, rq, m, &e);
	else if (m)
		osip_message_free(m);
	rec(c, "control", x);
	ck_json_str(c->j, "method", r.method == CK_MANSRTSP_PAUSE ? "pause" :
	    r.method == CK_MANSRTSP_PLAY ? "play" : "teardown");
	ck_json_num(c->j, "speed", x->speed, 3);
	emit(c);
}

/* A re-INVITE in an established dialog (RFC 3261 §14.2): a session refresh
 * (no offer, or an offer for the same media address, port and transport)
 * gets 200 with our answer unchanged and the stream goes on; an offer that
 * moves the media gets 488, as we do not re-target a running stream, and
 * the dialog stays as it was. */
static void
on_reinvite(ck_camera *c, struct sess *x, ck_sip_req *rq)
{
	ck_err e;
	ck_gbsdp_desc d;
	size_t bl;
	const char *body = ck_sip_body(rq->msg, &bl), *why = NULL;
	osip_generic_param_t *tag = NULL;
	if (osip_to_get_tag(rq->msg->to, &tag) < 0 || tag == NULL || tag->gvalue == NULL ||
	    strcmp(tag->gvalue, x->local_tag) != 0) {
		/* the dialog's Call-ID outside the dialog: a merged request (§8.2.2.2) */
		ck_sip_reply(c->s, rq, 482, &e);
		return;
	}
	if (body && bl > 0) {
		if (ck_gbsdp_parse(body, bl, &d, &e) < 0)
			why = e.msg;
		else if (strcmp(d.addr, x->maddr) != 0 ||
		    (x->role != T_CONNECT && d.port != x->mport) ||
		    (!d.tcp) != (x->role == T_UDP))
			why = "re-INVITE moves the media";
	}
	osip_message_t *m = NULL;
	char host[64];
	if (why == NULL) {
		local_host(rq, host, sizeof host);
		if ((m = answer_200(c, rq, host, x->answer, x->answer_len)) == NULL)
			why = "cannot build the answer";
	}
	if (m)
		ck_sip_send_response(c->s, rq, m, &e);
	else
		ck_sip_reply(c->s, rq, 488, &e);
	rec(c, "reinvite", x);
	ck_json_int(c->j, "status", m ? 200 : 488);
	if (why)
		ck_json_str(c->j, "reason", why);
	emit(c);
}

int
ck_camera_handle(ck_camera *c, ck_sip_req *rq)
{
	ck_err e;
	struct sess *x;
	if (MSG_IS_INVITE(rq->msg)) {
		if ((x = find(c, rq)) != NULL)
			on_reinvite(c, x, rq);
		else {
			on_invite(c, rq);
			return 1;
		}
	} else if ((x = find(c, rq)) == NULL)
		return 0;
	else if (MSG_IS_ACK(rq->msg))
		on_ack(c, x);
	else if (MSG_IS_BYE(rq->msg)) {
		ck_sip_reply(c->s, rq, 200, &e);
		rec(c, "stream_stopped", x);
		ck_json_str(c->j, "by", "platform");
		emit(c);
		close_sess(x);
	} else if (MSG_IS_INFO(rq->msg))
		on_info(c, x, rq);
	else
		ck_sip_reply(c->s, rq, 200, &e);
	ck_sip_req_free(rq);
	return 1;
}

static int
send_pkt(struct sess *x, const ck_psmux_pkt *p, ck_err *e)
{
	if (x->role == T_UDP) {
		ssize_t n = sendto(x->fd, p->rtp, p->rtp_len, 0, (struct sockaddr *)&x->dst,
		    x->dstlen);
		if (n < 0 && errno != EAGAIN && errno != ENOBUFS)
			return ck_err_set(e, CK_UNAVAIL, "media: %s", strerror(errno));
		return 0;
	}
	return ck_net_write_all(x->fd, p->framed, p->framed_len, ck_clock_now_ms() + 2000, e);
}

/* Ends a stream: the MediaStatus 121 of a finished playback/download, or
 * a BYE after a media error. */
static void
stream_end(ck_camera *c, struct sess *x, const char *error)
{
	rec(c, error ? "stream_error" : "stream_finished", x);
	if (error)
		ck_json_str(c->j, "message", error);
	emit(c);
	if (error) {
		dialog_send(c, x, "BYE", NULL, NULL, 0, 0);
		close_sess(x);
		return;
	}
	size_t len;
	ck_err e;
	char dev[64];
	const char *at = strchr(x->local_uri, '@'), *u = x->local_uri + 4;
	snprintf(dev, sizeof dev, "%.*s", at ? (int)(at - u) : 0, u);
	char *b = ck_manscdp_media_status(++c->sn, dev, "121", &len, &e);
	if (b)
		dialog_send(c, x, "MESSAGE", CK_SIP_MANSCDP, b, len, 0);
	free(b);
	x->state = S_ENDED;   /* the platform hangs up */
}

static void
stream(ck_camera *c, struct sess *x)
{
	ck_err e;
	if (x->fd < 0 && x->role == T_LISTEN) {
		struct sockaddr_storage a;
		socklen_t al;
		if ((x->fd = ck_net_accept(x->lfd, &a, &al)) < 0)
			return;
		close(x->lfd);
		x->lfd = -1;
	}
	if (x->paused)
		return;
	for (int k = 0; k < 4096; k++) {
		if (!x->have_pkt) {
			if (!ck_psmux_next(x->mux, &x->pkt) || (x->to && x->pkt.due >= x->to)) {
				stream_end(c, x, NULL);
				return;
			}
			x->have_pkt = 1;
		}
		int64_t due = (int64_t)((double)x->pkt.due / 90.0 / x->speed), now = ck_clock_now_ms();
		if (x->reanchor) {
			x->t0 = now - due;
			x->reanchor = 0;
		}
		if (x->t0 + due > now)
			return;
		if (send_pkt(x, &x->pkt, &e) < 0) {
			stream_end(c, x, e.msg);
			return;
		}
		x->have_pkt = 0;
	}
}

void
ck_camera_tick(ck_camera *c)
{
	for (int i = 0; i < c->o.max_streams; i++)
		if (c->ss[i].state == S_STREAMING)
			stream(c, &c->ss[i]);
}

int64_t
ck_camera_wake(const ck_camera *c)
{
	int64_t w = -1, now = ck_clock_now_ms();
	for (int i = 0; i < c->o.max_streams; i++) {
		const struct sess *x = &c->ss[i];
		int64_t t;
		if (x->state != S_STREAMING || x->paused)
			continue;
		if (x->fd < 0 || !x->have_pkt || x->reanchor)
			t = now + 5;
		else
			t = x->t0 + (int64_t)((double)x->pkt.due / 90.0 / x->speed);
		if (w < 0 || t < w)
			w = t;
	}
	return w;
}

int
ck_camera_active(const ck_camera *c)
{
	int n = 0;
	for (int i = 0; i < c->o.max_streams; i++)
		n += c->ss[i].state != S_FREE;
	return n;
}

void
ck_camera_stop(ck_camera *c)
{
	for (int i = 0; i < c->o.max_streams; i++) {
		struct sess *x = &c->ss[i];
		if (x->state == S_FREE)
			continue;
		dialog_send(c, x, "BYE", NULL, NULL, 0, 1);
		rec(c, "stream_stopped", x);
		ck_json_str(c->j, "by", "device");
		emit(c);
		close_sess(x);
	}
}

void
ck_camera_drop(ck_camera *c, const char *why)
{
	for (int i = 0; i < c->o.max_streams; i++) {
		struct sess *x = &c->ss[i];
		if (x->state == S_FREE)
			continue;
		rec(c, "stream_stopped", x);
		ck_json_str(c->j, "by", "device");
		ck_json_str(c->j, "reason", why);
		emit(c);
		close_sess(x);
	}
}

ck_camera *
ck_camera_new(ck_sip *s, const ck_camera_opts *o, ck_err *e)
{
	ck_camera *c = calloc(1, sizeof *c);
	if (c == NULL) {
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	c->o = *o;
	c->s = s;
	if (c->o.max_streams <= 0)
		c->o.max_streams = 8;
	if ((c->j = ck_json_new()) == NULL ||
	    (c->ss = calloc((size_t)c->o.max_streams, sizeof *c->ss)) == NULL) {
		ck_camera_free(c);
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	for (int i = 0; i < c->o.max_streams; i++)
		c->ss[i].fd = c->ss[i].lfd = -1;
	return c;
}

void
ck_camera_free(ck_camera *c)
{
	if (c == NULL)
		return;
	for (int i = 0; c->ss && i < c->o.max_streams; i++)
		if (c->ss[i].state != S_FREE)
			close_sess(&c->ss[i]);
	free(c->ss);
	ck_json_free(c->j);
	free(c);
}
