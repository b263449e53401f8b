/* rtsp: RTSP/1.0 messages as captures show them (RFC 2326): the start
 * line, the headers pcap-rtp-extract needs (CSeq, Content-Type,
 * Content-Base, Content-Length, Transport) and the body; the Transport
 * header's parameters (client_port, server_port, interleaved, ssrc). Also
 * the HTTP messages that open an RTSP-over-HTTP tunnel. Pure functions over
 * buffers; every length is bounded. */
#ifndef CK_RTSP_H
#define CK_RTSP_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define CK_RTSP_MAXMSG 65536      /* headers + body of one message */

typedef struct ck_rtsp_msg {
	int response;             /* a status line ("RTSP/1.0 200 OK") */
	int http;                 /* HTTP/1.x, not RTSP (a tunnel's GET or POST) */
	int status;               /* responses */
	char method[16];          /* requests: "SETUP", "GET", ... */
	char url[256];
	long cseq;                /* -1 none */
	char content_type[64];
	char content_base[256];
	char transport[512];
	char cookie[64];          /* x-sessioncookie: a tunnel's GET and POST */
	const uint8_t *body;      /* points into the buffer parsed */
	size_t body_len;
} ck_rtsp_msg;

typedef struct ck_rtsp_transport {
	int tcp;                  /* RTP/AVP/TCP */
	int has_interleaved;
	int interleaved[2];       /* RTP and RTCP channels */
	uint16_t client_port[2], server_port[2];   /* 0 = absent */
	int has_ssrc;
	uint32_t ssrc;
} ck_rtsp_transport;

/* 1 if p (len bytes, len >= 1) starts like an RTSP request or response,
 * or an HTTP message opening an RTSP tunnel (its headers name
 * application/x-rtsp-tunnelled); 0 otherwise. */
int ck_rtsp_looks(const uint8_t *p, size_t len);
/* Length of the whole message at p (headers, and Content-Length bytes of
 * body): > 0; 0 when more bytes are needed; -1 when p is not a message
 * or it would exceed CK_RTSP_MAXMSG. */
long ck_rtsp_msg_len(const uint8_t *p, size_t len);
/* Parses the message of len bytes (as ck_rtsp_msg_len measured). Returns
 * 0, or -1 with CK_DATAERR. m->body points into p. */
int ck_rtsp_parse(const uint8_t *p, size_t len, ck_rtsp_msg *m, ck_err *e);
/* Base64 decoding of a stream cut anywhere (a tunnel's POST body): the
 * characters of an unfinished quartet wait in st (4 bytes, zeroed at the
 * start) and *stn. Other characters (line ends) are skipped. Writes at most
 * 3 * (n + 4) / 4 bytes to out; returns how many. */
size_t ck_rtsp_b64(uint8_t st[4], int *stn, const uint8_t *in, size_t n, uint8_t *out);
/* Parses a Transport header value (the first transport spec of a list).
 * Returns 0, or -1 when it is not RTP/AVP. */
int ck_rtsp_transport_parse(const char *v, ck_rtsp_transport *t);

#endif
