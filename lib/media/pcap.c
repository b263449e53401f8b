#include "media/pcap.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REASM_SLOTS 64
#define REASM_TIMEOUT 30          /* seconds of capture time */
#define MAX_DGRAM 65535

typedef struct reasm {
	int used;
	int af;
	uint8_t src[16], dst[16];
	uint32_t id;
	int proto;                 /* IPv4 protocol; IPv6 next header of frag */
	int64_t first_sec;
	uint8_t *buf;
	size_t cap;                /* allocated */
	long total;                /* payload length once the last piece is in */
	uint8_t have[MAX_DGRAM / 8 / 8 + 1]; /* one bit per 8-byte block */
} reasm;

struct ck_pcap_netdec {
	int dlt;
	size_t max_bytes, used_bytes;
	reasm slot[REASM_SLOTS];
	uint8_t out[MAX_DGRAM];    /* the last reassembled datagram payload */
	uint64_t malformed, reassembled, frag_dropped;
};

int
ck_pcap_netdec_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_LINUX_SLL2:
	case DLT_RAW: case DLT_IPV4: case DLT_IPV6: case DLT_NULL: case DLT_LOOP:
#ifdef DLT_RAW_ALT
	case 101:
#endif
		return 1;
	}
	return dlt == 101 || dlt == 12 || dlt == 14;
}

ck_pcap_netdec *
ck_pcap_netdec_new(int dlt, size_t max_bytes)
{
	ck_pcap_netdec *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	d->dlt = dlt;
	d->max_bytes = max_bytes ? max_bytes : 1 << 20;
	return d;
}

static void
slot_drop(ck_pcap_netdec *d, reasm *r)
{
	d->used_bytes -= r->cap;
	free(r->buf);
	memset(r, 0, sizeof *r);
}

void
ck_pcap_netdec_free(ck_pcap_netdec *d)
{
	int i;

	if (!d)
		return;
	for (i = 0; i < REASM_SLOTS; i++)
		if (d->slot[i].used)
			slot_drop(d, &d->slot[i]);
	free(d);
}

