/* xml: a small namespace-aware DOM on expat.
 *
 * Elements are matched by namespace URI + local name, never by prefix:
 * cameras write tt:, ns2:, SOAP-ENV:, env: or no prefix at all for the same
 * element. A DOCTYPE (and so any entity declaration) is refused, which rules
 * out billion-laughs and external entities; depth and size are bounded.
 *
 *   ck_xml_doc *d = ck_xml_parse(buf, len, &err);
 *   const ck_xml_node *t = ck_xml_find(ck_xml_root(d), CK_NS_TT, "UTCDateTime");
 *   const char *h = ck_xml_child_text(ck_xml_find(t, CK_NS_TT, "Time"),
 *       CK_NS_TT, "Hour");
 *   ck_xml_free(d);
 *
 * Every node and string belongs to the document and lives until ck_xml_free.
 * In all lookups ns == NULL matches any namespace and local == NULL any
 * element; ns == "" matches only elements with no namespace. */
#ifndef CK_XML_H
#define CK_XML_H

#include <stddef.h>

#include "base/err.h"

#define CK_XML_MAX_DEPTH 64
#define CK_XML_MAX_SIZE (8u << 20)   /* bytes of input */

/* Namespaces the ONVIF tools use (exact URIs). */
#define CK_NS_SOAP12 "http://www.w3.org/2003/05/soap-envelope"
#define CK_NS_SOAP11 "http://schemas.xmlsoap.org/soap/envelope/"
#define CK_NS_TT     "http://www.onvif.org/ver10/schema"
#define CK_NS_TDS    "http://www.onvif.org/ver10/device/wsdl"
#define CK_NS_TRT    "http://www.onvif.org/ver10/media/wsdl"
#define CK_NS_TR2    "http://www.onvif.org/ver20/media/wsdl"
#define CK_NS_TPTZ   "http://www.onvif.org/ver20/ptz/wsdl"
#define CK_NS_TEV    "http://www.onvif.org/ver10/events/wsdl"
#define CK_NS_TIMG   "http://www.onvif.org/ver20/imaging/wsdl"
#define CK_NS_TAN    "http://www.onvif.org/ver20/analytics/wsdl"
#define CK_NS_TER    "http://www.onvif.org/ver10/error"
#define CK_NS_WSNT   "http://docs.oasis-open.org/wsn/b-2"
#define CK_NS_WSA    "http://www.w3.org/2005/08/addressing"
#define CK_NS_WSSE   "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define CK_NS_WSU    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"

typedef struct ck_xml_attrib {
	const char *ns;      /* "" when unqualified */
	const char *name;    /* local name */
	const char *value;
} ck_xml_attrib;

typedef struct ck_xml_ns {      /* a namespace declaration on an element */
	const char *prefix;  /* "" for the default namespace */
	const char *uri;     /* "" when undeclared (xmlns="") */
	struct ck_xml_ns *next;
} ck_xml_ns;

typedef struct ck_xml_node ck_xml_node;
struct ck_xml_node {
	const char *ns;      /* namespace URI, "" when none */
	const char *name;    /* local name */
	const char *text;    /* character data directly inside, trimmed */
	const char *raw;     /* the same untrimmed */
	size_t nattrs;
	const ck_xml_attrib *attrs;
	const ck_xml_ns *nsdecls;   /* declarations made on this element */
	ck_xml_node *parent, *first, *next;
	size_t src_off, src_len; /* the element's bytes in ck_xml_src() */
};

typedef struct ck_xml_doc ck_xml_doc;

/* Parses buf[0..len). Returns a document (free with ck_xml_free), or NULL
 * with CK_DATAERR (not well-formed, DOCTYPE/entity declaration, too deep,
 * too large) or CK_SOFTWARE (out of memory). */
ck_xml_doc *ck_xml_parse(const char *buf, size_t len, ck_err *e);
void ck_xml_free(ck_xml_doc *d);
/* The root element (never NULL for a parsed document). */
const ck_xml_node *ck_xml_root(const ck_xml_doc *d);
/* The document's own copy of the input, NUL-terminated; *len gets its size. */
const char *ck_xml_src(const ck_xml_doc *d, size_t *len);

/* 1 if n is element {ns}local (NULL wildcards as above), else 0. */
int ck_xml_is(const ck_xml_node *n, const char *ns, const char *local);
/* First child element matching, or NULL. */
const ck_xml_node *ck_xml_child(const ck_xml_node *n, const char *ns, const char *local);
/* Next sibling after n matching, or NULL (iterate children with
 * for (c = ck_xml_child(n, ns, l); c; c = ck_xml_next(c, ns, l))). */
const ck_xml_node *ck_xml_next(const ck_xml_node *n, const char *ns, const char *local);
/* First descendant (depth first, n itself excluded) matching, or NULL. */
const ck_xml_node *ck_xml_find(const ck_xml_node *n, const char *ns, const char *local);
/* Walks child steps in namespace ns: path "UTCDateTime/Time/Hour".
 * A step "{uri}local" overrides ns for that step; "*" matches any element.
 * Returns the element or NULL. */
const ck_xml_node *ck_xml_path(const ck_xml_node *n, const char *ns, const char *path);
/* Trimmed text of the first matching child, or NULL when there is none. */
const char *ck_xml_child_text(const ck_xml_node *n, const char *ns, const char *local);
/* Trimmed text of the element at ck_xml_path(n, ns, path), or NULL. */
const char *ck_xml_path_text(const ck_xml_node *n, const char *ns, const char *path);
/* Number of child elements matching. */
size_t ck_xml_count(const ck_xml_node *n, const char *ns, const char *local);
/* Value of the attribute with this local name (any namespace), or NULL. */
const char *ck_xml_attr(const ck_xml_node *n, const char *local);
/* Value of attribute {ns}local exactly ("" = unqualified), or NULL. */
const char *ck_xml_attr_ns(const ck_xml_node *n, const char *ns, const char *local);
/* The namespace URI bound to prefix ("" = default) in scope at n, or NULL. */
const char *ck_xml_lookup_ns(const ck_xml_node *n, const char *prefix);
/* Resolves a QName value such as "ter:NotAuthorized" in n's scope: *ns gets
 * the URI (document-owned, "" for an unprefixed name without a default
 * namespace), *local points into qname. Returns 0, or -1 with CK_DATAERR
 * when the prefix is not declared. */
int ck_xml_qname(const ck_xml_node *n, const char *qname, const char **ns,
    const char **local, ck_err *e);
/* 1 if the string is a (trimmed) xs:boolean true ("true" or "1"), 0 if
 * false ("false"/"0"), -1 otherwise or NULL. */
int ck_xml_bool(const char *s);

/* Escapes s for element text or a double-quoted attribute value (& < > " ').
 * Returns a malloc'd string (caller frees) or NULL on allocation failure. */
char *ck_xml_escape(const char *s);
/* The same into out (always NUL-terminated); returns the length needed
 * (excluding NUL), so a result >= outlen means truncation. */
size_t ck_xml_escape_buf(const char *s, char *out, size_t outlen);

#endif
