/* cams: the openvidu-ipcam verbs (see cams.h). */
#include "openvidu/cams.h"

#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/cred.h"
#include "base/log.h"

#define MAX_LINE 65536
#define MAX_INPUTS 4096

void
ck_cams_init(ck_cams *v)
{
	memset(v, 0, sizeof *v);
	ck_ipcam_props_init(&v->props);
}

/* {"type":"ipcam", ...} for one camera connection. */
static int
emit_conn(ck_cams *g, const char *state, const ck_ipcam_conn *c, int closed)
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
	return ck_json_emit(g->j, g->out) < 0 ? CK_IOERR : 0;
}

/* An error record (and the message on stderr); returns the kind. */
static int
emit_err(ck_cams *g, const char *uri, const char *conn_id, const ck_err *e)
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
	return ck_json_emit(g->j, g->out) < 0 ? CK_IOERR : kind;
}

struct input { char *uri, *name; };

/* Reads the URIs to publish (arguments, else g->in lines of at most
 * MAX_LINE bytes: a longer one is an error record and is skipped); bad
 * lines become error records. Returns the worst status so far. */
static int
read_inputs(ck_cams *g, char **args, int nargs, struct input **in, size_t *n)
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
	while (nargs == 0 && fgets(line, MAX_LINE + 2, g->in) != NULL) {
		len = strlen(line);
		if (*n >= MAX_INPUTS) {
			ck_err_set(&e, CK_DATAERR, "more than %d inputs: the rest is ignored", MAX_INPUTS);
			rc = ck_err_worst(rc, emit_err(g, NULL, NULL, &e));
			break;
		}
		if (len > MAX_LINE && line[len - 1] != '\n') {
			while ((ch = getc(g->in)) != EOF && ch != '\n')
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
known_cameras(ck_cams *g, ck_ipcam_conn **k, size_t *nk, ck_err *e)
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
publish_one(ck_cams *g, const struct input *in, ck_ipcam_conn **k, size_t *nk)
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
do_publish(ck_cams *g, char **args, int nargs)
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
unpublish_one(ck_cams *g, const ck_ipcam_conn *c)
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
do_unpublish(ck_cams *g, char **ids, int nids)
{
	ck_ipcam_conn *k = NULL, c;
	ck_err e = { 0, "" };
	size_t nk = 0, i, hit = 0;
	int rc = 0, j;

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
do_list(ck_cams *g)
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

int
ck_cams_run(ck_cams *g, const char *verb, char **args, int nargs)
{
	int rc;

	if ((g->j = ck_json_new()) == NULL)
		return CK_SOFTWARE;
	if (strcmp(verb, "publish") == 0)
		rc = do_publish(g, args, nargs);
	else if (strcmp(verb, "unpublish") == 0)
		rc = do_unpublish(g, args, nargs);
	else
		rc = do_list(g);
	ck_json_free(g->j);
	g->j = NULL;
	return rc;
}
