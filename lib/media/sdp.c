#include "media/sdp.h"

#include "base/hash.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>
#include <osipparser2/sdp_message.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int inited;

static void
quiet(const char *fi, int li, osip_trace_level_t level, const char *fmt,
    va_list ap)
{
	(void)fi, (void)li, (void)level, (void)fmt, (void)ap;
}

/* libosip2 prints its parse errors by itself; we report our own. */
static void
init_osip(void)
{
	int i;

	if (inited)
		return;
	parser_init();
	osip_trace_initialize_func(TRACE_LEVEL0, quiet);
	for (i = 0; i < END_TRACE_LEVEL; i++)
		osip_trace_disable_level((osip_trace_level_t)i);
	inited = 1;
}

int
ck_sdp_sip_looks(const uint8_t *p, size_t len)
{
	static const char *const pre[] = {"SIP/2.0 ", "INVITE ", "ACK ", "BYE ",
	    "CANCEL ", "REGISTER ", "OPTIONS ", "MESSAGE ", "INFO ", "NOTIFY ",
	    "SUBSCRIBE ", "UPDATE ", "PRACK ", "REFER "};
	size_t i, n;

	/* RTP starts with 0x80..0xBF: reject fast, this runs per packet */
	if (len < 4 || p[0] < 'A' || p[0] > 'U')
		return 0;
	for (i = 0; i < sizeof pre / sizeof pre[0]; i++) {
		n = strlen(pre[i]);
		if (len >= n && memcmp(p, pre[i], n) == 0)
			return 1;
	}
	return 0;
}

/* libosip2's SDP parser can read a few bytes past the terminating NUL on
 * malformed lines (found by fuzzing): every text handed to it ends in
 * CRLF and this many NULs. */
#define OSIP_PAD 64

/* The y= and f= lines of GB28181 are not SDP: take y= out ourselves and
 * hand libosip2 the rest. Returns a malloc'd copy, or NULL when the body
 * holds control characters (not SDP) or memory is short. */
static char *
strip_gb(const char *body, size_t len, int *has_ssrc, uint32_t *ssrc, char *y,
    size_t ylen)
{
	char *out, *o;
	const char *p = body, *end = body + len;
	size_t i;

	*has_ssrc = 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)body[i];
		if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7F)
			return NULL;
	}
	if (!(out = o = malloc(len + 2 + OSIP_PAD)))
		return NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (ll >= 2 && (p[0] == 'y' || p[0] == 'f') && p[1] == '=') {
			if (p[0] == 'y') {
				unsigned long long v = 0;
				size_t i = 2;
				while (i < ll && p[i] >= '0' && p[i] <= '9' && v <= 0xFFFFFFFFull)
					v = v * 10 + (unsigned)(p[i++] - '0');
				if (i > 2 && v <= 0xFFFFFFFFull) {
					*has_ssrc = 1;
					*ssrc = (uint32_t)v;
					snprintf(y, ylen, "%.*s", (int)(i - 2), p + 2);
				}
			}
		} else {
			memcpy(o, p, ll);
			o += ll;
		}
		p += ll;
	}
	if (o == out || o[-1] != '\n') {
		*o++ = '\r';
		*o++ = '\n';
	}
	memset(o, 0, OSIP_PAD);
	return out;
}

static int
addr_parse(const char *s, int *af, uint8_t *a)
{
	if (!s)
		return -1;
	if (inet_pton(AF_INET, s, a) == 1) {
		*af = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a) == 1) {
		*af = 6;
		return 0;
	}
	return -1;
}

static void
rtpmaps(sdp_message_t *sdp, int pos, ck_sdp_media *m)
{
	int k;
	sdp_attribute_t *at;

	for (k = 0; (at = sdp_message_attribute_get(sdp, pos, k)); k++) {
		unsigned pt;
		char name[32];
		unsigned long rate = 0;
		int i;
		if (at->a_att_field && at->a_att_value &&
		    !strcasecmp(at->a_att_field, "control"))
			snprintf(m->control, sizeof m->control, "%s", at->a_att_value);
		if (!at->a_att_field || strcasecmp(at->a_att_field, "rtpmap") ||
		    !at->a_att_value)
			continue;
		name[0] = 0;
		if (sscanf(at->a_att_value, "%u %31[^/ ]/%lu", &pt, name, &rate) < 2)
			continue;
		for (i = 0; i < m->npt; i++)
			if (m->pt[i] == pt) {
				snprintf(m->name[i], sizeof m->name[i], "%s", name);
				m->rate[i] = rate <= 0xFFFFFFFFul ? (uint32_t)rate : 0;
			}
	}
}

