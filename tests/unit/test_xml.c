#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "codec/xml.h"

static ck_xml_doc *
P(const char *s, ck_err *e)
{
	return ck_xml_parse(s, strlen(s), e);
}

static void
test_prefixes(void)
{
	/* the same document with three prefix styles yields the same tree */
	const char *docs[] = {
		"<s:Envelope xmlns:s=\"" CK_NS_SOAP12 "\" xmlns:tt=\"" CK_NS_TT "\">"
		"<s:Body><tt:Time><tt:Hour> 7 </tt:Hour></tt:Time></s:Body></s:Envelope>",
		"<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"" CK_NS_SOAP12 "\"><SOAP-ENV:Body>"
		"<ns2:Time xmlns:ns2=\"" CK_NS_TT "\"><ns2:Hour>7</ns2:Hour></ns2:Time>"
		"</SOAP-ENV:Body></SOAP-ENV:Envelope>",
		"<Envelope xmlns=\"" CK_NS_SOAP12 "\"><Body><Time xmlns=\"" CK_NS_TT "\">"
		"<Hour>\n7\n</Hour></Time></Body></Envelope>",
	};
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		ck_err e = { 0 };
		ck_xml_doc *d = P(docs[i], &e);
		const ck_xml_node *r, *t;
		T_OK(d != NULL);
		if (!d)
			continue;
		r = ck_xml_root(d);
		T_OK(ck_xml_is(r, CK_NS_SOAP12, "Envelope"));
		t = ck_xml_find(r, CK_NS_TT, "Time");
		T_OK(t != NULL);
		T_EQ_STR(ck_xml_child_text(t, CK_NS_TT, "Hour"), "7");
		T_EQ_STR(ck_xml_path_text(r, CK_NS_SOAP12, "Body/{" CK_NS_TT "}Time/{"
		    CK_NS_TT "}Hour"), "7");
		/* a wrong namespace never matches, whatever the prefix */
		T_OK(ck_xml_find(r, CK_NS_TDS, "Time") == NULL);
		T_OK(ck_xml_find(r, "", "Hour") == NULL);
		ck_xml_free(d);
	}
}

static void
test_tree(void)
{
	ck_err e = { 0 };
	ck_xml_doc *d = P("<?xml version=\"1.0\"?>\n<a xmlns:x=\"urn:x\" x:k=\"1\" k=\"2\">"
	    "pre<b>1</b><c/><b>2</b>post<x:b>3</x:b></a>", &e);
	const ck_xml_node *r, *b;
	const char *src;
	size_t len;

	T_OK(d != NULL);
	if (!d)
		return;
	r = ck_xml_root(d);
	T_EQ_STR(r->text, "prepost");
	T_EQ_INT(ck_xml_count(r, "", "b"), 2);
	T_EQ_INT(ck_xml_count(r, NULL, "b"), 3);
	T_EQ_INT(ck_xml_count(r, NULL, NULL), 4);
	b = ck_xml_child(r, "", "b");
	T_EQ_STR(b->text, "1");
	b = ck_xml_next(b, "", "b");
	T_EQ_STR(b->text, "2");
	T_OK(ck_xml_next(b, "", "b") == NULL);
	T_EQ_STR(ck_xml_attr_ns(r, "urn:x", "k"), "1");
	T_EQ_STR(ck_xml_attr_ns(r, "", "k"), "2");
	T_OK(ck_xml_attr(r, "nope") == NULL);
	T_EQ_STR(ck_xml_child_text(r, "urn:x", "b"), "3");
	T_OK(ck_xml_path(r, NULL, "*/x") == NULL);
	/* source offsets cover exactly the element */
	src = ck_xml_src(d, &len);
	b = ck_xml_child(r, "", "c");
	T_EQ_INT(b->src_len, 4);
	T_OK(strncmp(src + b->src_off, "<c/>", 4) == 0);
	b = ck_xml_child(r, "urn:x", "b");
	T_OK(strncmp(src + b->src_off, "<x:b>3</x:b>", b->src_len) == 0);
	T_EQ_INT(b->src_len, 12);
	ck_xml_free(d);
}

