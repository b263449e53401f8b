/* notifyopts: gb-register's device-side event options (see cli/opts.h):
 * --alarm-every DUR and --position LON,LAT, turned into the notifier's
 * options, with SIGHUP (re-read the catalog) and SIGUSR1 (raise an alarm)
 * wired to its flags. Long-only options. */
#ifndef CK_NOTIFYOPTS_H
#define CK_NOTIFYOPTS_H

#include "cli/opts.h"
#include "gb/notifier.h"

typedef struct ck_notifyopts {
	long long alarm_every_ms;
	int have_position;
	double lon, lat;
} ck_notifyopts;

/* The option block (ctx o). */
ck_opts_block ck_notifyopts_block(ck_notifyopts *o, const char *title);
/* Fills no from o for device id in domain (catalog: the --catalog file or
 * NULL; timeout_ms: the transaction timeout, also the wait for an alarm's
 * confirmation up to 5 s) and installs the SIGHUP and SIGUSR1 handlers
 * that set its flags. */
void ck_notifyopts_setup(const ck_notifyopts *o, const char *id, const char *domain,
    const char *catalog, long long timeout_ms, ck_notifier_cb cb, ck_notifier_opts *no);

#endif
