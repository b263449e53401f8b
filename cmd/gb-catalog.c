/* gb-catalog: query a GB/T 28181 device (Catalog, DeviceInfo, DeviceStatus,
 * RecordInfo, PresetQuery, ConfigDownload) as its platform. */
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

#define MAX_ITEMS 100000

static const char usage[] =
"Usage: gb-catalog [options] sip:ID@HOST[:PORT]\n"
"       gb-catalog --await-register [ADDR]:PORT [options]";

static const char about[] =
"Queries a GB/T 28181 device as its platform and prints one NDJSON record\n"
"per item (Catalog channels, records, presets) or per response.\n";

static const char footer[] =
"Exit: 0 ok, 1 empty answer, 64 usage, 65 malformed response, 66 password\n"
"file missing, 68 unknown host, 69 unreachable, 75 timeout (partial result\n"
"printed), 76 SIP error status, 77 refused (401/403), 78 no password.\n";

static const char *const types[] = { "Catalog", "DeviceInfo", "DeviceStatus",
    "RecordInfo", "PresetQuery", "ConfigDownload" };

struct opts {
	ck_gbopts gb;
	ck_query_opts g;
	const char *query, *channel, *start, *end, *rtype, *config, *charset;
	const char *address;
	long long sn, timeout_ms;
	int xml;
};

struct run {
	const struct opts *o;
	ck_query q;
	unsigned long sn;
	ck_json *j;
	char **keys;
	size_t nkeys;
	long sumnum;
	int responses, malformed;
};

static int
list_type(const char *t)
{
	return !strcmp(t, "Catalog") || !strcmp(t, "RecordInfo") ||
	    !strcmp(t, "PresetQuery");
}

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
	return ck_manscdp_query(o->query, sn, id, NULL, 0, len, e);
}

/* 1 if key was new (and remembered), 0 if seen, -1 when full. */
static int
remember(struct run *r, const char *key)
{
	size_t i;
	char **k;

	for (i = 0; i < r->nkeys; i++)
		if (!strcmp(r->keys[i], key))
			return 0;
	if (r->nkeys >= MAX_ITEMS ||
	    !(k = realloc(r->keys, (r->nkeys + 1) * sizeof *k)) ||
	    !(k[r->nkeys] = strdup(key))) {
		if (r->nkeys < MAX_ITEMS && k)
			r->keys = k;
		return -1;
	}
	r->keys = k;
	r->nkeys++;
	return 1;
}

static void
record_head(struct run *r, const ck_manscdp *m, const char *type)
{
	ck_json_record(r->j, type);
	ck_json_str(r->j, "cmd_type", m->cmd_type);
	ck_json_str(r->j, "device_id", m->device_id);
	ck_json_uint(r->j, "sn", m->sn);
	if (m->sumnum >= 0)
		ck_json_int(r->j, "sum_num", m->sumnum);
}

/* Prints what one matching response carries. Returns 1 when the answer is
 * complete, 0 when more is expected. */
