#include "gb/manscdp.h"
#include "base/sbuf.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One "<name>value</name>\r\n" line; nothing when value is NULL. */
static void
elem_line(ck_sbuf *b, const char *name, const char *value)
{
	if (!value)
		return;
	ck_sbuf_elem(b, name, value);
	ck_sbuf_add(b, "\r\n");
}

static int
is_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] & 0x80)
			return 0;
	return 1;
}

/* Converts n bytes from one charset to another; malloc'd, NUL-terminated. */
static char *
convert(const char *to, const char *from, const char *s, size_t n,
    size_t *outlen, ck_err *e)
{
	iconv_t cd = iconv_open(to, from);
	size_t cap = n * 4 + 16, left, inleft = n;
	char *out, *op, *ip = (char *)s;

	if (cd == (iconv_t)-1)
		return ck_err_set(e, CK_DATAERR, "charset %s not supported",
		    from), NULL;
	if (!(out = malloc(cap))) {
		iconv_close(cd);
		return ck_err_set(e, CK_SOFTWARE, "out of memory"), NULL;
	}
	op = out, left = cap - 1;
	if (iconv(cd, &ip, &inleft, &op, &left) == (size_t)-1 ||
	    iconv(cd, NULL, NULL, &op, &left) == (size_t)-1) {
		int err = errno;
		size_t at = (size_t)(ip - s);
		iconv_close(cd);
		free(out);
		return ck_err_set(e, CK_DATAERR,
		    "body is not valid %s at byte %zu (%s)", from, at,
		    err == E2BIG ? "too long" : "bad sequence"), NULL;
	}
	iconv_close(cd);
	*op = '\0';
	*outlen = (size_t)(op - out);
	return out;
}

/* Closes the body: converted to GB18030 when any value is not ASCII, so the
 * bytes agree with the GB2312 declaration. */
static char *
finish(ck_sbuf *b, size_t *len, ck_err *e)
{
	char *gb;

	if (b->oom) {
		free(b->p);
		return ck_err_set(e, CK_SOFTWARE, "out of memory"), NULL;
	}
	if (is_ascii(b->p, b->len)) {
		*len = b->len;
		return b->p;
	}
	gb = convert("GB18030", "UTF-8", b->p, b->len, len, e);
	free(b->p);
	return gb;
}

static void
head(ck_sbuf *b, const char *root, const char *cmd_type, unsigned long sn,
    const char *device_id)
{
	ck_sbuf_printf(b, "<?xml version=\"1.0\" encoding=\"GB2312\"?>\r\n<%s>\r\n",
	    root);
	elem_line(b, "CmdType", cmd_type);
	ck_sbuf_printf(b, "<SN>%lu</SN>\r\n", sn);
	elem_line(b, "DeviceID", device_id ? device_id : "");
}

char *
ck_manscdp_query(const char *cmd_type, unsigned long sn,
    const char *device_id, const ck_manscdp_kv *extra, size_t nextra, size_t *len,
    ck_err *e)
{
	ck_sbuf b = { 0 };
	size_t i;

	head(&b, "Query", cmd_type, sn, device_id);
	for (i = 0; i < nextra; i++)
		elem_line(&b, extra[i].key, extra[i].value);
	ck_sbuf_add(&b, "</Query>\r\n");
	return finish(&b, len, e);
}

char *
ck_manscdp_record_query(unsigned long sn, const char *device_id,
    const char *start, const char *end, const char *type,
    const char *address, size_t *len, ck_err *e)
{
	ck_manscdp_kv kv[] = {
		{ "StartTime", start }, { "EndTime", end }, { "FilePath", "" },
		{ "Address", address ? address : "" }, { "Secrecy", "0" },
		{ "Type", type ? type : "all" }, { "RecorderID", "all" },
	};

	return ck_manscdp_query("RecordInfo", sn, device_id, kv,
	    sizeof kv / sizeof kv[0], len, e);
}

