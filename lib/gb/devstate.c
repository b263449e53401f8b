/* devstate: the simulated device's state and the Responses built from it. */
#include "gb/devstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sbuf.h"

int
ck_devstate_presets(ck_devstate *s, const char *list, ck_err *e)
{
	unsigned char p[sizeof s->preset] = { 0 };
	const char *c = list;
	while (c && *c) {
		char *end;
		long v = strtol(c, &end, 10);
		if (end == c || v < 1 || v > CK_DEVSTATE_MAX_PRESET || (*end && *end != ','))
			return ck_err_set(e, CK_USAGE, "--presets: numbers 1-%d separated by "
			    "commas expected at '%s'", CK_DEVSTATE_MAX_PRESET, c);
		p[v] = 1;
		c = *end ? end + 1 : end;
	}
	memcpy(s->preset, p, sizeof p);
	return 0;
}

/* An integer element of n in lo..hi: 1 set, 0 absent, -1 bad (e). */
static int
int_field(const ck_xml_node *n, const char *name, long lo, long hi, int *out, ck_err *e)
{
	const char *v = ck_manscdp_field(n, name);
	char *end;
	long x;
	if (v == NULL)
		return 0;
	x = strtol(v, &end, 10);
	if (end == v || *end || x < lo || x > hi)
		return ck_err_set(e, CK_DATAERR, "%s '%s' is not a number %ld-%ld", name, v, lo, hi);
	*out = (int)x;
	return 1;
}

int
ck_devstate_config(ck_devstate *s, const ck_xml_node *control, ck_err *e)
{
	ck_devstate t = *s;
	const ck_xml_node *c, *bp = ck_xml_child(control, NULL, "BasicParam"),
	    *ss = ck_xml_child(control, NULL, "SnapShotConfig");
	/* what this device configures; anything else is answered ERROR */
	for (c = control->first; c; c = c->next) {
		if (strcmp(c->name, "CmdType") && strcmp(c->name, "SN") &&
		    strcmp(c->name, "DeviceID") && strcmp(c->name, "BasicParam") &&
		    strcmp(c->name, "SnapShotConfig"))
			return ck_err_set(e, CK_DATAERR, "%s is not configurable here", c->name);
	}
	if (bp == NULL && ss == NULL)
		return ck_err_set(e, CK_DATAERR, "DeviceConfig without BasicParam or SnapShotConfig");
	if (bp) {
		const char *name = ck_manscdp_field(bp, "Name");
		if (name && strlen(name) >= sizeof t.name)
			return ck_err_set(e, CK_DATAERR, "Name longer than %zu bytes", sizeof t.name - 1);
		if (name)
			snprintf(t.name, sizeof t.name, "%s", name);
		/* the ranges real cameras accept: expiry at least 1 min, a
		 * heartbeat every 5 s to 1 h, 1-255 misses */
		if (int_field(bp, "Expiration", 60, 100000000, &t.expiration, e) < 0 ||
		    int_field(bp, "HeartBeatInterval", 1, 3600, &t.heartbeat_interval, e) < 0 ||
		    int_field(bp, "HeartBeatCount", 1, 255, &t.heartbeat_count, e) < 0)
			return -1;
	}
	if (ss) {
		const char *u = ck_manscdp_field(ss, "UploadURL"),
		    *sid = ck_manscdp_field(ss, "SessionID");
		/* SnapNum 1-10, Interval >= 1 s, SessionID 32-128 (2022 A.2.3) */
		if (int_field(ss, "SnapNum", 1, 10, &t.snap_num, e) < 0 ||
		    int_field(ss, "Interval", 1, 3600, &t.snap_interval, e) < 0)
			return -1;
		if (sid && (strlen(sid) < 32 || strlen(sid) > 128))
			return ck_err_set(e, CK_DATAERR, "SessionID of %zu characters (32-128)",
			    strlen(sid));
		if (u && strlen(u) >= sizeof t.upload_url)
			return ck_err_set(e, CK_DATAERR, "UploadURL too long");
		if (u)
			snprintf(t.upload_url, sizeof t.upload_url, "%s", u);
		if (sid)
			snprintf(t.session_id, sizeof t.session_id, "%s", sid);
	}
	*s = t;
	return 0;
}

