/* media: ONVIF Media (ver10) and Media2 (ver20) profiles, stream and
 * snapshot URIs: pure builders and parsers, and at the end the few calls
 * through an ONVIF client. Used by onvif-media and onvif-snapshot.
 *
 *   ck_media_profile p[CK_MEDIA_MAX_PROFILES];
 *   int n = ck_media_parse_profiles(resp.first, 2, p, CK_MEDIA_MAX_PROFILES, &e);
 *   char *body = ck_media_stream_uri_body(2, p[0].token, CK_TRANSPORT_TCP);
 */
#ifndef CK_MEDIA_H
#define CK_MEDIA_H

#include <stddef.h>

#include "base/err.h"
#include "codec/xml.h"
#include "onvif/onvif.h"

#define CK_MEDIA_MAX_PROFILES 32

enum { CK_TRANSPORT_UDP, CK_TRANSPORT_TCP, CK_TRANSPORT_HTTP };

typedef struct ck_media_profile {
	char token[128];
	char name[128];
	int fixed;                   /* fixed="true": 1, else 0 */
	char video_source[128];      /* VideoSource token, "" when none */
	char encoding[32];           /* "H264", "H265", "JPEG", ..., "" if none */
	int width, height;           /* -1 when absent */
	double frame_rate;           /* FrameRateLimit, -1 when absent */
	long bitrate_kbps;           /* BitrateLimit, -1 when absent */
	char audio_encoding[32];     /* "" when no audio encoder */
	char ptz_config[128];        /* PTZ configuration token, "" when none */
} ck_media_profile;

/* Parses a GetProfilesResponse of Media (version 1) or Media2 (version 2)
 * into out[max]. Returns the number of profiles (0 is valid), or -1 with
 * CK_DATAERR when resp is not that response or a profile has no token. */
int ck_media_parse_profiles(const ck_xml_node *resp, int version,
    ck_media_profile *out, int max, ck_err *e);

/* GetProfiles request body for version 1 or 2 (static string). */
const char *ck_media_profiles_body(int version);
/* GetStreamUri body (RTP unicast; transport as above) for token; a
 * malloc'd string (caller frees) or NULL on allocation failure. */
char *ck_media_stream_uri_body(int version, const char *token, int transport);
/* GetSnapshotUri body; malloc'd or NULL. */
char *ck_media_snapshot_uri_body(int version, const char *token);
/* The Uri of a GetStreamUriResponse/GetSnapshotUriResponse (Media:
 * MediaUri/Uri, Media2: Uri). Returns a document-owned string, or NULL
 * with CK_DATAERR. */
const char *ck_media_parse_uri(const ck_xml_node *resp, int version, ck_err *e);
/* Parses "udp", "tcp" or "http" (case-insensitive); -1 when unknown. */
int ck_media_transport(const char *s);
/* Parses a --media word: "auto" (0), "1" or "2"; -1 when unknown. */
int ck_media_version_arg(const char *s);

/* Puts percent-encoded user:pass@ into uri (replacing any userinfo) in
 * out. Returns 0, or -1 with CK_DATAERR (not scheme://...) or CK_SOFTWARE
 * (out too small). */
int ck_media_uri_with_cred(const char *uri, const char *user, const char *pass,
    char *out, size_t outlen, ck_err *e);
/* Replaces the host of uri by host (port, path kept) into out when they
 * differ; returns 1 if rewritten, 0 if copied as is, -1 when out is too
 * small. Brackets are added for IPv6 hosts. */
int ck_media_uri_rehost(const char *uri, const char *host, char *out, size_t outlen);

/* One media line of an SDP (RTSP DESCRIBE answer). */
typedef struct ck_media_stream {
	char media[16];       /* "video", "audio", "application" */
	char codec[32];       /* rtpmap encoding ("H264", "H265", "PCMA"), or the
	                         static payload type's; "" when unknown */
	long clock_rate;      /* rtpmap clock rate, -1 when unknown */
	int width, height;    /* from the SPS in sprop-parameter-sets / sprop-sps,
	                         else a=framesize / a=x-dimensions; -1 if none */
} ck_media_stream;

#define CK_MEDIA_MAX_STREAMS 8

/* Parses an SDP into out[max], one entry per m= line (its first payload
 * type). Returns the count, or -1 with CK_DATAERR when it is not an SDP
 * (no v=0 first) or has no media line. */
int ck_media_parse_sdp(const char *sdp, ck_media_stream *out, int max, ck_err *e);

/* ---- Calls through an ONVIF client ---- */

/* The Media version to use: want 1 or 2 when the device offers it, else
 * (want 0) Media2 when offered, else Media. Returns 1 or 2, or -1 with
 * CK_PROTO (not offered) or the service lookup's kind. */
int ck_media_version(ck_onvif *c, int want, ck_err *e);
/* GetProfiles of version v into a malloc'd *p (CK_MEDIA_MAX_PROFILES
 * entries; caller frees). Returns the count, or -1. */
int ck_media_get_profiles(ck_onvif *c, int v, ck_media_profile **p, ck_err *e);
/* Sends a GetStreamUri/GetSnapshotUri body (malloc'd, taken over; NULL =
 * out of memory) to version v's service; the Uri into out. Returns 0 or -1. */
int ck_media_get_uri(ck_onvif *c, int v, char *body, char *out, size_t outlen,
    ck_err *e);

/* What an RTSP check of a stream URI found. */
typedef struct ck_media_check {
	long options_status;     /* 0 when OPTIONS got no answer */
	long describe_status;    /* 0 when DESCRIBE got no answer */
	int nstreams;
	ck_media_stream streams[CK_MEDIA_MAX_STREAMS];
} ck_media_check;

/* RTSP OPTIONS and DESCRIBE of uri with the client's credentials and
 * timeout; the SDP's streams into k. Returns 0 when DESCRIBE answered 200
 * with an SDP, or -1 with CK_NOPERM (401), CK_PROTO (another status),
 * CK_DATAERR (not an SDP) or the transport's kinds; k holds what was
 * learnt either way. */
int ck_media_check_stream(ck_onvif *c, const char *uri, ck_media_check *k,
    ck_err *e);

#endif
