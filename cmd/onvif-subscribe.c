/* onvif-subscribe: ONVIF events as NDJSON, pull-point or push, with
 * coalescing, a command per event, and recovery from device faults. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "onvif/coalesce.h"
#include "onvif/events.h"
#include "net/evhttp.h"
#include "codec/json.h"
#include "base/log.h"
#include "net/net.h"
#include "onvif/onvif.h"
#include "base/opt.h"
#include "cli/tool.h"

static const char usage[] =
"Usage: onvif-subscribe [options] [TARGET]\n"
"Subscribe to an ONVIF device's events and print one NDJSON record per\n"
"notification (type \"event\"), or per coalesced event (\"event_start\",\n"
"\"event_end\"). TARGET is a URL, host[:port] or an onvif-discover record;\n"
"read from the first line of stdin when absent.\n"
"\n"
"Options:\n"
"      --topic EXPR        only these topics (ConcreteSet: tns1:RuleEngine//.);\n"
"                          repeatable\n"
"      --topics            list the device's topic tree and exit\n"
"      --push HOST:PORT    Basic Notification: listen on HOST:PORT (port 0 =\n"
"                          any) and have the device POST to http://HOST:PORT/\n"
"  -c, --count N           exit after N events\n"
"  -d, --duration DUR      exit after DUR (500ms, 30s, 5m, 1h)\n"
"      --coalesce DUR      merge notifications of one topic and source that\n"
"                          come within DUR of each other into one event\n"
"      --exec CMD          run CMD (split into words, no shell) per event with\n"
"                          its record on stdin\n"
"      --pull-timeout DUR  PullMessages Timeout (default 5s)\n"
"      --limit N           PullMessages MessageLimit (default 100)\n"
"      --termination DUR   subscription time asked for (default 60s); renewed\n"
"                          at 80% of what the device grants\n"
"      --backoff-max DUR   longest wait between recovery attempts (default 30s)\n"
CK_ONVIF_HELP
"  -v, --verbose           -v events, -vv wire trace\n"
"  -h, --help              this help\n"
"  -V, --version           version\n"
"\n"
"Once subscribed, it survives the device going away, connection resets, HTTP\n"
"5xx and lost subscriptions: it logs, backs off and subscribes again. It\n"
"exits 0 on SIGINT/SIGTERM (after Unsubscribe), --count or --duration.\n"
"Exit: 1 no event, 64 usage, 65 malformed reply, 69 unreachable, 75 timeout,\n"
"76 SOAP fault, 77 authentication rejected (first subscription).\n";

enum { O_TOPIC = 0x2001, O_TOPICS, O_PUSH, O_COALESCE, O_EXEC, O_PULL_TIMEOUT,
	O_LIMIT, O_TERMINATION, O_BACKOFF_MAX };

typedef struct args {
	ck_onvif_opts o;
	char topics[4096];         /* joined --topic values, "" = all */
	int list_topics;
	const char *push;
	char push_host[256];
	int push_port;
	long long count, duration_ms, coalesce_ms, pull_ms, term_ms, backoff_max_ms;
	int limit;
	char **exec_argv;
	const char *target;
} args;

