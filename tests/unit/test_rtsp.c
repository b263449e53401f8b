/* Unit tests for lib/media/rtsp: message boundaries (Content-Length, a
 * tunnel's POST), header values, Transport parameters, bounds. */
#include "media/rtsp.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>

#define B(s) (const uint8_t *)(s), strlen(s)

int
main(void)
{
	ck_rtsp_msg m;
	ck_rtsp_transport t;
	ck_err e;
	const char *desc = "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Base: rtsp://c/x/\r\n"
	    "Content-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\nRTSP/1.0";
	char *big;

	T_EQ_INT(ck_rtsp_looks(B("RTSP/1.0 200 OK\r\n")), 1);
	T_EQ_INT(ck_rtsp_looks(B("SETUP rtsp://c/x RTSP/1.0\r\n")), 1);
	T_EQ_INT(ck_rtsp_looks(B("SETUP rtsp://c/x SIP/2.0\r\n")), 0);
	T_EQ_INT(ck_rtsp_looks(B("GET / HTTP/1.1\r\nHost: c\r\n\r\n")), 0);
	T_EQ_INT(ck_rtsp_looks(B("GET / HTTP/1.0\r\nAccept: application/x-rtsp-tunnelled\r\n")), 1);
	T_EQ_INT(ck_rtsp_looks(B("INVITE sip:a SIP/2.0\r\n")), 0);
	/* the body is Content-Length bytes; the next message is not swallowed */
	T_EQ_INT(ck_rtsp_msg_len(B(desc)), (long)(strlen(desc) - strlen("RTSP/1.0")));
	T_EQ_INT(ck_rtsp_msg_len((const uint8_t *)desc, 40), 0);   /* more needed */
	T_EQ_INT(ck_rtsp_parse((const uint8_t *)desc, (size_t)ck_rtsp_msg_len(B(desc)), &m, &e), 0);
	T_EQ_INT(m.response, 1);
	T_EQ_INT(m.status, 200);
	T_EQ_INT(m.cseq, 2);
	T_EQ_STR(m.content_type, "application/sdp");
	T_EQ_STR(m.content_base, "rtsp://c/x/");
	T_EQ_INT(m.body_len, 5);
	T_OK(memcmp(m.body, "v=0\r\n", 5) == 0);
	T_EQ_INT(ck_rtsp_msg_len(B("RTSP/1.0 200 OK\r\nContent-Length: x\r\n\r\n")), -1);
	T_EQ_INT(ck_rtsp_msg_len(B("RTSP/1.0 200 OK\r\nContent-Length: 99999999\r\n\r\n")), -1);
	/* a header block that never ends is bounded */
	big = malloc(CK_RTSP_MAXMSG + 10);
	memcpy(big, "RTSP/1.0 200 OK\r\n", 17);
	memset(big + 17, 'a', CK_RTSP_MAXMSG - 7);
	T_EQ_INT(ck_rtsp_msg_len((const uint8_t *)big, CK_RTSP_MAXMSG + 10), -1);
	free(big);
	/* a tunnel's POST: its headers only */
	T_EQ_INT(ck_rtsp_msg_len(B("POST /x HTTP/1.0\r\nContent-Type: application/x-rtsp-tunnelled\r\n"
	    "Content-Length: 32767\r\n\r\nREVTQ1JJQkU=")), 87);
	T_EQ_INT(ck_rtsp_parse(B("SETUP rtsp://c/x/trackID=1 RTSP/1.0\r\nCSeq: 3\r\n"
	    "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n"), &m, &e), 0);
	T_EQ_STR(m.method, "SETUP");
	T_EQ_STR(m.url, "rtsp://c/x/trackID=1");
	T_EQ_INT(m.cseq, 3);
	T_EQ_INT(m.http, 0);
	/* Transport */
	T_EQ_INT(ck_rtsp_transport_parse("RTP/AVP;unicast;client_port=30000-30001;"
	    "server_port=15060-15061;ssrc=0396A9CA;mode=\"play\"", &t), 0);
	T_EQ_INT(t.tcp, 0);
	T_EQ_INT(t.client_port[0], 30000);
	T_EQ_INT(t.client_port[1], 30001);
	T_EQ_INT(t.server_port[0], 15060);
	T_EQ_INT(t.has_ssrc, 1);
	T_EQ_INT(t.ssrc, 0x0396A9CA);
	T_EQ_INT(ck_rtsp_transport_parse("RTP/AVP/TCP;unicast;interleaved=2-3", &t), 0);
	T_EQ_INT(t.tcp, 1);
	T_EQ_INT(t.has_interleaved, 1);
	T_EQ_INT(t.interleaved[0], 2);
	T_EQ_INT(t.interleaved[1], 3);
	T_EQ_INT(t.has_ssrc, 0);
	T_EQ_INT(ck_rtsp_transport_parse("RTP/AVP;interleaved=300-301;ssrc=123456789", &t), 0);
	T_EQ_INT(t.has_interleaved, 0);   /* channels are 0..255 */
	T_EQ_INT(t.has_ssrc, 0);          /* more than 8 hex digits */
	T_EQ_INT(ck_rtsp_transport_parse("MP2T/H2221/UDP;unicast", &t), -1);
	/* only the first of several transport specs */
	T_EQ_INT(ck_rtsp_transport_parse("RTP/AVP;client_port=4000-4001,RTP/AVP/TCP;interleaved=0-1", &t), 0);
	T_EQ_INT(t.client_port[0], 4000);
	T_EQ_INT(t.has_interleaved, 0);
	/* a tunnel's POST body: base64 requests back to back, cut anywhere */
	{
		static const char b64[] = "U0VUVVAgcnRzcDovL2MveC90cmFja0lEPTIgUlRTUC8xLjANCkNTZXE6IDMNCg0K"
		    "UExBWSBydHNwOi8vYy94LyBSVFNQLzEuMA0KQ1NlcTogNA0KDQo=\r\n";
		static const char want[] = "SETUP rtsp://c/x/trackID=2 RTSP/1.0\r\nCSeq: 3\r\n\r\n"
		    "PLAY rtsp://c/x/ RTSP/1.0\r\nCSeq: 4\r\n\r\n";
		uint8_t st[4] = { 0 }, out[256];
		int stn = 0;
		size_t o = 0, cut;
		for (cut = 0; cut < sizeof b64 - 1; cut += 7)
			o += ck_rtsp_b64(st, &stn, (const uint8_t *)b64 + cut,
			    cut + 7 < sizeof b64 - 1 ? 7 : sizeof b64 - 1 - cut, out + o);
		T_EQ_INT(o, sizeof want - 1);
		T_OK(memcmp(out, want, sizeof want - 1) == 0);
		T_EQ_INT(stn, 0);
	}
	T_DONE();
}
