/* pcap-rtp-extract: list the RTP streams of a capture with loss and jitter
 * statistics, or extract one of them. */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "codec/json.h"
#include "base/log.h"
#include "base/opt.h"
#include "media/pcap.h"
#include "media/rtpout.h"
#include "media/rtpscan.h"
#include "cli/tool.h"

enum { OUT_LIST, OUT_4571, OUT_RTPDUMP, OUT_PAYLOAD };
#define SORT_MAX 512

typedef struct job {
	const char *read, *iface, *filter;
	ck_rtpscan_opts so;
	int out, table, sort;
	ck_rtpout *w;
	int have_ssrc;
	uint32_t ssrc;
	long stream;               /* --stream N, 0 none */
	int locked;                /* index of the stream being extracted */
	int werr;
} job;

static const char usage_text[] =
"Usage: pcap-rtp-extract [options] [-r FILE | -i IFACE]\n"
"List the RTP streams of a capture (NDJSON, a table on a terminal) or\n"
"extract one of them to stdout.\n"
"  -r, --read FILE       pcap or pcapng file ('-' or none = stdin)\n"
"  -i, --interface IFACE live capture (stop with Ctrl-C)\n"
"  -f, --filter EXPR     BPF filter for -i\n"
"  -d, --decode-as T:P   treat udp:PORT or tcp:PORT (RFC 4571) as RTP\n"
"      --no-heuristics   only RTP announced by SDP or given with -d\n"
"      --ssrc X          extract the stream with this SSRC (0x.. or decimal)\n"
"      --stream N        extract stream N of the listing (1-based)\n"
"      --rtpdump         extract as rtpdump (rtptools) instead of RFC 4571\n"
"      --payload         extract RTP payloads only\n"
"      --sort MODE       'seq': reorder by sequence number (bounded window)\n"
"      --format F        'json' or 'table' (default: table on a terminal)\n"
"  -v, --verbose         more diagnostics on stderr\n"
"  -h, --help            this help\n"
"  -V, --version         version\n";

static ck_pcap *g_in;

static void
on_signal(int sig)
{
	(void)sig;
	if (g_in)
		ck_pcap_break(g_in);
}

static void
addr_str(int af, const uint8_t *a, char *out, size_t n)
{
	inet_ntop(af == 4 ? AF_INET : AF_INET6, a, out, (socklen_t)n);
}

static void
on_rtp(void *arg, const ck_rtpscan_flow *x, const uint8_t *d, size_t len, const ck_pcap_pkt *p)
{
	job *j = arg;

	if (j->out == OUT_LIST)
		return;
	if (!j->locked) {
		if ((j->have_ssrc && x->ssrc == j->ssrc) || (j->stream && x->index == j->stream))
			j->locked = x->index;
		else
			return;
	}
	if (x->index != j->locked)
		return;
	if (ck_rtpout_packet(j->w, d, len, p->ts_sec, p->ts_nsec, x->af, x->dst,
	    x->dport) < 0)
		j->werr = 1;
	if (j->iface && fflush(stdout) != 0)   /* live: the reader waits */
		j->werr = 1;
}

static void
emit_stream(ck_json *js, const ck_rtpscan_flow *x, int table)
{
	char s[64], d[64], ssrc[16];
	const ck_rtpstream_stat *st = &x->st;
	double dur = st->stop_time - st->start_time;

	addr_str(x->af, x->src, s, sizeof s);
	addr_str(x->af, x->dst, d, sizeof d);
	snprintf(ssrc, sizeof ssrc, "0x%08X", x->ssrc);
	if (table) {
		char enc[24];
		snprintf(enc, sizeof enc, "%s", x->encoding[0] ? x->encoding : "?");
		printf("%3d %-3s %15s %5u %15s %5u %s %3u %-10s %8u %6lld %5llu %5llu %9.3f %9.3f %8.3f %8.3f\n",
		    x->index, x->tcp ? "tcp" : "udp", s, x->sport, d, x->dport, ssrc,
		    x->pt, enc, st->total_nr, (long long)ck_rtpstream_stat_lost(st),
		    (unsigned long long)st->dups, (unsigned long long)st->ooo,
		    dur / 1000, st->max_delta, x->clock ? st->jitter : 0.0,
		    x->clock ? st->max_jitter : 0.0);
		return;
	}
	ck_json_record(js, "rtp_stream");
	ck_json_int(js, "stream", x->index);
	ck_json_str(js, "src", s);
	ck_json_int(js, "src_port", x->sport);
	ck_json_str(js, "dst", d);
	ck_json_int(js, "dst_port", x->dport);
	ck_json_str(js, "transport", x->tcp ? "tcp" : "udp");
	ck_json_str(js, "ssrc", ssrc);
	ck_json_int(js, "payload_type", x->pt);
	if (x->encoding[0])
		ck_json_str(js, "encoding", x->encoding);
	else
		ck_json_null(js, "encoding");
	if (x->clock)
		ck_json_int(js, "clock_rate", x->clock);
	else
		ck_json_null(js, "clock_rate");
	ck_json_str(js, "found", x->found);
	if (x->sdp_ssrc >= 0)   /* a camera sending another SSRC than y= is a classic */
		ck_json_bool(js, "sdp_ssrc", x->sdp_ssrc);
	ck_json_uint(js, "packets", st->total_nr);
	ck_json_int(js, "lost", ck_rtpstream_stat_lost(st));
	ck_json_uint(js, "duplicates", st->dups);
	ck_json_uint(js, "out_of_order", st->ooo);
	ck_json_uint(js, "bytes", st->bytes);
	ck_json_time_ms(js, "first_time", st->first_sec * 1000 + st->first_nsec / 1000000);
	ck_json_time_ms(js, "last_time", st->last_sec * 1000 + st->last_nsec / 1000000);
	ck_json_num(js, "start_rel", st->start_time / 1000, 6);
	ck_json_num(js, "end_rel", st->stop_time / 1000, 6);
	ck_json_num(js, "duration", dur / 1000, 6);
	ck_json_num(js, "max_delta_ms", st->max_delta, 3);
	if (x->clock) {
		ck_json_num(js, "jitter_ms", st->jitter, 3);
		ck_json_num(js, "max_jitter_ms", st->max_jitter, 3);
		ck_json_num(js, "mean_jitter_ms", st->mean_jitter, 3);
	} else {
		ck_json_null(js, "jitter_ms");
		ck_json_null(js, "max_jitter_ms");
		ck_json_null(js, "mean_jitter_ms");
	}
	ck_json_emit(js, stdout);
}

