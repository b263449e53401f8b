"""PTZ service (ver20/ptz/wsdl) with a simulated head that really moves.

The node, configuration, presets and starting position come from the
profile's recordings (GetNodes, GetConfigurations, GetPresets, GetStatus);
what is not recorded is generated (generic spaces, -1..1 pan/tilt, 0..1
zoom). GetStatus answers in the recorded shape: no `space` attribute when
the recording had none (IPD-H4K8M05-BS), no MoveStatus when it had none and
its tt:Error (ENP1A14), a 1970 UtcTime when the recording's clock was never
set (SUNBA.405).

The head: ContinuousMove sets a velocity (0.5 generic units per second at
velocity 1) until Stop or the request's Timeout (or the configuration's
DefaultPTZTimeout); with --quirk ptz-timeout-ignored only Stop stops it, as
on some cameras; --quirk ptz-no-presets makes GetPresets fault
(ActionNotSupported) like cameras without presets. RelativeMove/AbsoluteMove/GotoPreset/GotoHomePosition move
at once. Values outside the node's ranges get ter:InvalidArgVal faults.

When no other module serves Media GetProfiles, a fallback answers with the
recorded profiles, or one generated profile that carries the recorded PTZ
configuration (so the ex_onvif PTZ recordings can be driven end to end).
"""
import re
import time
import xml.etree.ElementTree as ET

from .core import Fault, Raw, xesc, iso
from .ns import NS, q

TPTZ, TT, TRT, TR2 = NS["tptz"], NS["tt"], NS["trt"], NS["tr2"]
GEN_PT_POS = "http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace"
GEN_Z_POS = "http://www.onvif.org/ver10/tptz/ZoomSpaces/PositionGenericSpace"
RATE = 0.5   # generic units per second at velocity 1

SPACES = ["AbsolutePanTiltPositionSpace", "AbsoluteZoomPositionSpace",
          "RelativePanTiltTranslationSpace", "RelativeZoomTranslationSpace",
          "ContinuousPanTiltVelocitySpace", "ContinuousZoomVelocitySpace",
          "PanTiltSpeedSpace", "ZoomSpeedSpace"]
GEN_URIS = {
    "AbsolutePanTiltPositionSpace": GEN_PT_POS,
    "AbsoluteZoomPositionSpace": GEN_Z_POS,
    "RelativePanTiltTranslationSpace":
        "http://www.onvif.org/ver10/tptz/PanTiltSpaces/TranslationGenericSpace",
    "RelativeZoomTranslationSpace":
        "http://www.onvif.org/ver10/tptz/ZoomSpaces/TranslationGenericSpace",
    "ContinuousPanTiltVelocitySpace":
        "http://www.onvif.org/ver10/tptz/PanTiltSpaces/VelocityGenericSpace",
    "ContinuousZoomVelocitySpace":
        "http://www.onvif.org/ver10/tptz/ZoomSpaces/VelocityGenericSpace",
    "PanTiltSpeedSpace": "http://www.onvif.org/ver10/tptz/PanTiltSpaces/GenericSpeedSpace",
    "ZoomSpeedSpace": "http://www.onvif.org/ver10/tptz/ZoomSpaces/ZoomGenericSpeedSpace",
}
GEN_RANGES = {
    "AbsolutePanTiltPositionSpace": ((-1, 1), (-1, 1)),
    "AbsoluteZoomPositionSpace": ((0, 1), None),
    "RelativePanTiltTranslationSpace": ((-1, 1), (-1, 1)),
    "RelativeZoomTranslationSpace": ((-1, 1), None),
    "ContinuousPanTiltVelocitySpace": ((-1, 1), (-1, 1)),
    "ContinuousZoomVelocitySpace": ((-1, 1), None),
    "PanTiltSpeedSpace": ((0, 1), None),
    "ZoomSpeedSpace": ((0, 1), None),
}


def _parse(text):
    try:
        return ET.fromstring(text) if text else None
    except ET.ParseError:
        return None


def _rng(el):
    if el is None:
        return None
    try:
        return (float(el.findtext(q("tt", "Min"))), float(el.findtext(q("tt", "Max"))))
    except (TypeError, ValueError):
        return None


def _fmt(v):
    r = ("%.6f" % v).rstrip("0").rstrip(".")
    return "0" if r in ("-0", "") else r


