#include "codec/xml.h"

#include "base/sbuf.h"

#include <expat.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NSSEP '\x01'   /* expat separator between URI and local name */

/* Every node and string lives in one chunked arena owned by the document. */
struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct ck_xml_doc {
	struct chunk *chunks;
	char *src;
	size_t srclen;
	ck_xml_node *root;
};

struct tbuf { char *p; size_t n, cap; };

struct pstate {
	ck_xml_doc *d;
	XML_Parser xp;
	ck_xml_node *cur;
	ck_xml_node *last[CK_XML_MAX_DEPTH + 1];  /* last child per depth */
	struct tbuf text[CK_XML_MAX_DEPTH + 1];
	size_t tag_end[CK_XML_MAX_DEPTH + 1];  /* end offset of the start tag */
	ck_xml_ns *pending;       /* declarations for the next start element */
	int depth;
	int refused;           /* 1 doctype/entity, 2 too deep, 3 oom */
};

static void *
arena(ck_xml_doc *d, size_t n)
{
	struct chunk *c = d->chunks;
	size_t al = sizeof(max_align_t);

	n = (n + al - 1) / al * al;
	if (c == NULL || c->cap - c->used < n) {
		size_t cap = n > 16384 ? n : 16384;
		c = malloc(sizeof *c + cap);
		if (c == NULL)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = d->chunks;
		d->chunks = c;
	}
	c->used += n;
	return (char *)c->data + c->used - n;
}

