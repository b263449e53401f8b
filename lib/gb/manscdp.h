/* manscdp: GB/T 28181 MANSCDP bodies (Application/MANSCDP+xml): builders
 * for the queries, controls and notifies a platform or device sends, and a
 * parser for what comes back.
 *
 * Charsets: devices send GB2312/GBK/GB18030, declared (encoding="GB2312")
 * or not (a bare <?xml version="1.0"?>, or no declaration at all). The
 * parser converts to UTF-8 with iconv before expat sees the bytes: a
 * declared encoding wins (GB2312 and GBK are read as their superset
 * GB18030), except that a body declared UTF-8 whose bytes are not UTF-8 is
 * read as GB18030 (devices do that); undeclared bytes that are valid UTF-8
 * are UTF-8, anything else is GB18030. Builders write encoding="GB2312" and, when a value is not
 * ASCII, convert the body to GB18030 so the bytes match what real platforms
 * send (names such as 浙江省 survive the round trip). */
#ifndef CK_MANSCDP_H
#define CK_MANSCDP_H

#include <stddef.h>

#include "base/err.h"
#include "codec/json.h"
#include "codec/xml.h"

#define CK_MANSCDP_MAX_BODY (1u << 20)   /* larger bodies are refused */

typedef struct ck_manscdp_kv {
	const char *key;
	const char *value;
} ck_manscdp_kv;

/* A <Query> body: CmdType, SN, DeviceID, then extra elements in order
 * (values escaped; a NULL value is skipped, "" gives an empty element).
 * Returns a malloc'd body (caller frees), *len its byte length, or NULL. */
char *ck_manscdp_query(const char *cmd_type, unsigned long sn,
    const char *device_id, const ck_manscdp_kv *extra, size_t nextra, size_t *len,
    ck_err *e);
/* The RecordInfo query as Hikvision platforms send it: StartTime, EndTime
 * ("yyyy-MM-ddTHH:mm:ss"), FilePath, Address (UTF-8 text, NULL = empty),
 * Secrecy 0, Type (NULL = all), RecorderID all. Returns as
 * ck_manscdp_query. */
char *ck_manscdp_record_query(unsigned long sn, const char *device_id,
    const char *start, const char *end, const char *type,
    const char *address, size_t *len, ck_err *e);
/* <Control> DeviceControl with <PTZCmd>hex</PTZCmd> and
 * <Info><ControlPriority>5</ControlPriority></Info>. Returns as above. */
char *ck_manscdp_ptz_control(unsigned long sn, const char *device_id,
    const char *ptzcmd_hex, size_t *len, ck_err *e);
/* A <Control> with CmdType cmd_type (DeviceControl, DeviceConfig), SN,
 * DeviceID, then inner verbatim (UTF-8 XML elements, the caller escapes).
 * Returns as ck_manscdp_query (GB18030 when not ASCII). */
char *ck_manscdp_control(const char *cmd_type, unsigned long sn,
    const char *device_id, const char *inner, size_t *len, ck_err *e);
/* <Notify> MediaStatus with <NotifyType>type</NotifyType> (121: the end
 * of a playback or download), as the sender sends it in the dialog. */
char *ck_manscdp_media_status(unsigned long sn, const char *device_id,
    const char *notify_type, size_t *len, ck_err *e);
/* <Notify> Keepalive with <Status>OK</Status>. */
char *ck_manscdp_keepalive(unsigned long sn, const char *device_id,
    size_t *len, ck_err *e);
/* <Response> with CmdType, SN, DeviceID, SumNum and <list_name Num="n">
 * holding the given <Item> elements verbatim (UTF-8 XML text, caller's
 * responsibility to be well-formed), as devices answer a Catalog in
 * chunks. Returns as above. */
char *ck_manscdp_list_response(const char *cmd_type, unsigned long sn,
    const char *device_id, unsigned long sumnum, const char *list_name,
    const char *const *items, size_t nitems, size_t *len, ck_err *e);

/* A <Response> as a device sends it: CmdType, SN, DeviceID, then the
 * element/value pairs kv[0..nkv) (name, value, name, value...; values
 * escaped), then raw_tail verbatim (UTF-8 XML, or NULL). Returns as
 * ck_manscdp_query (GB18030 when not ASCII). */
