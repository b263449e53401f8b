/* events: ONVIF event parsing, bodies, coalescing, command runner (see
 * events.h). */
#include "onvif/events.h"
#include "base/sbuf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const struct {
	const char *prefix, *uri;
} topic_ns[] = {
	{ "tns1", CK_NS_TNS1 },
	{ "tnsaxis", "http://www.axis.com/2009/event/topics" },
	{ "tnshik", "http://www.hikvision.com/2011/event/topics" },
	{ "tnsmts", "http://www.mobotix.com/2009/event/topics" },
	{ "tnssamsung", "http://www.samsungcctv.com/2011/event/topics" },
	{ "tnsavg", "http://www.avigilon.com/onvif/ver10/topics" },
};
#define NTOPIC_NS (sizeof topic_ns / sizeof topic_ns[0])

const char *
ck_events_prefix_for(const char *uri)
{
	size_t i;

	if (!uri)
		return NULL;
	for (i = 0; i < NTOPIC_NS; i++)
		if (strcmp(uri, topic_ns[i].uri) == 0)
			return topic_ns[i].prefix;
	/* Some firmwares write the ONVIF namespace with a trailing slash. */
	if (strcmp(uri, CK_NS_TNS1 "/") == 0)
		return "tns1";
	return NULL;
}

const char *
ck_events_uri_for(const char *prefix)
{
	size_t i;

	for (i = 0; prefix && i < NTOPIC_NS; i++)
		if (strcmp(prefix, topic_ns[i].prefix) == 0)
			return topic_ns[i].uri;
	return NULL;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char *
ck_events_topic_norm(const ck_xml_node *n, const char *text, const char **ns)
{
	const char *s = text ? text : "", *end;
	ck_sbuf b = {0};
	int first = 1;

	if (ns)
		*ns = NULL;
	while (is_space(*s))
		s++;
	end = s + strlen(s);
	while (end > s && is_space(end[-1]))
		end--;
	/* Segment by segment: "a:B/C/d:E" -> prefixes resolved where given. */
	while (s < end) {
		const char *slash = memchr(s, '/', (size_t)(end - s));
		const char *seg_end = slash ? slash : end;
		const char *colon = memchr(s, ':', (size_t)(seg_end - s));

		if (colon && colon > s) {
			char pfx[64];
			size_t pl = (size_t)(colon - s);
			const char *uri = NULL, *canon = NULL;

			if (pl < sizeof pfx) {
				memcpy(pfx, s, pl);
				pfx[pl] = '\0';
				uri = n ? ck_xml_lookup_ns(n, pfx) : NULL;
				if (!uri)
					uri = ck_events_uri_for(pfx);
				canon = ck_events_prefix_for(uri);
			}
			if (first && ns)
				*ns = uri;
			if (canon) {
				ck_sbuf_add(&b, canon);
				ck_sbuf_addn(&b, colon, (size_t)(seg_end - colon));
			} else {
				ck_sbuf_addn(&b, s, (size_t)(seg_end - s));
			}
		} else {
			ck_sbuf_addn(&b, s, (size_t)(seg_end - s));
		}
		first = 0;
		if (!slash)
			break;
		ck_sbuf_add(&b, "/");
		s = slash + 1;
	}
	return ck_sbuf_done(&b);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
ck_events_parse_time(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec, n = 0;
	int64_t frac = 0, scale = 1000, t;

	if (!s)
		return -1;
	while (is_space(*s))
		s++;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
	    &n) != 6 || n < 19)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 ||
	    sec > 60 || y < 1 || h < 0 || mi < 0 || sec < 0)
		return -1;
	s += n;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s)) {
			if (scale > 1) {
				scale /= 10;
				frac += (*s - '0') * scale;
			}
			s++;
		}
	}
	t = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000
	    + frac;
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int oh, om, k = 0;
		int sign = *s == '-' ? -1 : 1;
		if (sscanf(s + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5 ||
		    oh > 23 || om > 59)
			return -1;
		t -= sign * (int64_t)(oh * 3600 + om * 60) * 1000;
		s += 1 + k;
	}
	while (is_space(*s))
		s++;
	if (*s)
		return -1;
	*ms = t;
	return 0;
}

