/* cred: credential lookup. A password never comes from argv alone. */
#ifndef CK_CRED_H
#define CK_CRED_H

#include <stdio.h>

#include "base/err.h"

typedef struct ck_cred {
	char user[256];
	char pass[256];
	int have_pass;     /* 1 when a password was found */
	char source[64];   /* where it came from, for -v ("env", "file", ...) */
} ck_cred;

/* Looks up credentials for family "ONVIF" or "GB", in this order:
 *  1. password_file (a path, or "-" for stdin): first line is the password;
 *     if it has two lines, "user\npassword";
 *  2. environment <FAMILY>_USERNAME / <FAMILY>_PASSWORD;
 *  3. the netrc-like file $CAMKIT_CREDENTIALS, or
 *     ${XDG_CONFIG_HOME:-~/.config}/camkit/credentials, whose entries are
 *     "machine HOST login USER password PASS" (or "default ..."); refused
 *     (CK_CONFIG) when group or world can read it.
 * user_opt (from -u/--user) wins over a user found in 2 or 3 and selects the
 * netrc entry when several exist for host. host may be NULL.
 * Returns 0 (have_pass may be 0: nothing configured), or -1 with
 * CK_NOINPUT/CK_CONFIG/CK_IOERR. */
int ck_cred_load(ck_cred *c, const char *family, const char *user_opt,
    const char *password_file, const char *host, ck_err *e);
/* Opens a file holding secrets (a password file, a per-device password
 * list) for reading; "-" is stdin. A regular file that group or others
 * can read is refused with CK_CONFIG (checked on the opened file, so it
 * cannot be swapped after the check); pipes and devices pass. Returns the
 * stream (fclose it unless stdin), or NULL with CK_NOINPUT/CK_IOERR/
 * CK_CONFIG. */
FILE *ck_cred_fopen(const char *path, ck_err *e);
/* Overwrites the secret in memory. */
void ck_cred_wipe(ck_cred *c);
/* Zeroes n bytes at p in a way the compiler will not elide. */
void ck_cred_wipe_mem(void *p, size_t n);

#endif
