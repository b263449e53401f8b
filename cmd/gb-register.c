/* gb-register: a GB/T 28181 device that registers with a platform (and
 * answers it like a device), or with --listen the platform's registrar. */
#include <errno.h>
#include <getopt.h>
#include <iconv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/cred.h"
#include "codec/digest.h"
#include "base/err.h"
#include "codec/json.h"
#include "base/log.h"
#include "gb/manscdp.h"
#include "net/net.h"
#include "base/opt.h"
#include "gb/ptzcmd.h"
#include "gb/registrar.h"
#include "gb/sip.h"
#include "cli/tool.h"
#include "codec/xml.h"

static const char usage[] =
"Usage: gb-register --server ID@HOST[:PORT] --id DEVICE_ID [options]\n"
"       gb-register --listen [ADDR]:PORT [options]\n"
"A GB/T 28181 device: registers with the platform (digest), refreshes,\n"
"sends keepalives, answers Catalog/DeviceInfo/DeviceStatus queries and\n"
"DeviceControl, unregisters on SIGINT/SIGTERM. With --listen, the platform's\n"
"registrar instead. NDJSON records on stdout.\n"
"\n"
"Device side:\n"
"  -s, --server ID@HOST[:PORT]  the platform (SIP port default 5060)\n"
"  -i, --id ID             this device's 20-digit ID (with --listen: the\n"
"                          platform's own ID)\n"
"  -d, --domain DOMAIN     SIP domain/realm (default: first 10 digits of the\n"
"                          server ID, or of --id with --listen)\n"
"  -u, --user USER         digest username (default: the device ID)\n"
"      --password-file F   password (else GB_PASSWORD or the credentials file)\n"
"  -t, --tcp               one persistent TCP connection instead of UDP\n"
"  -p, --local-port N      local SIP port (default: any)\n"
"  -e, --expires SECS      registration lifetime asked for (default 3600)\n"
"  -k, --keepalive DUR     keepalive interval (default 60s)\n"
"  -m, --max-missed N      unanswered keepalives before re-registering\n"
"                          (device), missed intervals before offline\n"
"                          (--listen); default 3\n"
"  -r, --retry DUR         wait after a failed registration (default 60s)\n"
"  -a, --attempts N        give up after N failed registrations in a row\n"
"                          (default 0: never)\n"
"  -T, --timeout DUR       SIP transaction timeout (default 32s, timer F)\n"
"  -c, --catalog FILE      channels (<Item> elements) for Catalog queries\n"
"  -C, --catalog-chunk N   items per Catalog response MESSAGE (default 1)\n"
"      --name NAME         DeviceInfo DeviceName (default 'camkit')\n"
"      --manufacturer M    DeviceInfo Manufacturer (default 'camkit')\n"
"      --model M           DeviceInfo Model (default 'gb-register')\n"
"      --firmware F        DeviceInfo Firmware (default the version)\n"
"Platform side:\n"
"  -l, --listen [ADDR]:PORT  registrar on UDP and TCP (PORT 0: any)\n"
"      --passwords FILE    per-device passwords, 'ID PASSWORD' lines\n"
"      --allow LIST        IDs allowed, comma-separated; 'PREFIX*' matches\n"
"      --nonce-ttl DUR     nonce lifetime (default 300s)\n"
"      --sha256            challenge with SHA-256 instead of MD5\n"
"      --qop               offer qop=\"auth\"\n"
"Common:\n"
"  -v, --verbose           -v events, -vv SIP trace (secrets redacted)\n"
"  -h, --help              show this help\n"
"  -V, --version           show the version\n"
"\n"
"Exit: 0 ok (also after SIGINT/SIGTERM), 64 usage, 66 catalog or password\n"
"file missing, 65 bad catalog file, 68 unknown host, 69 unreachable, 74\n"
"stdout failed, 75 timeout, 76 SIP error status, 77 authentication rejected,\n"
"78 no password configured.\n";

struct opts {
	/* device */
	char server_id[64], server_host[256];
	int server_port;
	const char *id, *domain, *user, *password_file, *catalog;
	int tcp, local_port, expires, max_missed, attempts, chunk;
	long long keepalive_ms, retry_ms, timeout_ms, nonce_ttl_ms;
	const char *name, *manufacturer, *model, *firmware;
	/* platform */
	const char *listen, *passwords, *allow;
	int sha256, qop;
	char domain_buf[32];
};

static volatile sig_atomic_t stop_flag;
static int out_failed;   /* stdout is gone (closed pipe, full disk) */

