/* ptz: ONVIF PTZ parsers, range checks and request bodies (see ptz.h). */
#include "onvif/ptz.h"
#include "codec/json.h"
#include "base/sbuf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const space_elem[CK_PTZ_NSPACES] = {
	"AbsolutePanTiltPositionSpace", "AbsoluteZoomPositionSpace",
	"RelativePanTiltTranslationSpace", "RelativeZoomTranslationSpace",
	"ContinuousPanTiltVelocitySpace", "ContinuousZoomVelocitySpace",
	"PanTiltSpeedSpace", "ZoomSpeedSpace",
};
static const char *const space_key[CK_PTZ_NSPACES] = {
	"absolute_pan_tilt", "absolute_zoom", "relative_pan_tilt",
	"relative_zoom", "continuous_pan_tilt", "continuous_zoom",
	"pan_tilt_speed", "zoom_speed",
};
static const char *const space_human[CK_PTZ_NSPACES] = {
	"absolute pan/tilt", "absolute zoom", "relative pan/tilt",
	"relative zoom", "continuous pan/tilt velocity",
	"continuous zoom velocity", "pan/tilt speed", "zoom speed",
};

const char *
ck_ptz_space_elem(int i)
{
	return i >= 0 && i < CK_PTZ_NSPACES ? space_elem[i] : "";
}

const char *
ck_ptz_space_key(int i)
{
	return i >= 0 && i < CK_PTZ_NSPACES ? space_key[i] : "";
}