int
ck_events_parse_duration(const char *s, int64_t *ms)
{
	double total = 0;
	int in_time = 0, any = 0;

	if (!s)
		return -1;
	while (is_space(*s))
		s++;
	if (*s++ != 'P')
		return -1;
	while (*s && !is_space(*s)) {
		char *end;
		double v;

		if (*s == 'T') {
			if (in_time)
				return -1;
			in_time = 1;
			s++;
			continue;
		}
		if (!isdigit((unsigned char)*s))
			return -1;
		errno = 0;
		v = strtod(s, &end);
		if (end == s || errno || v > 1e9)
			return -1;
		switch (*end) {
		case 'D': if (in_time) return -1; total += v * 86400; break;
		case 'H': if (!in_time) return -1; total += v * 3600; break;
		case 'M': if (!in_time) return -1; total += v * 60; break;
		case 'S': if (!in_time) return -1; total += v; break;
		default: return -1;
		}
		any = 1;
		s = end + 1;
	}
	while (is_space(*s))
		s++;
	if (*s || !any)
		return -1;
	*ms = (int64_t)(total * 1000 + 0.5);
	return 0;
}

static char *
xdup(const char *s, int *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = 1;
	return d;
}


/* Writes element n as XML, declaring its namespace as the default one
 * wherever it changes, so the text stands on its own. */
static void
serialise(ck_sbuf *b, const ck_xml_node *n, const char *parent_ns, int depth)
{
	const ck_xml_node *c;
	size_t i;

	if (depth > 16 || b->len > 65536)
		return;
	ck_sbuf_printf(b, "<%.100s", n->name);
	if (strcmp(n->ns, parent_ns) != 0) {
		ck_sbuf_add(b, " xmlns=\"");
		ck_sbuf_esc(b, n->ns);
		ck_sbuf_add(b, "\"");
	}
	for (i = 0; i < n->nattrs; i++) {
		if (n->attrs[i].ns[0])
			continue;   /* qualified attributes would need a prefix */
		ck_sbuf_printf(b, " %.100s=\"", n->attrs[i].name);
		ck_sbuf_esc(b, n->attrs[i].value);
		ck_sbuf_add(b, "\"");
	}
	ck_sbuf_add(b, ">");
	if (n->text && n->text[0])
		ck_sbuf_esc(b, n->text);
	for (c = ck_xml_child(n, NULL, NULL); c; c = ck_xml_next(c, NULL, NULL))
		serialise(b, c, n->ns, depth + 1);
	ck_sbuf_printf(b, "</%.100s>", n->name);
}

/* Reads the SimpleItem/ElementItem children of a Source/Key/Data element. */
static int
items(const ck_xml_node *parent, ck_events_item **out, size_t *n, int *oom)
{
	const ck_xml_node *c;
	size_t k = 0, cnt = 0;
	ck_events_item *a;

	*out = NULL;
	*n = 0;
	if (!parent)
		return 0;
	for (c = ck_xml_child(parent, NULL, NULL); c; c = ck_xml_next(c, NULL, NULL))
		cnt++;
	if (cnt == 0)
		return 0;
	if (cnt > CK_EV_MAX_ITEMS)
		cnt = CK_EV_MAX_ITEMS;
	a = calloc(cnt, sizeof *a);
	if (!a) {
		*oom = 1;
		return -1;
	}
	for (c = ck_xml_child(parent, NULL, NULL); c && k < cnt;
	    c = ck_xml_next(c, NULL, NULL)) {
		const char *name = ck_xml_attr(c, "Name");

		if (!name)
			continue;
		if (strcmp(c->name, "SimpleItem") == 0) {
			const char *v = ck_xml_attr(c, "Value");
			a[k].name = xdup(name, oom);
			a[k].value = xdup(v ? v : "", oom);
			k++;
		} else if (strcmp(c->name, "ElementItem") == 0) {
			ck_sbuf x = {0};
			const ck_xml_node *inner;

			for (inner = ck_xml_child(c, NULL, NULL); inner;
			    inner = ck_xml_next(inner, NULL, NULL))
				serialise(&x, inner, "", 0);
			a[k].name = xdup(name, oom);
			a[k].value = ck_sbuf_done(&x);
			if (!a[k].value)
				*oom = 1;
			k++;
		}
	}
	*out = a;
	*n = k;
	return 0;
}

