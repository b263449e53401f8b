/* onvif-time: read (and optionally set) ONVIF devices' clocks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/err.h"
#include "codec/json.h"
#include "base/log.h"
#include "onvif/onvif.h"
#include "cli/onvifopts.h"
#include "cli/opts.h"
#include "cli/targets.h"
#include "cli/tool.h"
#include "codec/xml.h"

static const char usage[] = "Usage: onvif-time [options] [TARGET...]";
static const char about[] =
    "Reads the clock of ONVIF devices (GetSystemDateAndTime) and prints one\n"
    "NDJSON record per device. TARGET is a device service URL or host[:port];\n"
    "without TARGET, targets are read from stdin, one per line (URL, host, or\n"
    "an NDJSON record with an \"xaddrs\" array, as onvif-discover prints).\n";
static const char footer[] =
    "Exit: 0 ok, 1 no target on stdin, 64 usage, 65 malformed reply,\n"
    "66 password file missing, 68 unknown host, 69 unreachable, 74 I/O error,\n"
    "75 timeout, 76 SOAP fault, 77 auth, 78 bad credentials file.\n";

enum { OPT_SET = CK_OPTS_TOOL, OPT_NTP };

static const ck_opts_opt time_opts[] = {
	{ "set", OPT_SET, CK_OPTS_NOARG, NULL, "set the device clock to this host's UTC (Manual)" },
	{ "ntp", OPT_NTP, CK_OPTS_ARG, "SERVER", "switch the device to NTP with SERVER" },
	{ NULL, 0, 0, NULL, NULL }
};

struct job {
	int set;
	const char *ntp;
	ck_onvif_opts o;
	ck_cred cred;
	int jobs;
};

/* "2024-07-09T19:49:06Z" from the six fields; local time has no zone. */
static void
fmt_dt(const int v[6], int utc, char *out, size_t n)
{
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d%s", v[0], v[1], v[2], v[3],
	    v[4], v[5], utc ? "Z" : "");
}

