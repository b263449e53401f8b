#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "net/net.h"
#include "base/opt.h"
#include "media/rtpsrc.h"

#define SRC_BUF (256u << 10)
#define PROBE_MAX (64u << 10)
/* Enough bytes for three whole RFC 4571 frames of the largest size (less
 * than SRC_BUF: the probe can wait for them). */
#define FRAMES3_MAX (3u * (2 + 65535))

const char *
ck_rtpsrc_in_name(int k)
{
	switch (k) {
	case CK_IN_RFC4571: return "rfc4571";
	case CK_IN_DOLLAR: return "rtsp-interleaved";
	case CK_IN_RTPDUMP: return "rtpdump";
	case CK_IN_PS: return "ps";
	case CK_IN_UDP: return "udp";
	case CK_IN_RAWRTP: return "raw-rtp";
	case CK_IN_PCAP: return "pcap";
	case CK_IN_ANNEXB: return "annex-b";
	default: return "unknown";
	}
}

static int
is_rtp_start(const uint8_t *p)
{
	return (p[0] & 0xC0) == 0x80;
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An RTP header at p that can follow the one at h: version 2, same SSRC
 * and payload type, sequence number 1..16 ahead. */
static int
raw_follows(const uint8_t *h, const uint8_t *p)
{
	uint16_t d = (uint16_t)((p[2] << 8 | p[3]) - (h[2] << 8 | h[3]));

	return (p[0] & 0xC0) == 0x80 && (p[1] & 0x7F) == (h[1] & 0x7F) &&
	    d >= 1 && d <= 16 && rd32(p + 8) == rd32(h + 8);
}

long
ck_rtpsrc_raw_len(const uint8_t *p, size_t n, int at_eof)
{
	size_t i;

	if (n < 12)
		return at_eof ? (long)n : 0;
	/* the SSRC is at offset 8 of every header: look for it */
	for (i = 20; i + 4 <= n && i <= 65536 + 8; i++) {
		const uint8_t *q = memchr(p + i, p[8], n - 3 - i);
		if (!q)
			break;
		i = (size_t)(q - p);
		if (i + 4 <= n && rd32(q) == rd32(p + 8) && raw_follows(p, q - 8))
			return (long)i - 8;
	}
	if (at_eof)
		return (long)n;
	return n > 65536 + 12 ? -1 : 0;
}

/* Three RTP headers back to back (each where the previous packet ends)
 * with consecutive sequence numbers. */
static int
raw_detect(const uint8_t *p, size_t n, int at_eof)
{
	size_t off = 0;
	int k;

	if (n < 12 || (p[0] & 0xC0) != 0x80 || ((p[1] & 0x7F) >= 72 && (p[1] & 0x7F) <= 76))
		return -1;
	for (k = 0; k < 2; k++) {     /* two boundaries: three headers */
		long l = ck_rtpsrc_raw_len(p + off, n - off, at_eof);
		if (l < 0)
			return -1;
		if (l == 0 || off + (size_t)l >= n)
			return at_eof || n >= PROBE_MAX ? -1 : CK_IN_AUTO;
		if ((uint16_t)((p[off + l + 2] << 8 | p[off + l + 3]) - (p[off + 2] << 8 | p[off + 3])) != 1)
			return -1;
		off += (size_t)l;
	}
	return CK_IN_RAWRTP;
}

/* Offset of the first MPEG-2 pack header (marker bits right) that another
 * start code follows where its stuffing length says, or -1. */
static long
ps_find(const uint8_t *p, size_t n)
{
	size_t i, end;

	for (i = 0; i + 18 <= n && i < PROBE_MAX; i++) {
		const uint8_t *h = p + i;
		if (h[0] || h[1] || h[2] != 1 || h[3] != 0xBA)
			continue;
		if ((h[4] & 0xC4) != 0x44 || !(h[6] & 4) || !(h[8] & 4) || !(h[9] & 1) ||
		    (h[12] & 3) != 3)
			continue;
		end = i + 14 + (h[13] & 7);
		if (end + 4 <= n && !p[end] && !p[end + 1] && p[end + 2] == 1 && p[end + 3] >= 0xB9)
			return (long)i;
	}
	return -1;
}

/* A capture file's magic number (pcap in both byte orders and both time
 * resolutions, pcapng's section header block). */
static int
is_capture(const uint8_t *p, size_t n)
{
	static const uint32_t magic[] = { 0xA1B2C3D4, 0xD4C3B2A1, 0xA1B23C4D, 0x4D3CB2A1, 0x0A0D0D0A };
	size_t i;

	if (n < 4)
		return 0;
	for (i = 0; i < sizeof magic / sizeof magic[0]; i++)
		if (rd32(p) == magic[i])
			return 1;
	return 0;
}

/* An Annex-B start code and a NAL header H.264 or H.265 streams begin with
 * (parameter sets, access unit delimiter, SEI, a slice). */
static int
is_annexb(const uint8_t *p, size_t n)
{
	size_t s = n >= 4 && !p[0] && !p[1] && !p[2] && p[3] == 1 ? 4 :
	    n >= 3 && !p[0] && !p[1] && p[2] == 1 ? 3 : 0;
	unsigned t4, t5;

	if (!s || n < s + 2 || (p[s] & 0x80))
		return 0;
	t4 = p[s] & 0x1F;
	t5 = (p[s] >> 1) & 0x3F;
	if ((p[s] & 0x60) && (t4 == 7 || t4 == 8 || t4 == 5 || t4 == 1))
		return 1;
	if (!(p[s] & 0x60) && (t4 == 9 || t4 == 6))
		return 1;
	return !(p[s] & 1) && (p[s + 1] & 0xF8) == 0 && (p[s + 1] & 7) &&
	    (t5 == 32 || t5 == 33 || t5 == 34 || t5 == 35 || t5 == 39 || t5 == 19 || t5 == 20);
}

/* Two of the n SSRCs are the same. */
static int
ssrc_pair(const uint32_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (v[i] == v[j])
				return 1;
	return 0;
}

int
ck_rtpsrc_framing_detect(const uint8_t *p, size_t n, int at_eof, size_t *skip)
{
	static const char dump[] = "#!rtpplay1.0 ";
	int g4571 = 0, gdol = 0, b4571 = 0, bdol = 0, k;
	uint32_t ssrc[4];
	size_t off;
	long ps;

	if (skip)
		*skip = 0;
	if (is_capture(p, n))
		return CK_IN_PCAP;
	if (n < sizeof dump - 1) {
		if (memcmp(p, dump, n) == 0 && !at_eof)
			return CK_IN_AUTO;
	} else if (memcmp(p, dump, sizeof dump - 1) == 0)
		return CK_IN_RTPDUMP;
	if (n >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 1 && p[3] == 0xBA)
		return CK_IN_PS;
	if (n && (p[0] & 0xC0) == 0x80 && (k = raw_detect(p, n, at_eof)) == CK_IN_RAWRTP)
		return k;
	/* RFC 4571: len(2) + RTP. A first byte '$' (0x24) may also be a length
	 * of 0x24xx: judge whole frames under both readings. */
	for (off = 0; off + 3 <= n && g4571 < 4;) {
		size_t l = (size_t)p[off] << 8 | p[off + 1];
		if (l < 12 || !is_rtp_start(p + off + 2)) {
			b4571 = 1;
			break;
		}
		if (off + 2 + l > n)
			break;
		ssrc[g4571++] = rd32(p + off + 2 + 8);
		off += 2 + l;
	}
	/* Random bytes pass the version check one frame in four, and their
	 * long frames leave few to check: two whole frames of one SSRC are
	 * what a stream shows and noise does not. Without them, more frames
	 * are waited for while they can come. */
	int pair = g4571 >= 2 && ssrc_pair(ssrc, (size_t)g4571);
	if (!b4571 && !pair && (g4571 == 4 || (g4571 >= 2 && (at_eof || n >= FRAMES3_MAX))))
		b4571 = 1;
	for (off = 0; off + 5 <= n && gdol < 4;) {
		size_t l = (size_t)p[off + 2] << 8 | p[off + 3];
		if (p[off] != '$' || l < 4 || (!is_rtp_start(p + off + 4) && l >= 12)) {
			bdol = 1;
			break;
		}
		if (off + 4 + l > n)
			break;
		gdol++;
		off += 4 + l;
	}
	if (!b4571 && bdol)
		k = (pair || at_eof || n >= FRAMES3_MAX) ? CK_IN_RFC4571 : CK_IN_AUTO;
	else if (b4571 && !bdol)
		k = (gdol >= 2 || at_eof || n >= PROBE_MAX) ? CK_IN_DOLLAR : CK_IN_AUTO;
	else if (!b4571 && !bdol)   /* both still plausible */
		k = at_eof || n >= PROBE_MAX ? (gdol > g4571 ? CK_IN_DOLLAR :
		    (g4571 ? CK_IN_RFC4571 : -1)) : CK_IN_AUTO;
	else
		k = -1;
	if ((k == CK_IN_RFC4571 && g4571) || (k == CK_IN_DOLLAR && gdol))
		return k;
	if (k == CK_IN_AUTO && (!b4571 || !bdol))
		return k;
	/* none of the framings with whole frames: the other formats */
	if (is_annexb(p, n))
		return CK_IN_ANNEXB;
	if ((ps = ps_find(p, n)) >= 0) {
		/* PS after leading garbage (a recorder's own header, a cut file) */
		if (skip)
			*skip = (size_t)ps;
		return CK_IN_PS;
	}
	if (k > 0)
		return k;    /* one plausible frame cut by the end: as before */
	return !at_eof && n < PROBE_MAX ? CK_IN_AUTO : -1;
}

static int
split_spec(const char *rest, char *host, size_t hl, int *port, ck_err *e)
{
	if (rest[0] == ':') {
		long long v;
		host[0] = '\0';
		if (ck_opt_parse_int(rest + 1, 0, 65535, &v, e) < 0)
			return -1;
		*port = (int)v;
		return 0;
	}
	if (ck_opt_parse_hostport(rest, host, hl, port, -1, e) < 0)
		return -1;
	if (*port < 0)
		return ck_err_set(e, CK_USAGE, "'%s': a port is required", rest);
	return 0;
}

int
ck_rtpsrc_open(ck_rtpsrc *s, const char *spec, int force, int64_t timeout_ms, ck_err *e)
{
	char host[256];
	int port;

	memset(s, 0, sizeof *s);
	s->fd = s->lfd = -1;
	s->kind = force;
	s->timeout_ms = timeout_ms;
	s->cap = SRC_BUF;
	if ((s->buf = malloc(s->cap)) == NULL)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	if (spec == NULL || strcmp(spec, "-") == 0) {
		s->fd = 0;
		snprintf(s->desc, sizeof s->desc, "stdin");
		return 0;
	}
	snprintf(s->desc, sizeof s->desc, "%s", spec);
	if (strncmp(spec, "udp://", 6) == 0) {
		if (split_spec(spec + 6, host, sizeof host, &port, e) < 0)
			return -1;
		if ((s->fd = ck_net_udp_bind(host[0] ? host : NULL, port, AF_UNSPEC, e)) < 0)
			return -1;
		s->net = 1;
		if (force != CK_IN_PS)
			s->kind = CK_IN_UDP;
		int sz = 4 << 20;
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
		ck_log_info("listening on udp://%s%s%s:%d", strchr(host, ':') ? "[" : "", host[0] ? host : "*",
		    strchr(host, ':') ? "]" : "", ck_net_local_port(s->fd));
		return 0;
	}
	if (strncmp(spec, "tcp-listen://", 13) == 0) {
		if (split_spec(spec + 13, host, sizeof host, &port, e) < 0)
			return -1;
		if ((s->lfd = ck_net_tcp_listen(host[0] ? host : NULL, port, AF_UNSPEC, e)) < 0)
			return -1;
		s->net = 1;
		ck_log_info("listening on tcp://%s%s%s:%d", strchr(host, ':') ? "[" : "", host[0] ? host : "*",
		    strchr(host, ':') ? "]" : "", ck_net_local_port(s->lfd));
		return 0;
	}
	if (strncmp(spec, "tcp://", 6) == 0) {
		if (split_spec(spec + 6, host, sizeof host, &port, e) < 0)
			return -1;
		int64_t dl = timeout_ms < 0 ? -1 : ck_clock_now_ms() + timeout_ms;
		if ((s->fd = ck_net_tcp_connect(host, port, dl, e)) < 0)
			return -1;
		s->net = 1;
		ck_log_info("connected to %s:%d", host, port);
		return 0;
	}
	if (strstr(spec, "://") != NULL)
		return ck_err_set(e, CK_USAGE, "'%s': unknown input scheme (udp://, tcp-listen://, tcp://)", spec);
	if ((s->fd = open(spec, O_RDONLY | O_CLOEXEC)) < 0)
		return ck_err_set(e, errno == ENOENT ? CK_NOINPUT : CK_IOERR, "%s: %s", spec, strerror(errno));
	return 0;
}

void
ck_rtpsrc_close(ck_rtpsrc *s)
{
	if (s->fd > 0)
		close(s->fd);
	if (s->lfd >= 0)
		close(s->lfd);
	s->fd = s->lfd = -1;
	free(s->buf);
	s->buf = NULL;
}

/* Accepts the camera's connection on a tcp-listen source: 0, 1 when a
 * signal interrupted the wait, or -1. */
static int
accept_one(ck_rtpsrc *s, ck_err *e)
{
	int64_t dl = s->timeout_ms < 0 ? -1 : ck_clock_now_ms() + s->timeout_ms;

	for (;;) {
		if (ck_net_wait_fd(s->lfd, POLLIN, dl, e) < 0) {
			if (e->kind == CK_OK)
				return 1;  /* interrupted by a signal: nothing to read */
			if (e->kind == CK_TEMPFAIL)
				return ck_err_set(e, CK_TEMPFAIL, "%s: nobody connected in time", s->desc);
			return -1;
		}
		int fd = accept(s->lfd, NULL, NULL);
		if (fd >= 0) {
			close(s->lfd);
			s->lfd = -1;
			s->fd = fd;
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
			ck_log_info("accepted a connection on %s", s->desc);
			return 0;
		}
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			return ck_err_set(e, CK_IOERR, "accept: %s", strerror(errno));
	}
}

/* Deadline of the next network read: none, the idle timeout, or "now" once a
 * signal asked us to stop (so only what is already queued is taken). */
static int64_t
read_deadline(const ck_rtpsrc *s)
{
	if (s->stopping)
		return ck_clock_now_ms();
	return s->timeout_ms < 0 ? -1 : ck_clock_now_ms() + s->timeout_ms;
}

/* After a failed network read: 1 = read again (a signal arrived: drain what
 * is queued first), 0 = end of input, -1 = error in e. */
static int
read_failed(ck_rtpsrc *s, ck_err *e)
{
	if (e->kind == CK_OK) {
		if (s->stopping)
			return 0;
		s->stopping = 1;
		return 1;
	}
	if (e->kind != CK_TEMPFAIL)
		return -1;
	if (s->stopping)
		return 0;
	if (s->got_data) {
		s->timed_out = 1;
		return 0;
	}
	return ck_err_set(e, CK_TEMPFAIL, "%s: nothing received in time", s->desc);
}

/* Reads into b; 0 at the end (EOF, signal, idle timeout after data). */
static ssize_t
rd(ck_rtpsrc *s, void *b, size_t n, ck_err *e)
{
	ssize_t r;

	if (s->lfd >= 0) {
		int a = accept_one(s, e);
		if (a != 0)
			return a < 0 ? -1 : 0;
	}
	if (s->net) {
again:;
		r = ck_net_read_deadline(s->fd, b, n, read_deadline(s), e);
		if (r < 0) {
			int f = read_failed(s, e);
			if (f > 0)
				goto again;
			return f;
		}
	} else {
		r = read(s->fd, b, n);
		if (r < 0) {
			if (errno == EINTR)
				return 0;
			return ck_err_set(e, CK_IOERR, "%s: read: %s", s->desc, strerror(errno));
		}
	}
	if (r > 0) {
		s->got_data = 1;
		s->bytes += (uint64_t)r;
	}
	return r;
}

/* Makes need bytes available at buf+off. Returns 1, 0 at the end, -1. */
static int
fill(ck_rtpsrc *s, size_t need, ck_err *e)
{
	while (s->len - s->off < need) {
		if (s->eof)
			return 0;
		if (s->cap - s->off < need || s->cap - s->len < 4096) {
			memmove(s->buf, s->buf + s->off, s->len - s->off);
			s->len -= s->off;
			s->off = 0;
		}
		ssize_t r = rd(s, s->buf + s->len, s->cap - s->len, e);
		if (r < 0)
			return -1;
		if (r == 0)
			s->eof = 1;
		s->len += (size_t)r;
	}
	return 1;
}

int
ck_rtpsrc_chunk(ck_rtpsrc *s, const uint8_t **p, size_t *n, ck_err *e)
{
	if (s->len > s->off) {  /* bytes kept by the framing probe */
		*p = s->buf + s->off;
		*n = s->len - s->off;
		s->off = s->len = 0;
		return 1;
	}
	if (s->eof)
		return 0;
	ssize_t r = rd(s, s->buf, s->cap, e);
	if (r < 0)
		return -1;
	if (r == 0) {
		s->eof = 1;
		return 0;
	}
	*p = s->buf;
	*n = (size_t)r;
	return 1;
}

/* Detects the framing of a byte stream. */
static int
probe(ck_rtpsrc *s, ck_err *e)
{
	for (;;) {
		size_t skip;
		int k = ck_rtpsrc_framing_detect(s->buf + s->off, s->len - s->off, s->eof, &skip);
		if (k == CK_IN_PCAP)
			return ck_err_set(e, CK_DATAERR, "%s is a pcap/pcapng capture, not a media stream: "
			    "use pcap-rtp-extract -r FILE --stream N | rtp-ps-demux", s->desc);
		if (k == CK_IN_ANNEXB)
			return ck_err_set(e, CK_DATAERR, "%s is already an H.264/H.265 Annex-B elementary "
			    "stream: nothing to demultiplex (ffprobe or ffplay read it as it is)", s->desc);
		if (k == CK_IN_PS && skip) {
			ck_log_warn("%s: %zu bytes before the first MPEG-PS pack header skipped", s->desc, skip);
			s->off += skip;
		}
		if (k < 0) {
			if (s->len == s->off)
				return 0;
			return ck_err_set(e, CK_DATAERR, "%s: neither RFC 4571 nor RTSP interleaved RTP, rtpdump, raw RTP or MPEG-PS (first bytes %02x %02x %02x %02x)",
			    s->desc, s->buf[s->off], s->len - s->off > 1 ? s->buf[s->off + 1] : 0,
			    s->len - s->off > 2 ? s->buf[s->off + 2] : 0, s->len - s->off > 3 ? s->buf[s->off + 3] : 0);
		}
		if (k != CK_IN_AUTO) {
			s->kind = k;
			ck_log_info("%s: %s framing", s->desc, ck_rtpsrc_in_name(k));
			if (k == CK_IN_RTPDUMP) {
				uint8_t *nl = memchr(s->buf + s->off, '\n', s->len - s->off < 256 ? s->len - s->off : 256);
				if (nl == NULL)
					return ck_err_set(e, CK_DATAERR, "%s: rtpdump first line too long", s->desc);
				s->off = (size_t)(nl + 1 - s->buf);
				if (fill(s, 16, e) <= 0)
					return ck_err_set(e, CK_DATAERR, "%s: rtpdump header truncated", s->desc);
				s->off += 16;
			}
			return 1;
		}
		if (s->eof)
			return 0;
		int r = fill(s, s->len - s->off + 1, e);
		if (r < 0)
			return -1;
	}
}

int
ck_rtpsrc_probe(ck_rtpsrc *s, ck_err *e)
{
	if (s->kind != CK_IN_AUTO)
		return s->kind;
	if (probe(s, e) < 0)
		return -1;
	return s->kind;
}

int
ck_rtpsrc_next(ck_rtpsrc *s, const uint8_t **p, size_t *n, ck_err *e)
{
	size_t l;
	int r;

	if (s->kind == CK_IN_UDP) {
		if (s->lfd >= 0)
			return -1;
		for (;;) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof from;
			ssize_t m = ck_net_recvfrom_deadline(s->fd, s->buf, s->cap, &from, &fl,
			    read_deadline(s), e);
			if (m < 0) {
				int f = read_failed(s, e);
				if (f > 0)
					continue;
				return f;
			}
			s->got_data = 1;
			s->bytes += (uint64_t)m;
			*p = s->buf;
			*n = (size_t)m;
			return 1;
		}
	}
	if (s->kind == CK_IN_AUTO) {
		if ((r = probe(s, e)) <= 0)
			return r;
	}
	for (;;) {
		switch (s->kind) {
		case CK_IN_RFC4571:
			if ((r = fill(s, 2, e)) <= 0)
				goto end;
			l = (size_t)s->buf[s->off] << 8 | s->buf[s->off + 1];
			if ((r = fill(s, 2 + l, e)) <= 0)
				goto end;
			*p = s->buf + s->off + 2;
			*n = l;
			s->off += 2 + l;
			if (l == 0)
				continue;
			return 1;
		case CK_IN_DOLLAR:
			if ((r = fill(s, 4, e)) <= 0)
				goto end;
			if (s->buf[s->off] != '$')
				return ck_err_set(e, CK_DATAERR, "%s: RTSP interleaved framing lost (0x%02x instead of '$')",
				    s->desc, s->buf[s->off]);
			l = (size_t)s->buf[s->off + 2] << 8 | s->buf[s->off + 3];
			if ((r = fill(s, 4 + l, e)) <= 0)
				goto end;
			*p = s->buf + s->off + 4;
			*n = l;
			s->off += 4 + l;
			if (l == 0)
				continue;
			return 1;
		case CK_IN_RTPDUMP: {
			if ((r = fill(s, 8, e)) <= 0)
				goto end;
			const uint8_t *h = s->buf + s->off;
			l = (size_t)h[0] << 8 | h[1];
			size_t plen = (size_t)h[2] << 8 | h[3];
			if (l < 8)
				return ck_err_set(e, CK_DATAERR, "%s: rtpdump record of %zu bytes", s->desc, l);
			if ((r = fill(s, l, e)) <= 0)
				goto end;
			*p = s->buf + s->off + 8;
			*n = l - 8;
			s->off += l;
			if (plen == 0)  /* an RTCP record */
				continue;
			if (plen < *n)
				*n = plen;
			return 1;
		}
		case CK_IN_RAWRTP: {
			long rl;
			while ((rl = ck_rtpsrc_raw_len(s->buf + s->off, s->len - s->off, s->eof)) == 0 &&
			    !s->eof)
				if ((r = fill(s, s->len - s->off + 1, e)) < 0)
					goto end;
			if (rl < 0)
				return ck_err_set(e, CK_DATAERR, "%s: raw RTP: no next packet of SSRC 0x%08x "
				    "within 64 KiB (framing lost)", s->desc, rd32(s->buf + s->off + 8));
			if (rl == 0) {
				r = 0;
				goto end;
			}
			*p = s->buf + s->off;
			*n = (size_t)rl;
			s->off += (size_t)rl;
			return 1;
		}
		case CK_IN_PS:
			return ck_err_set(e, CK_USAGE, "%s is a bare MPEG-PS stream, not RTP", s->desc);
		default:
			return ck_err_set(e, CK_SOFTWARE, "unknown framing");
		}
	}
end:
	if (r < 0)
		return -1;
	if (s->len > s->off)
		ck_log_warn("%s: input ends inside a frame (%zu bytes ignored)", s->desc, s->len - s->off);
	return 0;
}
