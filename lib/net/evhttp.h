/* evhttp: the smallest HTTP/1.1 server that can take WS-BaseNotification
 * Notify POSTs from cameras (onvif-subscribe --push). One request per
 * connection, up to CK_EVHTTP_MAX_CONNS connections read at once (more are
 * answered 503), each with a deadline for its headers and one for its body
 * (408 and closed when missed), bounded header and body sizes,
 * Content-Length or chunked bodies, an empty-bodied answer whose status the
 * callback chooses. On lib/net sockets. */
#ifndef CK_EVHTTP_H
#define CK_EVHTTP_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define CK_EVHTTP_MAX_HEAD 16384
#define CK_EVHTTP_MAX_BODY (1u << 20)
#define CK_EVHTTP_MAX_CONNS 64

typedef struct ck_evhttp ck_evhttp;

/* A listener on addr:port (port 0 = any free port). Returns it (free with
 * ck_evhttp_free) or NULL with CK_USAGE/CK_IOERR/CK_NOHOST. */
ck_evhttp *ck_evhttp_listen(const char *addr, int port, ck_err *e);
void ck_evhttp_free(ck_evhttp *h);
/* The port it listens on. */
int ck_evhttp_port(const ck_evhttp *h);

/* Called per complete POST with its path and body (NUL-terminated, valid
 * during the call); peer is "addr:port". *status (200 when called) is the
 * answer's status: 403/404 refuse it. Returns 0 to go on serving, 1 to
 * make ck_evhttp_serve return now. */
typedef int (*ck_evhttp_cb)(void *arg, const char *peer, const char *path,
    const char *body, size_t len, int *status);

/* How long a connection may take for its headers, and in all for its body,
 * from its accept (defaults 2 s and 10 s). */
void ck_evhttp_set_deadlines(ck_evhttp *h, long head_ms, long body_ms);

/* Accepts and reads connections until the monotonic deadline (those still
 * open carry over to the next call). Returns the number of POSTs cb
 * accepted (status 200), or -1 with CK_IOERR when the listening socket
 * fails. A signal (EINTR), or cb returning 1, returns early. Bad requests
 * are answered with 4xx and logged with ck_log_info. */
int ck_evhttp_serve(ck_evhttp *h, int64_t deadline, ck_evhttp_cb cb,
    void *arg, ck_err *e);

/* Parses one request in buf[0..len): on success returns the total length
 * consumed (> 0) and sets *method, *path (in out_head, NUL-terminated) and
 * the decoded body (malloc'd into *body, *blen; caller frees); 0 when more
 * bytes are needed; -1 with CK_DATAERR (bad request) or CK_NOINPUT (too
 * large: status 413). Exposed for tests and the fuzzer. */
int ck_evhttp_parse(const char *buf, size_t len, char *out_head,
    size_t headlen, const char **method, const char **path, char **body,
    size_t *blen, ck_err *e);

#endif
