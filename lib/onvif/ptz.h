/* ptz: ONVIF PTZ service (ver20/ptz/wsdl): parsers for nodes, configurations,
 * status and presets, range validation against a node's spaces, and request
 * body builders. Pure functions over ck_xml trees and strings; no sockets.
 *
 * Devices disagree about almost everything here, and the parsers tolerate
 * what real ones send: positions without a space attribute and in raw device
 * units (IPD-H4K8M05-BS answers x="32768"), a 1970 UtcTime (SUNBA.405),
 * a GetStatus without MoveStatus and with <tt:Error>NO error</tt:Error>
 * (ENP1A14). */
#ifndef CK_PTZ_H
#define CK_PTZ_H

#include <stddef.h>

#include "base/err.h"
#include "codec/json.h"
#include "onvif/onvif.h"
#include "codec/xml.h"

/* The spaces of tt:SupportedPTZSpaces, in this order. */
enum {
	CK_PTZ_ABS_PT, CK_PTZ_ABS_Z, CK_PTZ_REL_PT, CK_PTZ_REL_Z,
	CK_PTZ_CONT_PT, CK_PTZ_CONT_Z, CK_PTZ_SPEED_PT, CK_PTZ_SPEED_Z,
	CK_PTZ_NSPACES
};

typedef struct ck_ptz_range {
	double min, max;
	int set;             /* 0 when the device gave no range */
} ck_ptz_range;

typedef struct ck_ptz_space {
	int present;
	char uri[256];
	ck_ptz_range x, y;   /* y.set == 0 for zoom and speed spaces */
} ck_ptz_space;

typedef struct ck_ptz_node {
	char token[128];
	char name[128];
	ck_ptz_space sp[CK_PTZ_NSPACES];
	int max_presets;     /* -1 unknown */
	int home_supported;  /* 1, 0, -1 unknown */
} ck_ptz_node;

typedef struct ck_ptz_config {
	char token[128];
	char name[128];
	char node_token[128];
	int has_speed_pt, has_speed_z;
	double speed_pan, speed_tilt, speed_zoom;   /* DefaultPTZSpeed */
	char timeout[32];                           /* DefaultPTZTimeout */
} ck_ptz_config;

/* A pan/tilt and/or zoom vector (position, translation, velocity, speed). */
typedef struct ck_ptz_vec {
	int has_pt, has_z;
	double x, y, z;
	char pt_space[256], z_space[256];   /* "" = no space attribute */
} ck_ptz_vec;

typedef struct ck_ptz_status {
	ck_ptz_vec pos;
	int has_pos;
	char move_pt[32], move_z[32];   /* "IDLE", "MOVING", ... or "" */
	char error[128];                /* tt:Error text, "" when absent */
	char utc[40];                   /* tt:UtcTime as sent, "" when absent */
	int utc_plausible;              /* 0 for the epoch and other bogus years */
} ck_ptz_status;

typedef struct ck_ptz_preset {
	char token[128];
	char name[256];
	int has_pos;
	ck_ptz_vec pos;
} ck_ptz_preset;

/* Element name of space i ("AbsolutePanTiltPositionSpace", ...). */
const char *ck_ptz_space_elem(int i);
/* Short name of space i for records ("absolute_pan_tilt", ...). */
const char *ck_ptz_space_key(int i);

/* Finds the SOAP Body child named {tptz}op+"Response" under root (any
 * envelope), or NULL with CK_PROTO naming what was expected. */
const ck_xml_node *ck_ptz_response(const ck_xml_node *root, const char *op, ck_err *e);

/* Parses the tt:SupportedPTZSpaces (or tt:Spaces of configuration options)
 * element sp into node->sp. Returns 0. */
int ck_ptz_parse_spaces(const ck_xml_node *sp, ck_ptz_node *node);
/* Parses GetNodesResponse/GetNodeResponse: up to max nodes into out.
 * Returns the count (0 when the device has none), or -1 with CK_PROTO. */
int ck_ptz_parse_nodes(const ck_xml_node *resp, ck_ptz_node *out, int max,
    ck_err *e);
/* Parses one tt:PTZConfiguration-like element (token attribute, NodeToken,
 * DefaultPTZSpeed, DefaultPTZTimeout) into c. Returns 0, -1 (CK_PROTO) when
 * it has no token. */
int ck_ptz_parse_config(const ck_xml_node *cfg, ck_ptz_config *c, ck_err *e);
/* Parses a tt:PTZVector-like element (PanTilt x/y, Zoom x) into v. Returns 0,
 * or -1 with CK_PROTO when a coordinate is not a number. */
int ck_ptz_parse_vec(const ck_xml_node *n, ck_ptz_vec *v, ck_err *e);
/* Parses GetStatusResponse. Returns 0, or -1 with CK_PROTO. */
int ck_ptz_parse_status(const ck_xml_node *resp, ck_ptz_status *st, ck_err *e);
/* Parses GetPresetsResponse into a malloc'd array (caller frees) of *n
 * presets (at most 4096). Returns 0, or -1 with CK_PROTO/CK_SOFTWARE. */
int ck_ptz_parse_presets(const ck_xml_node *resp, ck_ptz_preset **out, size_t *n,
    ck_err *e);

/* Checks value v (axis "x"/"y" of space i, called what in messages) against
 * the node's range. Returns 0 (also when the node gives no range), or -1
 * with CK_USAGE: "pan 1.5 is outside the absolute pan/tilt range [-1, 1]". */
int ck_ptz_check(const ck_ptz_node *n, int space, int axis_y, double v,
    const char *what, ck_err *e);
/* Fills the pt_space/z_space of v from the node's space pair (pt, z) when
 * the node names them. */
