import { describe, expect, it } from 'vitest';
import { describeError, guidance, linkHost } from './errors';
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
      'not_found', 'not_first_on_contact_card', 'internal'];
    for (const lang of ['sv', 'en'] as const) {
      setLanguage(lang);
      for (const kind of kinds) {
        const text = describeError({ kind, message: 'raw detail' });
        expect(text, kind).not.toMatch(/^error\./);
        expect(text.length, kind).toBeGreaterThan(10);
      }
    }
    setLanguage('en');
  });
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
