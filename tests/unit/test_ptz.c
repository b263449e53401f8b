/* lib/ptz: parsers on real recordings (and their quirks), range checks,
 * default speeds, request bodies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onvif/ptz.h"
#include "t.h"

#define FX "tests/fixtures/onvif/"

static ck_xml_doc *
load(const char *path)
{
	FILE *f = fopen(path, "rb");
	static char buf[1 << 17];
	size_t n;
	ck_err e;

	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return NULL;
	}
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return ck_xml_parse(buf, n, &e);
}

static void
test_status(void)
{
	ck_xml_doc *d;
	const ck_xml_node *r;
	ck_ptz_status st;
	ck_err e;

	d = load(FX "ex_onvif/get_ptz_status.xml");
	T_OK(d != NULL);
	r = ck_ptz_response(ck_xml_root(d), "GetStatus", &e);
	T_OK(r != NULL);
	T_EQ_INT(ck_ptz_parse_status(r, &st, &e), 0);
	T_OK(st.has_pos && st.pos.has_pt && st.pos.has_z);
	T_OK(st.pos.x > 0.164177 && st.pos.x < 0.164179);
	T_OK(st.pos.y < -0.618315 && st.pos.y > -0.618317);
	T_EQ_STR(st.move_pt, "IDLE");
	T_EQ_STR(st.pos.pt_space, "http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace");
	T_EQ_INT(st.utc_plausible, 1);
	ck_xml_free(d);

	/* IPD-H4K8M05-BS: raw device units, no space, no MoveStatus */
	d = load(FX "easy_onvif/IPD-H4K8M05-BS/ptz/GetStatusResponse.xml");
	r = d ? ck_ptz_response(ck_xml_root(d), "GetStatus", &e) : NULL;
	T_OK(r && ck_ptz_parse_status(r, &st, &e) == 0);
	T_OK(st.pos.x == 32768 && st.pos.y == 32768 && st.pos.z == 12644);
	T_EQ_STR(st.pos.pt_space, "");
	T_EQ_STR(st.move_pt, "");
	ck_xml_free(d);

	/* SUNBA.405: a clock never set */
	d = load(FX "easy_onvif/SUNBA.405/ptz/GetStatusResponse.xml");
	r = d ? ck_ptz_response(ck_xml_root(d), "GetStatus", &e) : NULL;
	T_OK(r && ck_ptz_parse_status(r, &st, &e) == 0);
	T_EQ_STR(st.utc, "1970-01-01T00:00:00Z");
	T_EQ_INT(st.utc_plausible, 0);
	ck_xml_free(d);

	/* ENP1A14: no MoveStatus, an Error that says there is none */
	d = load(FX "easy_onvif/ENP1A14-IR_25X/ptz/GetStatusResponse.xml");
	r = d ? ck_ptz_response(ck_xml_root(d), "GetStatus", &e) : NULL;
	T_OK(r && ck_ptz_parse_status(r, &st, &e) == 0);
	T_EQ_STR(st.error, "NO error");
	T_EQ_STR(st.move_z, "");
	ck_xml_free(d);

	/* a non-numeric coordinate is a protocol error, not a zero */
	{
		const char *x = "<s:Envelope xmlns:s=\"" CK_NS_SOAP12 "\"><s:Body>"
		    "<GetStatusResponse xmlns=\"" CK_NS_TPTZ "\"><PTZStatus><Position "
		    "xmlns=\"" CK_NS_TT "\"><PanTilt x=\"left\" y=\"0\"/></Position>"
		    "</PTZStatus></GetStatusResponse></s:Body></s:Envelope>";
		d = ck_xml_parse(x, strlen(x), &e);
		r = ck_ptz_response(ck_xml_root(d), "GetStatus", &e);
		T_EQ_INT(ck_ptz_parse_status(r, &st, &e), -1);
		T_EQ_INT(e.kind, CK_PROTO);
		ck_xml_free(d);
	}
	/* wrong reply element */
	d = load(FX "ex_onvif/get_ptz_nodes.xml");
	T_OK(ck_ptz_response(ck_xml_root(d), "GetStatus", &e) == NULL);
	T_EQ_INT(e.kind, CK_PROTO);
	ck_xml_free(d);
}