static int
clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void
ck_devstate_ptz(ck_devstate *s, const ck_ptzcmd *c)
{
	if (c->family == CK_PTZ_PRESET && c->preset >= 1 && c->preset <= CK_DEVSTATE_MAX_PRESET) {
		if (c->op == CK_PTZ_PRESET_SET)
			s->preset[c->preset] = 1;
		else if (c->op == CK_PTZ_PRESET_DEL)
			s->preset[c->preset] = 0;
		return;
	}
	if (c->family != CK_PTZ_PTZ)
		return;
	/* one step per command: position in degrees (pan 0-359, tilt -90..90)
	 * and zoom 1-30, enough for PTZPosition to show movement */
	int step = 1 + (int)c->pan_speed / 32, tstep = 1 + (int)c->tilt_speed / 32;
	if (c->op & CK_PTZ_LEFT)
		s->pan = (s->pan + 360 - step) % 360;
	if (c->op & CK_PTZ_RIGHT)
		s->pan = (s->pan + step) % 360;
	if (c->op & CK_PTZ_UP)
		s->tilt = clampi(s->tilt + tstep, -90, 90);
	if (c->op & CK_PTZ_DOWN)
		s->tilt = clampi(s->tilt - tstep, -90, 90);
	if (c->op & CK_PTZ_ZOOM_IN)
		s->zoom = clampi(s->zoom + 1, 1, 30);
	if (c->op & CK_PTZ_ZOOM_OUT)
		s->zoom = clampi(s->zoom - 1, 1, 30);
}

/* The body ends with </Response>; converted as ck_manscdp_response does
 * (GB18030 bytes when a value is not ASCII), by letting it build the
 * envelope around our elements. */
