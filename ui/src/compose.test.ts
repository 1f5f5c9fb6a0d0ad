import { describe, expect, it } from 'vitest';
import { mentionsAttachment, ownText, parseMailto, splitAddresses } from './compose';

describe('mailto: links open the composer filled in', () => {
  it('reads to, cc, bcc, subject and body as RFC 6068 writes them', () => {
    const m = parseMailto('mailto:anna@example.se,bo@example.se?cc=cilla%40example.se&bcc=d@example.se&subject=M%C3%B6te%20p%C3%A5%20fredag&body=Hej!%0D%0AVi%20ses.');
    expect(m).toEqual({
      to: ['anna@example.se', 'bo@example.se'],
      cc: ['cilla@example.se'],
      bcc: ['d@example.se'],
      subject: 'Möte på fredag',
      body: 'Hej!\nVi ses.',
    });
  });
  it('keeps a plus a plus and ignores other headers', () => {
    const m = parseMailto('MAILTO:?to=a+tag@example.se&subject=1+1&x-foo=bar');
    expect(m?.to).toEqual(['a+tag@example.se']);
    expect(m?.subject).toBe('1+1');
  });
  it('is not a mailto: link', () => {
    expect(parseMailto('https://example.se')).toBeNull();
  });
});

describe('the attachment warning', () => {
  it('notices Swedish and English mentions in the text written, not in the quote', () => {
    expect(mentionsAttachment('Jag bifogar protokollet.')).toBe(true);
    expect(mentionsAttachment('Se bilagan')).toBe(true);
    expect(mentionsAttachment('Please find it attached')).toBe(true);
    expect(mentionsAttachment('Vi ses i morgon')).toBe(false);
    const html = '<div>Tack!</div><div>Den 2 dec skrev Bo:</div><blockquote>Jag bifogar filen</blockquote>';
    expect(mentionsAttachment(ownText(html))).toBe(false);
  });
  it('splits address fields at commas outside quotes', () => {
    expect(splitAddresses('"Berg, Anna" <anna@x.se>; bo@y.se')).toEqual(['"Berg, Anna" <anna@x.se>', 'bo@y.se']);
  });
});
