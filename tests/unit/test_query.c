/* gbquery: target URI splitting and the argument checks before any socket. */
#include "gb/query.h"
#include "t.h"

int
main(void)
{
	char id[64], host[256];
	int port = 0;
	ck_query q;
	ck_query_opts o = { .target = "sip:1@127.0.0.1:5060", .from = "nodomain" };
	ck_err e;

	T_EQ_INT(ck_query_split_uri("sip:34020000001320000001@10.0.0.2:5061", id,
	    sizeof id, host, sizeof host, &port), 1);
	T_EQ_STR(id, "34020000001320000001");
	T_EQ_STR(host, "10.0.0.2");
	T_EQ_INT(port, 5061);
	T_EQ_INT(ck_query_split_uri("SIP:1@cam.example", id, sizeof id, host,
	    sizeof host, &port), 1);
	T_EQ_INT(port, 5060);
	T_EQ_STR(host, "cam.example");
	T_EQ_INT(ck_query_split_uri("sip:1@[::1]:5070", id, sizeof id, host,
	    sizeof host, &port), 1);
	T_EQ_STR(host, "::1");
	T_EQ_INT(port, 5070);
	T_EQ_INT(ck_query_split_uri("sip:@10.0.0.2", id, sizeof id, host, sizeof host,
	    &port), 0);
	T_EQ_INT(ck_query_split_uri("sip:10.0.0.2", id, sizeof id, host, sizeof host,
	    &port), 0);
	T_EQ_INT(ck_query_split_uri("http://1@10.0.0.2", id, sizeof id, host,
	    sizeof host, &port), 0);
	T_EQ_INT(ck_query_split_uri("sip:1@a@b", id, sizeof id, host, sizeof host,
	    &port), 0);
	T_EQ_INT(ck_query_split_uri("sip:1@host;transport=tcp", id, sizeof id, host,
	    sizeof host, &port), 0);
	T_EQ_INT(ck_query_split_uri("sip:1@host:99999", id, sizeof id, host,
	    sizeof host, &port), 0);
	/* a bad --from is refused before any socket is opened */
	T_EQ_INT(ck_query_open(&q, &o, &e), -1);
	T_EQ_INT(e.kind, CK_USAGE);
	o.from = NULL;
	o.target = "sip:nohost";
	T_EQ_INT(ck_query_open(&q, &o, &e), -1);
	T_EQ_INT(e.kind, CK_USAGE);
	T_DONE();
}
