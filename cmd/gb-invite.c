/* gb-invite: ask a GB/T 28181 device for media (live, playback, download)
 * as its platform, and write the RTP it sends to stdout. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "base/opt.h"
#include "cli/gbopts.h"
#include "cli/opts.h"
#include "cli/tool.h"
#include "codec/json.h"
#include "gb/gbsdp.h"
#include "gb/invite.h"
#include "gb/mediarx.h"
#include "gb/mediasess.h"
#include "gb/query.h"
#include "gb/sip.h"
#include "media/rtpout.h"
#include "net/net.h"

static const char usage[] =
"Usage: gb-invite [options] sip:CHANNEL@HOST[:PORT]\n"
"       gb-invite --await-register [ADDR]:PORT [options]";

static const char about[] =
"Asks a GB/T 28181 device for a media stream (INVITE with a GB SDP offer,\n"
"ACK; BYE at the end) and writes the RTP it receives to stdout as RFC 4571\n"
"frames (what rtp-ps-demux reads), or --rtpdump. Status records (NDJSON)\n"
"go to stderr or --events FILE.\n";

static const char footer[] =
"Exit: 0 ok (BYE sent or received, MediaStatus 121), 64 usage, 68 unknown\n"
"host, 69 unreachable, 74 output failed, 75 timeout (no answer, no\n"
"registration, no media), 76 SIP error status, 77 refused, 78 no password.\n";

static const char *const transports[] = { "udp", "tcp-passive", "tcp-active" };

struct opts {
	ck_gbopts gb;
	ck_query_opts g;
	const char *target, *channel, *start, *end, *output, *events, *control, *f;
	int kind, transport, speed, media_port, rtpdump;
	long long duration_ms, max_bytes, media_timeout_ms;
};

struct run {
	const struct opts *o;
	ck_query q;
	ck_invite v;
	ck_mediarx *mx;
	ck_rtpout *out;
	FILE *of, *ev;
	ck_json *j;
	int control_fd;
};

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
rec(struct run *r, const char *type)
{
	ck_json_record(r->j, type);
	ck_json_time_ms(r->j, "ts", ck_clock_wall_ms());
}

static void
emit(struct run *r)
{
	ck_json_emit(r->j, r->ev);
}

/* RTP of the locked stream to the output. */
static int
on_packet(void *arg, const uint8_t *p, size_t n)
{
	struct run *r = arg;
	struct timespec ts;
	static const uint8_t any[16];
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ck_rtpout_packet(r->out, p, n, ts.tv_sec, (int32_t)ts.tv_nsec, 4, any,
	    (uint16_t)ck_mediarx_port(r->mx)) < 0 || fflush(r->of) != 0 || ferror(r->of))
		return -1;
	return 0;
}

static void
on_record(void *arg, ck_json *j)
{
	struct run *r = arg;
	ck_json_emit(j, r->ev);
}

/* A playback/download bound as t= takes it (whole seconds). Returns 0, or
 * -1 with CK_USAGE. */
static int
parse_time(const char *s, int64_t *unix_s, ck_err *e)
{
	int64_t ms;
	if (s == NULL || ck_sip_parse_gb_date(s, &ms) < 0)
		return ck_err_set(e, CK_USAGE, "'%s' is not a time (RFC 3339, or "
		    "yyyy-MM-ddTHH:mm:ss in local time)", s ? s : "");
	*unix_s = ms / 1000;
	return 0;
}

