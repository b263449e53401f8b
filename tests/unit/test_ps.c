/* Unit tests for lib/ps (streaming over any chunk size, PSM, stuffing,
 * split PES, damage), lib/h26x (SPS sizes, key frames, codec guess) and
 * lib/rtpsrc (framing detection, reorder window, the stop flag). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "codec/h26x.h"
#include "net/net.h"
#include "media/ps.h"
#include "media/rtpseq.h"
#include "media/rtpsrc.h"
#include "t.h"

static const uint8_t sps1080[] = { 0x67, 0xf4, 0x00, 0x28, 0x91, 0x96, 0x80, 0x78, 0x02, 0x27,
	0xe2, 0x70, 0x11, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x32, 0x0f, 0x18,
	0x32, 0xa0 };
static const uint8_t sps720_265[] = { 0x42, 0x01, 0x01, 0x04, 0x08, 0x00, 0x00, 0x03, 0x00,
	0x9e, 0x08, 0x00, 0x00, 0x03, 0x00, 0x00, 0x5d, 0x90, 0x00, 0x50, 0x10, 0x05, 0xa2, 0xcb,
	0x2b, 0x2a, 0x52, 0x61, 0x78, 0x0b, 0x70, 0x20, 0x20, 0x00, 0x40, 0x00, 0x00, 0x03, 0x00,
	0x40, 0x00, 0x00, 0x06, 0x42 };
static const uint8_t sps320[] = { 0x67, 0xf4, 0x00, 0x0d, 0x91, 0x96, 0x81, 0x41, 0xfb, 0x01,
	0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1, 0x42, 0xaa };

typedef struct got {
	uint8_t v[8192];
	size_t vlen;
	int frames, keys, audio;
	uint64_t pts[16];
} got;

static int
sink(void *ctx, const ck_ps_frame *f, ck_err *e)
{
	got *g = ctx;
	(void)e;
	if (f->kind == CK_PS_VIDEO) {
		memcpy(g->v + g->vlen, f->data, f->len);
		g->vlen += f->len;
		if (g->frames < 16)
			g->pts[g->frames] = f->pts;
		g->frames++;
		g->keys += f->key;
	} else if (f->kind == CK_PS_AUDIO)
		g->audio += (int)f->len;
	return 0;
}

static size_t
put_pack(uint8_t *p, int stuff)
{
	static const uint8_t h[] = { 0, 0, 1, 0xBA, 0x44, 0, 4, 0, 4, 1, 0, 0x5F, 0x6B };
	memcpy(p, h, sizeof h);
	p[13] = (uint8_t)(0xF8 | stuff);
	for (int i = 0; i < stuff; i++)
		p[14 + i] = (uint8_t)(i & 1 ? 0x00 : 0xFA);  /* non-0xFF stuffing */
	return 14 + (size_t)stuff;
}

static size_t
put_pes(uint8_t *p, unsigned sid, const uint8_t *d, size_t n, long pts)
{
	size_t h = pts >= 0 ? 5 : 0, len = 3 + h + n;
	p[0] = 0; p[1] = 0; p[2] = 1; p[3] = (uint8_t)sid;
	p[4] = (uint8_t)(len >> 8); p[5] = (uint8_t)len;
	p[6] = 0x80; p[7] = pts >= 0 ? 0x80 : 0; p[8] = (uint8_t)h;
	if (pts >= 0) {
		p[9] = (uint8_t)(0x21 | ((pts >> 29) & 0x0E));
		p[10] = (uint8_t)(pts >> 22);
		p[11] = (uint8_t)(((pts >> 14) & 0xFE) | 1);
		p[12] = (uint8_t)(pts >> 7);
		p[13] = (uint8_t)(((pts << 1) & 0xFE) | 1);
	}
	memcpy(p + 9 + h, d, n);
	return 9 + h + n;
}