static void
items_free(ck_events_item *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(a[i].name);
		free(a[i].value);
	}
	free(a);
}

void
ck_events_msg_clear(ck_events_msg *m)
{
	if (!m)
		return;
	free(m->topic);
	free(m->topic_ns);
	free(m->utc);
	free(m->op);
	free(m->producer);
	items_free(m->src, m->nsrc);
	items_free(m->key, m->nkey);
	items_free(m->data, m->ndata);
	memset(m, 0, sizeof *m);
	m->utc_ms = -1;
}

void
ck_events_msgs_free(ck_events_msg *m, size_t n)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < n; i++)
		ck_events_msg_clear(&m[i]);
	free(m);
}

static int
parse_msg(const ck_xml_node *nm, ck_events_msg *m, ck_err *e)
{
	const ck_xml_node *topic, *wmsg, *msg, *prod;
	const char *ns = NULL;
	int oom = 0;

	memset(m, 0, sizeof *m);
	m->utc_ms = -1;
	topic = ck_xml_child(nm, NULL, "Topic");
	if (!topic || !topic->text || !topic->text[0])
		return ck_err_set(e, CK_PROTO, "NotificationMessage without a Topic");
	m->topic = ck_events_topic_norm(topic, topic->text, &ns);
	if (!m->topic)
		goto oom;
	m->topic_ns = xdup(ns, &oom);
	prod = ck_xml_child(nm, NULL, "ProducerReference");
	if (prod)
		m->producer = xdup(ck_xml_child_text(prod, NULL, "Address"), &oom);
	wmsg = ck_xml_child(nm, NULL, "Message");
	msg = wmsg ? ck_xml_child(wmsg, CK_NS_TT, "Message") : NULL;
	if (!msg && wmsg)
		msg = ck_xml_child(wmsg, NULL, "Message");
	if (msg) {
		const char *utc = ck_xml_attr(msg, "UtcTime");
		m->utc = xdup(utc, &oom);
		if (utc && ck_events_parse_time(utc, &m->utc_ms) < 0)
			m->utc_ms = -1;
		m->op = xdup(ck_xml_attr(msg, "PropertyOperation"), &oom);
		items(ck_xml_child(msg, NULL, "Source"), &m->src, &m->nsrc, &oom);
		items(ck_xml_child(msg, NULL, "Key"), &m->key, &m->nkey, &oom);
		items(ck_xml_child(msg, NULL, "Data"), &m->data, &m->ndata, &oom);
	}
	if (oom)
		goto oom;
	return 0;
oom:
	ck_events_msg_clear(m);
	return ck_err_set(e, CK_SOFTWARE, "out of memory");
}

int
ck_events_parse_msgs(const ck_xml_node *container, ck_events_msg **out, size_t *n,
    ck_err *e)
{
	const ck_xml_node *c;
	size_t cnt = ck_xml_count(container, CK_NS_WSNT, "NotificationMessage");
	size_t k = 0;
	ck_events_msg *a;

	*out = NULL;
	*n = 0;
	if (cnt > CK_EV_MAX_MSGS)
		return ck_err_set(e, CK_PROTO, "%zu NotificationMessages in one reply "
		    "(more than %d)", cnt, CK_EV_MAX_MSGS);
	if (cnt == 0)
		return 0;
	a = calloc(cnt, sizeof *a);
	if (!a)
		return ck_err_set(e, CK_SOFTWARE, "out of memory");
	for (c = ck_xml_child(container, CK_NS_WSNT, "NotificationMessage");
	    c && k < cnt; c = ck_xml_next(c, CK_NS_WSNT, "NotificationMessage")) {
		if (parse_msg(c, &a[k], e) < 0) {
			ck_events_msgs_free(a, k);
			return -1;
		}
		k++;
	}
	*out = a;
	*n = k;
	return 0;
}

