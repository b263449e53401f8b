#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/h26x.h"
#include "media/ps.h"
#include "media/psmux.h"

#define INPUT_MAX ((size_t)1 << 32)  /* the index keeps 32-bit lengths */
#define MUX_RATE 12500u               /* 50 bytes/s units: 5 Mb/s, nominal */

typedef struct unit {
	size_t off;
	uint32_t len;
	uint8_t key;
	uint64_t pts;          /* audio: 90 kHz; video: display index (the DTS is
	                        * the decode index; both times come from fps) */
} unit;

struct ck_psmux_media {
	uint8_t *v, *a;
	size_t vlen, alen;
	int v_mapped;          /* v is a private read-only mapping of the file */
	unit *fr, *au;
	size_t nfr, nau, max_frame;
	int codec, acodec, width, height, fps_from_sps;
	double fps;
	uint64_t keys, duration;
	unsigned delay;        /* frames the display lags decoding (B-frames) */
	uint8_t psm[2][64];    /* system header + PSM, without / with audio */
	size_t psm_len[2];
};

struct ck_psmux {
	const ck_psmux_media *m;
	unsigned pt;
	size_t max_payload;
	uint16_t seq;
	uint32_t ssrc, next_ssrc, ts_base;
	int loop, no_audio, started;
	size_t vi, ai;
	uint64_t loops, packets, bytes;
	/* the pack being sent: headers in hdr, the payloads where they are in
	 * the media, as a list of segments (no copy of the frame) */
	uint8_t *hdr;
	struct seg { const uint8_t *p; size_t n; } *seg;
	size_t nseg, si, so, pk_len, pk_off;
	uint64_t pk_due, pk_pts;
	int pk_audio, pk_key;
	uint8_t *pkt;          /* 2 + 12 + max_payload */
};

static uint8_t *psm_build(uint8_t *q, int vcodec, int acodec);

/* --- loading ----------------------------------------------------------- */

static int
load_fd(int fd, const char *name, uint8_t **out, size_t *outlen, ck_err *e)
{
	size_t cap = 1 << 16, len = 0;
	uint8_t *b = malloc(cap);
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size + 1 > cap) {
		if ((size_t)st.st_size >= INPUT_MAX) {
			free(b);
			return ck_err_set(e, CK_DATAERR, "%s: larger than 4 GiB", name);
		}
		cap = (size_t)st.st_size + 1;
		free(b);
		b = malloc(cap);
	}
	if (b == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	for (;;) {
		ssize_t r;
		if (len == cap) {
			uint8_t *nb;
			if (cap >= INPUT_MAX) {
				free(b);
				return ck_err_set(e, CK_DATAERR, "%s: larger than 4 GiB", name);
			}
			if ((nb = realloc(b, cap * 2)) == NULL) {
				free(b);
				return ck_err_set(e, CK_SOFTWARE, "out of memory");
			}
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int en = errno;
			free(b);
			return ck_err_set(e, en == EISDIR ? CK_NOINPUT : CK_IOERR, "%s: %s", name, strerror(en));
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*out = b;
	*outlen = len;
	return 0;
}

/* Reads path ("-" = stdin) or copies buf into a malloc'd buffer; a
 * regular file is mapped instead when mapped is not NULL (*mapped set):
 * no copy, and the page cache is shared by every process sending it. */
static int
load(const char *path, const uint8_t *buf, size_t n, uint8_t **out, size_t *outlen,
    int *mapped, ck_err *e)
{
	int fd, rc;
	struct stat st;

	if (path == NULL) {
		if ((*out = malloc(n ? n : 1)) == NULL)
			return ck_err_set(e, CK_SOFTWARE, "out of memory");
		if (n)
			memcpy(*out, buf, n);
		*outlen = n;
		return 0;
	}
	if (strcmp(path, "-") == 0)
		return load_fd(0, "stdin", out, outlen, e);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return ck_err_set(e, errno == ENOENT || errno == EACCES || errno == ENOTDIR ?
		    CK_NOINPUT : CK_IOERR, "%s: %s", path, strerror(errno));
	if (mapped != NULL && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size < INPUT_MAX) {
		void *a = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (a != MAP_FAILED) {
			close(fd);
			*out = a;
			*outlen = (size_t)st.st_size;
			*mapped = 1;
			return 0;
		}
	}
	rc = load_fd(fd, path, out, outlen, e);
	close(fd);
	return rc;
}

static int
push(unit **a, size_t *n, size_t *cap, unit u, ck_err *e)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 1024;
		unit *na = realloc(*a, nc * sizeof *na);
		if (na == NULL)
			return ck_err_set(e, CK_SOFTWARE, "out of memory");
		*a = na;
		*cap = nc;
	}
	(*a)[(*n)++] = u;
	return 0;
}

