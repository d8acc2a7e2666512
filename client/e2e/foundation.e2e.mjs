#!/usr/bin/env node
// Browser check of the client foundation against a running StreamCat server:
// sign up → My channel (ARNs, playback URL, masked key) → reveal → rotate → log out → log in.
// Usage: BASE_URL=http://localhost:3000 node client/e2e/foundation.e2e.mjs
// Exits 1 and lists every failed check; with SCREENSHOTS_DIR set, saves my-channel.png and login.png there.
import {
  createReport,
  cspViolations,
  docScreenshot,
  failureScreenshot,
  firstLine,
  launchBrowser,
  openPage,
  pageErrors,
} from './support.mjs';

const BASE_URL = (process.env.BASE_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const { check, section, finish } = createReport();
let step = 'start';
function stepTo(name) {
  step = name;
  section(name);
}

const username = `e2e_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`.slice(0, 32);
const password = `pw-${Math.random().toString(36).slice(2)}-long`;

const browser = await launchBrowser();
const page = await openPage(browser, { baseURL: BASE_URL });

const secret = page.getByTestId('secret-value');
const fieldValue = (label) => page.getByLabel(label, { exact: true }).inputValue();

try {
  stepTo(`Sign up as ${username} at ${BASE_URL}`);
  await page.goto('/');
  await page.getByRole('link', { name: 'Start streaming' }).click();
  await page.waitForURL('**/register');
  await page.getByLabel('Username').fill(username.toUpperCase());
  check((await fieldValue('Username')) === username, 'the username is lower-cased as typed');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create channel' }).click();
  // Provisioning a channel can take a few seconds.
  await page.waitForURL('**/me/channel', { timeout: 30_000 });
  check(true, 'registration lands on My channel');

  stepTo('My channel shows the channel, stage and a masked stream key');
  await page.getByTestId('channel-name').waitFor();
  check((await page.getByTestId('channel-name').textContent())?.trim() === username, 'the channel is named after the user');
  const channelArn = await fieldValue('Channel ARN');
  check(channelArn.startsWith('arn:aws:ivs:') && channelArn.includes(':channel/'), 'a channel ARN is shown', channelArn);
  // Amazon IVS makes the stage when the studio is first opened (a per-region quota), not at sign-up.
  check(await page.getByTestId('stage-arn-pending').isVisible(), 'the stage is said to come with the first studio open');
  const playbackUrl = await fieldValue('Playback URL');
  check(/^https?:\/\/\S+/.test(playbackUrl), 'a playback URL is shown', playbackUrl);
  check((await fieldValue('RTMPS server URL')).startsWith('rtmps://'), 'an RTMPS ingest URL is shown');
  check((await page.getByTestId('channel-status').textContent())?.trim() === 'Offline', 'the new channel is offline');
  await secret.waitFor();
  const maskedText = (await secret.textContent()) ?? '';
  check((await secret.getAttribute('data-masked')) === 'true' && !maskedText.includes('sk_'), 'the stream key is masked by default');
  check(!(await page.content()).includes('sk_'), 'the hidden key is not anywhere in the page');
  await docScreenshot(page, 'my-channel.png', { fullPage: true });

  stepTo('Reveal and rotate the stream key');
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  const firstKey = ((await secret.textContent()) ?? '').trim();
  check(firstKey.startsWith('sk_'), 'the revealed key starts with sk_', firstKey.slice(0, 6));
  await page.getByRole('button', { name: 'Rotate key' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  check(await dialog.isVisible(), 'rotating asks for confirmation first');
  await dialog.getByRole('button', { name: 'Rotate key' }).click();
  await page.waitForFunction((old) => {
    const text = document.querySelector('[data-testid="secret-value"]')?.textContent?.trim() ?? '';
    return text.startsWith('sk_') && text !== old;
  }, firstKey);
  const secondKey = ((await secret.textContent()) ?? '').trim();
  check(secondKey.startsWith('sk_') && secondKey !== firstKey, 'the key changed after rotation');
  check(!(await dialog.isVisible()), 'the confirmation closed');

  stepTo('Save a title');
  const title = `E2E show ${Date.now()}`;
  await page.getByLabel('Title').fill(title);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByTestId('save-state').getByText('All changes saved').waitFor();
  await page.reload();
  await page.getByTestId('channel-name').waitFor();
  check((await fieldValue('Title')) === title, 'the saved title survives a reload');

  stepTo('Log out, then log in again');
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('link', { name: 'Log in' }).first().waitFor();
  check((await page.getByTestId('current-user').count()) === 0, 'after logging out no user is shown');
  await page.goto('/me/channel');
  await page.waitForURL(/\/login\?redirect=/);
  check(true, 'My channel needs a session and sends the visitor to log in');
  await docScreenshot(page, 'login.png');

  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(`${password}-wrong`);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  const alert = page.getByRole('alert').filter({ hasText: /match|attempts/i });
  await alert.waitFor();
  check(
    page.url().includes('/login'),
    'a wrong password keeps the person on the login page with a sentence',
    (await alert.textContent()) ?? '',
  );

  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForURL('**/me/channel');
  check(
    ((await page.getByTestId('current-user').textContent()) ?? '').includes(username),
    'logging in returns to My channel as the same user',
  );
  await page.getByTestId('channel-name').waitFor();
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  check(((await secret.textContent()) ?? '').trim() === secondKey, 'the rotated key is the one kept by the server');
} catch (error) {
  check(false, `step "${step}" did not complete`, firstLine(error));
  await failureScreenshot(page, 'foundation-e2e-failure');
} finally {
  check(pageErrors.length === 0, 'no uncaught errors in the page', pageErrors.join(' | '));
  check(cspViolations.length === 0, 'no Content-Security-Policy violations', cspViolations.join(' | '));
  await browser.close();
}

finish('foundation');