static int
set_clock(ck_onvif *c, const ck_onvif_time *t, const char *ntp, ck_err *e)
{
	char body[1024], srv[512], *es;
	ck_soap_resp r;
	const char *typ;
	struct tm tm;
	time_t tt;

	if (ntp) {
		typ = strchr(ntp, ':') ? "IPv6" : strspn(ntp, "0123456789.") == strlen(ntp)
		    ? "IPv4" : "DNS";
		es = ck_xml_escape(ntp);
		if (es == NULL)
			return ck_err_set(e, CK_SOFTWARE, "out of memory");
		snprintf(srv, sizeof srv, "<tt:Type>%s</tt:Type><tt:%s>%s</tt:%s>", typ,
		    strcmp(typ, "DNS") == 0 ? "DNSname" : strcmp(typ, "IPv4") == 0 ?
		    "IPv4Address" : "IPv6Address", es, strcmp(typ, "DNS") == 0 ? "DNSname" :
		    strcmp(typ, "IPv4") == 0 ? "IPv4Address" : "IPv6Address");
		free(es);
		snprintf(body, sizeof body, "<tds:SetNTP xmlns:tds=\"" CK_NS_TDS "\" "
		    "xmlns:tt=\"" CK_NS_TT "\"><tds:FromDHCP>false</tds:FromDHCP>"
		    "<tds:NTPManual>%s</tds:NTPManual></tds:SetNTP>", srv);
		if (ck_onvif_call(c, "device", body, &r, e) < 0)
			return ck_err_wrap(e, "SetNTP");
		ck_soap_resp_free(&r);
		snprintf(body, sizeof body, "<tds:SetSystemDateAndTime xmlns:tds=\""
		    CK_NS_TDS "\"><tds:DateTimeType>NTP</tds:DateTimeType>"
		    "<tds:DaylightSavings>%s</tds:DaylightSavings>"
		    "</tds:SetSystemDateAndTime>", t->dst == 1 ? "true" : "false");
	} else {
		/* the device takes whole seconds: send at a second boundary (less
		 * half the round trip) so that it lands exactly */
		int64_t rtt = ck_onvif_last(c)->rtt_ms, ms = ck_clock_wall_ms();
		int64_t wait = 1000 - (ms + rtt / 2) % 1000;
		struct timespec ts = { 0, (long)(wait % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		tt = (time_t)((ck_clock_wall_ms() + rtt / 2 + 500) / 1000);
		gmtime_r(&tt, &tm);
		snprintf(body, sizeof body, "<tds:SetSystemDateAndTime xmlns:tds=\""
		    CK_NS_TDS "\" xmlns:tt=\"" CK_NS_TT "\"><tds:DateTimeType>Manual"
		    "</tds:DateTimeType><tds:DaylightSavings>%s</tds:DaylightSavings>"
		    "<tds:UTCDateTime><tt:Time><tt:Hour>%d</tt:Hour><tt:Minute>%d</tt:Minute>"
		    "<tt:Second>%d</tt:Second></tt:Time><tt:Date><tt:Year>%d</tt:Year>"
		    "<tt:Month>%d</tt:Month><tt:Day>%d</tt:Day></tt:Date></tds:UTCDateTime>"
		    "</tds:SetSystemDateAndTime>", t->dst == 1 ? "true" : "false",
		    tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday);
	}
	if (ck_onvif_call(c, "device", body, &r, e) < 0)
		return ck_err_wrap(e, "SetSystemDateAndTime");
	ck_soap_resp_free(&r);
	if (!ntp)   /* the device now runs on our clock */
		ck_onvif_set_offset_ms(c, 0);
	return 0;
}

static void
emit_time(struct job *jb, ck_json *j, const char *url, const ck_onvif_time *t,
    int64_t off, int64_t rtt)
{
	char buf[64];

	ck_json_record(j, "time");
	ck_json_str(j, "device", url);
	ck_json_time_ms(j, "ts", ck_clock_wall_ms());
	if (t->has_utc) {
		fmt_dt(t->utc, 1, buf, sizeof buf);
		ck_json_str(j, "utc", buf);
	} else
		ck_json_null(j, "utc");
	if (t->has_local) {
		fmt_dt(t->local, 0, buf, sizeof buf);
		ck_json_str(j, "local", buf);
	} else
		ck_json_null(j, "local");
	ck_json_str(j, "tz", t->tz);
	if (t->dst < 0)
		ck_json_null(j, "dst");
	else
		ck_json_bool(j, "dst", t->dst);
	ck_json_str(j, "date_time_type", t->date_time_type);
	if (t->has_utc)
		ck_json_num(j, "offset_s", (double)off / 1000.0, 3);
	else
		ck_json_null(j, "offset_s");
	ck_json_int(j, "rtt_ms", rtt);
	if (jb->set)
		ck_json_str(j, "set", "manual");
	else if (jb->ntp)
		ck_json_str(j, "set", "ntp");
	if (jb->ntp)
		ck_json_str(j, "ntp", jb->ntp);
}

/* One target: returns its exit status, after printing its record. */
static int
one(void *ctx, const char *arg)
{
	struct job *jb = ctx;
	ck_onvif_target tg;
	ck_onvif *c = NULL;
	ck_onvif_time t;
	int64_t off = 0, rtt = 0;
	ck_err e = { 0, "" };
	ck_json *j = ck_json_new();
	int rc = 0;

	if (j == NULL) {
		ck_log_warn("out of memory");
		return CK_SOFTWARE;
	}
	if ((c = ck_onvifopts_open(arg, &tg, &jb->o, &jb->cred, &e)) == NULL)
		goto fail;
	if (ck_onvif_get_time(c, &t, &off, &rtt, &e) < 0)
		goto fail;
	if (jb->set || jb->ntp) {
		if (set_clock(c, &t, jb->ntp, &e) < 0 ||
		    ck_onvif_get_time(c, &t, &off, &rtt, &e) < 0)
			goto fail;
	}
	emit_time(jb, j, tg.url, &t, off, rtt);
	goto out;
fail:
	ck_onvif_free(c);
	rc = ck_targets_fail(j, &tg, arg, &e);
	ck_json_free(j);
	return rc;
out:
	ck_onvif_free(c);
	rc = ck_err_worst(rc, ck_targets_emit(j));
	ck_json_free(j);
	return rc;
}

static int
time_opt(void *ctx, int key, const char *arg, ck_err *e)
{
	struct job *jb = ctx;

	if (key == OPT_SET) {
		jb->set = 1;
		return 0;
	}
	jb->ntp = arg;
	if (arg[0] == '\0' || strlen(arg) > 255 ||
	    strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-:") != strlen(arg))
		return ck_err_set(e, CK_USAGE, "--ntp: '%s' is not a host name or address", arg);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct job jb;
	const ck_opts_tool tool = { usage, about, footer, NULL, 0 };
	int arg0, rc;

	ck_log_init(argv[0]);
	if (!ck_onvifopts_parse_multi(&tool, (ck_opts_block){ NULL, time_opts, time_opt, &jb },
	    &jb.jobs, &jb.o, argc, argv, &arg0, &rc))
		return rc;
	if (jb.set && jb.ntp)
		return ck_tool_usage_err("--set and --ntp exclude each other");
	if ((rc = ck_onvifopts_targets(&jb.o, argv + arg0, argc - arg0, &jb.cred)) != 0)
		return rc;
	return ck_onvifopts_run(argv + arg0, argc - arg0, jb.jobs, one, &jb, &jb.cred);
}