def init(dev):
    st = dev.state
    # node: recorded GetNodes, else generic
    node = {"token": "PTZNodeToken", "name": "PTZNode", "spaces": {}, "home": True,
            "max_presets": 100}
    root = _parse(dev.recorded(TPTZ, "GetNodes"))
    n = root.find(".//" + q("tptz", "PTZNode")) if root is not None else None
    if n is not None:
        node["token"] = n.get("token", node["token"])
        node["name"] = (n.findtext(q("tt", "Name")) or node["name"]).strip()
        sp = n.find(q("tt", "SupportedPTZSpaces"))
        for name in SPACES:
            e = sp.find(q("tt", name)) if sp is not None else None
            if e is not None:
                node["spaces"][name] = (
                    (e.findtext(q("tt", "URI")) or "").strip(),
                    _rng(e.find(q("tt", "XRange"))), _rng(e.find(q("tt", "YRange"))))
    if not node["spaces"]:
        for name in SPACES:
            x, y = GEN_RANGES[name]
            node["spaces"][name] = (GEN_URIS[name], x, y)
    st["ptz_node"] = node
    # configuration: recorded GetConfigurations (first), else generated
    cfg = {"token": "PTZToken", "name": "PTZ", "speed": (0.5, 0.5, 0.5), "timeout": 5.0,
           "xml": None}
    root = _parse(dev.recorded(TPTZ, "GetConfigurations"))
    c = root.find(".//" + q("tptz", "PTZConfiguration")) if root is not None else None
    if c is not None:
        cfg["token"] = c.get("token", cfg["token"])
        cfg["name"] = (c.findtext(q("tt", "Name")) or "PTZ").strip()
        cfg["xml"] = ET.tostring(c, encoding="unicode")
        m = re.fullmatch(r"PT(?:(\d+)M)?(\d+(?:\.\d+)?)S",
                         (c.findtext(q("tt", "DefaultPTZTimeout")) or "").strip())
        if m:
            cfg["timeout"] = int(m.group(1) or 0) * 60 + float(m.group(2))
    st["ptz_cfg"] = cfg
    # status shape and starting position
    rec = dev.recorded(TPTZ, "GetStatus") or ""
    root = _parse(rec)
    pos = [0.0, 0.0, 0.0]
    shape = {"space": True, "movestatus": True, "error": None, "utc": None, "ints": False}
    if root is not None:
        pt = root.find(".//" + q("tt", "Position") + "/" + q("tt", "PanTilt"))
        z = root.find(".//" + q("tt", "Position") + "/" + q("tt", "Zoom"))
        try:
            if pt is not None:
                pos[0], pos[1] = float(pt.get("x")), float(pt.get("y"))
                shape["space"] = pt.get("space") is not None
                shape["ints"] = re.fullmatch(r"-?\d+", pt.get("x") or "") is not None \
                    and pt.get("space") is None
            if z is not None:
                pos[2] = float(z.get("x"))
        except (TypeError, ValueError):
            pass
        shape["movestatus"] = root.find(".//" + q("tt", "MoveStatus")) is not None
        err = root.find(".//" + q("tptz", "PTZStatus") + "/" + q("tt", "Error"))
        shape["error"] = err.text if err is not None else None
        utc = (root.findtext(".//" + q("tt", "UtcTime")) or "").strip()
        if utc.startswith("19"):
            shape["utc"] = utc     # the clock was never set: keep it so
    st["ptz_shape"] = shape
    st["ptz_pos"] = pos
    st["ptz_vel"] = [0.0, 0.0, 0.0]
    st["ptz_until"] = None          # monotonic end of a continuous move
    st["ptz_t"] = time.monotonic()
    st["ptz_home"] = [0.0, 0.0, 0.0]
    # presets
    presets = []
    root = _parse(dev.recorded(TPTZ, "GetPresets"))
    if root is not None:
        for p in root.iter(q("tptz", "Preset")):
            tok = p.get("token")
            if not tok:
                continue
            pp = p.find(q("tt", "PTZPosition"))
            ppos = None
            if pp is not None:
                try:
                    a = pp.find(q("tt", "PanTilt"))
                    b = pp.find(q("tt", "Zoom"))
                    ppos = [float(a.get("x")) if a is not None else 0.0,
                            float(a.get("y")) if a is not None else 0.0,
                            float(b.get("x")) if b is not None else 0.0]
                except (TypeError, ValueError):
                    ppos = None
            presets.append({"token": tok, "name": (p.findtext(q("tt", "Name")) or "").strip(),
                            "pos": ppos})
    st["ptz_presets"] = presets
    st["ptz_next"] = len(presets) + 1
    # media fallback so that the PTZ profile can be found
    dev.handlers.setdefault((TRT, "GetProfiles"), get_profiles_fallback)
    if not any(ns == TRT for ns, _, _ in dev.services) and not dev.recorded(
            NS["tds"], "GetServices"):
        dev.services.append((TRT, "/onvif/media_service", "2.60"))
    if not any(ns == TPTZ for ns, _, _ in dev.services):
        dev.services.append((TPTZ, "/onvif/ptz_service", "2.60"))


