/* rtp-ps-demux: GB28181 MPEG-PS over RTP (or bare PS) to the video
 * elementary stream, with loss accounting. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "codec/h26x.h"
#include "codec/json.h"
#include "base/log.h"
#include "net/net.h"
#include "base/opt.h"
#include "media/ps.h"
#include "media/rtpps.h"
#include "media/rtpseq.h"
#include "media/rtpsrc.h"
#include "cli/tool.h"

#define OUTBUF (1u << 20)

typedef struct out {
	int fd;
	uint8_t *buf;
	size_t len;
	uint64_t total;
	const char *name;
} out;

typedef struct opts {
	const char *input, *out, *audio, *priv, *frames;
	int ps, stats, keep_damaged, reorder, ssrc_set;
	long long reorder_ms, timeout_ms;
	uint32_t ssrc;
} opts;

typedef struct run {
	const opts *o;
	out video, audio, priv;
	FILE *frames;
	int aac_warned;
	ck_ps ps;
	ck_rtpseq seq;
	ck_rtpps fr;
	ck_rtpsrc src;
} run;

static int
out_open(out *o, const char *path, const char *what, ck_err *e)
{
	o->name = path ? path : "stdout";
	o->fd = path ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : 1;
	if (o->fd < 0)
		return ck_err_set(e, CK_IOERR, "%s: %s", path, strerror(errno));
	if (ck_tool_refuse_tty(o->fd, what, e) < 0)
		return -1;
	if ((o->buf = malloc(OUTBUF)) == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	return 0;
}

static int
out_flush(out *o, const uint8_t *p, size_t n, ck_err *e)
{
	while (n > 0) {
		ssize_t w = write(o->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return ck_err_set(e, CK_IOERR, "%s: write: %s", o->name, strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
out_write(out *o, const uint8_t *p, size_t n, ck_err *e)
{
	o->total += n;
	if (o->len + n > OUTBUF) {
		if (out_flush(o, o->buf, o->len, e) < 0)
			return -1;
		o->len = 0;
		if (n >= OUTBUF / 2)
			return out_flush(o, p, n, e);
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}

static int
out_close(out *o, ck_err *e)
{
	int rc = 0;
	if (o->fd < 0)
		return 0;
	rc = out_flush(o, o->buf, o->len, e);
	if (o->fd > 1 && close(o->fd) < 0 && rc == 0)
		rc = ck_err_set(e, CK_IOERR, "%s: close: %s", o->name, strerror(errno));
	free(o->buf);
	o->fd = -1;
	return rc;
}

static int
sink(void *ctx, const ck_ps_frame *f, ck_err *e)
{
	run *r = ctx;

	if (f->kind == CK_PS_VIDEO) {
		uint64_t off = r->video.total;
		if (out_write(&r->video, f->data, f->len, e) < 0)
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
		return out_write(&r->audio, f->data, f->len, e);
	}
	if (f->kind == CK_PS_PRIVATE && r->priv.fd >= 0)
		return out_write(&r->priv, f->data, f->len, e);
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
		int64_t now = r->o->reorder_ms > 0 ? ck_clock_now_ms() : 0;
		if (ck_rtpseq_push(&r->seq, p, n, now, on_packet, r, e) < 0)
			return -1;
	}
	if (k < 0 || ck_rtpseq_flush(&r->seq, on_packet, r, e) < 0 ||
	    ck_rtpps_finish(&r->fr, e) < 0)
		return -1;
	return ck_ps_finish(&r->ps, e);
}

/* Says what a payload that is not PS looks like. */
static void
not_ps_hint(const ck_rtpps *f)
{
	const uint8_t *h = f->head;
	const char *what = "an unknown private framing";
	char hex[32] = "";

	if (f->head_len == 0)
		return;
	for (size_t i = 0; i < f->head_len; i++)
		snprintf(hex + 3 * i, sizeof hex - 3 * i, "%02x ", h[i]);
	if (f->head_len >= 4 && h[0] == 0 && h[1] == 0 && (h[2] == 1 || (h[2] == 0 && h[3] == 1)))
		what = "an Annex-B elementary stream (H.264/H.265 without PS)";
	else if ((h[0] & 0x80) == 0 && ((h[0] & 0x1F) == 28 || (h[0] & 0x1F) == 24 ||
	    ((h[0] & 0x1F) >= 1 && (h[0] & 0x1F) <= 8)))
		what = "RFC 6184 H.264 NAL units";
	ck_log_warn("RTP payload type %u starts with %sthat looks like %s", f->head_pt, hex, what);
}