static size_t
put_psm(uint8_t *p, int bad_crc)
{
	static const uint8_t m[] = { 0, 0, 1, 0xBC, 0, 18, 0xE0, 0xFF, 0, 0, 0, 8,
		0x1B, 0xE0, 0, 0, 0x90, 0xC0, 0, 0 };
	uint32_t c;
	memcpy(p, m, sizeof m);
	c = ck_ps_crc32_mpeg(p, sizeof m);
	if (bad_crc)
		c = __builtin_bswap32(c);  /* stored little-endian */
	p[20] = (uint8_t)(c >> 24); p[21] = (uint8_t)(c >> 16);
	p[22] = (uint8_t)(c >> 8); p[23] = (uint8_t)c;
	return 24;
}

/* A 3-frame stream: key frame (SPS + IDR split over two PES), two P frames,
 * audio, padding; ES is the concatenated video. */
static size_t
build(uint8_t *ps, uint8_t *es, size_t *eslen)
{
	uint8_t f0[400], f1[100], f2[60];
	size_t o = 0, n0 = 0;
	const uint8_t idr[] = { 0, 0, 0, 1, 0x65, 0x88, 0x84 };
	const uint8_t p1[] = { 0, 0, 0, 1, 0x41, 0x9a, 0x02 };
	const uint8_t pad[] = { 0, 0, 1, 0xBE, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF };
	const uint8_t alaw[40] = { 0xD5 };

	f0[0] = 0; f0[1] = 0; f0[2] = 0; f0[3] = 1;
	memcpy(f0 + 4, sps320, sizeof sps320);
	n0 = 4 + sizeof sps320;
	memcpy(f0 + n0, idr, sizeof idr);
	n0 += sizeof idr;
	for (; n0 < sizeof f0; n0++)
		f0[n0] = (uint8_t)(n0 * 7 | 1);
	memcpy(f1, p1, sizeof p1);
	for (size_t i = sizeof p1; i < sizeof f1; i++)
		f1[i] = (uint8_t)(i | 0x80);
	memcpy(f2, p1, sizeof p1);
	for (size_t i = sizeof p1; i < sizeof f2; i++)
		f2[i] = (uint8_t)(i | 0x40);
	o += put_pack(ps + o, 5);
	o += put_psm(ps + o, 1);
	o += put_pes(ps + o, 0xE0, f0, 150, 3600);
	o += put_pes(ps + o, 0xE0, f0 + 150, sizeof f0 - 150, -1);
	o += put_pes(ps + o, 0xC0, alaw, sizeof alaw, 3600);
	memcpy(ps + o, pad, sizeof pad);
	o += sizeof pad;
	o += put_pack(ps + o, 0);
	o += put_pes(ps + o, 0xE0, f1, sizeof f1, 7200);
	o += put_pack(ps + o, 7);
	o += put_pes(ps + o, 0xE0, f2, sizeof f2, 10800);
	memcpy(es, f0, sizeof f0);
	memcpy(es + sizeof f0, f1, sizeof f1);
	memcpy(es + sizeof f0 + sizeof f1, f2, sizeof f2);
	*eslen = sizeof f0 + sizeof f1 + sizeof f2;
	return o;
}

static void
test_chunks(void)
{
	uint8_t ps[2048], es[1024];
	size_t eslen, n = build(ps, es, &eslen);

	for (size_t chunk = 1; chunk <= n; chunk = chunk < 20 ? chunk + 1 : chunk * 2) {
		ck_ps d;
		ck_err e = { 0 };
		static got g;
		memset(&g, 0, sizeof g);
		T_EQ_INT(ck_ps_init(&d, sink, &g, &e), 0);
		for (size_t i = 0; i < n; i += chunk)
			T_EQ_INT(ck_ps_feed(&d, ps + i, n - i < chunk ? n - i : chunk, &e), 0);
		T_EQ_INT(ck_ps_finish(&d, &e), 0);
		T_EQ_INT(g.vlen, eslen);
		T_OK(memcmp(g.v, es, eslen) == 0);
		T_EQ_INT(g.frames, 3);
		T_EQ_INT(g.keys, 1);
		T_EQ_INT(g.audio, 40);
		T_EQ_INT(g.pts[1], 7200);
		T_EQ_INT(d.video_codec, CK_CODEC_H264);
		T_EQ_INT(d.audio_codec, CK_CODEC_G711A);
		T_EQ_INT(d.width, 320);
		T_EQ_INT(d.height, 240);
		T_EQ_INT(d.psm_bad, 1);  /* counted, still used */
		T_EQ_INT(d.dropped, 0);
		ck_ps_free(&d);
	}
}