static int
items_dup(ck_events_item **d, size_t *dn, const ck_events_item *s, size_t n, int *oom)
{
	size_t i;

	*d = NULL;
	*dn = 0;
	if (n == 0)
		return 0;
	*d = calloc(n, sizeof **d);
	if (!*d) {
		*oom = 1;
		return -1;
	}
	for (i = 0; i < n; i++) {
		(*d)[i].name = xdup(s[i].name, oom);
		(*d)[i].value = xdup(s[i].value, oom);
	}
	*dn = n;
	return 0;
}

int
ck_events_msg_dup(ck_events_msg *d, const ck_events_msg *m)
{
	int oom = 0;

	memset(d, 0, sizeof *d);
	d->topic = xdup(m->topic, &oom);
	d->topic_ns = xdup(m->topic_ns, &oom);
	d->utc = xdup(m->utc, &oom);
	d->utc_ms = m->utc_ms;
	d->op = xdup(m->op, &oom);
	d->producer = xdup(m->producer, &oom);
	items_dup(&d->src, &d->nsrc, m->src, m->nsrc, &oom);
	items_dup(&d->key, &d->nkey, m->key, m->nkey, &oom);
	items_dup(&d->data, &d->ndata, m->data, m->ndata, &oom);
	if (oom) {
		ck_events_msg_clear(d);
		return -1;
	}
	return 0;
}

int
ck_events_msg_active(const ck_events_msg *m)
{
	size_t i;
	int bools = 0;

	for (i = 0; i < m->ndata; i++) {
		int b = ck_xml_bool(m->data[i].value);
		if (b == 1)
			return 1;
		if (b == 0)
			bools++;
	}
	return bools == 0;
}

static int
item_cmp(const void *a, const void *b)
{
	const ck_events_item *x = a, *y = b;
	int c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
	return c ? c : strcmp(x->value ? x->value : "", y->value ? y->value : "");
}

char *
ck_events_msg_key(const ck_events_msg *m)
{
	ck_sbuf b = {0};
	ck_events_item *s = NULL;
	size_t i;

	ck_sbuf_add(&b, m->topic ? m->topic : "");
	if (m->nsrc) {
		s = malloc(m->nsrc * sizeof *s);
		if (!s) {
			ck_sbuf_free(&b);
			return NULL;
		}
		memcpy(s, m->src, m->nsrc * sizeof *s);
		qsort(s, m->nsrc, sizeof *s, item_cmp);
	}
	for (i = 0; i < m->nsrc; i++) {
		ck_sbuf_add(&b, "\n");
		ck_sbuf_add(&b, s[i].name ? s[i].name : "");
		ck_sbuf_add(&b, "=");
		ck_sbuf_add(&b, s[i].value ? s[i].value : "");
	}
	free(s);
	return ck_sbuf_done(&b);
}

static void
items_json(ck_json *j, const char *key, const ck_events_item *a, size_t n)
{
	size_t i, k;

	ck_json_obj(j, key);
	for (i = 0; i < n; i++) {
		/* A JSON object cannot hold a name twice: the first wins. */
		for (k = 0; k < i; k++)
			if (strcmp(a[k].name, a[i].name) == 0)
				break;
		if (k == i)
			ck_json_str(j, a[i].name, a[i].value);
	}
	ck_json_end(j);
}

void
ck_events_msg_json(ck_json *j, const ck_events_msg *m, int64_t received_ms,
    const char *device)
{
	ck_json_time_ms(j, "ts", m->utc_ms >= 0 ? m->utc_ms : received_ms);
	ck_json_time_ms(j, "received", received_ms);
	ck_json_str(j, "topic", m->topic);
	if (m->topic_ns)
		ck_json_str(j, "topic_ns", m->topic_ns);
	if (m->utc && m->utc_ms < 0)
		ck_json_str(j, "utc_time_raw", m->utc);
	if (m->op)
		ck_json_str(j, "operation", m->op);
	items_json(j, "source", m->src, m->nsrc);
	if (m->nkey)
		items_json(j, "key", m->key, m->nkey);
	items_json(j, "data", m->data, m->ndata);
	if (m->producer)
		ck_json_str(j, "producer", m->producer);
	if (device)
		ck_json_str(j, "device", device);
}

