// Browser test: the bundled ASCII page on a clip without sound (ascii-web's
// sound endpoints exist but never deliver) does not offer "Sound on", even
// where the autoplay rule would refuse sound: the player offers it only for
// sound that came (docs/player.md). With fallback=on (ascii-web's default) the
// slate's silence stands in for a missing sound track, so the run here has
// fallback=off: its sound endpoints never deliver.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { makeClip, withOnairPage } from './harness.mjs';

const out = mkdtempSync(join(tmpdir(), 'onair-silent-'));
const clip = makeClip(out, { sound: false });

const code = await withOnairPage(
  ['ascii-web', '-s', `uri=${clip}`, '-s', 'quality=low', '-s', 'presets=off', '-s', 'fallback=off',
    '--output-dir', join(out, 'runs')],
  async (page, url) => {
    // As in a browser before the viewer clicks: play() is refused.
    await page.addInitScript(() => {
      HTMLMediaElement.prototype.play = () => Promise.reject(new DOMException('refused', 'NotAllowedError'));
    });
    await page.goto(url + 'ascii/');
    // Fifty frames drawn: the picture has played for two seconds, long past
    // the moment the sound's first chunk would have come.
    await page.waitForFunction(() => window.asciiPlayer && window.asciiPlayer.drawn > 50,
      null, { timeout: 20000, polling: 250 });
    const seen = await page.evaluate(() => ({ button: !document.getElementById('sound').hidden,
      sound: window.asciiPlayer.soundState, stats: document.getElementById('stats').textContent }));
    console.log(`without sound: button ${seen.button ? 'shown' : 'hidden'}, sound ${seen.sound}; ${seen.stats}`);
    if (seen.button) throw new Error('"Sound on" shows for a clip without sound');
    if (seen.sound !== 'waiting') throw new Error(`sound state ${seen.sound}, expected waiting`);
  });
rmSync(out, { recursive: true, force: true });
process.exit(code);
