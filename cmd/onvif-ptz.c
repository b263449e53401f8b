/* onvif-ptz: pan, tilt, zoom and presets of ONVIF cameras. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "codec/json.h"
#include "base/log.h"
#include "net/net.h"
#include "onvif/onvif.h"
#include "base/opt.h"
#include "onvif/ptz.h"
#include "cli/targets.h"
#include "cli/tool.h"

static const char usage[] =
"Usage: onvif-ptz [options] VERB [ARG] [TARGET...]\n"
"Drive the PTZ of ONVIF cameras; one NDJSON record per result on stdout.\n"
"TARGETs are URLs, host[:port] or onvif-discover records; read from stdin\n"
"(one per line) when none is given.\n"
"\n"
"Verbs:\n"
"  status                 position and move status\n"
"  move                   ContinuousMove at --pan/--tilt/--zoom velocities for\n"
"                         --duration, then Stop (also on SIGINT/SIGTERM)\n"
"  relative               RelativeMove by --pan/--tilt/--zoom\n"
"  absolute               AbsoluteMove to --pan/--tilt/--zoom\n"
"  stop                   Stop pan/tilt and zoom\n"
"  presets                list the presets\n"
"  preset-set NAME        store the current position as preset NAME\n"
"  preset-goto TOKEN|NAME move to a preset\n"
"  preset-remove TOKEN|NAME\n"
"  home                   go to the home position\n"
"  home-set               make the current position the home position\n"
"  nodes                  PTZ nodes with their spaces and ranges\n"
"  interactive            arrow keys move, +/- zoom, 1-9 presets, 0 home,\n"
"                         space stops, q quits (needs a terminal)\n"
"\n"
"Options:\n"
"  -p, --profile TOKEN     media profile (default: the first with PTZ)\n"
"  -x, --pan V             pan velocity, translation or position\n"
"  -y, --tilt V            tilt velocity, translation or position\n"
"  -z, --zoom V            zoom velocity, translation or position\n"
"  -s, --speed V           pan/tilt speed (default: the configuration's or\n"
"                          the top of the node's speed space)\n"
"      --zoom-speed V      zoom speed\n"
"  -d, --duration DUR      move: how long before Stop (default 1s)\n"
"      --step V            interactive: RelativeMove step (default 0.1)\n"
"      --continuous        interactive: ContinuousMove/Stop instead of\n"
"                          RelativeMove\n"
CK_ONVIF_HELP
"  -v, --verbose           -v events, -vv wire trace\n"
"  -h, --help              this help\n"
"  -V, --version           version\n"
"\n"
"Values are checked against the PTZ node's spaces and ranges before anything\n"
"is sent. Exit: 0 ok, 1 no presets/PTZ, 64 usage or out-of-range value,\n"
"65 malformed reply, 69 unreachable, 75 timeout, 76 SOAP fault, 77 auth.\n";

enum { O_ZOOM_SPEED = 0x2001, O_STEP, O_CONTINUOUS };

enum verb {
	V_STATUS, V_MOVE, V_RELATIVE, V_ABSOLUTE, V_STOP, V_PRESETS, V_PSET,
	V_PGOTO, V_PREMOVE, V_HOME, V_HOMESET, V_NODES, V_INTERACTIVE
};
static const struct {
	const char *name;
	int args;
} verbs[] = {
	{ "status", 0 }, { "move", 0 }, { "relative", 0 }, { "absolute", 0 },
	{ "stop", 0 }, { "presets", 0 }, { "preset-set", 1 }, { "preset-goto", 1 },
	{ "preset-remove", 1 }, { "home", 0 }, { "home-set", 0 }, { "nodes", 0 },
	{ "interactive", 0 },
};

typedef struct args {
	ck_onvif_opts o;
	enum verb verb;
	const char *arg;           /* NAME / TOKEN for the preset verbs */
	const char *profile;
	int has_pan, has_tilt, has_zoom, has_speed, has_zspeed;
	double pan, tilt, zoom, speed, zspeed, step;
	long long duration_ms;
	int continuous;
	char **targets;
	int ntargets;
} args;

static volatile sig_atomic_t stop_sig;

static void
on_signal(int s)
{
	stop_sig = s;
}

static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;   /* no SA_RESTART: sleeps end early */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int
parse_num(const char *s, const char *what, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(*out))
		return ck_tool_usage_err("%s: '%s' is not a number", what, s);
	return 0;
}

