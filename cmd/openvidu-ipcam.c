/* openvidu-ipcam: publish IP cameras into OpenVidu 2.x sessions, list and
 * unpublish them, over the server's REST API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/cred.h"
#include "base/err.h"
#include "base/log.h"
#include "base/opt.h"
#include "cli/opts.h"
#include "cli/tool.h"
#include "codec/json.h"
#include "openvidu/ipcam.h"

enum {
	K_URL = CK_OPTS_TOOL, K_SECRET_FILE, K_SESSION, K_CREATE, K_FORCE, K_NO_ABR,
	K_ALWAYS, K_CACHE, K_DATA, K_NO_RECORD, K_URI, K_ALL
};

#define MAX_LINE 65536
#define MAX_INPUTS 4096

struct cfg {
	const char *url, *secret_file, *session, *uri;
	int create, force, all, data_set;
	ck_ipcam_props props;
	ck_http_opts http;
	ck_ipcam *c;
	ck_json *j;
};

static const ck_opts_opt tool_opts[] = {
	{ "url", K_URL, CK_OPTS_ARG, "URL", "OpenVidu server (default $OPENVIDU_URL)" },
	{ "secret-file", K_SECRET_FILE, CK_OPTS_ARG, "FILE",
	  "the secret from FILE (- = stdin; mode 600), else\n$OPENVIDU_SECRET, else the credentials file" },
	{ "insecure", 'k', CK_OPTS_NOARG, NULL, "do not verify the server's TLS certificate" },
	{ "timeout", 't', CK_OPTS_ARG, "DUR", "per request (default 10s)" },
	{ "session", K_SESSION, CK_OPTS_ARG, "ID", "the session ([A-Za-z0-9_-]); list: only this one" },
	{ "create", K_CREATE, CK_OPTS_NOARG, NULL, "publish: make the session when it does not exist" },
	{ "force", K_FORCE, CK_OPTS_NOARG, NULL, "publish: even when the URI is already in the session" },
	{ "no-adaptive-bitrate", K_NO_ABR, CK_OPTS_NOARG, NULL,
	  "publish: serve the camera's video as is (no re-encoding)" },
	{ "always-play", K_ALWAYS, CK_OPTS_NOARG, NULL,
	  "publish: pull the stream even with no subscriber" },
	{ "network-cache", K_CACHE, CK_OPTS_ARG, "MS", "publish: receive buffer (default 2000)" },
	{ "data", K_DATA, CK_OPTS_ARG, "TEXT",
	  "publish: the connection's data (default: the onvif\nrecord's name)" },
	{ "no-record", K_NO_RECORD, CK_OPTS_NOARG, NULL, "publish: leave the camera out of recordings" },
	{ "uri", K_URI, CK_OPTS_ARG, "URI", "unpublish: the cameras with this URI" },
	{ "all", K_ALL, CK_OPTS_NOARG, NULL, "unpublish: every camera of the session" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
handle(void *ctx, int key, const char *v, ck_err *e)
{
	struct cfg *g = ctx;
	long long n;

	switch (key) {
	case K_URL: g->url = v; return 0;
	case K_SECRET_FILE: g->secret_file = v; return 0;
	case 'k': g->http.insecure = 1; return 0;
	case 't':
		if (ck_opt_parse_duration(v, &n, e) < 0)
			return -1;
		if (n <= 0)
			return ck_err_set(e, CK_USAGE, "--timeout must be positive");
		g->http.timeout_ms = (long)n;
		return 0;
	case K_SESSION: g->session = v; return ck_ipcam_check_session(v, e);
	case K_CREATE: g->create = 1; return 0;
	case K_FORCE: g->force = 1; return 0;
	case K_NO_ABR: g->props.adaptive_bitrate = 0; return 0;
	case K_ALWAYS: g->props.only_play_with_subscribers = 0; return 0;
	case K_CACHE:
		if (ck_opt_parse_int(v, 0, 2147483647, &n, e) < 0)
			return ck_err_wrap(e, "--network-cache");
		g->props.network_cache_ms = (long)n;
		return 0;
	case K_DATA: g->props.data = v; g->data_set = 1; return 0;
	case K_NO_RECORD: g->props.record = 0; return 0;
	case K_URI: g->uri = v; return 0;
	case K_ALL: g->all = 1; return 0;
	}
	return ck_err_set(e, CK_SOFTWARE, "unhandled option");
}

/* {"type":"ipcam", ...} for one camera connection. */
static int
emit_conn(struct cfg *g, const char *state, const ck_ipcam_conn *c, int closed)
{
	char red[2048];

	ck_ipcam_redact_uri(c->rtsp_uri, red, sizeof red);
	ck_json_record(g->j, "ipcam");
	ck_json_time_ms(g->j, "ts", ck_clock_wall_ms());
	ck_json_str(g->j, "state", state);
	ck_json_str(g->j, "session", c->session);
	ck_json_str(g->j, "connection_id", c->id);
	ck_json_str(g->j, "stream_id", c->stream_id[0] ? c->stream_id : NULL);
	ck_json_str(g->j, "rtsp_uri", red);
	ck_json_obj(g->j, "properties");
	ck_json_bool(g->j, "adaptive_bitrate", c->adaptive_bitrate == 1);
	ck_json_bool(g->j, "only_play_with_subscribers", c->only_play_with_subscribers == 1);
	ck_json_int(g->j, "network_cache_ms", c->network_cache_ms);
	ck_json_bool(g->j, "record", c->record == 1);
	ck_json_str(g->j, "data", c->data);
	ck_json_end(g->j);
	if (c->created_at_ms > 0)
		ck_json_time_ms(g->j, "created_at", c->created_at_ms);
	else
		ck_json_null(g->j, "created_at");
	if (closed)
		ck_json_bool(g->j, "session_closed", 1);
	return ck_json_emit(g->j, stdout) < 0 ? CK_IOERR : 0;
}

