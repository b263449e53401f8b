/* sbuf: growable string; see sbuf.h. Base layer: depends on libc only. */
#include "base/sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for n more bytes plus the NUL; 0 or -1 (b->oom set). */
static int
reserve(ck_sbuf *b, size_t n)
{
	size_t need, cap;
	char *q;

	if (b->oom)
		return -1;
	if (n > (size_t)-1 - b->len - 1) {
		b->oom = 1;
		return -1;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > (size_t)-1 / 2 ? need : cap * 2;
	if ((q = realloc(b->p, cap)) == NULL) {
		b->oom = 1;
		return -1;
	}
	b->p = q;
	b->cap = cap;
	return 0;
}

void
ck_sbuf_addn(ck_sbuf *b, const char *s, size_t n)
{
	if (reserve(b, n) < 0)
		return;
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
ck_sbuf_add(ck_sbuf *b, const char *s)
{
	ck_sbuf_addn(b, s, strlen(s));
}

void
ck_sbuf_printf(ck_sbuf *b, const char *fmt, ...)
{
	va_list ap, ap2;
	int n;

	if (b->oom)
		return;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0 || reserve(b, (size_t)n) < 0) {
		b->oom = 1;
	} else {
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap2);
		b->len += (size_t)n;
	}
	va_end(ap2);
	va_end(ap);
}

void
ck_sbuf_esc(ck_sbuf *b, const char *s)
{
	const char *run;

	if (s == NULL)
		s = "";
	/* Reserve even for "" so the result is a string, as with ck_sbuf_add. */
	ck_sbuf_addn(b, "", 0);
	for (run = s; *s; s++) {
		const char *r;
		switch (*s) {
		case '&': r = "&amp;"; break;
		case '<': r = "&lt;"; break;
		case '>': r = "&gt;"; break;
		case '"': r = "&quot;"; break;
		case '\'': r = "&apos;"; break;
		default: continue;
		}
		ck_sbuf_addn(b, run, (size_t)(s - run));
		ck_sbuf_add(b, r);
		run = s + 1;
	}
	ck_sbuf_addn(b, run, (size_t)(s - run));
}

void
ck_sbuf_elem(ck_sbuf *b, const char *name, const char *value)
{
	ck_sbuf_add(b, "<");
	ck_sbuf_add(b, name);
	ck_sbuf_add(b, ">");
	ck_sbuf_esc(b, value);
	ck_sbuf_add(b, "</");
	ck_sbuf_add(b, name);
	ck_sbuf_add(b, ">");
}

char *
ck_sbuf_done(ck_sbuf *b)
{
	char *p = b->p;

	if (b->oom) {
		free(p);
		p = NULL;
	} else if (p == NULL) {
		p = strdup("");
	}
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
	return p;
}

void
ck_sbuf_free(ck_sbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}
