// The inbox's pure parts: the folder pane's order and tree depth, and the status line's words.
import type { FolderDto } from './bindings/FolderDto';
import type { HealthDto } from './bindings/HealthDto';
import type { Key } from './i18n.svelte';

/** The roles in the folder pane's fixed order; the rest follow by name. */
const ROLE_ORDER = ['inbox', 'drafts', 'sent', 'archive', 'junk', 'trash'];

/** The folder pane's order: the roles first in a fixed order, then the others as a tree (a
 * subfolder right after its parent), by name. */
export function orderFolders(folders: FolderDto[]): FolderDto[] {
  const rank = (f: FolderDto) => (f.role ? ROLE_ORDER.indexOf(f.role) : ROLE_ORDER.length);
  return [...folders].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

/** How deep a folder sits in the tree (0 for a top folder; `INBOX.` prefixes on servers that
 * keep every folder under INBOX do not count). */
export function folderDepth(f: FolderDto): number {
  if (!f.delimiter) return 0;
  const parts = f.name.split(f.delimiter);
  if (parts.length > 1 && parts[0]?.toUpperCase() === 'INBOX') parts.shift();
  return Math.max(0, parts.length - 1);
}

/** The name the folder pane shows: the last part of the path (the tree shows the rest). */
export function leafName(f: FolderDto): string {
  if (!f.delimiter) return f.displayName;
  return f.displayName.split(f.delimiter).pop() || f.displayName;
}

type T = (key: Key, vars?: Record<string, string | number>) => string;

/** "Uppdaterad 10:42", "Offline – försöker igen om 30 s", "Kan inte logga in" … */
export function healthText(h: HealthDto | null, t: T, now = new Date()): string {
  if (!h) return t('health.connecting');
  switch (h.state) {
    case 'connecting':
      return t('health.connecting');
    case 'online': {
      const at = new Date((h.updatedAt ?? now.getTime() / 1000) * 1000);
      const time = at.toLocaleTimeString(document.documentElement.lang || undefined, { hour: '2-digit', minute: '2-digit' });
      return t('health.online', { time });
    }
    case 'offline':
      return t('health.offline', { s: h.retryInS ?? 1 });
    case 'stopped':
      return t('health.stopped');
    case 'elsewhere':
      return t('health.elsewhere');
  }
}

/** How a click or key adds to the chosen messages. */
export type Pick = 'toggle' | 'range' | 'all';

/**
 * The chosen message ids after a pick on row `i` of `ids` (the list's order). `cursor` is the
 * selected row, `anchor` the row a range starts from (the last one clicked without Shift).
 * Toggling with nothing chosen yet keeps the selected message chosen, as mail programs do.
 */
export function pick(ids: number[], picked: ReadonlySet<number>, cursor: number, anchor: number, i: number, how: Pick): Set<number> {
  if (how === 'all') return new Set(ids);
  if (how === 'toggle') {
    const next = new Set(picked);
    if (next.size === 0 && cursor >= 0 && cursor !== i && ids[cursor] !== undefined) next.add(ids[cursor]);
    const id = ids[i];
    if (id !== undefined) {
      if (next.has(id)) next.delete(id);
      else next.add(id);
    }
    return next;
  }
  const from = anchor >= 0 ? anchor : cursor >= 0 ? cursor : i;
  const [lo, hi] = from <= i ? [from, i] : [i, from];
  return new Set(ids.slice(lo, hi + 1));
}
