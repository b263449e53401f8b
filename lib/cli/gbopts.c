#include "cli/gbopts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/opt.h"

enum {
	K_DOMAIN = CK_OPTS_GB, K_PWFILE, K_PASSWORDS, K_ALLOW, K_SHA256, K_PORTFILE,
	K_TCP, K_LOCALPORT, K_WAIT, K_FROM,
};

static int
parse_server(ck_gbopts *g, const char *v, ck_err *e)
{
	const char *at;
	if (strncasecmp(v, "sip:", 4) == 0)
		v += 4;
	at = strchr(v, '@');
	if (at == NULL || at == v || (size_t)(at - v) >= sizeof g->server_id)
		return ck_err_set(e, CK_USAGE, "--server: expected ID@HOST[:PORT]");
	snprintf(g->server_id, sizeof g->server_id, "%.*s", (int)(at - v), v);
	if (ck_opt_parse_hostport(at + 1, g->server_host, sizeof g->server_host,
	    &g->server_port, 5060, e) < 0)
		return ck_err_wrap(e, "--server");
	return 0;
}

static int
handle(void *ctx, int key, const char *arg, ck_err *e)
{
	ck_gbopts *g = ctx;
	long long v;
	char host[256];
	int port;
	switch (key) {
	case 's': return parse_server(g, arg, e);
	case 'l':
	case 'w':
		/* checked now so a bad address is a usage error before anything */
		if (ck_opt_parse_listen(arg, host, sizeof host, &port, 5060, e) < 0)
			return ck_err_wrap(e, "%s", key == 'l' ? "--listen" : "--await-register");
		g->listen = arg;
		return 0;
	case 'd': g->device_id = arg; return 0;
	case 't': return ck_opt_parse_duration(arg, &g->timeout_ms, e) < 0 ?
	    ck_err_wrap(e, "--timeout") : 0;
	case K_WAIT: return ck_opt_parse_duration(arg, &g->wait_ms, e) < 0 ?
	    ck_err_wrap(e, "--wait") : 0;
	case K_DOMAIN: g->domain = arg; return 0;
	case K_FROM:
		if (!strchr(arg, '@'))
			return ck_err_set(e, CK_USAGE, "--from must be ID@DOMAIN");
		g->from = arg;
		return 0;
	case K_PWFILE: g->password_file = arg; return 0;
	case K_PASSWORDS: g->passwords = arg; return 0;
	case K_ALLOW: g->allow = arg; return 0;
	case K_SHA256: g->sha256 = 1; return 0;
	case K_PORTFILE: g->port_file = arg; return 0;
	case K_TCP: g->tcp = 1; return 0;
	case K_LOCALPORT:
		if (ck_opt_parse_int(arg, 0, 65535, &v, e) < 0)
			return ck_err_wrap(e, "--local-port");
		g->local_port = (int)v;
		return 0;
	}
	return ck_err_set(e, CK_USAGE, "bad option");
}

ck_opts_block
ck_gbopts_block(ck_gbopts *g, const char *title)
{
	size_t n = 0;
	ck_opts_opt *t = g->table;
#define ADD(...) (t[n++] = (ck_opts_opt){ __VA_ARGS__ })
	if (g->parts & CK_GBOPTS_SERVER)
		ADD("server", 's', CK_OPTS_ARG, "ID@HOST[:PORT]",
		    "the platform (SIP port default 5060)");
	if (g->parts & CK_GBOPTS_LISTEN)
		ADD("listen", 'l', CK_OPTS_ARG, "[ADDR]:PORT",
		    "be the registrar on UDP and TCP (PORT 0: any;\n:PORT or PORT: every address)");
	if (g->parts & CK_GBOPTS_AWAIT) {
		ADD("await-register", 'w', CK_OPTS_ARG, "[ADDR]:PORT",
		    "act as the registrar, wait for the device to\nregister (or keep alive), "
		    "then talk to it over the\nsame transport and source address (PORT 0: any)");
		ADD("wait", K_WAIT, CK_OPTS_ARG, "DUR",
		    "wait this long for the registration (default 60s)");
		ADD("from", K_FROM, CK_OPTS_ARG, "ID@DOMAIN",
		    "our platform ID (default 34020000002000000001@\n3402000000)");
	}
	ADD("device-id", 'd', CK_OPTS_ARG, "ID", g->device_id_help ? g->device_id_help :
	    "the device's ID");
	ADD("domain", K_DOMAIN, CK_OPTS_ARG, "DOMAIN",
	    "SIP domain and digest realm (default: the first\n10 digits of the platform ID)");
	if (g->parts & CK_GBOPTS_DIRECT) {
		ADD("tcp", K_TCP, CK_OPTS_NOARG, NULL, "SIP over one TCP connection instead of UDP");
		ADD("local-port", K_LOCALPORT, CK_OPTS_ARG, "N", "local SIP port (default: any)");
	}
	ADD("timeout", 't', CK_OPTS_ARG, "DUR", g->timeout_help ? g->timeout_help :
	    "SIP transaction timeout");
	ADD("password-file", K_PWFILE, CK_OPTS_ARG, "FILE",
	    "digest password ('-' = stdin; else GB_PASSWORD or\nthe credentials file)");
	if (g->parts & CK_GBOPTS_REGISTRAR) {
		ADD("passwords", K_PASSWORDS, CK_OPTS_ARG, "FILE",
		    "per-device passwords, 'ID PASSWORD' lines");
		ADD("allow", K_ALLOW, CK_OPTS_ARG, "LIST",
		    "device IDs allowed to register, comma-separated;\n'PREFIX*' matches");
		ADD("sha256", K_SHA256, CK_OPTS_NOARG, NULL,
		    "challenge with SHA-256 instead of MD5");
		ADD("port-file", K_PORTFILE, CK_OPTS_ARG, "FILE",
		    "write the port the registrar listens on to FILE");
	}
#undef ADD
	t[n] = (ck_opts_opt){ NULL, 0, 0, NULL, NULL };
	return (ck_opts_block){ title, g->table, handle, g };
}

