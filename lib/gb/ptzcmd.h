/* ptzcmd: GB/T 28181 PTZCmd, the 8-byte front-end control instruction
 * (GB/T 28181-2016 Appendix A.3), carried as 16 hex digits in a MANSCDP
 * DeviceControl <PTZCmd>.
 *
 *   byte 1  0xA5
 *   byte 2  version (high nibble, 0) | check nibble (0xA + 0x5 + version) & 0xF
 *   byte 3  address, low 8 bits
 *   byte 4  instruction
 *   byte 5  pan speed / data 1
 *   byte 6  tilt speed / data 2
 *   byte 7  zoom speed or data 3 (high nibble) | address high 4 bits (low)
 *   byte 8  (byte 1 + ... + byte 7) mod 256
 *
 * Byte 5 is pan and byte 6 tilt (the note under the standard's Table A.4;
 * its own example table swaps them). Stopping a cruise or a scan is the PTZ
 * stop instruction (0x00): the standard has no separate code for it. */
#ifndef CK_PTZCMD_H
#define CK_PTZCMD_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "codec/json.h"

enum ck_ptzcmd_family {
	CK_PTZ_PTZ = 1,     /* pan/tilt/zoom, instruction 0x00-0x3F */
	CK_PTZ_FI,          /* focus/iris, 0x40-0x4F */
	CK_PTZ_PRESET,      /* 0x81 set, 0x82 call, 0x83 delete */
	CK_PTZ_CRUISE,      /* 0x84-0x88 */
	CK_PTZ_SCAN,        /* 0x89, 0x8A */
	CK_PTZ_AUX          /* 0x8C on, 0x8D off */
};

/* PTZ instruction bits (combinable; 0 = stop). */
#define CK_PTZ_ZOOM_OUT 0x20
#define CK_PTZ_ZOOM_IN  0x10
#define CK_PTZ_UP       0x08
#define CK_PTZ_DOWN     0x04
#define CK_PTZ_LEFT     0x02
#define CK_PTZ_RIGHT    0x01
/* FI instruction bits (with 0x40). */
#define CK_FI_BASE       0x40
#define CK_FI_IRIS_CLOSE 0x08
#define CK_FI_IRIS_OPEN  0x04
#define CK_FI_FOCUS_NEAR 0x02
#define CK_FI_FOCUS_FAR  0x01
/* Other instructions. */
#define CK_PTZ_PRESET_SET   0x81
#define CK_PTZ_PRESET_CALL  0x82
#define CK_PTZ_PRESET_DEL   0x83
#define CK_PTZ_CRUISE_ADD   0x84
#define CK_PTZ_CRUISE_DEL   0x85
#define CK_PTZ_CRUISE_SPEED 0x86
#define CK_PTZ_CRUISE_DWELL 0x87
#define CK_PTZ_CRUISE_START 0x88
#define CK_PTZ_SCAN         0x89   /* byte 6: 0 start, 1 left, 2 right limit */
#define CK_PTZ_SCAN_SPEED   0x8A
#define CK_PTZ_AUX_ON       0x8C
#define CK_PTZ_AUX_OFF      0x8D

enum { CK_SCAN_START = 0, CK_SCAN_LEFT = 1, CK_SCAN_RIGHT = 2 };

/* One instruction, by meaning. Which fields count depends on the family:
 *  PTZ:    op = bits, pan_speed, tilt_speed (0-255), zoom_speed (0-15)
 *  FI:     op = 0x40 | bits, focus_speed (byte 5), iris_speed (byte 6)
 *  PRESET: op, preset (1-255, byte 6)
 *  CRUISE: op, group (byte 5), preset (byte 6) for add/delete (0 = the
 *          whole group on delete), value (12 bits) for speed/dwell
 *  SCAN:   op, group (byte 5), scan (CK_SCAN_*) for 0x89, value for 0x8A
 *  AUX:    op, aux (switch number, byte 5) */
typedef struct ck_ptzcmd {
	int family;
	unsigned op;          /* byte 4 */
	unsigned address;     /* 0-4095 */
	unsigned pan_speed, tilt_speed, zoom_speed;
	unsigned focus_speed, iris_speed;
	unsigned preset, group, value, scan, aux;
} ck_ptzcmd;

/* Builds the 8 bytes of c into out. Returns 0, or -1 with CK_USAGE when a
 * field is out of range or the op does not belong to the family. */
int ck_ptzcmd_encode(const ck_ptzcmd *c, uint8_t out[8], ck_err *e);
/* The same as 16 upper-case hex digits + NUL into hex (>= 17 bytes). */
int ck_ptzcmd_encode_hex(const ck_ptzcmd *c, char hex[17], ck_err *e);
/* Parses 8 bytes. Returns 0 with *c filled, or -1 with CK_DATAERR on a wrong
 * first byte, version/check nibble, checksum, or an instruction that is
 * unknown or self-contradictory (up and down at once). */
int ck_ptzcmd_decode(const uint8_t in[8], ck_ptzcmd *c, ck_err *e);
/* Parses 16 hex digits (either case; surrounding blanks ignored).
 * Returns 0, or -1 with CK_DATAERR (bad length or digit, or as above). */
int ck_ptzcmd_decode_hex(const char *s, size_t len, ck_ptzcmd *c, ck_err *e);
/* Stable action name of c: "left", "up-right", "zoom-in", "stop",
 * "up-left+zoom-out", "focus-near", "iris-open", "preset-goto",
 * "cruise-add", "scan-left", "aux-on"... Writes into buf and returns it. */
const char *ck_ptzcmd_action(const ck_ptzcmd *c, char *buf, size_t len);
/* Family name: "ptz", "fi", "preset", "cruise", "scan", "aux". */
const char *ck_ptzcmd_family_name(int family);
/* Builds c from a verb and its numbers, as gb-ptzcmd(1) takes them:
 * left|right|up|down SPEED, up-left|... PAN [TILT], zoom-in|zoom-out SPEED,
 * stop, focus-near|focus-far|iris-open|iris-close SPEED,
 * preset-set|preset-goto|preset-del N, cruise-add|cruise-del GROUP PRESET,
 * cruise-speed GROUP SPEED, cruise-dwell GROUP SECONDS, cruise-start GROUP,
 * cruise-stop [GROUP], scan-start|scan-left|scan-right [GROUP],
 * scan-speed GROUP SPEED, scan-stop [GROUP], aux-on|aux-off N.
 * cruise-stop and scan-stop are the PTZ stop instruction. Speeds default
 * (pan/tilt/focus/iris 128, zoom 8) when omitted. Address is left at 0.
 * Returns 0, or -1 with CK_USAGE (unknown verb, wrong count, range). */
int ck_ptzcmd_from_verb(const char *verb, const long long *args, int nargs,
    ck_ptzcmd *c, ck_err *e);
/* 1 if verb is one ck_ptzcmd_from_verb knows, else 0. */
int ck_ptzcmd_is_verb(const char *verb);

/* Adds the decoded fields of c to the record open in j ("family", "action",
 * "address" and the family's own fields). */
void ck_ptzcmd_json(const ck_ptzcmd *c, ck_json *j);

#endif
