// End to end: the real app binary in real WebKit (tauri-driver + WebKitWebDriver under Xvfb),
// against the local Dovecot/Postfix. Run by scripts/e2e.sh, which starts all of that and passes:
//   APP (the binary), DRIVER_URL, MAIL_USER, MAIL_PASSWORD, IMAP_PORT, SMTP_PORT, SEEDED,
//   NEWEST_SUBJECT, SHOTS (screenshot folder), INKORG_DATA_DIR and INKORG_EXTRA_CA (read by the app).
import { Builder, By, until } from 'selenium-webdriver';
import { mkdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { strict as assert } from 'node:assert';
import { test } from 'node:test';

const env = process.env;
mkdirSync(env.SHOTS, { recursive: true });
const t0 = Date.now();
const windowSize = JSON.parse(readFileSync(new URL('../../tauri.conf.json', import.meta.url), 'utf8')).app.windows[0];
/** Progress on stderr, so a hang shows where it stopped. */
function step(what) {
  console.error(`# ${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
}

async function open() {
  step('starting the app through tauri-driver');
  const caps = { browserName: 'wry', 'tauri:options': { application: env.APP } };
  const driver = await new Builder().usingServer(env.DRIVER_URL).withCapabilities(caps).build();
  step('session open');
  return driver;
}

/**
 * A screenshot of the whole (virtual) screen, taken by ImageMagick's `import` from the X server.
 * WebKitWebDriver's own screenshot never returns when the app runs inside the private D-Bus
 * session the keyring needs, so the picture is taken from outside the webview.
 */
async function shot(driver, name) {
  step(`screenshot ${name}`);
  // Let the last layout and paint land first.
  await driver.sleep(300);
  // No window manager runs under Xvfb: the window sits at 0,0 with its configured size.
  const crop = `${windowSize.width}x${windowSize.height}+0+0`;
  execFileSync('import', ['-window', 'root', '-crop', crop, '+repage', `${env.SHOTS}/${name}.png`], {
    timeout: 20000,
  });
}

async function type(driver, css, text) {
  const el = await driver.findElement(By.css(css));
  await el.clear();
  await el.sendKeys(text);
}

async function fillSetup(driver, password) {
  await type(driver, '#email', env.MAIL_USER);
  await type(driver, '#name', 'Eva Ek');
  await type(driver, '#password', password);
  if ((await driver.findElements(By.css('#imap-host'))).length === 0) {
    await driver.findElement(By.css('button[aria-controls="advanced"]')).click();
  }
  await type(driver, '#imap-host', 'localhost');
  await type(driver, '#imap-port', env.IMAP_PORT);
  await type(driver, '#smtp-host', 'localhost');
  await type(driver, '#smtp-port', env.SMTP_PORT);
}

async function rows(driver) {
  return driver.findElements(By.css('[role="option"]'));
}

test('a new user logs in and sees the seeded inbox; a restart opens it from the local store', async () => {
  let driver = await open();
  try {
    const title = await driver.wait(until.elementLocated(By.css('#setup-title')), 20000);
    assert.equal(await title.getText(), 'Set up email account');
    await shot(driver, '01-setup');

    // Wrong password: the wrong-credentials sentence, and nothing saved.
    step('setup view shown; filling in a wrong password');
    await fillSetup(driver, 'not-the-password');
    await driver.findElement(By.css('#login')).click();
    const alert = await driver.wait(until.elementLocated(By.css('[role="alert"]')), 20000);
    await driver.wait(until.elementTextContains(alert, 'not accepted'), 5000);
    assert.equal(await alert.getAttribute('data-kind'), 'wrong_credentials');
    await shot(driver, '02-wrong-password');

    // The right password: the inbox with the seeded mail.
    // Nothing was saved: a reload of the window is a first run again.
    step('wrong-credentials message shown; reloading to check that nothing was saved');
    await driver.navigate().refresh();
    // The reloaded page has an empty form (the old one still held the address).
    await driver.wait(async () => {
      const email = await driver.findElements(By.css('#email'));
      return email.length === 1 && (await email[0].getAttribute('value')) === '';
    }, 20000);
    await driver.wait(until.elementLocated(By.css('#setup-title')), 20000);
    assert.equal((await driver.findElements(By.css('[role="listbox"]'))).length, 0, 'no inbox after a failed login');
    step('still the first run; the right password now');
    await fillSetup(driver, env.MAIL_PASSWORD);
    await driver.findElement(By.css('#login')).click();
    const list = await driver.wait(until.elementLocated(By.css('[role="listbox"]')), 30000);
    await driver.wait(async () => (await list.getAttribute('data-count')) === env.SEEDED, 30000);
    await driver.wait(until.elementLocated(By.xpath(`//*[contains(text(), "${env.NEWEST_SUBJECT}")]`)), 10000);
    // Virtualized: far fewer rows in the DOM than messages.
    assert.ok((await rows(driver)).length < Number(env.SEEDED), 'only visible rows are rendered');
    await shot(driver, '03-inbox');

    step('inbox listed');
    assert.equal((await driver.findElements(By.css('[role="alert"]'))).length, 0, 'no error on the inbox');
    // Keyboard: focus the list, arrow down, Enter shows the headers.
    await list.click();
    await list.sendKeys('\uE015'); // ArrowDown
    const subject = await driver.wait(until.elementLocated(By.css('#message-subject')), 5000);
    assert.ok((await subject.getText()).length > 0);
    await shot(driver, '04-message');
  } catch (e) {
    await shot(driver, 'failed').catch(() => {});
    const alerts = await driver.findElements(By.css('[role="alert"]'));
    for (const a of alerts) step(`alert on screen: ${await a.getText()}`);
    step(`page text: ${(await driver.executeScript('return document.body.innerText')).replace(/\s+/g, ' ')}`);
    throw e;
  } finally {
    await driver.quit();
  }

  // Restart: the inbox comes from the local store without a login.
  driver = await open();
  try {
    const started = Date.now();
    const list = await driver.wait(until.elementLocated(By.css('[role="listbox"]')), 20000);
    await driver.wait(async () => (await list.getAttribute('data-count')) === env.SEEDED, 10000);
    console.log(`# restart: ${env.SEEDED} messages listed ${Date.now() - started} ms after the window opened`);
    assert.equal((await driver.findElements(By.css('#setup-title'))).length, 0, 'no setup after restart');
    await driver.wait(async () => (await driver.findElement(By.css('#refresh')).isEnabled()), 20000);
    await shot(driver, '05-restarted');
  } finally {
    await driver.quit();
  }
});
