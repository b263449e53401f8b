#include "gb/ptzcmd.h"

#include <stdio.h>
#include <string.h>

#include "codec/json.h"

#define PTZ_VERSION 0u

static int
range(ck_err *e, const char *what, unsigned v, unsigned max)
{
	if (v > max)
		return ck_err_set(e, CK_USAGE, "%s %u out of range (0-%u)", what,
		    v, max);
	return 0;
}

/* Fills bytes 5, 6 and the high nibble of 7 from the meaning of c. */
static int
data_bytes(const ck_ptzcmd *c, unsigned *d1, unsigned *d2, unsigned *d3,
    ck_err *e)
{
	unsigned op = c->op;

	*d1 = *d2 = *d3 = 0;
	switch (c->family) {
	case CK_PTZ_PTZ:
		if (op & ~0x3Fu)
			return ck_err_set(e, CK_USAGE, "PTZ op 0x%02X invalid", op);
		if (range(e, "pan speed", c->pan_speed, 255) ||
		    range(e, "tilt speed", c->tilt_speed, 255) ||
		    range(e, "zoom speed", c->zoom_speed, 15))
			return -1;
		*d1 = c->pan_speed, *d2 = c->tilt_speed, *d3 = c->zoom_speed;
		return 0;
	case CK_PTZ_FI:
		if ((op & 0xF0u) != CK_FI_BASE)
			return ck_err_set(e, CK_USAGE, "FI op 0x%02X invalid", op);
		if (range(e, "focus speed", c->focus_speed, 255) ||
		    range(e, "iris speed", c->iris_speed, 255))
			return -1;
		*d1 = c->focus_speed, *d2 = c->iris_speed;
		return 0;
	case CK_PTZ_PRESET:
		if (op < CK_PTZ_PRESET_SET || op > CK_PTZ_PRESET_DEL)
			return ck_err_set(e, CK_USAGE, "preset op 0x%02X invalid", op);
		if (c->preset < 1 || c->preset > 255)
			return ck_err_set(e, CK_USAGE,
			    "preset %u out of range (1-255)", c->preset);
		*d2 = c->preset;
		return 0;
	case CK_PTZ_CRUISE:
		if (op < CK_PTZ_CRUISE_ADD || op > CK_PTZ_CRUISE_START)
			return ck_err_set(e, CK_USAGE, "cruise op 0x%02X invalid", op);
		if (range(e, "cruise group", c->group, 255))
			return -1;
		*d1 = c->group;
		if (op == CK_PTZ_CRUISE_ADD || op == CK_PTZ_CRUISE_DEL) {
			if (range(e, "preset", c->preset, 255))
				return -1;
			if (op == CK_PTZ_CRUISE_ADD && c->preset == 0)
				return ck_err_set(e, CK_USAGE,
				    "preset 0 out of range (1-255)");
			*d2 = c->preset;
		} else if (op != CK_PTZ_CRUISE_START) {
			if (range(e, op == CK_PTZ_CRUISE_SPEED ? "cruise speed" :
			    "dwell time", c->value, 4095))
				return -1;
			*d2 = c->value & 0xFF, *d3 = c->value >> 8;
		}
		return 0;
	case CK_PTZ_SCAN:
		if (range(e, "scan group", c->group, 255))
			return -1;
		*d1 = c->group;
		if (op == CK_PTZ_SCAN) {
			if (range(e, "scan action", c->scan, 2))
				return -1;
			*d2 = c->scan;
		} else if (op == CK_PTZ_SCAN_SPEED) {
			if (range(e, "scan speed", c->value, 4095))
				return -1;
			*d2 = c->value & 0xFF, *d3 = c->value >> 8;
		} else
			return ck_err_set(e, CK_USAGE, "scan op 0x%02X invalid", op);
		return 0;
	case CK_PTZ_AUX:
		if (op != CK_PTZ_AUX_ON && op != CK_PTZ_AUX_OFF)
			return ck_err_set(e, CK_USAGE, "aux op 0x%02X invalid", op);
		if (range(e, "aux switch", c->aux, 255))
			return -1;
		*d1 = c->aux;
		return 0;
	}
	return ck_err_set(e, CK_USAGE, "unknown PTZCmd family %d", c->family);
}

