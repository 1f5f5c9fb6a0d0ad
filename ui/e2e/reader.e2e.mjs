// End to end, reading: the real app in real WebKit with an account that the CLI set up
// (scripts/e2e.sh: `inkorg-cli login` into INKORG_DATA_DIR, the mailbox of reader@ filled with
// the .eml corpus and tests/hostile/make_messages.py's hostile mail pointing at a canary HTTP
// server on loopback). Every hostile message is opened in the reading pane; the canary must
// record no connection at all. Then a newsletter arrives: its remote content is blocked with the
// bar until "Show once" (then only its own /allowed/ paths are fetched), "Always show from
// this sender" lands in Email options and is revoked there; its links, clicked in the frame,
// reach the browser (the deceptive one only after its real target was shown); attachments are
// listed; Enter opens a message in its own window, which marks it read. Screens are
// photographed in the language under test.
// Passed by scripts/e2e.sh: APP, DRIVER_URL, E2E_LANG, SHOTS, INKORG_DATA_DIR, CANARY_LOG,
//   CANARY_URL, HOSTILE_COUNT, CORPUS_COUNT, CONSENT_EML, MAILSERVER_SH, BROWSER_LOG.
import { Builder, By, Key, until } from 'selenium-webdriver';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { strict as assert } from 'node:assert';
import { test, after } from 'node:test';

const env = process.env;
const lang = env.E2E_LANG === 'sv' ? 'sv' : 'en';
const L = JSON.parse(readFileSync(new URL(`../src/locales/${lang}.json`, import.meta.url), 'utf8'));
mkdirSync(env.SHOTS, { recursive: true });
const t0 = Date.now();
const windowSize = JSON.parse(readFileSync(new URL('../../tauri.conf.json', import.meta.url), 'utf8')).app.windows[0];

