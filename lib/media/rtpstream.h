/* rtpstream: per-stream RTP statistics computed the way Wireshark's RTP
 * stream analysis (tshark -z rtp,streams) computes them, so the numbers
 * agree: packets, lost (expected - received, with its sequence-cycle
 * rules), max delta, RFC 3550 A.8 jitter in ms from the clock rate; plus
 * duplicates and out-of-order counts of our own. Times are milliseconds
 * relative to the first frame of the capture. */
#ifndef CK_RTPSTREAM_H
#define CK_RTPSTREAM_H

#include <stdint.h>

typedef struct ck_rtpstream_stat {
	/* Wireshark-compatible analysis state */
	int started;
	uint16_t start_seq, stop_seq, seq_num;
	uint32_t cycles;
	int under;
	uint32_t first_ts;
	double start_time, time, stop_time; /* ms relative to the capture start */
	double lastnominal;
	double delta, max_delta, min_delta, mean_delta;
	double jitter, max_jitter, min_jitter, mean_jitter;
	uint32_t total_nr;
	unsigned pt;
	uint32_t clock_rate;       /* last non-zero clock rate used */
	uint32_t wrong_seq;
	/* our own counters */
	uint64_t bytes;            /* RTP bytes (headers included) */
	uint64_t dups, ooo;
	uint32_t ext_max;          /* highest extended sequence number */
	uint64_t seen[8];          /* 512-bit window below ext_max */
	int64_t first_sec, last_sec;  /* absolute capture times */
	int32_t first_nsec, last_nsec;
} ck_rtpstream_stat;

/* Resets s for a new stream. */
void ck_rtpstream_stat_init(ck_rtpstream_stat *s);
/* Adds one packet seen at rel_ms (ms since the first frame; computed as
 * Wireshark does: whole seconds * 1000 + nanoseconds / 1e6) and at the
 * absolute time sec/nsec. clock_rate 0 = unknown (no jitter). */
void ck_rtpstream_stat_add(ck_rtpstream_stat *s, double rel_ms, int64_t sec, int32_t nsec,
    uint16_t seq, uint32_t ts, unsigned pt, int marker, uint32_t len,
    uint32_t clock_rate);
/* The jitter estimate to report with max and mean: the RFC 3550 value, or
 * 0 while no packet was counted for them (a stream whose every packet has
 * the marker bit: tshark reports 0 for all three). */
double ck_rtpstream_stat_jitter(const ck_rtpstream_stat *s);
/* Wireshark's "Lost": expected - received (negative with duplicates). */
int64_t ck_rtpstream_stat_lost(const ck_rtpstream_stat *s);
/* Wireshark's relative time of a frame in ms from its offset to the first
 * frame (borrowing nanoseconds the way nstime_delta does). */
double ck_rtpstream_rel_ms(int64_t sec, int32_t nsec, int64_t sec0, int32_t nsec0);

/* Encoding name and clock rate of a static payload type (RFC 3551), or
 * NULL / 0 when pt is dynamic or unassigned. */
const char *ck_rtpstream_pt_name(unsigned pt);
uint32_t ck_rtpstream_pt_clock(unsigned pt);
/* Clock rate Wireshark assumes for a dynamic encoding name (rtpmap without
 * a rate), 0 if unknown. */
uint32_t ck_rtpstream_name_clock(const char *name);

#endif
