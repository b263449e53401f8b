"""Event service (ver10/events/wsdl) and WS-BaseNotification.

PullPoint: CreatePullPointSubscription, PullMessages (long poll: waits up to
the request's Timeout for a message), Renew, Unsubscribe. Push: Subscribe
with a ConsumerReference; a sender thread POSTs wsnt:Notify to the consumer
for every event. GetEventProperties serves the recording (Hikvision topic
tree for ex_onvif) or a small generated tree.

The events: a generator thread makes them from process start, either a
steady stream (--event-interval; tns1:RuleEngine/CellMotionDetector/Motion
written with a vendor prefix, IsMotion mostly true with an occasional false
like Tapo) or a script (--event-script FILE, JSON lines {"delay": s,
"topic": "RuleEngine/...", "prefix": "tns1", "source": {..}, "key": {..},
"data": {..}, "op": "Changed"}) played from the first subscription on. A new pull-point subscription first gets
the recorded PullMessages payload of the profile (the real Hikvision
initial-state burst for ex_onvif), then the events made after it was
created.

--events-log FILE gets one JSON line per message delivered (a PullMessages
reply handed to the server, a Notify the consumer answered with 2xx) with
the ts and topic the client should print, so tests can check that nothing
was lost or duplicated. On SIGTERM the emulator stops delivering, lets
replies already handed over go out, and exits (the restart tests).

Quirks: pullpoint-500 (CreatePullPointSubscription and PullMessages answer
HTTP 500 while push works, Tapo C320WS), renew-refused (every Renew faults),
renew-relative-refused (only an absolute TerminationTime is accepted),
unsubscribe-refused (the subscription goes on until it expires; Tapo),
subscribe-relative-refused (InitialTerminationTime must be absolute).
--pull-faults "3:500,5:unknown,7:reset" makes the Nth PullMessages fail.
"""
import datetime
import http.client
import json
import os
import re
import signal
import socket
import struct
import threading
import time
import urllib.parse

from .core import Fault, HttpError, Raw, envelope, iso, parse_xsd_datetime, xesc
from .ns import NS

TEV, WSNT = NS["tev"], NS["wsnt"]
DIALECT = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"
TOPIC_NS = {"tns1": NS["tns1"], "tnsaxis": "http://www.axis.com/2009/event/topics",
            "tnshik": "http://www.hikvision.com/2011/event/topics"}
UTC = datetime.timezone.utc


def add_args(ap):
    ap.add_argument("--event-interval", type=float, default=0.3,
                    help="seconds between generated motion events (0: none)")
    ap.add_argument("--event-script", help="JSON lines of scripted events")
    ap.add_argument("--event-seq-start", type=int, default=1)
    ap.add_argument("--event-prefix", default="ns0",
                    help="prefix the generated topics are written with")
    ap.add_argument("--events-log", help="JSON line per delivered message")
    ap.add_argument("--pull-faults", default="",
                    help="N:500|unknown|reset,... for the Nth PullMessages")
    ap.add_argument("--max-termination", type=float, default=3600.0)


def _ts(dt):
    return iso(dt.astimezone(UTC))


def _norm_ts(s):
    dt = parse_xsd_datetime(s)
    return _ts(dt) if dt else s


def _items(tag, d):
    if not d:
        return ""
    return "<tt:%s>%s</tt:%s>" % (tag, "".join(
        '<tt:SimpleItem Name="%s" Value="%s"/>' % (xesc(k), xesc(v))
        for k, v in d.items()), tag)


def _message(topic, prefix, utc, op, source, key, data):
    uri = TOPIC_NS.get(prefix, NS["tns1"])
    return ('<wsnt:NotificationMessage><wsnt:Topic Dialect="%s" xmlns:%s="%s">%s:%s'
            "</wsnt:Topic><wsnt:Message><tt:Message UtcTime=\"%s\" PropertyOperation=\"%s\">"
            "%s%s%s</tt:Message></wsnt:Message></wsnt:NotificationMessage>"
            % (DIALECT, prefix, uri, prefix, xesc(topic), utc, xesc(op),
               _items("Source", source), _items("Key", key), _items("Data", data)))


