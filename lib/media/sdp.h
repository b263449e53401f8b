/* sdp: media descriptions from SIP messages carrying SDP (INVITE and its
 * answer), parsed with libosip2: connection address and port per m= line,
 * transport (RTP/AVP or TCP/RTP/AVP), payload types and their rtpmap names
 * and clock rates, and the GB/T 28181 y= SSRC. */
#ifndef CK_SDP_H
#define CK_SDP_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define CK_SDP_MAXPT 16

typedef struct ck_sdp_media {
	char media[16];           /* "video", "audio" */
	int af;                   /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
	int tcp;                  /* TCP/RTP/AVP */
	int npt;
	unsigned pt[CK_SDP_MAXPT];
	char name[CK_SDP_MAXPT][32];   /* rtpmap encoding name, "" if none */
	uint32_t rate[CK_SDP_MAXPT];   /* rtpmap clock rate, 0 if none */
	int has_ssrc;
	uint32_t ssrc;            /* GB28181 y= (decimal) */
	char y[16];               /* the y= value as written, "" none */
	int dir;                  /* CK_SDP_SENDRECV (default), _SENDONLY, ... */
	uint32_t call;            /* hash of the SIP Call-ID, 0 none */
	int answer;               /* 1: from a SIP response (the answer) */
	char control[128];        /* a=control (RTSP), "" none */
} ck_sdp_media;

enum { CK_SDP_SENDRECV, CK_SDP_SENDONLY, CK_SDP_RECVONLY, CK_SDP_INACTIVE };

/* 1 if p looks like the start of a SIP message (request line or status). */
int ck_sdp_sip_looks(const uint8_t *p, size_t len);
/* Parses one SIP message of len bytes; when it carries SDP, fills up to max
 * media descriptions (with the Call-ID's hash and whether it is a response). Returns how many (0: no SDP), or -1 with CK_DATAERR
 * when the text is not a parsable SIP message. */
int ck_sdp_from_sip(const char *buf, size_t len, ck_sdp_media *m, int max,
    ck_err *e);
/* Parses a bare SDP body; same results as ck_sdp_from_sip. With
 * keep_port0, m= lines with port 0 are kept (RTSP's DESCRIBE announces
 * media that way; SETUP gives the ports), else they are skipped (a refused
 * stream in SIP). */
int ck_sdp_parse(const char *body, size_t len, ck_sdp_media *m, int max,
    ck_err *e);
int ck_sdp_parse2(const char *body, size_t len, int keep_port0,
    ck_sdp_media *m, int max, ck_err *e);

#endif