/* An error record (and the message on stderr); returns the kind. */
static int
emit_err(struct cfg *g, const char *uri, const char *conn_id, const ck_err *e)
{
	char red[2048];
	int kind = e->kind ? e->kind : CK_SOFTWARE;

	ck_log_warn("%s", e->msg);
	ck_json_record(g->j, "error");
	ck_json_time_ms(g->j, "ts", ck_clock_wall_ms());
	ck_json_str(g->j, "session", g->session);
	if (uri) {
		ck_ipcam_redact_uri(uri, red, sizeof red);
		ck_json_str(g->j, "rtsp_uri", red);
	}
	if (conn_id)
		ck_json_str(g->j, "connection_id", conn_id);
	ck_json_str(g->j, "error", ck_err_kind_name(kind));
	ck_json_int(g->j, "status", kind);
	ck_json_str(g->j, "message", e->msg);
	return ck_json_emit(g->j, stdout) < 0 ? CK_IOERR : kind;
}

struct input { char *uri, *name; };

/* Reads the URIs to publish (arguments, else stdin lines of at most
 * MAX_LINE bytes: a longer one is an error record and is skipped); bad
 * lines become error records. Returns the worst status so far. */
static int
read_inputs(struct cfg *g, char **args, int nargs, struct input **in, size_t *n)
{
	char *line, uri[2048], name[512];
	int rc = 0, i, r, ch;
	size_t len;
	ck_err e = { 0, "" };

	*in = calloc(MAX_INPUTS, sizeof **in);
	line = malloc(MAX_LINE + 2);
	if (*in == NULL || line == NULL) {
		free(line);
		return CK_SOFTWARE;
	}
	for (i = 0; i < nargs && *n < MAX_INPUTS; i++)
		if (((*in)[*n].uri = strdup(args[i])) != NULL)
			(*n)++;
	while (nargs == 0 && fgets(line, MAX_LINE + 2, stdin) != NULL) {
		len = strlen(line);
		if (*n >= MAX_INPUTS) {
			ck_err_set(&e, CK_DATAERR, "more than %d inputs: the rest is ignored", MAX_INPUTS);
			rc = ck_err_worst(rc, emit_err(g, NULL, NULL, &e));
			break;
		}
		if (len > MAX_LINE && line[len - 1] != '\n') {
			while ((ch = getchar()) != EOF && ch != '\n')
				;
			ck_err_set(&e, CK_DATAERR, "input line longer than %d bytes", MAX_LINE);
			rc = ck_err_worst(rc, emit_err(g, NULL, NULL, &e));
			continue;
		}
		if ((r = ck_ipcam_parse_input(line, uri, sizeof uri, name, sizeof name, &e)) < 0)
			rc = ck_err_worst(rc, emit_err(g, NULL, NULL, &e));
		else if (r == 1 && ((*in)[*n].uri = strdup(uri)) != NULL)
			(*in)[(*n)++].name = name[0] ? strdup(name) : NULL;
		ck_cred_wipe_mem(uri, sizeof uri);
	}
	ck_cred_wipe_mem(line, MAX_LINE + 2);   /* lines may hold camera passwords */
	free(line);
	return rc;
}

