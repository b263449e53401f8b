/* esout: a buffered writer of demultiplexed media to a file descriptor
 * (the video, audio and private-data outputs of rtp-ps-demux). The first
 * write error is kept: later writes and the close fail quietly, so the
 * error is reported once. */
#ifndef CK_ESOUT_H
#define CK_ESOUT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct ck_esout {
	int fd;                /* -1: not open */
	uint8_t *buf;
	size_t len;
	uint64_t total;        /* bytes written (or buffered) so far */
	const char *name;      /* for messages: the path or "stdout" */
	int failed;            /* a write failed (already reported) */
	int gone;              /* ... because the reader went away (EPIPE): not
	                        * an error but a reason to stop */
} ck_esout;

/* Marks o closed (before ck_esout_open, so that ck_esout_close is safe). */
void ck_esout_init(ck_esout *o);
/* Opens path for writing (truncated; NULL = fd 1, named "stdout") and
 * refuses a terminal (CK_USAGE naming what: "video"). Returns 0 or -1. */
int ck_esout_open(ck_esout *o, const char *path, const char *what, ck_err *e);
/* Buffers n bytes. Returns 0, or -1 with CK_IOERR on the first failed write
 * (e filled; gone set when the reader went away), -1 with e untouched after
 * that. */
int ck_esout_write(ck_esout *o, const uint8_t *p, size_t n, ck_err *e);
/* Flushes and closes (fd 1 stays open). Returns 0, or -1 with e filled
 * when a write or the close failed now (not when it had failed before). */
int ck_esout_close(ck_esout *o, ck_err *e);

#endif
