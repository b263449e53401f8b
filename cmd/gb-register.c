/* gb-register: a GB/T 28181 device that registers with a platform (and
 * answers it like a device), or with --listen the platform's registrar. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/cred.h"
#include "base/err.h"
#include "base/log.h"
#include "base/opt.h"
#include "cli/gbopts.h"
#include "cli/notifyopts.h"
#include "cli/opts.h"
#include "cli/regopts.h"
#include "cli/tool.h"
#include "codec/json.h"
#include "gb/camera.h"
#include "gb/device.h"
#include "gb/event.h"
#include "gb/fleet.h"
#include "gb/manscdp.h"
#include "gb/registrar.h"
#include "media/psmux.h"

static const char usage[] =
"Usage: gb-register --server ID@HOST[:PORT] --device-id ID [options]\n"
"       gb-register --listen [ADDR]:PORT [options]";

static const char about[] =
"A GB/T 28181 device: registers with the platform (digest), refreshes,\n"
"sends keepalives, answers Catalog/DeviceInfo/DeviceStatus queries and\n"
"DeviceControl, unregisters on SIGINT/SIGTERM. With --listen, the platform's\n"
"registrar instead. NDJSON records on stdout.\n";

static const char footer[] =
"Exit: 0 ok (also after SIGINT/SIGTERM), 64 usage, 66 catalog or password\n"
"file missing, 65 bad catalog file, 68 unknown host, 69 unreachable or the\n"
"listen port in use, 74 stdout failed, 75 timeout, 76 SIP error status,\n"
"77 authentication rejected, 78 no password configured.\n";

struct opts {
	ck_gbopts gb;
	ck_regopts reg;
	const char *user, *catalog, *domain;
	int expires, max_missed, attempts, chunk;
	long long keepalive_ms, retry_ms;
	const char *name, *manufacturer, *model, *firmware;
	const char *media, *audio, *presets;
	int max_streams, records, count;
	long long ssrc;
	char domain_buf[32];
	ck_notifyopts ev;         /* --alarm-every, --position */
};

static volatile sig_atomic_t stop_flag;
static int out_failed;   /* stdout is gone (closed pipe, full disk) */

/* Emits the record; a failed write stops the main loop (exit 74). */
static void
emit(ck_json *j)
{
	if (ck_json_emit(j, stdout) < 0 && !out_failed) {
		out_failed = 1;
		stop_flag = 1;
	}
}

/* 1 at the first signal, 2 at the next: a platform waiting for its alarm
 * Responses to be answered quits at once then. */
static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = stop_flag ? 2 : 1;
}

/* ---------------------------- device side ----------------------------- */

static void
on_record(void *arg, ck_json *j)
{
	(void)arg;
	emit(j);
}

/* --count N: N devices with consecutive IDs in one loop. */
static int
run_fleet(const struct opts *o, const ck_device_opts *dopt, const ck_camera_opts *co,
    const ck_sip_opts *so)
{
	ck_err e;
	int started;
	ck_fleet_opts fo = { .count = o->count, .dev = *dopt, .cam = *co, .sip = *so };
	int rc = ck_fleet_main(&fo, &stop_flag, &started, &e);
	return rc && !started ? ck_tool_fail(&e) : rc;
}

