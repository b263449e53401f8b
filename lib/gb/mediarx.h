/* mediarx: the receiving end of a GB/T 28181 media session: a UDP socket,
 * a TCP listener the device connects to (tcp-passive), or a connection to
 * the device (tcp-active); RFC 4571 deframing on TCP; the stream locked to
 * one SSRC (the answer's y=, else the first seen) with loss counted from
 * sequence numbers. Sockets are bound before the INVITE goes out. */
#ifndef CK_MEDIARX_H
#define CK_MEDIARX_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct ck_mediarx ck_mediarx;

/* One RTP packet of the locked stream. */
typedef int (*ck_mediarx_fn)(void *arg, const uint8_t *pkt, size_t len);

typedef struct ck_mediarx_stats {
	uint64_t packets, bytes, lost, other_ssrc, not_rtp;
	uint32_t ssrc;
	int locked;               /* 0 none yet, 1 from the answer, 2 first seen */
} ck_mediarx_stats;

/* Opens the receiving side: transport 0 udp, 1 tcp-passive (listen), 2
 * tcp-active (nothing bound until ck_mediarx_connect) on addr:port (port 0:
 * any). Returns it or NULL with e (CK_UNAVAIL port in use, CK_IOERR). */
ck_mediarx *ck_mediarx_open(int transport, const char *addr, int port, ck_err *e);
/* The port bound (9, the discard port, for tcp-active, as GB offers). */
int ck_mediarx_port(const ck_mediarx *m);
/* tcp-active: connects to the device's media port before the deadline. */
int ck_mediarx_connect(ck_mediarx *m, const char *host, int port, int64_t deadline,
    ck_err *e);
/* Locks to ssrc (from the answer's y=). */
void ck_mediarx_lock(ck_mediarx *m, uint32_t ssrc);
/* Waits up to ms for media and hands every packet of the locked stream to
 * fn (a non-zero return from fn stops and is returned). Returns 0, 1 when
 * the TCP peer closed, a value from fn, or -1 with e. */
int ck_mediarx_poll(ck_mediarx *m, int ms, ck_mediarx_fn fn, void *arg, ck_err *e);
const ck_mediarx_stats *ck_mediarx_stats_of(const ck_mediarx *m);
/* The device's address "ip:port" once media came (TCP: the peer), or "". */
const char *ck_mediarx_peer(const ck_mediarx *m);
void ck_mediarx_free(ck_mediarx *m);

#endif
