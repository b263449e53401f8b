"""Media (ver10) and Media2 (ver20) services: profiles, stream and snapshot
URIs, video sources, service capabilities.

Recorded responses are served as recorded (Raw) when the device profile has
them; URIs inside get the emulator's host (the device's own address, as a
real camera reports it) unless --quirk keep-xaddrs or --xaddr-host says
otherwise. Media2 recordings made without <Type>All</Type> carry empty
Configurations; a client asking for All then gets the configurations of the
same device's Media recordings (matched by position), as a real device
would answer. The generic profile gets two generated profiles.

Strict: unknown ProfileToken -> ter:InvalidArgVal/ter:NoProfile; Media
StreamSetup must be RTP-Unicast/RTP-Multicast over UDP, TCP, RTSP or HTTP;
Media2 Protocol must be RtspUnicast, RtspMulticast, RTSP, RTSPS or
RtspOverHttp.

Snapshot URIs are served (GET) behind HTTP Digest (--snapshot-auth digest,
the default; basic or none): a JPEG (snapshot.jpg, a 64x48 test pattern)
for the paths GetSnapshotUri handed out or /snapshot/TOKEN.jpg. Digest is
checked as for SOAP (nonce, nc replay, algorithm) plus the uri parameter
against the request line. Every GET is logged (method GET, path, auth).
Generated snapshot URIs are https:// in HTTPS mode (--tls-cert), and point
at --snapshot-base when given.

Quirks: no-media2 (Media2 is neither advertised nor answered),
no-snapshot (GetSnapshotUri -> ter:ActionNotSupported), stream-uri-fault
(GetStreamUri of every profile but the first -> ter:InvalidArgVal/
ter:StreamConflict, like a camera whose sub streams are disabled),
snapshot-not-jpeg (a 200 with an HTML login page, as some cameras answer),
snapshot-truncated (the JPEG without its EOI marker).
"""
import base64
import datetime
import os
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from .core import (Fault, MultiHeader, Raw, digest_challenges, iso, verify_digest,
                   xesc)
from .ns import NS

TRT, TR2, TT = NS["trt"], NS["tr2"], NS["tt"]

GENERATED = [
    # token, name, encoding, width, height, fps, kbps, ptz config
    ("main", "mainStream", "H264", 1920, 1080, 25, 4096, "ptzcfg0"),
    ("sub", "subStream", "H264", 640, 360, 15, 512, None),
]


def _profiles_from_v1(text):
    """[(token, name, encoding, w, h, fps, kbps, ptz, vsrc)] from a Media
    GetProfilesResponse."""
    out = []
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return out
    for p in root.iter("{%s}Profiles" % TRT):
        def t(path):
            e = p.find(path, NS)
            return e.text.strip() if e is not None and e.text else None
        ptz = p.find("tt:PTZConfiguration", NS)
        vsc = p.find("tt:VideoSourceConfiguration", NS)

        def num(v, f=int):
            try:
                return f(v)
            except (TypeError, ValueError):
                return None
        out.append((p.get("token"), t("tt:Name") or "",
                    t("tt:VideoEncoderConfiguration/tt:Encoding"),
                    num(t("tt:VideoEncoderConfiguration/tt:Resolution/tt:Width")),
                    num(t("tt:VideoEncoderConfiguration/tt:Resolution/tt:Height")),
                    num(t("tt:VideoEncoderConfiguration/tt:RateControl/tt:FrameRateLimit"), float),
                    num(t("tt:VideoEncoderConfiguration/tt:RateControl/tt:BitrateLimit")),
                    ptz.get("token") if ptz is not None else None,
                    vsc.findtext("tt:SourceToken", "", NS).strip() if vsc is not None else None))
    return out


def _tokens(text, ns):
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return []
    return [(p.get("token"), (p.findtext("{%s}Name" % ns) or p.findtext("{%s}Name" % TT)
                              or "").strip())
            for p in root.iter("{%s}Profiles" % ns)]


def _fmt(v):
    return ("%g" % v) if isinstance(v, float) else str(v)


with open(os.path.join(os.path.dirname(__file__), "snapshot.jpg"), "rb") as _f:
    SNAPSHOT = _f.read()