/* The session's cameras now; an unknown session is an error unless create. */
static int
known_cameras(struct cfg *g, ck_ipcam_conn **k, size_t *nk, ck_err *e)
{
	int created;

	if (g->create) {
		if (ck_ipcam_session_create(g->c, g->session, &created, e) < 0)
			return -1;
		ck_log_info("session %s %s", g->session, created ? "created" : "already exists");
	}
	return ck_ipcam_list(g->c, g->session, k, nk, e);
}

static int
publish_one(struct cfg *g, const struct input *in, ck_ipcam_conn **k, size_t *nk)
{
	ck_ipcam_props p = g->props;
	ck_ipcam_conn c, *nv;
	ck_err e = { 0, "" };
	size_t i;

	if (ck_ipcam_check_uri(in->uri, &e) < 0)
		return emit_err(g, in->uri, NULL, &e);
	for (i = 0; !g->force && i < *nk; i++)
		if (strcmp((*k)[i].type, "IPCAM") == 0 && ck_ipcam_same_uri((*k)[i].rtsp_uri, in->uri)) {
			ck_log_info("%s is already published as %s (--force publishes it again)",
			    (*k)[i].id, (*k)[i].id);
			return emit_conn(g, "already_published", &(*k)[i], 0);
		}
	if (!g->data_set && in->name)
		p.data = in->name;
	if (ck_ipcam_publish(g->c, g->session, in->uri, &p, &c, &e) < 0)
		return emit_err(g, in->uri, NULL, &e);
	if ((nv = realloc(*k, (*nk + 1) * sizeof *nv)) != NULL) {
		*k = nv;
		(*k)[(*nk)++] = c;
	}
	return emit_conn(g, "published", &c, 0);
}

static int
do_publish(struct cfg *g, char **args, int nargs)
{
	struct input *in = NULL;
	ck_ipcam_conn *k = NULL;
	size_t n = 0, nk = 0, i, bad = 0;
	ck_err e = { 0, "" };
	int rc = read_inputs(g, args, nargs, &in, &n);

	/* URIs the server would refuse are caught before anything is sent */
	for (i = 0; i < n; i++)
		bad += in[i].uri && ck_ipcam_check_uri(in[i].uri, &e) < 0;
	if (n == 0 && rc == 0) {
		ck_log_warn("nothing to publish (no URI given or read)");
		rc = CK_EMPTY;
	} else if (bad == n) {
		for (i = 0; i < n; i++)
			rc = ck_err_worst(rc, publish_one(g, &in[i], &k, &nk));
	} else if (known_cameras(g, &k, &nk, &e) < 0) {
		for (i = 0; i < n; i++)
			rc = ck_err_worst(rc, emit_err(g, in[i].uri, NULL, &e));
	} else {
		for (i = 0; i < n; i++)
			rc = ck_err_worst(rc, publish_one(g, &in[i], &k, &nk));
	}
	for (i = 0; i < n; i++) {
		if (in[i].uri)
			ck_cred_wipe_mem(in[i].uri, strlen(in[i].uri));
		free(in[i].uri);
		free(in[i].name);
	}
	free(in);
	free(k);
	return rc;
}

