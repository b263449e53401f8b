#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "codec/h26x.h"

const char *
ck_h26x_codec_name(int c)
{
	switch (c) {
	case CK_CODEC_H264: return "h264";
	case CK_CODEC_H265: return "h265";
	case CK_CODEC_MPEG4: return "mpeg4";
	case CK_CODEC_SVAC: return "svac";
	case CK_CODEC_AAC: return "aac";
	case CK_CODEC_G711A: return "pcm_alaw";
	case CK_CODEC_G711U: return "pcm_mulaw";
	case CK_CODEC_MPEGAUDIO: return "mp2";
	default: return "unknown";
	}
}

int
ck_h26x_codec_from_stream_type(unsigned st)
{
	switch (st) {
	case 0x1B: return CK_CODEC_H264;
	case 0x24: return CK_CODEC_H265;
	case 0x10: return CK_CODEC_MPEG4;
	case 0x80: return CK_CODEC_SVAC;
	case 0x0F: return CK_CODEC_AAC;
	case 0x90: return CK_CODEC_G711A;
	case 0x91: return CK_CODEC_G711U;
	case 0x03: case 0x04: return CK_CODEC_MPEGAUDIO;
	default: return CK_CODEC_UNKNOWN;
	}
}

const uint8_t *
ck_h26x_annexb_find(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q = p + 2;

#ifdef __SSE2__
	/* 16 positions at a time: 00 at i, 00 at i+1, 01 at i+2. memchr for
	 * the 01 stops every ~256 bytes of compressed data; this does not
	 * (2x faster on H.264 at 12 Mb/s; the scalar loop ends the buffer). */
	const __m128i zero = _mm_setzero_si128(), one = _mm_set1_epi8(1);
	while (end - p >= 18) {
		__m128i a = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p), zero);
		__m128i b = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + 1)), zero);
		__m128i c = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + 2)), one);
		unsigned bits = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_and_si128(a, b), c));
		if (bits != 0)
			return p + __builtin_ctz(bits);
		p += 16;
	}
	q = p + 2;
#endif
	while (q < end) {
		q = memchr(q, 1, (size_t)(end - q));
		if (q == NULL)
			return NULL;
		if (q[-1] == 0 && q[-2] == 0)
			return q - 2;
		q++;
	}
	return NULL;
}

/* Bit reader over an RBSP copy (emulation prevention removed). Reads past
 * the end yield zeros and set bad. */
typedef struct br {
	const uint8_t *p;
	size_t n, pos;  /* pos in bits */
	int bad;
} br;

static unsigned
br_u(br *b, int bits)
{
	unsigned v = 0;
	while (bits-- > 0) {
		unsigned bit = 0;
		if (b->pos < b->n * 8)
			bit = (b->p[b->pos >> 3] >> (7 - (b->pos & 7))) & 1;
		else
			b->bad = 1;
		b->pos++;
		v = v << 1 | bit;
	}
	return v;
}

static void
br_skip(br *b, size_t bits)
{
	b->pos += bits;
	if (b->pos > b->n * 8)
		b->bad = 1;
}

static unsigned
br_ue(br *b)
{
	int z = 0;
	while (br_u(b, 1) == 0) {
		if (b->bad || ++z > 31) {
			b->bad = 1;
			return 0;
		}
	}
	return ((1u << z) - 1) + br_u(b, z);
}

static int
br_se(br *b)
{
	unsigned k = br_ue(b);
	return (k & 1) ? (int)((k + 1) / 2) : -(int)(k / 2);
}

/* Copies at most cap bytes of RBSP from nal[skip..n), dropping the 0x03 of
 * each 00 00 03. Returns the length. */
static size_t
rbsp(const uint8_t *nal, size_t n, size_t skip, uint8_t *out, size_t cap)
{
	size_t o = 0, z = 0;
	for (size_t i = skip; i < n && o < cap; i++) {
		if (z >= 2 && nal[i] == 3) {
			z = 0;
			continue;
		}
		z = nal[i] == 0 ? z + 1 : 0;
		out[o++] = nal[i];
	}
	return o;
}

/* What the muxer needs beyond the size: VUI timing, and the fields that
 * size slice-header syntax up to the picture order count. */
