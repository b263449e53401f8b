/* snapshot: still images of ONVIF devices. The snapshot URI of a profile
 * (GetSnapshotUri on Media2, falling back to Media), fetched with HTTP GET
 * and the device's credentials (Digest or Basic, as its 401 asks), checked
 * to be one JPEG. */
#ifndef CK_SNAPSHOT_H
#define CK_SNAPSHOT_H

#include <stddef.h>

#include "base/err.h"
#include "net/http.h"
#include "onvif/onvif.h"

/* Checks b[0..n) is a JPEG: SOI (FF D8 FF) first and EOI (FF D9) last,
 * after the CR, LF or NUL padding some cameras add. Returns 0, or -1 with
 * CK_DATAERR saying what is wrong. */
int ck_snapshot_check_jpeg(const unsigned char *b, size_t n, ck_err *e);
/* The snapshot URI of profile token into uri (the advertised host replaced
 * by the target's, as for XAddrs, unless advertised addresses are trusted)
 * and as advertised into adv. v is the Media version to ask first (2 falls
 * back to 1 when the device offers Media too). Returns 0, or -1 with the
 * request's kind. */
int ck_snapshot_uri(ck_onvif *c, int v, const char *token, char *uri,
    size_t urilen, char *adv, size_t advlen, ck_err *e);
/* GETs uri (unauthenticated first; Digest or Basic with the client's
 * credentials when the device answers 401) into r (caller frees with
 * ck_http_resp_free) and checks it is a JPEG. Returns 0, or -1 with
 * CK_NOPERM (refused, or no password to answer with), CK_PROTO (another
 * HTTP status), CK_DATAERR (not a JPEG), or the transport's kinds. */
int ck_snapshot_fetch(ck_onvif *c, const char *uri, ck_http_resp *r, ck_err *e);

#endif
