/* gb-subscribe: subscribe to a GB/T 28181 device's Catalog, Alarm and
 * MobilePosition events as its platform and print what it notifies. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/cred.h"
#include "base/err.h"
#include "base/log.h"
#include "base/opt.h"
#include "cli/gbopts.h"
#include "cli/opts.h"
#include "cli/tool.h"
#include "codec/json.h"
#include "gb/query.h"
#include "gb/subscribe.h"

static const char usage[] =
"Usage: gb-subscribe --event LIST [options] sip:ID@HOST[:PORT]\n"
"       gb-subscribe --event LIST --await-register [ADDR]:PORT [options]";

static const char about[] =
"Subscribes to a GB/T 28181 device's events as its platform (one SUBSCRIBE\n"
"dialog per event), refreshes before they expire, and prints every NOTIFY\n"
"and notification MESSAGE as an NDJSON record with its decoded fields;\n"
"answers each (200, and a Response to an alarm MESSAGE). Unsubscribes\n"
"(Expires: 0) at the end: --count, --duration, SIGINT or SIGTERM.\n";

static const char footer[] =
"Exit: 0 ok (also after SIGINT/SIGTERM), 64 usage, 66 password file\n"
"missing, 68 unknown host, 69 unreachable, 74 stdout failed, 75 no answer\n"
"or no device registered, 76 SUBSCRIBE refused (SIP error status or Result\n"
"ERROR), 77 refused with 401/403, 78 no password.\n";

struct opts {
	ck_gbopts gb;
	ck_query_opts g;
	ck_subscribe_opts s;
	long long sn;
};

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int
on_record(void *arg, ck_json *j)
{
	(void)arg;
	return ck_json_emit(j, stdout);
}

enum { O_EVENT = CK_OPTS_TOOL, O_EXPIRES, O_INTERVAL, O_COUNT, O_DURATION,
    O_SPRIO, O_EPRIO, O_METHOD, O_ATYPE, O_STIME, O_ETIME, O_SN, O_CHARSET };

static const ck_opts_opt tool_opts[] = {
	{ "event", O_EVENT, CK_OPTS_ARG, "LIST", "what to subscribe to: catalog, alarm, position\n"
	    "(comma list or repeated; required)" },
	{ "expires", O_EXPIRES, CK_OPTS_ARG, "SECS", "subscription lifetime asked for (default 3600)" },
	{ "interval", O_INTERVAL, CK_OPTS_ARG, "SECS", "MobilePosition report interval (default 5)" },
	{ "count", O_COUNT, CK_OPTS_ARG, "N", "stop after N notifications with a body" },
	{ "duration", O_DURATION, CK_OPTS_ARG, "DUR", "stop after DUR" },
	{ "start-priority", O_SPRIO, CK_OPTS_ARG, "N", "alarm: StartAlarmPriority (default 0: all)" },
	{ "end-priority", O_EPRIO, CK_OPTS_ARG, "N", "alarm: EndAlarmPriority (default 0: all)" },
	{ "alarm-method", O_METHOD, CK_OPTS_ARG, "M", "alarm: AlarmMethod, e.g. 2 or 1/2/5 (default 0: all)" },
	{ "alarm-type", O_ATYPE, CK_OPTS_ARG, "T", "alarm: AlarmType" },
	{ "start-time", O_STIME, CK_OPTS_ARG, "TIME", "alarm: StartAlarmTime, yyyy-MM-ddTHH:mm:ss" },
	{ "end-time", O_ETIME, CK_OPTS_ARG, "TIME", "alarm: EndAlarmTime" },
	{ "channel", 'c', CK_OPTS_ARG, "ID", "DeviceID in the bodies (default: the device's ID)" },
	{ "sn", O_SN, CK_OPTS_ARG, "N", "SN of the first SUBSCRIBE body (default: random)" },
	{ "charset", O_CHARSET, CK_OPTS_ARG, "CS", "read bodies as CS (default: as declared; GB18030\n"
	    "when undeclared and not UTF-8)" },
	{ NULL, 0, 0, NULL, NULL }
};

/* A priority, method or type: digits, '/' between several methods. */
static int
code_arg(const char *arg, const char *name, const char **out, ck_err *e)
{
	if (!*arg || strspn(arg, "0123456789/") != strlen(arg) || strlen(arg) > 32)
		return ck_err_set(e, CK_USAGE, "--%s '%s' is not a number", name, arg);
	*out = arg;
	return 0;
}

static int
time_arg(const char *arg, const char *name, const char **out, ck_err *e)
{
	int64_t t;
	if (strlen(arg) != 19 || ck_sip_parse_gb_date(arg, &t) < 0)
		return ck_err_set(e, CK_USAGE, "--%s: times are yyyy-MM-ddTHH:mm:ss", name);
	*out = arg;
	return 0;
}

