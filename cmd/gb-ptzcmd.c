/* gb-ptzcmd: encode, decode (and send) GB/T 28181 PTZCmd instructions. */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/cred.h"
#include "base/err.h"
#include "gb/control.h"
#include "gb/query.h"
#include "codec/json.h"
#include "base/log.h"
#include "gb/manscdp.h"
#include "net/net.h"
#include "base/opt.h"
#include "gb/ptzcmd.h"
#include "cli/gbopts.h"
#include "cli/opts.h"
#include "cli/tool.h"

static const char usage[] =
"Usage: gb-ptzcmd [options] COMMAND [ARG...]\n"
"       gb-ptzcmd --send sip:ID@HOST[:PORT] [options] COMMAND [ARG...]\n"
"       gb-ptzcmd --await-register [ADDR]:PORT [options] COMMAND [ARG...]\n"
"       gb-ptzcmd --decode [HEX...]";

static const char about[] =
"Encodes a GB/T 28181 PTZCmd (16 hex digits), or decodes them to NDJSON\n"
"(HEX arguments, or one per line on stdin).\n"
"\n"
"Commands: stop; left|right|up|down [SPEED]; up-left|up-right|down-left|\n"
"  down-right [PAN [TILT]]; zoom-in|zoom-out [SPEED 0-15];\n"
"  focus-near|focus-far|iris-open|iris-close [SPEED];\n"
"  preset-set|preset-goto|preset-del N; cruise-add|cruise-del GROUP PRESET;\n"
"  cruise-speed GROUP SPEED; cruise-dwell GROUP SECONDS; cruise-start GROUP;\n"
"  cruise-stop [GROUP]; scan-start|scan-left|scan-right|scan-stop [GROUP];\n"
"  scan-speed GROUP SPEED; aux-on|aux-off N;\n"
"  with --xml or --send also: home-position PRESET [SECONDS],\n"
"  home-position-off, guard, unguard.\n"
"Speeds are 0-255 (default 128), zoom 0-15 (default 8).\n";

static const char footer[] =
"Exit: 0 ok, 1 nothing to decode on stdin, 64 usage, 65 malformed PTZCmd,\n"
"66 password file missing, 68 unknown host, 69 unreachable, 74 I/O error,\n"
"75 timeout (no answer, or no Response to guard/home-position), 76 SIP\n"
"error status or Result ERROR, 77 refused (401/403), 78 no password.\n";

struct opts {
	long long address;
	int xml, decode;
	const char *device_id;
	const char *send;          /* --send URI */
	ck_gbopts gb;
	ck_query_opts g;
	long long sn, timeout_ms;
	int nargs;
	char **args;
};

/* Commands that exist only as a DeviceControl body, not as a PTZCmd
 * (built by gb/control, as gb-control(1) sends them). */
static int
xml_only(const char *verb)
{
	return !strcmp(verb, "home-position") ||
	    !strcmp(verb, "home-position-off") || !strcmp(verb, "guard") ||
	    !strcmp(verb, "unguard");
}

static int
parse_nums(const struct opts *o, long long *nums, ck_err *e)
{
	int i;

	if (o->nargs - 1 > 2)
		return ck_err_set(e, CK_USAGE, "%s: too many arguments",
		    o->args[0]);
	for (i = 1; i < o->nargs; i++)
		if (ck_opt_parse_int(o->args[i], 0, 4095, &nums[i - 1], e) < 0)
			return ck_err_wrap(e, "%s", o->args[0]);
	return 0;
}

/* The body for the command (PTZCmd, HomePosition or GuardCmd); *response
 * gets 1 when the device answers it with a Response. */
static char *
control_body(const struct opts *o, const char *device_id, unsigned long sn,
    const char *hex, int *response, size_t *len, ck_err *e)
{
	char cmd_type[32];

	*response = 0;
	if (!xml_only(o->args[0]))
		return ck_manscdp_ptz_control(sn, device_id, hex, len, e);
	return ck_control_body(o->args[0], o->args + 1, o->nargs - 1, sn,
	    device_id, response, cmd_type, len, e);
}

/* Builds the PTZCmd hex for the command (empty for XML-only commands). */
static int
build(const struct opts *o, char hex[17], ck_err *e)
{
	long long nums[2] = { 0, 0 };
	ck_ptzcmd c;

	hex[0] = '\0';
	if (xml_only(o->args[0]))
		return 0;
	if (!ck_ptzcmd_is_verb(o->args[0]))
		return ck_err_set(e, CK_USAGE, "unknown command '%s'", o->args[0]);
	if (parse_nums(o, nums, e) < 0 ||
	    ck_ptzcmd_from_verb(o->args[0], nums, o->nargs - 1, &c, e) < 0)
		return -1;
	c.address = (unsigned)o->address;
	return ck_ptzcmd_encode_hex(&c, hex, e);
}