typedef struct sps_more {
	unsigned tick, scale;
	unsigned log2_max_frame_num, poc_type, log2_max_poc_lsb, frame_mbs_only, sep_colour;
} sps_more;

/* H.264 VUI (E.1.1) up to timing_info: num_units_in_tick, time_scale
 * (0/0 when absent or cut off). */
static void
vui_timing(br *b, unsigned *tick, unsigned *scale)
{
	*tick = *scale = 0;
	if (br_u(b, 1) && br_u(b, 8) == 255)  /* aspect_ratio_idc: Extended_SAR */
		br_skip(b, 32);
	if (br_u(b, 1))                        /* overscan_info_present_flag */
		br_skip(b, 1);
	if (br_u(b, 1)) {                      /* video_signal_type_present_flag */
		br_skip(b, 4);
		if (br_u(b, 1))
			br_skip(b, 24);
	}
	if (br_u(b, 1)) {                      /* chroma_loc_info_present_flag */
		br_ue(b);
		br_ue(b);
	}
	if (br_u(b, 1)) {                      /* timing_info_present_flag */
		*tick = br_u(b, 32);
		*scale = br_u(b, 32);
	}
	if (b->bad)
		*tick = *scale = 0;
}

/* The SPS walk; with x non-NULL it keeps the POC fields and goes on into
 * the VUI for the timing (0/0 when absent). */
static int
h264_sps(const uint8_t *nal, size_t n, int *w, int *h, sps_more *x)
{
	sps_more dummy;
	uint8_t buf[512];
	br b = { buf, 0, 0, 0 };
	unsigned prof, chroma = 1, fmo, wm, hm, cl = 0, cr = 0, ct = 0, cb = 0;

	if (x == NULL)
		x = &dummy;
	memset(x, 0, sizeof *x);

	b.n = rbsp(nal, n, 1, buf, sizeof buf);
	prof = br_u(&b, 8);
	br_skip(&b, 16);
	br_ue(&b);
	if (prof == 100 || prof == 110 || prof == 122 || prof == 244 || prof == 44 ||
	    prof == 83 || prof == 86 || prof == 118 || prof == 128 || prof == 138 ||
	    prof == 139 || prof == 134 || prof == 135) {
		chroma = br_ue(&b);
		if (chroma > 3)
			return -1;
		if (chroma == 3)
			x->sep_colour = br_u(&b, 1);
		br_ue(&b);
		br_ue(&b);
		br_u(&b, 1);
		if (br_u(&b, 1)) {
			for (int i = 0; i < (chroma == 3 ? 12 : 8) && !b.bad; i++) {
				if (!br_u(&b, 1))
					continue;
				int last = 8, next = 8, sz = i < 6 ? 16 : 64;
				for (int j = 0; j < sz && !b.bad; j++) {
					if (next != 0) {
						/* delta_scale is -128..127 (7.4.2.1.1.1):
						 * a larger one is a broken SPS, and
						 * would overflow the sum */
						int d = br_se(&b);
						if (d < -128 || d > 127)
							return -1;
						next = (last + d + 256) % 256;
					}
					last = next == 0 ? last : next;
				}
			}
		}
	}
	x->log2_max_frame_num = br_ue(&b) + 4;
	unsigned poc = x->poc_type = br_ue(&b);
	if (poc == 0)
		x->log2_max_poc_lsb = br_ue(&b) + 4;
	else if (poc == 1) {
		br_u(&b, 1);
		br_se(&b);
		br_se(&b);
		unsigned k = br_ue(&b);
		if (k > 255)
			return -1;
		for (unsigned i = 0; i < k && !b.bad; i++)
			br_se(&b);
	} else if (poc > 2)
		return -1;
	br_ue(&b);
	br_u(&b, 1);
	wm = br_ue(&b);
	hm = br_ue(&b);
	fmo = x->frame_mbs_only = br_u(&b, 1);
	if (!fmo)
		br_u(&b, 1);
	br_u(&b, 1);
	if (br_u(&b, 1)) {
		cl = br_ue(&b);
		cr = br_ue(&b);
		ct = br_ue(&b);
		cb = br_ue(&b);
	}
	if (b.bad || wm > 1023 || hm > 1023)
		return -1;
	unsigned sw = (chroma == 1 || chroma == 2) ? 2 : 1, sh = chroma == 1 ? 2 : 1;
	if (chroma == 0)
		sw = sh = 1;
	long W = (long)(wm + 1) * 16 - (long)sw * (cl + cr);
	long H = (long)(2 - fmo) * (hm + 1) * 16 - (long)sh * (2 - fmo) * (ct + cb);
	if (W <= 0 || H <= 0)
		return -1;
	*w = (int)W;
	*h = (int)H;
	if (x != &dummy && br_u(&b, 1))
		vui_timing(&b, &x->tick, &x->scale);
	if (x->log2_max_frame_num > 16 || x->log2_max_poc_lsb > 16)
		return -1;
	return 0;
}

