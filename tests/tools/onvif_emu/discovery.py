#!/usr/bin/env python3
"""WS-Discovery 2005/04 responder for the ONVIF emulator (an emulated
camera's discovery side).

Strict: a datagram that is not a well-formed SOAP 1.2 Probe with a
2004/08 Action .../Probe, a MessageID and To=urn:schemas-xmlsoap-org:ws:
2005:04:discovery is rejected (logged, never answered). Probe Types are
resolved through their namespace declarations and must all be offered by
the device. Answers are built from the recorded agsh ProbeMatches shape
(tests/fixtures/wsd/probematches.agsh.xml) after a random delay, sent by
unicast to the prober. Sends Hello (repeated per SOAP-over-UDP) when it
starts and Bye on SIGTERM/SIGINT.

Runs standalone (no SOAP handlers here; HANDLERS is empty so the core's
plugin loader can import it):

  discovery.py --iface-addr 10.9.0.2 --urn uuid:... \
      --xaddr 'http://{addr}:8080/onvif/device_service' --ready FILE

{addr} in an XAddr becomes the address of the interface the Probe came in
on (IP_PKTINFO), as real multi-homed cameras do (IPv4 only; give IPv6
XAddrs literally). --ipv6 --iface eth0 answers on [ff02::c]:3702.

Quirks (--quirk, repeatable): no-types (omit wsdd:Types), odd-prefixes
(env/ns1/ns2/default-namespace spellings), porttype (wsa:PortType and empty
ReferenceProperties in the EPR), twice (every answer sent twice, each with
its own MessageID), no-relates (no RelatesTo), garbage (answer with a
non-XML datagram), fault (answer with a SOAP Fault), silent (never answer).
"""
import argparse
import os
import random
import re
import select
import signal
import socket
import struct
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from io import BytesIO

HANDLERS = {}

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
WSD = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
DN = "http://www.onvif.org/ver10/network/wsdl"
TDS = "http://www.onvif.org/ver10/device/wsdl"
TO_DISCOVERY = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
GROUP = "239.255.255.250"
GROUP6 = "ff02::c"
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(HERE, "..", "..", "fixtures", "wsd", "probematches.agsh.xml")


def log(msg):
    sys.stderr.write("discovery-emu: %s\n" % msg)
    sys.stderr.flush()


