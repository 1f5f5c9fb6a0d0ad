// The one module that talks to the Rust core. Everything crossing IPC is typed by the
// bindings generated from the Rust DTOs (src/bindings, by ts-rs).
import { invoke, Channel } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { AccountDto } from './bindings/AccountDto';
import type { CommandError } from './bindings/CommandError';
import type { ContactCardDto } from './bindings/ContactCardDto';
import type { DetectStageDto } from './bindings/DetectStageDto';
import type { DetectionDto } from './bindings/DetectionDto';
import type { FolderDto } from './bindings/FolderDto';
import type { LoginRequest } from './bindings/LoginRequest';
import type { MessageDto } from './bindings/MessageDto';
import type { PreferencesDto } from './bindings/PreferencesDto';
import type { ServerDto } from './bindings/ServerDto';
import type { EventDto } from './bindings/EventDto';
import type { HealthDto } from './bindings/HealthDto';
import type { MarkDto } from './bindings/MarkDto';
import type { QueuedActionDto } from './bindings/QueuedActionDto';
import type { ReaderDto } from './bindings/ReaderDto';
import type { AttachmentDto } from './bindings/AttachmentDto';
import type { LinkWarningDto } from './bindings/LinkWarningDto';
import type { OfflineUsageDto } from './bindings/OfflineUsageDto';
import type { OfflineRangeDto } from './bindings/OfflineRangeDto';
import type { ComposeKindDto } from './bindings/ComposeKindDto';
import type { DraftDto } from './bindings/DraftDto';
import type { DraftInputDto } from './bindings/DraftInputDto';
import type { MailtoDto } from './bindings/MailtoDto';
import type { QueuedDto } from './bindings/QueuedDto';
import type { OutboxEntryDto } from './bindings/OutboxEntryDto';

export type {
  AccountDto, CommandError, ContactCardDto, DetectStageDto, DetectionDto, FolderDto, LoginRequest,
  MessageDto, PreferencesDto, ServerDto, EventDto, HealthDto, MarkDto, QueuedActionDto,
  ReaderDto, AttachmentDto, LinkWarningDto, OfflineUsageDto, OfflineRangeDto,
  ComposeKindDto, DraftDto, DraftInputDto, MailtoDto, QueuedDto, OutboxEntryDto,
};

/** A message handed to the outbox from a composer ("Skickas om 5 s — Ångra"). */
export function onQueued(handler: (q: QueuedDto) => void): Promise<UnlistenFn> {
  return listen<QueuedDto>('inkorg://queued', (e) => handler(e.payload));
}

/** What the list knows of a message (a window of its own learns it from the reader). */
export type ShownMessage = Pick<MessageDto, 'id' | 'subject' | 'fromName' | 'fromAddr' | 'to' | 'cc' | 'date'>;

/** The engine's events (new mail, flags, removals, folders, health, the queue). */
export function onEvent(handler: (e: EventDto) => void): Promise<UnlistenFn> {
  return listen<EventDto>('inkorg://event', (e) => handler(e.payload));
}

/** A click on a new-mail notification: the message to open (null: the inbox). */
export function onOpenMessage(handler: (id: number | null) => void): Promise<UnlistenFn> {
  return listen<number | null>('inkorg://open-message', (e) => handler(e.payload));
}

/** A link clicked in a message (never followed by the frame itself): its real target. */
export function onLink(handler: (url: string) => void): Promise<UnlistenFn> {
  return listen<string>('inkorg://link', (e) => handler(e.payload));
}

/** The address of a message's frame: its sanitised document, served by the core under its
 * own Content-Security-Policy (`inkorg-msg://localhost/ID`, `http://inkorg-msg.localhost/ID`
 * on Windows). */