void
ck_pcap_netdec_counts(const ck_pcap_netdec *d, uint64_t *malformed, uint64_t *reassembled,
    uint64_t *frag_dropped)
{
	*malformed = d->malformed;
	*reassembled = d->reassembled;
	*frag_dropped = d->frag_dropped;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* UDP or TCP header at p (proto); fills out. 1 ok, 0 not for us. */
static int
transport(ck_pcap_netdec *d, int proto, const uint8_t *p, size_t len, ck_pcap_pkt *out)
{
	if (proto == 17) {
		size_t ul;
		if (len < 8)
			goto bad;
		ul = be16(p + 4);
		if (ul < 8)
			goto bad;
		if (ul < len)       /* trailing bytes beyond the UDP length */
			len = ul;
		out->sport = be16(p);
		out->dport = be16(p + 2);
		out->data = p + 8;
		out->len = len - 8;
	} else if (proto == 6) {
		size_t hl;
		if (len < 20)
			goto bad;
		hl = (size_t)(p[12] >> 4) * 4;
		if (hl < 20 || hl > len)
			goto bad;
		out->sport = be16(p);
		out->dport = be16(p + 2);
		out->tcp_seq = be32(p + 4);
		out->tcp_flags = p[13];
		out->data = p + hl;
		out->len = len - hl;
	} else
		return 0;
	out->proto = proto;
	return 1;
bad:
	d->malformed++;
	return 0;
}

static void
expire(ck_pcap_netdec *d, int64_t now)
{
	int i;

	for (i = 0; i < REASM_SLOTS; i++)
		if (d->slot[i].used && now - d->slot[i].first_sec > REASM_TIMEOUT) {
			slot_drop(d, &d->slot[i]);
			d->frag_dropped++;
		}
}

/* Adds a fragment; returns the slot when the datagram is complete. */
static reasm *
frag_add(ck_pcap_netdec *d, int af, const uint8_t *src, const uint8_t *dst,
    uint32_t id, int proto, size_t off, int more, const uint8_t *p, size_t len,
    int64_t now)
{
	reasm *r = NULL, *oldest = NULL;
	int i, alen = af == 4 ? 4 : 16;
	size_t end = off + len, b;

	if (end > MAX_DGRAM || (more && (len == 0 || len % 8))) {
		d->frag_dropped++;
		return NULL;
	}
	expire(d, now);
	for (i = 0; i < REASM_SLOTS; i++) {
		reasm *s = &d->slot[i];
		if (s->used && s->af == af && s->id == id &&
		    (af == 6 || s->proto == proto) &&
		    !memcmp(s->src, src, alen) && !memcmp(s->dst, dst, alen)) {
			r = s;
			break;
		}
	}
	if (!r) {
		for (i = 0; i < REASM_SLOTS && !r; i++)
			if (!d->slot[i].used)
				r = &d->slot[i];
			else if (!oldest || d->slot[i].first_sec < oldest->first_sec)
				oldest = &d->slot[i];
		if (!r) {
			slot_drop(d, oldest);
			d->frag_dropped++;
			r = oldest;
		}
		r->used = 1;
		r->af = af;
		memcpy(r->src, src, alen);
		memcpy(r->dst, dst, alen);
		r->id = id;
		r->proto = proto;
		r->first_sec = now;
		r->total = -1;
	}
	if (af == 6 && off == 0)
		r->proto = proto;
	if (end > r->cap) {
		size_t nc = end < 2048 ? 2048 : end;
		uint8_t *nb;
		/* bounded: drop the whole datagram rather than grow past max */
		if (d->used_bytes - r->cap + nc > d->max_bytes ||
		    !(nb = realloc(r->buf, nc))) {
			slot_drop(d, r);
			d->frag_dropped++;
			return NULL;
		}
		d->used_bytes += nc - r->cap;
		r->buf = nb;
		r->cap = nc;
	}
	memcpy(r->buf + off, p, len);
	for (b = off / 8; b < (end + 7) / 8; b++)
		r->have[b / 8] |= (uint8_t)(1u << (b % 8));
	if (!more)
		r->total = (long)end;
	if (r->total < 0)
		return NULL;
	for (b = 0; b < ((size_t)r->total + 7) / 8; b++)
		if (!(r->have[b / 8] & (1u << (b % 8))))
			return NULL;
	return r;
}

static int ip6(ck_pcap_netdec *d, const uint8_t *p, size_t len, int64_t now, ck_pcap_pkt *out);

/* Completed datagram: copy out, free the slot, decode the transport. */
static int
frag_done(ck_pcap_netdec *d, reasm *r, ck_pcap_pkt *out)
{
	size_t n = (size_t)r->total;
	int proto = r->proto, af = r->af;

	memcpy(d->out, r->buf, n);
	slot_drop(d, r);
	d->reassembled++;
	if (af == 6) {
		/* walk what follows the fragment header (rarely more headers) */
		const uint8_t *p = d->out;
		size_t len = n;
		while (proto == 0 || proto == 43 || proto == 60) {
			size_t hl;
			if (len < 8)
				return d->malformed++, 0;
			hl = ((size_t)p[1] + 1) * 8;
			if (hl > len)
				return d->malformed++, 0;
			proto = p[0];
			p += hl;
			len -= hl;
		}
		return transport(d, proto, p, len, out);
	}
	return transport(d, proto, d->out, n, out);
}

static int
ip4(ck_pcap_netdec *d, const uint8_t *p, size_t len, int64_t now, ck_pcap_pkt *out)
{
	size_t hl, tl, off;
	int more;

	if (len < 20 || (p[0] >> 4) != 4)
		return d->malformed++, 0;
	hl = (size_t)(p[0] & 15) * 4;
	tl = be16(p + 2);
	if (hl < 20 || tl < hl || hl > len)
		return d->malformed++, 0;
	if (tl < len)
		len = tl;          /* Ethernet padding */
	out->af = 4;
	memset(out->src, 0, 16);
	memset(out->dst, 0, 16);
	memcpy(out->src, p + 12, 4);
	memcpy(out->dst, p + 16, 4);
	off = (size_t)(be16(p + 6) & 0x1FFF) * 8;
	more = (p[6] >> 5) & 1;
	if (off || more) {
		reasm *r;
		if (tl > len) {    /* a truncated fragment cannot be reassembled */
			d->frag_dropped++;
			return 0;
		}
		r = frag_add(d, 4, p + 12, p + 16, be16(p + 4), p[9], off, more,
		    p + hl, len - hl, now);
		return r ? frag_done(d, r, out) : 0;
	}
	return transport(d, p[9], p + hl, len - hl, out);
}

static int
ip6(ck_pcap_netdec *d, const uint8_t *p, size_t len, int64_t now, ck_pcap_pkt *out)
{
	size_t pl;
	int nh;
	const uint8_t *ip = p;

	if (len < 40 || (p[0] >> 4) != 6)
		return d->malformed++, 0;
	pl = be16(p + 4);
	if (pl + 40 < len)
		len = pl + 40;
	out->af = 6;
	memcpy(out->src, p + 8, 16);
	memcpy(out->dst, p + 24, 16);
	nh = p[6];
	p += 40;
	len -= 40;
	for (;;) {
		size_t hl;
		if (nh == 0 || nh == 43 || nh == 60) {
			if (len < 8)
				return d->malformed++, 0;
			hl = ((size_t)p[1] + 1) * 8;
			if (hl > len)
				return d->malformed++, 0;
			nh = p[0];
			p += hl;
			len -= hl;
		} else if (nh == 44) {
			size_t off;
			int more;
			reasm *r;
			if (len < 8)
				return d->malformed++, 0;
			off = (size_t)(be16(p + 2) & 0xFFF8);
			more = p[3] & 1;
			if (off == 0 && !more) {  /* atomic fragment */
				nh = p[0];
				p += 8;
				len -= 8;
				continue;
			}
			r = frag_add(d, 6, ip + 8, ip + 24, be32(p + 4), p[0], off,
			    more, p + 8, len - 8, now);
			return r ? frag_done(d, r, out) : 0;
		} else
			return transport(d, nh, p, len, out);
	}
}

static int
ethertype(ck_pcap_netdec *d, unsigned et, const uint8_t *p, size_t len, int64_t now,
    ck_pcap_pkt *out)
{
	int tags = 0;

	/* stacked 802.1Q / 802.1ad (QinQ) tags, bounded */
	while ((et == 0x8100 || et == 0x88A8 || et == 0x9100) && tags++ < 8) {
		if (len < 4)
			return d->malformed++, 0;
		et = be16(p + 2);
		p += 4;
		len -= 4;
	}
	if (et == 0x0800)
		return ip4(d, p, len, now, out);
	if (et == 0x86DD)
		return ip6(d, p, len, now, out);
	return 0;
}

int
ck_pcap_netdec_frame(ck_pcap_netdec *d, const uint8_t *p, size_t len, int64_t ts_sec,
    int32_t ts_nsec, ck_pcap_pkt *out)
{
	uint32_t af;

	out->ts_sec = ts_sec;
	out->ts_nsec = ts_nsec;
	out->tcp_seq = 0;
	out->tcp_flags = 0;
	switch (d->dlt) {
	case DLT_EN10MB:
		if (len < 14)
			return d->malformed++, 0;
		return ethertype(d, be16(p + 12), p + 14, len - 14, ts_sec, out);
	case DLT_LINUX_SLL:
		if (len < 16)
			return d->malformed++, 0;
		return ethertype(d, be16(p + 14), p + 16, len - 16, ts_sec, out);
	case DLT_LINUX_SLL2:
		if (len < 20)
			return d->malformed++, 0;
		return ethertype(d, be16(p), p + 20, len - 20, ts_sec, out);
	case DLT_NULL: case DLT_LOOP:
		if (len < 4)
			return d->malformed++, 0;
		/* host byte order for NULL, network for LOOP: accept either */
		af = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		    (uint32_t)p[3] << 24;
		if (af > 0xFFFF)
			af = be32(p);
		if (af == 2)
			return ip4(d, p + 4, len - 4, ts_sec, out);
		if (af == 10 || af == 24 || af == 28 || af == 30)
			return ip6(d, p + 4, len - 4, ts_sec, out);
		return 0;
	default: /* raw IP: the version nibble decides */
		if (len < 1)
			return d->malformed++, 0;
		if ((p[0] >> 4) == 4)
			return ip4(d, p, len, ts_sec, out);
		if ((p[0] >> 4) == 6)
			return ip6(d, p, len, ts_sec, out);
		return d->malformed++, 0;
	}
}

#define PCAP_IOBUF (1u << 17)

struct ck_pcap {
	pcap_t *pc;
	FILE *fp;                  /* file handle when reading a file */
	char *iobuf;               /* fp's stdio buffer, freed after it closes */
	ck_pcap_netdec *dec;
	uint64_t frames, size;
	int64_t first_sec;
	int32_t first_nsec;
	int have_first;
};

static ck_pcap *
wrap(pcap_t *pc, FILE *fp, uint64_t size, ck_err *e)
{
	ck_pcap *in;
	int dlt = pcap_datalink(pc);

	if (!ck_pcap_netdec_supported(dlt)) {
		ck_err_set(e, CK_DATAERR, "unsupported link type %s (%d)",
		    pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "?", dlt);
		pcap_close(pc);
		return NULL;
	}
	if (!(in = calloc(1, sizeof *in)) || !(in->dec = ck_pcap_netdec_new(dlt, 0))) {
		free(in);
		pcap_close(pc);
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	in->pc = pc;
	in->fp = fp;
	in->size = size;
	return in;
}

ck_pcap *
ck_pcap_open_file(const char *path, ck_err *e)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	FILE *fp;
	pcap_t *pc;
	struct stat st;
	uint64_t size = 0;
	char *iobuf;
	ck_pcap *in;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if (!(fp = fopen(path, "rb"))) {
		ck_err_set(e, errno == ENOENT ? CK_NOINPUT : CK_IOERR, "%s: %s",
		    path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode))
		size = (uint64_t)st.st_size;
	/* libpcap reads through stdio, record by record: with glibc's 4 KiB
	 * buffer the read(2) calls cost more than the parsing. glibc ignores
	 * the size when setvbuf is given no buffer: hand it one. */
	if ((iobuf = malloc(PCAP_IOBUF)) != NULL)
		setvbuf(fp, iobuf, _IOFBF, PCAP_IOBUF);
	/* one thread reads this stream: libpcap's two freads per record
	 * need not take and drop the stream lock each time */
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
	pc = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_NANO, eb);
	if (!pc) {
		ck_err_set(e, CK_DATAERR, "%s: not a pcap or pcapng capture (%s)",
		    strcmp(path, "-") ? path : "stdin", eb);
		if (fp != stdin)
			fclose(fp);   /* pcap_fopen_offline leaves it open on failure */
		else
			setvbuf(fp, NULL, _IONBF, 0);
		free(iobuf);
		return NULL;
	}
	if (!(in = wrap(pc, fp, size, e))) {   /* wrap closed pc and fp */
		free(iobuf);
		return NULL;
	}
	in->iobuf = iobuf;
	return in;
}

