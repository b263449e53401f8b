"""Namespace URIs and the prefixes the emulator writes by default."""

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "s11": "http://schemas.xmlsoap.org/soap/envelope/",
    "tt": "http://www.onvif.org/ver10/schema",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "tr2": "http://www.onvif.org/ver20/media/wsdl",
    "tptz": "http://www.onvif.org/ver20/ptz/wsdl",
    "tev": "http://www.onvif.org/ver10/events/wsdl",
    "timg": "http://www.onvif.org/ver20/imaging/wsdl",
    "tan": "http://www.onvif.org/ver20/analytics/wsdl",
    "tmd": "http://www.onvif.org/ver10/deviceIO/wsdl",
    "ter": "http://www.onvif.org/ver10/error",
    "tns1": "http://www.onvif.org/ver10/topics",
    "wsnt": "http://docs.oasis-open.org/wsn/b-2",
    "wstop": "http://docs.oasis-open.org/wsn/t-1",
    "wsa": "http://www.w3.org/2005/08/addressing",
    "wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
    "wsu": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
    "xsd": "http://www.w3.org/2001/XMLSchema",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}

# prefixes declared on generated envelopes (all but the SOAP 1.1 one)
ENVELOPE_PREFIXES = [p for p in NS if p != "s11"]

# the "odd prefixes" quirk renames these element prefixes
ODD = {"s": "SOAP-ENV", "tt": "ns2", "tds": "ns3", "trt": "ns4", "tr2": "ns5",
       "tptz": "ns6", "tev": "ns7", "timg": "ns8", "ter": "ns9"}


def q(prefix, local):
    """'{uri}local' for ElementTree lookups."""
    return "{%s}%s" % (NS[prefix], local)
