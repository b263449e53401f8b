/* hash: FNV-1a over bytes and strings, for the in-memory tables of flows,
 * addresses, device IDs and transactions. Not keyed: a table an
 * unauthenticated peer fills is bounded by its caller. Inline: the flow
 * tables hash every packet. */
#ifndef CK_HASH_H
#define CK_HASH_H

#include <stddef.h>
#include <stdint.h>

#define CK_HASH_INIT 2166136261u

/* h (CK_HASH_INIT to start) extended over n bytes at p. */
static inline uint32_t
ck_hash_bytes(const void *p, size_t n, uint32_t h)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 16777619u;
	return h;
}

/* h (CK_HASH_INIT to start) extended over the string s, without its NUL. */
static inline uint32_t
ck_hash_str(const char *s, uint32_t h)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

#endif