char *
ck_manscdp_control(const char *cmd_type, unsigned long sn,
    const char *device_id, const char *inner, size_t *len, ck_err *e)
{
	ck_sbuf b = { 0 };

	head(&b, "Control", cmd_type, sn, device_id);
	ck_sbuf_add(&b, inner);
	ck_sbuf_add(&b, "</Control>\r\n");
	return finish(&b, len, e);
}

char *
ck_manscdp_ptz_control(unsigned long sn, const char *device_id,
    const char *ptzcmd_hex, size_t *len, ck_err *e)
{
	char inner[160];
	size_t i, n = strlen(ptzcmd_hex);

	if (n != 16)
		return ck_err_set(e, CK_USAGE, "PTZCmd must be 16 hex digits"),
		    NULL;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)ptzcmd_hex[i]))
			return ck_err_set(e, CK_USAGE, "PTZCmd not hex"), NULL;
	snprintf(inner, sizeof inner, "<PTZCmd>%s</PTZCmd>\r\n<Info>\r\n"
	    "<ControlPriority>5</ControlPriority>\r\n</Info>\r\n", ptzcmd_hex);
	return ck_manscdp_control("DeviceControl", sn, device_id, inner, len, e);
}

char *
ck_manscdp_media_status(unsigned long sn, const char *device_id,
    const char *notify_type, size_t *len, ck_err *e)
{
	ck_sbuf b = { 0 };

	head(&b, "Notify", "MediaStatus", sn, device_id);
	elem_line(&b, "NotifyType", notify_type);
	ck_sbuf_add(&b, "</Notify>\r\n");
	return finish(&b, len, e);
}

char *
ck_manscdp_keepalive(unsigned long sn, const char *device_id, size_t *len,
    ck_err *e)
{
	ck_sbuf b = { 0 };

	head(&b, "Notify", "Keepalive", sn, device_id);
	ck_sbuf_add(&b, "<Status>OK</Status>\r\n</Notify>\r\n");
	return finish(&b, len, e);
}

char *
ck_manscdp_list_response(const char *cmd_type, unsigned long sn,
    const char *device_id, unsigned long sumnum, const char *list_name,
    const char *const *items, size_t nitems, size_t *len, ck_err *e)
{
	ck_sbuf b = { 0 };
	size_t i;

	head(&b, "Response", cmd_type, sn, device_id);
	ck_sbuf_printf(&b, "<SumNum>%lu</SumNum>\r\n<%s Num=\"%zu\">\r\n", sumnum,
	    list_name, nitems);
	for (i = 0; i < nitems; i++) {
		ck_sbuf_add(&b, items[i]);
		ck_sbuf_add(&b, "\r\n");
	}
	ck_sbuf_printf(&b, "</%s>\r\n</Response>\r\n", list_name);
	return finish(&b, len, e);
}

char *
ck_manscdp_response(const char *cmd_type, unsigned long sn,
    const char *device_id, const char *const *kv, size_t nkv,
    const char *raw_tail, size_t *len, ck_err *e)
{
	ck_sbuf b = { 0 };
	size_t i;

	head(&b, "Response", cmd_type, sn, device_id);
	for (i = 0; i + 1 < nkv; i += 2)
		elem_line(&b, kv[i], kv[i + 1]);
	if (raw_tail)
		ck_sbuf_add(&b, raw_tail);
	ck_sbuf_add(&b, "</Response>\r\n");
	return finish(&b, len, e);
}

char *
ck_manscdp_self_item(const char *id, const char *name,
    const char *manufacturer, const char *model, const char *civil_code,
    const char *parent_id, ck_err *e)
{
	ck_sbuf b = { 0 };

	ck_sbuf_add(&b, "<Item>\r\n");
	elem_line(&b, "DeviceID", id);
	elem_line(&b, "Name", name);
	elem_line(&b, "Manufacturer", manufacturer);
	elem_line(&b, "Model", model);
	ck_sbuf_add(&b, "<Owner>Owner</Owner>\r\n");
	elem_line(&b, "CivilCode", civil_code);
	ck_sbuf_add(&b, "<Address>Address</Address>\r\n<Parental>0</Parental>\r\n");
	elem_line(&b, "ParentID", parent_id);
	ck_sbuf_add(&b, "<SafetyWay>0</SafetyWay>\r\n<RegisterWay>1</RegisterWay>\r\n"
	    "<Secrecy>0</Secrecy>\r\n<Status>ON</Status>\r\n</Item>");
	if (b.oom) {
		free(b.p);
		return ck_err_set(e, CK_SOFTWARE, "out of memory"), NULL;
	}
	return b.p;
}

