/* onvif-ptz: pan, tilt, zoom and presets of ONVIF cameras. */
#include <errno.h>
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
#include "onvif/onvif.h"
#include "base/opt.h"
#include "onvif/ptz.h"
#include "cli/onvifopts.h"
#include "cli/opts.h"
#include "cli/targets.h"
#include "cli/tool.h"

static const char usage[] = "Usage: onvif-ptz [options] VERB [ARG] [TARGET...]";
static const char about[] =
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
"                         space stops, q quits (needs a terminal)\n";
static const char footer[] =
"Values are checked against the PTZ node's spaces and ranges before anything\n"
"is sent. Exit: 0 ok, 1 no presets/PTZ or no target on stdin, 64 usage or\n"
"out-of-range value, 65 malformed reply, 66 password file missing, 68 unknown\n"
"host, 69 unreachable, 74 I/O error, 75 timeout, 76 SOAP fault, 77 auth,\n"
"78 bad credentials file.\n";

enum { O_PAN = CK_OPTS_TOOL, O_TILT, O_ZOOM, O_SPEED, O_ZOOM_SPEED, O_DURATION,
	O_STEP, O_CONTINUOUS };

static const ck_opts_opt ptz_opts[] = {
	{ "profile", 'p', CK_OPTS_ARG, "TOKEN", "media profile (default: the first with PTZ)" },
	{ "pan", O_PAN, CK_OPTS_ARG, "V", "pan velocity, translation or position" },
	{ "tilt", O_TILT, CK_OPTS_ARG, "V", "tilt velocity, translation or position" },
	{ "zoom", O_ZOOM, CK_OPTS_ARG, "V", "zoom velocity, translation or position" },
	{ "speed", O_SPEED, CK_OPTS_ARG, "V", "pan/tilt speed (default: the configuration's or\n"
	    "the top of the node's speed space)" },
	{ "zoom-speed", O_ZOOM_SPEED, CK_OPTS_ARG, "V", "zoom speed" },
	{ "duration", O_DURATION, CK_OPTS_ARG, "DUR", "move: how long before Stop (default 1s)" },
	{ "step", O_STEP, CK_OPTS_ARG, "V", "interactive: RelativeMove step (default 0.1)" },
	{ "continuous", O_CONTINUOUS, CK_OPTS_NOARG, NULL, "interactive: ContinuousMove/Stop instead of\n"
	    "RelativeMove" },
	{ NULL, 0, 0, NULL, NULL }
};

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
	ck_ptz_want w;             /* --pan/--tilt/--zoom/--speed/--zoom-speed */
	double step;
	long long duration_ms;
	int continuous;
	char **targets;
	int ntargets;
	ck_cred cred;
	int jobs;
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
parse_num(const char *s, const char *what, int *has, double *out, ck_err *e)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(*out))
		return ck_err_set(e, CK_USAGE, "%s: '%s' is not a number", what, s);
	if (has)
		*has = 1;
	return 0;
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

/* The move vector, with the command line's words when no axis is given. */
static int
move_vec(const args *a, const ck_ptz_want *w, const ck_ptz_ctx *x, int pt, int z,
    ck_ptz_vec *v, ck_err *e)
{
	if (!w->has_pan && !w->has_tilt && !w->has_zoom)
		return ck_err_set(e, CK_USAGE, "%s needs --pan, --tilt or --zoom",
		    verbs[a->verb].name);
	return ck_ptz_move_vec(w, x, pt, z, v, e);
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
	return ck_ptz_send(c, "Stop", ck_ptz_body_stop(x->profile, pt, z), e);
}

