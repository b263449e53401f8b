/* Unit tests for lib/openvidu/ipcam's pure parts: the rtspUri checks the
 * server applies (java.net.URI, lower-case schemes), session ids, userinfo
 * redaction and matching, stdin input lines, Connection and list replies. */
#include "openvidu/ipcam.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>

static int
uri_ok(const char *u)
{
	ck_err e = { 0, "" };
	return ck_ipcam_check_uri(u, &e) == 0;
}

static const char conn[] =
    "{\"id\":\"ipc_IPCAM_rtsp_AB12_10_0_0_1_554_live\",\"object\":\"connection\","
    "\"status\":\"active\",\"connectionId\":\"ipc_IPCAM_rtsp_AB12_10_0_0_1_554_live\","
    "\"sessionId\":\"lobby\",\"createdAt\":1700000000123,\"type\":\"IPCAM\",\"record\":false,"
    "\"rtspUri\":\"rtsp://u:p@10.0.0.1:554/live\",\"adaptativeBitrate\":true,"
    "\"onlyPlayWithSubscribers\":false,\"networkCache\":500,\"serverData\":\"Gate\","
    "\"publishers\":[{\"createdAt\":1,\"streamId\":\"str_IPC_XyZ1_ipc_IPCAM_rtsp_AB12_10_0_0_1_554_live\"}],"
    "\"subscribers\":[]}";