int
ck_h26x_h264_sps_size(const uint8_t *nal, size_t n, int *w, int *h)
{
	return h264_sps(nal, n, w, h, NULL);
}

static void h265_sps_vui(br *b, unsigned subl, sps_more *x);

/* The SPS walk; with x non-NULL it goes on to the POC size and the VUI
 * timing. */
static int
h265_sps(const uint8_t *nal, size_t n, int *w, int *h, sps_more *x)
{
	uint8_t buf[512];
	br b = { buf, 0, 0, 0 };
	unsigned subl, chroma, W, H, cl = 0, cr = 0, ct = 0, cb = 0;
	unsigned pp[8] = { 0 }, lp[8] = { 0 };

	if (x != NULL)
		memset(x, 0, sizeof *x);
	b.n = rbsp(nal, n, 2, buf, sizeof buf);
	br_u(&b, 4);
	subl = br_u(&b, 3);
	br_u(&b, 1);
	br_skip(&b, 88);
	br_u(&b, 8);
	for (unsigned i = 0; i < subl; i++) {
		pp[i] = br_u(&b, 1);
		lp[i] = br_u(&b, 1);
	}
	if (subl > 0)
		for (unsigned i = subl; i < 8; i++)
			br_u(&b, 2);
	for (unsigned i = 0; i < subl; i++) {
		if (pp[i])
			br_skip(&b, 88);
		if (lp[i])
			br_skip(&b, 8);
	}
	br_ue(&b);
	chroma = br_ue(&b);
	if (chroma > 3)
		return -1;
	if (chroma == 3 && br_u(&b, 1) && x != NULL)
		x->sep_colour = 1;
	W = br_ue(&b);
	H = br_ue(&b);
	if (br_u(&b, 1)) {
		cl = br_ue(&b);
		cr = br_ue(&b);
		ct = br_ue(&b);
		cb = br_ue(&b);
	}
	if (b.bad || W == 0 || H == 0 || W > 65535 || H > 65535)
		return -1;
	unsigned sw = (chroma == 1 || chroma == 2) ? 2 : 1, sh = chroma == 1 ? 2 : 1;
	long ww = (long)W - (long)sw * ((long)cl + cr), hh = (long)H - (long)sh * ((long)ct + cb);
	if (ww <= 0 || hh <= 0)
		return -1;
	*w = (int)ww;
	*h = (int)hh;
	if (x != NULL)
		h265_sps_vui(&b, subl, x);
	return 0;
}

int
ck_h26x_h265_sps_size(const uint8_t *nal, size_t n, int *w, int *h)
{
	return h265_sps(nal, n, w, h, NULL);
}

int
ck_h26x_scan(int codec, const uint8_t *p, size_t n, ck_h26x_info *out)
{
	const uint8_t *end = p + n, *s = ck_h26x_annexb_find(p, end);

	memset(out, 0, sizeof *out);
	while (s != NULL) {
		const uint8_t *nal = s + 3;
		const uint8_t *next;
		if (nal >= end)
			break;
		if (codec == CK_CODEC_H265) {
			unsigned t = (nal[0] >> 1) & 0x3F;
			if (t < 32) {
				out->vcl = 1;
				out->key = t >= 16 && t <= 21;
				break;
			}
			next = ck_h26x_annexb_find(nal, end);
			if (t == 33)
				ck_h26x_h265_sps_size(nal, (size_t)((next ? next : end) - nal),
				    &out->width, &out->height);
		} else {
			unsigned t = nal[0] & 0x1F;
			if (t >= 1 && t <= 5) {
				out->vcl = 1;
				out->key = t == 5;
				break;
			}
			next = ck_h26x_annexb_find(nal, end);
			if (t == 7)
				ck_h26x_h264_sps_size(nal, (size_t)((next ? next : end) - nal),
				    &out->width, &out->height);
		}
		s = next;
	}
	return 0;
}

