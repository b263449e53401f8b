/* gbsdp: GB/T 28181 offers as Annex F writes them, answers as cameras
 * send them (Hikvision's y=, setup:active on UDP), and bad SDP. */
#include <string.h>

#include "gb/gbsdp.h"
#include "t.h"

static void
offers(void)
{
	char out[2048];
	ck_err e;
	ck_gbsdp_offer o = { .origin_id = "34020000002000000001", .addr = "192.168.1.5",
	    .port = 6000, .kind = CK_GBSDP_PLAY };
	T_EQ_INT(ck_gbsdp_ssrc(0, "3402000000", 1, o.ssrc, &e), 0);
	T_EQ_STR(o.ssrc, "0200000001");   /* 0, digits 4-8 "20000", 0001 */
	T_EQ_INT(ck_gbsdp_ssrc(1, "34020000002000000001", 12345, o.ssrc, &e), 0);
	T_EQ_STR(o.ssrc, "1200002345");
	T_EQ_INT(ck_gbsdp_ssrc(0, "3402", 1, o.ssrc, &e), -1);
	ck_gbsdp_ssrc(0, "3402000000", 1, o.ssrc, &e);
	int n = ck_gbsdp_offer_write(&o, out, sizeof out, &e);
	T_EQ_STR(out, "v=0\r\no=34020000002000000001 0 0 IN IP4 192.168.1.5\r\ns=Play\r\n"
	    "c=IN IP4 192.168.1.5\r\nt=0 0\r\nm=video 6000 RTP/AVP 96 98 97\r\na=recvonly\r\n"
	    "a=rtpmap:96 PS/90000\r\na=rtpmap:98 H264/90000\r\na=rtpmap:97 MPEG4/90000\r\n"
	    "y=0200000001\r\n");
	T_EQ_INT(n, strlen(out));
	o.kind = CK_GBSDP_DOWNLOAD;
	o.channel = "34020000001310000001";
	o.start = 1697212800;
	o.end = 1697216400;
	o.speed = 4;
	o.transport = CK_GBSDP_TCP_PASSIVE;
	o.f = "v/2/5/25/1/4096a///";
	n = ck_gbsdp_offer_write(&o, out, sizeof out, &e);
	T_OK(n > 0);
	T_OK(strstr(out, "s=Download\r\nu=34020000001310000001:0\r\n") != NULL);
	T_OK(strstr(out, "t=1697212800 1697216400\r\n") != NULL);
	T_OK(strstr(out, "m=video 6000 TCP/RTP/AVP 96 98 97\r\n") != NULL);
	T_OK(strstr(out, "a=setup:passive\r\na=connection:new\r\na=downloadspeed:4\r\n") != NULL);
	T_OK(strstr(out, "f=v/2/5/25/1/4096a///\r\n") != NULL);
	o.transport = CK_GBSDP_TCP_ACTIVE;
	ck_gbsdp_offer_write(&o, out, sizeof out, &e);
	T_OK(strstr(out, "a=setup:active\r\n") != NULL);
	o.end = o.start;
	T_EQ_INT(ck_gbsdp_offer_write(&o, out, sizeof out, &e), -1);
	o.end = o.start + 1;
	o.addr = "10.0.0.1\r\nx=y";
	T_EQ_INT(ck_gbsdp_offer_write(&o, out, sizeof out, &e), -1);
	o.addr = "::1";
	ck_gbsdp_offer_write(&o, out, sizeof out, &e);
	T_OK(strstr(out, "c=IN IP6 ::1\r\n") != NULL);
	T_EQ_INT(ck_gbsdp_offer_write(&o, out, 40, &e), -1);
	T_EQ_INT(e.kind, CK_SOFTWARE);
}

static void
answers(void)
{
	ck_gbsdp_desc d;
	ck_err e;
	/* a Hikvision answer: its own y=, the one the media then carries */
	static const char hik[] = "v=0\r\no=34020000001320000001 0 0 IN IP4 10.0.0.2\r\n"
	    "s=Play\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\nm=video 15060 RTP/AVP 96\r\n"
	    "a=sendonly\r\na=rtpmap:96 PS/90000\r\na=setup:active\r\ny=0060205514\r\n"
	    "f=v/2/5/25/1/4096a///\r\n";
	T_EQ_INT(ck_gbsdp_parse(hik, sizeof hik - 1, &d, &e), 0);
	T_EQ_STR(d.addr, "10.0.0.2");
	T_EQ_INT(d.port, 15060);
	T_EQ_INT(d.tcp, 0);
	T_EQ_INT(d.setup, 1);
	T_EQ_INT(d.direction, 1);
	T_EQ_INT(d.has_ssrc, 1);
	T_EQ_INT(d.ssrc, 0x0396A9CA);
	T_EQ_STR(d.ssrc_text, "0060205514");
	T_EQ_INT(d.ps, 1);
	T_EQ_INT(d.pt, 96);
	T_EQ_STR(d.session, "Play");
	T_EQ_STR(d.origin, "34020000001320000001");
	T_EQ_STR(d.f, "v/2/5/25/1/4096a///");
	/* LF only, media-level c= wins, TCP, playback fields, speed */
	static const char pb[] = "v=0\no=x 0 0 IN IP4 1.1.1.1\ns=Playback\nu=3402000000131:0\n"
	    "c=IN IP4 1.1.1.1\nt=100 200\nm=video 9 TCP/RTP/AVP 96\nc=IN IP4 2.2.2.2\n"
	    "a=setup:passive\na=downloadspeed:8\ny=100000001\nm=audio 8000 RTP/AVP 8\ny=5\n";
	T_EQ_INT(ck_gbsdp_parse(pb, sizeof pb - 1, &d, &e), 0);
	T_EQ_STR(d.addr, "2.2.2.2");
	T_EQ_INT(d.tcp, 1);
	T_EQ_INT(d.setup, 2);
	T_EQ_INT(d.start, 100);
	T_EQ_INT(d.end, 200);
	T_EQ_INT(d.speed, 8);
	T_EQ_STR(d.channel, "3402000000131");
	T_EQ_INT(d.ssrc, 100000001);   /* the first media line's */
	/* bad ones */
	const char *bad[] = { "", "x=1\r\n", "v=0\r\ns=Play\r\n", "v=0\r\nm=video x RTP/AVP 96\r\n",
	    "v=0\r\nm=video 70000 RTP/AVP 96\r\n", "v=0\r\nc=IN IP4\r\nm=video 1 RTP/AVP 96\r\n",
	    "v=1\r\nm=video 1 RTP/AVP 96\r\n" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		T_EQ_INT(ck_gbsdp_parse(bad[i], strlen(bad[i]), &d, &e), -1);
		T_EQ_INT(e.kind, CK_DATAERR);
	}
	/* y= out of range or too long is not an SSRC */
	static const char big[] = "v=0\r\nm=video 1 RTP/AVP 96\r\ny=4294967296\r\n";
	T_EQ_INT(ck_gbsdp_parse(big, sizeof big - 1, &d, &e), 0);
	T_EQ_INT(d.has_ssrc, 0);
	char huge[CK_GBSDP_MAX + 2];
	memset(huge, 'a', sizeof huge);
	T_EQ_INT(ck_gbsdp_parse(huge, sizeof huge, &d, &e), -1);
}

int
main(void)
{
	offers();
	answers();
	T_DONE();
}
