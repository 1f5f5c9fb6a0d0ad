#!/usr/bin/env python3
"""Writes the reader's .eml corpus (tests/corpus/*.eml): charsets and structures as real mail
uses them, broken mail, and hostile HTML. Run once when adding a case; the files are committed
and the expected outputs (*.expected.json) are written by the reader's snapshot test with
INKORG_UPDATE_SNAPSHOTS=1 and reviewed by hand (and by check_corpus.py, an independent decoder).
"""
import base64, os, quopri

HERE = os.path.dirname(os.path.abspath(__file__))

def w(name, data):
    if isinstance(data, str):
        data = data.encode('utf-8')
    data = data.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
    with open(os.path.join(HERE, name + '.eml'), 'wb') as f:
        f.write(data)

def hdr(subject=b'Test', frm=b'Anna Svensson <anna@example.se>', extra=b''):
    return (b'From: ' + frm + b'\nTo: Bo <bo@example.se>\nSubject: ' + subject +
            b'\nDate: Tue, 01 Dec 2026 10:00:00 +0100\nMessage-ID: <' +
            base64.b32encode(subject[:20]).rstrip(b'=').lower() + b'@example.se>\nMIME-Version: 1.0\n' + extra)

def text_mail(name, charset, text, subject=None, cte='8bit', extra=b''):
    body = text.encode(charset) if charset != 'utf-7' else text.encode('utf-7')
    if cte == 'quoted-printable':
        body = quopri.encodestring(body)
    elif cte == 'base64':
        body = base64.encodebytes(body)
    subj = subject if subject is not None else ('=?utf-8?b?' + base64.b64encode(('Teckentabell ' + charset).encode()).decode() + '?=').encode()
    w(name, hdr(subj, extra=extra) + b'Content-Type: text/plain; charset=' + charset.encode() +
      b'\nContent-Transfer-Encoding: ' + cte.encode() + b'\n\n' + body + b'\n')

# Charsets in bodies.
text_mail('charset-utf8', 'utf-8', 'Hej Bo!\nKräftskivan är på fredag. Ta med dig snaps och glädje.\n')
text_mail('charset-iso-8859-1', 'iso-8859-1', 'Hej!\nMötet flyttas till måndag, så att alla hinner äta.\n', cte='quoted-printable')
text_mail('charset-iso-8859-15', 'iso-8859-15', 'Priset är 100 € per person.\n', cte='quoted-printable')
text_mail('charset-windows-1252', 'windows-1252', 'Offert – “ny” version … 50 € inkl. moms\n', cte='8bit')
text_mail('charset-koi8-r', 'koi8-r', 'Привет, Боб! Встреча в пятницу.\n', cte='8bit')
text_mail('charset-shift-jis', 'shift_jis', 'こんにちは。会議は金曜日です。\n', cte='base64')
text_mail('charset-iso-2022-jp', 'iso-2022-jp', 'お世話になっております。資料を送ります。\n', cte='7bit')
text_mail('charset-gb2312', 'gb2312', '你好，会议在星期五。\n', cte='base64')
text_mail('charset-gbk', 'gbk', '您好，请查收附件。\n', cte='base64')
text_mail('charset-big5', 'big5', '您好，會議在星期五。\n', cte='base64')
text_mail('charset-utf7', 'utf-7', 'Hej Bo, vi ses på mötet i Göteborg.\n', cte='7bit')
text_mail('charset-wrong-label', 'us-ascii', '', extra=b'')
# A body labelled us-ascii that is really Latin-1 (common in old mail).
w('charset-wrong-label', hdr(b'Fel teckentabell') + b'Content-Type: text/plain; charset=us-ascii\n\nH\xe4lsningar fr\xe5n G\xf6teborg\n')

# Raw 8-bit headers in the message's own charset, and unencoded ISO-2022-JP in a header.
w('header-raw-koi8r', hdr('Отчёт за ноябрь'.encode('koi8-r'), frm='Иван Петров'.encode('koi8-r') + b' <ivan@example.ru>') +
  b'Content-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: 8bit\n\n' + 'Отчёт во вложении.\n'.encode('koi8-r'))
