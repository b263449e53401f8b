/* GB/T 28181 PTZCmd: known answers from the issue and real captures, and
 * round trips over every family. */
#include <stdlib.h>

#include "gb/ptzcmd.h"
#include "t.h"

static const char *
enc(const char *verb, const long long *a, int n, unsigned address)
{
	static char hex[17];
	ck_ptzcmd c;
	static ck_err e;

	if (ck_ptzcmd_from_verb(verb, a, n, &c, &e) < 0)
		return e.msg;
	c.address = address;
	if (ck_ptzcmd_encode_hex(&c, hex, &e) < 0)
		return e.msg;
	return hex;
}

static int
dec_err(const char *hex)
{
	ck_ptzcmd c;
	ck_err e = { 0, "" };

	if (ck_ptzcmd_decode_hex(hex, strlen(hex), &c, &e) == 0)
		return 0;
	return e.kind;
}

static void
known_answers(void)
{
	long long fa[] = { 0xFA }, five[] = { 5 }, ten[] = { 10 };

	T_EQ_STR(enc("stop", NULL, 0, 1), "A50F0100000000B5");
	T_EQ_STR(enc("left", fa, 1, 1), "A50F0102FA0000B1");
	T_EQ_STR(enc("down", fa, 1, 1), "A50F010400FA00B3");
	T_EQ_STR(enc("up", fa, 1, 1), "A50F010800FA00B7");
	T_EQ_STR(enc("right", fa, 1, 1), "A50F0101FA0000B0");
	T_EQ_STR(enc("preset-goto", five, 1, 1), "A50F01820005003C");
	/* The rest of seed 003's table (real Hikvision platform). */
	T_EQ_STR(enc("up-left", fa, 1, 1), "A50F010AFAFA00B3");
	T_EQ_STR(enc("down-left", fa, 1, 1), "A50F0106FAFA00AF");
	T_EQ_STR(enc("up-right", fa, 1, 1), "A50F0109FAFA00B2");
	T_EQ_STR(enc("down-right", fa, 1, 1), "A50F0105FAFA00AE");
	T_EQ_STR(enc("zoom-in", ten, 1, 1), "A50F01100000A065");
	T_EQ_STR(enc("zoom-out", ten, 1, 1), "A50F01200000A075");
	T_EQ_STR(enc("iris-open", fa, 1, 1), "A50F014400FA00F3");
	T_EQ_STR(enc("iris-close", fa, 1, 1), "A50F014800FA00F7");
	T_EQ_STR(enc("focus-far", fa, 1, 1), "A50F0141FA0000F0");
	T_EQ_STR(enc("focus-near", fa, 1, 1), "A50F0142FA0000F1");
}

static void
decode_capture(void)
{
	ck_ptzcmd c;
	ck_err e;
	char act[64];
	const char *cap = "a50f4d0190000092";

	T_EQ_INT(ck_ptzcmd_decode_hex(cap, strlen(cap), &c, &e), 0);
	T_EQ_INT(c.family, CK_PTZ_PTZ);
	T_EQ_STR(ck_ptzcmd_action(&c, act, sizeof act), "right");
	T_EQ_INT(c.pan_speed, 0x90);
	T_EQ_INT(c.tilt_speed, 0);
	T_EQ_INT(c.zoom_speed, 0);
	T_EQ_INT(c.address, 0x4D);

	T_EQ_INT(ck_ptzcmd_decode_hex(" A50F0102FA0000B1\r\n", 19, &c, &e), 0);
	T_EQ_STR(ck_ptzcmd_action(&c, act, sizeof act), "left");
	T_EQ_INT(c.pan_speed, 0xFA);
}

static void
address_split(void)
{
	long long fa[] = { 0xFA };
	ck_ptzcmd c;
	ck_err e;
	const char *h;

	/* 0xABC: low byte 0xBC in byte 3, high nibble 0xA in byte 7. */
	h = enc("left", fa, 1, 0xABC);
	T_EQ_STR(h, "A50FBC02FA000A76");
	T_EQ_INT(ck_ptzcmd_decode_hex(h, 16, &c, &e), 0);
	T_EQ_INT(c.address, 0xABC);
	{
		long long z[] = { 15 };
		h = enc("zoom-in", z, 1, 0xFFF);
		T_EQ_INT(ck_ptzcmd_decode_hex(h, 16, &c, &e), 0);
		T_EQ_INT(c.address, 0xFFF);
		T_EQ_INT(c.zoom_speed, 15);
	}
	ck_ptzcmd_from_verb("stop", NULL, 0, &c, &e);
	c.address = 4096;
	T_OK(ck_ptzcmd_encode_hex(&c, (char[17]){ 0 }, &e) < 0);
	T_EQ_INT(e.kind, CK_USAGE);
}

