/* gb-catalog: query a GB/T 28181 device (Catalog, DeviceInfo, DeviceStatus,
 * RecordInfo, PresetQuery, ConfigDownload, Alarm, MobilePosition and the
 * 2022 queries) as its platform. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/cred.h"
#include "base/err.h"
#include "gb/query.h"
#include "codec/json.h"
#include "base/log.h"
#include "gb/manscdp.h"
#include "net/net.h"
#include "base/opt.h"
#include "cli/gbopts.h"
#include "cli/opts.h"
#include "cli/tool.h"

static const char usage[] =
"Usage: gb-catalog [options] sip:ID@HOST[:PORT]\n"
"       gb-catalog --await-register [ADDR]:PORT [options]";

static const char about[] =
"Queries a GB/T 28181 device as its platform and prints one NDJSON record\n"
"per item (Catalog channels, records, presets) or per response.\n";

static const char footer[] =
"Exit: 0 ok, 1 empty list, 64 usage, 65 malformed response, 66 password\n"
"file missing, 68 unknown host, 69 unreachable, 75 timeout (partial result\n"
"printed), 76 SIP error status or Result ERROR, 77 refused (401/403), 78\n"
"no password.\n";

static const char *const types[] = { "Catalog", "DeviceInfo", "DeviceStatus",
    "RecordInfo", "PresetQuery", "ConfigDownload", "Alarm", "MobilePosition",
    "HomePositionQuery", "CruiseTrackListQuery", "CruiseTrackQuery",
    "PTZPosition", "SDCardStatus" };

struct opts {
	ck_gbopts gb;
	ck_query_opts g;
	const char *query, *channel, *start, *end, *rtype, *config, *charset;
	const char *address, *number, *interval, *alarm_method;
	long long sn, timeout_ms;
	int xml;
};

static char *
build_query(const struct opts *o, unsigned long sn, const char *id,
    size_t *len, ck_err *e)
{
	ck_manscdp_kv kv = { "ConfigType", o->config ? o->config : "BasicParam" };
	char cfg[512];
	size_t i;

	if (!strcmp(o->query, "RecordInfo"))
		return ck_manscdp_record_query(sn, id, o->start, o->end, o->rtype,
		    o->address, len, e);
	if (!strcmp(o->query, "ConfigDownload")) {
		/* GB/T 28181-2016 separates several types with '/' */
		snprintf(cfg, sizeof cfg, "%s", kv.value);
		for (i = 0; cfg[i]; i++)
			if (cfg[i] == ',')
				cfg[i] = '/';
		kv.value = cfg;
		return ck_manscdp_query(o->query, sn, id, &kv, 1, len, e);
	}
	if (!strcmp(o->query, "Alarm")) {
		/* 2016 A.2.4.8: every condition optional */
		ck_manscdp_kv al[] = { { "AlarmMethod", o->alarm_method },
		    { "StartAlarmTime", o->start }, { "EndAlarmTime", o->end } };
		return ck_manscdp_query(o->query, sn, id, al, 3, len, e);
	}
	/* MobilePosition's Interval and CruiseTrackQuery's Number; NULL
	 * values are left out */
	kv.key = !strcmp(o->query, "MobilePosition") ? "Interval" : "Number";
	kv.value = kv.key[0] == 'I' ? o->interval : o->number;
	return ck_manscdp_query(o->query, sn, id, &kv, 1, len, e);
}

