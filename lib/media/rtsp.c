#include "media/rtsp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const methods[] = { "DESCRIBE ", "SETUP ", "PLAY ", "PAUSE ",
	"TEARDOWN ", "OPTIONS ", "ANNOUNCE ", "RECORD ", "GET_PARAMETER ",
	"SET_PARAMETER ", "REDIRECT " };

/* The end of the header block ("\r\n\r\n" or "\n\n"), or NULL. */
static const uint8_t *
head_end(const uint8_t *p, size_t len, size_t *hl)
{
	const uint8_t *a = memmem(p, len, "\r\n\r\n", 4);
	const uint8_t *b = memmem(p, len, "\n\n", 2);

	if (a && (!b || a < b)) {
		*hl = (size_t)(a - p) + 4;
		return a;
	}
	if (b) {
		*hl = (size_t)(b - p) + 2;
		return b;
	}
	return NULL;
}

/* The first line up to its end ends with " RTSP/1.0" (a request line). */
static int
rtsp_request_line(const uint8_t *p, size_t len)
{
	const uint8_t *nl = memchr(p, '\n', len < 1024 ? len : 1024);
	size_t n;

	if (!nl)
		return len < 1024 ? 0 : -1;
	n = (size_t)(nl - p);
	if (n && p[n - 1] == '\r')
		n--;
	return n > 9 && memcmp(p + n - 9, " RTSP/1.0", 9) == 0 ? 1 : -1;
}

int
ck_rtsp_looks(const uint8_t *p, size_t len)
{
	size_t i, n;
	size_t lim = len < 2048 ? len : 2048;

	if (len >= 9 && memcmp(p, "RTSP/1.0 ", 9) == 0)
		return 1;
	for (i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		n = strlen(methods[i]);
		if (len >= n && memcmp(p, methods[i], n) == 0)
			return rtsp_request_line(p, len) != -1;
	}
	if ((len >= 5 && (!memcmp(p, "GET ", 4) || !memcmp(p, "POST ", 5) ||
	    !memcmp(p, "HTTP/", 5))) &&
	    memmem(p, lim, "x-rtsp-tunnelled", 16) != NULL)
		return 1;
	return 0;
}

/* Value of header name in the header block h (hl bytes) into out. */
static int
header(const uint8_t *h, size_t hl, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name), i = 0;

	while (i < hl) {
		const uint8_t *e = memchr(h + i, '\n', hl - i);
		size_t ll = e ? (size_t)(e - (h + i)) : hl - i;
		if (ll > nl && !strncasecmp((const char *)h + i, name, nl) && h[i + nl] == ':') {
			size_t a = i + nl + 1, b = i + ll;
			while (a < b && (h[a] == ' ' || h[a] == '\t'))
				a++;
			while (b > a && (h[b - 1] == '\r' || h[b - 1] == ' '))
				b--;
			snprintf(out, outlen, "%.*s", (int)(b - a), (const char *)h + a);
			return 1;
		}
		i += ll + 1;
	}
	return 0;
}

long
ck_rtsp_msg_len(const uint8_t *p, size_t len)
{
	size_t hl;
	char v[32];
	char *end;
	unsigned long cl = 0;

	if (!ck_rtsp_looks(p, len))
		return len < 9 ? 0 : -1;
	if (!head_end(p, len < CK_RTSP_MAXMSG ? len : CK_RTSP_MAXMSG, &hl))
		return len >= CK_RTSP_MAXMSG ? -1 : 0;
	/* a tunnel's POST announces a huge body that is the base64 stream
	 * itself: the message is its headers */
	if (len >= 5 && !memcmp(p, "POST ", 5))
		return (long)hl;
	if (header(p, hl, "Content-Length", v, sizeof v)) {
		cl = strtoul(v, &end, 10);
		if (end == v || *end)
			return -1;
	}
	if (cl > CK_RTSP_MAXMSG - hl)
		return -1;
	return hl + cl <= len ? (long)(hl + cl) : 0;
}

