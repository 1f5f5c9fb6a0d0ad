import { language } from './i18n.svelte';

/** Today: time of day; this year: day and month; older: the full date. */
export function listDate(epochSeconds: number, now: Date = new Date()): string {
  const d = new Date(epochSeconds * 1000);
  const locale = language() === 'sv' ? 'sv-SE' : 'en-GB';
  if (d.toDateString() === now.toDateString()) {
    return d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  }
  if (d.getFullYear() === now.getFullYear()) {
    return d.toLocaleDateString(locale, { day: 'numeric', month: 'short' });
  }
  return d.toLocaleDateString(locale, { year: 'numeric', month: '2-digit', day: '2-digit' });
}

export function fullDate(epochSeconds: number): string {
  const locale = language() === 'sv' ? 'sv-SE' : 'en-GB';
  return new Date(epochSeconds * 1000).toLocaleString(locale, { dateStyle: 'full', timeStyle: 'short' });
}

/** Which rows of a fixed-height list to render for a scroll position. */
export function visibleRange(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan = 8) {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);
  return { first, last };
}

/** A file size as people read it: "820 B", "14 kB", "9,3 MB" in Swedish, "9.3 MB" in English
 * (decimal units, as file managers). */
export function fileSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB'];
  let v = bytes / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u += 1;
  }
  const locale = language() === 'sv' ? 'sv-SE' : 'en-GB';
  const digits = v < 10 ? 1 : 0;
  const n = v.toLocaleString(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${n} ${units[u]}`;
}
