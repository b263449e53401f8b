#include "gb/gbsdp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const kinds[] = { "Play", "Playback", "Download" };

int
ck_gbsdp_ssrc(int history, const char *domain_id, unsigned stream, char out[11],
    ck_err *e)
{
	if (domain_id == NULL || strlen(domain_id) < 8 ||
	    strspn(domain_id, "0123456789") < 8)
		return ck_err_set(e, CK_USAGE, "y=: the domain ID needs 8 digits");
	snprintf(out, 11, "%d%.5s%04u", history ? 1 : 0, domain_id + 3, stream % 10000);
	return 0;
}

int
ck_gbsdp_f_check(const char *f, ck_err *e)
{
	/* v/a/a/a/a/a then a/a/a/a: 5 video fields, 3 audio fields */
	const char *p = f;
	int slashes = 0;
	if (f == NULL || strncmp(f, "v/", 2) != 0)
		goto bad;
	for (p = f + 2; *p && *p != 'a'; p++)
		if (*p == '/')
			slashes++;
		else if (*p < '0' || *p > '9')
			goto bad;
	if (slashes != 4 || *p != 'a' || p[1] != '/')
		goto bad;
	for (p += 2, slashes = 0; *p; p++)
		if (*p == '/')
			slashes++;
		else if (*p < '0' || *p > '9')
			goto bad;
	if (slashes != 2)
		goto bad;
	return 0;
bad:
	return ck_err_set(e, CK_USAGE, "f=: '%s' is not v/CODEC/RES/FPS/RCTYPE/RATEa/CODEC/"
	    "RATE/SAMPLE (decimal or empty fields)", f ? f : "");
}

