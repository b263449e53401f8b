/* libFuzzer: the SIP message path as gb-register uses it: a datagram is
 * framed as on TCP, parsed (libosip2 + our checks), a request goes through the registrar
 * (REGISTER challenge/verify, Keepalive MESSAGE) or is answered 200, the
 * answer is built and serialised; Date and Expires are read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gb/registrar.h"
#include "gb/sip.h"

static ck_sip *s;
static ck_registrar *r;
static ck_sip_peer peer;

static void
init(void)
{
	ck_err e;
	ck_sip_opts so = { .bind_addr = "127.0.0.1", .udp = 1 };
	ck_registrar_opts ro = { .domain = "3402000000", .password = "secret" };
	s = ck_sip_open(&so, &e);
	if (s == NULL)
		abort();
	r = ck_registrar_new(s, &ro, &e);
	/* answers go to the discard port: nobody reads them */
	if (r == NULL || ck_sip_peer_udp(s, "127.0.0.1", 9, &peer, &e) < 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ck_err e;
	size_t l;
	int64_t ms;
	if (s == NULL)
		init();
	/* TCP framing first: when the input holds a whole framed message,
	 * continue with that message, as the TCP path does. */
	size_t skip;
	long fl = ck_sip_frame((const char *)data, size, &skip);
	if (fl > 0) {
		if (skip + (size_t)fl > size)
			abort();
		data += skip;
		size = (size_t)fl;
	}
	osip_message_t *m = ck_sip_parse((const char *)data, size, &e);
	if (m == NULL)
		return 0;
	const char *d = ck_sip_header(m, "date");
	if (d)
		ck_sip_parse_gb_date(d, &ms);
	ck_sip_expires(m, 3600);
	ck_sip_body(m, &l);
	ck_sip_from_user(m, 0);
	char *txt = ck_sip_to_str(m, &l, &e);
	free(txt);
	if (MSG_IS_RESPONSE(m)) {
		osip_message_free(m);
		return 0;
	}
	ck_sip_req *rq = calloc(1, sizeof *rq);
	rq->msg = m;
	rq->peer = peer;
	if (!ck_registrar_handle(r, rq)) {
		ck_sip_reply(s, rq, 200, &e);
		ck_sip_req_free(rq);
	}
	ck_registrar_tick(r);
	return 0;
}