class Events:
    def __init__(self, dev):
        self.dev = dev
        self.cond = threading.Condition()
        self.list = []           # generated events, in order
        self.subs = {}
        self.next_sub = 1
        self.pulls = 0
        self.dying = False
        self.logf = (open(dev.args.events_log, "a", encoding="utf-8")
                     if dev.args.events_log else None)
        self.faults = {}
        for part in (dev.args.pull_faults or "").split(","):
            if ":" in part:
                n, kind = part.split(":", 1)
                self.faults[int(n)] = kind.strip()
        self.burst = []
        rec = dev.recorded(TEV, "PullMessages")
        if rec:
            for m in re.finditer(r"<(?:[\w.-]+:)?NotificationMessage\b.*?"
                                 r"</(?:[\w.-]+:)?NotificationMessage>", rec, re.S):
                text = m.group(0)
                topic = re.search(r"<(?:[\w.-]+:)?Topic\b[^>]*>\s*([^<]*?)\s*<", text)
                utc = re.search(r'UtcTime="([^"]+)"', text)
                if topic:
                    self.burst.append({"xml": text, "topic": topic.group(1),
                                       "ts": _norm_ts(utc.group(1)) if utc else None,
                                       "seq": None})

    def log(self, rec):
        if self.logf:
            with self.cond:
                self.logf.write(json.dumps(rec, sort_keys=True) + "\n")
                self.logf.flush()

    # --- generation ---
    def add(self, topic, prefix, source, key, data, op="Changed"):
        dev = self.dev
        with self.cond:
            seq = dev.args.event_seq_start + len(self.list)
            utc = _ts(dev.now())
            xml = _message(topic, prefix, utc, op, source, key, data)
            canon = next((p for p, u in TOPIC_NS.items()
                          if u == TOPIC_NS.get(prefix, NS["tns1"])), "tns1")
            self.list.append({"xml": xml, "topic": "%s:%s" % (canon, topic), "ts": utc,
                              "seq": seq})
            self.cond.notify_all()

    def generator(self):
        args = self.dev.args
        if args.event_script:
            with open(args.event_script, encoding="utf-8") as f:
                steps = [json.loads(line) for line in f if line.strip()]
            # the script starts with the first subscription
            with self.cond:
                while self.next_sub == 1 and not self.dying:
                    self.cond.wait(0.2)
            for s in steps:
                time.sleep(float(s.get("delay", 0)))
                if self.dying:
                    return
                self.add(s.get("topic", "RuleEngine/CellMotionDetector/Motion"),
                         s.get("prefix", args.event_prefix), s.get("source") or {},
                         s.get("key") or {}, s.get("data") or {}, s.get("op", "Changed"))
            return
        if args.event_interval <= 0:
            return
        n = 0
        while not self.dying:
            time.sleep(args.event_interval)
            n += 1
            self.add("RuleEngine/CellMotionDetector/Motion", args.event_prefix,
                     {"VideoSourceConfigurationToken": "VideoSourceToken",
                      "VideoAnalyticsConfigurationToken": "VideoAnalyticsToken",
                      "Rule": "MyMotionDetectorRule"}, {},
                     {"IsMotion": "false" if n % 4 == 0 else "true"})

    # --- subscriptions ---
    def create(self, req, kind, consumer=None):
        dev = self.dev
        term = req.text("tev:InitialTerminationTime") if kind == "pull" else \
            req.text("wsnt:InitialTerminationTime")
        now = dev.now()
        if "subscribe-relative-refused" in dev.quirks and term and \
                term.strip().startswith("P"):
            raise Fault(["ter:InvalidArgVal"],
                        "UnacceptableInitialTerminationTime: relative time")
        expires = self.termination(term, now, 60.0)
        flt = self.filter(req)
        with self.cond:
            sid = self.next_sub
            self.next_sub += 1
            path = "/onvif/Events/%s_%d" % ("PullSubManager" if kind == "pull" else
                                            "SubManager", sid)
            sub = {"id": sid, "kind": kind, "cursor": len(self.list), "expires": expires,
                   "filter": flt, "path": path, "consumer": consumer, "alive": True,
                   "pending": list(self.burst) if kind == "pull" else []}
            self.subs[path] = sub
        dev.register_path(path, TEV)
        self.log({"event": "subscribe", "sub": sid, "mode": kind,
                  "consumer": consumer})
        if kind == "push":
            threading.Thread(target=self.sender, args=(sub,), daemon=True).start()
        return sub, now

    def termination(self, term, now, default):
        maxt = self.dev.args.max_termination
        if term is None or not term.strip():
            return now + datetime.timedelta(seconds=default)
        term = term.strip()
        m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?", term)
        if m and any(m.groups()):
            secs = int(m.group(1) or 0) * 3600 + int(m.group(2) or 0) * 60 + \
                float(m.group(3) or 0)
            return now + datetime.timedelta(seconds=min(secs, maxt))
        dt = parse_xsd_datetime(term)
        if dt is None or dt <= now:
            raise Fault(["ter:InvalidArgVal"], "UnacceptableInitialTerminationTime")
        return min(dt, now + datetime.timedelta(seconds=maxt))

    def filter(self, req):
        el = req.op.find(".//wsnt:TopicExpression", NS)
        if el is None or not (el.text or "").strip():
            return None
        alts = []
        for a in el.text.strip().split("|"):
            path = "/".join(s.split(":", 1)[-1] for s in a.strip().split("/"))
            alts.append(path)
        return alts

    def matches(self, sub, ev):
        if sub["filter"] is None:
            return True
        topic = "/".join(s.split(":", 1)[-1] for s in ev["topic"].split("/"))
        for f in sub["filter"]:
            if f.endswith("//."):
                if topic == f[:-3] or topic.startswith(f[:-3] + "/"):
                    return True
            elif topic == f:
                return True
        return False

    def lookup(self, req):
        with self.cond:
            sub = self.subs.get(req.path.split("?")[0])
            if sub and sub["expires"] < self.dev.now():
                sub["alive"] = False
                del self.subs[sub["path"]]
                self.log({"event": "expired", "sub": sub["id"]})
                sub = None
        if sub is None:
            raise Fault(["ter:InvalidArgVal", "ter:ResourceUnknown"],
                        "ResourceUnknown: no such subscription")
        return sub

    def take(self, sub, limit):
        """Messages due to sub (under cond)."""
        out = []
        while sub["pending"] and len(out) < limit:
            ev = sub["pending"].pop(0)
            if self.matches(sub, ev):
                out.append(ev)
        while sub["cursor"] < len(self.list) and len(out) < limit:
            ev = self.list[sub["cursor"]]
            sub["cursor"] += 1
            if self.matches(sub, ev):
                out.append(ev)
        return out

    def sender(self, sub):
        """Push delivery: one Notify per event, retried until the consumer
        answers 2xx or the subscription ends."""
        u = urllib.parse.urlsplit(sub["consumer"])
        while True:
            with self.cond:
                while True:
                    if self.dying or not sub["alive"] or sub["expires"] < self.dev.now():
                        return
                    msgs = self.take(sub, 1)
                    if msgs:
                        break
                    self.cond.wait(0.2)
            ev = msgs[0]
            body = envelope(self.dev, "<wsnt:Notify>%s</wsnt:Notify>" % ev["xml"],
                            "<wsa:Action>http://docs.oasis-open.org/wsn/bw-2/"
                            "NotificationConsumer/Notify</wsa:Action>")
            while not self.dying and sub["alive"]:
                try:
                    c = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=2)
                    c.request("POST", u.path or "/", body.encode("utf-8"),
                              {"Content-Type": "application/soap+xml; charset=utf-8"})
                    st = c.getresponse().status
                    c.close()
                    if 200 <= st < 300:
                        self.log({"event": "delivered", "sub": sub["id"], "mode": "push",
                                  "topic": ev["topic"], "ts": ev["ts"], "seq": ev["seq"]})
                        break
                except OSError:
                    pass
                time.sleep(0.3)

    def die(self, signum, frame):
        """SIGTERM: deliver nothing more, let handed-over replies go, exit."""
        with self.cond:
            self.dying = True
            self.cond.notify_all()
        time.sleep(0.3)
        os._exit(0)


