import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import App from './App.svelte';
import { setLanguage } from './i18n.svelte';
import type { AccountDto, ContactCardDto, DetectionDto, EventDto, MessageDto, PreferencesDto, ReaderDto } from './ipc';

afterEach(() => {
  cleanup();
  clearMocks();
  setLanguage('en');
});

const account: AccountDto = {
  email: 'alice@inkorg.test',
  displayName: 'Alice',
  imap: { host: 'localhost', port: 10993, security: 'tls', username: 'alice@inkorg.test' },
  smtp: { host: 'localhost', port: 10587, security: 'starttls', username: 'alice@inkorg.test' },
  folders: [{ name: 'INBOX', displayName: 'INBOX', role: 'inbox', total: 3, unread: 1, subscribed: true }],
  allowPlaintext: false,
};

const messages: MessageDto[] = [0, 1, 2].map((i) => ({
  id: 100 + i,
  folder: 'INBOX',
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

const defaults: PreferencesDto = {
  signature: '', signatureInNew: false, signatureInReplies: false, fontFamily: 'sans-serif', fontSize: 11,
  fontColor: '#000000', saveSentCopy: true, showInlineImages: false, markReadInPreview: false, notifyNewMail: true, language: 'system',
  offlineRange: 'days30', offlineBudgetMb: 1000, undoSendSeconds: 5,
};

const gmail = (verified: boolean, problem?: DetectionDto['incoming']['problem']): DetectionDto => ({
  email: 'eva@gmail.com',
  source: 'builtIn',
  trusted: true,
  provider: { name: 'Gmail', requirement: 'appPassword', helpUrl: 'https://support.google.com/accounts/answer/185833' },
  incoming: { settings: { host: 'imap.gmail.com', port: 993, security: 'tls', username: 'eva@gmail.com' }, needsConfirmation: false, verified, tried: [], problem },
  outgoing: { settings: { host: 'smtp.gmail.com', port: 465, security: 'tls', username: 'eva@gmail.com' }, needsConfirmation: false, verified, tried: [] },
  verified,
  totalMs: 5,
});

/** Nothing found for `domain`: what the engine reports per server. */
const nothing = (domain: string, suggestion?: string): DetectionDto => {
  const missing = (first: string, ports: number[]) => ({
    needsConfirmation: false, verified: false, tried: [],
    problem: { kind: 'no_server_found' as const, message: 'raw', domain, hosts: [`${first}.${domain}`, `mail.${domain}`, domain], ports },
  });
  return { email: `eva@${domain}`, suggestion, trusted: false, incoming: missing('imap', [993, 143]), outgoing: missing('smtp', [465, 587]), verified: false, totalMs: 3 };
};

type Handler = (cmd: string, args: Record<string, unknown>) => unknown;

/** The app's IPC with defaults for a first run; `extra` answers (or throws) first. */
function ipc(opts: { system?: string; prefs?: PreferencesDto; account?: AccountDto | null; card?: ContactCardDto }, extra: Handler = () => undefined) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  let card = opts.card ?? { name: '', addresses: [] };
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    const answer = extra(cmd, args);
    if (answer !== undefined) return answer;
    switch (cmd) {
      case 'get_preferences': return opts.prefs ?? defaults;
      case 'system_language': return opts.system ?? 'en-US';
      case 'get_account': return opts.account ?? null;
      case 'get_contact_card': return card;
      case 'set_contact_card': card = args.card as ContactCardDto; return card;
      case 'make_first_on_card': card = { ...card, addresses: [args.email as string, ...card.addresses.filter((a) => a !== args.email)] }; return card;
      case 'list_folders': return opts.account?.folders ?? [];
      case 'list_messages': return (args as { offset: number }).offset === 0 ? messages : [];
      case 'sync_now': return null;
      case 'list_queue': return [];
      case 'list_outbox': return [];
      case 'open_link': return null;
      case 'offline_usage': return { messages: 812, bytes: 92_600_000, budgetsMb: [250, 1000, 5000, 0] };
    }
    return null;
  }, { shouldMockEvents: true });
  return calls;
}

/** What the engine would send on `inkorg://event`. */
async function engineEvent(e: EventDto) {
  await emit('inkorg://event', e);
}

/** Waits until `selector` matches, and returns the element. */
function found(selector: string): Promise<Element> {
  return waitFor(() => {
    const el = document.querySelector(selector);
    if (!el) throw new Error(`nothing matches ${selector}`);
    return el;
  });
}

async function typeInto(label: string, value: string) {
  await fireEvent.input(await screen.findByLabelText(label), { target: { value } });
}

/** Advanced settings: the same host for both servers, and the incoming password. */
async function fillServers(host: string) {
  const hosts = screen.getAllByLabelText('Server');
  await fireEvent.input(hosts[0]!, { target: { value: host } });
  await fireEvent.input(hosts[1]!, { target: { value: host } });
  await fireEvent.input(screen.getAllByLabelText('Password')[0]!, { target: { value: 'pw' } });
}

describe('first run, in the language of the system', () => {
  it('opens "Konfigurera e-postkonto" with the help page terms when the OS is Swedish', async () => {
    ipc({ system: 'sv-SE' });
    render(App);
    const dialog = await screen.findByRole('dialog', { name: 'Konfigurera e-postkonto' });
    expect(dialog).toBeTruthy();
    expect(screen.getByLabelText('E-postkonto')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Avancerade inställningar' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Nästa' })).toBeTruthy();
    expect(document.documentElement.lang).toBe('sv');
    expect(screen.getByRole('button', { name: 'Inkorg' })).toBeTruthy();
  });

  it('lets Email options override the system language', async () => {
    ipc({ system: 'sv-SE', prefs: { ...defaults, language: 'en' } });
    render(App);
    expect(await screen.findByRole('dialog', { name: 'Set up email account' })).toBeTruthy();
  });

  it('closes with Esc, and the Inbox icon opens it again', async () => {
    ipc({});
    render(App);
    const dialog = await screen.findByRole('dialog', { name: 'Set up email account' });
    await fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Inbox' }));
    expect(await screen.findByRole('dialog', { name: 'Set up email account' })).toBeTruthy();
  });
});

