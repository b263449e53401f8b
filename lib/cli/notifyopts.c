/* notifyopts: --alarm-every, --position and the event signals. */
#include "cli/notifyopts.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/opt.h"

/* Keys below the tool's own range (CK_OPTS_TOOL), clear of the shared
 * blocks'. */
enum { O_ALARM_EVERY = CK_OPTS_TOOL - 0x100, O_POSITION };

static const ck_opts_opt table[] = {
	{ "alarm-every", O_ALARM_EVERY, CK_OPTS_ARG, "DUR", "raise an alarm every DUR (also on SIGUSR1):\n"
	    "MESSAGE Notify to the platform, NOTIFY to\nAlarm subscribers" },
	{ "position", O_POSITION, CK_OPTS_ARG, "LON,LAT", "MobilePosition subscriptions: start there\n"
	    "(degrees) and drive a 200 m circle" },
	{ NULL, 0, 0, NULL, NULL }
};

static volatile sig_atomic_t reload_flag, raise_flag;

static void
on_hup(int sig)
{
	(void)sig;
	reload_flag = 1;
}

static void
on_usr1(int sig)
{
	(void)sig;
	raise_flag = 1;
}

static int
coord(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || (*end && *end != ',') || !(v >= lo && v <= hi))
		return -1;
	*out = v;
	return 0;
}

static int
handle(void *ctx, int key, const char *arg, ck_err *e)
{
	ck_notifyopts *o = ctx;
	const char *comma;
	switch (key) {
	case O_ALARM_EVERY:
		if (ck_opt_parse_duration(arg, &o->alarm_every_ms, e) < 0)
			return ck_err_wrap(e, "--alarm-every");
		if (o->alarm_every_ms < 100)
			return ck_err_set(e, CK_USAGE, "--alarm-every: at least 100ms");
		return 0;
	case O_POSITION:
		comma = strchr(arg, ',');
		if (comma == NULL || coord(arg, -180, 180, &o->lon) < 0 ||
		    coord(comma + 1, -89, 89, &o->lat) < 0)
			return ck_err_set(e, CK_USAGE, "--position: LON,LAT in degrees "
			    "(-180..180, -89..89), e.g. 120.153576,30.287459");
		o->have_position = 1;
		return 0;
	}
	return ck_err_set(e, CK_USAGE, "bad option");
}

ck_opts_block
ck_notifyopts_block(ck_notifyopts *o, const char *title)
{
	return (ck_opts_block){ title, table, handle, o };
}

const ck_notifier_opts *
ck_notifyopts_setup(const ck_notifyopts *o, const ck_gbopts *g, const char *domain,
    const char *catalog, ck_notifier_cb cb)
{
	static ck_notifier_opts no;
	struct sigaction hup = { .sa_handler = on_hup }, usr1 = { .sa_handler = on_usr1 };
	memset(&no, 0, sizeof no);
	no.id = g->device_id;
	no.domain = domain;
	no.catalog = catalog;
	no.alarm_every_ms = o->alarm_every_ms;
	no.have_position = o->have_position;
	no.lon = o->lon;
	no.lat = o->lat;
	no.timeout_ms = g->timeout_ms;
	no.confirm_ms = g->timeout_ms < 5000 ? g->timeout_ms : 5000;
	no.reload = &reload_flag;
	no.raise = &raise_flag;
	no.on_record = cb;
	sigaction(SIGHUP, &hup, NULL);
	sigaction(SIGUSR1, &usr1, NULL);
	return &no;
}
