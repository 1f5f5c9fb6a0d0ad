// Contrast of the theme colours (ui/src/app.css), light and dark, by WCAG 2.1: text at least
// 4.5:1 against what it sits on, the focus ring and borders of controls at least 3:1.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Vitest runs in ui/ (npm test).
const css = readFileSync(join(process.cwd(), 'src', 'app.css'), 'utf8');

function vars(block: string): Record<string, string> {
  return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})/g)].map((m) => [m[1]!, m[2]!]));
}

const light = vars(css.slice(0, css.indexOf('@media (prefers-color-scheme: dark)')));
const dark = { ...light, ...vars(css.slice(css.indexOf('@media (prefers-color-scheme: dark)'))) };

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) =>
    c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

export function ratio(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x! + 0.05) / (y! + 0.05);
}

const text: [string, string][] = [
  ['fg', 'bg'], ['fg', 'bg-soft'], ['fg-soft', 'bg'], ['fg-soft', 'bg-soft'], ['accent', 'bg'],
  ['accent-fg', 'accent'], ['danger', 'bg'], ['fg', 'warn-bg'], ['fg-soft', 'warn-bg'], ['fg', 'selected'],
  ['accent', 'warn-bg'],
];
const nonText: [string, string][] = [['focus', 'bg'], ['focus', 'bg-soft'], ['warn-line', 'warn-bg']];

describe.each([['light', light], ['dark', dark]] as const)('%s theme', (_, theme) => {
  it.each(text)('text %s on %s is at least 4.5:1', (fg, bg) => {
    expect(ratio(theme[fg]!, theme[bg]!)).toBeGreaterThanOrEqual(4.5);
  });
  it.each(nonText)('%s against %s is at least 3:1', (fg, bg) => {
    expect(ratio(theme[fg]!, theme[bg]!)).toBeGreaterThanOrEqual(3);
  });
});
