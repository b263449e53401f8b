/* onvifopts: the ONVIF client option block. */
#include "cli/onvifopts.h"

#include <string.h>

#include "base/opt.h"
#include "cli/tool.h"

const ck_opts_opt ck_onvifopts_opts[] = {
	{ "user", 'u', CK_OPTS_ARG, "USER", "user name (password: --password-file, ONVIF_PASSWORD\n"
	    "or the credentials file; never on the command line)" },
	{ "password-file", CK_ONVIFOPTS_PASSWORD_FILE, CK_OPTS_ARG, "F",
	    "read the password from F (- = stdin)" },
	{ "auth", CK_ONVIFOPTS_AUTH, CK_OPTS_ARG, "MODE", "auto (default), wsse, digest or none" },
	{ "timeout", 't', CK_OPTS_ARG, "DUR", "per-request timeout (default 5s; 500ms, 2s, 1m)" },
	{ "insecure", 'k', CK_OPTS_NOARG, NULL, "do not verify TLS certificates" },
	{ "trust-xaddrs", CK_ONVIFOPTS_TRUST_XADDRS, CK_OPTS_NOARG, NULL,
	    "use advertised service addresses as they are" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
handle(void *ctx, int key, const char *arg, ck_err *e)
{
	ck_onvif_opts *o = ctx;
	long long ms;

	switch (key) {
	case 'u':
		o->user = arg;
		return 0;
	case CK_ONVIFOPTS_PASSWORD_FILE:
		o->password_file = arg;
		return 0;
	case CK_ONVIFOPTS_AUTH:
		if (strcmp(arg, "auto") == 0)
			o->auth = CK_AUTH_AUTO;
		else if (strcmp(arg, "wsse") == 0)
			o->auth = CK_AUTH_WSSE;
		else if (strcmp(arg, "digest") == 0)
			o->auth = CK_AUTH_DIGEST;
		else if (strcmp(arg, "none") == 0)
			o->auth = CK_AUTH_NONE;
		else
			return ck_err_set(e, CK_USAGE,
			    "--auth: '%s' is not auto, wsse, digest or none", arg);
		return 0;
	case 't':
		if (ck_opt_parse_duration(arg, &ms, NULL) < 0 || ms <= 0 || ms > 3600000)
			return ck_err_set(e, CK_USAGE,
			    "--timeout: '%s' is not a duration between 1ms and 1h", arg);
		o->timeout_ms = (long)ms;
		return 0;
	case 'k':
		o->insecure = 1;
		return 0;
	case CK_ONVIFOPTS_TRUST_XADDRS:
		o->trust_xaddrs = 1;
		return 0;
	}
	return ck_err_set(e, CK_SOFTWARE, "onvifopts: unhandled option");
}

ck_opts_block
ck_onvifopts_block(ck_onvif_opts *o)
{
	ck_opts_block b = { "ONVIF client options", ck_onvifopts_opts, handle, o };

	ck_onvif_opts_init(o);
	o->password_hint = "--password-file, ONVIF_PASSWORD or the credentials file";
	o->tls_hint = "--insecure skips verification";
	o->auth_hint = "--auth";
	return b;
}

int
ck_onvifopts_cred(const ck_onvif_opts *o, const char *host, int stdin_targets,
    ck_cred *c)
{
	ck_err e = { 0, "" };

	memset(c, 0, sizeof *c);
	if (stdin_targets && o->password_file && strcmp(o->password_file, "-") == 0)
		return ck_tool_usage_err("--password-file - needs TARGET arguments "
		    "(stdin is the target list)");
	if (ck_onvif_cred(o, host, c, &e) < 0)
		return ck_tool_fail(&e);
	return 0;
}
