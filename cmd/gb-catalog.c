/* gb-catalog: query a GB/T 28181 device (Catalog, DeviceInfo, DeviceStatus,
 * RecordInfo, PresetQuery, ConfigDownload) as its platform. */
#include <getopt.h>
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
#include "cli/tool.h"

#define MAX_ITEMS 100000

static const char usage[] =
"Usage: gb-catalog [options] sip:ID@HOST[:PORT]\n"
"       gb-catalog --await-register [ADDR]:PORT [options]\n"
"Queries a GB/T 28181 device as its platform and prints one NDJSON record\n"
"per item (Catalog channels, records, presets) or per response.\n"
"\n"
"  -q, --query TYPE      Catalog (default), DeviceInfo, DeviceStatus,\n"
"                        RecordInfo, PresetQuery, ConfigDownload\n"
"  -w, --await-register [ADDR]:PORT  act as the registrar, wait for the\n"
"                        device to register (or keep alive), then query it\n"
"                        over the same transport and source address\n"
"  -i, --device-id ID    the device to wait for (default: the first)\n"
"  -c, --channel ID      DeviceID in the query (default: the device's ID)\n"
"  -f, --from ID@DOMAIN  our platform ID (default 34020000002000000001@\n"
"                        3402000000)\n"
"  -d, --domain DOMAIN   registrar realm (default: the --from domain)\n"
"      --password-file F registrar password (else GB_PASSWORD or the\n"
"                        credentials file)\n"
"      --passwords FILE  per-device passwords, 'ID PASSWORD' lines\n"
"      --allow LIST      device IDs allowed to register ('PREFIX*' works)\n"
"      --sha256          challenge with SHA-256 instead of MD5\n"
"  -p, --local-port N    local SIP port for a direct query (default: any)\n"
"  -t, --tcp             direct query over TCP\n"
"      --start TIME      RecordInfo start, yyyy-MM-ddTHH:mm:ss\n"
"      --end TIME        RecordInfo end\n"
"      --type TYPE       RecordInfo type: all (default), time, alarm, manual\n"
"      --address TEXT    RecordInfo Address (sent as GB2312)\n"
"      --config LIST     ConfigDownload types (default BasicParam), e.g.\n"
"                        BasicParam,VideoParamOpt\n"
"      --sn N            SN of the query (default: random)\n"
"  -T, --timeout DUR     give up when no response came for DUR (default 5s)\n"
"  -W, --wait DUR        wait this long for the registration (default 60s)\n"
"  -x, --xml             print the response bodies (converted to UTF-8)\n"
"      --charset CS      read bodies as CS (default: as declared; GB18030\n"
"                        when undeclared and not UTF-8)\n"
"  -v, --verbose         -v events, -vv SIP trace\n"
"  -h, --help            show this help\n"
"  -V, --version         show the version\n"
"\n"
"Exit: 0 ok, 1 empty answer, 64 usage, 65 malformed response, 66 password\n"
"file missing, 68 unknown host, 69 unreachable, 75 timeout (partial result\n"
"printed), 76 SIP error status, 77 refused (401/403), 78 no password.\n";

static const char *const types[] = { "Catalog", "DeviceInfo", "DeviceStatus",
    "RecordInfo", "PresetQuery", "ConfigDownload" };

