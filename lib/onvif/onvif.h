/* onvif: the ONVIF client every onvif-* tool uses.
 *
 *   ck_onvif_opts o; ck_onvif_opts_init(&o);   // or lib/cli/onvifopts
 *   ck_onvif_target t;  ck_onvif_target_parse("10.0.0.5:8000", &t, &e);
 *   ck_onvif *cl = ck_onvif_new(&t, &o, &cred, &e);
 *   ck_soap_resp r;
 *   if (ck_onvif_call(cl, "media", "<trt:GetProfiles xmlns:trt=\"...\"/>", &r, &e) == 0) {
 *           ... ck_xml_find(r.first, CK_NS_TRT, "Profiles") ...
 *           ck_soap_resp_free(&r);
 *   }
 *   ck_onvif_free(cl);
 *
 * Authentication (opts.auth): "auto" (default) signs every call except those
 * made with CK_ONVIF_NOAUTH with a WS-Security UsernameToken whose Created
 * comes from the device clock (calibrated with GetSystemDateAndTime before
 * the first signed call), and answers an HTTP 401 with HTTP Digest; "wsse"
 * and "digest" use only one of them; "none" neither.
 * Services are resolved with GetServices, falling back to GetCapabilities,
 * once per client. Advertised XAddrs whose host differs from the host the
 * user named are rewritten to the user's scheme/host/port with the
 * advertised path, unless trust_xaddrs is set. */
#ifndef CK_ONVIF_H
#define CK_ONVIF_H

#include <stddef.h>
#include <stdint.h>

#include "base/cred.h"
#include "base/err.h"
#include "net/http.h"
#include "onvif/soap.h"
#include "codec/xml.h"

enum { CK_AUTH_AUTO, CK_AUTH_WSSE, CK_AUTH_DIGEST, CK_AUTH_NONE };

/* How a client is set up (lib/cli/onvifopts fills it from the command
 * line). The hints are the caller's words for where a password or a TLS
 * opt-out comes from, added to error messages; NULL for neutral ones. */
typedef struct ck_onvif_opts {
	const char *user;            /* user name, NULL: from the environment/file */
	const char *password_file;   /* a path, "-" for stdin, or NULL */
	int auth;                    /* CK_AUTH_* */
	long timeout_ms;             /* per exchange; default 5 s */
	int insecure;                /* do not verify TLS certificates */
	int trust_xaddrs;            /* use advertised addresses as they are */
	const char *password_hint;   /* "--password-file, ONVIF_PASSWORD" */
	const char *tls_hint;        /* "--insecure skips verification" */
	const char *auth_hint;       /* the caller's name for auth: "--auth" */
} ck_onvif_opts;

/* Defaults: auth auto, 5 s timeout. */
void ck_onvif_opts_init(ck_onvif_opts *o);
/* Loads credentials as STYLE.md says for host (may be NULL). Returns 0 or
 * -1 (CK_NOINPUT, CK_CONFIG, CK_IOERR). */
int ck_onvif_cred(const ck_onvif_opts *o, const char *host, ck_cred *c, ck_err *e);

typedef struct ck_onvif_target {
	char url[2048];     /* device service URL */
	char scheme[16];
	char host[256];     /* as the user named it (no brackets) */
	int port;
	char path[1024];
} ck_onvif_target;

/* Parses a target: a URL, "host[:port]" (port 80, path
 * /onvif/device_service), or an NDJSON object with an "xaddrs" string array
 * (the first http(s) address is used; "xaddr"/"url"/"device" strings are
 * accepted too). Leading/trailing blanks are ignored. Returns 0, or -1 with
 * CK_USAGE (bad argument) or CK_DATAERR (bad NDJSON line). */
int ck_onvif_target_parse(const char *s, ck_onvif_target *t, ck_err *e);

typedef struct ck_onvif ck_onvif;

/* A client for target t. cred may be NULL or have no password (only
 * unauthenticated calls then). When cred has no password or came from the
 * credentials file, t's own host entry is looked up there (the file has
 * entries per host; a tool loads credentials once for many targets).
 * Returns NULL with CK_SOFTWARE, or the credential lookup's error. */
ck_onvif *ck_onvif_new(const ck_onvif_target *t, const ck_onvif_opts *o,
    const ck_cred *cred, ck_err *e);
void ck_onvif_free(ck_onvif *c);
/* The user name and password the client signs with ("" when none); owned by
 * the client, valid until ck_onvif_free. */
