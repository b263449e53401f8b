/* rtp-ps-mux: H.264/H.265 Annex-B (+ G.711 or AAC audio) to GB28181-style
 * MPEG-PS over RTP, the inverse of rtp-ps-demux. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/opt.h"
#include "cli/opts.h"
#include "cli/tool.h"
#include "codec/h26x.h"
#include "codec/json.h"
#include "media/psmux.h"
#include "media/rtpout.h"
#include "net/net.h"
#include "net/pktout.h"

enum { F_4571, F_PS, F_RTPDUMP };
enum { K_AUDIO = CK_OPTS_TOOL, K_ACODEC, K_PS, K_RTPDUMP, K_FPS, K_PAYLOAD,
	K_REALTIME, K_LOOP, K_PORTFILE, K_STATS };

typedef struct opts {
	const char *video, *out, *port_file;
	ck_psmux_src src;
	ck_psmux_conf conf;
	int fmt, realtime, stats;
	long long timeout_ms;
} opts;

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const ck_opts_opt optlist[] = {
	{ "output", 'o', CK_OPTS_ARG, "DEST", "FILE, udp://HOST:PORT, tcp://HOST:PORT or\n"
	    "tcp-listen://[ADDR]:PORT (default: stdout)" },
	{ "audio", K_AUDIO, CK_OPTS_ARG, "FILE", "audio to mux: AAC ADTS or raw G.711 (8 kHz)" },
	{ "audio-codec", K_ACODEC, CK_OPTS_ARG, "CODEC", "pcm_alaw, pcm_mulaw or aac (default: by the\n"
	    "name: .ulaw .alaw .aac ..., else ADTS is aac, else A-law)" },
	{ "ps", K_PS, CK_OPTS_NOARG, NULL, "write bare MPEG-PS instead of RTP" },
	{ "rtpdump", K_RTPDUMP, CK_OPTS_NOARG, NULL, "write rtpdump instead of RFC 4571 framed RTP" },
	{ "fps", K_FPS, CK_OPTS_ARG, "N", "frame rate (default: the SPS timing, else 25)" },
	{ "ssrc", 'S', CK_OPTS_ARG, "N", "RTP SSRC (decimal or 0x hex; default 0)" },
	{ "payload", K_PAYLOAD, CK_OPTS_ARG, "N", "max RTP payload bytes, 64..65000 (default 1400)" },
	{ "realtime", K_REALTIME, CK_OPTS_NOARG, NULL, "send at the pace of the timestamps" },
	{ "loop", K_LOOP, CK_OPTS_NOARG, NULL, "start over at the end, until interrupted" },
	{ "port-file", K_PORTFILE, CK_OPTS_ARG, "FILE", "tcp-listen://: write the bound port to FILE" },
	{ "timeout", 't', CK_OPTS_ARG, "DUR", "connect, accept and blocked-write timeout\n(default 10s)" },
	{ "stats", K_STATS, CK_OPTS_NOARG, NULL, "print a summary record (NDJSON) on stderr" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
handle(void *ctx, int key, const char *arg, ck_err *e)
{
	opts *o = ctx;
	long long v;
	char *end;

	switch (key) {
	case 'o': o->out = arg; return 0;
	case K_AUDIO: o->src.audio = arg; return 0;
	case K_ACODEC:
		if (strcmp(arg, "pcm_alaw") == 0 || strcmp(arg, "alaw") == 0)
			o->src.audio_codec = CK_CODEC_G711A;
		else if (strcmp(arg, "pcm_mulaw") == 0 || strcmp(arg, "ulaw") == 0)
			o->src.audio_codec = CK_CODEC_G711U;
		else if (strcmp(arg, "aac") == 0)
			o->src.audio_codec = CK_CODEC_AAC;
		else
			return ck_err_set(e, CK_USAGE, "--audio-codec: '%s' is not pcm_alaw, pcm_mulaw or aac", arg);
		return 0;
	case K_PS: o->fmt = F_PS; return 0;
	case K_RTPDUMP: o->fmt = F_RTPDUMP; return 0;
	case K_FPS:
		errno = 0;
		o->src.fps = strtod(arg, &end);
		if (errno || end == arg || *end || !(o->src.fps >= 1 && o->src.fps <= 240))
			return ck_err_set(e, CK_USAGE, "--fps: '%s' is not 1..240", arg);
		return 0;
	case 'S':
		if (ck_opt_parse_int(arg, 0, 0xFFFFFFFFLL, &v, e) < 0)
			return ck_err_set(e, CK_USAGE, "--ssrc: '%s' is not a 32-bit number", arg);
		o->conf.ssrc = (uint32_t)v;
		return 0;
	case K_PAYLOAD:
		if (ck_opt_parse_int(arg, 64, CK_PSMUX_PAYLOAD_MAX, &v, e) < 0)
			return ck_err_set(e, CK_USAGE, "--payload: '%s' is not 64..%u", arg, CK_PSMUX_PAYLOAD_MAX);
		o->conf.max_payload = (size_t)v;
		return 0;
	case K_REALTIME: o->realtime = 1; return 0;
	case K_LOOP: o->conf.loop = 1; return 0;
	case K_PORTFILE: o->port_file = arg; return 0;
	case 't':
		if (ck_opt_parse_duration(arg, &o->timeout_ms, e) < 0)
			return ck_err_set(e, CK_USAGE, "--timeout: %s", e->msg);
		return 0;
	case K_STATS: o->stats = 1; return 0;
	}
	return ck_err_set(e, CK_SOFTWARE, "unhandled option %d", key);
}

/* Where the packets go: a socket, or a stream in one of three formats. */
typedef struct sink {
	const opts *o;
	ck_pktout *net;
	FILE *f;
	ck_rtpout *dump;
	const char *name;
	int64_t t0;
} sink;