static char *
arena_strn(ck_xml_doc *d, const char *s, size_t n)
{
	char *p = arena(d, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static void
stop(struct pstate *st, int why)
{
	if (!st->refused)
		st->refused = why;
	XML_StopParser(st->xp, XML_FALSE);
}

/* Splits expat's "uri\1local" (or "local") into arena strings. */
static int
split_name(ck_xml_doc *d, const char *qn, const char **ns, const char **local)
{
	const char *sep = strchr(qn, NSSEP);

	if (sep) {
		*ns = arena_strn(d, qn, (size_t)(sep - qn));
		*local = arena_strn(d, sep + 1, strlen(sep + 1));
	} else {
		*ns = "";
		*local = arena_strn(d, qn, strlen(qn));
	}
	return (*ns && *local) ? 0 : -1;
}

static void XMLCALL
on_start(void *ud, const char *name, const char **atts)
{
	struct pstate *st = ud;
	ck_xml_doc *d = st->d;
	ck_xml_node *n;
	size_t na = 0;
	ck_xml_attrib *a;

	if (st->depth >= CK_XML_MAX_DEPTH) {
		stop(st, 2);
		return;
	}
	n = arena(d, sizeof *n);
	if (n == NULL) {
		stop(st, 3);
		return;
	}
	memset(n, 0, sizeof *n);
	if (split_name(d, name, &n->ns, &n->name) < 0) {
		stop(st, 3);
		return;
	}
	for (na = 0; atts[na]; na += 2)
		;
	na /= 2;
	a = na ? arena(d, na * sizeof *a) : NULL;
	if (na && a == NULL) {
		stop(st, 3);
		return;
	}
	for (size_t i = 0; i < na; i++) {
		if (split_name(d, atts[2 * i], &a[i].ns, &a[i].name) < 0 ||
		    (a[i].value = arena_strn(d, atts[2 * i + 1],
		    strlen(atts[2 * i + 1]))) == NULL) {
			stop(st, 3);
			return;
		}
	}
	n->attrs = a;
	n->nattrs = na;
	n->nsdecls = st->pending;
	st->pending = NULL;
	n->parent = st->cur;
	n->src_off = (size_t)XML_GetCurrentByteIndex(st->xp);
	n->text = n->raw = "";
	if (st->cur) {
		if (st->last[st->depth])
			st->last[st->depth]->next = n;
		else
			st->cur->first = n;
		st->last[st->depth] = n;
	} else {
		d->root = n;
	}
	st->depth++;
	st->last[st->depth] = NULL;
	st->text[st->depth].n = 0;
	st->tag_end[st->depth] = n->src_off + (size_t)XML_GetCurrentByteCount(st->xp);
	st->cur = n;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void XMLCALL
on_end(void *ud, const char *name)
{
	struct pstate *st = ud;
	ck_xml_node *n = st->cur;
	struct tbuf *t = &st->text[st->depth];
	size_t b = 0, e, cnt;

	(void)name;
	if (n == NULL)
		return;
	if (t->n) {
		n->raw = arena_strn(st->d, t->p, t->n);
		e = t->n;
		while (b < e && is_ws(t->p[b]))
			b++;
		while (e > b && is_ws(t->p[e - 1]))
			e--;
		n->text = (b == 0 && e == t->n) ? n->raw
		    : arena_strn(st->d, t->p + b, e - b);
		if (n->raw == NULL || n->text == NULL) {
			stop(st, 3);
			return;
		}
	}
	cnt = (size_t)XML_GetCurrentByteCount(st->xp);
	if (cnt == 0)   /* empty-element tag: the start tag is the element */
		n->src_len = st->tag_end[st->depth] - n->src_off;
	else
		n->src_len = (size_t)XML_GetCurrentByteIndex(st->xp) + cnt - n->src_off;
	st->depth--;
	st->cur = n->parent;
}

static void XMLCALL
on_text(void *ud, const char *s, int len)
{
	struct pstate *st = ud;
	struct tbuf *t;

	if (st->depth == 0 || len <= 0)
		return;
	t = &st->text[st->depth];
	if (t->n + (size_t)len + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 64;
		char *np;
		while (t->n + (size_t)len + 1 > cap)
			cap *= 2;
		np = realloc(t->p, cap);
		if (np == NULL) {
			stop(st, 3);
			return;
		}
		t->p = np;
		t->cap = cap;
	}
	memcpy(t->p + t->n, s, (size_t)len);
	t->n += (size_t)len;
}

static void XMLCALL
on_nsdecl(void *ud, const char *prefix, const char *uri)
{
	struct pstate *st = ud;
	ck_xml_ns *x = arena(st->d, sizeof *x);

	if (x == NULL) {
		stop(st, 3);
		return;
	}
	x->prefix = arena_strn(st->d, prefix ? prefix : "", prefix ? strlen(prefix) : 0);
	x->uri = arena_strn(st->d, uri ? uri : "", uri ? strlen(uri) : 0);
	if (x->prefix == NULL || x->uri == NULL) {
		stop(st, 3);
		return;
	}
	x->next = st->pending;
	st->pending = x;
}

/* SOAP forbids DTDs; refusing any DOCTYPE also refuses every entity
 * declaration, internal (billion laughs) or external. */
static void XMLCALL
on_doctype(void *ud, const char *name, const char *sysid, const char *pubid,
    int has_internal)
{
	(void)name; (void)sysid; (void)pubid; (void)has_internal;
	stop(ud, 1);
}

static void XMLCALL
on_entity(void *ud, const char *name, int is_param, const char *value,
    int vlen, const char *base, const char *sysid, const char *pubid,
    const char *notation)
{
	(void)name; (void)is_param; (void)value; (void)vlen; (void)base;
	(void)sysid; (void)pubid; (void)notation;
	stop(ud, 1);
}

void
ck_xml_free(ck_xml_doc *d)
{
	struct chunk *c, *nx;

	if (d == NULL)
		return;
	for (c = d->chunks; c; c = nx) {
		nx = c->next;
		free(c);
	}
	free(d->src);
	free(d);
}

ck_xml_doc *
ck_xml_parse(const char *buf, size_t len, ck_err *e)
{
	struct pstate st;
	ck_xml_doc *d;
	enum XML_Status rs;

	if (len > CK_XML_MAX_SIZE) {
		ck_err_set(e, CK_DATAERR, "XML document too large (%zu bytes, limit %u)",
		    len, CK_XML_MAX_SIZE);
		return NULL;
	}
	memset(&st, 0, sizeof st);
	d = calloc(1, sizeof *d);
	if (d == NULL || (d->src = malloc(len + 1)) == NULL) {
		free(d);
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	memcpy(d->src, buf, len);
	d->src[len] = '\0';
	d->srclen = len;
	st.d = d;
	st.xp = XML_ParserCreateNS(NULL, NSSEP);
	if (st.xp == NULL) {
		ck_xml_free(d);
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	XML_SetUserData(st.xp, &st);
	XML_SetElementHandler(st.xp, on_start, on_end);
	XML_SetCharacterDataHandler(st.xp, on_text);
	XML_SetStartNamespaceDeclHandler(st.xp, on_nsdecl);
	XML_SetStartDoctypeDeclHandler(st.xp, on_doctype);
	XML_SetEntityDeclHandler(st.xp, on_entity);
	XML_SetParamEntityParsing(st.xp, XML_PARAM_ENTITY_PARSING_NEVER);
	rs = XML_Parse(st.xp, d->src, (int)len, XML_TRUE);
	if (rs != XML_STATUS_OK || st.refused || d->root == NULL) {
		switch (st.refused) {
		case 1:
			ck_err_set(e, CK_DATAERR, "XML: DOCTYPE/entity declarations refused");
			break;
		case 2:
			ck_err_set(e, CK_DATAERR, "XML: nesting deeper than %d", CK_XML_MAX_DEPTH);
			break;
		case 3:
			ck_err_set(e, CK_SOFTWARE, "XML: out of memory");
			break;
		default:
			ck_err_set(e, CK_DATAERR, "XML: %s at line %lu column %lu",
			    d->root ? XML_ErrorString(XML_GetErrorCode(st.xp))
			    : len ? XML_ErrorString(XML_GetErrorCode(st.xp)) : "empty document",
			    (unsigned long)XML_GetCurrentLineNumber(st.xp),
			    (unsigned long)XML_GetCurrentColumnNumber(st.xp) + 1);
		}
		ck_xml_free(d);
		d = NULL;
	}
	XML_ParserFree(st.xp);
	for (int i = 0; i <= CK_XML_MAX_DEPTH; i++)
		free(st.text[i].p);
	return d;
}

const ck_xml_node *
ck_xml_root(const ck_xml_doc *d)
{
	return d ? d->root : NULL;
}

const char *
ck_xml_src(const ck_xml_doc *d, size_t *len)
{
	if (len)
		*len = d->srclen;
	return d->src;
}

int
ck_xml_is(const ck_xml_node *n, const char *ns, const char *local)
{
	if (n == NULL)
		return 0;
	if (ns && strcmp(n->ns, ns) != 0)
		return 0;
	if (local && strcmp(n->name, local) != 0)
		return 0;
	return 1;
}

const ck_xml_node *
ck_xml_child(const ck_xml_node *n, const char *ns, const char *local)
{
	if (n == NULL)
		return NULL;
	for (const ck_xml_node *c = n->first; c; c = c->next)
		if (ck_xml_is(c, ns, local))
			return c;
	return NULL;
}

const ck_xml_node *
ck_xml_next(const ck_xml_node *n, const char *ns, const char *local)
{
	if (n == NULL)
		return NULL;
	for (const ck_xml_node *c = n->next; c; c = c->next)
		if (ck_xml_is(c, ns, local))
			return c;
	return NULL;
}

const ck_xml_node *
ck_xml_find(const ck_xml_node *n, const char *ns, const char *local)
{
	/* iterative pre-order walk bounded by n's subtree */
	const ck_xml_node *c;

	if (n == NULL || n->first == NULL)
		return NULL;
	c = n->first;
	while (c) {
		if (ck_xml_is(c, ns, local))
			return c;
		if (c->first) {
			c = c->first;
			continue;
		}
		while (c && c != n && c->next == NULL)
			c = c->parent;
		if (c == NULL || c == n)
			return NULL;
		c = c->next;
	}
	return NULL;
}

const ck_xml_node *
ck_xml_path(const ck_xml_node *n, const char *ns, const char *path)
{
	char step[512], uri[512];
	const char *p = path;

	while (n && *p) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		const char *slash = strchr(close ? close : p, '/');
		size_t l = slash ? (size_t)(slash - p) : strlen(p);
		const char *sns = ns, *loc = step;

		if (l == 0 || l >= sizeof step)
			return NULL;
		memcpy(step, p, l);
		step[l] = '\0';
		if (step[0] == '{') {
			char *close = strchr(step, '}');
			if (close == NULL)
				return NULL;
			memcpy(uri, step + 1, (size_t)(close - step - 1));
			uri[close - step - 1] = '\0';
			sns = uri;
			loc = close + 1;
		}
		if (strcmp(loc, "*") == 0)
			loc = NULL, sns = NULL;
		n = ck_xml_child(n, sns, loc);
		p += l;
		if (*p == '/')
			p++;
	}
	return n;
}

const char *
ck_xml_child_text(const ck_xml_node *n, const char *ns, const char *local)
{
	const ck_xml_node *c = ck_xml_child(n, ns, local);

	return c ? c->text : NULL;
}

const char *
ck_xml_path_text(const ck_xml_node *n, const char *ns, const char *path)
{
	const ck_xml_node *c = ck_xml_path(n, ns, path);

	return c ? c->text : NULL;
}

size_t
ck_xml_count(const ck_xml_node *n, const char *ns, const char *local)
{
	size_t k = 0;

	for (const ck_xml_node *c = ck_xml_child(n, ns, local); c;
	    c = ck_xml_next(c, ns, local))
		k++;
	return k;
}

const char *
ck_xml_attr(const ck_xml_node *n, const char *local)
{
	if (n == NULL)
		return NULL;
	for (size_t i = 0; i < n->nattrs; i++)
		if (strcmp(n->attrs[i].name, local) == 0)
			return n->attrs[i].value;
	return NULL;
}

const char *
ck_xml_attr_ns(const ck_xml_node *n, const char *ns, const char *local)
{
	if (n == NULL)
		return NULL;
	for (size_t i = 0; i < n->nattrs; i++)
		if (strcmp(n->attrs[i].name, local) == 0 &&
		    strcmp(n->attrs[i].ns, ns ? ns : "") == 0)
			return n->attrs[i].value;
	return NULL;
}

const char *
ck_xml_lookup_ns(const ck_xml_node *n, const char *prefix)
{
	for (; n; n = n->parent)
		for (const ck_xml_ns *x = n->nsdecls; x; x = x->next)
			if (strcmp(x->prefix, prefix) == 0)
				return x->uri;
	if (strcmp(prefix, "xml") == 0)
		return "http://www.w3.org/XML/1998/namespace";
	return NULL;
}

int
ck_xml_qname(const ck_xml_node *n, const char *qname, const char **ns,
    const char **local, ck_err *e)
{
	const char *colon = strchr(qname, ':');
	char prefix[128];
	const char *uri;

	if (colon == NULL) {
		uri = ck_xml_lookup_ns(n, "");
		*ns = uri ? uri : "";
		*local = qname;
		return 0;
	}
	if ((size_t)(colon - qname) >= sizeof prefix || colon == qname)
		return ck_err_set(e, CK_DATAERR, "bad QName '%s'", qname);
	memcpy(prefix, qname, (size_t)(colon - qname));
	prefix[colon - qname] = '\0';
	uri = ck_xml_lookup_ns(n, prefix);
	if (uri == NULL)
		return ck_err_set(e, CK_DATAERR, "QName '%s': prefix '%s' not declared",
		    qname, prefix);
	*ns = uri;
	*local = colon + 1;
	return 0;
}

int
ck_xml_bool(const char *s)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		return 1;
	if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		return 0;
	return -1;
}

size_t
ck_xml_escape_buf(const char *s, char *out, size_t outlen)
{
	char *p = ck_xml_escape(s);
	size_t n = p ? strlen(p) : 0;

	if (outlen) {
		size_t k = n < outlen ? n : outlen - 1;
		if (p)
			memcpy(out, p, k);
		out[k] = '\0';
	}
	free(p);
	return n;
}

/* The escaping itself lives in lib/sbuf, the base layer, so that modules
 * below xml (log) can use it too. */
char *
ck_xml_escape(const char *s)
{
	ck_sbuf b = { 0 };

	ck_sbuf_esc(&b, s);
	return ck_sbuf_done(&b);
}
