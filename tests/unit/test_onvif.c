#include <stdlib.h>
#include <string.h>

#include "onvif/media.h"
#include "onvif/onvif.h"
#include "onvif/snapshot.h"
#include "t.h"

static void
test_targets(void)
{
	ck_onvif_target t;
	ck_err e = { 0 };

	T_EQ_INT(ck_onvif_target_parse("10.1.2.3", &t, &e), 0);
	T_EQ_STR(t.url, "http://10.1.2.3/onvif/device_service");
	T_EQ_INT(t.port, 80);
	T_EQ_INT(ck_onvif_target_parse(" 10.1.2.3:2020\n", &t, &e), 0);
	T_EQ_STR(t.url, "http://10.1.2.3:2020/onvif/device_service");
	T_EQ_INT(ck_onvif_target_parse("http://cam.local:8080/onvif/service", &t, &e), 0);
	T_EQ_STR(t.url, "http://cam.local:8080/onvif/service");
	T_EQ_STR(t.host, "cam.local");
	T_EQ_INT(ck_onvif_target_parse("https://[fe80::1]", &t, &e), 0);
	T_EQ_STR(t.url, "https://[fe80::1]/onvif/device_service");
	T_EQ_INT(ck_onvif_target_parse("[::1]:81", &t, &e), 0);
	T_EQ_STR(t.url, "http://[::1]:81/onvif/device_service");
	T_EQ_INT(ck_onvif_target_parse("rtsp://x/y", &t, &e), -1);
	T_EQ_INT(e.kind, CK_USAGE);
	T_EQ_INT(ck_onvif_target_parse("", &t, &e), -1);
	/* NDJSON from onvif-discover: escapes, other keys first, space lists */
	T_EQ_INT(ck_onvif_target_parse("{\"type\":\"device\",\"scopes\":[\"a\",{\"x\":[1,2]}],"
	    "\"n\":-1.5e3,\"ok\":true,\"xaddrs\":[\"urn:x\",\"http:\\/\\/127.0.0.1:8080\\/onvif\\/device_service"
	    " http://[fe80::1]/x\"]}", &t, &e), 0);
	T_EQ_STR(t.url, "http://127.0.0.1:8080/onvif/device_service");
	T_EQ_INT(ck_onvif_target_parse("{\"xaddrs\":[]}", &t, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	T_EQ_INT(ck_onvif_target_parse("{\"xaddrs\":[\"http://a\"", &t, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	T_EQ_INT(ck_onvif_target_parse("{\"xaddrs\":\"http://h:1/p\"}", &t, &e), 0);
	T_EQ_STR(t.url, "http://h:1/p");
}

static void
test_rewrite(void)
{
	ck_onvif_target t;
	char out[256];
	ck_err e;

	ck_onvif_target_parse("127.0.0.1:18080", &t, &e);
	ck_onvif_rewrite_xaddr(&t, "http://192.168.1.10/onvif/Media", 0, out, sizeof out);
	T_EQ_STR(out, "http://127.0.0.1:18080/onvif/Media");
	ck_onvif_rewrite_xaddr(&t, "http://192.168.1.10/onvif/Media", 1, out, sizeof out);
	T_EQ_STR(out, "http://192.168.1.10/onvif/Media");
	ck_onvif_rewrite_xaddr(&t, "http://127.0.0.1:9000/onvif/ptz", 0, out, sizeof out);
	T_EQ_STR(out, "http://127.0.0.1:9000/onvif/ptz");
	ck_onvif_rewrite_xaddr(&t, "http://10.0.0.1:80:80/onvif/events", 0, out, sizeof out);
	T_EQ_STR(out, "http://127.0.0.1:18080/onvif/events");
	T_EQ_STR(ck_onvif_service_ns("media2"), CK_NS_TR2);
	T_EQ_STR(ck_onvif_service_ns("PTZ"), CK_NS_TPTZ);
	T_OK(ck_onvif_service_ns("bogus") == NULL);
}

static void
test_time(void)
{
	const char *x = "<tds:GetSystemDateAndTimeResponse xmlns:tds=\"" CK_NS_TDS "\" "
	    "xmlns:tt=\"" CK_NS_TT "\"><tds:SystemDateAndTime><tt:DateTimeType>NTP"
	    "</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone>"
	    "<tt:TZ>UTC+01:00</tt:TZ></tt:TimeZone><tt:UTCDateTime><tt:Time><tt:Hour>7"
	    "</tt:Hour><tt:Minute>44</tt:Minute><tt:Second>59</tt:Second></tt:Time><tt:Date>"
	    "<tt:Year>2023</tt:Year><tt:Month>8</tt:Month><tt:Day>25</tt:Day></tt:Date>"
	    "</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>";
	ck_err e = { 0 };
	ck_xml_doc *d = ck_xml_parse(x, strlen(x), &e);
	ck_onvif_time t;

	T_OK(d != NULL);
	T_EQ_INT(ck_onvif_parse_time(ck_xml_root(d), &t, &e), 0);
	T_EQ_STR(t.tz, "UTC+01:00");
	T_EQ_STR(t.date_time_type, "NTP");
	T_EQ_INT(t.dst, 0);
	T_EQ_INT(t.has_utc, 1);
	T_EQ_INT(t.has_local, 0);
	T_EQ_INT(t.utc_ms, 1692949499000LL);
	ck_xml_free(d);
	x = "<R xmlns=\"" CK_NS_TDS "\"><SystemDateAndTime><UTCDateTime xmlns=\"" CK_NS_TT
	    "\"><Time><Hour>25</Hour><Minute>0</Minute><Second>0</Second></Time><Date>"
	    "<Year>2023</Year><Month>1</Month><Day>1</Day></Date></UTCDateTime>"
	    "</SystemDateAndTime></R>";
	d = ck_xml_parse(x, strlen(x), &e);
	T_EQ_INT(ck_onvif_parse_time(ck_xml_root(d), &t, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	ck_xml_free(d);
}

static void
test_jpeg(void)
{
	static const unsigned char ok[] = { 0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0xff, 0xd9 };
	static const unsigned char pad[] = { 0xff, 0xd8, 0xff, 0xdb, 0xff, 0xd9, '\r', '\n', 0 };
	static const unsigned char cut[] = { 0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x12, 0x34 };
	static const unsigned char html[] = "<html>login</html>";
	ck_err e = { 0, "" };

	T_EQ_INT(ck_snapshot_check_jpeg(ok, sizeof ok, &e), 0);
	T_EQ_INT(ck_snapshot_check_jpeg(pad, sizeof pad, &e), 0);
	T_EQ_INT(ck_snapshot_check_jpeg(cut, sizeof cut, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	T_EQ_INT(ck_snapshot_check_jpeg(html, sizeof html - 1, &e), -1);
	T_OK(strstr(e.msg, "HTML") != NULL);
	T_EQ_INT(ck_snapshot_check_jpeg(ok, 3, &e), -1);
	T_EQ_INT(ck_snapshot_check_jpeg(ok, 0, &e), -1);
	/* JSON targets: a duplicate key or a non-object is malformed input */
	{
		ck_onvif_target t;
		T_EQ_INT(ck_onvif_target_parse("{\"xaddrs\":[\"http://a\"],\"xaddrs\":[]}", &t, &e), -1);
		T_EQ_INT(e.kind, CK_DATAERR);
		T_EQ_INT(ck_onvif_target_parse("{\"url\":\"http://h:2/x\"}", &t, &e), 0);
		T_EQ_STR(t.url, "http://h:2/x");
	}
}

static void
test_sdp(void)
{
	/* as GStreamer's RTSP server describes a 640x360 H.264 test pattern,
	 * plus an audio line with a static payload type and a camera's
	 * framesize attribute */
	static const char sdp[] =
	    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=Session\r\nt=0 0\r\n"
	    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
	    "a=fmtp:96 packetization-mode=1;sprop-parameter-sets="
	    "Z0LAHtoCgL/lwFqDAwNSgAAAAwCAAAAZR4sXUA==,aM48gA==;profile-level-id=42c01e\r\n"
	    "a=control:stream=0\r\n"
	    "m=audio 0 RTP/AVP 8\r\na=control:stream=1\r\n"
	    "m=video 0 RTP/AVP 97\r\na=rtpmap:97 H265/90000\r\na=framesize:97 1920-1080\r\n";
	ck_media_stream s[4];
	ck_err e = { 0, "" };

	T_EQ_INT(ck_media_parse_sdp(sdp, s, 4, &e), 3);
	T_EQ_STR(s[0].media, "video");
	T_EQ_STR(s[0].codec, "H264");
	T_EQ_INT(s[0].clock_rate, 90000);
	T_EQ_INT(s[0].width, 640);
	T_EQ_INT(s[0].height, 360);
	T_EQ_STR(s[1].media, "audio");
	T_EQ_STR(s[1].codec, "PCMA");
	T_EQ_INT(s[1].clock_rate, 8000);
	T_EQ_INT(s[1].width, -1);
	T_EQ_STR(s[2].codec, "H265");
	T_EQ_INT(s[2].width, 1920);
	T_EQ_INT(s[2].height, 1080);
	T_EQ_INT(ck_media_parse_sdp("<html>", s, 4, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	T_EQ_INT(ck_media_parse_sdp("v=0\r\ns=x\r\n", s, 4, &e), -1);
	/* a broken sprop does not invent a size */
	T_EQ_INT(ck_media_parse_sdp("v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\n"
	    "a=fmtp:96 sprop-parameter-sets=!!!!,x\n", s, 4, &e), 1);
	T_EQ_INT(s[0].width, -1);
}

int
main(void)
{
	test_sdp();
	test_jpeg();
	test_targets();
	test_rewrite();
	test_time();
	T_DONE();
}
