#include "cli/tool.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

int
ck_tool_finish(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ck_log_warn("stdout: %s", strerror(errno ? errno : EIO));
		return CK_IOERR;
	}
	return rc;
}

int
ck_tool_usage_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ck_log_vusage(fmt, ap);
	va_end(ap);
	return CK_USAGE;
}

int
ck_tool_version(void)
{
	printf("%s (camkit) %s\n", ck_log_progname, CAMKIT_VERSION);
	return 0;
}

int
ck_tool_fail(const ck_err *e)
{
	ck_log_warn("%s", e->msg[0] ? e->msg : "failed");
	return e->kind ? e->kind : CK_SOFTWARE;
}

int
ck_tool_refuse_tty(int fd, const char *what, ck_err *e)
{
	if (isatty(fd))
		return ck_err_set(e, CK_USAGE,
		    "refusing to write %s to a terminal (redirect it or use -o FILE)",
		    what);
	return 0;
}
