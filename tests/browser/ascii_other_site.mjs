// Browser test: the player on other people's websites. Two sites of the
// test's own (small HTTP servers on other ports) embed the player served by
// `onair run ascii-web --allow-origin <first site>`:
//  - the allowed site imports the module from onair's server and plays from
//    it across origins: frames drawn, the sound (over its WebSocket) playing
//    on, picture and sound on one clock, the sound's HTTP endpoint readable
//    with its X-Stream-Time;
//  - the other site (module copied to it) is refused: its WebSocket never
//    opens, no frame is drawn, and the sound cannot be read.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { makeClip, waitForPlayback, withOnairPage } from './harness.mjs';

const out = mkdtempSync(join(tmpdir(), 'onair-sites-'));
const clip = makeClip(out);
const moduleText = readFileSync(
  fileURLToPath(new URL('../../web/ascii/asciiline-player.js', import.meta.url)));
let onair = '';  // the app's URL, known once it runs

// A site: `/` is its page, `/player.js` (if `ownModule`) its copy of the module.
function site(ownModule) {
  const server = http.createServer((req, res) => {
    if (req.url === '/player.js' && ownModule) {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(moduleText);
      return;
    }
    const module = ownModule ? '/player.js' : `${onair}ascii/asciiline-player.js`;
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>a site</title></head>
<body><div class="video"></div>
<script type="module">
  import { AsciilinePlayer } from '${module}';
  window.events = { state: [] };
  const player = new AsciilinePlayer(document.querySelector('.video'), {
    frames: '${onair}ascii/ws', quality: 'low', sound: '${onair}ascii/audio.ws',
    soundHttp: '${onair}ascii/audio.aac' });
  player.addEventListener('state', (e) => window.events.state.push(e.detail.state));
  window.player = player;
</script></body></html>`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const allowed = await site(false);
const other = await site(true);
const origin = (server) => `http://127.0.0.1:${server.address().port}`;

// What a page's own fetch of the sound's HTTP endpoint may read.
const readSound = (page) => page.evaluate(async (url) => {
  try {
    const controller = new AbortController();
    const r = await fetch(url, { signal: controller.signal });
    const time = r.headers.get('X-Stream-Time');
    controller.abort();
    return { ok: r.ok, time };
  } catch (e) {
    return { error: String(e) };
  }
}, `${onair}ascii/audio.aac`);

const code = await withOnairPage(
  ['ascii-web', '-s', `uri=${clip}`, '-s', 'quality=medium', '--allow-origin', origin(allowed),
    '--output-dir', join(out, 'runs')],
  async (page, url) => {
    onair = url;
    await page.goto(origin(allowed) + '/');
    await page.waitForFunction(() => window.player && window.player.drawn > 10,
      null, { timeout: 20000, polling: 250 });
    await page.waitForFunction(() => window.player.audio.currentTime > 0.5,
      null, { timeout: 20000, polling: 250 });
    const t1 = await page.evaluate(() => window.player.audio.currentTime);
    await page.evaluate(() => { window.player.audio.id = 'sound-of-player'; });
    const { reached: t2 } = await waitForPlayback(page, '#sound-of-player', t1, 'the allowed site');
    const got = await page.evaluate(() => {
      const p = window.player;
      return { drawn: p.drawn, received: p.received, timed: p.timed, sound: p.soundTime,
        transport: p.soundTransport };
    });
    console.log(`allowed site ${origin(allowed)}: ${got.drawn} frames drawn, sound ` +
      `${t1.toFixed(2)} -> ${t2.toFixed(2)} s over ${got.transport}`);
    if (got.transport !== 'websocket') throw new Error(`sound came over ${got.transport}`);
    if (got.timed !== got.received) throw new Error(`${got.received - got.timed} frames without a time`);
    if (!(got.sound > 0)) throw new Error(`the sound's stream time is unknown: ${got.sound}`);
    const sound = await readSound(page);
    if (!sound.ok || !sound.time) throw new Error(`the allowed site cannot read the sound: ${JSON.stringify(sound)}`);

    const refused = await page.context().newPage();
    await refused.goto(origin(other) + '/');
    // The socket is refused, so the player retries: by then nothing was drawn.
    await refused.waitForFunction(() => window.events && window.events.state.includes('reconnecting'),
      null, { timeout: 20000, polling: 250 });
    const seen = await refused.evaluate(() => ({ drawn: window.player.drawn, states: window.events.state }));
    console.log(`other site ${origin(other)}: states ${seen.states}, ${seen.drawn} frames drawn`);
    if (seen.drawn !== 0 || seen.states.includes('live')) throw new Error(`the other site played: ${JSON.stringify(seen)}`);
    const theirs = await readSound(refused);
    if (!theirs.error) throw new Error(`the other site read the sound: ${JSON.stringify(theirs)}`);
    await refused.close();
  });
allowed.close();
other.close();
rmSync(out, { recursive: true, force: true });
process.exit(code);
