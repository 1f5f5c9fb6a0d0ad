#!/usr/bin/env python3
"""Write N realistic test messages into a Maildir, deterministically.

usage: gen_mail.py MAILDIR N TO_ADDRESS EXPECTED_TSV

The messages mix what real Swedish mailboxes hold: subjects and names as RFC 2047 words
(UTF-8 base64, ISO-8859-1 quoted-printable), raw UTF-8 headers, raw 8-bit Latin-1 header bytes
from old clients, ISO-8859-1 / Windows-1252 / UTF-8 bodies, multipart/alternative with HTML,
attachments, replies with In-Reply-To and References, a message without a Date header.
Numbering continues across calls (it counts the lines already in EXPECTED_TSV), and each call
appends "message-id<TAB>subject as it must decode" per message to EXPECTED_TSV.
"""
import base64
import os
import quopri
import sys
import time
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

PHRASES = [
    "Möte om kräftskivan på fredag",
    "Faktura för åtgärdat ärende",
    "Välkommen till föreningens årsmöte",
    "Påminnelse: återbetalning av lån",
    "Sjöutsikt i Västerås, äntligen",
    "Öppettider under julhelgen",
    "Ändrad leveranstid för beställningen",
    "Hälsningar från Göteborg",
    "Protokoll från styrelsemötet",
    "Frågor om årsredovisningen",
]
SENDERS = [
    ("Åsa Öberg", "asa.oberg@example.se"),
    ("Björn Ängström", "bjorn@example.se"),
    ("Märta Söderström", "marta.soderstrom@example.org"),
    ("Lars Nilsson", "lars.nilsson@example.com"),
    ("Jöns Kälvemark", "jons@kalvemark.example"),
    ("Support", "support@butik.example"),
]
BODY = (
    "Hej!\n\nHär kommer en påminnelse om mötet. Vi ses i föreningslokalen på "
    "Storgatan 3 i Västerås. Ta gärna med något att äta, så ordnar vi kaffe och "
    "kanelbullar. Svara gärna om du inte kan komma.\n\nMed vänliga hälsningar\n"
)
BASE = datetime(2026, 1, 5, 8, 0, tzinfo=timezone(timedelta(hours=1)))


def rfc2047_b(text):
    return "=?UTF-8?B?" + base64.b64encode(text.encode()).decode() + "?="


def rfc2047_q_latin1(text):
    raw = quopri.encodestring(text.encode("latin-1"), header=True).decode()
    return "=?ISO-8859-1?Q?" + raw.replace("?", "=3F") + "?="


def header_subject(i, subject):
    """Returns the raw header bytes for the subject, varying the encoding with i."""
    kind = i % 4
    if kind == 0:
        return b"Subject: " + rfc2047_b(subject).encode()
    if kind == 1:
        return b"Subject: " + rfc2047_q_latin1(subject).encode()
    if kind == 2:
        return b"Subject: " + subject.encode("utf-8")
    return b"Subject: " + subject.encode("latin-1")  # raw 8-bit Latin-1, as old clients wrote


def header_from(i):
    name, addr = SENDERS[i % len(SENDERS)]
    if i % 4 == 3:
        return b"From: " + name.encode("latin-1") + b" <" + addr.encode() + b">"
    if name.isascii():
        return ("From: %s <%s>" % (name, addr)).encode()
    return ("From: %s <%s>" % (rfc2047_b(name), addr)).encode()


def body_part(i):
    """Returns (headers, body bytes) of the text part."""
    kind = i % 3
    if kind == 0:
        return [b"Content-Type: text/plain; charset=utf-8", b"Content-Transfer-Encoding: 8bit"], BODY.encode()
    if kind == 1:
        return ([b"Content-Type: text/plain; charset=iso-8859-1",
                 b"Content-Transfer-Encoding: quoted-printable"],
                quopri.encodestring(BODY.encode("latin-1")))
    text = BODY + "Priset är 100 \u20ac \u2013 betala senast fredag.\n"
    return ([b"Content-Type: text/plain; charset=windows-1252", b"Content-Transfer-Encoding: 8bit"],
            text.encode("cp1252"))


