/* gb-ptzcmd: encode, decode (and send) GB/T 28181 PTZCmd instructions. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "json.h"
#include "log.h"
#include "manscdp.h"
#include "opt.h"
#include "ptzcmd.h"
#include "tool.h"

static const char usage[] =
"Usage: gb-ptzcmd [options] COMMAND [ARG...]\n"
"       gb-ptzcmd --decode [HEX...]\n"
"Encodes a GB/T 28181 PTZCmd (16 hex digits), or decodes them to NDJSON\n"
"(HEX arguments, or one per line on stdin).\n"
"\n"
"Commands: stop; left|right|up|down [SPEED]; up-left|up-right|down-left|\n"
"  down-right [PAN [TILT]]; zoom-in|zoom-out [SPEED 0-15];\n"
"  focus-near|focus-far|iris-open|iris-close [SPEED];\n"
"  preset-set|preset-goto|preset-del N; cruise-add|cruise-del GROUP PRESET;\n"
"  cruise-speed GROUP SPEED; cruise-dwell GROUP SECONDS; cruise-start GROUP;\n"
"  cruise-stop [GROUP]; scan-start|scan-left|scan-right|scan-stop [GROUP];\n"
"  scan-speed GROUP SPEED; aux-on|aux-off N;\n"
"  with --xml also: home-position PRESET [SECONDS],\n"
"  home-position-off, guard, unguard.\n"
"Speeds are 0-255 (default 128), zoom 0-15 (default 8).\n"
"\n"
"  -a, --address N       device address 0-4095 (default 1)\n"
"  -x, --xml             print the MANSCDP DeviceControl body instead\n"
"  -d, --device-id ID    DeviceID in the body\n"
"      --sn N            SN of the body (default: random)\n"
"  -D, --decode          decode HEX arguments or stdin lines\n"
"  -v, --verbose         -v events, -vv wire trace\n"
"  -h, --help            show this help\n"
"  -V, --version         show the version\n"
"\n"
"Exit: 0 ok, 64 usage, 65 malformed PTZCmd, 74 I/O error.\n";

struct opts {
	long long address;
	int xml, decode;
	const char *device_id;
	long long sn;
	int nargs;
	char **args;
};

/* Commands that exist only as a DeviceControl body, not as a PTZCmd. */
static int
xml_only(const char *verb)
{
	return !strcmp(verb, "home-position") ||
	    !strcmp(verb, "home-position-off") || !strcmp(verb, "guard") ||
	    !strcmp(verb, "unguard");
}

static int
parse_nums(const struct opts *o, long long *nums, ck_err *e)
{
	int i;

	if (o->nargs - 1 > 2)
		return ck_seterr(e, CK_USAGE, "%s: too many arguments",
		    o->args[0]);
	for (i = 1; i < o->nargs; i++)
		if (ck_parse_int(o->args[i], 0, 4095, &nums[i - 1], e) < 0)
			return ck_wraperr(e, "%s", o->args[0]);
	return 0;
}

/* The body for the command (PTZCmd, HomePosition or GuardCmd). */
static char *
control_body(const struct opts *o, const char *device_id, unsigned long sn,
    const char *hex, size_t *len, ck_err *e)
{
	const char *v = o->args[0];
	long long n[2] = { 0, 0 };

	if (!xml_only(v))
		return ck_manscdp_ptz_control(sn, device_id, hex, len, e);
	if (parse_nums(o, n, e) < 0)
		return NULL;
	if (!strcmp(v, "home-position")) {
		if (o->nargs < 2 || n[0] < 1 || n[0] > 255)
			return ck_seterr(e, CK_USAGE, "home-position takes a "
			    "preset 1-255 and optional seconds"), NULL;
		return ck_manscdp_home_position(sn, device_id, 1,
		    o->nargs > 2 ? (unsigned)n[1] : 0, (unsigned)n[0], len, e);
	}
	if (o->nargs > 1)
		return ck_seterr(e, CK_USAGE, "%s takes no argument", v), NULL;
	if (!strcmp(v, "home-position-off"))
		return ck_manscdp_home_position(sn, device_id, 0, 0, 0, len, e);
	return ck_manscdp_guard_control(sn, device_id, !strcmp(v, "guard"),
	    len, e);
}

/* Builds the PTZCmd hex for the command (empty for XML-only commands). */
static int
build(const struct opts *o, char hex[17], ck_err *e)
{
	long long nums[2] = { 0, 0 };
	ck_ptzcmd c;

	hex[0] = '\0';
	if (xml_only(o->args[0]))
		return 0;
	if (!ck_ptzcmd_is_verb(o->args[0]))
		return ck_seterr(e, CK_USAGE, "unknown command '%s'", o->args[0]);
	if (parse_nums(o, nums, e) < 0 ||
	    ck_ptzcmd_from_verb(o->args[0], nums, o->nargs - 1, &c, e) < 0)
		return -1;
	c.address = (unsigned)o->address;
	return ck_ptzcmd_encode_hex(&c, hex, e);
}

