/* events: ONVIF events (ver10/events/wsdl, WS-BaseNotification): parsers for
 * NotificationMessages (PullMessagesResponse and Notify alike), subscription
 * replies and the GetEventProperties topic tree; request bodies; topic
 * normalisation; the coalescing of notification cascades into events; and
 * the per-event command runner. No sockets (see evhttp.h for the listener).
 *
 * Topics are normalised by namespace URI, never by the device's prefix:
 * "ns0:RuleEngine/CellMotionDetector/Motion" with ns0 bound to
 * http://www.onvif.org/ver10/topics becomes
 * "tns1:RuleEngine/CellMotionDetector/Motion". */
#ifndef CK_EVENTS_H
#define CK_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"
#include "codec/json.h"
#include "codec/xml.h"

#define CK_NS_TNS1  "http://www.onvif.org/ver10/topics"
#define CK_NS_WSTOP "http://docs.oasis-open.org/wsn/t-1"
#define CK_EV_DIALECT_CONCRETE_SET \
	"http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"
#define CK_EV_MAX_MSGS 1024    /* NotificationMessages per reply */
#define CK_EV_MAX_ITEMS 64     /* items per Source/Key/Data */

typedef struct ck_events_item {
	char *name;
	char *value;       /* SimpleItem Value, or an ElementItem's XML */
} ck_events_item;

/* One NotificationMessage; every string is malloc'd and owned by the msg. */
typedef struct ck_events_msg {
	char *topic;       /* normalised ("tns1:VideoSource/MotionAlarm") */
	char *topic_ns;    /* namespace URI of the first segment, or NULL */
	char *utc;         /* tt:Message UtcTime as sent, or NULL */
	int64_t utc_ms;    /* parsed UtcTime, -1 when absent or unparsable */
	char *op;          /* PropertyOperation, or NULL */
	char *producer;    /* ProducerReference Address, or NULL */
	size_t nsrc, nkey, ndata;
	ck_events_item *src, *key, *data;
} ck_events_msg;

/* Canonical prefix for a topic namespace URI ("tns1" for ONVIF, "tnsaxis",
 * "tnshik", ...), or NULL when the namespace is not a known one. */
const char *ck_events_prefix_for(const char *uri);
/* The namespace URI of a canonical prefix, or NULL. */
const char *ck_events_uri_for(const char *prefix);
/* Normalises topic text (whitespace trimmed, each "pfx:" segment resolved in
 * scope at node n and replaced by the canonical prefix; unknown namespaces
 * keep the device's prefix). Returns a malloc'd string (caller frees) or
 * NULL; *ns gets the first segment's URI (document-owned) or NULL. */
char *ck_events_topic_norm(const ck_xml_node *n, const char *text, const char **ns);

/* Parses an xs:dateTime ("2025-04-18T20:34:05Z", fractions, "+08:00", or no
 * zone = UTC) into unix ms. Returns 0, or -1 when it is not one. */
int ck_events_parse_time(const char *s, int64_t *ms);
/* Parses an xs:duration of days/hours/minutes/seconds ("PT60S", "PT1M30.5S",
 * "P1DT2H") into ms. Returns 0 or -1. */
int ck_events_parse_duration(const char *s, int64_t *ms);

/* Parses the wsnt:NotificationMessage children of container (a
 * PullMessagesResponse or a Notify element) into a malloc'd array of *n
 * messages (at most CK_EV_MAX_MSGS). Returns 0, or -1 with CK_PROTO (a
 * message without a Topic) or CK_SOFTWARE. Free with ck_events_msgs_free. */
int ck_events_parse_msgs(const ck_xml_node *container, ck_events_msg **out, size_t *n,
    ck_err *e);
void ck_events_msgs_free(ck_events_msg *m, size_t n);
/* Deep copy of m into d. Returns 0 or -1 (out of memory). */
int ck_events_msg_dup(ck_events_msg *d, const ck_events_msg *m);
void ck_events_msg_clear(ck_events_msg *m);
/* 0 when every boolean data item is false and there is at least one (e.g.
 * IsMotion=false: the end of something, not an event), else 1. */
int ck_events_msg_active(const ck_events_msg *m);
/* The coalescing key: topic and source items. Malloc'd; caller frees. */
char *ck_events_msg_key(const ck_events_msg *m);
/* Adds the message's fields to the open record j: ts (UtcTime, else the
 * received time), received, topic, topic_ns, operation, source, key, data,
 * device (when not NULL). */
void ck_events_msg_json(ck_json *j, const ck_events_msg *m, int64_t received_ms,
    const char *device);
/* Adds a topic of the device's topic tree (ck_events_topics) to the open
 * record j: topic, topic_ns, property, and the source/key/data item names
 * with their types from the MessageDescription descr (may be NULL). */
void ck_events_topic_json(ck_json *j, const char *topic, const char *ns,
    const ck_xml_node *descr);

/* A subscription as granted by the device. */
typedef struct ck_events_sub {
	char address[1024];          /* SubscriptionReference Address */
	char *refparams;             /* header XML to echo (ReferenceParameters),
	                                malloc'd or NULL */
	int64_t current_ms;          /* device CurrentTime, -1 when absent */
	int64_t termination_ms;      /* device TerminationTime, -1 when absent */
} ck_events_sub;

/* Parses CreatePullPointSubscriptionResponse or SubscribeResponse (resp is
 * that element). Returns 0, or -1 with CK_PROTO when there is no address. */
int ck_events_parse_sub(const ck_xml_node *resp, ck_events_sub *s, ck_err *e);
void ck_events_sub_clear(ck_events_sub *s);
/* Parses a RenewResponse: *termination_ms / *current_ms (-1 if absent). */
void ck_events_parse_renew(const ck_xml_node *resp, int64_t *termination_ms,
    int64_t *current_ms);

/* Request bodies (malloc'd, caller frees; NULL when out of memory).
 * topics: NULL, or a ConcreteSet expression ("tns1:RuleEngine//.|tns1:..."),
 * with the canonical prefixes declared. term: an xs:duration or dateTime. */
char *ck_events_body_create_pullpoint(const char *topics, const char *term);
char *ck_events_body_pull(long long timeout_ms, int limit);
char *ck_events_body_renew(const char *term);
char *ck_events_body_unsubscribe(void);
char *ck_events_body_subscribe(const char *consumer_url, const char *topics,
    const char *term);
char *ck_events_body_get_properties(void);
/* "PT12.5S" style duration into out (>= 32 bytes); returns out. */
const char *ck_events_fmt_duration(long long ms, char *out);
/* Checks a --topic value: prefix:Path segments, "//." and "|" allowed, no
 * markup. Returns 0 or -1 with CK_USAGE. */
int ck_events_check_topic(const char *t, ck_err *e);

/* Walks a GetEventPropertiesResponse topic set: calls cb once per topic
 * (element with wstop:topic="true", or a leaf) with its normalised path and
 * its tt:MessageDescription (or NULL). Returns the number of topics, or -1
 * with CK_PROTO when there is no TopicSet. */
int ck_events_topics(const ck_xml_node *resp,
    void (*cb)(void *arg, const char *topic, const char *ns,
        const ck_xml_node *descr), void *arg, ck_err *e);

#endif
