"""sipplog: the messages of a sipp -trace_msg log, split once for
tests/tools/sipp-msgs and tests/tools/sipp-json (imported from their
directory). The log is blocks, each after a line of dashes and a
timestamp: "UDP message received [N] bytes :" or "UDP message sent (N
bytes):" (TCP alike), a blank line, then the message as it went over the
wire."""
import re


def messages(data):
    """Yields (direction, head, body) for each message of the log bytes:
    direction "sent" or "received"; head the start line and header lines
    as text (Latin-1, CRs dropped, lines joined by \\n); body the bytes
    after the blank line that ends the headers, as sent."""
    for part in re.split(rb'\n?-{20,}[^\n]*\n', data):
        m = re.match(rb'\s*(?:UDP|TCP) message (received|sent)[^\n]*\n\n?', part)
        if not m:
            continue
        msg = part[m.end():]
        sep = b'\r\n\r\n' if b'\r\n\r\n' in msg else b'\n\n'
        head, _, body = msg.partition(sep)
        yield m.group(1).decode(), head.decode('latin-1').replace('\r', ''), body


def text(b):
    """A body as text and the charset it was read in: UTF-8 when it is,
    else GB18030 (GB2312 bodies; undecodable bytes replaced)."""
    try:
        return b.decode('utf-8'), 'utf-8'
    except UnicodeDecodeError:
        return b.decode('gb18030', 'replace'), 'gb18030'
