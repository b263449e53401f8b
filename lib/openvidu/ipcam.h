/* ipcam: IP cameras in OpenVidu 2.x sessions over its REST API.
 *
 * A camera is a Connection of type IPCAM: POST /openvidu/api/sessions/ID/
 * connection publishes it, DELETE .../connection/CID unpublishes it (its
 * stream cannot be deleted directly: the server answers 405). Every call
 * carries HTTP Basic OPENVIDUAPP:<secret>. The server closes a session when
 * its last participant (here, its last camera) leaves.
 *
 * The pure parts (URI and session checks, reply and input parsing, userinfo
 * redaction) are separate from the calls so they can be tested and fuzzed. */
#ifndef CK_IPCAM_H
#define CK_IPCAM_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "net/http.h"

/* The schemes the server accepts in rtspUri (lower case only: it compares
 * them case-sensitively), as text for messages. */
#define CK_IPCAM_SCHEMES "file, rtsp, rtsps, http, https"

/* The IPCAM properties, with the server's defaults from ck_ipcam_props_init. */
typedef struct ck_ipcam_props {
	int adaptive_bitrate;          /* adaptativeBitrate: true */
	int only_play_with_subscribers;/* onlyPlayWithSubscribers: true */
	long network_cache_ms;         /* networkCache: 2000 */
	int record;                    /* record: true */
	const char *data;              /* data (serverData): NULL sends none ("") */
} ck_ipcam_props;

/* One IPCAM connection as the server reports it. */
typedef struct ck_ipcam_conn {
	char session[256];
	char id[768];
	char stream_id[1024];          /* "" when the server lists no publisher */
	char rtsp_uri[2048];           /* as the server has it (may hold userinfo) */
	char data[1024];
	char type[16];                 /* "IPCAM", "WEBRTC" */
	char status[16];               /* "active", "pending" */
	int adaptive_bitrate, only_play_with_subscribers, record;
	long network_cache_ms;
	int64_t created_at_ms;
} ck_ipcam_conn;

typedef struct ck_ipcam ck_ipcam;

/* Fills p with the server's defaults. */
void ck_ipcam_props_init(ck_ipcam_props *p);
/* Checks base (http(s)://host[:port][/prefix]); returns 0 or -1 with CK_USAGE. */
int ck_ipcam_check_url(const char *base, ck_err *e);
/* Returns 0 when the server would take uri as an rtspUri (a lower-case
 * scheme of CK_IPCAM_SCHEMES, only characters java.net.URI accepts, valid
 * %-escapes), else -1 with CK_USAGE saying why and listing the schemes. */
int ck_ipcam_check_uri(const char *uri, ck_err *e);
/* Returns 0 when id is a session id the server accepts ([A-Za-z0-9_-]+, at
 * most 255 bytes), else -1 with CK_USAGE. */
int ck_ipcam_check_session(const char *id, ck_err *e);
/* Writes uri with its userinfo replaced by "***" into out (truncated to
 * outlen). */
void ck_ipcam_redact_uri(const char *uri, char *out, size_t outlen);
/* 1 when a and b name the same camera: equal once their userinfo is removed. */
int ck_ipcam_same_uri(const char *a, const char *b);
/* Parses one line of input: a plain URI, or an NDJSON record carrying
 * "stream_uri" (onvif-media's profile record; its "name" goes to name).
 * Returns 1 with uri (and name, or "") set, 0 for a blank line, or -1 with
 * CK_DATAERR (bad JSON, no stream_uri, too long). */
int ck_ipcam_parse_input(const char *line, char *uri, size_t urilen, char *name,
    size_t namelen, ck_err *e);
/* Parses a Connection object (JSON text of len bytes) into c. Returns 0, or
 * -1 with CK_PROTO when it is not one. */
int ck_ipcam_parse_conn(const char *json, size_t len, ck_ipcam_conn *c, ck_err *e);
/* Parses a list reply ({"numberOfElements", "content": [...]}) of
 * Connections, or of Sessions when sessions is 1 (their connections are
 * flattened). *out is malloc'd (caller frees), *n its count. Returns 0, or
 * -1 with CK_PROTO/CK_SOFTWARE. */
int ck_ipcam_parse_list(const char *json, size_t len, int sessions,
    ck_ipcam_conn **out, size_t *n, ck_err *e);

/* Loads the secret: file (a path, "-" for stdin; refused with CK_CONFIG
 * when group or others may read it), else $OPENVIDU_SECRET, else the
 * credentials file's entry for host (login OPENVIDUAPP). Returns 0, or -1
 * with CK_NOINPUT/CK_IOERR/CK_CONFIG (CK_CONFIG too when none is found). */
int ck_ipcam_secret(char *out, size_t outlen, const char *file, const char *host,
    ck_err *e);
/* A client of the server at base (checked by ck_ipcam_check_url) with the
 * secret (copied; wiped by ck_ipcam_free). NULL on failure. */
ck_ipcam *ck_ipcam_new(const char *base, const char *secret,
    const ck_http_opts *o, ck_err *e);
void ck_ipcam_free(ck_ipcam *c);
/* Creates session id; *created is 1, or 0 when it already existed (409).
 * Returns 0 or -1. Errors for every call: CK_NOPERM (401/403: wrong
 * secret), CK_PROTO (other 4xx/5xx with the server's message, unparsable
 * reply), and the transport kinds of ck_http_request. */
int ck_ipcam_session_create(ck_ipcam *c, const char *id, int *created, ck_err *e);
/* 1 when session id exists, 0 when not, -1 on error. */
int ck_ipcam_session_exists(ck_ipcam *c, const char *id, ck_err *e);
/* Publishes uri into session with p; fills out. An unknown session is
 * CK_PROTO with a message pointing at --create. */
int ck_ipcam_publish(ck_ipcam *c, const char *session, const char *uri,
    const ck_ipcam_props *p, ck_ipcam_conn *out, ck_err *e);
/* Fetches connection id of session into out. */
int ck_ipcam_get(ck_ipcam *c, const char *session, const char *id,
    ck_ipcam_conn *out, ck_err *e);
/* Deletes connection id of session (unpublishes the camera). */
int ck_ipcam_unpublish(ck_ipcam *c, const char *session, const char *id, ck_err *e);
/* The active connections of session (every session's when session is NULL);
 * *out malloc'd, caller frees. */
int ck_ipcam_list(ck_ipcam *c, const char *session, ck_ipcam_conn **out,
    size_t *n, ck_err *e);

#endif
