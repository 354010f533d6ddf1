// Browser test: the bundled ASCII page outlives a server restart. The page
// plays the high preset; onair stops (the player reconnects with backoff
// while the server is away) and starts again on the same port; the page
// plays again by itself, still at the quality the viewer chose.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { launchBrowser, makeClip, startApp, stopApp } from './harness.mjs';

const out = mkdtempSync(join(tmpdir(), 'onair-reconnect-'));
const clip = makeClip(out);
const args = ['ascii-web', '-s', `uri=${clip}`, '--output-dir', join(out, 'runs')];

// A port free now, for both runs of the server.
const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: p } = probe.address();
    probe.close(() => resolve(p));
  });
});

let failed = false;
let browser;
let app;
try {
  app = await startApp(args, `127.0.0.1:${port}`);
  browser = await launchBrowser();
  const page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(60000);
  await page.goto(`${app.url}ascii/?quality=high`);
  await page.evaluate(() => {
    window.states = [];
    window.asciiPlayer.addEventListener('state', (e) => window.states.push(e.detail.state));
  });
  const drawnBy = (n) => page.waitForFunction((k) => window.asciiPlayer.drawn > k, n,
    { timeout: 30000, polling: 250 });
  await drawnBy(10);
  const first = await page.evaluate(() => ({ drawn: window.asciiPlayer.drawn,
    cols: window.asciiPlayer.header.cols }));
  if (first.cols !== 200) throw new Error(`the high preset should be 200 columns: ${first.cols}`);

  const code = await stopApp(app.app);
  if (code !== 0) throw new Error(`onair exited with ${code}:\n${app.log()}`);
  await page.waitForFunction(() => window.states.filter((s) => s === 'reconnecting').length >= 2,
    null, { timeout: 30000, polling: 100 });

  app = await startApp(args, `127.0.0.1:${port}`);
  await page.waitForFunction(() => window.states.at(-1) === 'live', null,
    { timeout: 30000, polling: 250 });
  await drawnBy(first.drawn + 10);
  const again = await page.evaluate(() => ({ drawn: window.asciiPlayer.drawn,
    cols: window.asciiPlayer.header.cols, quality: window.asciiPlayer.quality,
    states: window.states }));
  console.log(`before the restart ${first.drawn} frames drawn, after it ${again.drawn}; ` +
    `states ${again.states.join(',')}`);
  if (again.cols !== 200 || again.quality !== 'high')
    throw new Error(`after the restart the quality is ${again.quality} (${again.cols} columns)`);
} catch (e) {
  failed = true;
  console.log(`FAIL: ${e.message}\nonair said:\n${app ? app.log() : ''}`);
} finally {
  if (browser) await browser.close();
  if (app && (await stopApp(app.app)) !== 0) {
    failed = true;
    console.log(`onair exited badly:\n${app.log()}`);
  }
}
rmSync(out, { recursive: true, force: true });
console.log(failed ? '0 passed, 1 failed' : '1 passed, 0 failed');
process.exit(failed ? 1 : 0);