def init(dev):
    ev = Events(dev)
    dev.state["events"] = ev
    if not any(ns == TEV for ns, _, _ in dev.services) and not dev.recorded(
            NS["tds"], "GetServices"):
        dev.services.append((TEV, "/onvif/events_service", "2.60"))
    if not getattr(dev, "fleet", False):
        threading.Thread(target=ev.generator, daemon=True).start()
    try:
        signal.signal(signal.SIGTERM, ev.die)
    except ValueError:
        pass   # not the main thread (embedded use)


def _times(ev, sub, now):
    return ("<wsnt:CurrentTime>%s</wsnt:CurrentTime><wsnt:TerminationTime>%s"
            "</wsnt:TerminationTime>" % (_ts(now).split(".")[0] + "Z",
                                         _ts(sub["expires"]).split(".")[0] + "Z"))


def create_pull_point(dev, req):
    if "pullpoint-500" in dev.quirks:
        raise HttpError(500, "<html><body>500 Internal Server Error</body></html>")
    ev = dev.state["events"]
    sub, now = ev.create(req, "pull")
    return ("<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference>"
            "<wsa:Address>%s%s</wsa:Address></tev:SubscriptionReference>%s"
            "</tev:CreatePullPointSubscriptionResponse>"
            % (dev.base_url(req), sub["path"], _times(ev, sub, now)))


