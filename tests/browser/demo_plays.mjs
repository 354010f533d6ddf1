// Browser test: the demo page, opened in headless Debian Chromium, plays the
// demo's live HLS output (the video's playback time advances).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SCREENSHOT, waitForPlayback, withOnairPage } from './harness.mjs';

const out = mkdtempSync(join(tmpdir(), 'onair-browser-'));
const code = await withOnairPage(
  ['demo', '--output-dir', out, '-s', 'width=640', '-s', 'height=360'],
  async (page, url) => {
    await page.goto(url);
    // Live HLS needs a couple of 2 s segments before playback starts.
    await page.waitForFunction(() => document.getElementById('video').currentTime > 1.0,
      null, { timeout: 60000, polling: 250 });
    const t1 = await page.evaluate(() => document.getElementById('video').currentTime);
    // Then it plays on: its time must pass t1 + 1 s (however long the
    // machine takes to get there).
    const { reached: t2, waited } = await waitForPlayback(page, '#video', t1, 'playback');
    const size = await page.evaluate(() => [document.getElementById('video').videoWidth,
      document.getElementById('video').videoHeight]);
    // The server pushes the status every second.
    await page.waitForFunction(() => document.querySelectorAll('#monitors tbody tr').length === 2,
      null, { timeout: 20000, polling: 250 });
    if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT });
    console.log(`playback time ${t1.toFixed(2)} s, ${waited.toFixed(1)} s later ${t2.toFixed(2)} s; picture ${size[0]}x${size[1]}`);
    if (!(t2 - t1 > 1.0)) throw new Error(`playback did not advance: ${t1} -> ${t2}`);
    if (size[0] !== 640 || size[1] !== 360) throw new Error(`unexpected picture size ${size}`);
  });
rmSync(out, { recursive: true, force: true });
process.exit(code);