const char *ck_onvif_user(const ck_onvif *c);
const char *ck_onvif_password(const ck_onvif *c);
const ck_onvif_target *ck_onvif_get_target(const ck_onvif *c);
/* The options the client was made with (client-owned). */
const ck_onvif_opts *ck_onvif_get_opts(const ck_onvif *c);

/* Flags for ck_onvif_request. */
enum {
	CK_ONVIF_NOAUTH = 1,   /* send without WS-Security and without Digest */
	CK_ONVIF_RETRY_AUTH = 2/* ...and retry signed if the device demands it */
};

typedef struct ck_onvif_req {
	const char *service;   /* "device", "media", ..., or a namespace URI */
	const char *url;       /* explicit endpoint; wins over service */
	const char *header_xml;/* extra SOAP header content, or NULL */
	const char *body_xml;  /* the Body's content */
	int flags;
} ck_onvif_req;

/* Sends one request and parses the reply. Returns 0 with r filled (free with
 * ck_soap_resp_free), or -1 with: CK_NOPERM (HTTP 401 or an authentication
 * fault; also when the device demands authentication and no password is
 * configured), CK_PROTO (other SOAP fault, HTTP error status, unknown
 * service), CK_DATAERR (reply not XML/SOAP), or the transport kinds of
 * ck_http_post. f (may be NULL) gets the fault when there was one. */
int ck_onvif_request(ck_onvif *c, const ck_onvif_req *q, ck_soap_resp *r,
    ck_soap_fault *f, ck_err *e);
/* ck_onvif_request with service and body only (signed as --auth says). */
int ck_onvif_call(ck_onvif *c, const char *service, const char *body_xml,
    ck_soap_resp *r, ck_err *e);
/* The HTTP metadata of the last exchange (status, Date, rtt, times); the
 * body pointer is not kept (NULL). */
const ck_http_resp *ck_onvif_last(const ck_onvif *c);

/* A device's GetSystemDateAndTime answer. */
typedef struct ck_onvif_time {
	char date_time_type[16];  /* "NTP", "Manual" or as given */
	int dst;                  /* DaylightSavings: 1, 0, or -1 if absent */
	char tz[128];             /* TimeZone/TZ verbatim, "" if absent */
	int has_utc, has_local;
	int utc[6], local[6];     /* year, month, day, hour, minute, second */
	int64_t utc_ms;           /* UTCDateTime as unix ms (has_utc) */
} ck_onvif_time;

/* Reads a GetSystemDateAndTimeResponse element. Returns 0, or -1 with
 * CK_DATAERR when SystemDateAndTime is missing or a date field is not a
 * valid number. */
int ck_onvif_parse_time(const ck_xml_node *resp, ck_onvif_time *t, ck_err *e);
/* GetSystemDateAndTime (unauthenticated, signed if the device demands it);
 * sets the client's clock offset (device minus local, corrected by half the
 * round trip) from the device's UTC. Returns 0 or -1. t, rtt_ms and
 * offset_ms may be NULL. */
int ck_onvif_get_time(ck_onvif *c, ck_onvif_time *t, int64_t *offset_ms,
    int64_t *rtt_ms, ck_err *e);
/* The calibrated device-minus-local offset in ms (0 before calibration). */
int64_t ck_onvif_offset_ms(const ck_onvif *c);
/* Sets the offset explicitly (e.g. after a successful SetSystemDateAndTime). */
void ck_onvif_set_offset_ms(ck_onvif *c, int64_t offset_ms);

typedef struct ck_onvif_service {
	char ns[256];
	char xaddr[2048];      /* after XAddr rewriting */
	char advertised[2048]; /* as the device gave it */
	int major, minor;      /* version, -1 when unknown (GetCapabilities) */
} ck_onvif_service;

/* Resolves services (once; cached). Returns the number of services, or -1.
 * *list (may be NULL) points at the client-owned array. */
int ck_onvif_services(ck_onvif *c, const ck_onvif_service **list, ck_err *e);
/* The endpoint URL for a service name ("device", "media", "media2", "ptz",
 * "events", "imaging", "analytics", "deviceio", "recording", "search",
 * "replay") or namespace URI. "device" is always the target URL. Returns a
 * client-owned string, or NULL with CK_PROTO (device offers no such
 * service) or a resolution error. */
const char *ck_onvif_service_url(ck_onvif *c, const char *service, ck_err *e);
/* The namespace URI for a service name, or NULL if unknown (a string that
 * already looks like a URI is returned as is). */
const char *ck_onvif_service_ns(const char *name);
/* Rewrites an advertised XAddr for target t (see above) into out. */
void ck_onvif_rewrite_xaddr(const ck_onvif_target *t, const char *xaddr,
    int trust, char *out, size_t outlen);

#endif
