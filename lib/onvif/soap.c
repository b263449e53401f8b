#include "onvif/soap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char ENV_HEAD[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<s:Envelope xmlns:s=\"" CK_NS_SOAP12 "\">";

char *
ck_soap_envelope(const char *header_xml, const char *body_xml)
{
	size_t hl = header_xml ? strlen(header_xml) : 0;
	size_t bl = body_xml ? strlen(body_xml) : 0;
	size_t n = sizeof ENV_HEAD + hl + bl + 96;
	char *p = malloc(n);

	if (p == NULL)
		return NULL;
	snprintf(p, n, "%s%s%s%s<s:Body>%s</s:Body></s:Envelope>", ENV_HEAD,
	    hl ? "<s:Header>" : "", hl ? header_xml : "", hl ? "</s:Header>" : "",
	    bl ? body_xml : "");
	return p;
}

void
ck_soap_resp_free(ck_soap_resp *r)
{
	if (r) {
		ck_xml_free(r->doc);
		memset(r, 0, sizeof *r);
	}
}

static void
set_qname(const ck_xml_node *ctx, const char *text, ck_soap_qname *q)
{
	const char *ns = "", *local = text;

	memset(q, 0, sizeof *q);
	if (text == NULL)
		return;
	if (ck_xml_qname(ctx, text, &ns, &local, NULL) < 0) {
		/* undeclared prefix: keep the text as is rather than guess */
		ns = "";
		local = text;
	}
	snprintf(q->ns, sizeof q->ns, "%s", ns);
	snprintf(q->local, sizeof q->local, "%s", local);
}

const char *
ck_soap_qname_str(const ck_soap_qname *q, char *out, size_t outlen)
{
	const char *pre = NULL;

	if (strcmp(q->ns, CK_NS_SOAP12) == 0 || strcmp(q->ns, CK_NS_SOAP11) == 0)
		pre = "env";
	else if (strcmp(q->ns, CK_NS_TER) == 0)
		pre = "ter";
	else if (strcmp(q->ns, CK_NS_WSSE) == 0)
		pre = "wsse";
	if (pre)
		snprintf(out, outlen, "%s:%s", pre, q->local);
	else if (q->ns[0])
		snprintf(out, outlen, "{%s}%s", q->ns, q->local);
	else
		snprintf(out, outlen, "%s", q->local);
	return out;
}

int
ck_soap_fault_read(const ck_xml_node *fault, ck_soap_fault *f, ck_err *e)
{
	const ck_xml_node *code, *v, *sc, *reason;
	char q[400];
	size_t n;

	memset(f, 0, sizeof *f);
	if (ck_xml_is(fault, CK_NS_SOAP12, "Fault")) {
		code = ck_xml_child(fault, CK_NS_SOAP12, "Code");
		v = ck_xml_child(code, CK_NS_SOAP12, "Value");
		set_qname(v, v ? v->text : NULL, &f->code);
		sc = ck_xml_child(code, CK_NS_SOAP12, "Subcode");
		while (sc && f->nsub < CK_SOAP_MAX_SUBCODES) {
			v = ck_xml_child(sc, CK_NS_SOAP12, "Value");
			if (v && v->text[0])
				set_qname(v, v->text, &f->sub[f->nsub++]);
			sc = ck_xml_child(sc, CK_NS_SOAP12, "Subcode");
		}
		reason = ck_xml_child(fault, CK_NS_SOAP12, "Reason");
		snprintf(f->reason, sizeof f->reason, "%s",
		    ck_xml_child_text(reason, CK_NS_SOAP12, "Text") ?
		    ck_xml_child_text(reason, CK_NS_SOAP12, "Text") : "");
	} else if (ck_xml_is(fault, CK_NS_SOAP11, "Fault")) {
		/* SOAP 1.1: faultcode/faultstring are unqualified */
		v = ck_xml_child(fault, NULL, "faultcode");
		set_qname(v, v ? v->text : NULL, &f->code);
		snprintf(f->reason, sizeof f->reason, "%s",
		    ck_xml_child_text(fault, NULL, "faultstring") ?
		    ck_xml_child_text(fault, NULL, "faultstring") : "");
	} else {
		return ck_err_set(e, CK_DATAERR, "not a SOAP Fault element");
	}
	n = (size_t)snprintf(f->text, sizeof f->text, "%s",
	    f->code.local[0] ? ck_soap_qname_str(&f->code, q, sizeof q) : "(no code)");
	for (int i = 0; i < f->nsub && n < sizeof f->text; i++)
		n += (size_t)snprintf(f->text + n, sizeof f->text - n, " %s",
		    ck_soap_qname_str(&f->sub[i], q, sizeof q));
	if (f->reason[0] && n < sizeof f->text)
		snprintf(f->text + n, sizeof f->text - n, ": %s", f->reason);
	return 0;
}

