#include "openvidu/ipcam.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "base/cred.h"
#include "base/log.h"
#include "base/opt.h"
#include "codec/json.h"

#define API "/openvidu/api"

struct ck_ipcam {
	ck_http *h;
	char base[1024];
	char secret[512];
};

void
ck_ipcam_props_init(ck_ipcam_props *p)
{
	p->adaptive_bitrate = 1;
	p->only_play_with_subscribers = 1;
	p->network_cache_ms = 2000;
	p->record = 1;
	p->data = NULL;
}

int
ck_ipcam_check_url(const char *base, ck_err *e)
{
	ck_opt_url u;

	if (ck_opt_parse_url(base, &u, e) < 0)
		return -1;
	if (strcmp(u.scheme, "http") != 0 && strcmp(u.scheme, "https") != 0)
		return ck_err_set(e, CK_USAGE, "%s: the OpenVidu URL must be http:// or https://",
		    base);
	if (u.user[0])
		return ck_err_set(e, CK_USAGE, "%s: no user in the URL (the secret comes from "
		    "--secret-file, OPENVIDU_SECRET or the credentials file)", base);
	return 0;
}

static int
is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int
ck_ipcam_check_uri(const char *uri, ck_err *e)
{
	static const char *const ok[] = { "file", "rtsp", "rtsps", "http", "https" };
	size_t n = strlen(uri), sl, i;
	char scheme[32], red[2048];

	/* messages name the URI without its password */
	ck_ipcam_redact_uri(uri, red, sizeof red);
	if (n == 0)
		return ck_err_set(e, CK_USAGE, "empty URI");
	if (n >= sizeof ((ck_ipcam_conn *)0)->rtsp_uri)
		return ck_err_set(e, CK_USAGE, "URI longer than %zu bytes",
		    sizeof ((ck_ipcam_conn *)0)->rtsp_uri - 1);
	/* java.net.URI refuses these anywhere, and bad %-escapes */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)uri[i];
		if (c <= 0x20 || c == 0x7f || strchr("\"<>\\^`{|}", c))
			return ck_err_set(e, CK_USAGE, "%s: illegal character at index %zu "
			    "(the server parses it as a java.net.URI)", red, i);
		if (c == '%' && !(is_hex(uri[i + 1]) && is_hex(uri[i + 2])))
			return ck_err_set(e, CK_USAGE, "%s: malformed %%-escape at index %zu", red, i);
	}
	/* brackets belong to an IPv6 host only */
	{
		const char *a = strstr(uri, "://"), *end = uri;
		if (a && a < uri + strcspn(uri, "/?#"))
			end = a + 3 + strcspn(a + 3, "/?#");
		for (i = 0; i < n; i++)
			if ((uri[i] == '[' || uri[i] == ']') && uri + i >= end)
				return ck_err_set(e, CK_USAGE, "%s: illegal character at index %zu "
				    "(brackets only around an IPv6 host)", red, i);
	}
	sl = strspn(uri, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
	if (sl == 0 || uri[sl] != ':' || !((uri[0] | 0x20) >= 'a' && (uri[0] | 0x20) <= 'z'))
		return ck_err_set(e, CK_USAGE, "%s: no scheme; OpenVidu accepts %s", red,
		    CK_IPCAM_SCHEMES);
	if (sl >= sizeof scheme)
		sl = sizeof scheme - 1;
	memcpy(scheme, uri, sl);
	scheme[sl] = '\0';
	if (uri[sl + 1] == '\0')
		return ck_err_set(e, CK_USAGE, "%s: nothing after the scheme", red);
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strcmp(scheme, ok[i]) == 0)
			return 0;
	return ck_err_set(e, CK_USAGE, "%s: scheme '%s' is not accepted by OpenVidu "
	    "(accepted, in lower case: %s)", red, scheme, CK_IPCAM_SCHEMES);
}