/* Appends the outermost <Item> elements under n to *items. */
static int
collect_items(const ck_xml_node *n, const char *src, char ***items, size_t *count)
{
	const ck_xml_node *c;

	for (c = n->first; c; c = c->next) {
		if (!ck_xml_is(c, NULL, "Item")) {
			if (collect_items(c, src, items, count) < 0)
				return -1;
			continue;
		}
		char **ni = realloc(*items, (*count + 1) * sizeof *ni);
		if (ni == NULL)
			return -1;
		*items = ni;
		if ((ni[*count] = strndup(src + c->src_off, c->src_len)) == NULL)
			return -1;
		(*count)++;
	}
	return 0;
}

long
ck_manscdp_items(const char *buf, size_t len, char ***items, ck_err *e)
{
	const char *used;
	size_t ul, n = 0, sl;
	char *u = ck_manscdp_to_utf8(buf, len, NULL, 0, &ul, &used, e);
	ck_sbuf b = { 0 };
	ck_xml_doc *d;
	int rc;

	*items = NULL;
	if (u == NULL)
		return -1;
	/* catalog files are a whole Response or just the Items one after
	 * another: one synthetic root takes both */
	ck_sbuf_add(&b, "<_>");
	ck_sbuf_addn(&b, u, ul);
	ck_sbuf_add(&b, "</_>");
	free(u);
	if (b.oom) {
		free(b.p);
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	}
	d = ck_xml_parse(b.p, b.len, e);
	free(b.p);
	if (d == NULL)
		return -1;
	rc = collect_items(ck_xml_root(d), ck_xml_src(d, &sl), items, &n);
	ck_xml_free(d);
	if (rc < 0 || n == 0) {
		while (n > 0)
			free((*items)[--n]);
		free(*items);
		*items = NULL;
		return rc < 0 ? ck_err_set(e, CK_SOFTWARE, "out of memory") :
		    ck_err_set(e, CK_DATAERR, "no <Item> elements");
	}
	return (long)n;
}

long
ck_manscdp_items_file(const char *path, char ***items, ck_err *e)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	long rc;

	*items = NULL;
	if (f == NULL)
		return ck_err_set(e, CK_NOINPUT, "%s: %s", path, strerror(errno));
	buf = malloc(CK_MANSCDP_MAX_BODY + 1);
	n = buf ? fread(buf, 1, CK_MANSCDP_MAX_BODY + 1, f) : 0;
	fclose(f);
	if (buf == NULL || n > CK_MANSCDP_MAX_BODY) {
		free(buf);
		return ck_err_set(e, CK_DATAERR, "%s: too large", path);
	}
	rc = ck_manscdp_items(buf, n, items, e);
	free(buf);
	return rc < 0 ? ck_err_wrap(e, "%s", path) : rc;
}