w('header-raw-euc-kr', hdr('회의 일정'.encode('euc-kr')) +
  b'Content-Type: text/plain; charset=euc-kr\nContent-Transfer-Encoding: 8bit\n\n' + '내일 회의가 있습니다.\n'.encode('euc-kr'))
w('header-raw-shift-jis', hdr('会議のお知らせ'.encode('shift_jis')) +
  b'Content-Type: text/plain; charset=shift_jis\nContent-Transfer-Encoding: 8bit\n\n' + '明日は会議です。\n'.encode('shift_jis'))
w('header-unencoded-iso-2022-jp', hdr('見積書の件'.encode('iso-2022-jp')) +
  b'Content-Type: text/plain; charset=iso-2022-jp\nContent-Transfer-Encoding: 7bit\n\n' + 'よろしくお願いします。\n'.encode('iso-2022-jp'))
w('header-raw-latin1', hdr(b'M\xf6te om kr\xe4ftskivan', frm=b'\xc5sa \xd6berg <asa@example.se>') +
  b'Content-Type: text/plain; charset=iso-8859-1\n\nVi ses p\xe5 fredag.\n')
w('header-encoded-words', hdr(b'=?iso-8859-1?q?R=E4kning_f=F6r_november?= =?utf-8?b?4oCTIGJldGFsYQ==?=',
  frm=b'=?utf-8?q?Bj=C3=B6rn_=C3=85str=C3=B6m?= <bjorn@example.se>') + b'Content-Type: text/plain; charset=utf-8\n\nSe bifogad r\xc3\xa4kning.\n')

# format=flowed, with DelSp, and quotes.
w('flowed', hdr(b'Flowed') + b'Content-Type: text/plain; charset=utf-8; format=flowed\n\n'
  b'Det h\xc3\xa4r \xc3\xa4r ett l\xc3\xa5ngt stycke som skickas \n'
  b'med mjuka radbrytningar s\xc3\xa5 att det kan fl\xc3\xb6da \n'
  b'om i l\xc3\xa4sf\xc3\xb6nstret.\n\n'
  b'> Citerad rad ett som \n> forts\xc3\xa4tter h\xc3\xa4r.\n>> Djupare citat.\n\n-- \nAnna\n')
w('flowed-delsp', hdr(b'DelSp') + b'Content-Type: text/plain; charset=iso-2022-jp; format=flowed; delsp=yes\nContent-Transfer-Encoding: 7bit\n\n' +
  '日本語の長い文章が '.encode('iso-2022-jp') + b'\n' + 'ここで続きます。'.encode('iso-2022-jp') + b'\n')
w('quotes-long', hdr(b'Re: Planering') + b'Content-Type: text/plain; charset=utf-8\n\n'
  b'Det l\xc3\xa5ter bra, vi k\xc3\xb6r p\xc3\xa5 det.\n\nDen 30 nov skrev Bo:\n> Rad 1\n> Rad 2\n> > Bo citerar Anna\n> Rad 4\n> Rad 5\n> Rad 6\n')
w('links', hdr(b'L\xc3\xa4nkar') + b'Content-Type: text/plain; charset=utf-8\n\n'
  b'L\xc3\xa4s mer p\xc3\xa5 https://example.se/nyheter?id=5&x=1. Eller www.example.org (se sidan).\n'
  b'Skriv till anna@example.se eller <mailto:bo@example.se>.\n')

# Structures.
w('alternative', hdr(b'Nyhetsbrev') + b'Content-Type: multipart/alternative; boundary="ALT"\n\n'
  b'--ALT\nContent-Type: text/plain; charset=utf-8\n\nNyhetsbrev i textform.\n'
  b'--ALT\nContent-Type: text/html; charset=utf-8\n\n<html><head><style>.big{font-size:20px}</style></head>'
  b'<body><h1 class="big">Nyhetsbrev</h1><p style="color:#333">Vinterns <b>b\xc3\xa4sta</b> erbjudanden.</p>'
  b'<a href="https://example.se/erbjudanden">Se alla</a></body></html>\n--ALT--\n')