describe('dialogs and the keyboard', () => {
  it('Tab and Shift+Tab stay inside a dialog, and Esc gives the focus back to what opened it', async () => {
    ipc({ account });
    render(App);
    await screen.findByRole('listbox');
    const profile = await screen.findByRole('button', { name: 'Profile' });
    profile.focus();
    await fireEvent.keyDown(profile, { key: 'ArrowDown' });
    const item = await screen.findByRole('menuitem', { name: 'Email options' });
    await waitFor(() => expect(document.activeElement).toBe(item));
    await fireEvent.keyDown(item, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(screen.getByRole('menuitem', { name: 'My contact card' }));
    await fireEvent.click(item);
    const dialog = await screen.findByRole('dialog', { name: 'Email options' });
    const focusables = [...dialog.querySelectorAll<HTMLElement>('button:not([disabled]), input, select, textarea, [tabindex]:not([tabindex="-1"])')];
    const first = focusables[0]!;
    const last = focusables[focusables.length - 1]!;
    last.focus();
    await fireEvent.keyDown(last, { key: 'Tab' });
    expect(document.activeElement).toBe(first);
    await fireEvent.keyDown(first, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(last);
    await fireEvent.keyDown(last, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(profile);
  });

  it('every input, select and textarea on the dialogs has a label', async () => {
    ipc({ account, card: { name: 'A', addresses: ['alice@inkorg.test'] } });
    render(App);
    for (const item of ['Email options', 'My contact card']) {
      await fireEvent.click(await screen.findByRole('button', { name: 'Profile' }));
      await fireEvent.click(await screen.findByRole('menuitem', { name: item }));
      const dialog = await screen.findByRole('dialog', { name: item });
      for (const el of dialog.querySelectorAll<HTMLElement>('input, select, textarea')) {
        const labelled = (el.id && dialog.querySelector(`label[for="${el.id}"]`)) || el.closest('label') || el.getAttribute('aria-label');
        expect(labelled, `${item}: #${el.id}`).toBeTruthy();
      }
      await fireEvent.keyDown(dialog, { key: 'Escape' });
    }
  });
});

describe('the setup flow', () => {
  it('Next finds Gmail, names the app password before the password is typed, and Log in opens the inbox', async () => {
    const calls = ipc({}, (cmd) => {
      if (cmd === 'detect') return gmail(false);
      if (cmd === 'verify_detected') return gmail(true);
      if (cmd === 'save_detected') return { ...account, email: 'eva@gmail.com' };
    });
    render(App);
    await typeInto('Email account', 'eva@gmail.com');
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    const requirement = await found('[data-requirement="appPassword"]');
    expect(requirement.textContent).toContain('Gmail needs an app password');
    expect(requirement.querySelector('[data-url]')?.getAttribute('data-url')).toContain('support.google.com');
    await typeInto('Password', 'app-password');
    await fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    await waitFor(() => expect(document.querySelectorAll('[role="option"]').length).toBe(3));
    // Log in signs in to exactly what Next found (the engine keeps it): one lookup, then one
    // verification and a save; no second detection, no hosts sent back from the UI.
    expect(calls.filter((c) => c.cmd === 'detect').map((c) => c.args)).toEqual([{ email: 'eva@gmail.com', onStage: expect.anything() }]);
    const verify = calls.filter((c) => c.cmd === 'verify_detected');
    expect(verify.map((c) => [c.args.email, c.args.password, c.args.trustFoundHosts])).toEqual([['eva@gmail.com', 'app-password', false]]);
    expect(calls.find((c) => c.cmd === 'save_detected')!.args).toMatchObject({ email: 'eva@gmail.com', password: 'app-password' });
    expect(calls.some((c) => c.cmd === 'login')).toBe(false);
  });

  it('a likely typo asks "Did you mean" on the address step, and one click takes the suggestion', async () => {
    const calls = ipc({}, (cmd, args) => {
      if (cmd === 'detect' && args.email === 'eva@gmail.con') return nothing('gmail.con', 'eva@gmail.com');
      if (cmd === 'detect') return gmail(false);
    });
    render(App);
    await typeInto('Email account', 'eva@gmail.con');
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText(/Did you mean eva@gmail.com\?/)).toBeTruthy();
    expect(document.querySelector('#advanced')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Use eva@gmail.com' }));
    expect((screen.getByLabelText('Email account') as HTMLInputElement).value).toBe('eva@gmail.com');
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await found('[data-requirement="appPassword"]');
    expect(calls.filter((c) => c.cmd === 'detect').map((c) => c.args.email)).toEqual(['eva@gmail.con', 'eva@gmail.com']);
  });

  it('nothing found: Advanced settings opens with the reason and the full address as user name', async () => {
    ipc({}, (cmd) => {
      if (cmd === 'detect') return nothing('nowhere.test');
    });
    render(App);
    await typeInto('Email account', 'eva@nowhere.test');
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    const intro = await found('[data-intro="setup.notFound"]');
    expect(intro.textContent).toContain('nowhere.test');
    // What happened and what was tried, at each server (never "that folder no longer exists").
    const incoming = screen.getByRole('group', { name: 'Incoming email settings' });
    expect(incoming.querySelector('[data-kind="no_server_found"] p')?.textContent).toBe(
      'Inkorg found no server for nowhere.test. Tried: imap.nowhere.test, mail.nowhere.test, nowhere.test (993, 143)');
    const outgoing = screen.getByRole('group', { name: 'Outgoing email settings' });
    expect(outgoing.querySelector('[data-kind="no_server_found"] p')?.textContent).toBe(
      'Inkorg found no server for nowhere.test. Tried: smtp.nowhere.test, mail.nowhere.test, nowhere.test (465, 587)');
    const users = screen.getAllByLabelText('User name') as HTMLInputElement[];
    expect(users.map((u) => u.value)).toEqual(['eva@nowhere.test', 'eva@nowhere.test']);
    expect(screen.getByRole('group', { name: 'Incoming email settings' })).toBeTruthy();
    expect(screen.getByRole('group', { name: 'Outgoing email settings' })).toBeTruthy();
  });

  it('a wrong password opens Advanced settings with the reason at the server that refused', async () => {
    ipc({}, (cmd) => {
      if (cmd === 'detect') return gmail(false);
      if (cmd === 'verify_detected') {
        return gmail(false, { kind: 'wrong_credentials', message: 'raw', serverText: 'NO [AUTHENTICATIONFAILED] Invalid credentials', hosts: [], ports: [] });
      }
    });
    render(App);
    await typeInto('Email account', 'eva@gmail.com');
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await typeInto('Password', 'wrong');
    await fireEvent.click(await screen.findByRole('button', { name: 'Log in' }));
    const incoming = await screen.findByRole('group', { name: 'Incoming email settings' });
    expect(incoming.querySelector('[data-kind="wrong_credentials"]')?.textContent).toContain('imap.gmail.com:993');
    expect((screen.getAllByLabelText('Server')[0] as HTMLInputElement).value).toBe('imap.gmail.com');
  });

  it('a provider block becomes guidance with its link, and is not retried', async () => {
    const calls = ipc({}, (cmd) => {
      if (cmd === 'detect') return gmail(false);
      if (cmd === 'verify_detected') {
        return gmail(false, { kind: 'blocked_by_provider', reason: 'app_password_required', message: 'raw',
          url: 'https://support.google.com/accounts/answer/185833', serverText: '[ALERT] Application-specific password required', hosts: [], ports: [] });
      }
    });
    render(App);
    await typeInto('Email account', 'eva@gmail.com');
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await typeInto('Password', 'ordinary');
    await fireEvent.click(await screen.findByRole('button', { name: 'Log in' }));
    const guide = await found('[data-guidance="app_password_required"]');
    expect(guide.textContent).toContain('An app password is needed');
    expect(guide.textContent).toContain('Why is the email list not updating?');
    await fireEvent.click(guide.querySelector('button[data-url]')!);
    expect(calls.filter((c) => c.cmd === 'verify_detected').length).toBe(1);
    expect(calls.some((c) => c.cmd === 'login' || c.cmd === 'save_detected')).toBe(false);
    expect(calls.find((c) => c.cmd === 'open_link')?.args.url).toBe('https://support.google.com/accounts/answer/185833');
  });

  it('an untrusted certificate asks first; No saves nothing, Yes pins exactly that fingerprint', async () => {
    const fp = 'AA:BB:CC';
    const calls = ipc({}, (cmd, args) => {
      if (cmd === 'login') {
        const req = (args as { request: { acceptFingerprints: string[] } }).request;
        if (!req.acceptFingerprints.includes(fp)) {
          throw { kind: 'certificate_untrusted', message: 'raw', fingerprint: fp,
            server: { protocol: 'imap', host: 'mail.self.test', port: 993, security: 'tls', user: 'u' } };
        }
        return account;
      }
    });
    render(App);
    await typeInto('Email account', 'eva@self.test');
    await fireEvent.click(screen.getByRole('button', { name: 'Advanced settings' }));
    const hosts = screen.getAllByLabelText('Server');
    await fireEvent.input(hosts[0]!, { target: { value: 'mail.self.test' } });
    await fireEvent.input(hosts[1]!, { target: { value: 'mail.self.test' } });
    await fireEvent.input(screen.getAllByLabelText('Password')[0]!, { target: { value: 'pw' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    let question = await screen.findByRole('dialog', { name: 'Trust this certificate?' });
    expect(question.textContent).toContain('mail.self.test:993');
    expect(question.textContent).toContain(fp);
    await fireEvent.click(screen.getByRole('button', { name: 'No' }));
    expect(await screen.findByText('The certificate was not trusted. Nothing was saved.')).toBeTruthy();
    expect(calls.filter((c) => c.cmd === 'login').length).toBe(1);
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    question = await screen.findByRole('dialog', { name: 'Trust this certificate?' });
    await fireEvent.click(screen.getByRole('button', { name: 'Yes, trust it' }));
    await waitFor(() => expect(document.querySelectorAll('[role="option"]').length).toBe(3));
    const last = calls.filter((c) => c.cmd === 'login').at(-1)!.args as { request: { acceptFingerprints: string[] } };
    expect(last.request.acceptFingerprints).toEqual([fp]);
  });
});

describe('where the password may go', () => {
  const elsewhere: DetectionDto = {
    email: 'eva@firma.se',
    source: 'mxAutoconfig',
    trusted: false,
    incoming: { settings: { host: 'imap.hosting.example', port: 993, security: 'tls', username: 'eva@firma.se' }, needsConfirmation: true, verified: false, tried: [] },
    outgoing: { settings: { host: 'smtp.hosting.example', port: 465, security: 'tls', username: 'eva@firma.se' }, needsConfirmation: true, verified: false, tried: [] },
    needsConfirmation: { source: 'mxAutoconfig', origin: 'https://autoconfig.hosting.example/mail/config-v1.1.xml', hosts: ['imap.hosting.example', 'smtp.hosting.example'] },
    verified: false,
    totalMs: 40,
  };

  it('servers outside the domain found through the MX are named, and only a yes sends the password there', async () => {
    for (const lang of ['en', 'sv'] as const) {
      const calls = ipc({ system: lang === 'sv' ? 'sv-SE' : 'en-GB' }, (cmd) => {
        if (cmd === 'detect') return elsewhere;
        if (cmd === 'verify_detected') return { ...elsewhere, verified: true, incoming: { ...elsewhere.incoming, verified: true }, outgoing: { ...elsewhere.outgoing, verified: true } };
        if (cmd === 'save_detected') return { ...account, email: 'eva@firma.se' };
      });
      render(App);
      const words = lang === 'sv'
        ? { email: 'E-postkonto', next: 'Nästa', pw: 'Lösenord', yes: 'Ja, logga in där', no: 'Nej, ange servrarna själv',
          q: 'Inkorg hittade de här servrarna via e-postservern (MX) för firma.se och inställningsfilen för dess domän:' }
        : { email: 'Email account', next: 'Next', pw: 'Password', yes: 'Yes, log in there', no: 'No, enter the servers myself',
          q: "Inkorg found these servers through the mail server (MX) of firma.se and its domain's settings file:" };
      await typeInto(words.email, 'eva@firma.se');
      await fireEvent.click(screen.getByRole('button', { name: words.next }));
      const box = await found('[data-confirm="mxAutoconfig"]');
      expect(box.querySelector('p')?.textContent).toBe(words.q);
      expect([...box.querySelectorAll('[data-host]')].map((h) => h.textContent)).toEqual(['imap.hosting.example', 'smtp.hosting.example']);
      expect(box.textContent).toContain('firma.se');
      expect(screen.getByRole('button', { name: words.no })).toBeTruthy();
      await typeInto(words.pw, 'pw');
      await fireEvent.click(screen.getByRole('button', { name: words.yes }));
      await waitFor(() => expect(calls.some((c) => c.cmd === 'save_detected')).toBe(true));
      expect(calls.find((c) => c.cmd === 'verify_detected')!.args.trustFoundHosts).toBe(true);
      cleanup();
      clearMocks();
    }
  });

  it('No opens Advanced settings and sends nothing', async () => {
    const calls = ipc({}, (cmd) => (cmd === 'detect' ? elsewhere : undefined));
    render(App);
    await typeInto('Email account', 'eva@firma.se');
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'No, enter the servers myself' }));
    await found('#advanced');
    expect(calls.some((c) => c.cmd === 'verify_detected' || c.cmd === 'login')).toBe(false);
  });

  it('SSL off needs a confirmation naming the risk before Save sends anything, and the yes is sent along', async () => {
    const calls = ipc({}, (cmd) => (cmd === 'login' ? account : undefined));
    render(App);
    await typeInto('Email account', 'eva@plain.test');
    await fireEvent.click(screen.getByRole('button', { name: 'Advanced settings' }));
    await fillServers('mail.plain.test');
    await fireEvent.change(screen.getAllByLabelText('SSL')[0]!, { target: { value: 'none' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await found('#advanced > [data-kind="invalid_input"] p')).textContent).toBe(
      'The server has no encryption. Tick the box that describes the risk before Inkorg sends the password unencrypted.');
    expect(calls.some((c) => c.cmd === 'login')).toBe(false);
    await fireEvent.click(screen.getByLabelText(/I understand that my password and all email are sent unencrypted/));
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'login')).toBe(true));
    const req = calls.find((c) => c.cmd === 'login')!.args.request as { allowPlaintext: boolean; imap: { security: string } };
    expect(req).toMatchObject({ allowPlaintext: true, imap: { security: 'none' } });
  });

  it('a CA file is kept with the account only when the person chose it in Advanced settings', async () => {
    const calls = ipc({}, (cmd) => {
      if (cmd === 'pick_ca_file') return '/home/eva/company-ca.pem';
      if (cmd === 'login') return account;
    });
    render(App);
    await typeInto('Email account', 'eva@company.test');
    await fireEvent.click(screen.getByRole('button', { name: 'Advanced settings' }));
    expect((await found('#ca-file')).textContent).toBe("None: the system's certificates are enough");
    await fireEvent.click(screen.getByRole('button', { name: 'Choose file…' }));
    await waitFor(() => expect(document.querySelector('#ca-file')?.textContent).toBe('/home/eva/company-ca.pem'));
    await fillServers('mail.company.test');
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'login')).toBe(true));
    expect((calls.find((c) => c.cmd === 'login')!.args.request as { caFile?: string }).caFile).toBe('/home/eva/company-ca.pem');
  });

  it('without a chosen CA file, none is sent', async () => {
    const calls = ipc({}, (cmd) => (cmd === 'login' ? account : undefined));
    render(App);
    await typeInto('Email account', 'eva@company.test');
    await fireEvent.click(screen.getByRole('button', { name: 'Advanced settings' }));
    await fillServers('mail.company.test');
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'login')).toBe(true));
    expect((calls.find((c) => c.cmd === 'login')!.args.request as { caFile?: string }).caFile).toBeUndefined();
  });

  it('a link in an error opens through open_link, never as a raw link in the window', async () => {
    const calls = ipc({}, (cmd) => {
      if (cmd === 'login') throw { kind: 'cannot_connect', message: 'raw', url: 'https://status.example.se/' };
    });
    render(App);
    await typeInto('Email account', 'eva@link.test');
    await fireEvent.click(screen.getByRole('button', { name: 'Advanced settings' }));
    await fillServers('mail.link.test');
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const box = await found('[role="alert"][data-kind="cannot_connect"]');
    expect(box.querySelector('a')).toBeNull();
    await fireEvent.click(box.querySelector('button[data-url]')!);
    expect(calls.find((c) => c.cmd === 'open_link')?.args.url).toBe('https://status.example.se/');
    expect(document.querySelectorAll('a[target]').length).toBe(0);
  });
});