def _advance(dev):
    """Integrates the continuous motion up to now."""
    st = dev.state
    now = time.monotonic()
    end = now
    if st["ptz_until"] is not None and "ptz-timeout-ignored" not in dev.quirks:
        end = min(now, st["ptz_until"])
    dt = max(0.0, end - st["ptz_t"])
    if any(st["ptz_vel"]):
        sp = st["ptz_node"]["spaces"]
        rx = (sp.get("AbsolutePanTiltPositionSpace") or (None, (-1, 1), (-1, 1)))
        rz = (sp.get("AbsoluteZoomPositionSpace") or (None, (0, 1), None))
        lims = [rx[1] or (-1, 1), rx[2] or (-1, 1), rz[1] or (0, 1)]
        for i in range(3):
            v = st["ptz_pos"][i] + st["ptz_vel"][i] * RATE * dt
            st["ptz_pos"][i] = min(max(v, lims[i][0]), lims[i][1])
    st["ptz_t"] = now
    if st["ptz_until"] is not None and now >= st["ptz_until"] \
            and "ptz-timeout-ignored" not in dev.quirks:
        st["ptz_vel"] = [0.0, 0.0, 0.0]
        st["ptz_until"] = None


def _profile_check(dev, req):
    tok = req.text("tptz:ProfileToken")
    if tok is None:
        raise Fault(["ter:InvalidArgVal", "ter:NoProfile"], "ProfileToken missing")
    st = dev.state
    known = set(st.get("media_tokens1") or []) | set(st.get("media_tokens2") or [])
    if dev.handlers.get((TRT, "GetProfiles")) is get_profiles_fallback:
        known |= _profile_tokens(dev)
    if known and tok not in known:
        raise Fault(["ter:InvalidArgVal", "ter:NoProfile"], "no profile %s" % tok)
    return tok


def _profile_tokens(dev):
    toks = set(re.findall(r'<(?:[\w.-]+:)?Profiles[^>]*\btoken="([^"]+)"',
                          dev.recorded(TRT, "GetProfiles") or ""))
    toks |= set(re.findall(r'<(?:[\w.-]+:)?Profiles[^>]*\btoken="([^"]+)"',
                           dev.recorded(TR2, "GetProfiles") or ""))
    return toks | {"Profile_1"}


def _check(dev, space, axis, v, what):
    s = dev.state["ptz_node"]["spaces"].get(space)
    if s is None:
        raise Fault(["ter:InvalidArgVal", "ter:NoSpace"], "%s not supported" % space)
    r = s[1] if axis == 0 else s[2]
    if r is not None and not (r[0] - 1e-6 <= v <= r[1] + 1e-6):
        raise Fault(["ter:InvalidArgVal", "ter:InvalidPosition" if "Position" in space
                     else "ter:InvalidSpeed" if "Speed" in space else "ter:InvalidVelocity"
                     if "Velocity" in space else "ter:InvalidTranslation"],
                    "%s %s out of range" % (what, v))


def _vec(dev, el, pt_space, z_space):
    """(x, y, z) from a PTZVector-like element; None for absent axes."""
    out = [None, None, None]
    if el is None:
        return out
    pt, z = el.find(q("tt", "PanTilt")), el.find(q("tt", "Zoom"))
    try:
        if pt is not None:
            out[0], out[1] = float(pt.get("x")), float(pt.get("y"))
            if pt_space:
                _check(dev, pt_space, 0, out[0], "x")
                _check(dev, pt_space, 1, out[1], "y")
        if z is not None:
            out[2] = float(z.get("x"))
            if z_space:
                _check(dev, z_space, 0, out[2], "zoom")
    except (TypeError, ValueError):
        raise Fault(["ter:InvalidArgVal"], "non-numeric coordinate")
    return out


def get_nodes(dev, req):
    rec = dev.recorded(TPTZ, "GetNodes")
    if rec:
        return Raw(rec)
    return "<tptz:GetNodesResponse>%s</tptz:GetNodesResponse>" % _node_xml(dev)


