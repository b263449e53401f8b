/* Unit tests for lib/sbuf: appends, printf without a length cap, XML
 * escaping, elements, and the done/free ownership rules. */
#include "base/sbuf.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>

int
main(void)
{
	ck_sbuf b = {0};
	char *s, big[3000];

	/* Nothing appended: done gives "", not NULL. */
	s = ck_sbuf_done(&b);
	T_EQ_STR(s, "");
	free(s);
	T_OK(b.p == NULL && b.len == 0 && !b.oom);

	/* addn keeps embedded NULs and counts them. */
	ck_sbuf_addn(&b, "a\0b", 3);
	ck_sbuf_add(&b, "cd");
	T_EQ_INT(b.len, 5);
	T_OK(memcmp(b.p, "a\0bcd", 6) == 0);
	ck_sbuf_free(&b);
	T_OK(b.p == NULL && b.len == 0);

	/* printf, including a result far beyond any fixed temp buffer. */
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_sbuf_printf(&b, "<%s n=\"%d\">", "e", 42);
	ck_sbuf_printf(&b, "%s", big);
	ck_sbuf_printf(&b, "%s|%.3s", big, "abcdef");
	T_EQ_INT(b.len, 10 + 2 * (sizeof big - 1) + 4);
	T_OK(strncmp(b.p, "<e n=\"42\">xxx", 13) == 0);
	T_EQ_STR(b.p + b.len - 4, "|abc");
	T_EQ_INT(strlen(b.p), b.len);
	ck_sbuf_free(&b);

	/* Escaping: the five XML specials, NULL as "", plain runs untouched. */
	ck_sbuf_esc(&b, "a<b>&\"c'd");
	ck_sbuf_esc(&b, NULL);
	ck_sbuf_esc(&b, "");
	ck_sbuf_esc(&b, "&&");
	s = ck_sbuf_done(&b);
	T_EQ_STR(s, "a&lt;b&gt;&amp;&quot;c&apos;d&amp;&amp;");
	free(s);

	/* ck_sbuf_esc of "" alone still yields a string. */
	ck_sbuf_esc(&b, "");
	T_OK(b.p != NULL && b.len == 0);
	ck_sbuf_free(&b);

	/* Elements: value escaped, name verbatim, NULL value as empty. */
	ck_sbuf_elem(&b, "tt:Name", "A & B");
	ck_sbuf_elem(&b, "x", NULL);
	s = ck_sbuf_done(&b);
	T_EQ_STR(s, "<tt:Name>A &amp; B</tt:Name><x></x>");
	free(s);

	/* Once oom, appends are ignored and done returns NULL (and frees). */
	ck_sbuf_add(&b, "kept until done");
	b.oom = 1;
	ck_sbuf_add(&b, "ignored");
	ck_sbuf_printf(&b, "%d", 7);
	ck_sbuf_esc(&b, "<");
	T_EQ_STR(b.p, "kept until done");
	T_OK(ck_sbuf_done(&b) == NULL);
	T_OK(b.p == NULL && !b.oom);

	/* The buffer is reusable after done. */
	ck_sbuf_add(&b, "again");
	s = ck_sbuf_done(&b);
	T_EQ_STR(s, "again");
	free(s);

	/* Growth across many small appends keeps the content intact. */
	for (int i = 0; i < 1000; i++)
		ck_sbuf_printf(&b, "%03d", i);
	T_EQ_INT(b.len, 3000);
	T_OK(strncmp(b.p + 2997, "999", 3) == 0);
	T_OK(strncmp(b.p + 1500, "500", 3) == 0);
	ck_sbuf_free(&b);

	T_DONE();
}