static int
do_encode(const struct opts *o)
{
	char hex[17], *body;
	size_t len;
	int resp;
	ck_err e;

	if (build(o, hex, &e) < 0)
		return e.kind == CK_USAGE ? ck_tool_usage_err("%s", e.msg) : ck_tool_fail(&e);
	if (!o->xml) {
		if (!hex[0])
			return ck_tool_usage_err("%s needs --xml or --send", o->args[0]);
		printf("%s\n", hex);
		return 0;
	}
	if (!(body = control_body(o, o->device_id, ck_gbopts_sn(o->sn), hex, &resp,
	    &len, &e)))
		return e.kind == CK_USAGE ? ck_tool_usage_err("%s", e.msg) : ck_tool_fail(&e);
	fwrite(body, 1, len, stdout);
	free(body);
	return 0;
}

/* The decoded PTZCmd in the control record. */
static void
ptz_fields(void *arg, ck_json *j)
{
	const char *hex = arg;
	ck_ptzcmd c;
	ck_err e;

	if (hex[0] && ck_ptzcmd_decode_hex(hex, 16, &c, &e) == 0) {
		ck_json_str(j, "ptzcmd", hex);
		ck_ptzcmd_json(&c, j);
	}
}

/* Sends the DeviceControl MESSAGE, through the path gb-control(1) takes:
 * the SIP answer, then the Response for guard and home-position. */
static int
do_send(const struct opts *o)
{
	char hex[17], *body = NULL;
	ck_control_send s = { .command = o->args[0], .sn = ck_gbopts_sn(o->sn),
	    .cmd_type = "DeviceControl", .timeout_ms = o->timeout_ms,
	    .extra = ptz_fields, .extra_arg = hex, .out = stdout };
	int rc, resp;
	ck_query q;
	ck_err e;

	if (build(o, hex, &e) < 0)
		return e.kind == CK_USAGE ? ck_tool_usage_err("%s", e.msg) : ck_tool_fail(&e);
	if (ck_query_open(&q, &o->g, &e) < 0)
		return ck_tool_fail(&e);
	s.body_id = o->device_id ? o->device_id : q.device_id;
	if (!(body = control_body(o, s.body_id, s.sn, hex, &resp, &s.len, &e)))
		rc = e.kind == CK_USAGE ? ck_tool_usage_err("%s", e.msg) : ck_tool_fail(&e);
	else {
		s.body = body;
		s.response = resp;
		if ((rc = ck_control_run(&q, &s, &e)) != 0)
			ck_log_warn("%s", e.msg);
	}
	free(body);
	ck_query_close(&q);
	return rc;
}

/* One input: a record, or an error on stderr (and an error record when
 * reading stdin, so a pipe sees every line). Returns 0 or CK_DATAERR. */
static int
decode_one(ck_json *j, const char *s, size_t n, int as_stream)
{
	ck_ptzcmd c;
	ck_err e;

	if (ck_ptzcmd_decode_hex(s, n, &c, &e) < 0) {
		ck_log_warn("%s", e.msg);
		if (as_stream) {
			ck_json_record(j, "error");
			ck_json_strn(j, "input", s, n);
			ck_json_time_ms(j, "ts", ck_clock_wall_ms());
			ck_json_str(j, "error", ck_err_kind_name(e.kind));
			ck_json_int(j, "status", CK_DATAERR);
			ck_json_str(j, "message", e.msg);
			ck_json_emit(j, stdout);
		}
		return CK_DATAERR;
	}
	{
		char hex[17];
		const char *p = s + strspn(s, " \t\r\n");
		int i;
		for (i = 0; i < 16; i++)
			hex[i] = (char)toupper((unsigned char)p[i]);
		hex[16] = '\0';
		ck_json_record(j, "ptzcmd");
		ck_json_str(j, "hex", hex);
	}
	ck_ptzcmd_json(&c, j);
	ck_json_emit(j, stdout);
	return 0;
}

static int
do_decode(const struct opts *o)
{
	ck_json *j = ck_json_new();
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int i, rc = 0, seen = 0;

	if (!j)
		return CK_SOFTWARE;
	for (i = 0; i < o->nargs; i++)
		rc = ck_err_worst(rc, decode_one(j, o->args[i], strlen(o->args[i]), 0));
	if (o->nargs == 0)
		while ((n = getline(&line, &cap, stdin)) > 0) {
			size_t k = (size_t)n;
			while (k > 0 && (line[k - 1] == '\n' || line[k - 1] == '\r' ||
			    line[k - 1] == ' ' || line[k - 1] == '\t'))
				k--;
			if (k <= strspn(line, " \t"))
				continue;   /* blank line */
			rc = ck_err_worst(rc, decode_one(j, line, k, 1));
			seen = 1;
		}
	if (o->nargs == 0 && !seen) {
		/* an empty pipe (a grep that matched nothing) is not success */
		ck_log_warn("no PTZCmd on stdin (give HEX arguments or lines on stdin)");
		rc = CK_EMPTY;
	}
	free(line);
	ck_json_free(j);
	return rc;
}

