/* targets: the ONVIF tools' target loop and error record. */
#include "cli/targets.h"

#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "base/opt.h"
#include "cli/tool.h"

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

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

static const ck_opts_opt jobs_opts[] = {
	{ "jobs", 'j', CK_OPTS_ARG, "N", "work on up to N targets at once (default 32)" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
jobs_opt(void *ctx, int key, const char *arg, ck_err *e)
{
	long long v;

	if (ck_opt_parse_int(arg, 1, 4096, &v, e) < 0)
		return ck_err_wrap(e, "--jobs");
	*(int *)ctx = (int)v;
	return 0;
}

ck_opts_block
ck_targets_block(int *jobs)
{
	ck_opts_block b = { NULL, jobs_opts, jobs_opt, jobs };

	*jobs = CK_TARGETS_JOBS;
	return b;
}

int
ck_targets_emit(ck_json *j)
{
	int rc;

	pthread_mutex_lock(&out_lock);
	rc = ck_json_emit(j, stdout) < 0 ? CK_IOERR : 0;
	pthread_mutex_unlock(&out_lock);
	return rc;
}

/* The work queue of ck_targets_run: a ring of at most jobs targets. */
struct pool {
	int (*fn)(void *ctx, const char *t);
	void *ctx;
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	char **ring;
	int cap, head, len, closed, stop, worst;
};

static void *
worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		char *t;
		int rc;

		pthread_mutex_lock(&p->mu);
		while (p->len == 0 && !p->closed)
			pthread_cond_wait(&p->not_empty, &p->mu);
		if (p->len == 0) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		t = p->ring[p->head];
		p->head = (p->head + 1) % p->cap;
		p->len--;
		pthread_cond_signal(&p->not_full);
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			free(t);
			continue;
		}
		pthread_mutex_unlock(&p->mu);
		rc = p->fn(p->ctx, t);
		free(t);
		pthread_mutex_lock(&p->mu);
		p->worst = ck_err_worst(p->worst, rc & ~CK_TARGETS_STOP);
		if (rc & CK_TARGETS_STOP) {
			p->stop = 1;
			pthread_cond_broadcast(&p->not_full);
		}
		pthread_mutex_unlock(&p->mu);
	}
}

/* Queues a copy of t; waits while the ring is full. Returns 0, or -1 when
 * the run was stopped (or out of memory). */
static int
put(struct pool *p, const char *t)
{
	char *c = strdup(t);

	if (c == NULL)
		return -1;
	pthread_mutex_lock(&p->mu);
	while (p->len == p->cap && !p->stop)
		pthread_cond_wait(&p->not_full, &p->mu);
	if (p->stop) {
		pthread_mutex_unlock(&p->mu);
		free(c);
		return -1;
	}
	p->ring[(p->head + p->len) % p->cap] = c;
	p->len++;
	pthread_cond_signal(&p->not_empty);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

int
ck_targets_run(char **targets, int n, int jobs,
    int (*fn)(void *ctx, const char *t), void *ctx)
{
	struct pool p = { fn, ctx, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
	    PTHREAD_COND_INITIALIZER, NULL, 0, 0, 0, 0, 0, 0 };
	pthread_t *th;
	pthread_attr_t at;
	char *line = NULL;
	size_t cap = 0;
	int i, started = 0, seen = 0;

	if (jobs <= 1 || (n > 0 && n < 2))
		return ck_targets_each(targets, n, fn, ctx);
	if (n == 0 && isatty(0))
		return no_targets_usage();
	if (n > 0 && jobs > n)
		jobs = n;
	p.cap = jobs;
	p.ring = calloc((size_t)jobs, sizeof *p.ring);
	th = calloc((size_t)jobs, sizeof *th);
	if (p.ring == NULL || th == NULL) {
		free(p.ring);
		free(th);
		ck_log_warn("out of memory");
		return CK_SOFTWARE;
	}
	/* the work is network waits, not deep recursion: small stacks and a
	 * few shared malloc arenas (not one per thread) keep a thousand
	 * workers cheap */
	mallopt(M_ARENA_MAX, 2);
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 256 * 1024);
	for (i = 0; i < jobs; i++)
		if (pthread_create(&th[started], &at, worker, &p) == 0)
			started++;
	pthread_attr_destroy(&at);
	if (started == 0) {
		free(p.ring);
		free(th);
		ck_log_warn("cannot start worker threads");
		return CK_SOFTWARE;
	}
	for (i = 0; i < n && put(&p, targets[i]) == 0; i++)
		;
	while (n == 0 && getline(&line, &cap, stdin) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[strspn(line, " \t")] == '\0' || line[0] == '#')
			continue;
		seen = 1;
		if (put(&p, line) < 0)
			break;
	}
	free(line);
	pthread_mutex_lock(&p.mu);
	p.closed = 1;
	pthread_cond_broadcast(&p.not_empty);
	pthread_mutex_unlock(&p.mu);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(p.ring);
	free(th);
	if (n == 0 && !seen) {
		ck_log_warn("no targets on stdin (give TARGET arguments or lines on stdin)");
		return CK_EMPTY;
	}
	return p.worst;
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
	if (f == stdout)
		return ck_targets_emit(j) ? CK_IOERR : kind;
	return ck_json_emit(j, f) < 0 ? CK_IOERR : kind;
}

int
ck_targets_fail(ck_json *j, const ck_onvif_target *tg, const char *arg,
    const ck_err *e)
{
	ck_log_warn("%s", e->msg);
	return ck_targets_error(j, stdout, tg->url[0] ? tg->url : arg, e->kind,
	    e->msg);
}
