#include "media/rtp.h"

int
ck_rtp_parse(const uint8_t *p, size_t len, ck_rtp *r, ck_err *e)
{
	size_t off = 12;

	if (len < 12)
		return ck_err_set(e, CK_DATAERR, "RTP packet of %zu bytes is shorter than its header", len);
	r->version = p[0] >> 6;
	if (r->version != 2)
		return ck_err_set(e, CK_DATAERR, "RTP version %u, want 2", r->version);
	r->padding = (p[0] >> 5) & 1;
	r->extension = (p[0] >> 4) & 1;
	r->csrc_count = p[0] & 0x0F;
	r->marker = p[1] >> 7;
	r->pt = p[1] & 0x7F;
	r->seq = (uint16_t)(p[2] << 8 | p[3]);
	r->ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	r->ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	off += 4 * (size_t)r->csrc_count;
	if (off > len)
		return ck_err_set(e, CK_DATAERR, "RTP CSRC list past the end of the packet");
	if (r->extension) {
		size_t xl;
		if (off + 4 > len)
			return ck_err_set(e, CK_DATAERR, "RTP extension header past the end");
		xl = 4 * (size_t)(p[off + 2] << 8 | p[off + 3]);
		off += 4;
		if (xl > len - off)
			return ck_err_set(e, CK_DATAERR, "RTP extension of %zu bytes past the end", xl);
		off += xl;
	}
	r->payload = p + off;
	r->payload_len = len - off;
	if (r->padding) {
		size_t pad = p[len - 1];
		if (pad == 0 || pad > r->payload_len)
			return ck_err_set(e, CK_DATAERR, "RTP padding of %zu bytes is invalid", pad);
		r->payload_len -= pad;
	}
	return 0;
}

int
ck_rtp_is_rtcp(const uint8_t *p, size_t len)
{
	return len >= 8 && (p[0] >> 6) == 2 && p[1] >= 200 && p[1] <= 207;
}

int
ck_rtp_seq_delta(uint16_t a, uint16_t b)
{
	return (int16_t)(uint16_t)(b - a);
}