static void
rejects(void)
{
	T_EQ_INT(dec_err("A50F0100000000B"), CK_DATAERR);     /* short */
	T_EQ_INT(dec_err("A50F0100000000B500"), CK_DATAERR);  /* long */
	T_EQ_INT(dec_err(""), CK_DATAERR);
	T_EQ_INT(dec_err("A50F01000000G0B5"), CK_DATAERR);    /* digit */
	T_EQ_INT(dec_err("A60F0100000000B6"), CK_DATAERR);    /* first byte */
	T_EQ_INT(dec_err("A50E0100000000B4"), CK_DATAERR);    /* check nibble */
	T_EQ_INT(dec_err("A51001000000B6B6"), CK_DATAERR);    /* v1, nibble 0 */
	T_EQ_INT(dec_err("A51F0100000000C5"), CK_DATAERR);    /* v1 */
	T_EQ_INT(dec_err("A50F0100000000B4"), CK_DATAERR);    /* checksum */
	T_EQ_INT(dec_err("A50F010C00FA00BB"), CK_DATAERR);    /* up+down */
	T_EQ_INT(dec_err("A50F0103FA0000B2"), CK_DATAERR);    /* left+right */
	T_EQ_INT(dec_err("A50F01300000A085"), CK_DATAERR);    /* zoom in+out */
	T_EQ_INT(dec_err("A50F014C00FA00FB"), CK_DATAERR);    /* iris both */
	T_EQ_INT(dec_err("A50F018B000000 40"), CK_DATAERR);
	T_EQ_INT(dec_err("A50F018B00000040"), CK_DATAERR);    /* unknown op */
	T_EQ_INT(dec_err("A50F01890103003E"), CK_DATAERR);    /* scan 3 */
	T_EQ_INT(dec_err("A50F0100000000B5"), 0);
}

static void
roundtrip_one(const char *verb, const long long *a, int n, unsigned addr)
{
	ck_ptzcmd c, d;
	ck_err e;
	char hex[17], act[64], act2[64];

	T_EQ_INT(ck_ptzcmd_from_verb(verb, a, n, &c, &e), 0);
	c.address = addr;
	T_EQ_INT(ck_ptzcmd_encode_hex(&c, hex, &e), 0);
	T_EQ_INT(ck_ptzcmd_decode_hex(hex, 16, &d, &e), 0);
	T_EQ_INT(memcmp(&c, &d, sizeof c), 0);
	ck_ptzcmd_action(&d, act, sizeof act);
	if (strcmp(verb, "cruise-stop") == 0 || strcmp(verb, "scan-stop") == 0)
		T_EQ_STR(act, "stop");
	else
		T_EQ_STR(act, verb);
	(void)act2;
}

static void
roundtrips(void)
{
	static const struct { const char *v; int n; long long a[2]; } cases[] = {
		{ "stop", 0, { 0 } }, { "left", 1, { 1 } }, { "right", 1, { 255 } },
		{ "up", 1, { 0 } }, { "down", 1, { 77 } },
		{ "up-left", 2, { 128, 64 } }, { "up-right", 2, { 1, 2 } },
		{ "down-left", 1, { 200 } }, { "down-right", 2, { 255, 0 } },
		{ "zoom-in", 1, { 0 } }, { "zoom-out", 1, { 15 } },
		{ "focus-near", 1, { 100 } }, { "focus-far", 1, { 1 } },
		{ "iris-open", 1, { 100 } }, { "iris-close", 1, { 255 } },
		{ "preset-set", 1, { 1 } }, { "preset-goto", 1, { 255 } },
		{ "preset-del", 1, { 5 } },
		{ "cruise-add", 2, { 1, 5 } }, { "cruise-del", 2, { 255, 0 } },
		{ "cruise-speed", 2, { 2, 4095 } }, { "cruise-dwell", 2, { 3, 300 } },
		{ "cruise-start", 1, { 4 } }, { "cruise-stop", 1, { 4 } },
		{ "scan-start", 0, { 0 } }, { "scan-left", 1, { 2 } },
		{ "scan-right", 1, { 255 } }, { "scan-speed", 2, { 1, 0xABC } },
		{ "scan-stop", 0, { 0 } },
		{ "aux-on", 1, { 1 } }, { "aux-off", 1, { 255 } },
	};
	static const unsigned addrs[] = { 0, 1, 0x4D, 0x100, 0xFFF };
	size_t i, k;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		for (k = 0; k < sizeof addrs / sizeof addrs[0]; k++)
			roundtrip_one(cases[i].v, cases[i].a, cases[i].n, addrs[k]);
}

