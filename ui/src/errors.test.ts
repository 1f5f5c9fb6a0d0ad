import { describe, expect, it } from 'vitest';
import { describeError, guidance, linkHost, type ShownError } from './errors';
import { setLanguage, t } from './i18n.svelte';
import type { CommandError } from './ipc';
import type { BlockReasonDto } from './bindings/BlockReasonDto';
import type { ErrorKindDto } from './bindings/ErrorKindDto';

const server = { protocol: 'imap', host: 'imap.example.se', port: 993, security: 'tls' as const, user: 'a@example.se' };

describe('errors are worded from their kind', () => {
  it('names the server and never shows only the raw text', () => {
    setLanguage('en');
    const e: CommandError = { kind: 'wrong_credentials', message: 'IMAP …: raw', server };
    expect(describeError(e)).toBe('The user name or password was not accepted by imap.example.se:993.');
    setLanguage('sv');
    expect(describeError(e)).toBe('Användarnamnet eller lösenordet godkändes inte av imap.example.se:993.');
    setLanguage('en');
  });

  it('shows the fingerprint of an untrusted certificate', () => {
    const e: CommandError = { kind: 'certificate_untrusted', message: 'x', server, fingerprint: 'AB:CD' };
    expect(describeError(e)).toContain('AB:CD');
  });

  it('has a sentence for every kind, in both languages', () => {
    const kinds: ErrorKindDto[] = ['invalid_input', 'wrong_credentials', 'blocked_by_provider', 'certificate_untrusted',
      'starttls_not_offered', 'cannot_connect', 'protocol', 'keyring', 'storage', 'not_logged_in',
      'not_found', 'not_first_on_contact_card', 'no_server_found', 'needs_confirmation', 'cancelled', 'internal'];
    for (const lang of ['sv', 'en'] as const) {
      setLanguage(lang);
      for (const kind of kinds) {
        const text = describeError({ kind, message: 'raw detail' });
        expect(text, kind).not.toMatch(/^error\./);
        expect(text, kind).not.toMatch(/[{}]/);
        expect(text.length, kind).toBeGreaterThan(10);
      }
    }
    setLanguage('en');
  });
});

describe('every error the setup can show has its own words in both languages', () => {
  const cases: [ShownError, string, string][] = [
    [{ kind: 'no_server_found', message: 'raw', domain: 'inkorg.test', hosts: ['imap.inkorg.test', 'mail.inkorg.test', 'inkorg.test'], ports: [993, 143] },
      'Inkorg hittade ingen server för inkorg.test. Provade: imap.inkorg.test, mail.inkorg.test, inkorg.test (993, 143)',
      'Inkorg found no server for inkorg.test. Tried: imap.inkorg.test, mail.inkorg.test, inkorg.test (993, 143)'],
    [{ kind: 'invalid_input', field: 'plaintext', message: 'raw' },
      'Servern saknar kryptering. Kryssa i rutan som beskriver risken innan Inkorg skickar lösenordet okrypterat.',
      'The server has no encryption. Tick the box that describes the risk before Inkorg sends the password unencrypted.'],
    [{ kind: 'invalid_input', field: 'saved_password', message: 'raw' },
      'Inställningarna för inkommande server har ändrats, så det sparade lösenordet skickas inte dit. Skriv lösenordet.',
      "The incoming server's settings changed, so the saved password is not sent there. Type the password."],
    [{ kind: 'invalid_input', field: 'saved_smtp_password', message: 'raw' },
      'Inställningarna för utgående server har ändrats, så det sparade lösenordet skickas inte dit. Skriv lösenordet för utgående server.',
      "The outgoing server's settings changed, so the saved password is not sent there. Type the outgoing server's password."],
    [{ kind: 'invalid_input', field: 'ca_file', message: 'raw' },
      'CA-filen går inte att läsa eller innehåller inget certifikat (PEM).',
      'The CA file cannot be read or holds no certificate (PEM).'],
    [{ kind: 'invalid_input', field: 'detection', message: 'raw' },
      'Tryck på Nästa först, så att Inkorg hittar servrarna för adressen.',
      'Press Next first, so that Inkorg finds the servers for this address.'],
    [{ kind: 'needs_confirmation', message: 'raw' },
      'Servrarna som hittades ligger utanför din domän. Inkorg skickar inte lösenordet dit förrän du har godkänt dem.',
      'The servers found are outside your domain. Inkorg does not send the password there until you have confirmed them.'],
    [{ kind: 'wrong_credentials', message: 'raw', server },
      'Användarnamnet eller lösenordet godkändes inte av imap.example.se:993.',
      'The user name or password was not accepted by imap.example.se:993.'],
  ];
  for (const [error, sv, en] of cases) {
    it(`${error.kind} ${error.field ?? ''}`, () => {
      setLanguage('sv');
      expect(describeError(error)).toBe(sv);
      setLanguage('en');
      expect(describeError(error)).toBe(en);
    });
  }
});

describe('a refused sign-in becomes guidance', () => {
  const reasons: BlockReasonDto[] = ['app_password_required', 'web_login_required', 'oauth_required',
    'smtp_auth_disabled_by_admin', 'too_many_connections', 'throttled', 'other'];

  it('has words for every reason of the provider table, in both languages', () => {
    for (const lang of ['sv', 'en'] as const) {
      setLanguage(lang);
      for (const reason of reasons) {
        const g = guidance({ kind: 'blocked_by_provider', reason })!;
        expect(g.id).toBe(reason);
        for (const key of [g.title, g.text]) {
          expect(t(key), `${lang} ${key}`).not.toBe(key);
        }
      }
    }
    setLanguage('en');
  });

  it('tells a blocked Gmail sign-in to check the inbox and keeps the provider link', () => {
    const g = guidance({
      kind: 'blocked_by_provider', reason: 'app_password_required',
      url: 'https://support.google.com/accounts/answer/185833', serverText: '[ALERT] Application-specific password required',
    })!;
    expect(g.checkInbox).toBe(true);
    expect(g.relogin).toBe(true);
    expect(linkHost(g.url!)).toBe('support.google.com');
  });

  it('offers no new login where a password cannot help, only waiting', () => {
    for (const reason of ['too_many_connections', 'throttled', 'oauth_required', 'smtp_auth_disabled_by_admin'] as const) {
      expect(guidance({ kind: 'blocked_by_provider', reason })!.relogin, reason).toBe(false);
    }
  });

  it('treats a wrong password as a sign-in problem and a lost connection as something else', () => {
    expect(guidance({ kind: 'wrong_credentials' })!.relogin).toBe(true);
    expect(guidance({ kind: 'cannot_connect' })).toBeNull();
  });
});