int
ck_gbopts_parse(ck_gbopts *g, const ck_opts_tool *t, ck_opts_block own,
    int argc, char **argv, int *first, int *status)
{
	ck_opts_block blocks[] = { own, ck_gbopts_block(g, "GB/T 28181") };
	ck_opts_tool full = { t->usage, t->about, t->footer, blocks, 2 };

	return ck_opts_parse(&full, argc, argv, first, status);
}

void
ck_gbopts_platform(ck_gbopts *g, const char *device_id_help, const char *timeout_help)
{
	g->parts = CK_GBOPTS_AWAIT | CK_GBOPTS_DIRECT | CK_GBOPTS_REGISTRAR;
	g->device_id_help = device_id_help;
	g->timeout_help = timeout_help;
	g->timeout_ms = 5000;
	g->wait_ms = 60000;
}

int
ck_gbopts_registrar_password(const ck_gbopts *g, ck_cred *cred, ck_query_opts *q,
    ck_err *e)
{
	memset(cred, 0, sizeof *cred);
	if (g->listen == NULL)
		return 0;
	if (ck_cred_load(cred, "GB", NULL, g->password_file, NULL, e) < 0)
		return -1;
	if (!cred->have_pass && !g->passwords)
		return ck_err_set(e, CK_CONFIG, "no password: give --passwords FILE, "
		    "--password-file, or GB_PASSWORD");
	q->password = cred->have_pass ? cred->pass : NULL;
	return 0;
}

static void
on_listening(void *arg, int port)
{
	ck_err e;
	if (ck_gbopts_port_file(arg, port, &e) < 0)
		ck_log_warn("%s", e.msg);
}

void
ck_gbopts_query(const ck_gbopts *g, const char *target, ck_query_opts *q)
{
	memset(q, 0, sizeof *q);
	q->target = target;
	q->listen = g->listen;
	q->from = g->from;
	q->domain = g->domain;
	q->passwords_file = g->passwords;
	q->allow = g->allow;
	q->sha256 = g->sha256;
	q->local_port = g->local_port;
	q->tcp = g->tcp;
	q->wait_ms = g->wait_ms;
	q->on_listening = on_listening;
	q->listening_arg = (void *)g;
}

int
ck_gbopts_port_file(const ck_gbopts *g, int port, ck_err *e)
{
	char tmp[4096];
	FILE *f;
	if (g->port_file == NULL)
		return 0;
	snprintf(tmp, sizeof tmp, "%s.%ld.tmp", g->port_file, (long)getpid());
	if ((f = fopen(tmp, "w")) == NULL)
		return ck_err_set(e, CK_IOERR, "%s: %s", tmp, strerror(errno));
	fprintf(f, "%d\n", port);
	if (fclose(f) != 0 || rename(tmp, g->port_file) != 0) {
		int err = errno;
		unlink(tmp);
		return ck_err_set(e, CK_IOERR, "%s: %s", g->port_file, strerror(err));
	}
	return 0;
}

int
ck_gbopts_is_id(const char *s, size_t min)
{
	size_t n = strlen(s);
	if (n < min || n > 32)
		return 0;
	return strspn(s, "0123456789") == n;
}

int
ck_gbopts_parse_sn(const char *arg, long long *sn, ck_err *e)
{
	return ck_opt_parse_int(arg, 0, 4294967295LL, sn, e) < 0 ?
	    ck_err_wrap(e, "--sn") : 0;
}

unsigned long
ck_gbopts_sn(long long sn)
{
	struct timespec ts;

	if (sn >= 0)
		return (unsigned long)sn;
	clock_gettime(CLOCK_REALTIME, &ts);
	return 1 + (unsigned long)((ts.tv_nsec / 1000 ^ getpid()) % 999999);
}
