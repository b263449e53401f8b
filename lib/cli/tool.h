/* tool: the few things every cmd/ main shares. */
#ifndef CK_TOOL_H
#define CK_TOOL_H

#include "base/err.h"

#ifndef CAMKIT_VERSION
#define CAMKIT_VERSION "0.0.0"
#endif

/* Flushes stdout and checks it for write errors (a full disk is an error):
 * returns rc, or CK_IOERR (after a message) when stdout failed. */
int ck_tool_finish(int rc);
/* "prog: <msg>" and "try 'prog --help'" on stderr; returns CK_USAGE. */
int ck_tool_usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "prog (camkit) VERSION" on stdout; returns 0. */
int ck_tool_version(void);
/* Prints "prog: msg" for e and returns its kind (CK_SOFTWARE if unset). */
int ck_tool_fail(const ck_err *e);
/* Returns 0 if fd is not a terminal, else -1 with CK_USAGE saying media is
 * not written to a terminal (what: "video", "RTP", ...). */
int ck_tool_refuse_tty(int fd, const char *what, ck_err *e);

#endif
