/* libFuzzer: SOAP response parsing as the ONVIF tools do it: envelope,
 * faults (subcodes, reasons, auth classification) and the
 * GetSystemDateAndTime reader; plus the target parser (URLs, host:port and
 * NDJSON "xaddrs" lines read from stdin), the snapshot JPEG check and the
 * SDP reader of onvif-media --check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "onvif/media.h"
#include "onvif/onvif.h"
#include "onvif/snapshot.h"
#include "onvif/soap.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ck_soap_resp r;
	ck_soap_fault f;
	ck_onvif_time t;
	ck_err e = { 0, "" };
	ck_onvif_target tg;
	char *line = malloc(size + 1);

	if (ck_snapshot_check_jpeg(data, size, &e) == 0 &&
	    (size < 4 || data[0] != 0xff || data[1] != 0xd8))
		abort();
	if (line) {
		ck_media_stream st[CK_MEDIA_MAX_STREAMS];
		memcpy(line, data, size);
		line[size] = '\0';
		if (ck_media_parse_sdp(line, st, CK_MEDIA_MAX_STREAMS, &e) > CK_MEDIA_MAX_STREAMS)
			abort();
		if (ck_onvif_target_parse(line, &tg, &e) == 0 &&
		    strncmp(tg.url, "http", 4) != 0)
			abort();
		free(line);
	}
	if (ck_soap_parse((const char *)data, size, &r, &f, &e) == 0) {
		if (r.doc == NULL || r.body == NULL)
			abort();
		if (ck_onvif_parse_time(r.first, &t, &e) == 0 && t.has_utc &&
		    (t.utc[1] < 1 || t.utc[1] > 12))
			abort();
		ck_soap_resp_free(&r);
	} else {
		if (r.doc != NULL)
			abort();
		if (e.kind == CK_PROTO || e.kind == CK_NOPERM) {
			if (memchr(f.text, '\0', sizeof f.text) == NULL ||
			    f.nsub > CK_SOAP_MAX_SUBCODES)
				abort();
		} else if (e.kind != CK_DATAERR && e.kind != CK_SOFTWARE)
			abort();
	}
	return 0;
}