static int
run_device(const struct opts *o, ck_cred *cred)
{
	ck_err e;
	char **items = NULL;
	long nitems = 0;
	int rc = 0;
	ck_sip *s = NULL;
	ck_device *d = NULL;
	ck_camera *cam = NULL;
	ck_psmux_media *media = NULL;
	ck_psmux_src src = { .video = o->media, .audio = o->audio };
	if (o->catalog && (nitems = ck_manscdp_items_file(o->catalog, &items, &e)) < 0)
		return ck_tool_fail(&e);
	if (o->media && (media = ck_psmux_media_open(&src, &e)) == NULL) {
		rc = ck_tool_fail(&e);
		goto out;
	}
	ck_device_opts dopt = { .server_id = o->gb.server_id, .server_host = o->gb.server_host,
	    .server_port = o->gb.server_port, .id = o->gb.device_id, .domain = o->domain,
	    .user = cred->user[0] ? cred->user : NULL,
	    .password = cred->have_pass ? cred->pass : NULL, .tcp = o->gb.tcp,
	    .expires = o->expires, .keepalive_ms = o->keepalive_ms,
	    .max_missed = o->max_missed, .retry_ms = o->retry_ms, .attempts = o->attempts,
	    .timeout_ms = o->gb.timeout_ms, .chunk = o->chunk, .name = o->name,
	    .manufacturer = o->manufacturer, .model = o->model, .firmware = o->firmware,
	    .items = items, .nitems = (size_t)nitems, .presets = o->presets,
	    .on_record = on_record };
	/* An IPv6 platform needs an IPv6 socket. */
	ck_sip_opts so = { .udp = 1, .port = o->gb.local_port,
	    .bind_addr = strchr(o->gb.server_host, ':') ? "::" : NULL,
	    .user_agent = "camkit gb-register/" CAMKIT_VERSION };
	if (media) {
		ck_psmux_info mi;
		ck_psmux_media_info(media, &mi);
		dopt.records = o->records;
		dopt.record_seconds = (int)((mi.duration + 89999) / 90000);
	}
	ck_camera_opts co = { .media = media, .id = o->gb.device_id,
	    .max_streams = o->max_streams, .ssrc = (uint32_t)o->ssrc, .records = o->records,
	    .on_record = on_record };
	if (o->count > 1) {
		rc = run_fleet(o, &dopt, &co, &so);
		goto out;
	}
	dopt.notify = ck_notifyopts_setup(&o->ev, &o->gb, o->domain, o->catalog, on_record);
	if ((s = ck_sip_open(&so, &e)) == NULL ||
	    (media && (cam = dopt.camera = ck_camera_new(s, &co, &e)) == NULL) ||
	    (d = ck_device_new(s, &dopt, &e)) == NULL) {
		rc = ck_tool_fail(&e);
		goto out;
	}
	if (ck_device_run(d, cam, &stop_flag, &e) < 0)
		rc = e.kind ? e.kind : CK_SOFTWARE;
out:
	if (out_failed && rc == 0)
		rc = CK_IOERR;
	ck_device_free(d);
	ck_camera_free(cam);
	ck_sip_close(s);
	ck_psmux_media_free(media);
	while (nitems > 0)
		free(items[--nitems]);
	free(items);
	return rc;
}

/* --------------------------- platform side ---------------------------- */

struct plat {
	ck_json *j;
	ck_sip *s;
	ck_event_confirms conf;   /* alarm Responses waiting for their answer */
};

static void
on_reg_event(void *arg, const ck_registrar_event *ev)
{
	ck_registrar_event_json(ev, ((struct plat *)arg)->j);
	emit(((struct plat *)arg)->j);
}

/* Not registration business (MESSAGEs come here only from a registered
 * device at its registered source): MESSAGEs (alarms, positions) answered
 * as the standard asks and recorded decoded (lib/gb/event); the rest 405. */
static void
on_other(void *arg, ck_sip_req *rq)
{
	struct plat *p = arg;
	ck_json_record(p->j, "message");
	ck_json_time_ms(p->j, "ts", ck_clock_wall_ms());
	ck_event_answer(&p->conf, p->s, rq, NULL, NULL, p->j);
	emit(p->j);
	ck_sip_req_free(rq);
}

static int
on_done(void *arg, uint64_t id, osip_message_t *resp, const ck_err *te)
{
	return ck_event_confirm_done(&((struct plat *)arg)->conf, id, resp, te);
}

/* Stopped with alarm Responses not answered yet: waits up to timeout_ms
 * for their transactions to end, as a device that got no answer sends
 * the alarm again (to a platform that is gone). A second signal, or a
 * closed stdout, quits at once. */
