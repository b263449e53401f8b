/* event: the notifications a GB/T 28181 device sends its platform, decoded
 * for records and answered as the standard asks. A notification comes in a
 * NOTIFY of a subscription (Catalog changes, Alarm, MobilePosition) or in a
 * MESSAGE of its own (an alarm the device raises unasked, positions). The
 * decoder writes the body's fields into an NDJSON record the caller opened;
 * the answer is 200 to the request and, for an Alarm that came in a
 * MESSAGE, a Response MESSAGE with Result OK (GB/T 28181-2016 9.4: the
 * platform confirms the alarm with its own MESSAGE after the 200). */
#ifndef CK_EVENT_H
#define CK_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "codec/json.h"
#include "gb/sip.h"

/* What the caller needs from a decoded body. */
typedef struct ck_event_note {
	char kind[16];          /* root element: Notify, Response, ... */
	char cmd_type[32];      /* "" when the body did not parse */
	char device_id[64];
	unsigned long sn;
	int has_sn;
	int response_due;       /* an Alarm Notify that came in a MESSAGE */
} ck_event_note;

/* Decodes a MANSCDP notification body (any charset; charset NULL = detect
 * as ck_manscdp_to_utf8) into the record open in j: cmd_type, kind,
 * device_id, sn, then per CmdType: Alarm priority, alarm_method,
 * alarm_method_name, alarm_type, event_type, time, description, longitude, latitude;
 * MobilePosition time, longitude, latitude, speed, direction, altitude;
 * Catalog sum_num and items (each item's fields, its event among them);
 * any other CmdType its fields under "fields". Numbers are JSON numbers,
 * or the text as sent when it is not one. via_message says the body came
 * in a MESSAGE (which makes an Alarm Notify due a Response). Fills n.
 * Returns 0, or -1 with CK_DATAERR (nothing written into j). */
int ck_event_decode(const char *body, size_t len, const char *charset,
    int via_message, ck_json *j, ck_event_note *n, ck_err *e);
/* The <Response> body confirming n (CmdType, SN, DeviceID, Result OK).
 * Returns a malloc'd body (caller frees), *len set, or NULL with e. */
char *ck_event_response(const ck_event_note *n, size_t *len, ck_err *e);
/* The alarm Responses in flight. A Response is a MESSAGE request, so a
 * non-INVITE client transaction (RFC 3261 17.1.2): retransmitted over UDP
 * (timer E) until the device answers or timer F. Zero-initialise; the
 * caller's loop hands each finished transaction (ck_sip_tx_done) to
 * ck_event_confirm_done. */
#define CK_EVENT_MAX_CONFIRMS 32
typedef struct ck_event_confirms {
	uint64_t tx[CK_EVENT_MAX_CONFIRMS];   /* ck_sip_tx_start ids */
	size_t n;                             /* not answered yet */
} ck_event_confirms;

/* Starts, in c, the transaction of the Response that n is due: a MESSAGE
 * to rq's sender over rq's transport and source address (NAT-safe), From
 * from_uri ("sip:ID@DOMAIN"; NULL = the To URI of rq, the platform the
 * device addressed). Each copy of an alarm the device resends unconfirmed
 * is confirmed again. Returns 1 when started, 0 when nothing is due, -1
 * with e (CK_TEMPFAIL when CK_EVENT_MAX_CONFIRMS wait already). */
int ck_event_confirm(ck_event_confirms *c, ck_sip *s, const ck_sip_req *rq,
    const ck_event_note *n, const char *from_uri, ck_err *e);
/* Takes finished transaction id when it is one of c's (resp and te as
 * ck_sip_tx_done gave them): logs the device's answer, frees resp and
 * returns 1. Returns 0 when id is not c's (resp still the caller's). */
int ck_event_confirm_done(ck_event_confirms *c, uint64_t id,
    osip_message_t *resp, const ck_err *te);
/* Writes what a record of rq carries into the record open in j: from (the
 * From user), source (address:port), body_bytes (0 without a body), and
 * the decoded body as ck_event_decode (or "error" with why it did not
 * decode, logged too). Fills n (zeroed when nothing decoded). Returns 1
 * when rq had a body, 0 when not. */
int ck_event_fields(const ck_sip_req *rq, const char *charset, ck_json *j,
    ck_event_note *n);
/* Answers a request a platform's registrar did not take, as the standard
 * asks: a MESSAGE gets 200 and, when it carries an Alarm Notify, the
 * Response (ck_event_confirm in c, From from_uri or NULL); anything else
 * 405. Writes method and ck_event_fields into the record open in j, and
 * confirmed:true once the Response's transaction started. Returns as
 * ck_event_fields. */
int ck_event_answer(ck_event_confirms *c, ck_sip *s, const ck_sip_req *rq,
    const char *from_uri, const char *charset, ck_json *j);

#endif