/* Does this NAL unit start a new access unit, given that the current one
 * already holds a picture (H.264 7.4.1.2.3, H.265 7.4.2.4.4)? Slices start
 * one when they are the first of their picture: first_mb_in_slice == 0 (its
 * ue(v) code is a single 1 bit) / first_slice_segment_in_pic_flag. */
static int
au_starts(int codec, const uint8_t *nal, size_t n, int *vcl, int *key)
{
	if (codec == CK_CODEC_H265) {
		unsigned t = (nal[0] >> 1) & 0x3F;
		*vcl = t < 32;
		*key = t >= 16 && t <= 21;
		if (t < 32)
			return n > 2 && (nal[2] & 0x80);
		return (t >= 32 && t <= 35) || t == 39 || (t >= 41 && t <= 44) || (t >= 48 && t <= 55);
	}
	unsigned t = nal[0] & 0x1F;
	*vcl = t >= 1 && t <= 5;
	*key = t == 5;
	if (*vcl)
		return n > 1 && (nal[1] & 0x80);
	return (t >= 6 && t <= 9) || (t >= 14 && t <= 18);
}

static int
index_video(ck_psmux_media *m, ck_err *e)
{
	const uint8_t *b = m->v, *end = b + m->vlen, *s = ck_h26x_annexb_find(b, end);
	size_t cap = 0, cut = 0;
	int seen_vcl = 0, key = 0;

	while (s != NULL) {
		const uint8_t *nal = s + 3, *next = nal < end ? ck_h26x_annexb_find(nal, end) : NULL;
		size_t nlen = (size_t)((next ? next : end) - nal), at = (size_t)(s - b);
		int vcl = 0, k = 0;
		if (nlen > 0) {
			if (at > cut && b[at - 1] == 0)
				at--;  /* a 4-byte start code: its zero_byte opens the unit */
			if (au_starts(m->codec, nal, nlen, &vcl, &k) && seen_vcl) {
				unit u = { cut, (uint32_t)(at - cut), (uint8_t)key, 0 };
				if (push(&m->fr, &m->nfr, &cap, u, e) < 0)
					return -1;
				cut = at;
				seen_vcl = 0;
			}
			if (vcl && !seen_vcl) {
				seen_vcl = 1;
				key = k;
			}
		}
		s = next;
	}
	if (cut < m->vlen) {
		unit u = { cut, (uint32_t)(m->vlen - cut), (uint8_t)(seen_vcl && key), 0 };
		if (push(&m->fr, &m->nfr, &cap, u, e) < 0)
			return -1;
	}
	for (size_t i = 0; i < m->nfr; i++) {
		m->keys += m->fr[i].key;
		if (m->fr[i].len > m->max_frame)
			m->max_frame = m->fr[i].len;
	}
	return 0;
}

typedef struct ord {
	int32_t poc;
	size_t i;
} ord;

static int
by_poc(const void *a, const void *b)
{
	const ord *x = a, *y = b;
	return x->poc < y->poc ? -1 : x->poc > y->poc;
}

