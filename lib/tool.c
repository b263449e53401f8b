#include "tool.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int
ck_finish(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ck_warn("stdout: %s", strerror(errno ? errno : EIO));
		return CK_IOERR;
	}
	return rc;
}

int
ck_usage_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", ck_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntry '%s --help'\n", ck_progname);
	return CK_USAGE;
}

int
ck_version(void)
{
	printf("%s (camkit) %s\n", ck_progname, CAMKIT_VERSION);
	return 0;
}

int
ck_fail(const ck_err *e)
{
	ck_warn("%s", e->msg[0] ? e->msg : "failed");
	return e->kind ? e->kind : CK_SOFTWARE;
}

int
ck_refuse_tty(int fd, const char *what, ck_err *e)
{
	if (isatty(fd))
		return ck_seterr(e, CK_USAGE,
		    "refusing to write %s to a terminal (redirect it or use -o FILE)",
		    what);
	return 0;
}
