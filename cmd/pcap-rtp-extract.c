/* pcap-rtp-extract: list the RTP streams of a capture with loss and jitter
 * statistics, or extract one of them. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/opt.h"
#include "cli/mediaopts.h"
#include "cli/opts.h"
#include "cli/tool.h"
#include "codec/json.h"
#include "media/pcap.h"
#include "media/rtpout.h"
#include "media/rtpreport.h"
#include "media/rtpscan.h"

enum { OUT_LIST, OUT_4571, OUT_RTPDUMP, OUT_PAYLOAD };
enum { K_DECODE = CK_OPTS_TOOL, K_NOHEUR, K_CLOCK, K_STREAM, K_RTPDUMP, K_PAYLOAD,
	K_SORT, K_FORMAT };
#define SORT_MAX 512

typedef struct job {
	const char *read, *iface, *filter, *fmt;
	ck_mediaopts m;
	ck_rtpscan_opts so;
	int out, table, sort, nout;
	FILE *f;                   /* where records or media go */
	ck_rtpout *w;
	long stream;               /* --stream N, 0 none */
	int locked;                /* index of the stream being extracted */
	int werr, epipe;
} job;

static ck_pcap *g_in;

static void
on_signal(int sig)
{
	(void)sig;
	if (g_in)
		ck_pcap_break(g_in);
}

/* A failed write: the reader went away (EPIPE, a clean stop) or an error. */
static void
write_failed(job *j)
{
	if (errno == EPIPE)
		j->epipe = 1;
	else
		j->werr = 1;
}

static void
on_rtp(void *arg, const ck_rtpscan_flow *x, const uint8_t *d, size_t len, const ck_pcap_pkt *p)
{
	job *j = arg;

	if (j->out == OUT_LIST || j->epipe || j->werr)
		return;
	if (!j->locked) {
		if ((j->m.have_ssrc && x->ssrc == j->m.ssrc) || (j->stream && x->index == j->stream))
			j->locked = x->index;
		else
			return;
	}
	if (x->index != j->locked)
		return;
	if (ck_rtpout_packet(j->w, d, len, p->ts_sec, p->ts_nsec, x->af, x->dst,
	    x->dport) < 0 || (j->iface && fflush(j->f) != 0))   /* live: the reader waits */
		write_failed(j);
}

static void
progress(ck_pcap *in, const ck_rtpscan *sc, int final)
{
	static time_t last;
	time_t now = time(NULL);
	uint64_t pos, size;
	size_t n = ck_rtpscan_count(sc);

	if (final) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	if (now == last)
		return;
	last = now;
	ck_pcap_progress(in, &pos, &size);
	if (size)
		fprintf(stderr, "\r%llu frames, %llu%% (%llu MB), %zu stream%s\033[K",
		    (unsigned long long)ck_pcap_frames(in),
		    (unsigned long long)(pos * 100 / size),
		    (unsigned long long)(pos >> 20), n, n == 1 ? "" : "s");
	else
		fprintf(stderr, "\r%llu frames, %zu stream%s\033[K",
		    (unsigned long long)ck_pcap_frames(in), n, n == 1 ? "" : "s");
}

static void
listing(job *j, ck_json *js, const ck_rtpscan *sc)
{
	size_t i;

	if (j->table && (ck_rtpscan_count(sc) || ck_rtpscan_sdp_count(sc)))
		ck_rtpreport_header(j->f);
	for (i = 0; i < ck_rtpscan_count(sc); i++)
		ck_rtpreport_stream(j->f, js, j->table, ck_rtpscan_stream(sc, i));
	j->nout = (int)ck_rtpscan_count(sc) + ck_rtpreport_unused(j->f, js, j->table, sc);
	for (i = 0; i < ck_rtpscan_rtcp_count(sc); i++)
		ck_rtpreport_rtcp(j->f, js, j->table, ck_rtpscan_rtcp(sc, i));
}