/* The SDP offer for o, the receiving side bound. */
static int
offer(struct run *r, char *sdp, size_t sdplen, char *ssrc, ck_err *e)
{
	const struct opts *o = r->o;
	char host[64], fid[64], dom[64];
	const char *from = r->q.from_uri + 4, *at = strchr(from, '@');
	snprintf(fid, sizeof fid, "%.*s", (int)(at - from), from);
	snprintf(dom, sizeof dom, "%s", at + 1);
	if (ck_net_local_addr_toward((const struct sockaddr *)&r->q.peer.addr,
	    r->q.peer.addrlen, host, sizeof host) < 0)
		snprintf(host, sizeof host, "127.0.0.1");
	ck_gbsdp_offer of = { .origin_id = fid, .channel = o->channel ? o->channel :
	    r->q.device_id, .addr = host, .port = ck_mediarx_port(r->mx), .kind = o->kind,
	    .transport = o->transport, .speed = o->speed };
	of.f = o->f;
	if (o->kind != CK_GBSDP_PLAY && (parse_time(o->start, &of.start, e) < 0 ||
	    parse_time(o->end, &of.end, e) < 0))
		return -1;
	/* the domain of the platform ID for y=, else the SIP domain */
	if (ck_gbsdp_ssrc(o->kind != CK_GBSDP_PLAY, strlen(fid) >= 8 ? fid : dom,
	    (unsigned)(ck_gbopts_sn(-1) % 9999) + 1, of.ssrc, e) < 0)
		return -1;
	memcpy(ssrc, of.ssrc, 11);
	return ck_gbsdp_offer_write(&of, sdp, sdplen, e);
}

