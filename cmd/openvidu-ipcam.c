/* openvidu-ipcam: publish IP cameras into OpenVidu 2.x sessions, list and
 * unpublish them, over the server's REST API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cred.h"
#include "base/err.h"
#include "base/log.h"
#include "base/opt.h"
#include "cli/opts.h"
#include "cli/tool.h"
#include "openvidu/cams.h"

enum {
	K_URL = CK_OPTS_TOOL, K_SECRET_FILE, K_SESSION, K_CREATE, K_FORCE, K_NO_ABR,
	K_ALWAYS, K_CACHE, K_DATA, K_NO_RECORD, K_URI, K_ALL
};

struct cfg {
	const char *url, *secret_file;
	ck_http_opts http;
	ck_cams v;               /* the verb's settings and the client */
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
	case K_SESSION: g->v.session = v; return ck_ipcam_check_session(v, e);
	case K_CREATE: g->v.create = 1; return 0;
	case K_FORCE: g->v.force = 1; return 0;
	case K_NO_ABR: g->v.props.adaptive_bitrate = 0; return 0;
	case K_ALWAYS: g->v.props.only_play_with_subscribers = 0; return 0;
	case K_CACHE:
		if (ck_opt_parse_int(v, 0, 2147483647, &n, e) < 0)
			return ck_err_wrap(e, "--network-cache");
		g->v.props.network_cache_ms = (long)n;
		return 0;
	case K_DATA: g->v.props.data = v; g->v.data_set = 1; return 0;
	case K_NO_RECORD: g->v.props.record = 0; return 0;
	case K_URI: g->v.uri = v; return 0;
	case K_ALL: g->v.all = 1; return 0;
	}
	return ck_err_set(e, CK_SOFTWARE, "unhandled option");
}

/* Options that only one verb takes are refused with the others. */
static int
check_verb(struct cfg *g, const char *verb, int nops)
{
	int pub = strcmp(verb, "publish") == 0, unp = strcmp(verb, "unpublish") == 0;
	int lst = strcmp(verb, "list") == 0;

	if (!pub && !unp && !lst)
		return ck_tool_usage_err("unknown verb '%s' (publish, unpublish or list)", verb);
	if (!lst && g->v.session == NULL)
		return ck_tool_usage_err("%s needs --session ID", verb);
	if (!pub && (g->v.create || g->v.force || g->v.data_set || g->v.props.record == 0 ||
	    g->v.props.adaptive_bitrate == 0 || g->v.props.only_play_with_subscribers == 0 ||
	    g->v.props.network_cache_ms != 2000))
		return ck_tool_usage_err("--create, --force and the camera properties are for publish");
	if (!unp && (g->v.uri || g->v.all))
		return ck_tool_usage_err("--uri and --all are for unpublish");
	if (lst && nops > 0)
		return ck_tool_usage_err("list takes no operands");
	if (unp && (nops > 0) + (g->v.uri != NULL) + g->v.all != 1)
		return ck_tool_usage_err("unpublish takes CONNECTION_ID..., --uri URI or --all");
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
	g->v.c = ck_ipcam_new(g->url, secret, &g->http, &e);
	ck_cred_wipe_mem(secret, sizeof secret);
	return g->v.c ? 0 : ck_tool_fail(&e);
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
	ck_cams_init(&g.v);
	g.v.in = stdin;
	g.v.out = stdout;
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
	rc = ck_cams_run(&g.v, verb, argv + first, argc - first);
	ck_ipcam_free(g.v.c);
	return ck_tool_finish(rc);
}
