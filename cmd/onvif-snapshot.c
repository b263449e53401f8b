/* onvif-snapshot: still images of ONVIF cameras (GetSnapshotUri, then an
 * HTTP GET with the device's credentials), checked to be JPEG. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/opt.h"
#include "cli/onvifopts.h"
#include "cli/opts.h"
#include "cli/targets.h"
#include "cli/tool.h"
#include "codec/json.h"
#include "net/net.h"
#include "onvif/media.h"
#include "onvif/onvif.h"
#include "onvif/snapshot.h"

static const char usage[] = "Usage: onvif-snapshot [options] [TARGET...]";
static const char about[] =
"Grabs a still image of each ONVIF device: GetSnapshotUri of the profile\n"
"(Media2, falling back to Media), then an HTTP GET with the device's\n"
"credentials (Digest or Basic, as the camera asks), checked to be a JPEG.\n"
"With -o DIR, each image is written to DIR/DEVICE-PROFILE-TIME.jpg and a\n"
"\"snapshot\" record printed per file; without it, the one image goes to\n"
"stdout (never a terminal). TARGET is a device service URL or host[:port];\n"
"without TARGET, one per stdin line (URL, host, or an onvif-discover record).\n";
static const char footer[] =
"Exit: 0 ok, 1 no profile or no target on stdin, 64 usage, 65 not a JPEG or\n"
"a malformed reply, 66 password file missing, 68 unknown host,\n"
"69 unreachable, 74 I/O error, 75 timeout, 76 SOAP fault or HTTP error,\n"
"77 auth, 78 bad credentials file.\n";

enum { O_ALL = CK_OPTS_TOOL, O_EVERY, O_COUNT, O_MEDIA };

static const ck_opts_opt snap_opts[] = {
	{ "profile", 'p', CK_OPTS_ARG, "TOKEN", "this profile (default: the first)" },
	{ "all-profiles", O_ALL, CK_OPTS_NOARG, NULL, "every profile of each device (needs -o)" },
	{ "output", 'o', CK_OPTS_ARG, "DIR", "write DEVICE-PROFILE-TIME.jpg files into DIR" },
	{ "every", O_EVERY, CK_OPTS_ARG, "DUR", "grab again every DUR until interrupted (needs -o)" },
	{ "count", O_COUNT, CK_OPTS_ARG, "N", "with --every: stop after N rounds" },
	{ "media", O_MEDIA, CK_OPTS_ARG, "VERSION", "auto (default), 1 (Media) or 2 (Media2)" },
	{ NULL, 0, 0, NULL, NULL }
};

struct job {
	ck_onvif_opts o;
	ck_cred cred;
	const char *profile, *dir;
	int all, media;
	long long every_ms, count;
	int jobs;
};

static volatile sig_atomic_t stop_sig;

static void
on_signal(int s)
{
	stop_sig = s;
}

/* s with every byte outside [A-Za-z0-9._-] replaced by '_'. */
static void
safe_name(const char *s, char *out, size_t n)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < n; i++)
		out[i] = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '-' ? s[i] : '_';
	out[i] = '\0';
}

/* Writes the image to DIR/DEVICE-PROFILE-TIME.jpg (through a temporary
 * name, so a reader never sees half a file); the path into path. */
static int
write_file(struct job *jb, const ck_onvif_target *tg, const char *token,
    const ck_http_resp *r, int64_t ms, char *path, size_t n, ck_err *e)
{
	char dev[300], prof[160], hp[300], tmp[4200], ts[32];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	int fd;

	snprintf(hp, sizeof hp, "%s_%d", tg->host, tg->port);
	safe_name(hp, dev, sizeof dev);
	safe_name(token, prof, sizeof prof);
	gmtime_r(&t, &tm);
	strftime(ts, sizeof ts, "%Y%m%dT%H%M%S", &tm);
	snprintf(path, n, "%s/%s-%s-%s.%03dZ.jpg", jb->dir, dev, prof, ts, (int)(ms % 1000));
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return ck_err_set(e, CK_IOERR, "%s: %s", tmp, strerror(errno));
	/* a regular file: never waits, the deadline is moot */
	errno = 0;
	if (ck_net_write_all(fd, r->body, r->len, ck_clock_now_ms() + 10000, NULL) < 0) {
		int err = errno;
		close(fd);
		errno = err;
	} else if (close(fd) == 0 && rename(tmp, path) == 0) {
		return 0;
	}
	ck_err_set(e, CK_IOERR, "%s: %s", path, strerror(errno ? errno : EIO));
	unlink(tmp);
	return -1;
}

