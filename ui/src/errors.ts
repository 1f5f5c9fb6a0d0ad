// Turns a CommandError into a sentence in the person's language, from its kind. The engine's
// English detail is kept for a "Details" disclosure, never shown alone.
import type { CommandError } from './ipc';
import { t, type Key } from './i18n';

export function serverName(e: CommandError): string {
  return e.server ? `${e.server.host}:${e.server.port}` : t('error.theServer');
}

export function describeError(e: CommandError): string {
  const key = `error.${e.kind}` as Key;
  return t(key, {
    server: serverName(e),
    field: e.field ?? '',
    message: e.message,
    fingerprint: e.fingerprint ?? '',
    serverText: e.serverText ?? '',
  }).trim();
}
