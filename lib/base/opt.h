/* opt: bounded parsing of option values (numbers, durations, host:port, URLs). */
#ifndef CK_OPT_H
#define CK_OPT_H

#include "base/err.h"

/* strtonum-style: whole string a base-10 integer within [min,max] (0x.. hex
 * accepted when base16_ok). Returns 0, or -1 with CK_USAGE. */
int ck_opt_parse_int(const char *s, long long min, long long max, long long *out,
    ck_err *e);
/* Duration: "500ms", "5s", "2m", "1h", "1.5s"; a bare number is seconds.
 * Returns 0 with *ms set, or -1 with CK_USAGE. */
int ck_opt_parse_duration(const char *s, long long *ms, ck_err *e);
/* "host", "host:port", "[v6addr]", "[v6addr]:port", bare "v6addr".
 * host gets the name without brackets; *port = defport when absent.
 * Returns 0, or -1 with CK_USAGE. */
int ck_opt_parse_hostport(const char *s, char *host, size_t hostlen, int *port,
    int defport, ck_err *e);

/* A listen address: everything ck_opt_parse_hostport takes, and also
 * ":PORT" and a bare "PORT" (all digits), which mean any address (host "").
 * Returns 0, or -1 with CK_USAGE. */
int ck_opt_parse_listen(const char *s, char *host, size_t hostlen, int *port,
    int defport, ck_err *e);

typedef struct ck_opt_url {
	char scheme[16];   /* lower case: "http", "https", "sip", "udp", ... */
	char user[128];    /* percent-decoded userinfo, may be empty */
	char host[256];    /* without IPv6 brackets */
	int port;          /* explicit port, or the scheme default, or 0 */
	char path[2048];   /* path + query, "/" when absent */
} ck_opt_url;

/* Parses "scheme://[user@]host[:port][/path]". Default ports: http 80,
 * https 443, sip 5060. Returns 0, or -1 with CK_USAGE. */
int ck_opt_parse_url(const char *s, ck_opt_url *u, ck_err *e);
/* Writes "scheme://host[:port]path" (brackets for IPv6, port omitted when it
 * is the scheme default) into out; returns the length or -1 if too small. */
int ck_opt_format_url(const ck_opt_url *u, char *out, size_t outlen);

#endif
