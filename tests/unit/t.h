/* Minimal unit-test harness: each tests/unit/test_*.c is its own program and
 * ends with T_DONE(), which prints "N passed, N failed" and sets the status. */
#ifndef CK_T_H
#define CK_T_H

#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;

#define T_OK(cond) do { \
	if (cond) t_pass++; \
	else { t_fail++; fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define T_EQ_INT(a, b) do { \
	long long t_a = (long long)(a), t_b = (long long)(b); \
	if (t_a == t_b) t_pass++; \
	else { t_fail++; fprintf(stderr, "%s:%d: FAILED: %s == %s (%lld != %lld)\n", \
	    __FILE__, __LINE__, #a, #b, t_a, t_b); } \
} while (0)

#define T_EQ_STR(a, b) do { \
	const char *t_a = (a), *t_b = (b); \
	if (t_a && t_b && strcmp(t_a, t_b) == 0) t_pass++; \
	else { t_fail++; fprintf(stderr, "%s:%d: FAILED: %s == %s\n  got:  %s\n  want: %s\n", \
	    __FILE__, __LINE__, #a, #b, t_a ? t_a : "(null)", t_b ? t_b : "(null)"); } \
} while (0)

#define T_DONE() do { \
	printf("%s: %d passed, %d failed\n", __FILE__, t_pass, t_fail); \
	return t_fail ? 1 : 0; \
} while (0)

#endif
