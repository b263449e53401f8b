#ifndef CK_CLOCK_H
#define CK_CLOCK_H
/* Clocks. Deadlines everywhere in camkit are absolute ck_clock_now_ms()
 * values (monotonic, so a stepped wall clock never fires or starves one). */
#include <stdint.h>

/* Milliseconds on the monotonic clock; only differences mean anything. */
int64_t ck_clock_now_ms(void);
/* Milliseconds since 1970 UTC, for timestamps in records and on the wire. */
int64_t ck_clock_wall_ms(void);

#endif