/* Text that can go into one SDP line: printable, no CR/LF. */
static int
clean(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* One SDP token: clean, no space, no '/' (c= and m= split on them). */
static int
word(const char *s)
{
	return s && *s && clean(s) && strpbrk(s, " /") == NULL;
}

int
ck_gbsdp_offer_write(const ck_gbsdp_offer *o, char *out, size_t outlen, ck_err *e)
{
	const char *ip = strchr(o->addr, ':') ? "IP6" : "IP4";
	int n, tcp = o->transport != CK_GBSDP_UDP;
	char t[64] = "0 0";

	if (o->kind < 0 || o->kind > CK_GBSDP_DOWNLOAD || o->port < 0 || o->port > 65535 ||
	    !word(o->origin_id) || !word(o->addr) || (o->channel && !word(o->channel)) ||
	    !clean(o->f) ||
	    strlen(o->ssrc) != 10 || strspn(o->ssrc, "0123456789") != 10)
		return ck_err_set(e, CK_USAGE, "sdp: bad offer field");
	if (o->kind != CK_GBSDP_PLAY) {
		if (o->channel == NULL || o->start < 0 || o->end <= o->start)
			return ck_err_set(e, CK_USAGE, "sdp: playback and download need a "
			    "channel and START < END");
		snprintf(t, sizeof t, "%lld %lld", (long long)o->start, (long long)o->end);
	}
	n = snprintf(out, outlen, "v=0\r\no=%s 0 0 IN %s %s\r\ns=%s\r\n%s%s%s"
	    "c=IN %s %s\r\nt=%s\r\nm=video %d %sRTP/AVP 96 98 97\r\na=recvonly\r\n"
	    "a=rtpmap:96 PS/90000\r\na=rtpmap:98 H264/90000\r\na=rtpmap:97 MPEG4/90000\r\n",
	    o->origin_id, ip, o->addr, kinds[o->kind],
	    o->kind != CK_GBSDP_PLAY ? "u=" : "", o->kind != CK_GBSDP_PLAY ? o->channel : "",
	    o->kind != CK_GBSDP_PLAY ? ":0\r\n" : "", ip, o->addr, t, o->port,
	    tcp ? "TCP/" : "");
	if (n < 0 || (size_t)n >= outlen)
		return ck_err_set(e, CK_SOFTWARE, "sdp: offer too long");
	/* our role: tcp-passive = we listen (the device connects: it is active) */
	if (tcp)
		n += snprintf(out + n, outlen - (size_t)n, "a=setup:%s\r\na=connection:new\r\n",
		    o->transport == CK_GBSDP_TCP_PASSIVE ? "passive" : "active");
	if (o->kind == CK_GBSDP_DOWNLOAD && o->speed > 0 && (size_t)n < outlen)
		n += snprintf(out + n, outlen - (size_t)n, "a=downloadspeed:%d\r\n", o->speed);
	if ((size_t)n < outlen)
		n += snprintf(out + n, outlen - (size_t)n, "y=%s\r\n", o->ssrc);
	if (o->f && (size_t)n < outlen)
		n += snprintf(out + n, outlen - (size_t)n, "f=%s\r\n", o->f);
	if ((size_t)n >= outlen)
		return ck_err_set(e, CK_SOFTWARE, "sdp: offer too long");
	return n;
}

/* Copies a token of at most max-1 bytes; 0, or -1 when it does not fit. */
static int
token(const char *s, size_t n, char *out, size_t max)
{
	if (n >= max)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* The k-th space-separated field of line[0..n) into out; -1 if absent. */
static int
field(const char *line, size_t n, int k, char *out, size_t max)
{
	size_t i = 0;
	for (int f = 0; ; f++) {
		while (i < n && line[i] == ' ')
			i++;
		size_t s = i;
		while (i < n && line[i] != ' ')
			i++;
		if (s == i)
			return -1;
		if (f == k)
			return token(line + s, i - s, out, max);
	}
}

static int
num(const char *s, long long lo, long long hi, long long *v)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	*v = strtoll(s, &end, 10);
	return *end == '\0' && *v >= lo && *v <= hi ? 0 : -1;
}

/* c=IN IP4 ADDR */
static int
conn(const char *v, size_t n, char *addr, size_t max)
{
	char net[8], type[8];
	if (field(v, n, 0, net, sizeof net) < 0 || strcmp(net, "IN") != 0 ||
	    field(v, n, 1, type, sizeof type) < 0 ||
	    (strcmp(type, "IP4") != 0 && strcmp(type, "IP6") != 0) ||
	    field(v, n, 2, addr, max) < 0)
		return -1;
	/* TTL or count suffixes (multicast) are not ours to keep */
	char *slash = strchr(addr, '/');
	if (slash)
		*slash = '\0';
	return addr[0] ? 0 : -1;
}

static int
media(ck_gbsdp_desc *d, const char *v, size_t n)
{
	char port[16], proto[32], pt[8];
	long long x;
	if (field(v, n, 0, d->media, sizeof d->media) < 0 ||
	    field(v, n, 1, port, sizeof port) < 0 || field(v, n, 2, proto, sizeof proto) < 0)
		return -1;
	char *slash = strchr(port, '/');   /* port/count */
	if (slash)
		*slash = '\0';
	if (num(port, 0, 65535, &x) < 0)
		return -1;
	d->port = (int)x;
	d->tcp = strncasecmp(proto, "TCP/", 4) == 0;
	d->pt = -1;
	if (field(v, n, 3, pt, sizeof pt) == 0 && num(pt, 0, 127, &x) == 0)
		d->pt = (int)x;
	return 0;
}

static void
attribute(ck_gbsdp_desc *d, const char *v, size_t n)
{
	char a[128];
	long long x;
	if (token(v, n, a, sizeof a) < 0)
		return;
	if (strcmp(a, "sendonly") == 0)
		d->direction = 1;
	else if (strcmp(a, "recvonly") == 0)
		d->direction = 2;
	else if (strcmp(a, "sendrecv") == 0)
		d->direction = 3;
	else if (strncmp(a, "setup:", 6) == 0)
		d->setup = !strcmp(a + 6, "active") ? 1 : !strcmp(a + 6, "passive") ? 2 :
		    !strcmp(a + 6, "actpass") ? 3 : 0;
	else if (strncmp(a, "downloadspeed:", 14) == 0 && num(a + 14, 1, 1000, &x) == 0)
		d->speed = (int)x;
	else if (strncmp(a, "rtpmap:", 7) == 0) {
		char *sp = strchr(a + 7, ' ');
		if (sp && strncasecmp(sp + 1, "PS/90000", 8) == 0)
			d->ps = 1;
	}
}

int
ck_gbsdp_parse(const char *buf, size_t len, ck_gbsdp_desc *d, ck_err *e)
{
	size_t i = 0;
	int have_m = 0, first = 1;
	char sess_addr[64] = "";
	memset(d, 0, sizeof *d);
	d->start = d->end = -1;
	d->pt = -1;
	if (len > CK_GBSDP_MAX)
		return ck_err_set(e, CK_DATAERR, "sdp: %zu bytes, more than %d", len, CK_GBSDP_MAX);
	while (i < len) {
		const char *line = buf + i;
		const char *nl = memchr(line, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - line) : len - i;
		i += ll + (nl != NULL);
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll == 0)
			continue;
		if (ll > 1024)
			return ck_err_set(e, CK_DATAERR, "sdp: line over 1024 bytes");
		if (ll < 2 || line[1] != '=') {
			if (first)
				return ck_err_set(e, CK_DATAERR, "sdp: does not start with v=0");
			continue;   /* tolerate junk lines as devices write them */
		}
		const char *v = line + 2;
		size_t vn = ll - 2;
		if (first) {
			if (line[0] != 'v' || vn != 1 || v[0] != '0')
				return ck_err_set(e, CK_DATAERR, "sdp: does not start with v=0");
			first = 0;
			continue;
		}
		char tmp[64];
		long long x;
		switch (line[0]) {
		case 'o':
			if (field(v, vn, 0, d->origin, sizeof d->origin) < 0)
				return ck_err_set(e, CK_DATAERR, "sdp: bad o= line");
			break;
		case 's':
			token(v, vn < sizeof d->session ? vn : sizeof d->session - 1,
			    d->session, sizeof d->session);
			break;
		case 'u': {
			const char *c = memchr(v, ':', vn);
			token(v, c ? (size_t)(c - v) : vn, d->channel, sizeof d->channel);
			break;
		}
		case 'c':
			if (conn(v, vn, have_m ? d->addr : sess_addr, sizeof d->addr) < 0)
				return ck_err_set(e, CK_DATAERR, "sdp: bad c= line");
			break;
		case 't':
			if (field(v, vn, 0, tmp, sizeof tmp) == 0 && num(tmp, 0, 1LL << 40, &x) == 0)
				d->start = x;
			if (field(v, vn, 1, tmp, sizeof tmp) == 0 && num(tmp, 0, 1LL << 40, &x) == 0)
				d->end = x;
			break;
		case 'm':
			if (have_m)
				goto done;   /* the first media line is the one */
			if (media(d, v, vn) < 0)
				return ck_err_set(e, CK_DATAERR, "sdp: bad m= line");
			have_m = 1;
			break;
		case 'a':
			attribute(d, v, vn);
			break;
		case 'y':
			/* GB: 10 digits; some devices drop leading zeros */
			if (token(v, vn, d->ssrc_text, sizeof d->ssrc_text) == 0 &&
			    vn <= 10 && num(d->ssrc_text, 0, 4294967295LL, &x) == 0) {
				d->has_ssrc = 1;
				d->ssrc = (uint32_t)x;
			}
			break;
		case 'f':
			token(v, vn < sizeof d->f ? vn : sizeof d->f - 1, d->f, sizeof d->f);
			break;
		}
	}
done:
	if (first)
		return ck_err_set(e, CK_DATAERR, "sdp: empty");
	if (!have_m)
		return ck_err_set(e, CK_DATAERR, "sdp: no m= line");
	if (!d->addr[0])
		snprintf(d->addr, sizeof d->addr, "%s", sess_addr);
	return 0;
}
