/* onvif-subscribe: ONVIF events as NDJSON, pull-point or push, with
 * coalescing, a command per event, and recovery from device faults (the
 * subscription client is lib/onvif/subscription). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/opt.h"
#include "cli/evsink.h"
#include "cli/onvifopts.h"
#include "cli/opts.h"
#include "cli/targets.h"
#include "cli/tool.h"
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

/* Sets up the subscription, runs it, tears down. */
static int
subscribe_main(const args *a, ck_cred *cred)
{
	ck_evsink_opts ko = { a->count, a->duration_ms, a->coalesce_ms, a->hook,
	    &stop_sig };
	ck_onvif_target t;
	ck_subscription *s = NULL;
	ck_subscription_hooks h;
	ck_evsink *k;
	ck_err e = { 0, "" };
	int rc = 0;

	if ((k = ck_evsink_new(&ko, &e)) != NULL &&
	    ck_onvif_target_parse(a->target, &t, &e) == 0)
		s = a->list_topics ? ck_subscription_new(&t, &a->o, cred,
		    &(ck_subscription_opts){ .pull_ms = 0 }, &e)
		    : ck_subscription_new(&t, &a->o, cred, &a->so, &e);
	ck_cred_wipe(cred);   /* the clients hold their copies */
	if (s == NULL)
		rc = ck_tool_fail(&e);
	else if (a->list_topics)
		rc = ck_evsink_topics(k, s);
	else {
		h = ck_evsink_hooks(k, s);
		if (ck_subscription_run(s, &h, &e) < 0)
			rc = ck_tool_fail(&e);
		rc = ck_evsink_finish(k, rc);
		ck_subscription_unsubscribe(s);
	}
	ck_subscription_free(s);
	ck_evsink_free(k);
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
		ck_hook_argv_free(a->exec_argv);
		a->exec_argv = NULL;
		if (ck_hook_split_argv(arg, &a->exec_argv, e) < 0)
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
	ck_hook_argv_free(a.exec_argv);
	free(line);
	return ck_tool_finish(rc);
}
