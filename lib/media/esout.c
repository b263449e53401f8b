#include "media/esout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUTBUF (1u << 20)

void
ck_esout_init(ck_esout *o)
{
	memset(o, 0, sizeof *o);
	o->fd = -1;
}

int
ck_esout_open(ck_esout *o, const char *path, const char *what, ck_err *e)
{
	ck_esout_init(o);
	o->name = path ? path : "stdout";
	o->fd = path ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : 1;
	if (o->fd < 0)
		return ck_err_set(e, CK_IOERR, "%s: %s", path, strerror(errno));
	if (isatty(o->fd))
		return ck_err_set(e, CK_USAGE,
		    "refusing to write %s to a terminal (redirect it or use -o FILE)", what);
	if ((o->buf = malloc(OUTBUF)) == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	return 0;
}

static int
flush(ck_esout *o, const uint8_t *p, size_t n, ck_err *e)
{
	if (o->failed)
		return -1;
	while (n > 0) {
		ssize_t w = write(o->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			o->failed = 1;
			/* the reader went away (| head): the caller stops, quietly */
			if (w < 0 && errno == EPIPE) {
				o->gone = 1;
				return ck_err_set(e, CK_IOERR, "%s: the reader went away", o->name);
			}
			return ck_err_set(e, CK_IOERR, "%s: write: %s", o->name,
			    w < 0 ? strerror(errno) : "nothing written");
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
ck_esout_write(ck_esout *o, const uint8_t *p, size_t n, ck_err *e)
{
	if (o->failed)
		return -1;
	o->total += n;
	if (o->len + n > OUTBUF) {
		if (flush(o, o->buf, o->len, e) < 0)
			return -1;
		o->len = 0;
		if (n >= OUTBUF / 2)
			return flush(o, p, n, e);
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}

int
ck_esout_close(ck_esout *o, ck_err *e)
{
	int rc = 0;

	if (o->fd < 0) {
		free(o->buf);
		o->buf = NULL;
		return 0;
	}
	if (!o->failed && o->buf)
		rc = flush(o, o->buf, o->len, e);
	if (o->fd > 1 && close(o->fd) < 0 && rc == 0 && !o->failed)
		rc = ck_err_set(e, CK_IOERR, "%s: close: %s", o->name, strerror(errno));
	free(o->buf);
	o->buf = NULL;
	o->len = 0;
	o->fd = -1;
	return rc;
}
