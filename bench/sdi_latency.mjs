// Benchmark: glass-to-glass latency of an SDI preview (goal: at most 4 s with the default
// segment length). onair's simulated VideoMaster card (picture=moving) draws the wall-clock
// time it captured each frame across the frame's top, as a bar code of 32 blocks between a
// white and a black guard block. `onair run sdi-preview` previews that simulated 1080i50 port;
// headless Chromium plays the port's playlist with the previews page's own hls.js settings,
// and for every frame it shows (requestVideoFrameCallback) reads the bar code back from the
// picture and takes the time it is displayed minus the time it was captured. Once with the
// default HLS settings (1 s segments, 6 listed), once with the seed's (5 s, 3 listed).
//
//   ONAIR_BIN=build/app/onair node bench/sdi_latency.mjs [seconds]
//
// Needs playwright-core (tests/browser/node_modules, from tools/setup) and /usr/bin/chromium.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { withOnairPage } from '../tests/browser/harness.mjs';

const SECONDS = Number(process.argv[2] || 20);
process.env.ONAIR_VIDEOMASTER_LIBRARY ||= resolve('build/tests/fakes/videomaster/libvideomasterhd.so');
process.env.ONAIR_FAKE_VIDEOMASTER = 'ports=1;signal=1080i50;picture=moving';

// In the page: plays the port, reads every shown frame's capture time; the latencies (ms).
async function measure([seconds]) {
  const video = document.createElement('video');
  video.muted = true;
  document.body.append(video);
  // The previews page's player settings (web/previews/previews.js).
  const hls = new Hls({ liveSyncDurationCount: 2, manifestLoadingMaxRetry: 30, manifestLoadingRetryDelay: 1000 });
  const errors = [];
  // As the page does: a fatal network error (the playlist not written yet) loads it again.
  hls.on(Hls.Events.ERROR, (event, data) => {
    errors.push(`${data.type}/${data.details}${data.fatal ? ' (fatal)' : ''}`);
    if (data.fatal && data.type === Hls.ErrorTypes.NETWORK_ERROR)
      setTimeout(() => hls.loadSource('/previews/0.0/playlist.m3u8'), 2000);
  });
  hls.loadSource('/previews/0.0/playlist.m3u8');
  hls.attachMedia(video);
  video.play().catch(() => {});
  const canvas = document.createElement('canvas');
  canvas.width = 1280;
  canvas.height = 720;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const latencies = [];
  let shown = 0;
  let lastRow = '';
  return new Promise((done) => {
    let end = null;
    // A bound for a player that never shows a frame, so the run ends with what it has.
    const giveUp = setTimeout(() => done({ latencies, shown, lastRow, errors }), (seconds + 60) * 1000);
    const onFrame = (now, meta) => {
      shown++;
      context.drawImage(video, 0, 0, 1280, 720);
      const row = context.getImageData(0, 48, 1280, 1).data;
      const bit = (i) => row[(32 * (i + 1) + 16) * 4] > 128;
      lastRow = Array.from({ length: 34 }, (_, i) => row[(32 * (i + 1) + 16) * 4]).join(' ');
      if (bit(0) && !bit(33)) {
        let captured = 0;
        for (let i = 1; i <= 32; ++i) if (bit(i)) captured += 2 ** (i - 1);
        const shown = (performance.timeOrigin + meta.expectedDisplayTime) % 2 ** 32;
        latencies.push((shown - captured + 2 ** 32) % 2 ** 32);
        if (end === null) end = Date.now() + seconds * 1000;
      }
      if (end !== null && Date.now() > end) {
        clearTimeout(giveUp);
        hls.destroy();
        done({ latencies, shown, lastRow, errors });
      } else {
        video.requestVideoFrameCallback(onFrame);
      }
    };
    video.requestVideoFrameCallback(onFrame);
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

let failed = 0;
const settings = [
  ['default (1 s segments, 6 listed)', []],
  ["seed's (5 s segments, 3 listed)", ['-s', 'segment=5', '-s', 'playlist_length=3']],
];
console.log(`Glass-to-glass latency of a simulated 1080i50 port's preview, ${SECONDS} s of frames shown`);
for (const [label, vars] of settings.filter((_, i) => !process.argv[3] || String(i) === process.argv[3])) {
  const out = mkdtempSync(join(tmpdir(), 'onair-latency-'));
  failed += await withOnairPage(['sdi-preview', '--output-dir', out, ...vars], async (page, url) => {
    await page.goto(url + 'previews/');
    await page.waitForFunction(() => typeof Hls !== 'undefined');
    const { latencies, shown, lastRow, errors } = await page.evaluate(measure, [SECONDS]);
    latencies.sort((a, b) => a - b);
    if (latencies.length < SECONDS * 10) {
      throw new Error(`only ${latencies.length} of ${shown} frames shown read back ` +
        `(the last frame's bar code, red channel: ${lastRow}; player errors: ${errors.join(', ')})`);
    }
    const s = (ms) => (ms / 1000).toFixed(2);
    console.log(`  ${label}: median ${s(percentile(latencies, 0.5))} s, 90th percentile ` +
      `${s(percentile(latencies, 0.9))} s, worst ${s(latencies[latencies.length - 1])} s ` +
      `(${latencies.length} frames)`);
  }, { summary: false });
  rmSync(out, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