def add_args(ap):
    ap.add_argument("--rtsp-port", type=int, default=554,
                    help="port of the generated stream URIs (an RTSP server's)")
    ap.add_argument("--snapshot-auth", choices=["digest", "basic", "none"],
                    default="digest", help="what snapshot GETs demand (default digest)")
    ap.add_argument("--snapshot-base", metavar="URL",
                    help="generated snapshot URIs point at this scheme://host:port "
                    "(another server, as cameras that serve stills elsewhere)")


def serve_snapshot(h):
    """GET of a snapshot URI (see the module text)."""
    dev = h.server.dev
    mode = dev.args.snapshot_auth
    authz = h.headers.get("Authorization")
    rec = {"ts": iso(datetime.datetime.now(datetime.timezone.utc)), "method": "GET",
           "path": h.path, "op": "snapshot"}
    if mode == "digest":
        _, ok, d = verify_digest(dev, "GET", authz)
        if ok and d.get("uri") != h.path:
            ok = False
        rec["digest"] = d or None
    elif mode == "basic":
        want = base64.b64encode(("%s:%s" % (dev.args.user, dev.args.password))
                                .encode()).decode()
        ok = authz == "Basic " + want
    else:
        ok = True
    rec["auth"] = ("digest" if authz and authz.lower().startswith("digest ") else
                   "basic" if authz and authz.lower().startswith("basic ") else "none")
    rec["result"] = "ok" if ok else "unauthorized"
    path = urlsplit(h.path).path
    if ok and path not in dev.state.get("snapshot_paths", set()) and \
            not re.match(r"^/snapshot/[^/]+\.jpg$", path):
        rec["result"] = "not found"
    dev.log(rec)
    if not ok:
        hdrs = (list(MultiHeader("WWW-Authenticate", digest_challenges(dev)).items())
                if mode == "digest" else
                [("WWW-Authenticate", 'Basic realm="%s"' % dev.args.realm)])
        return h.reply(401, "<html><body>401 Unauthorized</body></html>", "text/html",
                       hdrs)
    if rec["result"] != "ok":
        return h.reply(404, "not found\n", "text/plain")
    if "snapshot-not-jpeg" in dev.quirks:
        return h.reply(200, "<html><body>Please log in</body></html>", "text/html")
    body = SNAPSHOT[:-2] if "snapshot-truncated" in dev.quirks else SNAPSHOT
    h.reply(200, body, "image/jpeg")


def init(dev):
    dev.get_handler = serve_snapshot
    st = dev.state
    v1 = dev.recorded(TRT, "GetProfiles")
    v2 = dev.recorded(TR2, "GetProfiles")
    st["media_v1_profiles"] = _profiles_from_v1(v1) if v1 else []
    if not v1 and not v2:
        st["media_v1_profiles"] = [g + ("VideoSource_1",) for g in GENERATED]
    st["media_tokens1"] = [p[0] for p in st["media_v1_profiles"]]
    st["media_tokens2"] = ([t for t, _ in _tokens(v2, TR2)] if v2 else
                           list(st["media_tokens1"]))
    if "no-media2" in dev.quirks:
        dev.services[:] = [s for s in dev.services if s[0] != TR2]


def _host(dev, req):
    if dev.args.xaddr_host:
        return dev.args.xaddr_host.split(":")[0]
    return urlsplit(dev.base_url(req)).hostname or "127.0.0.1"


def _uri(dev, req, recorded_uri, token, first, default):
    """A profile's URI: the recorded one (host replaced by ours), with the
    profile named in the query for all but the first profile."""
    uri = recorded_uri or default
    if "keep-xaddrs" not in dev.quirks and recorded_uri:
        u = urlsplit(uri)
        netloc = _host(dev, req) + (":%d" % u.port if u.port else "")
        if u.username:
            netloc = u.netloc.rsplit("@", 1)[0] + "@" + netloc
        uri = u._replace(netloc=netloc).geturl()
    if recorded_uri and token != first:
        if first and re.search(r"\b%s\b" % re.escape(first), uri):
            # the recording names its profile (Hikvision-style ...&profile=X)
            uri = re.sub(r"\b%s\b" % re.escape(first), token, uri)
        else:
            uri += ("&" if "?" in uri else "?") + "profile=" + token
    return uri


