import { describe, expect, it } from 'vitest';
import en from './locales/en.json';
import sv from './locales/sv.json';
import { pickLanguage, setLanguage, t } from './i18n.svelte';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('translations', () => {
  it('Swedish and English have the same keys and placeholders', () => {
    expect(Object.keys(sv).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(sv[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('uses the help page wording in Swedish', () => {
    setLanguage('sv');
    expect(t('setup.title')).toBe('Konfigurera e-postkonto');
    expect(t('setup.advanced')).toBe('Avancerade inställningar');
    expect(t('inbox.new', { n: 3 })).toBe('3 nya');
    setLanguage('en');
    expect(t('inbox.new', { n: 3 })).toBe('3 new');
  });

  it('follows a Swedish system language and falls back to English', () => {
    expect(pickLanguage('sv-SE')).toBe('sv');
    expect(pickLanguage('en-US')).toBe('en');
    expect(pickLanguage('de')).toBe('en');
    expect(pickLanguage(undefined)).toBe('en');
  });
});