/* What was read, for -v; and the one line that explains an empty answer. */
static void
report(const job *j, ck_pcap *in, const ck_rtpscan *sc)
{
	uint64_t rtcp, sdp, ov, mal, re, fd;

	ck_rtpscan_counts(sc, &rtcp, &sdp, &ov);
	ck_pcap_netdec_counts(ck_pcap_decoder(in), &mal, &re, &fd);
	ck_log_info("%llu frames, %zu RTP streams, %llu RTCP packets, %llu SDP "
	    "messages, %llu reassembled datagrams, %llu fragments dropped, "
	    "%llu malformed", (unsigned long long)ck_pcap_frames(in),
	    ck_rtpscan_count(sc), (unsigned long long)rtcp,
	    (unsigned long long)sdp, (unsigned long long)re,
	    (unsigned long long)fd, (unsigned long long)mal);
	if (ck_rtpscan_count(sc) || j->out != OUT_LIST || j->epipe)
		return;
	if (j->nout)
		ck_log_warn("no RTP packets in %llu frames: %d negotiated stream%s without packets",
		    (unsigned long long)ck_pcap_frames(in), j->nout, j->nout == 1 ? "" : "s");
	else
		ck_log_warn("no RTP stream found in %llu frames%s",
		    (unsigned long long)ck_pcap_frames(in), j->so.no_heuristics ?
		    " (--no-heuristics: only SDP, RTSP and --decode-as count)" : "");
}

static int
scan(job *j, ck_pcap *in, ck_rtpscan *sc, ck_err *e)
{
	ck_pcap_pkt p;
	int rc, set = 0, tty = isatty(2);

	while ((rc = ck_pcap_next(in, &p, e)) == 1) {
		if (!set) {
			int64_t s0;
			int32_t n0;
			ck_pcap_first_ts(in, &s0, &n0);
			ck_rtpscan_set_origin(sc, s0, n0);
			set = 1;
		}
		ck_rtpscan_packet(sc, &p);
		if (tty && (p.frame & 1023) == 0)
			progress(in, sc, 0);
		if (j->werr || j->epipe)
			break;
	}
	if (tty)
		progress(in, sc, 1);
	return rc;
}

static int
run(job *j)
{
	ck_err e = {0};
	ck_pcap *in;
	ck_rtpscan *sc;
	ck_json *js;
	int rc;

	in = j->iface ? ck_pcap_open_live(j->iface, j->filter, &e)
	    : ck_pcap_open_file(j->read ? j->read : "-", &e);
	if (!in)
		return ck_tool_fail(&e);
	if (j->iface)
		ck_log_info("capturing on %s%s%s", j->iface, j->filter ? ", filter " : "",
		    j->filter ? j->filter : "");
	g_in = in;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	js = ck_json_new();
	sc = ck_rtpscan_new(&j->so, on_rtp, j);
	if (j->out != OUT_LIST)
		j->w = ck_rtpout_new(j->f, j->out == OUT_RTPDUMP ? CK_RTPOUT_RTPDUMP :
		    j->out == OUT_PAYLOAD ? CK_RTPOUT_PAYLOAD : CK_RTPOUT_4571,
		    j->sort ? SORT_MAX : 0);
	if (!sc || !js || (j->out != OUT_LIST && !j->w))
		rc = ck_err_set(&e, CK_SOFTWARE, "out of memory");
	else
		rc = scan(j, in, sc, &e);
	if (sc && js && j->out != OUT_LIST && !j->epipe && ck_rtpout_flush(j->w) < 0)
		write_failed(j);
	else if (sc && js && j->out == OUT_LIST)
		listing(j, js, sc);
	if (sc)
		report(j, in, sc);
	if (!j->epipe && !j->werr && fflush(j->f) != 0)
		write_failed(j);
	if (rc < 0)
		rc = ck_tool_fail(&e);
	else if (j->epipe)
		rc = 0;    /* the reader stopped: not our failure */
	else if (j->werr)
		rc = ck_err_set(&e, CK_IOERR, "%s: write error: %s", j->m.output ?
		    j->m.output : "stdout", strerror(errno)), ck_tool_fail(&e);
	else if (j->out != OUT_LIST && !j->locked) {
		ck_log_warn("no such stream in the capture");
		rc = CK_EMPTY;
	} else
		rc = ck_rtpscan_count(sc) ? 0 : CK_EMPTY;
	ck_json_free(js);
	ck_rtpscan_free(sc);
	ck_rtpout_free(j->w);
	ck_pcap_close(in);
	g_in = NULL;
	return rc;
}

