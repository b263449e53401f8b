/* onvif-media: media profiles with their stream and snapshot URIs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/cred.h"
#include "base/err.h"
#include "codec/json.h"
#include "base/log.h"
#include "onvif/media.h"
#include "onvif/onvif.h"
#include "cli/onvifopts.h"
#include "cli/opts.h"
#include "cli/targets.h"
#include "cli/tool.h"

static const char usage[] = "Usage: onvif-media [options] [TARGET...]";
static const char about[] =
    "Lists a device's media profiles (Media2 when offered, else Media) with\n"
    "encoding, resolution, frame rate, bitrate, PTZ configuration, RTSP stream\n"
    "URI and snapshot URI: one NDJSON record per profile. TARGET is a device\n"
    "service URL or host[:port]; without TARGET, one per stdin line (URL, host,\n"
    "or an onvif-discover record).\n";
static const char footer[] =
    "Exit: 0 ok, 1 no profile or no target on stdin, 64 usage, 65 malformed\n"
    "reply, 66 password file missing, 68 unknown host, 69 unreachable,\n"
    "74 I/O error, 75 timeout, 76 SOAP fault, 77 auth, 78 bad credentials file.\n";

enum { OPT_TRANSPORT = CK_OPTS_TOOL, OPT_MEDIA, OPT_NO_URI, OPT_WITH_CRED, OPT_CHECK };

static const ck_opts_opt media_opts[] = {
	{ "profile", 'p', CK_OPTS_ARG, "TOKEN", "only this profile" },
	{ "transport", OPT_TRANSPORT, CK_OPTS_ARG, "T", "udp (default), tcp (RTSP interleaved) or http" },
	{ "media", OPT_MEDIA, CK_OPTS_ARG, "VERSION", "auto (default), 1 (Media) or 2 (Media2)" },
	{ "no-uri", OPT_NO_URI, CK_OPTS_NOARG, NULL, "profiles only: no GetStreamUri/GetSnapshotUri" },
	{ "with-credentials", OPT_WITH_CRED, CK_OPTS_NOARG, NULL,
	    "put user:password (percent-encoded) in the RTSP URI" },
	{ "check", OPT_CHECK, CK_OPTS_NOARG, NULL, "RTSP OPTIONS and DESCRIBE of each stream URI: status,\n"
	    "codecs, clock rates, resolution" },
	{ NULL, 0, 0, NULL, NULL }
};

struct job {
	const char *profile;
	int transport, media, no_uri, with_cred, check;
	ck_onvif_opts o;
	ck_cred cred;
	int jobs;
};

static const char *const tnames[] = { "udp", "tcp", "http" };

static void
put_opt_int(ck_json *j, const char *k, long v)
{
	if (v < 0)
		ck_json_null(j, k);
	else
		ck_json_int(j, k, v);
}

static void
put_opt_str(ck_json *j, const char *k, const char *v)
{
	ck_json_str(j, k, v && *v ? v : NULL);
}

/* --check: the "check" object of a profile record (RTSP statuses, the SDP's
 * streams, whether the host was rewritten). Returns the check's status. */
static int
check_json(ck_json *j, ck_onvif *c, const ck_onvif_target *tg, const char *uri,
    int rewritten)
{
	ck_media_check k;
	ck_err e = { 0, "" };
	int rc = ck_media_check_stream(c, uri, &k, &e) < 0 ? (e.kind ? e.kind : CK_SOFTWARE) : 0;

	if (rc)
		ck_log_warn("%s: %s", tg->url, e.msg);
	ck_json_obj(j, "check");
	ck_json_bool(j, "ok", rc == 0);
	put_opt_int(j, "options_status", k.options_status ? k.options_status : -1);
	put_opt_int(j, "rtsp_status", k.describe_status ? k.describe_status : -1);
	ck_json_bool(j, "host_rewritten", rewritten);
	ck_json_arr(j, "streams");
	for (int i = 0; i < k.nstreams; i++) {
		ck_json_obj(j, NULL);
		ck_json_str(j, "media", k.streams[i].media);
		put_opt_str(j, "codec", k.streams[i].codec);
		put_opt_int(j, "clock_rate", k.streams[i].clock_rate);
		put_opt_int(j, "width", k.streams[i].width);
		put_opt_int(j, "height", k.streams[i].height);
		ck_json_end(j);
	}
	ck_json_end(j);
	if (rc) {
		ck_json_str(j, "error", ck_err_kind_name(rc));
		ck_json_str(j, "message", e.msg);
	}
	ck_json_end(j);
	return rc;
}

