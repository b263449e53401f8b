/* net: sockets with deadlines. The only module besides http that opens
 * sockets. Deadlines are absolute ck_clock_now_ms() values; -1 means none. */
#ifndef CK_NET_H
#define CK_NET_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "base/clock.h"
#include "base/err.h"


/* Resolves host:port (numeric or name) for socktype SOCK_DGRAM/SOCK_STREAM;
 * family AF_UNSPEC/AF_INET/AF_INET6. Returns 0, or -1 with CK_NOHOST. */
int ck_net_resolve(const char *host, int port, int family, int socktype,
    struct sockaddr_storage *ss, socklen_t *sl, ck_err *e);
/* "1.2.3.4:5060" / "[::1]:5060" for sa into out; returns out. */
const char *ck_net_addr_str(const struct sockaddr *sa, char *out, size_t outlen);
/* Numeric address and port of sa. */
void ck_net_addr_split(const struct sockaddr *sa, char *host, size_t hostlen, int *port);
/* The host part of sa, its port left out, as a 16-byte key for tables of
 * addresses: IPv6 as it is, IPv4 v4-mapped (::ffff:a.b.c.d). */
void ck_net_addr_key(const struct sockaddr *sa, unsigned char key[16]);

/* UDP socket bound to addr:port (addr NULL/"" = any, port 0 = ephemeral),
 * non-blocking, SO_REUSEADDR. family as above. Returns fd or -1. */
int ck_net_udp_bind(const char *addr, int port, int family, ck_err *e);
/* TCP listening socket (SO_REUSEADDR, non-blocking, backlog 512); fd or -1. */
int ck_net_tcp_listen(const char *addr, int port, int family, ck_err *e);
/* Connects to host:port before the deadline; returns a non-blocking fd, or
 * -1 with CK_NOHOST/CK_UNAVAIL (refused)/CK_TEMPFAIL (deadline). */
int ck_net_tcp_connect(const char *host, int port, int64_t deadline, ck_err *e);
/* The local port an fd is bound to, or -1. */
int ck_net_local_port(int fd);

/* Waits until fd is readable (events=POLLIN) or writable (POLLOUT).
 * Returns 0 when ready, -1 with CK_TEMPFAIL at the deadline or CK_IOERR.
 * EINTR returns -1 with CK_OK kind so callers can check a signal flag;
 * so does a raised interrupt flag (ck_net_set_interrupt). */
int ck_net_wait_fd(int fd, short events, int64_t deadline, ck_err *e);
/* The flag the tool's SIGINT/SIGTERM handler raises (NULL, the default:
 * none). A signal that lands between two system calls interrupts none of
 * them, so while a flag is given every wait above (and the reads, writes
 * and accepts that wait through it) looks at it at least every
 * CK_NET_INTR_POLL_MS, and once it is up fails as an interrupted wait
 * does. Process-wide, as signals are. */
#define CK_NET_INTR_POLL_MS 200
void ck_net_set_interrupt(volatile sig_atomic_t *flag);
/* Reads up to n bytes before the deadline. Returns bytes read (0 = EOF), or -1. */
ssize_t ck_net_read_deadline(int fd, void *buf, size_t n, int64_t deadline, ck_err *e);
/* Writes all n bytes before the deadline. Returns 0 or -1. */
int ck_net_write_all(int fd, const void *buf, size_t n, int64_t deadline, ck_err *e);
/* recvfrom with deadline; returns bytes or -1 (CK_TEMPFAIL at deadline). */
ssize_t ck_net_recvfrom_deadline(int fd, void *buf, size_t n,
    struct sockaddr_storage *from, socklen_t *fromlen, int64_t deadline, ck_err *e);

/* IPv4 interfaces that are up and multicast-capable (loopback included only
 * when it has the MULTICAST flag). */
typedef struct ck_net_iface {
	char name[32];
	unsigned index;
	struct in_addr addr;
	int is_loopback;
} ck_net_iface;
/* Fills up to max entries; returns the count, or -1. If only is non-NULL,
 * just that interface (error CK_USAGE when it does not exist or is down). */
int ck_net_ifaces_v4(ck_net_iface *out, int max, const char *only, ck_err *e);
/* Joins an IPv4 multicast group on the interface with address ifaddr. */
int ck_net_mcast_join_v4(int fd, const char *group, struct in_addr ifaddr, ck_err *e);
/* Joins an IPv6 multicast group on interface index ifindex (0 = default). */
int ck_net_mcast_join_v6(int fd, const char *group, unsigned ifindex, ck_err *e);
/* Sets the outgoing interface for IPv4 multicast and TTL/loopback options. */
int ck_net_mcast_out_v4(int fd, struct in_addr ifaddr, int ttl, ck_err *e);

/* A UDP socket and a TCP listening socket on the same port of addr, for
 * protocols served on both (SIP). With port 0 the kernel picks the UDP port
 * and the TCP bind of that number is retried with a new pair when it is
 * taken (up to 64 times). Either fd pointer may be NULL to open only the
 * other. Returns 0, or -1 with CK_NOHOST, CK_UNAVAIL (port in use) or
 * CK_IOERR. */
int ck_net_udp_tcp_bind(const char *addr, int port, int family, int *udp_fd,
    int *tcp_fd, ck_err *e);
/* The numeric local address the kernel would send from toward peer (a
 * connected UDP socket; nothing is sent) into host. Returns 0 or -1. */
int ck_net_local_addr_toward(const struct sockaddr *peer, socklen_t peerlen,
    char *host, size_t hostlen);
/* accept(2) on a listening socket; the new fd is non-blocking and
 * close-on-exec. Returns it, or -1 with errno set (EAGAIN: none waiting). */
int ck_net_accept(int lfd, struct sockaddr_storage *a, socklen_t *al);
/* Raises the soft RLIMIT_NOFILE to the hard limit (servers holding many
 * connections). Returns the soft limit now in force, or -1. */
long ck_net_raise_nofile(void);

#endif
