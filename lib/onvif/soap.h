/* soap: SOAP 1.2 envelopes out, SOAP 1.2 (or 1.1) responses and Faults in.
 * Pure builders and parsers: no I/O. */
#ifndef CK_SOAP_H
#define CK_SOAP_H

#include <stddef.h>

#include "base/err.h"
#include "codec/xml.h"

#define CK_SOAP_MAX_SUBCODES 4

typedef struct ck_soap_qname {
	char ns[256];      /* namespace URI ("" when the name had none) */
	char local[128];
} ck_soap_qname;

typedef struct ck_soap_fault {
	ck_soap_qname code;                 /* env:Sender, env:Receiver, ... */
	int nsub;                           /* nested Subcode/Value, outer first */
	ck_soap_qname sub[CK_SOAP_MAX_SUBCODES];
	char reason[512];                   /* first Reason/Text (1.1: faultstring) */
	char text[1024];                    /* "env:Sender ter:NotAuthorized: reason" */
} ck_soap_fault;

typedef struct ck_soap_resp {
	ck_xml_doc *doc;             /* owns everything below; ck_soap_resp_free */
	int version;                 /* 12 or 11 */
	const ck_xml_node *envelope, *header, *body;
	const ck_xml_node *first;       /* the Body's first element, NULL if empty */
} ck_soap_resp;

/* Builds "<?xml...?><s:Envelope ...><s:Header>header</s:Header><s:Body>body
 * </s:Body></s:Envelope>" (no Header element when header is NULL or "").
 * Returns a malloc'd string (caller frees) or NULL on allocation failure. */
char *ck_soap_envelope(const char *header_xml, const char *body_xml);

/* Parses a response. Returns 0 with r filled (the Body's first child may be
 * any element). On a Fault returns -1 with f filled (when f is not NULL),
 * r->doc freed, and e->kind CK_NOPERM for authentication faults
 * (ter:NotAuthorized, wsse:FailedAuthentication, "not authorized" reasons)
 * or CK_PROTO for the others. Not XML, or not a SOAP envelope: -1 with
 * CK_DATAERR. */
int ck_soap_parse(const char *buf, size_t len, ck_soap_resp *r,
    ck_soap_fault *f, ck_err *e);
void ck_soap_resp_free(ck_soap_resp *r);

/* Fills f from a Fault element (1.2 or 1.1 shape). Returns 0 or -1. */
int ck_soap_fault_read(const ck_xml_node *fault, ck_soap_fault *f, ck_err *e);
/* 1 if f means "authentication rejected", else 0. */
int ck_soap_fault_is_auth(const ck_soap_fault *f);
/* "ter:NotAuthorized" for well-known namespaces (env, ter, wsse), else
 * "{uri}local" or just "local"; into out, returns out. */
const char *ck_soap_qname_str(const ck_soap_qname *q, char *out, size_t outlen);

#endif
