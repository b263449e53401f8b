/* libFuzzer: the expat-based DOM. Whatever parses must be walkable with every
 * query helper, its source offsets must stay inside the input, and QName
 * resolution must not crash; whatever fails must fail with a kind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/xml.h"

static void
walk(const ck_xml_doc *d, const ck_xml_node *n, size_t srclen, int depth)
{
	const char *ns, *local;

	if (depth > CK_XML_MAX_DEPTH + 1 || n->src_off + n->src_len > srclen)
		abort();
	(void)ck_xml_qname(n, n->text, &ns, &local, NULL);
	(void)ck_xml_attr(n, "Type");
	(void)ck_xml_lookup_ns(n, "tt");
	for (const ck_xml_node *c = ck_xml_child(n, NULL, NULL); c; c = ck_xml_next(c, NULL, NULL)) {
		if (c->parent != n)
			abort();
		walk(d, c, srclen, depth + 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ck_err e = { 0, "" };
	ck_xml_doc *d = ck_xml_parse((const char *)data, size, &e);
	size_t len;
	char *esc;

	if (d == NULL) {
		if (e.kind != CK_DATAERR && e.kind != CK_SOFTWARE)
			abort();
		return 0;
	}
	ck_xml_src(d, &len);
	if (len != size)
		abort();
	walk(d, ck_xml_root(d), len, 1);
	(void)ck_xml_find(ck_xml_root(d), CK_NS_TT, "UTCDateTime");
	(void)ck_xml_path_text(ck_xml_root(d), NULL, "*/*/{" CK_NS_TT "}TZ");
	esc = ck_xml_escape(ck_xml_root(d)->text);
	free(esc);
	ck_xml_free(d);
	return 0;
}