static void
test_garbage_and_damage(void)
{
	uint8_t ps[4096], es[1024], in[8192];
	size_t eslen, n = build(ps, es, &eslen);
	ck_ps d;
	ck_err e = { 0 };
	static got g;

	/* garbage with start-code-like bytes before the first pack header */
	for (size_t i = 0; i < 1000; i++)
		in[i] = (uint8_t)(i % 3 == 2 ? 1 : 0);
	in[500] = 0xBA;  /* 00 00 01 BA with a bad marker: must not loop */
	memcpy(in + 1000, ps, n);
	memset(&g, 0, sizeof g);
	ck_ps_init(&d, sink, &g, &e);
	T_EQ_INT(ck_ps_feed(&d, in, 1000 + n, &e), 0);
	T_EQ_INT(ck_ps_finish(&d, &e), 0);
	T_EQ_INT(g.vlen, eslen);
	T_OK(memcmp(g.v, es, eslen) == 0);
	ck_ps_free(&d);

	/* a truncated stream: the cut access unit is dropped and counted */
	memset(&g, 0, sizeof g);
	ck_ps_init(&d, sink, &g, &e);
	T_EQ_INT(ck_ps_feed(&d, ps, n - 10, &e), 0);
	T_EQ_INT(ck_ps_finish(&d, &e), 0);
	T_EQ_INT(g.frames, 2);
	T_EQ_INT(d.dropped, 1);
	ck_ps_free(&d);

	/* not PS at all */
	memset(in, 0x47, sizeof in);
	memset(&g, 0, sizeof g);
	ck_ps_init(&d, sink, &g, &e);
	T_EQ_INT(ck_ps_feed(&d, in, sizeof in, &e), 0);
	T_EQ_INT(ck_ps_finish(&d, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	T_EQ_INT(g.vlen, 0);
	ck_ps_free(&d);
}

static void
test_h26x(void)
{
	int w = 0, h = 0;
	uint8_t au[64] = { 0, 0, 0, 1 };
	ck_h26x_info inf;

	T_EQ_INT(ck_h26x_h264_sps_size(sps1080, sizeof sps1080, &w, &h), 0);
	T_EQ_INT(w, 1920);
	T_EQ_INT(h, 1080);
	T_EQ_INT(ck_h26x_h265_sps_size(sps720_265, sizeof sps720_265, &w, &h), 0);
	T_EQ_INT(w, 1280);
	T_EQ_INT(h, 720);
	T_EQ_INT(ck_h26x_h264_sps_size(sps1080, 6, &w, &h), -1);  /* truncated */
	memcpy(au + 4, sps320, sizeof sps320);
	memcpy(au + 4 + sizeof sps320, "\0\0\1\x65\x88", 5);
	ck_h26x_scan(CK_CODEC_H264, au, 4 + sizeof sps320 + 5, &inf);
	T_EQ_INT(inf.key, 1);
	T_EQ_INT(inf.width, 320);
	T_EQ_INT(ck_h26x_guess(au, 4 + sizeof sps320 + 5), CK_CODEC_H264);
	uint8_t hv[] = { 0, 0, 0, 1, 0x40, 0x01, 0x0c, 0, 0, 0, 1, 0x42, 0x01, 0x01, 0, 0, 1, 0x26, 0x01, 0xaf };
	T_EQ_INT(ck_h26x_guess(hv, sizeof hv), CK_CODEC_H265);
	T_EQ_INT(ck_h26x_guess((const uint8_t *)"GET / HTTP/1.1", 14), CK_CODEC_UNKNOWN);
}

/* Random bytes are no RTP framing: 2000 buffers of 256 KiB (what a file's
 * first read gives the probe), none taken for RFC 4571 or RTSP
 * interleaved. One in about 200 was taken for RFC 4571 when one or two
 * whole frames with the version bits right were enough. */
static void
test_framing_noise(void)
{
	static uint8_t b[256 << 10];
	uint64_t x = 0x9E3779B97F4A7C15u;
	int taken = 0;

	for (int round = 0; round < 2000; round++) {
		for (size_t i = 0; i < sizeof b; i += 8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(b + i, &x, 8);
		}
		int k = ck_rtpsrc_framing_detect(b, sizeof b, 0, NULL);
		taken += k == CK_IN_RFC4571 || k == CK_IN_DOLLAR || k == CK_IN_AUTO;
	}
	T_EQ_INT(taken, 0);
	/* a stream whose first two frames are of two SSRCs is still one: the
	 * third, of the first SSRC, is waited for, then found */
	memset(b, 0, 3 * 14);
	for (int f = 0; f < 3; f++) {
		uint8_t *h = b + f * 14;
		h[1] = 12;
		h[2] = 0x80;
		h[3] = 96;
		h[13] = f == 1 ? 2 : 1;   /* the SSRC's last byte */
	}
	T_EQ_INT(ck_rtpsrc_framing_detect(b, 2 * 14 + 3, 0, NULL), CK_IN_AUTO);
	T_EQ_INT(ck_rtpsrc_framing_detect(b, 3 * 14, 0, NULL), CK_IN_RFC4571);
}

static void
test_framing(void)
{
	uint8_t b[64] = { 0 };
	/* RFC 4571 whose length is 0x24xx: two frames would be needed for '$' */
	T_EQ_INT(ck_rtpsrc_framing_detect((const uint8_t *)"#!rtpplay1.0 1.2.3.4/5\n", 23, 0, NULL), CK_IN_RTPDUMP);
	b[0] = 0; b[1] = 12; b[2] = 0x80; b[3] = 96;
	b[14] = 0; b[15] = 12; b[16] = 0x80; b[17] = 96;
	T_EQ_INT(ck_rtpsrc_framing_detect(b, 28, 1, NULL), CK_IN_RFC4571);
	memset(b, 0, sizeof b);
	b[0] = '$'; b[1] = 0; b[2] = 0; b[3] = 12; b[4] = 0x80;
	b[16] = '$'; b[17] = 0; b[18] = 0; b[19] = 12; b[20] = 0x80;
	T_EQ_INT(ck_rtpsrc_framing_detect(b, 32, 1, NULL), CK_IN_DOLLAR);
	/* '$' = 0x24 as a length byte: 0x2410 bytes of RTP follow */
	memset(b, 0, sizeof b);
	b[0] = 0x24; b[1] = 0x10; b[2] = 0x80; b[3] = 0x60; b[4] = 0xFF;
	T_EQ_INT(ck_rtpsrc_framing_detect(b, 64, 0, NULL), CK_IN_AUTO);  /* undecided yet */
	T_EQ_INT(ck_rtpsrc_framing_detect(b, 64, 1, NULL), CK_IN_RFC4571);
	T_EQ_INT(ck_rtpsrc_framing_detect((const uint8_t *)"\0\0\1\xba\x44", 5, 0, NULL), CK_IN_PS);
	T_EQ_INT(ck_rtpsrc_framing_detect((const uint8_t *)"hello world, no RTP", 19, 1, NULL), -1);
	{
		/* captures and elementary streams are recognised (to be named) */
		static const uint8_t pcap[] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0 };
		static const uint8_t ng[] = { 0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0 };
		static const uint8_t es[] = { 0, 0, 0, 1, 0x67, 0x42, 0, 0x1e, 0, 0, 0, 1, 0x68 };
		static const uint8_t es5[] = { 0, 0, 0, 1, 0x40, 0x01, 0x0c, 0x01 };
		uint8_t g[3000], r[3 * 300];
		size_t skip = 0;
		unsigned i;
		T_EQ_INT(ck_rtpsrc_framing_detect(pcap, sizeof pcap, 1, NULL), CK_IN_PCAP);
		T_EQ_INT(ck_rtpsrc_framing_detect(ng, sizeof ng, 1, NULL), CK_IN_PCAP);
		T_EQ_INT(ck_rtpsrc_framing_detect(es, sizeof es, 1, NULL), CK_IN_ANNEXB);
		T_EQ_INT(ck_rtpsrc_framing_detect(es5, sizeof es5, 1, NULL), CK_IN_ANNEXB);
		/* a pack header after 1651 bytes of garbage, a PES start code after it */
		for (i = 0; i < sizeof g; i++)
			g[i] = (uint8_t)(i * 7 + 3);
		memcpy(g + 1651, "\0\0\1\xba\x44\x00\x04\x00\x04\x01\x01\x89\xc3\xf8\0\0\1\xe0", 18);
		T_EQ_INT(ck_rtpsrc_framing_detect(g, sizeof g, 1, &skip), CK_IN_PS);
		T_EQ_INT(skip, 1651);
		/* without the start code after it, a pack header is not enough */
		g[1651 + 16] = 0x55;
		T_EQ_INT(ck_rtpsrc_framing_detect(g, sizeof g, 1, &skip), -1);
		/* raw RTP: three packets of 300 bytes, consecutive sequence numbers */
		memset(r, 0xAB, sizeof r);
		for (i = 0; i < 3; i++) {
			uint8_t *h = r + 300 * i;
			h[0] = 0x80; h[1] = 0x60; h[2] = 0; h[3] = (uint8_t)(10 + i);
			memcpy(h + 4, "\0\0\0\0\x03\x96\xa9\xca", 8);
		}
		T_EQ_INT(ck_rtpsrc_framing_detect(r, sizeof r, 1, NULL), CK_IN_RAWRTP);
		T_EQ_INT(ck_rtpsrc_raw_len(r, sizeof r, 1), 300);
		T_EQ_INT(ck_rtpsrc_raw_len(r + 600, 300, 1), 300);   /* the last: to the end */
		T_EQ_INT(ck_rtpsrc_raw_len(r + 600, 300, 0), 0);     /* more needed */
		r[303] = 30;   /* the second is 20 on: not the next packet */
		T_EQ_INT(ck_rtpsrc_raw_len(r, sizeof r, 1), 600);
	}
}

static int seen[64], nseen, gaps;

static int
emit(void *ctx, const ck_rtp *r, int gap, ck_err *e)
{
	(void)ctx;
	(void)e;
	seen[nseen++] = r->seq;
	gaps += gap;
	return 0;
}

static void
test_reorder(void)
{
	ck_rtpseq q;
	ck_err e = { 0 };
	uint8_t p[16] = { 0x80, 96 };
	int order[] = { 10, 12, 11, 11, 13, 16, 14, 17, 18, 19, 20 };

	T_EQ_INT(ck_rtpseq_init(&q, 2, 0, &e), 0);
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		p[2] = 0;
		p[3] = (uint8_t)order[i];
		T_EQ_INT(ck_rtpseq_push(&q, p, sizeof p, 0, emit, NULL, &e), 0);
	}
	ck_rtpseq_flush(&q, emit, NULL, &e);
	T_EQ_INT(nseen, 10);
	for (int i = 0; i < nseen - 1; i++)
		T_OK(seen[i] < seen[i + 1]);
	T_EQ_INT(q.lost, 1);       /* 15 never came */
	T_EQ_INT(gaps, 1);
	T_EQ_INT(q.duplicates, 1); /* the second 11 */
	T_EQ_INT(q.reordered, 2);  /* 11 and 14 */
	T_EQ_INT(q.waited, 0);     /* push times 0: no clock, nothing measured */
	ck_rtpseq_free(&q);
	/* the window's cost: 12 arrives at 20 ms and waits for 11 until 35 ms;
	 * in-order packets never wait */
	T_EQ_INT(ck_rtpseq_init(&q, 4, 0, &e), 0);
	p[3] = 10;
	T_EQ_INT(ck_rtpseq_push(&q, p, sizeof p, 10, emit, NULL, &e), 0);
	p[3] = 12;
	T_EQ_INT(ck_rtpseq_push(&q, p, sizeof p, 20, emit, NULL, &e), 0);
	p[3] = 11;
	T_EQ_INT(ck_rtpseq_push(&q, p, sizeof p, 35, emit, NULL, &e), 0);
	p[3] = 13;
	T_EQ_INT(ck_rtpseq_push(&q, p, sizeof p, 40, emit, NULL, &e), 0);
	T_EQ_INT(q.waited, 1);
	T_EQ_INT(q.wait_max_ms, 15);
	T_EQ_INT(q.wait_sum_ms, 15);
	ck_rtpseq_free(&q);
}

