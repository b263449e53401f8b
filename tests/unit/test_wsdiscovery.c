/* lib/wsdiscovery and lib/media: known answers. */
#include <stdlib.h>
#include <string.h>

#include "onvif/media.h"
#include "onvif/soap.h"
#include "t.h"
#include "onvif/wsdiscovery.h"

/* The shape of python-ws-discovery's recorded camera answer (no Types,
 * PortType in the EPR, capitalised scope categories), written here. */
static const char noTypes[] =
    "<?xml version=\"1.0\"?><SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://www.w3.org/2003/05/soap-envelope\" "
    "xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
    "xmlns:wsdd=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\"><SOAP-ENV:Header>"
    "<wsa:MessageID>uuid:1</wsa:MessageID><wsa:RelatesTo>uuid:probe</wsa:RelatesTo></SOAP-ENV:Header>"
    "<SOAP-ENV:Body><wsdd:ProbeMatches><wsdd:ProbeMatch><wsa:EndpointReference>"
    "<wsa:Address>urn:uuid:2419d68a</wsa:Address><wsa:ReferenceProperties/><wsa:PortType>ttl</wsa:PortType>"
    "</wsa:EndpointReference><wsdd:Scopes>onvif://www.onvif.org/Profile/Streaming "
    "onvif://www.onvif.org/Model/631GA onvif://www.onvif.org/Name/IP%20CAM "
    "onvif://www.onvif.org/location/country/china onvif://www.onvif.org/location/</wsdd:Scopes>"
    "<wsdd:XAddrs> http://192.168.1.104:80/onvif/device_service  http://[fe80::1]/onvif/device_service </wsdd:XAddrs>"
    "<wsdd:MetadataVersion>1</wsdd:MetadataVersion></wsdd:ProbeMatch></wsdd:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>";

static const char oddHello[] =
    "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:x=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\">"
    "<e:Body><Hello xmlns=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" xmlns:nw=\"http://www.onvif.org/ver10/network/wsdl\" "
    "xmlns:dv=\"http://www.onvif.org/ver10/device/wsdl\" xmlns:o=\"urn:other\"><x:EndpointReference><x:Address>urn:uuid:h</x:Address>"
    "</x:EndpointReference><Types>nw:NetworkVideoTransmitter dv:Device o:Thing zz:Undeclared</Types>"
    "<XAddrs>http://10.0.0.2/onvif/device_service</XAddrs></Hello></e:Body></e:Envelope>";

static void
t_parse(void)
{
	ck_err e;
	ck_wsdiscovery_msg *m = ck_wsdiscovery_parse(noTypes, strlen(noTypes), &e);
	ck_wsdiscovery_scopes sc;

	T_OK(m != NULL);
	if (m == NULL)
		return;
	T_EQ_INT(m->kind, CK_WSD_PROBE_MATCHES);
	T_EQ_STR(m->relates_to, "uuid:probe");
	T_EQ_INT(m->nmatch, 1);
	T_EQ_STR(m->match[0].address, "urn:uuid:2419d68a");
	T_EQ_INT(m->match[0].ntypes, 0);
	T_EQ_INT(m->match[0].nxaddrs, 2);
	T_EQ_STR(m->match[0].xaddrs[1], "http://[fe80::1]/onvif/device_service");
	T_EQ_INT(m->match[0].metadata_version, 1);
	T_OK(ck_wsdiscovery_match_types(&m->match[0], "dn:NetworkVideoTransmitter"));
	ck_wsdiscovery_parse_scopes(&m->match[0], &sc);
	T_EQ_STR(sc.name, "IP CAM");
	T_OK(sc.hardware == NULL);
	T_EQ_INT(sc.nlocation, 1);
	T_EQ_STR(sc.location[0], "country/china");
	T_EQ_INT(sc.nprofile, 1);
	T_EQ_STR(sc.profile[0], "Streaming");
	ck_wsdiscovery_msg_free(m);

	m = ck_wsdiscovery_parse(oddHello, strlen(oddHello), &e);
	T_OK(m != NULL);
	if (m == NULL)
		return;
	T_EQ_INT(m->kind, CK_WSD_HELLO);
	T_EQ_INT(m->match[0].ntypes, 4);
	T_EQ_STR(m->match[0].types[0], "dn:NetworkVideoTransmitter");
	T_EQ_STR(m->match[0].types[1], "tds:Device");
	T_EQ_STR(m->match[0].types[2], "{urn:other}Thing");
	T_EQ_STR(m->match[0].types[3], "zz:Undeclared");
	T_OK(ck_wsdiscovery_match_types(&m->match[0], "tdn:NetworkVideoTransmitter tds:Device"));
	T_OK(ck_wsdiscovery_match_types(&m->match[0], "{urn:other}Thing"));
	T_OK(!ck_wsdiscovery_match_types(&m->match[0], "{urn:other}Else"));
	T_EQ_INT(m->match[0].metadata_version, -1);
	ck_wsdiscovery_msg_free(m);

	T_OK(ck_wsdiscovery_parse("<a/>", 4, &e) == NULL && e.kind == CK_DATAERR);
	T_OK(ck_wsdiscovery_parse("not xml", 7, &e) == NULL && e.kind == CK_DATAERR);
}

