#include "media/rtpscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/hash.h"
#include "media/rtp.h"
#include "media/rtsp.h"
#include "media/sdp.h"
#include "media/tcpreasm.h"

#define MAX_STREAMS 65536
#define FLOW_SLOTS 16384          /* power of two */
#define FLOW_MAX 8192             /* reset the table when this many */
#define TCP_MAX 64                /* reassembled TCP directions at once */
#define SDP_MAX 4096              /* remembered SDP media endpoints */
#define SDP_SLOTS 8192            /* their hash index (power of two) */
#define HEUR_N 4                  /* packets of one SSRC that must agree */
#define HEUR_HOLD 12              /* packets held while deciding */
#define SIPBUF 65536
#define RSBUF (3 * 65537 + 8192)  /* resync window: SYNC_N whole frames */
#define RTCP_MAX 1024             /* RTCP flows remembered */
#define RTSP_MAX 32               /* RTSP connections followed at once */
#define RTSP_MEDIA 8              /* media per DESCRIBE */
#define RTSP_REQ 16               /* SETUP requests awaiting their reply */
#define RTSPBUF (4 + 65535 + CK_RTSP_MAXMSG)

typedef struct key {
	uint8_t af, proto;
	uint16_t sport, dport;
	uint8_t src[16], dst[16];
} key;

enum { F_FREE, F_CAND, F_RTP, F_RTCP, F_REJECT };

typedef struct held {
	uint8_t *data;
	size_t len;
	ck_pcap_pkt p;
} held;

typedef struct flow {
	key k;
	int state;
	int fails;
	int nheld;
	held *h;                      /* HEUR_HOLD slots while a candidate */
} flow;

typedef struct tcpflow {
	key k;
	int used;
	int sip;                      /* SIP text, else RFC 4571 RTP */
	int rtsp;                     /* RTSP text and '$' interleaved RTP */
	int rtsp_off;                 /* a tunnel's POST whose GET is unknown */
	int b64;                      /* a tunnel's POST: base64 requests */
	uint8_t b64st[4];
	int b64n;
	struct rtspconn *rc;          /* the connection's RTSP state */
	const char *found;
	uint64_t last;                /* LRU tick */
	ck_tcpreasm *ts;
	ck_tcpreasm_deframer df;
	char *sipbuf;
	size_t siplen;
	int dead;                     /* FIN/RST seen */
	int unsynced;                 /* RFC 4571 frame boundary not known */
	int have_ssrc;                /* the SSRC this direction carries */
	uint32_t ssrc;
	uint8_t *rs;                  /* bytes kept while looking for one */
	size_t rslen;
} tcpflow;

typedef struct sdpent {
	int af, tcp;
	uint8_t addr[16];
	uint16_t port;
	int used;                     /* packets of this call's medium seen */
	const char *found;            /* "sdp" or "rtsp" */
	ck_sdp_media m;
} sdpent;

typedef struct memo {
	key k;
	unsigned sdp_gen, flow_gen;
	const char *found;            /* NULL: nothing remembered */
	ck_rtpscan_flow *x;           /* its last stream (a hint, SSRC checked) */
} memo;

/* One RTSP connection (both directions): the media its DESCRIBE reply
 * announced, the SETUPs awaiting replies, and what each interleaved
 * channel carries. */
typedef struct rtspconn {
	int used;
	uint64_t last;
	int af;
	uint8_t a[16], b[16];
	uint16_t pa, pb;
	int nm, nsetup;
	sdpent m[RTSP_MEDIA];
	struct { long cseq; char url[256]; } req[RTSP_REQ];
	int nreq;
	char base[256];
	uint8_t chan[256];            /* 1 + media index for RTP channels */
	uint8_t rtcpchan[256];        /* 1: an RTCP channel */
	uint8_t chan_has_ssrc[256];   /* the channel's SETUP reply named an ssrc */
	uint32_t chan_ssrc[256];
	char cookie[64];              /* a tunnel's x-sessioncookie */
	sdpent cur;                   /* the medium of the frame being read */
} rtspconn;

struct ck_rtpscan {
	ck_rtpscan_opts o;
	ck_rtpscan_rtp_fn fn;
	void *arg;
	int64_t sec0;
	int32_t nsec0;
	int have_origin;
	/* streams: array in detection order + open-addressing index */
	ck_rtpscan_flow **st;
	size_t nst, capst;
	uint32_t *sidx;              /* 1-based stream index, 0 empty */
	size_t sidx_size;
	flow *fl;                     /* flsize slots, grows to FLOW_SLOTS */
	size_t nfl, flsize;
	tcpflow tf[TCP_MAX];
	uint64_t tick;
	sdpent *sdp;                  /* grows to SDP_MAX */
	size_t nsdp, capsdp;
	uint32_t *sdpidx;             /* SDP_SLOTS, 1-based index into sdp */
	uint64_t rtcp, sdpmsgs, overflow;
	unsigned sdp_gen;             /* bumped whenever SDP is learnt */
	ck_rtpscan_rtcpflow *rf;              /* RTCP flows, in order of detection */
	size_t nrf;
	ck_rtpscan_flow *last;              /* stream of the previous packet */
	/* context of the packet being processed (for TCP callbacks) */
	const ck_pcap_pkt *cur;
	tcpflow *curtf;
	rtspconn *rcs;                /* RTSP_MAX, allocated on first RTSP */
	/* UDP flows known to carry RTP, remembered by their ports: most
	 * packets skip the SDP and flow lookups (their hashes were a tenth
	 * of the time on a large capture) */
	memo memo[16];
	unsigned flow_gen;            /* bumped when flows move or are forgotten */
	const sdpent *force_se;       /* the medium of an interleaved packet */
};

static void
mkkey(key *k, const ck_pcap_pkt *p)
{
	memset(k, 0, sizeof *k);
	k->af = (uint8_t)p->af;
	k->proto = (uint8_t)p->proto;
	k->sport = p->sport;
	k->dport = p->dport;
	memcpy(k->src, p->src, 16);
	memcpy(k->dst, p->dst, 16);
}

ck_rtpscan *
ck_rtpscan_new(const ck_rtpscan_opts *o, ck_rtpscan_rtp_fn fn, void *arg)
{
	ck_rtpscan *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	if (o)
		s->o = *o;
	s->fn = fn;
	s->arg = arg;
	s->flsize = 256;
	s->fl = calloc(s->flsize, sizeof *s->fl);
	s->sidx_size = 1024;
	s->sidx = calloc(s->sidx_size, sizeof *s->sidx);
	if (!s->fl || !s->sidx) {
		ck_rtpscan_free(s);
		return NULL;
	}
	return s;
}

