"""A strict ONVIF device emulator: HTTP server, SOAP parsing, WS-Security and
HTTP Digest verification, faults shaped like real cameras', request log.

Operation handlers live in the other modules of this package: every module
that defines HANDLERS = {(namespace_uri, operation_local_name): handler} is
loaded. A handler is called as handler(dev, req) and returns the Body
content (str, using the prefixes of ns.NS, which are declared on the
envelope), or Raw(text) for a complete envelope served as is, or raises
Fault / HttpError. See README.md.
"""
import argparse
import base64
import datetime
import email.utils
import hashlib
import importlib
import json
import os
import pkgutil
import re
import secrets
import socket
import ssl
import sys
import threading
import time
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import profiles
from .ns import NS, ENVELOPE_PREFIXES, ODD, q

MAX_BODY = 1 << 20


class Fault(Exception):
    """A SOAP fault: code 'Sender'/'Receiver', subcodes like 'ter:NotAuthorized'."""

    def __init__(self, subcodes=(), reason="", code="Sender", status=None):
        super().__init__(reason)
        self.code, self.subcodes, self.reason = code, list(subcodes), reason
        self.status = status


class HttpError(Exception):
    """A plain HTTP error reply (e.g. 500 with an HTML body)."""

    def __init__(self, status, body="", ctype="text/html", headers=None):
        super().__init__("HTTP %d" % status)
        self.status, self.body, self.ctype = status, body, ctype
        self.headers = headers if headers is not None else {}


class Raw:
    """A complete response envelope served as is."""

    def __init__(self, text, status=200):
        self.text, self.status = text, status


def detemplate(text):
    """Strips doT markup ({{? x }}...{{?}}, {{= x }}) from agsh templates."""
    text = re.sub(r"\{\{\?[^}]*\}\}.*?\{\{\?\}\}", "", text, flags=re.S)
    return re.sub(r"\{\{[^}]*\}\}", "", text)


