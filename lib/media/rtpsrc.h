/* rtpsrc: RTP sources for the media tools. Opens a file, stdin, a UDP
 * socket, a TCP listener or a TCP connection, detects the framing (RFC 4571,
 * RTSP interleaved "$", rtpdump, bare MPEG-PS) and yields packets; then puts
 * packets of one SSRC back in sequence order within a bounded reorder window
 * and reports the gaps. */
#ifndef CK_RTPSRC_H
#define CK_RTPSRC_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "media/rtp.h"

enum {
	CK_IN_AUTO = 0, CK_IN_RFC4571, CK_IN_DOLLAR, CK_IN_RTPDUMP, CK_IN_PS, CK_IN_UDP,
	CK_IN_RAWRTP,          /* RTP packets back to back, no length prefix */
	CK_IN_PCAP,            /* detected only to be refused with a hint: */
	CK_IN_ANNEXB           /* a capture, or an elementary stream already */
};

typedef struct ck_rtpsrc {
	int fd, lfd;           /* lfd: the tcp-listen socket until accept */
	int kind;              /* CK_IN_* once known */
	int net;               /* a socket: the idle timeout applies */
	int got_data, timed_out;
	int stopping;          /* a signal came: read what is queued, then end */
	int64_t timeout_ms;    /* idle timeout on sockets, -1 = none */
	uint8_t *buf;
	size_t cap, off, len;
	int eof;
	uint64_t bytes;        /* bytes read */
	char desc[320];        /* "udp://127.0.0.1:5000", "stdin", a path */
} ck_rtpsrc;

/* Name of a CK_IN_* framing ("rfc4571", "rtsp-interleaved", ...). */
const char *ck_rtpsrc_in_name(int kind);
/* Opens spec: NULL or "-" (stdin), a path, "udp://[ADDR]:PORT",
 * "tcp-listen://[ADDR]:PORT", "tcp://HOST:PORT". force is CK_IN_AUTO or a
 * framing to use (CK_IN_PS for --ps). Sockets wait at most timeout_ms for
 * the first byte. Returns 0, or -1 (CK_NOINPUT, CK_USAGE, CK_NOHOST,
 * CK_UNAVAIL, CK_TEMPFAIL). Close with ck_rtpsrc_close. */
int ck_rtpsrc_open(ck_rtpsrc *s, const char *spec, int force, int64_t timeout_ms, ck_err *e);
/* Detects the framing of a byte-stream source now (no-op when known).
 * Returns the CK_IN_* kind, or -1 (CK_DATAERR none of them, or a read
 * error); CK_IN_AUTO for empty input. */
int ck_rtpsrc_probe(ck_rtpsrc *s, ck_err *e);
/* Next RTP packet (*p points into s, valid until the next call). Returns 1,
 * 0 at the end (EOF, or the idle timeout after data on a socket), or -1
 * (CK_DATAERR unknown framing / truncated frame, CK_TEMPFAIL nothing
 * received, CK_IOERR). Detects the framing on the first call. */
int ck_rtpsrc_next(ck_rtpsrc *s, const uint8_t **p, size_t *n, ck_err *e);
/* Next chunk of raw bytes (for bare PS). Returns 1, 0 at the end, or -1. */
int ck_rtpsrc_chunk(ck_rtpsrc *s, const uint8_t **p, size_t *n, ck_err *e);
/* Closes the sockets/file and frees the buffer. */
void ck_rtpsrc_close(ck_rtpsrc *s);
/* Framing of a byte stream from its first n bytes: CK_IN_RTPDUMP, CK_IN_PS,
 * CK_IN_RFC4571, CK_IN_DOLLAR, CK_IN_RAWRTP (three packets of one SSRC with
 * consecutive sequence numbers back to back), CK_IN_PCAP or CK_IN_ANNEXB,
 * CK_IN_AUTO when more bytes are needed, or -1 when it is none of them.
 * Decides on whole frames, never one byte. *skip (may be NULL) gets the
 * bytes of garbage before a PS pack header found by a bounded scan (the
 * first 64 KiB; the pack header must be followed by another start code
 * where its length says). */
int ck_rtpsrc_framing_detect(const uint8_t *p, size_t n, int at_eof, size_t *skip);
/* Length of the raw RTP packet at p (n bytes available): the distance to
 * the next header of the same SSRC and payload type whose sequence number
 * is 1 to 16 ahead, n at EOF, 0 when more bytes are needed, -1 when no
 * such header follows within 65536 bytes. */
long ck_rtpsrc_raw_len(const uint8_t *p, size_t n, int at_eof);

#endif
