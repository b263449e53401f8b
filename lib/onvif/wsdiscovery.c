/* wsdiscovery: WS-Discovery 2005/04 Probe builder, ProbeMatches/Hello/Bye
 * parser, ONVIF scope parsing. */
#include "onvif/wsdiscovery.h"
#include "codec/json.h"
#include "base/sbuf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "codec/xml.h"

#define SOAP_ANON "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
#define WSD_TO "urn:schemas-xmlsoap-org:ws:2005:04:discovery"

int
ck_wsdiscovery_uuid(char *out, size_t outlen, ck_err *e)
{
	unsigned char b[16];

	if (outlen < 42 || RAND_bytes(b, sizeof b) != 1)
		return ck_err_set(e, CK_SOFTWARE, "cannot make a random uuid");
	b[6] = (b[6] & 0x0f) | 0x40;   /* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;   /* RFC 4122 variant */
	snprintf(out, outlen, "uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

/* Canonical spelling of {ns}local: known namespaces get their usual prefix. */
static void
canon_type(const char *ns, const char *local, size_t llen, char *out, size_t outlen)
{
	if (ns && strcmp(ns, CK_NS_DN) == 0)
		snprintf(out, outlen, "dn:%.*s", (int)llen, local);
	else if (ns && strcmp(ns, CK_NS_TDS) == 0)
		snprintf(out, outlen, "tds:%.*s", (int)llen, local);
	else if (ns == NULL || *ns == '\0')
		snprintf(out, outlen, "%.*s", (int)llen, local);
	else
		snprintf(out, outlen, "{%s}%.*s", ns, (int)llen, local);
}

static int
valid_ncname(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || strchr("_-.", s[i])))
			return 0;
	return 1;
}

/* One user-supplied type token -> namespace + local (pointing into tok or
 * static strings). Returns 0 or -1 with CK_USAGE. */
static int
user_type(const char *tok, size_t n, const char **ns, size_t *nslen,
    const char **local, size_t *llen, ck_err *e)
{
	const char *c;

	if (tok[0] == '{') {
		c = memchr(tok, '}', n);
		if (c == NULL || c == tok + 1 || !valid_ncname(c + 1, n - (c + 1 - tok)))
			return ck_err_set(e, CK_USAGE, "bad type '%.*s' (want "
			    "prefix:Name or {uri}Name)", (int)n, tok);
		for (const char *p = tok + 1; p < c; p++)   /* a URI: printable ASCII */
			if (*p < 0x21 || *p > 0x7e || strchr("<>&\"'{", *p))
				return ck_err_set(e, CK_USAGE, "bad type namespace '%.*s'",
				    (int)n, tok);
		*ns = tok + 1;
		*nslen = (size_t)(c - tok - 1);
		*local = c + 1;
		*llen = n - (size_t)(c + 1 - tok);
		return 0;
	}
	c = memchr(tok, ':', n);
	if (c == NULL || !valid_ncname(c + 1, n - (c + 1 - tok)))
		return ck_err_set(e, CK_USAGE, "bad type '%.*s' (want prefix:Name "
		    "or {uri}Name)", (int)n, tok);
	if ((c - tok == 2 && strncmp(tok, "dn", 2) == 0) ||
	    (c - tok == 3 && strncmp(tok, "tdn", 3) == 0)) {
		*ns = CK_NS_DN;
	} else if (c - tok == 3 && strncmp(tok, "tds", 3) == 0) {
		*ns = CK_NS_TDS;
	} else
		return ck_err_set(e, CK_USAGE, "unknown prefix in type '%.*s' "
		    "(known: dn, tdn, tds; else write {uri}Name)", (int)n, tok);
	*nslen = strlen(*ns);
	*local = c + 1;
	*llen = n - (size_t)(c + 1 - tok);
	return 0;
}

/* Iterates whitespace-separated tokens: returns the next token start and
 * sets *n, or NULL at the end. */
