/* media: Media/Media2 profile parsing, request bodies, URI helpers. */
#include "onvif/media.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "base/cred.h"
#include "base/opt.h"
#include "codec/h26x.h"
#include "net/http.h"

static void
copy(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

static int
num_int(const char *s)
{
	long long v;

	return s && ck_opt_parse_int(s, 0, 1000000, &v, NULL) == 0 ? (int)v : -1;
}

static double
num_dbl(const char *s)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return -1;
	v = strtod(s, &end);
	return *end == '\0' && v >= 0 && v < 1e6 ? v : -1;
}

/* Encoder fields shared by VideoEncoderConfiguration (Media) and
 * VideoEncoder2Configuration (Media2): both use the tt schema. */
static void
read_encoder(const ck_xml_node *enc, ck_media_profile *p)
{
	const ck_xml_node *res, *rc;
	const char *s;

	if (enc == NULL)
		return;
	copy(p->encoding, sizeof p->encoding, ck_xml_child_text(enc, CK_NS_TT, "Encoding"));
	if ((res = ck_xml_child(enc, CK_NS_TT, "Resolution")) != NULL) {
		p->width = num_int(ck_xml_child_text(res, CK_NS_TT, "Width"));
		p->height = num_int(ck_xml_child_text(res, CK_NS_TT, "Height"));
	}
	if ((rc = ck_xml_child(enc, CK_NS_TT, "RateControl")) != NULL) {
		p->frame_rate = num_dbl(ck_xml_child_text(rc, CK_NS_TT, "FrameRateLimit"));
		if ((s = ck_xml_child_text(rc, CK_NS_TT, "BitrateLimit")) != NULL)
			p->bitrate_kbps = num_int(s);
	}
}

static void
parse_v1(const ck_xml_node *pr, ck_media_profile *p)
{
	const ck_xml_node *n;

	copy(p->name, sizeof p->name, ck_xml_child_text(pr, CK_NS_TT, "Name"));
	if ((n = ck_xml_child(pr, CK_NS_TT, "VideoSourceConfiguration")) != NULL)
		copy(p->video_source, sizeof p->video_source,
		    ck_xml_child_text(n, CK_NS_TT, "SourceToken"));
	read_encoder(ck_xml_child(pr, CK_NS_TT, "VideoEncoderConfiguration"), p);
	if ((n = ck_xml_child(pr, CK_NS_TT, "AudioEncoderConfiguration")) != NULL)
		copy(p->audio_encoding, sizeof p->audio_encoding,
		    ck_xml_child_text(n, CK_NS_TT, "Encoding"));
	if ((n = ck_xml_child(pr, CK_NS_TT, "PTZConfiguration")) != NULL)
		copy(p->ptz_config, sizeof p->ptz_config, ck_xml_attr(n, "token"));
}

static void
parse_v2(const ck_xml_node *pr, ck_media_profile *p)
{
	const ck_xml_node *cf = ck_xml_child(pr, CK_NS_TR2, "Configurations"), *n;

	copy(p->name, sizeof p->name, ck_xml_child_text(pr, CK_NS_TR2, "Name"));
	if (cf == NULL)
		return;
	if ((n = ck_xml_child(cf, CK_NS_TR2, "VideoSource")) != NULL)
		copy(p->video_source, sizeof p->video_source,
		    ck_xml_child_text(n, CK_NS_TT, "SourceToken"));
	read_encoder(ck_xml_child(cf, CK_NS_TR2, "VideoEncoder"), p);
	if ((n = ck_xml_child(cf, CK_NS_TR2, "AudioEncoder")) != NULL)
		copy(p->audio_encoding, sizeof p->audio_encoding,
		    ck_xml_child_text(n, CK_NS_TT, "Encoding"));
	if ((n = ck_xml_child(cf, CK_NS_TR2, "PTZ")) != NULL)
		copy(p->ptz_config, sizeof p->ptz_config, ck_xml_attr(n, "token"));
}

