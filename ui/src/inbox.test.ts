import { describe, expect, it } from 'vitest';
import { folderDepth, healthText, leafName, orderFolders, pick } from './inbox';
import { setLanguage, t } from './i18n.svelte';
import type { FolderDto } from './bindings/FolderDto';

const f = (name: string, extra: Partial<FolderDto> = {}): FolderDto => ({ name, displayName: name, total: 0, unread: 0, subscribed: true, ...extra });

describe('the folder pane', () => {
  it('puts the roles first in a fixed order, then the rest as a tree by name', () => {
    const order = orderFolders([f('Zeta'), f('Trash', { role: 'trash' }), f('Arbete/2026', { delimiter: '/' }), f('INBOX', { role: 'inbox' }), f('Arbete', { delimiter: '/' }), f('Sent', { role: 'sent' })]);
    expect(order.map((x) => x.name)).toEqual(['INBOX', 'Sent', 'Trash', 'Arbete', 'Arbete/2026', 'Zeta']);
  });

  it('indents subfolders by the server\'s delimiter, and Courier/Cyrus\'s INBOX. prefix does not count', () => {
    expect(folderDepth(f('Arbete/2026/Q1', { delimiter: '/' }))).toBe(2);
    expect(folderDepth(f('INBOX.Arbete', { delimiter: '.' }))).toBe(0);
    expect(folderDepth(f('INBOX.Arbete.2026', { delimiter: '.' }))).toBe(1);
    expect(folderDepth(f('Utan avgränsare'))).toBe(0);
    expect(leafName(f('INBOX.Räkningar', { displayName: 'INBOX.Räkningar', delimiter: '.' }))).toBe('Räkningar');
  });
});

describe('the status line', () => {
  it('says in words whether the mail is up to date, offline or refused, in both languages', () => {
    setLanguage('sv');
    expect(healthText({ state: 'offline', push: false, retryInS: 30 }, t)).toBe('Offline – försöker igen om 30 s');
    expect(healthText({ state: 'stopped', push: false }, t)).toBe('Kan inte logga in');
    expect(healthText({ state: 'online', push: true, updatedAt: 1767600000 }, t)).toMatch(/^Uppdaterad \d\d[:.]\d\d$/);
    expect(healthText(null, t)).toBe('Ansluter …');
    setLanguage('en');
    expect(healthText({ state: 'offline', push: false, retryInS: 4 }, t)).toBe('Offline – trying again in 4 s');
    expect(healthText({ state: 'elsewhere', push: false }, t)).toBe('Another Inkorg is fetching mail for this profile');
  });
});

describe('choosing several messages', () => {
  const ids = [10, 11, 12, 13, 14];
  it('Ctrl+click adds to the selected message and takes one away again', () => {
    const two = pick(ids, new Set(), 0, 0, 2, 'toggle');
    expect([...two].sort()).toEqual([10, 12]);
    const one = pick(ids, two, 2, 2, 0, 'toggle');
    expect([...one]).toEqual([12]);
  });
  it('Shift takes the range from the last plain click, in either direction', () => {
    expect([...pick(ids, new Set(), 1, 1, 3, 'range')]).toEqual([11, 12, 13]);
    expect([...pick(ids, new Set([11, 12, 13]), 3, 1, 0, 'range')]).toEqual([10, 11]);
  });
  it('Ctrl+A takes everything listed', () => {
    expect(pick(ids, new Set(), 2, 2, 2, 'all').size).toBe(5);
  });
});