/* Starts the record common to every verb. */
static ck_json *
record(const char *type, ck_onvif *c, const ck_ptz_ctx *x)
{
	static ck_json *j;

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
emit(ck_json *j, ck_err *e)
{
	if (ck_json_emit(j, stdout) < 0)
		return ck_err_set(e, CK_IOERR, "stdout: %s", strerror(errno));
	return 0;
}

static void
vec_json(ck_json *j, const ck_ptz_vec *v)
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

static int
simple(ck_onvif *c, const char *op, char *body, ck_err *e)
{
	ck_soap_resp r;
	const ck_xml_node *resp;
	int rc = ck_ptz_call(c, op, body, &r, &resp, e);

	if (rc == 0)
		ck_soap_resp_free(&r);
	return rc;
}

static int
get_status(ck_onvif *c, const ck_ptz_ctx *x, ck_ptz_status *st, ck_err *e)
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

static int
do_status(ck_onvif *c, const ck_ptz_ctx *x, ck_err *e)
{
	ck_ptz_status st;
	ck_json *j;

	if (get_status(c, x, &st, e) < 0)
		return -1;
	j = record("ptz_status", c, x);
	if (st.has_pos)
		vec_json(j, &st.pos);
	ck_json_str(j, "move_pan_tilt", st.move_pt[0] ? st.move_pt : NULL);
	ck_json_str(j, "move_zoom", st.move_z[0] ? st.move_z : NULL);
	if (st.error[0])
		ck_json_str(j, "error", st.error);
	if (st.utc[0]) {
		ck_json_str(j, "device_time", st.utc);
		ck_json_bool(j, "device_time_valid", st.utc_plausible);
	}
	return emit(j, e);
}

/* Presets into a malloc'd array. */
static int
get_presets(ck_onvif *c, const ck_ptz_ctx *x, ck_ptz_preset **p, size_t *n,
    ck_err *e)
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

static int
do_presets(ck_onvif *c, const ck_ptz_ctx *x, ck_err *e)
{
	ck_ptz_preset *p;
	size_t n, i;
	int rc = 0;

	if (get_presets(c, x, &p, &n, e) < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		ck_json *j = record("ptz_preset", c, x);
		ck_json_str(j, "token", p[i].token);
		ck_json_str(j, "name", p[i].name);
		if (p[i].has_pos)
			vec_json(j, &p[i].pos);
		rc = emit(j, e);
	}
	free(p);
	if (rc == 0 && n == 0)
		return ck_err_set(e, CK_EMPTY, "no presets");
	return rc;
}

/* Token of a preset given by token or name: tokens win, a name must be
 * unique. */
static int
find_preset(ck_onvif *c, const ck_ptz_ctx *x, const char *want, char *tok,
    size_t toklen, ck_err *e)
{
	ck_ptz_preset *p;
	size_t n, i, hits = 0;

	if (get_presets(c, x, &p, &n, e) < 0)
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
		    "token (onvif-ptz presets lists them)", hits, want);
	return ck_err_set(e, CK_USAGE, "no preset with token or name '%s' "
	    "(onvif-ptz presets lists them)", want);
}

/* The Speed vector for a move: --speed/--zoom-speed checked against the
 * node, else the default. */
static int
speed_vec(const args *a, const ck_ptz_ctx *x, ck_ptz_vec *sp, ck_err *e)
{
	const ck_ptz_node *n = x->has_node ? &x->node : NULL;

	ck_ptz_default_speed(n, x->has_config ? &x->config : NULL, sp);
	if (a->has_speed) {
		if (ck_ptz_check(n, CK_PTZ_SPEED_PT, 0, a->speed, "speed", e) < 0)
			return -1;
		sp->has_pt = 1;
		sp->x = sp->y = a->speed;
	}
	if (a->has_zspeed) {
		if (ck_ptz_check(n, CK_PTZ_SPEED_Z, 0, a->zspeed, "zoom speed", e) < 0)
			return -1;
		sp->has_z = 1;
		sp->z = a->zspeed;
	}
	return 0;
}

