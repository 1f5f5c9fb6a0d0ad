#!/usr/bin/env python3
"""Compares the reader's snapshots (NAME.expected.json, which the Rust snapshot test holds equal
to what the reader shows) with an independent MIME decoder: Python's email package. For each
message: the text must be the same words (whitespace and quote marks aside, since the reader
joins format=flowed lines), the subject and sender the same, and the attachment names the same
after the reader's safe-name rules. Broken messages only need to have been read. Exits non-zero
on any difference, and when the corpus is missing or small."""
import email, email.headerregistry, email.policy, glob, html.parser, json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))

class Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.skip = [], 0
    def handle_starttag(self, tag, attrs):
        if tag in ('style', 'script', 'head', 'title'):
            self.skip += 1
    def handle_endtag(self, tag):
        if tag in ('style', 'script', 'head', 'title'):
            self.skip -= 1
    def handle_data(self, d):
        if not self.skip:
            self.out.append(d)

def raw_header(raw, name):
    """A header's raw bytes, straight from the file (unfolded)."""
    head = raw.split(b'\r\n\r\n', 1)[0]
    m = re.search(rb'(?im)^' + name + rb':[ \t]*(.*(?:\r\n[ \t].*)*)', head)
    return m.group(1).replace(b'\r\n', b'') if m else b''

def header_text(msg, raw):
    """Raw 8-bit header bytes in the charset the message declares (else Windows-1252), and
    unencoded ISO-2022-JP: the rule the reader follows, applied to the raw bytes."""
    if b'\x1b' in raw:
        return raw.decode('iso-2022-jp')
    for cs in (msg.get_content_charset(), 'cp1252'):
        try:
            return raw.decode(cs or 'cp1252')
        except (LookupError, UnicodeDecodeError):
            pass
    return raw.decode('utf-8', 'replace')

def words(s):
    return re.sub(r'[\s>•]+', '', s)

def safe(name):
    name = re.split(r'[/\\]', name)[-1]
    name = ''.join(c for c in name if c.isprintable() and not ('\u202a' <= c <= '\u202e') and not ('\u2066' <= c <= '\u2069'))
    return name

failures, checked = [], 0
emls = sorted(glob.glob(os.path.join(HERE, '*.eml')))
if len(emls) < 30:
    sys.exit(f'corpus: only {len(emls)} messages in {HERE}')
for path in emls:
    name = os.path.basename(path)[:-4]
    want = json.load(open(path[:-4] + '.expected.json'))
    if name.startswith('broken-'):
        checked += 1
        continue
    raw = open(path, 'rb').read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    body = msg.get_body(preferencelist=('html', 'plain'))
    text = ''
    if body is not None:
        content = body.get_content()
        if body.get_content_subtype() == 'html':
            p = Text(); p.feed(content); text = ''.join(p.out)
        else:
            text = content
            if '\ufffd' in text:
                # Mislabelled 8-bit text: the reader falls back to Windows-1252.
                text = body.get_payload(decode=True).decode('cp1252', 'replace')
    if words(text) != words(want['text']):
        failures.append(f'{name}: text\n  python: {text!r}\n  inkorg: {want["text"]!r}')
    subject = str(msg['subject'] or '')
    if any('\udc80' <= c <= '\udcff' or c in '\ufffd\x1b' for c in subject):
        subject = header_text(msg, raw_header(raw, b'subject'))
    subject = ' '.join(subject.split())
    if subject != want['headers']['subject']:
        failures.append(f'{name}: subject python {subject!r} inkorg {want["headers"]["subject"]!r}')
    frm = msg['from']
    if frm is not None and frm.addresses:
        a = frm.addresses[0]
        if any('\udc80' <= c <= '\udcff' for c in a.display_name):
            shown = header_text(msg, raw_header(raw, b'from')).rsplit('<', 1)[0].strip()
            a = email.headerregistry.Address(shown, addr_spec=a.addr_spec)
        if a.addr_spec != want['headers']['from_addr'] or (a.display_name and a.display_name not in want['headers']['from']):
            failures.append(f'{name}: from python {a.display_name!r} <{a.addr_spec}> inkorg {want["headers"]["from"]!r}')
    py_names = []
    for part in msg.iter_attachments():
        fn = part.get_filename()
        if fn is None and part.get_content_type() == 'message/rfc822':
            inner = part.get_content()
            fn = f"{inner['subject']}.eml"
        if part.get('Content-ID') and body is not None and body.get_content_subtype() == 'html':
            continue
        py_names.append(safe(fn or ''))
    ours = [a['name'].lstrip('_') if a['name'].startswith('_CON') else a['name'] for a in want['attachments']]
    if sorted(py_names) != sorted(ours):
        failures.append(f'{name}: attachments python {py_names} inkorg {ours}')
    checked += 1
for f in failures:
    print('DIFFERS', f)
print(f'corpus: {checked} messages compared with Python\'s email package, {len(failures)} differ')
sys.exit(1 if failures else 0)