function step(what) {
  console.error(`# [${lang} reader] ${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
}

function s(key, params = {}) {
  assert.ok(key in L, `no string ${key}`);
  return L[key].replace(/\{(\w+)\}/g, (m, n) => (n in params ? String(params[n]) : m));
}

let driver;
after(async () => {
  if (driver) await driver.quit().catch(() => {});
});

async function shot(name) {
  step(`screenshot ${name}`);
  await driver.sleep(400);
  const crop = `${windowSize.width}x${windowSize.height}+0+0`;
  execFileSync('import', ['-window', 'root', '-crop', crop, '+repage', `${env.SHOTS}/${name}.png`], { timeout: 20000 });
}

const $ = (css) => driver.findElement(By.css(css));
const $$ = (css) => driver.findElements(By.css(css));
const wait = (css, ms = 20000) => driver.wait(until.elementLocated(By.css(css)), ms, `waiting for ${css}`);

/** The local store's inbox: id and subject of every message, newest first. */
function inbox() {
  const py = `import sqlite3,sys,json
c=sqlite3.connect(sys.argv[1])
rows=c.execute("select m.id, m.subject, m.seen from messages m join folders f on f.id=m.folder_id where f.name='INBOX' order by m.date desc").fetchall()
print(json.dumps(rows))`;
  return JSON.parse(execFileSync('python3', ['-c', py, `${env.INKORG_DATA_DIR}/inkorg.sqlite3`], { encoding: 'utf8' }));
}

function canary() {
  return existsSync(env.CANARY_LOG) ? readFileSync(env.CANARY_LOG, 'utf8').split('\n').filter(Boolean) : [];
}

/** Opens a message of the inbox by its local id (the app's #message=ID hook) and waits until
 * the reading pane has it and its frame has loaded. */
async function openMessage(id) {
  await driver.executeScript('window.location.hash = ""; window.location.hash = arguments[0];', `#message=${id}`);
  await wait(`[data-testid="reader"][data-message-id="${id}"][data-loaded="true"]`, 20000);
  const frame = await wait('[data-testid="reader-frame"]');
  await driver.wait(async () => (await frame.getAttribute('src'))?.includes(`/${id}?`), 5000);
  return frame;
}

/** The text of the message frame as WebKit laid it out (WebDriver may enter a sandboxed frame;
 * scripts of the page itself never run there). */
async function frameText() {
  const frame = await wait('[data-testid="reader-frame"]');
  await driver.switchTo().frame(frame);
  try {
    return await driver.wait(async () => {
      const t = await driver.findElement(By.css('body')).getText();
      return t.length > 0 ? t : null;
    }, 10000, 'the frame shows text');
  } finally {
    await driver.switchTo().defaultContent();
  }
}

test(`${lang}: hostile mail makes no request and runs nothing; remote content on consent; links kept as written, attachments, its own window`, async () => {
  const caps = { browserName: 'wry', 'tauri:options': { application: env.APP } };
  driver = await new Builder().usingServer(env.DRIVER_URL).withCapabilities(caps).build();
  try {
    const list = await wait('[role="listbox"]', 30000);
    const expected = Number(env.HOSTILE_COUNT) + Number(env.CORPUS_COUNT);
    await driver.wait(async () => Number(await list.getAttribute('data-count')) === expected, 30000, `${expected} messages listed`);
    const rows = inbox();
    assert.equal(rows.length, expected);
    const hostile = rows.filter(([, subject]) => /^(Vector \d+|Trick: )/.test(subject));
    assert.equal(hostile.length, Number(env.HOSTILE_COUNT), 'every hostile message is listed');
    const row = await wait('[role="option"][data-message-id]');
    assert.ok(Number(await row.getAttribute('data-message-id')) > 0, 'rows carry their local id');

    // Every hostile message, opened in the reading pane.
    let texts = 0;
    for (const [id, subject] of hostile) {
      await openMessage(id);
      if (texts < 3 && subject.startsWith('Vector')) {
        // The frame shows the message's own words (so it did load), with markup as text.
        const shown = await frameText();
        assert.ok(shown.includes('Vector'), `${subject}: ${shown}`);
        texts++;
      }
      await driver.sleep(150);
    }
    if (hostile.length > 0) await openMessage(hostile[5][0]);
    await driver.sleep(2000);
    assert.deepEqual(canary(), [], 'the canary saw a connection from hostile mail');
    step(`${hostile.length} hostile messages opened; the canary saw nothing`);
    await shot('30-hostile-vector');
    assert.equal((await driver.getAllWindowHandles()).length, 1, 'no window opened by itself');

    // A message with text only ever shows it: quotes, links, a forwarded message as an
    // attachment; and the attachments list.
    const bySubject = (re) => rows.find(([, subject]) => re.test(subject));
    const attachments = bySubject(/^Bilagor$/);
    assert.ok(attachments, 'the corpus has its attachments message');
    await openMessage(attachments[0]);
    const items = await $$('.attachments li');
    assert.ok(items.length >= 2, 'the attachments are listed');
    assert.ok((await text('.attachments h3')).startsWith(s('reader.attachmentsCount', { n: items.length })));
    assert.ok((await (await $('.attachments')).getText()).includes(s('reader.save')));
    await shot('31-attachments');
    const quotes = bySubject(/Sv: |Re: /i);
    if (quotes) {
      await openMessage(quotes[0]);
      await shot('32-plain-text-quotes');
    }

    // The newsletter arrives while the app is open.
    execFileSync('bash', [env.MAILSERVER_SH, 'save', 'reader', env.CONSENT_EML]);
    let news;
    await driver.wait(() => {
      news = inbox().find(([, subject]) => subject === 'Veckans böcker från Bokhandeln');
      return Boolean(news);
    }, 20000, 'the newsletter arrived');
    await openMessage(news[0]);
    const bar = await wait('#remote-bar');
    assert.ok((await bar.getText()).includes(s('reader.remoteBlocked')));
    await driver.sleep(1000);
    assert.deepEqual(canary(), [], 'blocked means not fetched');
    assert.ok((await frameText()).includes('Bokhandeln'));
    await shot('33-remote-blocked');
    await (await bar.findElement(By.xpath(`.//button[text()=${JSON.stringify(s('reader.showOnce'))}]`))).click();
    await driver.wait(() => canary().some((l) => l.startsWith('GET /allowed/logo.gif')), 10000, 'the logo is fetched after Show once');
    await driver.wait(() => canary().some((l) => l.startsWith('GET /allowed/open.gif')), 10000, 'the tracking pixel counts as remote content');
    for (const line of canary()) assert.ok(line.startsWith('CONNECT ') || line.includes(' /allowed/'), `only the newsletter's own content: ${line}`);
    assert.equal((await $$('#remote-bar')).length, 0, 'the bar is gone once shown');
    await shot('34-remote-shown-once');

    // Links, clicked in the frame as a person clicks them. The one whose text names another
    // site shows where it really goes first; the browser gets it only after "Öppna länken".
    // The frame stays on the message (the click was answered with 204), and nothing of the
    // link went anywhere but the browser stub.
    const inFrame = async (fn) => {
      await driver.switchTo().frame(await wait('[data-testid="reader-frame"]'));
      try {
        return await fn();
      } finally {
        await driver.switchTo().defaultContent();
      }
    };
    const opened = () => (existsSync(env.BROWSER_LOG) ? readFileSync(env.BROWSER_LOG, 'utf8').split('\n').filter(Boolean) : []);
    const before = opened().length;
    await inFrame(async () => {
      const a = await driver.findElement(By.xpath('//a[contains(text(), "bokhandeln.se/medlem")]'));
      assert.equal(await a.getAttribute('target'), null, 'no link opens a window of its own');
      assert.match(await a.getAttribute('href'), /\?link=\d+$/, 'the frame does not even know where it goes');
      await a.click();
    });
    const dialog = await wait('#link-dialog');
    assert.match(await (await $('#link-host')).getText(), /127\.0\.0\.1/, 'the real host is shown');
    assert.equal(opened().length, before, 'nothing opened before the person agreed');
    await shot('35-link-real-target');
    await (await dialog.findElement(By.css('#link-open'))).click();
    await driver.wait(() => opened().slice(before).includes('http://127.0.0.1:9/login'), 10000, 'the browser got the real target');
    await inFrame(async () => {
      assert.ok((await driver.findElements(By.xpath('//a[contains(text(), "bokhandeln.se/medlem")]'))).length === 1, 'the frame still shows the message');
      // An honest link opens at once.
      await (await driver.findElement(By.xpath('//a[contains(., "höstnyheter")]'))).click();
    });
    await driver.wait(() => opened().slice(before).includes('https://www.bokhandeln.se/host'), 10000, 'an honest link goes straight to the browser');
    assert.equal((await $$('#link-dialog')).length, 0, 'without a question');

    // Always from this sender: Email options lists the sender, and taking it off works. ("Show
    // once" lasts while the message stays open: another one first.)
    await openMessage(hostile[0][0]);
    await openMessage(news[0]);
    await (await (await wait('#remote-bar')).findElement(By.xpath(`.//button[text()=${JSON.stringify(s('reader.showAlways'))}]`))).click();
    await driver.wait(async () => (await $$('#remote-bar')).length === 0, 10000, 'shown from now on');
    await (await $('#profile-button')).click();
    await (await wait('#menu-email-options')).click();
    const sender = await wait('[data-remote-sender="nyhetsbrev@bokhandeln.example"]');
    await driver.executeScript('arguments[0].scrollIntoView({ block: "center" })', sender);
    await shot('36-options-remote-senders');
    await (await sender.findElement(By.css('button'))).click();
    await driver.wait(async () => (await $$('[data-remote-sender]')).length === 0, 5000, 'revoked');
    await (await $('#email-options')).sendKeys(Key.ESCAPE);
    await driver.wait(async () => (await $$('#email-options')).length === 0, 5000);
    await openMessage(hostile[0][0]);
    await openMessage(news[0]);
    await wait('#remote-bar', 10000);

    // Enter: the message in its own window, which marks it read; the pane alone did not.
    const unread = inbox().find(([id, , seen]) => !seen && id !== news[0]);
    assert.ok(unread, 'an unread message is left');
    await openMessage(unread[0]);
    await driver.sleep(1500);
    assert.equal(inbox().find(([id]) => id === unread[0])[2], 0, 'shown in the pane, still unread');
    const main = await driver.getWindowHandle();
    await (await $('[role="listbox"]')).sendKeys(Key.ENTER);
    await driver.wait(async () => (await driver.getAllWindowHandles()).length === 2, 10000, 'its own window opened');
    const other = (await driver.getAllWindowHandles()).find((h) => h !== main);
    await driver.switchTo().window(other);
    await wait(`[data-testid="reader"][data-message-id="${unread[0]}"][data-loaded="true"]`, 20000);
    await shot('37-own-window');
    await driver.wait(() => inbox().find(([id]) => id === unread[0])[2] === 1, 15000, 'read once opened in its own window');
    await driver.close();
    await driver.switchTo().window(main);
    await driver.sleep(500);
    assert.deepEqual(canary().filter((l) => !l.includes(' /allowed/') && !l.startsWith('CONNECT')), [], 'nothing else reached the canary');
  } catch (e) {
    await shot('reader-failed').catch(() => {});
    const page = await driver.executeScript('return document.body.innerText').catch(() => '');
    step(`page text: ${String(page).replace(/\s+/g, ' ')}`);
    step(`canary: ${JSON.stringify(canary())}`);
    throw e;
  }
});

async function text(css) {
  return (await wait(css)).getText();
}
