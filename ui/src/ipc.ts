// The one module that talks to the Rust core. Everything crossing IPC is typed by the
// bindings generated from the Rust DTOs (src/bindings, by ts-rs).
import { invoke, Channel } from '@tauri-apps/api/core';
import type { AccountDto } from './bindings/AccountDto';
import type { CommandError } from './bindings/CommandError';
import type { DetectionDto } from './bindings/DetectionDto';
import type { FolderDto } from './bindings/FolderDto';
import type { LoginRequest } from './bindings/LoginRequest';
import type { MessageDto } from './bindings/MessageDto';
import type { SyncProgressDto } from './bindings/SyncProgressDto';
import type { SyncReportDto } from './bindings/SyncReportDto';

export type { AccountDto, CommandError, DetectionDto, FolderDto, LoginRequest, MessageDto, SyncProgressDto, SyncReportDto };

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
  /** Autodetection; with a password the servers are verified too. Saves nothing. */
  detect: (email: string, password?: string) => call<DetectionDto>('detect', { email, password }),
  login: (request: LoginRequest) => call<AccountDto>('login', { request }),
  listFolders: () => call<FolderDto[]>('list_folders'),
  listMessages: (folder: string, offset: number, limit: number) =>
    call<MessageDto[]>('list_messages', { folder, offset, limit }),
  logout: () => call<null>('logout'),
  sync: (onProgress: (p: SyncProgressDto) => void) => {
    const channel = new Channel<SyncProgressDto>();
    channel.onmessage = onProgress;
    return call<SyncReportDto>('sync', { onProgress: channel });
  },
};