/* One profile's image: to a file with its record, or to stdout. */
static int
one_profile(struct job *jb, ck_json *j, ck_onvif *c, int v, const char *token,
    ck_err *e)
{
	const ck_onvif_target *tg = ck_onvif_get_target(c);
	char uri[2048], adv[2048], path[4096];
	ck_http_resp r;
	int64_t ms;

	if (ck_snapshot_uri(c, v, token, uri, sizeof uri, adv, sizeof adv, e) < 0 ||
	    ck_snapshot_fetch(c, uri, &r, e) < 0)
		return ck_err_wrap(e, "profile %s", token);
	ms = ck_clock_wall_ms();
	if (jb->dir == NULL) {
		int ok = fwrite(r.body, 1, r.len, stdout) == r.len;
		ck_http_resp_free(&r);
		return ok ? 0 : ck_err_set(e, CK_IOERR, "stdout: %s", strerror(errno));
	}
	if (write_file(jb, tg, token, &r, ms, path, sizeof path, e) < 0) {
		ck_http_resp_free(&r);
		return -1;
	}
	ck_json_record(j, "snapshot");
	ck_json_str(j, "device", tg->url);
	ck_json_time_ms(j, "ts", ms);
	ck_json_str(j, "profile", token);
	ck_json_str(j, "file", path);
	ck_json_int(j, "bytes", (long long)r.len);
	ck_json_str(j, "content_type", r.content_type[0] ? r.content_type : NULL);
	ck_json_str(j, "uri", uri);
	if (strcmp(uri, adv) != 0)
		ck_json_str(j, "advertised_uri", adv);
	ck_http_resp_free(&r);
	return ck_targets_emit(j) ?
	    ck_err_set(e, CK_IOERR, "stdout: %s", strerror(errno)) : 0;
}

static int
one(void *ctx, const char *arg)
{
	struct job *jb = ctx;
	ck_onvif_target tg;
	ck_onvif *c = NULL;
	ck_media_profile *p = NULL;
	ck_err e = { 0, "" };
	ck_json *j = ck_json_new();
	int v, n, i, rc = 0, shown = 0;

	if (j == NULL) {
		ck_log_warn("out of memory");
		return CK_SOFTWARE;
	}
	if ((c = ck_onvifopts_open(arg, &tg, &jb->o, &jb->cred, &e)) == NULL ||
	    (v = ck_media_version(c, jb->media, &e)) < 0 ||
	    (n = ck_media_get_profiles(c, v, &p, &e)) < 0)
		goto fail;
	for (i = 0; i < n && (jb->all || jb->profile || shown == 0); i++) {
		ck_err pe = { 0, "" };
		if (jb->profile && strcmp(jb->profile, p[i].token) != 0)
			continue;
		shown++;
		if (one_profile(jb, j, c, v, p[i].token, &pe) < 0) {
			ck_log_warn("%s: %s", tg.url, pe.msg);
			if (jb->dir)
				ck_targets_error(j, stdout, tg.url, pe.kind, pe.msg);
			rc = ck_err_worst(rc, pe.kind ? pe.kind : CK_SOFTWARE);
		}
	}
	if (shown == 0) {
		ck_err_set(&e, CK_EMPTY, jb->profile ? "no profile with token '%s'" :
		    "the device has no media profile", jb->profile);
		goto fail;
	}
	free(p);
	ck_onvif_free(c);
	ck_json_free(j);
	return stop_sig ? rc | CK_TARGETS_STOP : rc;
fail:
	free(p);
	ck_onvif_free(c);
	ck_log_warn("%s", e.msg);
	rc = e.kind ? e.kind : CK_SOFTWARE;
	if (jb->dir)
		rc = ck_targets_error(j, stdout, tg.url[0] ? tg.url : arg, rc, e.msg);
	ck_json_free(j);
	return stop_sig ? rc | CK_TARGETS_STOP : rc;
}