/* Emits the record; a failed write stops the main loop (exit 74). */
static void
emit(ck_json *j)
{
	if (ck_json_emit(j, stdout) < 0 && !out_failed) {
		out_failed = 1;
		stop_flag = 1;
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* ---------------------------------------------------------------- */
/* device side                                                      */

struct dev {
	const struct opts *o;
	ck_sip *s;
	ck_sip_peer peer;
	int have_peer;
	ck_cred cred;
	ck_json *j;
	char server_id[64], server_host[256];
	int server_port;
	char call_id[64], from_tag[24];
	int registered;
	int expires;
	unsigned sn;
	char **items;
	size_t nitems;
};

static void
rec_start(struct dev *d, const char *type)
{
	ck_json_record(d->j, type);
	ck_json_time_ms(d->j, "ts", ck_clock_wall_ms());
}

static void
rec_server(struct dev *d)
{
	char a[300];
	ck_json_str(d->j, "server", d->server_id);
	snprintf(a, sizeof a, strchr(d->server_host, ':') ? "[%s]:%d" : "%s:%d",
	    d->server_host, d->server_port);
	ck_json_str(d->j, "address", a);
	ck_json_str(d->j, "transport", d->o->tcp ? "tcp" : "udp");
}

static void
rec_error(struct dev *d, const char *stage, const ck_err *e, int status)
{
	rec_start(d, "error");
	ck_json_str(d->j, "stage", stage);
	ck_json_str(d->j, "error", ck_err_kind_name(e->kind));
	ck_json_str(d->j, "message", e->msg);
	/* "status" in error records is the exit status of the kind (camkit.7) */
	ck_json_int(d->j, "status", status ? status : (e->kind ? e->kind : CK_SOFTWARE));
	emit(d->j);
	ck_log_warn("%s: %s", stage, e->msg);
}

static int
ensure_peer(struct dev *d, ck_err *e)
{
	if (d->have_peer && ck_sip_peer_alive(d->s, &d->peer))
		return 0;
	d->have_peer = 0;
	if (d->o->tcp) {
		if (ck_sip_connect(d->s, d->server_host, d->server_port,
		    ck_clock_now_ms() + (d->o->timeout_ms < 10000 ? d->o->timeout_ms : 10000),
		    &d->peer, e) < 0)
			return -1;
	} else if (ck_sip_peer_udp(d->s, d->server_host, d->server_port, &d->peer, e) < 0)
		return -1;
	d->have_peer = 1;
	return 0;
}

/* One REGISTER transaction. Returns the final response or NULL. */
static osip_message_t *
register_once(struct dev *d, int expires, const char *auth, ck_err *e)
{
	char ruri[400], from[200];
	snprintf(ruri, sizeof ruri, strchr(d->server_host, ':') ? "sip:%s@[%s]:%d" :
	    "sip:%s@%s:%d", d->server_id, d->server_host, d->server_port);
	snprintf(from, sizeof from, "sip:%s@%s", d->o->id, d->o->domain);
	ck_sip_reqspec rs = { .method = "REGISTER", .ruri = ruri, .from = from,
	    .to = from, .from_tag = d->from_tag, .call_id = d->call_id,
	    .expires = expires, .authorization = auth };
	osip_message_t *req = ck_sip_request_new(d->s, &d->peer, &rs, e), *resp = NULL;
	if (req == NULL)
		return NULL;
	if (ck_sip_send_request(d->s, &d->peer, req, ck_clock_now_ms() + d->o->timeout_ms,
	    &resp, e) < 0)
		return NULL;
	return resp;
}

static int
challenge_of(osip_message_t *m, ck_digest_chal *c, ck_err *e)
{
	osip_www_authenticate_t *w = NULL;
	char *v = NULL;
	int rc;
	if (osip_message_get_www_authenticate(m, 0, &w) < 0 || w == NULL)
		osip_message_get_proxy_authenticate(m, 0, &w);
	if (w == NULL || osip_www_authenticate_to_str(w, &v) != 0 || v == NULL)
		return ck_err_set(e, CK_PROTO, "401 without a Digest challenge");
	rc = ck_digest_parse_challenge(v, c, e);
	osip_free(v);
	return rc;
}

/* Switches to the server named by a 302's Contact (sip:ID@HOST:PORT). */
static int
redirect(struct dev *d, osip_message_t *m, ck_err *e)
{
	osip_contact_t *c = NULL;
	char old[300];
	if (osip_message_get_contact(m, 0, &c) < 0 || c == NULL || c->url == NULL ||
	    c->url->host == NULL || c->url->username == NULL)
		return ck_err_set(e, CK_PROTO, "302 without a usable Contact");
	snprintf(old, sizeof old, "%s@%s:%d", d->server_id, d->server_host, d->server_port);
	snprintf(d->server_id, sizeof d->server_id, "%s", c->url->username);
	snprintf(d->server_host, sizeof d->server_host, "%s", c->url->host);
	d->server_port = c->url->port ? atoi(c->url->port) : 5060;
	if (d->server_port <= 0 || d->server_port > 65535)
		d->server_port = 5060;
	if (d->have_peer)
		ck_sip_peer_close(d->s, &d->peer);
	d->have_peer = 0;
	rec_start(d, "redirected");
	ck_json_str(d->j, "from", old);
	rec_server(d);
	emit(d->j);
	return 0;
}

/* Registers (expires > 0) or unregisters (0), answering the challenge and
 * following up to 3 redirects. Returns 0 with *granted, or -1. */
static int
do_register(struct dev *d, int expires, int *granted, int64_t *offset_ms,
    char *date, size_t datelen, ck_err *e)
{
	int redirects = 0, challenges = 0;
	char auth[1024];
	const char *authp = NULL;
	unsigned nc = 0;
	ck_digest_chal ch;
	char ruri[400];
	date[0] = '\0';
	for (;;) {
		if (ensure_peer(d, e) < 0)
			return -1;
		int64_t t0 = ck_clock_wall_ms();
		osip_message_t *r = register_once(d, expires, authp, e);
		int64_t t1 = ck_clock_wall_ms();
		if (r == NULL)
			return -1;
		int st = osip_message_get_status_code(r);
		if (st >= 200 && st < 300) {
			const char *dv = ck_sip_header(r, "date");
			int64_t srv;
			*granted = ck_sip_expires(r, expires);
			*offset_ms = 0;
			if (dv && ck_sip_parse_gb_date(dv, &srv) == 0) {
				*offset_ms = srv - (t0 + t1) / 2;
				snprintf(date, datelen, "%s", dv);
			}
			osip_message_free(r);
			return 0;
		}
		if ((st == 401 || st == 407) && challenges < 3) {
			int rc = challenge_of(r, &ch, e);
			osip_message_free(r);
			if (rc < 0)
				return -1;
			/* A second 401 that is not about a stale nonce means the
			 * credentials were refused. */
			if (authp && !ch.stale)
				return ck_err_set(e, CK_NOPERM, "registration rejected: wrong "
				    "credentials (401 after answering the challenge)");
			if (!d->cred.have_pass)
				return ck_err_set(e, CK_CONFIG, "platform asks for a password "
				    "and none is configured (--password-file, GB_PASSWORD)");
			snprintf(ruri, sizeof ruri, strchr(d->server_host, ':') ?
			    "sip:%s@[%s]:%d" : "sip:%s@%s:%d", d->server_id,
			    d->server_host, d->server_port);
			if (ck_digest_build_auth(&ch, d->cred.user[0] ? d->cred.user : d->o->id,
			    d->cred.pass, "REGISTER", ruri, ++nc, NULL, auth, sizeof auth, e) < 0)
				return -1;
			authp = auth;
			challenges++;
			continue;
		}
		if ((st == 301 || st == 302) && redirects < 3) {
			int rc = redirect(d, r, e);
			osip_message_free(r);
			if (rc < 0)
				return -1;
			redirects++;
			authp = NULL;
			challenges = 0;
			nc = 0;
			continue;
		}
		ck_err_set(e, st == 403 ? CK_NOPERM : CK_PROTO, "registration answered %d %s",
		    st, osip_message_get_reason_phrase(r) ? osip_message_get_reason_phrase(r) : "");
		osip_message_free(r);
		return -1;
	}
}

static void
new_session(struct dev *d)
{
	ck_digest_random_hex(d->call_id, 12);
	ck_digest_random_hex(d->from_tag, 5);
}

/* Sends a MANSCDP MESSAGE to uri over peer and waits for the answer.
 * Returns the SIP status, or -1. */
static int
send_manscdp(struct dev *d, const ck_sip_peer *p, const char *to, const char *body,
    size_t len, int64_t deadline, int64_t *rtt, ck_err *e)
{
	char from[200];
	osip_message_t *resp = NULL;
	snprintf(from, sizeof from, "sip:%s@%s", d->o->id, d->o->domain);
	ck_sip_reqspec rs = { .method = "MESSAGE", .ruri = to, .from = from,
	    .expires = -1, .content_type = CK_SIP_MANSCDP, .body = body, .body_len = len };
	osip_message_t *req = ck_sip_request_new(d->s, p, &rs, e);
	int64_t t0 = ck_clock_now_ms();
	if (req == NULL)
		return -1;
	if (ck_sip_send_request(d->s, p, req, deadline, &resp, e) < 0)
		return -1;
	if (rtt)
		*rtt = ck_clock_now_ms() - t0;
	int st = osip_message_get_status_code(resp);
	osip_message_free(resp);
	return st;
}

static int
send_keepalive(struct dev *d, int64_t *rtt, ck_err *e)
{
	size_t len;
	char to[400];
	char *body = ck_manscdp_keepalive(++d->sn, d->o->id, &len, e);
	if (body == NULL)
		return -1;
	snprintf(to, sizeof to, strchr(d->server_host, ':') ? "sip:%s@[%s]:%d" :
	    "sip:%s@%s:%d", d->server_id, d->server_host, d->server_port);
	int64_t dl = ck_clock_now_ms() + (d->o->keepalive_ms < d->o->timeout_ms ?
	    d->o->keepalive_ms : d->o->timeout_ms);
	int st = ensure_peer(d, e) < 0 ? -1 :
	    send_manscdp(d, &d->peer, to, body, len, dl, rtt, e);
	free(body);
	return st;
}

/* UTF-8 text -> GB18030 when it is not plain ASCII (what devices send). */
static char *
to_gb(const char *s, size_t *len)
{
	size_t n = strlen(s), i;
	for (i = 0; i < n && (unsigned char)s[i] < 0x80; i++)
		;
	if (i == n) {
		*len = n;
		return strdup(s);
	}
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	if (cd == (iconv_t)-1)
		return NULL;
	size_t cap = n * 2 + 16, left = cap;
	char *out = malloc(cap), *op = out, *ip = (char *)s;
	size_t il = n;
	if (out && iconv(cd, &ip, &il, &op, &left) == (size_t)-1) {
		free(out);
		out = NULL;
	}
	iconv_close(cd);
	if (out)
		*len = cap - left;
	return out;
}

/* A small <Response> body with the given element/value pairs (values
 * escaped), converted to GB18030 as devices send it. */
static char *
response_body(const char *cmd, unsigned long sn, const char *id,
    const char *const *kv, size_t nkv, const char *raw_tail, size_t *len)
{
	size_t cap = 1024 + (raw_tail ? strlen(raw_tail) : 0);
	for (size_t i = 0; i < nkv; i += 2)
		cap += strlen(kv[i]) * 2 + strlen(kv[i + 1]) * 6 + 8;
	char *b = malloc(cap), *out;
	size_t n = 0;
	if (b == NULL)
		return NULL;
	n += (size_t)snprintf(b + n, cap - n, "<?xml version=\"1.0\" encoding=\"GB2312\"?>\r\n"
	    "<Response>\r\n<CmdType>%s</CmdType>\r\n<SN>%lu</SN>\r\n<DeviceID>%s</DeviceID>\r\n",
	    cmd, sn, id);
	for (size_t i = 0; i + 1 < nkv; i += 2) {
		n += (size_t)snprintf(b + n, cap - n, "<%s>", kv[i]);
		n += ck_xml_escape_buf(kv[i + 1], b + n, cap - n);
		n += (size_t)snprintf(b + n, cap - n, "</%s>\r\n", kv[i]);
	}
	if (raw_tail)
		n += (size_t)snprintf(b + n, cap - n, "%s", raw_tail);
	snprintf(b + n, cap - n, "</Response>\r\n");
	out = to_gb(b, len);
	free(b);
	return out;
}

/* Loads the <Item>...</Item> elements of a catalog file (any charset). */
static int
load_catalog(struct dev *d, const char *path, ck_err *e)
{
	FILE *f = fopen(path, "rb");
	char *buf, *u;
	size_t n, ul;
	const char *used;
	if (f == NULL)
		return ck_err_set(e, CK_NOINPUT, "%s: %s", path, strerror(errno));
	buf = malloc(CK_MANSCDP_MAX_BODY + 1);
	n = buf ? fread(buf, 1, CK_MANSCDP_MAX_BODY + 1, f) : 0;
	fclose(f);
	if (buf == NULL || n > CK_MANSCDP_MAX_BODY) {
		free(buf);
		return ck_err_set(e, CK_DATAERR, "%s: too large", path);
	}
	u = ck_manscdp_to_utf8(buf, n, NULL, 0, &ul, &used, e);
	free(buf);
	if (u == NULL)
		return ck_err_wrap(e, "%s", path);
	for (char *p = u; (p = strstr(p, "<Item")) != NULL;) {
		if (p[5] != '>' && p[5] != ' ' && p[5] != '\t' && p[5] != '\r' && p[5] != '\n') {
			p += 5;
			continue;
		}
		char *q = strstr(p, "</Item>");
		if (q == NULL)
			break;
		q += 7;
		char **ni = realloc(d->items, (d->nitems + 1) * sizeof *ni);
		if (ni == NULL)
			break;
		d->items = ni;
		d->items[d->nitems++] = strndup(p, (size_t)(q - p));
		p = q;
	}
	free(u);
	if (d->nitems == 0)
		return ck_err_set(e, CK_DATAERR, "%s: no <Item> elements", path);
	return 0;
}

/* Without --catalog, an IP camera's answer: itself as the only channel. */
static int
self_item(struct dev *d)
{
	char *name = ck_xml_escape(d->o->name), *man = ck_xml_escape(d->o->manufacturer),
	    *model = ck_xml_escape(d->o->model), *it = NULL;
	if (name && man && model && asprintf(&it, "<Item>\r\n<DeviceID>%s</DeviceID>\r\n"
	    "<Name>%s</Name>\r\n<Manufacturer>%s</Manufacturer>\r\n<Model>%s</Model>\r\n"
	    "<Owner>Owner</Owner>\r\n<CivilCode>%s</CivilCode>\r\n<Address>Address</Address>\r\n"
	    "<Parental>0</Parental>\r\n<ParentID>%s</ParentID>\r\n<SafetyWay>0</SafetyWay>\r\n"
	    "<RegisterWay>1</RegisterWay>\r\n<Secrecy>0</Secrecy>\r\n<Status>ON</Status>\r\n"
	    "</Item>", d->o->id, name, man, model, d->o->domain, d->server_id) < 0)
		it = NULL;
	free(name);
	free(man);
	free(model);
	if (it == NULL || (d->items = malloc(sizeof *d->items)) == NULL) {
		free(it);
		return -1;
	}
	d->items[0] = it;
	d->nitems = 1;
	return 0;
}

/* Control elements that need a <Response> (GB/T 28181-2016 9.3). */
static const char *const ack_controls[] = {
	"RecordCmd", "GuardCmd", "AlarmCmd", "HomePosition", "DeviceUpgrade",
	"FormatSDCard", NULL
};

static void
answer_control(struct dev *d, ck_sip_req *rq, ck_manscdp *m)
{
	ck_err e;
	const char *from = ck_sip_from_user(rq->msg, 0);
	rec_start(d, "control");
	ck_json_str(d->j, "from", from);
	ck_json_uint(d->j, "sn", m->sn);
	ck_json_str(d->j, "device_id", m->device_id);
	const char *ptz = ck_manscdp_field(m->root, "PTZCmd");
	int need_ack = 0;
	if (ptz) {
		ck_ptzcmd c;
		ck_json_str(d->j, "ptzcmd", ptz);
		if (ck_ptzcmd_decode_hex(ptz, strlen(ptz), &c, &e) == 0)
			ck_ptzcmd_json(&c, d->j);
		else
			ck_json_str(d->j, "decode_error", e.msg);
	} else {
		ck_json_obj(d->j, "command");
		ck_manscdp_json_fields(m->root, d->j, 1, m);
		ck_json_end(d->j);
		for (int i = 0; ack_controls[i]; i++) {
			char tag[32];
			snprintf(tag, sizeof tag, "<%s>", ack_controls[i]);
			if (ck_manscdp_field(m->root, ack_controls[i]) || strstr(m->utf8, tag))
				need_ack = 1;
		}
	}
	emit(d->j);
	if (need_ack) {
		const char *kv[] = { "Result", "OK" };
		size_t len;
		char *b = response_body("DeviceControl", m->sn, d->o->id, kv, 2, NULL, &len);
		char *to = NULL;
		if (b && osip_uri_to_str(rq->msg->from->url, &to) == 0 &&
		    send_manscdp(d, &rq->peer, to, b, len, ck_clock_now_ms() + d->o->timeout_ms,
		    NULL, &e) < 0)
			rec_error(d, "control", &e, 0);
		osip_free(to);
		free(b);
	}
}

static void
answer_query(struct dev *d, ck_sip_req *rq, ck_manscdp *m)
{
	ck_err e;
	char *to = NULL;
	size_t len;
	unsigned long messages = 0, items = 0;
	int status = 0;
	if (osip_uri_to_str(rq->msg->from->url, &to) != 0)
		return;
	int64_t dl = ck_clock_now_ms() + d->o->timeout_ms;
	if (strcmp(m->cmd_type, "Catalog") == 0) {
		size_t chunk = (size_t)d->o->chunk;
		size_t k = 0;
		do {
			size_t cnt = d->nitems - k < chunk ? d->nitems - k : chunk;
			char *b = ck_manscdp_list_response("Catalog", m->sn, d->o->id,
			    d->nitems, "DeviceList", (const char *const *)d->items + k, cnt,
			    &len, &e);
			if (b == NULL)
				break;
			status = send_manscdp(d, &rq->peer, to, b, len, dl, NULL, &e);
			free(b);
			if (status < 0)
				break;
			messages++;
			items += cnt;
			k += cnt;
		} while (k < d->nitems);
	} else if (strcmp(m->cmd_type, "DeviceInfo") == 0) {
		char ch[16];
		snprintf(ch, sizeof ch, "%zu", d->nitems);
		const char *kv[] = { "Result", "OK", "DeviceName", d->o->name,
		    "Manufacturer", d->o->manufacturer, "Model", d->o->model,
		    "Firmware", d->o->firmware, "Channel", ch };
		char *b = response_body("DeviceInfo", m->sn, d->o->id, kv, 12, NULL, &len);
		status = b ? send_manscdp(d, &rq->peer, to, b, len, dl, NULL, &e) : -1;
		messages += status >= 0;
		free(b);
	} else if (strcmp(m->cmd_type, "DeviceStatus") == 0) {
		char now[40];
		ck_sip_gb_date(ck_clock_wall_ms(), 0, now, sizeof now);
		now[19] = '\0';
		const char *kv[] = { "Result", "OK", "Online", "ONLINE", "Status", "OK",
		    "Encode", "ON", "Record", "OFF", "DeviceTime", now };
		char *b = response_body("DeviceStatus", m->sn, d->o->id, kv, 12,
		    "<Alarmstatus Num=\"0\">\r\n</Alarmstatus>\r\n", &len);
		status = b ? send_manscdp(d, &rq->peer, to, b, len, dl, NULL, &e) : -1;
		messages += status >= 0;
		free(b);
	} else if (strcmp(m->cmd_type, "RecordInfo") == 0 ||
	    strcmp(m->cmd_type, "PresetQuery") == 0) {
		/* No recordings and no presets: an empty list, as devices answer. */
		int rec = m->cmd_type[0] == 'R';
		char *b = ck_manscdp_list_response(m->cmd_type, m->sn,
		    m->device_id[0] ? m->device_id : d->o->id, 0,
		    rec ? "RecordList" : "PresetList", NULL, 0, &len, &e);
		status = b ? send_manscdp(d, &rq->peer, to, b, len, dl, NULL, &e) : -1;
		messages += status >= 0;
		free(b);
	} else if (strcmp(m->cmd_type, "ConfigDownload") == 0) {
		const char *kv[] = { "Result", "OK" };
		char *b = response_body("ConfigDownload", m->sn, d->o->id, kv, 2,
		    "<BasicParam>\r\n<Expiration>3600</Expiration>\r\n"
		    "<HeartBeatInterval>60</HeartBeatInterval>\r\n<HeartBeatCount>3</HeartBeatCount>\r\n"
		    "</BasicParam>\r\n", &len);
		status = b ? send_manscdp(d, &rq->peer, to, b, len, dl, NULL, &e) : -1;
		messages += status >= 0;
		free(b);
	}
	rec_start(d, "query");
	ck_json_str(d->j, "cmd_type", m->cmd_type);
	ck_json_uint(d->j, "sn", m->sn);
	ck_json_str(d->j, "from", ck_sip_from_user(rq->msg, 0));
	ck_json_uint(d->j, "messages", messages);
	if (strcmp(m->cmd_type, "Catalog") == 0)
		ck_json_uint(d->j, "items", items);
	if (status < 0)
		ck_json_str(d->j, "error", e.msg);
	else if (status >= 300)
		ck_json_int(d->j, "status", status);
	emit(d->j);
	osip_free(to);
}

static void
handle_incoming(struct dev *d, ck_sip_req *rq)
{
	ck_err e;
	ck_manscdp m;
	size_t blen;
	const char *body = ck_sip_body(rq->msg, &blen);
	if (!MSG_IS_MESSAGE(rq->msg)) {
		ck_sip_reply(d->s, rq, MSG_IS_BYE(rq->msg) ? 481 :
		    MSG_IS_INVITE(rq->msg) ? 488 : 405, &e);
		return;
	}
	if (body == NULL || ck_manscdp_parse(body, blen, NULL, &m, &e) < 0) {
		ck_sip_reply(d->s, rq, 400, &e);
		return;
	}
	ck_sip_reply(d->s, rq, 200, &e);
	if (strcmp(m.kind, "Query") == 0)
		answer_query(d, rq, &m);
	else if (strcmp(m.kind, "Control") == 0)
		answer_control(d, rq, &m);
	ck_manscdp_free(&m);
}

static void
rec_registered(struct dev *d, const char *type, int granted, int64_t off, const char *date)
{
	rec_start(d, type);
	ck_json_str(d->j, "id", d->o->id);
	rec_server(d);
	ck_json_int(d->j, "expires", granted);
	ck_json_int(d->j, "local_port", ck_sip_port(d->s));
	if (date[0]) {
		ck_json_str(d->j, "server_date", date);
		ck_json_num(d->j, "offset_s", (double)off / 1000.0, 3);
	}
	emit(d->j);
}

static int
run_device(const struct opts *o, ck_cred *cred)
{
	ck_err e;
	struct dev d;
	int rc = 0, failures = 0, misses = 0;
	int64_t next_reg = 0, refresh_at = 0, next_ka = 0;
	memset(&d, 0, sizeof d);
	d.o = o;
	d.cred = *cred;
	snprintf(d.server_id, sizeof d.server_id, "%s", o->server_id);
	snprintf(d.server_host, sizeof d.server_host, "%s", o->server_host);
	d.server_port = o->server_port;
	if ((d.j = ck_json_new()) == NULL)
		return CK_SOFTWARE;
	if (o->catalog && load_catalog(&d, o->catalog, &e) < 0) {
		rc = ck_tool_fail(&e);
		goto out;
	}
	if (!o->catalog && self_item(&d) < 0) {
		rc = CK_SOFTWARE;
		goto out;
	}
	/* An IPv6 platform needs an IPv6 socket. */
	ck_sip_opts so = { .udp = 1, .port = o->local_port,
	    .bind_addr = strchr(o->server_host, ':') ? "::" : NULL,
	    .user_agent = "camkit gb-register/" CAMKIT_VERSION };
	if ((d.s = ck_sip_open(&so, &e)) == NULL) {
		rc = ck_tool_fail(&e);
		goto out;
	}
	new_session(&d);
	ck_sip_set_interrupt(d.s, &stop_flag);
	while (!stop_flag) {
		int64_t now = ck_clock_now_ms();
		char date[64];
		int granted;
		int64_t off;
		if (d.registered && o->tcp && !ck_sip_peer_alive(d.s, &d.peer)) {
			ck_err_set(&e, CK_UNAVAIL, "TCP connection to the platform closed");
			rec_error(&d, "connection", &e, 0);
			d.registered = 0;
			next_reg = now;
		}
		if (!d.registered && now >= next_reg) {
			if (do_register(&d, o->expires, &granted, &off, date, sizeof date, &e) == 0) {
				d.registered = 1;
				failures = misses = 0;
				d.expires = granted;
				rec_registered(&d, "registered", granted, off, date);
				refresh_at = ck_clock_now_ms() + (int64_t)(granted > 120 ? granted - 60 :
				    (granted + 1) / 2) * 1000;
				next_ka = ck_clock_now_ms() + o->keepalive_ms;
			} else {
				if (stop_flag && e.kind == CK_OK)
					break;
				rec_error(&d, "register", &e, 0);
				failures++;
				if (e.kind == CK_NOPERM || e.kind == CK_CONFIG || e.kind == CK_NOHOST ||
				    (o->attempts > 0 && failures >= o->attempts)) {
					rc = e.kind;
					break;
				}
				next_reg = ck_clock_now_ms() + o->retry_ms;
				new_session(&d);
			}
			continue;
		}
		if (d.registered && now >= refresh_at) {
			if (do_register(&d, o->expires, &granted, &off, date, sizeof date, &e) == 0) {
				d.expires = granted;
				rec_registered(&d, "refreshed", granted, off, date);
				refresh_at = ck_clock_now_ms() + (int64_t)(granted > 120 ? granted - 60 :
				    (granted + 1) / 2) * 1000;
			} else {
				if (stop_flag && e.kind == CK_OK)
					break;
				rec_error(&d, "refresh", &e, 0);
				if (e.kind == CK_NOPERM || e.kind == CK_CONFIG) {
					rc = e.kind;
					break;
				}
				d.registered = 0;
				next_reg = ck_clock_now_ms() + o->retry_ms;
				new_session(&d);
			}
			continue;
		}
		if (d.registered && now >= next_ka) {
			int64_t rtt = 0;
			int st = send_keepalive(&d, &rtt, &e);
			next_ka = ck_clock_now_ms() + o->keepalive_ms;
			if (st < 0 && stop_flag)
				break;
			if (st >= 200 && st < 300) {
				misses = 0;
				rec_start(&d, "keepalive_ok");
				ck_json_uint(d.j, "sn", d.sn);
				ck_json_int(d.j, "rtt_ms", rtt);
				emit(d.j);
			} else {
				misses = st > 0 ? o->max_missed : misses + 1;
				if (misses >= o->max_missed) {
					rec_start(&d, "keepalive_lost");
					ck_json_uint(d.j, "sn", d.sn);
					ck_json_int(d.j, "missed", misses);
					if (st > 0)
						ck_json_int(d.j, "status", st);
					emit(d.j);
					d.registered = 0;
					next_reg = ck_clock_now_ms();
					new_session(&d);
				}
			}
			continue;
		}
		int64_t wake = d.registered ? (refresh_at < next_ka ? refresh_at : next_ka) : next_reg;
		ck_sip_req *rq = NULL;
		int n = ck_sip_next_request(d.s, wake, &rq, &e);
		if (n < 0) {
			rc = ck_tool_fail(&e);
			break;
		}
		if (n > 0) {
			handle_incoming(&d, rq);
			ck_sip_req_free(rq);
		}
	}
	/* The unregister itself is not interrupted (it is bounded to 5 s). */
	ck_sip_set_interrupt(d.s, NULL);
	if (stop_flag && d.registered) {
		char date[64];
		int granted;
		int64_t off;
		struct opts o2 = *o;
		if (o2.timeout_ms > 5000)
			o2.timeout_ms = 5000;
		d.o = &o2;
		if (do_register(&d, 0, &granted, &off, date, sizeof date, &e) == 0) {
			rec_start(&d, "unregistered");
			ck_json_str(d.j, "id", o->id);
			rec_server(&d);
			emit(d.j);
		} else
			rec_error(&d, "unregister", &e, 0);
		d.o = o;
	}
out:
	if (out_failed && rc == 0)
		rc = CK_IOERR;
	for (size_t i = 0; i < d.nitems; i++)
		free(d.items[i]);
	free(d.items);
	ck_cred_wipe(&d.cred);
	ck_sip_close(d.s);
	ck_json_free(d.j);
	return rc;
}

/* ---------------------------------------------------------------- */
/* platform side                                                    */

struct plat {
	ck_json *j;
	ck_sip *s;
};

static const char *const ev_names[] = {
	[CK_REG_REGISTER] = "register", [CK_REG_REFRESH] = "refresh",
	[CK_REG_UNREGISTER] = "unregister", [CK_REG_EXPIRED] = "expired",
	[CK_REG_KEEPALIVE] = "keepalive", [CK_REG_OFFLINE] = "offline",
	[CK_REG_AUTH_FAILED] = "auth_failed",
};

static void
on_reg_event(void *arg, const ck_registrar_event *ev)
{
	struct plat *p = arg;
	const ck_registrar_device *d = ev->dev;
	ck_json_record(p->j, ev_names[ev->type]);
	ck_json_time_ms(p->j, "ts", ck_clock_wall_ms());
	ck_json_str(p->j, "id", d->id);
	ck_json_str(p->j, "transport", ck_sip_transport_name(d->peer.transport));
	ck_json_str(p->j, "source", d->source);
	if (ev->reason)
		ck_json_str(p->j, "reason", ev->reason);
	if (ev->type == CK_REG_REGISTER || ev->type == CK_REG_REFRESH) {
		ck_json_str(p->j, "contact", d->contact);
		ck_json_int(p->j, "expires", d->expires);
		ck_json_str(p->j, "user_agent", d->user_agent);
	}
	if (ev->status)
		ck_json_int(p->j, "status", ev->status);
	emit(p->j);
}

static int
run_platform(const struct opts *o, ck_cred *cred)
{
	ck_err e;
	char host[256];
	int port, rc = 0;
	struct plat p = { ck_json_new(), NULL };
	ck_registrar *r = NULL;
	if (p.j == NULL)
		return CK_SOFTWARE;
	if (ck_opt_parse_hostport(o->listen, host, sizeof host, &port, 5060, &e) < 0) {
		ck_json_free(p.j);
		return ck_tool_fail(&e);
	}
	ck_sip_opts so = { .bind_addr = host, .port = port, .udp = 1, .tcp_listen = 1,
	    .user_agent = "camkit gb-register/" CAMKIT_VERSION };
	ck_registrar_opts ro = { .domain = o->domain,
	    .password = cred->have_pass ? cred->pass : NULL,
	    .password_file = o->passwords, .allow = o->allow,
	    .nonce_ttl_s = (int)((o->nonce_ttl_ms + 999) / 1000),
	    .keepalive_ms = o->keepalive_ms, .max_missed = o->max_missed,
	    .sha256 = o->sha256, .qop = o->qop, .on_event = on_reg_event, .arg = &p };
	if ((p.s = ck_sip_open(&so, &e)) == NULL || (r = ck_registrar_new(p.s, &ro, &e)) == NULL) {
		rc = ck_tool_fail(&e);
		goto out;
	}
	ck_json_record(p.j, "listening");
	ck_json_time_ms(p.j, "ts", ck_clock_wall_ms());
	ck_json_str(p.j, "address", host[0] ? host : "0.0.0.0");
	ck_json_int(p.j, "port", ck_sip_port(p.s));
	ck_json_str(p.j, "domain", o->domain);
	ck_json_str(p.j, "id", o->id);
	emit(p.j);
	while (!stop_flag) {
		ck_sip_req *rq = NULL;
		int n = ck_sip_next_request(p.s, ck_clock_now_ms() + 250, &rq, &e);
		if (n < 0) {
			rc = ck_tool_fail(&e);
			break;
		}
		if (n > 0 && !ck_registrar_handle(r, rq)) {
			/* Not registration business: acknowledge MESSAGEs (alarms,
			 * notifies) and record them; refuse the rest. */
			size_t bl;
			const char *b = ck_sip_body(rq->msg, &bl);
			ck_sip_reply(p.s, rq, MSG_IS_MESSAGE(rq->msg) ? 200 : 405, &e);
			ck_json_record(p.j, "message");
			ck_json_time_ms(p.j, "ts", ck_clock_wall_ms());
			ck_json_str(p.j, "method", rq->msg->sip_method);
			ck_json_str(p.j, "from", ck_sip_from_user(rq->msg, 0));
			char src[64];
			ck_json_str(p.j, "source", ck_sip_peer_str(&rq->peer, src, sizeof src));
			ck_json_int(p.j, "body_bytes", b ? (long long)bl : 0);
			emit(p.j);
			ck_sip_req_free(rq);
		}
		ck_registrar_tick(r);
	}
out:
	if (out_failed && rc == 0)
		rc = CK_IOERR;
	ck_registrar_free(r);
	ck_sip_close(p.s);
	ck_json_free(p.j);
	return rc;
}

/* ---------------------------------------------------------------- */

static int
parse_server(struct opts *o, const char *v, ck_err *e)
{
	const char *at = strchr(v, '@');
	if (strncasecmp(v, "sip:", 4) == 0)
		v += 4;
	at = strchr(v, '@');
	if (at == NULL || at == v || (size_t)(at - v) >= sizeof o->server_id)
		return ck_err_set(e, CK_USAGE, "--server: expected ID@HOST[:PORT]");
	snprintf(o->server_id, sizeof o->server_id, "%.*s", (int)(at - v), v);
	return ck_opt_parse_hostport(at + 1, o->server_host, sizeof o->server_host,
	    &o->server_port, 5060, e);
}

static int
parse_opt(struct opts *o, int c, const char *arg, ck_err *e)
{
	long long v;
	switch (c) {
	case 's': return parse_server(o, arg, e);
	case 'i': o->id = arg; return 0;
	case 'd': o->domain = arg; return 0;
	case 'u': o->user = arg; return 0;
	case 'P': o->password_file = arg; return 0;
	case 't': o->tcp = 1; return 0;
	case 'p': if (ck_opt_parse_int(arg, 0, 65535, &v, e) < 0) return -1; o->local_port = (int)v; return 0;
	case 'e': if (ck_opt_parse_int(arg, 1, 100000000, &v, e) < 0) return -1; o->expires = (int)v; return 0;
	case 'k': return ck_opt_parse_duration(arg, &o->keepalive_ms, e);
	case 'm': if (ck_opt_parse_int(arg, 1, 1000, &v, e) < 0) return -1; o->max_missed = (int)v; return 0;
	case 'r': return ck_opt_parse_duration(arg, &o->retry_ms, e);
	case 'a': if (ck_opt_parse_int(arg, 0, 1000000, &v, e) < 0) return -1; o->attempts = (int)v; return 0;
	case 'T': return ck_opt_parse_duration(arg, &o->timeout_ms, e);
	case 'c': o->catalog = arg; return 0;
	case 'C': if (ck_opt_parse_int(arg, 1, 1000, &v, e) < 0) return -1; o->chunk = (int)v; return 0;
	case 'N': o->name = arg; return 0;
	case 'M': o->manufacturer = arg; return 0;
	case 'O': o->model = arg; return 0;
	case 'F': o->firmware = arg; return 0;
	case 'l': o->listen = arg; return 0;
	case 'W': o->passwords = arg; return 0;
	case 'A': o->allow = arg; return 0;
	case 'n': return ck_opt_parse_duration(arg, &o->nonce_ttl_ms, e);
	case '2': o->sha256 = 1; return 0;
	case 'q': o->qop = 1; return 0;
	}
	return ck_err_set(e, CK_USAGE, "bad option");
}

static int
is_gb_id(const char *s, size_t min)
{
	size_t n = strlen(s);
	if (n < min || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Cross-option checks and defaults. */
static int
validate(struct opts *o, ck_err *e)
{
	if (o->listen && o->server_id[0])
		return ck_err_set(e, CK_USAGE, "--listen and --server exclude each other");
	if (!o->listen && !o->server_id[0])
		return ck_err_set(e, CK_USAGE, "--server or --listen is required");
	if (!o->listen && (o->id == NULL || !is_gb_id(o->id, 10)))
		return ck_err_set(e, CK_USAGE, "--id: a device ID of 10-32 digits is required");
	if (o->listen && o->id == NULL)
		o->id = "34020000002000000001";
	if (o->domain == NULL) {
		const char *src = o->listen ? o->id : o->server_id;
		if (!is_gb_id(src, 10))
			return ck_err_set(e, CK_USAGE, "--domain is required when the %s ID "
			    "does not start with 10 digits", o->listen ? "platform" : "server");
		snprintf(o->domain_buf, sizeof o->domain_buf, "%.10s", src);
		o->domain = o->domain_buf;
	}
	if (o->keepalive_ms <= 0 || o->timeout_ms <= 0)
		return ck_err_set(e, CK_USAGE, "--keepalive and --timeout must be positive");
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "server", 1, 0, 's' }, { "id", 1, 0, 'i' }, { "domain", 1, 0, 'd' },
		{ "user", 1, 0, 'u' }, { "password-file", 1, 0, 'P' }, { "tcp", 0, 0, 't' },
		{ "local-port", 1, 0, 'p' }, { "expires", 1, 0, 'e' },
		{ "keepalive", 1, 0, 'k' }, { "max-missed", 1, 0, 'm' },
		{ "retry", 1, 0, 'r' }, { "attempts", 1, 0, 'a' }, { "timeout", 1, 0, 'T' },
		{ "catalog", 1, 0, 'c' }, { "catalog-chunk", 1, 0, 'C' },
		{ "name", 1, 0, 'N' }, { "manufacturer", 1, 0, 'M' }, { "model", 1, 0, 'O' },
		{ "firmware", 1, 0, 'F' }, { "listen", 1, 0, 'l' }, { "passwords", 1, 0, 'W' },
		{ "allow", 1, 0, 'A' }, { "nonce-ttl", 1, 0, 'n' }, { "sha256", 0, 0, '2' },
		{ "qop", 0, 0, 'q' }, { "verbose", 0, 0, 'v' }, { "help", 0, 0, 'h' },
		{ "version", 0, 0, 'V' }, { 0, 0, 0, 0 }
	};
	struct opts o = { .expires = 3600, .keepalive_ms = 60000, .max_missed = 3,
	    .retry_ms = 60000, .timeout_ms = 32000, .chunk = 1, .nonce_ttl_ms = 300000,
	    .name = "camkit", .manufacturer = "camkit", .model = "gb-register",
	    .firmware = CAMKIT_VERSION };
	ck_err e;
	ck_cred cred;
	int c, rc;
	ck_log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "s:i:d:u:tp:e:k:m:r:a:T:c:C:l:vhV", lo, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return ck_tool_finish(0);
		} else if (c == 'V')
			return ck_tool_finish(ck_tool_version());
		else if (c == 'v')
			ck_log_verbosity++;
		else if (c == '?')
			return ck_tool_usage_err("unknown or incomplete option");
		else if (parse_opt(&o, c, optarg, &e) < 0)
			return ck_tool_usage_err("%s", e.msg);
	}
	if (optind < argc)
		return ck_tool_usage_err("unexpected argument '%s'", argv[optind]);
	if (validate(&o, &e) < 0)
		return ck_tool_usage_err("%s", e.msg);
	if (ck_cred_load(&cred, "GB", o.user, o.password_file,
	    o.listen ? NULL : o.server_host, &e) < 0)
		return ck_tool_fail(&e);
	if (o.listen && !cred.have_pass && !o.passwords) {
		ck_log_warn("no password: give --passwords FILE, --password-file, or GB_PASSWORD");
		return CK_CONFIG;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = o.listen ? run_platform(&o, &cred) : run_device(&o, &cred);
	ck_cred_wipe(&cred);
	return ck_tool_finish(rc);
}
