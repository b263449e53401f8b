/* rtpscan: finds RTP streams in decoded capture packets and keeps their
 * statistics. RTP is recognised from SIP/SDP in the capture (INVITE and its
 * answer over UDP or TCP: address, port, payload types, rtpmap, the y= SSRC
 * of offer and answer), from RTSP over TCP (DESCRIBE's SDP, SETUP replies:
 * client_port, interleaved channels, ssrc; also tunnelled over HTTP), from
 * forced ports (udp:PORT, tcp:PORT), or heuristically (version 2,
 * plausible payload type, stable SSRC and advancing sequence over several
 * packets); RTCP is recognised and kept apart. RTP over TCP is RFC 4571
 * framed, or RTSP '$' interleaved, and reassembled per direction. Memory:
 * per stream and per open flow, with fixed bounds on the number of each. */
#ifndef CK_RTPSCAN_H
#define CK_RTPSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "media/pcap.h"
#include "media/rtpstream.h"
#include "media/sdp.h"

#define CK_SCAN_MAXFORCED 16

typedef struct ck_rtpscan_flow {
	int index;                /* 1-based, in order of detection */
	int af;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	int tcp;
	uint32_t ssrc;
	unsigned pt;              /* payload type of the first packet */
	char encoding[32];        /* from SDP or the static table, "" unknown */
	uint32_t clock;           /* clock rate used, 0 unknown */
	const char *found;        /* "sdp", "rtsp", "forced", "heuristic" */
	int sdp_ssrc;             /* y= or RTSP ssrc: 1 this one, 0 another, -1 none */
	char y_offer[16];         /* the call's offered y= as written, "" none */
	char y_answer[16];        /* the answer's y= (the sender's), "" none */
	ck_rtpstream_stat st;
	unsigned cache_gen, cache_pt;  /* internal: clock rate cache */
	uint32_t cache_clock;
} ck_rtpscan_flow;

typedef struct ck_rtpscan_rtcpflow {
	int af;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	int tcp;
	uint64_t packets;
} ck_rtpscan_rtcpflow;

typedef struct ck_rtpscan_opts {
	int no_heuristics;
	uint32_t clock_rate;      /* for streams whose rate is unknown, 0 none */
	int nforced;
	struct { int tcp; uint16_t port; uint32_t clock; } forced[CK_SCAN_MAXFORCED];
} ck_rtpscan_opts;

/* Called for every RTP packet after its stream's statistics are updated. */
typedef void (*ck_rtpscan_rtp_fn)(void *arg, const ck_rtpscan_flow *s, const uint8_t *pkt,
    size_t len, const ck_pcap_pkt *p);

typedef struct ck_rtpscan ck_rtpscan;

/* New scanner; fn may be NULL. Returns NULL on allocation failure. */
ck_rtpscan *ck_rtpscan_new(const ck_rtpscan_opts *o, ck_rtpscan_rtp_fn fn, void *arg);
/* Frees s with its streams and flows; NULL is fine. */
void ck_rtpscan_free(ck_rtpscan *s);
/* Sets the reference time (first frame of the capture). */
void ck_rtpscan_set_origin(ck_rtpscan *s, int64_t sec, int32_t nsec);
/* Processes one decoded UDP/TCP packet. */
void ck_rtpscan_packet(ck_rtpscan *s, const ck_pcap_pkt *p);
/* Streams found so far, in order of detection (index 1..n). */
size_t ck_rtpscan_count(const ck_rtpscan *s);
/* Stream i (0-based) or NULL; owned by s. */
const ck_rtpscan_flow *ck_rtpscan_stream(const ck_rtpscan *s, size_t i);
/* RTCP flows seen (at most 1024), in order of detection. */
size_t ck_rtpscan_rtcp_count(const ck_rtpscan *s);
const ck_rtpscan_rtcpflow *ck_rtpscan_rtcp(const ck_rtpscan *s, size_t i);
/* Media descriptions learnt from SDP (SIP) or RTSP SETUP, in order learnt
 * (at most 4096 kept); i 0-based. Returns NULL past the end; *used is 1 when
 * packets of the call's medium were seen, *answered 1 when the call got an
 * answer with SDP (an offer alone negotiated nothing), *found "sdp" or
 * "rtsp". */
size_t ck_rtpscan_sdp_count(const ck_rtpscan *s);
const ck_sdp_media *ck_rtpscan_sdp(const ck_rtpscan *s, size_t i, int *used,
    int *answered, const char **found);
/* Counters: RTCP packets, SIP messages with SDP, streams refused because
 * the stream table was full. */
void ck_rtpscan_counts(const ck_rtpscan *s, uint64_t *rtcp, uint64_t *sdp,
    uint64_t *overflow);

#endif
