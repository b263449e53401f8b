/* libFuzzer: what openvidu-ipcam reads from others: the server's Connection
 * and list replies, stdin input lines, and URIs it checks and redacts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "openvidu/ipcam.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), uri[2048], name[512], red[4096];
	ck_ipcam_conn c, *l = NULL;
	size_t n = 0;
	ck_err e;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	ck_ipcam_parse_conn(s, size, &c, &e);
	if (ck_ipcam_parse_list(s, size, 0, &l, &n, &e) == 0)
		free(l);
	if (ck_ipcam_parse_list(s, size, 1, &l, &n, &e) == 0)
		free(l);
	if (ck_ipcam_parse_input(s, uri, sizeof uri, name, sizeof name, &e) == 1) {
		ck_ipcam_check_uri(uri, &e);
		ck_ipcam_redact_uri(uri, red, sizeof red);
		if (!ck_ipcam_same_uri(uri, uri))
			abort();   /* a URI is always the same camera as itself */
	}
	ck_ipcam_check_session(s, &e);
	free(s);
	return 0;
}
