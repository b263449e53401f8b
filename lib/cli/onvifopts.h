/* onvifopts: the ONVIF client option block every onvif-* tool shares (user,
 * password file, auth, timeout, TLS, advertised addresses) and the
 * credential step that goes with it. */
#ifndef CK_ONVIFOPTS_H
#define CK_ONVIFOPTS_H

#include "base/cred.h"
#include "cli/opts.h"
#include "onvif/onvif.h"

/* Keys of the block's long-only options (CK_OPTS_ONVIF range). */
enum {
	CK_ONVIFOPTS_PASSWORD_FILE = CK_OPTS_ONVIF,
	CK_ONVIFOPTS_AUTH,
	CK_ONVIFOPTS_TRUST_XADDRS,
};

/* The block's options (-u, --password-file, --auth, -t, -k,
 * --trust-xaddrs); ends with a NULL name. */
extern const ck_opts_opt ck_onvifopts_opts[];

/* The block for o, which is set to its defaults here (with the command
 * line's words for the error hints): put it in a tool's blocks. */
ck_opts_block ck_onvifopts_block(ck_onvif_opts *o);
/* ck_opts_parse for an ONVIF tool, refusing --password with the reason
 * (passwords never go on the command line). Same returns. */
int ck_onvifopts_parse(const ck_opts_tool *t, int argc, char **argv, int *first,
    int *status);
/* ck_onvifopts_parse for a multi-target tool: its blocks are own (skipped
 * when own.opts is NULL), -j into *jobs, then the ONVIF block for o; t
 * gives usage, about and footer (its blocks are ignored). Same returns. */
int ck_onvifopts_parse_multi(const ck_opts_tool *t, ck_opts_block own, int *jobs,
    ck_onvif_opts *o, int argc, char **argv, int *first, int *status);
/* Disables core dumps and ptrace (PR_SET_DUMPABLE 0), then loads the
 * credentials for a run (host: the first TARGET's, NULL when the targets
 * come from stdin, stdin_targets). Refuses "--password-file -" when stdin
 * is the target list (64), a password file group or others can read (78),
 * and a password without a user name (78; ONVIF_USERNAME completes a
 * one-line password file). Returns 0, or the exit status after printing
 * why. */
int ck_onvifopts_cred(const ck_onvif_opts *o, const char *host,
    int stdin_targets, ck_cred *c);
/* The start of a multi-target tool's run: ck_targets_check on the n TARGET
 * arguments, then ck_onvifopts_cred for the first one's host (stdin
 * targets when n is 0). Returns 0, or the exit status after printing why
 * (c is then wiped). */
int ck_onvifopts_targets(const ck_onvif_opts *o, char **targets, int n,
    ck_cred *c);
/* The rest of a multi-target tool's run: ck_targets_run(targets, n, jobs,
 * fn, ctx), then c wiped and stdout flushed (ck_tool_finish). Returns the
 * exit status. */
int ck_onvifopts_run(char **targets, int n, int jobs,
    int (*fn)(void *ctx, const char *t), void *ctx, ck_cred *c);
/* One target of the loop: parses arg into tg (zeroed first) and opens its
 * client. Returns the client (the caller frees it), or NULL with e set. */
ck_onvif *ck_onvifopts_open(const char *arg, ck_onvif_target *tg,
    const ck_onvif_opts *o, const ck_cred *cred, ck_err *e);

#endif
