#!/usr/bin/env python3
"""Hostile mail for the reader's end-to-end test: one message per vector of vectors.html (as
an HTML body), and the tricks that need a whole message rather than a fragment: charsets
(UTF-7, UTF-16, ISO-2022-JP escapes, a <meta> charset that contradicts the header), markup in
text/plain, in headers and in names, SVG and HTML parts, multipart/related with a hostile
inline part. Every successful trick makes a request to the canary, which must see none.

    make_messages.py OUTDIR CANARY   (CANARY: http://127.0.0.1:PORT; writes OUTDIR/NNN.eml and
                                      prints how many)
    make_messages.py --consent FILE CANARY   (the newsletter whose remote content a person
                                              allows: only /allowed/ paths on the canary)
"""

import base64
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def headers(n, subject, ctype, extra=""):
    return (
        f"From: {'Bokhandeln <nyhetsbrev@bokhandeln.example>' if n == 999 else 'Hostile Sender <hostile@example.test>'}\r\n"
        "To: reader@inkorg.test\r\n"
        f"Subject: {subject}\r\n"
        f"Date: Tue, 1 Dec 2026 10:{n // 60:02d}:{n % 60:02d} +0000\r\n"
        f"Message-ID: <hostile-{n}@example.test>\r\n"
        "MIME-Version: 1.0\r\n"
        f"{extra}"
        f"Content-Type: {ctype}\r\n"
    )


def html_message(n, subject, html, charset="utf-8", body_bytes=None):
    body = body_bytes if body_bytes is not None else html.encode("utf-8")
    head = headers(n, subject, f"text/html; charset={charset}", "Content-Transfer-Encoding: base64\r\n")
    b64 = base64.encodebytes(body).replace(b"\n", b"\r\n")
    return head.encode() + b"\r\n" + b64


def utf7(text):
    """RFC 2152 with every markup character in base64, the way an attacker would write it."""
    out = []
    for ch in text:
        if ch.isalnum() or ch in " '.,:/?=-_()":
            out.append(ch)
        else:
            b = base64.b64encode(ch.encode("utf-16-be")).decode().rstrip("=")
            out.append(f"+{b}-")
    return "".join(out)


