/* rtp: RTP fixed header parsing (RFC 3550 §5.1) and RFC 4571 framing. */
#ifndef CK_RTP_H
#define CK_RTP_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct ck_rtp {
	unsigned version, padding, extension, csrc_count, marker, pt;
	uint16_t seq;
	uint32_t ts, ssrc;
	const uint8_t *payload;   /* points into the packet */
	size_t payload_len;       /* after CSRCs, extension and padding */
} ck_rtp;

/* Parses an RTP packet of len bytes. Bounds every length against len.
 * Returns 0, or -1 with CK_DATAERR (not version 2, truncated header,
 * extension or padding past the end). */
int ck_rtp_parse(const uint8_t *p, size_t len, ck_rtp *r, ck_err *e);
/* 1 if the packet looks like RTCP (version 2, PT 200..204 in byte 1 range
 * 192..223 when read as RTP marker+PT), else 0. */
int ck_rtp_is_rtcp(const uint8_t *p, size_t len);
/* Signed distance b - a in 16-bit sequence space (-32768..32767). */
int ck_rtp_seq_delta(uint16_t a, uint16_t b);

#endif
