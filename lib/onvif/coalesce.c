#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "onvif/coalesce.h"

/* Coalescer: a small array of open events (cameras have few sources). */
#define MAX_OPEN 256

struct ck_coalesce {
	int64_t window;
	unsigned long long next_id;
	size_t n;
	ck_coalesce_event open[MAX_OPEN];
};

ck_coalesce *
ck_coalesce_new(int64_t window_ms)
{
	ck_coalesce *c = calloc(1, sizeof *c);

	if (c)
		c->window = window_ms;
	return c;
}

void
ck_coalesce_event_clear(ck_coalesce_event *o)
{
	free(o->key);
	ck_events_msg_clear(&o->first);
	ck_events_msg_clear(&o->last);
	memset(o, 0, sizeof *o);
}

void
ck_coalesce_free(ck_coalesce *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		ck_coalesce_event_clear(&c->open[i]);
	free(c);
}

int
ck_coalesce_feed(ck_coalesce *c, const ck_events_msg *m, int64_t mono_ms,
    int64_t wall_ms, const ck_coalesce_event **ev)
{
	char *key = ck_events_msg_key(m);
	size_t i;
	ck_coalesce_event *o;

	*ev = NULL;
	if (!key)
		return -1;
	for (i = 0; i < c->n; i++) {
		o = &c->open[i];
		if (strcmp(o->key, key) == 0 && mono_ms - o->last_mono_ms <= c->window) {
			free(key);
			ck_events_msg_clear(&o->last);
			if (ck_events_msg_dup(&o->last, m) < 0)
				return -1;
			o->last_mono_ms = mono_ms;
			o->last_rx_ms = wall_ms;
			o->count++;
			return 0;
		}
	}
	if (!ck_events_msg_active(m) || c->n == MAX_OPEN) {
		free(key);
		return 0;
	}
	o = &c->open[c->n];
	memset(o, 0, sizeof *o);
	o->key = key;
	if (ck_events_msg_dup(&o->first, m) < 0 || ck_events_msg_dup(&o->last, m) < 0) {
		ck_coalesce_event_clear(o);
		return -1;
	}
	o->id = ++c->next_id;
	o->first_rx_ms = o->last_rx_ms = wall_ms;
	o->last_mono_ms = mono_ms;
	o->count = 1;
	c->n++;
	*ev = o;
	return 1;
}

int
ck_coalesce_expire(ck_coalesce *c, int64_t mono_ms, ck_coalesce_event *out)
{
	size_t i, best = c->n;

	for (i = 0; i < c->n; i++) {
		ck_coalesce_event *o = &c->open[i];
		if (mono_ms == INT64_MAX || mono_ms - o->last_mono_ms > c->window)
			if (best == c->n || o->id < c->open[best].id)
				best = i;
	}
	if (best == c->n)
		return 0;
	*out = c->open[best];
	memmove(&c->open[best], &c->open[best + 1],
	    (c->n - best - 1) * sizeof c->open[0]);
	c->n--;
	return 1;
}

int64_t
ck_coalesce_next(const ck_coalesce *c)
{
	int64_t t = -1;
	size_t i;

	for (i = 0; i < c->n; i++) {
		int64_t d = c->open[i].last_mono_ms + c->window + 1;
		if (t < 0 || d < t)
			t = d;
	}
	return t;
}