void ck_ptz_set_spaces(const ck_ptz_node *n, int pt, int z, ck_ptz_vec *v);
/* The default speed: the configuration's DefaultPTZSpeed when it lies in the
 * node's speed spaces, else the maximum of each speed space; has_pt/has_z
 * stay 0 when neither is known. */
void ck_ptz_default_speed(const ck_ptz_node *n, const ck_ptz_config *c,
    ck_ptz_vec *speed);

/* Request bodies (the SOAP Body content, tptz namespace declared on the
 * element). Each returns a malloc'd string (caller frees) or NULL when out
 * of memory. vec arguments may be NULL where the element is optional. */
char *ck_ptz_body_simple(const char *op, const char *profile);
char *ck_ptz_body_continuous(const char *profile, const ck_ptz_vec *vel,
    long long timeout_ms);
char *ck_ptz_body_relative(const char *profile, const ck_ptz_vec *tr,
    const ck_ptz_vec *speed);
char *ck_ptz_body_absolute(const char *profile, const ck_ptz_vec *pos,
    const ck_ptz_vec *speed);
char *ck_ptz_body_stop(const char *profile, int pan_tilt, int zoom);
char *ck_ptz_body_goto_preset(const char *profile, const char *token,
    const ck_ptz_vec *speed);
char *ck_ptz_body_goto_home(const char *profile, const ck_ptz_vec *speed);
/* SetPreset with a name and, to overwrite one, a token (NULL for a new one). */
char *ck_ptz_body_set_preset(const char *profile, const char *name,
    const char *token);
char *ck_ptz_body_remove_preset(const char *profile, const char *token);
/* GetNode with a node token. */
char *ck_ptz_body_get_node(const char *token);

/* Formats a double as the shortest decimal that rounds back ("0.5", "-1",
 * "32768"), C locale. out must hold 32 bytes; returns out. */
const char *ck_ptz_fmt(double v, char *out);

/* ---- Calls through an ONVIF client (lib/onvif) ---- */

/* What a verb needs to know about the profile it drives. */
typedef struct ck_ptz_ctx {
	char profile[128];      /* profile token */
	int has_config;
	ck_ptz_config config;   /* the profile's PTZ configuration */
	int has_node;
	ck_ptz_node node;       /* the configuration's node */
} ck_ptz_ctx;

/* Sends body (malloc'd; taken over and freed, NULL = out of memory) to the
 * PTZ service and checks the reply is {tptz}op+Response. Returns 0 with r
 * filled (caller frees) and *resp at that element, or -1 (kinds of
 * ck_onvif_request; CK_PROTO for another element). */
int ck_ptz_call(ck_onvif *c, const char *op, char *body,
    ck_soap_resp *r, const ck_xml_node **resp, ck_err *e);
/* Fills x: the profile (profile_opt, else the first profile with a PTZ
 * configuration, asking Media2 first and Media when Media2 is not offered
 * or lists none), its PTZ configuration and, when need_node, the node
 * (GetNodes, matched by the configuration's NodeToken). Returns 0, or -1
 * (CK_EMPTY when no profile has PTZ, CK_USAGE when profile_opt is unknown,
 * or the request's kind). */
int ck_ptz_select(ck_onvif *c, const char *profile_opt, int need_node,
    ck_ptz_ctx *x, ck_err *e);

/* What the user asked a move for: each axis and speed is optional. */
typedef struct ck_ptz_want {
	int has_pan, has_tilt, has_zoom, has_speed, has_zspeed;
	double pan, tilt, zoom, speed, zspeed;
} ck_ptz_want;

/* Sends body (taken over as in ck_ptz_call) and drops the reply. Returns 0
 * or -1 (kinds of ck_ptz_call). */
int ck_ptz_send(ck_onvif *c, const char *op, char *body, ck_err *e);
/* GetStatus of x's profile into st. Returns 0 or -1. */
int ck_ptz_get_status(ck_onvif *c, const ck_ptz_ctx *x, ck_ptz_status *st,
    ck_err *e);
/* GetPresets of x's profile: *p a malloc'd array of *n (caller frees).
 * Returns 0 or -1. */
int ck_ptz_get_presets(ck_onvif *c, const ck_ptz_ctx *x, ck_ptz_preset **p,
    size_t *n, ck_err *e);
/* The token of the preset called want, by token or by name (tokens win; a
 * name must be unique) into tok. Returns 0, or -1 with CK_USAGE (no such
 * preset, or several of that name) or the request's kind. */
int ck_ptz_find_preset(ck_onvif *c, const ck_ptz_ctx *x, const char *want,
    char *tok, size_t toklen, ck_err *e);
/* The Speed vector of a move: w's speeds checked against x's node, else
 * the configuration's or the node's default. Returns 0 or -1 (CK_USAGE). */
int ck_ptz_speed_vec(const ck_ptz_want *w, const ck_ptz_ctx *x, ck_ptz_vec *sp,
    ck_err *e);
/* The pan/tilt/zoom vector of a move in spaces pt and z (CK_PTZ_*),
 * checked against x's node, with the node's space URIs. Returns 0, or -1
 * with CK_USAGE (a value out of range, or w names no axis). */
int ck_ptz_move_vec(const ck_ptz_want *w, const ck_ptz_ctx *x, int pt, int z,
    ck_ptz_vec *v, ck_err *e);

/* Record fields for the open record j: a position or move (pan, tilt,
 * zoom and their spaces), a status (position, move states, error, device
 * time), a node (token, name, max_presets, home_supported, spaces with
 * their ranges). */
void ck_ptz_vec_json(ck_json *j, const ck_ptz_vec *v);
void ck_ptz_status_json(ck_json *j, const ck_ptz_status *st);
void ck_ptz_node_json(ck_json *j, const ck_ptz_node *n);

#endif
