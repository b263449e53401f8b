/* log: diagnostics on stderr. -v events ("* "), -vv wire trace ("> " sent,
 * "< " received), -vvv hex dumps. Secrets are redacted before printing. */
#ifndef CK_LOG_H
#define CK_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum { CK_LOG_QUIET = 0, CK_LOG_EVENTS = 1, CK_LOG_WIRE = 2, CK_LOG_HEX = 3 };

extern int ck_log_verbosity;        /* number of -v given */
extern const char *ck_log_progname; /* set by ck_log_init */

/* Sets the program name used as the message prefix. */
void ck_log_init(const char *argv0);
/* "prog: message" on stderr, always printed. */
void ck_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "* message" on stderr when verbosity >= 1. */
void ck_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "* message" on stderr when verbosity >= level (a newline is added unless
 * fmt ends with one): for third-party traces that arrive as printf text. */
void ck_log_at(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ck_log_vat(int level, const char *fmt, va_list ap);
/* A usage error: "prog: message" and "try 'prog --help'" on stderr. */
void ck_log_vusage(const char *fmt, va_list ap);
/* Wire trace when verbosity >= 2: each line of buf prefixed by "> " (dir '>')
 * or "< " (dir '<'), with secrets redacted; a hex dump too at >= 3. */
void ck_log_trace(char dir, const void *buf, size_t len);
/* Returns a malloc'd NUL-terminated copy of buf[0..len) with the values of
 * Authorization/Proxy-Authorization/WWW-Authenticate response= fields,
 * WS-Security <Password> and <Nonce> elements replaced by "[redacted]".
 * Caller frees; NULL on allocation failure. */
char *ck_log_redact(const void *buf, size_t len);
/* Hex dump of binary wire data (RTP, PS) when verbosity >= 3. Never used on
 * text that may carry secrets. */
void ck_log_trace_hex(char dir, const void *buf, size_t len);

#endif