/* The direction attribute of medium pos, or of the session. */
static int
direction(sdp_message_t *sdp, int pos)
{
	static const char *const names[] = { "sendrecv", "sendonly", "recvonly", "inactive" };
	sdp_attribute_t *at;
	int k, p, i;

	for (p = pos; p >= -1; p = p == -1 ? -2 : -1)
		for (k = 0; (at = sdp_message_attribute_get(sdp, p, k)); k++)
			for (i = 0; i < 4; i++)
				if (at->a_att_field && !strcasecmp(at->a_att_field, names[i]))
					return i;
	return CK_SDP_SENDRECV;
}

int
ck_sdp_parse(const char *body, size_t len, ck_sdp_media *m, int max, ck_err *e)
{
	return ck_sdp_parse2(body, len, 0, m, max, e);
}

int
ck_sdp_parse2(const char *body, size_t len, int keep_port0, ck_sdp_media *m,
    int max, ck_err *e)
{
	sdp_message_t *sdp = NULL;
	char *txt, y[16] = "";
	int has_ssrc, pos, n = 0;
	uint32_t ssrc = 0;
	const char *caddr;

	init_osip();
	if (!(txt = strip_gb(body, len, &has_ssrc, &ssrc, y, sizeof y)))
		return ck_err_set(e, CK_DATAERR, "SDP body is not text");
	if (sdp_message_init(&sdp) != 0 || sdp_message_parse(sdp, txt) != 0) {
		sdp_message_free(sdp);
		free(txt);
		return ck_err_set(e, CK_DATAERR, "SDP body does not parse");
	}
	free(txt);
	caddr = sdp_message_c_addr_get(sdp, -1, 0);
	for (pos = 0; n < max && sdp_message_endof_media(sdp, pos) == 0; pos++) {
		ck_sdp_media *x = &m[n];
		const char *port = sdp_message_m_port_get(sdp, pos);
		const char *proto = sdp_message_m_proto_get(sdp, pos);
		const char *media = sdp_message_m_media_get(sdp, pos);
		const char *a = sdp_message_c_addr_get(sdp, pos, 0);
		char *pl;
		long pv;
		int i;

		memset(x, 0, sizeof *x);
		if (!port || !proto)
			continue;
		pv = strtol(port, NULL, 10);
		if (pv < 0 || pv > 65535 || (pv == 0 && !keep_port0))
			continue;          /* port 0: stream refused */
		if (addr_parse(a ? a : caddr, &x->af, x->addr) < 0 && !keep_port0)
			continue;
		x->port = (uint16_t)pv;
		x->tcp = strncasecmp(proto, "TCP/", 4) == 0;
		snprintf(x->media, sizeof x->media, "%s", media ? media : "");
		for (i = 0; x->npt < CK_SDP_MAXPT &&
		    (pl = sdp_message_m_payload_get(sdp, pos, i)); i++) {
			long v = strtol(pl, NULL, 10);
			if (v >= 0 && v < 128)
				x->pt[x->npt++] = (unsigned)v;
		}
		rtpmaps(sdp, pos, x);
		x->has_ssrc = has_ssrc;
		x->ssrc = ssrc;
		snprintf(x->y, sizeof x->y, "%s", y);
		x->dir = direction(sdp, pos);
		n++;
	}
	sdp_message_free(sdp);
	return n;
}

int
ck_sdp_from_sip(const char *buf, size_t len, ck_sdp_media *m, int max, ck_err *e)
{
	osip_message_t *msg = NULL;
	osip_body_t *body;
	osip_content_type_t *ct;
	int n = 0;

	init_osip();
	if (osip_message_init(&msg) != 0)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	if (osip_message_parse(msg, buf, len) != 0) {
		osip_message_free(msg);
		return ck_err_set(e, CK_DATAERR, "not a parsable SIP message");
	}
	ct = osip_message_get_content_type(msg);
	if (ct && ct->type && ct->subtype && !strcasecmp(ct->type, "application") &&
	    !strcasecmp(ct->subtype, "sdp") &&
	    osip_message_get_body(msg, 0, &body) >= 0 && body && body->body)
		n = ck_sdp_parse(body->body, body->length, m, max, e);
	if (n > 0) {
		/* offer and answer of one call share its Call-ID */
		osip_call_id_t *ci = osip_message_get_call_id(msg);
		uint32_t h = ck_hash_str(ci && ci->number ? ci->number : "", CK_HASH_INIT);
		int i;
		if (ci && ci->host)
			h = ck_hash_str(ci->host, h);
		for (i = 0; i < n; i++) {
			m[i].call = h ? h : 1;
			m[i].answer = MSG_IS_RESPONSE(msg);
		}
	}
	osip_message_free(msg);
	return n < 0 ? 0 : n;
}