/* The pan/tilt/zoom vector of a move, checked against spaces pt and z. */
static int
move_vec(const args *a, const ck_ptz_ctx *x, int pt, int z, ck_ptz_vec *v,
    ck_err *e)
{
	const ck_ptz_node *n = x->has_node ? &x->node : NULL;

	memset(v, 0, sizeof *v);
	if (a->has_pan || a->has_tilt) {
		if ((a->has_pan && ck_ptz_check(n, pt, 0, a->pan, "pan", e) < 0) ||
		    (a->has_tilt && ck_ptz_check(n, pt, 1, a->tilt, "tilt", e) < 0))
			return -1;
		v->has_pt = 1;
		v->x = a->has_pan ? a->pan : 0;
		v->y = a->has_tilt ? a->tilt : 0;
	}
	if (a->has_zoom) {
		if (ck_ptz_check(n, z, 0, a->zoom, "zoom", e) < 0)
			return -1;
		v->has_z = 1;
		v->z = a->zoom;
	}
	if (!v->has_pt && !v->has_z)
		return ck_err_set(e, CK_USAGE, "%s needs --pan, --tilt or --zoom",
		    verbs[a->verb].name);
	ck_ptz_set_spaces(n, pt, z, v);
	return 0;
}

/* Sleeps until deadline (monotonic ms) or a signal. */
static void
sleep_until(int64_t deadline)
{
	while (!stop_sig) {
		int64_t left = deadline - ck_clock_now_ms();
		if (left <= 0)
			break;
		poll(NULL, 0, left > 50 ? 50 : (int)left);
	}
}

static int
send_stop(ck_onvif *c, const ck_ptz_ctx *x, int pt, int z, ck_err *e)
{
	return simple(c, "Stop", ck_ptz_body_stop(x->profile, pt, z), e);
}

static int
do_move(const args *a, ck_onvif *c, const ck_ptz_ctx *x, ck_err *e)
{
	ck_ptz_vec v;
	ck_json *j;
	int64_t t0;
	int rc;

	if (move_vec(a, x, CK_PTZ_CONT_PT, CK_PTZ_CONT_Z, &v, e) < 0)
		return -1;
	t0 = ck_clock_now_ms();
	/* The Timeout is a hint only: some cameras ignore it, so Stop is sent
	 * in every case, also when a signal cuts the move short. */
	if (simple(c, "ContinuousMove", ck_ptz_body_continuous(x->profile, &v,
	    a->duration_ms), e) < 0) {
		ck_err e2;
		if (stop_sig)
			send_stop(c, x, 1, 1, &e2);
		return -1;
	}
	ck_log_info("moving for %lld ms", a->duration_ms);
	sleep_until(t0 + a->duration_ms);
	rc = send_stop(c, x, v.has_pt, v.has_z, e);
	j = record("ptz_move", c, x);
	ck_json_str(j, "verb", "move");
	vec_json(j, &v);
	ck_json_int(j, "duration_ms", ck_clock_now_ms() - t0);
	ck_json_bool(j, "stopped", rc == 0);
	if (stop_sig)
		ck_json_bool(j, "interrupted", 1);
	if (rc < 0) {
		ck_json_emit(j, stdout);
		return -1;
	}
	return emit(j, e);
}

