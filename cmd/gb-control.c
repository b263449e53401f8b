/* gb-control: send a GB/T 28181 DeviceControl or DeviceConfig (or any
 * MANSCDP body) to a device as its platform and collect its Response. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/cred.h"
#include "base/err.h"
#include "base/log.h"
#include "base/opt.h"
#include "codec/json.h"
#include "gb/control.h"
#include "gb/manscdp.h"
#include "gb/query.h"
#include "cli/gbopts.h"
#include "cli/opts.h"
#include "cli/tool.h"

static const char usage[] =
"Usage: gb-control [options] sip:ID@HOST[:PORT] COMMAND [ARG...]\n"
"       gb-control --await-register [ADDR]:PORT [options] COMMAND [ARG...]\n"
"       gb-control [options] (sip:ID@HOST[:PORT] | -w [ADDR]:PORT) --body FILE\n"
"       gb-control --xml -c ID COMMAND [ARG...]";

static const char about[] =
"Sends a GB/T 28181 device control as the device's platform, waits for its\n"
"Response where the standard has one (matched by SN and CmdType, from the\n"
"device or a channel), answers it with 200 and prints one NDJSON record.\n"
"\n"
"Commands (Response: R; the others end on the SIP 200):\n"
"  teleboot; record|stop-record [STREAM] R; guard|unguard R;\n"
"  reset-alarm [METHOD [TYPE]] R; iframe;\n"
"  drag-zoom-in|drag-zoom-out LENGTH WIDTH MIDX MIDY LENGTHX LENGTHY;\n"
"  home-position PRESET [SECONDS] R; home-position-off R;\n"
"  config KEY=VALUE... R (name, expiration, heartbeat-interval,\n"
"  heartbeat-count: DeviceConfig BasicParam);\n"
"  snapshot COUNT INTERVAL URL [SESSION] R (DeviceConfig SnapShotConfig);\n"
"  format-sdcard [N].\n"
"--body FILE sends that body as it is: a Query's answers are printed as\n"
"gb-catalog(1) prints them, a control's Response as above.\n";

static const char footer[] =
"Exit: 0 ok (Result OK), 1 empty answer (--body query), 64 usage, 65\n"
"malformed body or Response, 66 file missing, 68 unknown host, 69\n"
"unreachable, 74 I/O error, 75 no SIP answer or no Response in time, 76\n"
"SIP error status or Result ERROR, 77 refused (401/403), 78 no password.\n";

struct opts {
	ck_gbopts gb;
	ck_query_opts g;
	const char *channel, *body_file, *charset;
	long long sn;
	int xml, nargs;
	char **args;
};

enum { O_SN = CK_OPTS_TOOL, O_BODY, O_CHARSET };

static const ck_opts_opt tool_opts[] = {
	{ "channel", 'c', CK_OPTS_ARG, "ID", "DeviceID in the body (default: the device's)" },
	{ "body", O_BODY, CK_OPTS_ARG, "FILE", "send this MANSCDP body (Control, Query,\n"
	    "Notify) instead of a COMMAND" },
	{ "sn", O_SN, CK_OPTS_ARG, "N", "SN of the body (default: random)" },
	{ "xml", 'x', CK_OPTS_NOARG, NULL, "print the body instead of sending it" },
	{ "charset", O_CHARSET, CK_OPTS_ARG, "CS", "read answers as CS (default: as declared)" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
tool_opt(void *ctx, int key, const char *arg, ck_err *e)
{
	struct opts *o = ctx;
	switch (key) {
	case 'c': o->channel = arg; return 0;
	case O_BODY: o->body_file = arg; return 0;
	case O_SN: return ck_gbopts_parse_sn(arg, &o->sn, e);
	case 'x': o->xml = 1; return 0;
	case O_CHARSET: o->charset = arg; return 0;
	}
	return ck_err_set(e, CK_USAGE, "bad option");
}

/* Prints the control body (--xml). */
static int
print_body(const struct opts *o)
{
	char cmd_type[32], *b;
	size_t len;
	int resp;
	ck_err e;

	if (!(b = ck_control_body(o->args[0], o->args + 1, o->nargs - 1,
	    ck_gbopts_sn(o->sn), o->channel, &resp, cmd_type, &len, &e)))
		return ck_tool_usage_err("%s", e.msg);
	fwrite(b, 1, len, stdout);
	free(b);
	return 0;
}

/* The control body for the command or --body FILE into s (body owned by
 * the caller); *query set when FILE holds a Query. */