int
ck_ptzcmd_encode(const ck_ptzcmd *c, uint8_t out[8], ck_err *e)
{
	unsigned d1, d2, d3, sum = 0;
	int i;

	if (range(e, "address", c->address, 4095) ||
	    data_bytes(c, &d1, &d2, &d3, e) < 0)
		return -1;
	out[0] = 0xA5;
	out[1] = (uint8_t)((PTZ_VERSION << 4) | ((0xA + 0x5 + PTZ_VERSION) & 0xF));
	out[2] = (uint8_t)(c->address & 0xFF);
	out[3] = (uint8_t)c->op;
	out[4] = (uint8_t)d1;
	out[5] = (uint8_t)d2;
	out[6] = (uint8_t)((d3 << 4) | (c->address >> 8));
	for (i = 0; i < 7; i++)
		sum += out[i];
	out[7] = (uint8_t)(sum & 0xFF);
	return 0;
}

int
ck_ptzcmd_encode_hex(const ck_ptzcmd *c, char hex[17], ck_err *e)
{
	uint8_t b[8];
	int i;

	if (ck_ptzcmd_encode(c, b, e) < 0)
		return -1;
	for (i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02X", b[i]);
	return 0;
}

static int
bad(ck_err *e, const uint8_t in[8], const char *fmt, unsigned v)
{
	char why[128];

	snprintf(why, sizeof why, fmt, v);
	return ck_err_set(e, CK_DATAERR,
	    "PTZCmd %02X%02X%02X%02X%02X%02X%02X%02X: %s", in[0], in[1], in[2],
	    in[3], in[4], in[5], in[6], in[7], why);
}

int
ck_ptzcmd_decode(const uint8_t in[8], ck_ptzcmd *c, ck_err *e)
{
	unsigned sum = 0, op = in[3], ver = in[1] >> 4, d3 = in[6] >> 4;
	int i;

	memset(c, 0, sizeof *c);
	if (in[0] != 0xA5)
		return bad(e, in, "first byte 0x%02X is not 0xA5", in[0]);
	if ((in[1] & 0xF) != ((0xA + 0x5 + ver) & 0xF))
		return bad(e, in, "check nibble of byte 2 (0x%02X) is wrong", in[1]);
	if (ver != PTZ_VERSION)
		return bad(e, in, "unsupported version %u", ver);
	for (i = 0; i < 7; i++)
		sum += in[i];
	if ((sum & 0xFF) != in[7])
		return bad(e, in, "checksum mismatch (sum of bytes 1-7 is 0x%02X)",
		    sum & 0xFF);
	c->op = op;
	c->address = in[2] | ((unsigned)(in[6] & 0xF) << 8);
	if (op <= 0x3F) {
		if ((op & CK_PTZ_UP) && (op & CK_PTZ_DOWN))
			return bad(e, in, "up and down at once (0x%02X)", op);
		if ((op & CK_PTZ_LEFT) && (op & CK_PTZ_RIGHT))
			return bad(e, in, "left and right at once (0x%02X)", op);
		if ((op & CK_PTZ_ZOOM_IN) && (op & CK_PTZ_ZOOM_OUT))
			return bad(e, in, "zoom in and out at once (0x%02X)", op);
		c->family = CK_PTZ_PTZ;
		c->pan_speed = in[4], c->tilt_speed = in[5], c->zoom_speed = d3;
	} else if ((op & 0xF0) == CK_FI_BASE) {
		if ((op & CK_FI_IRIS_OPEN) && (op & CK_FI_IRIS_CLOSE))
			return bad(e, in, "iris open and close at once (0x%02X)", op);
		if ((op & CK_FI_FOCUS_NEAR) && (op & CK_FI_FOCUS_FAR))
			return bad(e, in, "focus near and far at once (0x%02X)", op);
		c->family = CK_PTZ_FI;
		c->focus_speed = in[4], c->iris_speed = in[5];
	} else if (op >= CK_PTZ_PRESET_SET && op <= CK_PTZ_PRESET_DEL) {
		c->family = CK_PTZ_PRESET;
		c->preset = in[5];
	} else if (op >= CK_PTZ_CRUISE_ADD && op <= CK_PTZ_CRUISE_START) {
		c->family = CK_PTZ_CRUISE;
		c->group = in[4];
		if (op == CK_PTZ_CRUISE_ADD || op == CK_PTZ_CRUISE_DEL)
			c->preset = in[5];
		else if (op != CK_PTZ_CRUISE_START)
			c->value = in[5] | (d3 << 8);
	} else if (op == CK_PTZ_SCAN) {
		if (in[5] > 2)
			return bad(e, in, "scan action %u unknown (0-2)", in[5]);
		c->family = CK_PTZ_SCAN;
		c->group = in[4], c->scan = in[5];
	} else if (op == CK_PTZ_SCAN_SPEED) {
		c->family = CK_PTZ_SCAN;
		c->group = in[4], c->value = in[5] | (d3 << 8);
	} else if (op == CK_PTZ_AUX_ON || op == CK_PTZ_AUX_OFF) {
		c->family = CK_PTZ_AUX;
		c->aux = in[4];
	} else
		return bad(e, in, "unknown instruction 0x%02X", op);
	return 0;
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int
ck_ptzcmd_decode_hex(const char *s, size_t len, ck_ptzcmd *c, ck_err *e)
{
	uint8_t b[8];
	size_t i;

	while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	if (len != 16)
		return ck_err_set(e, CK_DATAERR,
		    "PTZCmd must be 16 hex digits, got %zu characters", len);
	for (i = 0; i < 16; i += 2) {
		int hi = hexval((unsigned char)s[i]);
		int lo = hexval((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0)
			return ck_err_set(e, CK_DATAERR,
			    "PTZCmd: not a hex digit at position %zu",
			    (hi < 0 ? i : i + 1) + 1);
		b[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return ck_ptzcmd_decode(b, c, e);
}

const char *
ck_ptzcmd_family_name(int family)
{
	switch (family) {
	case CK_PTZ_PTZ: return "ptz";
	case CK_PTZ_FI: return "fi";
	case CK_PTZ_PRESET: return "preset";
	case CK_PTZ_CRUISE: return "cruise";
	case CK_PTZ_SCAN: return "scan";
	case CK_PTZ_AUX: return "aux";
	}
	return "unknown";
}

static void
join(char *buf, size_t len, const char *part)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s", n ? "+" : "", part);
}

const char *
ck_ptzcmd_action(const ck_ptzcmd *c, char *buf, size_t len)
{
	static const char *const cruise[] = { "cruise-add", "cruise-del",
	    "cruise-speed", "cruise-dwell", "cruise-start" };
	static const char *const scan[] = { "scan-start", "scan-left",
	    "scan-right" };
	unsigned op = c->op;
	char dir[16] = "";

	if (len == 0)
		return buf;
	buf[0] = '\0';
	switch (c->family) {
	case CK_PTZ_PTZ:
		if (op & CK_PTZ_UP)
			strcpy(dir, "up");
		else if (op & CK_PTZ_DOWN)
			strcpy(dir, "down");
		if (op & (CK_PTZ_LEFT | CK_PTZ_RIGHT))
			snprintf(dir + strlen(dir), sizeof dir - strlen(dir),
			    "%s%s", dir[0] ? "-" : "",
			    (op & CK_PTZ_LEFT) ? "left" : "right");
		if (dir[0])
			join(buf, len, dir);
		if (op & CK_PTZ_ZOOM_IN)
			join(buf, len, "zoom-in");
		if (op & CK_PTZ_ZOOM_OUT)
			join(buf, len, "zoom-out");
		if (!op)
			join(buf, len, "stop");
		break;
	case CK_PTZ_FI:
		if (op & CK_FI_FOCUS_NEAR)
			join(buf, len, "focus-near");
		if (op & CK_FI_FOCUS_FAR)
			join(buf, len, "focus-far");
		if (op & CK_FI_IRIS_OPEN)
			join(buf, len, "iris-open");
		if (op & CK_FI_IRIS_CLOSE)
			join(buf, len, "iris-close");
		if (!(op & 0xF))
			join(buf, len, "fi-stop");
		break;
	case CK_PTZ_PRESET:
		join(buf, len, op == CK_PTZ_PRESET_SET ? "preset-set" :
		    op == CK_PTZ_PRESET_CALL ? "preset-goto" : "preset-del");
		break;
	case CK_PTZ_CRUISE:
		if (op >= CK_PTZ_CRUISE_ADD && op <= CK_PTZ_CRUISE_START)
			join(buf, len, cruise[op - CK_PTZ_CRUISE_ADD]);
		break;
	case CK_PTZ_SCAN:
		join(buf, len, op == CK_PTZ_SCAN_SPEED ? "scan-speed" :
		    c->scan <= 2 ? scan[c->scan] : "scan");
		break;
	case CK_PTZ_AUX:
		join(buf, len, op == CK_PTZ_AUX_ON ? "aux-on" : "aux-off");
		break;
	}
	return buf;
}

struct verb {
	const char *name;
	int family;
	unsigned op;
	int min, max;    /* number of arguments */
};

static const struct verb verbs[] = {
	{ "stop", CK_PTZ_PTZ, 0, 0, 0 },
	{ "left", CK_PTZ_PTZ, CK_PTZ_LEFT, 0, 1 },
	{ "right", CK_PTZ_PTZ, CK_PTZ_RIGHT, 0, 1 },
	{ "up", CK_PTZ_PTZ, CK_PTZ_UP, 0, 1 },
	{ "down", CK_PTZ_PTZ, CK_PTZ_DOWN, 0, 1 },
	{ "up-left", CK_PTZ_PTZ, CK_PTZ_UP | CK_PTZ_LEFT, 0, 2 },
	{ "up-right", CK_PTZ_PTZ, CK_PTZ_UP | CK_PTZ_RIGHT, 0, 2 },
	{ "down-left", CK_PTZ_PTZ, CK_PTZ_DOWN | CK_PTZ_LEFT, 0, 2 },
	{ "down-right", CK_PTZ_PTZ, CK_PTZ_DOWN | CK_PTZ_RIGHT, 0, 2 },
	{ "zoom-in", CK_PTZ_PTZ, CK_PTZ_ZOOM_IN, 0, 1 },
	{ "zoom-out", CK_PTZ_PTZ, CK_PTZ_ZOOM_OUT, 0, 1 },
	{ "focus-near", CK_PTZ_FI, CK_FI_BASE | CK_FI_FOCUS_NEAR, 0, 1 },
	{ "focus-far", CK_PTZ_FI, CK_FI_BASE | CK_FI_FOCUS_FAR, 0, 1 },
	{ "iris-open", CK_PTZ_FI, CK_FI_BASE | CK_FI_IRIS_OPEN, 0, 1 },
	{ "iris-close", CK_PTZ_FI, CK_FI_BASE | CK_FI_IRIS_CLOSE, 0, 1 },
	{ "preset-set", CK_PTZ_PRESET, CK_PTZ_PRESET_SET, 1, 1 },
	{ "preset-goto", CK_PTZ_PRESET, CK_PTZ_PRESET_CALL, 1, 1 },
	{ "preset-del", CK_PTZ_PRESET, CK_PTZ_PRESET_DEL, 1, 1 },
	{ "cruise-add", CK_PTZ_CRUISE, CK_PTZ_CRUISE_ADD, 2, 2 },
	{ "cruise-del", CK_PTZ_CRUISE, CK_PTZ_CRUISE_DEL, 2, 2 },
	{ "cruise-speed", CK_PTZ_CRUISE, CK_PTZ_CRUISE_SPEED, 2, 2 },
	{ "cruise-dwell", CK_PTZ_CRUISE, CK_PTZ_CRUISE_DWELL, 2, 2 },
	{ "cruise-start", CK_PTZ_CRUISE, CK_PTZ_CRUISE_START, 1, 1 },
	{ "cruise-stop", CK_PTZ_PTZ, 0, 0, 1 },
	{ "scan-start", CK_PTZ_SCAN, CK_PTZ_SCAN, 0, 1 },
	{ "scan-left", CK_PTZ_SCAN, CK_PTZ_SCAN, 0, 1 },
	{ "scan-right", CK_PTZ_SCAN, CK_PTZ_SCAN, 0, 1 },
	{ "scan-speed", CK_PTZ_SCAN, CK_PTZ_SCAN_SPEED, 2, 2 },
	{ "scan-stop", CK_PTZ_PTZ, 0, 0, 1 },
	{ "aux-on", CK_PTZ_AUX, CK_PTZ_AUX_ON, 1, 1 },
	{ "aux-off", CK_PTZ_AUX, CK_PTZ_AUX_OFF, 1, 1 },
};

static const struct verb *
find_verb(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

int
ck_ptzcmd_is_verb(const char *verb)
{
	return find_verb(verb) != NULL;
}

static unsigned
arg(const long long *args, int nargs, int i, unsigned def)
{
	return i < nargs ? (unsigned)args[i] : def;
}

int
ck_ptzcmd_from_verb(const char *name, const long long *args, int nargs,
    ck_ptzcmd *c, ck_err *e)
{
	const struct verb *v = find_verb(name);
	int i;
	uint8_t b[8];

	memset(c, 0, sizeof *c);
	if (!v)
		return ck_err_set(e, CK_USAGE, "unknown command '%s'", name);
	if (nargs < v->min || nargs > v->max) {
		if (v->min == v->max)
			return ck_err_set(e, CK_USAGE, "%s takes %d argument%s",
			    name, v->min, v->min == 1 ? "" : "s");
		return ck_err_set(e, CK_USAGE, "%s takes %d to %d arguments",
		    name, v->min, v->max);
	}
	for (i = 0; i < nargs; i++)
		if (args[i] < 0 || args[i] > 4095)
			return ck_err_set(e, CK_USAGE, "%s: %lld out of range",
			    name, args[i]);
	c->family = v->family;
	c->op = v->op;
	switch (v->family) {
	case CK_PTZ_PTZ:
		if (v->op & (CK_PTZ_ZOOM_IN | CK_PTZ_ZOOM_OUT))
			c->zoom_speed = arg(args, nargs, 0, 8);
		if (v->op & (CK_PTZ_LEFT | CK_PTZ_RIGHT))
			c->pan_speed = arg(args, nargs, 0, 128);
		if (v->op & (CK_PTZ_UP | CK_PTZ_DOWN))
			c->tilt_speed = (v->op & (CK_PTZ_LEFT | CK_PTZ_RIGHT)) ?
			    arg(args, nargs, 1, c->pan_speed) :
			    arg(args, nargs, 0, 128);
		if (v->op == 0 && nargs > 0 && args[0] > 255)
			return ck_err_set(e, CK_USAGE, "%s: group %lld out of "
			    "range (0-255)", name, args[0]);
		break;
	case CK_PTZ_FI:
		if (v->op & (CK_FI_FOCUS_NEAR | CK_FI_FOCUS_FAR))
			c->focus_speed = arg(args, nargs, 0, 128);
		else
			c->iris_speed = arg(args, nargs, 0, 128);
		break;
	case CK_PTZ_PRESET:
		c->preset = arg(args, nargs, 0, 0);
		break;
	case CK_PTZ_CRUISE:
		c->group = arg(args, nargs, 0, 0);
		if (v->op == CK_PTZ_CRUISE_ADD || v->op == CK_PTZ_CRUISE_DEL)
			c->preset = arg(args, nargs, 1, 0);
		else
			c->value = arg(args, nargs, 1, 0);
		break;
	case CK_PTZ_SCAN:
		c->group = arg(args, nargs, 0, 1);
		if (v->op == CK_PTZ_SCAN_SPEED)
			c->value = arg(args, nargs, 1, 0);
		else
			c->scan = strcmp(name, "scan-left") == 0 ? CK_SCAN_LEFT :
			    strcmp(name, "scan-right") == 0 ? CK_SCAN_RIGHT :
			    CK_SCAN_START;
		break;
	case CK_PTZ_AUX:
		c->aux = arg(args, nargs, 0, 0);
		break;
	}
	/* Range-check every field the same way encoding will. */
	if (ck_ptzcmd_encode(c, b, e) < 0)
		return ck_err_wrap(e, "%s", name);
	return 0;
}

void
ck_ptzcmd_json(const ck_ptzcmd *c, ck_json *j)
{
	char act[64];

	ck_json_str(j, "family", ck_ptzcmd_family_name(c->family));
	ck_json_str(j, "action", ck_ptzcmd_action(c, act, sizeof act));
	switch (c->family) {
	case CK_PTZ_PTZ:
		ck_json_int(j, "pan_speed", c->pan_speed);
		ck_json_int(j, "tilt_speed", c->tilt_speed);
		ck_json_int(j, "zoom_speed", c->zoom_speed);
		break;
	case CK_PTZ_FI:
		ck_json_int(j, "focus_speed", c->focus_speed);
		ck_json_int(j, "iris_speed", c->iris_speed);
		break;
	case CK_PTZ_PRESET:
		ck_json_int(j, "preset", c->preset);
		break;
	case CK_PTZ_CRUISE:
		ck_json_int(j, "group", c->group);
		if (c->op == CK_PTZ_CRUISE_ADD || c->op == CK_PTZ_CRUISE_DEL)
			ck_json_int(j, "preset", c->preset);
		else if (c->op == CK_PTZ_CRUISE_SPEED)
			ck_json_int(j, "speed", c->value);
		else if (c->op == CK_PTZ_CRUISE_DWELL)
			ck_json_int(j, "dwell_s", c->value);
		break;
	case CK_PTZ_SCAN:
		ck_json_int(j, "group", c->group);
		if (c->op == CK_PTZ_SCAN_SPEED)
			ck_json_int(j, "speed", c->value);
		break;
	case CK_PTZ_AUX:
		ck_json_int(j, "aux", c->aux);
		break;
	}
	ck_json_int(j, "address", c->address);
}