static int
do_relabs(const args *a, ck_onvif *c, const ck_ptz_ctx *x, ck_err *e)
{
	int abs = a->verb == V_ABSOLUTE;
	ck_ptz_vec v, sp;
	args b = *a;
	ck_json *j;
	char *body;

	/* AbsoluteMove needs both pan and tilt: keep the current other one. */
	if (abs && (a->has_pan != a->has_tilt)) {
		ck_ptz_status st;
		if (get_status(c, x, &st, e) < 0)
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
	if (move_vec(&b, x, abs ? CK_PTZ_ABS_PT : CK_PTZ_REL_PT,
	    abs ? CK_PTZ_ABS_Z : CK_PTZ_REL_Z, &v, e) < 0 ||
	    speed_vec(a, x, &sp, e) < 0)
		return -1;
	/* Speed only for the axes that move. */
	sp.has_pt = sp.has_pt && v.has_pt;
	sp.has_z = sp.has_z && v.has_z;
	body = abs ? ck_ptz_body_absolute(x->profile, &v, &sp)
	    : ck_ptz_body_relative(x->profile, &v, &sp);
	if (simple(c, abs ? "AbsoluteMove" : "RelativeMove", body, e) < 0)
		return -1;
	j = record("ptz_move", c, x);
	ck_json_str(j, "verb", verbs[a->verb].name);
	vec_json(j, &v);
	if (sp.has_pt)
		ck_json_num(j, "speed", sp.x, 9);
	if (sp.has_z)
		ck_json_num(j, "zoom_speed", sp.z, 9);
	return emit(j, e);
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

static int
do_nodes(ck_onvif *c, ck_err *e)
{
	ck_soap_resp r;
	const ck_xml_node *resp;
	ck_ptz_node *nodes = calloc(64, sizeof *nodes);
	int n, i, k, rc = 0;

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
		ck_json_str(j, "token", nodes[i].token);
		ck_json_str(j, "name", nodes[i].name);
		if (nodes[i].max_presets >= 0)
			ck_json_int(j, "max_presets", nodes[i].max_presets);
		if (nodes[i].home_supported >= 0)
			ck_json_bool(j, "home_supported", nodes[i].home_supported);
		ck_json_obj(j, "spaces");
		for (k = 0; k < CK_PTZ_NSPACES; k++) {
			const ck_ptz_space *s = &nodes[i].sp[k];
			if (!s->present)
				continue;
			ck_json_obj(j, ck_ptz_space_key(k));
			ck_json_str(j, "uri", s->uri);
			range_json(j, "x", &s->x);
			range_json(j, "y", &s->y);
			ck_json_end(j);
		}
		ck_json_end(j);
		rc = emit(j, e);
	}
	free(nodes);
	if (rc == 0 && n == 0)
		return ck_err_set(e, CK_EMPTY, "the device lists no PTZ node");
	return rc;
}

static int
do_preset_verb(const args *a, ck_onvif *c, const ck_ptz_ctx *x, ck_err *e)
{
	char tok[128] = "";
	ck_soap_resp r;
	const ck_xml_node *resp;
	ck_ptz_vec sp = {0};
	ck_json *j;

	if (a->verb == V_PSET) {
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
		if (find_preset(c, x, a->arg, tok, sizeof tok, e) < 0)
			return -1;
		if (a->verb == V_PGOTO) {
			if ((a->has_speed || a->has_zspeed) && speed_vec(a, x, &sp, e) < 0)
				return -1;
			if (simple(c, "GotoPreset", ck_ptz_body_goto_preset(x->profile, tok,
			    (a->has_speed || a->has_zspeed) ? &sp : NULL), e) < 0)
				return -1;
		} else if (simple(c, "RemovePreset",
		    ck_ptz_body_remove_preset(x->profile, tok), e) < 0) {
			return -1;
		}
	}
	j = record("ptz_preset", c, x);
	ck_json_str(j, "verb", verbs[a->verb].name);
	ck_json_str(j, "token", tok);
	if (a->verb == V_PSET)
		ck_json_str(j, "name", a->arg);
	return emit(j, e);
}

/* ---- interactive ---- */

static struct termios saved_tio;
static int tio_saved, atexit_done;
static volatile sig_atomic_t tstp;
static void tty_restore(void);
static int tty_raw(ck_err *e);

static void
on_tstp(int s)
{
	(void)s;
	tstp = 1;
}

/* ^Z: stop moving, give the terminal back as it was, stop; on SIGCONT take
 * it again. */
static void
suspend(void)
{
	struct sigaction sa;
	ck_err e;

	tstp = 0;
	tty_restore();
	signal(SIGTSTP, SIG_DFL);
	raise(SIGTSTP);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_tstp;
	sigaction(SIGTSTP, &sa, NULL);
	if (tty_raw(&e) < 0)
		ck_log_warn("%s", e.msg);
}

static void
tty_restore(void)
{
	if (tio_saved) {
		tcsetattr(0, TCSAFLUSH, &saved_tio);
		tio_saved = 0;
	}
}

static int
tty_raw(ck_err *e)
{
	struct termios t;

	if (tcgetattr(0, &saved_tio) < 0)
		return ck_err_set(e, CK_IOERR, "terminal: %s", strerror(errno));
	tio_saved = 1;
	if (!atexit_done++)
		atexit(tty_restore);
	t = saved_tio;
	/* Keys one by one, no echo; ISIG stays so ^C still stops us. */
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(0, TCSAFLUSH, &t) < 0)
		return ck_err_set(e, CK_IOERR, "terminal: %s", strerror(errno));
	return 0;
}

