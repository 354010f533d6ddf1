// What every browser check shares: find playwright-core and Debian's
// Chromium, start `onair run ...` on a free port, open a headless browser,
// run the page part, and always stop both again.
//
// Without playwright-core or Chromium a check skips (exit 77), unless
// ONAIR_REQUIRE_BROWSER=1, as in CI, makes that a failure.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const ONAIR = process.env.ONAIR_BIN || 'build/app/onair';
export const SCREENSHOT = process.env.ONAIR_SCREENSHOT;  // where to save a picture of the page, if set

export function deadline(ms) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms));
}

// Waits until the media element SELECTOR (on a page in its own time) has
// played on by more than BY seconds past FROM: progress, not a fixed sleep,
// so a slow machine only takes longer. Returns the time reached and the wall
// time waited; throws, naming the time reached, if that does not happen
// within TIMEOUT ms.
export async function waitForPlayback(page, selector, from, what, { by = 1.0, timeout = 20000 } = {}) {
  const started = Date.now();
  try {
    await page.waitForFunction(([sel, t]) => document.querySelector(sel).currentTime > t,
      [selector, from + by], { timeout, polling: 250 });
  } catch (e) {
    if (!/Timeout/i.test(e.message)) throw e;
    const reached = await page.evaluate((sel) => document.querySelector(sel).currentTime, selector);
    throw new Error(`${what} did not advance by ${by} s within ${timeout / 1000} s: ` +
      `${from.toFixed(2)} s -> ${reached.toFixed(2)} s`);
  }
  const reached = await page.evaluate((sel) => document.querySelector(sel).currentTime, selector);
  return { reached, waited: (Date.now() - started) / 1000 };
}

// Makes DIR/bars.mp4 (or DIR/silent.mp4 without sound): 100% colour bars,
// full height, 320x180 at 25 fps, with a 440 Hz tone. The clip starts
// playing when the app starts, before Chromium does, so it lasts 120 s:
// longer than a check's waits can add up to on a loaded machine. Checks stop
// the app themselves when done; they never wait for the clip to end.
export function makeClip(dir, { sound = true } = {}) {
  const clip = join(dir, sound ? 'bars.mp4' : 'silent.mp4');
  const video = ['videotestsrc', 'num-buffers=3000', 'pattern=smpte100', '!',
    'video/x-raw,width=320,height=180,framerate=25/1',
    '!', 'x264enc', 'speed-preset=ultrafast', '!', 'h264parse', '!', 'queue', '!', 'mux.'];
  const audio = ['audiotestsrc', 'num-buffers=5200', 'freq=440', '!', 'audioconvert', '!', 'voaacenc',
    '!', 'aacparse', '!', 'queue', '!', 'mux.'];
  const made = spawnSync('gst-launch-1.0', ['-q', ...video, ...(sound ? audio : []),
    'mp4mux', 'name=mux', '!', 'filesink', `location=${clip}`], { encoding: 'utf8' });
  if (made.status !== 0) {
    console.log(`cannot make the test clip: ${made.stderr}`);
    process.exit(1);
  }
  return clip;
}

export function missing(what) {
  console.log(`browser check cannot run: ${what}`);
  process.exit(process.env.ONAIR_REQUIRE_BROWSER === '1' ? 1 : 77);
}

function loadChromium() {
  let chromium;
  try {
    // Resolved next to this file, so scripts elsewhere (bench/) find it too.
    chromium = createRequire(import.meta.url)('playwright-core').chromium;
  } catch {
    missing('playwright-core is not installed (run tools/setup)');
  }
  if (!existsSync(CHROMIUM)) missing(`${CHROMIUM} not found (apt-get install chromium)`);
  return chromium;
}

// Starts `onair run ARGS...` with the web server on HTTP (default: a free
// port) and resolves, once it listens, with { app, url, log() }.
export async function startApp(args, http = '127.0.0.1:0') {
  const app = spawn(ONAIR, ['run', ...args, '--http', http, '--status-interval', '0'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  app.stderr.on('data', (chunk) => { log += chunk; });
  // Generous: on a loaded machine the app can be slow to start listening.
  const url = await Promise.race([deadline(60000), new Promise((resolve, reject) => {
    app.stderr.on('data', () => {
      const m = log.match(/open (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) resolve(m[1]);
    });
    app.on('exit', (code) => reject(new Error(`onair exited early (${code})\n${log}`)));
  })]).catch((e) => { app.kill('SIGKILL'); throw e; });
  return { app, url, log: () => log };
}

// Stops an app from startApp with an interrupt; resolves with its exit code.
export async function stopApp(app) {
  if (app.exitCode !== null || app.signalCode !== null) return app.exitCode;
  const exited = new Promise((resolve) => app.on('exit', resolve));
  app.kill('SIGINT');
  return exited;
}

export async function launchBrowser() {
  return loadChromium().launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
}

// Runs `onair run ARGS...` with the web server on a free port, then
// check(page, url) in headless Chromium. Prints the result line a test
// runner reads (when `summary`) and exits with 0 or 1.
export async function withOnairPage(args, check, { summary = true } = {}) {
  loadChromium();  // skips before anything starts when there is no browser
  let started;
  let failed = false;
  let browser;
  try {
    started = await startApp(args);
    browser = await launchBrowser();
    // A context of its own, so a check can open more tabs in it.
    const page = await (await browser.newContext()).newPage();
    // Navigation and actions (goto, selectOption) get more than the 30 s
    // default, for a loaded machine; waits on progress set their own.
    page.setDefaultTimeout(60000);
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await check(page, started.url);
    if (pageErrors.length) throw new Error(`page errors: ${pageErrors.join('; ')}`);
  } catch (e) {
    failed = true;
    console.log(`FAIL: ${e.message}\nonair said:\n${started ? started.log() : ''}`);
  } finally {
    if (browser) await browser.close();
    if (started) {
      const code = await stopApp(started.app);
      if (code !== 0) {
        failed = true;
        console.log(`onair exited with ${code}:\n${started.log()}`);
      }
    }
  }
  if (summary) console.log(failed ? '0 passed, 1 failed' : '1 passed, 0 failed');
  return failed ? 1 : 0;
}
