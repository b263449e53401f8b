/* targets: the per-target loop the ONVIF tools share (TARGET arguments, or
 * one per stdin line: URL, host[:port], or an NDJSON record such as
 * onvif-discover prints) and the "error" record for a failed target. */
#ifndef CK_TARGETS_H
#define CK_TARGETS_H

#include "codec/json.h"

/* Calls fn(ctx, target) for each of the n targets, or for each non-blank,
 * non-'#' line of stdin when n is 0. Returns the worst status fn returned
 * (ck_err_worst), CK_EMPTY when stdin had no target (after a message). */
int ck_targets_each(char **targets, int n, int (*fn)(void *ctx, const char *t),
    void *ctx);
/* Emits {"type":"error","device":...,"ts":...,"error":kind name,
 * "status":kind,"message":msg} on f; returns kind, or CK_IOERR when the
 * write failed. */
int ck_targets_error(ck_json *j, FILE *f, const char *device, int kind,
    const char *msg);

#endif