static void
test_qname(void)
{
	ck_err e = { 0 };
	ck_xml_doc *d = P("<f xmlns:ter=\"" CK_NS_TER "\"><v xmlns=\"urn:d\">"
	    "ter:NotAuthorized</v></f>", &e);
	const char *ns, *loc;
	const ck_xml_node *v;

	T_OK(d != NULL);
	if (!d)
		return;
	v = ck_xml_find(ck_xml_root(d), NULL, "v");
	T_EQ_INT(ck_xml_qname(v, v->text, &ns, &loc, &e), 0);
	T_EQ_STR(ns, CK_NS_TER);
	T_EQ_STR(loc, "NotAuthorized");
	T_EQ_INT(ck_xml_qname(v, "Plain", &ns, &loc, &e), 0);
	T_EQ_STR(ns, "urn:d");
	T_EQ_INT(ck_xml_qname(v, "zz:X", &ns, &loc, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	ck_xml_free(d);
}

static void
test_refused(void)
{
	ck_err e = { 0 };
	const char *lol = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\">"
	    "<!ENTITY b \"&a;&a;&a;&a;\">]><l>&b;</l>";
	const char *ext = "<!DOCTYPE l [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><l>&x;</l>";
	char deep[CK_XML_MAX_DEPTH * 8 + 64];
	size_t n = 0;

	T_OK(P(lol, &e) == NULL);
	T_EQ_INT(e.kind, CK_DATAERR);
	T_OK(strstr(e.msg, "refused") != NULL);
	T_OK(P(ext, &e) == NULL);
	T_EQ_INT(e.kind, CK_DATAERR);
	T_OK(P("<a><b></a>", &e) == NULL);
	T_EQ_INT(e.kind, CK_DATAERR);
	T_OK(P("", &e) == NULL);
	T_OK(P("HTTP/1.1 garbage", &e) == NULL);
	T_OK(P("<a/><b/>", &e) == NULL);
	for (int i = 0; i < CK_XML_MAX_DEPTH + 1; i++)
		n += (size_t)sprintf(deep + n, "<a>");
	T_OK(P(deep, &e) == NULL);
	T_EQ_INT(e.kind, CK_DATAERR);
	T_OK(strstr(e.msg, "deeper") != NULL);
	/* exactly at the limit is fine */
	n = 0;
	for (int i = 0; i < CK_XML_MAX_DEPTH; i++)
		n += (size_t)sprintf(deep + n, "<a>");
	for (int i = 0; i < CK_XML_MAX_DEPTH; i++)
		n += (size_t)sprintf(deep + n, "</a>");
	ck_xml_doc *d = P(deep, &e);
	T_OK(d != NULL);
	ck_xml_free(d);
	/* predefined entities and char refs still work */
	d = P("<a>&lt;&amp;&#65;&#x42;</a>", &e);
	T_OK(d != NULL);
	if (d)
		T_EQ_STR(ck_xml_root(d)->text, "<&AB");
	ck_xml_free(d);
}

static void
test_escape(void)
{
	char buf[8];
	char *s = ck_xml_escape("a<b>&\"c'");

	T_EQ_STR(s, "a&lt;b&gt;&amp;&quot;c&apos;");
	free(s);
	T_EQ_INT(ck_xml_escape_buf("<<", buf, sizeof buf), 8);
	T_EQ_STR(buf, "&lt;&lt");   /* 7 chars fit: truncated */
	T_EQ_INT(ck_xml_bool("true"), 1);
	T_EQ_INT(ck_xml_bool("0"), 0);
	T_EQ_INT(ck_xml_bool("yes"), -1);
}

int
main(void)
{
	test_prefixes();
	test_tree();
	test_qname();
	test_refused();
	test_escape();
	T_DONE();
}