ck_pcap *
ck_pcap_open_live(const char *iface, const char *filter, ck_err *e)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = pcap_create(iface, eb);
	struct bpf_program prog;
	int rc;

	if (!pc) {
		ck_err_set(e, CK_UNAVAIL, "%s: %s", iface, eb);
		return NULL;
	}
	pcap_set_snaplen(pc, 262144);
	pcap_set_timeout(pc, 200);
	pcap_set_tstamp_precision(pc, PCAP_TSTAMP_PRECISION_NANO);
	pcap_set_buffer_size(pc, 4 << 20);
	if ((rc = pcap_activate(pc)) < 0) {
		ck_err_set(e, CK_UNAVAIL, "%s: %s", iface, pcap_geterr(pc));
		pcap_close(pc);
		return NULL;
	}
	if (filter && *filter) {
		if (pcap_compile(pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			ck_err_set(e, CK_USAGE, "filter '%s': %s", filter, pcap_geterr(pc));
			pcap_close(pc);
			return NULL;
		}
		rc = pcap_setfilter(pc, &prog);
		pcap_freecode(&prog);
		if (rc < 0) {
			ck_err_set(e, CK_UNAVAIL, "filter: %s", pcap_geterr(pc));
			pcap_close(pc);
			return NULL;
		}
	}
	return wrap(pc, NULL, 0, e);
}