def get_node(dev, req):
    tok = req.text("tptz:NodeToken")
    node = dev.state["ptz_node"]
    if tok != node["token"]:
        raise Fault(["ter:InvalidArgVal", "ter:NoEntity"], "no node %s" % tok)
    return "<tptz:GetNodeResponse>%s</tptz:GetNodeResponse>" % _node_xml(
        dev, "tptz:PTZNode")


def _node_xml(dev, tag="tptz:PTZNode"):
    node = dev.state["ptz_node"]
    sp = []
    for name in SPACES:
        s = node["spaces"].get(name)
        if s is None:
            continue
        r = "".join("<tt:%s><tt:Min>%s</tt:Min><tt:Max>%s</tt:Max></tt:%s>"
                    % (k, _fmt(v[0]), _fmt(v[1]), k)
                    for k, v in (("XRange", s[1]), ("YRange", s[2])) if v)
        sp.append("<tt:%s><tt:URI>%s</tt:URI>%s</tt:%s>" % (name, xesc(s[0]), r, name))
    return ('<%s token="%s"><tt:Name>%s</tt:Name><tt:SupportedPTZSpaces>%s'
            "</tt:SupportedPTZSpaces><tt:MaximumNumberOfPresets>%d</tt:MaximumNumberOfPresets>"
            "<tt:HomeSupported>true</tt:HomeSupported></%s>"
            % (tag, xesc(node["token"]), xesc(node["name"]), "".join(sp),
               node["max_presets"], tag))


def _config_xml(dev, tag):
    cfg = dev.state["ptz_cfg"]
    if cfg["xml"]:
        # the recorded element, re-tagged
        x = re.sub(r"^<[^ >]+", "<" + tag, cfg["xml"], 1)
        return re.sub(r"</[^>]+>\s*$", "</%s>" % tag, x)
    return ('<%s token="%s"><tt:Name>%s</tt:Name><tt:UseCount>1</tt:UseCount>'
            "<tt:NodeToken>%s</tt:NodeToken><tt:DefaultPTZSpeed>"
            '<tt:PanTilt x="0.5" y="0.5" space="%s"/><tt:Zoom x="0.5" space="%s"/>'
            "</tt:DefaultPTZSpeed><tt:DefaultPTZTimeout>PT5S</tt:DefaultPTZTimeout></%s>"
            % (tag, xesc(cfg["token"]), xesc(cfg["name"]),
               xesc(dev.state["ptz_node"]["token"]), GEN_URIS["PanTiltSpeedSpace"],
               GEN_URIS["ZoomSpeedSpace"], tag))


def get_configurations(dev, req):
    rec = dev.recorded(TPTZ, "GetConfigurations")
    if rec:
        return Raw(rec)
    return ("<tptz:GetConfigurationsResponse>%s</tptz:GetConfigurationsResponse>"
            % _config_xml(dev, "tptz:PTZConfiguration"))


def get_profiles_fallback(dev, req):
    rec = dev.recorded(TRT, "GetProfiles")
    if rec:
        return Raw(rec)
    return ('<trt:GetProfilesResponse><trt:Profiles token="Profile_1" fixed="true">'
            "<tt:Name>Profile_1</tt:Name>%s</trt:Profiles></trt:GetProfilesResponse>"
            % _config_xml(dev, "tt:PTZConfiguration"))


def get_status(dev, req):
    _profile_check(dev, req)
    with dev.lock:
        _advance(dev)
        st = dev.state
        shape = st["ptz_shape"]
        x, y, z = st["ptz_pos"]
        moving = any(st["ptz_vel"][:2]), st["ptz_vel"][2] != 0
    if shape["ints"]:
        pts = ('<tt:PanTilt x="%d" y="%d"/>' % (round(x), round(y)),
               '<tt:Zoom x="%d"/>' % round(z))
    elif shape["space"]:
        pts = ('<tt:PanTilt x="%s" y="%s" space="%s"/>' % (_fmt(x), _fmt(y), GEN_PT_POS),
               '<tt:Zoom x="%s" space="%s"/>' % (_fmt(z), GEN_Z_POS))
    else:
        pts = ('<tt:PanTilt x="%s" y="%s"/>' % (_fmt(x), _fmt(y)),
               '<tt:Zoom x="%s"/>' % _fmt(z))
    ms = ("<tt:MoveStatus><tt:PanTilt>%s</tt:PanTilt><tt:Zoom>%s</tt:Zoom></tt:MoveStatus>"
          % ("MOVING" if moving[0] else "IDLE", "MOVING" if moving[1] else "IDLE")
          if shape["movestatus"] else "")
    err = "<tt:Error>%s</tt:Error>" % xesc(shape["error"]) if shape["error"] else ""
    utc = shape["utc"] or iso(dev.now()).split(".")[0] + "Z"
    return ("<tptz:GetStatusResponse><tptz:PTZStatus><tt:Position>%s%s</tt:Position>"
            "%s%s<tt:UtcTime>%s</tt:UtcTime></tptz:PTZStatus></tptz:GetStatusResponse>"
            % (pts[0], pts[1], ms, err, utc))


