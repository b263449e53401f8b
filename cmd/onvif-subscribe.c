/* onvif-subscribe: ONVIF events as NDJSON, pull-point or push, with
 * coalescing, a command per event, and recovery from device faults (the
 * subscription client is lib/onvif/subscription). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/opt.h"
#include "cli/onvifopts.h"
#include "cli/opts.h"
#include "cli/targets.h"
#include "cli/tool.h"
#include "codec/json.h"
#include "onvif/coalesce.h"
#include "onvif/events.h"
#include "onvif/hook.h"
#include "onvif/onvif.h"
#include "onvif/subscription.h"

static const char usage[] = "Usage: onvif-subscribe [options] [TARGET]";
static const char about[] =
"Subscribe to an ONVIF device's events and print one NDJSON record per\n"
"notification (type \"event\"), or per coalesced event (\"event_start\",\n"
"\"event_end\"). TARGET is a URL, host[:port] or an onvif-discover record;\n"
"read from the first line of stdin when absent.\n";
static const char footer[] =
"Once subscribed, it survives the device going away, connection resets, HTTP\n"
"5xx and lost subscriptions: it logs, backs off and subscribes again. It\n"
"exits 0 on SIGINT/SIGTERM (after Unsubscribe), --count or --duration.\n"
"Exit: 0 stopped after events, 1 no event, 64 usage, 65 malformed reply,\n"
"66 password file missing, 68 unknown host, 69 unreachable, 74 I/O error,\n"
"75 timeout, 76 SOAP fault, 77 authentication rejected (first subscription),\n"
"78 bad credentials file.\n";

enum { O_TOPIC = CK_OPTS_TOOL, O_TOPICS, O_PUSH, O_COUNT, O_DURATION, O_COALESCE,
	O_EXEC, O_EXEC_JOBS, O_EXEC_TIMEOUT, O_PULL_TIMEOUT, O_LIMIT, O_TERMINATION,
	O_BACKOFF_MAX, O_RETRY, O_PUSH_FROM };

static const ck_opts_opt sub_opts[] = {
	{ "topic", O_TOPIC, CK_OPTS_ARG, "EXPR", "only these topics (ConcreteSet: tns1:RuleEngine//.);\n"
	    "repeatable" },
	{ "topics", O_TOPICS, CK_OPTS_NOARG, NULL, "list the device's topic tree and exit" },
	{ "push", O_PUSH, CK_OPTS_ARG, "HOST:PORT", "Basic Notification: listen on HOST:PORT (port 0 =\n"
	    "any) and have the device POST to http://HOST:PORT/" },
	{ "count", O_COUNT, CK_OPTS_ARG, "N", "exit after N events" },
	{ "duration", O_DURATION, CK_OPTS_ARG, "DUR", "exit after DUR (500ms, 30s, 5m, 1h)" },
	{ "coalesce", O_COALESCE, CK_OPTS_ARG, "DUR", "merge notifications of one topic and source that\n"
	    "come within DUR of each other into one event" },
	{ "exec", O_EXEC, CK_OPTS_ARG, "CMD", "run CMD (split into words, no shell) per record with\n"
	    "the record on stdin and CAMKIT_* variables" },
	{ "exec-jobs", O_EXEC_JOBS, CK_OPTS_ARG, "N", "at most N commands at once (default 8)" },
	{ "exec-timeout", O_EXEC_TIMEOUT, CK_OPTS_ARG, "DUR", "kill a command after DUR (default 1m)" },
	{ "pull-timeout", O_PULL_TIMEOUT, CK_OPTS_ARG, "DUR", "PullMessages Timeout (default 5s)" },
	{ "limit", O_LIMIT, CK_OPTS_ARG, "N", "PullMessages MessageLimit (default 100)" },
	{ "termination", O_TERMINATION, CK_OPTS_ARG, "DUR", "subscription time asked for (default 60s); renewed\n"
	    "at 80% of what the device grants" },
	{ "retry", O_RETRY, CK_OPTS_NOARG, NULL, "keep trying a camera that is unreachable or refuses\n"
	    "the first subscription (backoff) instead of exiting" },
	{ "push-from", O_PUSH_FROM, CK_OPTS_ARG, "HOST", "accept Notifies from HOST (default: the camera's\n"
	    "address)" },
	{ "backoff-max", O_BACKOFF_MAX, CK_OPTS_ARG, "DUR",
	    "longest wait between recovery attempts (default 30s)" },
	{ NULL, 0, 0, NULL, NULL }
};

typedef struct args {
	ck_onvif_opts o;
	ck_subscription_opts so;
	char topics[4096];         /* joined --topic values, "" = all */
	int list_topics;
	char push_host[256];
	long long count, duration_ms, coalesce_ms;
	char **exec_argv;
	long long exec_jobs, exec_timeout_ms;
	ck_hook *hook;             /* --exec, resolved at start */
	const char *target;
} args;

