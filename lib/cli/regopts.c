/* regopts: registrar hardening options. */
#include "cli/regopts.h"

#include <stddef.h>

#include "base/opt.h"

enum { R_NONCETTL = CK_REGOPTS_KEYS, R_QOP, R_UNKNOWN, R_DATETZ, R_IDLE, R_HEADER, R_PERSRC, R_MAXCONN };

static const ck_opts_opt reg_opts[] = {
	{ "nonce-ttl", R_NONCETTL, CK_OPTS_ARG, "DUR", "nonce lifetime (default 300s)" },
	{ "qop", R_QOP, CK_OPTS_NOARG, NULL, "offer qop=\"auth\" (answers without it are\nthen refused)" },
	{ "unknown-status", R_UNKNOWN, CK_OPTS_ARG, "CODE", "answer to a keepalive or MESSAGE from an ID\n"
	    "not registered (default 404: cameras register\nagain; 403, or 200 to accept)" },
	{ "date-tz", R_DATETZ, CK_OPTS_ARG, "ZONE", "zone of the REGISTER 200's Date header, which\n"
	    "cameras set their clock from (default: the\nhost's local time), e.g. Asia/Shanghai" },
	{ "tcp-idle", R_IDLE, CK_OPTS_ARG, "DUR", "close a TCP connection silent this long\n(default 300s)" },
	{ "tcp-header-timeout", R_HEADER, CK_OPTS_ARG, "DUR", "close a TCP connection whose message (the\n"
	    "first one too) is not complete within DUR\n(default 10s)" },
	{ "tcp-per-source", R_PERSRC, CK_OPTS_ARG, "N", "TCP connections per source address\n"
	    "(default 256, 0: no limit)" },
	{ "tcp-max-conns", R_MAXCONN, CK_OPTS_ARG, "N", "TCP connections in all (default 16384); when\n"
	    "full the oldest not yet registered is closed" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
reg_opt(void *ctx, int key, const char *arg, ck_err *e)
{
	ck_regopts *o = ctx;
	long long v;
	switch (key) {
	case R_NONCETTL:
		if (ck_opt_parse_duration(arg, &o->nonce_ttl_ms, e) < 0)
			return -1;
		return o->nonce_ttl_ms > 0 ? 0 : ck_err_set(e, CK_USAGE, "--nonce-ttl must be positive");
	case R_QOP:
		o->qop = 1;
		return 0;
	case R_UNKNOWN:
		if (ck_opt_parse_int(arg, 200, 699, &v, e) < 0 || (v >= 300 && v < 400))
			return ck_err_set(e, CK_USAGE, "--unknown-status: a SIP status 200-299 "
			    "or 400-699 is required");
		o->unknown_status = (int)v;
		return 0;
	case R_DATETZ:
		o->date_tz = arg;
		return ck_sip_date_tz_check(arg, e);
	case R_IDLE:
	case R_HEADER:
		if (ck_opt_parse_duration(arg, key == R_IDLE ? &o->tcp_idle_ms :
		    &o->tcp_header_ms, e) < 0)
			return -1;
		if ((key == R_IDLE ? o->tcp_idle_ms : o->tcp_header_ms) <= 0)
			return ck_err_set(e, CK_USAGE, "--%s must be positive",
			    key == R_IDLE ? "tcp-idle" : "tcp-header-timeout");
		return 0;
	case R_PERSRC:
		if (ck_opt_parse_int(arg, 0, 1000000, &v, e) < 0)
			return ck_err_wrap(e, "--tcp-per-source");
		o->tcp_per_source = v == 0 ? -1 : (int)v;
		return 0;
	case R_MAXCONN:
		if (ck_opt_parse_int(arg, 1, 1000000, &v, e) < 0)
			return ck_err_wrap(e, "--tcp-max-conns");
		o->tcp_max_conns = (int)v;
		return 0;
	}
	return ck_err_set(e, CK_USAGE, "bad option");
}

ck_opts_block
ck_regopts_block(ck_regopts *o)
{
	return (ck_opts_block){ "Registrar (--listen)", reg_opts, reg_opt, o };
}

void
ck_regopts_apply(const ck_regopts *o, ck_sip_opts *so, ck_registrar_opts *ro)
{
	ro->nonce_ttl_s = (int)((o->nonce_ttl_ms + 999) / 1000);
	ro->qop = o->qop;
	ro->unknown_status = o->unknown_status;
	ro->date_tz = o->date_tz;
	so->tcp_idle_ms = o->tcp_idle_ms;
	so->tcp_header_ms = o->tcp_header_ms;
	so->tcp_per_source = o->tcp_per_source;
	so->max_conns = o->tcp_max_conns;
}
