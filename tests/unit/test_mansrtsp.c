/* mansrtsp: playback control bodies (GB/T 28181-2016 Annex B) as
 * Hikvision platforms and cameras write them. */
#include <string.h>

#include "gb/mansrtsp.h"
#include "t.h"

int
main(void)
{
	char out[256];
	ck_mansrtsp m;
	ck_err e;
	int method;
	double scale, from;

	T_OK(ck_mansrtsp_write(CK_MANSRTSP_PLAY, 3, 8, 2134, out, sizeof out, &e) > 0);
	T_EQ_STR(out, "PLAY MANSRTSP/1.0\r\nCSeq: 3\r\nScale: 8\r\nRange: npt=2134-\r\n");
	T_OK(ck_mansrtsp_write(CK_MANSRTSP_PAUSE, 4, 0, -1, out, sizeof out, &e) > 0);
	T_EQ_STR(out, "PAUSE MANSRTSP/1.0\r\nCSeq: 4\r\nPauseTime: now\r\n");
	T_OK(ck_mansrtsp_write(CK_MANSRTSP_PLAY, 5, 0, -1, out, sizeof out, &e) > 0);
	T_EQ_STR(out, "PLAY MANSRTSP/1.0\r\nCSeq: 5\r\n");
	T_EQ_INT(ck_mansrtsp_write(CK_MANSRTSP_PLAY, 5, 0, -1, out, 10, &e), -1);

	static const char hik[] = "PLAY MANSRTSP/1.0\r\nCSeq: 7\r\nScale: 8.0\r\nRange: npt=2134-\r\n";
	T_EQ_INT(ck_mansrtsp_parse(hik, sizeof hik - 1, &m, &e), 0);
	T_EQ_INT(m.method, CK_MANSRTSP_PLAY);
	T_EQ_INT(m.cseq, 7);
	T_OK(m.has_scale && m.scale == 8.0);
	T_OK(m.has_range && m.range_from == 2134);
	static const char now[] = "PLAY RTSP/1.0\nCSeq: 1\nRange: npt=now-\n";
	T_EQ_INT(ck_mansrtsp_parse(now, sizeof now - 1, &m, &e), 0);
	T_OK(m.range_from == -1);
	static const char ok[] = "MANSRTSP/1.0 200 OK\r\nCSeq: 7\r\n\r\n";
	T_EQ_INT(ck_mansrtsp_parse(ok, sizeof ok - 1, &m, &e), 0);
	T_EQ_INT(m.status, 200);
	T_EQ_INT(m.method, 0);
	static const char rtsp[] = "RTSP/1.0 457 Invalid Range\r\nCSeq: 2\r\n";
	T_EQ_INT(ck_mansrtsp_parse(rtsp, sizeof rtsp - 1, &m, &e), 0);
	T_EQ_INT(m.status, 457);
	const char *bad[] = { "", "GET / HTTP/1.1\r\nCSeq: 1\r\n", "PLAY MANSRTSP/1.0\r\n",
	    "JUMP MANSRTSP/1.0\r\nCSeq: 1\r\n", "PLAY MANSRTSP/1.0\r\nCSeq: x\r\n",
	    "PLAY MANSRTSP/1.0\r\nCSeq: 1\r\nScale: -2\r\n", "PLAY MANSRTSP/1.0\r\nCSeq: 1\r\nRange: 5\r\n",
	    "MANSRTSP/1.0 2x0 OK\r\nCSeq: 1\r\n" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		T_EQ_INT(ck_mansrtsp_parse(bad[i], strlen(bad[i]), &m, &e), -1);
		T_EQ_INT(e.kind, CK_DATAERR);
	}
	T_EQ_INT(ck_mansrtsp_command("pause", &method, &scale, &from), 0);
	T_EQ_INT(method, CK_MANSRTSP_PAUSE);
	T_EQ_INT(ck_mansrtsp_command(" scale 4 ", &method, &scale, &from), 0);
	T_OK(method == CK_MANSRTSP_PLAY && scale == 4 && from == -1);
	T_EQ_INT(ck_mansrtsp_command("seek 120.5", &method, &scale, &from), 0);
	T_OK(from == 120.5);
	T_EQ_INT(ck_mansrtsp_command("scale 0", &method, &scale, &from), -1);
	T_EQ_INT(ck_mansrtsp_command("seek", &method, &scale, &from), -1);
	T_EQ_INT(ck_mansrtsp_command("play 1 2", &method, &scale, &from), -1);
	T_DONE();
}
