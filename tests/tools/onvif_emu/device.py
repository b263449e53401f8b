"""Device management service: time, NTP, services, capabilities, identity."""
import datetime
import re
import xml.etree.ElementTree as ET

from .core import Fault, Raw, xesc
from .ns import NS, q

TDS = NS["tds"]

# namespace -> (default path, version) advertised by generated GetServices
DEFAULT_SERVICES = [
    (NS["tds"], "/onvif/device_service", "2.60"),
    (NS["trt"], "/onvif/media_service", "2.60"),
    (NS["tr2"], "/onvif/media2_service", "2.60"),
    (NS["tptz"], "/onvif/ptz_service", "2.60"),
    (NS["tev"], "/onvif/events_service", "2.60"),
    (NS["timg"], "/onvif/imaging_service", "2.60"),
]

UTC = datetime.timezone.utc


def _dt_block(text, name):
    m = re.search(r"<(?:[\w.-]+:)?%s>(.*?)</(?:[\w.-]+:)?%s>" % (name, name), text, re.S)
    return m


def _field(block, name):
    m = re.search(r"<(?:[\w.-]+:)?%s>\s*([^<]*?)\s*</" % name, block)
    return m.group(1) if m else None


def _recorded_dt(text, name):
    m = _dt_block(text, name)
    if not m:
        return None
    try:
        return datetime.datetime(*(int(_field(m.group(1), f)) for f in
                                   ("Year", "Month", "Day", "Hour", "Minute", "Second")),
                                 tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _subst_dt(text, name, dt):
    """Replaces the values inside the <name> block, keeping the format."""
    m = _dt_block(text, name)
    if not m:
        return text
    block = m.group(1)
    for f, v in (("Year", dt.year), ("Month", dt.month), ("Day", dt.day),
                 ("Hour", dt.hour), ("Minute", dt.minute), ("Second", dt.second)):
        block = re.sub(r"(<(?:[\w.-]+:)?%s>)\s*[^<]*?\s*(</)" % f,
                       lambda mm, v=v: "%s%d%s" % (mm.group(1), v, mm.group(2)), block, 1)
    return text[:m.start(1)] + block + text[m.end(1):]


def _subst_value(text, name, value):
    return re.sub(r"(<(?:[\w.-]+:)?%s>)[^<]*(</)" % name,
                  lambda mm: mm.group(1) + xesc(value) + mm.group(2), text, 1)


def init(dev):
    st = dev.state
    rec = dev.recorded(TDS, "GetSystemDateAndTime")
    st["time_recorded"] = rec
    st["verbatim"] = bool(rec) and dev.args.frozen
    st["date_time_type"], st["dst"], st["tz"] = "Manual", "false", "UTC0"
    st["local_delta"] = datetime.timedelta(0)
    st["has_local"] = True
    if rec:
        st["date_time_type"] = _field(rec, "DateTimeType") or "Manual"
        st["dst"] = _field(rec, "DaylightSavings") or "false"
        st["tz"] = _field(rec, "TZ") or ""
        utc, local = _recorded_dt(rec, "UTCDateTime"), _recorded_dt(rec, "LocalDateTime")
        st["has_local"] = local is not None
        if utc and local:
            st["local_delta"] = local - utc
        if dev.args.frozen and utc:
            dev.frozen = utc
    # NTP state from the recording when there is one
    st["ntp_dhcp"], st["ntp"] = "false", []
    ntp = dev.recorded(TDS, "GetNTP")
    if ntp:
        st["ntp_dhcp"] = _field(ntp, "FromDHCP") or "false"
        for m in re.finditer(r"<(?:[\w.-]+:)?NTPManual>(.*?)</(?:[\w.-]+:)?NTPManual>", ntp, re.S):
            t = _field(m.group(1), "Type") or "IPv4"
            addr = (_field(m.group(1), "IPv4Address") or _field(m.group(1), "IPv6Address")
                    or _field(m.group(1), "DNSname") or "")
            st["ntp"].append((t, addr))
    # services: the recorded table's paths, or the defaults for loaded handlers
    dev.services = []
    svc = dev.recorded(TDS, "GetServices")
    if svc:
        try:
            root = ET.fromstring(svc)
            for s in root.iter(q("tds", "Service")):
                ns = (s.findtext(q("tds", "Namespace")) or "").strip()
                xa = (s.findtext(q("tds", "XAddr")) or "").strip()
                path = re.sub(r"^https?://[^/]+", "", xa) or "/"
                ma = s.findtext("tds:Version/tt:Major", "2", NS).strip()
                mi = s.findtext("tds:Version/tt:Minor", "0", NS).strip()
                dev.services.append((ns, path, "%s.%s" % (ma, mi)))
        except ET.ParseError:
            pass
    caps = dev.recorded(TDS, "GetCapabilities")
    if caps:
        for m in re.finditer(r"<(?:[\w.-]+:)?XAddr>\s*https?://[^/<\s]+([^<\s]*)", caps):
            dev.services.append(("", m.group(1) or "/", ""))
    if not svc:
        loaded = {ns for ns, _ in dev.handlers}
        dev.services += [s for s in DEFAULT_SERVICES if s[0] in loaded]


def get_system_date_and_time(dev, req):
    st = dev.state
    rec = st["time_recorded"]
    if st["verbatim"]:
        return Raw(rec)
    utc = dev.now().replace(microsecond=0)
    local = utc + st["local_delta"]
    if rec:
        t = _subst_dt(rec, "UTCDateTime", utc)
        t = _subst_dt(t, "LocalDateTime", local)
        t = _subst_value(t, "DateTimeType", st["date_time_type"])
        t = _subst_value(t, "DaylightSavings", st["dst"])
        t = _subst_value(t, "TZ", st["tz"])
        return Raw(t)

    def dt(name, v):
        return ("<tt:%s><tt:Time><tt:Hour>%d</tt:Hour><tt:Minute>%d</tt:Minute>"
                "<tt:Second>%d</tt:Second></tt:Time><tt:Date><tt:Year>%d</tt:Year>"
                "<tt:Month>%d</tt:Month><tt:Day>%d</tt:Day></tt:Date></tt:%s>"
                % (name, v.hour, v.minute, v.second, v.year, v.month, v.day, name))
    return ("<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
            "<tt:DateTimeType>%s</tt:DateTimeType><tt:DaylightSavings>%s</tt:DaylightSavings>"
            "<tt:TimeZone><tt:TZ>%s</tt:TZ></tt:TimeZone>%s%s</tds:SystemDateAndTime>"
            "</tds:GetSystemDateAndTimeResponse>"
            % (xesc(st["date_time_type"]), st["dst"], xesc(st["tz"]), dt("UTCDateTime", utc),
               dt("LocalDateTime", local) if st["has_local"] else ""))


def _int(req, path, lo, hi):
    v = req.text(path)
    try:
        n = int(v)
    except (TypeError, ValueError):
        raise Fault(["ter:InvalidArgVal", "ter:InvalidDateTime"], "bad %s" % path)
    if not lo <= n <= hi:
        raise Fault(["ter:InvalidArgVal", "ter:InvalidDateTime"], "%s out of range" % path)
    return n


def set_system_date_and_time(dev, req):
    st = dev.state
    typ = req.text("tds:DateTimeType")
    if typ not in ("Manual", "NTP"):
        raise Fault(["ter:InvalidArgVal"], "DateTimeType must be Manual or NTP")
    dst = req.text("tds:DaylightSavings")
    if dst not in ("true", "false", "1", "0"):
        raise Fault(["ter:InvalidArgVal"], "DaylightSavings missing")
    tz = req.text("tds:TimeZone/tt:TZ")
    utc = None
    if req.find("tds:UTCDateTime") is not None:
        b = "tds:UTCDateTime/tt:"
        try:
            utc = datetime.datetime(_int(req, b + "Date/tt:Year", 1970, 2100),
                                    _int(req, b + "Date/tt:Month", 1, 12),
                                    _int(req, b + "Date/tt:Day", 1, 31),
                                    _int(req, b + "Time/tt:Hour", 0, 23),
                                    _int(req, b + "Time/tt:Minute", 0, 59),
                                    _int(req, b + "Time/tt:Second", 0, 59), tzinfo=UTC)
        except ValueError:
            raise Fault(["ter:InvalidArgVal", "ter:InvalidDateTime"], "no such date")
    elif typ == "Manual":
        raise Fault(["ter:InvalidArgVal", "ter:InvalidDateTime"],
                    "Manual needs UTCDateTime")
    with dev.lock:
        st["verbatim"] = False
        st["date_time_type"] = typ
        st["dst"] = "true" if dst in ("true", "1") else "false"
        if tz is not None:
            if not tz:
                raise Fault(["ter:InvalidArgVal", "ter:InvalidTimeZone"], "empty TZ")
            st["tz"] = tz
        if typ == "Manual":
            dev.set_time(utc)
        elif dev.frozen is not None:
            dev.set_time(dev.frozen)
        if typ == "NTP" and dev.args.ntp_time:
            # NTP "synchronises" the clock with the real one
            dev.set_time(datetime.datetime.now(UTC))
    return "<tds:SetSystemDateAndTimeResponse/>"


def get_ntp(dev, req):
    st = dev.state
    items = "".join(
        "<tt:NTPManual><tt:Type>%s</tt:Type><tt:%s>%s</tt:%s></tt:NTPManual>"
        % (t, {"IPv4": "IPv4Address", "IPv6": "IPv6Address"}.get(t, "DNSname"), xesc(a),
           {"IPv4": "IPv4Address", "IPv6": "IPv6Address"}.get(t, "DNSname"))
        for t, a in st["ntp"])
    return ("<tds:GetNTPResponse><tds:NTPInformation><tt:FromDHCP>%s</tt:FromDHCP>%s"
            "</tds:NTPInformation></tds:GetNTPResponse>" % (st["ntp_dhcp"], items))


def set_ntp(dev, req):
    dhcp = req.text("tds:FromDHCP")
    if dhcp not in ("true", "false", "1", "0"):
        raise Fault(["ter:InvalidArgVal"], "FromDHCP missing")
    entries = []
    for m in req.op.findall("tds:NTPManual", NS):
        t = (m.findtext("tt:Type", "", NS) or "").strip()
        key = {"IPv4": "tt:IPv4Address", "IPv6": "tt:IPv6Address", "DNS": "tt:DNSname"}.get(t)
        if key is None:
            raise Fault(["ter:InvalidArgVal", "ter:InvalidNetworkHost"], "bad NTP Type")
        a = (m.findtext(key, "", NS) or "").strip()
        if not a:
            raise Fault(["ter:InvalidArgVal", "ter:InvalidNetworkHost"], "empty NTP address")
        if t == "IPv4" and not (re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", a)
                                and all(int(o) < 256 for o in a.split("."))):
            raise Fault(["ter:InvalidArgVal", "ter:InvalidIPv4Address"], "bad IPv4 address")
        entries.append((t, a))
    if dhcp in ("false", "0") and not entries:
        raise Fault(["ter:InvalidArgVal", "ter:InvalidNetworkHost"], "no NTP server")
    with dev.lock:
        dev.state["ntp_dhcp"] = "true" if dhcp in ("true", "1") else "false"
        dev.state["ntp"] = entries
    return "<tds:SetNTPResponse/>"


def get_services(dev, req):
    rec = dev.recorded(TDS, "GetServices")
    if rec:
        return Raw(rec)
    base = dev.base_url(req)
    out = []
    for ns, path, ver in dev.services:
        if not ns:
            continue
        ma, _, mi = ver.partition(".")
        out.append("<tds:Service><tds:Namespace>%s</tds:Namespace><tds:XAddr>%s%s</tds:XAddr>"
                   "<tds:Version><tt:Major>%s</tt:Major><tt:Minor>%s</tt:Minor></tds:Version>"
                   "</tds:Service>" % (ns, base, path, ma, mi or "0"))
    return "<tds:GetServicesResponse>%s</tds:GetServicesResponse>" % "".join(out)


def get_capabilities(dev, req):
    rec = dev.recorded(TDS, "GetCapabilities")
    if rec:
        return Raw(rec)
    base = dev.base_url(req)
    paths = {ns: path for ns, path, _ in dev.services}
    parts = ["<tt:Device><tt:XAddr>%s%s</tt:XAddr></tt:Device>"
             % (base, paths.get(NS["tds"], "/onvif/device_service"))]
    for ns, name in ((NS["tev"], "Events"), (NS["timg"], "Imaging"),
                     (NS["trt"], "Media"), (NS["tptz"], "PTZ")):
        if ns in paths:
            extra = ("<tt:WSSubscriptionPolicySupport>false</tt:WSSubscriptionPolicySupport>"
                     "<tt:WSPullPointSupport>true</tt:WSPullPointSupport>"
                     "<tt:WSPausableSubscriptionManagerInterfaceSupport>false"
                     "</tt:WSPausableSubscriptionManagerInterfaceSupport>"
                     if name == "Events" else "")
            parts.append("<tt:%s><tt:XAddr>%s%s</tt:XAddr>%s</tt:%s>"
                         % (name, base, paths[ns], extra, name))
    return ("<tds:GetCapabilitiesResponse><tds:Capabilities>%s</tds:Capabilities>"
            "</tds:GetCapabilitiesResponse>" % "".join(parts))


def get_device_information(dev, req):
    rec = dev.recorded(TDS, "GetDeviceInformation")
    if rec:
        return Raw(rec)
    return ("<tds:GetDeviceInformationResponse><tds:Manufacturer>camkit</tds:Manufacturer>"
            "<tds:Model>onvif-emu</tds:Model><tds:FirmwareVersion>1.0</tds:FirmwareVersion>"
            "<tds:SerialNumber>EMU-%05d</tds:SerialNumber><tds:HardwareId>emu</tds:HardwareId>"
            "</tds:GetDeviceInformationResponse>" % dev.port)


def get_scopes(dev, req):
    rec = dev.recorded(TDS, "GetScopes")
    if rec:
        return Raw(rec)
    scopes = ["onvif://www.onvif.org/type/video_encoder",
              "onvif://www.onvif.org/Profile/Streaming",
              "onvif://www.onvif.org/name/camkit-emu",
              "onvif://www.onvif.org/hardware/%s" % dev.profile.name]
    return ("<tds:GetScopesResponse>%s</tds:GetScopesResponse>"
            % "".join("<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>%s"
                      "</tt:ScopeItem></tds:Scopes>" % s for s in scopes))


def get_hostname(dev, req):
    rec = dev.recorded(TDS, "GetHostname")
    if rec:
        return Raw(rec)
    return ("<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false"
            "</tt:FromDHCP><tt:Name>camkit-emu</tt:Name></tds:HostnameInformation>"
            "</tds:GetHostnameResponse>")


def add_args(ap):
    ap.add_argument("--ntp-time", action="store_true",
                    help="switching to NTP resets the device clock to real time")


HANDLERS = {
    (TDS, "GetSystemDateAndTime"): get_system_date_and_time,
    (TDS, "SetSystemDateAndTime"): set_system_date_and_time,
    (TDS, "GetNTP"): get_ntp,
    (TDS, "SetNTP"): set_ntp,
    (TDS, "GetServices"): get_services,
    (TDS, "GetCapabilities"): get_capabilities,
    (TDS, "GetDeviceInformation"): get_device_information,
    (TDS, "GetScopes"): get_scopes,
    (TDS, "GetHostname"): get_hostname,
}