int
ck_media_parse_profiles(const ck_xml_node *resp, int version, ck_media_profile *out,
    int max, ck_err *e)
{
	const char *ns = version == 2 ? CK_NS_TR2 : CK_NS_TRT;
	const ck_xml_node *pr;
	const char *tok;
	int n = 0;

	if (!ck_xml_is(resp, ns, "GetProfilesResponse"))
		return ck_err_set(e, CK_DATAERR, "not a Media%s GetProfilesResponse",
		    version == 2 ? "2" : "");
	for (pr = ck_xml_child(resp, ns, "Profiles"); pr && n < max;
	    pr = ck_xml_next(pr, ns, "Profiles")) {
		ck_media_profile *p = &out[n];
		memset(p, 0, sizeof *p);
		p->width = p->height = -1;
		p->frame_rate = -1;
		p->bitrate_kbps = -1;
		tok = ck_xml_attr(pr, "token");
		if (tok == NULL || *tok == '\0')
			return ck_err_set(e, CK_DATAERR, "profile %d has no token", n + 1);
		copy(p->token, sizeof p->token, tok);
		p->fixed = ck_xml_bool(ck_xml_attr(pr, "fixed")) == 1;
		if (version == 2)
			parse_v2(pr, p);
		else
			parse_v1(pr, p);
		n++;
	}
	return n;
}

const char *
ck_media_profiles_body(int version)
{
	if (version == 2)   /* Type All: with configurations (default is none) */
		return "<tr2:GetProfiles xmlns:tr2=\"" CK_NS_TR2 "\">"
		    "<tr2:Type>All</tr2:Type></tr2:GetProfiles>";
	return "<trt:GetProfiles xmlns:trt=\"" CK_NS_TRT "\"/>";
}

char *
ck_media_stream_uri_body(int version, const char *token, int transport)
{
	/* Media: UDP = RTP/UDP, RTSP = RTP/RTSP/TCP, HTTP = RTP/RTSP/HTTP/TCP.
	 * Media2: RtspUnicast, RTSP (interleaved), RtspOverHttp. */
	static const char *v1[] = { "UDP", "RTSP", "HTTP" };
	static const char *v2[] = { "RtspUnicast", "RTSP", "RtspOverHttp" };
	char *tok = ck_xml_escape(token), *out = NULL;
	int n;

	if (tok == NULL || transport < 0 || transport > 2) {
		free(tok);
		return NULL;
	}
	if (version == 2)
		n = asprintf(&out, "<tr2:GetStreamUri xmlns:tr2=\"" CK_NS_TR2 "\">"
		    "<tr2:Protocol>%s</tr2:Protocol><tr2:ProfileToken>%s</tr2:ProfileToken>"
		    "</tr2:GetStreamUri>", v2[transport], tok);
	else
		n = asprintf(&out, "<trt:GetStreamUri xmlns:trt=\"" CK_NS_TRT "\" "
		    "xmlns:tt=\"" CK_NS_TT "\"><trt:StreamSetup><tt:Stream>RTP-Unicast"
		    "</tt:Stream><tt:Transport><tt:Protocol>%s</tt:Protocol></tt:Transport>"
		    "</trt:StreamSetup><trt:ProfileToken>%s</trt:ProfileToken>"
		    "</trt:GetStreamUri>", v1[transport], tok);
	free(tok);
	return n < 0 ? NULL : out;
}

char *
ck_media_snapshot_uri_body(int version, const char *token)
{
	char *tok = ck_xml_escape(token), *out = NULL;
	const char *p = version == 2 ? "tr2" : "trt";
	int n;

	if (tok == NULL)
		return NULL;
	n = asprintf(&out, "<%s:GetSnapshotUri xmlns:%s=\"%s\"><%s:ProfileToken>%s"
	    "</%s:ProfileToken></%s:GetSnapshotUri>", p, p,
	    version == 2 ? CK_NS_TR2 : CK_NS_TRT, p, tok, p, p);
	free(tok);
	return n < 0 ? NULL : out;
}

const char *
ck_media_parse_uri(const ck_xml_node *resp, int version, ck_err *e)
{
	const char *u = NULL;

	if (resp == NULL)
		;
	else if (version == 2)
		u = ck_xml_child_text(resp, CK_NS_TR2, "Uri");
	else
		u = ck_xml_child_text(ck_xml_child(resp, CK_NS_TRT, "MediaUri"), CK_NS_TT,
		    "Uri");
	if (u == NULL || *u == '\0') {
		ck_err_set(e, CK_DATAERR, "%s without a Uri", resp ? resp->name : "reply");
		return NULL;
	}
	return u;
}

