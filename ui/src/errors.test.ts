import { describe, expect, it } from 'vitest';
import { describeError } from './errors';
import { setLanguage } from './i18n';
import type { CommandError } from './ipc';

const server = { protocol: 'imap', host: 'imap.example.se', port: 993, security: 'tls' as const, user: 'a@example.se' };

describe('errors are worded from their kind', () => {
  it('names the server and never shows only the raw text', () => {
    setLanguage('en');
    const e: CommandError = { kind: 'wrong_credentials', message: 'IMAP …: raw', server };
    expect(describeError(e)).toBe('The user name or password was not accepted by imap.example.se:993.');
    setLanguage('sv');
    expect(describeError(e)).toBe('Användarnamnet eller lösenordet godtogs inte av imap.example.se:993.');
    setLanguage('en');
  });

  it('shows the fingerprint of an untrusted certificate', () => {
    const e: CommandError = { kind: 'certificate_untrusted', message: 'x', server, fingerprint: 'AB:CD' };
    expect(describeError(e)).toContain('AB:CD');
  });

  it('has a sentence for every kind', () => {
    const kinds = ['invalid_input', 'wrong_credentials', 'blocked_by_provider', 'certificate_untrusted',
      'starttls_not_offered', 'cannot_connect', 'protocol', 'keyring', 'storage', 'not_logged_in',
      'not_found', 'internal'] as const;
    for (const kind of kinds) {
      const text = describeError({ kind, message: 'raw detail' });
      expect(text, kind).not.toMatch(/^error\./);
      expect(text.length, kind).toBeGreaterThan(10);
    }
  });
});