/* Reads one key: arrows as 'U','D','L','R'; 0 on timeout, -1 on EOF. */
static int
read_key(int timeout_ms)
{
	unsigned char b[8];
	struct pollfd p = { 0, POLLIN, 0 };
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	n = read(0, b, sizeof b);
	if (n <= 0)
		return n == 0 ? -1 : 0;
	if (n >= 3 && b[0] == 27 && (b[1] == '[' || b[1] == 'O'))
		switch (b[2]) {
		case 'A': return 'U';
		case 'B': return 'D';
		case 'C': return 'R';
		case 'D': return 'L';
		default: return 0;
		}
	return b[0];
}

static int
interactive(const args *a, ck_onvif *c, const ck_ptz_ctx *x, ck_err *e)
{
	ck_ptz_preset *p = NULL;
	size_t np = 0;
	int moving = 0, rc = 0, dir = 0;
	int64_t last_key = 0;
	ck_err e2;

	if (get_presets(c, x, &p, &np, &e2) < 0)
		np = 0;
	if (tty_raw(e) < 0) {
		free(p);
		return -1;
	}
	{
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_tstp;
		sigaction(SIGTSTP, &sa, NULL);
	}
	fprintf(stderr, "onvif-ptz: profile %s: arrows move, +/- zoom, 1-9 presets "
	    "(%zu), 0 home, space stop, q quit\r\n", x->profile, np);
	while (!stop_sig) {
		int k;
		args m = *a;

		if (tstp) {
			if (moving && send_stop(c, x, 1, 1, &e2) < 0)
				fprintf(stderr, "stop: %s\r\n", e2.msg);
			moving = 0;
			suspend();
			continue;
		}
		k = read_key(moving ? 60 : 250);

		if (k < 0 || k == 'q' || k == 'Q' || k == 4)
			break;
		if (k == 0) {
			/* ContinuousMove lasts while the key repeats. */
			if (moving && ck_clock_now_ms() - last_key > 350) {
				if (send_stop(c, x, 1, 1, &e2) < 0)
					fprintf(stderr, "stop: %s\r\n", e2.msg);
				moving = 0;
			}
			continue;
		}
		m.has_pan = m.has_tilt = m.has_zoom = 0;
		m.verb = a->continuous ? V_MOVE : V_RELATIVE;
		switch (k) {
		case 'L': case 'R':
			m.has_pan = 1;
			m.pan = (k == 'R' ? 1 : -1) * (a->continuous ? 0.5 : a->step);
			break;
		case 'U': case 'D':
			m.has_tilt = 1;
			m.tilt = (k == 'U' ? 1 : -1) * (a->continuous ? 0.5 : a->step);
			break;
		case '+': case '=': case '-':
			m.has_zoom = 1;
			m.zoom = (k == '-' ? -1 : 1) * (a->continuous ? 0.5 : a->step);
			break;
		case ' ': case 's':
			if (send_stop(c, x, 1, 1, &e2) < 0)
				fprintf(stderr, "stop: %s\r\n", e2.msg);
			moving = 0;
			continue;
		case '0':
			if (simple(c, "GotoHomePosition", ck_ptz_body_goto_home(x->profile,
			    NULL), &e2) < 0)
				fprintf(stderr, "home: %s\r\n", e2.msg);
			continue;
		default:
			if (k >= '1' && k <= '9') {
				size_t i = (size_t)(k - '1');
				if (i >= np)
					fprintf(stderr, "no preset %c\r\n", k);
				else if (simple(c, "GotoPreset", ck_ptz_body_goto_preset(
				    x->profile, p[i].token, NULL), &e2) < 0)
					fprintf(stderr, "preset: %s\r\n", e2.msg);
				else
					fprintf(stderr, "preset %s (%s)\r\n", p[i].token,
					    p[i].name);
			}
			continue;
		}
		last_key = ck_clock_now_ms();
		if (a->continuous) {
			ck_ptz_vec v;
			if (moving && k == dir)
				continue;   /* key repeat: keep moving */
			dir = k;
			if (move_vec(&m, x, CK_PTZ_CONT_PT, CK_PTZ_CONT_Z, &v, &e2) < 0 ||
			    simple(c, "ContinuousMove", ck_ptz_body_continuous(x->profile,
			    &v, 1000), &e2) < 0)
				fprintf(stderr, "move: %s\r\n", e2.msg);
			else
				moving = 1;
		} else {
			ck_ptz_vec v;
			if (move_vec(&m, x, CK_PTZ_REL_PT, CK_PTZ_REL_Z, &v, &e2) < 0 ||
			    simple(c, "RelativeMove", ck_ptz_body_relative(x->profile, &v,
			    NULL), &e2) < 0)
				fprintf(stderr, "move: %s\r\n", e2.msg);
		}
	}
	if (moving && send_stop(c, x, 1, 1, e) < 0)
		rc = -1;
	tty_restore();
	free(p);
	return rc;
}