char *ck_manscdp_response(const char *cmd_type, unsigned long sn,
    const char *device_id, const char *const *kv, size_t nkv,
    const char *raw_tail, size_t *len, ck_err *e);
/* The catalog <Item> of an IP camera that is its own only channel: id,
 * name, manufacturer, model (escaped), CivilCode civil_code, ParentID
 * parent_id, Status ON. Returns a malloc'd UTF-8 string or NULL. */
char *ck_manscdp_self_item(const char *id, const char *name,
    const char *manufacturer, const char *model, const char *civil_code,
    const char *parent_id, ck_err *e);
/* The <Item> elements of a catalog document (any charset, as
 * ck_manscdp_to_utf8; any root; an Item inside an Item stays part of its
 * parent), as UTF-8 XML strings in document order: *items is a malloc'd
 * array of malloc'd strings (free each, then the array). Returns the count
 * (> 0), or -1 with CK_DATAERR (not well-formed, no Item at all). */
long ck_manscdp_items(const char *buf, size_t len, char ***items, ck_err *e);
/* ck_manscdp_items over a file (at most CK_MANSCDP_MAX_BODY bytes); errors
 * name the path: CK_NOINPUT (missing), CK_DATAERR (too large, as above). */
long ck_manscdp_items_file(const char *path, char ***items, ck_err *e);

/* Converts a body to UTF-8 (rules above; charset NULL = detect, else forced
 * source charset). The result has no XML declaration, or a UTF-8 one when
 * keep_decl. *used gets the source charset's name ("UTF-8", "GB18030"...,
 * static). Returns a malloc'd NUL-terminated string (caller frees), or NULL
 * with CK_DATAERR (undecodable bytes, unknown charset, too large). */
char *ck_manscdp_to_utf8(const char *buf, size_t len, const char *charset,
    int keep_decl, size_t *outlen, const char **used, ck_err *e);

/* A parsed body. Strings and nodes belong to it until ck_manscdp_free. */
typedef struct ck_manscdp {
	ck_xml_doc *doc;
	char *utf8;               /* the body converted, no declaration */
	size_t utf8_len;
	const char *charset;      /* source charset, static */
	const ck_xml_node *root;
	const char *kind;         /* root name: Query, Response, Notify, Control */
	const char *cmd_type;     /* "" when absent */
	const char *device_id;    /* "" when absent */
	int has_sn;
	unsigned long sn;
	long sumnum;              /* -1 when absent */
	const ck_xml_node *list;     /* DeviceList/RecordList/PresetList..., or NULL */
	long list_num;            /* its Num attribute, -1 when absent */
} ck_manscdp;

/* Parses a MANSCDP body (any charset, see above; charset as in
 * ck_manscdp_to_utf8). Returns 0, or -1 with CK_DATAERR when the bytes do
 * not convert, the XML is not well-formed (DOCTYPE refused), CmdType is
 * missing, or SN/SumNum are not numbers. */
int ck_manscdp_parse(const char *buf, size_t len, const char *charset,
    ck_manscdp *m, ck_err *e);
/* Frees what m holds (the document, the converted text); m may be zeroed. */
void ck_manscdp_free(ck_manscdp *m);
/* Iterates the list's <Item> elements: first with prev NULL. NULL at end. */
const ck_xml_node *ck_manscdp_next_item(const ck_manscdp *m, const ck_xml_node *prev);
/* The trimmed text of child element name of n, or NULL. */
const char *ck_manscdp_field(const ck_xml_node *n, const char *name);
/* Writes every child element of n into the object open in j: keys are the
 * element names in snake_case (DeviceID -> device_id, IPAddress ->
 * ip_address); leaves become strings, elements with children nested objects
 * (with their attributes), repeated names arrays. skip_header leaves out
 * CmdType, SN, DeviceID, SumNum and the list element. */
void ck_manscdp_json_fields(const ck_xml_node *n, ck_json *j, int skip_header,
    const ck_manscdp *m);
/* CamelCase -> snake_case into out; returns out. */
const char *ck_manscdp_snake(const char *name, char *out, size_t outlen);

#endif
