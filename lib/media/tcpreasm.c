#include "media/tcpreasm.h"

#include <stdlib.h>
#include <string.h>

typedef struct seg {
	struct seg *next;
	uint32_t seq;
	size_t len;
	uint8_t data[];
} seg;

struct ck_tcpreasm {
	int synced;
	uint32_t next;            /* next expected sequence number */
	seg *ooo;                 /* sorted by seq, relative to next */
	size_t ooo_bytes, max_ooo;
	uint64_t retrans, nooo, gaps;
};

ck_tcpreasm *
ck_tcpreasm_new(size_t max_ooo)
{
	ck_tcpreasm *s = calloc(1, sizeof *s);

	if (s)
		s->max_ooo = max_ooo ? max_ooo : 256 << 10;
	return s;
}

void
ck_tcpreasm_free(ck_tcpreasm *s)
{
	seg *g, *n;

	if (!s)
		return;
	for (g = s->ooo; g; g = n) {
		n = g->next;
		free(g);
	}
	free(s);
}

void
ck_tcpreasm_counts(const ck_tcpreasm *s, uint64_t *retrans, uint64_t *ooo,
    uint64_t *gaps)
{
	*retrans = s->retrans;
	*ooo = s->nooo;
	*gaps = s->gaps;
}

static int32_t
rel(uint32_t a, uint32_t b)   /* b - a in sequence space */
{
	return (int32_t)(b - a);
}

/* Delivers what is in order, trimming what was already delivered. */
static size_t
deliver(ck_tcpreasm *s, uint32_t seq, const uint8_t *p, size_t len,
    ck_tcpreasm_data_fn fn, void *arg)
{
	int32_t r = rel(s->next, seq);

	if (r < 0) {
		if ((size_t)-(int64_t)r >= len)
			return 0;
		p += -(int64_t)r;
		len -= (size_t)-(int64_t)r;
	}
	s->next += (uint32_t)len;
	if (len)
		fn(arg, p, len);
	return len;
}

static size_t
drain(ck_tcpreasm *s, ck_tcpreasm_data_fn fn, void *arg)
{
	size_t n = 0;
	seg *g;

	while ((g = s->ooo) && rel(s->next, g->seq) <= 0) {
		s->ooo = g->next;
		s->ooo_bytes -= g->len;
		n += deliver(s, g->seq, g->data, g->len, fn, arg);
		free(g);
	}
	return n;
}

size_t
ck_tcpreasm_segment(ck_tcpreasm *s, uint32_t seq, uint8_t flags,
    const uint8_t *p, size_t len, ck_tcpreasm_data_fn fn, void *arg, int *gap)
{
	int32_t r;
	seg **pp, *g;
	size_t n;

	if (gap)
		*gap = 0;
	if (flags & 2) {               /* SYN: data starts at seq + 1 */
		if (!s->synced) {
			s->synced = 1;
			s->next = seq + 1;
		}
		seq++;
	}
	if (len == 0)
		return 0;
	if (!s->synced) {              /* joined mid-stream */
		s->synced = 1;
		s->next = seq;
	}
	r = rel(s->next, seq);
	if (r <= 0) {
		if ((int64_t)r + (int64_t)len <= 0) {
			s->retrans++;
			return 0;
		}
		if (r < 0)
			s->retrans++;  /* partial overlap */
		n = deliver(s, seq, p, len, fn, arg);
		return n + drain(s, fn, arg);
	}
	/* out of order: keep a copy, sorted, unless it is already held */
	s->nooo++;
	for (pp = &s->ooo; *pp && rel((*pp)->seq, seq) > 0; pp = &(*pp)->next)
		;
	if (*pp && (*pp)->seq == seq && (*pp)->len >= len) {
		s->retrans++;
		return 0;
	}
	while (s->ooo_bytes + len > s->max_ooo && s->ooo) {
		/* bound hit: give up the hole, resume at the first held segment */
		s->gaps++;
		if (gap)
			*gap = 1;
		fn(arg, NULL, 0);
		s->next = s->ooo->seq;
		n = drain(s, fn, arg);
		if (rel(s->next, seq) <= 0)
			return n + deliver(s, seq, p, len, fn, arg) + drain(s, fn, arg);
		/* everything held went out: this segment is now the first held */
	}
	if (s->ooo_bytes + len > s->max_ooo) {
		s->gaps++;
		if (gap)
			*gap = 1;
		fn(arg, NULL, 0);
		s->next = seq;
		return deliver(s, seq, p, len, fn, arg) + drain(s, fn, arg);
	}
	for (pp = &s->ooo; *pp && rel((*pp)->seq, seq) > 0; pp = &(*pp)->next)
		;
	if (!(g = malloc(sizeof *g + len)))
		return 0;
	g->seq = seq;
	g->len = len;
	memcpy(g->data, p, len);
	g->next = *pp;
	*pp = g;
	s->ooo_bytes += len;
	return 0;
}

int
ck_tcpreasm_deframer_feed(ck_tcpreasm_deframer *d, const uint8_t *p, size_t len, ck_tcpreasm_frame_fn fn,
    void *arg)
{
	while (len) {
		size_t need, take;
		if (d->have == 0) {
			/* fast path: whole frames straight from the segment */
			while (len >= 2) {
				size_t fl = (size_t)(p[0] << 8 | p[1]);
				if (fl + 2 > len)
					break;
				if (fl) {
					d->frames++;
					fn(arg, p + 2, fl);
				} else
					d->empty++;
				p += fl + 2;
				len -= fl + 2;
			}
			if (!len)
				return 0;
		}
		if (!d->buf && !(d->buf = malloc(2 + 65535)))
			return -1;
		if (d->have < 2) {
			take = 2 - d->have < len ? 2 - d->have : len;
			memcpy(d->buf + d->have, p, take);
			d->have += take;
			p += take;
			len -= take;
			if (d->have < 2)
				return 0;
		}
		need = 2 + (size_t)(d->buf[0] << 8 | d->buf[1]) - d->have;
		take = need < len ? need : len;
		memcpy(d->buf + d->have, p, take);
		d->have += take;
		p += take;
		len -= take;
		if (take == need) {
			size_t fl = d->have - 2;
			d->have = 0;
			if (fl) {
				d->frames++;
				fn(arg, d->buf + 2, fl);
			} else
				d->empty++;
		}
	}
	return 0;
}

void
ck_tcpreasm_deframer_reset(ck_tcpreasm_deframer *d)
{
	d->have = 0;
}

void
ck_tcpreasm_deframer_free(ck_tcpreasm_deframer *d)
{
	free(d->buf);
	d->buf = NULL;
	d->have = 0;
}
