import { describe, expect, it } from 'vitest';
import { visibleRange } from './format';

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
