#!/usr/bin/env node
// Multistream from the studio: host H opens the studio and adds two custom destinations in the
// Multistream panel, one at channel B's RTMP ingest (loopback), one at a closed port. H's channel
// goes live from an encoder (ffmpeg test pattern into H's RTMP ingest): the panel shows B's
// destination Live and the dead one Failed with the reason and a retry countdown, while B's
// channel is live; the keys typed are nowhere in the page. The encoder stops: both go back to Ready.
// Usage: BASE_URL=http://localhost:3000 node client/e2e/multistream.e2e.mjs
// Exits 1 listing every failed check; with SCREENSHOTS_DIR set, saves studio-multistream.png there.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import {
  createReport,
  cspViolations,
  docScreenshot,
  failureScreenshot,
  launchBrowser,
  openPage,
  pageErrors,
  register,
  rest,
  waitUntil,
} from './support.mjs';

const BASE_URL = (process.env.BASE_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const { check, section, finish } = createReport();
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e3)}`;

async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const H = await register(BASE_URL, `ms_host_${suffix}`.slice(0, 32), 'multistream-e2e-password');
const B = await register(BASE_URL, `ms_dest_${suffix}`.slice(0, 32), 'multistream-e2e-password');
const hCreds = await rest(BASE_URL, '/api/me/channel/credentials', { token: H.accessToken });
const bCreds = await rest(BASE_URL, '/api/me/channel/credentials', { token: B.accessToken });
const deadKey = `dead_${suffix}`;
const browser = await launchBrowser();
const page = await openPage(browser, { baseURL: BASE_URL, who: 'H', auth: H, viewport: { width: 1400, height: 1000 }, timeout: 20_000 });
let encoder;

const item = (name) => page.getByTestId('multistream-destination').filter({ hasText: name });
const stateOf = (name) => item(name).getAttribute('data-state');

try {
  if (!hCreds.rtmpUrl) throw new Error('the server has no RTMP ingest (its port was taken)');
  const rtmp = new URL(hCreds.rtmpUrl);
  const loopback = `rtmp://127.0.0.1:${rtmp.port}/app`;

  section('H adds two destinations in the studio; the keys are typed once and never shown');
  await page.goto('/studio');
  await page.getByTestId('multistream-panel').waitFor();
  const addOne = async (name, url, key) => {
    await page.getByTestId('multistream-add').click();
    await page.getByLabel('Platform').selectOption('custom');
    await page.getByLabel('Server URL').fill(url);
    await page.getByLabel('Stream key').fill(key);
    await page.getByLabel('Name (optional)').fill(name);
    await page.getByTestId('multistream-save').click();
    await item(name).waitFor();
  };
  await addOne('Channel B', loopback, bCreds.streamKey);
  await addOne('Nowhere', `rtmp://127.0.0.1:${await closedPort()}/app`, deadKey);
  check(
    (await item('Channel B').textContent()).includes(`…${bCreds.streamKey.slice(-4)}`),
    'the destination shows the key’s last characters',
  );
  const html = await page.content();
  check(!html.includes(bCreds.streamKey) && !html.includes(deadKey), 'no key is left in the page after saving');
  check((await stateOf('Channel B')) === 'idle', 'before the show, a destination is Ready');

  section('H goes live from an encoder: B’s destination goes Live, the dead one says why it fails');
  // prettier-ignore
  encoder = spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=15', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '15', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', `${loopback}/${hCreds.streamKey}`,
  ], { stdio: 'ignore' });
  const started = Date.now();
  const live = await waitUntil(
    () => stateOf('Channel B'),
    (s) => s === 'live',
    { timeout: 60_000 },
  );
  check(live === 'live', 'the studio shows the relay to B live', `state ${live}`);
  console.log(`  (live in the studio ${Date.now() - started} ms after the encoder started)`);
  check((await item('Channel B').getByTestId('multistream-state').textContent()).trim() === 'Live', 'its badge says Live');
  // B's Stream Start is applied just after the relay's first bytes: wait for it.
  const bChannel = await waitUntil(
    () => rest(BASE_URL, `/api/channels/${B.user.username}`),
    (c) => c.isLive,
    { timeout: 20_000 },
  );
  check(bChannel?.isLive, 'B’s channel is live from the relay');
  const failed = await waitUntil(
    async () => ({ state: await stateOf('Nowhere'), detail: await item('Nowhere').getByTestId('multistream-detail').textContent() }),
    (v) => v.state === 'retrying' && /refused/i.test(v.detail),
    { timeout: 30_000 },
  );
  check(failed?.state === 'retrying', 'the dead destination is Failed', JSON.stringify(failed));
  check(/refused.*retrying in \d+ s/i.test(failed?.detail ?? ''), 'with the reason and when it retries', failed?.detail);
  check(!(await page.content()).includes(deadKey), 'the reason does not carry the key');
  await docScreenshot(page, 'studio-multistream.png');

  section('the encoder stops: the relays stop');
  encoder.kill('SIGTERM');
  const idle = await waitUntil(
    async () => [await stateOf('Channel B'), await stateOf('Nowhere')],
    (s) => s.every((x) => x === 'idle'),
    { timeout: 60_000 },
  );
  check(
    idle?.every((x) => x === 'idle'),
    'both destinations are Ready again',
    JSON.stringify(idle),
  );
} catch (e) {
  check(false, 'the multistream journey ran to the end', e?.stack ?? String(e));
  await failureScreenshot(page, 'multistream-failure');
} finally {
  if (encoder && encoder.exitCode === null) encoder.kill('SIGKILL');
  if (pageErrors.length) console.log(`\npage errors:\n- ${pageErrors.join('\n- ')}`);
  check(cspViolations.length === 0, 'no Content-Security-Policy violations', cspViolations.join(' | '));
  await browser.close();
}

finish('multistream');