static void
t_probe(void)
{
	ck_err e;
	char *p = ck_wsdiscovery_probe("uuid:x", "dn:NetworkVideoTransmitter {urn:a}B", &e);
	ck_wsdiscovery_msg *m;

	T_OK(p != NULL && strstr(p, "<d:Types xmlns:t0=\"urn:a\">dn:NetworkVideoTransmitter t0:B</d:Types>"));
	m = p ? ck_wsdiscovery_parse(p, strlen(p), &e) : NULL;
	T_OK(m && m->kind == CK_WSD_PROBE && m->match[0].ntypes == 2 &&
	    strcmp(m->match[0].types[1], "{urn:a}B") == 0);
	ck_wsdiscovery_msg_free(m);
	free(p);
	T_OK(ck_wsdiscovery_check_types("foo:Bar", &e) < 0 && e.kind == CK_USAGE);
	T_OK(ck_wsdiscovery_check_types("dn:", &e) < 0);
	T_OK(ck_wsdiscovery_check_types("{a b}C", &e) < 0);
	T_OK(ck_wsdiscovery_check_types("", &e) == 0);
	p = ck_wsdiscovery_probe("uuid:x", "", &e);
	T_OK(p && strstr(p, "<d:Probe></d:Probe>"));
	free(p);
	char u[64];
	T_OK(ck_wsdiscovery_uuid(u, sizeof u, &e) == 0 && strlen(u) == 41 && u[19] == '4');
}

static void
t_merge_decode(void)
{
	ck_wsdiscovery_match a, b;
	char out[32];

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.xaddrs[a.nxaddrs++] = strdup("http://1/");
	b.xaddrs[b.nxaddrs++] = strdup("http://2/");
	b.xaddrs[b.nxaddrs++] = strdup("http://1/");
	b.metadata_version = 3;
	T_EQ_INT(ck_wsdiscovery_merge(&a, &b), 1);
	T_EQ_INT(a.nxaddrs, 2);
	T_EQ_STR(a.xaddrs[1], "http://2/");
	T_EQ_INT(a.metadata_version, 3);
	ck_wsdiscovery_match_clear(&a);
	ck_wsdiscovery_match_clear(&b);
	ck_wsdiscovery_pct_decode("a%20b%zz%4", 10, out, sizeof out);
	T_EQ_STR(out, "a b%zz%4");
	ck_wsdiscovery_pct_decode("x%00y", 5, out, sizeof out);
	T_EQ_STR(out, "x%00y");
}

