// Browser test: the demo page, opened in headless Debian Chromium, plays the
// demo's live HLS output (the video's playback time advances).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SCREENSHOT, withOnairPage } from './harness.mjs';

const out = mkdtempSync(join(tmpdir(), 'onair-browser-'));
const code = await withOnairPage(
  ['demo', '--output-dir', out, '-s', 'width=640', '-s', 'height=360'],
  async (page, url) => {
    await page.goto(url);
    // Live HLS needs a couple of 2 s segments before playback starts.
    await page.waitForFunction(() => document.getElementById('video').currentTime > 1.0,
      null, { timeout: 45000, polling: 250 });
    const t1 = await page.evaluate(() => document.getElementById('video').currentTime);
    await page.waitForTimeout(2000);
    const t2 = await page.evaluate(() => document.getElementById('video').currentTime);
    const size = await page.evaluate(() => [document.getElementById('video').videoWidth,
      document.getElementById('video').videoHeight]);
    await page.waitForFunction(() => document.querySelectorAll('#monitors tbody tr').length === 2,
      null, { timeout: 10000 });
    if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT });
    console.log(`playback time ${t1.toFixed(2)} s, 2 s later ${t2.toFixed(2)} s; picture ${size[0]}x${size[1]}`);
    if (!(t2 - t1 > 1.0)) throw new Error(`playback did not advance: ${t1} -> ${t2}`);
    if (size[0] !== 640 || size[1] !== 360) throw new Error(`unexpected picture size ${size}`);
  });
rmSync(out, { recursive: true, force: true });
process.exit(code);