static void
emit_rtcp(ck_json *js, const ck_rtpscan_rtcpflow *r, int table)
{
	char s[64], d[64];

	addr_str(r->af, r->src, s, sizeof s);
	addr_str(r->af, r->dst, d, sizeof d);
	if (table) {
		printf("  - %-3s %15s %5u %15s %5u RTCP %llu packets\n",
		    r->tcp ? "tcp" : "udp", s, r->sport, d, r->dport,
		    (unsigned long long)r->packets);
		return;
	}
	ck_json_record(js, "rtcp");
	ck_json_str(js, "src", s);
	ck_json_int(js, "src_port", r->sport);
	ck_json_str(js, "dst", d);
	ck_json_int(js, "dst_port", r->dport);
	ck_json_str(js, "transport", r->tcp ? "tcp" : "udp");
	ck_json_uint(js, "packets", r->packets);
	ck_json_emit(js, stdout);
}

static void
progress(ck_pcap *in, const ck_rtpscan *sc, int final)
{
	static time_t last;
	time_t now = time(NULL);
	uint64_t pos, size;

	if (final) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	if (now == last)
		return;
	last = now;
	ck_pcap_progress(in, &pos, &size);
	if (size)
		fprintf(stderr, "\r%llu frames, %llu%% (%llu MB), %zu streams\033[K",
		    (unsigned long long)ck_pcap_frames(in),
		    (unsigned long long)(pos * 100 / size),
		    (unsigned long long)(pos >> 20), ck_rtpscan_count(sc));
	else
		fprintf(stderr, "\r%llu frames, %zu streams\033[K",
		    (unsigned long long)ck_pcap_frames(in), ck_rtpscan_count(sc));
}

