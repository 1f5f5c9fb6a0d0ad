// What the composer decides without the core: mailto: links (RFC 6068), the address fields,
// and the two warnings (a message too big for most providers, an attachment mentioned but
// missing).
import type { MailtoDto } from './bindings/MailtoDto';

/** Most providers refuse messages above 25 MB (Gmail, Microsoft 365, most Swedish hosts). */
export const SIZE_LIMIT = 25 * 1000 * 1000;

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Addresses in a field: split at commas and semicolons outside quotes and brackets. */
export function splitAddresses(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let angle = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === '<' && !quoted) angle = true;
    else if (c === '>' && !quoted) angle = false;
    else if ((c === ',' || c === ';') && !quoted && !angle) {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** A mailto: URL's fields (RFC 6068: to in the path and in `to=`, cc, bcc, subject, body;
 * percent-encoded UTF-8; other headers ignored, as the RFC allows). Null if not mailto:. */
export function parseMailto(url: string): MailtoDto | null {
  if (!/^mailto:/i.test(url)) return null;
  const rest = url.slice(7);
  const q = rest.indexOf('?');
  const path = q >= 0 ? rest.slice(0, q) : rest;
  const query = q >= 0 ? rest.slice(q + 1) : '';
  const m: MailtoDto = { to: splitAddresses(decode(path)), cc: [], bcc: [], subject: '', body: '' };
  for (const pair of query.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decode(eq >= 0 ? pair.slice(0, eq) : pair).toLowerCase();
    // '+' is a plus in mailto: (RFC 6068 7), not a space as in forms.
    const value = decode(eq >= 0 ? pair.slice(eq + 1) : '');
    if (key === 'to') m.to.push(...splitAddresses(value));
    else if (key === 'cc') m.cc.push(...splitAddresses(value));
    else if (key === 'bcc') m.bcc.push(...splitAddresses(value));
    else if (key === 'subject') m.subject = value;
    else if (key === 'body') m.body = value.replace(/\r\n/g, '\n');
  }
  return m;
}

const MENTIONS = /\b(bifogar|bifogad|bifogade|bifogat|bilaga|bilagan|bilagor|bilagorna|attached|attaching|attachment|attachments|enclosed)\b/i;

/** Whether the text the person wrote (not the quote below it) mentions an attachment. */
export function mentionsAttachment(ownText: string): boolean {
  return MENTIONS.test(ownText);
}

/** The person's own words in the composer's HTML: what is above the quote or the
 * forwarded message. */
export function ownText(html: string): string {
  const cut = html.search(/<blockquote|---------- (Vidarebefordrat meddelande|Forwarded message)/);
  const mine = cut >= 0 ? html.slice(0, cut) : html;
  return mine.replace(/<div class="inkorg-signature">[\s\S]*?<\/div>/g, ' ').replace(/<[^>]*>/g, ' ');
}
