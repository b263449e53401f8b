#ifndef CK_COALESCE_H
#define CK_COALESCE_H
/* coalesce: merges a burst of ONVIF notifications into one event. */
#include <stdint.h>

#include "onvif/events.h"

/* Coalescing: notifications with the same key within window_ms of the
 * previous one form one event; it opens with the first active message and
 * ends window_ms after the last one. */
typedef struct ck_coalesce ck_coalesce;
typedef struct ck_coalesce_event {
	unsigned long long id;
	char *key;
	ck_events_msg first, last;
	int64_t first_rx_ms, last_rx_ms;   /* wall clock */
	int64_t last_mono_ms;              /* monotonic */
	unsigned long count;
} ck_coalesce_event;

/* New coalescer; NULL when out of memory. */
ck_coalesce *ck_coalesce_new(int64_t window_ms);
void ck_coalesce_free(ck_coalesce *c);
/* Feeds m received at (mono, wall). Returns 1 when it opens an event (*ev
 * then points at it, owned by c), 0 when it extends one or is ignored (an
 * inactive message with nothing open), -1 when out of memory. */
int ck_coalesce_feed(ck_coalesce *c, const ck_events_msg *m, int64_t mono_ms,
    int64_t wall_ms, const ck_coalesce_event **ev);
/* Removes one event whose window has passed at mono_ms (all of them when
 * mono_ms is INT64_MAX) into *out (caller clears it with ck_coalesce_event_clear).
 * Returns 1 when one was removed, else 0. */
int ck_coalesce_expire(ck_coalesce *c, int64_t mono_ms, ck_coalesce_event *out);
void ck_coalesce_event_clear(ck_coalesce_event *o);
/* Monotonic time of the next expiry, or -1 when nothing is open. */
int64_t ck_coalesce_next(const ck_coalesce *c);

#endif
