/* Fuzzes the PTZ reply parsers of lib/ptz (GetStatus, GetNodes, GetPresets,
 * GetConfigurations, spaces) and the range checks and body builders fed
 * with what they parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "onvif/ptz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ck_err e;
	ck_xml_doc *d = ck_xml_parse((const char *)data, size, &e);
	const ck_xml_node *root, *r;
	ck_ptz_node nodes[4];
	ck_ptz_status st;
	ck_ptz_preset *p;
	ck_ptz_config c;
	ck_ptz_vec sp;
	size_t n;
	int k, i;

	if (!d)
		return 0;
	root = ck_xml_root(d);
	if ((r = ck_ptz_response(root, "GetStatus", &e)) && ck_ptz_parse_status(r, &st, &e) == 0) {
		char *b = ck_ptz_body_absolute("p", &st.pos, NULL);
		free(b);
	}
	memset(nodes, 0, sizeof nodes);
	k = 0;
	if ((r = ck_ptz_response(root, "GetNodes", &e)))
		k = ck_ptz_parse_nodes(r, nodes, 4, &e);
	if ((r = ck_xml_find(root, CK_NS_TT, "Spaces")))
		ck_ptz_parse_spaces(r, &nodes[0]);
	memset(&c, 0, sizeof c);
	if ((r = ck_xml_find(root, NULL, "PTZConfiguration")))
		ck_ptz_parse_config(r, &c, &e);
	for (i = 0; i < (k > 0 ? k : 1); i++) {
		ck_ptz_default_speed(&nodes[i], &c, &sp);
		ck_ptz_check(&nodes[i], CK_PTZ_CONT_PT, 1, 0.5, "tilt", &e);
		ck_ptz_check(&nodes[i], CK_PTZ_SPEED_Z, 0, sp.z, "zoom speed", &e);
	}
	if ((r = ck_ptz_response(root, "GetPresets", &e)) &&
	    ck_ptz_parse_presets(r, &p, &n, &e) == 0) {
		for (size_t j = 0; j < n; j++) {
			char *b = ck_ptz_body_goto_preset("p", p[j].token, p[j].has_pos ? &p[j].pos : NULL);
			free(b);
		}
		free(p);
	}
	ck_xml_free(d);
	return 0;
}
