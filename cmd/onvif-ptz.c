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
#include "cli/ptzrun.h"
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

typedef struct args {
	ck_onvif_opts o;
	ck_ptzrun r;               /* the verb and its options */
	double step;
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
		ck_ptzrun m = a->r;

		if (tstp) {
			if (moving && ck_ptzrun_stop(c, x, 1, 1, &e2) < 0)
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
				if (ck_ptzrun_stop(c, x, 1, 1, &e2) < 0)
					fprintf(stderr, "stop: %s\r\n", e2.msg);
				moving = 0;
			}
			continue;
		}
		m.w.has_pan = m.w.has_tilt = m.w.has_zoom = 0;
		m.verb = a->continuous ? CK_PTZRUN_MOVE : CK_PTZRUN_RELATIVE;
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
			if (ck_ptzrun_stop(c, x, 1, 1, &e2) < 0)
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
			if (ck_ptzrun_move_vec(&m, &m.w, x, CK_PTZ_CONT_PT, CK_PTZ_CONT_Z, &v, &e2) < 0 ||
			    ck_ptz_send(c, "ContinuousMove", ck_ptz_body_continuous(x->profile,
			    &v, 1000), &e2) < 0)
				fprintf(stderr, "move: %s\r\n", e2.msg);
			else
				moving = 1;
		} else {
			ck_ptz_vec v;
			if (ck_ptzrun_move_vec(&m, &m.w, x, CK_PTZ_REL_PT, CK_PTZ_REL_Z, &v, &e2) < 0 ||
			    ck_ptz_send(c, "RelativeMove", ck_ptz_body_relative(x->profile, &v,
			    NULL), &e2) < 0)
				fprintf(stderr, "move: %s\r\n", e2.msg);
		}
	}
	if (moving && ck_ptzrun_stop(c, x, 1, 1, e) < 0)
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
	int rc = -1;

	if (ck_onvif_target_parse(target, &t, e) < 0)
		return -1;
	c = ck_onvif_new(&t, &a->o, cred, e);
	if (!c)
		return -1;
	if (a->r.verb == CK_PTZRUN_NODES) {
		rc = ck_ptzrun_do(&a->r, c, NULL, e);
	} else if (ck_ptz_select(c, a->r.profile, ck_ptzrun_need_node(&a->r), &x,
	    e) == 0) {
		ck_log_info("profile %s, node %s", x.profile,
		    x.has_node ? x.node.token : "(not asked)");
		rc = a->r.verb == CK_PTZRUN_INTERACTIVE ? interactive(a, c, &x, e)
		    : ck_ptzrun_do(&a->r, c, &x, e);
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
	ck_ptzrun_done();
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
	int v, has_arg;

	if (i >= argc)
		return ck_tool_usage_err("a verb is required (status, move, presets, ...)");
	if ((v = ck_ptzrun_verb(argv[i], &has_arg)) < 0)
		return ck_tool_usage_err("unknown verb '%s'", argv[i]);
	a->r.verb = (enum ck_ptzrun_verb)v;
	i++;
	if (has_arg) {
		if (i >= argc || !argv[i][0])
			return ck_tool_usage_err("%s needs an argument", argv[i - 1]);
		a->r.arg = argv[i++];
	}
	a->targets = argv + i;
	a->ntargets = argc - i;
	if (a->r.verb == CK_PTZRUN_INTERACTIVE && (a->ntargets != 1 || !isatty(0)))
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
	case 'p': a->r.profile = arg; return 0;
	case O_PAN: return parse_num(arg, "--pan", &a->r.w.has_pan, &a->r.w.pan, e);
	case O_TILT: return parse_num(arg, "--tilt", &a->r.w.has_tilt, &a->r.w.tilt, e);
	case O_ZOOM: return parse_num(arg, "--zoom", &a->r.w.has_zoom, &a->r.w.zoom, e);
	case O_SPEED: return parse_num(arg, "--speed", &a->r.w.has_speed, &a->r.w.speed, e);
	case O_ZOOM_SPEED:
		return parse_num(arg, "--zoom-speed", &a->r.w.has_zspeed, &a->r.w.zspeed, e);
	case O_STEP:
		if (parse_num(arg, "--step", NULL, &a->step, e) < 0)
			return -1;
		return a->step > 0 ? 0 : ck_err_set(e, CK_USAGE, "--step must be positive");
	case O_CONTINUOUS: a->continuous = 1; return 0;
	case O_DURATION:
		if (ck_opt_parse_duration(arg, &ms, NULL) < 0 || ms <= 0 || ms > 3600000)
			return ck_err_set(e, CK_USAGE,
			    "--duration: '%s' is not a duration of up to 1h", arg);
		a->r.duration_ms = ms;
		return 0;
	}
	return ck_err_set(e, CK_SOFTWARE, "unhandled option");
}

int
main(int argc, char **argv)
{
	static args a;
	const ck_opts_tool tool = { usage, about, footer, NULL, 0 };
	int arg0, rc;

	ck_log_init(argv[0]);
	a.r.duration_ms = 1000;
	a.r.stop = &stop_sig;
	a.step = 0.1;
	if (!ck_onvifopts_parse_multi(&tool, (ck_opts_block){ NULL, ptz_opts, ptz_opt,
	    &a }, &a.jobs, &a.o, argc, argv, &arg0, &rc))
		return rc;
	if ((rc = parse_verb(&a, argc, argv, arg0)) != 0 ||
	    (rc = ck_onvifopts_cred(&a.o, NULL, a.ntargets == 0, &a.cred)) != 0)
		return rc;
	catch_signals();
	return ck_onvifopts_run(a.targets, a.ntargets, a.jobs, one, &a, &a.cred);
}