/* Display order from the picture order counts: within each run from one
 * count reset to the next, pictures are shown by POC. The PTS lags the DTS
 * by the largest reordering. Decode order (PTS = DTS) when a count cannot
 * be read, repeats, or reorders by more than 16 frames. */
static void
order_frames(ck_psmux_media *m)
{
	ck_h26x_poc st;
	ord *o = malloc(m->nfr * sizeof *o);
	size_t a = 0;
	int reset, ok = o != NULL;
	long delay = 0;

	ck_h26x_poc_init(&st, m->codec);
	for (size_t i = 0; ok && i <= m->nfr; i++) {
		if (i < m->nfr) {
			ok = ck_h26x_poc_au(&st, m->v + m->fr[i].off, m->fr[i].len, &o[i].poc, &reset) == 1;
			o[i].i = i;
			if (!ok || !reset || i == 0)
				continue;
		}
		/* [a, i) is one run */
		qsort(o + a, i - a, sizeof *o, by_poc);
		for (size_t k = a; ok && k < i; k++) {
			long lag = (long)o[k].i - (long)k;
			ok = (k == a || o[k].poc != o[k - 1].poc) && lag <= 16 && lag >= -16;
			m->fr[o[k].i].pts = k;
			if (lag > delay)
				delay = lag;
		}
		a = i;
	}
	m->delay = ok ? (unsigned)delay : 0;
	for (size_t i = 0; i < m->nfr; i++)
		m->fr[i].pts = ok ? m->fr[i].pts + (uint64_t)delay : i;
	free(o);
}

static const unsigned adts_rates[13] = {
	96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350
};

static int
is_adts(const uint8_t *p, size_t n)
{
	return n >= 7 && p[0] == 0xFF && (p[1] & 0xF6) == 0xF0;
}

static int
index_audio(ck_psmux_media *m, ck_err *e)
{
	size_t cap = 0, off = 0;
	uint64_t samples = 0;

	if (m->acodec != CK_CODEC_AAC) {
		for (off = 0; off < m->alen; off += CK_PSMUX_G711_BYTES) {
			size_t l = m->alen - off < CK_PSMUX_G711_BYTES ? m->alen - off : CK_PSMUX_G711_BYTES;
			unit u = { off, (uint32_t)l, 0, (uint64_t)off * 90000 / 8000 };
			if (push(&m->au, &m->nau, &cap, u, e) < 0)
				return -1;
		}
		return 0;
	}
	while (off < m->alen) {
		const uint8_t *p = m->a + off;
		size_t n = m->alen - off, fl;
		unsigned ri;
		if (!is_adts(p, n))
			return ck_err_set(e, CK_DATAERR, "audio: no ADTS header at byte %zu", off);
		fl = (size_t)(p[3] & 3) << 11 | (size_t)p[4] << 3 | p[5] >> 5;
		ri = (p[2] >> 2) & 0xF;
		if (ri >= 13)
			return ck_err_set(e, CK_DATAERR, "audio: ADTS sampling index %u at byte %zu", ri, off);
		if (fl < ((p[1] & 1) ? 7u : 9u) || fl > n)
			return ck_err_set(e, CK_DATAERR, "audio: ADTS frame of %zu bytes at byte %zu %s",
			    fl, off, fl > n ? "is cut off by the end" : "is too short");
		unit u = { off, (uint32_t)fl, 0, samples * 90000 / adts_rates[ri] };
		if (push(&m->au, &m->nau, &cap, u, e) < 0)
			return -1;
		samples += 1024u * ((p[6] & 3) + 1u);
		off += fl;
	}
	return 0;
}

static int
ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcasecmp(s + a - b, suf) == 0;
}

/* The name decides first (raw G.711 can start with bytes that look like an
 * ADTS header: µ-law 0xFF 0xF1 is two loud samples), then the content. */