static int
linger(ck_registrar *r, struct plat *p, int64_t timeout_ms, ck_err *e)
{
	if (!p->conf.n || out_failed)
		return 0;
	ck_log_warn("waiting up to %lld s for %zu alarm Response%s to be answered "
	    "(signal again to quit now)", (long long)(timeout_ms + 999) / 1000, p->conf.n,
	    p->conf.n == 1 ? "" : "s");
	return ck_registrar_linger(r, &stop_flag, &p->conf.n, ck_clock_now_ms() + timeout_ms,
	    on_other, on_done, p, e);
}

static int
run_platform(const struct opts *o, ck_cred *cred)
{
	ck_err e;
	int rc = 0;
	struct plat p = { ck_json_new(), NULL, { { 0 }, 0 } };
	ck_sip_opts so = { .udp = 1, .tcp_listen = 1,
	    .user_agent = "camkit gb-register/" CAMKIT_VERSION };
	ck_registrar_opts ro = { .domain = o->domain,
	    .password = cred->have_pass ? cred->pass : NULL,
	    .password_file = o->gb.passwords, .allow = o->gb.allow,
	    .keepalive_ms = o->keepalive_ms, .max_missed = o->max_missed,
	    .sha256 = o->gb.sha256, .on_event = on_reg_event, .arg = &p };
	ck_regopts_apply(&o->reg, &so, &ro);
	ck_registrar *r = p.j ? ck_registrar_open(o->gb.listen, &so, &ro, &e) : NULL;
	if (r == NULL)
		rc = p.j ? ck_tool_fail(&e) : CK_SOFTWARE;
	else {
		p.s = ck_registrar_sip(r);
		ck_registrar_listening_json(r, o->gb.device_id, p.j);
		emit(p.j);
		if (ck_gbopts_port_file(&o->gb, ck_sip_port(p.s), &e) < 0 ||
		    ck_registrar_serve(r, &stop_flag, on_other, on_done, &p, &e) < 0 ||
		    linger(r, &p, o->gb.timeout_ms, &e) < 0)
			rc = ck_tool_fail(&e);
	}
	if (out_failed && rc == 0)
		rc = CK_IOERR;
	ck_registrar_free(r);
	ck_json_free(p.j);
	return rc;
}

/* ---------------------------------------------------------------- */

enum { O_EXPIRES = CK_OPTS_TOOL, O_KEEPALIVE, O_MAXMISSED, O_RETRY, O_ATTEMPTS,
    O_CATALOG, O_CHUNK, O_NAME, O_MANUFACTURER, O_MODEL, O_FIRMWARE,
    O_MEDIA, O_AUDIO, O_MAXSTREAMS, O_SSRC, O_RECORDS, O_COUNT, O_PRESETS };