static int
sink_open(sink *s, const opts *o, ck_err *e)
{
	s->o = o;
	s->name = o->out ? o->out : "stdout";
	if (o->out && ck_pktout_is_url(o->out)) {
		if (o->fmt != F_4571)
			return ck_err_set(e, CK_USAGE, "--ps and --rtpdump write files, not %s", o->out);
		int64_t dl = ck_clock_now_ms() + o->timeout_ms;
		if ((s->net = ck_pktout_open(o->out, dl, e)) == NULL)
			return -1;
		ck_pktout_set_timeout(s->net, o->timeout_ms);
		return 0;
	}
	if (o->out && strstr(o->out, "://") != NULL)
		return ck_err_set(e, CK_USAGE, "'%s': unknown destination (udp://, tcp://, tcp-listen://)", o->out);
	if (o->out == NULL && ck_tool_refuse_tty(1, o->fmt == F_PS ? "MPEG-PS" : "RTP", e) < 0)
		return -1;
	s->f = o->out ? fopen(o->out, "wb") : stdout;
	if (s->f == NULL)
		return ck_err_set(e, CK_IOERR, "%s: %s", o->out, strerror(errno));
	setvbuf(s->f, NULL, _IOFBF, 1 << 20);
	if (o->fmt == F_RTPDUMP && (s->dump = ck_rtpout_new(s->f, CK_RTPOUT_RTPDUMP, 0)) == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	return 0;
}

/* tcp-listen: says where it listens, then waits for the receiver. */
static int
sink_accept(sink *s, ck_err *e)
{
	FILE *pf;
	ck_json *j;

	if (s->net == NULL || strncmp(s->o->out, "tcp-listen://", 13) != 0)
		return 0;
	if ((j = ck_json_new()) != NULL) {
		ck_json_record(j, "listening");
		ck_json_time_ms(j, "ts", ck_clock_wall_ms());
		ck_json_str(j, "url", ck_pktout_desc(s->net));
		ck_json_int(j, "port", ck_pktout_port(s->net));
		ck_json_emit(j, stderr);
		ck_json_free(j);
	}
	if (s->o->port_file) {
		if ((pf = fopen(s->o->port_file, "w")) == NULL ||
		    fprintf(pf, "%d\n", ck_pktout_port(s->net)) < 0 || fclose(pf) != 0)
			return ck_err_set(e, CK_IOERR, "%s: %s", s->o->port_file, strerror(errno));
	}
	if (ck_pktout_accept(s->net, ck_clock_now_ms() + s->o->timeout_ms, e) == 0)
		return 0;
	return e->kind == CK_OK ? ck_err_set(e, CK_OK, "interrupted") : -1;
}

static int
sink_put(sink *s, const ck_psmux_pkt *p, ck_err *e)
{
	if (s->net)
		return ck_pktout_send(s->net, p->framed, p->framed_len, e);
	if (s->dump) {
		static const uint8_t lo[4] = { 127, 0, 0, 1 };
		int64_t sec = (int64_t)(p->due / 90000);
		int32_t ns = (int32_t)((p->due % 90000) * 100000 / 9);
		if (ck_rtpout_packet(s->dump, p->rtp, p->rtp_len, sec, ns, 4, lo, 5004) < 0)
			return ck_err_set(e, CK_IOERR, "%s: %s", s->name, strerror(errno));
		return 0;
	}
	if (s->o->fmt == F_PS ? fwrite_unlocked(p->ps, 1, p->ps_len, s->f) != p->ps_len :
	    fwrite_unlocked(p->framed, 1, p->framed_len, s->f) != p->framed_len)
		return ck_err_set(e, CK_IOERR, "%s: %s", s->name, strerror(errno));
	return 0;
}

static int
sink_flush(sink *s, ck_err *e)
{
	if (s->net)
		return ck_pktout_flush(s->net, e);
	if (fflush(s->f) != 0 || ferror(s->f))
		return ck_err_set(e, CK_IOERR, "%s: %s", s->name, strerror(errno ? errno : EIO));
	return 0;
}

static int
sink_close(sink *s, ck_err *e)
{
	int rc = 0;

	ck_rtpout_free(s->dump);
	ck_pktout_close(s->net);
	if (s->f && s->f != stdout && fclose(s->f) != 0)
		rc = ck_err_set(e, CK_IOERR, "%s: %s", s->name, strerror(errno));
	s->dump = NULL;
	s->net = NULL;
	s->f = NULL;
	return rc;
}

/* --realtime: sleeps until the pack is due (signals cut it short). */
static void
pace(const sink *s, uint64_t due)
{
	int64_t at = s->t0 + (int64_t)(due / 90), left;

	while (!stop && (left = at - ck_clock_now_ms()) > 0) {
		struct timespec ts = { left / 1000, (left % 1000) * 1000000 };
		nanosleep(&ts, NULL);
	}
}

static void
summary(const ck_psmux_media *m, const ck_psmux *x, const opts *o)
{
	ck_psmux_info in;
	uint64_t pk, by;
	ck_json *j;

	ck_psmux_media_info(m, &in);
	ck_psmux_counts(x, &pk, &by);
	if (!o->stats) {
		ck_log_info("%s %dx%d %.3g fps, %llu frames (%llu key), %llu RTP packets, %llu bytes",
		    ck_h26x_codec_name(in.codec), in.width, in.height, in.fps,
		    (unsigned long long)in.frames, (unsigned long long)in.key_frames,
		    (unsigned long long)pk, (unsigned long long)by);
		return;
	}
	if ((j = ck_json_new()) == NULL)
		return;
	ck_json_record(j, "summary");
	ck_json_str(j, "codec", ck_h26x_codec_name(in.codec));
	if (in.width > 0) {
		ck_json_int(j, "width", in.width);
		ck_json_int(j, "height", in.height);
	}
	ck_json_num(j, "fps", in.fps, 3);
	ck_json_bool(j, "fps_from_sps", in.fps_from_sps);
	ck_json_uint(j, "frames", in.frames);
	ck_json_uint(j, "key_frames", in.key_frames);
	if (in.audio_codec) {
		ck_json_str(j, "audio_codec", ck_h26x_codec_name(in.audio_codec));
		ck_json_uint(j, "audio_units", in.audio_units);
	}
	ck_json_uint(j, "ssrc", o->conf.ssrc);
	ck_json_uint(j, "rtp_packets", pk);
	ck_json_uint(j, "rtp_bytes", by);
	ck_json_emit(j, stderr);
	ck_json_free(j);
}

static int
mux(const opts *o)
{
	ck_err e = { 0 };
	ck_psmux_media *m = NULL;
	ck_psmux *x = NULL;
	ck_psmux_pkt p;
	sink s = { 0 };
	int rc = 0;

	/* the input first: a missing file must not truncate -o */
	if ((m = ck_psmux_media_open(&o->src, &e)) == NULL ||
	    (x = ck_psmux_new(m, &o->conf, &e)) == NULL || sink_open(&s, o, &e) < 0 ||
	    sink_accept(&s, &e) < 0)
		goto fail;
	s.t0 = ck_clock_now_ms();
	while (!stop && ck_psmux_next(x, &p) == 1) {
		if (o->realtime && p.first) {
			pace(&s, p.due);
			if (stop)
				break;
		}
		if (sink_put(&s, &p, &e) < 0 || (o->realtime && p.marker && sink_flush(&s, &e) < 0))
			goto fail;
	}
	if (sink_flush(&s, &e) < 0 || sink_close(&s, &e) < 0)
		goto fail;
	summary(m, x, o);
	goto out;
fail:
	rc = e.kind == CK_OK ? 0 : ck_tool_fail(&e);
	if (s.f == stdout)
		__fpurge(stdout);  /* said once: what is left would fail again */
	sink_close(&s, &e);
out:
	ck_psmux_free(x);
	ck_psmux_media_free(m);
	return rc;
}

int
main(int argc, char **argv)
{
	static opts o = { .timeout_ms = 10000 };
	const ck_opts_block blocks[] = { { NULL, optlist, handle, &o } };
	const ck_opts_tool t = {
		"Usage: rtp-ps-mux [options] VIDEO [DEST]",
		"Muxes an H.264/H.265 Annex-B stream (VIDEO, - = stdin) and optional audio\n"
		"into GB28181-style MPEG-PS over RTP (PT 96): RFC 4571 framed RTP on stdout,\n"
		"or to DEST (the same as -o).\n",
		"Examples:\n"
		"  rtp-ps-mux cam.h264 | rtp-ps-demux > same.h264\n"
		"  rtp-ps-mux --realtime --loop --ssrc 0x0396A9CA cam.h264 udp://127.0.0.1:30000\n"
		"Exit codes: 0 ok, 64 usage, 65 not Annex-B video or bad audio, 66 input\n"
		"missing, 68 unknown host, 69 destination refused or unreachable, 74 I/O\n"
		"error, 75 nobody connected or the receiver stopped reading in time.\n",
		blocks, 1 };
	struct sigaction sa = { 0 };
	int first, status;

	ck_log_init(argv[0]);
	if (!ck_opts_parse(&t, argc, argv, &first, &status))
		return status;
	if (argc - first < 1 || argc - first > 2)
		return ck_tool_usage_err("one video input and at most one destination");
	if (argc - first == 2) {
		if (o.out)
			return ck_tool_usage_err("a destination and -o: give one");
		o.out = argv[first + 1];
	}
	if (o.port_file && (o.out == NULL || strncmp(o.out, "tcp-listen://", 13) != 0))
		return ck_tool_usage_err("--port-file goes with a tcp-listen:// destination");
	o.video = argv[first];
	o.src.video = o.video;
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ck_net_set_interrupt(&stop);
	return ck_tool_finish(mux(&o));
}