static void
t_media(void)
{
	char out[256];
	ck_err e;
	char *b;

	T_OK(ck_media_uri_with_cred("rtsp://old:pw@10.0.0.5:554/a?b=c@d", "ad min", "p@s:s/", out,
	    sizeof out, &e) == 0);
	T_EQ_STR(out, "rtsp://ad%20min:p%40s%3As%2F@10.0.0.5:554/a?b=c@d");
	T_OK(ck_media_uri_with_cred("no uri", "u", "p", out, sizeof out, &e) < 0 && e.kind == CK_DATAERR);
	T_EQ_INT(ck_media_uri_rehost("rtsp://192.168.1.10:554/live", "10.9.0.1", out, sizeof out), 1);
	T_EQ_STR(out, "rtsp://10.9.0.1:554/live");
	T_EQ_INT(ck_media_uri_rehost("rtsp://u@192.168.1.10/live", "::1", out, sizeof out), 1);
	T_EQ_STR(out, "rtsp://u@[::1]/live");
	T_EQ_INT(ck_media_uri_rehost("rtsp://Cam/x", "cam", out, sizeof out), 0);
	T_EQ_INT(ck_media_transport("TCP"), CK_TRANSPORT_TCP);
	T_EQ_INT(ck_media_transport("rtp"), -1);
	b = ck_media_stream_uri_body(2, "a<b", CK_TRANSPORT_HTTP);
	T_OK(b && strstr(b, "<tr2:Protocol>RtspOverHttp</tr2:Protocol><tr2:ProfileToken>a&lt;b</tr2:ProfileToken>"));
	free(b);
}

static void
t_profiles(void)
{
	static const char v1[] =
	    "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\"><e:Body>"
	    "<m:GetProfilesResponse xmlns:m=\"http://www.onvif.org/ver10/media/wsdl\" xmlns:s=\"http://www.onvif.org/ver10/schema\">"
	    "<m:Profiles token=\"p1\" fixed=\"true\"><s:Name>main</s:Name>"
	    "<s:VideoSourceConfiguration token=\"v\"><s:SourceToken>src</s:SourceToken></s:VideoSourceConfiguration>"
	    "<s:VideoEncoderConfiguration><s:Encoding>H264</s:Encoding><s:Resolution><s:Width>1280</s:Width>"
	    "<s:Height>720</s:Height></s:Resolution><s:RateControl><s:FrameRateLimit>12.5</s:FrameRateLimit>"
	    "<s:BitrateLimit>900</s:BitrateLimit></s:RateControl></s:VideoEncoderConfiguration>"
	    "<s:PTZConfiguration token=\"ptz\"/><s:Extension><x:Vendor xmlns:x=\"urn:v\"/></s:Extension></m:Profiles>"
	    "<m:Profiles token=\"p2\"><s:Name>audio only</s:Name></m:Profiles>"
	    "</m:GetProfilesResponse></e:Body></e:Envelope>";
	ck_soap_resp r;
	ck_err e;
	ck_media_profile p[4];

	T_OK(ck_soap_parse(v1, strlen(v1), &r, NULL, &e) == 0);
	T_EQ_INT(ck_media_parse_profiles(r.first, 1, p, 4, &e), 2);
	T_EQ_STR(p[0].token, "p1");
	T_EQ_STR(p[0].video_source, "src");
	T_EQ_STR(p[0].encoding, "H264");
	T_EQ_INT(p[0].width, 1280);
	T_OK(p[0].frame_rate == 12.5);
	T_EQ_INT(p[0].bitrate_kbps, 900);
	T_EQ_STR(p[0].ptz_config, "ptz");
	T_EQ_INT(p[0].fixed, 1);
	T_EQ_INT(p[1].width, -1);
	T_EQ_STR(p[1].encoding, "");
	T_OK(ck_media_parse_profiles(r.first, 2, p, 4, &e) < 0 && e.kind == CK_DATAERR);
	ck_soap_resp_free(&r);
}

int
main(void)
{
	t_parse();
	t_probe();
	t_merge_decode();
	t_media();
	t_profiles();
	T_DONE();
}