int
ck_h26x_guess(const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n, *s = ck_h26x_annexb_find(p, end);
	int v264 = 0, v265 = 0, seen = 0;

	if (s == NULL || s - p > 4)
		return CK_CODEC_UNKNOWN;
	for (; s != NULL && seen < 8; s = ck_h26x_annexb_find(s + 3, end)) {
		const uint8_t *nal = s + 3;
		if (nal + 1 >= end)
			break;
		seen++;
		if (nal[0] & 0x80)
			return CK_CODEC_UNKNOWN;
		unsigned t4 = nal[0] & 0x1F, t5 = (nal[0] >> 1) & 0x3F;
		if ((nal[1] & 0xF8) == 0 && (nal[1] & 7) >= 1 && (t5 <= 21 || (t5 >= 32 && t5 <= 40)))
			v265++;
		if (t4 >= 1 && t4 <= 9 && (t4 != 5 || (nal[0] & 0x60)))
			v264++;
	}
	if (seen == 0)
		return CK_CODEC_UNKNOWN;
	if (v265 == seen && v265 >= v264)
		return CK_CODEC_H265;
	if (v264 == seen)
		return CK_CODEC_H264;
	return v265 > v264 ? CK_CODEC_H265 : (v264 ? CK_CODEC_H264 : CK_CODEC_UNKNOWN);
}

int
ck_h26x_h264_sps_fps(const uint8_t *nal, size_t n, double *fps)
{
	sps_more x;
	int w, h;

	/* time_scale counts field ticks: a frame lasts two (E.2.1) */
	if (h264_sps(nal, n, &w, &h, &x) < 0 || x.tick == 0 || x.scale == 0)
		return -1;
	*fps = (double)x.scale / (2.0 * x.tick);
	return *fps >= 1 && *fps <= 240 ? 0 : -1;
}

/* H.265 7.3.4: scaling_list_data(), skipped. */
static void
skip_scaling_lists(br *b)
{
	for (int size = 0; size < 4; size++)
		for (int m = 0; m < 6 && !b->bad; m += size == 3 ? 3 : 1) {
			if (!br_u(b, 1)) {
				br_ue(b);
				continue;
			}
			int coefs = size == 0 ? 16 : 64;
			if (size > 1)
				br_se(b);
			for (int i = 0; i < coefs && !b->bad; i++)
				br_se(b);
		}
}

/* H.265 7.3.7: the short-term reference picture sets of an SPS, skipped;
 * returns -1 when malformed. */
static int
skip_st_rps(br *b, unsigned count)
{
	unsigned num[65] = { 0 };

	for (unsigned i = 0; i < count && !b->bad; i++) {
		if (i > 0 && br_u(b, 1)) {      /* inter_ref_pic_set_prediction_flag */
			unsigned k = 0;
			br_u(b, 1);
			br_ue(b);
			for (unsigned j = 0; j <= num[i - 1]; j++)
				if (br_u(b, 1) || br_u(b, 1))  /* used_by_curr, else use_delta */
					k++;
			num[i] = k;
		} else {
			unsigned neg = br_ue(b), pos = br_ue(b);
			if (neg > 16 || pos > 16)
				return -1;
			for (unsigned j = 0; j < neg + pos && !b->bad; j++) {
				br_ue(b);
				br_u(b, 1);
			}
			num[i] = neg + pos;
		}
		if (num[i] > 32)
			return -1;
	}
	return b->bad ? -1 : 0;
}

