// UI strings in Swedish and English. The language follows the OS (asked of Rust: webviews do
// not report it reliably), falls back to English, and Email options > General overrides it.
// `t` reads reactive state, so every string on screen changes when the language does.
import en from './locales/en.json';
import sv from './locales/sv.json';
import type { LanguageDto } from './bindings/LanguageDto';

export type Lang = 'sv' | 'en';
export type Key = keyof typeof en;
const tables: Record<Lang, Record<string, string>> = { en, sv };

const current = $state<{ lang: Lang }>({ lang: 'en' });

/** Swedish for any Swedish tag ("sv", "sv-SE", "sv_FI.UTF-8"), English for everything else. */
export function pickLanguage(tag: string | null | undefined): Lang {
  return tag?.toLowerCase().startsWith('sv') ? 'sv' : 'en';
}

/** The language to use for a setting, given the OS language tag. */
export function resolveLanguage(setting: LanguageDto, systemTag: string | null | undefined): Lang {
  return setting === 'system' ? pickLanguage(systemTag) : setting;
}

export function setLanguage(l: Lang): void {
  current.lang = l;
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}

export function language(): Lang {
  return current.lang;
}

/** The string for `key` with `{name}` placeholders filled in; English if a key is missing. */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const text = tables[current.lang][key] ?? tables.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Whether a key exists (for keys built from a kind or a reason). */
export function has(key: string): key is Key {
  return key in tables.en;
}