/* Rounds of ck_targets_each, --every apart, until a signal or --count. */
static int
run(struct job *jb, char **targets, int n)
{
	int64_t next = ck_clock_now_ms();
	long long round = 0;
	int rc = 0;

	for (;;) {
		rc = ck_err_worst(rc, ck_targets_run(targets, n, jb->jobs, one, jb));
		round++;
		if (jb->every_ms <= 0 || stop_sig || (jb->count > 0 && round >= jb->count))
			break;
		next += jb->every_ms;
		while (!stop_sig && ck_clock_now_ms() < next)
			poll(NULL, 0, (int)(next - ck_clock_now_ms() > 200 ? 200 :
			    next - ck_clock_now_ms()));
		if (stop_sig)
			break;
	}
	return rc;
}

static int
snap_opt(void *ctx, int key, const char *arg, ck_err *e)
{
	struct job *jb = ctx;

	switch (key) {
	case 'p': jb->profile = arg; return 0;
	case O_ALL: jb->all = 1; return 0;
	case 'o': jb->dir = arg; return 0;
	case O_EVERY:
		if (ck_opt_parse_duration(arg, &jb->every_ms, NULL) < 0 || jb->every_ms < 100 ||
		    jb->every_ms > 86400000LL * 366)
			return ck_err_set(e, CK_USAGE, "--every: '%s' is not a duration of "
			    "100ms or more", arg);
		return 0;
	case O_COUNT:
		return ck_opt_parse_int(arg, 1, 1LL << 40, &jb->count, e) < 0 ?
		    ck_err_wrap(e, "--count") : 0;
	case O_MEDIA:
		return (jb->media = ck_media_version_arg(arg)) < 0 ? ck_err_set(e, CK_USAGE, "--media: '%s' (auto, 1 or 2)",
		    arg) : 0;
	}
	return ck_err_set(e, CK_SOFTWARE, "unhandled option");
}

/* The combinations that would put several images, or any on a terminal,
 * on stdout. Returns 0 or the usage status. */
static int
check_output(const struct job *jb, int ntargets)
{
	struct stat st;
	ck_err e = { 0, "" };

	if (jb->dir) {
		if (stat(jb->dir, &st) < 0 || !S_ISDIR(st.st_mode))
			return ck_tool_usage_err("-o: '%s' is not a directory", jb->dir);
		return 0;
	}
	if (jb->all || jb->every_ms > 0 || ntargets != 1)
		return ck_tool_usage_err("%s: several images need -o DIR (stdout takes one)",
		    jb->all ? "--all-profiles" : jb->every_ms > 0 ? "--every" :
		    "several or stdin targets");
	if (ck_tool_refuse_tty(1, "a JPEG image", &e) < 0)
		return ck_tool_usage_err("%s", e.msg);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct job jb;
	const ck_opts_tool tool = { usage, about, footer, NULL, 0 };
	struct sigaction sa;
	int arg0, rc;

	ck_log_init(argv[0]);
	if (!ck_onvifopts_parse_multi(&tool, (ck_opts_block){ NULL, snap_opts, snap_opt, &jb },
	    &jb.jobs, &jb.o, argc, argv, &arg0, &rc))
		return rc;
	if (jb.count > 0 && jb.every_ms <= 0)
		return ck_tool_usage_err("--count needs --every");
	if ((rc = check_output(&jb, argc - arg0)) != 0 ||
	    (rc = ck_onvifopts_targets(&jb.o, argv + arg0, argc - arg0, &jb.cred)) != 0)
		return rc;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;   /* no SA_RESTART: the wait ends early */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = run(&jb, argv + arg0, argc - arg0);
	ck_cred_wipe(&jb.cred);
	return ck_tool_finish(rc);
}