/* Deletes camera c and reports it, with whether the session closed. */
static int
unpublish_one(struct cfg *g, const ck_ipcam_conn *c)
{
	ck_err e = { 0, "" };
	int there;

	if (strcmp(c->type, "IPCAM") != 0) {
		ck_err_set(&e, CK_USAGE, "connection %s is a %s participant, not an IP camera: "
		    "left alone", c->id, c->type[0] ? c->type : "non-camera");
		return emit_err(g, NULL, c->id, &e);
	}
	if (ck_ipcam_unpublish(g->c, g->session, c->id, &e) < 0)
		return emit_err(g, c->rtsp_uri, c->id, &e);
	/* the server closes a session when its last participant leaves */
	there = ck_ipcam_session_exists(g->c, g->session, &e);
	if (there == 0)
		ck_log_info("session %s closed with its last participant", g->session);
	return emit_conn(g, "unpublished", c, there == 0);
}

static int
do_unpublish(struct cfg *g, char **ids, int nids)
{
	ck_ipcam_conn *k = NULL, c;
	ck_err e = { 0, "" };
	size_t nk = 0, i, hit = 0;
	int rc = 0, j;

	if ((nids > 0) + (g->uri != NULL) + g->all != 1)
		return ck_tool_usage_err("unpublish takes CONNECTION_ID..., --uri URI or --all");
	for (j = 0; j < nids; j++) {
		if (ck_ipcam_get(g->c, g->session, ids[j], &c, &e) < 0)
			rc = ck_err_worst(rc, emit_err(g, NULL, ids[j], &e));
		else
			rc = ck_err_worst(rc, unpublish_one(g, &c));
	}
	if (nids > 0)
		return rc;
	if (ck_ipcam_list(g->c, g->session, &k, &nk, &e) < 0)
		return emit_err(g, g->uri, NULL, &e);
	for (i = 0; i < nk; i++) {
		if (strcmp(k[i].type, "IPCAM") != 0 || (g->uri && !ck_ipcam_same_uri(k[i].rtsp_uri, g->uri)))
			continue;
		hit++;
		rc = ck_err_worst(rc, unpublish_one(g, &k[i]));
	}
	free(k);
	if (hit == 0) {
		ck_log_warn("no IP camera%s in session %s", g->uri ? " with that URI" : "", g->session);
		rc = ck_err_worst(rc, CK_EMPTY);
	}
	return rc;
}

static int
do_list(struct cfg *g)
{
	ck_ipcam_conn *k = NULL;
	ck_err e = { 0, "" };
	size_t nk = 0, i, hit = 0;
	int rc = 0;

	if (ck_ipcam_list(g->c, g->session, &k, &nk, &e) < 0)
		return emit_err(g, NULL, NULL, &e);
	for (i = 0; i < nk && rc != CK_IOERR; i++)
		if (strcmp(k[i].type, "IPCAM") == 0) {
			hit++;
			rc = ck_err_worst(rc, emit_conn(g, k[i].status, &k[i], 0));
		}
	free(k);
	return hit == 0 && rc == 0 ? CK_EMPTY : rc;
}