static void
flow_clear(flow *f)
{
	int i;

	for (i = 0; i < f->nheld; i++)
		free(f->h[i].data);
	free(f->h);
	memset(f, 0, sizeof *f);
}

static void
tcp_close(tcpflow *t)
{
	ck_tcpreasm_free(t->ts);
	ck_tcpreasm_deframer_free(&t->df);
	free(t->sipbuf);
	free(t->rs);
	memset(t, 0, sizeof *t);
}

void
ck_rtpscan_free(ck_rtpscan *s)
{
	size_t i;

	if (!s)
		return;
	if (s->fl)
		for (i = 0; i < s->flsize; i++)
			flow_clear(&s->fl[i]);
	for (i = 0; i < TCP_MAX; i++)
		tcp_close(&s->tf[i]);
	for (i = 0; i < s->nst; i++)
		free(s->st[i]);
	free(s->st);
	free(s->sdp);
	free(s->sdpidx);
	free(s->rf);
	free(s->rcs);
	free(s->sidx);
	free(s->fl);
	free(s);
}

void
ck_rtpscan_set_origin(ck_rtpscan *s, int64_t sec, int32_t nsec)
{
	s->sec0 = sec;
	s->nsec0 = nsec;
	s->have_origin = 1;
}

size_t
ck_rtpscan_count(const ck_rtpscan *s)
{
	return s->nst;
}

const ck_rtpscan_flow *
ck_rtpscan_stream(const ck_rtpscan *s, size_t i)
{
	return i < s->nst ? s->st[i] : NULL;
}

void
ck_rtpscan_counts(const ck_rtpscan *s, uint64_t *rtcp, uint64_t *sdp,
    uint64_t *overflow)
{
	*rtcp = s->rtcp;
	*sdp = s->sdpmsgs;
	*overflow = s->overflow;
}

/* --- RTCP: counted per flow, apart from the RTP streams ------------------ */

static void
rtcp_seen(ck_rtpscan *s, const ck_pcap_pkt *p)
{
	size_t i;
	ck_rtpscan_rtcpflow *r;

	s->rtcp++;
	for (i = s->nrf; i-- > 0;) {
		r = &s->rf[i];
		if (r->sport == p->sport && r->dport == p->dport && r->af == p->af &&
		    r->tcp == (p->proto == 6) && !memcmp(r->src, p->src, 16) &&
		    !memcmp(r->dst, p->dst, 16)) {
			r->packets++;
			return;
		}
	}
	if (s->nrf == RTCP_MAX)
		return;
	if (!s->rf && !(s->rf = calloc(RTCP_MAX, sizeof *s->rf)))
		return;
	r = &s->rf[s->nrf++];
	r->af = p->af;
	memcpy(r->src, p->src, 16);
	memcpy(r->dst, p->dst, 16);
	r->sport = p->sport;
	r->dport = p->dport;
	r->tcp = p->proto == 6;
	r->packets = 1;
}

size_t
ck_rtpscan_rtcp_count(const ck_rtpscan *s)
{
	return s->nrf;
}

const ck_rtpscan_rtcpflow *
ck_rtpscan_rtcp(const ck_rtpscan *s, size_t i)
{
	return i < s->nrf ? &s->rf[i] : NULL;
}

/* --- SDP endpoints ------------------------------------------------------ */

static uint32_t
sdp_hash(int af, int tcp, const uint8_t *addr, uint16_t port)
{
	uint32_t h = CK_HASH_INIT;
	uint8_t k[3] = {(uint8_t)af, (uint8_t)tcp, 0};

	h = ck_hash_bytes(k, 2, h);
	h = ck_hash_bytes(addr, 16, h);
	return ck_hash_bytes(&port, 2, h) & (SDP_SLOTS - 1);
}

static const sdpent *
sdp_lookup(const ck_rtpscan *s, int af, int tcp, const uint8_t *addr,
    uint16_t port)
{
	uint32_t i;

	if (!s->nsdp)
		return NULL;
	for (i = sdp_hash(af, tcp, addr, port); s->sdpidx[i];
	    i = (i + 1) & (SDP_SLOTS - 1)) {
		const sdpent *e = &s->sdp[s->sdpidx[i] - 1];
		if (e->port == port && e->af == af && e->tcp == tcp &&
		    !memcmp(e->addr, addr, 16))
			return e;
	}
	return NULL;
}

size_t
ck_rtpscan_sdp_count(const ck_rtpscan *s)
{
	return s->nsdp;
}

const ck_sdp_media *
ck_rtpscan_sdp(const ck_rtpscan *s, size_t i, int *used, int *answered,
    const char **found)
{
	const ck_sdp_media *m;
	size_t k;

	if (i >= s->nsdp)
		return NULL;
	m = &s->sdp[i].m;
	*used = s->sdp[i].used;
	*found = s->sdp[i].found;
	*answered = m->answer || !m->call;    /* a bare SDP: nothing to wait for */
	for (k = 0; !*answered && k < s->nsdp; k++)
		*answered = s->sdp[k].m.call == m->call && s->sdp[k].m.answer;
	return m;
}

static void
sdp_add(ck_rtpscan *s, const ck_sdp_media *m, const char *found)
{
	sdpent *e = (sdpent *)sdp_lookup(s, m->af, m->tcp, m->addr, m->port);
	uint32_t i;

	if (!e) {
		if (!s->sdpidx && !(s->sdpidx = calloc(SDP_SLOTS, sizeof *s->sdpidx)))
			return;
		if (s->nsdp == SDP_MAX) {   /* full: forget all, start over */
			memset(s->sdpidx, 0, SDP_SLOTS * sizeof *s->sdpidx);
			s->nsdp = 0;
		}
		if (s->nsdp == s->capsdp) {
			size_t nc = s->capsdp ? 2 * s->capsdp : 16;
			sdpent *n = realloc(s->sdp, nc * sizeof *n);
			if (!n)
				return;
			s->sdp = n;
			s->capsdp = nc;
		}
		e = &s->sdp[s->nsdp++];
		for (i = sdp_hash(m->af, m->tcp, m->addr, m->port); s->sdpidx[i];
		    i = (i + 1) & (SDP_SLOTS - 1))
			;
		s->sdpidx[i] = (uint32_t)s->nsdp;
	}
	s->sdp_gen++;
	e->found = found;
	e->used = 0;
	e->af = m->af;
	e->tcp = m->tcp;
	e->port = m->port;
	memcpy(e->addr, m->addr, 16);
	e->m = *m;
}