/* Run state: what the tool does with the notifications. */
typedef struct run {
	const args *a;
	ck_subscription *s;
	int64_t end_at;      /* monotonic, -1 = none */
	long long events;
	ck_coalesce *co;
	ck_json *j;
	int out_err;         /* stdout failed */
	ck_hook *hook;       /* --exec */
} run;

static volatile sig_atomic_t stop_sig;

static void
on_signal(int s)
{
	/* A second signal does not wait for the pending request. */
	if (stop_sig) {
		signal(s, SIG_DFL);
		raise(s);
	}
	stop_sig = s;
}

static int
enough(const run *r)
{
	return r->out_err || (r->a->count > 0 && r->events >= r->a->count);
}

static int
done(void *ctx)
{
	const run *r = ctx;

	return stop_sig || enough(r) ||
	    (r->end_at >= 0 && ck_clock_now_ms() >= r->end_at);
}

/* What the hook of a record is told. */
typedef struct fact {
	const char *state;          /* "single", "start", "end" */
	long long id;               /* event id, -1 for single */
	const ck_events_msg *m;
	int64_t rx;
} fact;

static const char *device(const run *r);

/* Writes the record in r->j to stdout, and to --exec with f's facts. */
static void
output(run *r, const fact *f)
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
	if (f && r->hook) {
		if (ck_hook_env(env, device(r), f->m, f->state, f->id, f->rx) < 0)
			ck_log_warn("out of memory");
		else if (ck_hook_run(r->hook, line, n, env, &e) < 0)
			ck_log_warn("--exec: %s", e.msg);
		ck_hook_env_free(env);
	}
	free(line);
}

static const char *
device(const run *r)
{
	return ck_subscription_device(r->s);
}

static void
end_record(run *r, ck_coalesce_event *o, const char *reason)
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
expire(run *r, int64_t now)
{
	ck_coalesce_event o;

	while (r->co && ck_coalesce_expire(r->co, now, &o))
		end_record(r, &o, now == INT64_MAX ? "exit" : "quiet");
}

/* One notification from the device; 1 when no more are wanted. */
static int
deliver(void *ctx, const ck_events_msg *m, int64_t rx)
{
	run *r = ctx;

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
	const run *r = ctx;
	int64_t cx = r->co ? ck_coalesce_next(r->co) : -1;

	if (r->end_at >= 0 && (cx < 0 || r->end_at < cx))
		return r->end_at;
	return cx;
}

static void
tick(void *ctx, int64_t now)
{
	run *r = ctx;

	expire(r, now);
	if (r->hook)
		ck_hook_reap(r->hook, 0);
}

static void
topic_cb(void *arg, const char *topic, const char *ns, const ck_xml_node *descr)
{
	run *r = arg;

	ck_json_record(r->j, "topic");
	ck_events_topic_json(r->j, topic, ns, descr);
	ck_json_str(r->j, "device", device(r));
	output(r, NULL);
}

static int
list_topics(run *r)
{
	ck_err e;
	int n = ck_subscription_topics(ck_subscription_client(r->s), topic_cb, r, &e);

	if (n < 0)
		return ck_tool_fail(&e);
	if (n == 0)
		ck_log_warn("the device lists no event topics");
	return r->out_err ? CK_IOERR : n == 0 ? CK_EMPTY : 0;
}