static int
load(const struct opts *o, const ck_query *q, ck_control_send *s, char **body,
    int *query, char cmd_type[64], char id[64], ck_err *e)
{
	ck_manscdp m;
	int resp;

	s->sn = ck_gbopts_sn(o->sn);
	s->command = o->body_file ? "body" : o->args[0];
	snprintf(id, 64, "%s", o->channel ? o->channel : q->device_id);
	s->body_id = id;
	if (!o->body_file) {
		*body = ck_control_body(o->args[0], o->args + 1, o->nargs - 1, s->sn,
		    s->body_id, &resp, cmd_type, &s->len, e);
		s->response = resp;
		return *body ? 0 : -1;
	}
	if (!(*body = ck_control_load(o->body_file, &s->len, &m, e)))
		return -1;
	snprintf(cmd_type, 64, "%s", m.cmd_type);
	s->sn = m.sn;
	s->response = ck_control_expects(&m);
	*query = !strcmp(m.kind, "Query");
	snprintf(id, 64, "%s", m.device_id);
	ck_manscdp_free(&m);
	return 0;
}

/* Sends the command (or --body) and collects the answer. */
static int
run(const struct opts *o)
{
	ck_control_send s = { .timeout_ms = o->gb.timeout_ms,
	    .charset = o->charset, .out = stdout };
	char *body = NULL, cmd_type[64], id[64];
	int rc, query = 0;
	ck_query q;
	ck_err e;

	if (ck_query_open(&q, &o->g, &e) < 0)
		return ck_tool_fail(&e);
	if (load(o, &q, &s, &body, &query, cmd_type, id, &e) < 0)
		rc = ck_tool_fail(&e);
	else {
		s.body = body;
		s.cmd_type = cmd_type;
		ck_query_askspec a = { .cmd_type = cmd_type, .sn = s.sn,
		    .timeout_ms = s.timeout_ms, .charset = o->charset, .out = stdout };
		rc = query ? ck_query_ask(&q, body, s.len, &a, &e) :
		    ck_control_run(&q, &s, &e);
		if (rc != 0 && e.msg[0])
			ck_log_warn("%s", e.msg);
	}
	free(body);
	ck_query_close(&q);
	return rc;
}

/* Usage errors, found before any credential or socket. */
static int
validate(const struct opts *o, ck_err *e)
{
	char id[64], host[256], cmd_type[32], *b;
	size_t len;
	int port, resp;

	if (o->g.target && o->g.listen)
		return ck_err_set(e, CK_USAGE, "give either sip:ID@HOST[:PORT] or "
		    "--await-register");
	if (o->g.target && !ck_query_split_uri(o->g.target, id, sizeof id, host,
	    sizeof host, &port))
		return ck_err_set(e, CK_USAGE, "'%s' is not sip:ID@HOST[:PORT]",
		    o->g.target);
	if (o->xml && (o->g.target || o->g.listen || o->body_file))
		return ck_err_set(e, CK_USAGE, "--xml prints the body: no target, "
		    "no --body");
	if (!o->xml && !o->g.target && !o->g.listen)
		return ck_err_set(e, CK_USAGE, "give sip:ID@HOST[:PORT], "
		    "--await-register or --xml");
	if (o->body_file)
		return o->nargs ? ck_err_set(e, CK_USAGE, "--body takes no COMMAND") : 0;
	if (o->nargs == 0)
		return ck_err_set(e, CK_USAGE, "no command given");
	if (o->xml && !o->channel)
		return ck_err_set(e, CK_USAGE, "--xml needs --channel");
	if (!(b = ck_control_body(o->args[0], o->args + 1, o->nargs - 1, 0, "0",
	    &resp, cmd_type, &len, e)))
		return -1;
	free(b);
	return 0;
}

/* Parses and checks argv into o. Returns 1 to go on, else 0 with *status. */
static int
parse_opts(int argc, char **argv, struct opts *o, int *status)
{
	ck_gbopts_platform(&o->gb, "with --await-register: the device to wait for\n"
	    "(default: the first)", "wait this long for the SIP answer, then for\n"
	    "the Response (default 5s)");
	ck_opts_tool t = { usage, about, footer, NULL, 0 };
	ck_opts_block own = { NULL, tool_opts, tool_opt, o };
	const char *target = NULL;
	ck_err e;
	int first;

	if (!ck_gbopts_parse(&o->gb, &t, own, argc, argv, &first, status))
		return 0;
	if (first < argc && !strncasecmp(argv[first], "sip:", 4))
		target = argv[first++];
	ck_gbopts_query(&o->gb, target, &o->g);
	o->g.device_id = o->gb.device_id;
	o->args = argv + first;
	o->nargs = argc - first;
	if (validate(o, &e) < 0) {
		*status = ck_tool_usage_err("%s", e.msg);
		return 0;
	}
	return 1;
}

int
main(int argc, char **argv)
{
	struct opts o = { .sn = -1 };
	ck_cred cred;
	ck_err e;
	int rc;

	ck_log_init(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	if (!parse_opts(argc, argv, &o, &rc))
		return rc;
	if (o.xml)
		return ck_tool_finish(print_body(&o));
	if (ck_gbopts_registrar_password(&o.gb, &cred, &o.g, &e) < 0)
		return ck_tool_fail(&e);
	rc = run(&o);
	ck_cred_wipe(&cred);
	return ck_tool_finish(rc);
}
