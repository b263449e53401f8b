/* onvif-info: device identity, services with versions, capability summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/cred.h"
#include "base/err.h"
#include "codec/json.h"
#include "base/log.h"
#include "onvif/onvif.h"
#include "cli/onvifopts.h"
#include "cli/opts.h"
#include "cli/targets.h"
#include "cli/tool.h"
#include "codec/xml.h"

static const char usage[] = "Usage: onvif-info [options] [TARGET...]";
static const char about[] =
    "Prints one NDJSON record per device: GetDeviceInformation (manufacturer,\n"
    "model, firmware, serial, hardware id), the services with their versions\n"
    "and addresses, and a capability summary (media, media2, ptz, events,\n"
    "pullpoint, imaging, analytics). TARGET is a device service URL or\n"
    "host[:port]; without TARGET, one per stdin line (URL, host, or an\n"
    "onvif-discover record).\n";
static const char footer[] =
    "Exit: 0 ok, 1 no target on stdin, 64 usage, 65 malformed reply,\n"
    "66 password file missing, 68 unknown host, 69 unreachable, 74 I/O error,\n"
    "75 timeout, 76 SOAP fault, 77 auth, 78 bad credentials file.\n";

struct job {
	ck_onvif_opts o;
	ck_cred cred;
	int jobs;
};

static const char *const svc_names[] = { "device", "media", "media2", "ptz",
	"events", "imaging", "analytics", "deviceio", "recording", "search",
	"replay", NULL };

/* The short name of a service namespace, or NULL for others. */
static const char *
svc_name(const char *ns)
{
	for (int i = 0; svc_names[i]; i++)
		if (strcmp(ck_onvif_service_ns(svc_names[i]), ns) == 0)
			return svc_names[i];
	return NULL;
}

static int
has(const ck_onvif_service *s, int n, const char *name)
{
	const char *ns = ck_onvif_service_ns(name);

	for (int i = 0; i < n; i++)
		if (strcmp(s[i].ns, ns) == 0)
			return 1;
	return 0;
}

/* PullPoint support: events GetServiceCapabilities, else GetCapabilities.
 * Returns 1, 0, or -1 when the device does not say. */
static int
pullpoint(ck_onvif *c)
{
	ck_soap_resp r;
	ck_err e;
	const char *v = NULL;
	int b = -1;

	if (ck_onvif_call(c, "events", "<tev:GetServiceCapabilities xmlns:tev=\""
	    CK_NS_TEV "\"/>", &r, &e) == 0) {
		v = ck_xml_attr(ck_xml_child(r.first, CK_NS_TEV, "Capabilities"),
		    "WSPullPointSupport");
		b = ck_xml_bool(v);
		ck_soap_resp_free(&r);
		if (b >= 0)
			return b;
	} else
		ck_log_info("events GetServiceCapabilities: %s", e.msg);
	if (ck_onvif_call(c, "device", "<tds:GetCapabilities xmlns:tds=\"" CK_NS_TDS
	    "\"><tds:Category>Events</tds:Category></tds:GetCapabilities>", &r, &e) == 0) {
		v = ck_xml_path_text(ck_xml_child(r.first, CK_NS_TDS, "Capabilities"),
		    CK_NS_TT, "Events/WSPullPointSupport");
		b = ck_xml_bool(v);
		ck_soap_resp_free(&r);
	} else
		ck_log_info("GetCapabilities: %s", e.msg);
	return b;
}

static void
put_text(ck_json *j, const char *key, const ck_xml_node *resp, const char *el)
{
	ck_json_str(j, key, ck_xml_child_text(resp, CK_NS_TDS, el));
}

