/* regopts: the registrar's hardening options (gb-register --listen): how
 * unregistered devices are answered, the zone of the Date header, and the
 * bounds on accepted TCP connections. Long-only (cli/opts.h). */
#ifndef CK_REGOPTS_H
#define CK_REGOPTS_H

#include <stdint.h>

#include "cli/opts.h"
#include "gb/registrar.h"
#include "gb/sip.h"

#define CK_REGOPTS_KEYS 0x500   /* between the media block and the tool's */

typedef struct ck_regopts {
	long long nonce_ttl_ms;       /* 0 = the registrar's default (300 s) */
	int qop;
	int unknown_status;           /* 0 = the registrar's default (404) */
	const char *date_tz;
	long long tcp_idle_ms, tcp_header_ms;
	int tcp_per_source;           /* -1 = no limit, 0 = default */
	int tcp_max_conns;
} ck_regopts;

/* The block for ck_opts_parse (title "Registrar (--listen)"), filling o. */
ck_opts_block ck_regopts_block(ck_regopts *o);
/* Copies the values given into the endpoint's and the registrar's options. */
void ck_regopts_apply(const ck_regopts *o, ck_sip_opts *so, ck_registrar_opts *ro);

#endif
