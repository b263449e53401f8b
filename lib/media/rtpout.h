/* rtpout: writes RTP packets of one stream to a stdio stream as RFC 4571
 * framed RTP (2-byte big-endian length + packet), rtpdump (rtptools:
 * "#!rtpplay1.0 ADDR/PORT\n", a 16-byte header, then per packet an 8-byte
 * header and the packet) or bare payloads; in arrival order or reordered
 * by sequence number through a bounded window. */
#ifndef CK_RTPOUT_H
#define CK_RTPOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { CK_RTPOUT_4571, CK_RTPOUT_RTPDUMP, CK_RTPOUT_PAYLOAD };

typedef struct ck_rtpout ck_rtpout;

/* New writer of format fmt to f (not owned). window 0 writes in arrival
 * order, else holds up to window packets (at most 4096) and writes them by
 * extended sequence number. NULL on allocation failure. */
ck_rtpout *ck_rtpout_new(FILE *f, int fmt, int window);
/* Writes (or holds) one packet that arrived at sec/nsec; af, dst and dport
 * (the receiver) go into the rtpdump header. Returns 0, or -1 when a write
 * failed or memory ran out (later calls keep failing). */
int ck_rtpout_packet(ck_rtpout *o, const uint8_t *pkt, size_t len,
    int64_t sec, int32_t nsec, int af, const uint8_t *dst, uint16_t dport);
/* Writes what the window holds. Returns 0 or -1 as above. */
int ck_rtpout_flush(ck_rtpout *o);
/* Frees o (without flushing); NULL is fine. */
void ck_rtpout_free(ck_rtpout *o);

#endif
