// Browser test: the player module (web/ascii/asciiline-player.js) on a page
// of a site's own, not the bundled one. The app serves a web folder made
// here: the module under /lib/ and two pages under /site/ that mount it into
// a <div> with the server's URLs given explicitly.
//  - /site/: frames drawn, the sound (over its WebSocket) plays on, and
//    picture and sound share a clock (every frame has its stream time, and
//    the sound playing has one).
//  - /site/fallback.html names a sound WebSocket the server does not have:
//    the player falls back to the endless HTTP sound, which plays.
// Then, with the autoplay rule refusing (play() rejects, as on a page the
// viewer has not clicked yet), the player says "blocked", so a page offers
// its "Sound on" button; play() from that button starts the sound.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { makeClip, waitForPlayback, withOnairPage } from './harness.mjs';

const out = mkdtempSync(join(tmpdir(), 'onair-module-'));
const clip = makeClip(out);
const web = join(out, 'web');
mkdirSync(join(web, 'lib'), { recursive: true });
mkdirSync(join(web, 'site'));
copyFileSync(fileURLToPath(new URL('../../web/ascii/asciiline-player.js', import.meta.url)),
  join(web, 'lib', 'asciiline-player.js'));
const page = (sound) => `<!doctype html>
<html><head><meta charset="utf-8"><title>a site</title></head>
<body>
  <h1>My site</h1>
  <div class="video"></div>
  <script type="module">
    import { AsciilinePlayer } from '/lib/asciiline-player.js';
    const player = new AsciilinePlayer(document.querySelector('.video'), {
      frames: '/ascii/ws', quality: 'low', sound: '${sound}', soundHttp: '/ascii/audio.aac' });
    window.events = { fps: 0, state: [], sound: [] };
    player.addEventListener('fps', () => window.events.fps++);
    player.addEventListener('state', (e) => window.events.state.push(e.detail.state));
    player.addEventListener('sound', (e) => window.events.sound.push(e.detail.state));
    window.player = player;
  </script>
</body></html>`;
writeFileSync(join(web, 'site', 'index.html'), page('/ascii/audio.ws'));
writeFileSync(join(web, 'site', 'fallback.html'), page('/ascii/no-such-sound.ws'));

// Plays PATH and returns what the player says once frames are drawn and the
// sound has played on by a second.
async function plays(page, url, path) {
  await page.goto(url + path);
  await page.waitForFunction(() => window.player && window.player.drawn > 10,
    null, { timeout: 20000, polling: 250 });
  await page.waitForFunction(() => window.player.audio.currentTime > 0.5,
    null, { timeout: 20000, polling: 250 });
  const t1 = await page.evaluate(() => window.player.audio.currentTime);
  await page.evaluate(() => { window.player.audio.id = 'sound-of-player'; });
  const { reached: t2 } = await waitForPlayback(page, '#sound-of-player', t1, `sound of ${path}`);
  const got = await page.evaluate(() => {
    const p = window.player;
    return { drawn: p.drawn, received: p.received, timed: p.timed, sound: p.soundTime,
      transport: p.soundTransport, header: p.header, lead: p.lead, events: window.events,
      inside: p.canvas.parentElement.className };
  });
  console.log(`${path}: ${got.drawn} frames drawn, sound ${t1.toFixed(2)} -> ${t2.toFixed(2)} s over ` +
    `${got.transport}, picture ahead ${(got.lead * 1000).toFixed(0)} ms, states ${got.events.state}, ` +
    `sound states ${got.events.sound}`);
  if (got.inside !== 'video') throw new Error(`the canvas is not in the page's element: ${got.inside}`);
  if (got.header.cols !== 80) throw new Error(`quality low should be 80 columns: ${got.header.cols}`);
  if (got.timed !== got.received) throw new Error(`${got.received - got.timed} frames without a time`);
  if (!(got.sound > 0)) throw new Error(`the sound's stream time is unknown: ${got.sound}`);
  if (!got.events.state.includes('live')) throw new Error(`no live state: ${got.events.state}`);
  if (!got.events.sound.includes('playing')) throw new Error(`no playing sound state: ${got.events.sound}`);
  return got;
}

const code = await withOnairPage(
  ['ascii-web', '-s', `uri=${clip}`, '-s', 'quality=medium', '--web-dir', web,
    '--output-dir', join(out, 'runs')],
  async (page, url) => {
    const direct = await plays(page, url, 'site/');
    if (direct.transport !== 'websocket') throw new Error(`sound came over ${direct.transport}`);
    await page.waitForFunction(() => window.events.fps > 0, null, { timeout: 20000, polling: 250 });

    const fallback = await plays(page, url, 'site/fallback.html');
    if (fallback.transport !== 'http') throw new Error(`fallback sound came over ${fallback.transport}`);

    // The autoplay rule refuses until the viewer clicks.
    const blocked = await page.context().newPage();
    await blocked.addInitScript(() => {
      const play = HTMLMediaElement.prototype.play;
      window.clicked = false;
      HTMLMediaElement.prototype.play = function () {
        return window.clicked ? play.call(this) : Promise.reject(new DOMException('refused', 'NotAllowedError'));
      };
    });
    await blocked.goto(url + 'site/');
    await blocked.waitForFunction(() => window.player && window.player.soundState === 'blocked',
      null, { timeout: 20000, polling: 250 });
    await blocked.evaluate(() => { window.clicked = true; window.player.play(); });
    await blocked.waitForFunction(() => window.player.soundState === 'playing' &&
      window.player.audio.currentTime > 0.5, null, { timeout: 20000, polling: 250 });
    console.log('refused sound: blocked, then playing after play()');
    await blocked.close();

    // stop() ends the connection and the sound.
    await page.evaluate(() => window.player.stop());
    const stopped = await page.evaluate(() => ({ state: window.player.state, paused: window.player.audio.paused }));
    if (stopped.state !== 'stopped' || !stopped.paused) throw new Error(`after stop(): ${JSON.stringify(stopped)}`);
  });
rmSync(out, { recursive: true, force: true });
process.exit(code);