def message(i, to, domain_tag):
    subject = "%s #%d" % (PHRASES[i % len(PHRASES)], i)
    msgid = "<seed-%d.%s@inkorg.test>" % (i, domain_tag)
    date = BASE + timedelta(minutes=37 * i)
    headers = [header_from(i), ("To: %s" % to).encode(), header_subject(i, subject),
               ("Message-ID: %s" % msgid).encode(), b"MIME-Version: 1.0"]
    if i % 50 != 49:  # a few messages arrive without a Date header
        headers.append(("Date: %s" % format_datetime(date)).encode())
    if i % 5 == 4 and i > 0:
        parent = "<seed-%d.%s@inkorg.test>" % (i - 1, domain_tag)
        headers.append(("In-Reply-To: %s" % parent).encode())
        headers.append(("References: <seed-0.%s@inkorg.test> %s" % (domain_tag, parent)).encode())
    if i % 6 == 5 and i > 0:
        headers.append(("Cc: Lars Nilsson <lars.nilsson@example.com>").encode())
    part_headers, part_body = body_part(i)
    if i % 10 == 7:
        boundary = b"==inkorg-%d==" % i
        attachment = base64.encodebytes(("Rad %d;Belopp;Kommentar\n" % i).encode() * 20)
        body = b"\r\n".join([
            b"This is a multi-part message in MIME format.", b"",
            b"--" + boundary, *part_headers, b"", part_body,
            b"--" + boundary,
            b"Content-Type: text/csv; name=\"=?UTF-8?Q?r=C3=A4kning.csv?=\"",
            b"Content-Disposition: attachment; filename*=UTF-8''r%C3%A4kning.csv",
            b"Content-Transfer-Encoding: base64", b"", attachment,
            b"--" + boundary + b"--", b""])
        headers.append(b"Content-Type: multipart/mixed; boundary=\"" + boundary + b"\"")
    elif i % 10 == 3:
        boundary = b"==alt-%d==" % i
        html = ("<html><body><p>%s</p><img src=\"https://tracker.example/p.gif\"></body></html>"
                % BODY.replace("\n", "<br>")).encode()
        body = b"\r\n".join([
            b"--" + boundary, *part_headers, b"", part_body,
            b"--" + boundary, b"Content-Type: text/html; charset=utf-8",
            b"Content-Transfer-Encoding: 8bit", b"", html,
            b"--" + boundary + b"--", b""])
        headers.append(b"Content-Type: multipart/alternative; boundary=\"" + boundary + b"\"")
    else:
        headers.extend(part_headers)
        body = part_body
    raw = b"\r\n".join(headers) + b"\r\n\r\n" + body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return msgid, subject, raw, date


def main():
    maildir, n, to, expected = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    start = 0
    if os.path.exists(expected):
        with open(expected, encoding="utf-8") as f:
            start = sum(1 for _ in f)
    tag = to.split("@")[0]
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    now = int(time.time())
    with open(expected, "a", encoding="utf-8") as out:
        for i in range(start, start + n):
            msgid, subject, raw, date = message(i, to, tag)
            unique = "%d.M%dP%d.inkorg" % (now, i, os.getpid())
            # Every third message has been read already; every eleventh is flagged.
            flags = ("F" if i % 11 == 0 else "") + ("S" if i % 3 == 0 else "")
            sub = "cur" if flags else "new"
            name = unique + (":2," + flags if flags else "")
            path = os.path.join(maildir, sub, name)
            with open(os.path.join(maildir, "tmp", unique), "wb") as f:
                f.write(raw)
            os.rename(os.path.join(maildir, "tmp", unique), path)
            ts = date.timestamp()
            os.utime(path, (ts, ts))  # Dovecot takes INTERNALDATE from the file's mtime
            out.write("%s\t%s\n" % (msgid, subject))


if __name__ == "__main__":
    main()