int
ck_media_version_arg(const char *s)
{
	return strcmp(s, "auto") == 0 ? 0 : strcmp(s, "1") == 0 ? 1 :
	    strcmp(s, "2") == 0 ? 2 : -1;
}

int
ck_media_transport(const char *s)
{
	if (strcasecmp(s, "udp") == 0)
		return CK_TRANSPORT_UDP;
	if (strcasecmp(s, "tcp") == 0)
		return CK_TRANSPORT_TCP;
	if (strcasecmp(s, "http") == 0)
		return CK_TRANSPORT_HTTP;
	return -1;
}

/* RFC 3986 userinfo: unreserved characters stay, everything else %XX
 * (':' too, since it separates user from password). */
static size_t
pct_encode(const char *s, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || strchr("-._~", c)) {
			if (o + 1 < outlen)
				out[o] = (char)c;
			o++;
		} else {
			if (o + 3 < outlen) {
				out[o] = '%';
				out[o + 1] = hex[c >> 4];
				out[o + 2] = hex[c & 15];
			}
			o += 3;
		}
	}
	if (outlen)
		out[o < outlen ? o : outlen - 1] = '\0';
	return o;
}

/* Splits uri into scheme:// (through the slashes), authority, rest. */
static int
split_uri(const char *uri, size_t *auth_start, size_t *auth_end)
{
	const char *p = strstr(uri, "://"), *q;

	if (p == NULL || p == uri)
		return -1;
	for (q = uri; q < p; q++)
		if (!isalnum((unsigned char)*q) && !strchr("+-.", *q))
			return -1;
	*auth_start = (size_t)(p + 3 - uri);
	*auth_end = *auth_start + strcspn(p + 3, "/?#");
	return 0;
}

int
ck_media_uri_with_cred(const char *uri, const char *user, const char *pass,
    char *out, size_t outlen, ck_err *e)
{
	size_t as, ae, host_at, need;
	char u[768], pw[768];
	const char *at;

	if (split_uri(uri, &as, &ae) < 0)
		return ck_err_set(e, CK_DATAERR, "'%s' is not a URI", uri);
	/* drop userinfo already there: the last '@' of the authority */
	host_at = as;
	for (at = uri + as; at < uri + ae; at++)
		if (*at == '@')
			host_at = (size_t)(at - uri) + 1;
	if (pct_encode(user ? user : "", u, sizeof u) >= sizeof u ||
	    pct_encode(pass ? pass : "", pw, sizeof pw) >= sizeof pw)
		return ck_err_set(e, CK_SOFTWARE, "credentials too long");
	need = (size_t)snprintf(out, outlen, "%.*s%s%s%s@%s", (int)as, uri, u,
	    pass ? ":" : "", pass ? pw : "", uri + host_at);
	ck_cred_wipe_mem(pw, sizeof pw);
	if (need >= outlen) {
		ck_cred_wipe_mem(out, outlen);
		return ck_err_set(e, CK_SOFTWARE, "URI too long");
	}
	return 0;
}

int
ck_media_uri_rehost(const char *uri, const char *host, char *out, size_t outlen)
{
	size_t as, ae, hs, he;
	const char *a, *p;
	int v6 = strchr(host, ':') != NULL;
	char h[300];

	if (split_uri(uri, &as, &ae) < 0) {
		if (snprintf(out, outlen, "%s", uri) >= (int)outlen)
			return -1;
		return 0;
	}
	hs = as;
	for (a = uri + as; a < uri + ae; a++)
		if (*a == '@')
			hs = (size_t)(a - uri) + 1;
	if (uri[hs] == '[') {
		p = memchr(uri + hs, ']', ae - hs);
		he = p ? (size_t)(p - uri) + 1 : ae;
	} else {
		p = memchr(uri + hs, ':', ae - hs);
		he = p ? (size_t)(p - uri) : ae;
	}
	snprintf(h, sizeof h, v6 ? "[%s]" : "%s", host);
	if (strlen(h) == he - hs && strncasecmp(h, uri + hs, he - hs) == 0) {
		if (snprintf(out, outlen, "%s", uri) >= (int)outlen)
			return -1;
		return 0;
	}
	if (snprintf(out, outlen, "%.*s%s%s", (int)hs, uri, h, uri + he) >= (int)outlen)
		return -1;
	return 1;
}

