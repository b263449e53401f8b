/* ptzrun: the verbs of onvif-ptz other than the terminal UI, each
 * one target's PTZ calls and the records it prints. */
#include "cli/ptzrun.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "cli/targets.h"

static const struct {
	const char *name;
	int args;
} verbs[] = {
	{ "status", 0 }, { "move", 0 }, { "relative", 0 }, { "absolute", 0 },
	{ "stop", 0 }, { "presets", 0 }, { "preset-set", 1 }, { "preset-goto", 1 },
	{ "preset-remove", 1 }, { "home", 0 }, { "home-set", 0 }, { "nodes", 0 },
	{ "interactive", 0 },
};

int
ck_ptzrun_verb(const char *name, int *has_arg)
{
	size_t v;

	for (v = 0; v < sizeof verbs / sizeof verbs[0]; v++)
		if (strcmp(name, verbs[v].name) == 0) {
			*has_arg = verbs[v].args;
			return (int)v;
		}
	return -1;
}

const char *
ck_ptzrun_name(int verb)
{
	return verbs[verb].name;
}

int
ck_ptzrun_need_node(const ck_ptzrun *a)
{
	return a->verb == CK_PTZRUN_MOVE || a->verb == CK_PTZRUN_RELATIVE ||
	    a->verb == CK_PTZRUN_ABSOLUTE || a->verb == CK_PTZRUN_INTERACTIVE ||
	    (a->verb == CK_PTZRUN_PGOTO && (a->w.has_speed || a->w.has_zspeed));
}

/* The record being built: one per worker thread (-j), freed when its
 * target is done. */
static _Thread_local ck_json *j;

/* Starts the record common to every verb. */
static ck_json *
record(const char *type, ck_onvif *c, const ck_ptz_ctx *x)
{
	if (!j)
		j = ck_json_new();
	ck_json_reset(j);
	ck_json_record(j, type);
	ck_json_time_ms(j, "ts", ck_clock_wall_ms());
	ck_json_str(j, "device", ck_onvif_get_target(c)->url);
	if (x && x->profile[0])
		ck_json_str(j, "profile", x->profile);
	return j;
}

static int
emit(ck_json *r, ck_err *e)
{
	if (ck_targets_emit(r))
		return ck_err_set(e, CK_IOERR, "stdout: %s", strerror(errno));
	return 0;
}

static int
do_status(ck_onvif *c, const ck_ptz_ctx *x, ck_err *e)
{
	ck_ptz_status st;
	ck_json *j;

	if (ck_ptz_get_status(c, x, &st, e) < 0)
		return -1;
	j = record("ptz_status", c, x);
	ck_ptz_status_json(j, &st);
	return emit(j, e);
}

static int
do_presets(ck_onvif *c, const ck_ptz_ctx *x, ck_err *e)
{
	ck_ptz_preset *p;
	size_t n, i;
	int rc = 0;

	if (ck_ptz_get_presets(c, x, &p, &n, e) < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		ck_json *j = record("ptz_preset", c, x);
		ck_json_str(j, "token", p[i].token);
		ck_json_str(j, "name", p[i].name);
		if (p[i].has_pos)
			ck_ptz_vec_json(j, &p[i].pos);
		rc = emit(j, e);
	}
	free(p);
	if (rc == 0 && n == 0)
		return ck_err_set(e, CK_EMPTY, "no presets");
	return rc;
}

int
ck_ptzrun_move_vec(const ck_ptzrun *a, const ck_ptz_want *w, const ck_ptz_ctx *x, int pt, int z,
    ck_ptz_vec *v, ck_err *e)
{
	if (!w->has_pan && !w->has_tilt && !w->has_zoom)
		return ck_err_set(e, CK_USAGE, "%s needs --pan, --tilt or --zoom",
		    ck_ptzrun_name(a->verb));
	return ck_ptz_move_vec(w, x, pt, z, v, e);
}

/* Sleeps until deadline (monotonic ms) or *stop. */
static void
sleep_until(volatile sig_atomic_t *stop, int64_t deadline)
{
	while (!*stop) {
		int64_t left = deadline - ck_clock_now_ms();
		if (left <= 0)
			break;
		poll(NULL, 0, left > 50 ? 50 : (int)left);
	}
}

int
ck_ptzrun_stop(ck_onvif *c, const ck_ptz_ctx *x, int pt, int z, ck_err *e)
{
	return ck_ptz_send(c, "Stop", ck_ptz_body_stop(x->profile, pt, z), e);
}