static int
run(job *j)
{
	ck_err e = {0};
	ck_pcap *in;
	ck_rtpscan *sc;
	ck_pcap_pkt p;
	ck_json *js;
	int rc, set = 0, tty = isatty(2);
	size_t i;

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
		j->w = ck_rtpout_new(stdout, j->out == OUT_RTPDUMP ? CK_RTPOUT_RTPDUMP :
		    j->out == OUT_PAYLOAD ? CK_RTPOUT_PAYLOAD : CK_RTPOUT_4571,
		    j->sort ? SORT_MAX : 0);
	if (!sc || !js || (j->out != OUT_LIST && !j->w)) {
		ck_pcap_close(in);
		ck_rtpscan_free(sc);
		ck_json_free(js);
		ck_rtpout_free(j->w);
		return ck_err_set(&e, CK_SOFTWARE, "out of memory"), ck_tool_fail(&e);
	}
	while ((rc = ck_pcap_next(in, &p, &e)) == 1) {
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
		if (j->werr)
			break;
	}
	if (tty)
		progress(in, sc, 1);
	if (j->out != OUT_LIST) {
		if (ck_rtpout_flush(j->w) < 0)
			j->werr = 1;
	} else {
		if (j->table && ck_rtpscan_count(sc))
			printf("  # tr  %15s %5s %15s %5s %-10s %3s %-10s %8s %6s %5s %5s %9s %9s %8s %8s\n",
			    "source", "port", "destination", "port", "ssrc", "pt",
			    "encoding", "packets", "lost", "dup", "ooo", "duration",
			    "maxdelta", "jitter", "maxjit");
		for (i = 0; i < ck_rtpscan_count(sc); i++)
			emit_stream(js, ck_rtpscan_stream(sc, i), j->table);
		for (i = 0; i < ck_rtpscan_rtcp_count(sc); i++)
			emit_rtcp(js, ck_rtpscan_rtcp(sc, i), j->table);
	}
	if (ck_log_verbosity) {
		uint64_t rtcp, sdp, ov, mal, re, fd;
		ck_rtpscan_counts(sc, &rtcp, &sdp, &ov);
		ck_pcap_netdec_counts(ck_pcap_decoder(in), &mal, &re, &fd);
		ck_log_info("%llu frames, %zu RTP streams, %llu RTCP packets, %llu SDP "
		    "messages, %llu reassembled datagrams, %llu fragments dropped, "
		    "%llu malformed", (unsigned long long)ck_pcap_frames(in),
		    ck_rtpscan_count(sc), (unsigned long long)rtcp,
		    (unsigned long long)sdp, (unsigned long long)re,
		    (unsigned long long)fd, (unsigned long long)mal);
	}
	if (rc < 0)
		rc = ck_tool_fail(&e);
	else if (j->werr)
		rc = ck_err_set(&e, CK_IOERR, "write error on stdout"), ck_tool_fail(&e);
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

static int
parse_decode(job *j, const char *s, ck_err *e)
{
	long long port;
	int tcp;

	if (!strncasecmp(s, "udp:", 4))
		tcp = 0;
	else if (!strncasecmp(s, "tcp:", 4))
		tcp = 1;
	else
		return ck_err_set(e, CK_USAGE, "-d wants udp:PORT or tcp:PORT, not '%s'", s);
	if (ck_opt_parse_int(s + 4, 1, 65535, &port, e) < 0)
		return -1;
	if (j->so.nforced == CK_SCAN_MAXFORCED)
		return ck_err_set(e, CK_USAGE, "too many -d options");
	j->so.forced[j->so.nforced].tcp = tcp;
	j->so.forced[j->so.nforced++].port = (uint16_t)port;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"read", 1, 0, 'r'}, {"interface", 1, 0, 'i'}, {"filter", 1, 0, 'f'},
		{"decode-as", 1, 0, 'd'}, {"no-heuristics", 0, 0, 'H'},
		{"ssrc", 1, 0, 'S'}, {"stream", 1, 0, 'N'}, {"rtpdump", 0, 0, 'D'},
		{"payload", 0, 0, 'P'}, {"sort", 1, 0, 'O'}, {"format", 1, 0, 'F'},
		{"verbose", 0, 0, 'v'}, {"help", 0, 0, 'h'}, {"version", 0, 0, 'V'},
		{0, 0, 0, 0}};
	static job j;
	const char *fmt = NULL;
	long long v;
	ck_err e = {0};
	int c, extract = 0;

	ck_log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "r:i:f:d:vhV", lo, NULL)) != -1) {
		switch (c) {
		case 'r': j.read = optarg; break;
		case 'i': j.iface = optarg; break;
		case 'f': j.filter = optarg; break;
		case 'd': if (parse_decode(&j, optarg, &e) < 0) return ck_tool_usage_err("%s", e.msg); break;
		case 'H': j.so.no_heuristics = 1; break;
		case 'S':
			if (ck_opt_parse_int(optarg, 0, 0xFFFFFFFFll, &v, &e) < 0)
				return ck_tool_usage_err("--ssrc: %s", e.msg);
			j.have_ssrc = 1, j.ssrc = (uint32_t)v, extract++;
			break;
		case 'N':
			if (ck_opt_parse_int(optarg, 1, 1000000, &v, &e) < 0)
				return ck_tool_usage_err("--stream: %s", e.msg);
			j.stream = (long)v, extract++;
			break;
		case 'D': j.out = OUT_RTPDUMP; break;
		case 'P': j.out = OUT_PAYLOAD; break;
		case 'O':
			if (strcmp(optarg, "seq"))
				return ck_tool_usage_err("--sort: only 'seq' is known");
			j.sort = 1;
			break;
		case 'F': fmt = optarg; break;
		case 'v': ck_log_verbosity++; break;
		case 'h': fputs(usage_text, stdout); return 0;
		case 'V': return ck_tool_version();
		default: return ck_tool_usage_err("unknown option");
		}
	}
	if (optind < argc)
		return ck_tool_usage_err("unexpected argument '%s'", argv[optind]);
	if (j.read && j.iface)
		return ck_tool_usage_err("-r and -i exclude each other");
	if (j.filter && !j.iface)
		return ck_tool_usage_err("-f needs -i (filter files with tcpdump first)");
	if (extract > 1)
		return ck_tool_usage_err("--ssrc and --stream exclude each other");
	if (!extract && (j.out != OUT_LIST || j.sort))
		return ck_tool_usage_err("--rtpdump, --payload and --sort need --ssrc or --stream");
	if (extract && j.out == OUT_LIST)
		j.out = OUT_4571;
	if (fmt && strcmp(fmt, "json") && strcmp(fmt, "table"))
		return ck_tool_usage_err("--format: 'json' or 'table'");
	j.table = fmt ? !strcmp(fmt, "table") : isatty(1);
	if (!j.read && !j.iface && isatty(0))
		return ck_tool_usage_err("no capture: give -r FILE, -i IFACE or pipe one in");
	if (extract && ck_tool_refuse_tty(1, "RTP", &e) < 0)
		return ck_tool_fail(&e);
	return ck_tool_finish(run(&j));
}