/* ---- SDP ---- */

/* Resolution from a base64 SPS (H.264 or H.265), into s. */
static void
sps_size(ck_media_stream *s, const char *b64, size_t n, int h265)
{
	unsigned char raw[1024];
	int len, w, h;

	if (n == 0 || n > 1300)
		return;
	len = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
	if (len <= 0)
		return;
	while (n > 0 && b64[n - 1] == '=' && len > 0)   /* padding decodes as 0s */
		n--, len--;
	if ((h265 ? ck_h26x_h265_sps_size(raw, (size_t)len, &w, &h) :
	    ck_h26x_h264_sps_size(raw, (size_t)len, &w, &h)) == 0 && w > 0 && h > 0) {
		s->width = w;
		s->height = h;
	}
}

/* An a= attribute for payload pt: its value after "pt ", or NULL. */
static const char *
for_pt(const char *v, int pt)
{
	char *end;
	long p = strtol(v, &end, 10);

	return end != v && p == pt && *end == ' ' ? end + 1 : NULL;
}

static void
sdp_attr(ck_media_stream *s, int pt, const char *a, size_t n)
{
	char v[2048];
	const char *x, *p;

	if (n >= sizeof v)
		return;
	memcpy(v, a, n);
	v[n] = '\0';
	if (strncmp(v, "rtpmap:", 7) == 0 && (x = for_pt(v + 7, pt)) != NULL) {
		size_t k = strcspn(x, "/");
		snprintf(s->codec, sizeof s->codec, "%.*s", (int)k, x);
		if (x[k] == '/')
			s->clock_rate = strtol(x + k + 1, NULL, 10);
	} else if (strncmp(v, "fmtp:", 5) == 0 && (x = for_pt(v + 5, pt)) != NULL) {
		if ((p = strstr(x, "sprop-parameter-sets=")) != NULL) {
			p += 21;
			sps_size(s, p, strcspn(p, ",; "), 0);
		} else if ((p = strstr(x, "sprop-sps=")) != NULL) {
			p += 10;
			sps_size(s, p, strcspn(p, ",; "), 1);
		}
	} else if (s->width < 0 && strncmp(v, "framesize:", 10) == 0 &&
	    (x = for_pt(v + 10, pt)) != NULL) {
		sscanf(x, "%d-%d", &s->width, &s->height);
	} else if (s->width < 0 && strncmp(v, "x-dimensions:", 13) == 0) {
		sscanf(v + 13, "%d,%d", &s->width, &s->height);
	}
}

int
ck_media_parse_sdp(const char *sdp, ck_media_stream *out, int max, ck_err *e)
{
	static const struct { int pt; const char *name; long rate; } stat[] = {
		{ 0, "PCMU", 8000 }, { 8, "PCMA", 8000 }, { 9, "G722", 8000 },
		{ 14, "MPA", 90000 }, { 26, "JPEG", 90000 }, { 33, "MP2T", 90000 },
	};
	const char *l = sdp;
	int n = -1, pt = -1;

	if (strncmp(sdp, "v=0", 3) != 0)
		return ck_err_set(e, CK_DATAERR, "not an SDP (no v=0 first)");
	while (*l) {
		size_t len = strcspn(l, "\r\n");
		if (len > 2 && l[0] == 'm' && l[1] == '=' && n + 1 < max) {
			ck_media_stream *s = &out[++n];
			char media[16] = "";
			memset(s, 0, sizeof *s);
			s->clock_rate = -1;
			s->width = s->height = -1;
			pt = -1;
			/* m=<media> <port> <proto> <fmt> ... */
			if (sscanf(l + 2, "%15s %*s %*s %d", media, &pt) >= 1)
				snprintf(s->media, sizeof s->media, "%s", media);
			for (size_t i = 0; i < sizeof stat / sizeof stat[0]; i++)
				if (stat[i].pt == pt) {
					snprintf(s->codec, sizeof s->codec, "%s", stat[i].name);
					s->clock_rate = stat[i].rate;
				}
		} else if (len > 2 && l[0] == 'a' && l[1] == '=' && n >= 0 && pt >= 0) {
			sdp_attr(&out[n], pt, l + 2, len - 2);
		}
		l += len;
		l += strspn(l, "\r\n");
	}
	if (n < 0)
		return ck_err_set(e, CK_DATAERR, "SDP without a media line");
	return n + 1;
}