static int
run_target(const args *a, const char *target, ck_cred *cred, ck_err *e)
{
	ck_onvif_target t;
	ck_onvif *c;
	ck_ptz_ctx x;
	int need_node, rc = -1;

	if (ck_onvif_target_parse(target, &t, e) < 0)
		return -1;
	c = ck_onvif_new(&t, &a->o, cred, e);
	if (!c)
		return -1;
	need_node = a->verb == V_MOVE || a->verb == V_RELATIVE ||
	    a->verb == V_ABSOLUTE || a->verb == V_INTERACTIVE ||
	    (a->verb == V_PGOTO && (a->has_speed || a->has_zspeed));
	if (a->verb == V_NODES) {
		rc = do_nodes(c, e);
	} else if (ck_ptz_select(c, a->profile, need_node, &x, e) == 0) {
		ck_log_info("profile %s, node %s", x.profile,
		    x.has_node ? x.node.token : "(not asked)");
		switch (a->verb) {
		case V_STATUS: rc = do_status(c, &x, e); break;
		case V_MOVE: rc = do_move(a, c, &x, e); break;
		case V_RELATIVE: case V_ABSOLUTE: rc = do_relabs(a, c, &x, e); break;
		case V_STOP:
			rc = send_stop(c, &x, 1, 1, e);
			if (rc == 0) {
				ck_json *j = record("ptz_move", c, &x);
				ck_json_str(j, "verb", "stop");
				rc = emit(j, e);
			}
			break;
		case V_PRESETS: rc = do_presets(c, &x, e); break;
		case V_PSET: case V_PGOTO: case V_PREMOVE:
			rc = do_preset_verb(a, c, &x, e);
			break;
		case V_HOME: case V_HOMESET: {
			ck_ptz_vec sp;
			int home = a->verb == V_HOME;
			int with_speed = home && (a->has_speed || a->has_zspeed);
			if (with_speed && speed_vec(a, &x, &sp, e) < 0)
				break;
			rc = simple(c, home ? "GotoHomePosition" : "SetHomePosition",
			    home ? ck_ptz_body_goto_home(x.profile, with_speed ? &sp : NULL)
			    : ck_ptz_body_simple("SetHomePosition", x.profile), e);
			if (rc == 0) {
				ck_json *j = record("ptz_move", c, &x);
				ck_json_str(j, "verb", verbs[a->verb].name);
				rc = emit(j, e);
			}
			break;
		}
		case V_INTERACTIVE: rc = interactive(a, c, &x, e); break;
		case V_NODES: break;
		}
	}
	ck_onvif_free(c);
	return rc;
}

/* Runs the verb for each target (argv, else stdin lines); an error record
 * for a failed target, then the others. Returns the worst exit status. */
static int
run(const args *a, ck_cred *cred)
{
	char *line = NULL;
	size_t cap = 0;
	int i, worst = 0, n = 0;
	ssize_t len;

	for (i = 0; ; i++) {
		const char *t;
		ck_err e;

		ck_err_clear(&e);
		if (a->ntargets) {
			if (i >= a->ntargets)
				break;
			t = a->targets[i];
		} else {
			if ((len = getline(&line, &cap, stdin)) < 0)
				break;
			while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
				line[--len] = '\0';
			if (!line[strspn(line, " \t")])
				continue;
			t = line;
		}
		n++;
		if (run_target(a, t, cred, &e) < 0) {
			int k = e.kind ? e.kind : CK_SOFTWARE;
			if (k != CK_EMPTY) {
				ck_json *j = ck_json_new();
				ck_log_warn("%s: %s", t, e.msg);
				if (j) {
					ck_targets_error(j, stdout, t, k, e.msg);
					ck_json_free(j);
				}
			} else {
				ck_log_info("%s: %s", t, e.msg);
			}
			worst = ck_err_worst(worst, k);
		}
		if (stop_sig)
			break;
	}
	free(line);
	if (n == 0 && !stop_sig) {
		ck_log_warn("no target given (arguments or stdin)");
		return CK_USAGE;
	}
	return worst;
}