/* Options that only one verb takes are refused with the others. */
static int
check_verb(struct cfg *g, const char *verb, int nops)
{
	int pub = strcmp(verb, "publish") == 0, unp = strcmp(verb, "unpublish") == 0;
	int lst = strcmp(verb, "list") == 0;

	if (!pub && !unp && !lst)
		return ck_tool_usage_err("unknown verb '%s' (publish, unpublish or list)", verb);
	if (!lst && g->session == NULL)
		return ck_tool_usage_err("%s needs --session ID", verb);
	if (!pub && (g->create || g->force || g->data_set || g->props.record == 0 ||
	    g->props.adaptive_bitrate == 0 || g->props.only_play_with_subscribers == 0 ||
	    g->props.network_cache_ms != 2000))
		return ck_tool_usage_err("--create, --force and the camera properties are for publish");
	if (!unp && (g->uri || g->all))
		return ck_tool_usage_err("--uri and --all are for unpublish");
	if (lst && nops > 0)
		return ck_tool_usage_err("list takes no operands");
	return 0;
}

/* Server, secret and client: everything the verbs share. */
static int
connect_server(struct cfg *g)
{
	char secret[512];
	ck_err e = { 0, "" };
	ck_opt_url u;

	if (g->url == NULL && (g->url = getenv("OPENVIDU_URL")) == NULL)
		return ck_tool_usage_err("no server: give --url URL or set OPENVIDU_URL");
	if (ck_ipcam_check_url(g->url, &e) < 0)
		return ck_tool_usage_err("%s", e.msg);
	ck_opt_parse_url(g->url, &u, &e);
	if (ck_ipcam_secret(secret, sizeof secret, g->secret_file, u.host, &e) < 0)
		return ck_tool_fail(&e);
	g->c = ck_ipcam_new(g->url, secret, &g->http, &e);
	ck_cred_wipe_mem(secret, sizeof secret);
	return g->c ? 0 : ck_tool_fail(&e);
}

int
main(int argc, char **argv)
{
	static const ck_opts_tool tool = {
		"Usage: openvidu-ipcam publish --session ID [options] [URI...]\n"
		"       openvidu-ipcam unpublish --session ID (CONNECTION_ID... | --uri URI | --all)\n"
		"       openvidu-ipcam list [--session ID]",
		"Publishes IP cameras (RTSP URIs) into an OpenVidu 2.x session as IPCAM\n"
		"connections, lists them, and unpublishes them. publish reads URIs from\n"
		"its arguments, else one per stdin line: a plain URI or an NDJSON record\n"
		"with stream_uri (onvif-media's). One NDJSON record per camera.\n",
		"Example (camera accounts put into the URIs by onvif-media):\n"
		"  onvif-discover | onvif-media ... | openvidu-ipcam publish --session lobby --create\n"
		"Exit: 0 ok, 1 nothing found, 64 usage or a URI the server refuses,\n"
		"65 malformed input line, 66 secret file missing, 68 unknown host,\n"
		"69 unreachable, 75 timeout, 76 server error, 77 wrong secret,\n"
		"78 no secret or a readable secret file.\n",
		NULL, 1
	};
	struct cfg g;
	ck_opts_block b = { NULL, tool_opts, handle, &g };
	ck_opts_tool t = tool;
	int first, status, rc;
	const char *verb;

	ck_log_init(argv[0]);
	memset(&g, 0, sizeof g);
	ck_ipcam_props_init(&g.props);
	g.http.timeout_ms = 10000;
	g.http.tls_hint = "--insecure skips verification";
	t.blocks = &b;
	if (!ck_opts_parse(&t, argc, argv, &first, &status))
		return status;
	if (first >= argc)
		return ck_tool_usage_err("no verb (publish, unpublish or list)");
	verb = argv[first++];
	if ((rc = check_verb(&g, verb, argc - first)) != 0)
		return rc;
	if ((rc = connect_server(&g)) != 0)
		return rc;
	if ((g.j = ck_json_new()) == NULL) {
		ck_ipcam_free(g.c);
		return CK_SOFTWARE;
	}
	if (strcmp(verb, "publish") == 0)
		rc = do_publish(&g, argv + first, argc - first);
	else if (strcmp(verb, "unpublish") == 0)
		rc = do_unpublish(&g, argv + first, argc - first);
	else
		rc = do_list(&g);
	ck_json_free(g.j);
	ck_ipcam_free(g.c);
	return ck_tool_finish(rc);
}