def xesc(s):
    return (str(s).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (dt.microsecond // 1000)


def parse_xsd_datetime(s):
    """xs:dateTime in UTC ('Z' or +00:00 offsets) -> aware datetime or None."""
    m = re.fullmatch(r"\s*(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?"
                     r"(Z|[+-]\d\d:\d\d)?\s*", s or "")
    if not m:
        return None
    frac = float(m.group(7) or 0)
    try:
        dt = datetime.datetime(*map(int, m.group(1, 2, 3, 4, 5, 6)),
                               tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    tz = m.group(8)
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        dt -= sign * datetime.timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
    return dt + datetime.timedelta(seconds=frac)


class Request:
    """What a handler sees: the operation element and its context."""

    def __init__(self, http, envelope, op, body_text):
        self.http = http
        self.envelope, self.op, self.body_text = envelope, op, body_text
        self.ns, self.name = op.tag[1:].split("}") if op.tag.startswith("{") else ("", op.tag)
        self.path = http.path
        self.headers = http.headers
        self.header = envelope.find(q("s", "Header"))
        self.auth = "none"

    def find(self, path):
        """ElementTree find on the operation with ns.NS prefixes ('tt:Foo/tt:Bar')."""
        return self.op.find(path, NS)

    def text(self, path, default=None):
        e = self.op.find(path, NS)
        return e.text.strip() if e is not None and e.text is not None else default


class Device:
    """The emulated device: configuration, state, clock and logs."""

    def __init__(self, args, handlers):
        self.args = args
        self.handlers = handlers
        self.profile = profiles.all_profiles()[args.profile]
        self.lock = threading.RLock()
        self.state = {}
        self.offset = float(args.skew)    # device clock minus real clock, s
        self.frozen = None                # datetime when --frozen
        self.nonces = set()
        self.digest_nonces = {}           # nonce -> last nc
        self.log_lock = threading.Lock()
        self.logf = open(args.log, "a", encoding="utf-8") if args.log else None
        self.quirks = set(args.quirk or [])
        self.paths = {}                   # extra path -> namespace (plugins)
        self.counter = 0

    # --- clock ---
    def now(self):
        if self.frozen is not None:
            return self.frozen
        return (datetime.datetime.now(datetime.timezone.utc)
                + datetime.timedelta(seconds=self.offset))

    def set_time(self, dt):
        with self.lock:
            self.frozen = None
            self.offset = (dt - datetime.datetime.now(datetime.timezone.utc)).total_seconds()

    # --- recorded data ---
    def recorded(self, ns, op):
        if ns in NS:
            ns = NS[ns]
        t = self.profile.recorded(ns, op)
        return detemplate(t) if t and "{{" in t else t

    def base_url(self, req):
        scheme = "https://" if self.args.tls_cert else "http://"
        host = self.args.xaddr_host
        if not host:
            host = (req.headers.get("Host") or "").strip() or "127.0.0.1:%d" % self.port
            return scheme + host
        return scheme + ("%s:%d" % (host, self.port) if ":" not in host else host)

    def fix_xaddrs(self, text, req):
        """Points recorded XAddr hosts at this emulator (unless keep-xaddrs)."""
        if "keep-xaddrs" in self.quirks:
            return text
        base = self.base_url(req)

        def sub(m):
            return m.group(1) + re.sub(r"https?://[^/\s<]+", base, m.group(2))
        return re.sub(r"(<(?:[\w.-]+:)?XAddrs?>)([^<]*)", sub, text)

    def service_paths(self):
        """Every path the device answers on (None: any path)."""
        if "any-path" in self.quirks:
            return None
        out = {"/onvif/device_service"} | set(self.paths)
        out |= {path for _, path, _ in getattr(self, "services", [])}
        return out

    def register_path(self, path, ns):
        with self.lock:
            self.paths[path] = ns

    def next_id(self):
        with self.lock:
            self.counter += 1
            return self.counter

    def log(self, rec):
        if self.logf is None:
            return
        with self.log_lock:
            self.logf.write(json.dumps(rec, sort_keys=True) + "\n")
            self.logf.flush()


# ---------------- authentication ----------------

def verify_wsse(dev, header):
    """Returns (offered, ok, detail dict)."""
    if header is None:
        return False, False, {}
    sec = header.find(q("wsse", "Security"))
    if sec is None:
        return False, False, {}
    ut = sec.find(q("wsse", "UsernameToken"))
    if ut is None:
        return True, False, {"why": "no UsernameToken"}
    user = ut.findtext(q("wsse", "Username"), "").strip()
    pw = ut.find(q("wsse", "Password"))
    nonce = ut.findtext(q("wsse", "Nonce"), "").strip()
    created = ut.findtext(q("wsu", "Created"))
    d = {"user": user, "created": created,
         "password_type": pw.get("Type", "") if pw is not None else None}
    if created is None:
        return True, False, dict(d, why="no wsu:Created")
    created = created.strip()
    if user != dev.args.user:
        return True, False, dict(d, why="unknown user")
    if pw is None or not d["password_type"].endswith("#PasswordDigest"):
        return True, False, dict(d, why="not a PasswordDigest")
    try:
        raw = base64.b64decode(nonce, validate=True)
    except Exception:
        return True, False, dict(d, why="nonce not base64")
    d["nonce_len"] = len(raw)
    want = base64.b64encode(hashlib.sha1(raw + created.encode() +
                                         dev.args.password.encode()).digest()).decode()
    if (pw.text or "").strip() != want:
        return True, False, dict(d, why="digest mismatch")
    ct = parse_xsd_datetime(created)
    if ct is None:
        return True, False, dict(d, why="bad Created")
    skew = (ct - dev.now()).total_seconds()
    d["skew_s"] = round(skew, 3)
    if abs(skew) > dev.args.skew_window:
        return True, False, dict(d, why="Created outside the device clock window")
    with dev.lock:
        if nonce in dev.nonces:
            return True, False, dict(d, why="nonce replayed")
        dev.nonces.add(nonce)
    return True, True, d


def _H(algo, s):
    h = hashlib.sha256 if algo.upper().startswith("SHA-256") else hashlib.md5
    return h(s.encode()).hexdigest()


def digest_challenges(dev):
    out = []
    for algo in dev.args.digest_algo.split(","):
        nonce = secrets.token_hex(16)
        with dev.lock:
            dev.digest_nonces[nonce] = 0
        out.append('Digest realm="%s", qop="auth", algorithm=%s, nonce="%s", '
                   'opaque="%s"' % (dev.args.realm, algo, nonce, "0a1b2c3d"))
    return out


def verify_digest(dev, method, authz):
    """RFC 7616 server side. Returns (offered, ok, detail)."""
    if not authz or not authz.lower().startswith("digest "):
        return bool(authz), False, {}
    f = dict((k.lower(), v1 if v1 else v2) for k, v1, v2 in
             re.findall(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))', authz[7:]))
    algo = f.get("algorithm", "MD5")
    d = {"username": f.get("username"), "algorithm": algo, "qop": f.get("qop"),
         "uri": f.get("uri")}
    if algo.upper() not in [a.upper() for a in dev.args.digest_algo.split(",")]:
        return True, False, dict(d, why="algorithm not offered")
    nonce = f.get("nonce", "")
    with dev.lock:
        if nonce not in dev.digest_nonces:
            return True, False, dict(d, why="unknown nonce")
    if f.get("username") != dev.args.user or f.get("realm") != dev.args.realm:
        return True, False, dict(d, why="user/realm")
    ha1 = _H(algo, "%s:%s:%s" % (dev.args.user, dev.args.realm, dev.args.password))
    if algo.lower().endswith("-sess"):
        ha1 = _H(algo, "%s:%s:%s" % (ha1, nonce, f.get("cnonce", "")))
    ha2 = _H(algo, "%s:%s" % (method, f.get("uri", "")))
    if f.get("qop"):
        if f["qop"] != "auth":
            return True, False, dict(d, why="qop")
        try:
            nc = int(f.get("nc", ""), 16)
        except ValueError:
            return True, False, dict(d, why="nc")
        with dev.lock:
            if nc <= dev.digest_nonces.get(nonce, 0):
                return True, False, dict(d, why="nonce count replayed")
            dev.digest_nonces[nonce] = nc
        want = _H(algo, "%s:%s:%s:%s:%s:%s" % (ha1, nonce, f["nc"], f.get("cnonce", ""),
                                               f["qop"], ha2))
    else:
        want = _H(algo, "%s:%s:%s" % (ha1, nonce, ha2))
    if f.get("response", "").lower() != want:
        return True, False, dict(d, why="response mismatch")
    return True, True, d


# ---------------- envelopes ----------------

def envelope(dev, body, header=""):
    soap11 = "soap11" in dev.quirks
    decl = " ".join('xmlns:%s="%s"' % (p, NS[p]) for p in ENVELOPE_PREFIXES)
    env_ns = NS["s11"] if soap11 else NS["s"]
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<s:Envelope %s>%s<s:Body>%s</s:Body></s:Envelope>\n'
            % (decl, "<s:Header>%s</s:Header>" % header if header else "", body))
    if soap11:
        text = text.replace('xmlns:s="%s"' % NS["s"], 'xmlns:s="%s"' % env_ns, 1)
    if "odd-prefixes" in dev.quirks:
        text = odd_prefixes(text)
    return text


def odd_prefixes(text):
    """Renames element prefixes (tt: -> ns2: ...) the way some firmwares do,
    declaring the new prefixes next to the old ones (QName values still
    resolve)."""
    for old, new in ODD.items():
        text = re.sub(r"<(/?)%s:" % re.escape(old), r"<\g<1>%s:" % new, text)
        text = re.sub(r"(\s)%s:(mustUnderstand|lang)" % re.escape(old), r"\1%s:\2" % new, text)
    decl = " ".join('xmlns:%s="%s"' % (new, NS[old]) for old, new in ODD.items())
    return text.replace("<SOAP-ENV:Envelope ", "<SOAP-ENV:Envelope %s " % decl, 1)


def fault_envelope(dev, f):
    recorded = None
    body = ('<s:Fault><s:Code><s:Value>s:%s</s:Value>%s</s:Code><s:Reason>'
            '<s:Text xml:lang="en">%s</s:Text></s:Reason></s:Fault>'
            % (f.code, "".join('<s:Subcode><s:Value>%s</s:Value>' % xesc(s)
                               for s in f.subcodes) + "</s:Subcode>" * len(f.subcodes),
               xesc(f.reason)))
    return recorded or envelope(dev, body)


# ---------------- HTTP ----------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body of a reply go out in two send()s; with Nagle on, the
    # body waits for the client's delayed ACK (40 ms per request on a
    # kept-alive connection). Real cameras don't stall like that, and it
    # would dominate timings (bench/onvif.sh).
    disable_nagle_algorithm = True
    server_version = "camkit-onvif-emu"
    sys_version = ""

    def log_message(self, fmt, *a):
        if self.server.dev.args.verbose:
            sys.stderr.write("onvif-emu: " + (fmt % a) + "\n")

    def date_time_string(self, timestamp=None):
        # the Date header comes from the device clock, like a real camera
        return email.utils.format_datetime(self.server.dev.now().replace(microsecond=0),
                                           usegmt=True)

    def reply(self, status, body, ctype="application/soap+xml; charset=utf-8",
              headers=()):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def do_GET(self):
        # plugins may serve GETs (media: snapshot URIs); SOAP is POST only
        fn = getattr(self.server.dev, "get_handler", None)
        if fn is None:
            return self.reply(405, "POST only\n", "text/plain")
        fn(self)

    def do_POST(self):
        dev = self.server.dev
        rec = {"ts": iso(datetime.datetime.now(datetime.timezone.utc)),
               "path": self.path, "method": "POST",
               "headers": {k.lower(): v for k, v in self.headers.items()
                           if k.lower() in ("content-type", "user-agent", "soapaction",
                                            "expect", "host", "content-length")}}
        authz = self.headers.get("Authorization")
        if authz:
            rec["headers"]["authorization"] = authz.split(" ")[0] + " [present]"
        try:
            n = int(self.headers.get("Content-Length", "-1"))
        except ValueError:
            n = -1
        if n < 0 or n > MAX_BODY:
            rec.update(result="http", status=411)
            dev.log(rec)
            return self.reply(411, "Content-Length required\n", "text/plain")
        data = self.rfile.read(n)
        text = data.decode("utf-8", "replace")
        rec["body"] = text
        if "silent" in dev.quirks:
            rec["result"] = "silent"
            dev.log(rec)
            time.sleep(3600)
            return
        if "garbage" in dev.quirks:
            rec["result"] = "garbage"
            dev.log(rec)
            self.wfile.write(b"\x16\x03garbage, not HTTP\r\n\r\n")
            self.close_connection = True
            return
        if "garbage-xml" in dev.quirks:
            rec.update(result="garbage-xml", status=200)
            dev.log(rec)
            return self.reply(200, "<html><body>Welcome to the camera</body>")
        try:
            status, out, headers = self.dispatch(dev, text, rec)
        except HttpError as h:
            rec.update(result="http", status=h.status)
            dev.log(rec)
            return self.reply(h.status, h.body, h.ctype, list(h.headers.items()))
        except Fault as f:
            status = f.status or (400 if f.code == "Sender" else 500)
            if "fault-500" in dev.quirks:
                status = 500
            rec.update(result="fault", status=status,
                       fault=" ".join(f.subcodes) or f.code, reason=f.reason)
            dev.log(rec)
            return self.reply(status, fault_envelope(dev, f))
        rec.setdefault("result", "ok")
        rec["status"] = status
        dev.log(rec)
        return self.reply(status, out, headers=headers)

    def dispatch(self, dev, text, rec):
        if "<!DOCTYPE" in text or "<!ENTITY" in text:
            raise Fault(["ter:WellFormed"], "DTDs are not allowed")
        try:
            env = ET.fromstring(text)
        except ET.ParseError as e:
            raise Fault(["ter:WellFormed"], "XML not well-formed: %s" % e)
        if env.tag == "{%s}Envelope" % NS["s11"]:
            raise Fault(["ter:VersionMismatch"], "SOAP 1.1 is not supported",
                        code="VersionMismatch")
        if env.tag != q("s", "Envelope"):
            raise Fault(["ter:WellFormed"], "not a SOAP 1.2 Envelope")
        body = env.find(q("s", "Body"))
        if body is None or len(body) == 0:
            raise Fault(["ter:WellFormed"], "empty Body")
        req = Request(self, env, body[0], text)
        rec["op"], rec["ns"] = req.name, req.ns
        handler = dev.handlers.get((req.ns, req.name))
        if handler is None:
            raise Fault(["ter:ActionNotSupported"],
                        "Optional Action Not Implemented", code="Receiver")
        self.check_path(dev, req)
        self.authenticate(dev, req, rec)
        out = handler(dev, req)
        if isinstance(out, Raw):
            return out.status, dev.fix_xaddrs(out.text, req), []
        return 200, envelope(dev, out), []

    def check_path(self, dev, req):
        path = req.path.split("?")[0]
        allowed = dev.service_paths()
        if allowed is not None and path not in allowed:
            raise HttpError(404, "<html><body>404 Not Found</body></html>")

    def authenticate(self, dev, req, rec):
        mode = dev.args.auth
        w_off, w_ok, w_d = verify_wsse(dev, req.header)
        d_off, d_ok, d_d = verify_digest(dev, "POST", self.headers.get("Authorization"))
        rec["wsse"] = w_d if w_off else None
        rec["digest"] = d_d if d_off else None
        rec["auth"] = "+".join(k for k, v in (("wsse", w_ok), ("digest", d_ok)) if v) or "none"
        open_op = req.name in dev.open_ops or mode == "none"
        if open_op:
            return
        if mode == "wsse":
            if not w_ok:
                raise Fault(["ter:NotAuthorized"], "Sender not Authorized")
        elif mode == "digest":
            if not d_ok:
                raise HttpError(401, "<html><body>401 Unauthorized</body></html>",
                                headers=MultiHeader("WWW-Authenticate", digest_challenges(dev)))
        else:  # either
            if w_ok or d_ok:
                return
            if w_off:
                raise Fault(["ter:NotAuthorized"], "Sender not Authorized")
            raise HttpError(401, "<html><body>401 Unauthorized</body></html>",
                            headers=MultiHeader("WWW-Authenticate", digest_challenges(dev)))


class MultiHeader(dict):
    """A header repeated with several values (several Digest challenges)."""

    def __init__(self, name, values):
        super().__init__()
        self.pairs = [(name, v) for v in values]

    def items(self):
        return self.pairs


# ---------------- startup ----------------

def fleet(args, handlers, mods):
    """--devices N: N devices in this process, each with its own state and
    port, served from one selector loop (a thread per request, as one
    device). The first --silent are silent, then --digest-only demand
    Digest, then --skewed run an hour ahead; the rest are plain."""
    import copy
    import selectors
    sel = selectors.DefaultSelector()
    lines = []
    for i in range(args.devices):
        a = copy.copy(args)
        a.quirk = list(args.quirk or [])
        a.log = args.log
        kind = "plain"
        if i < args.silent:
            a.quirk.append("silent")
            kind = "silent"
        elif i < args.silent + args.digest_only:
            a.auth = "digest"
            kind = "digest"
        elif i < args.silent + args.digest_only + args.skewed:
            a.skew = 3600.0
            kind = "skewed"
        dev = Device(a, handlers)
        dev.fleet = True      # plugins: no per-device background generators
        dev.open_ops = set(o for o in a.open_ops.split(",") if o)
        for mod in mods:
            if hasattr(mod, "init"):
                mod.init(dev)
        srv = ThreadingHTTPServer((args.bind, 0), Handler, bind_and_activate=False)
        srv.daemon_threads = True
        srv.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.server_bind()
        srv.server_activate()
        srv.dev = dev
        dev.port = srv.server_address[1]
        sel.register(srv.socket, selectors.EVENT_READ, srv)
        lines.append("%s:%d %s" % (args.bind, dev.port, kind))
    for path, text in ((args.devices_file, "".join(l + "\n" for l in lines)),
                       (args.port_file, lines[0].split()[0].rsplit(":", 1)[1] + "\n")):
        if path:
            with open(path + ".tmp", "w") as f:
                f.write(text)
            os.replace(path + ".tmp", path)
    try:
        while True:
            for key, _ in sel.select(timeout=0.5):
                key.data._handle_request_noblock()
    except KeyboardInterrupt:
        pass
    return 0


def load_plugins():
    handlers, mods = {}, []
    pkg = sys.modules[__package__]
    for m in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if m.name in ("core", "ns", "profiles", "__main__"):
            continue
        mod = importlib.import_module("%s.%s" % (__package__, m.name))
        if hasattr(mod, "HANDLERS"):
            handlers.update(mod.HANDLERS)
        mods.append(mod)
    return handlers, mods


def main(argv=None):
    handlers, mods = load_plugins()
    ap = argparse.ArgumentParser(prog="onvif-emu",
                                 description="strict ONVIF device emulator (tests only)")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the bound port here when ready")
    ap.add_argument("--profile", default="generic",
                    help="recorded device (see --list-profiles)")
    ap.add_argument("--list-profiles", action="store_true")
    ap.add_argument("--list-time-profiles", action="store_true",
                    help="profiles with a recorded GetSystemDateAndTime")
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default="password")
    ap.add_argument("--auth", choices=["wsse", "digest", "either", "none"], default="wsse",
                    help="what the device demands for non-open operations")
    ap.add_argument("--open-ops", default="GetSystemDateAndTime",
                    help="comma list of operations allowed without authentication")
    ap.add_argument("--digest-algo", default="MD5",
                    help="MD5, SHA-256, or a comma list (one challenge each)")
    ap.add_argument("--realm", default="camkit-emu")
    ap.add_argument("--skew", type=float, default=0.0,
                    help="device clock minus real clock, seconds")
    ap.add_argument("--skew-window", type=float, default=5.0,
                    help="accepted |Created - device clock|, seconds")
    ap.add_argument("--frozen", action="store_true",
                    help="serve the recorded clock verbatim (recorded-response tests)")
    ap.add_argument("--xaddr-host", help="advertise this host[:port] in XAddrs")
    ap.add_argument("--quirk", action="append", default=[],
                    help="silent, garbage, garbage-xml, keep-xaddrs, odd-prefixes, "
                    "soap11, fault-500, any-path, or a plugin's quirk")
    ap.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate")
    ap.add_argument("--tls-key", help="private key of --tls-cert (PEM)")
    ap.add_argument("--log", help="append one JSON line per request to this file")
    ap.add_argument("--devices", type=int, default=1,
                    help="N cameras in one process, each on its own port "
                    "(--port-file gets the first; --devices-file lists all)")
    ap.add_argument("--devices-file",
                    help="with --devices: write 'host:port kind' per device here "
                    "when all are ready (kind: plain, silent, digest, skewed)")
    ap.add_argument("--silent", type=int, default=0,
                    help="with --devices: this many of them never answer")
    ap.add_argument("--digest-only", type=int, default=0,
                    help="with --devices: this many demand HTTP Digest (--auth digest)")
    ap.add_argument("--skewed", type=int, default=0,
                    help="with --devices: this many run an hour ahead (--skew 3600)")
    ap.add_argument("-v", "--verbose", action="store_true")
    for mod in mods:
        if hasattr(mod, "add_args"):
            mod.add_args(ap)
    args = ap.parse_args(argv)
    if args.list_profiles or args.list_time_profiles:
        names = (profiles.time_profiles() if args.list_time_profiles
                 else sorted(profiles.all_profiles()))
        print("\n".join(names))
        return 0
    if args.profile not in profiles.all_profiles():
        ap.error("unknown profile %r (try --list-profiles)" % args.profile)
    if args.devices > 1:
        return fleet(args, handlers, mods)
    dev = Device(args, handlers)
    dev.open_ops = set(o for o in args.open_ops.split(",") if o)
    for mod in mods:
        if hasattr(mod, "init"):
            mod.init(dev)
    srv = ThreadingHTTPServer((args.bind, args.port), Handler,
                              bind_and_activate=False)
    srv.daemon_threads = True
    srv.allow_reuse_address = True
    srv.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.server_bind()
    srv.server_activate()
    if args.tls_cert:
        # A client that refuses the certificate fails the handshake inside
        # accept(); socketserver treats that OSError as a dropped connection.
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.dev = dev
    dev.port = srv.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % dev.port)
        os.replace(tmp, args.port_file)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0
