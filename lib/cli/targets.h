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

#include "cli/opts.h"
#include "codec/json.h"
#include "onvif/onvif.h"

#define CK_TARGETS_JOBS 32   /* default -j */

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
/* The -j/--jobs option (1 to 4096; *jobs is set to CK_TARGETS_JOBS here):
 * put it in a multi-target tool's blocks. */
ck_opts_block ck_targets_block(int *jobs);
/* ck_targets_each with up to jobs targets worked on at once, each fn call
 * on its own thread with its own target; targets are read (from argv or
 * stdin) only as workers free up, so memory stays bounded whatever their
 * number. fn must write records with ck_targets_emit. jobs <= 1 is
 * ck_targets_each. Same returns. */
int ck_targets_run(char **targets, int n, int jobs,
    int (*fn)(void *ctx, const char *t), void *ctx);
/* Writes the record in j to stdout as one whole line (never interleaved
 * with another worker's) and flushes it. Returns 0, or CK_IOERR. */
int ck_targets_emit(ck_json *j);
/* Emits {"type":"error","device":...,"ts":...,"error":kind name,
 * "status":kind,"message":msg} on f; returns kind, or CK_IOERR when the
 * write failed. */
int ck_targets_error(ck_json *j, FILE *f, const char *device, int kind,
    const char *msg);
/* A target that failed: logs e's message, then emits its error record on
 * stdout naming tg's URL (arg when it did not parse; tg zeroed before the
 * parse). Returns the status (e's kind, CK_SOFTWARE when unset, or
 * CK_IOERR). */
int ck_targets_fail(ck_json *j, const ck_onvif_target *tg, const char *arg,
    const ck_err *e);

#endif
