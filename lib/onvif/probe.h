/* probe: where WS-Discovery Probes go and the sockets they go out on (lib/net
 * UDP): the multicast group on every up multicast-capable interface (or one
 * named), or unicast to named hosts; with listen, the sockets are bound to
 * port 3702 and join the group instead. */
#ifndef CK_PROBE_H
#define CK_PROBE_H

#include "base/err.h"

typedef struct ck_probe ck_probe;

/* An empty target set (IPv6 group when v6; joining, not sending, when
 * listen). Returns NULL with CK_SOFTWARE. */
ck_probe *ck_probe_new(int v6, int listen, ck_err *e);
/* Closes the sockets and frees p; NULL is fine. */
void ck_probe_free(ck_probe *p);
/* Adds the multicast group on each up interface (only: that one). Returns 0,
 * or -1 with CK_UNAVAIL (no usable interface), CK_IOERR. */
int ck_probe_multicast(ck_probe *p, const char *only, ck_err *e);
/* Adds hosts[0..n) ("host[:port]", port 3702 by default). Returns 0, or -1
 * with CK_USAGE/CK_NOHOST. */
int ck_probe_unicast(ck_probe *p, char **hosts, int n, ck_err *e);
/* Sends msg to every target (a failing one is logged, the others still
 * get it). Returns 0, or -1 with CK_IOERR when the sockets cannot be set. */
int ck_probe_send(ck_probe *p, const char *msg, ck_err *e);
/* The IPv4 (k 0) or IPv6 (k 1) socket to read answers from, or -1. */
int ck_probe_fd(const ck_probe *p, int k);

#endif
