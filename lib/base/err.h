/* err: error kinds, mapped one to one onto camkit's documented exit codes. */
#ifndef CK_ERR_H
#define CK_ERR_H

#include <stddef.h>

/* Kinds are the exit codes themselves (see camkit.7), so cmd/ can return them. */
enum ck_err_kind {
	CK_OK = 0,
	CK_EMPTY = 1,      /* ran fine, the answer is empty */
	CK_USAGE = 64,
	CK_DATAERR = 65,   /* malformed input or reply */
	CK_NOINPUT = 66,   /* input file missing */
	CK_NOHOST = 68,    /* unknown host */
	CK_UNAVAIL = 69,   /* unreachable, refused */
	CK_SOFTWARE = 70,  /* internal error */
	CK_IOERR = 74,
	CK_TEMPFAIL = 75,  /* timeout, retry may help */
	CK_PROTO = 76,     /* SOAP Fault, SIP 4xx-6xx, unparsable reply */
	CK_NOPERM = 77,    /* authentication rejected */
	CK_CONFIG = 78     /* bad configuration or credentials */
};

typedef struct ck_err {
	int kind;
	char msg[512];
} ck_err;

/* Fills e (if not NULL) with kind and a printf-style message; returns -1. */
int ck_err_set(ck_err *e, int kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefixes e->msg with "what: " (keeps kind); returns -1. */
int ck_err_wrap(ck_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Resets e to CK_OK with an empty message. */
void ck_err_clear(ck_err *e);
/* Short stable name of a kind for JSON error records ("timeout", "auth", ...). */
const char *ck_err_kind_name(int kind);
/* The worse of two exit statuses (0 < 1 < the others by number). */
int ck_err_worst(int a, int b);

#endif
