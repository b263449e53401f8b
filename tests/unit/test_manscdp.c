/* MANSCDP builders and the charset-aware parser. */
#include <stdlib.h>

#include "gb/manscdp.h"
#include "t.h"

/* 浙江省杭州市 in GB2312, and in UTF-8. */
#define ZJ_GB "\xd5\xe3\xbd\xad\xca\xa1\xba\xbc\xd6\xdd\xca\xd0"
#define ZJ_U8 "\xe6\xb5\x99\xe6\xb1\x9f\xe7\x9c\x81\xe6\x9d\xad\xe5\xb7\x9e\xe5\xb8\x82"

static const char catalog_body[] =
    "<Response>\r\n<CmdType>Catalog</CmdType>\r\n<SN>1708</SN>\r\n"
    "<DeviceID>62010201001320000393</DeviceID>\r\n<SumNum>9</SumNum>\r\n"
    "<DeviceList Num=\"2\">\r\n"
    "<Item>\r\n<DeviceID>62010201001320000001</DeviceID>\r\n"
    "<Name>" ZJ_GB "</Name>\r\n<Manufacturer>Hikvision</Manufacturer>\r\n"
    "<CivilCode>5100000000</CivilCode>\r\n<Status>ON</Status>\r\n"
    "<Info><PTZType>1</PTZType></Info>\r\n</Item>\r\n"
    "<Item>\r\n<DeviceID>62010201001320000002</DeviceID>\r\n"
    "<Name>Camera 02</Name>\r\n<IPAddress>10.0.0.2</IPAddress>\r\n"
    "</Item>\r\n</DeviceList>\r\n</Response>\r\n";

static ck_manscdp
parse_ok(const char *buf, size_t len, const char *cs)
{
	ck_manscdp m;
	ck_err e;
	int rc = ck_manscdp_parse(buf, len, cs, &m, &e);

	if (rc < 0)
		fprintf(stderr, "parse: %s\n", e.msg);
	T_EQ_INT(rc, 0);
	return m;
}

