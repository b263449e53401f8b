/* mansrtsp: the MANSRTSP bodies of GB/T 28181 playback control (INFO,
 * Content-Type Application/MANSRTSP; GB/T 28181-2016 Annex B): PLAY with
 * Scale and Range, PAUSE, TEARDOWN, and their answers. Devices answer
 * "MANSRTSP/1.0 200 OK" or "RTSP/1.0 200 OK"; both are read. */
#ifndef CK_MANSRTSP_H
#define CK_MANSRTSP_H

#include <stddef.h>

#include "base/err.h"

#define CK_MANSRTSP_MAX 4096

enum ck_mansrtsp_method { CK_MANSRTSP_PLAY = 1, CK_MANSRTSP_PAUSE, CK_MANSRTSP_TEARDOWN };

typedef struct ck_mansrtsp {
	int method;          /* request: enum ck_mansrtsp_method; 0 in an answer */
	int status;          /* answer: the status code; 0 in a request */
	unsigned long cseq;
	int has_scale;
	double scale;        /* Scale: (> 0) */
	int has_range;
	double range_from;   /* Range: npt=FROM- (seconds; -1 = "now") */
} ck_mansrtsp;

/* Writes a request: "PLAY MANSRTSP/1.0", CSeq, then Scale (scale > 0) and
 * Range npt=FROM- (from >= 0) for PLAY, "PauseTime: now" for PAUSE.
 * Returns its length, or -1 with CK_SOFTWARE (out too small)/CK_USAGE. */
int ck_mansrtsp_write(int method, unsigned long cseq, double scale, double from,
    char *out, size_t outlen, ck_err *e);
/* Reads a request or an answer. Returns 0, or -1 with CK_DATAERR (no
 * MANSRTSP/RTSP start line, unknown method, bad CSeq/Scale/Range, too long). */
int ck_mansrtsp_parse(const char *buf, size_t len, ck_mansrtsp *m, ck_err *e);
/* Parses a control line "pause", "play", "scale N", "seek SECONDS" (what
 * gb-invite reads from --control) into *method, *scale, *from. 0 or -1. */
int ck_mansrtsp_command(const char *line, int *method, double *scale, double *from);

#endif
