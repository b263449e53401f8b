/* targets: the ONVIF tools' target loop and error record. */
#include "base/clock.h"
#include "cli/targets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"

int
ck_targets_each(char **targets, int n, int (*fn)(void *ctx, const char *t),
    void *ctx)
{
	char *line = NULL;
	size_t cap = 0;
	int worst = 0, seen = 0, i;

	for (i = 0; i < n; i++)
		worst = ck_err_worst(worst, fn(ctx, targets[i]));
	if (n > 0)
		return worst;
	while (getline(&line, &cap, stdin) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[strspn(line, " \t")] == '\0' || line[0] == '#')
			continue;
		seen = 1;
		worst = ck_err_worst(worst, fn(ctx, line));
	}
	free(line);
	if (!seen) {
		ck_log_warn("no targets (give TARGET arguments or lines on stdin)");
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
