#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
ck_err_set(ck_err *e, int kind, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->kind = kind;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int
ck_err_wrap(ck_err *e, const char *fmt, ...)
{
	char pre[256], old[sizeof e->msg];
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	snprintf(e->msg, sizeof e->msg, "%s: %s", pre, old);
	return -1;
}

void
ck_err_clear(ck_err *e)
{
	if (e != NULL) {
		e->kind = CK_OK;
		e->msg[0] = '\0';
	}
}

const char *
ck_err_kind_name(int kind)
{
	switch (kind) {
	case CK_OK: return "ok";
	case CK_EMPTY: return "empty";
	case CK_USAGE: return "usage";
	case CK_DATAERR: return "malformed";
	case CK_NOINPUT: return "no_input";
	case CK_NOHOST: return "unknown_host";
	case CK_UNAVAIL: return "unreachable";
	case CK_SOFTWARE: return "internal";
	case CK_IOERR: return "io";
	case CK_TEMPFAIL: return "timeout";
	case CK_PROTO: return "fault";
	case CK_NOPERM: return "auth";
	case CK_CONFIG: return "config";
	}
	return "error";
}

int
ck_err_worst(int a, int b)
{
	return a > b ? a : b;
}
