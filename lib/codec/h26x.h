/* h26x: Annex-B scanning and SPS parsing for H.264 and H.265 (pure
 * functions over buffers, every read bounded). */
#ifndef CK_H26X_H
#define CK_H26X_H

#include <stddef.h>
#include <stdint.h>

enum ck_h26x_codec {
	CK_CODEC_UNKNOWN = 0,
	CK_CODEC_H264, CK_CODEC_H265, CK_CODEC_MPEG4, CK_CODEC_SVAC,
	CK_CODEC_AAC, CK_CODEC_G711A, CK_CODEC_G711U, CK_CODEC_MPEGAUDIO
};

/* Short stable name ("h264", "h265", "pcm_alaw", ...) of a codec. */
const char *ck_h26x_codec_name(int codec);
/* Codec for an MPEG-PS/TS stream_type (0x1B, 0x24, 0x10, 0x0F, 0x90, 0x91,
 * 0x80, 0x03/0x04), or CK_CODEC_UNKNOWN. */
int ck_h26x_codec_from_stream_type(unsigned st);
/* Pointer to the next "00 00 01" in [p, end), or NULL. memchr-based. */
const uint8_t *ck_h26x_annexb_find(const uint8_t *p, const uint8_t *end);

typedef struct ck_h26x_info {
	int key;            /* first VCL NAL is IDR (H.264) / IRAP (H.265) */
	int vcl;            /* a VCL NAL was found */
	int width, height;  /* from an SPS in the scanned part, else 0 */
} ck_h26x_info;

/* Scans an access unit in Annex-B up to its first VCL NAL: key flag and,
 * when an SPS precedes it, the resolution. Returns 0. */
int ck_h26x_scan(int codec, const uint8_t *p, size_t n, ck_h26x_info *out);
/* Guesses H.264 / H.265 from the NAL headers of an Annex-B buffer: returns a
 * codec, or CK_CODEC_UNKNOWN when it does not look like Annex-B video. */
int ck_h26x_guess(const uint8_t *p, size_t n);
/* Resolution from an SPS NAL unit (header included, emulation prevention
 * still in): returns 0 with *w,*h set, or -1 when malformed. */
int ck_h26x_h264_sps_size(const uint8_t *nal, size_t n, int *w, int *h);
int ck_h26x_h265_sps_size(const uint8_t *nal, size_t n, int *w, int *h);

/* Frame rate from the VUI timing of an SPS (NAL header included, emulation
 * prevention still in): returns 0 with *fps set (1..240), or -1 when
 * absent or malformed. H.264 counts two ticks a frame, H.265 one. */
int ck_h26x_h264_sps_fps(const uint8_t *nal, size_t n, double *fps);
int ck_h26x_h265_sps_fps(const uint8_t *nal, size_t n, double *fps);

/* Picture order counts of a stream's access units, in decode order. */
typedef struct ck_h26x_poc {
	int codec, have_sps, first;
	unsigned frame_bits, poc_type, poc_bits, frame_mbs_only, sep_colour;
	uint8_t pps[64];       /* H.265: 0x80 seen | dependent<<4 | output<<3 | extra bits */
	int32_t prev_msb;
	unsigned prev_lsb;
} ck_h26x_poc;

/* Starts counting for codec (CK_CODEC_H264 / CK_CODEC_H265). */
void ck_h26x_poc_init(ck_h26x_poc *s, int codec);
/* Takes the next access unit (Annex-B, its parameter sets included): returns
 * 1 with *poc its picture order count and *reset set when the count starts
 * again there (IDR, BLA, the first CRA); 0 when the stream does not order by
 * POC (H.264 POC types 1 and 2: output order is decode order... or near);
 * -1 when the slice header cannot be read (no SPS/PPS before it). */
int ck_h26x_poc_au(ck_h26x_poc *s, const uint8_t *p, size_t n, int32_t *poc, int *reset);

#endif
