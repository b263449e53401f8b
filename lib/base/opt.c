#include "base/opt.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
ck_opt_parse_int(const char *s, long long min, long long max, long long *out,
    ck_err *e)
{
	char *end;
	long long v;
	int base = 10;

	if (s == NULL || *s == '\0')
		return ck_err_set(e, CK_USAGE, "empty number");
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16;
	errno = 0;
	v = strtoll(s, &end, base);
	if (errno == ERANGE || *end != '\0' || end == s || isspace((unsigned char)*s))
		return ck_err_set(e, CK_USAGE, "'%s' is not a number", s);
	if (v < min || v > max)
		return ck_err_set(e, CK_USAGE, "%s is out of range %lld..%lld", s,
		    min, max);
	*out = v;
	return 0;
}

int
ck_opt_parse_duration(const char *s, long long *ms, ck_err *e)
{
	char *end;
	double v, mul;

	if (s == NULL || *s == '\0' || !(isdigit((unsigned char)*s) || *s == '.'))
		return ck_err_set(e, CK_USAGE, "'%s' is not a duration (e.g. 500ms, 5s, 2m)",
		    s ? s : "");
	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE)
		return ck_err_set(e, CK_USAGE, "duration '%s' is out of range", s);
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		mul = 1000;
	else if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mul = 60000;
	else if (strcmp(end, "h") == 0)
		mul = 3600000;
	else
		return ck_err_set(e, CK_USAGE, "'%s' is not a duration (e.g. 500ms, 5s, 2m)", s);
	v *= mul;
	if (v < 0 || v > 1e13)
		return ck_err_set(e, CK_USAGE, "duration '%s' is out of range", s);
	*ms = (long long)(v + 0.5);
	return 0;
}

static int
copy_host(char *dst, size_t dl, const char *src, size_t n, ck_err *e)
{
	if (n == 0)
		return ck_err_set(e, CK_USAGE, "empty host name");
	if (n >= dl)
		return ck_err_set(e, CK_USAGE, "host name too long");
	memcpy(dst, src, n);
	dst[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (isspace((unsigned char)dst[i]) || dst[i] == '/' || dst[i] == '@')
			return ck_err_set(e, CK_USAGE, "bad host name '%s'", dst);
	return 0;
}

static int
parse_port(const char *s, int *port, ck_err *e)
{
	long long v;

	if (ck_opt_parse_int(s, 0, 65535, &v, e) < 0)
		return ck_err_set(e, CK_USAGE, "bad port '%s'", s);
	*port = (int)v;
	return 0;
}

int
ck_opt_parse_hostport(const char *s, char *host, size_t hostlen, int *port,
    int defport, ck_err *e)
{
	const char *c;

	if (s == NULL)
		return ck_err_set(e, CK_USAGE, "missing host");
	*port = defport;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL)
			return ck_err_set(e, CK_USAGE, "bad address '%s': missing ']'", s);
		if (copy_host(host, hostlen, s + 1, (size_t)(rb - s - 1), e) < 0)
			return -1;
		if (rb[1] == '\0')
			return 0;
		if (rb[1] != ':')
			return ck_err_set(e, CK_USAGE, "bad address '%s'", s);
		return parse_port(rb + 2, port, e);
	}
	c = strchr(s, ':');
	if (c != NULL && strchr(c + 1, ':') != NULL)   /* bare IPv6 */
		return copy_host(host, hostlen, s, strlen(s), e);
	if (c == NULL)
		return copy_host(host, hostlen, s, strlen(s), e);
	if (copy_host(host, hostlen, s, (size_t)(c - s), e) < 0)
		return -1;
	return parse_port(c + 1, port, e);
}

int
ck_opt_parse_listen(const char *s, char *host, size_t hostlen, int *port,
    int defport, ck_err *e)
{
	if (s != NULL && (s[0] == ':' || (s[0] && strspn(s, "0123456789") == strlen(s)))) {
		if (hostlen == 0)
			return ck_err_set(e, CK_USAGE, "no room for the address");
		host[0] = '\0';
		return parse_port(s + (s[0] == ':'), port, e);
	}
	return ck_opt_parse_hostport(s, host, hostlen, port, defport, e);
}

static int
default_port(const char *scheme)
{
	if (strcmp(scheme, "http") == 0) return 80;
	if (strcmp(scheme, "https") == 0) return 443;
	if (strcmp(scheme, "sip") == 0) return 5060;
	if (strcmp(scheme, "sips") == 0) return 5061;
	if (strcmp(scheme, "rtsp") == 0) return 554;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int
ck_opt_parse_url(const char *s, ck_opt_url *u, ck_err *e)
{
	const char *p, *auth, *slash, *at;
	char hp[300];
	size_t n;

	memset(u, 0, sizeof *u);
	p = strstr(s, "://");
	if (p == NULL || p == s || (size_t)(p - s) >= sizeof u->scheme)
		return ck_err_set(e, CK_USAGE, "'%s' is not a URL", s);
	for (size_t i = 0; s + i < p; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '-' && s[i] != '.')
			return ck_err_set(e, CK_USAGE, "'%s' is not a URL", s);
		u->scheme[i] = (char)tolower((unsigned char)s[i]);
	}
	auth = p + 3;
	slash = strchr(auth, '/');
	if (slash == NULL)
		slash = auth + strlen(auth);
	at = memchr(auth, '@', (size_t)(slash - auth));
	if (at != NULL) {
		size_t k = 0;
		for (const char *q = auth; q < at && k + 1 < sizeof u->user; q++) {
			if (*q == '%' && q + 2 < at && hexval(q[1]) >= 0 && hexval(q[2]) >= 0) {
				u->user[k++] = (char)(hexval(q[1]) * 16 + hexval(q[2]));
				q += 2;
			} else
				u->user[k++] = *q;
		}
		auth = at + 1;
	}
	n = (size_t)(slash - auth);
	if (n == 0 || n >= sizeof hp)
		return ck_err_set(e, CK_USAGE, "'%s': bad host part", s);
	memcpy(hp, auth, n);
	hp[n] = '\0';
	if (ck_opt_parse_hostport(hp, u->host, sizeof u->host, &u->port,
	    default_port(u->scheme), e) < 0)
		return ck_err_wrap(e, "'%s'", s);
	if (*slash == '\0')
		strcpy(u->path, "/");
	else if (strlen(slash) >= sizeof u->path)
		return ck_err_set(e, CK_USAGE, "'%s': path too long", s);
	else
		strcpy(u->path, slash);
	return 0;
}

int
ck_opt_format_url(const ck_opt_url *u, char *out, size_t outlen)
{
	int v6 = strchr(u->host, ':') != NULL, n;
	char port[16] = "";

	if (u->port != 0 && u->port != default_port(u->scheme))
		snprintf(port, sizeof port, ":%d", u->port);
	n = snprintf(out, outlen, "%s://%s%s%s%s%s", u->scheme, v6 ? "[" : "",
	    u->host, v6 ? "]" : "", port, u->path[0] ? u->path : "/");
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	return n;
}