/* The SDP medium this packet goes to or comes from, or NULL. */
static const sdpent *
sdp_find(const ck_rtpscan *s, const ck_pcap_pkt *p)
{
	const sdpent *e;
	int tcp = p->proto == 6;

	if (!s->nsdp)
		return NULL;
	if ((e = sdp_lookup(s, p->af, tcp, p->dst, p->dport)))
		return e;
	return sdp_lookup(s, p->af, tcp, p->src, p->sport);
}

/* 1 if the packet uses the RTCP port (RTP port + 1) of an SDP medium. */
static int
sdp_rtcp_port(const ck_rtpscan *s, const ck_pcap_pkt *p)
{
	if (!s->nsdp)
		return 0;
	return (p->dport > 0 && sdp_lookup(s, p->af, 0, p->dst, (uint16_t)(p->dport - 1))) ||
	    (p->sport > 0 && sdp_lookup(s, p->af, 0, p->src, (uint16_t)(p->sport - 1)));
}

static void
sip_message(ck_rtpscan *s, const uint8_t *p, size_t len)
{
	ck_sdp_media m[4];
	ck_err e;
	char *txt = calloc(1, len + 64);   /* NUL padding: see sdp.c */
	int n, i;

	if (!txt)
		return;
	memcpy(txt, p, len);
	n = ck_sdp_from_sip(txt, len, m, 4, &e);
	free(txt);
	if (n > 0)
		s->sdpmsgs++;
	for (i = 0; i < n; i++)
		sdp_add(s, &m[i], "sdp");
}

/* 1 + the index of the forced port this packet uses, or 0. */
static int
forced(const ck_rtpscan *s, const ck_pcap_pkt *p)
{
	int i;

	for (i = 0; i < s->o.nforced; i++)
		if (s->o.forced[i].tcp == (p->proto == 6) &&
		    (s->o.forced[i].port == p->sport || s->o.forced[i].port == p->dport))
			return i + 1;
	return 0;
}

/* The y= values of se's call (offer and answer) into x, whether the
 * stream's SSRC is one of them, and the call's medium marked as used. A
 * device may answer with another y= than offered (and send that SSRC):
 * both count. */
static void
call_info(ck_rtpscan *s, sdpent *se, ck_rtpscan_flow *x)
{
	size_t i;
	int have = 0, match = 0;

	for (i = 0; i <= s->nsdp; i++) {
		/* se itself first (an RTSP medium is not in the table), then
		 * the other media of its call */
		sdpent *e = i == 0 ? se : &s->sdp[i - 1];
		if (i && (e == se || !se->m.call || e->m.call != se->m.call ||
		    strcmp(e->m.media, se->m.media)))
			continue;
		e->used = 1;
		if (!e->m.has_ssrc)
			continue;
		have = 1;
		match |= e->m.ssrc == x->ssrc;
		snprintf(e->m.answer ? x->y_answer : x->y_offer, sizeof x->y_offer,
		    "%s", e->m.y[0] ? e->m.y : "");
	}
	if (have)
		x->sdp_ssrc = match;
}

/* --- streams ------------------------------------------------------------ */

static uint32_t
skey_hash(const ck_pcap_pkt *p, uint32_t ssrc)
{
	uint32_t h = CK_HASH_INIT;

	h = ck_hash_bytes(&p->af, sizeof p->af, h);
	h = ck_hash_bytes(&p->proto, sizeof p->proto, h);
	h = ck_hash_bytes(p->src, 16, h);
	h = ck_hash_bytes(p->dst, 16, h);
	h = ck_hash_bytes(&p->sport, 2, h);
	h = ck_hash_bytes(&p->dport, 2, h);
	return ck_hash_bytes(&ssrc, 4, h);
}

static int
skey_eq(const ck_rtpscan_flow *x, const ck_pcap_pkt *p, uint32_t ssrc)
{
	return x->ssrc == ssrc && x->sport == p->sport && x->dport == p->dport &&
	    x->af == p->af && x->tcp == (p->proto == 6) &&
	    !memcmp(x->src, p->src, 16) && !memcmp(x->dst, p->dst, 16);
}

static void
sidx_insert(ck_rtpscan *s, const ck_rtpscan_flow *x, uint32_t idx)
{
	ck_pcap_pkt k;
	size_t m = s->sidx_size - 1, i;

	memset(&k, 0, sizeof k);
	k.af = x->af;
	k.proto = x->tcp ? 6 : 17;
	memcpy(k.src, x->src, 16);
	memcpy(k.dst, x->dst, 16);
	k.sport = x->sport;
	k.dport = x->dport;
	for (i = skey_hash(&k, x->ssrc) & m; s->sidx[i]; i = (i + 1) & m)
		;
	s->sidx[i] = idx;
}

static ck_rtpscan_flow *
stream_get(ck_rtpscan *s, const ck_pcap_pkt *p, uint32_t ssrc, const char *found)
{
	size_t m = s->sidx_size - 1, i;
	ck_rtpscan_flow *x;

	if (s->last && skey_eq(s->last, p, ssrc))
		return s->last;
	for (i = skey_hash(p, ssrc) & m; s->sidx[i]; i = (i + 1) & m)
		if (skey_eq(s->st[s->sidx[i] - 1], p, ssrc))
			return s->last = s->st[s->sidx[i] - 1];
	if (s->nst >= MAX_STREAMS) {
		s->overflow++;
		return NULL;
	}
	if (s->nst == s->capst) {
		size_t nc = s->capst ? 2 * s->capst : 64;
		ck_rtpscan_flow **n = realloc(s->st, nc * sizeof *n);
		if (!n)
			return NULL;
		s->st = n;
		s->capst = nc;
	}
	if (2 * (s->nst + 1) > s->sidx_size) {
		uint32_t *n = calloc(2 * s->sidx_size, sizeof *n);
		size_t j;
		if (!n)
			return NULL;
		free(s->sidx);
		s->sidx = n;
		s->sidx_size *= 2;
		for (j = 0; j < s->nst; j++)
			sidx_insert(s, s->st[j], (uint32_t)j + 1);
	}
	if (!(x = calloc(1, sizeof *x)))
		return NULL;
	x->index = (int)s->nst + 1;
	x->af = p->af;
	memcpy(x->src, p->src, 16);
	memcpy(x->dst, p->dst, 16);
	x->sport = p->sport;
	x->dport = p->dport;
	x->tcp = p->proto == 6;
	x->ssrc = ssrc;
	x->found = found;
	ck_rtpstream_stat_init(&x->st);
	x->cache_gen = ~0u;
	x->sdp_ssrc = -1;
	s->st[s->nst++] = x;
	s->last = x;
	sidx_insert(s, x, (uint32_t)s->nst);
	return x;
}