int
ck_soap_fault_is_auth(const ck_soap_fault *f)
{
	static const char *const names[] = { "NotAuthorized", "FailedAuthentication",
	    "InvalidSecurityToken", "InvalidSecurity", NULL };
	const ck_soap_qname *qs[CK_SOAP_MAX_SUBCODES + 1];
	int nq = 0;

	qs[nq++] = &f->code;
	for (int i = 0; i < f->nsub; i++)
		qs[nq++] = &f->sub[i];
	for (int i = 0; i < nq; i++)
		for (int k = 0; names[k]; k++)
			if (strcmp(qs[i]->local, names[k]) == 0)
				return 1;
	/* some firmwares put only the words in Reason */
	if (strcasestr(f->reason, "not authorized") ||
	    strcasestr(f->reason, "unauthorized") ||
	    strcasestr(f->reason, "authentication failed") ||
	    strcasestr(f->reason, "authority failure"))
		return 1;
	return 0;
}

int
ck_soap_parse(const char *buf, size_t len, ck_soap_resp *r, ck_soap_fault *f,
    ck_err *e)
{
	const char *ns;
	const ck_xml_node *c;
	ck_soap_fault tmp;

	memset(r, 0, sizeof *r);
	r->doc = ck_xml_parse(buf, len, e);
	if (r->doc == NULL) {
		if (e && e->kind == CK_DATAERR)
			ck_err_wrap(e, "reply is not XML");
		return -1;
	}
	r->envelope = ck_xml_root(r->doc);
	if (ck_xml_is(r->envelope, CK_NS_SOAP12, "Envelope")) {
		ns = CK_NS_SOAP12;
		r->version = 12;
	} else if (ck_xml_is(r->envelope, CK_NS_SOAP11, "Envelope")) {
		ns = CK_NS_SOAP11;
		r->version = 11;
	} else {
		ck_err_set(e, CK_DATAERR, "reply is not a SOAP envelope (root {%s}%s)",
		    r->envelope->ns, r->envelope->name);
		ck_soap_resp_free(r);
		return -1;
	}
	r->header = ck_xml_child(r->envelope, ns, "Header");
	r->body = ck_xml_child(r->envelope, ns, "Body");
	if (r->body == NULL) {
		ck_err_set(e, CK_DATAERR, "SOAP envelope without a Body");
		ck_soap_resp_free(r);
		return -1;
	}
	r->first = ck_xml_child(r->body, NULL, NULL);
	c = r->first;
	if (c && (ck_xml_is(c, CK_NS_SOAP12, "Fault") ||
	    ck_xml_is(c, CK_NS_SOAP11, "Fault"))) {
		if (f == NULL)
			f = &tmp;
		ck_soap_fault_read(c, f, NULL);
		ck_err_set(e, ck_soap_fault_is_auth(f) ? CK_NOPERM : CK_PROTO,
		    "SOAP fault: %s", f->text);
		ck_soap_resp_free(r);
		return -1;
	}
	return 0;
}
