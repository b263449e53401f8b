/* opts: the one option skeleton every tool's main() uses.
 *
 * A tool lists its options as blocks: its own, and shared ones (the ONVIF
 * client block, the GB block, the media block, each in lib/cli). ck_opts_parse
 * builds getopt_long's tables from them, handles -h/--help, -V/--version and
 * -v/--verbose itself, refuses abbreviated long options (so `--password` is
 * never taken for `--password-file`), and hands every other option to the
 * block that declared it. --help is generated from the same tables, so the
 * help text and the parser cannot disagree.
 *
 * Short options mean the same thing in every tool. The letters in use:
 *   -h help  -V version  -v verbose  -u user  -t timeout  -k insecure
 *   -o output  -j jobs  -p profile (ONVIF)  -i interface (capture, discovery)
 *   -d device-id (GB)  -c channel (GB)  -s server (GB device side)
 *   -w await-register (GB platform side)  -l listen  -x xml
 *   -r read (capture file)  -f filter (BPF)  -S ssrc
 * Any other option is long-only; a letter above is never reused for
 * something else.
 */
#ifndef CK_OPTS_H
#define CK_OPTS_H

#include <stddef.h>
#include <stdio.h>

#include "base/err.h"

/* Keys for long-only options start here; a tool numbers its own from
 * CK_OPTS_TOOL, the shared blocks use the ranges below it. */
enum {
	CK_OPTS_LONG = 0x100,
	CK_OPTS_ONVIF = 0x200,  /* lib/cli ONVIF block */
	CK_OPTS_GB = 0x300,     /* lib/cli GB block */
	CK_OPTS_MEDIA = 0x400,  /* lib/cli media block */
	CK_OPTS_TOOL = 0x1000,  /* the tool's own long-only options */
};

enum { CK_OPTS_NOARG = 0, CK_OPTS_ARG = 1 };

typedef struct ck_opts_opt {
	const char *name;   /* long name, without "--" */
	int key;            /* short letter, or a long-only key >= CK_OPTS_LONG */
	int has_arg;        /* CK_OPTS_NOARG or CK_OPTS_ARG */
	const char *arg;    /* argument's name in --help ("DUR"), or NULL */
	const char *help;   /* help text; '\n' starts a continuation line */
} ck_opts_opt;

/* Handles one option of the block: returns 0, or -1 with e filled (a bad
 * value: kind CK_USAGE, or CK_CONFIG/CK_NOINPUT for a file it could not
 * use). arg is NULL for options without an argument. */
typedef int (*ck_opts_fn)(void *ctx, int key, const char *arg, ck_err *e);

typedef struct ck_opts_block {
	const char *title;        /* --help section title, NULL for "Options" */
	const ck_opts_opt *opts;  /* ends with an entry whose name is NULL */
	ck_opts_fn handle;
	void *ctx;
} ck_opts_block;

typedef struct ck_opts_tool {
	const char *usage;        /* "Usage: tool [options] TARGET..." line(s) */
	const char *about;        /* what the tool does, printed after usage */
	const char *footer;       /* examples and exit codes, printed last */
	const ck_opts_block *blocks;
	size_t nblocks;
} ck_opts_tool;

/* Parses argv against t's blocks. Returns 1 with *first set to the index of
 * the first operand: go on. Returns 0 with *status set: the tool exits now
 * with *status (0 after --help or --version, 74 when they could not be
 * written to stdout, 64 after a usage error, which is already printed, or
 * the kind a block's handler failed with). Sets ck_log_verbosity. */
int ck_opts_parse(const ck_opts_tool *t, int argc, char **argv, int *first,
    int *status);
/* Writes t's --help text to f (usage, about, every block's options,
 * footer). Returns 0, or -1 when the write failed. */
int ck_opts_help(const ck_opts_tool *t, FILE *f);

#endif