describe('the inbox', () => {
  const server = { protocol: 'imap', host: 'localhost', port: 10993, security: 'tls' as const, user: 'u' };

  it('shows the inbox from the local store and stays live: new mail, the status line, the queue', async () => {
    let listed = messages;
    const calls = ipc({ account }, (cmd) => (cmd === 'list_messages' ? listed : undefined));
    render(App);
    await waitFor(() => expect(document.querySelectorAll('[role="option"]').length).toBe(3));
    expect(screen.getByText('Möte om kräftskivan #0')).toBeTruthy();
    await waitFor(() => expect(calls.some((c) => c.cmd === 'sync_now' && c.args.folder === 'INBOX')).toBe(true));
    const list = screen.getByRole('listbox');
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(screen.getByRole('heading', { name: 'Möte om kräftskivan #1' })).toBeTruthy();
    expect(document.querySelector('#message-from')?.textContent).toBe('Åsa Öberg <asa@example.se>');
    // New mail arrives by itself: the list reloads from the store.
    const fresh = { ...messages[0]!, id: 200, uid: 11, subject: 'Nytt brev' };
    listed = [fresh, ...messages];
    await engineEvent({ type: 'new_message', id: 200, folder: 'INBOX', uid: 11, from: 'Åsa', subject: 'Nytt brev', date: 0, seen: false });
    expect(await screen.findByText('Nytt brev')).toBeTruthy();
    await engineEvent({ type: 'health', health: { state: 'online', push: true, updatedAt: 1767600000 } });
    expect((await found('#health[data-state="online"]')).textContent).toMatch(/^Updated \d\d:\d\d/);
    await engineEvent({ type: 'health', health: { state: 'offline', push: false, retryInS: 30, error: { kind: 'cannot_connect', message: 'x', server } } });
    expect((await found('#health[data-state="offline"]')).textContent).toBe('Offline – trying again in 30 s');
    await engineEvent({ type: 'queue', pending: 3 });
    expect((await screen.findByRole('button', { name: '3 changes waiting' }))).toBeTruthy();
    // The background download for offline reading says how far it is, and goes when done.
    await engineEvent({ type: 'offline', done: 40, total: 812, storedBytes: 9_000_000, budgetReached: false });
    expect((await found('#offline-progress')).textContent).toBe('Downloading for offline reading: 40 of 812');
    await engineEvent({ type: 'offline', done: 812, total: 812, storedBytes: 90_000_000, budgetReached: false });
    await waitFor(() => expect(document.querySelector('#offline-progress')).toBeNull());
  });

  it('the folder pane lists the roles first in the language, then the rest decoded by name', async () => {
    const folders = [
      { name: 'R&AOQ-kningar', displayName: 'Räkningar', total: 0, unread: 0, subscribed: true },
      { name: 'Papperskorg', displayName: 'Papperskorg', role: 'trash' as const, total: 0, unread: 0, subscribed: true },
      { name: 'Sent Items', displayName: 'Sent Items', role: 'sent' as const, total: 4, unread: 0, subscribed: true },
      { name: 'INBOX', displayName: 'INBOX', role: 'inbox' as const, total: 3, unread: 1, subscribed: true },
      { name: 'Arbete', displayName: 'Arbete', total: 0, unread: 2, subscribed: true },
      { name: 'Arbete/2026', displayName: 'Arbete/2026', delimiter: '/', total: 0, unread: 0, subscribed: true },
      { name: 'Gammalt', displayName: 'Gammalt', total: 9, unread: 9, subscribed: false },
    ];
    const calls = ipc({ account: { ...account, folders }, system: 'sv-SE' }, (cmd) => (cmd === 'list_folders' ? folders : undefined));
    render(App);
    await waitFor(() => expect(document.querySelectorAll('[data-folder]').length).toBe(6));
    const names = [...document.querySelectorAll<HTMLElement>('[data-folder] .name')].map((o) => o.textContent);
    expect(names).toEqual(['Inkorg', 'Skickat', 'Papperskorg', 'Arbete', '2026', 'Räkningar']);
    const sub = document.querySelector<HTMLElement>('[data-folder="Arbete/2026"]')!;
    expect(sub.style.paddingLeft).toBe('22px');
    // The server's own name is what the list asks for, and the loop syncs the folder opened.
    await fireEvent.click(document.querySelector('[data-folder="R&AOQ-kningar"]')!);
    await waitFor(() => expect(calls.some((c) => c.cmd === 'list_messages' && c.args.folder === 'R&AOQ-kningar')).toBe(true));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'sync_now' && c.args.folder === 'R&AOQ-kningar')).toBe(true));
  });

  it('a loop that cannot sign in shows a banner with Log in again; the mail stays readable', async () => {
    ipc({ account, system: 'sv' });
    render(App);
    await waitFor(() => expect(document.querySelectorAll('[role="option"]').length).toBe(3));
    await engineEvent({ type: 'health', health: { state: 'stopped', push: false, error: { kind: 'wrong_credentials', message: 'raw', server } } });
    const banner = await found('#sync-banner [data-guidance="wrong_credentials"]');
    expect(banner.textContent).toContain('Användarnamnet eller lösenordet godkändes inte');
    expect(document.querySelector('#health')?.textContent).toBe('Kan inte logga in');
    expect(document.querySelectorAll('[role="option"]').length).toBe(3);
    await fireEvent.click(screen.getByRole('button', { name: 'Logga in igen' }));
    const dialog = await screen.findByRole('dialog', { name: 'Logga in igen' });
    expect((dialog.querySelector('#email-shown') as HTMLInputElement).value).toBe('alice@inkorg.test');
  });

  it('too many connections asks to wait, not for a new password', async () => {
    const calls = ipc({ account });
    render(App);
    await waitFor(() => expect(document.querySelectorAll('[role="option"]').length).toBe(3));
    await engineEvent({ type: 'health', health: { state: 'stopped', push: false, error: { kind: 'blocked_by_provider', reason: 'too_many_connections', message: 'raw' } } });
    await waitFor(() => expect(document.querySelector('[data-guidance="too_many_connections"]')).toBeTruthy());
    expect(screen.queryByRole('button', { name: 'Log in again' })).toBeNull();
    const before = calls.filter((c) => c.cmd === 'sync_now').length;
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(calls.filter((c) => c.cmd === 'sync_now').length).toBe(before + 1));
  });

  it('Delete moves to Trash at once with Undo; in Trash it asks before removing for good', async () => {
    const folders = [
      { name: 'INBOX', displayName: 'INBOX', role: 'inbox' as const, total: 3, unread: 1, subscribed: true },
      { name: 'Trash', displayName: 'Trash', role: 'trash' as const, total: 0, unread: 0, subscribed: true },
    ];
    const calls = ipc({ account: { ...account, folders } }, (cmd) => {
      if (cmd === 'list_folders') return folders;
      if (cmd === 'delete_messages' || cmd === 'move_messages' || cmd === 'mark_messages') return 1;
    });
    render(App);
    await waitFor(() => expect(document.querySelectorAll('[role="option"]').length).toBe(3));
    const list = screen.getByRole('listbox');
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    await fireEvent.keyDown(list, { key: 'u' });
    await waitFor(() => expect(calls.find((c) => c.cmd === 'mark_messages')?.args).toEqual({ ids: [100], how: 'read' }));
    await fireEvent.keyDown(list, { key: 'Delete' });
    await waitFor(() => expect(calls.find((c) => c.cmd === 'delete_messages')?.args).toEqual({ ids: [100], forGood: false }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(calls.find((c) => c.cmd === 'move_messages')?.args).toEqual({ ids: [100], folder: 'INBOX' }));
    // In Trash: a question first, nothing removed until the yes.
    await fireEvent.click(document.querySelector('[data-folder="Trash"]')!);
    await waitFor(() => expect(calls.some((c) => c.cmd === 'list_messages' && c.args.folder === 'Trash')).toBe(true));
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    await fireEvent.keyDown(list, { key: 'Delete' });
    const ask = await screen.findByRole('alertdialog');
    expect(ask.textContent).toContain('Delete the message for good? This cannot be undone.');
    expect(calls.filter((c) => c.cmd === 'delete_messages').length).toBe(1);
    await fireEvent.click(screen.getByRole('button', { name: 'Delete for good' }));
    await waitFor(() => expect(calls.filter((c) => c.cmd === 'delete_messages').at(-1)?.args).toEqual({ ids: [100], forGood: true }));
  });

  it('several messages chosen with Ctrl+click, Shift+arrow and Ctrl+A are flagged and deleted together', async () => {
    const folders = [
      { name: 'INBOX', displayName: 'INBOX', role: 'inbox' as const, total: 3, unread: 1, subscribed: true },
      { name: 'Trash', displayName: 'Trash', role: 'trash' as const, total: 0, unread: 0, subscribed: true },
    ];
    const calls = ipc({ account: { ...account, folders } }, (cmd, args) => {
      if (cmd === 'list_folders') return folders;
      if (cmd === 'delete_messages' || cmd === 'mark_messages') return (args.ids as number[]).length;
    });
    render(App);
    await waitFor(() => expect(document.querySelectorAll('[role="option"]').length).toBe(3));
    const list = screen.getByRole('listbox');
    const rows = () => [...document.querySelectorAll<HTMLElement>('[role="option"]')];
    await fireEvent.click(rows()[0]!);
    await fireEvent.click(rows()[2]!, { ctrlKey: true });
    expect(rows().map((r) => r.getAttribute('aria-selected'))).toEqual(['true', 'false', 'true']);
    expect((await found('#picked-count')).textContent).toBe('2 messages selected');
    await fireEvent.keyDown(list, { key: 's' });
    const ids = (c: { args: Record<string, unknown> }) => [...(c.args.ids as number[])].sort();
    await waitFor(() => expect(calls.find((c) => c.cmd === 'mark_messages')).toBeTruthy());
    const flag = calls.find((c) => c.cmd === 'mark_messages')!;
    expect([ids(flag), flag.args.how]).toEqual([[messages[0]!.id, messages[2]!.id].sort(), 'flag']);
    // A plain click goes back to one; Shift+arrow takes a range from it.
    await fireEvent.click(rows()[0]!);
    expect(document.querySelector('#picked-count')).toBeNull();
    await fireEvent.keyDown(list, { key: 'ArrowDown', shiftKey: true });
    expect(rows().map((r) => r.getAttribute('aria-selected'))).toEqual(['true', 'true', 'false']);
    await fireEvent.keyDown(list, { key: 'a', ctrlKey: true });
    expect((await found('#picked-count')).textContent).toBe('3 messages selected');
    await fireEvent.keyDown(list, { key: 'Delete' });
    await waitFor(() => expect(calls.find((c) => c.cmd === 'delete_messages')).toBeTruthy());
    expect(ids(calls.find((c) => c.cmd === 'delete_messages')!)).toEqual(messages.map((m) => m.id).sort());
    expect((await found('#undo-bar span')).textContent).toBe('3 messages deleted');
  });

  it('a click on a new-mail notification opens that message in the inbox', async () => {
    const folders = [
      { name: 'INBOX', displayName: 'INBOX', role: 'inbox' as const, total: 3, unread: 1, subscribed: true },
      { name: 'Trash', displayName: 'Trash', role: 'trash' as const, total: 0, unread: 0, subscribed: true },
    ];
    const calls = ipc({ account: { ...account, folders } }, (cmd) => (cmd === 'list_folders' ? folders : undefined));
    render(App);
    await waitFor(() => expect(document.querySelectorAll('[role="option"]').length).toBe(3));
    await fireEvent.click(document.querySelector('[data-folder="Trash"]')!);
    await waitFor(() => expect(calls.some((c) => c.cmd === 'list_messages' && c.args.folder === 'Trash')).toBe(true));
    await emit('inkorg://open-message', messages[1]!.id);
    await waitFor(() => expect(document.querySelector('[data-folder="INBOX"]')?.getAttribute('aria-current')).toBe('true'));
    expect(await screen.findByRole('heading', { name: messages[1]!.subject })).toBeTruthy();
  });

  it('Email options, Folders: a folder unchecked leaves the pane; Inbox and Sent cannot be unchecked', async () => {
    let folders = [
      { name: 'INBOX', displayName: 'INBOX', role: 'inbox' as const, total: 3, unread: 1, subscribed: true },
      { name: 'Sent', displayName: 'Sent', role: 'sent' as const, total: 0, unread: 0, subscribed: true },
      { name: 'Arbete', displayName: 'Arbete', total: 0, unread: 2, subscribed: true },
    ];
    const calls = ipc({ account: { ...account, folders }, system: 'sv' }, (cmd, args) => {
      if (cmd === 'list_folders') return folders;
      if (cmd === 'set_folder_subscribed') {
        folders = folders.map((f) => (f.name === args.folder ? { ...f, subscribed: args.on as boolean } : f));
        return true;
      }
    });
    render(App);
    await waitFor(() => expect(document.querySelector('[data-folder="Arbete"]')).toBeTruthy());
    await fireEvent.click(await screen.findByRole('button', { name: 'Profil' }));
    await fireEvent.click(await screen.findByRole('menuitem', { name: 'Alternativ för e-post' }));
    await fireEvent.click(await screen.findByRole('tab', { name: 'Mappar' }));
    const inbox = (await found('[data-subscribe="INBOX"]')) as HTMLInputElement;
    expect(inbox.checked && inbox.disabled).toBe(true);
    expect((document.querySelector('[data-subscribe="Sent"]') as HTMLInputElement).disabled).toBe(true);
    const work = document.querySelector('[data-subscribe="Arbete"]') as HTMLInputElement;
    expect(work.disabled).toBe(false);
    await fireEvent.click(work);
    await waitFor(() => expect(calls.find((c) => c.cmd === 'set_folder_subscribed')?.args).toEqual({ folder: 'Arbete', on: false }));
    await waitFor(() => expect((document.querySelector('[data-subscribe="Arbete"]') as HTMLInputElement).checked).toBe(false));
    await engineEvent({ type: 'folders' });
    await waitFor(() => expect(document.querySelector('[data-folder="Arbete"]')).toBeNull());
  });

  it('a window opened after the loop last spoke shows its state at once, without waiting for news', async () => {
    ipc({ account }, (cmd) => (cmd === 'get_health' ? { state: 'offline', push: false, retryInS: 30, error: { kind: 'cannot_connect', message: 'x', server } } : undefined));
    render(App);
    expect((await found('#health[data-state="offline"]')).textContent).toBe('Offline – trying again in 30 s');
  });

  it('? lists the keyboard shortcuts', async () => {
    ipc({ account, system: 'sv' });
    render(App);
    await waitFor(() => expect(document.querySelectorAll('[role="option"]').length).toBe(3));
    await fireEvent.keyDown(window, { key: '?' });
    const dialog = await screen.findByRole('dialog', { name: 'Kortkommandon' });
    expect(dialog.textContent).toContain('Ta bort (till Papperskorgen)');
    expect(dialog.textContent).toContain('Ångra det senaste');
  });
});

