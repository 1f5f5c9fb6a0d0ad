import { describe, expect, it } from 'vitest';
import { fileSize, visibleRange } from './format';
import { setLanguage } from './i18n.svelte';

describe('the virtualized list', () => {
  it('renders only the rows in view plus a margin', () => {
    expect(visibleRange(0, 560, 56, 10000)).toEqual({ first: 0, last: 18 });
    const r = visibleRange(56 * 5000, 560, 56, 10000);
    expect(r.last - r.first).toBeLessThan(30);
    expect(r.first).toBe(4992);
  });

  it('never goes past the end', () => {
    expect(visibleRange(56 * 9990, 560, 56, 10000).last).toBe(10000);
    expect(visibleRange(0, 560, 56, 3)).toEqual({ first: 0, last: 3 });
  });
});

describe('file sizes', () => {
  it('are written with the decimal comma in Swedish and the point in English', () => {
    setLanguage('sv');
    expect([fileSize(820), fileSize(14_200), fileSize(9_300_000), fileSize(1_000_000_000)]).toEqual(['820 B', '14 kB', '9,3 MB', '1,0 GB']);
    setLanguage('en');
    expect([fileSize(9_300_000), fileSize(250_000_000)]).toEqual(['9.3 MB', '250 MB']);
  });
});