void
ck_events_topic_json(ck_json *j, const char *topic, const char *ns,
    const ck_xml_node *descr)
{
	static const char *const parts[] = { "Source", "Key", "Data" };

	ck_json_str(j, "topic", topic);
	if (ns && ns[0])
		ck_json_str(j, "topic_ns", ns);
	if (descr == NULL)
		return;
	if (ck_xml_attr(descr, "IsProperty"))
		ck_json_bool(j, "property", ck_xml_bool(ck_xml_attr(descr, "IsProperty")) == 1);
	for (size_t i = 0; i < 3; i++) {
		const ck_xml_node *s = ck_xml_child(descr, CK_NS_TT, parts[i]), *d;
		if (!s)
			continue;
		ck_json_obj(j, i == 0 ? "source" : i == 1 ? "key" : "data");
		for (d = ck_xml_child(s, NULL, "SimpleItemDescription"); d;
		    d = ck_xml_next(d, NULL, "SimpleItemDescription"))
			if (ck_xml_attr(d, "Name"))
				ck_json_str(j, ck_xml_attr(d, "Name"), ck_xml_attr(d, "Type"));
		ck_json_end(j);
	}
}

/* Rebuilds each ReferenceParameters child as a self-contained header
 * element (its namespace declared on itself). Only leaf children are kept:
 * they are what devices send (SubscriptionId and the like). */
static char *
refparams_xml(const ck_xml_node *rp)
{
	const ck_xml_node *c;
	ck_sbuf b = {0};

	for (c = ck_xml_child(rp, NULL, NULL); c; c = ck_xml_next(c, NULL, NULL)) {
		if (c->first)
			continue;
		if (c->ns[0]) {
			ck_sbuf_printf(&b, "<rp:%.100s xmlns:rp=\"", c->name);
			ck_sbuf_esc(&b, c->ns);
			ck_sbuf_add(&b, "\" wsa:IsReferenceParameter=\"true\" xmlns:wsa=\""
			    CK_NS_WSA "\">");
			ck_sbuf_esc(&b, c->text ? c->text : "");
			ck_sbuf_printf(&b, "</rp:%.100s>", c->name);
		} else {
			ck_sbuf_printf(&b, "<%.100s>", c->name);
			ck_sbuf_esc(&b, c->text ? c->text : "");
			ck_sbuf_printf(&b, "</%.100s>", c->name);
		}
	}
	if (!b.p)
		return NULL;
	return ck_sbuf_done(&b);
}

int
ck_events_parse_sub(const ck_xml_node *resp, ck_events_sub *s, ck_err *e)
{
	const ck_xml_node *ref, *rp;
	const char *addr, *t;

	memset(s, 0, sizeof *s);
	s->current_ms = s->termination_ms = -1;
	ref = ck_xml_child(resp, NULL, "SubscriptionReference");
	addr = ref ? ck_xml_child_text(ref, NULL, "Address") : NULL;
	if (!addr || !addr[0])
		return ck_err_set(e, CK_PROTO, "%s has no SubscriptionReference Address",
		    resp->name);
	if (strlen(addr) >= sizeof s->address)
		return ck_err_set(e, CK_PROTO, "subscription address too long");
	snprintf(s->address, sizeof s->address, "%s", addr);
	rp = ck_xml_child(ref, NULL, "ReferenceParameters");
	if (rp)
		s->refparams = refparams_xml(rp);
	t = ck_xml_child_text(resp, NULL, "CurrentTime");
	if (t && ck_events_parse_time(t, &s->current_ms) < 0)
		s->current_ms = -1;
	t = ck_xml_child_text(resp, NULL, "TerminationTime");
	if (t && ck_events_parse_time(t, &s->termination_ms) < 0)
		s->termination_ms = -1;
	return 0;
}

void
ck_events_sub_clear(ck_events_sub *s)
{
	free(s->refparams);
	memset(s, 0, sizeof *s);
	s->current_ms = s->termination_ms = -1;
}

