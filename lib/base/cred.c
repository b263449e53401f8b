#include "base/cred.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

void
ck_cred_wipe_mem(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}

void
ck_cred_wipe(ck_cred *c)
{
	ck_cred_wipe_mem(c->pass, sizeof c->pass);
	c->have_pass = 0;
}

static void
chomp(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static int
copy(char *dst, size_t dl, const char *src, const char *what, ck_err *e)
{
	if (strlen(src) >= dl)
		return ck_err_set(e, CK_CONFIG, "%s is too long", what);
	strcpy(dst, src);
	return 0;
}

FILE *
ck_cred_fopen(const char *path, ck_err *e)
{
	struct stat st;
	FILE *f;

	if (strcmp(path, "-") == 0)
		return stdin;
	if ((f = fopen(path, "r")) == NULL) {
		ck_err_set(e, errno == ENOENT ? CK_NOINPUT : CK_IOERR, "%s: %s", path,
		    strerror(errno));
		return NULL;
	}
	/* a mode other users can read leaks the secret whatever we do next */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077)) {
		fclose(f);
		ck_err_set(e, CK_CONFIG, "%s: refusing a password file that group or "
		    "others can read (run: chmod 600 %s)", path, path);
		return NULL;
	}
	return f;
}

static int
from_file(ck_cred *c, const char *path, ck_err *e)
{
	FILE *f = ck_cred_fopen(path, e);
	char l1[512] = "", l2[512] = "";
	int rc = 0;

	if (f == NULL)
		return -1;
	if (fgets(l1, sizeof l1, f) == NULL) {
		rc = ck_err_set(e, CK_CONFIG, "%s: empty password file", path);
		goto out;
	}
	chomp(l1);
	if (fgets(l2, sizeof l2, f) != NULL) {
		chomp(l2);
		if (c->user[0] == '\0')
			rc = copy(c->user, sizeof c->user, l1, "user name", e);
		if (rc == 0)
			rc = copy(c->pass, sizeof c->pass, l2, "password", e);
	} else
		rc = copy(c->pass, sizeof c->pass, l1, "password", e);
	if (rc == 0) {
		c->have_pass = 1;
		snprintf(c->source, sizeof c->source, "password file");
	}
out:
	ck_cred_wipe_mem(l1, sizeof l1);
	ck_cred_wipe_mem(l2, sizeof l2);
	if (f != stdin)
		fclose(f);
	return rc;
}

/* netrc tokens: whitespace separated; entries start at "machine" or "default". */
static int
from_netrc(ck_cred *c, const char *host, ck_err *e)
{
	char path[1024], tok[512], login[256] = "", pass[256] = "";
	const char *env = getenv("CAMKIT_CREDENTIALS"), *xdg, *home;
	struct stat st;
	FILE *f;
	int in_match = 0, found = 0, rc = 0;

	if (env && *env)
		snprintf(path, sizeof path, "%s", env);
	else if ((xdg = getenv("XDG_CONFIG_HOME")) && *xdg)
		snprintf(path, sizeof path, "%s/camkit/credentials", xdg);
	else if ((home = getenv("HOME")) && *home)
		snprintf(path, sizeof path, "%s/.config/camkit/credentials", home);
	else
		return 0;
	f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT && !(env && *env))
			return 0;
		return ck_err_set(e, errno == ENOENT ? CK_NOINPUT : CK_IOERR,
		    "%s: %s", path, strerror(errno));
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077) != 0) {
		fclose(f);
		return ck_err_set(e, CK_CONFIG,
		    "%s: refusing a credentials file that group or others can read "
		    "(run: chmod 600 %s)", path, path);
	}
	while (!found && fscanf(f, "%511s", tok) == 1) {
		if (strcmp(tok, "machine") == 0) {
			if (in_match && pass[0])
				found = 1;
			else {
				if (fscanf(f, "%511s", tok) != 1)
					break;
				in_match = host && strcmp(tok, host) == 0;
				login[0] = pass[0] = '\0';
			}
		} else if (strcmp(tok, "default") == 0) {
			if (in_match && pass[0])
				found = 1;
			else {
				in_match = 1;
				login[0] = pass[0] = '\0';
			}
		} else if (in_match && strcmp(tok, "login") == 0) {
			if (fscanf(f, "%255s", login) != 1)
				break;
			if (c->user[0] && strcmp(login, c->user) != 0)
				in_match = 0;
		} else if (in_match && strcmp(tok, "password") == 0) {
			if (fscanf(f, "%255s", pass) != 1)
				break;
		}
	}
	if (in_match && pass[0])
		found = 1;
	fclose(f);
	ck_cred_wipe_mem(tok, sizeof tok);
	if (found) {
		if (c->user[0] == '\0' && login[0])
			rc = copy(c->user, sizeof c->user, login, "user name", e);
		if (rc == 0 && (rc = copy(c->pass, sizeof c->pass, pass, "password", e)) == 0) {
			c->have_pass = 1;
			snprintf(c->source, sizeof c->source, "credentials file");
		}
	}
	ck_cred_wipe_mem(pass, sizeof pass);
	return rc;
}

int
ck_cred_load(ck_cred *c, const char *family, const char *user_opt,
    const char *password_file, const char *host, ck_err *e)
{
	char name[64];
	const char *v;

	memset(c, 0, sizeof *c);
	/* from here on the process may hold a password: no core dumps, no
	 * ptrace by other processes of the same user (every family: ONVIF,
	 * GB, OpenVidu) */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (user_opt && copy(c->user, sizeof c->user, user_opt, "user name", e) < 0)
		return -1;
	if (password_file)
		return from_file(c, password_file, e);
	snprintf(name, sizeof name, "%s_PASSWORD", family);
	if ((v = getenv(name)) != NULL) {
		if (copy(c->pass, sizeof c->pass, v, name, e) < 0)
			return -1;
		c->have_pass = 1;
		snprintf(c->source, sizeof c->source, "environment");
		snprintf(name, sizeof name, "%s_USERNAME", family);
		if (c->user[0] == '\0' && (v = getenv(name)) != NULL &&
		    copy(c->user, sizeof c->user, v, name, e) < 0)
			return -1;
		return 0;
	}
	if (c->user[0] == '\0') {
		snprintf(name, sizeof name, "%s_USERNAME", family);
		if ((v = getenv(name)) != NULL &&
		    copy(c->user, sizeof c->user, v, name, e) < 0)
			return -1;
	}
	return from_netrc(c, host, e);
}
