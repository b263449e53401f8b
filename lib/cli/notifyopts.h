/* notifyopts: gb-register's device-side event options (see cli/opts.h):
 * --alarm-every DUR and --position LON,LAT, turned into the notifier's
 * options, with SIGHUP (re-read the catalog) and SIGUSR1 (raise an alarm)
 * wired to its flags. Long-only options. */
#ifndef CK_NOTIFYOPTS_H
#define CK_NOTIFYOPTS_H

#include "cli/gbopts.h"
#include "cli/opts.h"
#include "gb/notifier.h"

typedef struct ck_notifyopts {
	long long alarm_every_ms;
	int have_position;
	double lon, lat;
} ck_notifyopts;

/* The option block (ctx o). */
ck_opts_block ck_notifyopts_block(ck_notifyopts *o, const char *title);
/* The notifier's options from o for the device of g (-d, -t: the
 * transaction timeout, also the wait for an alarm's confirmation up to
 * 5 s) in domain, catalog the --catalog file or NULL; installs the SIGHUP
 * and SIGUSR1 handlers that set its flags. Returns options held by this
 * module (one device per process). */
const ck_notifier_opts *ck_notifyopts_setup(const ck_notifyopts *o, const ck_gbopts *g,
    const char *domain, const char *catalog, ck_notifier_cb cb);

#endif
