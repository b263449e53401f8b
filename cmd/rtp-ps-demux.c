/* rtp-ps-demux: GB28181 MPEG-PS over RTP (or bare PS) to the video
 * elementary stream, with loss accounting. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/opt.h"
#include "cli/mediaopts.h"
#include "cli/opts.h"
#include "cli/tool.h"
#include "codec/h26x.h"
#include "codec/json.h"
#include "media/esout.h"
#include "media/ps.h"
#include "media/rtpps.h"
#include "media/rtpseq.h"
#include "media/rtpsrc.h"
#include "net/net.h"

/* set by SIGINT/SIGTERM: the input ends after what is queued */
static volatile sig_atomic_t stop_flag;

/* Default reorder windows (their cost is measured in the man page):
 * packets for files and pipes (no clock to go by), time for live inputs
 * (a lost packet holds the output back at most this long). */
#define REORDER_PACKETS 64
#define REORDER_MS 100

enum { K_AUDIO = CK_OPTS_TOOL, K_PRIVATE, K_FRAMES, K_STATS, K_PS, K_REORDER, K_KEEP };

typedef struct opts {
	const char *input, *audio, *priv, *frames;
	ck_mediaopts m;
	int ps, stats, keep_damaged, reorder;   /* reorder -1: the default */
	long long reorder_ms, timeout_ms;
} opts;

typedef struct run {
	const opts *o;
	ck_esout video, audio, priv;
	FILE *frames;
	int aac_warned;
	ck_ps ps;
	ck_rtpseq seq;
	ck_rtpps fr;
	ck_rtpsrc src;
} run;

static int
sink(void *ctx, const ck_ps_frame *f, ck_err *e)
{
	run *r = ctx;

	if (f->kind == CK_PS_VIDEO) {
		uint64_t off = r->video.total;
		if (ck_esout_write(&r->video, f->data, f->len, e) < 0)
			return -1;
		if (r->frames) {
			fprintf(r->frames, "{\"type\":\"frame\",\"pts\":");
			fprintf(r->frames, f->has_pts ? "%llu" : "null", (unsigned long long)f->pts);
			fprintf(r->frames, ",\"dts\":");
			fprintf(r->frames, f->has_pts ? "%llu" : "null", (unsigned long long)f->dts);
			fprintf(r->frames, ",\"key\":%s,\"size\":%zu,\"offset\":%llu,\"damaged\":%s}\n",
			    f->key ? "true" : "false", f->len, (unsigned long long)off,
			    f->damaged ? "true" : "false");
		}
		return 0;
	}
	if (f->kind == CK_PS_AUDIO && r->audio.fd >= 0) {
		if (f->codec == CK_CODEC_AAC && !r->aac_warned && (f->len < 2 || f->data[0] != 0xFF ||
		    (f->data[1] & 0xF0) != 0xF0)) {
			ck_log_warn("AAC audio without ADTS headers: written as is");
			r->aac_warned = 1;
		}
		return ck_esout_write(&r->audio, f->data, f->len, e);
	}
	if (f->kind == CK_PS_PRIVATE && r->priv.fd >= 0)
		return ck_esout_write(&r->priv, f->data, f->len, e);
	return 0;
}

static int
on_packet(void *ctx, const ck_rtp *rp, int gap, ck_err *e)
{
	run *r = ctx;
	return ck_rtpps_packet(&r->fr, rp, gap, e);
}

