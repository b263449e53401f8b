#include "media/rtpstream.h"

#include <math.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

void
ck_rtpstream_stat_init(ck_rtpstream_stat *s)
{
	memset(s, 0, sizeof *s);
}

double
ck_rtpstream_rel_ms(int64_t sec, int32_t nsec, int64_t sec0, int32_t nsec0)
{
	int64_t ds = sec - sec0;
	int64_t dn = (int64_t)nsec - nsec0;

	if (ds > 0 && dn < 0) {
		dn += 1000000000;
		ds--;
	} else if (ds < 0 && dn > 0) {
		dn -= 1000000000;
		ds++;
	}
	return (double)ds * 1000 + (double)dn / 1000000;
}

/* Our own duplicate / out-of-order accounting over a 512-packet window of
 * extended sequence numbers (RFC 3550 A.1 style extension). */
static void
own_counts(ck_rtpstream_stat *s, uint16_t seq)
{
	uint32_t ext;
	int16_t d = (int16_t)(uint16_t)(seq - (uint16_t)s->ext_max);
	unsigned i;

	if (s->total_nr == 0) {
		s->ext_max = 65536u + seq;   /* room to go back */
		memset(s->seen, 0, sizeof s->seen);
		s->seen[0] = 1;
		return;
	}
	ext = s->ext_max + (uint32_t)(int32_t)d;
	if (d > 0) {
		/* shift the window up by d */
		unsigned sh = (unsigned)d;
		if (sh >= 512)
			memset(s->seen, 0, sizeof s->seen);
		else {
			while (sh >= 64) {
				memmove(s->seen + 1, s->seen, 7 * sizeof s->seen[0]);
				s->seen[0] = 0;
				sh -= 64;
			}
			if (sh) {
				for (i = 7; i > 0; i--)
					s->seen[i] = s->seen[i] << sh | s->seen[i - 1] >> (64 - sh);
				s->seen[0] <<= sh;
			}
		}
		s->seen[0] |= 1;
		s->ext_max = ext;
		return;
	}
	i = (unsigned)(s->ext_max - ext);   /* bits below the top */
	if (i < 512) {
		uint64_t bit = (uint64_t)1 << (i % 64);
		if (s->seen[i / 64] & bit) {
			s->dups++;
			return;
		}
		s->seen[i / 64] |= bit;
	}
	s->ooo++;
}

void
ck_rtpstream_stat_add(ck_rtpstream_stat *s, double now, int64_t sec, int32_t nsec,
    uint16_t seq, uint32_t ts, unsigned pt, int marker, uint32_t len,
    uint32_t clock_rate)
{
	int in_seq, wrong_ts = 0, regular, follow_cn;
	double nominal, diff = 0;

	own_counts(s, seq);
	s->bytes += len;
	s->last_sec = sec;
	s->last_nsec = nsec;
	s->stop_time = now;
	if (!s->started) {
		s->started = 1;
		s->start_seq = s->stop_seq = s->seq_num = seq;
		s->start_time = s->time = now;
		s->first_ts = ts;
		s->lastnominal = 0;
		s->pt = pt;
		s->delta = s->max_delta = s->mean_delta = 0;
		s->min_delta = -1;
		s->jitter = s->max_jitter = s->mean_jitter = 0;
		s->min_jitter = -1;
		s->total_nr = 1;
		s->first_sec = sec;
		s->first_nsec = nsec;
		return;
	}
	/* "in time sequence": the timestamp is not before the first one
	 * (within half the 32-bit range) */
	in_seq = (uint32_t)(ts - s->first_ts) < 0x80000000u;
	if (!in_seq)
		wrong_ts = 1;
	/* sequence cycles, as the analysis counts them */
	if (seq < s->start_seq && in_seq && !s->under) {
		s->cycles++;
		s->under = 1;
	} else if (seq == 0 && s->stop_seq == 65535 && in_seq && !s->under) {
		s->cycles++;
		s->under = 1;
	} else if (seq > s->start_seq && in_seq && s->under)
		s->under = 0;
	if (in_seq && (int)s->seq_num + 1 == (int)seq)
		s->seq_num = seq;
	else if (in_seq && s->seq_num == 65535 && seq == 0)
		s->seq_num = seq;
	else if (in_seq && ((int)s->seq_num + 1 < (int)seq ||
	    (int)s->seq_num - (int)seq > 0xFF00)) {
		s->seq_num = seq;
		s->wrong_seq++;
	} else if ((int)s->seq_num + 1 > (int)seq)
		s->wrong_seq++;
	follow_cn = s->pt == 13 || s->pt == 19;
	s->pt = pt;
	if (in_seq) {
		nominal = (double)(uint32_t)(ts - s->first_ts);
		if (clock_rate) {
			double cur_jitter;
			s->clock_rate = clock_rate;
			/* the rate is divided as an integer (44100 -> 44) */
			nominal = nominal / (double)(clock_rate / 1000);
			diff = fabs(now - (s->time + (nominal - s->lastnominal)));
			cur_jitter = (15 * s->jitter + diff) / 16;
			s->delta = now - s->time;
			s->jitter = cur_jitter;
			s->lastnominal = nominal;
		} else
			s->delta = now - s->time;
	}
	regular = !marker && pt != 13 && pt != 19 && !wrong_ts && !follow_cn;
	if (regular) {
		if (s->delta > s->max_delta)
			s->max_delta = s->delta;
		if (s->min_delta == -1 || s->delta < s->min_delta)
			s->min_delta = s->delta;
		s->mean_delta = (s->mean_delta * (s->total_nr - 1) + s->delta) /
		    s->total_nr;
		if (clock_rate) {
			if (s->jitter > s->max_jitter)
				s->max_jitter = s->jitter;
			s->mean_jitter = (s->mean_jitter * (s->total_nr - 1) +
			    s->jitter) / s->total_nr;
			if (s->min_jitter == -1 || s->jitter < s->min_jitter)
				s->min_jitter = s->jitter;
		}
	}
	if (in_seq)
		s->time = now;
	s->stop_seq = seq;
	s->total_nr++;
}

