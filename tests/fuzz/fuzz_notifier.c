/* libFuzzer: what the device-side notifier parses. An input is either a
 * SIP request (SUBSCRIBE with its Event/Expires headers and Query body, or
 * a MESSAGE carrying an alarm <Response>) handed to ck_notifier_handle as
 * gb-register's device hands it, or, after a "CATALOG\n" line, a catalog
 * file re-read on SIGHUP and diffed against a fixed catalog (Event
 * ADD/DEL/UPDATE/ON/OFF items). Answers and NOTIFYs go to the discard
 * port on loopback. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gb/notifier.h"
#include "gb/sip.h"

static ck_sip *s;
static ck_notifier *n;
static ck_sip_peer peer;
static volatile sig_atomic_t reload;
static char path[64];
static char *base[] = {
	"<Item><DeviceID>34020000001310000001</DeviceID><Status>ON</Status></Item>",
	"<Item><DeviceID>34020000001310000002</DeviceID><Name>b</Name></Item>",
};

static void
drop(void *arg, ck_json *j)
{
	(void)arg;
	(void)j;
}

static ck_notifier_opts opts = { .id = "34020000001320000001", .domain = "3402000000",
    .have_position = 1, .lon = 120, .lat = 30, .max_subs = 8, .timeout_ms = 1,
    .reload = &reload, .on_record = drop };

static void
init(void)
{
	ck_err e;
	ck_sip_opts so = { .bind_addr = "127.0.0.1", .udp = 1 };
	snprintf(path, sizeof path, "/tmp/fuzz_notifier.%d.xml", (int)getpid());
	opts.catalog = path;
	if ((s = ck_sip_open(&so, &e)) == NULL || (n = ck_notifier_new(s, &opts, &e)) == NULL ||
	    ck_sip_peer_udp(s, "127.0.0.1", 9, &peer, &e) < 0)
		abort();
}

static void
catalog(const uint8_t *data, size_t size)
{
	ck_err e;
	char **items = base;
	size_t nitems = 2;
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return;
	fwrite(data, 1, size, f);
	fclose(f);
	ck_notifier *c = ck_notifier_new(s, &opts, &e);
	if (c == NULL)
		abort();
	ck_notifier_ctx ctx = { .items = &items, .nitems = &nitems };
	reload = 1;
	ck_notifier_tick(c, &ctx);
	ck_notifier_free(c);   /* frees what it loaded */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ck_err e;
	char pkg[32];
	if (s == NULL)
		init();
	if (size >= 8 && memcmp(data, "CATALOG\n", 8) == 0) {
		catalog(data + 8, size - 8);
		return 0;
	}
	osip_message_t *m = ck_sip_parse((const char *)data, size, &e);
	if (m == NULL)
		return 0;
	ck_notifier_event_ok(ck_sip_header(m, "event"), pkg, sizeof pkg);
	ck_notifier_expires(ck_sip_header(m, "expires"), 3600);
	if (MSG_IS_RESPONSE(m) || m->call_id == NULL || m->from == NULL || m->to == NULL ||
	    m->call_id->number == NULL) {
		osip_message_free(m);
		return 0;
	}
	ck_sip_req *rq = calloc(1, sizeof *rq);
	rq->msg = m;
	rq->peer = peer;
	if (!ck_notifier_handle(n, rq, (int)(size & 1)))   /* both: platform or not */
		ck_sip_req_free(rq);
	ck_notifier_ctx ctx = { 0 };
	ck_notifier_tick(n, &ctx);
	return 0;
}