static int
tool_opt(void *ctx, int key, const char *arg, ck_err *e)
{
	struct opts *o = ctx;
	long long v;
	switch (key) {
	case O_EVENT: return ck_subscribe_parse_events(arg, &o->s.events, e);
	case O_EXPIRES:
	case O_INTERVAL:
		if (ck_opt_parse_int(arg, 1, 86400 * 7, &v, e) < 0)
			return ck_err_wrap(e, key == O_EXPIRES ? "--expires" : "--interval");
		*(key == O_EXPIRES ? &o->s.expires : &o->s.interval) = (int)v;
		return 0;
	case O_COUNT:
		if (ck_opt_parse_int(arg, 1, 1000000000, &v, e) < 0)
			return ck_err_wrap(e, "--count");
		o->s.count = (long)v;
		return 0;
	case O_DURATION:
		return ck_opt_parse_duration(arg, &v, e) < 0 || v <= 0 ?
		    ck_err_set(e, CK_USAGE, "--duration '%s' is not a duration", arg) :
		    (o->s.duration_ms = v, 0);
	case O_SPRIO: return code_arg(arg, "start-priority", &o->s.start_priority, e);
	case O_EPRIO: return code_arg(arg, "end-priority", &o->s.end_priority, e);
	case O_METHOD: return code_arg(arg, "alarm-method", &o->s.alarm_method, e);
	case O_ATYPE: return code_arg(arg, "alarm-type", &o->s.alarm_type, e);
	case O_STIME: return time_arg(arg, "start-time", &o->s.start_time, e);
	case O_ETIME: return time_arg(arg, "end-time", &o->s.end_time, e);
	case 'c': o->s.channel = arg; return 0;
	case O_SN:
		return ck_opt_parse_int(arg, 0, 999999999, &o->sn, e) < 0 ?
		    ck_err_wrap(e, "--sn") : 0;
	case O_CHARSET: o->s.charset = arg; return 0;
	}
	return ck_err_set(e, CK_USAGE, "bad option");
}

static int
validate(struct opts *o, int argc, char **argv, ck_err *e)
{
	char id[64], host[256];
	int port;

	if (!o->s.events)
		return ck_err_set(e, CK_USAGE, "--event is required (catalog, alarm, "
		    "position)");
	if ((o->g.listen != NULL) == (argc == 1))
		return ck_err_set(e, CK_USAGE, "give either sip:ID@HOST[:PORT] or "
		    "--await-register");
	if (argc > 1)
		return ck_err_set(e, CK_USAGE, "unexpected argument '%s'", argv[1]);
	if (argc == 1) {
		if (!ck_query_split_uri(argv[0], id, sizeof id, host, sizeof host, &port))
			return ck_err_set(e, CK_USAGE, "'%s' is not sip:ID@HOST[:PORT]",
			    argv[0]);
		o->g.target = argv[0];
	}
	if (o->g.from && !strchr(o->g.from, '@'))
		return ck_err_set(e, CK_USAGE, "--from must be ID@DOMAIN");
	return 0;
}

/* Parses and checks argv into o. Returns 1 to go on, else 0 with *status. */
static int
parse_opts(int argc, char **argv, struct opts *o, int *status)
{
	ck_gbopts_platform(&o->gb, "with --await-register: the device to wait for\n"
	    "(default: the first)", "wait DUR for each SUBSCRIBE's answer (default 5s)");
	ck_opts_tool t = { usage, about, footer, NULL, 0 };
	ck_opts_block own = { NULL, tool_opts, tool_opt, o };
	ck_err e;
	int first;
	if (!ck_gbopts_parse(&o->gb, &t, own, argc, argv, &first, status))
		return 0;
	ck_gbopts_query(&o->gb, NULL, &o->g);
	/* a device may send its NOTIFYs over a connection of its own */
	o->g.tcp_accept = 1;
	o->g.device_id = o->gb.device_id;
	o->s.timeout_ms = o->gb.timeout_ms;
	if (validate(o, argc - first, argv + first, &e) < 0) {
		*status = ck_tool_usage_err("%s", e.msg);
		return 0;
	}
	return 1;
}

static int
run(struct opts *o)
{
	ck_query q;
	ck_err e;
	int rc;

	if (ck_query_open(&q, &o->g, &e) < 0)
		return e.kind == CK_OK ? 0 : ck_tool_fail(&e);   /* a signal: done */
	rc = ck_subscribe_run(&q, &o->s);
	ck_query_close(&q);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o = { .s = { .expires = 3600, .interval = 5, .stop = &stop_flag,
	    .on_record = on_record }, .sn = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	ck_cred cred;
	ck_err e;
	int rc;

	ck_log_init(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	if (!parse_opts(argc, argv, &o, &rc))
		return rc;
	o.s.sn = ck_gbopts_sn(o.sn);
	if (ck_gbopts_registrar_password(&o.gb, &cred, &o.g, &e) < 0)
		return ck_tool_fail(&e);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = run(&o);
	ck_cred_wipe(&cred);
	return ck_tool_finish(rc);
}