def esc(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def recorded_scopes(profile):
    """The ScopeItems of a recorded device's GetScopes answer (through the
    emulator's profile mechanism), or None."""
    sys.path.insert(0, os.path.join(HERE, ".."))
    from onvif_emu import profiles   # noqa: E402 (script or package)
    from onvif_emu.ns import NS
    p = profiles.all_profiles().get(profile)
    if p is None:
        raise SystemExit("discovery-emu: unknown profile %r" % profile)
    text = p.recorded(NS["tds"], "GetScopes")
    if not text:
        return None
    text = re.sub(r"\{\{[^}]*\}\}", "", text)   # agsh doT markup
    root = ET.fromstring(text)
    items = [(e.text or "").strip() for e in root.iter("{%s}ScopeItem" % NS["tt"])]
    return [i for i in items if i]


class Device:
    def __init__(self, a):
        self.a = a
        self.urn = a.urn
        self.types = a.types.split()
        self.scopes = a.scope or (recorded_scopes(a.profile) if a.profile else None) or [
            "onvif://www.onvif.org/Profile/Streaming",
            "onvif://www.onvif.org/name/" + a.name,
            "onvif://www.onvif.org/hardware/" + a.hardware,
            "onvif://www.onvif.org/location/country/nowhere",
        ]
        self.quirks = set(a.quirk or [])
        self.msgnum = 0
        with open(TEMPLATE, encoding="utf-8") as f:
            self.template = f.read()

    def type_qnames(self):
        # The device's Types as {ns}local pairs (dn:/tds: prefixes).
        out = []
        for t in self.types:
            p, _, l = t.partition(":")
            out.append(({"dn": DN, "tds": TDS}.get(p, p), l))
        return out

    def seq(self):
        self.msgnum += 1
        return self.msgnum

    def _shape(self, xml):
        """Applies the prefix/shape quirks to a message from the template."""
        if "no-types" in self.quirks:
            xml = re.sub(r"\s*<wsdd:Types>.*?</wsdd:Types>", "", xml)
        if "porttype" in self.quirks:
            xml = xml.replace(
                "</wsa:Address>\n                </wsa:EndpointReference>",
                "</wsa:Address>\n                <wsa:ReferenceProperties/>"
                "<wsa:ReferenceParameters/><wsa:PortType>ttl</wsa:PortType>"
                "\n                </wsa:EndpointReference>")
        if "odd-prefixes" in self.quirks:
            # Same namespaces, other spellings: env: for SOAP, ns1:/ns2:,
            # and the discovery namespace as the default one in the body.
            xml = xml.replace("SOAP-ENV:", "env:").replace("xmlns:SOAP-ENV=", "xmlns:env=")
            xml = xml.replace("wsa:", "ns1:").replace("xmlns:wsa=", "xmlns:ns1=")
            xml = xml.replace("xmlns:dn=", "xmlns:netw=").replace("dn:NetworkVideoTransmitter",
                                                                  "netw:NetworkVideoTransmitter")
            xml = xml.replace("tds:Device", "devw:Device").replace(
                "xmlns:tds=", "xmlns:devw=")
            body = re.search(r"<wsdd:(ProbeMatches|Hello|Bye)>.*</wsdd:\1>", xml, re.S)
            if body:
                b = body.group(0)
                b2 = b.replace("<wsdd:", "<").replace("</wsdd:", "</")
                b2 = b2.replace("<%s>" % body.group(1),
                                '<%s xmlns="%s">' % (body.group(1), WSD), 1)
                xml = xml.replace(b, b2)
            xml = xml.replace("wsdd:", "ns2:").replace("xmlns:wsdd=", "xmlns:ns2=")
        return xml

    def _fill(self, body_tag, relates_to, xaddrs, action, to):
        xml = self.template
        xml = xml.replace("urn:uuid:01234567-dead-beef-baad-abcdeffedcba",
                          "urn:uuid:%s" % uuid.uuid4())
        if relates_to is None or "no-relates" in self.quirks:
            xml = re.sub(r"\s*<wsa:RelatesTo>RELATES_TO</wsa:RelatesTo>", "", xml)
        else:
            xml = xml.replace("RELATES_TO", esc(relates_to))
        xml = xml.replace(
            "http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches", action)
        xml = xml.replace(
            '<wsa:To SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>',
            '<wsa:To SOAP-ENV:mustUnderstand="true">%s</wsa:To>' % to)
        xml = xml.replace('MessageNumber="161"', 'MessageNumber="%d"' % self.seq())
        xml = xml.replace("uuid:c9790c3a-701b-464d-a189-0060351c8ada", esc(self.urn))
        xml = xml.replace("dn:NetworkVideoTransmitter tds:Device", esc(" ".join(self.types)))
        xml = re.sub(r"<wsdd:Scopes>.*?</wsdd:Scopes>",
                     "<wsdd:Scopes>%s</wsdd:Scopes>" % esc(" ".join(self.scopes)), xml)
        xml = xml.replace("SERVICE_URI", esc(" ".join(xaddrs)))
        if body_tag == "Bye":
            xml = re.sub(r"\s*<wsdd:(Types|Scopes|XAddrs|MetadataVersion)>.*?</wsdd:\1>", "", xml)
        if body_tag != "ProbeMatches":
            # Hello/Bye carry the match fields directly in the body element.
            xml = xml.replace("<wsdd:ProbeMatches>\n            <wsdd:ProbeMatch>",
                              "<wsdd:%s>" % body_tag)
            xml = xml.replace("</wsdd:ProbeMatch>\n        </wsdd:ProbeMatches>",
                              "</wsdd:%s>" % body_tag)
            xml = re.sub(r"\s*<wsa:ReplyTo .*?</wsa:ReplyTo>", "", xml, flags=re.S)
        return self._shape(xml).encode("utf-8")

    def xaddrs_for(self, local_addr):
        return [x.replace("{addr}", local_addr) for x in self.a.xaddr]

    def probe_matches(self, relates_to, local_addr):
        return self._fill("ProbeMatches", relates_to, self.xaddrs_for(local_addr),
                          WSD + "/ProbeMatches",
                          "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous")

    def announcement(self, kind, local_addr):
        return self._fill(kind, None, self.xaddrs_for(local_addr), WSD + "/" + kind,
                          TO_DISCOVERY)


def parse_probe(data):
    """Returns (message_id, [(ns, local)] or None) for a valid Probe, else
    raises ValueError with the reason."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ValueError("DOCTYPE in a Probe")
    nsmaps = []
    try:
        events = ET.iterparse(BytesIO(data), events=("start-ns", "start"))
        prefixes, root, elem_ns = {}, None, {}
        for ev, obj in events:
            if ev == "start-ns":
                prefixes[obj[0]] = obj[1]
            else:
                if root is None:
                    root = obj
                elem_ns[obj] = dict(prefixes)
                nsmaps.append(prefixes)
        root = events.root
    except ET.ParseError as e:
        raise ValueError("not well-formed XML: %s" % e)
    if root.tag != "{%s}Envelope" % SOAP12:
        raise ValueError("root is %s, not a SOAP 1.2 Envelope" % root.tag)
    hdr = root.find("{%s}Header" % SOAP12)
    body = root.find("{%s}Body" % SOAP12)
    if hdr is None or body is None:
        raise ValueError("Envelope without Header or Body")
    action = (hdr.findtext("{%s}Action" % WSA) or "").strip()
    mid = (hdr.findtext("{%s}MessageID" % WSA) or "").strip()
    to = (hdr.findtext("{%s}To" % WSA) or "").strip()
    if action in (WSD + "/Hello", WSD + "/Bye", WSD + "/ProbeMatches"):
        raise LookupError(action.rsplit("/", 1)[1])
    if action != WSD + "/Probe":
        raise ValueError("Action is %r" % action)
    if not mid:
        raise ValueError("no MessageID")
    if to != TO_DISCOVERY:
        raise ValueError("To is %r" % to)
    probe = body.find("{%s}Probe" % WSD)
    if probe is None or len(body) != 1:
        raise ValueError("Body is not exactly one wsd:Probe")
    types = probe.find("{%s}Types" % WSD)
    if types is None or not (types.text or "").strip():
        return mid, None
    # Resolve the QNames with all declarations seen (cameras do the same;
    # our prober declares everything on the envelope or the Types element).
    allns = {}
    for m in nsmaps:
        allns.update(m)
    want = []
    for q in types.text.split():
        p, sep, l = q.partition(":")
        if not sep:
            p, l = "", q
        if p not in allns:
            raise ValueError("undeclared prefix in Types: %r" % q)
        want.append((allns[p], l))
    return mid, want


class Responder:
    def __init__(self, dev, a):
        self.dev, self.a = dev, a
        self.v6 = a.ipv6
        if self.v6:
            self.sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            self.sock.bind((a.bind if a.bind != "0.0.0.0" else "::", a.port))
            for name in a.iface or []:
                mreq = socket.inet_pton(socket.AF_INET6, GROUP6) + struct.pack(
                    "@I", socket.if_nametoindex(name))
                self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
            self.sock.bind((a.bind, a.port))
            for ifa in a.iface_addr or []:
                mreq = socket.inet_aton(GROUP) + socket.inet_aton(ifa)
                self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
        self.port = self.sock.getsockname()[1]
        self.pending = []   # (when, data, dest)
        self.nrecv = 0
        self.answered = set()   # (MessageID, interface): repeats are dropped

    def multicast(self, data, ifa):
        self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                             socket.inet_aton(ifa))
        self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        self.sock.sendto(data, (GROUP, self.a.group_port))

    def announce(self, kind):
        # SOAP-over-UDP: a multicast message is repeated (same MessageID)
        # MULTICAST_UDP_REPEAT times with a doubling random delay.
        if self.v6:
            for name in self.a.iface or []:
                msg = self.dev.announcement(kind, "")
                self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF,
                                     socket.if_nametoindex(name))
                self.sock.sendto(msg, (GROUP6, self.a.group_port, 0,
                                       socket.if_nametoindex(name)))
                log("%s sent on %s" % (kind, name))
            return
        for ifa in self.a.iface_addr or []:
            msg = self.dev.announcement(kind, ifa)
            delay = random.uniform(0.05, 0.25)
            for i in range(3):
                self.multicast(msg, ifa)
                if i < 2 and kind == "Hello":
                    time.sleep(min(delay, 0.5))
                    delay *= 2
            log("%s sent on %s" % (kind, ifa))

    def dump(self, data):
        if self.a.dump:
            self.nrecv += 1
            with open(os.path.join(self.a.dump, "recv-%03d.xml" % self.nrecv), "wb") as f:
                f.write(data)

    def handle(self, data, src, local):
        self.dump(data)
        try:
            mid, want = parse_probe(data)
        except LookupError as e:
            return   # another device's Hello/Bye: not for us
        except ValueError as e:
            log("rejected datagram from %s port %d: %s" % (src[0], src[1], e))
            return
        if want is not None:
            have = self.dev.type_qnames()
            if any(w not in have for w in want) and "no-types" not in self.dev.quirks:
                log("Probe from %s for %s: not my types" % (src[0], want))
                return
        if (mid, local) in self.answered:
            log("Probe %s via %s again: a retransmission, dropped" % (mid, local))
            return
        self.answered.add((mid, local))
        q = self.dev.quirks
        if "silent" in q:
            log("Probe %s from %s: staying silent" % (mid, src[0]))
            return
        if "garbage" in q:
            out = [b"\x00\x01 this is not XML <<<"]
        elif "fault" in q:
            out = [("<?xml version='1.0'?><e:Envelope xmlns:e='%s'><e:Body><e:Fault>"
                    "<e:Code><e:Value>e:Sender</e:Value></e:Code></e:Fault></e:Body>"
                    "</e:Envelope>" % SOAP12).encode()]
        else:
            out = [self.dev.probe_matches(mid, local)]
            if "twice" in q:
                out.append(self.dev.probe_matches(mid, local))
        when = time.monotonic() + random.uniform(0, self.a.max_delay / 1000.0)
        for d in out:
            self.pending.append((when, d, src))
        log("Probe %s from %s:%d via %s: answering" % (mid, src[0], src[1], local))

    def loop(self, stopping):
        while not stopping():
            now = time.monotonic()
            due = [p for p in self.pending if p[0] <= now]
            self.pending = [p for p in self.pending if p[0] > now]
            for _, d, dst in due:
                self.sock.sendto(d, dst)
            timeout = 0.2
            if self.pending:
                timeout = max(0, min(p[0] for p in self.pending) - now)
            try:
                r, _, _ = select.select([self.sock], [], [], timeout)
            except InterruptedError:
                continue
            if not r:
                continue
            data, anc, _, src = self.sock.recvmsg(65535, socket.CMSG_SPACE(12))
            local = self.a.bind if not self.v6 else ""
            for lvl, typ, val in anc:
                if lvl == socket.IPPROTO_IP and typ == IP_PKTINFO and len(val) >= 12:
                    local = socket.inet_ntoa(val[4:8])
            self.handle(data, src, local)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bind", default="0.0.0.0")
    ap.add_argument("--port", type=int, default=3702, help="0 = any (unicast only)")
    ap.add_argument("--group-port", type=int, default=3702)
    ap.add_argument("--iface-addr", action="append",
                    help="join the group on the interface with this address")
    ap.add_argument("--ipv6", action="store_true",
                    help="IPv6: [ff02::c]:3702, joined on each --iface NAME")
    ap.add_argument("--iface", action="append", help="interface name (with --ipv6)")
    ap.add_argument("--urn", default="urn:uuid:%s" % uuid.uuid4())
    ap.add_argument("--xaddr", action="append", default=None)
    ap.add_argument("--types", default="dn:NetworkVideoTransmitter tds:Device")
    ap.add_argument("--scope", action="append")
    ap.add_argument("--profile", help="scopes from this recorded device's GetScopes")
    ap.add_argument("--name", default="EMU")
    ap.add_argument("--hardware", default="EMU-1")
    ap.add_argument("--quirk", action="append",
                    choices=["no-types", "odd-prefixes", "porttype", "twice",
                             "no-relates", "garbage", "fault", "silent"])
    ap.add_argument("--max-delay", type=int, default=100, help="ms (APP_MAX_DELAY)")
    ap.add_argument("--no-hello", action="store_true")
    ap.add_argument("--dump", help="directory: every received datagram is saved")
    ap.add_argument("--ready", help="file to write the bound port to once ready")
    a = ap.parse_args(argv)
    if not a.xaddr:
        a.xaddr = ["http://{addr}/onvif/device_service"]
    dev = Device(a)
    r = Responder(dev, a)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    if not a.no_hello:
        r.announce("Hello")
    if a.ready:
        tmp = a.ready + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % r.port)
        os.rename(tmp, a.ready)
    log("%s listening on %s:%d" % (dev.urn, a.bind, r.port))
    r.loop(lambda: bool(stop))
    if not a.no_hello:
        r.announce("Bye")
    return 0


if __name__ == "__main__":
    sys.exit(main())