static int
audio_codec_of(const ck_psmux_src *src, const uint8_t *a, size_t n)
{
	static const char *mu[] = { ".ulaw", ".mulaw", ".pcmu", ".ul", ".mu", ".g711u" };
	static const char *al[] = { ".alaw", ".pcma", ".al", ".g711a", ".g711" };
	static const char *aac[] = { ".aac", ".adts" };
	if (src->audio_codec)
		return src->audio_codec;
	for (size_t i = 0; src->audio && i < sizeof mu / sizeof mu[0]; i++)
		if (ends_with(src->audio, mu[i]))
			return CK_CODEC_G711U;
	for (size_t i = 0; src->audio && i < sizeof al / sizeof al[0]; i++)
		if (ends_with(src->audio, al[i]))
			return CK_CODEC_G711A;
	for (size_t i = 0; src->audio && i < sizeof aac / sizeof aac[0]; i++)
		if (ends_with(src->audio, aac[i]))
			return CK_CODEC_AAC;
	return is_adts(a, n) ? CK_CODEC_AAC : CK_CODEC_G711A;
}

/* The frame rate the first SPS declares, else 0. */
static double
stream_fps(const ck_psmux_media *m)
{
	const uint8_t *end = m->v + (m->vlen < (1u << 20) ? m->vlen : (1u << 20));
	const uint8_t *s = ck_h26x_annexb_find(m->v, end);
	double fps = 0;

	while (s != NULL && s + 4 < end) {
		const uint8_t *nal = s + 3, *next = ck_h26x_annexb_find(nal, end);
		size_t n = (size_t)((next ? next : end) - nal);
		if (m->codec == CK_CODEC_H264 && (nal[0] & 0x1F) == 7)
			return ck_h26x_h264_sps_fps(nal, n, &fps) == 0 ? fps : 0;
		if (m->codec == CK_CODEC_H265 && ((nal[0] >> 1) & 0x3F) == 33)
			return ck_h26x_h265_sps_fps(nal, n, &fps) == 0 ? fps : 0;
		s = next;
	}
	return 0;
}

static int
video_open(ck_psmux_media *m, const ck_psmux_src *src, ck_err *e)
{
	const char *name = src->video ? src->video : "video";
	ck_h26x_info inf;
	size_t n;

	if (load(src->video, src->video_buf, src->video_len, &m->v, &m->vlen, &m->v_mapped, e) < 0)
		return -1;
	n = m->vlen < 65536 ? m->vlen : 65536;
	m->codec = src->codec ? src->codec : ck_h26x_guess(m->v, n);
	if (m->codec != CK_CODEC_H264 && m->codec != CK_CODEC_H265)
		return ck_err_set(e, CK_DATAERR, "%s: %s", name, m->vlen == 0 ? "empty" :
		    "not an Annex-B H.264/H.265 elementary stream");
	if (index_video(m, e) < 0)
		return -1;
	if (m->nfr == 0)
		return ck_err_set(e, CK_DATAERR, "%s: no access unit", name);
	order_frames(m);
	ck_h26x_scan(m->codec, m->v + m->fr[0].off, m->fr[0].len, &inf);
	if (!inf.vcl && m->nfr == 1)
		return ck_err_set(e, CK_DATAERR, "%s: no picture in the stream", name);
	m->width = inf.width;
	m->height = inf.height;
	return 0;
}