def tricks(canary):
    c = lambda i: f"{canary}/t{i}"  # noqa: E731
    t = []
    # 1-2: UTF-7, declared in the header and only in a <meta>.
    t.append(("UTF-7 script", lambda n: html_message(
        n, "Trick: UTF-7", "", "utf-7",
        utf7(f"<script>fetch('{c(1)}')</script><img src='{c(1)}'>").encode())))
    t.append(("meta charset UTF-7", lambda n: html_message(
        n, "Trick: meta charset", "", "utf-8",
        (f'<meta charset="utf-7">' + utf7(f"<img src='{c(2)}'>")).encode())))
    # 3: UTF-16 with a BOM under a UTF-8 label.
    t.append(("UTF-16 BOM", lambda n: html_message(
        n, "Trick: UTF-16", "", "utf-8",
        "\ufeff".encode("utf-16-le") + f"<img src='{c(3)}'><script>fetch('{c(3)}')</script>".encode("utf-16-le"))))
    # 4: ISO-2022-JP escapes inside a tag name.
    t.append(("ISO-2022-JP escapes", lambda n: html_message(
        n, "Trick: ISO-2022-JP", "", "iso-2022-jp",
        f"<scr\x1b(Bipt>fetch('{c(4)}')</scr\x1b(Bipt><i\x1b$B\x1b(Bmg src='{c(4)}'>".encode())))
    # 5: NUL and control bytes in markup.
    t.append(("NUL in tags", lambda n: html_message(
        n, "Trick: NUL bytes", "", "utf-8",
        f"<scr\x00ipt>fetch('{c(5)}')</scr\x00ipt><img\x0csrc='{c(5)}'>".encode())))
    # 6: markup in text/plain is text.
    t.append(("markup in plain text", lambda n: headers(
        n, "Trick: plain text markup", "text/plain; charset=utf-8").encode() + b"\r\n"
        + f"<img src=\"{c(6)}\"><script>fetch('{c(6)}')</script>\r\n".encode()))
    # 7: UTF-7 text/plain.
    t.append(("UTF-7 plain", lambda n: headers(
        n, "Trick: UTF-7 plain", "text/plain; charset=utf-7").encode() + b"\r\n"
        + utf7(f"<img src='{c(7)}'>").encode() + b"\r\n"))
    # 8: markup in the subject and the sender's name (encoded words).
    def names(n):
        subj = "=?utf-8?b?" + base64.b64encode(f"<img src='{c(8)}'>Ämne".encode()).decode() + "?="
        return (
            "From: =?utf-8?q?=3Cscript=3Efetch('" + c(8).replace(":", "=3A") + "')=3C/script=3E?= <x@example.test>\r\n"
            "To: reader@inkorg.test\r\n"
            f"Subject: Trick: {subj}\r\n"
            f"Date: Tue, 1 Dec 2026 11:00:{n % 60:02d} +0000\r\n"
            f"Message-ID: <hostile-{n}@example.test>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nnamn\r\n"
        ).encode()
    t.append(("markup in headers", names))
    # 9: an SVG image with a script and an external image, inline by cid: and as data:.
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg'><script>fetch('{c(9)}')</script>"
           f"<image href='{c(9)}' width='10' height='10'/></svg>")
    def related(n):
        b = "rel-boundary"
        return (headers(n, "Trick: SVG inline", f'multipart/related; boundary="{b}"').encode() + b"\r\n" + (
            f"--{b}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            f"<p>SVG</p><img src=\"cid:pic@x\"><img src=\"data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}\">\r\n"
            f"--{b}\r\nContent-Type: image/svg+xml\r\nContent-ID: <pic@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            f"{base64.b64encode(svg.encode()).decode()}\r\n--{b}--\r\n").encode())
    t.append(("SVG inline", related))
    # 10: an HTML attachment and a message/rfc822 with HTML inside: listed, never rendered.
    def attached(n):
        b = "mix-boundary"
        inner = (f"Subject: inner\r\nContent-Type: text/html\r\n\r\n<img src='{c(10)}'>\r\n")
        return (headers(n, "Trick: HTML attachments", f'multipart/mixed; boundary="{b}"').encode() + b"\r\n" + (
            f"--{b}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSe bilagorna.\r\n"
            f"--{b}\r\nContent-Type: text/html; name=\"page.html\"\r\nContent-Disposition: attachment; filename=\"page.html\"\r\n\r\n"
            f"<script>fetch('{c(10)}')</script><img src='{c(10)}'>\r\n"
            f"--{b}\r\nContent-Type: message/rfc822\r\n\r\n{inner}"
            f"--{b}--\r\n").encode())
    t.append(("HTML attachments", attached))
    # 11: a bad boundary: the raw body is shown as text, markup and all.
    t.append(("bad boundary", lambda n: headers(
        n, "Trick: bad boundary", 'multipart/alternative; boundary="nope"').encode() + b"\r\n"
        + f"--other\r\nContent-Type: text/html\r\n\r\n<img src='{c(11)}'>\r\n--other--\r\n".encode()))
    # 12: a wrong transfer encoding label on HTML (quoted-printable soft breaks inside a tag).
    t.append(("QP split tag", lambda n: headers(
        n, "Trick: QP split", "text/html; charset=utf-8", "Content-Transfer-Encoding: quoted-printable\r\n").encode()
        + b"\r\n" + f"<im=\r\ng src=3D'{c(12)}'><scr=\r\nipt>fetch('{c(12)}')</scr=\r\nipt>\r\n".encode()))
    return t


def consent(path, canary):
    """A newsletter as people get them: a remote logo and a tracking pixel (both on the
    canary, under /allowed/), a link whose text names another site, and an ordinary link."""
    html = f"""<html><body style="font-family:Georgia,serif;background:#f4efe6">
<table width="100%" style="max-width:600px;margin:auto;background:#fff"><tr><td style="padding:24px">
<img src="{canary}/allowed/logo.gif" alt="Bokhandeln" width="120" height="40">
<h1 style="color:#7a3b12">Veckans böcker från Bokhandeln</h1>
<p>Hej! Här är höstens nyheter och ett erbjudande för dig som är medlem.</p>
<p><a href="http://127.0.0.1:9/login">https://www.bokhandeln.se/medlem</a></p>
<p><a href="https://www.bokhandeln.se/host">Se alla höstnyheter</a></p>
<img src="{canary}/allowed/open.gif?id=4711" width="1" height="1" alt="">
</td></tr></table></body></html>"""
    with open(path, "wb") as f:
        f.write(html_message(999, "Veckans böcker från Bokhandeln", html))


def main():
    if sys.argv[1] == "--consent":
        consent(sys.argv[2], sys.argv[3].rstrip("/"))
        return
    out, canary = sys.argv[1], sys.argv[2].rstrip("/")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(HERE, "vectors.html"), encoding="utf-8") as f:
        vectors = f.read().split("\n----\n")
    port_path = canary.split("//", 1)[1]
    port = port_path.split(":", 1)[1] if ":" in port_path else "80"
    n = 0
    for i, v in enumerate(vectors):
        n += 1
        html = v.replace("{C}", f"{canary}/v{i}").replace("{CPATH}", f":{port}/v{i}")
        with open(os.path.join(out, f"{n:03d}.eml"), "wb") as f:
            f.write(html_message(n, f"Vector {i:02d}", f"<p>Vector {i}</p>\n{html}"))
    for _, make in tricks(canary):
        n += 1
        with open(os.path.join(out, f"{n:03d}.eml"), "wb") as f:
            f.write(make(n))
    print(n)


if __name__ == "__main__":
    main()
