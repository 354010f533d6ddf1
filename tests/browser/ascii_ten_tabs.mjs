// Browser test: ten tabs of the bundled ASCII page in one browser, against
// one `onair run ascii-web`, all get sound. A browser opens at most six HTTP
// connections per host, so an endless HTTP sound would leave the seventh tab
// silent; the player takes the sound over a WebSocket, which does not count.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { makeClip, waitForPlayback, withOnairPage } from './harness.mjs';

const TABS = 10;
const out = mkdtempSync(join(tmpdir(), 'onair-tabs-'));
const clip = makeClip(out);

const code = await withOnairPage(
  ['ascii-web', '-s', `uri=${clip}`, '-s', 'quality=low', '-s', 'presets=off',
    '--output-dir', join(out, 'runs')],
  async (first, url) => {
    const tabs = [first];
    while (tabs.length < TABS) tabs.push(await first.context().newPage());
    await Promise.all(tabs.map((tab) => tab.goto(url + 'ascii/')));
    const results = [];
    for (const [i, tab] of tabs.entries()) {
      await tab.waitForFunction(() => document.getElementById('audio').currentTime > 0.5,
        null, { timeout: 30000, polling: 250 });
      const t1 = await tab.evaluate(() => document.getElementById('audio').currentTime);
      const { reached } = await waitForPlayback(tab, '#audio', t1, `sound of tab ${i + 1}`, { timeout: 30000 });
      const transport = await tab.evaluate(() => window.asciiPlayer.soundTransport);
      results.push(`${i + 1}: ${t1.toFixed(2)} -> ${reached.toFixed(2)} s (${transport})`);
      if (transport !== 'websocket') throw new Error(`tab ${i + 1} got its sound over ${transport}`);
    }
    console.log(`sound in all ${TABS} tabs: ${results.join('; ')}`);
  });
rmSync(out, { recursive: true, force: true });
process.exit(code);