static const char *
next_tok(const char **p, size_t *n)
{
	const char *s = *p, *t;

	while (*s && isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return NULL;
	for (t = s; *t && !isspace((unsigned char)*t); t++)
		;
	*n = (size_t)(t - s);
	*p = t;
	return s;
}

int
ck_wsdiscovery_check_types(const char *types, ck_err *e)
{
	const char *p = types ? types : "", *t, *ns, *l;
	size_t n, nl, ll, count = 0;

	while ((t = next_tok(&p, &n)) != NULL) {
		if (user_type(t, n, &ns, &nl, &l, &ll, e) < 0)
			return -1;
		if (++count > CK_WSD_MAX_ITEMS)
			return ck_err_set(e, CK_USAGE, "too many types");
	}
	return 0;
}

char *
ck_wsdiscovery_probe(const char *message_id, const char *types, ck_err *e)
{
	ck_sbuf b = { 0 };
	const char *p = types ? types : "", *t, *ns, *l;
	size_t n, nl, ll;
	int k = 0;
	char tmp[1024], *out;

	if (ck_wsdiscovery_check_types(types, e) < 0)
		return NULL;
	if (message_id == NULL || strpbrk(message_id, "<>&\"'") != NULL) {
		ck_err_set(e, CK_SOFTWARE, "bad message id");
		return NULL;
	}
	ck_sbuf_add(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<s:Envelope xmlns:s=\"" CK_NS_SOAP12 "\" xmlns:a=\"" CK_NS_WSA04
	    "\" xmlns:d=\"" CK_NS_WSD "\" xmlns:dn=\"" CK_NS_DN
	    "\" xmlns:tds=\"" CK_NS_TDS "\">"
	    "<s:Header>"
	    "<a:Action s:mustUnderstand=\"1\">" CK_NS_WSD "/Probe</a:Action>"
	    "<a:MessageID>");
	ck_sbuf_add(&b, message_id);
	ck_sbuf_add(&b, "</a:MessageID>"
	    "<a:ReplyTo><a:Address>" SOAP_ANON "</a:Address></a:ReplyTo>"
	    "<a:To s:mustUnderstand=\"1\">" WSD_TO "</a:To>"
	    "</s:Header><s:Body><d:Probe>");
	if (next_tok(&(const char *){ p }, &n) != NULL) {
		ck_sbuf decl = { 0 }, val = { 0 };
		while ((t = next_tok(&p, &n)) != NULL) {
			user_type(t, n, &ns, &nl, &l, &ll, NULL);
			if (val.len)
				ck_sbuf_add(&val, " ");
			if (*t != '{') {   /* a known prefix: dn/tdn or tds */
				snprintf(tmp, sizeof tmp, "%s:%.*s",
				    strcmp(ns, CK_NS_DN) == 0 ? "dn" : "tds", (int)ll, l);
			} else {
				snprintf(tmp, sizeof tmp, " xmlns:t%d=\"%.*s\"", k,
				    (int)nl, ns);
				ck_sbuf_add(&decl, tmp);
				snprintf(tmp, sizeof tmp, "t%d:%.*s", k++, (int)ll, l);
			}
			ck_sbuf_add(&val, tmp);
		}
		ck_sbuf_add(&b, "<d:Types");
		if (decl.len)
			ck_sbuf_add(&b, decl.p);
		ck_sbuf_add(&b, ">");
		if (val.len)
			ck_sbuf_add(&b, val.p);
		ck_sbuf_add(&b, "</d:Types>");
		b.oom |= decl.oom | val.oom;
		ck_sbuf_free(&decl);
		ck_sbuf_free(&val);
	}
	ck_sbuf_add(&b, "</d:Probe></s:Body></s:Envelope>\n");
	if ((out = ck_sbuf_done(&b)) == NULL)
		ck_err_set(e, CK_SOFTWARE, "out of memory");
	return out;
}

static int
is_wsd(const ck_xml_node *n, const char *local)
{
	return ck_xml_is(n, CK_NS_WSD, local) || ck_xml_is(n, CK_NS_WSD11, local);
}

static const ck_xml_node *
wsd_child(const ck_xml_node *n, const char *local)
{
	const ck_xml_node *c = ck_xml_child(n, CK_NS_WSD, local);

	return c ? c : ck_xml_child(n, CK_NS_WSD11, local);
}

static const ck_xml_node *
wsa_child(const ck_xml_node *n, const char *local)
{
	const ck_xml_node *c = ck_xml_child(n, CK_NS_WSA04, local);

	return c ? c : ck_xml_child(n, CK_NS_WSA, local);
}

static int
add_item(char **arr, size_t *count, const char *s, size_t n)
{
	char *d;

	if (*count >= CK_WSD_MAX_ITEMS)
		return 0;   /* bounded: extra items are dropped */
	if ((d = strndup(s, n)) == NULL)
		return -1;
	arr[(*count)++] = d;
	return 0;
}

/* Splits text on whitespace into arr. */
static int
split_list(const char *text, char **arr, size_t *count)
{
	const char *p = text ? text : "", *t;
	size_t n;

	while ((t = next_tok(&p, &n)) != NULL)
		if (add_item(arr, count, t, n) < 0)
			return -1;
	return 0;
}

static int
parse_types(const ck_xml_node *tn, ck_wsdiscovery_match *m)
{
	const char *p = tn->text ? tn->text : "", *t, *ns, *local;
	size_t n;
	char q[512], out[1024];

	while ((t = next_tok(&p, &n)) != NULL) {
		if (n >= sizeof q)
			continue;
		memcpy(q, t, n);
		q[n] = '\0';
		if (ck_xml_qname(tn, q, &ns, &local, NULL) == 0)
			canon_type(ns, local, strlen(local), out, sizeof out);
		else   /* undeclared prefix (sloppy devices): keep as written */
			snprintf(out, sizeof out, "%s", q);
		if (add_item(m->types, &m->ntypes, out, strlen(out)) < 0)
			return -1;
	}
	return 0;
}

/* Fills m from a ProbeMatch/Hello/Bye element. */
static int
parse_match(const ck_xml_node *pm, ck_wsdiscovery_match *m, ck_err *e)
{
	const ck_xml_node *epr, *n;
	const char *addr, *mv;
	long long v;
	char *end;

	m->metadata_version = -1;
	epr = wsa_child(pm, "EndpointReference");
	addr = epr ? ck_xml_child_text(epr, CK_NS_WSA04, "Address") : NULL;
	if (epr && addr == NULL)
		addr = ck_xml_child_text(epr, CK_NS_WSA, "Address");
	if (addr == NULL || *addr == '\0')
		return ck_err_set(e, CK_DATAERR, "%s without an EndpointReference "
		    "address", pm->name);
	if ((m->address = strdup(addr)) == NULL)
		goto oom;
	if ((n = wsd_child(pm, "Types")) != NULL && parse_types(n, m) < 0)
		goto oom;
	if ((n = wsd_child(pm, "Scopes")) != NULL &&
	    split_list(n->text, m->scopes, &m->nscopes) < 0)
		goto oom;
	if ((n = wsd_child(pm, "XAddrs")) != NULL &&
	    split_list(n->text, m->xaddrs, &m->nxaddrs) < 0)
		goto oom;
	if ((n = wsd_child(pm, "MetadataVersion")) != NULL &&
	    (mv = n->text) != NULL && *mv) {
		v = strtoll(mv, &end, 10);
		if (*end == '\0' && v >= 0)
			m->metadata_version = v;
	}
	return 0;
oom:
	return ck_err_set(e, CK_SOFTWARE, "out of memory");
}

static long long
attr_num(const ck_xml_node *n, const char *name)
{
	const char *s = n ? ck_xml_attr(n, name) : NULL;
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return -1;
	v = strtoll(s, &end, 10);
	return *end == '\0' && v >= 0 ? v : -1;
}

ck_wsdiscovery_msg *
ck_wsdiscovery_parse(const char *buf, size_t len, ck_err *e)
{
	ck_xml_doc *d;
	const ck_xml_node *env, *hdr, *body, *op, *pm;
	ck_wsdiscovery_msg *m;

	if ((d = ck_xml_parse(buf, len, e)) == NULL)
		return NULL;
	if ((m = calloc(1, sizeof *m)) == NULL) {
		ck_xml_free(d);
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	m->instance_id = m->message_number = -1;
	env = ck_xml_root(d);
	if (!ck_xml_is(env, CK_NS_SOAP12, "Envelope") &&
	    !ck_xml_is(env, CK_NS_SOAP11, "Envelope")) {
		ck_err_set(e, CK_DATAERR, "not a SOAP envelope");
		goto fail;
	}
	hdr = ck_xml_child(env, env->ns, "Header");
	body = ck_xml_child(env, env->ns, "Body");
	op = body ? ck_xml_child(body, NULL, NULL) : NULL;
	if (op == NULL) {
		ck_err_set(e, CK_DATAERR, "SOAP envelope without a body element");
		goto fail;
	}
	if (hdr) {
		const ck_xml_node *seq = wsd_child(hdr, "AppSequence");
		const ck_xml_node *mid = wsa_child(hdr, "MessageID");
		const ck_xml_node *rel = wsa_child(hdr, "RelatesTo");
		if ((mid && mid->text && *mid->text &&
		    (m->message_id = strdup(mid->text)) == NULL) ||
		    (rel && rel->text && *rel->text &&
		    (m->relates_to = strdup(rel->text)) == NULL)) {
			ck_err_set(e, CK_SOFTWARE, "out of memory");
			goto fail;
		}
		m->instance_id = attr_num(seq, "InstanceId");
		m->message_number = attr_num(seq, "MessageNumber");
	}
	if (is_wsd(op, "ProbeMatches")) {
		m->kind = CK_WSD_PROBE_MATCHES;
		for (pm = wsd_child(op, "ProbeMatch"); pm; pm = ck_xml_next(pm, pm->ns,
		    "ProbeMatch")) {
			if (m->nmatch >= CK_WSD_MAX_MATCHES)
				break;
			if (parse_match(pm, &m->match[m->nmatch++], e) < 0)
				goto fail;
		}
	} else if (is_wsd(op, "Hello") || is_wsd(op, "Bye")) {
		m->kind = is_wsd(op, "Hello") ? CK_WSD_HELLO : CK_WSD_BYE;
		m->nmatch = 1;
		if (parse_match(op, &m->match[0], e) < 0)
			goto fail;
	} else if (is_wsd(op, "Probe")) {
		const ck_xml_node *t = wsd_child(op, "Types");
		m->kind = CK_WSD_PROBE;
		m->nmatch = 1;
		m->match[0].metadata_version = -1;
		if (t && parse_types(t, &m->match[0]) < 0) {
			ck_err_set(e, CK_SOFTWARE, "out of memory");
			goto fail;
		}
	} else {
		ck_err_set(e, CK_DATAERR, "not a WS-Discovery message (body is {%s}%s)",
		    op->ns, op->name);
		goto fail;
	}
	ck_xml_free(d);
	return m;
fail:
	ck_xml_free(d);
	ck_wsdiscovery_msg_free(m);
	return NULL;
}

void
ck_wsdiscovery_match_clear(ck_wsdiscovery_match *m)
{
	size_t i;

	free(m->address);
	for (i = 0; i < m->ntypes; i++)
		free(m->types[i]);
	for (i = 0; i < m->nscopes; i++)
		free(m->scopes[i]);
	for (i = 0; i < m->nxaddrs; i++)
		free(m->xaddrs[i]);
	memset(m, 0, sizeof *m);
	m->metadata_version = -1;
}

void
ck_wsdiscovery_msg_free(ck_wsdiscovery_msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nmatch; i++)
		ck_wsdiscovery_match_clear(&m->match[i]);
	free(m->message_id);
	free(m->relates_to);
	free(m);
}

int
ck_wsdiscovery_match_types(const ck_wsdiscovery_match *m, const char *want)
{
	const char *p = want ? want : "", *t, *ns, *l;
	size_t n, nl, ll, i;
	char canon[1024], nsbuf[512];

	if (m->ntypes == 0)
		return 1;
	while ((t = next_tok(&p, &n)) != NULL) {
		if (user_type(t, n, &ns, &nl, &l, &ll, NULL) < 0)
			return 0;
		snprintf(nsbuf, sizeof nsbuf, "%.*s", (int)nl, ns);
		canon_type(nsbuf, l, ll, canon, sizeof canon);
		for (i = 0; i < m->ntypes; i++)
			if (strcmp(m->types[i], canon) == 0)
				break;
		if (i == m->ntypes)
			return 0;
	}
	return 1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

size_t
ck_wsdiscovery_pct_decode(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;
	int h, l;

	if (outlen == 0)
		return 0;
	for (i = 0; i < n && o + 1 < outlen; i++) {
		if (s[i] == '%' && i + 2 < n && (h = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (l = hexval((unsigned char)s[i + 2])) >= 0 && (h | l) != 0) {
			out[o++] = (char)(h << 4 | l);
			i += 2;
		} else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return o;
}

/* Copies a decoded string into sc->store; returns it or NULL when full. */
static const char *
store(ck_wsdiscovery_scopes *sc, size_t *used, const char *s, size_t n)
{
	size_t room = sizeof sc->store - *used, len;
	char *d = sc->store + *used;

	if (room < 2)
		return NULL;
	len = ck_wsdiscovery_pct_decode(s, n, d, room);
	*used += len + 1;
	return d;
}

void
ck_wsdiscovery_parse_scopes(const ck_wsdiscovery_match *m, ck_wsdiscovery_scopes *sc)
{
	static const char pfx[] = "onvif://www.onvif.org/";
	size_t i, used = 0, clen, vlen;
	const char *s, *cat, *val, *slash, *v;

	memset(sc, 0, sizeof *sc);
	for (i = 0; i < m->nscopes; i++) {
		s = m->scopes[i];
		if (strncasecmp(s, pfx, sizeof pfx - 1) != 0)
			continue;
		cat = s + sizeof pfx - 1;
		if ((slash = strchr(cat, '/')) == NULL)
			continue;
		clen = (size_t)(slash - cat);
		val = slash + 1;
		vlen = strlen(val);
		while (vlen > 0 && val[vlen - 1] == '/')   /* "location/" */
			vlen--;
		if (vlen == 0)
			continue;
		if (clen == 4 && strncasecmp(cat, "name", 4) == 0) {
			if (sc->name == NULL)
				sc->name = store(sc, &used, val, vlen);
		} else if (clen == 8 && strncasecmp(cat, "hardware", 8) == 0) {
			if (sc->hardware == NULL)
				sc->hardware = store(sc, &used, val, vlen);
		} else if (clen == 8 && strncasecmp(cat, "location", 8) == 0) {
			if (sc->nlocation < CK_WSD_MAX_ITEMS &&
			    (v = store(sc, &used, val, vlen)) != NULL)
				sc->location[sc->nlocation++] = v;
		} else if (clen == 7 && strncasecmp(cat, "profile", 7) == 0) {
			if (sc->nprofile < CK_WSD_MAX_ITEMS &&
			    (v = store(sc, &used, val, vlen)) != NULL)
				sc->profile[sc->nprofile++] = v;
		}
	}
}

static int
merge_list(char **dst, size_t *nd, char *const *src, size_t ns)
{
	size_t i, j;
	int added = 0;

	for (i = 0; i < ns; i++) {
		for (j = 0; j < *nd; j++)
			if (strcmp(dst[j], src[i]) == 0)
				break;
		if (j < *nd || *nd >= CK_WSD_MAX_ITEMS)
			continue;
		if ((dst[*nd] = strdup(src[i])) == NULL)
			return -1;
		(*nd)++;
		added++;
	}
	return added;
}

int
ck_wsdiscovery_merge(ck_wsdiscovery_match *dst, const ck_wsdiscovery_match *src)
{
	int a, b, c;

	if ((a = merge_list(dst->xaddrs, &dst->nxaddrs, src->xaddrs, src->nxaddrs)) < 0 ||
	    (b = merge_list(dst->types, &dst->ntypes, src->types, src->ntypes)) < 0 ||
	    (c = merge_list(dst->scopes, &dst->nscopes, src->scopes, src->nscopes)) < 0)
		return -1;
	if (src->metadata_version > dst->metadata_version)
		dst->metadata_version = src->metadata_version;
	return a + b + c;
}

int
ck_wsdiscovery_match_copy(ck_wsdiscovery_match *dst, const ck_wsdiscovery_match *src)
{
	memset(dst, 0, sizeof *dst);
	dst->metadata_version = src->metadata_version;
	if (src->address && (dst->address = strdup(src->address)) == NULL)
		return -1;
	if (ck_wsdiscovery_merge(dst, src) < 0) {
		ck_wsdiscovery_match_clear(dst);
		return -1;
	}
	return 0;
}

void
ck_wsdiscovery_match_json(ck_json *j, const ck_wsdiscovery_match *m)
{
	ck_wsdiscovery_scopes sc;
	size_t i;

	ck_json_str(j, "urn", m->address);
	ck_json_arr(j, "xaddrs");
	for (i = 0; i < m->nxaddrs; i++)
		ck_json_str(j, NULL, m->xaddrs[i]);
	ck_json_end(j);
	ck_json_arr(j, "types");
	for (i = 0; i < m->ntypes; i++)
		ck_json_str(j, NULL, m->types[i]);
	ck_json_end(j);
	ck_json_arr(j, "scopes");
	for (i = 0; i < m->nscopes; i++)
		ck_json_str(j, NULL, m->scopes[i]);
	ck_json_end(j);
	ck_wsdiscovery_parse_scopes(m, &sc);
	ck_json_str(j, "name", sc.name);
	ck_json_str(j, "hardware", sc.hardware);
	ck_json_arr(j, "location");
	for (i = 0; i < sc.nlocation; i++)
		ck_json_str(j, NULL, sc.location[i]);
	ck_json_end(j);
	ck_json_arr(j, "profiles");
	for (i = 0; i < sc.nprofile; i++)
		ck_json_str(j, NULL, sc.profile[i]);
	ck_json_end(j);
	if (m->metadata_version >= 0)
		ck_json_int(j, "metadata_version", m->metadata_version);
	else
		ck_json_null(j, "metadata_version");
}
