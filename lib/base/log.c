#include "base/log.h"
#include "base/sbuf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int ck_log_verbosity = 0;
const char *ck_log_progname = "camkit";

void
ck_log_init(const char *argv0)
{
	const char *s;

	if (argv0 == NULL)
		return;
	s = strrchr(argv0, '/');
	ck_log_progname = s ? s + 1 : argv0;
}

void
ck_log_warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", ck_log_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
ck_log_vat(int level, const char *fmt, va_list ap)
{
	if (ck_log_verbosity < level)
		return;
	fputs("* ", stderr);
	vfprintf(stderr, fmt, ap);
	if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', stderr);
}

void
ck_log_at(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ck_log_vat(level, fmt, ap);
	va_end(ap);
}

void
ck_log_vusage(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", ck_log_progname);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\ntry '%s --help'\n", ck_log_progname);
}

void
ck_log_info(const char *fmt, ...)
{
	va_list ap;

	if (ck_log_verbosity < CK_LOG_EVENTS)
		return;
	fputs("* ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char RED[] = "[redacted]";

/* Header names whose whole value is secret-bearing. */
static const char *const secret_headers[] = {
	"authorization:", "proxy-authorization:", NULL
};

/* XML local names whose text content is secret. */
static const char *const secret_elems[] = { "Password", "Nonce", NULL };

/* At a line start: a secret header? Returns length of "Name:" matched. */
static size_t
match_header(const char *s, size_t left)
{
	for (int i = 0; secret_headers[i]; i++) {
		size_t l = strlen(secret_headers[i]);
		if (left >= l && strncasecmp(s, secret_headers[i], l) == 0)
			return l;
	}
	return 0;
}

/* At '<': an opening tag (any prefix) of a secret element? Returns the
 * length up to and including its '>', or 0. */
static size_t
match_elem(const char *s, size_t left)
{
	size_t i = 1, name;
	const char *local;

	if (left < 2 || s[1] == '/' || s[1] == '?' || s[1] == '!')
		return 0;
	while (i < left && (isalnum((unsigned char)s[i]) || s[i] == ':' ||
	    s[i] == '_' || s[i] == '-' || s[i] == '.'))
		i++;
	name = i - 1;
	local = memchr(s + 1, ':', name) ? (char *)memchr(s + 1, ':', name) + 1
	    : s + 1;
	name = (size_t)(s + i - local);
	for (int k = 0; secret_elems[k]; k++) {
		if (strlen(secret_elems[k]) == name &&
		    memcmp(local, secret_elems[k], name) == 0) {
			while (i < left && s[i] != '>')
				i++;
			if (i < left && s[i - 1] != '/')
				return i + 1;
			return 0;
		}
	}
	return 0;
}

char *
ck_log_redact(const void *vbuf, size_t len)
{
	const char *s = vbuf;
	ck_sbuf b = { 0 };
	size_t i = 0;
	int bol = 1;

	while (i < len) {
		size_t m;
		if (bol && (m = match_header(s + i, len - i)) > 0) {
			/* keep the scheme word (Digest/Basic) for debugging */
			size_t j = i + m;
			while (j < len && s[j] == ' ')
				j++;
			while (j < len && s[j] != ' ' && s[j] != '\r' && s[j] != '\n')
				j++;
			ck_sbuf_addn(&b, s + i, j - i);
			ck_sbuf_add(&b, " ");
			ck_sbuf_add(&b, RED);
			while (j < len && s[j] != '\r' && s[j] != '\n')
				j++;
			i = j;
			bol = 0;
			continue;
		}
		if (s[i] == '<' && (m = match_elem(s + i, len - i)) > 0) {
			size_t j = i + m;
			ck_sbuf_addn(&b, s + i, m);
			ck_sbuf_add(&b, RED);
			while (j < len && s[j] != '<')
				j++;
			i = j;
			bol = 0;
			continue;
		}
		bol = (s[i] == '\n');
		ck_sbuf_addn(&b, s + i, 1);
		i++;
	}
	/* After a failed allocation the appends above are no-ops. */
	return ck_sbuf_done(&b);
}

static void
hexdump(char dir, const unsigned char *p, size_t len)
{
	for (size_t off = 0; off < len; off += 16) {
		fprintf(stderr, "%c %04zx ", dir, off);
		for (size_t k = 0; k < 16; k++) {
			if (off + k < len)
				fprintf(stderr, "%02x ", p[off + k]);
			else
				fputs("   ", stderr);
		}
		fputc(' ', stderr);
		for (size_t k = 0; k < 16 && off + k < len; k++)
			fputc(isprint(p[off + k]) ? p[off + k] : '.', stderr);
		fputc('\n', stderr);
	}
}

void
ck_log_trace(char dir, const void *buf, size_t len)
{
	char *r, *line, *save = NULL;

	if (ck_log_verbosity < CK_LOG_WIRE || buf == NULL)
		return;
	r = ck_log_redact(buf, len);
	if (r == NULL)
		return;
	for (line = strtok_r(r, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(line);
		if (l > 0 && line[l - 1] == '\r')
			line[l - 1] = '\0';
		fprintf(stderr, "%c %s\n", dir, line);
	}
	free(r);
}

void
ck_log_trace_hex(char dir, const void *buf, size_t len)
{
	if (ck_log_verbosity >= CK_LOG_HEX && buf != NULL)
		hexdump(dir, buf, len);
}
