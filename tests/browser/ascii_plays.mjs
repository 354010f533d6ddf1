// Browser test: the ASCII player, opened in headless Debian Chromium, draws a
// clip of colour bars (made here with gst-launch-1.0) in the bars' colours,
// and its sound plays (the audio element's time advances).
// Then the quality menu switches this viewer to the high grid.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SCREENSHOT, makeClip, waitForPlayback, withOnairPage } from './harness.mjs';

const out = mkdtempSync(join(tmpdir(), 'onair-ascii-'));
const clip = makeClip(out);

const code = await withOnairPage(
  ['ascii-web', '-s', `uri=${clip}`, '-s', 'quality=low', '--output-dir', join(out, 'runs')],
  async (page, url) => {
    await page.goto(url + 'ascii/');
    await page.waitForFunction(() => window.asciiPlayer && window.asciiPlayer.drawn > 10,
      null, { timeout: 20000, polling: 250 });
    await page.waitForFunction(() => document.getElementById('audio').currentTime > 0.5,
      null, { timeout: 20000, polling: 250 });
    const t1 = await page.evaluate(() => document.getElementById('audio').currentTime);
    // The sound plays on: its time must pass t1 + 1 s (however long the
    // machine takes to get there).
    const { reached: t2, waited } = await waitForPlayback(page, '#audio', t1, 'sound');
    if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT });

    // The seven bars, left to right: white, yellow, cyan, green, magenta, red,
    // blue. In the middle half of each bar, the commonest colour of the drawn
    // glyphs (each channel on or off) must be the bar's.
    const found = await page.evaluate(() => {
      const c = document.getElementById('screen');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const names = ['black', 'blue', 'green', 'cyan', 'red', 'magenta', 'yellow', 'white'];
      const out = [];
      for (let bar = 0; bar < 7; bar++) {
        const x0 = Math.floor(c.width * (bar + 0.25) / 7), x1 = Math.floor(c.width * (bar + 0.75) / 7);
        const counts = new Array(8).fill(0);
        for (let y = 0; y < c.height; y++) {
          for (let x = x0; x < x1; x++) {
            const i = (y * c.width + x) * 4;
            const cls = (d[i] > 90 ? 4 : 0) | (d[i + 1] > 90 ? 2 : 0) | (d[i + 2] > 90 ? 1 : 0);
            if (cls) counts[cls]++;
          }
        }
        let best = 1;
        for (let k = 1; k < 8; k++) if (counts[k] > counts[best]) best = k;
        out.push(names[best]);
      }
      return out;
    });
    const expected = ['white', 'yellow', 'cyan', 'green', 'magenta', 'red', 'blue'];
    const stats = await page.evaluate(() => ({ drawn: window.asciiPlayer.drawn, lead: window.asciiPlayer.lead,
      header: window.asciiPlayer.header, timed: window.asciiPlayer.timed,
      received: window.asciiPlayer.received, sound: window.asciiPlayer.soundTime }));
    console.log(`bars ${found.join(' ')}; audio ${t1.toFixed(2)} s, ${waited.toFixed(1)} s later ${t2.toFixed(2)} s; ` +
      `${stats.drawn} frames drawn, picture ahead of sound ${(stats.lead * 1000).toFixed(0)} ms, grid ${stats.header.cols}x${stats.header.rows}`);
    if (found.join() !== expected.join()) throw new Error(`bar colours ${found} (expected ${expected})`);
    if (stats.header.cols !== 80 || stats.header.rows !== 34) throw new Error('low quality should be 80x34');
    if (!(t2 - t1 > 1.0)) throw new Error(`sound did not advance: ${t1} -> ${t2}`);
    // Picture and sound share a clock: every frame came with its stream time,
    // and the sound playing has one too (bench/ascii_sync.mjs measures how
    // close they are).
    if (stats.timed !== stats.received) throw new Error(`${stats.received - stats.timed} frames without a time`);
    if (!(stats.sound > 0)) throw new Error(`the sound's stream time is unknown: ${stats.sound}`);

    // The quality menu: "high" switches this viewer to the 200x84 grid, and
    // the bars are still drawn in their colours.
    await page.selectOption('#preset', 'high');
    await page.waitForFunction(() => window.asciiPlayer.header && window.asciiPlayer.header.cols === 200,
      null, { timeout: 20000, polling: 250 });
    const before = await page.evaluate(() => window.asciiPlayer.drawn);
    await page.waitForFunction((n) => window.asciiPlayer.drawn > n + 10, before,
      { timeout: 20000, polling: 250 });
    const high = await page.evaluate(() => ({ header: window.asciiPlayer.header,
      query: location.search }));
    console.log(`after choosing high: grid ${high.header.cols}x${high.header.rows}, address ${high.query}`);
    if (high.header.rows !== 84 || high.header.mode !== 3) throw new Error('high should be 200x84 mode 3');
    if (high.query !== '?quality=high') throw new Error(`the choice is not in the address: ${high.query}`);
  });
rmSync(out, { recursive: true, force: true });
process.exit(code);