def _recorded_uri(text):
    m = re.search(r"<(?:[\w.-]+:)?Uri>\s*([^<\s]+)\s*</", text or "")
    return m.group(1).replace("&amp;", "&") if m else None


def _serve_uri(dev, req, ns, op, token, tokens, kind):
    if "no-snapshot" in dev.quirks and kind == "snapshot":
        raise Fault(["ter:ActionNotSupported"], "Snapshot not supported", code="Receiver")
    if not token or token not in tokens:
        raise Fault(["ter:InvalidArgVal", "ter:NoProfile"], "no profile %r" % token)
    if "stream-uri-fault" in dev.quirks and kind == "stream" and token != tokens[0]:
        raise Fault(["ter:InvalidArgVal", "ter:StreamConflict"], "stream disabled")
    rec = dev.recorded(ns, op)
    rec_uri = _recorded_uri(rec)
    # SUNBA.405's media1/GetStreamUri.xml is a request: no Uri in a response
    if rec is not None and "%sResponse" % op not in rec:
        rec, rec_uri = None, None
    host = _host(dev, req)
    default = ("rtsp://%s:%d/Streaming/%s" % (host, dev.args.rtsp_port, token)
               if kind == "stream" else
               "%s/snapshot/%s.jpg" % (dev.args.snapshot_base.rstrip("/"), token)
               if dev.args.snapshot_base else
               # HTTPS mode serves the stills over TLS too (the one port)
               "%s://%s:%d/snapshot/%s.jpg" % ("https" if dev.args.tls_cert else "http",
                                               host, dev.port, token))
    uri = _uri(dev, req, rec_uri, token, tokens[0], default)
    if kind == "snapshot":
        dev.state.setdefault("snapshot_paths", set()).add(urlsplit(uri).path)
    if rec and rec_uri:
        return Raw(re.sub(r"(<(?:[\w.-]+:)?Uri>)\s*[^<]*?\s*(</)",
                          lambda m: m.group(1) + xesc(uri) + m.group(2), rec, 1))
    if ns == TR2:
        return "<tr2:%sResponse><tr2:Uri>%s</tr2:Uri></tr2:%sResponse>" % (op, xesc(uri), op)
    return ("<trt:%sResponse><trt:MediaUri><tt:Uri>%s</tt:Uri><tt:InvalidAfterConnect>false"
            "</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>"
            "<tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:%sResponse>"
            % (op, xesc(uri), op))


def _no_media2(dev):
    if "no-media2" in dev.quirks:
        raise Fault(["ter:ActionNotSupported"], "Optional Action Not Implemented",
                    code="Receiver")


# ---------------- Media (ver10) ----------------

def _v1_profile_xml(p):
    tok, name, enc, w, h, fps, kbps, ptz, vsrc = p
    return ('<trt:Profiles token="%s" fixed="true"><tt:Name>%s</tt:Name>'
            '<tt:VideoSourceConfiguration token="vsc0"><tt:Name>vsc0</tt:Name>'
            '<tt:UseCount>2</tt:UseCount><tt:SourceToken>%s</tt:SourceToken>'
            '<tt:Bounds x="0" y="0" width="1920" height="1080"/></tt:VideoSourceConfiguration>'
            '<tt:VideoEncoderConfiguration token="enc_%s"><tt:Name>enc_%s</tt:Name>'
            '<tt:UseCount>1</tt:UseCount><tt:Encoding>%s</tt:Encoding><tt:Resolution>'
            '<tt:Width>%d</tt:Width><tt:Height>%d</tt:Height></tt:Resolution>'
            '<tt:Quality>4</tt:Quality><tt:RateControl><tt:FrameRateLimit>%s</tt:FrameRateLimit>'
            '<tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>%d</tt:BitrateLimit>'
            '</tt:RateControl><tt:SessionTimeout>PT60S</tt:SessionTimeout>'
            '</tt:VideoEncoderConfiguration>%s</trt:Profiles>'
            % (xesc(tok), xesc(name), xesc(vsrc or "VideoSource_1"), xesc(tok), xesc(tok),
               enc, w, h, _fmt(fps), kbps,
               '<tt:PTZConfiguration token="%s"><tt:Name>%s</tt:Name><tt:UseCount>1'
               '</tt:UseCount><tt:NodeToken>node0</tt:NodeToken></tt:PTZConfiguration>'
               % (ptz, ptz) if ptz else ""))


