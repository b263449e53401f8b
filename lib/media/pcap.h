/* pcapin: capture input through libpcap (files, stdin, live interfaces) and
 * a decoder from link-layer frames down to UDP/TCP payloads: Ethernet with
 * stacked 802.1Q/802.1ad tags, Linux cooked v1/v2, raw IP, BSD loopback;
 * IPv4 with fragment reassembly, IPv6 with extension and fragment headers.
 * Reassembly memory is bounded and incomplete datagrams time out. */
#ifndef CK_PCAPIN_H
#define CK_PCAPIN_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* One transport-layer packet. Pointers are valid until the next call on the
 * decoder or reader that produced it. */
typedef struct ck_pcap_pkt {
	int64_t ts_sec;           /* capture time */
	int32_t ts_nsec;
	uint64_t frame;           /* 1-based frame number in the capture */
	int af;                   /* 4 or 6 */
	uint8_t src[16], dst[16]; /* IPv4 addresses use the first 4 bytes */
	int proto;                /* 17 UDP, 6 TCP */
	uint16_t sport, dport;
	uint32_t tcp_seq;         /* TCP only */
	uint8_t tcp_flags;        /* TCP only: FIN 1, SYN 2, RST 4, ACK 16 */
	const uint8_t *data;      /* transport payload */
	size_t len;
} ck_pcap_pkt;

typedef struct ck_pcap_netdec ck_pcap_netdec;

/* New decoder for link type dlt (a DLT_ value); NULL on allocation failure.
 * Reassembly keeps at most max_bytes of fragments (0 = 1 MiB). */
ck_pcap_netdec *ck_pcap_netdec_new(int dlt, size_t max_bytes);
/* Frees d and the fragments it holds; NULL is fine. */
void ck_pcap_netdec_free(ck_pcap_netdec *d);
/* 1 if dlt is a link type the decoder understands. */
int ck_pcap_netdec_supported(int dlt);
/* Decodes one frame. Returns 1 with *out filled (UDP or TCP), 0 when the
 * frame holds nothing for us (other protocols, a fragment kept for later,
 * a malformed header: counted in the decoder), never fails. */
int ck_pcap_netdec_frame(ck_pcap_netdec *d, const uint8_t *p, size_t caplen,
    int64_t ts_sec, int32_t ts_nsec, ck_pcap_pkt *out);
/* Counters: frames decoded, frames skipped as malformed, datagrams
 * reassembled, fragments dropped (timeout, memory bound, overlap). */
void ck_pcap_netdec_counts(const ck_pcap_netdec *d, uint64_t *malformed,
    uint64_t *reassembled, uint64_t *frag_dropped);

typedef struct ck_pcap ck_pcap;

/* Opens a pcap or pcapng file ("-" = stdin). Returns NULL with CK_NOINPUT
 * (missing) or CK_DATAERR (not a capture, unsupported link type). */
ck_pcap *ck_pcap_open_file(const char *path, ck_err *e);
/* Opens a live capture on iface with an optional BPF filter (may be NULL).
 * Returns NULL with CK_UNAVAIL / CK_USAGE (bad filter). */
ck_pcap *ck_pcap_open_live(const char *iface, const char *filter, ck_err *e);
/* Next UDP/TCP packet. Returns 1 with *out, 0 at the end of the input,
 * -1 with CK_DATAERR (truncated or corrupt capture) or CK_IOERR. */
int ck_pcap_next(ck_pcap *in, ck_pcap_pkt *out, ck_err *e);
/* Stops a live capture from a signal handler (next returns 0). */
void ck_pcap_break(ck_pcap *in);
/* Time of the first frame (reference for relative times). */
void ck_pcap_first_ts(const ck_pcap *in, int64_t *sec, int32_t *nsec);
/* Bytes consumed so far and total file size (0 if unknown), for progress. */
void ck_pcap_progress(ck_pcap *in, uint64_t *pos, uint64_t *size);
/* Frames read so far (all link-layer frames, ours or not). */
uint64_t ck_pcap_frames(const ck_pcap *in);
/* The decoder, for its counters; owned by in. */
const ck_pcap_netdec *ck_pcap_decoder(const ck_pcap *in);
/* Closes the capture (and the file or stdin it read); NULL is fine. */
void ck_pcap_close(ck_pcap *in);

#endif
