// Turns a CommandError into words in the person's language, from its kind (and, for a
// provider's refusal, its reason). The engine's English detail is kept for a "Details"
// disclosure, never shown alone.
import type { CommandError } from './ipc';
import type { BlockReasonDto } from './bindings/BlockReasonDto';
import type { ErrorKindDto } from './bindings/ErrorKindDto';
import { has, t, type Key } from './i18n.svelte';

export function serverName(e: Pick<CommandError, 'server'>): string {
  return e.server ? `${e.server.host}:${e.server.port}` : t('error.theServer');
}

function fieldName(field: string | undefined): string {
  if (!field) return t('error.field.other');
  const key = `error.field.${field}`;
  return has(key) ? t(key) : field;
}

/** An error as the setup view shows it; a detection problem adds what was tried. */
export type ShownError = CommandError & { domain?: string; hosts?: string[]; ports?: number[] };

export function describeError(e: ShownError): string {
  // An input the engine refused for a reason the person can act on gets its own sentence;
  // other invalid input names the field, with the engine's detail.
  const specific = `error.invalid.${e.field ?? ''}`;
  const key = (e.kind === 'invalid_input' && e.field && has(specific) ? specific : `error.${e.kind}`) as Key;
  return t(key, {
    server: serverName(e),
    field: fieldName(e.field),
    message: e.message,
    fingerprint: e.fingerprint ?? '',
    serverText: e.serverText ?? '',
    domain: e.domain ?? '',
    hosts: (e.hosts ?? []).join(', '),
    ports: (e.ports ?? []).join(', '),
  }).trim();
}

/** What a refused sign-in needs: the guidance to show, and what the person can do next. */
export interface Guidance {
  /** data-guidance on screen: the reason, or the kind when there is no reason. */
  id: BlockReasonDto | ErrorKindDto;
  title: Key;
  text: Key;
  /** The help page's advice: look in the inbox for the provider's message and follow it. */
  checkInbox: boolean;
  /** The provider's link (from its own answer), opened in the system browser. */
  url?: string;
  /** The provider's own words, shown as they were written. */
  serverText?: string;
  /** "Log in again" helps (a password or a trust question); else only waiting does. */
  relogin: boolean;
}

/** The guidance for an error about signing in, or null when the error is something else. */
export function guidance(e: Pick<CommandError, 'kind' | 'reason' | 'url' | 'serverText'>): Guidance | null {
  const base = { url: e.url ?? undefined, serverText: e.serverText ?? undefined };
  if (e.kind === 'blocked_by_provider') {
    const id: BlockReasonDto = e.reason ?? 'other';
    const waitOnly = id === 'too_many_connections' || id === 'throttled';
    return {
      ...base,
      id,
      title: `guide.${id}.title` as Key,
      text: `guide.${id}.text` as Key,
      checkInbox: id === 'web_login_required' || id === 'app_password_required' || id === 'other',
      relogin: !waitOnly && id !== 'oauth_required' && id !== 'smtp_auth_disabled_by_admin',
    };
  }
  if (e.kind === 'wrong_credentials' || e.kind === 'certificate_untrusted' || e.kind === 'keyring') {
    return {
      ...base,
      id: e.kind,
      title: `guide.${e.kind}.title` as Key,
      text: `guide.${e.kind}.text` as Key,
      checkInbox: e.kind === 'wrong_credentials',
      relogin: true,
    };
  }
  return null;
}

/** The host of a link, for its label ("Open support.google.com"). */
export function linkHost(url: string): string {
  const m = /^https?:\/\/([^/?#:]+)/i.exec(url);
  return m?.[1] ?? url;
}