def subscribe(dev, req):
    ev = dev.state["events"]
    consumer = req.text("wsnt:ConsumerReference/wsa:Address")
    u = urllib.parse.urlsplit(consumer or "")
    if u.scheme != "http" or not u.hostname:
        raise Fault(["ter:InvalidArgVal"], "ConsumerReference must be an http URL")
    sub, now = ev.create(req, "push", consumer)
    return ("<wsnt:SubscribeResponse><wsnt:SubscriptionReference><wsa:Address>%s%s"
            "</wsa:Address></wsnt:SubscriptionReference>%s</wsnt:SubscribeResponse>"
            % (dev.base_url(req), sub["path"], _times(ev, sub, now)))


def _reset(req):
    """Closes the connection with an RST, like a camera that crashed."""
    s = req.http.connection
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    except OSError:
        pass


def pull_messages(dev, req):
    ev = dev.state["events"]
    if "pullpoint-500" in dev.quirks:
        raise HttpError(500, "<html><body>500 Internal Server Error</body></html>")
    with ev.cond:
        ev.pulls += 1
        n = ev.pulls
    kind = ev.faults.get(n)
    if kind == "500":
        raise HttpError(500, "<html><body>500 Internal Server Error</body></html>")
    if kind == "reset":
        _reset(req)
        raise HttpError(500, "")
    sub = ev.lookup(req)
    if kind == "unknown":
        with ev.cond:
            sub["alive"] = False
            ev.subs.pop(sub["path"], None)
        ev.lookup(req)
    t = req.text("tev:Timeout") or "PT10S"
    m = re.fullmatch(r"PT(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?", t)
    if not m or not (m.group(1) or m.group(2)):
        raise Fault(["ter:InvalidArgVal"], "bad Timeout")
    timeout = int(m.group(1) or 0) * 60 + float(m.group(2) or 0)
    try:
        limit = int(req.text("tev:MessageLimit") or "100")
    except ValueError:
        raise Fault(["ter:InvalidArgVal"], "bad MessageLimit")
    if limit < 1:
        raise Fault(["ter:InvalidArgVal"], "bad MessageLimit")
    deadline = time.monotonic() + min(timeout, 60)
    with ev.cond:
        while True:
            if ev.dying:
                ev.cond.wait(10)    # never answer: the process is going away
                continue
            if not sub["alive"]:
                raise Fault(["ter:InvalidArgVal", "ter:ResourceUnknown"],
                            "ResourceUnknown: subscription ended")
            msgs = ev.take(sub, limit)
            left = deadline - time.monotonic()
            if msgs or left <= 0:
                break
            ev.cond.wait(left)
        for mm in msgs:
            ev.log({"event": "delivered", "sub": sub["id"], "mode": "pull",
                    "topic": _canon(mm["topic"], mm["xml"]), "ts": mm["ts"],
                    "seq": mm["seq"]})
        now = dev.now()
    return ("<tev:PullMessagesResponse><tev:CurrentTime>%s</tev:CurrentTime>"
            "<tev:TerminationTime>%s</tev:TerminationTime>%s</tev:PullMessagesResponse>"
            % (_ts(now).split(".")[0] + "Z", _ts(sub["expires"]).split(".")[0] + "Z",
               "".join(mm["xml"] for mm in msgs)))