/* The clock rate the analysis uses for pt, the way Wireshark picks it. */
static uint32_t
clock_for(const sdpent *e, unsigned pt, const char **name)
{
	int i;

	*name = ck_rtpstream_pt_name(pt);
	if (e)
		for (i = 0; i < e->m.npt; i++)
			if (e->m.pt[i] == pt && e->m.name[i][0]) {
				if (pt < 96) {
					*name = e->m.name[i];
					return ck_rtpstream_pt_clock(pt);
				}
				*name = e->m.name[i];
				if (!strncasecmp(e->m.name[i], "telephone-event", 15))
					return 0;
				return e->m.rate[i] ? e->m.rate[i] : ck_rtpstream_name_clock(e->m.name[i]);
			}
	return pt < 96 ? ck_rtpstream_pt_clock(pt) : 0;
}

/* One RTP packet of a known-RTP flow. */
static void
rtp_packet(ck_rtpscan *s, const ck_pcap_pkt *p, const uint8_t *d, size_t len,
    const char *found)
{
	ck_rtp r;
	ck_err e;
	ck_rtpscan_flow *x;
	sdpent *se;
	const char *name;
	uint32_t clk;
	int fi;

	if (ck_rtp_is_rtcp(d, len)) {
		rtcp_seen(s, p);
		return;
	}
	if (ck_rtp_parse(d, len, &r, &e) < 0)
		return;
	if (!(x = stream_get(s, p, r.ssrc, found)))
		return;
	if (x->cache_gen != s->sdp_gen || x->cache_pt != r.pt) {
		/* the clock rate only changes with the payload type or new SDP */
		se = (sdpent *)(s->force_se ? s->force_se : sdp_find(s, p));
		x->cache_clock = clock_for(se, r.pt, &name);
		/* given clock rates fill in where SDP, RTSP and the static
		 * table say nothing (an audio stream on the port keeps 8000) */
		if (!x->cache_clock && (fi = forced(s, p)) && s->o.forced[fi - 1].clock)
			x->cache_clock = s->o.forced[fi - 1].clock;
		else if (!x->cache_clock && s->o.clock_rate)
			x->cache_clock = s->o.clock_rate;
		if (se)
			call_info(s, se, x);
		x->cache_gen = s->sdp_gen;
		x->cache_pt = r.pt;
		if (x->st.total_nr && !x->encoding[0] && name)
			snprintf(x->encoding, sizeof x->encoding, "%s", name);
	} else
		se = NULL, name = NULL;
	clk = x->cache_clock;
	if (x->st.total_nr == 0) {
		x->pt = r.pt;
		snprintf(x->encoding, sizeof x->encoding, "%s", name ? name : "");
	}
	if (clk)
		x->clock = clk;
	ck_rtpstream_stat_add(&x->st, ck_rtpstream_rel_ms(p->ts_sec, p->ts_nsec, s->sec0, s->nsec0),
	    p->ts_sec, p->ts_nsec, r.seq, r.ts, r.pt, (int)r.marker,
	    (uint32_t)len, clk);
	if (s->fn)
		s->fn(s->arg, x, d, len, p);
}

/* --- UDP flows and heuristics --------------------------------------------- */

static flow *
flow_get(ck_rtpscan *s, const ck_pcap_pkt *p)
{
	key k;
	size_t m = s->flsize - 1, i;

	mkkey(&k, p);
	for (i = ck_hash_bytes(&k, sizeof k, CK_HASH_INIT) & m; s->fl[i].state != F_FREE;
	    i = (i + 1) & m)
		if (!memcmp(&s->fl[i].k, &k, sizeof k))
			return &s->fl[i];
	if (2 * (s->nfl + 1) > s->flsize && s->flsize < FLOW_SLOTS) {
		/* grow and rehash (flows move as values) */
		size_t ns = 2 * s->flsize, j;
		flow *nf = calloc(ns, sizeof *nf);
		if (nf) {
			for (j = 0; j < s->flsize; j++) {
				flow *f = &s->fl[j];
				size_t x;
				if (f->state == F_FREE)
					continue;
				for (x = ck_hash_bytes(&f->k, sizeof f->k, CK_HASH_INIT) & (ns - 1);
				    nf[x].state != F_FREE; x = (x + 1) & (ns - 1))
					;
				nf[x] = *f;
			}
			free(s->fl);
			s->fl = nf;
			s->flsize = ns;
			s->flow_gen++;
			return flow_get(s, p);
		}
	}
	if (s->nfl >= FLOW_MAX || 2 * (s->nfl + 1) > s->flsize) {
		/* too many flows: forget what we learnt and start over */
		for (i = 0; i < s->flsize; i++)
			flow_clear(&s->fl[i]);
		s->nfl = 0;
		s->flow_gen++;
		return flow_get(s, p);
	}
	s->nfl++;
	s->fl[i].k = k;
	s->fl[i].state = F_CAND;
	return &s->fl[i];
}

/* A plausible RTP packet on its own: version 2, parses, not RTCP. */
static int
plausible(const uint8_t *d, size_t len, ck_rtp *r)
{
	ck_err e;

	if (len < 12 || ck_rtp_is_rtcp(d, len) || ck_rtp_parse(d, len, r, &e) < 0)
		return 0;
	/* payload types 72-76 collide with RTCP; 1, 2, 19, 20-24 unassigned */
	return !(r->pt >= 72 && r->pt <= 76);
}

static int
plausible_rtcp(const uint8_t *d, size_t len)
{
	size_t words;

	if (!ck_rtp_is_rtcp(d, len) || d[1] > 206)
		return 0;
	words = (size_t)(d[2] << 8 | d[3]);
	return (words + 1) * 4 <= len;
}

/* Candidate flow: hold packets until one SSRC shows HEUR_N packets with
 * a small advancing sequence (other SSRCs interleaved in the same flow,
 * such as telephone-event, ride along), then replay them all. */