/* An interrupt flag (ck_net_set_interrupt) raised with no signal to
 * interrupt a system call (one that landed between two of them): a live
 * input waiting with a 60 s timeout ends within a poll slice, after what
 * is queued; alarm(10) kills the test if it waits on. */
static void
test_stop_flag(void)
{
	ck_rtpsrc s;
	ck_err e;
	const uint8_t *p;
	size_t n;
	volatile sig_atomic_t stop = 1;
	int64_t t0;

	alarm(10);
	ck_net_set_interrupt(&stop);
	/* tcp-listen: nobody connects; ends with nothing, not a timeout */
	T_EQ_INT(ck_rtpsrc_open(&s, "tcp-listen://127.0.0.1:0", CK_IN_AUTO, 60000, &e), 0);
	t0 = ck_clock_now_ms();
	T_EQ_INT(ck_rtpsrc_next(&s, &p, &n, &e), 0);
	T_OK(ck_clock_now_ms() - t0 < 5000);
	ck_rtpsrc_close(&s);

	/* udp: two datagrams queued are still read, then the end */
	T_EQ_INT(ck_rtpsrc_open(&s, "udp://127.0.0.1:0", CK_IN_AUTO, 60000, &e), 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(
	    (uint16_t)ck_net_local_port(s.fd)) };
	uint8_t rtp[12] = { 0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	sendto(fd, rtp, sizeof rtp, 0, (struct sockaddr *)&to, sizeof to);
	rtp[3] = 2;
	sendto(fd, rtp, sizeof rtp, 0, (struct sockaddr *)&to, sizeof to);
	t0 = ck_clock_now_ms();
	T_EQ_INT(ck_rtpsrc_next(&s, &p, &n, &e), 1);
	T_EQ_INT(n, 12);
	T_EQ_INT(ck_rtpsrc_next(&s, &p, &n, &e), 1);
	T_EQ_INT(p[3], 2);
	T_EQ_INT(ck_rtpsrc_next(&s, &p, &n, &e), 0);
	T_OK(ck_clock_now_ms() - t0 < 5000);
	ck_rtpsrc_close(&s);

	/* the wait itself, as rtp-ps-mux's tcp-listen and writes use it */
	t0 = ck_clock_now_ms();
	T_EQ_INT(ck_net_wait_fd(fd, POLLIN, t0 + 60000, &e), -1);
	T_EQ_INT(e.kind, CK_OK);
	T_OK(ck_clock_now_ms() - t0 < 5000);
	close(fd);

	/* the flag down: a wait goes on past the poll slices to its timeout */
	stop = 0;
	T_EQ_INT(ck_rtpsrc_open(&s, "udp://127.0.0.1:0", CK_IN_AUTO, 700, &e), 0);
	t0 = ck_clock_now_ms();
	T_EQ_INT(ck_rtpsrc_next(&s, &p, &n, &e), -1);
	T_EQ_INT(e.kind, CK_TEMPFAIL);
	T_OK(ck_clock_now_ms() - t0 >= 650);
	ck_rtpsrc_close(&s);
	ck_net_set_interrupt(NULL);
	alarm(0);
}

int
main(void)
{
	test_chunks();
	test_garbage_and_damage();
	test_h26x();
	test_framing();
	test_reorder();
	test_framing_noise();
	test_stop_flag();
	T_DONE();
}
