/* control: GB/T 28181 device controls as the platform sends them, the
 * <Control> bodies of DeviceControl and DeviceConfig (2016 A.2.3, with the
 * common 2022 additions), which of them the device answers with a
 * <Response> carrying <Result> (9.3), and one send-and-await path for
 * every tool that sends a control (gb-control, gb-ptzcmd).
 *
 * Answered with a Response (2016 9.3.1/9.3.2): RecordCmd, GuardCmd,
 * AlarmCmd, HomePosition, DeviceConfig (and DeviceUpgrade, 2022). Not answered (the SIP 200 is all):
 * PTZCmd, TeleBoot, IFameCmd, DragZoomIn/Out, and in 2022 also
 * FormatSDCard, PTZPreciseCtrl and TargetTrack. */
#ifndef CK_CONTROL_H
#define CK_CONTROL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "base/err.h"
#include "codec/json.h"
#include "gb/manscdp.h"
#include "gb/query.h"

/* 1 if verb is a control ck_control_body builds, else 0. */
int ck_control_is_verb(const char *verb);
/* The <Control> body for verb and its arguments (see gb-control(1)):
 * teleboot; record|stop-record [STREAM]; guard; unguard;
 * reset-alarm [METHOD [TYPE]]; iframe; drag-zoom-in|drag-zoom-out LENGTH
 * WIDTH MIDX MIDY LENGTHX LENGTHY; home-position PRESET [SECONDS];
 * home-position-off; config KEY=VALUE... (name, expiration,
 * heartbeat-interval, heartbeat-count); snapshot COUNT INTERVAL URL
 * [SESSION] (random when not given); format-sdcard [N]. *response gets 1 when the device answers
 * with a Response, cmd_type (>= 32 bytes) the CmdType. Returns a malloc'd
 * body with *len, or NULL with CK_USAGE (unknown verb, wrong arguments). */
char *ck_control_body(const char *verb, char *const *args, int nargs,
    unsigned long sn, const char *device_id, int *response, char *cmd_type,
    size_t *len, ck_err *e);
/* 1 if the device answers body m (a parsed <Control>, <Query> or
 * <Notify>) with a Response: every Query, the controls above, a Broadcast
 * Notify; else 0. */
int ck_control_expects(const ck_manscdp *m);
/* The <Result> of a Response: 1 OK, 0 ERROR (either case), -1 when it is
 * missing or something else. */
int ck_control_result(const ck_manscdp *m);
/* Adds a Response to the record open in j: "result" (as sent, null when
 * absent), "response_device_id" and "response" (the other fields, decoded
 * as ck_manscdp_json_fields). */
void ck_control_response_json(const ck_manscdp *m, ck_json *j);

/* Reads and parses a MANSCDP body file (at most CK_MANSCDP_MAX_BODY
 * bytes) into *m (caller frees both). Returns the malloc'd bytes with *len,
 * or NULL with CK_NOINPUT (missing), CK_DATAERR (too large, malformed, no
 * SN), both naming the path. */
char *ck_control_load(const char *path, size_t *len, ck_manscdp *m,
    ck_err *e);

/* One control to send and how to report it. */
typedef struct ck_control_send {
	const char *command;      /* the verb, for the record */
	const char *body_id;      /* DeviceID in the body */
	const void *body;
	size_t len;
	unsigned long sn;
	const char *cmd_type;     /* the body's CmdType (the Response's) */
	int response;             /* 1: wait for the Response */
	int64_t timeout_ms;       /* the SIP answer, then the Response */
	const char *charset;      /* Response charset, NULL = detect */
	/* adds the tool's own fields (the PTZCmd) to the record; may be NULL */
	void (*extra)(void *arg, ck_json *j);
	void *extra_arg;
	FILE *out;                /* where the record goes */
} ck_control_send;

/* Sends s's body to the device of q, waits for the SIP answer and, when
 * s->response and it is 2xx, for the Response (matched by SN and CmdType,
 * from any DeviceID: the channel's too), answering it with 200; then
 * emits one "control" record (ts, device_id, to, peer, transport, sn,
 * command, cmd_type, status, reason, rtt_ms, and the Response's result,
 * response_device_id, response, response_ms). Returns the exit status:
 * 0, CK_PROTO (SIP 4xx-6xx, Result ERROR or missing), CK_NOPERM
 * (401/403/407), CK_TEMPFAIL (no SIP answer, or no Response in time: the
 * record is still emitted), CK_DATAERR (only malformed Responses), or an
 * error kind from the socket, with e saying why when not 0. */
int ck_control_run(ck_query *q, const ck_control_send *s, ck_err *e);

#endif