static int
parse_verb(args *a, int argc, char **argv)
{
	size_t i;

	if (optind >= argc)
		return ck_tool_usage_err("a verb is required (status, move, presets, ...)");
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(argv[optind], verbs[i].name) == 0)
			break;
	if (i == sizeof verbs / sizeof verbs[0])
		return ck_tool_usage_err("unknown verb '%s'", argv[optind]);
	a->verb = (enum verb)i;
	optind++;
	if (verbs[i].args) {
		if (optind >= argc || !argv[optind][0])
			return ck_tool_usage_err("%s needs an argument", verbs[i].name);
		a->arg = argv[optind++];
	}
	a->targets = argv + optind;
	a->ntargets = argc - optind;
	if (a->verb == V_INTERACTIVE && (a->ntargets != 1 || !isatty(0)))
		return ck_tool_usage_err(a->ntargets != 1
		    ? "interactive drives exactly one target"
		    : "interactive needs a terminal on stdin");
	if (!a->ntargets && isatty(0))
		return ck_tool_usage_err("no target: give one or pipe onvif-discover records");
	return 0;
}

static int
parse_opt(args *a, int c, const char *arg)
{
	long long ms;
	ck_err e;

	switch (c) {
	case 'p': a->profile = arg; return 0;
	case 'x': a->has_pan = 1; return parse_num(arg, "--pan", &a->pan);
	case 'y': a->has_tilt = 1; return parse_num(arg, "--tilt", &a->tilt);
	case 'z': a->has_zoom = 1; return parse_num(arg, "--zoom", &a->zoom);
	case 's': a->has_speed = 1; return parse_num(arg, "--speed", &a->speed);
	case O_ZOOM_SPEED:
		a->has_zspeed = 1;
		return parse_num(arg, "--zoom-speed", &a->zspeed);
	case O_STEP:
		if (parse_num(arg, "--step", &a->step))
			return CK_USAGE;
		return a->step > 0 ? 0 : ck_tool_usage_err("--step must be positive");
	case O_CONTINUOUS: a->continuous = 1; return 0;
	case 'd':
		if (ck_opt_parse_duration(arg, &ms, &e) < 0 || ms <= 0 || ms > 3600000)
			return ck_tool_usage_err("--duration: '%s' is not a duration of up to 1h",
			    arg);
		a->duration_ms = ms;
		return 0;
	case 'v': ck_log_verbosity++; return 0;
	default: return ck_tool_usage_err("unknown option");
	}
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		CK_ONVIF_LONGOPTS,
		{ "profile", required_argument, NULL, 'p' },
		{ "pan", required_argument, NULL, 'x' },
		{ "tilt", required_argument, NULL, 'y' },
		{ "zoom", required_argument, NULL, 'z' },
		{ "speed", required_argument, NULL, 's' },
		{ "zoom-speed", required_argument, NULL, O_ZOOM_SPEED },
		{ "duration", required_argument, NULL, 'd' },
		{ "step", required_argument, NULL, O_STEP },
		{ "continuous", no_argument, NULL, O_CONTINUOUS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	args a;
	ck_cred cred;
	ck_err e;
	int c, rc;

	ck_log_init(argv[0]);
	memset(&a, 0, sizeof a);
	ck_onvif_opts_init(&a.o);
	a.duration_ms = 1000;
	a.step = 0.1;
	while ((c = getopt_long(argc, argv, CK_ONVIF_SHORTOPTS "p:x:y:z:s:d:vhV", lo,
	    NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return ck_tool_finish(0);
		}
		if (c == 'V')
			return ck_tool_version();
		if (c == '?')
			return ck_tool_usage_err("unknown option");
		rc = ck_onvif_getopt(c, optarg, &a.o);
		if (rc < 0)
			return CK_USAGE;
		if (rc == 0 && parse_opt(&a, c, optarg) != 0)
			return CK_USAGE;
	}
	if (parse_verb(&a, argc, argv) != 0)
		return CK_USAGE;
	if (ck_onvif_cred(&a.o, NULL, &cred, &e) < 0)
		return ck_tool_fail(&e);
	catch_signals();
	rc = run(&a, &cred);
	ck_cred_wipe(&cred);
	return ck_tool_finish(rc);
}