/* URIs of profile p, then its record. Returns the profile's status. */
static int
one_profile(struct job *jb, ck_json *j, ck_onvif *c, const ck_onvif_target *tg,
    int v, const ck_media_profile *p)
{
	char uri[2048] = "", snap[2048] = "", adv[2048] = "", cu[4096];
	ck_err e = { 0, "" }, se = { 0, "" };
	int rc = 0, have_uri = 0, have_snap = 0;

	if (!jb->no_uri) {
		if (ck_media_get_uri(c, v, ck_media_stream_uri_body(v, p->token, jb->transport),
		    adv, sizeof adv, &e) == 0) {
			have_uri = 1;
			if (jb->o.trust_xaddrs ||
			    ck_media_uri_rehost(adv, tg->host, uri, sizeof uri) < 0)
				snprintf(uri, sizeof uri, "%s", adv);
			else if (strcmp(uri, adv) != 0)
				ck_log_info("stream URI %s rewritten to %s (--trust-xaddrs keeps it)",
				    adv, uri);
		} else {
			ck_log_warn("%s: profile %s: GetStreamUri: %s", tg->url, p->token, e.msg);
			rc = e.kind ? e.kind : CK_SOFTWARE;
		}
		if (ck_media_get_uri(c, v, ck_media_snapshot_uri_body(v, p->token), snap,
		    sizeof snap, &se) == 0)
			have_snap = 1;
		else
			ck_log_info("profile %s: no snapshot URI (%s)", p->token, se.msg);
	}
	ck_json_record(j, "profile");
	ck_json_str(j, "device", tg->url);
	ck_json_time_ms(j, "ts", ck_clock_wall_ms());
	ck_json_int(j, "media", v);
	ck_json_str(j, "token", p->token);
	ck_json_str(j, "name", p->name);
	ck_json_bool(j, "fixed", p->fixed);
	put_opt_str(j, "video_source", p->video_source);
	put_opt_str(j, "encoding", p->encoding);
	put_opt_int(j, "width", p->width);
	put_opt_int(j, "height", p->height);
	if (p->frame_rate < 0)
		ck_json_null(j, "frame_rate");
	else
		ck_json_num(j, "frame_rate", p->frame_rate, 3);
	put_opt_int(j, "bitrate_kbps", p->bitrate_kbps);
	put_opt_str(j, "audio_encoding", p->audio_encoding);
	put_opt_str(j, "ptz_configuration", p->ptz_config);
	if (!jb->no_uri) {
		ck_json_str(j, "transport", tnames[jb->transport]);
		if (have_uri && jb->with_cred &&
		    ck_media_uri_with_cred(uri, ck_onvif_user(c), ck_onvif_password(c), cu,
		    sizeof cu, &e) == 0) {
			ck_json_str(j, "stream_uri", cu);
			ck_cred_wipe_mem(cu, sizeof cu);
		} else
			ck_json_str(j, "stream_uri", have_uri ? uri : NULL);
		if (have_uri && strcmp(uri, adv) != 0)
			ck_json_str(j, "advertised_stream_uri", adv);
		ck_json_str(j, "snapshot_uri", have_snap ? snap : NULL);
		if (jb->check && have_uri)
			rc = ck_err_worst(rc, check_json(j, c, tg, uri, strcmp(uri, adv) != 0));
	}
	return ck_err_worst(rc, ck_targets_emit(j));
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
	int v, n = 0, i, rc = 0, shown = 0;

	if (j == NULL) {
		ck_log_warn("out of memory");
		return CK_SOFTWARE;
	}
	if ((c = ck_onvifopts_open(arg, &tg, &jb->o, &jb->cred, &e)) == NULL ||
	    (v = ck_media_version(c, jb->media, &e)) < 0)
		goto fail;
	ck_log_info("%s: using Media%s", tg.url, v == 2 ? "2" : "");
	if ((n = ck_media_get_profiles(c, v, &p, &e)) < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		if (jb->profile && strcmp(jb->profile, p[i].token) != 0)
			continue;
		shown++;
		rc = ck_err_worst(rc, one_profile(jb, j, c, &tg, v, &p[i]));
	}
	if (jb->profile && shown == 0) {
		ck_err_set(&e, CK_EMPTY, "no profile with token '%s'", jb->profile);
		goto fail;
	}
	if (n == 0) {
		ck_log_warn("%s: the device has no media profile", tg.url);
		rc = CK_EMPTY;
	}
	free(p);
	ck_onvif_free(c);
	ck_json_free(j);
	return rc;
fail:
	free(p);
	ck_onvif_free(c);
	rc = ck_targets_fail(j, &tg, arg, &e);
	ck_json_free(j);
	return rc;
}

static int
media_opt(void *ctx, int key, const char *arg, ck_err *e)
{
	struct job *jb = ctx;

	switch (key) {
	case 'p': jb->profile = arg; return 0;
	case OPT_TRANSPORT:
		if ((jb->transport = ck_media_transport(arg)) < 0)
			return ck_err_set(e, CK_USAGE, "--transport: '%s' (udp, tcp or http)", arg);
		return 0;
	case OPT_MEDIA:
		if ((jb->media = ck_media_version_arg(arg)) < 0)
			return ck_err_set(e, CK_USAGE, "--media: '%s' (auto, 1 or 2)", arg);
		return 0;
	case OPT_NO_URI: jb->no_uri = 1; return 0;
	case OPT_WITH_CRED: jb->with_cred = 1; return 0;
	case OPT_CHECK: jb->check = 1; return 0;
	}
	return ck_err_set(e, CK_SOFTWARE, "unhandled option");
}

int
main(int argc, char **argv)
{
	static struct job jb;
	const ck_opts_tool tool = { usage, about, footer, NULL, 0 };
	int arg0, rc;

	ck_log_init(argv[0]);
	if (!ck_onvifopts_parse_multi(&tool, (ck_opts_block){ NULL, media_opts, media_opt, &jb },
	    &jb.jobs, &jb.o, argc, argv, &arg0, &rc))
		return rc;
	if ((jb.with_cred || jb.check) && jb.no_uri)
		return ck_tool_usage_err("%s needs the URIs (drop --no-uri)",
		    jb.check ? "--check" : "--with-credentials");
	if ((rc = ck_onvifopts_targets(&jb.o, argv + arg0, argc - arg0, &jb.cred)) != 0)
		return rc;
	if (jb.with_cred && !jb.cred.have_pass) {
		ck_cred_wipe(&jb.cred);
		return ck_tool_usage_err("--with-credentials: no password configured "
		    "(--password-file, ONVIF_PASSWORD or the credentials file)");
	}
	return ck_onvifopts_run(argv + arg0, argc - arg0, jb.jobs, one, &jb, &jb.cred);
}
