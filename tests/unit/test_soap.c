#include <stdlib.h>
#include <string.h>

#include "onvif/soap.h"
#include "t.h"

static int
parse(const char *s, ck_soap_resp *r, ck_soap_fault *f, ck_err *e)
{
	return ck_soap_parse(s, strlen(s), r, f, e);
}

static void
test_envelope(void)
{
	char *env = ck_soap_envelope("<h/>", "<tds:GetSystemDateAndTime xmlns:tds=\""
	    CK_NS_TDS "\"/>");
	ck_soap_resp r;
	ck_err e = { 0 };

	T_OK(env != NULL);
	T_OK(strstr(env, "<s:Header><h/></s:Header><s:Body>") != NULL);
	T_EQ_INT(parse(env, &r, NULL, &e), 0);
	T_EQ_INT(r.version, 12);
	T_OK(ck_xml_is(r.first, CK_NS_TDS, "GetSystemDateAndTime"));
	T_OK(r.header != NULL);
	ck_soap_resp_free(&r);
	free(env);
	env = ck_soap_envelope(NULL, "<x/>");
	T_OK(strstr(env, "Header") == NULL);
	free(env);
}

static void
test_faults(void)
{
	/* the shape Hikvision and gSOAP cameras answer an unsigned call with */
	const char *na =
	    "<?xml version=\"1.0\"?><env:Envelope xmlns:env=\"" CK_NS_SOAP12 "\" "
	    "xmlns:ter=\"" CK_NS_TER "\"><env:Body><env:Fault><env:Code>"
	    "<env:Value>env:Sender</env:Value><env:Subcode><env:Value>ter:NotAuthorized"
	    "</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang=\"en\">"
	    "Sender not Authorized</env:Text></env:Reason></env:Fault></env:Body>"
	    "</env:Envelope>";
	/* nested subcodes with an unusual prefix */
	const char *nested =
	    "<S:Envelope xmlns:S=\"" CK_NS_SOAP12 "\"><S:Body><S:Fault xmlns:e=\""
	    CK_NS_TER "\"><S:Code><S:Value>S:Sender</S:Value><S:Subcode><S:Value>"
	    "e:InvalidArgVal</S:Value><S:Subcode><S:Value>e:NoProfile</S:Value>"
	    "</S:Subcode></S:Subcode></S:Code><S:Reason><S:Text>no such profile"
	    "</S:Text></S:Reason></S:Fault></S:Body></S:Envelope>";
	const char *s11 =
	    "<soap:Envelope xmlns:soap=\"" CK_NS_SOAP11 "\"><soap:Body><soap:Fault>"
	    "<faultcode>soap:Client</faultcode><faultstring>Method 'tds:Foo' not "
	    "implemented</faultstring></soap:Fault></soap:Body></soap:Envelope>";
	ck_soap_resp r;
	ck_soap_fault f;
	ck_err e = { 0 };

	T_EQ_INT(parse(na, &r, &f, &e), -1);
	T_EQ_INT(e.kind, CK_NOPERM);
	T_EQ_STR(f.code.ns, CK_NS_SOAP12);
	T_EQ_STR(f.code.local, "Sender");
	T_EQ_INT(f.nsub, 1);
	T_EQ_STR(f.sub[0].ns, CK_NS_TER);
	T_EQ_STR(f.sub[0].local, "NotAuthorized");
	T_EQ_STR(f.reason, "Sender not Authorized");
	T_EQ_STR(f.text, "env:Sender ter:NotAuthorized: Sender not Authorized");
	T_OK(r.doc == NULL);

	T_EQ_INT(parse(nested, &r, &f, &e), -1);
	T_EQ_INT(e.kind, CK_PROTO);
	T_EQ_INT(f.nsub, 2);
	T_EQ_STR(f.text, "env:Sender ter:InvalidArgVal ter:NoProfile: no such profile");
	T_OK(strstr(e.msg, "ter:NoProfile") != NULL);

	T_EQ_INT(parse(s11, &r, &f, &e), -1);
	T_EQ_INT(e.kind, CK_PROTO);
	T_EQ_STR(f.text, "env:Client: Method 'tds:Foo' not implemented");

	/* fault without subcode but an auth reason */
	T_EQ_INT(parse("<e:Envelope xmlns:e=\"" CK_NS_SOAP12 "\"><e:Body><e:Fault><e:Code>"
	    "<e:Value>e:Sender</e:Value></e:Code><e:Reason><e:Text>The action requested "
	    "requires authorization and the sender is not authorized</e:Text></e:Reason>"
	    "</e:Fault></e:Body></e:Envelope>", &r, &f, &e), -1);
	T_EQ_INT(e.kind, CK_NOPERM);
}

static void
test_malformed(void)
{
	ck_soap_resp r;
	ck_err e = { 0 };

	T_EQ_INT(parse("garbage", &r, NULL, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	T_EQ_INT(parse("<html><body>hi</body></html>", &r, NULL, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	T_EQ_INT(parse("<e:Envelope xmlns:e=\"" CK_NS_SOAP12 "\"/>", &r, NULL, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	/* SOAP 1.1 success and an empty body are accepted */
	T_EQ_INT(parse("<e:Envelope xmlns:e=\"" CK_NS_SOAP11 "\"><e:Body><R xmlns=\"urn:r\"/>"
	    "</e:Body></e:Envelope>", &r, NULL, &e), 0);
	T_EQ_INT(r.version, 11);
	T_OK(ck_xml_is(r.first, "urn:r", "R"));
	ck_soap_resp_free(&r);
	T_EQ_INT(parse("<e:Envelope xmlns:e=\"" CK_NS_SOAP12 "\"><e:Body/></e:Envelope>",
	    &r, NULL, &e), 0);
	T_OK(r.first == NULL);
	ck_soap_resp_free(&r);
}

int
main(void)
{
	test_envelope();
	test_faults();
	test_malformed();
	T_DONE();
}
