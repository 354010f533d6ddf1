// Browser test: the SDI previews page (/previews/) on two simulated DELTACAST ports shows
// both with their signal; stopping and starting a port with the page's buttons works, and
// the started port then plays in the page's player at the preview's 1280x720.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SCREENSHOT, waitForPlayback, withOnairPage } from './harness.mjs';

const out = mkdtempSync(join(tmpdir(), 'onair-browser-'));
const tokenFile = join(out, 'api-token');
process.env.ONAIR_FAKE_VIDEOMASTER = 'signal=720p50';
const code = await withOnairPage(
  ['sdi-preview', '--output-dir', out, '--token-file', tokenFile],
  async (page, url) => {
    await page.goto(url + 'previews/');
    const card = (port) => `article.port[data-port="${port}"]`;
    await page.waitForSelector(`${card('0.1')} .signal.locked`, { timeout: 30000 });
    await page.fill('#token', readFileSync(tokenFile, 'utf8').trim());

    await page.click(`${card('0.1')} button:text("Stop")`);
    await page.waitForFunction(() => /0\.1: stopped/.test(document.getElementById('message').textContent),
      null, { timeout: 30000, polling: 100 });
    await page.waitForSelector(`${card('0.1')} button:text("Start"):not([disabled])`);
    await page.click(`${card('0.1')} button:text("Start")`);
    // Starting also watches the port: the player plays its playlist.
    await page.waitForSelector(`${card('0.1')}.watched button:text("Stop"):not([disabled])`,
      { timeout: 30000 });
    await page.waitForFunction(() => document.getElementById('video').currentTime > 0.5,
      null, { timeout: 60000, polling: 250 });
    const t1 = await page.evaluate(() => document.getElementById('video').currentTime);
    const { reached: t2, waited } = await waitForPlayback(page, '#video', t1, 'playback');
    const size = await page.evaluate(() => [document.getElementById('video').videoWidth,
      document.getElementById('video').videoHeight]);
    if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT });
    console.log(`port 0.1: playback time ${t1.toFixed(2)} s, ${waited.toFixed(1)} s later ${t2.toFixed(2)} s; picture ${size[0]}x${size[1]}`);
    if (size[0] !== 1280 || size[1] !== 720) throw new Error(`unexpected picture size ${size}`);
    // The other port previewed on all along.
    const other = await page.textContent(`${card('0.0')} .state`);
    if (other !== 'previewing') throw new Error(`port 0.0 is ${other}`);
  });
rmSync(out, { recursive: true, force: true });
process.exit(code);