static int
demux(const opts *o)
{
	static run r;
	ck_err e = { 0 };
	int rc = 0, kind = CK_IN_AUTO;

	r.o = o;
	r.video.fd = r.audio.fd = r.priv.fd = -1;
	/* the checks that need no input come first, then the input (a missing
	 * file must not truncate -o), then the outputs */
	if (!o->out && ck_tool_refuse_tty(1, "video", &e) < 0)
		return ck_tool_fail(&e);
	if (ck_rtpsrc_open(&r.src, o->input, o->ps ? CK_IN_PS : CK_IN_AUTO, o->timeout_ms, &e) < 0) {
		rc = ck_tool_fail(&e);
		goto out;
	}
	if (out_open(&r.video, o->out, "video", &e) < 0 ||
	    (o->audio && out_open(&r.audio, o->audio, "audio", &e) < 0) ||
	    (o->priv && out_open(&r.priv, o->priv, "private data", &e) < 0) ||
	    ck_ps_init(&r.ps, sink, &r, &e) < 0 ||
	    ck_rtpseq_init(&r.seq, o->reorder, o->reorder_ms, &e) < 0) {
		rc = ck_tool_fail(&e);
		goto out;
	}
	if (o->frames && (r.frames = fopen(o->frames, "w")) == NULL) {
		ck_log_warn("%s: %s", o->frames, strerror(errno));
		rc = CK_IOERR;
		goto out;
	}
	r.ps.keep_private = o->priv != NULL;
	r.seq.ssrc = o->ssrc;
	r.seq.ssrc_set = o->ssrc_set;
	if (pump(&r, &kind, &e) < 0) {
		rc = ck_tool_fail(&e);
		if (rc == CK_DATAERR && kind != CK_IN_PS && r.ps.packs == 0)
			not_ps_hint(&r.fr);
	}
	if (out_close(&r.video, &e) < 0 || out_close(&r.audio, &e) < 0 || out_close(&r.priv, &e) < 0)
		rc = ck_err_worst(rc, ck_tool_fail(&e));
	if (r.frames && fclose(r.frames) != 0)
		rc = ck_err_worst(rc, CK_IOERR);
	r.frames = NULL;
	if (rc == 0 || rc == CK_DATAERR)
		summary(&r, kind);
	if (rc == 0 && r.ps.frames == 0 && r.ps.audio_bytes == 0) {
		ck_log_warn("no frames in %s", r.src.desc);
		rc = CK_EMPTY;
	}
out:
	out_close(&r.video, &e);
	out_close(&r.audio, &e);
	out_close(&r.priv, &e);
	if (r.frames)
		fclose(r.frames);
	ck_rtpsrc_close(&r.src);
	ck_rtpseq_free(&r.seq);
	ck_ps_free(&r.ps);
	return rc;
}

static void
usage(FILE *f)
{
	fprintf(f, "Usage: %s [options] [INPUT]\n"
	    "Demultiplexes GB28181 MPEG-PS carried over RTP (or a bare PS stream) to the\n"
	    "video elementary stream (Annex-B) on stdout.\n"
	    "INPUT: a file or - (stdin; RFC 4571 framed RTP, rtpdump or PS, detected),\n"
	    "  udp://[ADDR]:PORT, tcp-listen://[ADDR]:PORT, tcp://HOST:PORT\n"
	    "  -o, --output FILE     write the video to FILE instead of stdout\n"
	    "      --audio FILE      write the audio (raw G.711, AAC as ADTS) to FILE\n"
	    "      --private FILE    write private_stream_1 (0xBD) payloads to FILE\n"
	    "      --frames FILE     write an NDJSON frame index to FILE\n"
	    "      --stats           print the summary as NDJSON on stderr\n"
	    "      --ps              the input is a bare MPEG-PS stream\n"
	    "      --ssrc N          use the RTP stream with this SSRC (default: the first)\n"
	    "      --reorder N|Nms   reorder window in packets or milliseconds (default 0)\n"
	    "      --keep-damaged    keep frames that lost packets instead of dropping them\n"
	    "      --timeout DUR     idle timeout on network inputs (default 10s)\n"
	    "  -v, --verbose         more diagnostics (repeatable)\n"
	    "  -h, --help            show this help\n"
	    "  -V, --version         show the version\n", ck_log_progname);
}

static void
on_signal(int sig)
{
	(void)sig;
}

static int
parse_reorder(const char *s, opts *o, ck_err *e)
{
	long long v;
	size_t l = strlen(s);
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

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "output", 1, 0, 'o' }, { "audio", 1, 0, 'a' }, { "private", 1, 0, 'P' },
		{ "frames", 1, 0, 'f' }, { "stats", 0, 0, 's' }, { "ps", 0, 0, 'p' },
		{ "ssrc", 1, 0, 'S' }, { "reorder", 1, 0, 'r' }, { "keep-damaged", 0, 0, 'k' },
		{ "timeout", 1, 0, 't' }, { "verbose", 0, 0, 'v' }, { "help", 0, 0, 'h' },
		{ "version", 0, 0, 'V' }, { 0, 0, 0, 0 } };
	opts o = { .timeout_ms = 10000 };
	ck_err e = { 0 };
	long long v;
	int c;
	struct sigaction sa = { 0 };

	ck_log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "o:vhV", lo, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'a': o.audio = optarg; break;
		case 'P': o.priv = optarg; break;
		case 'f': o.frames = optarg; break;
		case 's': o.stats = 1; break;
		case 'p': o.ps = 1; break;
		case 'k': o.keep_damaged = 1; break;
		case 'S':
			if (ck_opt_parse_int(optarg, 0, 0xFFFFFFFFLL, &v, &e) < 0)
				return ck_tool_usage_err("--ssrc: '%s' is not a 32-bit number", optarg);
			o.ssrc = (uint32_t)v;
			o.ssrc_set = 1;
			break;
		case 'r':
			if (parse_reorder(optarg, &o, &e) < 0)
				return ck_tool_usage_err("%s", e.msg);
			break;
		case 't':
			if (ck_opt_parse_duration(optarg, &o.timeout_ms, &e) < 0)
				return ck_tool_usage_err("--timeout: %s", e.msg);
			break;
		case 'v': ck_log_verbosity++; break;
		case 'h': usage(stdout); return ck_tool_finish(0);
		case 'V': return ck_tool_version();
		default: return ck_tool_usage_err("unknown option");
		}
	}
	if (argc - optind > 1)
		return ck_tool_usage_err("one input at most");
	o.input = optind < argc ? argv[optind] : NULL;
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;  /* no SA_RESTART: reads return, we finish */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return ck_tool_finish(demux(&o));
}