static void
charsets(void)
{
	char buf[2048];
	ck_manscdp m;
	const ck_xml_node *it;
	ck_err e;
	int n;

	/* declared GB2312 */
	n = snprintf(buf, sizeof buf, "<?xml version=\"1.0\" encoding=\"GB2312\"?>\r\n%s",
	    catalog_body);
	m = parse_ok(buf, (size_t)n, NULL);
	T_EQ_STR(m.charset, "GB18030");
	T_EQ_STR(m.cmd_type, "Catalog");
	T_EQ_STR(m.kind, "Response");
	T_EQ_INT(m.sn, 1708);
	T_EQ_INT(m.sumnum, 9);
	T_EQ_INT(m.list_num, 2);
	T_EQ_STR(m.device_id, "62010201001320000393");
	it = ck_manscdp_next_item(&m, NULL);
	T_EQ_STR(ck_manscdp_field(it, "Name"), ZJ_U8);
	it = ck_manscdp_next_item(&m, it);
	T_EQ_STR(ck_manscdp_field(it, "Name"), "Camera 02");
	T_OK(ck_manscdp_next_item(&m, it) == NULL);
	ck_manscdp_free(&m);

	/* bare declaration, GB bytes: GB18030 */
	n = snprintf(buf, sizeof buf, "<?xml version=\"1.0\"?>\n%s", catalog_body);
	m = parse_ok(buf, (size_t)n, NULL);
	T_EQ_STR(m.charset, "GB18030");
	T_EQ_STR(ck_manscdp_field(ck_manscdp_next_item(&m, NULL), "Name"), ZJ_U8);
	ck_manscdp_free(&m);

	/* no declaration at all */
	m = parse_ok(catalog_body, strlen(catalog_body), NULL);
	T_EQ_STR(ck_manscdp_field(ck_manscdp_next_item(&m, NULL), "Name"), ZJ_U8);
	ck_manscdp_free(&m);

	/* bare declaration, UTF-8 bytes stay UTF-8 */
	n = snprintf(buf, sizeof buf, "<?xml version=\"1.0\"?><Response><CmdType>"
	    "Catalog</CmdType><SN>1</SN><DeviceList Num=\"1\"><Item><Name>"
	    ZJ_U8 "</Name></Item></DeviceList></Response>");
	m = parse_ok(buf, (size_t)n, NULL);
	T_EQ_STR(m.charset, "UTF-8");
	T_EQ_STR(ck_manscdp_field(ck_manscdp_next_item(&m, NULL), "Name"), ZJ_U8);
	ck_manscdp_free(&m);

	/* declared UTF-8 but GB bytes: read as GB18030 */
	n = snprintf(buf, sizeof buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n%s",
	    catalog_body);
	m = parse_ok(buf, (size_t)n, NULL);
	T_EQ_STR(m.charset, "GB18030");
	T_EQ_STR(ck_manscdp_field(ck_manscdp_next_item(&m, NULL), "Name"), ZJ_U8);
	ck_manscdp_free(&m);
	/* a forced charset is not second-guessed */
	T_EQ_INT(ck_manscdp_parse(buf, (size_t)n, "UTF-8", &m, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	/* forced charset wins over the declaration */
	m = parse_ok(buf, (size_t)n, "GBK");
	T_EQ_STR(ck_manscdp_field(ck_manscdp_next_item(&m, NULL), "Name"), ZJ_U8);
	ck_manscdp_free(&m);

	/* single quotes, BOM, GBK alias */
	n = snprintf(buf, sizeof buf, "\xEF\xBB\xBF<?xml version='1.0' encoding='gbk' ?>%s",
	    catalog_body);
	m = parse_ok(buf, (size_t)n, NULL);
	T_EQ_STR(ck_manscdp_field(ck_manscdp_next_item(&m, NULL), "Name"), ZJ_U8);
	ck_manscdp_free(&m);

	/* unknown encoding, bad bytes */
	n = snprintf(buf, sizeof buf, "<?xml version=\"1.0\" encoding=\"EBCDIC-X\"?><A/>");
	T_EQ_INT(ck_manscdp_parse(buf, (size_t)n, NULL, &m, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	n = snprintf(buf, sizeof buf, "<?xml version=\"1.0\" encoding=\"GB2312\"?>"
	    "<Q><CmdType>\xff\xff</CmdType></Q>");
	T_EQ_INT(ck_manscdp_parse(buf, (size_t)n, NULL, &m, &e), -1);
}

static void
rejects(void)
{
	ck_manscdp m;
	ck_err e;
	const char *b;

	b = "<Query><SN>1</SN></Query>";
	T_EQ_INT(ck_manscdp_parse(b, strlen(b), NULL, &m, &e), -1);
	T_OK(strstr(e.msg, "CmdType") != NULL);
	b = "<Query><CmdType>Catalog</CmdType><SN>x1</SN></Query>";
	T_EQ_INT(ck_manscdp_parse(b, strlen(b), NULL, &m, &e), -1);
	b = "<Response><CmdType>Catalog</CmdType><SumNum>-1</SumNum></Response>";
	T_EQ_INT(ck_manscdp_parse(b, strlen(b), NULL, &m, &e), -1);
	b = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"y\">]><Query>"
	    "<CmdType>&x;</CmdType></Query>";
	T_EQ_INT(ck_manscdp_parse(b, strlen(b), NULL, &m, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	b = "<Query><CmdType>Catalog</CmdType>";
	T_EQ_INT(ck_manscdp_parse(b, strlen(b), NULL, &m, &e), -1);
	b = "";
	T_EQ_INT(ck_manscdp_parse(b, 0, NULL, &m, &e), -1);
	T_EQ_INT(ck_manscdp_parse("<A>\0</A>", 8, NULL, &m, &e), -1);
}

static void
json(void)
{
	ck_json *j = ck_json_new();
	ck_manscdp m = parse_ok(catalog_body, strlen(catalog_body), NULL);
	const char *b;

	ck_json_record(j, "item");
	ck_manscdp_json_fields(ck_manscdp_next_item(&m, NULL), j, 0, NULL);
	T_EQ_STR(ck_json_text(j), "{\"type\":\"item\",\"device_id\":"
	    "\"62010201001320000001\",\"name\":\"" ZJ_U8 "\",\"manufacturer\":"
	    "\"Hikvision\",\"civil_code\":\"5100000000\",\"status\":\"ON\","
	    "\"info\":{\"ptz_type\":\"1\"}");
	ck_json_reset(j);
	ck_manscdp_free(&m);

	b = "<Response><CmdType>DeviceStatus</CmdType><SN>3</SN><DeviceID>1</DeviceID>"
	    "<Result>OK</Result><Alarmstatus Num=\"2\"><Item><DeviceID>a</DeviceID>"
	    "</Item><Item><DeviceID>b</DeviceID></Item></Alarmstatus>"
	    "<Empty/></Response>";
	m = parse_ok(b, strlen(b), NULL);
	T_OK(m.list != NULL);
	ck_json_record(j, "response");
	ck_manscdp_json_fields(m.root, j, 1, &m);
	T_EQ_STR(ck_json_text(j), "{\"type\":\"response\",\"result\":\"OK\","
	    "\"empty\":\"\"");
	ck_json_reset(j);
	ck_json_record(j, "x");
	ck_manscdp_json_fields(m.list, j, 0, NULL);
	T_EQ_STR(ck_json_text(j), "{\"type\":\"x\",\"num\":\"2\",\"item\":"
	    "[{\"device_id\":\"a\"},{\"device_id\":\"b\"}]");
	ck_manscdp_free(&m);
	ck_json_free(j);
}

static void
snake(void)
{
	char b[64];

	T_EQ_STR(ck_manscdp_snake("DeviceID", b, sizeof b), "device_id");
	T_EQ_STR(ck_manscdp_snake("IPAddress", b, sizeof b), "ip_address");
	T_EQ_STR(ck_manscdp_snake("PTZType", b, sizeof b), "ptz_type");
	T_EQ_STR(ck_manscdp_snake("CivilCode", b, sizeof b), "civil_code");
	T_EQ_STR(ck_manscdp_snake("SVCSpaceSupportMode", b, sizeof b),
	    "svc_space_support_mode");
	T_EQ_STR(ck_manscdp_snake("Alarmstatus", b, sizeof b), "alarmstatus");
	T_EQ_STR(ck_manscdp_snake("Num", b, sizeof b), "num");
	T_EQ_STR(ck_manscdp_snake("Block1Name", b, sizeof b), "block1_name");
}

static void
builders(void)
{
	size_t len;
	ck_err e;
	char *b;
	ck_manscdp m;
	ck_manscdp_kv kv[] = { { "ConfigType", "BasicParam/VideoParamOpt" } };
	const char *items[] = {
		"<Item><DeviceID>1</DeviceID><Name>" ZJ_U8 "</Name></Item>" };

	b = ck_manscdp_query("Catalog", 471, "130909113319427420", NULL, 0, &len, &e);
	T_EQ_STR(b, "<?xml version=\"1.0\" encoding=\"GB2312\"?>\r\n<Query>\r\n"
	    "<CmdType>Catalog</CmdType>\r\n<SN>471</SN>\r\n"
	    "<DeviceID>130909113319427420</DeviceID>\r\n</Query>\r\n");
	T_EQ_INT(len, strlen(b));
	free(b);
	b = ck_manscdp_query("ConfigDownload", 2, "x<&", kv, 1, &len, &e);
	T_OK(strstr(b, "<DeviceID>x&lt;&amp;</DeviceID>") != NULL);
	T_OK(strstr(b, "<ConfigType>BasicParam/VideoParamOpt</ConfigType>") != NULL);
	free(b);
	b = ck_manscdp_record_query(9, "1", "2023-10-14T00:00:00",
	    "2023-10-14T23:00:00", NULL, NULL, &len, &e);
	m = parse_ok(b, len, NULL);
	T_EQ_STR(ck_manscdp_field(m.root, "StartTime"), "2023-10-14T00:00:00");
	T_EQ_STR(ck_manscdp_field(m.root, "Type"), "all");
	T_EQ_STR(ck_manscdp_field(m.root, "FilePath"), "");
	ck_manscdp_free(&m);
	free(b);
	b = ck_manscdp_record_query(9, "1", "2023-10-14T00:00:00",
	    "2023-10-14T23:00:00", "time", ZJ_U8, &len, &e);
	T_OK(memmem(b, len, "<Address>" ZJ_GB "</Address>", 9 + 12 + 10) != NULL);
	m = parse_ok(b, len, NULL);
	T_EQ_STR(ck_manscdp_field(m.root, "Address"), ZJ_U8);
	T_EQ_STR(ck_manscdp_field(m.root, "Type"), "time");
	ck_manscdp_free(&m);
	free(b);
	b = ck_manscdp_keepalive(5, "34020000001320000001", &len, &e);
	m = parse_ok(b, len, NULL);
	T_EQ_STR(m.kind, "Notify");
	T_EQ_STR(m.cmd_type, "Keepalive");
	T_EQ_STR(ck_manscdp_field(m.root, "Status"), "OK");
	ck_manscdp_free(&m);
	free(b);
	b = ck_manscdp_ptz_control(130, "1", "A50F010800FA00B7", &len, &e);
	m = parse_ok(b, len, NULL);
	T_EQ_STR(ck_manscdp_field(m.root, "PTZCmd"), "A50F010800FA00B7");
	ck_manscdp_free(&m);
	free(b);
	T_OK(ck_manscdp_ptz_control(1, "1", "A50F", &len, &e) == NULL);
	/* non-ASCII values: the body is GB18030 bytes matching its declaration */
	b = ck_manscdp_list_response("Catalog", 7, "1", 3, "DeviceList", items, 1,
	    &len, &e);
	T_OK(memmem(b, len, "\xd5\xe3\xbd\xad\xca\xa1", 6) != NULL);
	m = parse_ok(b, len, NULL);
	T_EQ_INT(m.sumnum, 3);
	T_EQ_INT(m.list_num, 1);
	T_EQ_STR(ck_manscdp_field(ck_manscdp_next_item(&m, NULL), "Name"), ZJ_U8);
	ck_manscdp_free(&m);
	free(b);
}

static void
to_utf8(void)
{
	const char in[] = "<?xml version=\"1.0\" encoding=\"GB2312\"?>\r\n<A>" ZJ_GB "</A>";
	const char *used;
	size_t n;
	ck_err e;
	char *o = ck_manscdp_to_utf8(in, sizeof in - 1, NULL, 1, &n, &used, &e);

	T_EQ_STR(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<A>" ZJ_U8 "</A>");
	free(o);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = malloc(1 << 16);

	*len = f && b ? fread(b, 1, (1 << 16) - 1, f) : 0;
	if (f)
		fclose(f);
	return b;
}

static void
fixtures(void)
{
	size_t len;
	char *b = slurp("tests/fixtures/gb/hik-catalog-response.xml", &len);
	ck_manscdp m;
	const ck_xml_node *it;
	ck_json *j = ck_json_new();

	T_OK(len > 100);
	m = parse_ok(b, len, NULL);
	T_EQ_STR(m.cmd_type, "Catalog");
	T_EQ_INT(m.sn, 1708);
	T_EQ_INT(m.sumnum, 1);
	T_EQ_INT(m.list_num, 1);
	it = ck_manscdp_next_item(&m, NULL);
	T_EQ_STR(ck_manscdp_field(it, "ParentID"), "51000000002000000001");
	ck_json_record(j, "item");
	ck_manscdp_json_fields(it, j, 0, NULL);
	T_EQ_STR(ck_json_text(j), "{\"type\":\"item\",\"device_id\":"
	    "\"62010201001320000393\",\"name\":\"Camera 01\",\"manufacturer\":"
	    "\"Hikvision\",\"model\":\"IP Camera\",\"owner\":\"Owner\","
	    "\"civil_code\":\"5100000000\",\"address\":\"Address\",\"parental\":"
	    "\"0\",\"parent_id\":\"51000000002000000001\",\"safety_way\":\"0\","
	    "\"register_way\":\"1\",\"secrecy\":\"0\",\"status\":\"ON\"");
	ck_json_reset(j);
	ck_manscdp_free(&m);
	free(b);

	b = slurp("tests/fixtures/gb/hik-recordinfo-response.xml", &len);
	m = parse_ok(b, len, NULL);
	T_EQ_STR(m.cmd_type, "RecordInfo");
	T_EQ_INT(m.sumnum, 1);
	T_OK(m.list && strcmp(m.list->name, "RecordList") == 0);
	it = ck_manscdp_next_item(&m, NULL);
	T_EQ_STR(ck_manscdp_field(it, "FileSize"), "19396096");
	T_EQ_STR(ck_manscdp_field(it, "StartTime"), "2023-10-14T14:15:52");
	ck_manscdp_free(&m);
	free(b);

	b = slurp("tests/fixtures/gb/hik-catalog-query.xml", &len);
	m = parse_ok(b, len, NULL);
	T_EQ_STR(m.kind, "Query");
	T_EQ_INT(m.sn, 471);
	T_EQ_STR(m.device_id, "130909113319427420");
	T_OK(m.list == NULL);
	ck_manscdp_free(&m);
	free(b);
	ck_json_free(j);
}

/* Device-side builders: Response bodies, the self item, catalog files. */
static void
device_side(void)
{
	const char *kv[] = { "Result", "OK", "DeviceName", "Gate <1>" };
	char **items;
	size_t len;
	long n;
	ck_err e;
	char *b = ck_manscdp_response("DeviceInfo", 7, "34020000001320000001", kv, 4,
	    "<Tail>x</Tail>\r\n", &len, &e);

	T_EQ_STR(b, "<?xml version=\"1.0\" encoding=\"GB2312\"?>\r\n<Response>\r\n"
	    "<CmdType>DeviceInfo</CmdType>\r\n<SN>7</SN>\r\n"
	    "<DeviceID>34020000001320000001</DeviceID>\r\n<Result>OK</Result>\r\n"
	    "<DeviceName>Gate &lt;1&gt;</DeviceName>\r\n<Tail>x</Tail>\r\n</Response>\r\n");
	T_EQ_INT(len, strlen(b));
	free(b);
	/* non-ASCII values go out as GB18030 bytes */
	const char *zj[] = { "DeviceName", ZJ_U8 };
	b = ck_manscdp_response("DeviceInfo", 1, "1", zj, 2, NULL, &len, &e);
	T_OK(b && memmem(b, len, ZJ_GB, strlen(ZJ_GB)) != NULL);
	free(b);
	b = ck_manscdp_self_item("34020000001320000001", "Door <1>", "camkit", "m",
	    "3402000000", "34020000002000000001", &e);
	T_OK(b && strstr(b, "<Name>Door &lt;1&gt;</Name>") && strstr(b,
	    "<ParentID>34020000002000000001</ParentID>") && strncmp(b, "<Item>", 6) == 0);
	free(b);
	/* a whole Response in GB2312; Items one after another; nested Items */
	n = ck_manscdp_items(catalog_body, sizeof catalog_body - 1, &items, &e);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_OK(strstr(items[0], "<Name>" ZJ_U8 "</Name>") != NULL);
		T_OK(strncmp(items[1], "<Item>", 6) == 0);
		T_OK(strcmp(items[1] + strlen(items[1]) - 7, "</Item>") == 0);
		free(items[0]);
		free(items[1]);
		free(items);
	}
	static const char bare[] = "<?xml version=\"1.0\"?>\n<Item><DeviceID>1</DeviceID>"
	    "<Item><DeviceID>2</DeviceID></Item></Item>\n<Item a=\"b\"/>\n<Items/>";
	n = ck_manscdp_items(bare, sizeof bare - 1, &items, &e);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_EQ_STR(items[0], "<Item><DeviceID>1</DeviceID><Item><DeviceID>2</DeviceID></Item></Item>");
		T_EQ_STR(items[1], "<Item a=\"b\"/>");
		free(items[0]);
		free(items[1]);
		free(items);
	}
	T_EQ_INT(ck_manscdp_items("<Response/>", 11, &items, &e), -1);
	T_EQ_INT(e.kind, CK_DATAERR);
	T_EQ_INT(ck_manscdp_items("<Item>", 6, &items, &e), -1);
	T_EQ_INT(ck_manscdp_items("<!DOCTYPE x><Item/>", 19, &items, &e), -1);
}

int
main(void)
{
	fixtures();
	charsets();
	rejects();
	json();
	snake();
	builders();
	to_utf8();
	device_side();
	T_DONE();
}