describe('reading', () => {
  const read = (m: MessageDto, more: Partial<ReaderDto> = {}): ReaderDto => ({
    id: m.id, from: `${m.fromName} <${m.fromAddr}>`, fromAddr: m.fromAddr, replyTo: '', to: m.to, cc: '',
    subject: m.subject, date: m.date, remoteContent: 0, remoteShown: false, senderAllowed: false,
    hiddenInlineImages: 0, attachments: [], links: [], ...more,
  });

  async function openSecond() {
    render(App);
    await waitFor(() => expect(document.querySelectorAll('[role="option"]').length).toBe(3));
    const list = screen.getByRole('listbox');
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    await found('[data-testid="reader"][data-loaded="true"]');
    return list;
  }

  it('a forwarded message opens in its own Inkorg window; other attachments go to the system', async () => {
    const attachments = [
      { index: 0, name: 'Kallelse till möte.eml', size: 2100, mimeType: 'message/rfc822', isMessage: true, risky: false },
      { index: 1, name: 'agenda.pdf', size: 9000, mimeType: 'application/pdf', isMessage: false, risky: false },
    ];
    const calls = ipc({ account }, (cmd, args) => {
      if (cmd === 'read_message') return read(messages.find((x) => x.id === args.id)!, { attachments });
    });
    await openSecond();
    const open = async (name: string) => {
      const row = [...document.querySelectorAll('[data-attachment]')].find((r) => r.textContent?.includes(name))!;
      await fireEvent.click([...row.querySelectorAll('button')].find((b) => b.textContent === 'Open')!);
    };
    await open('Kallelse till möte.eml');
    await waitFor(() => expect(calls.some((c) => c.cmd === 'open_message_window')).toBe(true));
    const win = calls.find((c) => c.cmd === 'open_message_window')!;
    expect(win.args).toMatchObject({ id: 101, title: 'Kallelse till möte.eml', part: [0] });
    expect(calls.some((c) => c.cmd === 'open_attachment')).toBe(false);
    await open('agenda.pdf');
    await waitFor(() => expect(calls.find((c) => c.cmd === 'open_attachment')?.args).toMatchObject({ id: 101, index: 1, part: [] }));
  });

  it('the remote-content bar appears only for remote content; Show once reads the message again with it', async () => {
    const calls = ipc({ account }, (cmd, args) => {
      if (cmd !== 'read_message') return undefined;
      const m = messages.find((x) => x.id === args.id)!;
      return read(m, { remoteContent: m.id === 101 ? 2 : 0, remoteShown: Boolean(args.remoteOnce) && m.id === 101 });
    });
    const list = await openSecond();
    expect(document.querySelector('[data-testid="reader"]')?.getAttribute('data-message-id')).toBe('101');
    expect(document.querySelector('[data-message-id="101"][role="option"]')).toBeTruthy();
    expect((await found('#remote-bar')).textContent).toContain('Remote content was blocked');
    const frame = document.querySelector('[data-testid="reader-frame"]')!;
    expect(frame.getAttribute('sandbox')).toBe('');
    expect(frame.getAttribute('src')).toContain('remote=0');
    expect(calls.some((c) => c.cmd === 'read_message' && c.args.id === 101 && c.args.remoteOnce === false)).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: 'Show once' }));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'read_message' && c.args.id === 101 && c.args.remoteOnce === true)).toBe(true));
    await waitFor(() => expect(document.querySelector('#remote-bar')).toBeNull());
    expect(document.querySelector('[data-testid="reader-frame"]')!.getAttribute('src')).toContain('remote=1');
    // A message without remote content has no bar.
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    await waitFor(() => expect(document.querySelector('[data-testid="reader"]')?.getAttribute('data-message-id')).toBe('102'));
    await found('[data-testid="reader"][data-loaded="true"]');
    expect(document.querySelector('#remote-bar')).toBeNull();
  });

  it('a link whose text names another site shows where it really goes first; an ordinary link opens at once', async () => {
    const warned = { url: 'https://evil.example/login', host: 'evil.example', text: 'https://www.bank.se', reason: 'other_site' as const };
    const calls = ipc({ account }, (cmd, args) => {
      if (cmd === 'read_message') return read(messages.find((x) => x.id === args.id)!, { links: [warned] });
      return undefined;
    });
    await openSecond();
    await emit('inkorg://link', 'https://www.example.se/nyheter');
    await waitFor(() => expect(calls.some((c) => c.cmd === 'open_message_link' && c.args.url === 'https://www.example.se/nyheter')).toBe(true));
    expect(document.querySelector('#link-dialog')).toBeNull();
    await emit('inkorg://link', 'https://evil.example/login');
    const dialog = await found('#link-dialog');
    expect(dialog.textContent).toContain('names another site');
    expect(dialog.querySelector('#link-host')?.textContent).toBe('evil.example');
    expect(dialog.textContent).toContain('https://www.bank.se');
    expect(calls.filter((c) => c.cmd === 'open_message_link').length).toBe(1);
    await fireEvent.click(screen.getByRole('button', { name: 'Open in the browser' }));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'open_message_link' && c.args.url === warned.url)).toBe(true));
  });

  it('"Mark as read in preview" on: read after a second in the pane; off: only Enter (its own window) reads it', async () => {
    let calls = ipc({ account, prefs: { ...defaults, markReadInPreview: true } }, (cmd, args) =>
      cmd === 'read_message' ? read(messages.find((x) => x.id === args.id)!) : undefined);
    render(App);
    await waitFor(() => expect(document.querySelectorAll('[role="option"]').length).toBe(3));
    let list = screen.getByRole('listbox');
    await fireEvent.keyDown(list, { key: 'ArrowDown' }); // #0, unread
    await new Promise((r) => setTimeout(r, 400));
    expect(calls.some((c) => c.cmd === 'mark_messages')).toBe(false);
    await waitFor(() => expect(calls.some((c) => c.cmd === 'mark_messages' && (c.args.ids as number[])[0] === 100 && c.args.how === 'read')).toBe(true), { timeout: 2000 });
    cleanup();
    clearMocks();
    calls = ipc({ account }, (cmd, args) => (cmd === 'read_message' ? read(messages.find((x) => x.id === args.id)!) : undefined));
    render(App);
    await waitFor(() => expect(document.querySelectorAll('[role="option"]').length).toBe(3));
    list = screen.getByRole('listbox');
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    await new Promise((r) => setTimeout(r, 1300));
    expect(calls.some((c) => c.cmd === 'mark_messages')).toBe(false);
    await fireEvent.keyDown(list, { key: 'Enter' });
    await waitFor(() => expect(calls.some((c) => c.cmd === 'open_message_window' && c.args.id === 100)).toBe(true));
  });
});