/* udp:PORT, tcp:PORT, with an optional /CLOCK (udp:5004/8000). */
static int
parse_decode(job *j, const char *s, ck_err *e)
{
	char port[16];
	const char *sl;
	long long v, clk = 0;
	int tcp;

	if (!strncasecmp(s, "udp:", 4))
		tcp = 0;
	else if (!strncasecmp(s, "tcp:", 4))
		tcp = 1;
	else
		return ck_err_set(e, CK_USAGE, "--decode-as wants udp:PORT[/CLOCK] or tcp:PORT[/CLOCK], not '%s'", s);
	sl = strchr(s + 4, '/');
	snprintf(port, sizeof port, "%.*s", sl ? (int)(sl - s - 4) : 15, s + 4);
	if (ck_opt_parse_int(port, 1, 65535, &v, e) < 0 ||
	    (sl && ck_opt_parse_int(sl + 1, 1, 10000000, &clk, e) < 0))
		return ck_err_set(e, CK_USAGE, "--decode-as: '%s': %s", s, e->msg);
	if (j->so.nforced == CK_SCAN_MAXFORCED)
		return ck_err_set(e, CK_USAGE, "too many --decode-as options");
	j->so.forced[j->so.nforced].tcp = tcp;
	j->so.forced[j->so.nforced].clock = (uint32_t)clk;
	j->so.forced[j->so.nforced++].port = (uint16_t)v;
	return 0;
}

static int
handle(void *ctx, int key, const char *arg, ck_err *e)
{
	job *j = ctx;
	long long v;

	switch (key) {
	case 'r': j->read = arg; return 0;
	case 'i': j->iface = arg; return 0;
	case 'f': j->filter = arg; return 0;
	case K_DECODE: return parse_decode(j, arg, e);
	case K_NOHEUR: j->so.no_heuristics = 1; return 0;
	case K_CLOCK:
		if (ck_opt_parse_int(arg, 1, 10000000, &v, e) < 0)
			return ck_err_set(e, CK_USAGE, "--clock-rate: %s", e->msg);
		j->so.clock_rate = (uint32_t)v;
		return 0;
	case K_STREAM:
		if (ck_opt_parse_int(arg, 1, 1000000, &v, e) < 0)
			return ck_err_set(e, CK_USAGE, "--stream: %s", e->msg);
		j->stream = (long)v;
		return 0;
	case K_RTPDUMP:
	case K_PAYLOAD:
		if (j->out != OUT_LIST && j->out != (key == K_RTPDUMP ? OUT_RTPDUMP : OUT_PAYLOAD))
			return ck_err_set(e, CK_USAGE, "--rtpdump and --payload exclude each other");
		j->out = key == K_RTPDUMP ? OUT_RTPDUMP : OUT_PAYLOAD;
		return 0;
	case K_SORT:
		if (strcmp(arg, "seq"))
			return ck_err_set(e, CK_USAGE, "--sort: only 'seq' is known");
		j->sort = 1;
		return 0;
	case K_FORMAT:
		if (strcmp(arg, "json") && strcmp(arg, "table"))
			return ck_err_set(e, CK_USAGE, "--format: 'json' or 'table'");
		j->fmt = arg;
		return 0;
	}
	return ck_err_set(e, CK_SOFTWARE, "unexpected option %d", key);
}

static const ck_opts_opt capture_opts[] = {
	{ "read", 'r', CK_OPTS_ARG, "FILE", "pcap or pcapng file ('-' or none = stdin)" },
	{ "interface", 'i', CK_OPTS_ARG, "IFACE", "live capture (stop with Ctrl-C)" },
	{ "filter", 'f', CK_OPTS_ARG, "EXPR", "BPF filter for -i" },
	{ "decode-as", K_DECODE, CK_OPTS_ARG, "T:PORT[/CLOCK]", "treat udp:PORT, or tcp:PORT (RFC 4571 or RTSP '$'\n"
	    "framing), as RTP; CLOCK: the clock rate where\nnone is known" },
	{ "no-heuristics", K_NOHEUR, CK_OPTS_NOARG, NULL, "only RTP announced by SDP or RTSP, or --decode-as" },
	{ "clock-rate", K_CLOCK, CK_OPTS_ARG, "HZ", "clock rate of streams whose rate is not known\n"
	    "(dynamic payload types without SDP)" },
	{ "format", K_FORMAT, CK_OPTS_ARG, "F", "'json' or 'table' (default: table on a terminal)" },
	{ NULL, 0, 0, NULL, NULL }
};

