/* evhttp: the smallest HTTP/1.1 server that can take WS-BaseNotification
 * Notify POSTs from cameras (onvif-subscribe --push). One request per
 * connection, bounded header and body sizes, Content-Length or chunked
 * bodies, "200 OK" with an empty body in reply. On lib/net sockets. */
#ifndef CK_EVHTTP_H
#define CK_EVHTTP_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define CK_EVHTTP_MAX_HEAD 16384
#define CK_EVHTTP_MAX_BODY (1u << 20)

typedef struct ck_evhttp ck_evhttp;

/* A listener on addr:port (port 0 = any free port). Returns it (free with
 * ck_evhttp_free) or NULL with CK_USAGE/CK_IOERR/CK_NOHOST. */
ck_evhttp *ck_evhttp_listen(const char *addr, int port, ck_err *e);
void ck_evhttp_free(ck_evhttp *h);
/* The port it listens on. */
int ck_evhttp_port(const ck_evhttp *h);

/* Called per complete POST with its path and body (NUL-terminated, valid
 * during the call); peer is "addr:port". Returns 0 to go on serving, 1 to
 * make ck_evhttp_serve return now. */
typedef int (*ck_evhttp_cb)(void *arg, const char *peer, const char *path,
    const char *body, size_t len);

/* Accepts and answers requests until the monotonic deadline (one slow or
 * broken client cannot hold it past the deadline plus 2 s). Returns the
 * number of POSTs handed to cb, or -1 with CK_IOERR when the listening
 * socket fails. A signal (EINTR), or cb returning 1, returns early. Bad
 * requests are answered with 4xx and logged with ck_log_info. */
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