static int
do_move(const ck_ptzrun *a, ck_onvif *c, const ck_ptz_ctx *x, ck_err *e)
{
	ck_ptz_vec v;
	ck_json *j;
	int64_t t0;
	int rc;

	if (ck_ptzrun_move_vec(a, &a->w, x, CK_PTZ_CONT_PT, CK_PTZ_CONT_Z, &v, e) < 0)
		return -1;
	t0 = ck_clock_now_ms();
	/* The Timeout is a hint only: some cameras ignore it, so Stop is sent
	 * in every case, also when a signal cuts the move short. */
	if (ck_ptz_send(c, "ContinuousMove", ck_ptz_body_continuous(x->profile, &v,
	    a->duration_ms), e) < 0) {
		ck_err e2;
		if (*a->stop)
			ck_ptzrun_stop(c, x, 1, 1, &e2);
		return -1;
	}
	ck_log_info("moving for %lld ms", a->duration_ms);
	sleep_until(a->stop, t0 + a->duration_ms);
	rc = ck_ptzrun_stop(c, x, v.has_pt, v.has_z, e);
	j = record("ptz_move", c, x);
	ck_json_str(j, "verb", "move");
	ck_ptz_vec_json(j, &v);
	ck_json_int(j, "duration_ms", ck_clock_now_ms() - t0);
	ck_json_bool(j, "stopped", rc == 0);
	if (*a->stop)
		ck_json_bool(j, "interrupted", 1);
	if (rc < 0) {
		ck_targets_emit(j);
		return -1;
	}
	return emit(j, e);
}

static int
do_relabs(const ck_ptzrun *a, ck_onvif *c, const ck_ptz_ctx *x, ck_err *e)
{
	int abs = a->verb == CK_PTZRUN_ABSOLUTE;
	ck_ptz_vec v, sp;
	ck_ptz_want b = a->w;
	ck_json *j;
	char *body;

	/* AbsoluteMove needs both pan and tilt: keep the current other one. */
	if (abs && (a->w.has_pan != a->w.has_tilt)) {
		ck_ptz_status st;
		if (ck_ptz_get_status(c, x, &st, e) < 0)
			return -1;
		if (!st.has_pos || !st.pos.has_pt)
			return ck_err_set(e, CK_USAGE, "the device does not report its "
			    "position: give both --pan and --tilt");
		if (!b.has_pan)
			b.pan = st.pos.x;
		if (!b.has_tilt)
			b.tilt = st.pos.y;
		b.has_pan = b.has_tilt = 1;
	}
	if (ck_ptzrun_move_vec(a, &b, x, abs ? CK_PTZ_ABS_PT : CK_PTZ_REL_PT,
	    abs ? CK_PTZ_ABS_Z : CK_PTZ_REL_Z, &v, e) < 0 ||
	    ck_ptz_speed_vec(&a->w, x, &sp, e) < 0)
		return -1;
	/* Speed only for the axes that move. */
	sp.has_pt = sp.has_pt && v.has_pt;
	sp.has_z = sp.has_z && v.has_z;
	body = abs ? ck_ptz_body_absolute(x->profile, &v, &sp)
	    : ck_ptz_body_relative(x->profile, &v, &sp);
	if (ck_ptz_send(c, abs ? "AbsoluteMove" : "RelativeMove", body, e) < 0)
		return -1;
	j = record("ptz_move", c, x);
	ck_json_str(j, "verb", ck_ptzrun_name(a->verb));
	ck_ptz_vec_json(j, &v);
	if (sp.has_pt)
		ck_json_num(j, "speed", sp.x, 9);
	if (sp.has_z)
		ck_json_num(j, "zoom_speed", sp.z, 9);
	return emit(j, e);
}

static int
do_nodes(ck_onvif *c, ck_err *e)
{
	ck_soap_resp r;
	const ck_xml_node *resp;
	ck_ptz_node *nodes = calloc(64, sizeof *nodes);
	int n, i, rc = 0;

	if (!nodes)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	if (ck_ptz_call(c, "GetNodes", ck_ptz_body_simple("GetNodes", NULL), &r,
	    &resp, e) < 0) {
		free(nodes);
		return -1;
	}
	n = ck_ptz_parse_nodes(resp, nodes, 64, e);
	ck_soap_resp_free(&r);
	for (i = 0; i < n && rc == 0; i++) {
		ck_json *j = record("ptz_node", c, NULL);
		ck_ptz_node_json(j, &nodes[i]);
		rc = emit(j, e);
	}
	free(nodes);
	if (rc == 0 && n == 0)
		return ck_err_set(e, CK_EMPTY, "the device lists no PTZ node");
	return rc;
}

