/* gb-register: a GB/T 28181 device that registers with a platform (and
 * answers it like a device), or with --listen the platform's registrar. */
#include <errno.h>
#include <getopt.h>
#include <iconv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/cred.h"
#include "codec/digest.h"
#include "base/err.h"
#include "codec/json.h"
#include "base/log.h"
#include "gb/manscdp.h"
#include "net/net.h"
#include "base/opt.h"
#include "gb/ptzcmd.h"
#include "gb/device.h"
#include "gb/registrar.h"
#include "gb/sip.h"
#include "cli/tool.h"
#include "codec/xml.h"

static const char usage[] =
"Usage: gb-register --server ID@HOST[:PORT] --id DEVICE_ID [options]\n"
"       gb-register --listen [ADDR]:PORT [options]\n"
"A GB/T 28181 device: registers with the platform (digest), refreshes,\n"
"sends keepalives, answers Catalog/DeviceInfo/DeviceStatus queries and\n"
"DeviceControl, unregisters on SIGINT/SIGTERM. With --listen, the platform's\n"
"registrar instead. NDJSON records on stdout.\n"
"\n"
"Device side:\n"
"  -s, --server ID@HOST[:PORT]  the platform (SIP port default 5060)\n"
"  -i, --id ID             this device's 20-digit ID (with --listen: the\n"
"                          platform's own ID)\n"
"  -d, --domain DOMAIN     SIP domain/realm (default: first 10 digits of the\n"
"                          server ID, or of --id with --listen)\n"
"  -u, --user USER         digest username (default: the device ID)\n"
"      --password-file F   password (else GB_PASSWORD or the credentials file)\n"
"  -t, --tcp               one persistent TCP connection instead of UDP\n"
"  -p, --local-port N      local SIP port (default: any)\n"
"  -e, --expires SECS      registration lifetime asked for (default 3600)\n"
"  -k, --keepalive DUR     keepalive interval (default 60s)\n"
"  -m, --max-missed N      unanswered keepalives before re-registering\n"
"                          (device), missed intervals before offline\n"
"                          (--listen); default 3\n"
"  -r, --retry DUR         wait after a failed registration (default 60s)\n"
"  -a, --attempts N        give up after N failed registrations in a row\n"
"                          (default 0: never)\n"
"  -T, --timeout DUR       SIP transaction timeout (default 32s, timer F)\n"
"  -c, --catalog FILE      channels (<Item> elements) for Catalog queries\n"
"  -C, --catalog-chunk N   items per Catalog response MESSAGE (default 1)\n"
"      --name NAME         DeviceInfo DeviceName (default 'camkit')\n"
"      --manufacturer M    DeviceInfo Manufacturer (default 'camkit')\n"
"      --model M           DeviceInfo Model (default 'gb-register')\n"
"      --firmware F        DeviceInfo Firmware (default the version)\n"
"Platform side:\n"
"  -l, --listen [ADDR]:PORT  registrar on UDP and TCP (PORT 0: any)\n"
"      --passwords FILE    per-device passwords, 'ID PASSWORD' lines\n"
"      --allow LIST        IDs allowed, comma-separated; 'PREFIX*' matches\n"
"      --nonce-ttl DUR     nonce lifetime (default 300s)\n"
"      --sha256            challenge with SHA-256 instead of MD5\n"
"      --qop               offer qop=\"auth\"\n"
"Common:\n"
"  -v, --verbose           -v events, -vv SIP trace (secrets redacted)\n"
"  -h, --help              show this help\n"
"  -V, --version           show the version\n"
"\n"
"Exit: 0 ok (also after SIGINT/SIGTERM), 64 usage, 66 catalog or password\n"
"file missing, 65 bad catalog file, 68 unknown host, 69 unreachable, 74\n"
"stdout failed, 75 timeout, 76 SIP error status, 77 authentication rejected,\n"
"78 no password configured.\n";

