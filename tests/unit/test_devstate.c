/* The simulated device's state: presets option, DeviceConfig validation
 * (all or nothing), ConfigDownload per ConfigType, PTZ moves. */
#include <stdlib.h>

#include "gb/devstate.h"
#include "t.h"

static ck_devstate
fresh(void)
{
	ck_devstate s;
	memset(&s, 0, sizeof s);
	snprintf(s.name, sizeof s.name, "cam");
	s.expiration = 3600;
	s.heartbeat_interval = 60;
	s.heartbeat_count = 3;
	s.zoom = 1;
	return s;
}

/* Applies a DeviceConfig body; returns the ck_devstate_config result. */
static int
config(ck_devstate *s, const char *body)
{
	ck_manscdp m;
	ck_err e;
	int rc;
	if (ck_manscdp_parse(body, strlen(body), NULL, &m, &e) < 0)
		return -2;
	rc = ck_devstate_config(s, m.root, &e);
	ck_manscdp_free(&m);
	return rc;
}

static void
presets(void)
{
	ck_devstate s = fresh();
	ck_err e;
	T_EQ_INT(ck_devstate_presets(&s, "1,5,255", &e), 0);
	T_OK(s.preset[1] && s.preset[5] && s.preset[255] && !s.preset[2]);
	T_EQ_INT(ck_devstate_presets(&s, "", &e), 0);
	T_OK(!s.preset[1]);
	T_EQ_INT(ck_devstate_presets(&s, "0", &e), -1);
	T_EQ_INT(e.kind, CK_USAGE);
	T_EQ_INT(ck_devstate_presets(&s, "256", &e), -1);
	T_EQ_INT(ck_devstate_presets(&s, "1,,2", &e), -1);
	T_EQ_INT(ck_devstate_presets(&s, "1;2", &e), -1);
	ck_ptzcmd c = { .family = CK_PTZ_PRESET, .op = CK_PTZ_PRESET_SET, .preset = 9 };
	ck_devstate_ptz(&s, &c);
	T_OK(s.preset[9]);
	c.op = CK_PTZ_PRESET_DEL;
	ck_devstate_ptz(&s, &c);
	T_OK(!s.preset[9]);
	ck_ptzcmd mv = { .family = CK_PTZ_PTZ, .op = CK_PTZ_LEFT | CK_PTZ_ZOOM_IN, .pan_speed = 0 };
	ck_devstate_ptz(&s, &mv);
	T_EQ_INT(s.pan, 359);
	T_EQ_INT(s.zoom, 2);
}

static void
configs(void)
{
	ck_devstate s = fresh();
	T_EQ_INT(config(&s, "<Control><CmdType>DeviceConfig</CmdType><SN>1</SN><DeviceID>1"
	    "</DeviceID><BasicParam><Name>Gate</Name><HeartBeatInterval>5</HeartBeatInterval>"
	    "<HeartBeatCount>2</HeartBeatCount><Expiration>600</Expiration></BasicParam>"
	    "</Control>"), 0);
	T_EQ_STR(s.name, "Gate");
	T_EQ_INT(s.heartbeat_interval, 5);
	T_EQ_INT(s.heartbeat_count, 2);
	T_EQ_INT(s.expiration, 600);
	/* one bad value: nothing applied */
	T_EQ_INT(config(&s, "<Control><CmdType>DeviceConfig</CmdType><SN>2</SN><BasicParam>"
	    "<Name>Other</Name><HeartBeatInterval>0</HeartBeatInterval></BasicParam></Control>"), -1);
	T_EQ_STR(s.name, "Gate");
	T_EQ_INT(s.heartbeat_interval, 5);
	T_EQ_INT(config(&s, "<Control><CmdType>DeviceConfig</CmdType><SN>3</SN><BasicParam>"
	    "<Expiration>x</Expiration></BasicParam></Control>"), -1);
	/* what it does not configure, or nothing at all */
	T_EQ_INT(config(&s, "<Control><CmdType>DeviceConfig</CmdType><SN>4</SN><BasicParam>"
	    "<Name>N</Name></BasicParam><OSDConfig/></Control>"), -1);
	T_EQ_STR(s.name, "Gate");
	T_EQ_INT(config(&s, "<Control><CmdType>DeviceConfig</CmdType><SN>5</SN></Control>"), -1);
	/* SnapShotConfig: SessionID 32-128, SnapNum 1-10 */
	T_EQ_INT(config(&s, "<Control><CmdType>DeviceConfig</CmdType><SN>6</SN><SnapShotConfig>"
	    "<SnapNum>11</SnapNum></SnapShotConfig></Control>"), -1);
	T_EQ_INT(config(&s, "<Control><CmdType>DeviceConfig</CmdType><SN>7</SN><SnapShotConfig>"
	    "<SessionID>short</SessionID></SnapShotConfig></Control>"), -1);
	T_EQ_INT(config(&s, "<Control><CmdType>DeviceConfig</CmdType><SN>8</SN><SnapShotConfig>"
	    "<SnapNum>2</SnapNum><Interval>1</Interval><UploadURL>http://h/u</UploadURL>"
	    "<SessionID>0123456789abcdef0123456789abcdef</SessionID></SnapShotConfig>"
	    "</Control>"), 0);
	T_EQ_INT(s.snap_num, 2);
	T_EQ_STR(s.upload_url, "http://h/u");
}

static void
downloads(void)
{
	ck_devstate s = fresh();
	ck_err e;
	size_t len;
	char *b = ck_devstate_config_download(&s, 7, "3402", "BasicParam / VideoParamOpt", &len, &e);
	T_OK(b && strstr(b, "<Result>OK</Result>") && strstr(b, "<HeartBeatInterval>60<") &&
	    strstr(b, "<VideoParamOpt>") && strstr(b, "<DeviceID>3402</DeviceID>") &&
	    !strstr(b, "<SVACEncodeConfig>"));
	T_EQ_INT(len, strlen(b));
	free(b);
	b = ck_devstate_config_download(&s, 7, "3402", "BasicParam/Nope", &len, &e);
	T_OK(b && strstr(b, "<Result>ERROR</Result>") && !strstr(b, "<BasicParam>"));
	free(b);
	b = ck_devstate_config_download(&s, 7, "3402", NULL, &len, &e);
	T_OK(b && strstr(b, "<Result>ERROR</Result>"));
	free(b);
	b = ck_devstate_config_download(&s, 7, "3402", "BasicParam//", &len, &e);
	T_OK(b && strstr(b, "<Result>OK</Result>"));
	free(b);
	s.recording = s.guard = 1;
	b = ck_devstate_status(&s, 8, "3402", "2026-01-01T00:00:00", &len, &e);
	T_OK(b && strstr(b, "<Record>ON</Record>") && strstr(b, "<DutyStatus>ONDUTY</DutyStatus>"));
	free(b);
	s.alarm = 1;
	b = ck_devstate_status(&s, 8, "3402", "2026-01-01T00:00:00", &len, &e);
	T_OK(b && strstr(b, "<DutyStatus>ALARM</DutyStatus>"));
	free(b);
}

int
main(void)
{
	presets();
	configs();
	downloads();
	T_DONE();
}
