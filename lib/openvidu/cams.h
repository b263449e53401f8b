/* cams: the verbs of openvidu-ipcam over a ck_ipcam client: publish cameras
 * into a session, unpublish them, list them, one NDJSON record per camera
 * (or per error) on a stream the caller hands over.
 *
 * Records: {"type":"ipcam","state":"published"|"already_published"|
 * "unpublished"|"active"|"pending", ...} and {"type":"error", ...}; each
 * error is also said on the log sink. Every verb returns an exit kind (the
 * worst of its cameras'), never -1. */
#ifndef CK_CAMS_H
#define CK_CAMS_H

#include <stdio.h>

#include "codec/json.h"
#include "openvidu/ipcam.h"

typedef struct ck_cams {
	ck_ipcam *c;             /* the server (caller owns) */
	const char *session;     /* the session; list: NULL for every session */
	const char *uri;         /* unpublish: the cameras with this URI */
	int all;                 /* unpublish: every camera of the session */
	int create;              /* publish: make the session when missing */
	int force;               /* publish: even when the URI is already there */
	int data_set;            /* publish: props.data given (else each input's name) */
	ck_ipcam_props props;    /* publish: the camera properties */
	FILE *in;                /* publish: URIs when none are given (caller sets) */
	FILE *out;               /* the records (caller sets) */
	ck_json *j;              /* the record writer, while ck_cams_run runs */
} ck_cams;

/* Zeroes v and sets the server's default properties; the caller then
 * sets c, in and out. */
void ck_cams_init(ck_cams *v);
/* Runs verb "publish" (args: URIs, else lines of v->in), "unpublish" (args:
 * connection ids, else v->uri or v->all; exactly one of the three, checked
 * by the caller) or "list". Returns 0 or the worst exit kind: CK_EMPTY when
 * nothing was found or given, CK_IOERR when v->out failed, else the kinds of
 * ck_ipcam's calls and CK_USAGE/CK_DATAERR for refused inputs. */
int ck_cams_run(ck_cams *v, const char *verb, char **args, int nargs);

#endif