static int
run(const struct opts *o)
{
	struct run r = { .o = o, .of = stdout, .ev = stderr, .control_fd = -1 };
	char sdp[2048], ssrc[11], ruri[400];
	ck_gbsdp_desc ans;
	ck_err e;
	int rc = 0;
	if ((r.j = ck_json_new()) == NULL)
		return CK_SOFTWARE;
	if ((o->events && (r.ev = fopen(o->events, "w")) == NULL) ||
	    (o->output && (r.of = fopen(o->output, "wb")) == NULL)) {
		ck_err_set(&e, CK_IOERR, "%s: %s", o->events && !r.ev ? o->events : o->output,
		    strerror(errno));
		rc = ck_tool_fail(&e);
		goto out;
	}
	if (o->control && (r.control_fd = strcmp(o->control, "-") == 0 ? 0 :
	    open(o->control, O_RDONLY | O_NONBLOCK)) < 0) {
		ck_err_set(&e, CK_NOINPUT, "%s: %s", o->control, strerror(errno));
		rc = ck_tool_fail(&e);
		goto out;
	}
	if (r.control_fd == 0)
		fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	r.out = ck_rtpout_new(r.of, o->rtpdump ? CK_RTPOUT_RTPDUMP : CK_RTPOUT_4571, 0);
	if (r.out == NULL || ck_query_open(&r.q, &o->g, &e) < 0 ||
	    (r.mx = ck_mediarx_open(o->transport, strchr(r.q.source, '[') ||
	    r.q.peer.addr.ss_family == AF_INET6 ? "::" : NULL, o->media_port, &e)) == NULL) {
		rc = r.out ? ck_tool_fail(&e) : CK_SOFTWARE;
		goto out;
	}
	int n = offer(&r, sdp, sizeof sdp, ssrc, &e);
	if (n < 0) {
		rc = ck_tool_fail(&e);
		goto out;
	}
	const char *chan = o->channel ? o->channel : r.q.device_id;
	char subject[200], fid[64];
	snprintf(fid, sizeof fid, "%.*s", (int)strcspn(r.q.from_uri + 4, "@"), r.q.from_uri + 4);
	snprintf(subject, sizeof subject, "%s:%s,%s:0", chan, ssrc, fid);
	snprintf(ruri, sizeof ruri, "sip:%s@%s", chan, strchr(r.q.ruri, '@') + 1);
	ck_invite_opts io = { .ruri = ruri, .from = r.q.from_uri, .subject = subject,
	    .sdp = sdp, .sdp_len = (size_t)n, .password = o->g.password };
	ck_sip_set_interrupt(r.q.sip, &stop_flag);
	if (ck_invite_start(&r.v, r.q.sip, &r.q.peer, &io, ck_clock_now_ms() + o->gb.timeout_ms,
	    &e) < 0 || ck_gbsdp_parse(r.v.answer, r.v.answer_len, &ans, &e) < 0) {
		rec(&r, "error");
		ck_json_str(r.j, "stage", "invite");
		ck_json_str(r.j, "error", ck_err_kind_name(e.kind ? e.kind : CK_PROTO));
		ck_json_str(r.j, "message", e.msg);
		ck_json_int(r.j, "status", e.kind ? e.kind : CK_PROTO);
		if (r.v.status)
			ck_json_int(r.j, "sip_status", r.v.status);
		emit(&r);
		rc = stop_flag && e.kind == CK_OK ? 0 : ck_tool_fail(&e);
		if (r.v.confirmed)
			ck_invite_request(&r.v, "BYE", NULL, NULL, 0, ck_clock_now_ms() + 2000, &e);
		goto out;
	}
	ck_sip_set_interrupt(r.q.sip, NULL);
	if (ans.has_ssrc)
		ck_mediarx_lock(r.mx, ans.ssrc);
	rec(&r, "invited");
	ck_json_str(r.j, "device_id", r.q.device_id);
	ck_json_str(r.j, "channel", chan);
	ck_json_str(r.j, "transport", transports[o->transport]);
	ck_json_str(r.j, "offered_ssrc", ssrc);
	ck_json_str(r.j, "answered_ssrc", ans.has_ssrc ? ans.ssrc_text : NULL);
	ck_json_str(r.j, "media_address", ans.addr);
	ck_json_int(r.j, "media_port", ans.port);
	ck_json_int(r.j, "local_media_port", ck_mediarx_port(r.mx));
	ck_json_str(r.j, "setup", ans.setup == 1 ? "active" : ans.setup == 2 ? "passive" : NULL);
	emit(&r);
	if (o->transport == CK_GBSDP_TCP_ACTIVE && ck_mediarx_connect(r.mx, ans.addr, ans.port,
	    ck_clock_now_ms() + o->gb.timeout_ms, &e) < 0) {
		rc = ck_tool_fail(&e);
		ck_invite_request(&r.v, "BYE", NULL, NULL, 0, ck_clock_now_ms() + 2000, &e);
		goto out;
	}
	ck_mediasess_opts so = { .duration_ms = o->duration_ms, .max_bytes = o->max_bytes,
	    .media_timeout_ms = o->media_timeout_ms, .timeout_ms = o->gb.timeout_ms,
	    .control_fd = r.control_fd, .stop = &stop_flag, .on_packet = on_packet,
	    .on_record = on_record, .arg = &r };
	rc = ck_mediasess_run(&r.q, &r.v, r.mx, &so);
	if (rc == CK_TEMPFAIL)
		ck_log_warn("no media for %lld ms", o->media_timeout_ms);
	else if (rc == CK_IOERR)
		ck_log_warn("the output could not be written");
	ck_rtpout_flush(r.out);
out:
	ck_invite_free(&r.v);
	ck_mediarx_free(r.mx);
	ck_query_close(&r.q);
	ck_rtpout_free(r.out);
	if (r.of && r.of != stdout && fclose(r.of) != 0 && rc == 0)
		rc = CK_IOERR;
	if (r.ev && r.ev != stderr)
		fclose(r.ev);
	if (r.control_fd > 0)
		close(r.control_fd);
	ck_json_free(r.j);
	return rc;
}

enum { O_PLAYBACK = CK_OPTS_TOOL, O_DOWNLOAD, O_START, O_END, O_SPEED, O_TRANSPORT,
    O_MEDIAPORT, O_RTPDUMP, O_EVENTS, O_DURATION, O_MAXBYTES, O_MEDIATIMEOUT, O_CONTROL, O_SDPF };