/* --xml: each answer, converted to UTF-8. */
static void
raw(void *arg, const char *body, size_t len)
{
	const struct opts *o = arg;
	const char *used;
	size_t n;
	char *u;
	ck_err e;

	if (o->xml && (u = ck_manscdp_to_utf8(body, len, o->charset, 1, &n, &used,
	    &e))) {
		fwrite(u, 1, n, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		free(u);
	}
}

static int
run_query(const struct opts *o)
{
	ck_query_askspec a = { .cmd_type = o->query, .sn = ck_gbopts_sn(o->sn),
	    .timeout_ms = o->timeout_ms, .charset = o->charset,
	    .out = o->xml ? NULL : stdout,
	    .raw = raw, .arg = (void *)o };
	char *body;
	size_t len;
	ck_query q;
	ck_err e;
	int rc;

	if (ck_query_open(&q, &o->g, &e) < 0)
		return ck_tool_fail(&e);
	if (!(body = build_query(o, a.sn, o->channel ? o->channel : q.device_id,
	    &len, &e)))
		rc = ck_tool_fail(&e);
	else if ((rc = ck_query_ask(&q, body, len, &a, &e)) != 0)
		ck_log_warn("%s", e.msg);
	free(body);
	ck_query_close(&q);
	return rc;
}

/* yyyy-MM-ddTHH:mm:ss, nothing more */
static int
gb_time(const char *s)
{
	int64_t t;
	return strlen(s) == 19 && ck_sip_parse_gb_date(s, &t) == 0;
}

static int
validate(struct opts *o, int argc, char **argv, ck_err *e)
{
	size_t i;
	int found = 0;

	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (!strcasecmp(o->query, types[i]))
			o->query = types[i], found = 1;
	if (!found)
		return ck_err_set(e, CK_USAGE, "unknown --query '%s'", o->query);
	if ((o->g.listen != NULL) == (argc == 1))
		return ck_err_set(e, CK_USAGE, "give either sip:ID@HOST[:PORT] or "
		    "--await-register");
	if (argc > 1)
		return ck_err_set(e, CK_USAGE, "unexpected argument '%s'", argv[1]);
	if (argc == 1) {
		char id[64], host[256];
		int port;
		if (!ck_query_split_uri(argv[0], id, sizeof id, host, sizeof host, &port))
			return ck_err_set(e, CK_USAGE, "'%s' is not sip:ID@HOST[:PORT]",
			    argv[0]);
		o->g.target = argv[0];
	}
	if (!strcmp(o->query, "CruiseTrackQuery") != (o->number != NULL))
		return ck_err_set(e, CK_USAGE, "--number goes with CruiseTrackQuery, "
		    "which needs it");
	if (o->interval && strcmp(o->query, "MobilePosition"))
		return ck_err_set(e, CK_USAGE, "--interval goes with MobilePosition");
	if (o->alarm_method && strcmp(o->query, "Alarm"))
		return ck_err_set(e, CK_USAGE, "--alarm-method goes with Alarm");
	if (!strcmp(o->query, "RecordInfo") && (!o->start || !o->end))
		return ck_err_set(e, CK_USAGE, "RecordInfo needs --start and --end");
	if ((o->start && !gb_time(o->start)) || (o->end && !gb_time(o->end)))
		return ck_err_set(e, CK_USAGE, "times are yyyy-MM-ddTHH:mm:ss");
	if (o->g.from && !strchr(o->g.from, '@'))
		return ck_err_set(e, CK_USAGE, "--from must be ID@DOMAIN");
	return 0;
}

enum { O_QUERY = CK_OPTS_TOOL, O_START, O_END, O_TYPE, O_CONFIG, O_SN,
    O_CHARSET, O_ADDRESS, O_NUMBER, O_INTERVAL, O_ALARM_METHOD };

static const ck_opts_opt tool_opts[] = {
	{ "query", O_QUERY, CK_OPTS_ARG, "TYPE", "Catalog (default), DeviceInfo, DeviceStatus,\n"
	    "RecordInfo, PresetQuery, ConfigDownload, Alarm,\nMobilePosition, HomePositionQuery, "
	    "CruiseTrackListQuery,\nCruiseTrackQuery, PTZPosition, SDCardStatus" },
	{ "channel", 'c', CK_OPTS_ARG, "ID", "DeviceID in the query (default: the device's ID)" },
	{ "start", O_START, CK_OPTS_ARG, "TIME", "RecordInfo (Alarm) start, yyyy-MM-ddTHH:mm:ss" },
	{ "end", O_END, CK_OPTS_ARG, "TIME", "RecordInfo (Alarm) end" },
	{ "number", O_NUMBER, CK_OPTS_ARG, "N", "CruiseTrackQuery: the cruise track's Number" },
	{ "interval", O_INTERVAL, CK_OPTS_ARG, "S", "MobilePosition: report Interval in seconds" },
	{ "alarm-method", O_ALARM_METHOD, CK_OPTS_ARG, "N", "Alarm: AlarmMethod (1-7)" },
	{ "type", O_TYPE, CK_OPTS_ARG, "TYPE", "RecordInfo type: all (default), time, alarm, manual" },
	{ "address", O_ADDRESS, CK_OPTS_ARG, "TEXT", "RecordInfo Address (sent as GB2312)" },
	{ "config", O_CONFIG, CK_OPTS_ARG, "LIST", "ConfigDownload types (default BasicParam), e.g.\n"
	    "BasicParam,VideoParamOpt" },
	{ "sn", O_SN, CK_OPTS_ARG, "N", "SN of the query (default: random)" },
	{ "xml", 'x', CK_OPTS_NOARG, NULL, "print the response bodies (converted to UTF-8)" },
	{ "charset", O_CHARSET, CK_OPTS_ARG, "CS", "read bodies as CS (default: as declared; GB18030\n"
	    "when undeclared and not UTF-8)" },
	{ NULL, 0, 0, NULL, NULL }
};

/* A number in lo..hi, kept as its text for the query. */
static int
num(const char *arg, long long lo, long long hi, const char **out, ck_err *e)
{
	long long v;

	if (ck_opt_parse_int(arg, lo, hi, &v, e) < 0)
		return -1;
	*out = arg;
	return 0;
}

static int
tool_opt(void *ctx, int key, const char *arg, ck_err *e)
{
	struct opts *o = ctx;
	switch (key) {
	case O_QUERY: o->query = arg; return 0;
	case 'c': o->channel = arg; return 0;
	case O_START: o->start = arg; return 0;
	case O_END: o->end = arg; return 0;
	case O_TYPE: o->rtype = arg; return 0;
	case O_ADDRESS: o->address = arg; return 0;
	case O_CONFIG: o->config = arg; return 0;
	case O_NUMBER: return num(arg, 0, 255, &o->number, e);
	case O_INTERVAL: return num(arg, 1, 3600, &o->interval, e);
	case O_ALARM_METHOD: return num(arg, 0, 7, &o->alarm_method, e);
	case O_SN: return ck_gbopts_parse_sn(arg, &o->sn, e);
	case 'x': o->xml = 1; return 0;
	case O_CHARSET: o->charset = arg; return 0;
	}
	return ck_err_set(e, CK_USAGE, "bad option");
}

/* Parses and checks argv into o. Returns 1 to go on, else 0 with *status. */
static int
parse_opts(int argc, char **argv, struct opts *o, int *status)
{
	ck_gbopts_platform(&o->gb, "with --await-register: the device to wait for\n"
	    "(default: the first)", "give up when no response came for DUR (default 5s)");
	ck_opts_tool t = { usage, about, footer, NULL, 0 };
	ck_opts_block own = { NULL, tool_opts, tool_opt, o };
	ck_err e;
	int first;
	if (!ck_gbopts_parse(&o->gb, &t, own, argc, argv, &first, status))
		return 0;
	ck_gbopts_query(&o->gb, NULL, &o->g);
	o->g.device_id = o->gb.device_id;
	o->timeout_ms = o->gb.timeout_ms;
	if (validate(o, argc - first, argv + first, &e) < 0) {
		*status = ck_tool_usage_err("%s", e.msg);
		return 0;
	}
	return 1;
}

int
main(int argc, char **argv)
{
	struct opts o = { .query = "Catalog", .sn = -1 };
	ck_cred cred;
	ck_err e;
	int rc;

	ck_log_init(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	if (!parse_opts(argc, argv, &o, &rc))
		return rc;
	if (ck_gbopts_registrar_password(&o.gb, &cred, &o.g, &e) < 0)
		return ck_tool_fail(&e);
	rc = run_query(&o);
	ck_cred_wipe(&cred);
	return ck_tool_finish(rc);
}