png = base64.b64decode(b'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==')
w('related-inline-image', hdr(b'Med bild') + b'Content-Type: multipart/related; boundary="REL"\n\n'
  b'--REL\nContent-Type: text/html; charset=utf-8\n\n<p>Logga:</p><img src="cid:logo@example.se" alt="logga">\n'
  b'--REL\nContent-Type: image/png\nContent-Transfer-Encoding: base64\nContent-ID: <logo@example.se>\n\n' + base64.encodebytes(png) +
  b'--REL--\n')
pdf = b'%PDF-1.4\n% inkorg test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'
w('attachments', hdr(b'Bilagor') + b'Content-Type: multipart/mixed; boundary="MIX"\n\n'
  b'--MIX\nContent-Type: text/plain; charset=utf-8\n\nH\xc3\xa4r kommer fakturan och bilderna.\n'
  b'--MIX\nContent-Type: application/pdf; name="=?utf-8?q?Faktura_n=C3=B6vember.pdf?="\nContent-Disposition: attachment; filename*=utf-8\'\'Faktura%20n%C3%B6vember.pdf\nContent-Transfer-Encoding: base64\n\n' + base64.encodebytes(pdf) +
  b'--MIX\nContent-Type: application/octet-stream; name="../../etc/passwd"\nContent-Disposition: attachment; filename="../../etc/passwd"\nContent-Transfer-Encoding: base64\n\n' + base64.encodebytes(b'not a password file\n') +
  b'--MIX\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename="invoice\xe2\x80\xaefdp.exe"\nContent-Transfer-Encoding: base64\n\n' + base64.encodebytes(b'MZ fake\n') +
  b'--MIX\nContent-Type: text/plain; name="CON.txt"\nContent-Disposition: attachment; filename="CON.txt"\n\nreserved name\n'
  b'--MIX--\n')
w('forwarded-message', hdr(b'Fwd: Kallelse') + b'Content-Type: multipart/mixed; boundary="FWD"\n\n'
  b'--FWD\nContent-Type: text/plain; charset=utf-8\n\nSe nedan.\n'
  b'--FWD\nContent-Type: message/rfc822\nContent-Disposition: attachment\n\n'
  b'From: Carl <carl@example.se>\nTo: anna@example.se\nSubject: Kallelse till m\xc3\xb6te\nContent-Type: text/plain; charset=utf-8\n\nV\xc3\xa4lkommen p\xc3\xa5 m\xc3\xb6te.\n'
  b'--FWD--\n')

# Broken mail.
w('broken-bad-boundary', hdr(b'Trasig gr\xc3\xa4ns') + b'Content-Type: multipart/mixed; boundary="SOMETHING"\n\n'
  b'--OTHER\nContent-Type: text/plain\n\nText som aldrig f\xc3\xa5r en r\xc3\xa4tt gr\xc3\xa4ns.\n--OTHER--\n')
w('broken-no-headers', b'\nBara en kropp, inga rubriker alls.\n')
w('broken-address-without-domain', b'From: kalle\nTo: undisclosed-recipients:;\nSubject: Utan dom\xc3\xa4n\n\nHej.\n')
w('broken-truncated-base64', hdr(b'Avklippt') + b'Content-Type: multipart/mixed; boundary="B"\n\n--B\nContent-Type: text/plain; charset=utf-8\n\nText f\xc3\xb6re bilagan.\n--B\nContent-Type: application/pdf; name="halv.pdf"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK%%%\nJVBE')
w('broken-unknown-charset', hdr(b'Ok\xc3\xa4nd') + b'Content-Type: text/plain; charset=x-no-such-charset\n\nPlain ASCII text survives.\n')
w('html-only-newsletter', hdr(b'Erbjudande') + b'Content-Type: text/html; charset=utf-8\n\n'
  b'<table width="600" bgcolor="#ffffff" style="background:url(https://tracker.example/bg.png)"><tr><td>'
  b'<img src="https://tracker.example/pixel.gif" width="1" height="1"><h2>Vinterrea</h2>'
  b'<p>Upp till 50 % rabatt.</p><a href="https://shop.example/rea">Handla nu</a></td></tr></table>\n')
print('corpus written')