static void
summary(run *r, int kind)
{
	const ck_ps *ps = &r->ps;
	int rtp = kind != CK_IN_PS;
	unsigned long long dropped = ps->dropped + (rtp ? r->fr.dropped : 0);

	if (rtp && r->seq.foreign > 0)
		ck_log_warn("%llu packets of other SSRCs ignored (locked to 0x%08x; see --ssrc)",
		    (unsigned long long)r->seq.foreign, r->seq.ssrc);
	if (rtp && r->seq.jumps > 0)
		ck_log_warn("the sender restarted its RTP sequence %llu time(s)", (unsigned long long)r->seq.jumps);
	if (r->o->stats) {
		ck_json *j = ck_json_new();
		if (j == NULL)
			return;
		ck_json_record(j, "summary");
		ck_json_str(j, "input", r->src.desc);
		ck_json_str(j, "framing", ck_rtpsrc_in_name(kind));
		ck_json_str(j, "codec", ck_h26x_codec_name(ps->video_codec));
		if (ps->width > 0) {
			ck_json_int(j, "width", ps->width);
			ck_json_int(j, "height", ps->height);
		}
		ck_json_uint(j, "frames", ps->frames);
		ck_json_uint(j, "key_frames", ps->keys);
		ck_json_uint(j, "bytes", r->video.total);
		if (ps->audio_sid) {
			ck_json_str(j, "audio_codec", ck_h26x_codec_name(ps->audio_codec));
			ck_json_uint(j, "audio_bytes", ps->audio_bytes);
		}
		if (rtp) {
			ck_json_uint(j, "ssrc", r->seq.ssrc);
			ck_json_uint(j, "rtp_packets", r->seq.packets);
			ck_json_uint(j, "lost", r->seq.lost);
			ck_json_uint(j, "reordered", r->seq.reordered);
			ck_json_uint(j, "duplicates", r->seq.duplicates);
			ck_json_uint(j, "damaged_frames", r->fr.damaged_kept);
			ck_json_uint(j, "seq_restarts", r->seq.jumps);
			ck_json_uint(j, "other_ssrc_packets", r->seq.foreign);
			/* the reorder window's latency cost, measured */
			ck_json_uint(j, "reorder_waited", r->seq.waited);
			ck_json_int(j, "reorder_wait_max_ms", r->seq.wait_max_ms);
			ck_json_num(j, "reorder_wait_mean_ms", r->seq.waited ?
			    (double)r->seq.wait_sum_ms / (double)r->seq.waited : 0, 1);
		}
		ck_json_uint(j, "dropped_frames", dropped);
		ck_json_uint(j, "resyncs", ps->resyncs);
		ck_json_uint(j, "skipped_bytes", ps->skipped);
		ck_json_emit(j, stderr);
		ck_json_free(j);
		return;
	}
	fprintf(stderr, "%s: %s", ck_log_progname, ck_h26x_codec_name(ps->video_codec));
	if (ps->width > 0)
		fprintf(stderr, " %dx%d", ps->width, ps->height);
	fprintf(stderr, ", %llu frames (%llu key), %llu bytes", (unsigned long long)ps->frames,
	    (unsigned long long)ps->keys, (unsigned long long)r->video.total);
	if (rtp)
		fprintf(stderr, "; RTP %llu packets, %llu lost, %llu reordered",
		    (unsigned long long)r->seq.packets, (unsigned long long)r->seq.lost,
		    (unsigned long long)r->seq.reordered);
	fprintf(stderr, "; %llu dropped frames\n", dropped);
}

static int
pump(run *r, int *kind, ck_err *e)
{
	const uint8_t *p;
	size_t n;
	int k;

	if (r->o->ps)
		k = CK_IN_PS;
	else if ((k = ck_rtpsrc_probe(&r->src, e)) < 0)
		return -1;
	*kind = k;
	if (k == CK_IN_PS) {
		while ((k = ck_rtpsrc_chunk(&r->src, &p, &n, e)) > 0)
			if (ck_ps_feed(&r->ps, p, n, e) < 0)
				return -1;
		return k < 0 ? -1 : ck_ps_finish(&r->ps, e);
	}
	ck_rtpps_init(&r->fr, &r->ps, r->o->keep_damaged);
	while ((k = ck_rtpsrc_next(&r->src, &p, &n, e)) > 0) {
		int64_t now = ck_clock_now_ms();   /* also measures the window's cost */
		if (ck_rtpseq_push(&r->seq, p, n, now, on_packet, r, e) < 0)
			return -1;
	}
	if (k < 0 || ck_rtpseq_flush(&r->seq, on_packet, r, e) < 0 ||
	    ck_rtpps_finish(&r->fr, e) < 0)
		return -1;
	return ck_ps_finish(&r->ps, e);
}

/* Says what a payload that is not PS is, when there is evidence. */
static void
not_ps_hint(const ck_rtpps *f)
{
	const char *what = ck_rtpps_guess(f);
	char hex[32] = "";

	if (f->head_len == 0)
		return;
	for (size_t i = 0; i < f->head_len; i++)
		snprintf(hex + 3 * i, sizeof hex - 3 * i, "%02x ", f->head[i]);
	if (what)
		ck_log_warn("RTP payload type %u starts with %sthat looks like %s", f->head_pt, hex, what);
	else
		ck_log_warn("RTP payload type %u starts with %s(no known format)", f->head_pt, hex);
}

