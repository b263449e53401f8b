/* onvif-call: post any SOAP body to a device service, print the answer. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cred.h"
#include "base/err.h"
#include "base/log.h"
#include "onvif/onvif.h"
#include "onvif/soap.h"
#include "cli/onvifopts.h"
#include "cli/opts.h"
#include "cli/tool.h"
#include "codec/xml.h"

#define MAX_BODY (1u << 20)

static const char usage[] = "Usage: onvif-call [options] SERVICE|URL [BODY]";
static const char about[] =
    "Wraps BODY (XML; read from stdin when absent) in a SOAP 1.2 envelope,\n"
    "authenticates, posts it, and prints the response Body's content as XML\n"
    "(each element with the namespace declarations it needs). SERVICE is a\n"
    "service name resolved with GetServices on the --device (device, media,\n"
    "media2, ptz, events, imaging, analytics, deviceio, recording, search,\n"
    "replay) or a namespace URI; URL is a service endpoint used as is.\n"
    "SOAP Faults go to stderr (code, subcodes, reason): exit 76, or 77 when\n"
    "the device refuses the credentials.\n";
static const char footer[] =
    "Exit: 0 ok, 64 usage, 65 malformed BODY or reply, 66 password file\n"
    "missing, 68 unknown host, 69 unreachable, 74 I/O error, 75 timeout,\n"
    "76 SOAP fault, 77 auth, 78 bad credentials file.\n";

enum { OPT_ENVELOPE = CK_OPTS_TOOL };

static const ck_opts_opt call_opts[] = {
	{ "device", 'd', CK_OPTS_ARG, "TARGET", "the device (URL or host[:port]); needed with\n"
	    "SERVICE, else the URL's device is assumed" },
	{ "envelope", OPT_ENVELOPE, CK_OPTS_NOARG, NULL, "print the whole response envelope" },
	{ NULL, 0, 0, NULL, NULL }
};

struct args {
	ck_onvif_opts o;
	const char *device;
	int envelope;
};

/* Reads all of stdin (bounded). Returns a malloc'd string or NULL. */
static char *
read_stdin(ck_err *e)
{
	size_t n = 0, cap = 4096, got;
	char *b = malloc(cap), *nb;

	if (b == NULL)
		goto oom;
	while ((got = fread(b + n, 1, cap - n - 1, stdin)) > 0) {
		n += got;
		if (n > MAX_BODY) {
			free(b);
			ck_err_set(e, CK_DATAERR, "BODY on stdin is larger than %u bytes", MAX_BODY);
			return NULL;
		}
		if (cap - n - 1 == 0) {
			if ((nb = realloc(b, cap * 2)) == NULL)
				goto oom;
			b = nb;
			cap *= 2;
		}
	}
	if (ferror(stdin)) {
		free(b);
		ck_err_set(e, CK_IOERR, "reading BODY from stdin failed");
		return NULL;
	}
	b[n] = '\0';
	return b;
oom:
	free(b);
	ck_err_set(e, CK_SOFTWARE, "out of memory");
	return NULL;
}

/* BODY must be well-formed XML with its prefixes declared: parsed inside a
 * wrapper element so that several elements are allowed. */
