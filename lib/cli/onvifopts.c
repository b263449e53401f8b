/* onvifopts: the ONVIF client option block. */
#include "cli/onvifopts.h"

#include <stdlib.h>
#include <string.h>

#include "base/opt.h"
#include "cli/targets.h"
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
ck_onvifopts_parse(const ck_opts_tool *t, int argc, char **argv, int *first,
    int *status)
{
	/* --password would be taken for nothing (abbreviations are refused),
	 * but say why: a password on argv is visible to every local user */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--password") == 0 ||
		    strncmp(argv[i], "--password=", 11) == 0) {
			*status = ck_tool_usage_err("--password: passwords never go on the "
			    "command line (any local user can read it); use --password-file "
			    "FILE, ONVIF_PASSWORD or the credentials file");
			return 0;
		}
	return ck_opts_parse(t, argc, argv, first, status);
}

int
ck_onvifopts_parse_multi(const ck_opts_tool *t, ck_opts_block own, int *jobs,
    ck_onvif_opts *o, int argc, char **argv, int *first, int *status)
{
	ck_opts_block b[3];
	ck_opts_tool all = *t;
	size_t n = 0;

	if (own.opts != NULL)
		b[n++] = own;
	b[n++] = ck_targets_block(jobs);
	b[n++] = ck_onvifopts_block(o);
	all.blocks = b;
	all.nblocks = n;
	return ck_onvifopts_parse(&all, argc, argv, first, status);
}

int
ck_onvifopts_cred(const ck_onvif_opts *o, const char *host, int stdin_targets,
    ck_cred *c)
{
	ck_err e = { 0, "" };
	const char *env;

	memset(c, 0, sizeof *c);
	if (stdin_targets && o->password_file && strcmp(o->password_file, "-") == 0)
		return ck_tool_usage_err("--password-file - needs TARGET arguments "
		    "(stdin is the target list)");
	/* ck_cred refuses a password file group or others can read */
	if (ck_onvif_cred(o, host, c, &e) < 0)
		return ck_tool_fail(&e);
	/* a one-line password file names no user: the environment may */
	if (c->have_pass && c->user[0] == '\0' && (env = getenv("ONVIF_USERNAME")) &&
	    *env && strlen(env) < sizeof c->user)
		snprintf(c->user, sizeof c->user, "%s", env);
	if (c->have_pass && c->user[0] == '\0') {
		ck_cred_wipe(c);
		ck_err_set(&e, CK_CONFIG, "a password but no user name: give -u USER or "
		    "set ONVIF_USERNAME");
		return ck_tool_fail(&e);
	}
	return 0;
}

int
ck_onvifopts_targets(const ck_onvif_opts *o, char **targets, int n, ck_cred *c)
{
	ck_onvif_target first;
	int rc;

	memset(c, 0, sizeof *c);
	if ((rc = ck_targets_check(targets, n, &first)) != 0)
		return rc;
	return ck_onvifopts_cred(o, n > 0 ? first.host : NULL, n == 0, c);
}

int
ck_onvifopts_run(char **targets, int n, int jobs,
    int (*fn)(void *ctx, const char *t), void *ctx, ck_cred *c)
{
	int rc = ck_targets_run(targets, n, jobs, fn, ctx);

	ck_cred_wipe(c);
	return ck_tool_finish(rc);
}

ck_onvif *
ck_onvifopts_open(const char *arg, ck_onvif_target *tg, const ck_onvif_opts *o,
    const ck_cred *cred, ck_err *e)
{
	memset(tg, 0, sizeof *tg);
	if (ck_onvif_target_parse(arg, tg, e) < 0)
		return NULL;
	return ck_onvif_new(tg, o, cred, e);
}