/* The reorder window when none was given: packets for files and pipes,
 * milliseconds for live network inputs. */
static void
default_reorder(opts *o, const ck_rtpsrc *src)
{
	if (o->reorder >= 0)
		return;
	o->reorder = src->net ? 0 : REORDER_PACKETS;
	o->reorder_ms = src->net ? REORDER_MS : 0;
	ck_log_info("reorder window %d%s", src->net ? REORDER_MS : REORDER_PACKETS,
	    src->net ? "ms" : " packets");
}

static int
open_all(run *r, opts *o, ck_err *e)
{
	/* the input first (a missing file must not truncate -o), then the outputs */
	if (ck_rtpsrc_open(&r->src, o->input, o->ps ? CK_IN_PS : CK_IN_AUTO, o->timeout_ms, e) < 0)
		return -1;
	default_reorder(o, &r->src);
	if (ck_esout_open(&r->video, o->m.output, "video", e) < 0 ||
	    (o->audio && ck_esout_open(&r->audio, o->audio, "audio", e) < 0) ||
	    (o->priv && ck_esout_open(&r->priv, o->priv, "private data", e) < 0) ||
	    ck_ps_init(&r->ps, sink, r, e) < 0 ||
	    ck_rtpseq_init(&r->seq, o->reorder, o->reorder_ms, e) < 0)
		return -1;
	if (o->frames && (r->frames = fopen(o->frames, "w")) == NULL)
		return ck_err_set(e, CK_IOERR, "%s: %s", o->frames, strerror(errno));
	r->ps.keep_private = o->priv != NULL;
	r->seq.ssrc = o->m.ssrc;
	r->seq.ssrc_set = o->m.have_ssrc;
	return 0;
}

/* A reader of an output went away (| head): a clean stop, like a tool
 * ended by SIGPIPE, but with the outputs closed and exit 0. */
static int
gone(const run *r)
{
	return r->video.gone || r->audio.gone || r->priv.gone;
}