def get_profiles(dev, req):
    rec = dev.recorded(TRT, "GetProfiles")
    if rec:
        return Raw(rec)
    return ("<trt:GetProfilesResponse>%s</trt:GetProfilesResponse>"
            % "".join(_v1_profile_xml(p) for p in dev.state["media_v1_profiles"]))


def get_profile(dev, req):
    tok = req.text("trt:ProfileToken")
    for p in dev.state["media_v1_profiles"]:
        if p[0] == tok:
            return ("<trt:GetProfileResponse>%s</trt:GetProfileResponse>"
                    % _v1_profile_xml(p).replace("trt:Profiles", "trt:Profile"))
    raise Fault(["ter:InvalidArgVal", "ter:NoProfile"], "no profile %r" % tok)


def get_stream_uri(dev, req):
    stream = req.text("trt:StreamSetup/tt:Stream")
    proto = req.text("trt:StreamSetup/tt:Transport/tt:Protocol")
    if stream not in ("RTP-Unicast", "RTP-Multicast"):
        raise Fault(["ter:InvalidArgVal", "ter:InvalidStreamSetup"], "bad Stream %r" % stream)
    if proto not in ("UDP", "TCP", "RTSP", "HTTP"):
        raise Fault(["ter:InvalidArgVal", "ter:InvalidStreamSetup"], "bad Protocol %r" % proto)
    return _serve_uri(dev, req, TRT, "GetStreamUri", req.text("trt:ProfileToken"),
                      dev.state["media_tokens1"], "stream")


def get_snapshot_uri(dev, req):
    return _serve_uri(dev, req, TRT, "GetSnapshotUri", req.text("trt:ProfileToken"),
                      dev.state["media_tokens1"], "snapshot")


def get_video_sources(dev, req):
    rec = dev.recorded(TRT, "GetVideoSources")
    if rec:
        return Raw(rec)
    return ('<trt:GetVideoSourcesResponse><trt:VideoSources token="VideoSource_1">'
            '<tt:Framerate>25</tt:Framerate><tt:Resolution><tt:Width>1920</tt:Width>'
            '<tt:Height>1080</tt:Height></tt:Resolution></trt:VideoSources>'
            '</trt:GetVideoSourcesResponse>')


def get_service_capabilities(dev, req):
    rec = dev.recorded(TRT, "GetServiceCapabilities")
    if rec:
        return Raw(rec)
    return ('<trt:GetServiceCapabilitiesResponse><trt:Capabilities SnapshotUri="true" '
            'Rotation="false"><trt:ProfileCapabilities MaximumNumberOfProfiles="8"/>'
            '<trt:StreamingCapabilities RTPMulticast="false" RTP_TCP="true" '
            'RTP_RTSP_TCP="true"/></trt:Capabilities></trt:GetServiceCapabilitiesResponse>')


# ---------------- Media2 (ver20) ----------------

def _v2_profile_xml(tok, name, p):
    conf = ""
    if p is not None:
        _, _, enc, w, h, fps, kbps, ptz, vsrc = p
        if vsrc:
            conf += ('<tr2:VideoSource token="vsc0"><tt:Name>vsc0</tt:Name><tt:UseCount>2'
                     '</tt:UseCount><tt:SourceToken>%s</tt:SourceToken><tt:Bounds x="0" '
                     'y="0" width="%d" height="%d"/></tr2:VideoSource>'
                     % (xesc(vsrc), w or 0, h or 0))
        if enc:
            conf += ('<tr2:VideoEncoder token="enc_%s" GovLength="50" Profile="Main">'
                     '<tt:Name>enc_%s</tt:Name><tt:UseCount>1</tt:UseCount>'
                     '<tt:Encoding>%s</tt:Encoding>%s%s<tt:Quality>4</tt:Quality>'
                     '</tr2:VideoEncoder>'
                     % (xesc(tok), xesc(tok), enc,
                        "<tt:Resolution><tt:Width>%d</tt:Width><tt:Height>%d</tt:Height>"
                        "</tt:Resolution>" % (w, h) if w and h else "",
                        "<tt:RateControl ConstantBitRate=\"false\"><tt:FrameRateLimit>%s"
                        "</tt:FrameRateLimit><tt:BitrateLimit>%d</tt:BitrateLimit>"
                        "</tt:RateControl>" % (_fmt(fps), kbps) if fps and kbps else ""))
        if ptz:
            conf += ('<tr2:PTZ token="%s"><tt:Name>%s</tt:Name><tt:UseCount>1</tt:UseCount>'
                     '<tt:NodeToken>node0</tt:NodeToken></tr2:PTZ>' % (xesc(ptz), xesc(ptz)))
    return ('<tr2:Profiles token="%s" fixed="true"><tr2:Name>%s</tr2:Name>'
            '<tr2:Configurations>%s</tr2:Configurations></tr2:Profiles>'
            % (xesc(tok), xesc(name), conf))


