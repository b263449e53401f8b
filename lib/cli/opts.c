#include "cli/opts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/tool.h"

/* The options every tool has; handled here, never by a block. */
static const ck_opts_opt common[] = {
	{ "verbose", 'v', CK_OPTS_NOARG, NULL, "more diagnostics on stderr (-vv: wire trace)" },
	{ "help", 'h', CK_OPTS_NOARG, NULL, "show this help" },
	{ "version", 'V', CK_OPTS_NOARG, NULL, "show the version" },
	{ NULL, 0, 0, NULL, NULL }
};

static size_t
count(const ck_opts_opt *o)
{
	size_t n = 0;

	while (o[n].name)
		n++;
	return n;
}

/* The block and entry that declared key, or NULL. */
static const ck_opts_opt *
find(const ck_opts_tool *t, int key, const ck_opts_block **blk)
{
	size_t b, i;

	for (b = 0; b < t->nblocks; b++)
		for (i = 0; t->blocks[b].opts[i].name; i++)
			if (t->blocks[b].opts[i].key == key) {
				*blk = &t->blocks[b];
				return &t->blocks[b].opts[i];
			}
	return NULL;
}

static void
help_opts(FILE *f, const ck_opts_opt *o)
{
	for (; o->name; o++) {
		char lhs[64];
		const char *h = o->help ? o->help : "";
		const char *nl;
		int n;

		if (o->key < CK_OPTS_LONG)
			n = snprintf(lhs, sizeof lhs, "  -%c, --%s%s%s", o->key, o->name,
			    o->arg ? " " : "", o->arg ? o->arg : "");
		else
			n = snprintf(lhs, sizeof lhs, "      --%s%s%s", o->name,
			    o->arg ? " " : "", o->arg ? o->arg : "");
		if (n <= 24)
			fprintf(f, "%-26s", lhs);
		else
			fprintf(f, "%s\n%-26s", lhs, "");
		/* continuation lines line up under the first */
		while ((nl = strchr(h, '\n')) != NULL) {
			fprintf(f, "%.*s\n%-26s", (int)(nl - h), h, "");
			h = nl + 1;
		}
		fprintf(f, "%s\n", h);
	}
}

int
ck_opts_help(const ck_opts_tool *t, FILE *f)
{
	size_t b;

	fprintf(f, "%s\n", t->usage);
	if (t->about)
		fprintf(f, "\n%s", t->about);
	for (b = 0; b < t->nblocks; b++) {
		fprintf(f, "\n%s:\n", t->blocks[b].title ? t->blocks[b].title : "Options");
		help_opts(f, t->blocks[b].opts);
	}
	fprintf(f, "\n");
	help_opts(f, common);
	if (t->footer)
		fprintf(f, "\n%s", t->footer);
	return ferror(f) ? -1 : 0;
}

/* Whether the argv element elem names the long option name in full
 * ("--name" or "--name=value"); elements that are not long options pass. */
static int
typed_exact(const char *elem, const char *name)
{
	size_t n;

	if (strncmp(elem, "--", 2) != 0)
		return 1;
	elem += 2;
	n = strcspn(elem, "=");
	return strlen(name) == n && strncmp(elem, name, n) == 0;
}

int
ck_opts_parse(const ck_opts_tool *t, int argc, char **argv, int *first,
    int *status)
{
	struct option *lo;
	char *so;
	size_t n = count(common), b, i, k = 0, s = 0;
	int c, li, rc = 1;

	for (b = 0; b < t->nblocks; b++)
		n += count(t->blocks[b].opts);
	lo = calloc(n + 1, sizeof *lo);
	so = calloc(3 * n + 2, 1);
	if (!lo || !so) {
		free(lo);
		free(so);
		ck_log_warn("out of memory");
		*status = CK_SOFTWARE;
		return 0;
	}
	so[s++] = ':';  /* missing arguments reported here, not by getopt */
	for (b = 0; b <= t->nblocks; b++) {
		const ck_opts_opt *o = b < t->nblocks ? t->blocks[b].opts : common;
		for (i = 0; o[i].name; i++, k++) {
			lo[k].name = o[i].name;
			lo[k].has_arg = o[i].has_arg ? required_argument : no_argument;
			lo[k].val = o[i].key;
			if (o[i].key < CK_OPTS_LONG) {
				so[s++] = (char)o[i].key;
				if (o[i].has_arg)
					so[s++] = ':';
			}
		}
	}

	opterr = 0;
	optind = 1;
	while (rc == 1 && (li = -1, c = getopt_long(argc, argv, so, lo, &li)) != -1) {
		const ck_opts_block *blk = NULL;
		const ck_opts_opt *o;
		ck_err e = { 0 };

		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];
			if (optopt && optopt < CK_OPTS_LONG && !(bad[0] == '-' && bad[1] == '-'))
				*status = ck_tool_usage_err(c == ':' ? "option -%c needs an argument" :
				    "unknown option -%c", optopt);
			else
				*status = ck_tool_usage_err(c == ':' ? "option %s needs an argument" :
				    "unknown option %s", bad);
			rc = 0;
			break;
		}
		/* getopt_long takes unambiguous abbreviations; a tool's options are
		 * never abbreviated (--password must not mean --password-file) */
		if (li >= 0) {
			const char *typed = argv[optind - 1];
			if (lo[li].has_arg && optarg == argv[optind - 1] && optind >= 2)
				typed = argv[optind - 2];
			if (!typed_exact(typed, lo[li].name)) {
				*status = ck_tool_usage_err("unknown option %.*s (did you mean --%s?)",
				    (int)strcspn(typed, "="), typed, lo[li].name);
				rc = 0;
				break;
			}
		}
		switch (c) {
		case 'v':
			ck_log_verbosity++;
			continue;
		case 'h':
			ck_opts_help(t, stdout);
			*status = ck_tool_finish(0);
			rc = 0;
			continue;
		case 'V':
			ck_tool_version();
			*status = ck_tool_finish(0);
			rc = 0;
			continue;
		}
		o = find(t, c, &blk);
		if (!o) {
			*status = ck_tool_usage_err("unknown option");
			rc = 0;
			break;
		}
		if (blk->handle(blk->ctx, c, o->has_arg ? optarg : NULL, &e) != 0) {
			if (e.kind == CK_USAGE || e.kind == 0)
				*status = ck_tool_usage_err("%s", e.msg[0] ? e.msg : "bad option value");
			else
				*status = ck_tool_fail(&e);
			rc = 0;
		}
	}
	free(lo);
	free(so);
	*first = optind;
	return rc;
}