static const ck_opts_opt tool_opts[] = {
	{ "channel", 'c', CK_OPTS_ARG, "ID", "the channel asked for (default: the device ID)" },
	{ "playback", O_PLAYBACK, CK_OPTS_NOARG, NULL, "a recording (s=Playback): --playback START END,\n"
	    "or with --start and --end" },
	{ "download", O_DOWNLOAD, CK_OPTS_NOARG, NULL, "a recording as a download (s=Download), the same" },
	{ "start", O_START, CK_OPTS_ARG, "TIME", "playback/download start: RFC 3339, or\n"
	    "yyyy-MM-ddTHH:mm:ss in local time (TZ)" },
	{ "end", O_END, CK_OPTS_ARG, "TIME", "playback/download end" },
	{ "sdp-f", O_SDPF, CK_OPTS_ARG, "F", "add f=F to the offer (Annex F: v/CODEC/RES/\n"
	    "FPS/RCTYPE/RATEa/CODEC/RATE/SAMPLE)" },
	{ "speed", O_SPEED, CK_OPTS_ARG, "N", "download speed asked for (a=downloadspeed)" },
	{ "transport", O_TRANSPORT, CK_OPTS_ARG, "T", "udp (default), tcp-passive (we listen) or\n"
	    "tcp-active (we connect)" },
	{ "media-port", O_MEDIAPORT, CK_OPTS_ARG, "N", "local media port (default: any)" },
	{ "output", 'o', CK_OPTS_ARG, "FILE", "write the RTP to FILE instead of stdout" },
	{ "rtpdump", O_RTPDUMP, CK_OPTS_NOARG, NULL, "rtpdump format instead of RFC 4571" },
	{ "events", O_EVENTS, CK_OPTS_ARG, "FILE", "status records to FILE instead of stderr" },
	{ "duration", O_DURATION, CK_OPTS_ARG, "DUR", "hang up (BYE) after DUR" },
	{ "max-bytes", O_MAXBYTES, CK_OPTS_ARG, "N", "hang up after N bytes of RTP" },
	{ "media-timeout", O_MEDIATIMEOUT, CK_OPTS_ARG, "DUR", "hang up and exit 75 after DUR without\n"
	    "media (default 10s)" },
	{ "control", O_CONTROL, CK_OPTS_ARG, "FILE", "playback control lines (pause, play,\n"
	    "scale N, seek S) from FILE (a FIFO; - = stdin)" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
tool_opt(void *ctx, int key, const char *arg, ck_err *e)
{
	struct opts *o = ctx;
	long long v;
	switch (key) {
	case 'c': o->channel = arg; return 0;
	case O_PLAYBACK: o->kind = CK_GBSDP_PLAYBACK; return 0;
	case O_DOWNLOAD: o->kind = CK_GBSDP_DOWNLOAD; return 0;
	case O_START: o->start = arg; return 0;
	case O_END: o->end = arg; return 0;
	case O_SPEED:
		if (ck_opt_parse_int(arg, 1, 256, &v, e) < 0)
			return ck_err_wrap(e, "--speed");
		o->speed = (int)v;
		return 0;
	case O_TRANSPORT:
		for (int i = 0; i < 3; i++)
			if (strcmp(arg, transports[i]) == 0) {
				o->transport = i;
				return 0;
			}
		return ck_err_set(e, CK_USAGE, "--transport: udp, tcp-passive or tcp-active");
	case O_MEDIAPORT:
		if (ck_opt_parse_int(arg, 0, 65535, &v, e) < 0)
			return ck_err_wrap(e, "--media-port");
		o->media_port = (int)v;
		return 0;
	case 'o': o->output = arg; return 0;
	case O_RTPDUMP: o->rtpdump = 1; return 0;
	case O_EVENTS: o->events = arg; return 0;
	case O_DURATION: return ck_opt_parse_duration(arg, &o->duration_ms, e);
	case O_MAXBYTES: return ck_opt_parse_int(arg, 1, 1LL << 50, &o->max_bytes, e);
	case O_MEDIATIMEOUT: return ck_opt_parse_duration(arg, &o->media_timeout_ms, e);
	case O_CONTROL: o->control = arg; return 0;
	case O_SDPF:
		o->f = arg;
		return ck_gbsdp_f_check(arg, e) < 0 ? ck_err_wrap(e, "--sdp-f") : 0;
	}
	return ck_err_set(e, CK_USAGE, "bad option");
}

static int
validate(struct opts *o, int argc, char **argv, ck_err *e)
{
	char id[64], host[256];
	int port;
	int64_t t;
	/* --playback START END: getopt moves the two times to the operands,
	 * before the URI (if any) */
	if (o->kind != CK_GBSDP_PLAY && !o->start && !o->end && argc >= 2 &&
	    parse_time(argv[0], &t, NULL) == 0 && parse_time(argv[1], &t, NULL) == 0) {
		o->start = argv[0];
		o->end = argv[1];
		argc -= 2;
		argv += 2;
	}
	if ((o->gb.listen != NULL) == (argc == 1))
		return ck_err_set(e, CK_USAGE, "give either sip:CHANNEL@HOST[:PORT] or "
		    "--await-register");
	if (argc > 1)
		return ck_err_set(e, CK_USAGE, "unexpected argument '%s'", argv[1]);
	if (argc == 1 && !ck_query_split_uri(argv[0], id, sizeof id, host, sizeof host, &port))
		return ck_err_set(e, CK_USAGE, "'%s' is not sip:ID@HOST[:PORT]", argv[0]);
	if (o->kind != CK_GBSDP_PLAY && (!o->start || !o->end))
		return ck_err_set(e, CK_USAGE, "--playback and --download need START END "
		    "(or --start and --end)");
	if (o->kind != CK_GBSDP_PLAY && (parse_time(o->start, &t, e) < 0 ||
	    parse_time(o->end, &t, e) < 0))
		return -1;
	if (o->kind == CK_GBSDP_PLAY && (o->start || o->end || o->speed))
		return ck_err_set(e, CK_USAGE, "--start, --end and --speed go with --playback "
		    "or --download");
	if (o->media_timeout_ms <= 0)
		return ck_err_set(e, CK_USAGE, "--media-timeout must be positive");
	ck_gbopts_query(&o->gb, argc == 1 ? argv[0] : NULL, &o->g);
	o->g.device_id = o->gb.device_id;
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { .media_timeout_ms = 10000 };
	ck_gbopts_platform(&o.gb, "with --await-register: the device to wait for",
	    "SIP transaction timeout (default 5s)");
	ck_opts_tool t = { usage, about, footer, NULL, 0 };
	ck_opts_block own = { NULL, tool_opts, tool_opt, &o };
	ck_cred cred;
	ck_err e;
	int first, rc;
	ck_log_init(argv[0]);
	if (!ck_gbopts_parse(&o.gb, &t, own, argc, argv, &first, &rc))
		return rc;
	if (validate(&o, argc - first, argv + first, &e) < 0)
		return ck_tool_usage_err("%s", e.msg);
	if (!o.output && ck_tool_refuse_tty(1, "RTP", &e) < 0)
		return ck_tool_usage_err("%s", e.msg);
	if (ck_gbopts_registrar_password(&o.gb, &cred, &o.g, &e) < 0)
		return ck_tool_fail(&e);
	/* direct: a password, if there is one, answers a challenge of the INVITE */
	if (!o.gb.listen) {
		if (ck_cred_load(&cred, "GB", NULL, o.gb.password_file, NULL, &e) < 0) {
			if (o.gb.password_file)
				return ck_tool_fail(&e);
		} else if (cred.have_pass)
			o.g.password = cred.pass;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = run(&o);
	ck_cred_wipe(&cred);
	return ck_tool_finish(rc);
}