static void
heuristic(ck_rtpscan *s, flow *f, const ck_pcap_pkt *p)
{
	ck_rtp r, r0;
	held *h;
	int i, same = 1;

	if (plausible_rtcp(p->data, p->len)) {
		rtcp_seen(s, p);
		return;
	}
	if (!plausible(p->data, p->len, &r))
		goto fail;
	for (i = f->nheld; i-- > 0;) {
		ck_rtp_parse(f->h[i].data, f->h[i].len, &r0, NULL);
		if (r0.ssrc == r.ssrc) {
			int d = ck_rtp_seq_delta(r0.seq, r.seq);
			if (d < -8 || d == 0 || d > 16)
				goto fail;
			same++;
		}
	}
	if (f->nheld == HEUR_HOLD)
		goto fail;
	if (!f->h && !(f->h = malloc(HEUR_HOLD * sizeof *f->h)))
		return;
	h = &f->h[f->nheld];
	if (!(h->data = malloc(p->len)))
		return;
	memcpy(h->data, p->data, p->len);
	h->len = p->len;
	h->p = *p;
	h->p.data = h->data;
	f->nheld++;
	if (same < HEUR_N)
		return;
	f->state = F_RTP;
	for (i = 0; i < f->nheld; i++) {
		rtp_packet(s, &f->h[i].p, f->h[i].data, f->h[i].len, "heuristic");
		free(f->h[i].data);
	}
	f->nheld = 0;
	free(f->h);
	f->h = NULL;
	return;
fail:
	for (i = 0; i < f->nheld; i++)
		free(f->h[i].data);
	f->nheld = 0;
	free(f->h);
	f->h = NULL;
	if (++f->fails >= 32)
		f->state = F_REJECT;
}

static void
memo_set(ck_rtpscan *s, memo *m, const key *k, const char *found)
{
	m->k = *k;
	m->sdp_gen = s->sdp_gen;
	m->flow_gen = s->flow_gen;
	m->found = found;
	m->x = NULL;
}

static void
udp(ck_rtpscan *s, const ck_pcap_pkt *p)
{
	flow *f;
	const sdpent *se;
	memo *m;
	key k;

	if (ck_sdp_sip_looks(p->data, p->len)) {
		sip_message(s, p->data, p->len);
		return;
	}
	/* multiplicative hash of both ports: GB28181 streams sit on port
	 * pairs 2 apart on both sides, which a plain XOR puts in one slot */
	m = &s->memo[((uint32_t)p->sport << 16 | p->dport) * 2654435761u >> 28];
	mkkey(&k, p);
	if (m->found && m->sdp_gen == s->sdp_gen && m->flow_gen == s->flow_gen &&
	    !memcmp(&m->k, &k, sizeof k)) {
		if (m->x)
			s->last = m->x;
		rtp_packet(s, p, p->data, p->len, m->found);
		m->x = s->last;
		return;
	}
	m->found = NULL;
	if (forced(s, p)) {
		memo_set(s, m, &k, "forced");
		rtp_packet(s, p, p->data, p->len, "forced");
		return;
	}
	if ((se = sdp_find(s, p))) {
		memo_set(s, m, &k, se->found);
		rtp_packet(s, p, p->data, p->len, se->found);
		return;
	}
	if (sdp_rtcp_port(s, p)) {
		if (ck_rtp_is_rtcp(p->data, p->len))
			rtcp_seen(s, p);
		return;
	}
	if (s->o.no_heuristics)
		return;
	f = flow_get(s, p);
	if (f->state == F_RTP) {
		memo_set(s, m, &k, "heuristic");
		rtp_packet(s, p, p->data, p->len, "heuristic");
	}
	else if (f->state == F_CAND)
		heuristic(s, f, p);
}

/* --- TCP ------------------------------------------------------------------ */

