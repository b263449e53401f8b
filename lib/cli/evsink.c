/* evsink: what onvif-subscribe does with notifications: one NDJSON record
 * each on stdout (event, or event_start/event_end when coalescing), the
 * --exec hook with the record and its facts, and the run's limits. */
#include "cli/evsink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "cli/tool.h"
#include "codec/json.h"
#include "onvif/coalesce.h"

struct ck_evsink {
	ck_evsink_opts o;
	ck_subscription *s;
	int64_t end_at;      /* monotonic, -1 = none */
	long long events;
	ck_coalesce *co;
	ck_json *j;
	int out_err;         /* stdout failed: 1, a closed pipe: 2 */
};

static int
enough(const ck_evsink *r)
{
	return r->out_err || (r->o.count > 0 && r->events >= r->o.count);
}

static int
done(void *ctx)
{
	const ck_evsink *r = ctx;

	return *r->o.stop || enough(r) ||
	    (r->end_at >= 0 && ck_clock_now_ms() >= r->end_at);
}

/* What the hook of a record is told. */
typedef struct fact {
	const char *state;          /* "single", "start", "end" */
	long long id;               /* event id, -1 for single */
	const ck_events_msg *m;
	int64_t rx;
} fact;

static const char *device(const ck_evsink *r);

/* Writes the record in r->j to stdout, and to --exec with f's facts. */
static void
output(ck_evsink *r, const fact *f)
{
	char *line = NULL, *env[CK_HOOK_NENV + 1];
	size_t n = 0;
	FILE *m = open_memstream(&line, &n);
	ck_err e;

	if (!m || ck_json_emit(r->j, m) < 0 || fclose(m) != 0) {
		ck_log_warn("out of memory");
		r->out_err = 1;
		free(line);
		return;
	}
	if (fwrite(line, 1, n, stdout) != n || fflush(stdout) != 0) {
		/* A reader that has had enough (| head) is no news. */
		if (errno != EPIPE)
			ck_log_warn("stdout: %s", strerror(errno));
		r->out_err = errno == EPIPE ? 2 : 1;
	}
	if (f && r->o.hook) {
		if (ck_hook_env(env, device(r), f->m, f->state, f->id, f->rx) < 0)
			ck_log_warn("out of memory");
		else if (ck_hook_run(r->o.hook, line, n, env, &e) < 0)
			ck_log_warn("--exec: %s", e.msg);
		ck_hook_env_free(env);
	}
	free(line);
}

static const char *
device(const ck_evsink *r)
{
	return ck_subscription_device(r->s);
}

static void
end_record(ck_evsink *r, ck_coalesce_event *o, const char *reason)
{
	ck_json_record(r->j, "event_end");
	ck_json_int(r->j, "event_id", (long long)o->id);
	ck_events_msg_json(r->j, &o->last, o->last_rx_ms, device(r));
	ck_json_time_ms(r->j, "started", o->first.utc_ms >= 0 ? o->first.utc_ms
	    : o->first_rx_ms);
	ck_json_int(r->j, "notifications", (long long)o->count);
	ck_json_str(r->j, "reason", reason);
	output(r, &(fact){ "end", (long long)o->id, &o->last, o->last_rx_ms });
	r->events++;
	ck_coalesce_event_clear(o);
}

static void
expire(ck_evsink *r, int64_t now)
{
	ck_coalesce_event o;

	while (r->co && ck_coalesce_expire(r->co, now, &o))
		end_record(r, &o, now == INT64_MAX ? "exit" : "quiet");
}

/* One notification from the device; 1 when no more are wanted. */
static int
deliver(void *ctx, const ck_events_msg *m, int64_t rx)
{
	ck_evsink *r = ctx;

	if (enough(r))
		return 1;   /* pushed after we had enough */
	if (r->co) {
		const ck_coalesce_event *o;
		int k = ck_coalesce_feed(r->co, m, ck_clock_now_ms(), rx, &o);
		if (k < 0) {
			ck_log_warn("out of memory");
			return 0;
		}
		if (k == 0)
			return 0;
		ck_json_record(r->j, "event_start");
		ck_json_int(r->j, "event_id", (long long)o->id);
		ck_events_msg_json(r->j, m, rx, device(r));
		output(r, &(fact){ "start", (long long)o->id, m, rx });
		return enough(r);
	}
	ck_json_record(r->j, "event");
	ck_events_msg_json(r->j, m, rx, device(r));
	output(r, &(fact){ "single", -1, m, rx });
	r->events++;
	return enough(r);
}

/* The next moment the tool must act: --duration, a coalesced event's end. */
static int64_t
next(void *ctx)
{
	const ck_evsink *r = ctx;
	int64_t cx = r->co ? ck_coalesce_next(r->co) : -1;

	if (r->end_at >= 0 && (cx < 0 || r->end_at < cx))
		return r->end_at;
	return cx;
}

static void
tick(void *ctx, int64_t now)
{
	ck_evsink *r = ctx;

	expire(r, now);
	if (r->o.hook)
		ck_hook_reap(r->o.hook, 0);
}

static void
topic_cb(void *arg, const char *topic, const char *ns, const ck_xml_node *descr)
{
	ck_evsink *r = arg;

	ck_json_record(r->j, "topic");
	ck_events_topic_json(r->j, topic, ns, descr);
	ck_json_str(r->j, "device", device(r));
	output(r, NULL);
}

ck_evsink *
ck_evsink_new(const ck_evsink_opts *o, ck_err *e)
{
	ck_evsink *r = calloc(1, sizeof *r);

	if (r == NULL || (r->j = ck_json_new()) == NULL ||
	    (o->coalesce_ms > 0 && !(r->co = ck_coalesce_new(o->coalesce_ms)))) {
		ck_evsink_free(r);
		ck_err_set(e, CK_SOFTWARE, "out of memory");
		return NULL;
	}
	r->o = *o;
	r->end_at = o->duration_ms > 0 ? ck_clock_now_ms() + o->duration_ms : -1;
	return r;
}

ck_subscription_hooks
ck_evsink_hooks(ck_evsink *r, ck_subscription *s)
{
	r->s = s;
	return (ck_subscription_hooks){ deliver, done, next, tick, r };
}

int
ck_evsink_topics(ck_evsink *r, ck_subscription *s)
{
	ck_err e;
	int n;

	r->s = s;
	n = ck_subscription_topics(ck_subscription_client(s), topic_cb, r, &e);
	if (n < 0)
		return ck_tool_fail(&e);
	if (n == 0)
		ck_log_warn("the device lists no event topics");
	return r->out_err ? CK_IOERR : n == 0 ? CK_EMPTY : 0;
}

int
ck_evsink_finish(ck_evsink *r, int rc)
{
	expire(r, INT64_MAX);
	if (rc == 0 && r->out_err)
		rc = CK_IOERR;
	if (r->out_err == 2)
		clearerr(stdout);   /* said nothing about EPIPE: keep it so */
	if (rc == 0 && r->events == 0 && !*r->o.stop) {
		if (r->o.duration_ms > 0)
			ck_log_warn("no event in %lld ms", (long long)r->o.duration_ms);
		else
			ck_log_warn("the subscription ended without an event");
		rc = CK_EMPTY;
	}
	return rc;
}

void
ck_evsink_free(ck_evsink *r)
{
	if (r == NULL)
		return;
	ck_coalesce_free(r->co);
	ck_json_free(r->j);
	free(r);
}
