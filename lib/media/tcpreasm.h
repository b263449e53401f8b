/* tcpreasm: TCP byte-stream reassembly for one direction of one connection
 * (out-of-order segments, retransmissions, overlaps; bounded buffering), and
 * an RFC 4571 deframer (2-byte big-endian length + packet) over the bytes:
 * several packets in one segment, one packet across several segments. */
#ifndef CK_TCPREASM_H
#define CK_TCPREASM_H

#include <stddef.h>
#include <stdint.h>

/* Receives in-order stream bytes. */
typedef void (*ck_tcpreasm_data_fn)(void *arg, const uint8_t *p, size_t len);

typedef struct ck_tcpreasm ck_tcpreasm;

/* New stream that buffers at most max_ooo bytes of out-of-order data
 * (0 = 256 KiB); NULL on allocation failure. Free with ck_tcpreasm_free. */
ck_tcpreasm *ck_tcpreasm_new(size_t max_ooo);
/* Frees s and the segments it holds; NULL is fine. */
void ck_tcpreasm_free(ck_tcpreasm *s);
/* Feeds one segment (seq, flags as on the wire, payload). In-order bytes go
 * to fn at once; later segments wait until the hole is filled. When the
 * buffer bound is hit the hole is given up: *gap (if not NULL) is set to 1,
 * fn is called once with (NULL, 0) to mark the hole (the caller drops its
 * partial frame) and continues after it.
 * Returns the number of bytes passed to fn. */
size_t ck_tcpreasm_segment(ck_tcpreasm *s, uint32_t seq, uint8_t flags,
    const uint8_t *p, size_t len, ck_tcpreasm_data_fn fn, void *arg, int *gap);
/* Counters: retransmitted/duplicate segments, out-of-order segments seen,
 * holes given up. */
void ck_tcpreasm_counts(const ck_tcpreasm *s, uint64_t *retrans,
    uint64_t *ooo, uint64_t *gaps);

/* Receives one RFC 4571 frame (without its length prefix). */
typedef void (*ck_tcpreasm_frame_fn)(void *arg, const uint8_t *p, size_t len);

typedef struct ck_tcpreasm_deframer {
	uint8_t *buf;         /* partial frame, 2 + 65535 bytes, lazily allocated */
	size_t have;          /* bytes in buf (length prefix included) */
	uint64_t frames, empty;
} ck_tcpreasm_deframer;

/* Feeds stream bytes; calls fn for every complete frame. Zero-length frames
 * are counted and skipped. Returns 0, or -1 on allocation failure. */
int ck_tcpreasm_deframer_feed(ck_tcpreasm_deframer *d, const uint8_t *p, size_t len,
    ck_tcpreasm_frame_fn fn, void *arg);
/* Drops a partial frame (after a gap). */
void ck_tcpreasm_deframer_reset(ck_tcpreasm_deframer *d);
/* Frees the partial-frame buffer; d can be fed again afterwards. */
void ck_tcpreasm_deframer_free(ck_tcpreasm_deframer *d);

#endif
