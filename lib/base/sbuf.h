/* sbuf: a growable NUL-terminated string for builders. Appends never fail
 * loudly: on allocation failure the buffer is marked oom, later appends are
 * ignored, and ck_sbuf_done returns NULL. Start with `ck_sbuf b = {0};`. */
#ifndef CK_SBUF_H
#define CK_SBUF_H

#include <stddef.h>

typedef struct ck_sbuf {
	char *p;        /* NUL-terminated once anything was appended; owned */
	size_t len, cap;
	int oom;        /* set by the first failed allocation */
} ck_sbuf;

/* Appends n bytes of s (may contain NULs); sets b->oom on failure. */
void ck_sbuf_addn(ck_sbuf *b, const char *s, size_t n);
/* Appends the string s; sets b->oom on failure. */
void ck_sbuf_add(ck_sbuf *b, const char *s);
/* Appends printf-formatted text of any length; sets b->oom on failure. */
void ck_sbuf_printf(ck_sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s (NULL = "") with & < > " ' as XML entities; b->oom on failure. */
void ck_sbuf_esc(ck_sbuf *b, const char *s);
/* Appends <name>escaped value</name> (value NULL = ""); name is not escaped. */
void ck_sbuf_elem(ck_sbuf *b, const char *name, const char *value);
/* Returns the malloc'd string (caller frees; "" if nothing was appended), or
 * NULL after an allocation failure; the buffer is consumed either way. */
char *ck_sbuf_done(ck_sbuf *b);
/* Frees the buffer's memory and resets it to empty. */
void ck_sbuf_free(ck_sbuf *b);

#endif