int
ck_ipcam_check_session(const char *id, ck_err *e)
{
	size_t n = strlen(id);

	if (n == 0 || n > 255 || strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-") != n)
		return ck_err_set(e, CK_USAGE, "session id '%s': OpenVidu takes 1 to 255 of "
		    "[A-Za-z0-9_-]", id);
	return 0;
}

/* The [start, end) of the userinfo (with its '@') in uri, or 0. */
static int
userinfo(const char *uri, size_t *start, size_t *end)
{
	const char *p = strstr(uri, "://"), *a, *at = NULL;

	if (p == NULL)
		return 0;
	p += 3;
	for (a = p; *a && *a != '/' && *a != '?' && *a != '#'; a++)
		if (*a == '@')
			at = a;
	if (at == NULL)
		return 0;
	*start = (size_t)(p - uri);
	*end = (size_t)(at - uri) + 1;
	return 1;
}

void
ck_ipcam_redact_uri(const char *uri, char *out, size_t outlen)
{
	size_t s, t;

	if (userinfo(uri, &s, &t))
		snprintf(out, outlen, "%.*s***@%s", (int)s, uri, uri + t);
	else
		snprintf(out, outlen, "%s", uri);
}

int
ck_ipcam_same_uri(const char *a, const char *b)
{
	char x[2048], y[2048];
	size_t s, t;

	if (userinfo(a, &s, &t))
		snprintf(x, sizeof x, "%.*s%s", (int)s, a, a + t);
	else
		snprintf(x, sizeof x, "%s", a);
	if (userinfo(b, &s, &t))
		snprintf(y, sizeof y, "%.*s%s", (int)s, b, b + t);
	else
		snprintf(y, sizeof y, "%s", b);
	return strcmp(x, y) == 0;
}

static int
copy_str(char *dst, size_t dl, const char *s, const char *what, ck_err *e)
{
	if (strlen(s) >= dl)
		return ck_err_set(e, CK_DATAERR, "%s longer than %zu bytes", what, dl - 1);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

int
ck_ipcam_parse_input(const char *line, char *uri, size_t urilen, char *name,
    size_t namelen, ck_err *e)
{
	json_t *o, *v;
	json_error_t je;
	size_t n;
	int rc = 1;

	while (*line == ' ' || *line == '\t')
		line++;
	n = strcspn(line, "\r\n");
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	name[0] = '\0';
	if (n == 0)
		return 0;
	if (line[0] != '{') {
		if (n >= urilen)
			return ck_err_set(e, CK_DATAERR, "input URI longer than %zu bytes", urilen - 1);
		memcpy(uri, line, n);
		uri[n] = '\0';
		return 1;
	}
	if ((o = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return ck_err_set(e, CK_DATAERR, "input record: %s", je.text);
	v = json_object_get(o, "stream_uri");
	if (!json_is_string(v)) {
		json_t *t = json_object_get(o, "type");
		rc = ck_err_set(e, CK_DATAERR, "input record%s%s has no stream_uri",
		    json_is_string(t) ? " of type " : "", json_is_string(t) ? json_string_value(t) : "");
	} else if (copy_str(uri, urilen, json_string_value(v), "stream_uri", e) < 0)
		rc = -1;
	else if (json_is_string(v = json_object_get(o, "name")))
		snprintf(name, namelen, "%s", json_string_value(v));
	json_decref(o);
	return rc;
}

static const char *
jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

static int
jbool(json_t *o, const char *k, int def)
{
	json_t *v = json_object_get(o, k);
	return json_is_boolean(v) ? json_is_true(v) : def;
}

static int
conn_from(json_t *o, ck_ipcam_conn *c, ck_err *e)
{
	json_t *v, *pubs;

	memset(c, 0, sizeof *c);
	if (!json_is_object(o) || !json_is_string(json_object_get(o, "id")) ||
	    strcmp(jstr(o, "object"), "connection") != 0)
		return ck_err_set(e, CK_PROTO, "the server's reply is not a Connection object");
	if (copy_str(c->id, sizeof c->id, jstr(o, "id"), "connection id", e) < 0 ||
	    copy_str(c->session, sizeof c->session, jstr(o, "sessionId"), "session id", e) < 0 ||
	    copy_str(c->rtsp_uri, sizeof c->rtsp_uri, jstr(o, "rtspUri"), "rtspUri", e) < 0) {
		e->kind = CK_PROTO;
		return -1;
	}
	snprintf(c->data, sizeof c->data, "%s", jstr(o, "serverData"));
	snprintf(c->type, sizeof c->type, "%s", jstr(o, "type"));
	snprintf(c->status, sizeof c->status, "%s", jstr(o, "status"));
	c->adaptive_bitrate = jbool(o, "adaptativeBitrate", -1);
	c->only_play_with_subscribers = jbool(o, "onlyPlayWithSubscribers", -1);
	c->record = jbool(o, "record", -1);
	v = json_object_get(o, "networkCache");
	/* a number the server never sends (huge, negative) is not cast: that is UB */
	c->network_cache_ms = json_is_number(v) && json_number_value(v) >= 0 &&
	    json_number_value(v) <= 2147483647.0 ? (long)json_number_value(v) : -1;
	v = json_object_get(o, "createdAt");
	c->created_at_ms = json_is_integer(v) ? json_integer_value(v) : 0;
	pubs = json_object_get(o, "publishers");
	if (json_is_array(pubs) && json_array_size(pubs) > 0)
		snprintf(c->stream_id, sizeof c->stream_id, "%s",
		    jstr(json_array_get(pubs, 0), "streamId"));
	return 0;
}

int
ck_ipcam_parse_conn(const char *json, size_t len, ck_ipcam_conn *c, ck_err *e)
{
	json_error_t je;
	json_t *o = json_loadb(json, len, 0, &je);
	int rc;

	if (o == NULL)
		return ck_err_set(e, CK_PROTO, "unparsable reply: %s", je.text);
	rc = conn_from(o, c, e);
	json_decref(o);
	return rc;
}

/* Appends the Connections of array a to *out. */
static int
add_conns(json_t *a, ck_ipcam_conn **out, size_t *n, ck_err *e)
{
	size_t i, k = json_array_size(a);
	ck_ipcam_conn *nv;

	if (!json_is_array(a))
		return ck_err_set(e, CK_PROTO, "the server's list has no content array");
	if (k == 0)
		return 0;
	if (k > 100000 || (nv = realloc(*out, (*n + k) * sizeof **out)) == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	*out = nv;
	for (i = 0; i < k; i++) {
		if (conn_from(json_array_get(a, i), &nv[*n], e) < 0)
			return -1;
		(*n)++;
	}
	return 0;
}

int
ck_ipcam_parse_list(const char *json, size_t len, int sessions,
    ck_ipcam_conn **out, size_t *n, ck_err *e)
{
	json_error_t je;
	json_t *o = json_loadb(json, len, 0, &je), *a, *s;
	size_t i;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (o == NULL)
		return ck_err_set(e, CK_PROTO, "unparsable reply: %s", je.text);
	a = json_object_get(o, "content");
	if (!json_is_array(a))
		rc = ck_err_set(e, CK_PROTO, "the server's list has no content array");
	for (i = 0; rc == 0 && i < json_array_size(a); i++) {
		if (!sessions) {
			rc = add_conns(a, out, n, e);
			break;
		}
		s = json_object_get(json_array_get(a, i), "connections");
		rc = add_conns(json_object_get(s, "content"), out, n, e);
	}
	json_decref(o);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

static void
chomp(char *s)
{
	s[strcspn(s, "\r\n")] = '\0';
}

int
ck_ipcam_secret(char *out, size_t outlen, const char *file, const char *host,
    ck_err *e)
{
	const char *v;
	ck_cred c;
	struct stat st;
	FILE *f;

	out[0] = '\0';
	if (file) {
		f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
		if (f == NULL)
			return ck_err_set(e, errno == ENOENT ? CK_NOINPUT : CK_IOERR, "%s: %s",
			    file, strerror(errno));
		if (f != stdin && fstat(fileno(f), &st) == 0 && (st.st_mode & 077) != 0) {
			fclose(f);
			return ck_err_set(e, CK_CONFIG, "%s: refusing a secret file that group or "
			    "others can read (run: chmod 600 %s)", file, file);
		}
		if (fgets(out, (int)outlen, f) == NULL)
			out[0] = '\0';
		if (f != stdin)
			fclose(f);
		chomp(out);
		if (out[0] == '\0')
			return ck_err_set(e, CK_CONFIG, "%s: empty secret file", file);
		return 0;
	}
	if ((v = getenv("OPENVIDU_SECRET")) != NULL && *v) {
		if (strlen(v) >= outlen)
			return ck_err_set(e, CK_CONFIG, "OPENVIDU_SECRET is too long");
		memcpy(out, v, strlen(v) + 1);
		return 0;
	}
	if (ck_cred_load(&c, "OPENVIDU", "OPENVIDUAPP", NULL, host, e) < 0)
		return -1;
	if (c.have_pass && strlen(c.pass) < outlen) {
		memcpy(out, c.pass, strlen(c.pass) + 1);
		ck_cred_wipe(&c);
		return 0;
	}
	ck_cred_wipe(&c);
	return ck_err_set(e, CK_CONFIG, "no OpenVidu secret: give --secret-file FILE, set "
	    "OPENVIDU_SECRET, or add 'machine %s login OPENVIDUAPP password SECRET' to the "
	    "credentials file", host ? host : "HOST");
}

ck_ipcam *
ck_ipcam_new(const char *base, const char *secret, const ck_http_opts *o, ck_err *e)
{
	ck_ipcam *c;
	size_t n = strlen(base);

	while (n && base[n - 1] == '/')
		n--;
	if (n >= sizeof c->base || strlen(secret) >= sizeof c->secret) {
		ck_err_set(e, CK_USAGE, "URL or secret too long");
		return NULL;
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	if ((c->h = ck_http_new(o, e)) == NULL) {
		free(c);
		return NULL;
	}
	memcpy(c->base, base, n);
	memcpy(c->secret, secret, strlen(secret) + 1);
	return c;
}

void
ck_ipcam_free(ck_ipcam *c)
{
	if (c == NULL)
		return;
	ck_cred_wipe_mem(c->secret, sizeof c->secret);
	ck_http_free(c->h);
	free(c);
}

/* Percent-encodes everything but RFC 3986 unreserved characters. */
static void
path_enc(const char *s, char *out, size_t outlen)
{
	size_t k = 0;

	for (; *s && k + 4 < outlen; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch))
			out[k++] = (char)ch;
		else
			k += (size_t)snprintf(out + k, outlen - k, "%%%02X", ch);
	}
	out[k] = '\0';
}

/* One call to API + path; the reply in r. */
static int
call(ck_ipcam *c, const char *method, const char *path, const char *body,
    ck_http_resp *r, ck_err *e)
{
	static const char *const get_hdrs[] = { "Accept: application/json", NULL };
	static const char *const post_hdrs[] = { "Accept: application/json",
		"Content-Type: application/json", NULL };
	char url[4096];
	ck_http_req q;

	snprintf(url, sizeof url, "%s%s%s", c->base, API, path);
	memset(&q, 0, sizeof q);
	q.method = method;
	q.url = url;
	q.headers = body ? post_hdrs : get_hdrs;
	q.user = "OPENVIDUAPP";
	q.pass = c->secret;
	q.body = body;
	q.len = body ? strlen(body) : 0;
	ck_log_info("%s %s", method, url);
	if (ck_http_request(c->h, &q, r, e) < 0)
		return -1;
	ck_log_info("HTTP %ld", r->status);
	return 0;
}

/* The error for an unexpected status: 401/403 are the secret, the others
 * carry the server's message when its body has one. */
static int
status_err(const ck_http_resp *r, const char *what, ck_err *e)
{
	json_t *o;
	char msg[400] = "";

	if (r->status == 401 || r->status == 403)
		return ck_err_set(e, CK_NOPERM, "%s: HTTP %ld: the server refused the secret "
		    "(user OPENVIDUAPP)", what, r->status);
	if (r->len && (o = json_loadb(r->body, r->len, 0, NULL)) != NULL) {
		if (json_is_string(json_object_get(o, "message")))
			snprintf(msg, sizeof msg, ": %s", json_string_value(json_object_get(o, "message")));
		else if (json_is_string(json_object_get(o, "error")))
			snprintf(msg, sizeof msg, ": %s", json_string_value(json_object_get(o, "error")));
		json_decref(o);
	}
	return ck_err_set(e, CK_PROTO, "%s: HTTP %ld%s", what, r->status, msg);
}

int
ck_ipcam_session_create(ck_ipcam *c, const char *id, int *created, ck_err *e)
{
	ck_http_resp r;
	char *q = ck_json_quote(id, strlen(id)), body[600];
	int rc = 0;

	if (q == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	snprintf(body, sizeof body, "{\"customSessionId\":%s}", q);
	free(q);
	if (call(c, "POST", "/sessions", body, &r, e) < 0)
		return -1;
	if (r.status == 200 || r.status == 409)
		*created = r.status == 200;
	else
		rc = status_err(&r, "creating the session", e);
	ck_http_resp_free(&r);
	return rc;
}

int
ck_ipcam_session_exists(ck_ipcam *c, const char *id, ck_err *e)
{
	ck_http_resp r;
	char path[512];
	int rc;

	snprintf(path, sizeof path, "/sessions/%s", id);
	if (call(c, "GET", path, NULL, &r, e) < 0)
		return -1;
	rc = r.status == 200 ? 1 : r.status == 404 ? 0 : status_err(&r, "looking up the session", e);
	ck_http_resp_free(&r);
	return rc;
}

static int
no_session(const char *id, int create_hint, ck_err *e)
{
	return ck_err_set(e, CK_PROTO, "session '%s' does not exist on the server%s", id,
	    create_hint ? " (--create makes it)" : "");
}

int
ck_ipcam_publish(ck_ipcam *c, const char *session, const char *uri,
    const ck_ipcam_props *p, ck_ipcam_conn *out, ck_err *e)
{
	ck_json *j = ck_json_new();
	ck_http_resp r;
	char path[512], *body;
	int rc;

	if (j == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	ck_json_record(j, "IPCAM");
	ck_json_str(j, "rtspUri", uri);
	ck_json_bool(j, "adaptativeBitrate", p->adaptive_bitrate);
	ck_json_bool(j, "onlyPlayWithSubscribers", p->only_play_with_subscribers);
	ck_json_int(j, "networkCache", p->network_cache_ms);
	if (p->data)
		ck_json_str(j, "data", p->data);
	ck_json_bool(j, "record", p->record);
	ck_json_end(j);
	body = strdup(ck_json_text(j));
	ck_json_free(j);
	if (body == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	snprintf(path, sizeof path, "/sessions/%s/connection", session);
	rc = call(c, "POST", path, body, &r, e);
	ck_cred_wipe_mem(body, strlen(body));   /* the URI may hold a password */
	free(body);
	if (rc < 0)
		return -1;
	if (r.status == 200)
		rc = ck_ipcam_parse_conn(r.body, r.len, out, e);
	else if (r.status == 404 && r.len == 0)
		rc = no_session(session, 1, e);
	else
		rc = status_err(&r, "publishing", e);
	ck_http_resp_free(&r);
	return rc;
}

/* method on connection id of session; *r is the reply (caller frees). */
static int
conn_call(ck_ipcam *c, const char *method, const char *session, const char *id,
    ck_http_resp *r, ck_err *e)
{
	char path[4096], enc[3072];

	path_enc(id, enc, sizeof enc);
	snprintf(path, sizeof path, "/sessions/%s/connection/%s", session, enc);
	return call(c, method, path, NULL, r, e);
}

/* The error for a reply to a connection call that did not succeed. */
static int
conn_err(const ck_http_resp *r, const char *session, const char *id,
    const char *what, ck_err *e)
{
	if (r->status == 400 && r->len == 0)   /* the server's answer for no session */
		return no_session(session, 0, e);
	if (r->status == 404)
		return ck_err_set(e, CK_PROTO, "no connection '%s' in session '%s' (HTTP 404)",
		    id, session);
	return status_err(r, what, e);
}

int
ck_ipcam_get(ck_ipcam *c, const char *session, const char *id, ck_ipcam_conn *out,
    ck_err *e)
{
	ck_http_resp r;
	int rc;

	if (conn_call(c, "GET", session, id, &r, e) < 0)
		return -1;
	rc = r.status == 200 ? ck_ipcam_parse_conn(r.body, r.len, out, e)
	    : conn_err(&r, session, id, "looking up the connection", e);
	ck_http_resp_free(&r);
	return rc;
}

int
ck_ipcam_unpublish(ck_ipcam *c, const char *session, const char *id, ck_err *e)
{
	ck_http_resp r;
	int rc;

	if (conn_call(c, "DELETE", session, id, &r, e) < 0)
		return -1;
	rc = r.status == 204 ? 0 : conn_err(&r, session, id, "unpublishing", e);
	ck_http_resp_free(&r);
	return rc;
}

int
ck_ipcam_list(ck_ipcam *c, const char *session, ck_ipcam_conn **out, size_t *n,
    ck_err *e)
{
	ck_http_resp r;
	char path[512];
	int rc;

	*out = NULL;
	*n = 0;
	if (session)
		snprintf(path, sizeof path, "/sessions/%s/connection?pendingConnections=false",
		    session);
	else
		snprintf(path, sizeof path, "/sessions?pendingConnections=false");
	if (call(c, "GET", path, NULL, &r, e) < 0)
		return -1;
	if (r.status == 200)
		rc = ck_ipcam_parse_list(r.body, r.len, session == NULL, out, n, e);
	else if (r.status == 404 && session)
		rc = no_session(session, 1, e);
	else
		rc = status_err(&r, "listing", e);
	ck_http_resp_free(&r);
	return rc;
}