def continuous_move(dev, req):
    _profile_check(dev, req)
    v = _vec(dev, req.find("tptz:Velocity"), "ContinuousPanTiltVelocitySpace",
             "ContinuousZoomVelocitySpace")
    if v == [None, None, None]:
        raise Fault(["ter:InvalidArgVal"], "Velocity missing")
    t = req.text("tptz:Timeout")
    timeout = dev.state["ptz_cfg"]["timeout"]
    if t is not None:
        m = re.fullmatch(r"PT(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?", t)
        if not m or not (m.group(1) or m.group(2)):
            raise Fault(["ter:InvalidArgVal", "ter:InvalidTimeout"], "bad Timeout")
        timeout = int(m.group(1) or 0) * 60 + float(m.group(2) or 0)
    with dev.lock:
        _advance(dev)
        st = dev.state
        for i in range(3):
            st["ptz_vel"][i] = v[i] or 0.0
        st["ptz_until"] = time.monotonic() + timeout
    return "<tptz:ContinuousMoveResponse/>"


def stop(dev, req):
    _profile_check(dev, req)
    pt = (req.text("tptz:PanTilt") or "true") in ("true", "1")
    zm = (req.text("tptz:Zoom") or "true") in ("true", "1")
    with dev.lock:
        _advance(dev)
        st = dev.state
        if pt:
            st["ptz_vel"][0] = st["ptz_vel"][1] = 0.0
        if zm:
            st["ptz_vel"][2] = 0.0
        if not any(st["ptz_vel"]):
            st["ptz_until"] = None
    return "<tptz:StopResponse/>"


def _goto(dev, target):
    with dev.lock:
        _advance(dev)
        st = dev.state
        st["ptz_vel"] = [0.0, 0.0, 0.0]
        st["ptz_until"] = None
        for i in range(3):
            if target[i] is not None:
                st["ptz_pos"][i] = target[i]


def relative_move(dev, req):
    _profile_check(dev, req)
    d = _vec(dev, req.find("tptz:Translation"), "RelativePanTiltTranslationSpace",
             "RelativeZoomTranslationSpace")
    _vec(dev, req.find("tptz:Speed"), "PanTiltSpeedSpace", "ZoomSpeedSpace")
    sp = dev.state["ptz_node"]["spaces"]
    with dev.lock:
        pos = list(dev.state["ptz_pos"])
    tgt = [None, None, None]
    lims = [(sp.get("AbsolutePanTiltPositionSpace") or (0, (-1, 1), (-1, 1)))[1] or (-1, 1),
            (sp.get("AbsolutePanTiltPositionSpace") or (0, (-1, 1), (-1, 1)))[2] or (-1, 1),
            (sp.get("AbsoluteZoomPositionSpace") or (0, (0, 1), None))[1] or (0, 1)]
    for i in range(3):
        if d[i] is not None:
            tgt[i] = min(max(pos[i] + d[i], lims[i][0]), lims[i][1])
    _goto(dev, tgt)
    return "<tptz:RelativeMoveResponse/>"


def absolute_move(dev, req):
    _profile_check(dev, req)
    p = _vec(dev, req.find("tptz:Position"), "AbsolutePanTiltPositionSpace",
             "AbsoluteZoomPositionSpace")
    _vec(dev, req.find("tptz:Speed"), "PanTiltSpeedSpace", "ZoomSpeedSpace")
    if p == [None, None, None]:
        raise Fault(["ter:InvalidArgVal"], "Position missing")
    _goto(dev, p)
    return "<tptz:AbsoluteMoveResponse/>"