enum { O_ADDRESS = CK_OPTS_TOOL, O_SN, O_DECODE, O_SEND };

static const ck_opts_opt tool_opts[] = {
	{ "send", O_SEND, CK_OPTS_ARG, "URI", "send the DeviceControl MESSAGE to\n"
	    "sip:ID@HOST[:PORT], wait for its 200 (and the\nResponse to guard, unguard, home-position*)" },
	{ "xml", 'x', CK_OPTS_NOARG, NULL, "print the MANSCDP DeviceControl body instead" },
	{ "decode", O_DECODE, CK_OPTS_NOARG, NULL, "decode HEX arguments or stdin lines" },
	{ "address", O_ADDRESS, CK_OPTS_ARG, "N", "device address 0-4095 (default 1)" },
	{ "sn", O_SN, CK_OPTS_ARG, "N", "SN of the body (default: random)" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
tool_opt(void *ctx, int key, const char *arg, ck_err *e)
{
	struct opts *o = ctx;
	switch (key) {
	case O_ADDRESS:
		return ck_opt_parse_int(arg, 0, 4095, &o->address, e) < 0 ?
		    ck_err_wrap(e, "--address") : 0;
	case O_SN: return ck_gbopts_parse_sn(arg, &o->sn, e);
	case 'x': o->xml = 1; return 0;
	case O_DECODE: o->decode = 1; return 0;
	case O_SEND: o->send = arg; return 0;
	}
	return ck_err_set(e, CK_USAGE, "bad option");
}

/* Parses argv into o. Returns 1 to go on, else 0 with *status set. */
static int
parse_opts(int argc, char **argv, struct opts *o, int *status)
{
	ck_gbopts_platform(&o->gb, "DeviceID in the body (default: the device's)",
	    "wait this long for the 200 (default 5s)");
	ck_opts_tool t = { usage, about, footer, NULL, 0 };
	ck_opts_block own = { NULL, tool_opts, tool_opt, o };
	int first;
	if (!ck_gbopts_parse(&o->gb, &t, own, argc, argv, &first, status))
		return 0;
	o->device_id = o->gb.device_id;
	o->timeout_ms = o->gb.timeout_ms;
	ck_gbopts_query(&o->gb, o->send, &o->g);
	o->args = argv + first;
	o->nargs = argc - first;
	return 1;
}

static int
validate(const struct opts *o, ck_err *e)
{
	char id[64], host[256];
	int port;

	if (o->decode && (o->xml || o->device_id || o->g.target || o->g.listen))
		return ck_err_set(e, CK_USAGE, "--decode takes none of --xml, "
		    "--device-id, --send, --await-register");
	if (o->decode)
		return 0;
	if (o->nargs == 0)
		return ck_err_set(e, CK_USAGE, "no command given");
	if (o->g.target && o->g.listen)
		return ck_err_set(e, CK_USAGE, "--send and --await-register exclude "
		    "each other");
	if (o->g.target && !ck_query_split_uri(o->g.target, id, sizeof id, host,
	    sizeof host, &port))
		return ck_err_set(e, CK_USAGE, "--send '%s' is not sip:ID@HOST[:PORT]",
		    o->g.target);
	if (o->xml && (o->g.target || o->g.listen))
		return ck_err_set(e, CK_USAGE, "--xml prints, --send sends: pick one");
	if (o->xml && !o->device_id)
		return ck_err_set(e, CK_USAGE, "--xml needs --device-id");
	if (o->g.from && !strchr(o->g.from, '@'))
		return ck_err_set(e, CK_USAGE, "--from must be ID@DOMAIN");
	/* The command and its numbers, before any credential or socket. */
	if (o->g.target || o->g.listen) {
		char hex[17], *body;
		size_t len;
		int resp;
		if (build(o, hex, e) < 0 ||
		    !(body = control_body(o, "0", 0, hex, &resp, &len, e)))
			return -1;
		free(body);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { .address = 1, .sn = -1 };
	ck_cred cred;
	ck_err e;
	int rc;

	ck_log_init(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	if (!parse_opts(argc, argv, &o, &rc))
		return rc;
	if (validate(&o, &e) < 0)
		return ck_tool_usage_err("%s", e.msg);
	if (o.decode)
		return ck_tool_finish(do_decode(&o));
	if (!o.g.target && !o.g.listen)
		return ck_tool_finish(do_encode(&o));
	if (ck_gbopts_registrar_password(&o.gb, &cred, &o.g, &e) < 0)
		return ck_tool_fail(&e);
	rc = do_send(&o);
	ck_cred_wipe(&cred);
	return ck_tool_finish(rc);
}
