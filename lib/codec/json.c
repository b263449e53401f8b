#include "codec/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXDEPTH 64

struct ck_json {
	char *p;
	size_t n, cap;
	int depth;
	int count[MAXDEPTH];   /* members written at each depth */
	char close[MAXDEPTH];  /* '}' or ']' */
	int oom;
};

ck_json *
ck_json_new(void)
{
	return calloc(1, sizeof(ck_json));
}

void
ck_json_free(ck_json *j)
{
	if (j) {
		free(j->p);
		free(j);
	}
}

void
ck_json_reset(ck_json *j)
{
	j->n = 0;
	j->depth = 0;
	if (j->p)
		j->p[0] = '\0';
}

static void
put(ck_json *j, const char *s, size_t n)
{
	if (j->oom)
		return;
	if (j->n + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 256;
		char *np;
		while (j->n + n + 1 > cap)
			cap *= 2;
		np = realloc(j->p, cap);
		if (np == NULL) {
			j->oom = 1;
			return;
		}
		j->p = np;
		j->cap = cap;
	}
	memcpy(j->p + j->n, s, n);
	j->n += n;
	j->p[j->n] = '\0';
}

static void
puts_(ck_json *j, const char *s)
{
	put(j, s, strlen(s));
}

/* Length of a valid UTF-8 sequence at s (max n bytes), or 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned cp;

	if (c < 0x80) return 1;
	if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
	else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
	else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
	else return 0;
	if (len > n) return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return len;
}

static void
quote(ck_json *j, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0;
	char esc[8];

	put(j, "\"", 1);
	while (i < n) {
		unsigned c = u[i];
		size_t l;
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			run++;
			i++;
			continue;
		}
		put(j, (const char *)u + i - run, run);
		run = 0;
		switch (c) {
		case '"': puts_(j, "\\\""); i++; continue;
		case '\\': puts_(j, "\\\\"); i++; continue;
		case '\n': puts_(j, "\\n"); i++; continue;
		case '\r': puts_(j, "\\r"); i++; continue;
		case '\t': puts_(j, "\\t"); i++; continue;
		case '\b': puts_(j, "\\b"); i++; continue;
		case '\f': puts_(j, "\\f"); i++; continue;
		}
		if (c < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			puts_(j, esc);
			i++;
			continue;
		}
		l = utf8_len(u + i, n - i);
		if (l == 0) {
			puts_(j, "\xEF\xBF\xBD");
			i++;
		} else {
			put(j, (const char *)u + i, l);
			i += l;
		}
	}
	put(j, (const char *)u + i - run, run);
	put(j, "\"", 1);
}

static void
member(ck_json *j, const char *key)
{
	if (j->depth > 0 && j->count[j->depth - 1]++ > 0)
		put(j, ",", 1);
	if (key && j->depth > 0 && j->close[j->depth - 1] == '}') {
		quote(j, key, strlen(key));
		put(j, ":", 1);
	}
}

static void
open_(ck_json *j, const char *key, char o, char c)
{
	if (j->depth >= MAXDEPTH) {
		j->oom = 1;
		return;
	}
	member(j, key);
	put(j, &o, 1);
	j->close[j->depth] = c;
	j->count[j->depth] = 0;
	j->depth++;
}

void
ck_json_record(ck_json *j, const char *type)
{
	ck_json_reset(j);
	open_(j, NULL, '{', '}');
	if (type)
		ck_json_str(j, "type", type);
}

void ck_json_obj(ck_json *j, const char *key) { open_(j, key, '{', '}'); }
void ck_json_arr(ck_json *j, const char *key) { open_(j, key, '[', ']'); }

void
ck_json_end(ck_json *j)
{
	if (j->depth > 0) {
		j->depth--;
		put(j, &j->close[j->depth], 1);
	}
}

void
ck_json_strn(ck_json *j, const char *key, const char *s, size_t n)
{
	member(j, key);
	if (s == NULL)
		puts_(j, "null");
	else
		quote(j, s, n);
}

void
ck_json_str(ck_json *j, const char *key, const char *s)
{
	ck_json_strn(j, key, s, s ? strlen(s) : 0);
}

void
ck_json_int(ck_json *j, const char *key, long long v)
{
	char b[32];

	member(j, key);
	snprintf(b, sizeof b, "%lld", v);
	puts_(j, b);
}

void
ck_json_uint(ck_json *j, const char *key, unsigned long long v)
{
	char b[32];

	member(j, key);
	snprintf(b, sizeof b, "%llu", v);
	puts_(j, b);
}

void
ck_json_num(ck_json *j, const char *key, double v, int decimals)
{
	char b[64];
	size_t n;

	member(j, key);
	if (!isfinite(v)) {
		puts_(j, "null");
		return;
	}
	if (decimals < 0) decimals = 0;
	if (decimals > 9) decimals = 9;
	snprintf(b, sizeof b, "%.*f", decimals, v);
	n = strlen(b);
	if (strchr(b, '.')) {
		while (n > 0 && b[n - 1] == '0')
			b[--n] = '\0';
		if (n > 0 && b[n - 1] == '.')
			b[--n] = '\0';
	}
	if (strcmp(b, "-0") == 0)
		strcpy(b, "0");
	puts_(j, b);
}

void
ck_json_bool(ck_json *j, const char *key, int v)
{
	member(j, key);
	puts_(j, v ? "true" : "false");
}

void
ck_json_null(ck_json *j, const char *key)
{
	member(j, key);
	puts_(j, "null");
}

void
ck_json_raw(ck_json *j, const char *key, const char *json)
{
	member(j, key);
	puts_(j, json);
}

void
ck_json_rfc3339_ms(int64_t unix_ms, char *out, size_t outlen)
{
	time_t t = (time_t)(unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000);
	int ms = (int)(unix_ms - (int64_t)t * 1000);
	struct tm tm;
	char b[32];

	gmtime_r(&t, &tm);
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, outlen, "%s.%03dZ", b, ms);
}

void
ck_json_time_ms(ck_json *j, const char *key, int64_t unix_ms)
{
	char b[40];

	ck_json_rfc3339_ms(unix_ms, b, sizeof b);
	ck_json_str(j, key, b);
}

int
ck_json_emit(ck_json *j, FILE *f)
{
	int rc = 0;

	while (j->depth > 0)
		ck_json_end(j);
	put(j, "\n", 1);
	if (j->oom)
		rc = -1;
	else if (fwrite(j->p, 1, j->n, f) != j->n || fflush(f) != 0)
		rc = -1;
	ck_json_reset(j);
	j->oom = 0;
	return rc;
}

const char *
ck_json_text(ck_json *j)
{
	return j->p ? j->p : "";
}

char *
ck_json_quote(const char *s, size_t n)
{
	ck_json j = { 0 };

	quote(&j, s, n);
	if (j.oom) {
		free(j.p);
		return NULL;
	}
	return j.p;
}