def get_profiles2(dev, req):
    _no_media2(dev)
    types = [t.text.strip() for t in req.op.findall("tr2:Type", NS) if t.text]
    for t in types:
        if t not in ("All", "VideoSource", "VideoEncoder", "AudioSource", "AudioEncoder",
                     "AudioOutput", "AudioDecoder", "Metadata", "Analytics", "PTZ"):
            raise Fault(["ter:InvalidArgVal", "ter:ConfigurationConflict"], "bad Type %r" % t)
    want = req.text("tr2:Token")
    rec = dev.recorded(TR2, "GetProfiles")
    v1 = dev.state["media_v1_profiles"]
    if rec and not want and (not types or re.search(r"<(?:[\w.-]+:)?VideoEncoder\b", rec)):
        return Raw(rec)
    profs = _tokens(rec, TR2) if rec else [(p[0], p[1]) for p in v1]
    out = []
    for i, (tok, name) in enumerate(profs):
        if want and tok != want:
            continue
        # configurations only when asked for (Type), as the standard says
        out.append(_v2_profile_xml(tok, name, v1[i] if types and i < len(v1) else None))
    if want and not out:
        raise Fault(["ter:InvalidArgVal", "ter:NoProfile"], "no profile %r" % want)
    return "<tr2:GetProfilesResponse>%s</tr2:GetProfilesResponse>" % "".join(out)


def get_stream_uri2(dev, req):
    _no_media2(dev)
    proto = req.text("tr2:Protocol")
    if proto not in ("RtspUnicast", "RtspMulticast", "RTSP", "RTSPS", "RtspOverHttp"):
        raise Fault(["ter:InvalidArgVal", "ter:InvalidStreamSetup"], "bad Protocol %r" % proto)
    return _serve_uri(dev, req, TR2, "GetStreamUri", req.text("tr2:ProfileToken"),
                      dev.state["media_tokens2"], "stream")


def get_snapshot_uri2(dev, req):
    _no_media2(dev)
    return _serve_uri(dev, req, TR2, "GetSnapshotUri", req.text("tr2:ProfileToken"),
                      dev.state["media_tokens2"], "snapshot")


def get_service_capabilities2(dev, req):
    _no_media2(dev)
    rec = dev.recorded(TR2, "GetServiceCapabilities")
    if rec:
        return Raw(rec)
    return ('<tr2:GetServiceCapabilitiesResponse><tr2:Capabilities SnapshotUri="true" '
            'Rotation="false" VideoSourceMode="false" OSD="false"><tr2:ProfileCapabilities '
            'MaximumNumberOfProfiles="8" ConfigurationsSupported="VideoSource VideoEncoder PTZ"/>'
            '<tr2:StreamingCapabilities RTSPStreaming="true" RTPMulticast="false" '
            'RTP_RTSP_TCP="true"/></tr2:Capabilities></tr2:GetServiceCapabilitiesResponse>')


HANDLERS = {
    (TRT, "GetProfiles"): get_profiles,
    (TRT, "GetProfile"): get_profile,
    (TRT, "GetStreamUri"): get_stream_uri,
    (TRT, "GetSnapshotUri"): get_snapshot_uri,
    (TRT, "GetVideoSources"): get_video_sources,
    (TRT, "GetServiceCapabilities"): get_service_capabilities,
    (TR2, "GetProfiles"): get_profiles2,
    (TR2, "GetStreamUri"): get_stream_uri2,
    (TR2, "GetSnapshotUri"): get_snapshot_uri2,
    (TR2, "GetServiceCapabilities"): get_service_capabilities2,
}