struct opts {
	ck_query_opts g;
	const char *query, *channel, *start, *end, *rtype, *config, *charset;
	const char *address;
	const char *password_file;
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
			ck_log_info("the %s is empty", r->o->query);
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

static unsigned long
pick_sn(long long sn)
{
	struct timespec ts;

	if (sn >= 0)
		return (unsigned long)sn;
	clock_gettime(CLOCK_REALTIME, &ts);
	return 1 + (unsigned long)((ts.tv_nsec / 1000 ^ getpid()) % 999999);
}

static int
run_query(const struct opts *o)
{
	struct run r = { .o = o, .sumnum = -1, .sn = pick_sn(o->sn) };
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

static int
gb_time(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	return end && *end == '\0' && strlen(s) == 19;
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

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_PWFILE = 256, O_PASSWORDS, O_ALLOW, O_SHA256, O_START, O_END,
	    O_TYPE, O_CONFIG, O_SN, O_CHARSET, O_ADDRESS };
	static const struct option lo[] = {
		{ "query", required_argument, NULL, 'q' },
		{ "await-register", required_argument, NULL, 'w' },
		{ "device-id", required_argument, NULL, 'i' },
		{ "channel", required_argument, NULL, 'c' },
		{ "from", required_argument, NULL, 'f' },
		{ "domain", required_argument, NULL, 'd' },
		{ "password-file", required_argument, NULL, O_PWFILE },
		{ "passwords", required_argument, NULL, O_PASSWORDS },
		{ "allow", required_argument, NULL, O_ALLOW },
		{ "sha256", no_argument, NULL, O_SHA256 },
		{ "local-port", required_argument, NULL, 'p' },
		{ "tcp", no_argument, NULL, 't' },
		{ "start", required_argument, NULL, O_START },
		{ "end", required_argument, NULL, O_END },
		{ "type", required_argument, NULL, O_TYPE },
		{ "address", required_argument, NULL, O_ADDRESS },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "sn", required_argument, NULL, O_SN },
		{ "timeout", required_argument, NULL, 'T' },
		{ "wait", required_argument, NULL, 'W' },
		{ "xml", no_argument, NULL, 'x' },
		{ "charset", required_argument, NULL, O_CHARSET },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	long long v;
	ck_err e;
	int c;

	while ((c = getopt_long(argc, argv, "q:w:i:c:f:d:p:tT:W:xvhV", lo,
	    NULL)) != -1) {
		switch (c) {
		case 'q': o->query = optarg; break;
		case 'w': o->g.listen = optarg; break;
		case 'i': o->g.device_id = optarg; break;
		case 'c': o->channel = optarg; break;
		case 'f': o->g.from = optarg; break;
		case 'd': o->g.domain = optarg; break;
		case O_PWFILE: o->password_file = optarg; break;
		case O_PASSWORDS: o->g.passwords_file = optarg; break;
		case O_ALLOW: o->g.allow = optarg; break;
		case O_SHA256: o->g.sha256 = 1; break;
		case 'p':
			if (ck_opt_parse_int(optarg, 0, 65535, &v, &e) < 0)
				return ck_tool_usage_err("--local-port: %s", e.msg);
			o->g.local_port = (int)v;
			break;
		case 't': o->g.tcp = 1; break;
		case O_START: o->start = optarg; break;
		case O_END: o->end = optarg; break;
		case O_TYPE: o->rtype = optarg; break;
		case O_ADDRESS: o->address = optarg; break;
		case O_CONFIG: o->config = optarg; break;
		case O_SN:
			if (ck_opt_parse_int(optarg, 0, 4294967295LL, &o->sn, &e) < 0)
				return ck_tool_usage_err("--sn: %s", e.msg);
			break;
		case 'T':
		case 'W':
			if (ck_opt_parse_duration(optarg, &v, &e) < 0)
				return ck_tool_usage_err("%s: %s", c == 'T' ? "--timeout" :
				    "--wait", e.msg);
			if (c == 'T')
				o->timeout_ms = v;
			else
				o->g.wait_ms = v;
			break;
		case 'x': o->xml = 1; break;
		case O_CHARSET: o->charset = optarg; break;
		case 'v': ck_log_verbosity++; break;
		case 'h': fputs(usage, stdout); return -1;
		case 'V': ck_tool_version(); return -1;
		default: return ck_tool_usage_err("unknown or incomplete option");
		}
	}
	if (validate(o, argc - optind, argv + optind, &e) < 0)
		return ck_tool_usage_err("%s", e.msg);
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { .query = "Catalog", .sn = -1, .timeout_ms = 5000,
	    .g = { .wait_ms = 60000 } };
	ck_cred cred;
	ck_err e;
	int rc;

	ck_log_init(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = parse_opts(argc, argv, &o)) != 0)
		return rc < 0 ? ck_tool_finish(0) : rc;
	if (o.g.listen) {
		if (ck_cred_load(&cred, "GB", NULL, o.password_file, NULL, &e) < 0)
			return ck_tool_fail(&e);
		if (!cred.have_pass && !o.g.passwords_file) {
			ck_log_warn("no password: give --passwords FILE, --password-file, "
			    "or GB_PASSWORD");
			return CK_CONFIG;
		}
		o.g.password = cred.have_pass ? cred.pass : NULL;
	}
	rc = run_query(&o);
	if (o.g.listen)
		ck_cred_wipe(&cred);
	return ck_tool_finish(rc);
}