/* H.265 7.3.2.2 from bit_depth_luma_minus8 to the VUI's timing (E.2.1). */
static void
h265_sps_vui(br *b, unsigned subl, sps_more *x)
{
	unsigned poc_bits, sets, *tick = &x->tick, *scale = &x->scale;

	br_ue(b);
	br_ue(b);
	poc_bits = x->log2_max_poc_lsb = br_ue(b) + 4;
	if (poc_bits > 16)
		return;
	for (unsigned i = br_u(b, 1) ? 0 : subl; i <= subl && !b->bad; i++) {
		br_ue(b);
		br_ue(b);
		br_ue(b);
	}
	for (int i = 0; i < 6; i++)
		br_ue(b);
	if (br_u(b, 1) && br_u(b, 1))           /* scaling lists in the SPS */
		skip_scaling_lists(b);
	br_skip(b, 2);                          /* amp, sample_adaptive_offset */
	if (br_u(b, 1)) {                       /* pcm_enabled_flag */
		br_skip(b, 8);
		br_ue(b);
		br_ue(b);
		br_skip(b, 1);
	}
	sets = br_ue(b);
	if (sets > 64 || skip_st_rps(b, sets) < 0)
		return;
	if (br_u(b, 1)) {                       /* long_term_ref_pics_present_flag */
		unsigned lt = br_ue(b);
		if (lt > 32)
			return;
		br_skip(b, (size_t)lt * (poc_bits + 1));
	}
	br_skip(b, 2);                          /* temporal_mvp, strong_intra_smoothing */
	if (b->bad || !br_u(b, 1))              /* vui_parameters_present_flag */
		return;
	if (br_u(b, 1) && br_u(b, 8) == 255)   /* the fields H.264 has too */
		br_skip(b, 32);
	if (br_u(b, 1))
		br_skip(b, 1);
	if (br_u(b, 1)) {
		br_skip(b, 4);
		if (br_u(b, 1))
			br_skip(b, 24);
	}
	if (br_u(b, 1)) {
		br_ue(b);
		br_ue(b);
	}
	br_skip(b, 3);                          /* neutral_chroma, field_seq, frame_field_info */
	if (br_u(b, 1))                         /* default_display_window_flag */
		for (int i = 0; i < 4; i++)
			br_ue(b);
	if (br_u(b, 1)) {                       /* vui_timing_info_present_flag */
		*tick = br_u(b, 32);
		*scale = br_u(b, 32);
	}
	if (b->bad)
		*tick = *scale = 0;
}

int
ck_h26x_h265_sps_fps(const uint8_t *nal, size_t n, double *fps)
{
	sps_more x;
	int w, h;

	if (h265_sps(nal, n, &w, &h, &x) < 0 || x.tick == 0 || x.scale == 0)
		return -1;
	*fps = (double)x.scale / x.tick;
	return *fps >= 1 && *fps <= 240 ? 0 : -1;
}

void
ck_h26x_poc_init(ck_h26x_poc *s, int codec)
{
	memset(s, 0, sizeof *s);
	s->codec = codec;
	s->first = 1;
}

/* Keeps what the slice headers need from a parameter set. */
static void
poc_params(ck_h26x_poc *s, const uint8_t *nal, size_t n)
{
	sps_more x;
	int w, h;

	if (s->codec == CK_CODEC_H264 && (nal[0] & 0x1F) == 7) {
		if (h264_sps(nal, n, &w, &h, &x) == 0) {
			s->have_sps = 1;
			s->frame_bits = x.log2_max_frame_num;
			s->poc_type = x.poc_type;
			s->poc_bits = x.log2_max_poc_lsb;
			s->frame_mbs_only = x.frame_mbs_only;
			s->sep_colour = x.sep_colour;
		}
	} else if (s->codec == CK_CODEC_H265 && ((nal[0] >> 1) & 0x3F) == 33) {
		if (h265_sps(nal, n, &w, &h, &x) == 0 && x.log2_max_poc_lsb <= 16) {
			s->have_sps = 1;
			s->poc_bits = x.log2_max_poc_lsb;
			s->sep_colour = x.sep_colour;
		}
	} else if (s->codec == CK_CODEC_H265 && ((nal[0] >> 1) & 0x3F) == 34) {
		/* H.265 7.3.2.3.1: pps_id, sps_id, dependent_slice_segments_enabled,
		 * output_flag_present, num_extra_slice_header_bits */
		uint8_t buf[16];
		br b = { buf, 0, 0, 0 };
		b.n = rbsp(nal, n, 2, buf, sizeof buf);
		unsigned id = br_ue(&b);
		br_ue(&b);
		unsigned dep = br_u(&b, 1), out = br_u(&b, 1), extra = br_u(&b, 3);
		if (!b.bad && id < 64)
			s->pps[id] = (uint8_t)(0x80 | dep << 4 | out << 3 | extra);
	}
}