static int
one(void *ctx, const char *arg)
{
	struct job *jb = ctx;
	ck_onvif_target tg;
	ck_onvif *c = NULL;
	ck_soap_resp r;
	const ck_onvif_service *s;
	ck_err e = { 0, "" };
	ck_json *j = ck_json_new();
	int n, pp;
	char ver[32];

	if (j == NULL) {
		ck_log_warn("out of memory");
		return CK_SOFTWARE;
	}
	if ((c = ck_onvifopts_open(arg, &tg, &jb->o, &jb->cred, &e)) == NULL ||
	    ck_onvif_call(c, "device", "<tds:GetDeviceInformation xmlns:tds=\""
	    CK_NS_TDS "\"/>", &r, &e) < 0)
		goto fail;
	if (!ck_xml_is(r.first, CK_NS_TDS, "GetDeviceInformationResponse")) {
		ck_soap_resp_free(&r);
		ck_err_set(&e, CK_PROTO, "%s: GetDeviceInformation answered with %s",
		    tg.url, r.first ? "another element" : "an empty body");
		goto fail;
	}
	ck_json_record(j, "info");
	ck_json_str(j, "device", tg.url);
	ck_json_time_ms(j, "ts", ck_clock_wall_ms());
	put_text(j, "manufacturer", r.first, "Manufacturer");
	put_text(j, "model", r.first, "Model");
	put_text(j, "firmware", r.first, "FirmwareVersion");
	put_text(j, "serial", r.first, "SerialNumber");
	put_text(j, "hardware_id", r.first, "HardwareId");
	ck_soap_resp_free(&r);
	if ((n = ck_onvif_services(c, &s, &e)) < 0) {
		ck_json_reset(j);
		goto fail;
	}
	pp = has(s, n, "events") ? pullpoint(c) : 0;
	ck_json_arr(j, "services");
	for (int i = 0; i < n; i++) {
		ck_json_obj(j, NULL);
		ck_json_str(j, "name", svc_name(s[i].ns));
		ck_json_str(j, "namespace", s[i].ns);
		ck_json_str(j, "xaddr", s[i].xaddr);
		if (strcmp(s[i].xaddr, s[i].advertised) != 0)
			ck_json_str(j, "advertised_xaddr", s[i].advertised);
		if (s[i].major >= 0) {
			snprintf(ver, sizeof ver, "%d.%d", s[i].major, s[i].minor < 0 ? 0 :
			    s[i].minor);
			ck_json_str(j, "version", ver);
		} else
			ck_json_null(j, "version");
		ck_json_end(j);
	}
	ck_json_end(j);
	ck_json_obj(j, "capabilities");
	ck_json_bool(j, "media", has(s, n, "media"));
	ck_json_bool(j, "media2", has(s, n, "media2"));
	ck_json_bool(j, "ptz", has(s, n, "ptz"));
	ck_json_bool(j, "events", has(s, n, "events"));
	if (pp < 0)
		ck_json_null(j, "pullpoint");
	else
		ck_json_bool(j, "pullpoint", pp);
	ck_json_bool(j, "imaging", has(s, n, "imaging"));
	ck_json_bool(j, "analytics", has(s, n, "analytics"));
	ck_json_bool(j, "recording", has(s, n, "recording"));
	ck_json_end(j);
	ck_onvif_free(c);
	n = ck_targets_emit(j);
	ck_json_free(j);
	return n;
fail:
	ck_onvif_free(c);
	n = ck_targets_fail(j, &tg, arg, &e);
	ck_json_free(j);
	return n;
}

int
main(int argc, char **argv)
{
	static struct job jb;
	const ck_opts_tool tool = { usage, about, footer, NULL, 0 };
	int arg0, rc;

	ck_log_init(argv[0]);
	if (!ck_onvifopts_parse_multi(&tool, (ck_opts_block){ 0 }, &jb.jobs, &jb.o,
	    argc, argv, &arg0, &rc))
		return rc;
	if ((rc = ck_onvifopts_targets(&jb.o, argv + arg0, argc - arg0, &jb.cred)) != 0)
		return rc;
	return ck_onvifopts_run(argv + arg0, argc - arg0, jb.jobs, one, &jb, &jb.cred);
}
