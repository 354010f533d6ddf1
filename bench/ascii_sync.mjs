// Benchmark: how far apart the ASCII player shows picture and sound (goal: at
// most 100 ms). The clip (made here with ffmpeg) is black and silent except
// for a white flash with a beep every 2 s, at the same instants. In headless
// Chromium the page's own player plays it from `onair run ascii-web`; a probe
// in the page records when each flash is drawn on the canvas and when each
// beep reaches the sound output (Web Audio analyser on the audio element),
// and prints picture-minus-sound for every flash.
//
//   ONAIR_BIN=build/app/onair node bench/ascii_sync.mjs [seconds]
//
// Needs playwright-core (tests/browser/node_modules, from tools/setup),
// /usr/bin/chromium and ffmpeg.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { missing, withOnairPage } from '../tests/browser/harness.mjs';

const SECONDS = Number(process.argv[2] || 20);

const out = mkdtempSync(join(tmpdir(), 'onair-sync-'));
const clip = join(out, 'flashes.mp4');
// A white flash and a 1 kHz beep, both 200 ms long, every 2 s, for longer
// than the measurement.
const made = spawnSync('ffmpeg', ['-loglevel', 'error', '-y',
  '-f', 'lavfi', '-i', "color=c=black:s=320x180:r=25,drawbox=c=white:t=fill:enable='lt(mod(t,2),0.2)'",
  '-f', 'lavfi', '-i', "sine=f=1000:r=44100,volume='if(lt(mod(t,2),0.2),1,0)':eval=frame",
  '-t', String(SECONDS + 30), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-c:a', 'aac', '-b:a', '128k',
  '-ac', '2', clip], { encoding: 'utf8' });
if (made.status !== 0) missing(`cannot make the test clip with ffmpeg: ${made.stderr || made.error}`);

const code = await withOnairPage(
  ['ascii-web', '-s', `uri=${clip}`, '-s', 'quality=low', '-s', 'presets=off',
    '--output-dir', join(out, 'runs')],
  async (page, url) => {
    await page.goto(url + 'ascii/');
    await page.waitForFunction(() => window.asciiPlayer && window.asciiPlayer.drawn > 5 &&
      document.getElementById('audio').currentTime > 0.5, null, { timeout: 20000, polling: 250 });

    // The probe: rising edges of canvas brightness and of sound level, on the
    // page's clock, sampled every animation frame.
    await page.evaluate(() => {
      const audio = document.getElementById('audio');
      const canvas = document.getElementById('screen');
      const ctx2d = canvas.getContext('2d');
      const actx = new AudioContext();
      const analyser = actx.createAnalyser();
      analyser.fftSize = 512;
      const source = actx.createMediaElementSource(audio);
      source.connect(analyser);
      analyser.connect(actx.destination);
      const samples = new Float32Array(analyser.fftSize);
      const probe = { flashes: [], beeps: [], bright: false, loud: false, running: actx.state, maxPeak: 0, ticks: 0 };
      window.syncProbe = probe;
      function sample() {
        requestAnimationFrame(sample);
        const now = performance.now();
        const px = ctx2d.getImageData(0, 0, canvas.width, canvas.height).data;
        let sum = 0;
        for (let i = 0; i < px.length; i += 4 * 97) sum += px[i] + px[i + 1] + px[i + 2];
        const bright = sum / (px.length / (4 * 97)) > 60;
        if (bright && !probe.bright) probe.flashes.push(now);
        probe.bright = bright;
        analyser.getFloatTimeDomainData(samples);
        let peak = 0;
        for (const s of samples) peak = Math.max(peak, Math.abs(s));
        probe.maxPeak = Math.max(probe.maxPeak, peak);
        probe.ticks++;
        const loud = peak > 0.03;  // the sine source peaks at 1/8
        // The analyser holds the last fftSize samples: a beep starting inside
        // them started up to that long ago.
        if (loud && !probe.loud) probe.beeps.push(now);
        probe.loud = loud;
        probe.running = actx.state;
      }
      actx.resume().then(sample);
    });
    await page.waitForTimeout(SECONDS * 1000);
    const probe = await page.evaluate(() => window.syncProbe);
    const player = await page.evaluate(() => ({ lead: window.asciiPlayer.lead, drawn: window.asciiPlayer.drawn }));
    console.log(`audio context ${probe.running}, peak ${probe.maxPeak.toFixed(3)} over ${probe.ticks} samples; flashes at ${probe.flashes.map((t) => t.toFixed(0)).join(' ')}; ` +
      `beeps at ${probe.beeps.map((t) => t.toFixed(0)).join(' ')}; player lead ${(player.lead * 1000).toFixed(0)} ms`);
    if (probe.flashes.length < 3) throw new Error(`only ${probe.flashes.length} flashes drawn`);
    if (probe.beeps.length < 3) throw new Error(`only ${probe.beeps.length} beeps heard`);
    // Each flash against the nearest beep (they come 2 s apart).
    const offsets = probe.flashes.map((f) => {
      let best = Infinity;
      for (const b of probe.beeps) if (Math.abs(f - b) < Math.abs(best)) best = f - b;
      return best;
    });
    console.log(`picture minus sound: ${offsets.map((o) => `${o.toFixed(0)} ms`).join(', ')}`);
    const abs = offsets.map(Math.abs).sort((a, b) => a - b);
    console.log(`picture and sound apart: median ${abs[Math.floor(abs.length / 2)].toFixed(0)} ms, ` +
      `worst ${abs[abs.length - 1].toFixed(0)} ms over ${abs.length} flashes (goal: at most 100 ms)`);
  }, { summary: false });
rmSync(out, { recursive: true, force: true });
process.exit(code);
