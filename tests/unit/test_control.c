/* control: which bodies the standard answers with a Response, how a
 * Result is judged, and the builders' argument checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gb/control.h"
#include "t.h"

/* 1/0 from ck_control_expects for a body, -2 when it does not parse. */
static int
expects(const char *body)
{
	ck_manscdp m;
	ck_err e;
	int r;

	if (ck_manscdp_parse(body, strlen(body), NULL, &m, &e) < 0)
		return -2;
	r = ck_control_expects(&m);
	ck_manscdp_free(&m);
	return r;
}

static int
result(const char *r)
{
	char b[256];
	ck_manscdp m;
	ck_err e;
	int v;

	snprintf(b, sizeof b, "<Response><CmdType>DeviceControl</CmdType><SN>1</SN>"
	    "%s</Response>", r);
	if (ck_manscdp_parse(b, strlen(b), NULL, &m, &e) < 0)
		return -2;
	v = ck_control_result(&m);
	ck_manscdp_free(&m);
	return v;
}

/* The body of verb with args, parsed; 1 if it holds element=value. */
static int
builds(const char *verb, char **args, int n, int want_resp, const char *cmd,
    const char *elem, const char *value)
{
	char ct[32], *b;
	size_t len;
	int resp, ok, parsed;
	ck_manscdp m;
	ck_err e;

	if (!(b = ck_control_body(verb, args, n, 9, "3402", &resp, ct, &len, &e)))
		return 0;
	parsed = ck_manscdp_parse(b, len, NULL, &m, &e) == 0;
	ok = parsed && resp == want_resp &&
	    !strcmp(ct, cmd) && !strcmp(m.cmd_type, cmd) && m.sn == 9 &&
	    !strcmp(m.device_id, "3402") && !strcmp(m.kind, "Control");
	if (ok && elem) {
		const char *v = ck_xml_child_text(m.root, NULL, elem);
		ok = v && !strcmp(v, value);
	}
	if (parsed)
		ck_manscdp_free(&m);
	free(b);
	return ok;
}

int
main(void)
{
	char *none[] = { NULL }, *one[] = { "2", NULL },
	    *cfg[] = { "heartbeat-count=3", "name=x", NULL },
	    *bad[] = { "heartbeat-count=3", "heartbeat-count=4", NULL };
	char ct[32];
	size_t len;
	int resp;
	ck_err e;

	/* 2016 9.3: RecordCmd, GuardCmd, AlarmCmd, HomePosition, DeviceConfig
	 * are answered; PTZCmd, TeleBoot, IFameCmd, DragZoom, FormatSDCard not */
	T_EQ_INT(expects("<Control><CmdType>DeviceControl</CmdType><SN>1</SN>"
	    "<GuardCmd>SetGuard</GuardCmd></Control>"), 1);
	T_EQ_INT(expects("<Control><CmdType>DeviceControl</CmdType><SN>1</SN>"
	    "<RecordCmd>Record</RecordCmd></Control>"), 1);
	T_EQ_INT(expects("<Control><CmdType>DeviceConfig</CmdType><SN>1</SN>"
	    "<BasicParam/></Control>"), 1);
	T_EQ_INT(expects("<Control><CmdType>DeviceControl</CmdType><SN>1</SN>"
	    "<PTZCmd>A50F0100000000B5</PTZCmd></Control>"), 0);
	T_EQ_INT(expects("<Control><CmdType>DeviceControl</CmdType><SN>1</SN>"
	    "<TeleBoot>Boot</TeleBoot></Control>"), 0);
	T_EQ_INT(expects("<Control><CmdType>DeviceControl</CmdType><SN>1</SN>"
	    "<FormatSDCard>1</FormatSDCard></Control>"), 0);
	T_EQ_INT(expects("<Control><CmdType>DeviceControl</CmdType><SN>1</SN>"
	    "<DeviceUpgrade><Firmware>2</Firmware></DeviceUpgrade></Control>"), 1);
	T_EQ_INT(expects("<Query><CmdType>Catalog</CmdType><SN>1</SN></Query>"), 1);
	T_EQ_INT(expects("<Notify><CmdType>Keepalive</CmdType><SN>1</SN></Notify>"), 0);
	T_EQ_INT(expects("<Notify><CmdType>Broadcast</CmdType><SN>1</SN></Notify>"), 1);
	/* Result: OK and ERROR in either case; anything else is no verdict */
	T_EQ_INT(result("<Result>OK</Result>"), 1);
	T_EQ_INT(result("<Result> ok </Result>"), 1);
	T_EQ_INT(result("<Result>ERROR</Result>"), 0);
	T_EQ_INT(result("<Result>FAIL</Result>"), -1);
	T_EQ_INT(result(""), -1);
	/* builders */
	T_OK(builds("teleboot", none, 0, 0, "DeviceControl", "TeleBoot", "Boot"));
	T_OK(builds("stop-record", one, 1, 1, "DeviceControl", "StreamNumber", "2"));
	T_OK(builds("iframe", none, 0, 0, "DeviceControl", "IFameCmd", "Send"));
	T_OK(builds("format-sdcard", one, 1, 0, "DeviceControl", "FormatSDCard", "2"));
	T_OK(builds("unguard", none, 0, 1, "DeviceControl", "GuardCmd", "ResetGuard"));
	T_OK(builds("config", cfg, 2, 1, "DeviceConfig", NULL, NULL));
	T_OK(ck_control_body("config", bad, 2, 1, "1", &resp, ct, &len, &e) == NULL);
	T_EQ_INT(e.kind, CK_USAGE);
	T_OK(ck_control_body("guard", one, 1, 1, "1", &resp, ct, &len, &e) == NULL);
	T_OK(ck_control_body("spin", none, 0, 1, "1", &resp, ct, &len, &e) == NULL);
	T_OK(ck_control_is_verb("drag-zoom-out"));
	T_OK(!ck_control_is_verb("stop"));
	/* --body: a file without SN cannot be matched */
	{
		ck_manscdp m;
		char path[] = "/tmp/ck_control_XXXXXX";
		int fd = mkstemp(path);
		const char *b = "<Control><CmdType>DeviceControl</CmdType></Control>";
		T_OK(fd >= 0 && write(fd, b, strlen(b)) == (ssize_t)strlen(b));
		close(fd);
		T_OK(ck_control_load(path, &len, &m, &e) == NULL);
		T_EQ_INT(e.kind, CK_DATAERR);
		unlink(path);
		T_OK(ck_control_load(path, &len, &m, &e) == NULL);
		T_EQ_INT(e.kind, CK_NOINPUT);
	}
	T_DONE();
}
