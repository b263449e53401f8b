/* libFuzzer: WS-Discovery message parsing (ProbeMatches, Hello, Bye,
 * Probe), scope parsing, merging, and the Probe builder's type syntax. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "onvif/wsdiscovery.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ck_err e;
	ck_wsdiscovery_msg *m;
	ck_wsdiscovery_scopes sc;
	ck_wsdiscovery_match all;
	char *s, *p, dec[256];
	size_t i;

	m = ck_wsdiscovery_parse((const char *)data, size, &e);
	if (m != NULL) {
		memset(&all, 0, sizeof all);
		all.metadata_version = -1;
		for (i = 0; i < m->nmatch; i++) {
			ck_wsdiscovery_parse_scopes(&m->match[i], &sc);
			if (sc.name && strlen(sc.name) >= sizeof sc.store)
				abort();
			ck_wsdiscovery_match_types(&m->match[i], "dn:NetworkVideoTransmitter");
			if (ck_wsdiscovery_merge(&all, &m->match[i]) < 0)
				abort();
			/* merging twice adds nothing */
			if (ck_wsdiscovery_merge(&all, &m->match[i]) != 0)
				abort();
		}
		ck_wsdiscovery_match_clear(&all);
		ck_wsdiscovery_msg_free(m);
	}
	/* the same bytes as a --types value and a scope to decode */
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ck_wsdiscovery_check_types(s, &e) == 0) {
		p = ck_wsdiscovery_probe("uuid:00000000-0000-4000-8000-000000000000", s, &e);
		if (p == NULL)
			abort();
		/* what we build must parse back as a Probe */
		m = ck_wsdiscovery_parse(p, strlen(p), &e);
		if (m == NULL || m->kind != CK_WSD_PROBE)
			abort();
		ck_wsdiscovery_msg_free(m);
		free(p);
	}
	if (ck_wsdiscovery_pct_decode(s, size, dec, sizeof dec) >= sizeof dec)
		abort();
	free(s);
	return 0;
}