def get_presets(dev, req):
    _profile_check(dev, req)
    if "ptz-no-presets" in dev.quirks:
        raise Fault(["ter:ActionNotSupported"], "Optional Action Not Implemented",
                    code="Receiver")
    out = []
    with dev.lock:
        for p in dev.state["ptz_presets"]:
            pos = ""
            if p["pos"] is not None:
                pos = ('<tt:PTZPosition><tt:PanTilt x="%s" y="%s" space="%s"/>'
                       '<tt:Zoom x="%s" space="%s"/></tt:PTZPosition>'
                       % (_fmt(p["pos"][0]), _fmt(p["pos"][1]), GEN_PT_POS,
                          _fmt(p["pos"][2]), GEN_Z_POS))
            out.append('<tptz:Preset token="%s"><tt:Name>%s</tt:Name>%s</tptz:Preset>'
                       % (xesc(p["token"]), xesc(p["name"]), pos))
    return "<tptz:GetPresetsResponse>%s</tptz:GetPresetsResponse>" % "".join(out)


def set_preset(dev, req):
    _profile_check(dev, req)
    name = req.text("tptz:PresetName")
    tok = req.text("tptz:PresetToken")
    with dev.lock:
        _advance(dev)
        st = dev.state
        presets = st["ptz_presets"]
        if name is not None and any(p["name"] == name and p["token"] != tok
                                    for p in presets):
            raise Fault(["ter:InvalidArgVal", "ter:PresetExist"], "name in use")
        if tok is not None:
            p = next((p for p in presets if p["token"] == tok), None)
            if p is None:
                raise Fault(["ter:InvalidArgVal", "ter:NoToken"], "no preset %s" % tok)
        else:
            if len(presets) >= st["ptz_node"]["max_presets"]:
                raise Fault(["ter:Action", "ter:TooManyPresets"], "too many presets",
                            code="Receiver")
            tok = "PresetToken%03d" % st["ptz_next"]
            st["ptz_next"] += 1
            p = {"token": tok, "name": name or tok, "pos": None}
            presets.append(p)
        if name is not None:
            p["name"] = name
        p["pos"] = list(st["ptz_pos"])
    return ("<tptz:SetPresetResponse><tptz:PresetToken>%s</tptz:PresetToken>"
            "</tptz:SetPresetResponse>" % xesc(tok))


def _preset(dev, req):
    tok = req.text("tptz:PresetToken")
    with dev.lock:
        p = next((p for p in dev.state["ptz_presets"] if p["token"] == tok), None)
    if p is None:
        raise Fault(["ter:InvalidArgVal", "ter:NoToken"], "no preset %s" % tok)
    return p


def goto_preset(dev, req):
    _profile_check(dev, req)
    p = _preset(dev, req)
    _vec(dev, req.find("tptz:Speed"), "PanTiltSpeedSpace", "ZoomSpeedSpace")
    if p["pos"] is not None:
        _goto(dev, p["pos"])
    return "<tptz:GotoPresetResponse/>"


def remove_preset(dev, req):
    _profile_check(dev, req)
    p = _preset(dev, req)
    with dev.lock:
        dev.state["ptz_presets"].remove(p)
    return "<tptz:RemovePresetResponse/>"


def goto_home(dev, req):
    _profile_check(dev, req)
    _vec(dev, req.find("tptz:Speed"), "PanTiltSpeedSpace", "ZoomSpeedSpace")
    _goto(dev, list(dev.state["ptz_home"]))
    return "<tptz:GotoHomePositionResponse/>"


def set_home(dev, req):
    _profile_check(dev, req)
    with dev.lock:
        _advance(dev)
        dev.state["ptz_home"] = list(dev.state["ptz_pos"])
    return "<tptz:SetHomePositionResponse/>"


HANDLERS = {
    (TPTZ, "GetNodes"): get_nodes,
    (TPTZ, "GetNode"): get_node,
    (TPTZ, "GetConfigurations"): get_configurations,
    (TPTZ, "GetStatus"): get_status,
    (TPTZ, "GetPresets"): get_presets,
    (TPTZ, "SetPreset"): set_preset,
    (TPTZ, "GotoPreset"): goto_preset,
    (TPTZ, "RemovePreset"): remove_preset,
    (TPTZ, "GotoHomePosition"): goto_home,
    (TPTZ, "SetHomePosition"): set_home,
    (TPTZ, "ContinuousMove"): continuous_move,
    (TPTZ, "RelativeMove"): relative_move,
    (TPTZ, "AbsoluteMove"): absolute_move,
    (TPTZ, "Stop"): stop,
}