static int
demux(opts *o)
{
	static run r;
	ck_err e = { 0 };
	int rc = 0, kind = CK_IN_AUTO;

	r.o = o;
	ck_esout_init(&r.video);
	ck_esout_init(&r.audio);
	ck_esout_init(&r.priv);
	if (!o->m.output && ck_tool_refuse_tty(1, "video", &e) < 0)
		return ck_tool_fail(&e);
	if (open_all(&r, o, &e) < 0) {
		rc = ck_tool_fail(&e);
		goto out;
	}
	if (pump(&r, &kind, &e) < 0 && !gone(&r)) {
		rc = ck_tool_fail(&e);
		if (rc == CK_DATAERR && kind != CK_IN_PS && r.ps.packs == 0)
			not_ps_hint(&r.fr);
	}
	/* a write that failed was reported above: the close stays quiet */
	if ((ck_esout_close(&r.video, &e) < 0 || ck_esout_close(&r.audio, &e) < 0 ||
	    ck_esout_close(&r.priv, &e) < 0) && !gone(&r))
		rc = ck_err_worst(rc, ck_tool_fail(&e));
	if (r.frames && fclose(r.frames) != 0)
		rc = ck_err_worst(rc, CK_IOERR);
	r.frames = NULL;
	if ((rc == 0 || rc == CK_DATAERR) && !gone(&r))
		summary(&r, kind);
	if (rc == 0 && r.ps.frames == 0 && r.ps.audio_bytes == 0) {
		ck_log_warn("no frames in %s", r.src.desc);
		rc = CK_EMPTY;
	}
out:
	ck_esout_close(&r.video, &e);
	ck_esout_close(&r.audio, &e);
	ck_esout_close(&r.priv, &e);
	if (r.frames)
		fclose(r.frames);
	ck_rtpsrc_close(&r.src);
	ck_rtpseq_free(&r.seq);
	ck_ps_free(&r.ps);
	return rc;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int
parse_reorder(const char *s, opts *o, ck_err *e)
{
	long long v;
	size_t l = strlen(s);

	o->reorder = 0;
	o->reorder_ms = 0;
	if (l > 2 && strcmp(s + l - 2, "ms") == 0) {
		if (ck_opt_parse_duration(s, &o->reorder_ms, e) < 0 || o->reorder_ms > 10000)
			return ck_err_set(e, CK_USAGE, "--reorder: '%s' is not 0..10000ms", s);
		return 0;
	}
	if (ck_opt_parse_int(s, 0, 1000, &v, e) < 0)
		return ck_err_set(e, CK_USAGE, "--reorder: '%s' is not 0..1000 packets or Nms", s);
	o->reorder = (int)v;
	return 0;
}

static int
handle(void *ctx, int key, const char *arg, ck_err *e)
{
	opts *o = ctx;

	switch (key) {
	case K_AUDIO: o->audio = arg; return 0;
	case K_PRIVATE: o->priv = arg; return 0;
	case K_FRAMES: o->frames = arg; return 0;
	case K_STATS: o->stats = 1; return 0;
	case K_PS: o->ps = 1; return 0;
	case K_KEEP: o->keep_damaged = 1; return 0;
	case K_REORDER: return parse_reorder(arg, o, e);
	case 't':
		if (ck_opt_parse_duration(arg, &o->timeout_ms, e) < 0)
			return ck_err_set(e, CK_USAGE, "--timeout: %s", e->msg);
		return 0;
	}
	return ck_err_set(e, CK_SOFTWARE, "unexpected option %d", key);
}

static const ck_opts_opt demux_opts[] = {
	{ "audio", K_AUDIO, CK_OPTS_ARG, "FILE", "write the audio (raw G.711, AAC as ADTS) to FILE" },
	{ "private", K_PRIVATE, CK_OPTS_ARG, "FILE", "write private_stream_1 (0xBD) payloads to FILE" },
	{ "frames", K_FRAMES, CK_OPTS_ARG, "FILE", "write an NDJSON frame index to FILE" },
	{ "stats", K_STATS, CK_OPTS_NOARG, NULL, "print the summary as NDJSON on stderr" },
	{ "ps", K_PS, CK_OPTS_NOARG, NULL, "the input is a bare MPEG-PS stream" },
	{ "reorder", K_REORDER, CK_OPTS_ARG, "N|Nms", "reorder window in packets or milliseconds, 0 = off\n"
	    "(default: 64 packets for files and pipes,\n100ms for network inputs)" },
	{ "keep-damaged", K_KEEP, CK_OPTS_NOARG, NULL, "keep frames that lost packets instead of dropping them" },
	{ "timeout", 't', CK_OPTS_ARG, "DUR", "idle timeout on network inputs (default 10s)" },
	{ NULL, 0, 0, NULL, NULL }
};

static const char about[] =
"Demultiplexes GB28181 MPEG-PS carried over RTP (or a bare PS stream) to the\n"
"video elementary stream (Annex-B) on stdout.\n"
"INPUT: a file or - (stdin; RFC 4571 framed RTP, RTSP '$' framing, rtpdump,\n"
"  raw RTP packets back to back, or PS, detected), udp://[ADDR]:PORT,\n"
"  tcp-listen://[ADDR]:PORT, tcp://HOST:PORT\n";

static const char footer[] =
"Exit status: 0 frames written, 1 none, 64 usage, 65 not RTP/PS or not PS\n"
"inside RTP, 66 no such file, 68 unknown host, 69 refused, 74 I/O,\n"
"75 nothing received in time.\n";

int
main(int argc, char **argv)
{
	static opts o = { .reorder = -1, .timeout_ms = 10000 };
	ck_opts_block blocks[] = {
		ck_mediaopts_block(&o.m),
		{ "Demultiplexing", demux_opts, handle, &o },
	};
	const ck_opts_tool t = { "Usage: rtp-ps-demux [options] [INPUT]", about, footer,
		blocks, sizeof blocks / sizeof blocks[0] };
	struct sigaction sa = { 0 };
	int first, status;

	ck_log_init(argv[0]);
	if (!ck_opts_parse(&t, argc, argv, &first, &status))
		return status;
	if (argc - first > 1)
		return ck_tool_usage_err("one input at most");
	o.input = first < argc ? argv[first] : NULL;
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;  /* no SA_RESTART: reads return, we finish */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ck_net_set_interrupt(&stop_flag);
	return ck_tool_finish(demux(&o));
}
