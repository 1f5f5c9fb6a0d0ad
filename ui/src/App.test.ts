import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import App from './App.svelte';
import { setLanguage } from './i18n';
import type { AccountDto, MessageDto } from './ipc';

afterEach(() => {
  cleanup();
  clearMocks();
});

const account: AccountDto = {
  email: 'alice@inkorg.test',
  displayName: 'Alice',
  imap: { host: 'localhost', port: 10993, security: 'tls', username: 'alice@inkorg.test' },
  smtp: { host: 'localhost', port: 10587, security: 'starttls', username: 'alice@inkorg.test' },
  folders: [{ name: 'INBOX', total: 3, unread: 1 }],
};

const messages: MessageDto[] = [0, 1, 2].map((i) => ({
  uid: 10 - i,
  seen: i > 0,
  flagged: false,
  fromName: 'Åsa Öberg',
  fromAddr: 'asa@example.se',
  to: 'alice@inkorg.test',
  cc: '',
  subject: `Möte om kräftskivan #${i}`,
  date: 1767600000 - i * 3600,
  hasAttachment: i === 1,
}));

describe('the window', () => {
  it('opens the setup view on first run, in Swedish', async () => {
    setLanguage('sv');
    mockIPC((cmd) => (cmd === 'get_account' ? null : undefined));
    render(App);
    expect(await screen.findByRole('heading', { name: 'Konfigurera e-postkonto' })).toBeTruthy();
    expect(screen.getByLabelText('E-postkonto')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Avancerade inställningar' })).toBeTruthy();
    setLanguage('en');
  });

  it('sends the settings typed and shows a wrong password in words, not raw text', async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === 'get_account') return null;
      if (cmd === 'login') {
        throw { kind: 'wrong_credentials', message: 'IMAP localhost:993: raw', server: { protocol: 'imap', host: 'localhost', port: 993, security: 'tls', user: 'a@b.se' } };
      }
    });
    render(App);
    await fireEvent.input(await screen.findByLabelText('Email account'), { target: { value: 'a@b.se' } });
    await fireEvent.input(screen.getByLabelText('Password'), { target: { value: 'secret' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Advanced settings' }));
    const hosts = screen.getAllByLabelText('Server');
    await fireEvent.input(hosts[0]!, { target: { value: 'localhost' } });
    await fireEvent.input(hosts[1]!, { target: { value: 'localhost' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The user name or password was not accepted by localhost:993.');
    const login = calls.find((c) => c.cmd === 'login')?.args as { request: { email: string; imap: { host: string; port: number } } };
    expect(login.request.email).toBe('a@b.se');
    expect(login.request.imap).toMatchObject({ host: 'localhost', port: 993 });
  });

  it('shows the inbox from the local store, then syncs and shows the new badge', async () => {
    mockIPC((cmd, args) => {
      switch (cmd) {
        case 'get_account': return account;
        case 'list_folders': return account.folders;
        case 'list_messages': return (args as { offset: number }).offset === 0 ? messages : [];
        case 'sync': return { folder: 'INBOX', new: 2, flagsChanged: 0, expunged: 0, total: 3 };
      }
    });
    render(App);
    await waitFor(() => expect(document.querySelectorAll('[role="option"]').length).toBe(3));
    expect(screen.getByText('Möte om kräftskivan #0')).toBeTruthy();
    expect(await screen.findByText('2 new')).toBeTruthy();
    const list = screen.getByRole('listbox');
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(screen.getByRole('heading', { name: 'Möte om kräftskivan #1' })).toBeTruthy();
  });
});
