/* rtpstream: Wireshark-compatible lost/cycles/jitter, our dup/ooo. */
#include <math.h>
#include <string.h>

#include "media/rtpstream.h"
#include "t.h"

int
main(void)
{
	ck_rtpstream_stat s;
	int i;

	/* sequence wrap with one loss: 65530..65535, 0..9 minus 3 */
	ck_rtpstream_stat_init(&s);
	for (i = 0; i < 16; i++) {
		uint16_t seq = (uint16_t)(65530 + i);
		if (seq == 3)
			continue;
		ck_rtpstream_stat_add(&s, i * 20.0, 0, 0, seq, (uint32_t)(i * 160), 0, 0, 172, 8000);
	}
	T_EQ_INT(s.total_nr, 15);
	T_EQ_INT(ck_rtpstream_stat_lost(&s), 1);
	T_EQ_INT(s.dups, 0);
	T_OK(fabs(s.max_jitter) < 1e-9);
	T_OK(fabs(s.max_delta - 40.0) < 1e-9);

	/* a duplicate makes "lost" negative, as in tshark */
	ck_rtpstream_stat_init(&s);
	ck_rtpstream_stat_add(&s, 0, 0, 0, 10, 0, 8, 0, 172, 8000);
	ck_rtpstream_stat_add(&s, 20, 0, 0, 11, 160, 8, 0, 172, 8000);
	ck_rtpstream_stat_add(&s, 21, 0, 0, 11, 160, 8, 0, 172, 8000);
	ck_rtpstream_stat_add(&s, 40, 0, 0, 12, 320, 8, 0, 172, 8000);
	T_EQ_INT(ck_rtpstream_stat_lost(&s), -1);
	T_EQ_INT(s.dups, 1);
	T_EQ_INT(s.ooo, 0);

	/* reordering: tshark takes the last packet's sequence number as the
	 * end, so a late packet at the end shows as -1 lost */
	ck_rtpstream_stat_init(&s);
	ck_rtpstream_stat_add(&s, 0, 0, 0, 1, 0, 8, 0, 172, 8000);
	ck_rtpstream_stat_add(&s, 20, 0, 0, 3, 320, 8, 0, 172, 8000);
	ck_rtpstream_stat_add(&s, 21, 0, 0, 2, 160, 8, 0, 172, 8000);
	T_EQ_INT(ck_rtpstream_stat_lost(&s), -1);
	ck_rtpstream_stat_add(&s, 40, 0, 0, 4, 480, 8, 0, 172, 8000);
	T_EQ_INT(ck_rtpstream_stat_lost(&s), 0);
	T_EQ_INT(s.ooo, 1);

	/* jitter: one packet 8 ms late, J = |D|/16 then decays */
	ck_rtpstream_stat_init(&s);
	ck_rtpstream_stat_add(&s, 0, 0, 0, 1, 0, 0, 0, 172, 8000);
	ck_rtpstream_stat_add(&s, 28, 0, 0, 2, 160, 0, 0, 172, 8000);
	T_OK(fabs(s.jitter - 0.5) < 1e-9);
	ck_rtpstream_stat_add(&s, 40, 0, 0, 3, 320, 0, 0, 172, 8000);
	T_OK(fabs(s.jitter - (15 * 0.5 + 8) / 16) < 1e-9);
	T_OK(fabs(s.max_jitter - s.jitter) < 1e-9);
	/* marker packets are left out of max delta */
	ck_rtpstream_stat_add(&s, 500, 0, 0, 4, 480, 0, 1, 172, 8000);
	T_OK(s.max_delta < 100);
	/* no clock rate: no jitter */
	ck_rtpstream_stat_init(&s);
	ck_rtpstream_stat_add(&s, 0, 0, 0, 1, 0, 96, 0, 172, 0);
	ck_rtpstream_stat_add(&s, 50, 0, 0, 2, 1, 96, 0, 172, 0);
	T_OK(s.jitter == 0 && s.max_delta == 50);

	T_OK(fabs(ck_rtpstream_rel_ms(11, 100, 10, 999999900) - 0.0002) < 1e-9);
	T_EQ_STR(ck_rtpstream_pt_name(8), "PCMA");
	T_EQ_INT(ck_rtpstream_pt_clock(34), 90000);
	T_EQ_INT(ck_rtpstream_pt_clock(96), 0);
	T_EQ_INT(ck_rtpstream_name_clock("H264"), 90000);
	T_EQ_INT(ck_rtpstream_name_clock("PS"), 0);
	T_EQ_INT(ck_rtpstream_name_clock("telephone-event"), 8000);
	T_DONE();
}
