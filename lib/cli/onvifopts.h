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
/* Disables core dumps and ptrace (PR_SET_DUMPABLE 0), then loads the
 * credentials for a run (host: the first TARGET's, NULL when the targets
 * come from stdin, stdin_targets). Refuses "--password-file -" when stdin
 * is the target list (64), a password file group or others can read (78),
 * and a password without a user name (78; ONVIF_USERNAME completes a
 * one-line password file). Returns 0, or the exit status after printing
 * why. */
int ck_onvifopts_cred(const ck_onvif_opts *o, const char *host,
    int stdin_targets, ck_cred *c);

#endif