int
ck_pcap_next(ck_pcap *in, ck_pcap_pkt *out, ck_err *e)
{
	struct pcap_pkthdr *h;
	const u_char *p;
	int rc;

	for (;;) {
		rc = pcap_next_ex(in->pc, &h, &p);
		if (rc == 0)
			continue;          /* live timeout */
		if (rc == PCAP_ERROR_BREAK)
			return 0;
		if (rc == PCAP_ERROR) {
			const char *m = pcap_geterr(in->pc);
			return ck_err_set(e, in->fp ? CK_DATAERR : CK_IOERR,
			    "capture corrupt or truncated after frame %llu: %s",
			    (unsigned long long)in->frames, m);
		}
		if (rc != 1)
			return ck_err_set(e, CK_SOFTWARE, "pcap_next_ex: %d", rc);
		in->frames++;
		if (!in->have_first) {
			in->have_first = 1;
			in->first_sec = h->ts.tv_sec;
			in->first_nsec = (int32_t)h->ts.tv_usec;
		}
		out->frame = in->frames;
		if (ck_pcap_netdec_frame(in->dec, p, h->caplen, h->ts.tv_sec,
		    (int32_t)h->ts.tv_usec, out))
			return 1;
	}
}

void
ck_pcap_break(ck_pcap *in)
{
	pcap_breakloop(in->pc);
}

void
ck_pcap_first_ts(const ck_pcap *in, int64_t *sec, int32_t *nsec)
{
	*sec = in->first_sec;
	*nsec = in->first_nsec;
}

void
ck_pcap_progress(ck_pcap *in, uint64_t *pos, uint64_t *size)
{
	long o = in->fp ? ftell(in->fp) : -1;

	*pos = o > 0 ? (uint64_t)o : 0;
	*size = in->size;
}

uint64_t
ck_pcap_frames(const ck_pcap *in)
{
	return in->frames;
}

const ck_pcap_netdec *
ck_pcap_decoder(const ck_pcap *in)
{
	return in->dec;
}

void
ck_pcap_close(ck_pcap *in)
{
	if (!in)
		return;
	pcap_close(in->pc);  /* closes the FILE too */
	ck_pcap_netdec_free(in->dec);
	free(in->iobuf);
	free(in);
}
