/* gbsdp: the SDP of a GB/T 28181 media session (Annex F): the platform's
 * offer (s=Play|Playback|Download, recvonly, rtpmap 96 PS/90000 with 98
 * H264 and 97 MPEG4, y= SSRC, optional f=, TCP setup/connection) and the
 * reading of an offer or answer (address, port, transport, setup role,
 * direction, y=, u=, t=, downloadspeed). Pure functions over buffers. */
#ifndef CK_GBSDP_H
#define CK_GBSDP_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define CK_GBSDP_MAX 8192    /* longer SDP bodies are refused */

enum ck_gbsdp_kind { CK_GBSDP_PLAY = 0, CK_GBSDP_PLAYBACK, CK_GBSDP_DOWNLOAD };
enum ck_gbsdp_transport { CK_GBSDP_UDP = 0, CK_GBSDP_TCP_PASSIVE, CK_GBSDP_TCP_ACTIVE };

typedef struct ck_gbsdp_offer {
	const char *origin_id;    /* o= user: our platform ID */
	const char *channel;      /* u= channel for playback/download */
	const char *addr;         /* c= address we receive on (numeric) */
	int port;                 /* m= port (tcp-active: 9, the discard port) */
	int kind;                 /* enum ck_gbsdp_kind */
	int transport;            /* enum ck_gbsdp_transport: our role */
	int64_t start, end;       /* t= seconds since 1970 (playback/download) */
	int speed;                /* a=downloadspeed, 0 = none */
	char ssrc[11];            /* y= value, 10 digits */
	const char *f;            /* f= value, or NULL for none */
} ck_gbsdp_offer;

/* The 10-digit y= value of Annex F: 0 (live) or 1 (history), digits 4 to 8
 * of the domain ID, then stream (0-9999). Returns 0, or -1 with CK_USAGE
 * when the domain has fewer than 8 digits. */
int ck_gbsdp_ssrc(int history, const char *domain_id, unsigned stream,
    char out[11], ck_err *e);
/* Writes the offer into out (NUL-terminated, CRLF lines). Returns its
 * length, or -1 with CK_USAGE (bad field) or CK_SOFTWARE (out too small). */
int ck_gbsdp_offer_write(const ck_gbsdp_offer *o, char *out, size_t outlen,
    ck_err *e);

/* Checks an Annex F f= value: v/CODEC/RES/FPS/RCTYPE/RATEa/CODEC/RATE/SAMPLE,
 * fields decimal or empty. Returns 0, or -1 with CK_USAGE. */
int ck_gbsdp_f_check(const char *f, ck_err *e);

/* What an SDP says about its first media line. Strings are copies. */
typedef struct ck_gbsdp_desc {
	char session[16];         /* s=: "Play", "Playback", "Download", ... */
	char addr[64];            /* c= address (media level wins) */
	char origin[64];          /* o= user */
	char channel[64];         /* u= before ':' */
	char media[16];           /* "video" / "audio" */
	int port;                 /* m= port */
	int tcp;                  /* m= proto is TCP/RTP/AVP */
	int setup;                /* 0 none, 1 active, 2 passive, 3 actpass */
	int direction;            /* 0 none, 1 sendonly, 2 recvonly, 3 sendrecv */
	int has_ssrc;             /* y= present and a number <= 2^32-1 */
	uint32_t ssrc;
	char ssrc_text[16];       /* y= as written (up to 10 digits) */
	int ps;                   /* a payload type maps to PS/90000 */
	int pt;                   /* first payload type on the m= line */
	int64_t start, end;       /* t= values */
	int speed;                /* a=downloadspeed, 0 = none */
	char f[64];               /* f= value */
} ck_gbsdp_desc;

/* Reads an offer or answer. Returns 0, or -1 with CK_DATAERR: not SDP (no
 * v=0 first), no m= line, a bad port or address, a line over 1024 bytes,
 * a body over CK_GBSDP_MAX. Unknown lines are skipped. */
int ck_gbsdp_parse(const char *buf, size_t len, ck_gbsdp_desc *d, ck_err *e);

#endif
