#include "media/rtpreport.h"

#include <arpa/inet.h>
#include <stdio.h>

static void
addr_str(int af, const uint8_t *a, char *out, size_t n)
{
	inet_ntop(af == 4 ? AF_INET : AF_INET6, a, out, (socklen_t)n);
}

/* A number for the table: "-" where the record says null. */
static const char *
tnum(char *b, size_t n, int known, double v)
{
	if (!known)
		return "-";
	snprintf(b, n, "%.3f", v);
	return b;
}

static void
row(FILE *f, const ck_rtpscan_flow *x, const char *s, const char *d,
    const char *ssrc)
{
	const ck_rtpstream_stat *st = &x->st;
	char b1[32], b2[32], b3[32];

	fprintf(f, "%3d %-3s %15s %5u %15s %5u %s %3u %-10s %8u %6lld %5llu %5llu %9s %9.3f %8s %8s\n",
	    x->index, x->tcp ? "tcp" : "udp", s, x->sport, d, x->dport, ssrc, x->pt,
	    x->encoding[0] ? x->encoding : "?", st->total_nr,
	    (long long)ck_rtpstream_stat_lost(st), (unsigned long long)st->dups,
	    (unsigned long long)st->ooo,
	    tnum(b1, sizeof b1, 1, (st->stop_time - st->start_time) / 1000),
	    st->max_delta, tnum(b2, sizeof b2, x->clock, ck_rtpstream_stat_jitter(st)),
	    tnum(b3, sizeof b3, x->clock, st->max_jitter));
}

void
ck_rtpreport_stream(FILE *f, ck_json *js, int table, const ck_rtpscan_flow *x)
{
	char s[64], d[64], ssrc[16];
	const ck_rtpstream_stat *st = &x->st;
	double dur = st->stop_time - st->start_time;

	addr_str(x->af, x->src, s, sizeof s);
	addr_str(x->af, x->dst, d, sizeof d);
	snprintf(ssrc, sizeof ssrc, "0x%08X", x->ssrc);
	if (table) {
		row(f, x, s, d, ssrc);
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
	if (x->y_offer[0])
		ck_json_str(js, "sdp_y_offer", x->y_offer);
	if (x->y_answer[0])
		ck_json_str(js, "sdp_y_answer", x->y_answer);
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
		ck_json_num(js, "jitter_ms", ck_rtpstream_stat_jitter(st), 3);
		ck_json_num(js, "max_jitter_ms", st->max_jitter, 3);
		ck_json_num(js, "mean_jitter_ms", st->mean_jitter, 3);
	} else {
		ck_json_null(js, "jitter_ms");
		ck_json_null(js, "max_jitter_ms");
		ck_json_null(js, "mean_jitter_ms");
	}
	ck_json_emit(js, f);
}

/* Media SDP or RTSP negotiated that no packet used (a receiver's address:
 * not sendonly or inactive): records with 0 packets, so a capture of the
 * signalling alone still says what was agreed. Returns how many. */
int
ck_rtpreport_unused(FILE *f, ck_json *js, int table, const ck_rtpscan *sc)
{
	const ck_sdp_media *m;
	const char *found;
	char a[64], ssrc[16];
	int used, answered, n = 0;
	size_t i;

	for (i = 0; (m = ck_rtpscan_sdp(sc, i, &used, &answered, &found)) != NULL; i++) {
		int idx = (int)ck_rtpscan_count(sc) + n + 1;
		if (used || !answered || !m->port || !m->af || m->dir == CK_SDP_SENDONLY ||
		    m->dir == CK_SDP_INACTIVE)
			continue;
		n++;
		addr_str(m->af, m->addr, a, sizeof a);
		snprintf(ssrc, sizeof ssrc, "0x%08X", m->ssrc);
		if (table) {
			fprintf(f, "%3d %-3s %15s %5s %15s %5u %-10s %3s %-10s %8u  (negotiated by %s, no packets)\n",
			    idx, m->tcp ? "tcp" : "udp", "-", "-", a, m->port,
			    m->has_ssrc ? ssrc : "-", "-", m->npt ? m->name[0][0] ? m->name[0] : "?" : "?",
			    0, found);
			continue;
		}
		ck_json_record(js, "rtp_stream");
		ck_json_int(js, "stream", idx);
		ck_json_null(js, "src");
		ck_json_null(js, "src_port");
		ck_json_str(js, "dst", a);
		ck_json_int(js, "dst_port", m->port);
		ck_json_str(js, "transport", m->tcp ? "tcp" : "udp");
		if (m->has_ssrc)
			ck_json_str(js, "ssrc", ssrc);
		else
			ck_json_null(js, "ssrc");
		if (m->npt)
			ck_json_int(js, "payload_type", m->pt[0]);
		else
			ck_json_null(js, "payload_type");
		if (m->npt && (m->name[0][0] || ck_rtpstream_pt_name(m->pt[0])))
			ck_json_str(js, "encoding", m->name[0][0] ? m->name[0] : ck_rtpstream_pt_name(m->pt[0]));
		else
			ck_json_null(js, "encoding");
		if (m->npt && (m->rate[0] || ck_rtpstream_pt_clock(m->pt[0])))
			ck_json_int(js, "clock_rate", m->rate[0] ? m->rate[0] : ck_rtpstream_pt_clock(m->pt[0]));
		else
			ck_json_null(js, "clock_rate");
		ck_json_str(js, "found", found);
		if (m->y[0])
			ck_json_str(js, m->answer ? "sdp_y_answer" : "sdp_y_offer", m->y);
		ck_json_uint(js, "packets", 0);
		ck_json_int(js, "lost", 0);
		ck_json_uint(js, "duplicates", 0);
		ck_json_uint(js, "out_of_order", 0);
		ck_json_uint(js, "bytes", 0);
		ck_json_null(js, "first_time");
		ck_json_null(js, "last_time");
		ck_json_null(js, "start_rel");
		ck_json_null(js, "end_rel");
		ck_json_null(js, "duration");
		ck_json_null(js, "max_delta_ms");
		ck_json_null(js, "jitter_ms");
		ck_json_null(js, "max_jitter_ms");
		ck_json_null(js, "mean_jitter_ms");
		ck_json_emit(js, f);
	}
	return n;
}

void
ck_rtpreport_rtcp(FILE *f, ck_json *js, int table, const ck_rtpscan_rtcpflow *r)
{
	char s[64], d[64];

	addr_str(r->af, r->src, s, sizeof s);
	addr_str(r->af, r->dst, d, sizeof d);
	if (table) {
		fprintf(f, "  - %-3s %15s %5u %15s %5u RTCP %llu packets\n",
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
	ck_json_emit(js, f);
}

void
ck_rtpreport_header(FILE *f)
{
	fprintf(f, "  # tr  %15s %5s %15s %5s %-10s %3s %-10s %8s %6s %5s %5s %9s %9s %8s %8s\n",
	    "source", "port", "destination", "port", "ssrc", "pt",
	    "encoding", "packets", "lost", "dup", "ooo", "duration",
	    "maxdelta", "jitter", "maxjit");
}
