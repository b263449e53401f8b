/* json: an NDJSON writer. Build one record, then emit it as one line.
 *
 *   ck_json *j = ck_json_new();
 *   ck_json_record(j, "time");            // {"type":"time"
 *   ck_json_str(j, "device", url);
 *   ck_json_arr(j, "xaddrs"); ck_json_str(j, NULL, a); ck_json_end(j);
 *   ck_json_emit(j, stdout);              // ...}\n, flushed
 *
 * Keys are NULL inside arrays. Strings are escaped per RFC 8259; invalid
 * UTF-8 is replaced by U+FFFD so the output is always valid JSON. */
#ifndef CK_JSON_H
#define CK_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct ck_json ck_json;

/* New empty writer; NULL on allocation failure. */
ck_json *ck_json_new(void);
void ck_json_free(ck_json *j);
/* Discards the record under construction. */
void ck_json_reset(ck_json *j);

/* Opens the top-level object and writes "type": type (type may be NULL). */
void ck_json_record(ck_json *j, const char *type);
void ck_json_obj(ck_json *j, const char *key);   /* opens a nested object */
void ck_json_arr(ck_json *j, const char *key);   /* opens a nested array */
void ck_json_end(ck_json *j);                    /* closes the innermost */

void ck_json_str(ck_json *j, const char *key, const char *s);   /* NULL -> null */
void ck_json_strn(ck_json *j, const char *key, const char *s, size_t n);
void ck_json_int(ck_json *j, const char *key, long long v);
void ck_json_uint(ck_json *j, const char *key, unsigned long long v);
/* Finite doubles with up to `decimals` fraction digits, trailing zeros
 * trimmed; NaN/Inf become null. */
void ck_json_num(ck_json *j, const char *key, double v, int decimals);
void ck_json_bool(ck_json *j, const char *key, int v);
void ck_json_null(ck_json *j, const char *key);
/* Inserts already-serialised JSON text as a value. */
void ck_json_raw(ck_json *j, const char *key, const char *json);
/* RFC 3339 UTC timestamp with milliseconds from a unix time in ms. */
void ck_json_time_ms(ck_json *j, const char *key, int64_t unix_ms);

/* Closes every open container, writes the line + '\n' to f, flushes, and
 * resets the writer. Returns 0, or -1 if the write or flush failed. */
int ck_json_emit(ck_json *j, FILE *f);
/* The text built so far (not terminated by newline), for tests. */
const char *ck_json_text(ck_json *j);

/* Appends the JSON string literal of s[0..n) (with quotes) to a malloc'd
 * buffer; returns it or NULL. Caller frees. */
char *ck_json_quote(const char *s, size_t n);
/* Formats unix_ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" into out (>= 25 bytes). */
void ck_json_rfc3339_ms(int64_t unix_ms, char *out, size_t outlen);

#endif
