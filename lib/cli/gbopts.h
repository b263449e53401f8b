/* gbopts: the GB/T 28181 option block shared by the gb-* tools (see
 * cli/opts.h): where to reach the other side (a platform with --server, a
 * registrar with --listen or --await-register), IDs, domain, transport,
 * timeouts and password files. A tool asks for the parts it has; the
 * letters follow the table in cli/opts.h (-d device ID, -s server, -l
 * listen, -w await-register, -t timeout), everything else is long-only. */
#ifndef CK_GBOPTS_H
#define CK_GBOPTS_H

#include <stdint.h>

#include "base/cred.h"
#include "base/err.h"
#include "cli/opts.h"
#include "gb/query.h"

/* Parts of the block. */
enum {
	CK_GBOPTS_SERVER = 1 << 0,    /* -s --server ID@HOST[:PORT] (device side) */
	CK_GBOPTS_LISTEN = 1 << 1,    /* -l --listen [ADDR]:PORT (registrar) */
	CK_GBOPTS_AWAIT = 1 << 2,     /* -w --await-register, --wait, --from */
	CK_GBOPTS_REGISTRAR = 1 << 3, /* --passwords --allow --sha256 --port-file */
	CK_GBOPTS_DIRECT = 1 << 4,    /* --tcp --local-port */
};

typedef struct ck_gbopts {
	unsigned parts;
	const char *device_id_help;   /* what -d means for this tool */
	const char *timeout_help;     /* what -t bounds, with its default */
	/* values */
	char server_id[64], server_host[256];
	int server_port;              /* 0 until --server is given */
	const char *listen;           /* --listen or --await-register */
	const char *device_id;        /* -d */
	const char *domain;
	const char *from;             /* our "ID@DOMAIN" (platform side) */
	const char *password_file, *passwords, *allow, *port_file;
	int tcp, local_port, sha256;
	long long timeout_ms;         /* preset by the tool to its default */
	long long wait_ms;            /* --wait, preset by the tool */
	ck_opts_opt table[20];        /* the block's options, filled by _block */
} ck_gbopts;

/* Presets g for a platform-side tool (direct target or --await-register;
 * timeout 5 s, wait 60 s) with what -d and -t mean for it. */
void ck_gbopts_platform(ck_gbopts *g, const char *device_id_help,
    const char *timeout_help);
/* Builds the block for g->parts into g->table and returns it (its ctx is
 * g). Set parts, the help strings and the defaults first. */
ck_opts_block ck_gbopts_block(ck_gbopts *g, const char *title);
/* ck_opts_parse for a GB tool: its own block, then g's block titled
 * "GB/T 28181" (set g up first, e.g. with ck_gbopts_platform); t gives
 * usage, about and footer (its blocks are ignored). Same returns. */
int ck_gbopts_parse(ck_gbopts *g, const ck_opts_tool *t, ck_opts_block own,
    int argc, char **argv, int *first, int *status);
/* The platform-side query options (direct target or --await-register)
 * from g; target is the direct sip: URI or NULL. */
void ck_gbopts_query(const ck_gbopts *g, const char *target, ck_query_opts *q);
/* With --await-register, loads the registrar's password into cred
 * (--password-file, GB_PASSWORD, the credentials file) and points q at it.
 * Returns 0 (nothing to do without --await-register; wipe cred after use
 * otherwise), or -1 with e: CK_NOINPUT/CK_CONFIG from the lookup, CK_CONFIG
 * when there is neither a password nor --passwords. */
int ck_gbopts_registrar_password(const ck_gbopts *g, ck_cred *cred,
    ck_query_opts *q, ck_err *e);
/* Tells where a registrar listens: writes port to --port-file (through a
 * temporary file and rename, so a reader never sees half of it). Returns
 * 0 (also without --port-file) or -1 with CK_IOERR. */
int ck_gbopts_port_file(const ck_gbopts *g, int port, ck_err *e);
/* --sn ARG into *sn: 0..4294967295 (SN is a 32-bit count), or -1 with
 * CK_USAGE naming the option. */
int ck_gbopts_parse_sn(const char *arg, long long *sn, ck_err *e);
/* sn when it is >= 0 (given with --sn), else a random SN in 1..999999. */
unsigned long ck_gbopts_sn(long long sn);
/* 1 if s is a GB ID: min to 32 digits. */
int ck_gbopts_is_id(const char *s, size_t min);

#endif
