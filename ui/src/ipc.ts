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

export type {
  AccountDto, CommandError, ContactCardDto, DetectStageDto, DetectionDto, FolderDto, LoginRequest,
  MessageDto, PreferencesDto, ServerDto, EventDto, HealthDto, MarkDto, QueuedActionDto,
};

/** The engine's events (new mail, flags, removals, folders, health, the queue). */
export function onEvent(handler: (e: EventDto) => void): Promise<UnlistenFn> {
  return listen<EventDto>('inkorg://event', (e) => handler(e.payload));
}

/** A click on a new-mail notification: the message to open (null: the inbox). */
export function onOpenMessage(handler: (id: number | null) => void): Promise<UnlistenFn> {
  return listen<number | null>('inkorg://open-message', (e) => handler(e.payload));
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
};
