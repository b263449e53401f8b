/* libFuzzer: WS-Discovery message parsing (ProbeMatches, Hello, Bye,
 * Probe), scope parsing, merging, and the Probe builder's type syntax. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wsdiscovery.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ck_err e;
	ck_wsd_msg *m;
	ck_wsd_scopes sc;
	ck_wsd_match all;
	char *s, *p, dec[256];
	size_t i;

	m = ck_wsd_parse((const char *)data, size, &e);
	if (m != NULL) {
		memset(&all, 0, sizeof all);
		all.metadata_version = -1;
		for (i = 0; i < m->nmatch; i++) {
			ck_wsd_parse_scopes(&m->match[i], &sc);
			if (sc.name && strlen(sc.name) >= sizeof sc.store)
				abort();
			ck_wsd_match_types(&m->match[i], "dn:NetworkVideoTransmitter");
			if (ck_wsd_merge(&all, &m->match[i]) < 0)
				abort();
			/* merging twice adds nothing */
			if (ck_wsd_merge(&all, &m->match[i]) != 0)
				abort();
		}
		ck_wsd_match_clear(&all);
		ck_wsd_msg_free(m);
	}
	/* the same bytes as a --types value and a scope to decode */
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ck_wsd_check_types(s, &e) == 0) {
		p = ck_wsd_probe("uuid:00000000-0000-4000-8000-000000000000", s, &e);
		if (p == NULL)
			abort();
		/* what we build must parse back as a Probe */
		m = ck_wsd_parse(p, strlen(p), &e);
		if (m == NULL || m->kind != CK_WSD_PROBE)
			abort();
		ck_wsd_msg_free(m);
		free(p);
	}
	if (ck_wsd_pct_decode(s, size, dec, sizeof dec) >= sizeof dec)
		abort();
	free(s);
	return 0;
}
