/* targets: the ONVIF tools' target loop and error record. */
#include "cli/targets.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "cli/tool.h"

static int
no_targets_usage(void)
{
	return ck_tool_usage_err("no TARGET: give TARGET arguments or pipe targets "
	    "(one per line, e.g. onvif-discover records) on stdin");
}

int
ck_targets_check(char **targets, int n, ck_onvif_target *first)
{
	ck_onvif_target t;
	ck_err e = { 0, "" };

	if (first)
		memset(first, 0, sizeof *first);
	if (n == 0 && isatty(0))
		return no_targets_usage();
	for (int i = 0; i < n; i++) {
		if (ck_onvif_target_parse(targets[i], &t, &e) < 0)
			return ck_tool_usage_err("%s", e.msg);
		if (i == 0 && first)
			*first = t;
	}
	return 0;
}

int
ck_targets_each(char **targets, int n, int (*fn)(void *ctx, const char *t),
    void *ctx)
{
	char *line = NULL;
	size_t cap = 0;
	int worst = 0, seen = 0, i, rc;

	for (i = 0; i < n; i++) {
		rc = fn(ctx, targets[i]);
		worst = ck_err_worst(worst, rc & ~CK_TARGETS_STOP);
		if (rc & CK_TARGETS_STOP)
			break;
	}
	if (n > 0)
		return worst;
	if (isatty(0))
		return no_targets_usage();
	while (getline(&line, &cap, stdin) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[strspn(line, " \t")] == '\0' || line[0] == '#')
			continue;
		seen = 1;
		rc = fn(ctx, line);
		worst = ck_err_worst(worst, rc & ~CK_TARGETS_STOP);
		if (rc & CK_TARGETS_STOP)
			break;
	}
	free(line);
	if (!seen) {
		ck_log_warn("no targets on stdin (give TARGET arguments or lines on stdin)");
		return CK_EMPTY;
	}
	return worst;
}

int
ck_targets_error(ck_json *j, FILE *f, const char *device, int kind,
    const char *msg)
{
	if (kind == 0)
		kind = CK_SOFTWARE;
	ck_json_record(j, "error");
	ck_json_str(j, "device", device);
	ck_json_time_ms(j, "ts", ck_clock_wall_ms());
	ck_json_str(j, "error", ck_err_kind_name(kind));
	ck_json_int(j, "status", kind);
	ck_json_str(j, "message", msg);
	return ck_json_emit(j, f) < 0 ? CK_IOERR : kind;
}
