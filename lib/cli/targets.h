/* targets: the one target loop of the multi-target ONVIF tools (TARGET
 * arguments, or one per stdin line: URL, host[:port], or an NDJSON record
 * such as onvif-discover prints) with its "no targets" rule, and the
 * "error" record for a failed target.
 *
 * No targets: no TARGET argument and stdin a terminal is a usage error
 * (64) naming TARGET and stdin; stdin given but without a target is exit 1
 * with a one-line message. */
#ifndef CK_TARGETS_H
#define CK_TARGETS_H

#include <stdio.h>

#include "codec/json.h"
#include "onvif/onvif.h"

/* Checks the n TARGET arguments before anything is sent: each must parse,
 * and with none stdin must not be a terminal. first (may be NULL) gets the
 * first argument's target (zeroed when n is 0). Returns 0, or the exit
 * status after printing the usage error. */
int ck_targets_check(char **targets, int n, ck_onvif_target *first);
/* fn may add this to its status to end the loop (a signal came). */
#define CK_TARGETS_STOP 0x1000

/* Calls fn(ctx, target) for each of the n targets, or for each non-blank,
 * non-'#' line of stdin when n is 0, until fn's status has CK_TARGETS_STOP.
 * Returns the worst status fn returned (ck_err_worst); CK_USAGE when n is
 * 0 and stdin is a terminal, CK_EMPTY when stdin had no target (after a
 * message). */
int ck_targets_each(char **targets, int n, int (*fn)(void *ctx, const char *t),
    void *ctx);
/* Emits {"type":"error","device":...,"ts":...,"error":kind name,
 * "status":kind,"message":msg} on f; returns kind, or CK_IOERR when the
 * write failed. */
int ck_targets_error(ck_json *j, FILE *f, const char *device, int kind,
    const char *msg);

#endif