static const ck_opts_opt extract_opts[] = {
	{ "stream", K_STREAM, CK_OPTS_ARG, "N", "extract stream N of the listing (1-based)" },
	{ "rtpdump", K_RTPDUMP, CK_OPTS_NOARG, NULL, "extract as rtpdump (rtptools) instead of RFC 4571" },
	{ "payload", K_PAYLOAD, CK_OPTS_NOARG, NULL, "extract RTP payloads only" },
	{ "sort", K_SORT, CK_OPTS_ARG, "MODE", "'seq': reorder by sequence number (bounded window)" },
	{ NULL, 0, 0, NULL, NULL }
};

static const char footer[] =
"-o writes the listing or the extracted stream to FILE. When the reader of\n"
"the output goes away (a closed pipe), the tool stops and exits 0.\n"
"Exit status: 0 streams found, 1 none (or no such stream), 64 usage,\n"
"65 malformed capture, 66 no such file, 69 interface unavailable, 74 I/O.\n";

/* Checks that need every option; returns 0 or the usage status. */
static int
validate(job *j)
{
	ck_err e = {0};
	int extract = j->m.have_ssrc + (j->stream != 0);

	if (j->read && j->iface)
		return ck_tool_usage_err("-r and -i exclude each other");
	if (j->filter && !j->iface)
		return ck_tool_usage_err("-f needs -i (filter files with tcpdump first)");
	if (extract > 1)
		return ck_tool_usage_err("--ssrc and --stream exclude each other");
	if (!extract && (j->out != OUT_LIST || j->sort))
		return ck_tool_usage_err("--rtpdump, --payload and --sort need --ssrc or --stream");
	if (extract && j->out == OUT_LIST)
		j->out = OUT_4571;
	if (!j->read && !j->iface && isatty(0))
		return ck_tool_usage_err("no capture: give -r FILE, -i IFACE or pipe one in");
	if (extract && !j->m.output && ck_tool_refuse_tty(1, "RTP", &e) < 0)
		return ck_tool_fail(&e);
	return 0;
}

int
main(int argc, char **argv)
{
	static job j;
	ck_opts_block blocks[] = {
		{ "Capture", capture_opts, handle, &j },
		ck_mediaopts_block(&j.m),
		{ "Extraction (with --ssrc or --stream)", extract_opts, handle, &j },
	};
	const ck_opts_tool t = {
		"Usage: pcap-rtp-extract [options] [-r FILE | -i IFACE]",
		"List the RTP streams of a capture (NDJSON, a table on a terminal) or\n"
		"extract one of them.\n",
		footer, blocks, sizeof blocks / sizeof blocks[0] };
	int first, status, rc;

	ck_log_init(argv[0]);
	if (!ck_opts_parse(&t, argc, argv, &first, &status))
		return status;
	if (first < argc)
		return ck_tool_usage_err("unexpected argument '%s'", argv[first]);
	if ((rc = validate(&j)) != 0)
		return rc;
	j.f = stdout;
	if (j.m.output && !(j.f = fopen(j.m.output, "w"))) {
		ck_log_warn("%s: %s", j.m.output, strerror(errno));
		return CK_IOERR;
	}
	j.table = j.fmt ? !strcmp(j.fmt, "table") : isatty(fileno(j.f));
	signal(SIGPIPE, SIG_IGN);   /* EPIPE instead: a clean stop */
	rc = run(&j);
	if (j.f != stdout && fclose(j.f) != 0 && rc == 0) {
		ck_log_warn("%s: %s", j.m.output, strerror(errno));
		rc = CK_IOERR;
	}
	return rc;
}
