/* libFuzzer: a DeviceConfig or query body through the simulated device's
 * state (lib/gb/devstate): configuration applied, every answer built. The
 * first byte picks the CmdType a query body is answered as, so each
 * builder sees the parsed fields (ConfigType lists, Number...). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gb/devstate.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "DeviceStatus", "ConfigDownload",
	    "PresetQuery", "HomePositionQuery", "CruiseTrackListQuery",
	    "CruiseTrackQuery", "PTZPosition", "SDCardStatus", "Alarm",
	    "MobilePosition", "Nothing" };
	ck_devstate s;
	ck_manscdp m;
	ck_err e;
	size_t len;
	char *b;

	if (size == 0)
		return 0;
	memset(&s, 0, sizeof s);
	ck_devstate_presets(&s, "1,2,3", &e);
	if (ck_manscdp_parse((const char *)data + 1, size - 1, NULL, &m, &e) < 0)
		return 0;
	ck_devstate_config(&s, m.root, &e);
	m.cmd_type = types[data[0] % (sizeof types / sizeof *types)];
	if ((b = ck_devstate_answer(&s, &m, m.device_id, "2026-01-01T00:00:00", &len, &e)))
		free(b);
	if ((b = ck_devstate_config_download(&s, m.sn, m.device_id,
	    ck_manscdp_field(m.root, "ConfigType"), &len, &e)))
		free(b);
	/* the presets option parser over the body's text */
	char opt[64];
	size_t n = size - 1 < sizeof opt - 1 ? size - 1 : sizeof opt - 1;
	memcpy(opt, data + 1, n);
	opt[n] = '\0';
	ck_devstate_presets(&s, opt, &e);
	ck_manscdp_free(&m);
	return 0;
}