static char *
finish(ck_sbuf *b, const char *cmd_type, unsigned long sn, const char *id, size_t *len,
    ck_err *e)
{
	char *tail = ck_sbuf_done(b), *r;
	if (tail == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory"), NULL;
	r = ck_manscdp_response(cmd_type, sn, id, NULL, 0, tail, len, e);
	free(tail);
	return r;
}

static void
line(ck_sbuf *b, const char *name, const char *v)
{
	ck_sbuf_elem(b, name, v);
	ck_sbuf_add(b, "\r\n");
}

static void
iline(ck_sbuf *b, const char *name, long v)
{
	ck_sbuf_printf(b, "<%s>%ld</%s>\r\n", name, v, name);
}

/* One ConfigType's element, or -1 when the type is unknown. Codes after
 * GB/T 28181-2016 A.2.6 and its code tables: VideoFormat 2 H.264,
 * Resolution 6 1080P (5 720P, 4 D1), BitRateType 1 CBR, AudioFormat 1
 * G.711, AudioBitRate 8 64 kbit/s, SamplingRate 1 8 kHz. */
static int
config_elem(const ck_devstate *s, const char *type, size_t tl, ck_sbuf *b)
{
#define IS(x) (tl == sizeof(x) - 1 && strncmp(type, x, tl) == 0)
	if (IS("BasicParam")) {
		ck_sbuf_add(b, "<BasicParam>\r\n");
		line(b, "Name", s->name);
		line(b, "DeviceID", s->id);
		line(b, "SIPServerID", s->server_id);
		line(b, "SIPServerIP", s->server_ip);
		iline(b, "SIPServerPort", s->server_port);
		line(b, "DomainName", s->domain);
		iline(b, "Expiration", s->expiration);
		line(b, "Password", "********");
		iline(b, "HeartBeatInterval", s->heartbeat_interval);
		iline(b, "HeartBeatCount", s->heartbeat_count);
		ck_sbuf_add(b, "</BasicParam>\r\n");
	} else if (IS("VideoParamOpt"))
		ck_sbuf_add(b, "<VideoParamOpt>\r\n<DownloadSpeed>1/2/4/8</DownloadSpeed>\r\n"
		    "<Resolution>6/5/4</Resolution>\r\n</VideoParamOpt>\r\n");
	else if (IS("VideoParamConfig"))
		ck_sbuf_add(b, "<VideoParamConfig Num=\"2\">\r\n"
		    "<Item>\r\n<StreamName>Stream1</StreamName>\r\n<VideoFormat>2</VideoFormat>\r\n"
		    "<Resolution>6</Resolution>\r\n<FrameRate>25</FrameRate>\r\n"
		    "<BitRateType>1</BitRateType>\r\n<VideoBitRate>4096</VideoBitRate>\r\n</Item>\r\n"
		    "<Item>\r\n<StreamName>Stream2</StreamName>\r\n<VideoFormat>2</VideoFormat>\r\n"
		    "<Resolution>4</Resolution>\r\n<FrameRate>25</FrameRate>\r\n"
		    "<BitRateType>2</BitRateType>\r\n<VideoBitRate>1024</VideoBitRate>\r\n</Item>\r\n"
		    "</VideoParamConfig>\r\n");
	else if (IS("AudioParamOpt"))
		ck_sbuf_add(b, "<AudioParamOpt>\r\n<AudioFormat>1/2/3/4</AudioFormat>\r\n"
		    "<AudioBitRate>1/2/3/4/5/6/7/8</AudioBitRate>\r\n"
		    "<SamplingRate>1/2/3/4</SamplingRate>\r\n</AudioParamOpt>\r\n");
	else if (IS("AudioParamConfig"))
		ck_sbuf_add(b, "<AudioParamConfig Num=\"1\">\r\n<Item>\r\n"
		    "<StreamName>Audio1</StreamName>\r\n<AudioFormat>1</AudioFormat>\r\n"
		    "<AudioBitRate>8</AudioBitRate>\r\n<SamplingRate>1</SamplingRate>\r\n"
		    "</Item>\r\n</AudioParamConfig>\r\n");
	else if (IS("SVACEncodeConfig"))
		ck_sbuf_add(b, "<SVACEncodeConfig>\r\n<ROIParam>\r\n<ROIFlag>0</ROIFlag>\r\n"
		    "<ROINumber>0</ROINumber>\r\n<BackGroundQP>0</BackGroundQP>\r\n"
		    "<BackGroundSkipFlag>0</BackGroundSkipFlag>\r\n</ROIParam>\r\n"
		    "<SVCParam>\r\n<SVCFlag>0</SVCFlag>\r\n</SVCParam>\r\n<SurveillanceParam>\r\n"
		    "<TimeFlag>1</TimeFlag>\r\n<EventFlag>0</EventFlag>\r\n<AlertFlag>0</AlertFlag>\r\n"
		    "</SurveillanceParam>\r\n<AudioParam>\r\n<AudioRecognitionFlag>0"
		    "</AudioRecognitionFlag>\r\n</AudioParam>\r\n</SVACEncodeConfig>\r\n");
	else if (IS("SVACDecodeConfig"))
		ck_sbuf_add(b, "<SVACDecodeConfig>\r\n<SVCParam>\r\n<SVCSTMMode>0</SVCSTMMode>\r\n"
		    "</SVCParam>\r\n<SurveillanceParam>\r\n<TimeShowFlag>1</TimeShowFlag>\r\n"
		    "<EventShowFlag>0</EventShowFlag>\r\n<AlerShowFlag>0</AlerShowFlag>\r\n"
		    "</SurveillanceParam>\r\n</SVACDecodeConfig>\r\n");
	else if (IS("SnapShotConfig")) {
		ck_sbuf_add(b, "<SnapShotConfig>\r\n");
		iline(b, "SnapNum", s->snap_num);
		iline(b, "Interval", s->snap_interval);
		line(b, "UploadURL", s->upload_url);
		line(b, "SessionID", s->session_id);
		ck_sbuf_add(b, "</SnapShotConfig>\r\n");
	} else
		return -1;
	return 0;
#undef IS
}

char *
ck_devstate_config_download(const ck_devstate *s, unsigned long sn,
    const char *device_id, const char *types, size_t *len, ck_err *e)
{
	ck_sbuf b = { 0 }, body = { 0 };
	const char *t = types ? types : "";
	int ok = *t != '\0';
	while (*t) {
		size_t tl = strcspn(t, "/");
		/* blanks around a type are tolerated, as platforms write them */
		while (tl && (*t == ' ' || *t == '\t'))
			t++, tl--;
		size_t k = tl;
		while (k && (t[k - 1] == ' ' || t[k - 1] == '\t'))
			k--;
		/* an empty one (a trailing "/") is no type */
		if (k > 0 && config_elem(s, t, k, &body) < 0)
			ok = 0;
		t += tl;
		if (*t == '/')
			t++;
	}
	line(&b, "Result", ok ? "OK" : "ERROR");
	if (ok && body.p)
		ck_sbuf_add(&b, body.p);
	ck_sbuf_free(&body);
	return finish(&b, "ConfigDownload", sn, device_id, len, e);
}

char *
ck_devstate_status(const ck_devstate *s, unsigned long sn, const char *device_id,
    const char *device_time, size_t *len, ck_err *e)
{
	ck_sbuf b = { 0 };
	line(&b, "Result", "OK");
	line(&b, "Online", "ONLINE");
	line(&b, "Status", "OK");
	line(&b, "Encode", "ON");
	line(&b, "Record", s->recording ? "ON" : "OFF");
	line(&b, "DeviceTime", device_time);
	ck_sbuf_add(&b, "<Alarmstatus Num=\"1\">\r\n<Item>\r\n");
	line(&b, "DeviceID", device_id);
	line(&b, "DutyStatus", s->alarm ? "ALARM" : s->guard ? "ONDUTY" : "OFFDUTY");
	ck_sbuf_add(&b, "</Item>\r\n</Alarmstatus>\r\n");
	return finish(&b, "DeviceStatus", sn, device_id, len, e);
}

char *
ck_devstate_result(const char *cmd_type, unsigned long sn, const char *device_id, int ok,
    size_t *len, ck_err *e)
{
	const char *kv[] = { "Result", ok ? "OK" : "ERROR" };
	return ck_manscdp_response(cmd_type, sn, device_id, kv, 2, NULL, len, e);
}

static size_t
npresets(const ck_devstate *s)
{
	size_t n = 0;
	for (int i = 1; i <= CK_DEVSTATE_MAX_PRESET; i++)
		n += s->preset[i];
	return n;
}

static char *
preset_list(const ck_devstate *s, unsigned long sn, const char *id, size_t *len, ck_err *e)
{
	ck_sbuf b = { 0 };
	size_t n = npresets(s);
	ck_sbuf_printf(&b, "<SumNum>%zu</SumNum>\r\n<PresetList Num=\"%zu\">\r\n", n, n);
	for (int i = 1; i <= CK_DEVSTATE_MAX_PRESET; i++)
		if (s->preset[i])
			ck_sbuf_printf(&b, "<Item>\r\n<PresetID>%d</PresetID>\r\n"
			    "<PresetName>Preset %d</PresetName>\r\n</Item>\r\n", i, i);
	ck_sbuf_add(&b, "</PresetList>\r\n");
	return finish(&b, "PresetQuery", sn, id, len, e);
}

/* The cruise track of this device: track 1 over every preset (2022
 * CruiseTrackListQuery / CruiseTrackQuery), none without presets. */
static char *
cruise(const ck_devstate *s, const ck_manscdp *q, const char *id, size_t *len, ck_err *e)
{
	ck_sbuf b = { 0 };
	size_t n = npresets(s);
	if (strcmp(q->cmd_type, "CruiseTrackListQuery") == 0) {
		line(&b, "Result", "OK");
		ck_sbuf_printf(&b, "<SumNum>%d</SumNum>\r\n<CruiseTrackList Num=\"%d\">\r\n",
		    n > 0, n > 0);
		if (n > 0)
			ck_sbuf_add(&b, "<CruiseTrack>\r\n<Number>1</Number>\r\n"
			    "<Name>Cruise 1</Name>\r\n</CruiseTrack>\r\n");
		ck_sbuf_add(&b, "</CruiseTrackList>\r\n");
		return finish(&b, q->cmd_type, q->sn, id, len, e);
	}
	const char *num = ck_manscdp_field(q->root, "Number");
	if (n == 0 || num == NULL || strcmp(num, "1") != 0) {
		line(&b, "Result", "ERROR");
		return finish(&b, q->cmd_type, q->sn, id, len, e);
	}
	line(&b, "Result", "OK");
	line(&b, "Number", "1");
	line(&b, "Name", "Cruise 1");
	ck_sbuf_printf(&b, "<SumNum>%zu</SumNum>\r\n<CruisePointList Num=\"%zu\">\r\n", n, n);
	for (int i = 1; i <= CK_DEVSTATE_MAX_PRESET; i++)
		if (s->preset[i])
			ck_sbuf_printf(&b, "<CruisePoint>\r\n<PresetIndex>%d</PresetIndex>\r\n"
			    "<StayTime>10</StayTime>\r\n<Speed>5</Speed>\r\n</CruisePoint>\r\n", i);
	ck_sbuf_add(&b, "</CruisePointList>\r\n");
	return finish(&b, q->cmd_type, q->sn, id, len, e);
}

char *
ck_devstate_answer(const ck_devstate *s, const ck_manscdp *q, const char *device_id,
    const char *device_time, size_t *len, ck_err *e)
{
	const char *ct = q->cmd_type;
	ck_sbuf b = { 0 };
	if (strcmp(ct, "DeviceStatus") == 0)
		return ck_devstate_status(s, q->sn, device_id, device_time, len, e);
	if (strcmp(ct, "ConfigDownload") == 0)
		return ck_devstate_config_download(s, q->sn, device_id,
		    ck_manscdp_field(q->root, "ConfigType"), len, e);
	if (strcmp(ct, "PresetQuery") == 0)
		return preset_list(s, q->sn, device_id, len, e);
	if (strcmp(ct, "CruiseTrackListQuery") == 0 || strcmp(ct, "CruiseTrackQuery") == 0)
		return cruise(s, q, device_id, len, e);
	if (strcmp(ct, "Alarm") == 0 || strcmp(ct, "MobilePosition") == 0)
		return ck_devstate_result(ct, q->sn, device_id, 1, len, e);
	if (strcmp(ct, "HomePositionQuery") == 0) {
		line(&b, "Result", "OK");
		ck_sbuf_add(&b, "<HomePosition>\r\n");
		iline(&b, "Enabled", s->home_enabled);
		iline(&b, "ResetTime", s->home_reset_s);
		iline(&b, "PresetIndex", s->home_preset);
		ck_sbuf_add(&b, "</HomePosition>\r\n");
	} else if (strcmp(ct, "PTZPosition") == 0) {
		/* degrees; zoom as the lens multiple; field angles of a
		 * 4.8-120 mm lens at that zoom */
		line(&b, "Result", "OK");
		iline(&b, "Pan", s->pan);
		iline(&b, "Tilt", s->tilt);
		iline(&b, "Zoom", s->zoom);
		ck_sbuf_printf(&b, "<HorizontalFieldAngle>%.1f</HorizontalFieldAngle>\r\n"
		    "<VerticalFieldAngle>%.1f</VerticalFieldAngle>\r\n"
		    "<MaxViewDistance>200</MaxViewDistance>\r\n",
		    58.0 / (s->zoom > 0 ? s->zoom : 1), 33.0 / (s->zoom > 0 ? s->zoom : 1));
	} else if (strcmp(ct, "SDCardStatus") == 0) {
		/* 64 GB (MB units); a fresh format frees it all */
		long cap = 61035, used = s->formats ? 0 : 20480;
		line(&b, "Result", "OK");
		ck_sbuf_add(&b, "<SumNum>1</SumNum>\r\n<SDCardList Num=\"1\">\r\n<Item>\r\n"
		    "<ID>1</ID>\r\n<HddName>SD1</HddName>\r\n<Status>normal</Status>\r\n"
		    "<FormatProgress>100</FormatProgress>\r\n");
		iline(&b, "Capacity", cap);
		iline(&b, "FreeSpace", cap - used);
		ck_sbuf_add(&b, "</Item>\r\n</SDCardList>\r\n");
	} else
		return ck_err_set(e, CK_EMPTY, "no answer for %s", ct), NULL;
	return finish(&b, ct, q->sn, device_id, len, e);
}