static void
exhaustive_decode(void)
{
	/* Every instruction byte with every data pattern: whatever decodes
	 * must encode back to the same bytes (nothing guessed or dropped). */
	static const uint8_t data[][3] = { { 0, 0, 0 }, { 0xFA, 0x05, 0xA3 },
	    { 0xFF, 0xFF, 0xFF }, { 1, 2, 0x30 } };
	int op, k, ok = 1, n = 0;

	for (op = 0; op < 256; op++)
		for (k = 0; k < 4; k++) {
			uint8_t b[8] = { 0xA5, 0x0F, 0x4D, (uint8_t)op, data[k][0],
			    data[k][1], data[k][2], 0 }, o[8];
			unsigned s = 0;
			int i;
			ck_ptzcmd c;
			ck_err e;

			for (i = 0; i < 7; i++)
				s += b[i];
			b[7] = (uint8_t)s;
			if (ck_ptzcmd_decode(b, &c, &e) < 0)
				continue;
			n++;
			/* reserved bytes are dropped by design: compare what
			 * the family uses */
			if (ck_ptzcmd_encode(&c, o, &e) < 0) {
				if (c.preset != 0)
					ok = 0;
				continue;
			}
			if (o[2] != b[2] || o[3] != b[3])
				ok = 0;
		}
	T_OK(ok);
	T_OK(n > 100);
}

static void
verbs(void)
{
	ck_ptzcmd c;
	ck_err e;
	long long big[] = { 256 }, two[] = { 1, 2 }, z[] = { 16 }, zero[] = { 0 };

	T_EQ_INT(ck_ptzcmd_from_verb("spin", NULL, 0, &c, &e), -1);
	T_EQ_INT(e.kind, CK_USAGE);
	T_EQ_INT(ck_ptzcmd_from_verb("left", big, 1, &c, &e), -1);
	T_EQ_INT(ck_ptzcmd_from_verb("left", two, 2, &c, &e), -1);
	T_EQ_INT(ck_ptzcmd_from_verb("zoom-in", z, 1, &c, &e), -1);
	T_EQ_INT(ck_ptzcmd_from_verb("preset-goto", zero, 1, &c, &e), -1);
	T_EQ_INT(ck_ptzcmd_from_verb("preset-goto", NULL, 0, &c, &e), -1);
	T_EQ_INT(ck_ptzcmd_from_verb("stop", zero, 1, &c, &e), -1);
	T_EQ_INT(ck_ptzcmd_from_verb("up-right", two, 2, &c, &e), 0);
	T_EQ_INT(c.pan_speed, 1);
	T_EQ_INT(c.tilt_speed, 2);
	T_OK(ck_ptzcmd_is_verb("aux-on"));
	T_OK(!ck_ptzcmd_is_verb("aux"));
}

static void
json_out(void)
{
	ck_json *j = ck_json_new();
	ck_ptzcmd c;
	ck_err e;

	ck_ptzcmd_decode_hex("a50f4d0190000092", 16, &c, &e);
	ck_json_record(j, "ptzcmd");
	ck_ptzcmd_json(&c, j);
	T_EQ_STR(ck_json_text(j), "{\"type\":\"ptzcmd\",\"family\":\"ptz\","
	    "\"action\":\"right\",\"pan_speed\":144,\"tilt_speed\":0,"
	    "\"zoom_speed\":0,\"address\":77");
	ck_json_free(j);
}

int
main(void)
{
	known_answers();
	decode_capture();
	address_split();
	rejects();
	roundtrips();
	exhaustive_decode();
	verbs();
	json_out();
	T_DONE();
}