static void
copy(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

/* Strict number: the whole (trimmed) string, finite. */
static int
num(const char *s, double *out)
{
	char *end;
	double v;

	if (!s)
		return -1;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (!*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	if (*end || errno == ERANGE || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

const ck_xml_node *
ck_ptz_response(const ck_xml_node *root, const char *op, ck_err *e)
{
	char want[96];
	const ck_xml_node *body, *r;

	snprintf(want, sizeof want, "%sResponse", op);
	body = ck_xml_child(root, CK_NS_SOAP12, "Body");
	if (!body)
		body = ck_xml_child(root, CK_NS_SOAP11, "Body");
	r = body ? ck_xml_child(body, CK_NS_TPTZ, want) : NULL;
	if (!r && ck_xml_is(root, CK_NS_TPTZ, want))
		r = root;
	if (!r) {
		ck_err_set(e, CK_PROTO, "reply has no tptz:%s", want);
		return NULL;
	}
	return r;
}

static void
parse_range(const ck_xml_node *n, ck_ptz_range *r)
{
	double lo, hi;

	r->set = 0;
	if (!n)
		return;
	if (num(ck_xml_child_text(n, CK_NS_TT, "Min"), &lo) == 0 &&
	    num(ck_xml_child_text(n, CK_NS_TT, "Max"), &hi) == 0 && lo <= hi) {
		r->min = lo;
		r->max = hi;
		r->set = 1;
	}
}

int
ck_ptz_parse_spaces(const ck_xml_node *sp, ck_ptz_node *node)
{
	int i;

	for (i = 0; i < CK_PTZ_NSPACES; i++) {
		/* Several spaces of a kind may be listed; the first one is the
		 * generic space every ONVIF device must offer. */
		const ck_xml_node *s = ck_xml_child(sp, CK_NS_TT, space_elem[i]);
		ck_ptz_space *d = &node->sp[i];

		memset(d, 0, sizeof *d);
		if (!s)
			continue;
		d->present = 1;
		copy(d->uri, sizeof d->uri, ck_xml_child_text(s, CK_NS_TT, "URI"));
		parse_range(ck_xml_child(s, CK_NS_TT, "XRange"), &d->x);
		parse_range(ck_xml_child(s, CK_NS_TT, "YRange"), &d->y);
	}
	return 0;
}

static void
parse_node(const ck_xml_node *n, ck_ptz_node *d)
{
	const ck_xml_node *sp;
	const char *s;
	double v;

	memset(d, 0, sizeof *d);
	copy(d->token, sizeof d->token, ck_xml_attr(n, "token"));
	copy(d->name, sizeof d->name, ck_xml_child_text(n, CK_NS_TT, "Name"));
	sp = ck_xml_child(n, CK_NS_TT, "SupportedPTZSpaces");
	if (sp)
		ck_ptz_parse_spaces(sp, d);
	d->max_presets = -1;
	if (num(ck_xml_child_text(n, CK_NS_TT, "MaximumNumberOfPresets"), &v) == 0 &&
	    v >= 0 && v < 1e9)
		d->max_presets = (int)v;
	s = ck_xml_child_text(n, CK_NS_TT, "HomeSupported");
	d->home_supported = ck_xml_bool(s);
}

int
ck_ptz_parse_nodes(const ck_xml_node *resp, ck_ptz_node *out, int max, ck_err *e)
{
	const ck_xml_node *n;
	int k = 0;

	for (n = ck_xml_child(resp, CK_NS_TPTZ, NULL); n && k < max;
	    n = ck_xml_next(n, CK_NS_TPTZ, NULL)) {
		if (strcmp(n->name, "PTZNode") != 0)
			continue;
		parse_node(n, &out[k++]);
	}
	return k;
}

int
ck_ptz_parse_config(const ck_xml_node *cfg, ck_ptz_config *c, ck_err *e)
{
	const ck_xml_node *sp;
	ck_ptz_vec v;
	ck_err ign;

	memset(c, 0, sizeof *c);
	copy(c->token, sizeof c->token, ck_xml_attr(cfg, "token"));
	if (!c->token[0])
		return ck_err_set(e, CK_PROTO, "PTZ configuration without a token");
	copy(c->name, sizeof c->name, ck_xml_child_text(cfg, CK_NS_TT, "Name"));
	copy(c->node_token, sizeof c->node_token,
	    ck_xml_child_text(cfg, CK_NS_TT, "NodeToken"));
	copy(c->timeout, sizeof c->timeout,
	    ck_xml_child_text(cfg, CK_NS_TT, "DefaultPTZTimeout"));
	sp = ck_xml_child(cfg, CK_NS_TT, "DefaultPTZSpeed");
	if (sp && ck_ptz_parse_vec(sp, &v, &ign) == 0) {
		c->has_speed_pt = v.has_pt;
		c->has_speed_z = v.has_z;
		c->speed_pan = v.x;
		c->speed_tilt = v.y;
		c->speed_zoom = v.z;
	}
	return 0;
}

int
ck_ptz_parse_vec(const ck_xml_node *n, ck_ptz_vec *v, ck_err *e)
{
	const ck_xml_node *pt = ck_xml_child(n, CK_NS_TT, "PanTilt");
	const ck_xml_node *z = ck_xml_child(n, CK_NS_TT, "Zoom");

	memset(v, 0, sizeof *v);
	if (pt) {
		const char *xs = ck_xml_attr(pt, "x"), *ys = ck_xml_attr(pt, "y");
		if (num(xs, &v->x) < 0 || num(ys, &v->y) < 0)
			return ck_err_set(e, CK_PROTO,
			    "PanTilt has a missing or non-numeric x/y (x=\"%.32s\" y=\"%.32s\")",
			    xs ? xs : "", ys ? ys : "");
		v->has_pt = 1;
		copy(v->pt_space, sizeof v->pt_space, ck_xml_attr(pt, "space"));
	}
	if (z) {
		const char *xs = ck_xml_attr(z, "x");
		if (num(xs, &v->z) < 0)
			return ck_err_set(e, CK_PROTO,
			    "Zoom has a missing or non-numeric x (x=\"%.32s\")",
			    xs ? xs : "");
		v->has_z = 1;
		copy(v->z_space, sizeof v->z_space, ck_xml_attr(z, "space"));
	}
	return 0;
}

/* Years before 2000 mean the device clock was never set (SUNBA.405 says
 * 1970-01-01T00:00:00Z): report it, but flag it. */
static int
plausible_time(const char *s)
{
	int y;

	if (!s || sscanf(s, "%4d-", &y) != 1)
		return 0;
	return y >= 2000 && y < 2200;
}

int
ck_ptz_parse_status(const ck_xml_node *resp, ck_ptz_status *st, ck_err *e)
{
	const ck_xml_node *s, *pos, *ms;

	memset(st, 0, sizeof *st);
	s = ck_xml_child(resp, CK_NS_TPTZ, "PTZStatus");
	if (!s)
		return ck_err_set(e, CK_PROTO, "GetStatusResponse has no PTZStatus");
	pos = ck_xml_child(s, CK_NS_TT, "Position");
	if (pos) {
		if (ck_ptz_parse_vec(pos, &st->pos, e) < 0)
			return ck_err_wrap(e, "PTZ status position");
		st->has_pos = st->pos.has_pt || st->pos.has_z;
	}
	ms = ck_xml_child(s, CK_NS_TT, "MoveStatus");
	if (ms) {
		copy(st->move_pt, sizeof st->move_pt,
		    ck_xml_child_text(ms, CK_NS_TT, "PanTilt"));
		copy(st->move_z, sizeof st->move_z,
		    ck_xml_child_text(ms, CK_NS_TT, "Zoom"));
	}
	copy(st->error, sizeof st->error, ck_xml_child_text(s, CK_NS_TT, "Error"));
	copy(st->utc, sizeof st->utc, ck_xml_child_text(s, CK_NS_TT, "UtcTime"));
	st->utc_plausible = plausible_time(st->utc);
	return 0;
}

#define CK_PTZ_MAX_PRESETS 4096

int
ck_ptz_parse_presets(const ck_xml_node *resp, ck_ptz_preset **out, size_t *n,
    ck_err *e)
{
	const ck_xml_node *p, *pos;
	size_t k = 0, cnt = ck_xml_count(resp, CK_NS_TPTZ, "Preset");
	ck_ptz_preset *a;

	*out = NULL;
	*n = 0;
	if (cnt > CK_PTZ_MAX_PRESETS)
		return ck_err_set(e, CK_PROTO, "reply lists %zu presets (more than %d)",
		    cnt, CK_PTZ_MAX_PRESETS);
	a = calloc(cnt ? cnt : 1, sizeof *a);
	if (!a)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	for (p = ck_xml_child(resp, CK_NS_TPTZ, "Preset"); p && k < cnt;
	    p = ck_xml_next(p, CK_NS_TPTZ, "Preset")) {
		ck_ptz_preset *d = &a[k];
		ck_err ign;

		copy(d->token, sizeof d->token, ck_xml_attr(p, "token"));
		copy(d->name, sizeof d->name, ck_xml_child_text(p, CK_NS_TT, "Name"));
		pos = ck_xml_child(p, CK_NS_TT, "PTZPosition");
		/* A preset with an unreadable position is still a preset. */
		if (pos && ck_ptz_parse_vec(pos, &d->pos, &ign) == 0)
			d->has_pos = d->pos.has_pt || d->pos.has_z;
		if (d->token[0])
			k++;
	}
	*out = a;
	*n = k;
	return 0;
}

const char *
ck_ptz_fmt(double v, char *out)
{
	int p;

	if (v == 0)
		v = 0;   /* no "-0" */
	for (p = 1; p <= 17; p++) {
		snprintf(out, 32, "%.*g", p, v);
		if (strtod(out, NULL) == v)
			break;
	}
	return out;
}

int
ck_ptz_check(const ck_ptz_node *n, int space, int axis_y, double v,
    const char *what, ck_err *e)
{
	const ck_ptz_space *s;
	const ck_ptz_range *r;
	char a[32], b[32], c[32];

	if (!isfinite(v))
		return ck_err_set(e, CK_USAGE, "%s is not a finite number", what);
	if (!n || space < 0 || space >= CK_PTZ_NSPACES)
		return 0;
	s = &n->sp[space];
	r = axis_y ? &s->y : &s->x;
	if (!s->present || !r->set)
		return 0;
	/* A little slack for values printed with 6 decimals by the device. */
	if (v < r->min - 1e-9 || v > r->max + 1e-9)
		return ck_err_set(e, CK_USAGE,
		    "%s %s is outside the %s range [%s, %s] of PTZ node %s",
		    what, ck_ptz_fmt(v, a), space_human[space],
		    ck_ptz_fmt(r->min, b), ck_ptz_fmt(r->max, c),
		    n->token[0] ? n->token : "(unnamed)");
	return 0;
}

void
ck_ptz_set_spaces(const ck_ptz_node *n, int pt, int z, ck_ptz_vec *v)
{
	if (!n)
		return;
	if (pt >= 0 && n->sp[pt].present && n->sp[pt].uri[0])
		copy(v->pt_space, sizeof v->pt_space, n->sp[pt].uri);
	if (z >= 0 && n->sp[z].present && n->sp[z].uri[0])
		copy(v->z_space, sizeof v->z_space, n->sp[z].uri);
}

static int
in_range(const ck_ptz_range *r, double v)
{
	return !r->set || (v >= r->min - 1e-9 && v <= r->max + 1e-9);
}

void
ck_ptz_default_speed(const ck_ptz_node *n, const ck_ptz_config *c,
    ck_ptz_vec *speed)
{
	const ck_ptz_space *sp = n ? &n->sp[CK_PTZ_SPEED_PT] : NULL;
	const ck_ptz_space *sz = n ? &n->sp[CK_PTZ_SPEED_Z] : NULL;

	memset(speed, 0, sizeof *speed);
	if (c && c->has_speed_pt && (!sp || (in_range(&sp->x, c->speed_pan) &&
	    in_range(&sp->x, c->speed_tilt)))) {
		speed->has_pt = 1;
		speed->x = c->speed_pan;
		speed->y = c->speed_tilt;
	} else if (sp && sp->present && sp->x.set) {
		speed->has_pt = 1;
		speed->x = speed->y = sp->x.max;
	}
	if (c && c->has_speed_z && (!sz || in_range(&sz->x, c->speed_zoom))) {
		speed->has_z = 1;
		speed->z = c->speed_zoom;
	} else if (sz && sz->present && sz->x.set) {
		speed->has_z = 1;
		speed->z = sz->x.max;
	}
	ck_ptz_set_spaces(n, CK_PTZ_SPEED_PT, CK_PTZ_SPEED_Z, speed);
}

static void
open_op(ck_sbuf *b, const char *op, const char *profile)
{
	ck_sbuf_printf(b, "<tptz:%s xmlns:tptz=\"" CK_NS_TPTZ "\" xmlns:tt=\""
	    CK_NS_TT "\">", op);
	if (profile)
		ck_sbuf_elem(b, "tptz:ProfileToken", profile);
}

/* <tptz:elem><tt:PanTilt x= y= space=/><tt:Zoom x= space=/></tptz:elem> */
static void
vec(ck_sbuf *b, const char *elem, const ck_ptz_vec *v)
{
	char x[32], y[32];

	if (!v || (!v->has_pt && !v->has_z))
		return;
	ck_sbuf_printf(b, "<tptz:%s>", elem);
	if (v->has_pt) {
		ck_sbuf_printf(b, "<tt:PanTilt x=\"%s\" y=\"%s\"", ck_ptz_fmt(v->x, x),
		    ck_ptz_fmt(v->y, y));
		if (v->pt_space[0]) {
			ck_sbuf_add(b, " space=\"");
			ck_sbuf_esc(b, v->pt_space);
			ck_sbuf_add(b, "\"");
		}
		ck_sbuf_add(b, "/>");
	}
	if (v->has_z) {
		ck_sbuf_printf(b, "<tt:Zoom x=\"%s\"", ck_ptz_fmt(v->z, x));
		if (v->z_space[0]) {
			ck_sbuf_add(b, " space=\"");
			ck_sbuf_esc(b, v->z_space);
			ck_sbuf_add(b, "\"");
		}
		ck_sbuf_add(b, "/>");
	}
	ck_sbuf_printf(b, "</tptz:%s>", elem);
}

char *
ck_ptz_body_simple(const char *op, const char *profile)
{
	ck_sbuf b = {0};

	open_op(&b, op, profile);
	ck_sbuf_printf(&b, "</tptz:%s>", op);
	return ck_sbuf_done(&b);
}

char *
ck_ptz_body_continuous(const char *profile, const ck_ptz_vec *vel,
    long long timeout_ms)
{
	ck_sbuf b = {0};

	open_op(&b, "ContinuousMove", profile);
	vec(&b, "Velocity", vel);
	if (timeout_ms > 0) {
		if (timeout_ms % 1000)
			ck_sbuf_printf(&b, "<tptz:Timeout>PT%lld.%03lldS</tptz:Timeout>",
			    timeout_ms / 1000, timeout_ms % 1000);
		else
			ck_sbuf_printf(&b, "<tptz:Timeout>PT%lldS</tptz:Timeout>",
			    timeout_ms / 1000);
	}
	ck_sbuf_add(&b, "</tptz:ContinuousMove>");
	return ck_sbuf_done(&b);
}

char *
ck_ptz_body_relative(const char *profile, const ck_ptz_vec *tr,
    const ck_ptz_vec *speed)
{
	ck_sbuf b = {0};

	open_op(&b, "RelativeMove", profile);
	vec(&b, "Translation", tr);
	vec(&b, "Speed", speed);
	ck_sbuf_add(&b, "</tptz:RelativeMove>");
	return ck_sbuf_done(&b);
}

char *
ck_ptz_body_absolute(const char *profile, const ck_ptz_vec *pos,
    const ck_ptz_vec *speed)
{
	ck_sbuf b = {0};

	open_op(&b, "AbsoluteMove", profile);
	vec(&b, "Position", pos);
	vec(&b, "Speed", speed);
	ck_sbuf_add(&b, "</tptz:AbsoluteMove>");
	return ck_sbuf_done(&b);
}

char *
ck_ptz_body_stop(const char *profile, int pan_tilt, int zoom)
{
	ck_sbuf b = {0};

	open_op(&b, "Stop", profile);
	ck_sbuf_printf(&b, "<tptz:PanTilt>%s</tptz:PanTilt><tptz:Zoom>%s</tptz:Zoom>",
	    pan_tilt ? "true" : "false", zoom ? "true" : "false");
	ck_sbuf_add(&b, "</tptz:Stop>");
	return ck_sbuf_done(&b);
}

char *
ck_ptz_body_goto_preset(const char *profile, const char *token,
    const ck_ptz_vec *speed)
{
	ck_sbuf b = {0};

	open_op(&b, "GotoPreset", profile);
	ck_sbuf_elem(&b, "tptz:PresetToken", token);
	vec(&b, "Speed", speed);
	ck_sbuf_add(&b, "</tptz:GotoPreset>");
	return ck_sbuf_done(&b);
}

char *
ck_ptz_body_goto_home(const char *profile, const ck_ptz_vec *speed)
{
	ck_sbuf b = {0};

	open_op(&b, "GotoHomePosition", profile);
	vec(&b, "Speed", speed);
	ck_sbuf_add(&b, "</tptz:GotoHomePosition>");
	return ck_sbuf_done(&b);
}

char *
ck_ptz_body_set_preset(const char *profile, const char *name,
    const char *token)
{
	ck_sbuf b = {0};

	open_op(&b, "SetPreset", profile);
	if (name)
		ck_sbuf_elem(&b, "tptz:PresetName", name);
	if (token)
		ck_sbuf_elem(&b, "tptz:PresetToken", token);
	ck_sbuf_add(&b, "</tptz:SetPreset>");
	return ck_sbuf_done(&b);
}

char *
ck_ptz_body_remove_preset(const char *profile, const char *token)
{
	ck_sbuf b = {0};

	open_op(&b, "RemovePreset", profile);
	ck_sbuf_elem(&b, "tptz:PresetToken", token);
	ck_sbuf_add(&b, "</tptz:RemovePreset>");
	return ck_sbuf_done(&b);
}

char *
ck_ptz_body_get_node(const char *token)
{
	ck_sbuf b = {0};

	open_op(&b, "GetNode", NULL);
	ck_sbuf_elem(&b, "tptz:NodeToken", token);
	ck_sbuf_add(&b, "</tptz:GetNode>");
	return ck_sbuf_done(&b);
}

/* ---- Calls through an ONVIF client ---- */

int
ck_ptz_call(ck_onvif *c, const char *op, char *body, ck_soap_resp *r,
    const ck_xml_node **resp, ck_err *e)
{
	int rc;

	if (!body)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	rc = ck_onvif_call(c, "ptz", body, r, e);
	free(body);
	if (rc < 0)
		return ck_err_wrap(e, "%s", op);
	*resp = ck_ptz_response(r->envelope, op, e);
	if (!*resp) {
		ck_soap_resp_free(r);
		return -1;
	}
	return 0;
}

/* Scans a GetProfilesResponse (Media or Media2) for the profile: the one
 * named want, else the first with a PTZ configuration. Returns 1 found (x
 * filled), 0 not found (*seen set when want exists without PTZ), -1 error. */
static int
scan_profiles(const ck_xml_node *resp, const char *want, ck_ptz_ctx *x,
    int *seen, ck_err *e)
{
	const ck_xml_node *p, *cfg;

	for (p = ck_xml_child(resp, NULL, "Profiles"); p;
	    p = ck_xml_next(p, NULL, "Profiles")) {
		const char *tok = ck_xml_attr(p, "token");
		const ck_xml_node *confs;

		if (!tok || (want && strcmp(tok, want) != 0))
			continue;
		if (want)
			*seen = 1;
		cfg = ck_xml_child(p, NULL, "PTZConfiguration");     /* Media */
		confs = ck_xml_child(p, NULL, "Configurations");     /* Media2 */
		if (!cfg && confs)
			cfg = ck_xml_child(confs, NULL, "PTZ");
		if (!cfg) {
			if (want) {
				/* Named explicitly: the user knows best; the
				 * PTZ service will say if it has no PTZ. */
				copy(x->profile, sizeof x->profile, tok);
				return 1;
			}
			continue;
		}
		copy(x->profile, sizeof x->profile, tok);
		if (ck_ptz_parse_config(cfg, &x->config, e) == 0)
			x->has_config = 1;
		return 1;
	}
	return 0;
}

static int
profiles_from(ck_onvif *c, const char *svc, const char *want, ck_ptz_ctx *x,
    int *seen, ck_err *e)
{
	ck_soap_resp r;
	const ck_xml_node *resp;
	int found;
	const char *body = strcmp(svc, "media2") == 0
	    ? "<tr2:GetProfiles xmlns:tr2=\"" CK_NS_TR2 "\"><tr2:Type>PTZ</tr2:Type>"
	      "</tr2:GetProfiles>"
	    : "<trt:GetProfiles xmlns:trt=\"" CK_NS_TRT "\"/>";

	if (ck_onvif_call(c, svc, body, &r, e) < 0)
		return ck_err_wrap(e, "GetProfiles (%s)", svc);
	resp = r.first;
	if (!resp || strcmp(resp->name, "GetProfilesResponse") != 0) {
		ck_soap_resp_free(&r);
		return ck_err_set(e, CK_PROTO, "GetProfiles (%s): reply has no "
		    "GetProfilesResponse", svc);
	}
	found = scan_profiles(resp, want, x, seen, e);
	ck_soap_resp_free(&r);
	return found;
}

static int
select_node(ck_onvif *c, ck_ptz_ctx *x, ck_err *e)
{
	ck_soap_resp r;
	const ck_xml_node *resp;
	ck_ptz_node *nodes;
	int n, i, pick = 0;

	if (ck_ptz_call(c, "GetNodes", ck_ptz_body_simple("GetNodes", NULL), &r,
	    &resp, e) < 0)
		return -1;
	nodes = calloc(16, sizeof *nodes);
	if (!nodes) {
		ck_soap_resp_free(&r);
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	}
	n = ck_ptz_parse_nodes(resp, nodes, 16, e);
	ck_soap_resp_free(&r);
	if (n <= 0) {
		free(nodes);
		return ck_err_set(e, CK_PROTO, "GetNodes: the device lists no PTZ node");
	}
	for (i = 0; i < n && x->has_config; i++)
		if (strcmp(nodes[i].token, x->config.node_token) == 0)
			pick = i;
	x->node = nodes[pick];
	x->has_node = 1;
	free(nodes);
	return 0;
}

int
ck_ptz_select(ck_onvif *c, const char *profile_opt, int need_node,
    ck_ptz_ctx *x, ck_err *e)
{
	ck_err e2;
	int found = 0, seen = 0;

	memset(x, 0, sizeof *x);
	/* Media2 first when the device offers it. */
	if (ck_onvif_service_url(c, "media2", &e2))
		found = profiles_from(c, "media2", profile_opt, x, &seen, e);
	if (found < 0 && e->kind == CK_NOPERM)
		return -1;
	if (found <= 0 || (!x->has_config && !profile_opt)) {
		memset(x, 0, sizeof *x);
		found = profiles_from(c, "media", profile_opt, x, &seen, e);
		if (found < 0)
			return -1;
	}
	if (!found) {
		if (profile_opt)
			return ck_err_set(e, CK_USAGE, "no media profile '%s' on the device",
			    profile_opt);
		return ck_err_set(e, CK_EMPTY, "no media profile has a PTZ configuration");
	}
	if (need_node && select_node(c, x, e) < 0)
		return -1;
	return 0;
}

/* ---- verbs' building blocks ---- */

int
ck_ptz_send(ck_onvif *c, const char *op, char *body, ck_err *e)
{
	ck_soap_resp r;
	const ck_xml_node *resp;

	if (ck_ptz_call(c, op, body, &r, &resp, e) < 0)
		return -1;
	ck_soap_resp_free(&r);
	return 0;
}

int
ck_ptz_get_status(ck_onvif *c, const ck_ptz_ctx *x, ck_ptz_status *st,
    ck_err *e)
{
	ck_soap_resp r;
	const ck_xml_node *resp;
	int rc;

	if (ck_ptz_call(c, "GetStatus", ck_ptz_body_simple("GetStatus", x->profile),
	    &r, &resp, e) < 0)
		return -1;
	rc = ck_ptz_parse_status(resp, st, e);
	ck_soap_resp_free(&r);
	return rc;
}

int
ck_ptz_get_presets(ck_onvif *c, const ck_ptz_ctx *x, ck_ptz_preset **p,
    size_t *n, ck_err *e)
{
	ck_soap_resp r;
	const ck_xml_node *resp;
	int rc;

	if (ck_ptz_call(c, "GetPresets", ck_ptz_body_simple("GetPresets",
	    x->profile), &r, &resp, e) < 0)
		return -1;
	rc = ck_ptz_parse_presets(resp, p, n, e);
	ck_soap_resp_free(&r);
	return rc;
}

int
ck_ptz_find_preset(ck_onvif *c, const ck_ptz_ctx *x, const char *want,
    char *tok, size_t toklen, ck_err *e)
{
	ck_ptz_preset *p;
	size_t n, i, hits = 0;

	if (ck_ptz_get_presets(c, x, &p, &n, e) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(p[i].token, want) == 0) {
			snprintf(tok, toklen, "%s", p[i].token);
			free(p);
			return 0;
		}
	for (i = 0; i < n; i++)
		if (strcmp(p[i].name, want) == 0 && hits++ == 0)
			snprintf(tok, toklen, "%s", p[i].token);
	free(p);
	if (hits == 1)
		return 0;
	if (hits > 1)
		return ck_err_set(e, CK_USAGE, "%zu presets are named '%s': give the "
		    "token", hits, want);
	return ck_err_set(e, CK_USAGE, "no preset with token or name '%s'", want);
}

int
ck_ptz_speed_vec(const ck_ptz_want *w, const ck_ptz_ctx *x, ck_ptz_vec *sp,
    ck_err *e)
{
	const ck_ptz_node *n = x->has_node ? &x->node : NULL;

	ck_ptz_default_speed(n, x->has_config ? &x->config : NULL, sp);
	if (w->has_speed) {
		if (ck_ptz_check(n, CK_PTZ_SPEED_PT, 0, w->speed, "speed", e) < 0)
			return -1;
		sp->has_pt = 1;
		sp->x = sp->y = w->speed;
	}
	if (w->has_zspeed) {
		if (ck_ptz_check(n, CK_PTZ_SPEED_Z, 0, w->zspeed, "zoom speed", e) < 0)
			return -1;
		sp->has_z = 1;
		sp->z = w->zspeed;
	}
	return 0;
}

int
ck_ptz_move_vec(const ck_ptz_want *w, const ck_ptz_ctx *x, int pt, int z,
    ck_ptz_vec *v, ck_err *e)
{
	const ck_ptz_node *n = x->has_node ? &x->node : NULL;

	memset(v, 0, sizeof *v);
	if (w->has_pan || w->has_tilt) {
		if ((w->has_pan && ck_ptz_check(n, pt, 0, w->pan, "pan", e) < 0) ||
		    (w->has_tilt && ck_ptz_check(n, pt, 1, w->tilt, "tilt", e) < 0))
			return -1;
		v->has_pt = 1;
		v->x = w->has_pan ? w->pan : 0;
		v->y = w->has_tilt ? w->tilt : 0;
	}
	if (w->has_zoom) {
		if (ck_ptz_check(n, z, 0, w->zoom, "zoom", e) < 0)
			return -1;
		v->has_z = 1;
		v->z = w->zoom;
	}
	if (!v->has_pt && !v->has_z)
		return ck_err_set(e, CK_USAGE, "a move needs a pan, tilt or zoom value");
	ck_ptz_set_spaces(n, pt, z, v);
	return 0;
}

/* ---- records ---- */

void
ck_ptz_vec_json(ck_json *j, const ck_ptz_vec *v)
{
	if (v->has_pt) {
		ck_json_num(j, "pan", v->x, 9);
		ck_json_num(j, "tilt", v->y, 9);
		if (v->pt_space[0])
			ck_json_str(j, "pan_tilt_space", v->pt_space);
		else
			ck_json_null(j, "pan_tilt_space");
	}
	if (v->has_z) {
		ck_json_num(j, "zoom", v->z, 9);
		if (v->z_space[0])
			ck_json_str(j, "zoom_space", v->z_space);
		else
			ck_json_null(j, "zoom_space");
	}
}

void
ck_ptz_status_json(ck_json *j, const ck_ptz_status *st)
{
	if (st->has_pos)
		ck_ptz_vec_json(j, &st->pos);
	ck_json_str(j, "move_pan_tilt", st->move_pt[0] ? st->move_pt : NULL);
	ck_json_str(j, "move_zoom", st->move_z[0] ? st->move_z : NULL);
	if (st->error[0])
		ck_json_str(j, "error", st->error);
	if (st->utc[0]) {
		ck_json_str(j, "device_time", st->utc);
		ck_json_bool(j, "device_time_valid", st->utc_plausible);
	}
}

static void
range_json(ck_json *j, const char *key, const ck_ptz_range *r)
{
	if (!r->set)
		return;
	ck_json_obj(j, key);
	ck_json_num(j, "min", r->min, 9);
	ck_json_num(j, "max", r->max, 9);
	ck_json_end(j);
}

void
ck_ptz_node_json(ck_json *j, const ck_ptz_node *n)
{
	ck_json_str(j, "token", n->token);
	ck_json_str(j, "name", n->name);
	if (n->max_presets >= 0)
		ck_json_int(j, "max_presets", n->max_presets);
	if (n->home_supported >= 0)
		ck_json_bool(j, "home_supported", n->home_supported);
	ck_json_obj(j, "spaces");
	for (int k = 0; k < CK_PTZ_NSPACES; k++) {
		const ck_ptz_space *s = &n->sp[k];
		if (!s->present)
			continue;
		ck_json_obj(j, ck_ptz_space_key(k));
		ck_json_str(j, "uri", s->uri);
		range_json(j, "x", &s->x);
		range_json(j, "y", &s->y);
		ck_json_end(j);
	}
	ck_json_end(j);
}
