// Browser test: the dashboard (/) of an `rtmp` run to a real nginx-rtmp on 127.0.0.1.
// Without a token its controls are disabled and a wrong one is refused and changes
// nothing; with the token a chat line posted from the page shows in the overlay's state
// (page and /api/status). The output's plot fills. The test kills nginx: the page counts
// down to the output's next try, then shows it failed; the test starts nginx again and
// presses the page's Reconnect: live again.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SCREENSHOT, deadline, withOnairPage } from './harness.mjs';

// nginx-rtmp through tests/browser/rtmp_server.py: send(cmd) resolves with its answer line.
async function startRtmpServer() {
  const helper = spawn('python3', [new URL('./rtmp_server.py', import.meta.url).pathname],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: helper.stdout });
  const waiting = [];
  lines.on('line', (line) => { const next = waiting.shift(); if (next) next(line); });
  const answer = () => Promise.race([deadline(60000), new Promise((resolve) => waiting.push(resolve))]);
  const first = await answer();
  if (!first.startsWith('url ')) throw new Error(`rtmp server helper said: ${first}`);
  return {
    url: first.slice(4),
    send: (command) => { const a = answer(); helper.stdin.write(command + '\n'); return a; },
    stop: () => helper.stdin.end(),
  };
}

const out = mkdtempSync(join(tmpdir(), 'onair-browser-'));
const tokenFile = join(out, 'api-token');
const rtmp = await startRtmpServer();
let code = 1;
try {
  code = await withOnairPage(
    ['rtmp', '-s', `server=${rtmp.url}`, '-s', 'key=dashboard', '-s', 'quality=low',
      '-s', 'max_attempts=5', '-s', 'speech=off', '--output-dir', out, '--token-file', tokenFile],
    async (page, url) => {
      const output = 'article.output';
      const text = (selector) => page.textContent(selector);
      const waitText = (selector, pattern, what, timeout = 60000) => page.waitForFunction(
        ([sel, source]) => { const e = document.querySelector(sel); return e && new RegExp(source).test(e.textContent); },
        [selector, pattern.source], { timeout, polling: 100 }).catch(async (e) => {
        throw new Error(`${what}: ${e.message}; page shows "${await text(selector).catch(() => '?')}"`);
      });

      await page.goto(url);
      await waitText(`${output} .badge`, /^live/, 'the output goes live');

      // Without a token: read-only.
      await page.waitForSelector('#overlay-controls:not([hidden])');
      if (!await page.$eval('#overlay-controls', (f) => f.disabled)) throw new Error('controls are on without a token');
      if (!await page.$eval(`${output} button.reconnect`, (b) => b.disabled)) throw new Error('Reconnect is on without a token');

      // A wrong token: refused, dropped, nothing changes.
      const overlayBefore = await text('#overlay-state');
      await page.fill('#token', '0'.repeat(64));
      await page.click('#token-use');
      await waitText('#token-state', /refused \(401\)/, 'a wrong token is refused');
      if (await page.evaluate(() => sessionStorage.getItem('onair-api-token')) !== null)
        throw new Error('the wrong token stayed in sessionStorage');
      if (!await page.$eval('#overlay-controls', (f) => f.disabled)) throw new Error('controls are on after a wrong token');
      if (await text('#overlay-state') !== overlayBefore) throw new Error('a wrong token changed the overlay');

      // The token: controls on; a chat line from the page shows in the overlay's state.
      const token = readFileSync(tokenFile, 'utf8').trim();
      await page.fill('#token', token);
      await page.click('#token-use');
      await waitText('#token-state', /accepted/, 'the token is accepted');
      if (await page.$eval('#overlay-controls', (f) => f.disabled)) throw new Error('controls stay off with the token');
      if (await page.evaluate(() => sessionStorage.getItem('onair-api-token')) !== token)
        throw new Error('the token is not in sessionStorage');
      if ((await page.content()).includes(token)) throw new Error('the token is in the page');
      await page.fill('#chat-text', 'hello from the dashboard');
      await page.click('#chat-form button[type=submit]');
      await waitText('#message', /chat: done/, 'the chat line is taken');
      await waitText('#overlay-state', /overlay: 1 chat line,/, 'the chat line shows in the overlay state');
      const status = await (await page.request.get(url + 'api/status')).json();
      if (status.overlays[0].chat_count !== 1) throw new Error(`status says ${JSON.stringify(status.overlays)}`);

      // The output's plot has points (history, then a sample a second).
      await page.waitForFunction(() => {
        const box = document.querySelector('article.output .plot');
        return box && box.querySelector('canvas') && Number(box.dataset.points) >= 3;
      }, null, { timeout: 60000, polling: 250 });
      const points = await page.evaluate(() => Object.values(dashboard.plots).map((p) => p.data[1].filter((v) => v !== null).length));
      if (!points.every((n) => n >= 3)) throw new Error(`plots without points: ${points}`);
      if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // The server goes: the page counts down to the next try (waits of 0.5, 1, 2 and 4 s
      // between five attempts), then the output fails.
      await rtmp.send('kill');
      await page.waitForFunction((selector) => {
        // Two readings of one attempt's countdown, the later one smaller.
        const m = /next try in (\d+) s \(attempt (\d+)\)/.exec(document.querySelector(selector)?.textContent ?? '');
        if (!m) return false;
        const seen = (window.countdownSeen ??= {});
        const [seconds, attempt] = [Number(m[1]), m[2]];
        if (seen[attempt] !== undefined && seconds < seen[attempt]) return true;
        seen[attempt] = Math.max(seen[attempt] ?? 0, seconds);
        return false;
      }, `${output} .badge`, { timeout: 60000, polling: 100 }).catch(async (e) => {
        throw new Error(`no countdown to the next try: ${e.message}; page shows "${await text(`${output} .badge`)}"`);
      });
      await waitText(`${output} .badge`, /^failed/, 'the output fails once its attempts are spent');
      await waitText(`${output} .error`, /last error: ./, 'the output shows its last error');

      // Back, and Reconnect from the page: live again.
      await rtmp.send('start');
      await page.click(`${output} button.reconnect`);
      await waitText('#message', /reconnect: done/, 'the reconnect is taken');
      await waitText(`${output} .badge`, /^live/, 'the output is live again after Reconnect');
      console.log(`output: ${await text(`${output} .badge`)}; plots: ${points.join(', ')} points`);
    });
} finally {
  rtmp.stop();
  rmSync(out, { recursive: true, force: true });
}
process.exit(code);