/* Sets up the subscription, runs it, tears down. */
static int
subscribe_main(const args *a, ck_cred *cred)
{
	ck_onvif_target t;
	run r;
	ck_err e = { 0, "" };
	int rc = 0;
	ck_subscription_hooks h = { deliver, done, next, tick, &r };

	memset(&r, 0, sizeof r);
	r.a = a;
	r.hook = a->hook;
	r.end_at = a->duration_ms > 0 ? ck_clock_now_ms() + a->duration_ms : -1;
	if ((r.j = ck_json_new()) == NULL)
		ck_err_set(&e, CK_SOFTWARE, "out of memory");
	else if (a->coalesce_ms > 0 && !(r.co = ck_coalesce_new(a->coalesce_ms)))
		ck_err_set(&e, CK_SOFTWARE, "out of memory");
	else if (ck_onvif_target_parse(a->target, &t, &e) == 0)
		r.s = a->list_topics ? ck_subscription_new(&t, &a->o, cred,
		    &(ck_subscription_opts){ .pull_ms = 0 }, &e)
		    : ck_subscription_new(&t, &a->o, cred, &a->so, &e);
	ck_cred_wipe(cred);   /* the clients hold their copies */
	if (r.s == NULL)
		rc = ck_tool_fail(&e);
	else if (a->list_topics)
		rc = list_topics(&r);
	else {
		if (ck_subscription_run(r.s, &h, &e) < 0)
			rc = ck_tool_fail(&e);
		expire(&r, INT64_MAX);
		ck_subscription_unsubscribe(r.s);
		if (rc == 0 && r.out_err)
			rc = CK_IOERR;
		if (r.out_err == 2)
			clearerr(stdout);   /* said nothing about EPIPE: keep it so */
		if (rc == 0 && r.events == 0 && !stop_sig) {
			if (a->duration_ms > 0)
				ck_log_warn("no event in %lld ms", (long long)a->duration_ms);
			else
				ck_log_warn("the subscription ended without an event");
			rc = CK_EMPTY;
		}
	}
	ck_coalesce_free(r.co);
	ck_subscription_free(r.s);
	ck_json_free(r.j);
	return rc;
}

static int
dur_opt(const char *name, const char *s, long long min, long long *out, ck_err *e)
{
	if (ck_opt_parse_duration(s, out, NULL) < 0 || *out < min || *out > 86400000LL * 366)
		return ck_err_set(e, CK_USAGE, "%s: '%s' is not a valid duration", name, s);
	return 0;
}