static void
tcp_frame(void *arg, const uint8_t *d, size_t len)
{
	ck_rtpscan *s = arg;
	tcpflow *t = s->curtf;
	uint32_t ssrc;

	if (t->unsynced)
		return;
	/* Not RTP/RTCP, or another SSRC than this direction carries (a GB28181
	 * connection carries one): we lost the framing, look for it again. */
	if (len < 8 || (d[0] >> 6) != 2) {
		t->unsynced = 1;
		return;
	}
	if (!ck_rtp_is_rtcp(d, len)) {
		if (len < 12) {
			t->unsynced = 1;
			return;
		}
		ssrc = (uint32_t)d[8] << 24 | (uint32_t)d[9] << 16 |
		    (uint32_t)d[10] << 8 | d[11];
		if (t->have_ssrc && ssrc != t->ssrc) {
			t->unsynced = 1;
			return;
		}
		t->ssrc = ssrc;
		t->have_ssrc = 1;
	}
	rtp_packet(s, s->cur, d, len, t->found);
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Offset of the first place in b where SYNC_N RFC 4571 frames follow each
 * other, each an RTP packet of one SSRC with sequence numbers advancing by
 * one (random payload bytes pass this by chance once in ~2^70), or -1. */
#define SYNC_N 3
static long
find_sync(const uint8_t *b, size_t n)
{
	size_t o, q, l;
	int k;

	for (o = 0; o + 14 <= n; o++) {
		if ((b[o + 2] >> 6) != 2 || rd16(b + o) < 12)
			continue;
		for (k = 0, q = o; k < SYNC_N; k++, q += 2 + l) {
			l = rd16(b + q);
			if (l < 12 || q + 2 + l > n || (b[q + 2] >> 6) != 2 ||
			    ((b[q + 3] & 0x7F) >= 72 && (b[q + 3] & 0x7F) <= 76))
				break;
			if (k && (memcmp(b + q + 10, b + o + 10, 4) ||
			    (uint16_t)(rd16(b + q + 4) - rd16(b + o + 4)) != k))
				break;
		}
		if (k == SYNC_N)
			return (long)o;
	}
	return -1;
}

/* Stream bytes of a flow whose framing is lost (joined mid-stream, after a
 * hole, after a bad frame): keep them until two frames line up. */
static void
resync(ck_rtpscan *s, tcpflow *t, const uint8_t *d, size_t len)
{
	while (len) {
		size_t take;
		long o;
		if (!t->rs && !(t->rs = malloc(RSBUF)))
			return;
		take = RSBUF - t->rslen < len ? RSBUF - t->rslen : len;
		memcpy(t->rs + t->rslen, d, take);
		t->rslen += take;
		d += take;
		len -= take;
		if ((o = find_sync(t->rs, t->rslen)) >= 0) {
			uint8_t *rs = t->rs;
			size_t n = t->rslen;
			t->rs = NULL;
			t->rslen = 0;
			t->unsynced = 0;
			t->have_ssrc = 1;
			t->ssrc = (uint32_t)rs[o + 10] << 24 | (uint32_t)rs[o + 11] << 16 |
			    (uint32_t)rs[o + 12] << 8 | rs[o + 13];
			ck_tcpreasm_deframer_reset(&t->df);
			ck_tcpreasm_deframer_feed(&t->df, rs + o, n - (size_t)o, tcp_frame, s);
			free(rs);
			if (t->unsynced) {
				ck_tcpreasm_deframer_reset(&t->df);
				continue;
			}
			if (len)
				ck_tcpreasm_deframer_feed(&t->df, d, len, tcp_frame, s);
			if (t->unsynced)
				ck_tcpreasm_deframer_reset(&t->df);
			return;
		}
		if (t->rslen == RSBUF) {   /* keep what may hold a frame start */
			memmove(t->rs, t->rs + RSBUF - 3 * 65537, 3 * 65537);
			t->rslen = 3 * 65537;
		}
	}
}

static void
sip_bytes(ck_rtpscan *s, tcpflow *t, const uint8_t *d, size_t len)
{
	if (!t->sipbuf && !(t->sipbuf = malloc(SIPBUF)))
		return;
	if (len > SIPBUF - t->siplen) {
		t->siplen = 0;      /* not SIP as we know it: start over */
		if (len > SIPBUF)
			return;
	}
	memcpy(t->sipbuf + t->siplen, d, len);
	t->siplen += len;
	for (;;) {
		char *end = memmem(t->sipbuf, t->siplen, "\r\n\r\n", 4);
		size_t hl, cl = 0, total;
		const char *h;
		if (!end)
			return;
		hl = (size_t)(end - t->sipbuf) + 4;
		for (h = t->sipbuf; h && h < end; h = memchr(h, '\n', (size_t)(end - h))) {
			if (*h == '\n')
				h++;
			if (!strncasecmp(h, "Content-Length:", 15))
				cl = strtoul(h + 15, NULL, 10);
			else if (!strncasecmp(h, "l:", 2))
				cl = strtoul(h + 2, NULL, 10);
		}
		if (cl > SIPBUF)
			cl = SIPBUF;
		total = hl + cl;
		if (total > SIPBUF) {
			t->siplen = 0;
			return;
		}
		if (t->siplen < total)
			return;
		sip_message(s, (const uint8_t *)t->sipbuf, total);
		memmove(t->sipbuf, t->sipbuf + total, t->siplen - total);
		t->siplen -= total;
	}
}

/* --- RTSP: DESCRIBE and SETUP over TCP, '$' interleaved RTP --------------- */

static rtspconn *
rtsp_conn(ck_rtpscan *s, const ck_pcap_pkt *p)
{
	rtspconn *c, *lru = NULL;
	int i, fwd;

	if (!s->rcs && !(s->rcs = calloc(RTSP_MAX, sizeof *s->rcs)))
		return NULL;
	for (i = 0; i < RTSP_MAX; i++) {
		c = &s->rcs[i];
		if (!c->used) {
			if (!lru || lru->used)
				lru = c;
			continue;
		}
		fwd = c->pa == p->sport && c->pb == p->dport && !memcmp(c->a, p->src, 16) &&
		    !memcmp(c->b, p->dst, 16);
		if (c->af == p->af && (fwd || (c->pa == p->dport && c->pb == p->sport &&
		    !memcmp(c->a, p->dst, 16) && !memcmp(c->b, p->src, 16)))) {
			c->last = s->tick;
			return c;
		}
		if (lru && lru->used && c->last < lru->last)
			lru = c;
	}
	c = lru;
	memset(c, 0, sizeof *c);
	c->used = 1;
	c->last = s->tick;
	c->af = p->af;
	memcpy(c->a, p->src, 16);
	memcpy(c->b, p->dst, 16);
	c->pa = p->sport;
	c->pb = p->dport;
	return c;
}

/* The medium a SETUP reply is for: by the request's URL (its a=control),
 * else the next one in SDP order (a tunnel's requests travel base64 on
 * another connection). */
static int
rtsp_setup_media(rtspconn *c, long cseq)
{
	int i, k;

	for (i = 0; i < c->nreq; i++) {
		const char *url = c->req[i].url;
		size_t ul = strlen(url);
		if (c->req[i].cseq != cseq)
			continue;
		for (k = 0; k < c->nm; k++) {
			const char *ctl = c->m[k].m.control;
			size_t cl = strlen(ctl);
			if (cl && (!strcmp(url, ctl) || (ul > cl && !strcmp(url + ul - cl, ctl) &&
			    url[ul - cl - 1] == '/')))
				return k;
		}
	}
	return c->nsetup < c->nm ? c->nsetup : -1;
}

static void
rtsp_message(ck_rtpscan *s, rtspconn *c, tcpflow *t, const uint8_t *d, size_t len)
{
	ck_rtsp_msg m;
	ck_rtsp_transport tr;
	ck_err e;
	int k, n;

	if (ck_rtsp_parse(d, len, &m, &e) < 0)
		return;
	if (m.http && !m.response && !strcmp(m.method, "GET") && m.cookie[0]) {
		snprintf(c->cookie, sizeof c->cookie, "%s", m.cookie);
		return;
	}
	if (m.http && !m.response && !strcmp(m.method, "POST")) {
		/* the tunnel's requests, base64, for the GET connection with the
		 * same cookie (where the replies and the media come) */
		int i;
		t->rtsp_off = 1;
		for (i = 0; m.cookie[0] && i < RTSP_MAX; i++)
			if (s->rcs[i].used && !strcmp(s->rcs[i].cookie, m.cookie)) {
				t->rc = &s->rcs[i];
				t->rtsp_off = 0;
				t->b64 = 1;
			}
		return;
	}
	if (!m.response && !strcmp(m.method, "SETUP") && m.cseq >= 0) {
		n = c->nreq < RTSP_REQ ? c->nreq++ : (int)(m.cseq % RTSP_REQ);
		c->req[n].cseq = m.cseq;
		snprintf(c->req[n].url, sizeof c->req[n].url, "%s", m.url);
		return;
	}
	if (!m.response || m.status != 200)
		return;
	if (!strncasecmp(m.content_type, "application/sdp", 15) && m.body_len) {
		ck_sdp_media sm[RTSP_MEDIA];
		n = ck_sdp_parse2((const char *)m.body, m.body_len, 1, sm, RTSP_MEDIA, &e);
		for (k = 0; k < n; k++) {
			memset(&c->m[k], 0, sizeof c->m[k]);
			c->m[k].m = sm[k];
			c->m[k].found = "rtsp";
		}
		c->nm = n > 0 ? n : 0;
		c->nsetup = 0;
		s->sdpmsgs++;
		return;
	}
	if (!m.transport[0] || ck_rtsp_transport_parse(m.transport, &tr) < 0)
		return;
	if ((k = rtsp_setup_media(c, m.cseq)) < 0)
		return;
	c->nsetup++;
	if (tr.has_interleaved) {
		/* the ssrc belongs to the channel's SETUP, not to the medium a
		 * reply matched by order may have been given wrongly */
		c->chan[tr.interleaved[0]] = (uint8_t)(k + 1);
		c->chan_has_ssrc[tr.interleaved[0]] = (uint8_t)tr.has_ssrc;
		c->chan_ssrc[tr.interleaved[0]] = tr.ssrc;
		c->rtcpchan[tr.interleaved[1]] = 1;
		s->sdp_gen++;
	} else if (tr.client_port[0]) {
		/* RTP over UDP to the client (this reply's receiver) */
		ck_sdp_media um = c->m[k].m;
		um.has_ssrc = tr.has_ssrc;
		um.ssrc = tr.ssrc;
		um.answer = 1;
		um.af = s->cur->af;
		memcpy(um.addr, s->cur->dst, 16);
		um.port = tr.client_port[0];
		um.tcp = 0;
		um.dir = CK_SDP_RECVONLY;
		sdp_add(s, &um, "rtsp");
	}
}

static int
dollar_ok(const uint8_t *d, size_t n)
{
	return n >= 4 && d[0] == '$' && (n < 5 || (d[4] >> 6) == 2) &&
	    (d[2] << 8 | d[3]) >= 8;
}

static int
has_pt(const ck_sdp_media *m, unsigned pt)
{
	int i;

	for (i = 0; i < m->npt; i++)
		if (m->pt[i] == pt)
			return 1;
	return 0;
}

/* One '$' frame: RTP (or RTCP) of the medium its channel was set up for. */
static void
rtsp_frame(ck_rtpscan *s, tcpflow *t, unsigned ch, const uint8_t *d, size_t len)
{
	rtspconn *c = t->rc;

	if (len < 8 || (d[0] >> 6) != 2)
		return;
	if ((c && c->rtcpchan[ch]) || ck_rtp_is_rtcp(d, len)) {
		if (ck_rtp_is_rtcp(d, len))
			rtcp_seen(s, s->cur);
		return;
	}
	s->force_se = NULL;
	if (c && c->chan[ch]) {
		int k = c->chan[ch] - 1, j;
		/* a reply matched by order (a tunnel's requests are not in the
		 * capture) to the wrong medium: the payload type tells */
		for (j = 0; !has_pt(&c->m[k].m, d[1] & 0x7F) && j < c->nm; j++)
			if (has_pt(&c->m[j].m, d[1] & 0x7F))
				k = j;
		c->cur = c->m[k];
		c->cur.m.has_ssrc = c->chan_has_ssrc[ch];
		c->cur.m.ssrc = c->chan_ssrc[ch];
		c->cur.m.answer = 1;
		s->force_se = &c->cur;
	}
	rtp_packet(s, s->cur, d, len, s->force_se ? "rtsp" : t->found);
	s->force_se = NULL;
}

/* Bytes of an RTSP direction: messages and '$' frames, in any order. */
static void
rtsp_bytes(ck_rtpscan *s, tcpflow *t, const uint8_t *d, size_t len)
{
	size_t off = 0;

	if (t->rtsp_off)
		return;
	if (!t->sipbuf && !(t->sipbuf = malloc(RTSPBUF)))
		return;
	if (len > RTSPBUF - t->siplen)
		t->siplen = 0;          /* framing lost: start over */
	if (len > RTSPBUF)
		return;
	if (t->b64)                 /* decoding only shrinks: fits as well */
		t->siplen += ck_rtsp_b64(t->b64st, &t->b64n, d, len,
		    (uint8_t *)t->sipbuf + t->siplen);
	else {
		memcpy(t->sipbuf + t->siplen, d, len);
		t->siplen += len;
	}
	while (off < t->siplen && !t->rtsp_off) {
		int was = t->b64;
		const uint8_t *b = (const uint8_t *)t->sipbuf + off;
		size_t n = t->siplen - off;
		long ml;
		if (b[0] == '$') {
			size_t fl;
			if (n < 4)
				break;
			fl = (size_t)(b[2] << 8 | b[3]);
			if (n < 4 + fl)
				break;
			rtsp_frame(s, t, b[1], b + 4, fl);
			off += 4 + fl;
			continue;
		}
		if ((ml = ck_rtsp_msg_len(b, n)) > 0) {
			if (t->rc)
				rtsp_message(s, t->rc, t, b, (size_t)ml);
			off += (size_t)ml;
			if (t->b64 && !was) {
				/* the POST's headers are read: the rest is base64 */
				size_t rest = t->siplen - off;
				uint8_t *r = (uint8_t *)t->sipbuf + off;
				t->siplen = off + ck_rtsp_b64(t->b64st, &t->b64n, r, rest, r);
			}
			continue;
		}
		if (ml == 0)
			break;
		/* neither: look for the next '$' frame or message */
		for (off++; off < t->siplen; off++) {
			b = (const uint8_t *)t->sipbuf + off;
			n = t->siplen - off;
			if ((b[0] == '$' && dollar_ok(b, n)) || (b[0] == 'R' && ck_rtsp_looks(b, n)))
				break;
		}
	}
	memmove(t->sipbuf, t->sipbuf + off, t->siplen - off);
	t->siplen -= off;
}

/* A '$' frame at d[i] holding an RTP or RTCP packet (channel below 16,
 * version 2), followed by another such frame when the segment reaches that
 * far: random bytes pass this about once in 2^28. A frame longer than the segment is taken at i = 0
 * only (senders write whole frames; a segment starting with one is the
 * common case). */
static int
dollar_at(const uint8_t *d, size_t len, size_t i)
{
	size_t fl, nx;

	if (i + 6 > len || d[i] != '$' || d[i + 1] >= 16 || (d[i + 4] >> 6) != 2)
		return 0;
	fl = (size_t)(d[i + 2] << 8 | d[i + 3]);
	if (fl < 8)
		return 0;
	nx = i + 4 + fl;
	if (nx + 6 <= len)
		return d[nx] == '$' && d[nx + 1] < 16 && (d[nx + 4] >> 6) == 2 &&
		    (d[nx + 2] << 8 | d[nx + 3]) >= 8;
	return i == 0;
}

/* A '$' frame start in the first bytes of a segment (a connection joined
 * mid-stream starts inside a frame). */
static int
find_dollar(const uint8_t *d, size_t len)
{
	size_t i;

	for (i = 0; i + 6 <= len && i < 2048; i++)
		if (d[i] == '$' && dollar_at(d, len, i))
			return 1;
	return 0;
}

/* Whether this packet's connection already spoke RTSP. */
static int
rtsp_known(const ck_rtpscan *s, const ck_pcap_pkt *p)
{
	int i;

	for (i = 0; i < RTSP_MAX; i++) {
		const rtspconn *c = &s->rcs[i];
		if (c->used && c->af == p->af &&
		    ((c->pa == p->sport && c->pb == p->dport && !memcmp(c->a, p->src, 16) &&
		    !memcmp(c->b, p->dst, 16)) || (c->pa == p->dport && c->pb == p->sport &&
		    !memcmp(c->a, p->dst, 16) && !memcmp(c->b, p->src, 16))))
			return 1;
	}
	return 0;
}

/* A first segment with RTSP text, or '$' frames holding RTP. */
static int
tcp_looks_rtsp(const uint8_t *d, size_t len)
{
	return len && (ck_rtsp_looks(d, len) || dollar_at(d, len, 0));
}

static void
tcp_data(void *arg, const uint8_t *d, size_t len)
{
	ck_rtpscan *s = arg;
	tcpflow *t = s->curtf;

	if (!d) {                   /* a hole was given up */
		ck_tcpreasm_deframer_reset(&t->df);
		t->siplen = 0;
		t->unsynced = 1;
		return;
	}
	if (t->rtsp)
		rtsp_bytes(s, t, d, len);
	else if (t->sip)
		sip_bytes(s, t, d, len);
	else if (t->unsynced)
		resync(s, t, d, len);
	else {
		ck_tcpreasm_deframer_feed(&t->df, d, len, tcp_frame, s);
		if (t->unsynced)
			ck_tcpreasm_deframer_reset(&t->df);
	}
}

/* First payload of an unknown TCP flow: an RFC 4571 frame holding RTP? */
static int
tcp_looks_rtp(const uint8_t *d, size_t len)
{
	size_t fl;
	ck_rtp r;

	if (len < 14)
		return 0;
	fl = (size_t)(d[0] << 8 | d[1]);
	if (fl < 12 || !plausible(d + 2, len - 2 < fl ? len - 2 : fl, &r))
		return 0;
	if (fl + 2 + 3 <= len && (d[fl + 2 + 2] >> 6) != 2)
		return 0;
	return 1;
}

static tcpflow *
tcp_get(ck_rtpscan *s, const ck_pcap_pkt *p, int create, int sip, const char *found)
{
	key k;
	int i;
	tcpflow *lru = NULL, *free_slot = NULL;

	mkkey(&k, p);
	for (i = 0; i < TCP_MAX; i++) {
		tcpflow *t = &s->tf[i];
		if (t->used && !memcmp(&t->k, &k, sizeof k))
			return t;
		if (!t->used && !free_slot)
			free_slot = t;
		if (t->used && (!lru || t->last < lru->last))
			lru = t;
	}
	if (!create)
		return NULL;
	if (!free_slot) {
		tcp_close(lru);
		free_slot = lru;
	}
	free_slot->used = 1;
	free_slot->k = k;
	free_slot->sip = sip;
	free_slot->found = found;
	if (!(free_slot->ts = ck_tcpreasm_new(64 << 10))) {
		free_slot->used = 0;
		return NULL;
	}
	return free_slot;
}

/* What a TCP direction carries, from its first data: *found set (NULL:
 * nothing we read), *mode 1 SIP, 2 RTSP, 0 RFC 4571 RTP. */
static void
tcp_kind(ck_rtpscan *s, const ck_pcap_pkt *p, int *mode, const char **found)
{
	const sdpent *se;
	int f = forced(s, p);

	*mode = 0;
	*found = NULL;
	if (ck_sdp_sip_looks(p->data, p->len))
		*mode = 1, *found = "sip";
	else if (ck_rtsp_looks(p->data, p->len))
		*mode = 2, *found = "rtsp";
	else if (f && find_dollar(p->data, p->len))
		*mode = 2, *found = "forced";
	else if (f)
		*found = "forced";
	else if ((se = sdp_find(s, p)) != NULL)
		*found = se->found;
	else if (p->sport == 5060 || p->dport == 5060)
		*mode = 1, *found = "sip";
	else if (s->rcs && rtsp_known(s, p))
		*mode = 2, *found = "rtsp";
	else if (!s->o.no_heuristics && tcp_looks_rtp(p->data, p->len))
		*found = "heuristic";
	else if (!s->o.no_heuristics && tcp_looks_rtsp(p->data, p->len))
		*mode = 2, *found = "heuristic";
}

static void
tcp(ck_rtpscan *s, const ck_pcap_pkt *p)
{
	tcpflow *t = tcp_get(s, p, 0, 0, NULL);
	const char *found = NULL;
	int mode = 0;

	if (!t) {
		if (!p->len && !(p->tcp_flags & 2))
			return;
		if (p->len)
			tcp_kind(s, p, &mode, &found);
		/* a SYN without data: remember the ISN in case data says RTP later */
		if (!found && !(p->tcp_flags & 2))
			return;
		if (!(t = tcp_get(s, p, 1, mode == 1, found)))
			return;
		t->rtsp = mode == 2;
		/* joined mid-stream: the segment need not start a frame */
		if (mode == 0 && !(p->tcp_flags & 2))
			t->unsynced = 1;
	} else if (!t->found && p->len) {
		/* opened on SYN: decide on the first data */
		tcp_kind(s, p, &mode, &found);
		if (!found) {
			tcp_close(t);
			return;
		}
		t->found = found;
		t->sip = mode == 1;
		t->rtsp = mode == 2;
	}
	if (t->rtsp && !t->rc)
		t->rc = rtsp_conn(s, p);
	t->last = ++s->tick;
	s->cur = p;
	s->curtf = t;
	ck_tcpreasm_segment(t->ts, p->tcp_seq, p->tcp_flags, p->data, p->len,
	    tcp_data, s, NULL);
	if (p->tcp_flags & 5)      /* FIN or RST: this direction is done */
		t->dead = 1;
}

void
ck_rtpscan_packet(ck_rtpscan *s, const ck_pcap_pkt *p)
{
	if (!s->have_origin)
		ck_rtpscan_set_origin(s, p->ts_sec, p->ts_nsec);
	if (p->proto == 17)
		udp(s, p);
	else if (p->proto == 6)
		tcp(s, p);
}
