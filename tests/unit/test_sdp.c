/* sdp: GB28181 INVITE/200 OK bodies through libosip2. */
#include <stdio.h>
#include <string.h>

#include "media/sdp.h"
#include "t.h"

static const char invite[] =
    "INVITE sip:34020000001320000001@3402000000 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.168.0.107:5060;rport;branch=z9hG4bK1\r\n"
    "From: <sip:34020000002000000001@3402000000>;tag=1\r\n"
    "To: <sip:34020000001320000001@3402000000>\r\n"
    "Call-ID: 1@x\r\nCSeq: 20 INVITE\r\n"
    "Content-Type: APPLICATION/SDP\r\nContent-Length: 221\r\n\r\n"
    "v=0\r\no=34020000001320000001 0 0 IN IP4 192.168.0.107\r\ns=Play\r\n"
    "c=IN IP4 192.168.0.107\r\nt=0 0\r\nm=video 36000 TCP/RTP/AVP 96 98 97\r\n"
    "a=recvonly\r\na=rtpmap:96 PS/90000\r\na=rtpmap:98 H264/90000\r\n"
    "a=setup:passive\r\ny=0100000001\r\nf=\r\n";

int
main(void)
{
	static const char v6[] = "v=0\r\no=- 0 0 IN IP6 fd00::1\r\ns=-\r\n"
	    "c=IN IP6 fd00::1\r\nt=0 0\r\nm=audio 0 RTP/AVP 8\r\n"
	    "m=video 9000 RTP/AVP 96\r\n";
	ck_sdp_media m[4];
	ck_err e;
	int n;

	T_OK(ck_sdp_sip_looks((const uint8_t *)"SIP/2.0 200 OK\r\n", 16));
	T_OK(ck_sdp_sip_looks((const uint8_t *)invite, sizeof invite - 1));
	T_OK(!ck_sdp_sip_looks((const uint8_t *)"\x80\x60", 2));
	n = ck_sdp_from_sip(invite, sizeof invite - 1, m, 4, &e);
	T_EQ_INT(n, 1);
	T_EQ_STR(m[0].media, "video");
	T_EQ_INT(m[0].af, 4);
	T_OK(memcmp(m[0].addr, "\xc0\xa8\x00\x6b", 4) == 0);
	T_EQ_INT(m[0].port, 36000);
	T_EQ_INT(m[0].tcp, 1);
	T_EQ_INT(m[0].npt, 3);
	T_EQ_STR(m[0].name[0], "PS");
	T_EQ_INT(m[0].rate[0], 90000);
	T_EQ_STR(m[0].name[1], "H264");
	T_EQ_STR(m[0].name[2], "");
	T_EQ_INT(m[0].has_ssrc, 1);
	T_EQ_INT(m[0].ssrc, 100000001);
	T_EQ_STR(m[0].y, "0100000001");         /* as written */
	T_EQ_INT(m[0].dir, CK_SDP_RECVONLY);
	T_EQ_INT(m[0].answer, 0);
	T_OK(m[0].call != 0);
	{
		/* the answer: same Call-ID, a response, its own y= */
		char ok[sizeof invite + 16];
		uint32_t call = m[0].call;
		const char *body = strstr(invite, "\r\n\r\n") + 4;
		snprintf(ok, sizeof ok, "SIP/2.0 200 OK\r\n%.*s", (int)(body - invite - (strchr(invite, '\n') + 1 - invite)),
		    strchr(invite, '\n') + 1);
		strcat(ok, body);
		*strstr(ok, "y=0100000001") = 'y';
		memcpy(strstr(ok, "y=0100000001") + 2, "0060205514", 10);
		memcpy(strstr(ok, "a=recvonly"), "a=sendonly", 10);
		T_EQ_INT(ck_sdp_from_sip(ok, strlen(ok), m, 4, &e), 1);
		T_EQ_INT(m[0].answer, 1);
		T_EQ_INT(m[0].call, call);
		T_EQ_STR(m[0].y, "0060205514");
		T_EQ_INT(m[0].ssrc, 60205514);
		T_EQ_INT(m[0].dir, CK_SDP_SENDONLY);
	}
	/* RTSP's DESCRIBE: port 0 kept, a=control per medium */
	{
		static const char d[] = "v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 0.0.0.0\r\n"
		    "t=0 0\r\na=control:*\r\nm=video 0 RTP/AVP 98\r\na=rtpmap:98 H265/90000\r\n"
		    "a=control:trackID=1\r\nm=audio 0 RTP/AVP 8\r\na=control:trackID=2\r\n";
		T_EQ_INT(ck_sdp_parse(d, strlen(d), m, 4, &e), 0);
		T_EQ_INT(ck_sdp_parse2(d, strlen(d), 1, m, 4, &e), 2);
		T_EQ_STR(m[0].control, "trackID=1");
		T_EQ_STR(m[0].name[0], "H265");
		T_EQ_INT(m[0].rate[0], 90000);
		T_EQ_STR(m[1].control, "trackID=2");
		T_EQ_INT(m[1].pt[0], 8);
	}
	/* a bare SDP with IPv6, port 0 media skipped */
	n = ck_sdp_parse(v6, strlen(v6), m, 4, &e);
	T_EQ_INT(n, 1);
	T_EQ_INT(m[0].af, 6);
	T_EQ_INT(m[0].port, 9000);
	T_EQ_INT(m[0].has_ssrc, 0);
	/* not SIP */
	T_EQ_INT(ck_sdp_from_sip("garbage\r\n\r\n", 11, m, 4, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	T_DONE();
}
