/* Unit tests for lib/cli/opts: blocks dispatch, -v counting, abbreviations
 * refused, missing arguments and unknown options are usage errors (64),
 * a handler's failure kind becomes the status, --help lists every block. */
#include "base/log.h"
#include "cli/opts.h"
#include "t.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_PWFILE = CK_OPTS_TOOL, K_FLAG };

typedef struct { char user[64], pwfile[64]; int flag, calls; } ctx;

static int
handle(void *arg, int key, const char *v, ck_err *e)
{
	ctx *c = arg;

	c->calls++;
	switch (key) {
	case 'u': snprintf(c->user, sizeof c->user, "%s", v); return 0;
	case K_PWFILE:
		if (strcmp(v, "missing") == 0)
			return ck_err_set(e, CK_NOINPUT, "%s: no such file", v);
		snprintf(c->pwfile, sizeof c->pwfile, "%s", v);
		return 0;
	case K_FLAG: c->flag = 1; return 0;
	case 't':
		return ck_err_set(e, CK_USAGE, "bad duration '%s'", v);
	}
	return ck_err_set(e, CK_SOFTWARE, "unexpected key %d", key);
}

static const ck_opts_opt opts[] = {
	{ "user", 'u', CK_OPTS_ARG, "USER", "user name" },
	{ "password-file", K_PWFILE, CK_OPTS_ARG, "FILE", "password from FILE\n(- = stdin)" },
	{ "flag", K_FLAG, CK_OPTS_NOARG, NULL, "a flag" },
	{ "timeout", 't', CK_OPTS_ARG, "DUR", "timeout" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
parse(ctx *c, int *first, int *status, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;
	ck_opts_block b = { "Test", opts, handle, c };
	ck_opts_tool t = { "Usage: t [options] ARG", NULL, NULL, &b, 1 };
	char *s;

	memset(c, 0, sizeof *c);
	argv[argc++] = "t";
	va_start(ap, status);
	while ((s = va_arg(ap, char *)) != NULL && argc < 15)
		argv[argc++] = s;
	va_end(ap);
	argv[argc] = NULL;
	ck_log_verbosity = 0;
	return ck_opts_parse(&t, argc, argv, first, status);
}

int
main(void)
{
	ctx c;
	int first = -1, status = -1, r;
	char *out = NULL;
	size_t outlen = 0;
	FILE *f;

	/* options from the block, -v counted, operands after them */
	r = parse(&c, &first, &status, "-u", "admin", "--password-file=pw", "-vv",
	    "--flag", "cam1", NULL);
	T_EQ_INT(r, 1);
	T_EQ_STR(c.user, "admin");
	T_EQ_STR(c.pwfile, "pw");
	T_EQ_INT(c.flag, 1);
	T_EQ_INT(ck_log_verbosity, 2);
	T_EQ_INT(first, 6);

	/* an abbreviation getopt_long would accept is refused */
	r = parse(&c, &first, &status, "--password", "x", NULL);
	T_EQ_INT(r, 0);
	T_EQ_INT(status, CK_USAGE);
	T_EQ_INT(c.calls, 0);
	r = parse(&c, &first, &status, "--fl", NULL);
	T_EQ_INT(r, 0);
	T_EQ_INT(status, CK_USAGE);

	/* missing argument, unknown option: usage */
	r = parse(&c, &first, &status, "-u", NULL);
	T_EQ_INT(r, 0);
	T_EQ_INT(status, CK_USAGE);
	r = parse(&c, &first, &status, "--nope", NULL);
	T_EQ_INT(status, CK_USAGE);
	r = parse(&c, &first, &status, "-Z", NULL);
	T_EQ_INT(status, CK_USAGE);

	/* a handler's failure: its kind, or usage */
	r = parse(&c, &first, &status, "--password-file", "missing", NULL);
	T_EQ_INT(r, 0);
	T_EQ_INT(status, CK_NOINPUT);
	r = parse(&c, &first, &status, "-t", "soon", NULL);
	T_EQ_INT(status, CK_USAGE);

	/* --help text: every option, continuation lines, the common ones */
	{
		ck_opts_block b = { "Test", opts, handle, &c };
		ck_opts_tool t = { "Usage: t [options] ARG", "About.\n", "Exit codes.\n", &b, 1 };
		f = open_memstream(&out, &outlen);
		T_EQ_INT(ck_opts_help(&t, f), 0);
		fclose(f);
		T_OK(strstr(out, "Usage: t [options] ARG\n\nAbout.\n\nTest:\n") != NULL);
		T_OK(strstr(out, "  -u, --user USER         user name\n") != NULL);
		T_OK(strstr(out, "      --password-file FILE\n"
		    "                          password from FILE\n"
		    "                          (- = stdin)\n") != NULL);
		T_OK(strstr(out, "  -V, --version           show the version\n") != NULL);
		T_OK(strstr(out, "Exit codes.\n") != NULL);
		free(out);
	}
	T_DONE();
}