static int
check_body(const char *body, ck_err *e)
{
	char *w;
	ck_xml_doc *d;
	size_t n = strlen(body);

	if (body[strspn(body, " \t\r\n")] == '\0')
		return ck_err_set(e, CK_DATAERR, "BODY is empty");
	if ((w = malloc(n + 16)) == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	snprintf(w, n + 16, "<w>%s</w>", body);
	d = ck_xml_parse(w, strlen(w), e);
	free(w);
	if (d == NULL)
		return ck_err_wrap(e, "BODY is not well-formed XML");
	ck_xml_free(d);
	return 0;
}

/* Whether prefix: occurs in buf[0..n) as a whole name (not inside tds:
 * when looking for s:): element, attribute and QName-value uses alike. */
static int
uses_prefix(const char *buf, size_t n, const char *prefix)
{
	char pat[80];
	size_t pl = (size_t)snprintf(pat, sizeof pat, "%s:", prefix);
	const char *p = buf, *end = buf + n, *hit;

	while ((hit = memmem(p, (size_t)(end - p), pat, pl)) != NULL) {
		unsigned char c = hit > buf ? (unsigned char)hit[-1] : ' ';
		if (!(isalnum(c) || c == '_' || c == '-' || c == '.' || c >= 0x80))
			return 1;
		p = hit + 1;
	}
	return 0;
}

/* Prints element n as standalone XML: its bytes, with the namespace
 * declarations of its ancestors that it uses added to its start tag. */
static void
print_element(const ck_xml_node *n, const char *src)
{
	const char *raw = src + n->src_off, *p = raw + 1;
	char seen[64][64];
	int nseen = 0;

	while (*p && !strchr(" \t\r\n/>", *p))
		p++;
	fwrite(raw, 1, (size_t)(p - raw), stdout);
	for (const ck_xml_ns *d = n->nsdecls; d && nseen < 64; d = d->next)
		snprintf(seen[nseen++], 64, "%s", d->prefix);
	for (const ck_xml_node *a = n->parent; a; a = a->parent) {
		for (const ck_xml_ns *d = a->nsdecls; d; d = d->next) {
			int i;
			for (i = 0; i < nseen && strcmp(seen[i], d->prefix) != 0; i++)
				;
			if (i < nseen || nseen >= 64)
				continue;
			snprintf(seen[nseen++], 64, "%s", d->prefix);
			if (d->prefix[0] && !uses_prefix(raw, n->src_len, d->prefix))
				continue;   /* not used inside: leave it out */
			if (d->prefix[0])
				printf(" xmlns:%s=\"%s\"", d->prefix, d->uri);
			else
				printf(" xmlns=\"%s\"", d->uri);
		}
	}
	fwrite(p, 1, n->src_len - (size_t)(p - raw), stdout);
	putchar('\n');
}

/* An http(s) URL that is not one of the service namespace URIs. */
static int
is_endpoint(const char *s)
{
	static const char *const names[] = { "device", "media", "media2", "ptz",
		"events", "imaging", "analytics", "deviceio", "recording", "search",
		"replay", NULL };

	if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
		return 0;
	for (int i = 0; names[i]; i++)
		if (strcmp(ck_onvif_service_ns(names[i]), s) == 0)
			return 0;
	return 1;
}

static void
report_fault(const char *url, const ck_soap_fault *f)
{
	char q[512];

	ck_log_warn("%s: SOAP Fault", url);
	ck_log_warn("code: %s", ck_soap_qname_str(&f->code, q, sizeof q));
	for (int i = 0; i < f->nsub && i < CK_SOAP_MAX_SUBCODES; i++)
		ck_log_warn("subcode: %s", ck_soap_qname_str(&f->sub[i], q, sizeof q));
	ck_log_warn("reason: %s", f->reason);
}

static int
call(const ck_onvif_opts *o, const ck_cred *cred, const char *device,
    const char *svc, int envelope, const char *body)
{
	ck_onvif_target tg;
	ck_onvif *c = NULL;
	ck_onvif_req q;
	ck_soap_resp r;
	ck_soap_fault f;
	ck_err e = { 0, "" };
	const char *src;
	size_t len;
	int rc = 0;

	memset(&q, 0, sizeof q);
	memset(&f, 0, sizeof f);
	if (is_endpoint(svc))
		q.url = svc;
	else
		q.service = svc;
	q.body_xml = body;
	if (ck_onvif_target_parse(device, &tg, &e) < 0 ||
	    (c = ck_onvif_new(&tg, o, cred, &e)) == NULL)
		return ck_tool_fail(&e);
	if (q.url == NULL && (q.url = ck_onvif_service_url(c, svc, &e)) == NULL) {
		ck_onvif_free(c);
		return ck_tool_fail(&e);
	}
	if (ck_onvif_request(c, &q, &r, &f, &e) < 0) {
		if (f.code.local[0]) {
			/* the fault once: e.msg repeats it after a hint, if any
			 * ("no password configured (...): URL: SOAP fault: ...") */
			const char *u = strstr(e.msg, q.url);
			if (u && u - e.msg > 2)
				ck_log_warn("%.*s", (int)(u - e.msg - 2), e.msg);
			report_fault(q.url, &f);
			rc = e.kind ? e.kind : CK_PROTO;
		} else
			rc = ck_tool_fail(&e);
	} else {
		src = ck_xml_src(r.doc, &len);
		if (envelope) {
			fwrite(src, 1, len, stdout);
			if (len && src[len - 1] != '\n')
				putchar('\n');
		} else {
			for (const ck_xml_node *n = r.first; n; n = n->next)
				print_element(n, src);
		}
		ck_soap_resp_free(&r);
	}
	ck_onvif_free(c);
	return rc;
}

static int
call_opt(void *ctx, int key, const char *arg, ck_err *e)
{
	struct args *a = ctx;

	if (key == 'd')
		a->device = arg;
	else
		a->envelope = 1;
	return 0;
}

int
main(int argc, char **argv)
{
	static struct args a;
	static ck_cred cred;
	ck_opts_block blocks[2];
	const ck_opts_tool tool = { usage, about, footer, blocks, 2 };
	const char *device, *svc;
	char *body = NULL;
	ck_onvif_target tg;
	ck_err e = { 0, "" };
	int arg0, rc, is_url;

	ck_log_init(argv[0]);
	blocks[0] = (ck_opts_block){ NULL, call_opts, call_opt, &a };
	blocks[1] = ck_onvifopts_block(&a.o);
	if (!ck_onvifopts_parse(&tool, argc, argv, &arg0, &rc))
		return rc;
	if (argc - arg0 < 1 || argc - arg0 > 2)
		return ck_tool_usage_err("want SERVICE or URL, and at most one BODY");
	svc = argv[arg0];
	is_url = is_endpoint(svc);
	if (!is_url && ck_onvif_service_ns(svc) == NULL)
		return ck_tool_usage_err("unknown service '%s' (device, media, media2, ptz, "
		    "events, imaging, analytics, deviceio, recording, search, replay, a "
		    "namespace URI, or an http(s) URL)", svc);
	if (!is_url && a.device == NULL)
		return ck_tool_usage_err("SERVICE '%s' needs --device TARGET", svc);
	device = a.device ? a.device : svc;
	if (ck_onvif_target_parse(device, &tg, &e) < 0)
		return ck_tool_usage_err("%s", e.msg);
	if (arg0 + 1 < argc) {
		if ((body = strdup(argv[arg0 + 1])) == NULL)
			return ck_tool_fail(&(ck_err){ CK_SOFTWARE, "out of memory" });
	} else if ((body = read_stdin(&e)) == NULL)
		return ck_tool_fail(&e);
	if (check_body(body, &e) < 0) {
		free(body);
		return ck_tool_fail(&e);
	}
	if ((rc = ck_onvifopts_cred(&a.o, tg.host, 0, &cred)) != 0) {
		free(body);
		return rc;
	}
	rc = call(&a.o, &cred, device, svc, a.envelope, body);
	free(body);
	ck_cred_wipe(&cred);
	return ck_tool_finish(rc);
}
