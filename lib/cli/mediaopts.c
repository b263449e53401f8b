#include "cli/mediaopts.h"

#include "base/opt.h"

const ck_opts_opt ck_mediaopts_opts[] = {
	{ "output", 'o', CK_OPTS_ARG, "FILE", "write the media to FILE instead of stdout" },
	{ "ssrc", 'S', CK_OPTS_ARG, "X", "the RTP stream with this SSRC (0x.. or decimal)" },
	{ NULL, 0, 0, NULL, NULL }
};

int
ck_mediaopts_parse_ssrc(const char *opt, const char *s, uint32_t *out, ck_err *e)
{
	long long v;

	if (ck_opt_parse_int(s, 0, 0xFFFFFFFFLL, &v, e) < 0)
		return ck_err_set(e, CK_USAGE, "%s: '%s' is not a 32-bit number", opt, s);
	*out = (uint32_t)v;
	return 0;
}

static int
handle(void *ctx, int key, const char *arg, ck_err *e)
{
	ck_mediaopts *m = ctx;

	switch (key) {
	case 'o':
		m->output = arg;
		return 0;
	case 'S':
		m->have_ssrc = 1;
		return ck_mediaopts_parse_ssrc("--ssrc", arg, &m->ssrc, e);
	}
	return ck_err_set(e, CK_SOFTWARE, "media options: unexpected key %d", key);
}

ck_opts_block
ck_mediaopts_block(ck_mediaopts *m)
{
	ck_opts_block b = { "Media", ck_mediaopts_opts, handle, m };

	return b;
}
