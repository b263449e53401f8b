/* wsdiscovery: WS-Discovery 2005/04 (the version ONVIF devices speak) as
 * pure builders and parsers. No sockets here: cmd/onvif-discover drives
 * lib/net.
 *
 *   char *probe = ck_wsdiscovery_probe(msgid, "dn:NetworkVideoTransmitter", &e);
 *   ck_wsdiscovery_msg *m = ck_wsdiscovery_parse(buf, len, &e);   // ProbeMatches/Hello/Bye
 *   ck_wsdiscovery_scopes sc; ck_wsdiscovery_parse_scopes(&m->match[0], &sc);
 *   ck_wsdiscovery_msg_free(m);
 *
 * Parsing matches elements by namespace URI (2005/04 discovery with
 * 2004/08 addressing, and the 2009 WS-DD 1.1 URIs), never by prefix.
 * Unknown elements are ignored; every list is bounded. */
#ifndef CK_WSDISCOVERY_H
#define CK_WSDISCOVERY_H

#include <stddef.h>

#include "base/err.h"
#include "codec/json.h"

#define CK_NS_WSD   "http://schemas.xmlsoap.org/ws/2005/04/discovery"
#define CK_NS_WSA04 "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define CK_NS_WSD11 "http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01"
#define CK_NS_DN    "http://www.onvif.org/ver10/network/wsdl"

#define CK_WSD_GROUP_V4 "239.255.255.250"
#define CK_WSD_GROUP_V6 "FF02::C"
#define CK_WSD_PORT 3702
/* SOAP-over-UDP / WS-Discovery 2005/04 appendix I retransmission. */
#define CK_WSD_MULTICAST_REPEAT 2
#define CK_WSD_UNICAST_REPEAT 2
#define CK_WSD_UDP_MIN_DELAY 50
#define CK_WSD_UDP_MAX_DELAY 250
#define CK_WSD_UDP_UPPER_DELAY 500

#define CK_WSD_MAX_ITEMS 32     /* per list (types, scopes, xaddrs) */
#define CK_WSD_MAX_MATCHES 16   /* ProbeMatch elements per message */

enum ck_wsdiscovery_kind { CK_WSD_PROBE_MATCHES = 1, CK_WSD_HELLO, CK_WSD_BYE,
	CK_WSD_PROBE };

typedef struct ck_wsdiscovery_match {
	char *address;               /* EndpointReference/Address (urn) */
	size_t ntypes, nscopes, nxaddrs;
	char *types[CK_WSD_MAX_ITEMS];   /* "dn:NetworkVideoTransmitter",
	                                    canonical prefixes, "{uri}local"
	                                    for namespaces we do not know */
	char *scopes[CK_WSD_MAX_ITEMS];
	char *xaddrs[CK_WSD_MAX_ITEMS];
	long long metadata_version;  /* -1 when absent */
} ck_wsdiscovery_match;

typedef struct ck_wsdiscovery_msg {
	int kind;                    /* enum ck_wsdiscovery_kind */
	char *message_id;            /* NULL when absent */
	char *relates_to;            /* NULL when absent */
	long long instance_id, message_number;  /* AppSequence, -1 if absent */
	size_t nmatch;
	ck_wsdiscovery_match match[CK_WSD_MAX_MATCHES];  /* Hello/Bye: exactly one */
} ck_wsdiscovery_msg;

/* Makes a fresh "uuid:xxxxxxxx-..." (RFC 4122 v4, from RAND_bytes) in out
 * (>= 42 bytes). Returns 0, or -1 with CK_SOFTWARE. */
int ck_wsdiscovery_uuid(char *out, size_t outlen, ck_err *e);
/* Builds a Probe envelope. types: space-separated QNames with the known
 * prefixes dn/tdn (network wsdl) and tds (device wsdl), or "{uri}local";
 * NULL or "" for no Types element (probe for everything). Returns a
 * malloc'd NUL-terminated string (caller frees), or NULL with CK_USAGE
 * (unknown prefix, bad name) or CK_SOFTWARE. */
char *ck_wsdiscovery_probe(const char *message_id, const char *types, ck_err *e);
/* Checks a --types value the way ck_wsdiscovery_probe will; 0 or -1 (CK_USAGE). */
int ck_wsdiscovery_check_types(const char *types, ck_err *e);

/* Parses a ProbeMatches, Hello, Bye or Probe message. Returns a message
 * (free with ck_wsdiscovery_msg_free), or NULL with CK_DATAERR (not XML, not a
 * SOAP envelope, no discovery body, match without an address). */
ck_wsdiscovery_msg *ck_wsdiscovery_parse(const char *buf, size_t len, ck_err *e);
void ck_wsdiscovery_msg_free(ck_wsdiscovery_msg *m);

/* Whether a match offers every type in the space-separated want list
 * (same syntax as ck_wsdiscovery_probe; NULL/"" = yes). A match with no Types at
 * all is kept (cameras that omit Types still answer a typed probe). */
int ck_wsdiscovery_match_types(const ck_wsdiscovery_match *m, const char *want);

/* Fields parsed from onvif://www.onvif.org/<category>/<value> scopes. The
 * category is compared case-insensitively; values are percent-decoded.
 * Strings point into the struct's own storage. */
typedef struct ck_wsdiscovery_scopes {
	const char *name, *hardware;     /* first of each, NULL if none */
	size_t nlocation, nprofile;
	const char *location[CK_WSD_MAX_ITEMS];  /* "country/china", "" kept out */
	const char *profile[CK_WSD_MAX_ITEMS];   /* "Streaming", "T", ... */
	char store[8192];
} ck_wsdiscovery_scopes;
/* Parses the scopes of m into sc (overwritten). Never fails; items that do
 * not fit are dropped. */
void ck_wsdiscovery_parse_scopes(const ck_wsdiscovery_match *m, ck_wsdiscovery_scopes *sc);
/* Percent-decodes s into out (always NUL-terminated); malformed escapes
 * are kept literally. Returns the decoded length. */
size_t ck_wsdiscovery_pct_decode(const char *s, size_t n, char *out, size_t outlen);

/* Adds the strings of src not yet in dst (exact comparison), in order.
 * Returns the number added, or -1 on allocation failure. */
int ck_wsdiscovery_merge(ck_wsdiscovery_match *dst, const ck_wsdiscovery_match *src);
/* Deep copy of src into dst (zeroed first); 0 or -1 on allocation failure. */
int ck_wsdiscovery_match_copy(ck_wsdiscovery_match *dst, const ck_wsdiscovery_match *src);
void ck_wsdiscovery_match_clear(ck_wsdiscovery_match *m);

/* Adds match m's fields to the open record j: urn, xaddrs, types, scopes,
 * name, hardware, location, profiles (from the scopes), metadata_version. */
void ck_wsdiscovery_match_json(ck_json *j, const ck_wsdiscovery_match *m);

#endif
