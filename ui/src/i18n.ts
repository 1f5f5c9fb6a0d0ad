// UI strings in Swedish and English. Issue "setup flow" moves language choice to the OS
// language reported by Rust and a setting; until then the webview's language decides.
import en from './locales/en.json';
import sv from './locales/sv.json';

export type Lang = 'sv' | 'en';
export type Key = keyof typeof en;
const tables: Record<Lang, Record<string, string>> = { en, sv };

let lang: Lang = pickLanguage(typeof navigator === 'undefined' ? 'en' : navigator.language);

export function pickLanguage(tag: string | undefined): Lang {
  return tag?.toLowerCase().startsWith('sv') ? 'sv' : 'en';
}

export function setLanguage(l: Lang): void {
  lang = l;
}

export function language(): Lang {
  return lang;
}

/** The string for `key` with `{name}` placeholders filled in; English if a key is missing. */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const text = tables[lang][key] ?? tables.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}