static int
sub_opt(void *ctx, int key, const char *arg, ck_err *e)
{
	args *a = ctx;
	long long v;

	switch (key) {
	case O_TOPIC:
		if (ck_events_check_topic(arg, e) < 0)
			return ck_err_wrap(e, "--topic");
		if (strlen(a->topics) + strlen(arg) + 2 > sizeof a->topics)
			return ck_err_set(e, CK_USAGE, "too many --topic values");
		if (a->topics[0])
			strcat(a->topics, "|");
		strcat(a->topics, arg);
		a->so.topics = a->topics;
		return 0;
	case O_TOPICS: a->list_topics = 1; return 0;
	case O_PUSH:
		a->so.push = 1;
		a->so.push_host = a->push_host;
		if (ck_opt_parse_hostport(arg, a->push_host, sizeof a->push_host,
		    &a->so.push_port, -1, NULL) < 0 || a->so.push_port < 0)
			return ck_err_set(e, CK_USAGE, "--push: '%s' is not HOST:PORT", arg);
		if (!strcmp(a->push_host, "0.0.0.0") || !strcmp(a->push_host, "::") ||
		    !a->push_host[0])
			return ck_err_set(e, CK_USAGE, "--push: give the address the camera "
			    "can reach us at, not a wildcard");
		return 0;
	case O_COUNT:
		if (ck_opt_parse_int(arg, 1, 1LL << 40, &a->count, e) < 0)
			return ck_err_wrap(e, "--count");
		return 0;
	case O_DURATION: return dur_opt("--duration", arg, 1, &a->duration_ms, e);
	case O_COALESCE: return dur_opt("--coalesce", arg, 1, &a->coalesce_ms, e);
	case O_PULL_TIMEOUT: return dur_opt("--pull-timeout", arg, 100, &a->so.pull_ms, e);
	case O_TERMINATION: return dur_opt("--termination", arg, 1000, &a->so.term_ms, e);
	case O_BACKOFF_MAX: return dur_opt("--backoff-max", arg, 1, &a->so.backoff_max_ms, e);
	case O_RETRY: a->so.retry = 1; return 0;
	case O_PUSH_FROM:
		if (!*arg || strlen(arg) > 255)
			return ck_err_set(e, CK_USAGE, "--push-from: '%s' is not a host", arg);
		a->so.push_from = arg;
		return 0;
	case O_LIMIT:
		if (ck_opt_parse_int(arg, 1, 10000, &v, e) < 0)
			return ck_err_wrap(e, "--limit");
		a->so.limit = (int)v;
		return 0;
	case O_EXEC_JOBS:
		if (ck_opt_parse_int(arg, 1, 1024, &a->exec_jobs, e) < 0)
			return ck_err_wrap(e, "--exec-jobs");
		return 0;
	case O_EXEC_TIMEOUT:
		return dur_opt("--exec-timeout", arg, 1, &a->exec_timeout_ms, e);
	case O_EXEC:
		ck_events_argv_free(a->exec_argv);
		a->exec_argv = NULL;
		if (ck_events_split_argv(arg, &a->exec_argv, e) < 0)
			return ck_err_wrap(e, "--exec");
		return 0;
	}
	return ck_err_set(e, CK_SOFTWARE, "unhandled option");
}

/* The one TARGET: the argument, or the first line of stdin. Returns 0 or
 * the exit status. */
static int
read_target(args *a, int argc, char **argv, int i, char **line)
{
	size_t cap = 0;

	if (argc - i > 1)
		return ck_tool_usage_err("one target at a time");
	if (ck_targets_check(argv + i, argc - i, NULL) != 0)
		return CK_USAGE;
	if (i < argc) {
		a->target = argv[i];
		return 0;
	}
	if (getline(line, &cap, stdin) <= 0) {
		ck_log_warn("no target on stdin");
		return CK_EMPTY;
	}
	(*line)[strcspn(*line, "\r\n")] = '\0';
	a->target = *line;
	return 0;
}

int
main(int argc, char **argv)
{
	static args a;
	ck_opts_block blocks[2];
	const ck_opts_tool tool = { usage, about, footer, blocks, 2 };
	struct sigaction sa;
	char *line = NULL;
	ck_cred cred;
	ck_err e = { 0, "" };
	int arg0, rc;

	ck_log_init(argv[0]);
	blocks[0] = (ck_opts_block){ NULL, sub_opts, sub_opt, &a };
	blocks[1] = ck_onvifopts_block(&a.o);
	a.so.pull_ms = 5000;
	a.so.term_ms = 60000;
	a.so.backoff_max_ms = 30000;
	a.so.limit = 100;
	a.exec_jobs = 8;
	a.exec_timeout_ms = 60000;
	if (!ck_onvifopts_parse(&tool, argc, argv, &arg0, &rc))
		return rc;
	if (a.exec_argv && !(a.hook = ck_hook_new(a.exec_argv, (int)a.exec_jobs,
	    a.exec_timeout_ms, &e))) {
		ck_err_wrap(&e, "--exec");
		return ck_tool_fail(&e);
	}
	if ((rc = read_target(&a, argc, argv, arg0, &line)) != 0 ||
	    (rc = ck_onvifopts_cred(&a.o, NULL, 0, &cred)) != 0) {
		free(line);
		return rc;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;   /* no SA_RESTART: waits end early */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = subscribe_main(&a, &cred);
	ck_hook_free(a.hook);
	ck_cred_wipe(&cred);
	ck_events_argv_free(a.exec_argv);
	free(line);
	return ck_tool_finish(rc);
}