int
ck_rtsp_parse(const uint8_t *p, size_t len, ck_rtsp_msg *m, ck_err *e)
{
	size_t hl;
	char v[32], *end;
	const uint8_t *nl;

	memset(m, 0, sizeof *m);
	m->cseq = -1;
	if (!head_end(p, len, &hl) || !(nl = memchr(p, '\n', hl)))
		return ck_err_set(e, CK_DATAERR, "RTSP message without a header end");
	if (len >= 5 && (!memcmp(p, "RTSP/", 5) || !memcmp(p, "HTTP/", 5))) {
		const uint8_t *sp = memchr(p, ' ', (size_t)(nl - p));
		int i;
		m->response = 1;
		m->http = p[0] == 'H';
		/* three digits, read within the line (the buffer has no NUL) */
		for (i = 1; sp && i <= 3 && sp + i < nl && sp[i] >= '0' && sp[i] <= '9'; i++)
			m->status = m->status * 10 + (sp[i] - '0');
		if (!sp || i != 4 || m->status < 100)
			return ck_err_set(e, CK_DATAERR, "RTSP status line without a status");
	} else {
		const uint8_t *sp = memchr(p, ' ', (size_t)(nl - p)), *sp2;
		if (!sp || sp - p >= (long)sizeof m->method)
			return ck_err_set(e, CK_DATAERR, "RTSP request line without a method");
		snprintf(m->method, sizeof m->method, "%.*s", (int)(sp - p), (const char *)p);
		sp2 = memchr(sp + 1, ' ', (size_t)(nl - sp - 1));
		snprintf(m->url, sizeof m->url, "%.*s",
		    (int)((sp2 ? sp2 : nl) - sp - 1), (const char *)sp + 1);
		m->http = sp2 && nl - sp2 > 5 && !memcmp(sp2 + 1, "HTTP/", 5);
	}
	if (header(p, hl, "CSeq", v, sizeof v)) {
		m->cseq = strtol(v, &end, 10);
		if (end == v || m->cseq < 0)
			m->cseq = -1;
	}
	header(p, hl, "Content-Type", m->content_type, sizeof m->content_type);
	header(p, hl, "Content-Base", m->content_base, sizeof m->content_base);
	header(p, hl, "Transport", m->transport, sizeof m->transport);
	header(p, hl, "x-sessioncookie", m->cookie, sizeof m->cookie);
	m->body = p + hl;
	m->body_len = len - hl;
	return 0;
}

/* "a-b" or "a" into two numbers (b = a + 1 when absent). */
static int
pair(const char *s, long lo, long hi, long out[2])
{
	char *end;

	out[0] = strtol(s, &end, 10);
	if (end == s || out[0] < lo || out[0] > hi)
		return -1;
	out[1] = out[0] + 1;
	if (*end == '-') {
		const char *b = end + 1;
		out[1] = strtol(b, &end, 10);
		if (end == b || out[1] < lo || out[1] > hi)
			return -1;
	}
	return 0;
}

int
ck_rtsp_transport_parse(const char *v, ck_rtsp_transport *t)
{
	char buf[512], *save = NULL, *tok;
	long x[2];
	int first = 1;

	memset(t, 0, sizeof *t);
	snprintf(buf, sizeof buf, "%s", v);
	buf[strcspn(buf, ",")] = '\0';     /* the first transport spec */
	for (tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save), first = 0) {
		while (*tok == ' ')
			tok++;
		if (first) {
			if (strncasecmp(tok, "RTP/AVP", 7))
				return -1;
			t->tcp = !strncasecmp(tok, "RTP/AVP/TCP", 11);
		} else if (!strncasecmp(tok, "interleaved=", 12) && !pair(tok + 12, 0, 255, x)) {
			t->has_interleaved = 1;
			t->interleaved[0] = (int)x[0];
			t->interleaved[1] = (int)x[1];
		} else if (!strncasecmp(tok, "client_port=", 12) && !pair(tok + 12, 1, 65535, x)) {
			t->client_port[0] = (uint16_t)x[0];
			t->client_port[1] = (uint16_t)x[1];
		} else if (!strncasecmp(tok, "server_port=", 12) && !pair(tok + 12, 1, 65535, x)) {
			t->server_port[0] = (uint16_t)x[0];
			t->server_port[1] = (uint16_t)x[1];
		} else if (!strncasecmp(tok, "ssrc=", 5)) {
			char *end;
			unsigned long long s = strtoull(tok + 5, &end, 16);
			if (end != tok + 5 && end - (tok + 5) <= 8 && (*end == '\0' || *end == ' ')) {
				t->has_ssrc = 1;
				t->ssrc = (uint32_t)s;
			}
		}
	}
	return 0;
}

static int
b64val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return c == '=' ? 64 : -1;
}

size_t
ck_rtsp_b64(uint8_t st[4], int *stn, const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 0, i;

	for (i = 0; i < n; i++) {
		int v = b64val(in[i]);
		if (v < 0)
			continue;
		st[(*stn)++] = (uint8_t)v;
		if (*stn < 4)
			continue;
		*stn = 0;
		if (st[0] == 64 || st[1] == 64)
			continue;              /* padding out of place: nothing */
		out[o++] = (uint8_t)(st[0] << 2 | st[1] >> 4);
		if (st[2] != 64)
			out[o++] = (uint8_t)(st[1] << 4 | st[2] >> 2);
		if (st[2] != 64 && st[3] != 64)
			out[o++] = (uint8_t)(st[2] << 6 | st[3]);
	}
	return o;
}