void
ck_events_parse_renew(const ck_xml_node *resp, int64_t *termination_ms,
    int64_t *current_ms)
{
	const char *t;

	*termination_ms = *current_ms = -1;
	t = ck_xml_child_text(resp, NULL, "TerminationTime");
	if (t && ck_events_parse_time(t, termination_ms) < 0)
		*termination_ms = -1;
	t = ck_xml_child_text(resp, NULL, "CurrentTime");
	if (t && ck_events_parse_time(t, current_ms) < 0)
		*current_ms = -1;
}

const char *
ck_events_fmt_duration(long long ms, char *out)
{
	if (ms < 0)
		ms = 0;
	if (ms % 1000)
		snprintf(out, 32, "PT%lld.%03lldS", ms / 1000, ms % 1000);
	else
		snprintf(out, 32, "PT%lldS", ms / 1000);
	return out;
}

int
ck_events_check_topic(const char *t, ck_err *e)
{
	const char *p;

	if (!t || !*t)
		return ck_err_set(e, CK_USAGE, "empty topic expression");
	if (strlen(t) > 1024)
		return ck_err_set(e, CK_USAGE, "topic expression is too long");
	for (p = t; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr(":/._-|*", *p)))
			return ck_err_set(e, CK_USAGE,
			    "topic '%s': unexpected character '%c' (use prefix:Path/Sub, "
			    "'//.' for a subtree, '|' between alternatives)", t, *p);
	return 0;
}

static void
topic_filter(ck_sbuf *b, const char *topics)
{
	size_t i;

	if (!topics)
		return;
	ck_sbuf_add(b, "<wsnt:TopicExpression Dialect=\""
	    CK_EV_DIALECT_CONCRETE_SET "\"");
	for (i = 0; i < NTOPIC_NS; i++)
		ck_sbuf_printf(b, " xmlns:%s=\"%s\"", topic_ns[i].prefix, topic_ns[i].uri);
	ck_sbuf_add(b, ">");
	ck_sbuf_esc(b, topics);
	ck_sbuf_add(b, "</wsnt:TopicExpression>");
}

char *
ck_events_body_create_pullpoint(const char *topics, const char *term)
{
	ck_sbuf b = {0};

	ck_sbuf_add(&b, "<tev:CreatePullPointSubscription xmlns:tev=\"" CK_NS_TEV
	    "\" xmlns:wsnt=\"" CK_NS_WSNT "\">");
	if (topics) {
		ck_sbuf_add(&b, "<tev:Filter>");
		topic_filter(&b, topics);
		ck_sbuf_add(&b, "</tev:Filter>");
	}
	if (term)
		ck_sbuf_elem(&b, "tev:InitialTerminationTime", term);
	ck_sbuf_add(&b, "</tev:CreatePullPointSubscription>");
	return ck_sbuf_done(&b);
}

char *
ck_events_body_pull(long long timeout_ms, int limit)
{
	ck_sbuf b = {0};
	char d[32];

	ck_sbuf_printf(&b, "<tev:PullMessages xmlns:tev=\"" CK_NS_TEV "\">"
	    "<tev:Timeout>%s</tev:Timeout><tev:MessageLimit>%d</tev:MessageLimit>"
	    "</tev:PullMessages>", ck_events_fmt_duration(timeout_ms, d), limit);
	return ck_sbuf_done(&b);
}

char *
ck_events_body_renew(const char *term)
{
	ck_sbuf b = {0};

	ck_sbuf_add(&b, "<wsnt:Renew xmlns:wsnt=\"" CK_NS_WSNT "\">");
	ck_sbuf_elem(&b, "wsnt:TerminationTime", term);
	ck_sbuf_add(&b, "</wsnt:Renew>");
	return ck_sbuf_done(&b);
}

char *
ck_events_body_unsubscribe(void)
{
	return strdup("<wsnt:Unsubscribe xmlns:wsnt=\"" CK_NS_WSNT "\"/>");
}