static int
do_preset_verb(const ck_ptzrun *a, ck_onvif *c, const ck_ptz_ctx *x, ck_err *e)
{
	char tok[128] = "";
	ck_soap_resp r;
	const ck_xml_node *resp;
	ck_ptz_vec sp = {0};
	ck_json *j;

	if (a->verb == CK_PTZRUN_PSET) {
		if (ck_ptz_call(c, "SetPreset", ck_ptz_body_set_preset(x->profile,
		    a->arg, NULL), &r, &resp, e) < 0)
			return -1;
		snprintf(tok, sizeof tok, "%s",
		    ck_xml_child_text(resp, CK_NS_TPTZ, "PresetToken") ?
		    ck_xml_child_text(resp, CK_NS_TPTZ, "PresetToken") : "");
		ck_soap_resp_free(&r);
		if (!tok[0])
			return ck_err_set(e, CK_PROTO, "SetPresetResponse has no PresetToken");
	} else {
		if (ck_ptz_find_preset(c, x, a->arg, tok, sizeof tok, e) < 0)
			return -1;
		if (a->verb == CK_PTZRUN_PGOTO) {
			if ((a->w.has_speed || a->w.has_zspeed) && ck_ptz_speed_vec(&a->w, x, &sp, e) < 0)
				return -1;
			if (ck_ptz_send(c, "GotoPreset", ck_ptz_body_goto_preset(x->profile, tok,
			    (a->w.has_speed || a->w.has_zspeed) ? &sp : NULL), e) < 0)
				return -1;
		} else if (ck_ptz_send(c, "RemovePreset",
		    ck_ptz_body_remove_preset(x->profile, tok), e) < 0) {
			return -1;
		}
	}
	j = record("ptz_preset", c, x);
	ck_json_str(j, "verb", ck_ptzrun_name(a->verb));
	ck_json_str(j, "token", tok);
	if (a->verb == CK_PTZRUN_PSET)
		ck_json_str(j, "name", a->arg);
	return emit(j, e);
}

void
ck_ptzrun_done(void)
{
	ck_json_free(j);
	j = NULL;
}

static int
do_home(const ck_ptzrun *a, ck_onvif *c, const ck_ptz_ctx *x, ck_err *e)
{
	ck_ptz_vec sp;
	int home = a->verb == CK_PTZRUN_HOME;
	int with_speed = home && (a->w.has_speed || a->w.has_zspeed);
	ck_json *j;

	if (with_speed && ck_ptz_speed_vec(&a->w, x, &sp, e) < 0)
		return -1;
	if (ck_ptz_send(c, home ? "GotoHomePosition" : "SetHomePosition",
	    home ? ck_ptz_body_goto_home(x->profile, with_speed ? &sp : NULL)
	    : ck_ptz_body_simple("SetHomePosition", x->profile), e) < 0)
		return -1;
	j = record("ptz_move", c, x);
	ck_json_str(j, "verb", ck_ptzrun_name(a->verb));
	return emit(j, e);
}

int
ck_ptzrun_do(const ck_ptzrun *a, ck_onvif *c, const ck_ptz_ctx *x, ck_err *e)
{
	switch (a->verb) {
	case CK_PTZRUN_NODES: return do_nodes(c, e);
	case CK_PTZRUN_STATUS: return do_status(c, x, e);
	case CK_PTZRUN_MOVE: return do_move(a, c, x, e);
	case CK_PTZRUN_RELATIVE: case CK_PTZRUN_ABSOLUTE: return do_relabs(a, c, x, e);
	case CK_PTZRUN_STOP: {
		ck_json *j;
		if (ck_ptzrun_stop(c, x, 1, 1, e) < 0)
			return -1;
		j = record("ptz_move", c, x);
		ck_json_str(j, "verb", "stop");
		return emit(j, e);
	}
	case CK_PTZRUN_PRESETS: return do_presets(c, x, e);
	case CK_PTZRUN_PSET: case CK_PTZRUN_PGOTO: case CK_PTZRUN_PREMOVE:
		return do_preset_verb(a, c, x, e);
	case CK_PTZRUN_HOME: case CK_PTZRUN_HOMESET: return do_home(a, c, x, e);
	case CK_PTZRUN_INTERACTIVE: break;
	}
	return ck_err_set(e, CK_SOFTWARE, "verb %s is not run here", ck_ptzrun_name(a->verb));
}