static const ck_opts_opt device_opts[] = {
	{ "user", 'u', CK_OPTS_ARG, "USER", "digest username (default: the device ID)" },
	{ "expires", O_EXPIRES, CK_OPTS_ARG, "SECS", "registration lifetime asked for (default 3600)" },
	{ "keepalive", O_KEEPALIVE, CK_OPTS_ARG, "DUR", "keepalive interval (default 60s)" },
	{ "max-missed", O_MAXMISSED, CK_OPTS_ARG, "N", "unanswered keepalives before re-registering\n"
	    "(device), missed intervals before offline\n(--listen); default 3" },
	{ "retry", O_RETRY, CK_OPTS_ARG, "DUR", "wait after a failed registration (default 60s)" },
	{ "attempts", O_ATTEMPTS, CK_OPTS_ARG, "N", "give up after N failed registrations in a row\n"
	    "(default 0: never)" },
	{ "catalog", O_CATALOG, CK_OPTS_ARG, "FILE", "channels (<Item> elements) for Catalog queries" },
	{ "catalog-chunk", O_CHUNK, CK_OPTS_ARG, "N", "items per Catalog response MESSAGE (default 1)" },
	{ "name", O_NAME, CK_OPTS_ARG, "NAME", "DeviceInfo DeviceName (default 'camkit')" },
	{ "manufacturer", O_MANUFACTURER, CK_OPTS_ARG, "M", "DeviceInfo Manufacturer (default 'camkit')" },
	{ "model", O_MODEL, CK_OPTS_ARG, "M", "DeviceInfo Model (default 'gb-register')" },
	{ "firmware", O_FIRMWARE, CK_OPTS_ARG, "F", "DeviceInfo Firmware (default the version)" },
	{ "media", O_MEDIA, CK_OPTS_ARG, "FILE", "stream this H.264/H.265 file on INVITE" },
	{ "audio", O_AUDIO, CK_OPTS_ARG, "FILE", "with --media: G.711 or AAC audio to mux in" },
	{ "max-streams", O_MAXSTREAMS, CK_OPTS_ARG, "N", "dialogs at once (default 8; above: 486)" },
	{ "ssrc", 'S', CK_OPTS_ARG, "N", "SSRC of the streams (default: the offered y=)" },
	{ "records", O_RECORDS, CK_OPTS_ARG, "N", "RecordInfo: N recordings of the --media file\n"
	    "over the past day" },
	{ "count", O_COUNT, CK_OPTS_ARG, "N", "N devices, IDs --device-id and the next N-1, each\n"
	    "with its own UDP port, registration and camera\n(default 1)" },
	{ "presets", O_PRESETS, CK_OPTS_ARG, "LIST", "PresetQuery: preset numbers, e.g. 1,2,5\n"
	    "(default 1,2,3; '' none)" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
int_opt(const char *arg, long long lo, long long hi, int *out, const char *name, ck_err *e)
{
	long long v;
	if (ck_opt_parse_int(arg, lo, hi, &v, e) < 0)
		return ck_err_wrap(e, "%s", name);
	*out = (int)v;
	return 0;
}

static int
device_opt(void *ctx, int key, const char *arg, ck_err *e)
{
	struct opts *o = ctx;
	switch (key) {
	case 'u': o->user = arg; return 0;
	case O_EXPIRES: return int_opt(arg, 1, 100000000, &o->expires, "--expires", e);
	case O_KEEPALIVE: return ck_opt_parse_duration(arg, &o->keepalive_ms, e);
	case O_MAXMISSED: return int_opt(arg, 1, 1000, &o->max_missed, "--max-missed", e);
	case O_RETRY: return ck_opt_parse_duration(arg, &o->retry_ms, e);
	case O_ATTEMPTS: return int_opt(arg, 0, 1000000, &o->attempts, "--attempts", e);
	case O_CATALOG: o->catalog = arg; return 0;
	case O_CHUNK: return int_opt(arg, 1, 1000, &o->chunk, "--catalog-chunk", e);
	case O_NAME: o->name = arg; return 0;
	case O_MANUFACTURER: o->manufacturer = arg; return 0;
	case O_MODEL: o->model = arg; return 0;
	case O_FIRMWARE: o->firmware = arg; return 0;
	case O_MEDIA: o->media = arg; return 0;
	case O_AUDIO: o->audio = arg; return 0;
	case O_PRESETS: o->presets = arg; return 0;
	case O_COUNT: return int_opt(arg, 1, CK_FLEET_MAX, &o->count, "--count", e);
	case O_RECORDS: return int_opt(arg, 1, 100000, &o->records, "--records", e);
	case O_MAXSTREAMS: return int_opt(arg, 1, 1024, &o->max_streams, "--max-streams", e);
	case 'S': return ck_opt_parse_int(arg, 1, 4294967295LL, &o->ssrc, e) < 0 ?
	    ck_err_wrap(e, "--ssrc") : 0;
	}
	return ck_err_set(e, CK_USAGE, "bad option");
}

/* Cross-option checks and defaults. */
static int
validate(struct opts *o, ck_err *e)
{
	const ck_gbopts *g = &o->gb;
	if (g->listen && g->server_port)
		return ck_err_set(e, CK_USAGE, "--listen and --server exclude each other");
	if (!g->listen && !g->server_port)
		return ck_err_set(e, CK_USAGE, "--server or --listen is required");
	if (!g->listen && (g->device_id == NULL || !ck_gbopts_is_id(g->device_id, 10)))
		return ck_err_set(e, CK_USAGE, "--device-id: a device ID of 10-32 digits is required");
	if (g->listen && g->device_id == NULL)
		o->gb.device_id = "34020000002000000001";
	o->domain = g->domain;
	if (o->domain == NULL) {
		const char *src = g->listen ? g->device_id : g->server_id;
		if (!ck_gbopts_is_id(src, 10))
			return ck_err_set(e, CK_USAGE, "--domain is required when the %s ID "
			    "does not start with 10 digits", g->listen ? "platform" : "server");
		snprintf(o->domain_buf, sizeof o->domain_buf, "%.10s", src);
		o->domain = o->domain_buf;
	}
	if ((o->audio || o->max_streams || o->ssrc || o->records) && !o->media)
		return ck_err_set(e, CK_USAGE, "--audio, --max-streams, --ssrc and --records go "
		    "with --media");
	if (o->count > 1 && (g->listen || g->tcp))
		return ck_err_set(e, CK_USAGE, "--count is for devices over UDP (--server, no --tcp)");
	if ((o->ev.alarm_every_ms || o->ev.have_position) && (g->listen || o->count > 1))
		return ck_err_set(e, CK_USAGE, "--alarm-every and --position are for one device");
	if (o->media && g->listen)
		return ck_err_set(e, CK_USAGE, "--media is for the device side (--server)");
	if (o->keepalive_ms <= 0 || g->timeout_ms <= 0)
		return ck_err_set(e, CK_USAGE, "--keepalive and --timeout must be positive");
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { .expires = 3600, .keepalive_ms = 60000, .max_missed = 3,
	    .retry_ms = 60000, .chunk = 1,
	    .name = "camkit", .manufacturer = "camkit", .model = "gb-register",
	    .firmware = CAMKIT_VERSION,
	    .gb = { .parts = CK_GBOPTS_SERVER | CK_GBOPTS_LISTEN | CK_GBOPTS_DIRECT |
	    CK_GBOPTS_REGISTRAR, .timeout_ms = 32000,
	    .device_id_help = "this device's 20-digit ID (with --listen: the\n"
	    "platform's own ID)",
	    .timeout_help = "SIP transaction timeout (default 32s, timer F)" } };
	ck_opts_block blocks[] = {
		ck_gbopts_block(&o.gb, "GB/T 28181"),
		{ "Device and registrar", device_opts, device_opt, &o },
		ck_regopts_block(&o.reg),
		ck_notifyopts_block(&o.ev, "Device events"),
	};
	ck_opts_tool t = { usage, about, footer, blocks, sizeof blocks / sizeof blocks[0] };
	ck_err e;
	ck_cred cred;
	int first, rc;
	ck_log_init(argv[0]);
	if (!ck_opts_parse(&t, argc, argv, &first, &rc))
		return rc;
	if (first < argc)
		return ck_tool_usage_err("unexpected argument '%s'", argv[first]);
	if (validate(&o, &e) < 0)
		return ck_tool_usage_err("%s", e.msg);
	if (ck_cred_load(&cred, "GB", o.user, o.gb.password_file,
	    o.gb.listen ? NULL : o.gb.server_host, &e) < 0)
		return ck_tool_fail(&e);
	if (o.gb.listen && !cred.have_pass && !o.gb.passwords) {
		ck_log_warn("no password: give --passwords FILE, --password-file, or GB_PASSWORD");
		return CK_CONFIG;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = o.gb.listen ? run_platform(&o, &cred) : run_device(&o, &cred);
	ck_cred_wipe(&cred);
	return ck_tool_finish(rc);
}
