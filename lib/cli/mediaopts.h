/* mediaopts: the option block both media tools share (pcap-rtp-extract,
 * rtp-ps-demux): where the media goes (-o) and which RTP stream (-S). */
#ifndef CK_MEDIAOPTS_H
#define CK_MEDIAOPTS_H

#include <stdint.h>

#include "cli/opts.h"

typedef struct ck_mediaopts {
	const char *output;       /* -o FILE; NULL = stdout */
	int have_ssrc;            /* -S given */
	uint32_t ssrc;
} ck_mediaopts;

/* The block's options, ending with a NULL name. */
extern const ck_opts_opt ck_mediaopts_opts[];

/* The block for m (title "Media"); m is filled while argv is parsed. */
ck_opts_block ck_mediaopts_block(ck_mediaopts *m);
/* Parses an SSRC ("0x0396A9CA" or decimal, 32 bits). Returns 0, or -1 with
 * CK_USAGE naming opt. */
int ck_mediaopts_parse_ssrc(const char *opt, const char *s, uint32_t *out,
    ck_err *e);

#endif