def _canon(topic, xml):
    """The topic as the client should print it (canonical prefix)."""
    if ":" not in topic:
        return topic
    pfx, rest = topic.split(":", 1)
    m = re.search(r'xmlns:%s="([^"]+)"' % re.escape(pfx), xml)
    uri = m.group(1) if m else NS.get(pfx)
    for p, u in TOPIC_NS.items():
        if u == uri:
            return p + ":" + rest
    return topic


def renew(dev, req):
    ev = dev.state["events"]
    sub = ev.lookup(req)
    if "renew-refused" in dev.quirks:
        raise Fault(["ter:ActionNotSupported"], "Renew is not supported", code="Receiver")
    term = req.text("wsnt:TerminationTime")
    if "renew-relative-refused" in dev.quirks and term and term.strip().startswith("P"):
        raise Fault(["ter:InvalidArgVal"], "UnacceptableTerminationTime: relative time")
    now = dev.now()
    exp = ev.termination(term, now, 60.0)
    with ev.cond:
        sub["expires"] = exp
    ev.log({"event": "renew", "sub": sub["id"]})
    return ("<wsnt:RenewResponse><wsnt:TerminationTime>%s</wsnt:TerminationTime>"
            "<wsnt:CurrentTime>%s</wsnt:CurrentTime></wsnt:RenewResponse>"
            % (_ts(exp).split(".")[0] + "Z", _ts(now).split(".")[0] + "Z"))


def unsubscribe(dev, req):
    ev = dev.state["events"]
    sub = ev.lookup(req)
    if "unsubscribe-refused" in dev.quirks:
        raise Fault(["ter:ActionNotSupported"], "Unsubscribe is not supported",
                    code="Receiver")
    with ev.cond:
        sub["alive"] = False
        ev.subs.pop(sub["path"], None)
        ev.cond.notify_all()
    ev.log({"event": "unsubscribe", "sub": sub["id"]})
    return "<wsnt:UnsubscribeResponse/>"


def get_event_properties(dev, req):
    rec = dev.recorded(TEV, "GetEventProperties")
    if rec:
        return Raw(rec)
    return ("<tev:GetEventPropertiesResponse><tev:TopicNamespaceLocation>"
            "http://www.onvif.org/onvif/ver10/topics/topicns.xml</tev:TopicNamespaceLocation>"
            "<wsnt:FixedTopicSet>true</wsnt:FixedTopicSet><wstop:TopicSet>"
            '<tns1:RuleEngine wstop:topic="false"><CellMotionDetector wstop:topic="false">'
            '<Motion wstop:topic="true"><tt:MessageDescription IsProperty="true">'
            '<tt:Source><tt:SimpleItemDescription Name="VideoSourceConfigurationToken" '
            'Type="tt:ReferenceToken"/><tt:SimpleItemDescription Name="Rule" '
            'Type="xs:string"/></tt:Source><tt:Data><tt:SimpleItemDescription '
            'Name="IsMotion" Type="xs:boolean"/></tt:Data></tt:MessageDescription>'
            "</Motion></CellMotionDetector></tns1:RuleEngine></wstop:TopicSet>"
            "<wsnt:TopicExpressionDialect>%s</wsnt:TopicExpressionDialect>"
            "</tev:GetEventPropertiesResponse>" % DIALECT)


HANDLERS = {
    (TEV, "CreatePullPointSubscription"): create_pull_point,
    (TEV, "PullMessages"): pull_messages,
    (TEV, "GetEventProperties"): get_event_properties,
    (WSNT, "Subscribe"): subscribe,
    (WSNT, "Renew"): renew,
    (WSNT, "Unsubscribe"): unsubscribe,
}