char *
ck_events_body_subscribe(const char *consumer_url, const char *topics,
    const char *term)
{
	ck_sbuf b = {0};

	ck_sbuf_add(&b, "<wsnt:Subscribe xmlns:wsnt=\"" CK_NS_WSNT "\" xmlns:wsa=\""
	    CK_NS_WSA "\"><wsnt:ConsumerReference><wsa:Address>");
	ck_sbuf_esc(&b, consumer_url);
	ck_sbuf_add(&b, "</wsa:Address></wsnt:ConsumerReference>");
	if (topics) {
		ck_sbuf_add(&b, "<wsnt:Filter>");
		topic_filter(&b, topics);
		ck_sbuf_add(&b, "</wsnt:Filter>");
	}
	if (term)
		ck_sbuf_elem(&b, "wsnt:InitialTerminationTime", term);
	ck_sbuf_add(&b, "</wsnt:Subscribe>");
	return ck_sbuf_done(&b);
}

char *
ck_events_body_get_properties(void)
{
	return strdup("<tev:GetEventProperties xmlns:tev=\"" CK_NS_TEV "\"/>");
}

/* Topic tree walk. path holds the normalised path of the parent. */
typedef struct walk {
	void (*cb)(void *, const char *, const char *, const ck_xml_node *);
	void *arg;
	int count;
	int depth;
} walk;

static void
walk_topic(walk *w, const ck_xml_node *n, const char *parent_path,
    const char *parent_ns, const char *root_ns)
{
	const ck_xml_node *c, *descr = NULL;
	char path[1024];
	const char *ns = n->ns[0] ? n->ns : parent_ns;
	const char *t;
	int has_child_topic = 0, is_topic;

	if (w->depth > 32)
		return;
	/* A new namespace (or the first segment) gets its prefix. */
	if (!parent_path || strcmp(ns, parent_ns ? parent_ns : "") != 0) {
		const char *canon = ck_events_prefix_for(ns);
		char pfx[64] = "";
		const ck_xml_ns *d;

		if (!canon) {
			/* The device's own prefix for an unknown namespace. */
			const ck_xml_node *a;
			for (a = n; a && !pfx[0]; a = a->parent)
				for (d = a->nsdecls; d; d = d->next)
					if (d->prefix[0] && strcmp(d->uri, ns) == 0) {
						snprintf(pfx, sizeof pfx, "%s", d->prefix);
						break;
					}
			canon = pfx[0] ? pfx : NULL;
		}
		snprintf(path, sizeof path, "%s%s%s%s%s",
		    parent_path ? parent_path : "", parent_path ? "/" : "",
		    canon ? canon : "", canon ? ":" : "", n->name);
	} else {
		snprintf(path, sizeof path, "%s/%s", parent_path, n->name);
	}
	for (c = ck_xml_child(n, NULL, NULL); c; c = ck_xml_next(c, NULL, NULL)) {
		if (ck_xml_is(c, CK_NS_TT, "MessageDescription"))
			descr = c;
		else
			has_child_topic = 1;
	}
	t = ck_xml_attr_ns(n, CK_NS_WSTOP, "topic");
	is_topic = t ? ck_xml_bool(t) == 1 : (descr != NULL || !has_child_topic);
	if (is_topic) {
		w->cb(w->arg, path, root_ns, descr);
		w->count++;
	}
	w->depth++;
	for (c = ck_xml_child(n, NULL, NULL); c; c = ck_xml_next(c, NULL, NULL))
		if (!ck_xml_is(c, CK_NS_TT, "MessageDescription"))
			walk_topic(w, c, path, ns, root_ns);
	w->depth--;
}

int
ck_events_topics(const ck_xml_node *resp,
    void (*cb)(void *arg, const char *topic, const char *ns,
        const ck_xml_node *descr), void *arg, ck_err *e)
{
	const ck_xml_node *set = ck_xml_child(resp, CK_NS_WSTOP, "TopicSet"), *c;
	walk w = { cb, arg, 0, 0 };

	if (!set)
		set = ck_xml_child(resp, NULL, "TopicSet");
	if (!set)
		return ck_err_set(e, CK_PROTO, "GetEventPropertiesResponse has no TopicSet");
	for (c = ck_xml_child(set, NULL, NULL); c; c = ck_xml_next(c, NULL, NULL))
		walk_topic(&w, c, NULL, NULL, c->ns);
	return w.count;
}