static int
take(struct run *r, const ck_manscdp *m, const char *raw, size_t rawlen)
{
	const ck_xml_node *it;
	const char *used;
	char *u;
	size_t n;
	ck_err e;

	r->responses++;
	if (r->o->xml && (u = ck_manscdp_to_utf8(raw, rawlen, r->o->charset, 1,
	    &n, &used, &e))) {
		fwrite(u, 1, n, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		free(u);
	}
	if (!list_type(r->o->query)) {
		if (!r->o->xml) {
			record_head(r, m, "response");
			ck_json_obj(r->j, "fields");
			ck_manscdp_json_fields(m->root, r->j, 1, NULL);
			ck_json_emit(r->j, stdout);
		}
		return 1;
	}
	if (m->sumnum >= 0)
		r->sumnum = m->sumnum;
	for (it = ck_manscdp_next_item(m, NULL); it;
	    it = ck_manscdp_next_item(m, it)) {
		const char *id = ck_manscdp_field(it, "DeviceID");
		char *key = NULL;
		int fresh;

		/* Catalog items are unique by DeviceID; records and presets by
		 * their whole content. */
		if (!strcmp(r->o->query, "Catalog") && id && *id)
			fresh = remember(r, id);
		else {
			size_t sl;
			const char *src = ck_xml_src(m->doc, &sl);
			if (!(key = strndup(src + it->src_off, it->src_len)))
				return 1;
			fresh = remember(r, key);
			free(key);
		}
		if (fresh < 0) {
			ck_log_warn("too many items; stopping at %zu", r->nkeys);
			return 1;
		}
		if (!fresh) {
			ck_log_info("duplicate item %s dropped", id ? id : "");
			continue;
		}
		if (!r->o->xml) {
			record_head(r, m, "item");
			ck_json_obj(r->j, "item");
			ck_manscdp_json_fields(it, r->j, 0, NULL);
			ck_json_emit(r->j, stdout);
		}
	}
	if (r->sumnum < 0)
		return 1;   /* no SumNum: one response is the whole answer */
	return (long)r->nkeys >= r->sumnum;
}

/* Answers one incoming MESSAGE and reports whether the answer is complete
 * (1), not yet (0). */
static int
handle(struct run *r, ck_sip_req *rq)
{
	ck_manscdp m;
	ck_err e;
	size_t len;
	const char *body = ck_sip_body(rq->msg, &len);
	int done = 0;

	ck_sip_reply(r->q.sip, rq, 200, &e);
	if (!body || len == 0) {
		ck_log_info("MESSAGE without a body ignored");
		return 0;
	}
	if (ck_manscdp_parse(body, len, r->o->charset, &m, &e) < 0) {
		ck_log_warn("response from %s: %s", r->q.source, e.msg);
		r->malformed++;
		return 0;
	}
	if (!strcmp(m.kind, "Response") && m.has_sn && m.sn == r->sn &&
	    !strcasecmp(m.cmd_type, r->o->query))
		done = take(r, &m, body, len);
	else
		ck_log_info("ignored %s %s SN %lu", m.kind, m.cmd_type, m.sn);
	ck_manscdp_free(&m);
	return done;
}

static int
collect(struct run *r)
{
	int64_t deadline = ck_clock_now_ms() + r->o->timeout_ms;
	ck_sip_req *rq;
	ck_err e;
	int n;

	for (;;) {
		if ((n = ck_query_next_message(&r->q, deadline, &rq, &e)) < 0)
			return ck_tool_fail(&e);
		if (n == 0)
			break;
		int before = r->responses;
		int done = handle(r, rq);
		ck_sip_req_free(rq);
		if (r->responses > before)
			deadline = ck_clock_now_ms() + r->o->timeout_ms;
		if (done && r->nkeys == 0 && list_type(r->o->query)) {
			ck_log_warn("the %s is empty", r->o->query);   /* exit 1 alone is mute */
			return CK_EMPTY;
		}
		if (done)
			return 0;
	}
	if (r->responses == 0) {
		ck_log_warn("no %s response within %lld ms%s", r->o->query,
		    r->o->timeout_ms, r->malformed ? " (only malformed ones)" : "");
		return r->malformed ? CK_DATAERR : CK_TEMPFAIL;
	}
	ck_log_warn("partial answer: %zu of %ld items, then nothing for %lld ms",
	    r->nkeys, r->sumnum, r->o->timeout_ms);
	return CK_TEMPFAIL;
}

static int
run_query(const struct opts *o)
{
	struct run r = { .o = o, .sumnum = -1, .sn = ck_gbopts_sn(o->sn) };
	char *body, reason[128];
	size_t len;
	int status, rc;
	ck_err e;

	if (!(r.j = ck_json_new()))
		return CK_SOFTWARE;
	if (ck_query_open(&r.q, &o->g, &e) < 0) {
		ck_json_free(r.j);
		return ck_tool_fail(&e);
	}
	if (!(body = build_query(o, r.sn, o->channel ? o->channel : r.q.device_id,
	    &len, &e))) {
		rc = ck_tool_fail(&e);
		goto out;
	}
	rc = ck_query_message(&r.q, body, len, ck_clock_now_ms() + o->timeout_ms, &status,
	    reason, sizeof reason, &e);
	free(body);
	if (rc < 0) {
		rc = ck_tool_fail(&e);
		goto out;
	}
	if (status < 200 || status > 299) {
		ck_log_warn("%s answered %d %s to the %s query", r.q.device_id, status,
		    reason, o->query);
		rc = status == 401 || status == 403 || status == 407 ? CK_NOPERM :
		    CK_PROTO;
		goto out;
	}
	rc = collect(&r);
out:
	while (r.nkeys > 0)
		free(r.keys[--r.nkeys]);
	free(r.keys);
	ck_json_free(r.j);
	ck_query_close(&r.q);
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
	if (!strcmp(o->query, "RecordInfo") && (!o->start || !o->end))
		return ck_err_set(e, CK_USAGE, "RecordInfo needs --start and --end");
	if ((o->start && !gb_time(o->start)) || (o->end && !gb_time(o->end)))
		return ck_err_set(e, CK_USAGE, "times are yyyy-MM-ddTHH:mm:ss");
	if (o->g.from && !strchr(o->g.from, '@'))
		return ck_err_set(e, CK_USAGE, "--from must be ID@DOMAIN");
	return 0;
}

enum { O_QUERY = CK_OPTS_TOOL, O_START, O_END, O_TYPE, O_CONFIG, O_SN,
    O_CHARSET, O_ADDRESS };

static const ck_opts_opt tool_opts[] = {
	{ "query", O_QUERY, CK_OPTS_ARG, "TYPE", "Catalog (default), DeviceInfo, DeviceStatus,\n"
	    "RecordInfo, PresetQuery, ConfigDownload" },
	{ "channel", 'c', CK_OPTS_ARG, "ID", "DeviceID in the query (default: the device's ID)" },
	{ "start", O_START, CK_OPTS_ARG, "TIME", "RecordInfo start, yyyy-MM-ddTHH:mm:ss" },
	{ "end", O_END, CK_OPTS_ARG, "TIME", "RecordInfo end" },
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
	case O_SN:
		return ck_opt_parse_int(arg, 0, 4294967295LL, &o->sn, e) < 0 ?
		    ck_err_wrap(e, "--sn") : 0;
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
	ck_opts_block blocks[] = {
		{ NULL, tool_opts, tool_opt, o },
		ck_gbopts_block(&o->gb, "GB/T 28181"),
	};
	ck_opts_tool t = { usage, about, footer, blocks, 2 };
	ck_err e;
	int first;
	if (!ck_opts_parse(&t, argc, argv, &first, status))
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
