#include "media/rtpout.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "media/rtp.h"

typedef struct held {
	int64_t ext;               /* extended sequence number */
	int64_t sec;
	int32_t nsec;
	size_t len;
	uint8_t *data;
} held;

struct ck_rtpout {
	FILE *f;
	int fmt, window, err;
	int started;               /* rtpdump header written */
	int64_t sec0;
	int32_t nsec0;
	int af;
	uint8_t dst[16];
	uint16_t dport;
	held *h;
	int nh;
	int have_ext;
	int64_t ext_max;
};

ck_rtpout *
ck_rtpout_new(FILE *f, int fmt, int window)
{
	ck_rtpout *o = calloc(1, sizeof *o);

	if (!o)
		return NULL;
	o->f = f;
	o->fmt = fmt;
	o->window = window < 0 ? 0 : window > 4096 ? 4096 : window;
	if (o->window && !(o->h = calloc((size_t)o->window, sizeof *o->h))) {
		free(o);
		return NULL;
	}
	return o;
}

void
ck_rtpout_free(ck_rtpout *o)
{
	int i;

	if (!o)
		return;
	for (i = 0; i < o->nh; i++)
		free(o->h[i].data);
	free(o->h);
	free(o);
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xFFFF);
}

static void
out(ck_rtpout *o, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, o->f) != n)
		o->err = 1;
}

static void
emit(ck_rtpout *o, const uint8_t *d, size_t len, int64_t sec, int32_t nsec)
{
	uint8_t h[16];

	if (o->fmt == CK_RTPOUT_PAYLOAD) {
		ck_rtp r;
		if (ck_rtp_parse(d, len, &r, NULL) == 0)
			out(o, r.payload, r.payload_len);
		return;
	}
	if (o->fmt == CK_RTPOUT_4571) {
		put16(h, (unsigned)len);
		out(o, h, 2);
		out(o, d, len);
		return;
	}
	if (!o->started) {
		char a[64] = "0.0.0.0";
		o->started = 1;
		o->sec0 = sec;
		o->nsec0 = nsec;
		inet_ntop(o->af == 6 ? AF_INET6 : AF_INET, o->dst, a, sizeof a);
		if (fprintf(o->f, "#!rtpplay1.0 %s/%u\n", a, o->dport) < 0)
			o->err = 1;
		put32(h, (uint32_t)sec);
		put32(h + 4, (uint32_t)(nsec / 1000));
		/* the source address field holds IPv4 only */
		memcpy(h + 8, o->af == 4 ? o->dst : (const uint8_t *)"\0\0\0\0", 4);
		put16(h + 12, o->dport);
		put16(h + 14, 0);
		out(o, h, 16);
	}
	{
		int64_t ms = (sec - o->sec0) * 1000 + ((int64_t)nsec - o->nsec0) / 1000000;
		put16(h, (unsigned)(len + 8));
		put16(h + 2, (unsigned)len);
		put32(h + 4, (uint32_t)(ms < 0 ? 0 : ms));
		out(o, h, 8);
		out(o, d, len);
	}
}

static void
emit_first(ck_rtpout *o)
{
	held *x = &o->h[0];

	emit(o, x->data, x->len, x->sec, x->nsec);
	free(x->data);
	memmove(o->h, o->h + 1, (size_t)(o->nh - 1) * sizeof *o->h);
	o->nh--;
}

int
ck_rtpout_packet(ck_rtpout *o, const uint8_t *d, size_t len, int64_t sec,
    int32_t nsec, int af, const uint8_t *dst, uint16_t dport)
{
	int64_t ext;
	uint16_t seq;
	int i;

	if (!o->started && !o->dport) {
		o->af = af;
		memcpy(o->dst, dst, af == 4 ? 4 : 16);
		o->dport = dport ? dport : 1;
	}
	if (!o->window || len < 4) {
		emit(o, d, len, sec, nsec);
		return o->err ? -1 : 0;
	}
	seq = (uint16_t)(d[2] << 8 | d[3]);
	if (!o->have_ext) {
		o->have_ext = 1;
		o->ext_max = 65536 + seq;
	}
	ext = o->ext_max + ck_rtp_seq_delta((uint16_t)o->ext_max, seq);
	if (ext > o->ext_max)
		o->ext_max = ext;
	if (o->nh == o->window)
		emit_first(o);
	/* insertion from the back: packets mostly come in order */
	for (i = o->nh; i > 0 && o->h[i - 1].ext > ext; i--)
		;
	memmove(o->h + i + 1, o->h + i, (size_t)(o->nh - i) * sizeof *o->h);
	if (!(o->h[i].data = malloc(len ? len : 1))) {
		memmove(o->h + i, o->h + i + 1, (size_t)(o->nh - i) * sizeof *o->h);
		o->err = 1;
		return -1;
	}
	memcpy(o->h[i].data, d, len);
	o->h[i].len = len;
	o->h[i].ext = ext;
	o->h[i].sec = sec;
	o->h[i].nsec = nsec;
	o->nh++;
	return o->err ? -1 : 0;
}

int
ck_rtpout_flush(ck_rtpout *o)
{
	while (o->nh)
		emit_first(o);
	return o->err ? -1 : 0;
}
