/* notifier: the Event and Expires forms cameras and platforms send with
 * SUBSCRIBE (GB/T 28181-2016 9.11, RFC 6665 7.2.1). */
#include <string.h>

#include "gb/notifier.h"
#include "t.h"

static void
events(void)
{
	char pkg[32];
	T_EQ_INT(ck_notifier_event_ok("Catalog", pkg, sizeof pkg), 1);
	T_EQ_STR(pkg, "Catalog");
	T_EQ_INT(ck_notifier_event_ok(" presence;id=130", pkg, sizeof pkg), 1);
	T_EQ_STR(pkg, "presence");
	T_EQ_INT(ck_notifier_event_ok("catalog ; id=7", pkg, sizeof pkg), 1);
	T_EQ_STR(pkg, "Catalog");
	T_EQ_INT(ck_notifier_event_ok("MobilePosition", pkg, sizeof pkg), 1);
	/* a camera's "Event: id=1984": parameters only, no package */
	T_EQ_INT(ck_notifier_event_ok("id=1984", pkg, sizeof pkg), 1);
	T_EQ_STR(pkg, "");
	T_EQ_INT(ck_notifier_event_ok(NULL, pkg, sizeof pkg), 1);
	T_EQ_INT(ck_notifier_event_ok("", pkg, sizeof pkg), 1);
	T_EQ_INT(ck_notifier_event_ok("dialog", pkg, sizeof pkg), 0);
	T_EQ_INT(ck_notifier_event_ok("presence.winfo", pkg, sizeof pkg), 0);
	T_EQ_INT(ck_notifier_event_ok("Catalogue", pkg, sizeof pkg), 0);
}

static void
expires(void)
{
	T_EQ_INT(ck_notifier_expires("300", 3600), 300);
	T_EQ_INT(ck_notifier_expires(" 300 ", 3600), 300);   /* "Expires:300" parsed */
	T_EQ_INT(ck_notifier_expires(NULL, 3600), 3600);
	T_EQ_INT(ck_notifier_expires("0", 3600), 0);
	T_EQ_INT(ck_notifier_expires("99999999999999999999", 3600), 86400);
	T_EQ_INT(ck_notifier_expires("-1", 3600), -1);
	T_EQ_INT(ck_notifier_expires("3600s", 3600), -1);
	T_EQ_INT(ck_notifier_expires("", 3600), -1);
}

int
main(void)
{
	events();
	expires();
	T_DONE();
}