/* Run state. */
typedef struct run {
	const args *a;
	ck_onvif *c;         /* control requests */
	ck_onvif *pc;        /* PullMessages (longer HTTP timeout) */
	ck_evhttp *lis;
	char consumer[300];  /* http://host:port/ of the listener */
	unsigned gen;        /* push: subscription number, in the consumer path */
	int gen_seen;        /* a Notify for gen arrived */
	int from;            /* push: 0 current subscription, 1 the replaced one */
	char *seen[128];     /* fingerprints heard from the replaced one */
	unsigned nseen;
	ck_events_sub sub;
	int subscribed;
	char sub_url[1024];  /* sub.address after XAddr rewriting */
	int64_t renew_at;    /* monotonic */
	int64_t end_at;      /* monotonic, -1 = none */
	long long events;
	ck_coalesce *co;
	ck_json *j;
	int out_err;         /* stdout failed */
	int children;
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
done(const run *r)
{
	return stop_sig || r->out_err || (r->a->count > 0 && r->events >= r->a->count) ||
	    (r->end_at >= 0 && ck_clock_now_ms() >= r->end_at);
}

/* Reaps finished --exec children; with block, waits for all. */
static void
reap(run *r, int block)
{
	int st;
	pid_t p;

	while (r->children > 0 && (p = waitpid(-1, &st, block ? 0 : WNOHANG)) > 0) {
		r->children--;
		if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
			ck_log_info("--exec pid %d exited with %d", (int)p, WEXITSTATUS(st));
		else if (WIFSIGNALED(st))
			ck_log_info("--exec pid %d killed by signal %d", (int)p, WTERMSIG(st));
	}
}

/* Writes the record in r->j to stdout, and to --exec when run_it. */
static void
output(run *r, int run_it)
{
	char *line = NULL;
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
	if (run_it && r->a->exec_argv) {
		reap(r, 0);
		if (r->children >= 32)   /* bound the fan-out of slow commands */
			reap(r, 1);
		if (ck_events_spawn(r->a->exec_argv, line, n, &e) < 0)
			ck_log_warn("--exec %s: %s", r->a->exec_argv[0], e.msg);
		else
			r->children++;
	}
	free(line);
}

static const char *
device(const run *r)
{
	return ck_onvif_get_target(r->c)->url;
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
	output(r, 0);
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

/* One notification from the device. */
static void
deliver(run *r, const ck_events_msg *m, int64_t rx)
{
	if (r->a->count > 0 && r->events >= r->a->count)
		return;   /* pushed after we had enough */
	if (r->co) {
		const ck_coalesce_event *o;
		int k = ck_coalesce_feed(r->co, m, ck_clock_now_ms(), rx, &o);
		if (k < 0) {
			ck_log_warn("out of memory");
			return;
		}
		if (k == 0)
			return;
		ck_json_record(r->j, "event_start");
		ck_json_int(r->j, "event_id", (long long)o->id);
		ck_events_msg_json(r->j, m, rx, device(r));
		output(r, 1);
		return;
	}
	ck_json_record(r->j, "event");
	ck_events_msg_json(r->j, m, rx, device(r));
	output(r, 1);
	r->events++;
}

/* Push, while one subscription replaces another: both may send the same
 * notification. What the replaced one sent is remembered, and the new one's
 * copy dropped. Returns 1 for such a copy. */
static int
transition_dup(run *r, const ck_events_msg *m)
{
	char *key = ck_events_msg_key(m), *fp;
	size_t i, n;
	unsigned k;

	if (!key || !m->utc)
		return free(key), 0;
	n = strlen(key) + strlen(m->utc) + 2;
	for (i = 0; i < m->ndata; i++)
		n += strlen(m->data[i].name) + strlen(m->data[i].value) + 2;
	fp = malloc(n);
	if (!fp)
		return free(key), 0;
	snprintf(fp, n, "%s\n%s", key, m->utc);
	for (i = 0; i < m->ndata; i++) {
		strcat(fp, "\n");
		strcat(fp, m->data[i].name);
		strcat(fp, "=");
		strcat(fp, m->data[i].value);
	}
	free(key);
	if (r->from == 1) {
		k = r->nseen++ % (sizeof r->seen / sizeof r->seen[0]);
		free(r->seen[k]);
		r->seen[k] = fp;
		return 0;
	}
	for (k = 0; k < sizeof r->seen / sizeof r->seen[0]; k++)
		if (r->seen[k] && strcmp(r->seen[k], fp) == 0) {
			ck_log_info("%s at %s came from both subscriptions; printed once",
			    m->topic, m->utc);
			free(fp);
			return 1;
		}
	free(fp);
	return 0;
}

static void
forget_seen(run *r)
{
	unsigned k;

	for (k = 0; k < sizeof r->seen / sizeof r->seen[0]; k++) {
		free(r->seen[k]);
		r->seen[k] = NULL;
	}
	r->nseen = 0;
}

/* Parses the NotificationMessages under container and delivers them. */
static int
deliver_all(run *r, const ck_xml_node *container, ck_err *e)
{
	ck_events_msg *m;
	size_t n, i;
	int64_t rx = ck_clock_wall_ms();

	if (ck_events_parse_msgs(container, &m, &n, e) < 0)
		return -1;
	for (i = 0; i < n && !r->out_err; i++) {
		if (r->a->push && transition_dup(r, &m[i]))
			continue;
		deliver(r, &m[i], rx);
		if (r->a->count > 0 && r->events >= r->a->count)
			break;
	}
	ck_events_msgs_free(m, n);
	return 0;
}

/* WS-Addressing headers for requests to the subscription manager: To, and
 * the reference parameters the device gave us. */
static char *
sub_header(const run *r, const char *action)
{
	char *to = ck_xml_escape(r->sub_url), *h;
	size_t n;

	if (!to)
		return NULL;
	n = strlen(to) + strlen(action) + (r->sub.refparams ? strlen(r->sub.refparams) : 0)
	    + 256;
	h = malloc(n);
	if (h)
		snprintf(h, n, "<wsa:Action xmlns:wsa=\"" CK_NS_WSA "\">%s</wsa:Action>"
		    "<wsa:To xmlns:wsa=\"" CK_NS_WSA "\">%s</wsa:To>%s", action, to,
		    r->sub.refparams ? r->sub.refparams : "");
	free(to);
	return h;
}

/* A request to the subscription manager; reply element checked by name. */
static int
sub_request(run *r, ck_onvif *c, const char *action, char *body,
    const char *want, ck_soap_resp *resp, ck_err *e)
{
	char *hdr = sub_header(r, action);
	ck_onvif_req q = { NULL, r->sub_url, hdr, body, 0 };
	int rc;

	if (!hdr || !body) {
		free(hdr);
		free(body);
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	}
	rc = ck_onvif_request(c, &q, resp, NULL, e);
	free(hdr);
	free(body);
	if (rc < 0)
		return -1;
	if (!resp->first || strcmp(resp->first->name, want) != 0) {
		ck_soap_resp_free(resp);
		return ck_err_set(e, CK_PROTO, "expected %s in the reply", want);
	}
	return 0;
}

/* Sets renew_at from what the device granted. */
static void
schedule_renew(run *r, int64_t cur, int64_t term)
{
	int64_t granted = r->a->term_ms;

	if (term >= 0) {
		int64_t now_dev = cur >= 0 ? cur : ck_clock_wall_ms() + ck_onvif_offset_ms(r->c);
		granted = term - now_dev;
	}
	int64_t delay;

	if (granted < 1000)
		granted = 1000;
	/* At 80%, but a second before the end at least: devices give times to
	 * the second and our idea of their clock is no better. */
	delay = granted * 8 / 10;
	if (granted - delay < 1000)
		delay = granted - 1000 > granted / 2 ? granted - 1000 : granted / 2;
	r->renew_at = ck_clock_now_ms() + delay;
	ck_log_info("subscription granted for %lld ms; renewing in %lld ms",
	    (long long)granted, (long long)delay);
}

static void
drop_sub(run *r)
{
	ck_events_sub_clear(&r->sub);
	r->subscribed = 0;
}

static int
subscribe(run *r, ck_err *e)
{
	const args *a = r->a;
	const char *topics = a->topics[0] ? a->topics : NULL;
	const char *want = a->push ? "SubscribeResponse" :
	    "CreatePullPointSubscriptionResponse";
	char term[32];
	ck_soap_resp resp;
	int pass;

	ck_events_fmt_duration(a->term_ms, term);
	/* Each push subscription has its own consumer path, so that Notifies
	 * from one we replaced (Unsubscribe does not work everywhere) are told
	 * apart and dropped instead of printed twice. */
	char consumer[340];
	r->gen++;
	r->gen_seen = 0;
	forget_seen(r);
	snprintf(consumer, sizeof consumer, "%sonvif-subscribe/%u", r->consumer, r->gen);
	/* Some firmwares refuse a relative InitialTerminationTime: then an
	 * absolute one on the device's clock, then none (take what they give). */
	for (pass = 0; pass < 3; pass++) {
		char abs[40];
		const char *t = pass == 0 ? term : pass == 1 ? abs : NULL;
		char *body;
		int rc;

		ck_json_rfc3339_ms(ck_clock_wall_ms() + ck_onvif_offset_ms(r->c) + a->term_ms, abs,
		    sizeof abs);
		body = a->push ? ck_events_body_subscribe(consumer, topics, t)
		    : ck_events_body_create_pullpoint(topics, t);
		if (!body)
			return ck_err_set(e, CK_SOFTWARE, "out of memory");
		rc = ck_onvif_call(r->c, "events", body, &resp, e);
		free(body);
		if (rc == 0)
			break;
		if (pass == 2 || e->kind != CK_PROTO)
			return ck_err_wrap(e, "%s", a->push ? "Subscribe" :
			    "CreatePullPointSubscription");
		ck_log_info("subscription with %s refused (%s); retrying with %s",
		    pass == 0 ? "a relative time" : "an absolute time", e->msg,
		    pass == 0 ? "an absolute time" : "none");
	}
	if (!resp.first || strcmp(resp.first->name, want) != 0) {
		ck_soap_resp_free(&resp);
		return ck_err_set(e, CK_PROTO, "expected %s in the reply", want);
	}
	drop_sub(r);
	if (ck_events_parse_sub(resp.first, &r->sub, e) < 0) {
		ck_soap_resp_free(&resp);
		return -1;
	}
	ck_soap_resp_free(&resp);
	ck_onvif_rewrite_xaddr(ck_onvif_get_target(r->c), r->sub.address,
	    a->o.trust_xaddrs, r->sub_url, sizeof r->sub_url);
	r->subscribed = 1;
	if (r->pc)
		ck_onvif_set_offset_ms(r->pc, ck_onvif_offset_ms(r->c));
	ck_log_info("subscribed: %s", r->sub_url);
	schedule_renew(r, r->sub.current_ms, r->sub.termination_ms);
	return 0;
}

/* Renew with a relative time, then with an absolute one; -1 when both
 * fail (the caller subscribes again). */
static int
renew(run *r, ck_err *e)
{
	char term[40];
	int pass;

	for (pass = 0; pass < 2; pass++) {
		ck_soap_resp resp;
		int64_t t, cur;

		if (pass == 0) {
			ck_events_fmt_duration(r->a->term_ms, term);
		} else {
			ck_json_rfc3339_ms(ck_clock_wall_ms() + ck_onvif_offset_ms(r->c) + r->a->term_ms,
			    term, sizeof term);
		}
		if (sub_request(r, r->c, "http://docs.oasis-open.org/wsn/bw-2/"
		    "SubscriptionManager/RenewRequest", ck_events_body_renew(term),
		    "RenewResponse", &resp, e) == 0) {
			ck_events_parse_renew(resp.first, &t, &cur);
			ck_soap_resp_free(&resp);
			schedule_renew(r, cur, t);
			return 0;
		}
		if (e->kind != CK_PROTO || stop_sig)
			return -1;
		ck_log_info("Renew %s refused: %s", pass ? "(absolute)" : "(relative)", e->msg);
	}
	return -1;
}

static void
unsubscribe(run *r)
{
	ck_soap_resp resp;
	ck_err e;

	if (!r->subscribed)
		return;
	if (sub_request(r, r->c, "http://docs.oasis-open.org/wsn/bw-2/"
	    "SubscriptionManager/UnsubscribeRequest", ck_events_body_unsubscribe(),
	    "UnsubscribeResponse", &resp, &e) == 0) {
		ck_soap_resp_free(&resp);
		ck_log_info("unsubscribed");
	} else {
		ck_log_info("Unsubscribe: %s", e.msg);
	}
	drop_sub(r);
}

/* The next moment something must happen: renewal, --duration, the end of a
 * coalesced event. */
static int64_t
next_deadline(const run *r, int64_t limit)
{
	int64_t d = limit;
	int64_t cx = r->co ? ck_coalesce_next(r->co) : -1;

	if (r->renew_at < d)
		d = r->renew_at;
	if (r->end_at >= 0 && r->end_at < d)
		d = r->end_at;
	if (cx >= 0 && cx < d)
		d = cx;
	return d;
}

static int
pull(run *r, ck_err *e)
{
	int64_t now = ck_clock_now_ms();
	int64_t d = next_deadline(r, now + r->a->pull_ms) - now;
	ck_soap_resp resp;
	int rc;

	if (d < 200)
		d = 200;
	if (sub_request(r, r->pc, "http://www.onvif.org/ver10/events/wsdl/"
	    "PullPointSubscription/PullMessagesRequest", ck_events_body_pull(d,
	    r->a->limit), "PullMessagesResponse", &resp, e) < 0)
		return -1;
	rc = deliver_all(r, resp.first, e);
	/* Some firmwares answer at once, ignoring the Timeout: do not hammer
	 * them with back-to-back requests. */
	if (rc == 0 && !ck_xml_child(resp.first, CK_NS_WSNT, "NotificationMessage")) {
		int64_t min_wait = d / 2 < 1000 ? d / 2 : 1000;
		int64_t spent = ck_clock_now_ms() - now;
		if (spent < min_wait && !done(r))
			poll(NULL, 0, (int)(min_wait - spent));
	}
	ck_soap_resp_free(&resp);
	return rc;
}

static int
on_notify(void *arg, const char *peer, const char *path, const char *body,
    size_t len)
{
	run *r = arg;
	ck_soap_resp resp;
	ck_err e;
	unsigned g;

	/* The previous subscription is heard until the new one speaks: what it
	 * sends after that, the new one sends too. */
	r->from = 0;
	if (sscanf(path, "/onvif-subscribe/%u", &g) == 1) {
		if (g == r->gen) {
			r->gen_seen = 1;
		} else if (g + 1 != r->gen || r->gen_seen) {
			ck_log_info("push from %s to %s: a replaced subscription, ignored",
			    peer, path);
			return done(r);
		} else {
			r->from = 1;
		}
	}
	if (ck_soap_parse(body, len, &resp, NULL, &e) < 0) {
		ck_log_warn("push from %s: %s", peer, e.msg);
		return done(r);
	}
	if (!resp.first || !ck_xml_is(resp.first, CK_NS_WSNT, "Notify"))
		ck_log_warn("push from %s: not a wsnt:Notify (%s)", peer,
		    resp.first ? resp.first->name : "empty body");
	else if (deliver_all(r, resp.first, &e) < 0)
		ck_log_warn("push from %s: %s", peer, e.msg);
	ck_soap_resp_free(&resp);
	return done(r);
}

static int
wait_push(run *r, ck_err *e)
{
	int64_t d = next_deadline(r, ck_clock_now_ms() + 1000);

	return ck_evhttp_serve(r->lis, d, on_notify, r, e) < 0 ? -1 : 0;
}

static void
backoff_sleep(run *r, int64_t ms)
{
	int64_t until = ck_clock_now_ms() + ms;

	while (!done(r) && ck_clock_now_ms() < until) {
		if (r->lis) {
			ck_err e;
			/* Keep answering pushes that still arrive. */
			ck_evhttp_serve(r->lis, until < ck_clock_now_ms() + 200 ? until
			    : ck_clock_now_ms() + 200, on_notify, r, &e);
		} else {
			poll(NULL, 0, 50);
		}
		expire(r, ck_clock_now_ms());
	}
}

/* The subscription loop. Returns the exit status. */
static int
loop(run *r)
{
	int64_t backoff = 0;
	int first = 1;
	ck_err e;

	while (!done(r)) {
		int rc = 0;

		if (!r->subscribed) {
			rc = subscribe(r, &e);
			if (rc < 0 && first)
				return ck_tool_fail(&e);
			first = 0;
		}
		if (rc == 0 && ck_clock_now_ms() >= r->renew_at && renew(r, &e) < 0) {
			if (stop_sig)
				break;
			ck_log_warn("renew failed (%s); subscribing again", e.msg);
			unsubscribe(r);
			continue;
		}
		if (rc == 0)
			rc = r->a->push ? wait_push(r, &e) : pull(r, &e);
		expire(r, ck_clock_now_ms());
		reap(r, 0);
		if (rc == 0) {
			backoff = 0;
			continue;
		}
		if (done(r))
			break;
		if (e.kind == CK_NOPERM || e.kind == CK_USAGE || e.kind == CK_CONFIG)
			return ck_tool_fail(&e);
		backoff = backoff ? backoff * 2 : 500;
		if (backoff > r->a->backoff_max_ms)
			backoff = r->a->backoff_max_ms;
		ck_log_warn("%s; subscribing again in %lld ms", e.msg, (long long)backoff);
		drop_sub(r);
		backoff_sleep(r, backoff);
	}
	return 0;
}

static void
topic_cb(void *arg, const char *topic, const char *ns, const ck_xml_node *descr)
{
	run *r = arg;
	static const char *const parts[] = { "Source", "Key", "Data" };
	size_t i;

	ck_json_record(r->j, "topic");
	ck_json_str(r->j, "topic", topic);
	if (ns && ns[0])
		ck_json_str(r->j, "topic_ns", ns);
	if (descr) {
		const char *p = ck_xml_attr(descr, "IsProperty");
		if (p)
			ck_json_bool(r->j, "property", ck_xml_bool(p) == 1);
		for (i = 0; i < 3; i++) {
			const ck_xml_node *s = ck_xml_child(descr, CK_NS_TT, parts[i]), *d;
			if (!s)
				continue;
			ck_json_obj(r->j, i == 0 ? "source" : i == 1 ? "key" : "data");
			for (d = ck_xml_child(s, NULL, "SimpleItemDescription"); d;
			    d = ck_xml_next(d, NULL, "SimpleItemDescription"))
				if (ck_xml_attr(d, "Name"))
					ck_json_str(r->j, ck_xml_attr(d, "Name"),
					    ck_xml_attr(d, "Type"));
			ck_json_end(r->j);
		}
	}
	ck_json_str(r->j, "device", device(r));
	output(r, 0);
}

static int
list_topics(run *r)
{
	ck_soap_resp resp;
	ck_err e;
	char *body = ck_events_body_get_properties();
	int n;

	if (!body || ck_onvif_call(r->c, "events", body, &resp, &e) < 0) {
		free(body);
		if (!body)
			ck_err_set(&e, CK_SOFTWARE, "out of memory");
		return ck_tool_fail(&e);
	}
	free(body);
	if (!resp.first || strcmp(resp.first->name, "GetEventPropertiesResponse")) {
		ck_soap_resp_free(&resp);
		ck_err_set(&e, CK_PROTO, "expected GetEventPropertiesResponse");
		return ck_tool_fail(&e);
	}
	n = ck_events_topics(resp.first, topic_cb, r, &e);
	ck_soap_resp_free(&resp);
	if (n < 0)
		return ck_tool_fail(&e);
	return r->out_err ? CK_IOERR : n == 0 ? CK_EMPTY : 0;
}

/* Sets up clients and listener, runs, tears down. */
static int
subscribe_main(const args *a, ck_cred *cred)
{
	ck_onvif_target t;
	ck_onvif_opts po = a->o;
	run r;
	ck_err e;
	int rc;

	memset(&r, 0, sizeof r);
	r.a = a;
	r.end_at = a->duration_ms > 0 ? ck_clock_now_ms() + a->duration_ms : -1;
	r.j = ck_json_new();
	if (!r.j || ck_onvif_target_parse(a->target, &t, &e) < 0 ||
	    !(r.c = ck_onvif_new(&t, &a->o, cred, &e))) {
		if (!r.j)
			ck_err_set(&e, CK_SOFTWARE, "out of memory");
		ck_json_free(r.j);
		return ck_tool_fail(&e);
	}
	if (a->list_topics) {
		rc = list_topics(&r);
		goto out;
	}
	if (a->coalesce_ms > 0 && !(r.co = ck_coalesce_new(a->coalesce_ms))) {
		rc = CK_SOFTWARE;
		goto out;
	}
	if (a->push) {
		r.lis = ck_evhttp_listen(a->push_host, a->push_port, &e);
		if (!r.lis) {
			rc = ck_tool_fail(&e);
			goto out;
		}
		snprintf(r.consumer, sizeof r.consumer, strchr(a->push_host, ':')
		    ? "http://[%s]:%d/" : "http://%s:%d/", a->push_host,
		    ck_evhttp_port(r.lis));
		ck_log_info("listening for notifications at %s", r.consumer);
	} else {
		/* PullMessages holds the request for up to --pull-timeout. */
		po.timeout_ms = a->o.timeout_ms + a->pull_ms;
		r.pc = ck_onvif_new(&t, &po, cred, &e);
		if (!r.pc) {
			rc = ck_tool_fail(&e);
			goto out;
		}
	}
	rc = loop(&r);
	expire(&r, INT64_MAX);
	unsubscribe(&r);
	if (rc == 0 && r.out_err)
		rc = CK_IOERR;
	if (r.out_err == 2)
		clearerr(stdout);   /* said nothing about EPIPE: keep it so */
	if (rc == 0 && r.events == 0 && !stop_sig)
		rc = CK_EMPTY;
out:
	forget_seen(&r);
	reap(&r, 1);
	drop_sub(&r);
	ck_coalesce_free(r.co);
	ck_evhttp_free(r.lis);
	ck_onvif_free(r.pc);
	ck_onvif_free(r.c);
	ck_json_free(r.j);
	return rc;
}

static int
dur_opt(const char *name, const char *s, long long min, long long *out)
{
	ck_err e;

	if (ck_opt_parse_duration(s, out, &e) < 0 || *out < min || *out > 86400000LL * 366)
		return ck_tool_usage_err("%s: '%s' is not a valid duration", name, s);
	return 0;
}

static int
parse_opt(args *a, int c, const char *arg)
{
	ck_err e;
	long long v;

	switch (c) {
	case O_TOPIC:
		if (ck_events_check_topic(arg, &e) < 0)
			return ck_tool_usage_err("%s", e.msg);
		if (strlen(a->topics) + strlen(arg) + 2 > sizeof a->topics)
			return ck_tool_usage_err("too many --topic values");
		if (a->topics[0])
			strcat(a->topics, "|");
		strcat(a->topics, arg);
		return 0;
	case O_TOPICS: a->list_topics = 1; return 0;
	case O_PUSH:
		a->push = arg;
		if (ck_opt_parse_hostport(arg, a->push_host, sizeof a->push_host,
		    &a->push_port, -1, &e) < 0 || a->push_port < 0)
			return ck_tool_usage_err("--push: '%s' is not HOST:PORT", arg);
		if (!strcmp(a->push_host, "0.0.0.0") || !strcmp(a->push_host, "::") ||
		    !a->push_host[0])
			return ck_tool_usage_err("--push: give the address the camera can reach "
			    "us at, not a wildcard");
		return 0;
	case 'c':
		if (ck_opt_parse_int(arg, 1, 1LL << 40, &a->count, &e) < 0)
			return ck_tool_usage_err("--count: %s", e.msg);
		return 0;
	case 'd': return dur_opt("--duration", arg, 1, &a->duration_ms);
	case O_COALESCE: return dur_opt("--coalesce", arg, 1, &a->coalesce_ms);
	case O_PULL_TIMEOUT: return dur_opt("--pull-timeout", arg, 100, &a->pull_ms);
	case O_TERMINATION: return dur_opt("--termination", arg, 1000, &a->term_ms);
	case O_BACKOFF_MAX: return dur_opt("--backoff-max", arg, 1, &a->backoff_max_ms);
	case O_LIMIT:
		if (ck_opt_parse_int(arg, 1, 10000, &v, &e) < 0)
			return ck_tool_usage_err("--limit: %s", e.msg);
		a->limit = (int)v;
		return 0;
	case O_EXEC:
		ck_events_argv_free(a->exec_argv);
		if (ck_events_split_argv(arg, &a->exec_argv, &e) < 0)
			return ck_tool_usage_err("%s", e.msg);
		return 0;
	case 'v': ck_log_verbosity++; return 0;
	default: return ck_tool_usage_err("unknown option");
	}
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		CK_ONVIF_LONGOPTS,
		{ "topic", required_argument, NULL, O_TOPIC },
		{ "topics", no_argument, NULL, O_TOPICS },
		{ "push", required_argument, NULL, O_PUSH },
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "coalesce", required_argument, NULL, O_COALESCE },
		{ "exec", required_argument, NULL, O_EXEC },
		{ "pull-timeout", required_argument, NULL, O_PULL_TIMEOUT },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "termination", required_argument, NULL, O_TERMINATION },
		{ "backoff-max", required_argument, NULL, O_BACKOFF_MAX },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static args a;
	struct sigaction sa;
	char *line = NULL;
	size_t cap = 0;
	ck_cred cred;
	ck_err e;
	int c, rc;

	ck_log_init(argv[0]);
	ck_onvif_opts_init(&a.o);
	a.pull_ms = 5000;
	a.term_ms = 60000;
	a.backoff_max_ms = 30000;
	a.limit = 100;
	while ((c = getopt_long(argc, argv, CK_ONVIF_SHORTOPTS "c:d:vhV", lo, NULL))
	    != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return ck_tool_finish(0);
		}
		if (c == 'V')
			return ck_tool_version();
		if (c == '?')
			return ck_tool_usage_err("unknown option");
		rc = ck_onvif_getopt(c, optarg, &a.o);
		if (rc < 0 || (rc == 0 && parse_opt(&a, c, optarg) != 0))
			return CK_USAGE;
	}
	if (argc - optind > 1)
		return ck_tool_usage_err("one target at a time");
	if (optind < argc) {
		a.target = argv[optind];
	} else if (isatty(0)) {
		return ck_tool_usage_err("no target: give one or pipe an onvif-discover record");
	} else {
		ssize_t n = getline(&line, &cap, stdin);
		if (n <= 0) {
			free(line);
			return ck_tool_usage_err("no target on stdin");
		}
		line[strcspn(line, "\r\n")] = '\0';
		a.target = line;
	}
	if (ck_onvif_cred(&a.o, NULL, &cred, &e) < 0)
		return ck_tool_fail(&e);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;   /* no SA_RESTART: waits end early */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = subscribe_main(&a, &cred);
	ck_cred_wipe(&cred);
	ck_events_argv_free(a.exec_argv);
	free(line);
	return ck_tool_finish(rc);
}
