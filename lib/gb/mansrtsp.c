#include "gb/mansrtsp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const methods[] = { "", "PLAY", "PAUSE", "TEARDOWN" };

int
ck_mansrtsp_write(int method, unsigned long cseq, double scale, double from,
    char *out, size_t outlen, ck_err *e)
{
	int n;
	if (method < CK_MANSRTSP_PLAY || method > CK_MANSRTSP_TEARDOWN ||
	    !(scale <= 64) || !(from < 1e9))
		return ck_err_set(e, CK_USAGE, "mansrtsp: bad request");
	n = snprintf(out, outlen, "%s MANSRTSP/1.0\r\nCSeq: %lu\r\n", methods[method], cseq);
	if (method == CK_MANSRTSP_PLAY && scale > 0 && n >= 0 && (size_t)n < outlen)
		n += snprintf(out + n, outlen - (size_t)n, "Scale: %g\r\n", scale);
	if (method == CK_MANSRTSP_PLAY && from >= 0 && n >= 0 && (size_t)n < outlen)
		n += snprintf(out + n, outlen - (size_t)n, "Range: npt=%.10g-\r\n", from);
	if (method == CK_MANSRTSP_PAUSE && n >= 0 && (size_t)n < outlen)
		n += snprintf(out + n, outlen - (size_t)n, "PauseTime: now\r\n");
	if (n < 0 || (size_t)n >= outlen)
		return ck_err_set(e, CK_SOFTWARE, "mansrtsp: body too long");
	return n;
}

static int
number(const char *s, double lo, double hi, double *v)
{
	char *end;
	while (*s == ' ' || *s == '\t')
		s++;
	if ((*s < '0' || *s > '9') && *s != '.')
		return -1;
	*v = strtod(s, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	return *end == '\0' && isfinite(*v) && *v >= lo && *v <= hi ? 0 : -1;
}

/* Header value of a line "Name: value" when name matches, else NULL. */
static const char *
hval(const char *line, const char *name)
{
	size_t n = strlen(name);
	if (strncasecmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	line += n + 1;
	while (*line == ' ' || *line == '\t')
		line++;
	return line;
}

int
ck_mansrtsp_parse(const char *buf, size_t len, ck_mansrtsp *m, ck_err *e)
{
	char line[256];
	size_t i = 0;
	int first = 1, have_cseq = 0;
	memset(m, 0, sizeof *m);
	if (len > CK_MANSRTSP_MAX)
		return ck_err_set(e, CK_DATAERR, "mansrtsp: body too long");
	while (i < len) {
		const char *p = buf + i;
		const char *nl = memchr(p, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - p) : len - i;
		i += ll + (nl != NULL);
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		if (ll >= sizeof line)
			return ck_err_set(e, CK_DATAERR, "mansrtsp: line too long");
		memcpy(line, p, ll);
		line[ll] = '\0';
		if (memchr(line, '\0', ll))
			return ck_err_set(e, CK_DATAERR, "mansrtsp: NUL byte");
		if (first) {
			char a[16], b[16];
			int code, k = 0;
			if (ll == 0)
				continue;
			first = 0;
			if (sscanf(line, "%15s %15s %n", a, b, &k) == 2 &&
			    (!strcasecmp(a, "MANSRTSP/1.0") || !strcasecmp(a, "RTSP/1.0"))) {
				if (sscanf(b, "%d", &code) != 1 || code < 100 || code > 699 ||
				    strspn(b, "0123456789") != strlen(b))
					return ck_err_set(e, CK_DATAERR, "mansrtsp: bad status line");
				m->status = code;
				continue;
			}
			if (sscanf(line, "%15s %15s", a, b) != 2 ||
			    (strcasecmp(b, "MANSRTSP/1.0") && strcasecmp(b, "RTSP/1.0")))
				return ck_err_set(e, CK_DATAERR, "mansrtsp: no MANSRTSP start line");
			for (int k2 = CK_MANSRTSP_PLAY; k2 <= CK_MANSRTSP_TEARDOWN; k2++)
				if (!strcasecmp(a, methods[k2]))
					m->method = k2;
			if (!m->method)
				return ck_err_set(e, CK_DATAERR, "mansrtsp: unknown method %s", a);
			continue;
		}
		if (ll == 0)
			break;   /* end of the headers */
		const char *v;
		double d;
		if ((v = hval(line, "CSeq")) != NULL) {
			if (number(v, 0, 4294967295.0, &d) < 0 || d != floor(d))
				return ck_err_set(e, CK_DATAERR, "mansrtsp: bad CSeq");
			m->cseq = (unsigned long)d;
			have_cseq = 1;
		} else if ((v = hval(line, "Scale")) != NULL) {
			if (number(v, 0.001, 256, &d) < 0)
				return ck_err_set(e, CK_DATAERR, "mansrtsp: bad Scale");
			m->has_scale = 1;
			m->scale = d;
		} else if ((v = hval(line, "Range")) != NULL) {
			char from[64];
			const char *dash;
			if (strncasecmp(v, "npt=", 4) != 0 || (dash = strchr(v + 4, '-')) == NULL ||
			    (size_t)(dash - v - 4) >= sizeof from)
				return ck_err_set(e, CK_DATAERR, "mansrtsp: bad Range");
			memcpy(from, v + 4, (size_t)(dash - v - 4));
			from[dash - v - 4] = '\0';
			if (!strcasecmp(from, "now"))
				d = -1;
			else if (number(from, 0, 1e9, &d) < 0)
				return ck_err_set(e, CK_DATAERR, "mansrtsp: bad Range");
			m->has_range = 1;
			m->range_from = d;
		}
	}
	if (first)
		return ck_err_set(e, CK_DATAERR, "mansrtsp: empty body");
	if (!have_cseq)
		return ck_err_set(e, CK_DATAERR, "mansrtsp: no CSeq");
	return 0;
}

int
ck_mansrtsp_command(const char *line, int *method, double *scale, double *from)
{
	char verb[16], extra[2];
	double v = 0;
	int n = sscanf(line, " %15s %lf %1s", verb, &v, extra);
	*scale = 0;
	*from = -1;
	if (n == 1 && !strcasecmp(verb, "pause"))
		*method = CK_MANSRTSP_PAUSE;
	else if (n == 1 && !strcasecmp(verb, "play"))
		*method = CK_MANSRTSP_PLAY;
	else if (n == 2 && !strcasecmp(verb, "scale") && isfinite(v) && v > 0 && v <= 64) {
		*method = CK_MANSRTSP_PLAY;
		*scale = v;
	} else if (n == 2 && !strcasecmp(verb, "seek") && isfinite(v) && v >= 0 && v < 1e9) {
		*method = CK_MANSRTSP_PLAY;
		*from = v;
	} else
		return -1;
	return 0;
}