/* Picture order count of the slice at nal (8.2.1.1 / 8.3.1): returns 1
 * with *poc, 0 when the stream does not use POC type 0 (H.264), -1 when
 * the header cannot be read. */
static int
poc_slice(ck_h26x_poc *s, const uint8_t *nal, size_t n, int32_t *poc, int *reset)
{
	uint8_t buf[64];
	br b = { buf, 0, 0, 0 };
	unsigned lsb = 0, max, t;
	int idr, ref;

	if (!s->have_sps)
		return -1;
	if (s->codec == CK_CODEC_H264) {
		t = nal[0] & 0x1F;
		idr = t == 5;
		ref = (nal[0] & 0x60) != 0;
		if (s->poc_type != 0)
			return 0;
		b.n = rbsp(nal, n, 1, buf, sizeof buf);
		br_ue(&b);                          /* first_mb_in_slice */
		br_ue(&b);                          /* slice_type */
		br_ue(&b);                          /* pic_parameter_set_id */
		if (s->sep_colour)
			br_skip(&b, 2);
		br_skip(&b, s->frame_bits);         /* frame_num */
		if (!s->frame_mbs_only && br_u(&b, 1))
			br_skip(&b, 1);                 /* field_pic_flag, bottom_field_flag */
		if (idr)
			br_ue(&b);                      /* idr_pic_id */
		lsb = br_u(&b, (int)s->poc_bits);
	} else {
		t = (nal[0] >> 1) & 0x3F;
		unsigned tid = (nal[1] & 7) - 1;
		/* IDR, BLA, and a CRA that starts the stream restart the count */
		idr = (t >= 16 && t <= 20) || (t == 21 && s->first);
		ref = tid == 0 && !(t <= 14 && (t & 1) == 0) && !(t >= 6 && t <= 9);
		b.n = rbsp(nal, n, 2, buf, sizeof buf);
		br_skip(&b, 1);                     /* first_slice_segment_in_pic_flag */
		if (t >= 16 && t <= 23)
			br_skip(&b, 1);                 /* no_output_of_prior_pics_flag */
		unsigned id = br_ue(&b);
		if (id >= 64 || !(s->pps[id] & 0x80))
			return -1;
		br_skip(&b, s->pps[id] & 7);        /* slice_reserved_flag[] */
		br_ue(&b);                          /* slice_type */
		if (s->pps[id] & 0x08)
			br_skip(&b, 1);                 /* pic_output_flag */
		if (s->sep_colour)
			br_skip(&b, 2);
		if (t != 19 && t != 20)             /* IDR has no POC LSB */
			lsb = br_u(&b, (int)s->poc_bits);
	}
	if (b.bad)
		return -1;
	max = 1u << s->poc_bits;
	int32_t msb;
	if (idr) {
		msb = 0;
		if (s->codec == CK_CODEC_H265 && t >= 19 && t <= 20)
			lsb = 0;
	} else if (lsb < s->prev_lsb && s->prev_lsb - lsb >= max / 2)
		msb = s->prev_msb + (int32_t)max;
	else if (lsb > s->prev_lsb && lsb - s->prev_lsb > max / 2)
		msb = s->prev_msb - (int32_t)max;
	else
		msb = s->prev_msb;
	if (ref || idr) {
		s->prev_msb = msb;
		s->prev_lsb = lsb;
	}
	s->first = 0;
	*poc = msb + (int32_t)lsb;
	*reset = idr;
	return 1;
}

int
ck_h26x_poc_au(ck_h26x_poc *s, const uint8_t *p, size_t n, int32_t *poc, int *reset)
{
	const uint8_t *end = p + n, *sc = ck_h26x_annexb_find(p, end);

	while (sc != NULL) {
		const uint8_t *nal = sc + 3, *next;
		if (nal + 2 >= end)
			break;
		next = ck_h26x_annexb_find(nal, end);
		size_t len = (size_t)((next ? next : end) - nal);
		int vcl = s->codec == CK_CODEC_H265 ? ((nal[0] >> 1) & 0x3F) < 32 :
		    (nal[0] & 0x1F) >= 1 && (nal[0] & 0x1F) <= 5;
		if (vcl)
			return poc_slice(s, nal, len, poc, reset);
		poc_params(s, nal, len);
		sc = next;
	}
	return -1;
}