double
ck_rtpstream_stat_jitter(const ck_rtpstream_stat *s)
{
	return s->min_jitter < 0 ? 0 : s->jitter;
}

int64_t
ck_rtpstream_stat_lost(const ck_rtpstream_stat *s)
{
	int64_t expected;

	if (!s->started)
		return 0;
	expected = (int64_t)s->stop_seq + (int64_t)s->cycles * 65536 -
	    s->start_seq + 1;
	return expected - s->total_nr;
}

static const struct { unsigned pt; const char *name; uint32_t clock; } st[] = {
	{0, "PCMU", 8000}, {1, "1016", 8000}, {2, "G721", 8000},
	{3, "GSM", 8000}, {4, "G723", 8000}, {5, "DVI4", 8000},
	{6, "DVI4", 16000}, {7, "LPC", 8000}, {8, "PCMA", 8000},
	{9, "G722", 8000}, {10, "L16", 44100}, {11, "L16", 44100},
	{12, "QCELP", 8000}, {13, "CN", 8000}, {14, "MPA", 90000},
	{15, "G728", 8000}, {16, "DVI4", 11025}, {17, "DVI4", 22050},
	{18, "G729", 8000}, {19, "CN", 8000}, {25, "CelB", 90000},
	{26, "JPEG", 90000}, {28, "nv", 90000}, {31, "H261", 90000},
	{32, "MPV", 90000}, {33, "MP2T", 90000}, {34, "H263", 90000},
};

const char *
ck_rtpstream_pt_name(unsigned pt)
{
	size_t i;

	for (i = 0; i < sizeof st / sizeof st[0]; i++)
		if (st[i].pt == pt)
			return st[i].name;
	return NULL;
}

uint32_t
ck_rtpstream_pt_clock(unsigned pt)
{
	size_t i;

	for (i = 0; i < sizeof st / sizeof st[0]; i++)
		if (st[i].pt == pt)
			return st[i].clock;
	return 0;
}

/* Names Wireshark knows a clock for when the rtpmap gives none; matched as
 * prefixes, longest first. */
static const struct { const char *name; uint32_t clock; } dyn[] = {
	{"telephone-event", 8000}, {"mpa-robust", 90000}, {"H263-1998", 90000},
	{"H263-2000", 90000}, {"MP4V-ES", 90000}, {"GSM-EFR", 8000},
	{"EVRCWB", 16000}, {"AMR-WB", 16000}, {"G726-", 8000}, {"G729D", 8000},
	{"G729E", 8000}, {"pointer", 90000}, {"EVRCB", 8000}, {"BMPEG", 90000},
	{"BT656", 90000}, {"G7221", 16000}, {"EVRC", 8000}, {"H264", 90000},
	{"MP1S", 90000}, {"MP2P", 90000}, {"opus", 48000}, {"SMV", 8000},
	{"t140", 1000}, {"raw", 90000}, {"red", 1000}, {"AMR", 8000},
	{"EVS", 16000}, {"DV", 90000},
};

uint32_t
ck_rtpstream_name_clock(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof dyn / sizeof dyn[0]; i++)
		if (strncasecmp(name, dyn[i].name, strlen(dyn[i].name)) == 0)
			return dyn[i].clock;
	return 0;
}