static void
test_nodes_ranges(void)
{
	ck_xml_doc *d = load(FX "ex_onvif/get_ptz_nodes.xml");
	const ck_xml_node *r;
	ck_ptz_node n[4];
	ck_ptz_vec sp;
	ck_ptz_config c;
	ck_err e;

	r = d ? ck_ptz_response(ck_xml_root(d), "GetNodes", &e) : NULL;
	T_EQ_INT(ck_ptz_parse_nodes(r, n, 4, &e), 1);
	T_EQ_STR(n[0].token, "PTZNodeToken");
	T_EQ_INT(n[0].max_presets, 300);
	T_EQ_INT(n[0].home_supported, 1);
	T_OK(n[0].sp[CK_PTZ_ABS_Z].x.set && n[0].sp[CK_PTZ_ABS_Z].x.min == 0);
	T_EQ_INT(n[0].sp[CK_PTZ_ABS_Z].y.set, 0);
	T_EQ_INT(ck_ptz_check(&n[0], CK_PTZ_CONT_PT, 0, 1.0, "pan", &e), 0);
	T_EQ_INT(ck_ptz_check(&n[0], CK_PTZ_CONT_PT, 1, -1.5, "tilt", &e), -1);
	T_EQ_INT(e.kind, CK_USAGE);
	T_EQ_STR(e.msg, "tilt -1.5 is outside the continuous pan/tilt velocity range "
	    "[-1, 1] of PTZ node PTZNodeToken");
	/* no configuration: the top of the speed space */
	ck_ptz_default_speed(&n[0], NULL, &sp);
	T_OK(sp.has_pt && sp.x == 1 && sp.has_z && sp.z == 1);
	ck_xml_free(d);

	/* the configuration's DefaultPTZSpeed when it fits */
	d = load(FX "ex_onvif/get_ptz_configurations.xml");
	r = d ? ck_ptz_response(ck_xml_root(d), "GetConfigurations", &e) : NULL;
	T_EQ_INT(ck_ptz_parse_config(ck_xml_child(r, CK_NS_TPTZ, "PTZConfiguration"),
	    &c, &e), 0);
	T_EQ_STR(c.node_token, "PTZNodeToken");
	T_EQ_STR(c.timeout, "PT0H0M1S");
	ck_ptz_default_speed(&n[0], &c, &sp);
	T_OK(sp.x == 0.1 && sp.y == 0.1 && sp.z == 1.0);
	ck_xml_free(d);

	/* IPD: speed space 1..8, so a 0.1 default would be refused */
	d = load(FX "easy_onvif/IPD-H4K8M05-BS/ptz/GetConfigurationOptionsResponse.xml");
	T_OK(d != NULL);
	{
		ck_ptz_node ipd;
		memset(&ipd, 0, sizeof ipd);
		ck_ptz_parse_spaces(ck_xml_find(ck_xml_root(d), CK_NS_TT, "Spaces"), &ipd);
		T_OK(ipd.sp[CK_PTZ_SPEED_PT].x.min == 1 && ipd.sp[CK_PTZ_SPEED_PT].x.max == 8);
		ck_ptz_default_speed(&ipd, &c, &sp);
		T_OK(sp.x == 8 && sp.z == 1);   /* zoom 1.0 fits 1..3 */
		T_EQ_INT(ck_ptz_check(&ipd, CK_PTZ_SPEED_PT, 0, 0.5, "speed", &e), -1);
	}
	ck_xml_free(d);
}

static void
test_presets(void)
{
	ck_xml_doc *d = load(FX "ex_onvif/get_ptz_presets.xml");
	const ck_xml_node *r;
	ck_ptz_preset *p;
	size_t n;
	ck_err e;

	r = d ? ck_ptz_response(ck_xml_root(d), "GetPresets", &e) : NULL;
	T_EQ_INT(ck_ptz_parse_presets(r, &p, &n, &e), 0);
	T_EQ_INT(n, 2);
	T_EQ_STR(p[1].token, "PresetToken002");
	T_EQ_STR(p[1].name, "Parking");
	T_OK(p[1].has_pos && p[1].pos.x == -0.3 && p[1].pos.z == 0.5);
	free(p);
	ck_xml_free(d);
	/* 62 KB of ENP1A14 presets */
	d = load(FX "easy_onvif/ENP1A14-IR_25X/ptz/GetPresetsResponse.xml");
	r = d ? ck_ptz_response(ck_xml_root(d), "GetPresets", &e) : NULL;
	T_EQ_INT(ck_ptz_parse_presets(r, &p, &n, &e), 0);
	T_OK(n > 100);
	free(p);
	ck_xml_free(d);
}

static void
test_bodies(void)
{
	ck_ptz_vec v = { .has_pt = 1, .x = 0.5, .y = -0.25 };
	char *b, f[32];

	snprintf(v.pt_space, sizeof v.pt_space, "urn:s");
	b = ck_ptz_body_continuous("P&1", &v, 1500);
	T_EQ_STR(b, "<tptz:ContinuousMove xmlns:tptz=\"" CK_NS_TPTZ "\" xmlns:tt=\""
	    CK_NS_TT "\"><tptz:ProfileToken>P&amp;1</tptz:ProfileToken><tptz:Velocity>"
	    "<tt:PanTilt x=\"0.5\" y=\"-0.25\" space=\"urn:s\"/></tptz:Velocity>"
	    "<tptz:Timeout>PT1.500S</tptz:Timeout></tptz:ContinuousMove>");
	free(b);
	b = ck_ptz_body_stop("p", 0, 1);
	T_OK(strstr(b, "<tptz:PanTilt>false</tptz:PanTilt><tptz:Zoom>true</tptz:Zoom>") != NULL);
	free(b);
	b = ck_ptz_body_set_preset("p", "Gate <1>", NULL);
	T_OK(strstr(b, "<tptz:PresetName>Gate &lt;1&gt;</tptz:PresetName></tptz:SetPreset>") != NULL);
	free(b);
	T_EQ_STR(ck_ptz_fmt(0.1, f), "0.1");
	T_EQ_STR(ck_ptz_fmt(-0.0, f), "0");
	T_EQ_STR(ck_ptz_fmt(32768, f), "32768");
}

int
main(void)
{
	test_status();
	test_nodes_ranges();
	test_presets();
	test_bodies();
	T_DONE();
}