static unsigned long
default_sn(const struct opts *o)
{
	struct timespec ts;

	if (o->sn >= 0)
		return (unsigned long)o->sn;
	clock_gettime(CLOCK_REALTIME, &ts);
	return 1 + (unsigned long)((ts.tv_nsec / 1000 ^ getpid()) % 999999);
}

static int
do_encode(const struct opts *o)
{
	char hex[17], *body;
	size_t len;
	ck_err e;

	if (build(o, hex, &e) < 0)
		return e.kind == CK_USAGE ? ck_usage_err("%s", e.msg) : ck_fail(&e);
	if (!o->xml) {
		if (!hex[0])
			return ck_usage_err("%s needs --xml or --send", o->args[0]);
		printf("%s\n", hex);
		return 0;
	}
	if (!(body = control_body(o, o->device_id, default_sn(o), hex, &len, &e)))
		return e.kind == CK_USAGE ? ck_usage_err("%s", e.msg) : ck_fail(&e);
	fwrite(body, 1, len, stdout);
	free(body);
	return 0;
}

/* One input: a record, or an error on stderr (and an error record when
 * reading stdin, so a pipe sees every line). Returns 0 or CK_DATAERR. */
static int
decode_one(ck_json *j, const char *s, size_t n, int as_stream)
{
	ck_ptzcmd c;
	ck_err e;

	if (ck_ptzcmd_decode_hex(s, n, &c, &e) < 0) {
		ck_warn("%s", e.msg);
		if (as_stream) {
			ck_json_record(j, "error");
			ck_json_strn(j, "input", s, n);
			ck_json_str(j, "error", ck_kind_name(e.kind));
			ck_json_str(j, "message", e.msg);
			ck_json_emit(j, stdout);
		}
		return CK_DATAERR;
	}
	{
		char hex[17];
		const char *p = s + strspn(s, " \t\r\n");
		int i;
		for (i = 0; i < 16; i++)
			hex[i] = (char)toupper((unsigned char)p[i]);
		hex[16] = '\0';
		ck_json_record(j, "ptzcmd");
		ck_json_str(j, "hex", hex);
	}
	ck_ptzcmd_json(&c, j);
	ck_json_emit(j, stdout);
	return 0;
}

static int
do_decode(const struct opts *o)
{
	ck_json *j = ck_json_new();
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int i, rc = 0;

	if (!j)
		return CK_SOFTWARE;
	for (i = 0; i < o->nargs; i++)
		rc = ck_worst(rc, decode_one(j, o->args[i], strlen(o->args[i]), 0));
	if (o->nargs == 0)
		while ((n = getline(&line, &cap, stdin)) > 0) {
			size_t k = (size_t)n;
			while (k > 0 && (line[k - 1] == '\n' || line[k - 1] == '\r' ||
			    line[k - 1] == ' ' || line[k - 1] == '\t'))
				k--;
			if (k == strspn(line, " \t"))
				continue;   /* blank line */
			rc = ck_worst(rc, decode_one(j, line, k, 1));
		}
	free(line);
	ck_json_free(j);
	return rc;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "address", required_argument, NULL, 'a' },
		{ "xml", no_argument, NULL, 'x' },
		{ "device-id", required_argument, NULL, 'd' },
		{ "sn", required_argument, NULL, 'S' },
		{ "decode", no_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	ck_err e;
	int c;

	while ((c = getopt_long(argc, argv, "a:xd:DvhV", lo, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (ck_parse_int(optarg, 0, 4095, &o->address, &e) < 0)
				return ck_usage_err("--address: %s", e.msg);
			break;
		case 'x': o->xml = 1; break;
		case 'd': o->device_id = optarg; break;
		case 'S':
			if (ck_parse_int(optarg, 0, 4294967295LL, &o->sn, &e) < 0)
				return ck_usage_err("--sn: %s", e.msg);
			break;
		case 'D': o->decode = 1; break;
		case 'v': ck_verbosity++; break;
		case 'h': fputs(usage, stdout); return -1;
		case 'V': ck_version(); return -1;
		default: return ck_usage_err("unknown option");
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { .address = 1, .sn = -1 };
	int rc;

	ck_log_init(argv[0]);
	if ((rc = parse_opts(argc, argv, &o)) != 0)
		return rc < 0 ? ck_finish(0) : rc;
	if (o.decode) {
		if (o.xml || o.device_id)
			return ck_usage_err("--decode does not take --xml or --device-id");
		return ck_finish(do_decode(&o));
	}
	if (o.nargs == 0)
		return ck_usage_err("no command given");
	if (o.xml && !o.device_id)
		return ck_usage_err("--xml needs --device-id");
	return ck_finish(do_encode(&o));
}