static int
do_move(const args *a, ck_onvif *c, const ck_ptz_ctx *x, ck_err *e)
{
	ck_ptz_vec v;
	ck_json *j;
	int64_t t0;
	int rc;

	if (move_vec(a, &a->w, x, CK_PTZ_CONT_PT, CK_PTZ_CONT_Z, &v, e) < 0)
		return -1;
	t0 = ck_clock_now_ms();
	/* The Timeout is a hint only: some cameras ignore it, so Stop is sent
	 * in every case, also when a signal cuts the move short. */
	if (ck_ptz_send(c, "ContinuousMove", ck_ptz_body_continuous(x->profile, &v,
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
	ck_ptz_vec_json(j, &v);
	ck_json_int(j, "duration_ms", ck_clock_now_ms() - t0);
	ck_json_bool(j, "stopped", rc == 0);
	if (stop_sig)
		ck_json_bool(j, "interrupted", 1);
	if (rc < 0) {
		ck_targets_emit(j);
		return -1;
	}
	return emit(j, e);
}

static int
do_relabs(const args *a, ck_onvif *c, const ck_ptz_ctx *x, ck_err *e)
{
	int abs = a->verb == V_ABSOLUTE;
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
	if (move_vec(a, &b, x, abs ? CK_PTZ_ABS_PT : CK_PTZ_REL_PT,
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
	ck_json_str(j, "verb", verbs[a->verb].name);
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
		if (ck_ptz_find_preset(c, x, a->arg, tok, sizeof tok, e) < 0)
			return -1;
		if (a->verb == V_PGOTO) {
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

	if (ck_ptz_get_presets(c, x, &p, &np, &e2) < 0)
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
		m.w.has_pan = m.w.has_tilt = m.w.has_zoom = 0;
		m.verb = a->continuous ? V_MOVE : V_RELATIVE;
		switch (k) {
		case 'L': case 'R':
			m.w.has_pan = 1;
			m.w.pan = (k == 'R' ? 1 : -1) * (a->continuous ? 0.5 : a->step);
			break;
		case 'U': case 'D':
			m.w.has_tilt = 1;
			m.w.tilt = (k == 'U' ? 1 : -1) * (a->continuous ? 0.5 : a->step);
			break;
		case '+': case '=': case '-':
			m.w.has_zoom = 1;
			m.w.zoom = (k == '-' ? -1 : 1) * (a->continuous ? 0.5 : a->step);
			break;
		case ' ': case 's':
			if (send_stop(c, x, 1, 1, &e2) < 0)
				fprintf(stderr, "stop: %s\r\n", e2.msg);
			moving = 0;
			continue;
		case '0':
			if (ck_ptz_send(c, "GotoHomePosition", ck_ptz_body_goto_home(x->profile,
			    NULL), &e2) < 0)
				fprintf(stderr, "home: %s\r\n", e2.msg);
			continue;
		default:
			if (k >= '1' && k <= '9') {
				size_t i = (size_t)(k - '1');
				if (i >= np)
					fprintf(stderr, "no preset %c\r\n", k);
				else if (ck_ptz_send(c, "GotoPreset", ck_ptz_body_goto_preset(
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
			if (move_vec(&m, &m.w, x, CK_PTZ_CONT_PT, CK_PTZ_CONT_Z, &v, &e2) < 0 ||
			    ck_ptz_send(c, "ContinuousMove", ck_ptz_body_continuous(x->profile,
			    &v, 1000), &e2) < 0)
				fprintf(stderr, "move: %s\r\n", e2.msg);
			else
				moving = 1;
		} else {
			ck_ptz_vec v;
			if (move_vec(&m, &m.w, x, CK_PTZ_REL_PT, CK_PTZ_REL_Z, &v, &e2) < 0 ||
			    ck_ptz_send(c, "RelativeMove", ck_ptz_body_relative(x->profile, &v,
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
	    (a->verb == V_PGOTO && (a->w.has_speed || a->w.has_zspeed));
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
			int with_speed = home && (a->w.has_speed || a->w.has_zspeed);
			if (with_speed && ck_ptz_speed_vec(&a->w, &x, &sp, e) < 0)
				break;
			rc = ck_ptz_send(c, home ? "GotoHomePosition" : "SetHomePosition",
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

/* One target: the verb, then an error record when it failed (none for
 * "nothing there", CK_EMPTY). Returns its exit status; a signal stops the
 * loop over the others. */
static int
one(void *ctx, const char *target)
{
	args *a = ctx;
	ck_err e = { 0, "" };
	int k = 0;

	k = run_target(a, target, &a->cred, &e);
	ck_json_free(j);
	j = NULL;
	if (k < 0) {
		ck_onvif_target t;
		ck_err pe;
		/* the device URL, not a whole onvif-discover line */
		if (ck_onvif_target_parse(target, &t, &pe) == 0 && t.url[0])
			target = t.url;
		k = e.kind ? e.kind : CK_SOFTWARE;
		if (k != CK_EMPTY) {
			ck_json *j = ck_json_new();
			ck_log_warn("%s: %s", target, e.msg);
			if (j) {
				ck_targets_error(j, stdout, target, k, e.msg);
				ck_json_free(j);
			}
		} else {
			ck_log_info("%s: %s", target, e.msg);
		}
	}
	return stop_sig ? k | CK_TARGETS_STOP : k;
}

/* VERB [ARG], then the targets. Returns 0 or the usage status. */
static int
parse_verb(args *a, int argc, char **argv, int i)
{
	size_t v;

	if (i >= argc)
		return ck_tool_usage_err("a verb is required (status, move, presets, ...)");
	for (v = 0; v < sizeof verbs / sizeof verbs[0]; v++)
		if (strcmp(argv[i], verbs[v].name) == 0)
			break;
	if (v == sizeof verbs / sizeof verbs[0])
		return ck_tool_usage_err("unknown verb '%s'", argv[i]);
	a->verb = (enum verb)v;
	i++;
	if (verbs[v].args) {
		if (i >= argc || !argv[i][0])
			return ck_tool_usage_err("%s needs an argument", verbs[v].name);
		a->arg = argv[i++];
	}
	a->targets = argv + i;
	a->ntargets = argc - i;
	if (a->verb == V_INTERACTIVE && (a->ntargets != 1 || !isatty(0)))
		return ck_tool_usage_err(a->ntargets != 1
		    ? "interactive drives exactly one target"
		    : "interactive needs a terminal on stdin");
	return ck_targets_check(a->targets, a->ntargets, NULL);
}

static int
ptz_opt(void *ctx, int key, const char *arg, ck_err *e)
{
	args *a = ctx;
	long long ms;

	switch (key) {
	case 'p': a->profile = arg; return 0;
	case O_PAN: return parse_num(arg, "--pan", &a->w.has_pan, &a->w.pan, e);
	case O_TILT: return parse_num(arg, "--tilt", &a->w.has_tilt, &a->w.tilt, e);
	case O_ZOOM: return parse_num(arg, "--zoom", &a->w.has_zoom, &a->w.zoom, e);
	case O_SPEED: return parse_num(arg, "--speed", &a->w.has_speed, &a->w.speed, e);
	case O_ZOOM_SPEED:
		return parse_num(arg, "--zoom-speed", &a->w.has_zspeed, &a->w.zspeed, e);
	case O_STEP:
		if (parse_num(arg, "--step", NULL, &a->step, e) < 0)
			return -1;
		return a->step > 0 ? 0 : ck_err_set(e, CK_USAGE, "--step must be positive");
	case O_CONTINUOUS: a->continuous = 1; return 0;
	case O_DURATION:
		if (ck_opt_parse_duration(arg, &ms, NULL) < 0 || ms <= 0 || ms > 3600000)
			return ck_err_set(e, CK_USAGE,
			    "--duration: '%s' is not a duration of up to 1h", arg);
		a->duration_ms = ms;
		return 0;
	}
	return ck_err_set(e, CK_SOFTWARE, "unhandled option");
}

int
main(int argc, char **argv)
{
	static args a;
	ck_opts_block blocks[3];
	const ck_opts_tool tool = { usage, about, footer, blocks, 3 };
	int arg0, rc;

	ck_log_init(argv[0]);
	blocks[0] = (ck_opts_block){ NULL, ptz_opts, ptz_opt, &a };
	blocks[1] = ck_targets_block(&a.jobs);
	blocks[2] = ck_onvifopts_block(&a.o);
	a.duration_ms = 1000;
	a.step = 0.1;
	if (!ck_onvifopts_parse(&tool, argc, argv, &arg0, &rc))
		return rc;
	if ((rc = parse_verb(&a, argc, argv, arg0)) != 0 ||
	    (rc = ck_onvifopts_cred(&a.o, NULL, a.ntargets == 0, &a.cred)) != 0)
		return rc;
	catch_signals();
	rc = ck_targets_run(a.targets, a.ntargets, a.jobs, one, &a);
	ck_cred_wipe(&a.cred);
	return ck_tool_finish(rc);
}