export function messageFrameUrl(id: number, remote: boolean, lang: 'sv' | 'en', part: number[] = []): string {
  // As Tauri serves custom schemes: WebView2 (Windows) only as http://SCHEME.localhost.
  const base = /Windows/.test(navigator.userAgent) ? 'http://inkorg-msg.localhost' : 'inkorg-msg://localhost';
  const path = part.map((p) => `/${p}`).join('');
  return `${base}/${id}${path}?remote=${remote ? 1 : 0}&lang=${lang}`;
}

/** Every failure of a command is a CommandError; anything else is wrapped as "internal". */
export function asCommandError(e: unknown): CommandError {
  if (e && typeof e === 'object' && 'kind' in e && 'message' in e) return e as CommandError;
  return { kind: 'internal', message: String(e) };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw asCommandError(e);
  }
}

export const api = {
  getAccount: () => call<AccountDto | null>('get_account'),
  /** "Next": autodetection, signing in nowhere and saving nothing. */
  detect: (email: string, onStage: (s: DetectStageDto) => void) => {
    const channel = new Channel<DetectStageDto>();
    channel.onmessage = onStage;
    return call<DetectionDto>('detect', { email, onStage: channel });
  },
  /** "Log in": signs in to exactly the servers `detect` found (trustFoundHosts: the person
   * said yes to servers outside the domain). Saves nothing. */
  verifyDetected: (email: string, password: string, trustFoundHosts: boolean, onStage: (s: DetectStageDto) => void) => {
    const channel = new Channel<DetectStageDto>();
    channel.onmessage = onStage;
    return call<DetectionDto>('verify_detected', { email, password, trustFoundHosts, onStage: channel });
  },
  /** Saves the account `verifyDetected` signed in to. */
  saveDetected: (email: string, displayName: string, password: string) =>
    call<AccountDto>('save_detected', { email, displayName, password }),
  /** The system's file dialog for a CA file; null when closed. */
  pickCaFile: () => call<string | null>('pick_ca_file'),
  login: (request: LoginRequest) => call<AccountDto>('login', { request }),
  listFolders: () => call<FolderDto[]>('list_folders'),
  listMessages: (folder: string, offset: number, limit: number) =>
    call<MessageDto[]>('list_messages', { folder, offset, limit }),
  /** Removes the account: stops sync, deletes local mail and the saved password. */
  logout: () => call<null>('logout'),
  /** "Refresh" / "Try again": the account loop syncs `folder` now. Returns at once. */
  syncNow: (folder: string) => call<null>('sync_now', { folder }),
  /** The actions below change the local store and queue the change; they never wait for
   * the server. Each returns how many messages changed. */
  mark: (ids: number[], how: MarkDto) => call<number>('mark_messages', { ids, how }),
  move: (ids: number[], folder: string) => call<number>('move_messages', { ids, folder }),
  /** To Trash; for good only with forGood (the person's yes). */
  remove: (ids: number[], forGood: boolean) => call<number>('delete_messages', { ids, forGood }),
  archive: (ids: number[]) => call<number>('archive_messages', { ids }),
  listQueue: () => call<QueuedActionDto[]>('list_queue'),
  /** The loop's health as last said (null before it said anything). */
  getHealth: () => call<HealthDto | null>('get_health'),
  /** Email options, Folders: follow a folder or stop following it. */
  setFolderSubscribed: (folder: string, on: boolean) => call<boolean>('set_folder_subscribed', { folder, on }),
  getPreferences: () => call<PreferencesDto>('get_preferences'),
  setPreferences: (preferences: PreferencesDto) => call<PreferencesDto>('set_preferences', { preferences }),
  getContactCard: () => call<ContactCardDto>('get_contact_card'),
  setContactCard: (card: ContactCardDto) => call<ContactCardDto>('set_contact_card', { card }),
  makeFirstOnCard: (email: string) => call<ContactCardDto>('make_first_on_card', { email }),
  systemLanguage: () => call<string | null>('system_language'),
  /** Opens an https link in the system browser. */
  openLink: (url: string) => call<null>('open_link', { url }),
  /** Opens a message for reading (fetched now if not stored; not marked read by this). */
  readMessage: (id: number, remoteOnce: boolean, language: 'sv' | 'en', part: number[] = []) =>
    call<ReaderDto>('read_message', { id, remoteOnce, language, part }),
  /** "Visa alltid från avsändaren" or its revocation. */
  setRemoteContentSender: (address: string, on: boolean) =>
    call<null>('set_remote_content_sender', { address, on }),
  listRemoteContentSenders: () => call<string[]>('list_remote_content_senders'),
  /** What is kept for offline reading, and the budgets Email options offers. */
  offlineUsage: () => call<OfflineUsageDto>('offline_usage'),
  /** The system's save dialog; the saved path, or null when cancelled. */
  saveAttachment: (id: number, index: number, part: number[] = []) =>
    call<string | null>('save_attachment', { id, index, part }),
  /** A folder from the system's dialog; how many were saved. */
  saveAllAttachments: (id: number, indexes: number[], part: number[] = []) =>
    call<number>('save_all_attachments', { id, indexes, part }),
  /** Saved to a private temporary folder, then opened by the system. */
  openAttachment: (id: number, index: number, part: number[] = []) =>
    call<null>('open_attachment', { id, index, part }),
  /** A message's web link, after the person saw its target. */
  openMessageLink: (url: string) => call<null>('open_message_link', { url }),
  /** Enter or a double-click: the message in a window of its own; with `part`, a message
   * forwarded inside it (its attachment index at each level). */
  openMessageWindow: (id: number, title: string, part: number[] = []) =>
    call<null>('open_message_window', { id, title, part }),
  /** "Skriv ut": the message with its headers (the date as shown) and the print dialog. */
  printMessage: (id: number, remote: boolean, language: 'sv' | 'en', date: string, part: number[] = []) =>
    call<null>('print_message', { id, remote, language, date, part }),
  /** The composer in a window of its own: new (or from a mailto: link), a reply, a reply to
   * all, a forward of `source`, or the stored `draft`. Returns the draft's id. */
  openComposer: (kind: ComposeKindDto, lang: 'sv' | 'en', source: number | null = null, draft: number | null = null, mailto: MailtoDto | null = null) =>
    call<number>('open_composer', { kind, source, draft, mailto, lang }),
  getDraft: (id: number) => call<DraftDto>('get_draft', { id }),
  listDrafts: () => call<DraftDto[]>('list_drafts'),
  saveDraft: (id: number, input: DraftInputDto) => call<null>('save_draft', { id, input }),
  /** "Bifoga fil": the system's file dialog. */
  pickDraftAttachments: (id: number) => call<DraftDto>('pick_draft_attachments', { id }),
  /** A dropped file, as raw bytes. */
  dropDraftAttachment: (id: number, name: string, bytes: Uint8Array) =>
    invoke<DraftDto>('drop_draft_attachment', bytes, {
      headers: { 'x-draft': String(id), 'x-name': encodeURIComponent(name) },
    }).catch((e) => Promise.reject(asCommandError(e))),
  removeDraftAttachment: (id: number, attachment: number) =>
    call<DraftDto>('remove_draft_attachment', { id, attachment }),
  discardDraft: (id: number) => call<null>('discard_draft', { id }),
  /** "Skicka" (after the undo delay) or "Skicka senare" at `sendAt` (seconds). */
  sendDraft: (id: number, sendAt: number | null) => call<QueuedDto>('send_draft', { id, sendAt }),
  /** "Ångra": back into its composer; the draft's id. */
  undoSend: (id: number) => call<number | null>('undo_send', { id }),
  listOutbox: () => call<OutboxEntryDto[]>('list_outbox'),
  sendAgain: (id: number) => call<null>('send_again', { id }),
  confirmArrived: (id: number) => call<null>('confirm_arrived', { id }),
  suggestAddresses: (prefix: string) => call<string[]>('suggest_addresses', { prefix }),
};