int
main(void)
{
	ck_err e = { 0, "" };
	char uri[2048], name[64], out[256];
	ck_ipcam_conn c, *l = NULL;
	size_t n = 0;
	char *list;

	/* schemes: the server's list, compared case-sensitively */
	T_OK(uri_ok("rtsp://10.0.0.1:554/Streaming/main"));
	T_OK(uri_ok("rtsps://cam/x"));
	T_OK(uri_ok("http://cam/x.mjpg"));
	T_OK(uri_ok("https://cam/x"));
	T_OK(uri_ok("file:///srv/video.mp4"));
	T_OK(uri_ok("rtsp://user:p%40ss@cam/x?a=1&b=2"));
	T_OK(!uri_ok("RTSP://cam/x"));
	T_OK(!uri_ok("ftp://cam/x"));
	T_OK(!uri_ok("cam/x"));
	T_OK(!uri_ok(""));
	T_OK(!uri_ok("rtsp:"));
	T_OK(!uri_ok("rtsp://cam/a b"));
	T_OK(!uri_ok("rtsp://cam/a|b"));
	T_OK(!uri_ok("rtsp://cam/%zz"));
	T_OK(!uri_ok("rtsp://cam/%4"));
	T_EQ_INT(ck_ipcam_check_uri("ftp://u:secret@cam/", &e), -1);
	T_EQ_INT(e.kind, CK_USAGE);
	T_OK(strstr(e.msg, "file, rtsp, rtsps, http, https") != NULL);
	T_OK(strstr(e.msg, "secret") == NULL);          /* the message is redacted */

	/* session ids */
	T_EQ_INT(ck_ipcam_check_session("lobby_1-A", &e), 0);
	T_EQ_INT(ck_ipcam_check_session("a b", &e), -1);
	T_EQ_INT(ck_ipcam_check_session("", &e), -1);
	T_EQ_INT(ck_ipcam_check_session("a/b", &e), -1);

	/* redaction and matching */
	ck_ipcam_redact_uri("rtsp://admin:pw@10.0.0.1:554/x?u=a@b", out, sizeof out);
	T_EQ_STR(out, "rtsp://***@10.0.0.1:554/x?u=a@b");
	ck_ipcam_redact_uri("rtsp://10.0.0.1/x@y", out, sizeof out);
	T_EQ_STR(out, "rtsp://10.0.0.1/x@y");
	ck_ipcam_redact_uri("rtsp://a@b:c@host/", out, sizeof out);
	T_EQ_STR(out, "rtsp://***@host/");
	T_OK(ck_ipcam_same_uri("rtsp://a:b@h/x", "rtsp://h/x"));
	T_OK(ck_ipcam_same_uri("rtsp://a:b@h/x", "rtsp://c:d@h/x"));
	T_OK(!ck_ipcam_same_uri("rtsp://h/x", "rtsp://h/y"));
	T_OK(!ck_ipcam_same_uri("rtsp://h/x", "rtsps://h/x"));

	/* input lines */
	T_EQ_INT(ck_ipcam_parse_input("  rtsp://h/x \r\n", uri, sizeof uri, name, sizeof name, &e), 1);
	T_EQ_STR(uri, "rtsp://h/x");
	T_EQ_STR(name, "");
	T_EQ_INT(ck_ipcam_parse_input("\n", uri, sizeof uri, name, sizeof name, &e), 0);
	T_EQ_INT(ck_ipcam_parse_input("{\"type\":\"profile\",\"name\":\"main\",\"stream_uri\":\"rtsp://h/m\"}\n",
	    uri, sizeof uri, name, sizeof name, &e), 1);
	T_EQ_STR(uri, "rtsp://h/m");
	T_EQ_STR(name, "main");
	T_EQ_INT(ck_ipcam_parse_input("{\"type\":\"error\",\"stream_uri\":null}", uri, sizeof uri,
	    name, sizeof name, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	T_EQ_INT(ck_ipcam_parse_input("{\"stream_uri\":", uri, sizeof uri, name, sizeof name, &e), -1);
	T_EQ_INT(ck_ipcam_parse_input("{\"stream_uri\":\"a\",\"stream_uri\":\"b\"}", uri, sizeof uri,
	    name, sizeof name, &e), -1);

	/* a Connection reply */
	T_EQ_INT(ck_ipcam_parse_conn(conn, strlen(conn), &c, &e), 0);
	T_EQ_STR(c.id, "ipc_IPCAM_rtsp_AB12_10_0_0_1_554_live");
	T_EQ_STR(c.session, "lobby");
	T_EQ_STR(c.stream_id, "str_IPC_XyZ1_ipc_IPCAM_rtsp_AB12_10_0_0_1_554_live");
	T_EQ_STR(c.rtsp_uri, "rtsp://u:p@10.0.0.1:554/live");
	T_EQ_STR(c.data, "Gate");
	T_EQ_STR(c.type, "IPCAM");
	T_EQ_INT(c.adaptive_bitrate, 1);
	T_EQ_INT(c.only_play_with_subscribers, 0);
	T_EQ_INT(c.record, 0);
	T_EQ_INT(c.network_cache_ms, 500);
	T_EQ_INT(c.created_at_ms, 1700000000123LL);
	/* found by fuzz_ipcam: a huge networkCache was cast to long (UB) */
	{
		static const char huge[] = "{\"id\":\"x\",\"object\":\"connection\","
		    "\"networkCache\":3333333333333333333333333333335.0}";
		T_EQ_INT(ck_ipcam_parse_conn(huge, strlen(huge), &c, &e), 0);
		T_EQ_INT(c.network_cache_ms, -1);
	}
	T_EQ_INT(ck_ipcam_parse_conn("{\"id\":\"x\"}", 10, &c, &e), -1);   /* no "object" */
	T_EQ_INT(e.kind, CK_PROTO);
	T_EQ_INT(ck_ipcam_parse_conn("<html>", 6, &c, &e), -1);
	T_EQ_INT(e.kind, CK_PROTO);

	/* lists: of connections, and of sessions (flattened) */
	list = malloc(2 * sizeof conn + 128);
	sprintf(list, "{\"numberOfElements\":2,\"content\":[%s,%s]}", conn, conn);
	T_EQ_INT(ck_ipcam_parse_list(list, strlen(list), 0, &l, &n, &e), 0);
	T_EQ_INT(n, 2);
	free(l);
	sprintf(list, "{\"numberOfElements\":2,\"content\":[{\"id\":\"a\",\"connections\":"
	    "{\"content\":[%s]}},{\"id\":\"b\",\"connections\":{\"content\":[]}}]}", conn);
	T_EQ_INT(ck_ipcam_parse_list(list, strlen(list), 1, &l, &n, &e), 0);
	T_EQ_INT(n, 1);
	free(l);
	T_EQ_INT(ck_ipcam_parse_list("{\"content\":3}", 13, 0, &l, &n, &e), -1);
	T_EQ_INT(ck_ipcam_parse_list("[]", 2, 0, &l, &n, &e), -1);
	T_OK(l == NULL && n == 0);
	free(list);

	/* defaults are the server's */
	{
		ck_ipcam_props p;
		ck_ipcam_props_init(&p);
		T_OK(p.adaptive_bitrate == 1 && p.only_play_with_subscribers == 1 &&
		    p.network_cache_ms == 2000 && p.record == 1 && p.data == NULL);
	}
	T_DONE();
}