/* ---- calls through an ONVIF client ---- */

int
ck_media_version(ck_onvif *c, int want, ck_err *e)
{
	const ck_onvif_service *s;
	int n, i, has1 = 0, has2 = 0;

	if ((n = ck_onvif_services(c, &s, e)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		has1 |= strcmp(s[i].ns, CK_NS_TRT) == 0;
		has2 |= strcmp(s[i].ns, CK_NS_TR2) == 0;
	}
	if (want == 2 && !has2)
		return ck_err_set(e, CK_PROTO, "the device offers no Media2 service");
	if (want == 1 && !has1)
		return ck_err_set(e, CK_PROTO, "the device offers no Media service");
	if (want)
		return want;
	if (!has1 && !has2)
		return ck_err_set(e, CK_PROTO, "the device offers no Media or Media2 service");
	return has2 ? 2 : 1;
}

int
ck_media_get_profiles(ck_onvif *c, int v, ck_media_profile **p, ck_err *e)
{
	ck_soap_resp r;
	int n;

	*p = NULL;
	if (ck_onvif_call(c, v == 2 ? "media2" : "media", ck_media_profiles_body(v),
	    &r, e) < 0)
		return -1;
	if ((*p = calloc(CK_MEDIA_MAX_PROFILES, sizeof **p)) == NULL) {
		ck_soap_resp_free(&r);
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	}
	n = ck_media_parse_profiles(r.first, v, *p, CK_MEDIA_MAX_PROFILES, e);
	ck_soap_resp_free(&r);
	if (n < 0) {
		free(*p);
		*p = NULL;
	}
	return n;
}

int
ck_media_get_uri(ck_onvif *c, int v, char *body, char *out, size_t outlen,
    ck_err *e)
{
	ck_soap_resp r;
	const char *u;
	int rc = -1;

	if (body == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	if (ck_onvif_call(c, v == 2 ? "media2" : "media", body, &r, e) == 0) {
		if ((u = ck_media_parse_uri(r.first, v, e)) != NULL) {
			snprintf(out, outlen, "%s", u);
			rc = 0;
		}
		ck_soap_resp_free(&r);
	}
	free(body);
	return rc;
}

int
ck_media_check_stream(ck_onvif *c, const char *uri, ck_media_check *k,
    ck_err *e)
{
	const ck_onvif_opts *o = ck_onvif_get_opts(c);
	ck_http_opts ho = { .timeout_ms = o->timeout_ms, .insecure = o->insecure,
	    .tls_hint = o->tls_hint };
	ck_http *h;
	ck_http_resp r;
	int n, rc = -1;

	memset(k, 0, sizeof *k);
	if ((h = ck_http_new(&ho, e)) == NULL)
		return -1;
	if (ck_http_rtsp_describe(h, uri, ck_onvif_user(c), ck_onvif_password(c),
	    &k->options_status, &r, e) < 0) {
		ck_http_free(h);
		return -1;
	}
	k->describe_status = r.status;
	if (r.status == 401)
		ck_err_set(e, CK_NOPERM, "%s: RTSP DESCRIBE refused (401)%s", uri,
		    ck_onvif_password(c)[0] ? "" : ": no password is configured");
	else if (r.status != 200)
		ck_err_set(e, CK_PROTO, "%s: RTSP DESCRIBE answered %ld", uri, r.status);
	else if ((n = ck_media_parse_sdp(r.body, k->streams, CK_MEDIA_MAX_STREAMS, e)) < 0)
		ck_err_wrap(e, "%s", uri);
	else {
		k->nstreams = n;
		rc = 0;
	}
	ck_http_resp_free(&r);
	ck_http_free(h);
	return rc;
}