ck_psmux_media *
ck_psmux_media_open(const ck_psmux_src *src, ck_err *e)
{
	ck_psmux_media *m;

	if (src->fps != 0 && !(src->fps >= 1 && src->fps <= 240)) {
		ck_err_set(e, CK_USAGE, "frame rate %g is not 1..240", src->fps);
		return NULL;
	}
	if ((m = calloc(1, sizeof *m)) == NULL) {
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	if (video_open(m, src, e) < 0)
		goto fail;
	m->fps = src->fps;
	if (m->fps == 0) {
		m->fps = stream_fps(m);
		m->fps_from_sps = m->fps > 0;
		if (m->fps == 0)
			m->fps = 25;
	}
	if (src->audio || src->audio_buf) {
		if (load(src->audio, src->audio_buf, src->audio_len, &m->a, &m->alen, NULL, e) < 0)
			goto fail;
		m->acodec = audio_codec_of(src, m->a, m->alen);
		if (index_audio(m, e) < 0) {
			if (src->audio)
				ck_err_wrap(e, "%s", src->audio);
			goto fail;
		}
	}
	m->duration = (uint64_t)llround((double)m->nfr * 90000.0 / m->fps);
	m->psm_len[0] = (size_t)(psm_build(m->psm[0], m->codec, 0) - m->psm[0]);
	if (m->nau > 0)
		m->psm_len[1] = (size_t)(psm_build(m->psm[1], m->codec, m->acodec) - m->psm[1]);
	return m;
fail:
	ck_psmux_media_free(m);
	return NULL;
}

void
ck_psmux_media_info(const ck_psmux_media *m, ck_psmux_info *o)
{
	memset(o, 0, sizeof *o);
	o->codec = m->codec;
	o->audio_codec = m->nau ? m->acodec : 0;
	o->width = m->width;
	o->height = m->height;
	o->fps = m->fps;
	o->fps_from_sps = m->fps_from_sps;
	o->frames = m->nfr;
	o->key_frames = m->keys;
	o->audio_units = m->nau;
	o->video_bytes = m->vlen;
	o->audio_bytes = m->alen;
	o->duration = m->duration;
	o->reorder_delay = m->delay;
}

void
ck_psmux_media_free(ck_psmux_media *m)
{
	if (m == NULL)
		return;
	if (m->v_mapped)
		munmap(m->v, m->vlen);
	else
		free(m->v);
	free(m->a);
	free(m->fr);
	free(m->au);
	free(m);
}

/* --- muxing ------------------------------------------------------------ */

static uint64_t
frame_pts(const ck_psmux_media *m, size_t i)
{
	return (uint64_t)llround((double)i * 90000.0 / m->fps);
}

ck_psmux *
ck_psmux_new(const ck_psmux_media *m, const ck_psmux_conf *c, ck_err *e)
{
	ck_psmux *x;
	size_t mp = c->max_payload ? c->max_payload : CK_PSMUX_PAYLOAD_DEFAULT;

	if (mp < 64 || mp > CK_PSMUX_PAYLOAD_MAX) {
		ck_err_set(e, CK_USAGE, "RTP payload size %zu is not 64..%u", mp, CK_PSMUX_PAYLOAD_MAX);
		return NULL;
	}
	if ((x = calloc(1, sizeof *x)) == NULL)
		goto oom;
	x->m = m;
	x->pt = c->pt ? c->pt & 0x7F : 96;
	x->max_payload = mp;
	x->seq = c->seq;
	x->ssrc = x->next_ssrc = c->ssrc;
	x->ts_base = c->ts_base;
	x->loop = c->loop;
	x->no_audio = c->no_audio || m->nau == 0;
	/* the largest pack: pack + system header + PSM, then a PES header and
	 * a payload segment per piece of the largest frame */
	size_t pieces = m->max_frame / CK_PSMUX_PES_MAX + 1;
	x->hdr = malloc(128 + pieces * 16);
	x->seg = malloc(2 * pieces * sizeof *x->seg);
	x->pkt = malloc(2 + 12 + mp);
	if (x->hdr == NULL || x->seg == NULL || x->pkt == NULL)
		goto oom;
	return x;
oom:
	ck_psmux_free(x);
	ck_err_set(e, CK_SOFTWARE, "out of memory");
	return NULL;
}

void
ck_psmux_free(ck_psmux *x)
{
	if (x == NULL)
		return;
	free(x->hdr);
	free(x->seg);
	free(x->pkt);
	free(x);
}

void
ck_psmux_set_ssrc(ck_psmux *x, uint32_t ssrc)
{
	x->next_ssrc = ssrc;
}

void
ck_psmux_counts(const ck_psmux *x, uint64_t *packets, uint64_t *bytes)
{
	*packets = x->packets;
	*bytes = x->bytes;
}

static uint8_t *
put_ts(uint8_t *q, unsigned prefix, uint64_t t)
{
	q[0] = (uint8_t)(prefix << 4 | ((t >> 29) & 0x0E) | 1);
	q[1] = (uint8_t)(t >> 22);
	q[2] = (uint8_t)(((t >> 14) & 0xFE) | 1);
	q[3] = (uint8_t)(t >> 7);
	q[4] = (uint8_t)(((t << 1) & 0xFE) | 1);
	return q + 5;
}

static uint8_t *
pack_header(uint8_t *q, uint64_t scr)
{
	scr &= 0x1FFFFFFFFull;
	q[0] = 0; q[1] = 0; q[2] = 1; q[3] = 0xBA;
	q[4] = (uint8_t)(0x44 | ((scr >> 27) & 0x38) | ((scr >> 28) & 0x03));
	q[5] = (uint8_t)(scr >> 20);
	q[6] = (uint8_t)(((scr >> 12) & 0xF8) | 0x04 | ((scr >> 13) & 0x03));
	q[7] = (uint8_t)(scr >> 5);
	q[8] = (uint8_t)(((scr << 3) & 0xF8) | 0x04);  /* SCR extension 0 */
	q[9] = 0x01;
	q[10] = (uint8_t)(MUX_RATE >> 14);
	q[11] = (uint8_t)(MUX_RATE >> 6);
	q[12] = (uint8_t)((MUX_RATE << 2) | 3);
	q[13] = 0xF8;  /* no stuffing */
	return q + 14;
}

static unsigned
stream_type(int codec)
{
	switch (codec) {
	case CK_CODEC_H264: return 0x1B;
	case CK_CODEC_H265: return 0x24;
	case CK_CODEC_AAC: return 0x0F;
	case CK_CODEC_G711U: return 0x91;
	default: return 0x90;
	}
}

/* System header and program stream map (ISO/IEC 13818-1 2.5.3.5, 2.5.4). */
static uint8_t *
psm_build(uint8_t *q, int vcodec, int acodec)
{
	int audio = acodec != 0;
	unsigned n = 1 + (unsigned)audio, hl = 6 + 3 * n, ml = 10 + 4 * n;
	uint8_t *s;

	q[0] = 0; q[1] = 0; q[2] = 1; q[3] = 0xBB;
	q[4] = (uint8_t)(hl >> 8); q[5] = (uint8_t)hl;
	q[6] = (uint8_t)(0x80 | (MUX_RATE >> 15));
	q[7] = (uint8_t)(MUX_RATE >> 7);
	q[8] = (uint8_t)((MUX_RATE << 1) | 1);
	q[9] = (uint8_t)(audio << 2);  /* audio_bound, not fixed, not CSPS */
	q[10] = 0xE1;                  /* audio and video locked, video_bound 1 */
	q[11] = 0x7F;
	q[12] = 0xE0; q[13] = 0xE0 | (400 >> 8); q[14] = 400 & 0xFF;  /* 400 KiB */
	q += 15;
	if (audio) {
		q[0] = 0xC0; q[1] = 0xC0; q[2] = 32;  /* 4 KiB */
		q += 3;
	}
	s = q;
	q[0] = 0; q[1] = 0; q[2] = 1; q[3] = 0xBC;
	q[4] = (uint8_t)(ml >> 8); q[5] = (uint8_t)ml;
	q[6] = 0xE0;  /* current, version 0 */
	q[7] = 0xFF;
	q[8] = 0; q[9] = 0;  /* no program_stream_info */
	q[10] = 0; q[11] = (uint8_t)(4 * n);
	q[12] = (uint8_t)stream_type(vcodec); q[13] = 0xE0; q[14] = 0; q[15] = 0;
	q += 16;
	if (audio) {
		q[0] = (uint8_t)stream_type(acodec); q[1] = 0xC0; q[2] = 0; q[3] = 0;
		q += 4;
	}
	uint32_t crc = ck_ps_crc32_mpeg(s, (size_t)(q - s));
	q[0] = (uint8_t)(crc >> 24); q[1] = (uint8_t)(crc >> 16);
	q[2] = (uint8_t)(crc >> 8); q[3] = (uint8_t)crc;
	return q + 4;
}

/* The system header and PSM made when the media was opened (made once:
 * streams on other threads share the media read-only). */
static uint8_t *
psm_copy(uint8_t *q, const ck_psmux *x)
{
	int a = !x->no_audio;
	memcpy(q, x->m->psm[a], x->m->psm_len[a]);
	return q + x->m->psm_len[a];
}

/* One PES header for n payload bytes: a PTS (and the DTS when it differs)
 * on the first of a unit, none on the pieces after it. */
static uint8_t *
pes_header(uint8_t *q, unsigned sid, size_t n, int first, uint64_t pts, uint64_t dts)
{
	int two = first && pts != dts;
	size_t hl = two ? 10 : first ? 5 : 0, len = 3 + hl + n;
	q[0] = 0; q[1] = 0; q[2] = 1; q[3] = (uint8_t)sid;
	q[4] = (uint8_t)(len >> 8); q[5] = (uint8_t)len;
	q[6] = first ? 0x84 : 0x80;  /* data_alignment on the unit's start */
	q[7] = two ? 0xC0 : first ? 0x80 : 0x00;
	q[8] = (uint8_t)hl;
	q += 9;
	if (first)
		q = put_ts(q, two ? 3 : 2, pts & 0x1FFFFFFFFull);
	if (two)
		q = put_ts(q, 1, dts & 0x1FFFFFFFFull);
	return q;
}

/* Headers from *mark to q, then n payload bytes at d, as segments. */
static void
segs(ck_psmux *x, uint8_t **mark, uint8_t *q, const uint8_t *d, size_t n)
{
	x->seg[x->nseg++] = (struct seg){ *mark, (size_t)(q - *mark) };
	x->seg[x->nseg++] = (struct seg){ d, n };
	x->pk_len += (size_t)(q - *mark) + n;
	*mark = q;
}

/* Builds the next pack; 0 at the end of the media. */
static int
next_pack(ck_psmux *x)
{
	const ck_psmux_media *m = x->m;
	uint8_t *q = x->hdr, *mark = x->hdr;
	uint64_t base, tv = 0, ta = 0;
	int have_v, have_a;

	for (;;) {
		have_v = x->vi < m->nfr;
		have_a = !x->no_audio && x->ai < m->nau &&
		    (!x->loop || m->au[x->ai].pts < m->duration);
		if (have_v || have_a)
			break;
		if (!x->loop)
			return 0;
		x->loops++;
		x->vi = x->ai = 0;
	}
	base = x->loops * m->duration;
	if (have_v)
		tv = frame_pts(m, x->vi);
	if (have_a)
		ta = m->au[x->ai].pts;
	x->ssrc = x->next_ssrc;
	x->nseg = x->si = x->so = x->pk_len = x->pk_off = 0;
	if (have_v && (!have_a || tv <= ta)) {
		const unit *f = &m->fr[x->vi++];
		const uint8_t *d = m->v + f->off;
		size_t left = f->len;
		x->pk_due = base + tv;
		x->pk_pts = base + frame_pts(m, f->pts);
		x->pk_audio = 0;
		x->pk_key = f->key;
		q = pack_header(q, x->pk_due);
		if (f->key || !x->started)
			q = psm_copy(q, x);
		do {
			size_t n = left < CK_PSMUX_PES_MAX ? left : CK_PSMUX_PES_MAX;
			q = pes_header(q, 0xE0, n, d == m->v + f->off, x->pk_pts, x->pk_due);
			segs(x, &mark, q, d, n);
			d += n;
			left -= n;
		} while (left > 0);
	} else {
		const unit *u = &m->au[x->ai++];
		x->pk_due = base + ta;
		x->pk_pts = x->pk_due + frame_pts(m, m->delay);  /* in step with the video */
		x->pk_audio = 1;
		x->pk_key = 0;
		q = pack_header(q, x->pk_due);
		if (!x->started)
			q = psm_copy(q, x);
		q = pes_header(q, 0xC0, u->len, 1, x->pk_pts, x->pk_pts);
		segs(x, &mark, q, m->a + u->off, u->len);
	}
	x->started = 1;
	return 1;
}

int
ck_psmux_next(ck_psmux *x, ck_psmux_pkt *p)
{
	size_t n, len;
	uint8_t *h = x->pkt;
	uint32_t ts;
	int first;

	if (x->pk_off >= x->pk_len && !next_pack(x))
		return 0;
	first = x->pk_off == 0;
	n = x->pk_len - x->pk_off;
	if (n > x->max_payload)
		n = x->max_payload;
	len = 12 + n;
	ts = (uint32_t)x->pk_due + x->ts_base;
	h[0] = (uint8_t)(len >> 8);
	h[1] = (uint8_t)len;
	h[2] = 0x80;
	h[3] = (uint8_t)((x->pk_off + n == x->pk_len ? 0x80 : 0) | x->pt);
	h[4] = (uint8_t)(x->seq >> 8); h[5] = (uint8_t)x->seq;
	h[6] = (uint8_t)(ts >> 24); h[7] = (uint8_t)(ts >> 16);
	h[8] = (uint8_t)(ts >> 8); h[9] = (uint8_t)ts;
	h[10] = (uint8_t)(x->ssrc >> 24); h[11] = (uint8_t)(x->ssrc >> 16);
	h[12] = (uint8_t)(x->ssrc >> 8); h[13] = (uint8_t)x->ssrc;
	for (size_t o = 0; o < n;) {
		const struct seg *g = &x->seg[x->si];
		size_t k = g->n - x->so < n - o ? g->n - x->so : n - o;
		memcpy(h + 14 + o, g->p + x->so, k);
		o += k;
		x->so += k;
		if (x->so == g->n) {
			x->si++;
			x->so = 0;
		}
	}
	x->pk_off += n;
	x->seq++;
	x->packets++;
	x->bytes += len;
	p->rtp = h + 2;
	p->rtp_len = len;
	p->framed = h;
	p->framed_len = len + 2;
	p->ps = h + 14;
	p->ps_len = n;
	p->due = x->pk_due;
	p->pts = x->pk_pts;
	p->loops = x->loops;
	p->marker = x->pk_off == x->pk_len;
	p->first = first;
	p->audio = x->pk_audio;
	p->key = x->pk_key;
	return 1;
}

uint64_t
ck_psmux_seek(ck_psmux *x, uint64_t t)
{
	const ck_psmux_media *m = x->m;
	size_t i, lo, hi;
	uint64_t kt;

	if (m->duration > 0)
		t %= m->duration;
	/* the last frame at or before t, then back to a key frame */
	i = (size_t)floor((double)t * m->fps / 90000.0);
	if (i >= m->nfr)
		i = m->nfr - 1;
	while (i > 0 && frame_pts(m, i) > t)
		i--;
	while (i > 0 && !m->fr[i].key)
		i--;
	kt = frame_pts(m, i);
	x->vi = i;
	/* the first audio unit at or after the key frame */
	lo = 0;
	hi = m->nau;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->au[mid].pts < kt)
			lo = mid + 1;
		else
			hi = mid;
	}
	x->ai = lo;
	x->pk_len = x->pk_off = x->nseg = 0;
	x->started = 0;  /* the next pack carries the PSM whatever it is */
	return kt;
}
