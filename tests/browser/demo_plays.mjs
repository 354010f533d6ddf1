// Browser test: the demo page, opened in headless Debian Chromium, plays the
// demo's live HLS output (the video's playback time advances).
//
// Needs playwright-core (tests/browser/node_modules, installed by tools/setup)
// and /usr/bin/chromium. Without them it skips (exit 77), unless
// ONAIR_REQUIRE_BROWSER=1, as in CI, makes that a failure.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ONAIR = process.env.ONAIR_BIN;
const SCREENSHOT = process.env.ONAIR_SCREENSHOT;  // where to save a picture of the page, if set
const deadline = (ms) => new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms));

function missing(what) {
  console.log(`browser test cannot run: ${what}`);
  process.exit(process.env.ONAIR_REQUIRE_BROWSER === '1' ? 1 : 77);
}

let chromium;
try {
  chromium = createRequire(import.meta.url)('playwright-core').chromium;
} catch {
  missing('playwright-core is not installed (run tools/setup)');
}
if (!existsSync(CHROMIUM)) missing(`${CHROMIUM} not found (apt-get install chromium)`);

const out = mkdtempSync(join(tmpdir(), 'onair-browser-'));
const app = spawn(ONAIR, ['run', 'demo', '--http', '127.0.0.1:0', '--output-dir', out,
  '--status-interval', '0', '-s', 'width=640', '-s', 'height=360'], { stdio: ['ignore', 'ignore', 'pipe'] });
let log = '';
const url = await Promise.race([deadline(30000), new Promise((resolve, reject) => {
  app.stderr.on('data', (chunk) => {
    log += chunk;
    const m = log.match(/open (http:\/\/127\.0\.0\.1:\d+\/)/);
    if (m) resolve(m[1]);
  });
  app.on('exit', (code) => reject(new Error(`onair exited early (${code}):\n${log}`)));
})]);

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required'],
});
let failed = false;
try {
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(url);
  // Live HLS needs a couple of 2 s segments before playback starts.
  await page.waitForFunction(() => document.getElementById('video').currentTime > 1.0,
    null, { timeout: 45000, polling: 250 });
  const t1 = await page.evaluate(() => document.getElementById('video').currentTime);
  await page.waitForTimeout(2000);
  const t2 = await page.evaluate(() => document.getElementById('video').currentTime);
  const size = await page.evaluate(() => [document.getElementById('video').videoWidth, document.getElementById('video').videoHeight]);
  await page.waitForFunction(() => document.querySelectorAll('#monitors tbody tr').length === 2,
    null, { timeout: 10000 });
  if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT });
  console.log(`playback time ${t1.toFixed(2)} s, 2 s later ${t2.toFixed(2)} s; picture ${size[0]}x${size[1]}`);
  if (!(t2 - t1 > 1.0)) throw new Error(`playback did not advance: ${t1} -> ${t2}`);
  if (size[0] !== 640 || size[1] !== 360) throw new Error(`unexpected picture size ${size}`);
  if (pageErrors.length) throw new Error(`page errors: ${pageErrors.join('; ')}`);
} catch (e) {
  failed = true;
  console.log(`FAIL: ${e.message}\nonair said:\n${log}`);
} finally {
  await browser.close();
  app.kill('SIGINT');
  const code = await new Promise((resolve) => app.on('exit', resolve));
  if (code !== 0) {
    failed = true;
    console.log(`onair exited with ${code}:\n${log}`);
  }
  rmSync(out, { recursive: true, force: true });
}
console.log(failed ? '0 passed, 1 failed' : '1 passed, 0 failed');
process.exit(failed ? 1 : 0);