describe('personal settings', () => {
  async function openMenuItem(name: string) {
    await fireEvent.click(await screen.findByRole('button', { name: 'Profile' }));
    await fireEvent.click(await screen.findByRole('menuitem', { name }));
  }

  it('Email options: General saves the options and the language; tabs move with the arrow keys', async () => {
    const calls = ipc({ account }, (cmd, args) => (cmd === 'set_preferences' ? args.preferences : undefined));
    render(App);
    await openMenuItem('Email options');
    const dialog = await screen.findByRole('dialog', { name: 'Email options' });
    expect((screen.getByLabelText('Save a copy of sent email') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText('Show inline images') as HTMLInputElement).checked).toBe(false);
    expect((screen.getByLabelText('Mark as read in preview') as HTMLInputElement).checked).toBe(false);
    await fireEvent.click(screen.getByLabelText('Mark as read in preview'));
    // Offline reading: the range, the budget, and what is kept now.
    expect((screen.getByLabelText('Download messages for offline reading') as HTMLSelectElement).value).toBe('days30');
    expect((await found('#offline-usage')).textContent).toBe('812 messages kept for offline reading (93 MB).');
    expect([...(screen.getByLabelText('Use at most') as HTMLSelectElement).options].map((o) => o.text)).toEqual(['250 MB', '1.0 GB', '5.0 GB', 'no limit']);
    await fireEvent.change(screen.getByLabelText('Download messages for offline reading'), { target: { value: 'all' } });
    await fireEvent.change(screen.getByLabelText('Use at most'), { target: { value: '5000' } });
    await fireEvent.change(screen.getByLabelText('Language'), { target: { value: 'sv' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByRole('dialog', { name: 'Alternativ för e-post' });
    const saved = calls.find((c) => c.cmd === 'set_preferences')!.args.preferences as PreferencesDto;
    expect(saved.markReadInPreview).toBe(true);
    expect(saved.language).toBe('sv');
    expect(saved.offlineRange).toBe('all');
    expect(saved.offlineBudgetMb).toBe(5000);
    expect((screen.getByLabelText('Ladda ned meddelanden för läsning offline') as HTMLSelectElement).selectedOptions[0]?.text).toBe('alla');
    const general = screen.getByRole('tab', { name: 'Allmänt' });
    await fireEvent.keyDown(general, { key: 'ArrowRight' });
    expect(screen.getByRole('tab', { name: 'E-postkonto' }).getAttribute('aria-selected')).toBe('true');
    expect(dialog.textContent).toContain('localhost:10993');
  });

  it('Edit/remove: remove asks, removes, and returns to the first run', async () => {
    let removed = false;
    const calls = ipc({ account }, (cmd) => {
      if (cmd === 'logout') { removed = true; return null; }
    });
    render(App);
    await openMenuItem('Email options');
    await fireEvent.click(screen.getByRole('tab', { name: 'Email account' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Edit/remove' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Remove account' }));
    const confirm = await screen.findByRole('dialog', { name: 'Remove the email account?' });
    expect(confirm.textContent).toContain('The mailbox at your provider is not touched.');
    expect(removed).toBe(false);
    await fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    expect(await screen.findByRole('dialog', { name: 'Set up email account' })).toBeTruthy();
    expect(calls.filter((c) => c.cmd === 'logout').length).toBe(1);
  });

  it('Edit reopens setup pre-filled and keeps the saved password when none is typed', async () => {
    const calls = ipc({ account }, (cmd) => (cmd === 'login' ? account : undefined));
    render(App);
    await openMenuItem('Email options');
    await fireEvent.click(screen.getByRole('tab', { name: 'Email account' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Edit/remove' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    await screen.findByRole('dialog', { name: 'Edit email account' });
    expect((screen.getAllByLabelText('Server')[0] as HTMLInputElement).value).toBe('localhost');
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'login')).toBe(true));
    const req = calls.find((c) => c.cmd === 'login')!.args.request as { password: string; keepSavedPassword: boolean };
    expect(req).toMatchObject({ password: '', keepSavedPassword: true });
  });

  it('the contact card warns when the account is not its first address, and one click fixes it', async () => {
    ipc({ account, card: { name: 'Alice', addresses: ['alice@work.test', 'alice@inkorg.test'] } });
    render(App);
    await openMenuItem('Email options');
    await fireEvent.click(screen.getByRole('tab', { name: 'Email account' }));
    const warning = await found('[data-warning="contact-card"]');
    expect(warning.textContent).toContain('you cannot send until alice@inkorg.test is the first email address');
    await fireEvent.click(screen.getByRole('button', { name: 'Make alice@inkorg.test the first address' }));
    await waitFor(() => expect(document.querySelector('[data-warning="contact-card"]')).toBeNull());
  });

  it('My contact card reorders addresses with the keyboard-reachable buttons and saves them', async () => {
    const calls = ipc({ account, card: { name: 'Alice', addresses: ['alice@inkorg.test'] } });
    render(App);
    await openMenuItem('My contact card');
    await screen.findByRole('dialog', { name: 'My contact card' });
    await fireEvent.click(screen.getByRole('button', { name: 'Add address' }));
    await fireEvent.input(screen.getByLabelText('Email address 2'), { target: { value: 'alice@work.test' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Move address 2 up' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'set_contact_card')).toBe(true));
    expect((calls.find((c) => c.cmd === 'set_contact_card')!.args.card as ContactCardDto).addresses)
      .toEqual(['alice@work.test', 'alice@inkorg.test']);
  });
});
