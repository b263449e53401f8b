/* psmux: H.264/H.265 Annex-B (+ G.711 A/µ-law or AAC ADTS audio) to
 * GB28181-style MPEG-PS over RTP, the inverse of ps + rtpps.
 *
 * Two objects. A ck_psmux_media is a file (or buffer) loaded once and
 * indexed into access units and audio units; it is read-only after
 * ck_psmux_media_open, so any number of streams (one per INVITE dialog, on
 * any thread) can share it. A ck_psmux is one stream over a media: a cursor
 * that produces the next RTP packet each call, with the 90 kHz time at which
 * it is due, looping when asked, with an SSRC that can change mid-stream.
 * A stream copies nothing of the media and holds a few KiB (its headers and
 * one packet), so thousands can run over one media.
 *
 * Each video frame becomes one PS pack: pack header; system header and PSM
 * before key frames (and before the first pack of a stream); the frame in
 * one PES, or several PES of at most CK_PSMUX_PES_MAX payload bytes when it
 * is larger (only the first carries the PTS/DTS). Each audio unit (an ADTS
 * frame, or CK_PSMUX_G711_BYTES bytes of G.711) becomes its own pack and its
 * own RTP frame, interleaved with the video by due time. A pack is cut into RTP
 * payloads of at most max_payload bytes; the last packet of a pack has the
 * marker bit; the RTP timestamp is the pack's DTS (+ ts_base). The PES
 * payloads are the input bytes verbatim, so a demuxer gives back the input
 * byte for byte.
 *
 * Timing: DTS = decode index / fps; PTS = display index / fps plus the
 * largest reordering (display order from the picture order counts; PTS =
 * DTS when the stream has no B-frames or its counts cannot be read); the
 * DTS is written only when it differs. fps is the caller's, else the SPS
 * VUI timing, else 25. Times start at 0 and keep growing across loops (one
 * loop lasts the video's duration; with loop, audio past that is dropped
 * so the two stay in step). Audio PTS carry the same reordering lag.
 */
#ifndef CK_PSMUX_H
#define CK_PSMUX_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define CK_PSMUX_PES_MAX 65000u      /* video PES payload bytes, at most */
#define CK_PSMUX_G711_BYTES 320u      /* G.711 bytes per audio PES (40 ms) */
#define CK_PSMUX_PAYLOAD_DEFAULT 1400u
#define CK_PSMUX_PAYLOAD_MAX 65000u   /* max_payload is 64..this */

typedef struct ck_psmux_media ck_psmux_media;
typedef struct ck_psmux ck_psmux;

typedef struct ck_psmux_info {
	int codec;              /* CK_CODEC_H264 / CK_CODEC_H265 (codec/h26x.h) */
	int audio_codec;        /* CK_CODEC_G711A/G711U/AAC, 0 = no audio */
	int width, height;      /* from the first SPS, 0 when unknown */
	double fps;             /* the frame rate in use */
	int fps_from_sps;       /* 1 when fps came from the SPS VUI timing */
	uint64_t frames, key_frames, audio_units;
	uint64_t video_bytes, audio_bytes;
	uint64_t duration;      /* one loop, 90 kHz (frames / fps) */
	unsigned reorder_delay; /* frames the PTS lags the DTS (B-frames), 0..16 */
} ck_psmux_info;

/* What to load. Zero is the default for every field. */
typedef struct ck_psmux_src {
	const char *video;      /* Annex-B file, "-" = stdin; or NULL with video_buf */
	const uint8_t *video_buf;
	size_t video_len;       /* buffers are copied: the caller keeps its own */
	const char *audio;      /* audio file, or NULL with audio_buf, or neither */
	const uint8_t *audio_buf;
	size_t audio_len;
	int codec;              /* 0 = guess from the NAL headers */
	int audio_codec;        /* 0 = by the audio path's ending (.ulaw .mulaw
	                         * .pcmu .ul .mu .g711u: µ-law; .alaw .pcma .al
	                         * .g711a .g711: A-law; .aac .adts: AAC), else
	                         * AAC if it starts with an ADTS header, else
	                         * A-law */
	double fps;             /* 0 = SPS VUI timing, else 25; 1..240 */
} ck_psmux_src;

/* Loads and indexes src (a regular video file is mapped, not copied: it
 * must not be truncated while the media lives). Returns the media, or NULL
 * with e: CK_NOINPUT
 * (file missing or unreadable), CK_DATAERR (not Annex-B H.264/H.265, no
 * frame, malformed ADTS), CK_USAGE (fps out of range), CK_SOFTWARE.
 * Free with ck_psmux_media_free once no stream uses it. */
ck_psmux_media *ck_psmux_media_open(const ck_psmux_src *src, ck_err *e);
/* Fills out with what the media holds. */
void ck_psmux_media_info(const ck_psmux_media *m, ck_psmux_info *out);
/* Frees m; NULL is fine. */
void ck_psmux_media_free(ck_psmux_media *m);

/* Stream settings. Zero is the default for every field. */
typedef struct ck_psmux_conf {
	uint32_t ssrc;
	unsigned pt;            /* 0 = 96 */
	size_t max_payload;     /* RTP payload bytes, 0 = 1400 */
	uint16_t seq;           /* first sequence number */
	uint32_t ts_base;       /* added to every RTP timestamp */
	int loop;               /* start over at the end, forever */
	int no_audio;           /* leave the media's audio out */
} ck_psmux_conf;

/* One RTP packet. Pointers stay valid until the next call on the stream. */
typedef struct ck_psmux_pkt {
	const uint8_t *rtp;     /* the packet: 12-byte header + payload */
	size_t rtp_len;
	const uint8_t *framed;  /* RFC 4571: 2-byte big-endian length + packet */
	size_t framed_len;      /* rtp_len + 2 */
	const uint8_t *ps;      /* the payload alone (bare PS bytes) */
	size_t ps_len;
	uint64_t due;           /* 90 kHz since the stream's first packet: the
	                         * pack's DTS (decode order, the RTP timestamp and
	                         * SCR); pace by it (scaled as you like) */
	uint64_t loops;         /* how many times the media ended before this */
	int marker;             /* last packet of its pack */
	int first;              /* first packet of its pack */
	int audio;              /* the pack carries audio, not video */
	int key;                /* the pack is a key frame (with PSM) */
	uint64_t pts;           /* the pack's PTS (90 kHz, same origin as due) */
} ck_psmux_pkt;

/* A stream over m (not owned; keep it until ck_psmux_free). Returns NULL
 * with e (CK_USAGE bad max_payload, CK_SOFTWARE). */
ck_psmux *ck_psmux_new(const ck_psmux_media *m, const ck_psmux_conf *c, ck_err *e);
/* Next packet into *p. Returns 1, or 0 at the end of the media (never with
 * loop). */
int ck_psmux_next(ck_psmux *x, ck_psmux_pkt *p);
/* Packets from the next pack on carry this SSRC (sequence and time go on). */
void ck_psmux_set_ssrc(ck_psmux *x, uint32_t ssrc);
/* Restarts at the key frame at or before 90 kHz time t of the media (t is
 * taken modulo the duration; audio restarts there too). The pack in
 * progress is abandoned; sequence numbers go on; due restarts at the key
 * frame's time plus the loops already played. Returns that key frame's
 * time within the media (90 kHz). */
uint64_t ck_psmux_seek(ck_psmux *x, uint64_t t);
/* Counters: packets and bytes produced (RTP, headers included). */
void ck_psmux_counts(const ck_psmux *x, uint64_t *packets, uint64_t *bytes);
/* Frees x; NULL is fine. */
void ck_psmux_free(ck_psmux *x);

#endif
