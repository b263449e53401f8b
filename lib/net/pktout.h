/* pktout: sends framed packets (RTP) to a network peer: udp://HOST:PORT
 * (one datagram per packet), tcp://HOST:PORT (we connect) or
 * tcp-listen://[ADDR]:PORT (we listen and take the first connection); on
 * TCP each packet keeps its RFC 4571 2-byte length. The sending half of
 * what lib/media/rtpsrc receives. */
#ifndef CK_PKTOUT_H
#define CK_PKTOUT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct ck_pktout ck_pktout;

/* 1 when s names a network destination (udp://, tcp://, tcp-listen://). */
int ck_pktout_is_url(const char *s);
/* Opens spec: resolves and makes the UDP socket, connects (tcp://, before
 * the deadline, an absolute ck_clock_now_ms() or -1) or binds the listener
 * (tcp-listen://, port 0 = any; see ck_pktout_port). Returns NULL with e:
 * CK_USAGE bad spec, CK_NOHOST, CK_UNAVAIL refused/unreachable,
 * CK_TEMPFAIL deadline, CK_IOERR. */
ck_pktout *ck_pktout_open(const char *spec, int64_t deadline, ck_err *e);
/* The local port (the listener's for tcp-listen://), or -1. */
int ck_pktout_port(const ck_pktout *o);
/* tcp-listen://: waits for the peer until the deadline (0 when already
 * connected; -1 with CK_TEMPFAIL, or CK_OK kind when a signal came).
 * Other kinds: returns 0. */
int ck_pktout_accept(ck_pktout *o, int64_t deadline, ck_err *e);
/* Sends one packet given RFC 4571 framed (2-byte length + packet): UDP
 * sends the packet alone, TCP buffers the frame (see ck_pktout_flush).
 * Returns 0, or -1 with e (CK_UNAVAIL peer gone or unreachable, CK_IOERR,
 * CK_TEMPFAIL the peer stopped reading for timeout_ms). */
int ck_pktout_send(ck_pktout *o, const uint8_t *framed, size_t len, ck_err *e);
/* Writes what TCP holds. Returns 0 or -1 as above. */
int ck_pktout_flush(ck_pktout *o, ck_err *e);
/* Milliseconds a blocked TCP write may wait (default 10000). */
void ck_pktout_set_timeout(ck_pktout *o, int64_t ms);
/* "udp://127.0.0.1:5000": what it sends to or listens on. */
const char *ck_pktout_desc(const ck_pktout *o);
/* Closes and frees o; NULL is fine. */
void ck_pktout_close(ck_pktout *o);

#endif