struct opts {
	/* device */
	char server_id[64], server_host[256];
	int server_port;
	const char *id, *domain, *user, *password_file, *catalog;
	int tcp, local_port, expires, max_missed, attempts, chunk;
	long long keepalive_ms, retry_ms, timeout_ms, nonce_ttl_ms;
	const char *name, *manufacturer, *model, *firmware;
	/* platform */
	const char *listen, *passwords, *allow;
	int sha256, qop;
	char domain_buf[32];
};

static volatile sig_atomic_t stop_flag;
static int out_failed;   /* stdout is gone (closed pipe, full disk) */

/* Emits the record; a failed write stops the main loop (exit 74). */
static void
emit(ck_json *j)
{
	if (ck_json_emit(j, stdout) < 0 && !out_failed) {
		out_failed = 1;
		stop_flag = 1;
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* ---------------------------------------------------------------- */
/* device side                                                      */

static void
on_record(void *arg, ck_json *j)
{
	(void)arg;
	emit(j);
}

/* Reads the catalog file's <Item> elements (any charset). */
static long
load_catalog(const char *path, char ***items, ck_err *e)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	long rc;
	if (f == NULL)
		return ck_err_set(e, CK_NOINPUT, "%s: %s", path, strerror(errno));
	buf = malloc(CK_MANSCDP_MAX_BODY + 1);
	n = buf ? fread(buf, 1, CK_MANSCDP_MAX_BODY + 1, f) : 0;
	fclose(f);
	if (buf == NULL || n > CK_MANSCDP_MAX_BODY) {
		free(buf);
		return ck_err_set(e, CK_DATAERR, "%s: too large", path);
	}
	rc = ck_manscdp_items(buf, n, items, e);
	free(buf);
	return rc < 0 ? ck_err_wrap(e, "%s", path) : rc;
}

static int
run_device(const struct opts *o, ck_cred *cred)
{
	ck_err e;
	char **items = NULL;
	long nitems = 0;
	int rc = 0;
	ck_sip *s = NULL;
	ck_device *d = NULL;
	if (o->catalog && (nitems = load_catalog(o->catalog, &items, &e)) < 0)
		return ck_tool_fail(&e);
	ck_device_opts dopt = { .server_id = o->server_id, .server_host = o->server_host,
	    .server_port = o->server_port, .id = o->id, .domain = o->domain,
	    .user = cred->user[0] ? cred->user : NULL,
	    .password = cred->have_pass ? cred->pass : NULL, .tcp = o->tcp,
	    .expires = o->expires, .keepalive_ms = o->keepalive_ms,
	    .max_missed = o->max_missed, .retry_ms = o->retry_ms, .attempts = o->attempts,
	    .timeout_ms = o->timeout_ms, .chunk = o->chunk, .name = o->name,
	    .manufacturer = o->manufacturer, .model = o->model, .firmware = o->firmware,
	    .items = items, .nitems = (size_t)nitems, .on_record = on_record };
	/* An IPv6 platform needs an IPv6 socket. */
	ck_sip_opts so = { .udp = 1, .port = o->local_port,
	    .bind_addr = strchr(o->server_host, ':') ? "::" : NULL,
	    .user_agent = "camkit gb-register/" CAMKIT_VERSION };
	if ((s = ck_sip_open(&so, &e)) == NULL || (d = ck_device_new(s, &dopt, &e)) == NULL) {
		rc = ck_tool_fail(&e);
		goto out;
	}
	while (!stop_flag) {
		ck_sip_req *rq = NULL;
		int n = ck_sip_next_request(s, ck_device_wake(d), &rq, &e);
		if (n > 0)
			ck_device_handle(d, rq);
		if (n < 0) {
			rc = ck_tool_fail(&e);
			break;
		}
		if (ck_device_tick(d, &e) < 0) {
			rc = e.kind ? e.kind : CK_SOFTWARE;
			break;
		}
	}
	if (stop_flag)
		ck_device_stop(d, &e);
out:
	if (out_failed && rc == 0)
		rc = CK_IOERR;
	ck_device_free(d);
	ck_sip_close(s);
	while (nitems > 0)
		free(items[--nitems]);
	free(items);
	return rc;
}

/* ---------------------------------------------------------------- */
/* platform side                                                    */

struct plat {
	ck_json *j;
	ck_sip *s;
};

static const char *const ev_names[] = {
	[CK_REG_REGISTER] = "register", [CK_REG_REFRESH] = "refresh",
	[CK_REG_UNREGISTER] = "unregister", [CK_REG_EXPIRED] = "expired",
	[CK_REG_KEEPALIVE] = "keepalive", [CK_REG_OFFLINE] = "offline",
	[CK_REG_AUTH_FAILED] = "auth_failed",
};

static void
on_reg_event(void *arg, const ck_registrar_event *ev)
{
	struct plat *p = arg;
	const ck_registrar_device *d = ev->dev;
	ck_json_record(p->j, ev_names[ev->type]);
	ck_json_time_ms(p->j, "ts", ck_clock_wall_ms());
	ck_json_str(p->j, "id", d->id);
	ck_json_str(p->j, "transport", ck_sip_transport_name(d->peer.transport));
	ck_json_str(p->j, "source", d->source);
	if (ev->reason)
		ck_json_str(p->j, "reason", ev->reason);
	if (ev->type == CK_REG_REGISTER || ev->type == CK_REG_REFRESH) {
		ck_json_str(p->j, "contact", d->contact);
		ck_json_int(p->j, "expires", d->expires);
		ck_json_str(p->j, "user_agent", d->user_agent);
	}
	if (ev->status)
		ck_json_int(p->j, "status", ev->status);
	emit(p->j);
}

static int
run_platform(const struct opts *o, ck_cred *cred)
{
	ck_err e;
	char host[256];
	int port, rc = 0;
	struct plat p = { ck_json_new(), NULL };
	ck_registrar *r = NULL;
	if (p.j == NULL)
		return CK_SOFTWARE;
	if (ck_opt_parse_hostport(o->listen, host, sizeof host, &port, 5060, &e) < 0) {
		ck_json_free(p.j);
		return ck_tool_fail(&e);
	}
	ck_sip_opts so = { .bind_addr = host, .port = port, .udp = 1, .tcp_listen = 1,
	    .user_agent = "camkit gb-register/" CAMKIT_VERSION };
	ck_registrar_opts ro = { .domain = o->domain,
	    .password = cred->have_pass ? cred->pass : NULL,
	    .password_file = o->passwords, .allow = o->allow,
	    .nonce_ttl_s = (int)((o->nonce_ttl_ms + 999) / 1000),
	    .keepalive_ms = o->keepalive_ms, .max_missed = o->max_missed,
	    .sha256 = o->sha256, .qop = o->qop, .on_event = on_reg_event, .arg = &p };
	if ((p.s = ck_sip_open(&so, &e)) == NULL || (r = ck_registrar_new(p.s, &ro, &e)) == NULL) {
		rc = ck_tool_fail(&e);
		goto out;
	}
	ck_json_record(p.j, "listening");
	ck_json_time_ms(p.j, "ts", ck_clock_wall_ms());
	ck_json_str(p.j, "address", host[0] ? host : "0.0.0.0");
	ck_json_int(p.j, "port", ck_sip_port(p.s));
	ck_json_str(p.j, "domain", o->domain);
	ck_json_str(p.j, "id", o->id);
	emit(p.j);
	while (!stop_flag) {
		ck_sip_req *rq = NULL;
		int n = ck_sip_next_request(p.s, ck_clock_now_ms() + 250, &rq, &e);
		if (n < 0) {
			rc = ck_tool_fail(&e);
			break;
		}
		if (n > 0 && !ck_registrar_handle(r, rq)) {
			/* Not registration business: acknowledge MESSAGEs (alarms,
			 * notifies) and record them; refuse the rest. */
			size_t bl;
			const char *b = ck_sip_body(rq->msg, &bl);
			ck_sip_reply(p.s, rq, MSG_IS_MESSAGE(rq->msg) ? 200 : 405, &e);
			ck_json_record(p.j, "message");
			ck_json_time_ms(p.j, "ts", ck_clock_wall_ms());
			ck_json_str(p.j, "method", rq->msg->sip_method);
			ck_json_str(p.j, "from", ck_sip_from_user(rq->msg, 0));
			char src[64];
			ck_json_str(p.j, "source", ck_sip_peer_str(&rq->peer, src, sizeof src));
			ck_json_int(p.j, "body_bytes", b ? (long long)bl : 0);
			emit(p.j);
			ck_sip_req_free(rq);
		}
		ck_registrar_tick(r);
	}
out:
	if (out_failed && rc == 0)
		rc = CK_IOERR;
	ck_registrar_free(r);
	ck_sip_close(p.s);
	ck_json_free(p.j);
	return rc;
}

/* ---------------------------------------------------------------- */

static int
parse_server(struct opts *o, const char *v, ck_err *e)
{
	const char *at = strchr(v, '@');
	if (strncasecmp(v, "sip:", 4) == 0)
		v += 4;
	at = strchr(v, '@');
	if (at == NULL || at == v || (size_t)(at - v) >= sizeof o->server_id)
		return ck_err_set(e, CK_USAGE, "--server: expected ID@HOST[:PORT]");
	snprintf(o->server_id, sizeof o->server_id, "%.*s", (int)(at - v), v);
	return ck_opt_parse_hostport(at + 1, o->server_host, sizeof o->server_host,
	    &o->server_port, 5060, e);
}

static int
parse_opt(struct opts *o, int c, const char *arg, ck_err *e)
{
	long long v;
	switch (c) {
	case 's': return parse_server(o, arg, e);
	case 'i': o->id = arg; return 0;
	case 'd': o->domain = arg; return 0;
	case 'u': o->user = arg; return 0;
	case 'P': o->password_file = arg; return 0;
	case 't': o->tcp = 1; return 0;
	case 'p': if (ck_opt_parse_int(arg, 0, 65535, &v, e) < 0) return -1; o->local_port = (int)v; return 0;
	case 'e': if (ck_opt_parse_int(arg, 1, 100000000, &v, e) < 0) return -1; o->expires = (int)v; return 0;
	case 'k': return ck_opt_parse_duration(arg, &o->keepalive_ms, e);
	case 'm': if (ck_opt_parse_int(arg, 1, 1000, &v, e) < 0) return -1; o->max_missed = (int)v; return 0;
	case 'r': return ck_opt_parse_duration(arg, &o->retry_ms, e);
	case 'a': if (ck_opt_parse_int(arg, 0, 1000000, &v, e) < 0) return -1; o->attempts = (int)v; return 0;
	case 'T': return ck_opt_parse_duration(arg, &o->timeout_ms, e);
	case 'c': o->catalog = arg; return 0;
	case 'C': if (ck_opt_parse_int(arg, 1, 1000, &v, e) < 0) return -1; o->chunk = (int)v; return 0;
	case 'N': o->name = arg; return 0;
	case 'M': o->manufacturer = arg; return 0;
	case 'O': o->model = arg; return 0;
	case 'F': o->firmware = arg; return 0;
	case 'l': o->listen = arg; return 0;
	case 'W': o->passwords = arg; return 0;
	case 'A': o->allow = arg; return 0;
	case 'n': return ck_opt_parse_duration(arg, &o->nonce_ttl_ms, e);
	case '2': o->sha256 = 1; return 0;
	case 'q': o->qop = 1; return 0;
	}
	return ck_err_set(e, CK_USAGE, "bad option");
}

static int
is_gb_id(const char *s, size_t min)
{
	size_t n = strlen(s);
	if (n < min || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Cross-option checks and defaults. */
static int
validate(struct opts *o, ck_err *e)
{
	if (o->listen && o->server_id[0])
		return ck_err_set(e, CK_USAGE, "--listen and --server exclude each other");
	if (!o->listen && !o->server_id[0])
		return ck_err_set(e, CK_USAGE, "--server or --listen is required");
	if (!o->listen && (o->id == NULL || !is_gb_id(o->id, 10)))
		return ck_err_set(e, CK_USAGE, "--id: a device ID of 10-32 digits is required");
	if (o->listen && o->id == NULL)
		o->id = "34020000002000000001";
	if (o->domain == NULL) {
		const char *src = o->listen ? o->id : o->server_id;
		if (!is_gb_id(src, 10))
			return ck_err_set(e, CK_USAGE, "--domain is required when the %s ID "
			    "does not start with 10 digits", o->listen ? "platform" : "server");
		snprintf(o->domain_buf, sizeof o->domain_buf, "%.10s", src);
		o->domain = o->domain_buf;
	}
	if (o->keepalive_ms <= 0 || o->timeout_ms <= 0)
		return ck_err_set(e, CK_USAGE, "--keepalive and --timeout must be positive");
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "server", 1, 0, 's' }, { "id", 1, 0, 'i' }, { "domain", 1, 0, 'd' },
		{ "user", 1, 0, 'u' }, { "password-file", 1, 0, 'P' }, { "tcp", 0, 0, 't' },
		{ "local-port", 1, 0, 'p' }, { "expires", 1, 0, 'e' },
		{ "keepalive", 1, 0, 'k' }, { "max-missed", 1, 0, 'm' },
		{ "retry", 1, 0, 'r' }, { "attempts", 1, 0, 'a' }, { "timeout", 1, 0, 'T' },
		{ "catalog", 1, 0, 'c' }, { "catalog-chunk", 1, 0, 'C' },
		{ "name", 1, 0, 'N' }, { "manufacturer", 1, 0, 'M' }, { "model", 1, 0, 'O' },
		{ "firmware", 1, 0, 'F' }, { "listen", 1, 0, 'l' }, { "passwords", 1, 0, 'W' },
		{ "allow", 1, 0, 'A' }, { "nonce-ttl", 1, 0, 'n' }, { "sha256", 0, 0, '2' },
		{ "qop", 0, 0, 'q' }, { "verbose", 0, 0, 'v' }, { "help", 0, 0, 'h' },
		{ "version", 0, 0, 'V' }, { 0, 0, 0, 0 }
	};
	struct opts o = { .expires = 3600, .keepalive_ms = 60000, .max_missed = 3,
	    .retry_ms = 60000, .timeout_ms = 32000, .chunk = 1, .nonce_ttl_ms = 300000,
	    .name = "camkit", .manufacturer = "camkit", .model = "gb-register",
	    .firmware = CAMKIT_VERSION };
	ck_err e;
	ck_cred cred;
	int c, rc;
	ck_log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "s:i:d:u:tp:e:k:m:r:a:T:c:C:l:vhV", lo, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return ck_tool_finish(0);
		} else if (c == 'V')
			return ck_tool_finish(ck_tool_version());
		else if (c == 'v')
			ck_log_verbosity++;
		else if (c == '?')
			return ck_tool_usage_err("unknown or incomplete option");
		else if (parse_opt(&o, c, optarg, &e) < 0)
			return ck_tool_usage_err("%s", e.msg);
	}
	if (optind < argc)
		return ck_tool_usage_err("unexpected argument '%s'", argv[optind]);
	if (validate(&o, &e) < 0)
		return ck_tool_usage_err("%s", e.msg);
	if (ck_cred_load(&cred, "GB", o.user, o.password_file,
	    o.listen ? NULL : o.server_host, &e) < 0)
		return ck_tool_fail(&e);
	if (o.listen && !cred.have_pass && !o.passwords) {
		ck_log_warn("no password: give --passwords FILE, --password-file, or GB_PASSWORD");
		return CK_CONFIG;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = o.listen ? run_platform(&o, &cred) : run_device(&o, &cred);
	ck_cred_wipe(&cred);
	return ck_tool_finish(rc);
}