/* ---- charset detection and conversion ---- */

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
static int
valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], need, cp, min;
		size_t k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			need = 1, cp = c & 0x1F, min = 0x80;
		else if (c >= 0xE0 && c <= 0xEF)
			need = 2, cp = c & 0x0F, min = 0x800;
		else if (c >= 0xF0 && c <= 0xF4)
			need = 3, cp = c & 0x07, min = 0x10000;
		else
			return 0;
		for (k = 1; k <= need; k++) {
			if (i + k >= n || (s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* Finds the XML declaration at the start of s (after a BOM and blanks):
 * sets *decl_end to the byte after "?>" (0 when none) and copies the
 * encoding pseudo-attribute into enc ("" when absent). */
static void
find_decl(const char *s, size_t n, size_t *start, size_t *decl_end,
    char *enc, size_t enclen)
{
	size_t i = 0, j;
	const char *p;

	enc[0] = '\0';
	*decl_end = 0;
	if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	*start = i;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
	    s[i] == '\n'))
		i++;
	if (n - i < 5 || memcmp(s + i, "<?xml", 5) != 0 ||
	    (n - i > 5 && !isspace((unsigned char)s[i + 5])))
		return;
	for (j = i + 5; j + 1 < n && j < i + 512; j++)
		if (s[j] == '?' && s[j + 1] == '>')
			break;
	if (j + 1 >= n || s[j] != '?')
		return;
	*decl_end = j + 2;
	p = memmem(s + i, j - i, "encoding", 8);
	if (p) {
		const char *q = p + 8, *end = s + j;
		char quote;
		size_t k = 0;

		while (q < end && isspace((unsigned char)*q))
			q++;
		if (q < end && *q == '=')
			q++;
		while (q < end && isspace((unsigned char)*q))
			q++;
		if (q < end && (*q == '"' || *q == '\'')) {
			quote = *q++;
			while (q < end && *q != quote && k + 1 < enclen)
				enc[k++] = *q++;
		}
		enc[k] = '\0';
	}
}

static const char *
canon_charset(const char *name)
{
	if (!strcasecmp(name, "GB2312") || !strcasecmp(name, "GBK") ||
	    !strcasecmp(name, "GB18030") || !strcasecmp(name, "CP936") ||
	    !strcasecmp(name, "EUC-CN") || !strcasecmp(name, "x-gbk") ||
	    !strcasecmp(name, "GB_2312-80"))
		return "GB18030";
	if (!strcasecmp(name, "UTF-8") || !strcasecmp(name, "UTF8"))
		return "UTF-8";
	if (!strcasecmp(name, "ISO-8859-1") || !strcasecmp(name, "latin1"))
		return "ISO-8859-1";
	if (!strcasecmp(name, "US-ASCII") || !strcasecmp(name, "ASCII"))
		return "UTF-8";
	return NULL;
}

char *
ck_manscdp_to_utf8(const char *buf, size_t len, const char *charset,
    int keep_decl, size_t *outlen, const char **used, ck_err *e)
{
	char enc[64];
	size_t start, decl_end, n, clen;
	const char *cs = NULL, *body;
	char *conv, *out;
	static const char decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

	if (len > CK_MANSCDP_MAX_BODY)
		return ck_err_set(e, CK_DATAERR, "body too large (%zu bytes)",
		    len), NULL;
	find_decl(buf, len, &start, &decl_end, enc, sizeof enc);
	body = buf + (decl_end ? decl_end : start);
	n = len - (size_t)(body - buf);
	while (n > 0 && (*body == '\r' || *body == '\n' || *body == ' ' ||
	    *body == '\t'))
		body++, n--;
	if (charset && *charset) {
		if (!(cs = canon_charset(charset)))
			return ck_err_set(e, CK_USAGE, "charset %s not supported",
			    charset), NULL;
	} else if (enc[0]) {
		if (!(cs = canon_charset(enc)))
			return ck_err_set(e, CK_DATAERR,
			    "body declares unsupported encoding \"%s\"", enc),
			    NULL;
	} else
		cs = valid_utf8((const unsigned char *)body, n) ? "UTF-8" :
		    "GB18030";
	/* Devices that declare UTF-8 and send GBK exist; bytes that are not
	 * UTF-8 cannot be read as UTF-8 anyway, while GB text almost never
	 * happens to be valid UTF-8, so this fallback does not misread. */
	if (strcmp(cs, "UTF-8") == 0 && !(charset && *charset) &&
	    !valid_utf8((const unsigned char *)body, n))
		cs = "GB18030";
	if (strcmp(cs, "UTF-8") == 0) {
		if (!valid_utf8((const unsigned char *)body, n))
			return ck_err_set(e, CK_DATAERR,
			    "body read as UTF-8 is not valid UTF-8"), NULL;
		conv = malloc(n + 1);
		if (!conv)
			return ck_err_set(e, CK_SOFTWARE, "out of memory"), NULL;
		memcpy(conv, body, n);
		conv[n] = '\0';
		clen = n;
	} else if (!(conv = convert("UTF-8", cs, body, n, &clen, e)))
		return NULL;
	if (memchr(conv, '\0', clen)) {
		free(conv);
		return ck_err_set(e, CK_DATAERR, "body contains a NUL byte"), NULL;
	}
	*used = cs;
	if (!keep_decl) {
		*outlen = clen;
		return conv;
	}
	if (!(out = malloc(sizeof decl + clen))) {
		free(conv);
		return ck_err_set(e, CK_SOFTWARE, "out of memory"), NULL;
	}
	memcpy(out, decl, sizeof decl - 1);
	memcpy(out + sizeof decl - 1, conv, clen + 1);
	*outlen = sizeof decl - 1 + clen;
	free(conv);
	return out;
}

/* ---- parsing ---- */

static int
parse_ulong(const char *s, unsigned long *v)
{
	char *end;
	unsigned long long x;

	if (!s || !*s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x > 0xFFFFFFFFull)
		return -1;
	*v = (unsigned long)x;
	return 0;
}

static int
is_list(const ck_xml_node *n)
{
	size_t l = strlen(n->name);

	if (ck_xml_child(n, NULL, "Item"))
		return 1;
	return l > 4 && strcmp(n->name + l - 4, "List") == 0;
}

int
ck_manscdp_parse(const char *buf, size_t len, const char *charset,
    ck_manscdp *m, ck_err *e)
{
	const char *s;
	const ck_xml_node *c;
	unsigned long v;

	memset(m, 0, sizeof *m);
	m->sumnum = -1;
	m->list_num = -1;
	if (!(m->utf8 = ck_manscdp_to_utf8(buf, len, charset, 0, &m->utf8_len,
	    &m->charset, e)))
		return -1;
	if (!(m->doc = ck_xml_parse(m->utf8, m->utf8_len, e))) {
		ck_err_wrap(e, "MANSCDP body");
		ck_manscdp_free(m);
		return -1;
	}
	m->root = ck_xml_root(m->doc);
	m->kind = m->root->name;
	s = ck_manscdp_field(m->root, "CmdType");
	if (!s || !*s) {
		ck_err_set(e, CK_DATAERR, "MANSCDP %s without CmdType",
		    m->kind ? m->kind : "body");
		ck_manscdp_free(m);
		return -1;
	}
	m->cmd_type = s;
	s = ck_manscdp_field(m->root, "DeviceID");
	m->device_id = s ? s : "";
	if ((s = ck_manscdp_field(m->root, "SN"))) {
		if (parse_ulong(s, &m->sn) < 0) {
			ck_err_set(e, CK_DATAERR, "MANSCDP SN \"%.40s\" is not a "
			    "number", s);
			ck_manscdp_free(m);
			return -1;
		}
		m->has_sn = 1;
	}
	if ((s = ck_manscdp_field(m->root, "SumNum"))) {
		if (parse_ulong(s, &v) < 0) {
			ck_err_set(e, CK_DATAERR, "MANSCDP SumNum \"%.40s\" is not "
			    "a number", s);
			ck_manscdp_free(m);
			return -1;
		}
		m->sumnum = (long)v;
	}
	for (c = m->root->first; c; c = c->next)
		if (is_list(c)) {
			m->list = c;
			s = ck_xml_attr(c, "Num");
			if (s && parse_ulong(s, &v) == 0)
				m->list_num = (long)v;
			break;
		}
	return 0;
}

void
ck_manscdp_free(ck_manscdp *m)
{
	if (!m)
		return;
	ck_xml_free(m->doc);
	free(m->utf8);
	memset(m, 0, sizeof *m);
}

const ck_xml_node *
ck_manscdp_next_item(const ck_manscdp *m, const ck_xml_node *prev)
{
	if (!m->list)
		return NULL;
	return prev ? ck_xml_next(prev, NULL, "Item") :
	    ck_xml_child(m->list, NULL, "Item");
}

const char *
ck_manscdp_field(const ck_xml_node *n, const char *name)
{
	return n ? ck_xml_child_text(n, NULL, name) : NULL;
}

const char *
ck_manscdp_snake(const char *name, char *out, size_t outlen)
{
	size_t i, k = 0;

	if (outlen == 0)
		return out;
	for (i = 0; name[i] && k + 2 < outlen; i++) {
		unsigned char c = (unsigned char)name[i];
		if (isupper(c) && i > 0) {
			unsigned char p = (unsigned char)name[i - 1];
			unsigned char nx = (unsigned char)name[i + 1];
			if (islower(p) || isdigit(p) ||
			    (isupper(p) && islower(nx)))
				out[k++] = '_';
		}
		out[k++] = (char)(c < 0x80 ? tolower(c) : c);
	}
	out[k] = '\0';
	return out;
}

static int
is_header(const ck_xml_node *c, const ck_manscdp *m)
{
	static const char *const h[] = { "CmdType", "SN", "DeviceID",
	    "SumNum" };
	size_t i;

	if (m && c == m->list)
		return 1;
	for (i = 0; i < sizeof h / sizeof h[0]; i++)
		if (strcmp(c->name, h[i]) == 0)
			return 1;
	return 0;
}

static void json_node(const ck_xml_node *n, ck_json *j, const char *key);

/* Writes the children of n (and its attributes) as fields. */
static void
json_children(const ck_xml_node *n, ck_json *j, int skip, const ck_manscdp *m)
{
	const ck_xml_node *c, *d;
	char key[128];
	size_t i, nchild = 0;
	int small;

	for (c = n->first; c && nchild <= 512; c = c->next)
		nchild++;
	/* Repeated names become one array; beyond 512 children only runs of
	 * neighbours are grouped, to stay linear on hostile input. */
	small = nchild <= 512;

	for (i = 0; i < n->nattrs; i++) {
		ck_manscdp_snake(n->attrs[i].name, key, sizeof key);
		ck_json_str(j, key, n->attrs[i].value);
	}
	for (c = n->first; c; c = c->next) {
		int seen = 0, count = 0;
		if (skip && is_header(c, m))
			continue;
		for (d = n->first; small && d != c; d = d->next)
			if (strcmp(d->name, c->name) == 0 &&
			    !(skip && is_header(d, m)))
				seen = 1;
		if (seen)
			continue;
		for (d = c; d; d = d->next)
			if (strcmp(d->name, c->name) == 0)
				count++;
			else if (!small)
				break;
		ck_manscdp_snake(c->name, key, sizeof key);
		if (count == 1) {
			json_node(c, j, key);
			continue;
		}
		ck_json_arr(j, key);
		for (d = c; d && count > 0; d = d->next)
			if (strcmp(d->name, c->name) == 0) {
				json_node(d, j, NULL);
				count--;
			}
		ck_json_end(j);
		if (!small)
			while (c->next && strcmp(c->next->name, c->name) == 0)
				c = c->next;
	}
}

static void
json_node(const ck_xml_node *n, ck_json *j, const char *key)
{
	if (!n->first && n->nattrs == 0) {
		ck_json_str(j, key, n->text ? n->text : "");
		return;
	}
	ck_json_obj(j, key);
	json_children(n, j, 0, NULL);
	if (!n->first && n->text && *n->text)
		ck_json_str(j, "text", n->text);
	ck_json_end(j);
}

void
ck_manscdp_json_fields(const ck_xml_node *n, ck_json *j, int skip_header,
    const ck_manscdp *m)
{
	if (n)
		json_children(n, j, skip_header, m);
}
