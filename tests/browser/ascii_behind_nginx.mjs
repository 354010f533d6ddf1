// Browser test: the bundled ASCII page played through nginx with
// docs/examples/nginx-ascii.conf (as docs/ascii.md gives it, on free loopback
// ports, with a certificate for 127.0.0.1 made here) in front of
// `onair run ascii-web`: over HTTPS, frames are drawn and the sound, over its
// WebSocket through the proxy, plays on.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { makeClip, waitForPlayback, withOnairPage } from './harness.mjs';

const out = mkdtempSync(join(tmpdir(), 'onair-proxy-'));
const clip = makeClip(out);

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function listening(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(); });
    socket.on('error', reject);
  });
}

// nginx with the example's site on `tlsPort`/`httpPort`, proxying to `appPort`.
async function startNginx(appPort) {
  const dir = join(out, 'nginx');
  execFileSync('mkdir', ['-p', dir]);
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key,
    '-out', cert], { stdio: 'ignore' });
  const tlsPort = await freePort();
  const httpPort = await freePort();
  let site = readFileSync(fileURLToPath(
    new URL('../../docs/examples/nginx-ascii.conf', import.meta.url)), 'utf8');
  for (const [from, to] of [['listen 443 ssl;', `listen 127.0.0.1:${tlsPort} ssl;`],
    ['listen 80;', `listen 127.0.0.1:${httpPort};`],
    ['127.0.0.1:8080', `127.0.0.1:${appPort}`],
    ['/etc/letsencrypt/live/ascii.example.com/fullchain.pem', cert],
    ['/etc/letsencrypt/live/ascii.example.com/privkey.pem', key]]) {
    if (site.split(from).length !== 2) throw new Error(`${from} is not once in nginx-ascii.conf`);
    site = site.replace(from, to);
  }
  writeFileSync(join(dir, 'site.conf'), site);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `${t}_temp_path ${dir}/${t};`).join(' ');
  writeFileSync(join(dir, 'nginx.conf'), `daemon off;\nmaster_process off;\nworker_processes 1;\n` +
    `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log info;\nevents { worker_connections 64; }\n` +
    `http { access_log off; ${temp} include ${dir}/site.conf; }\n`);
  const nginx = spawn('nginx', ['-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf')],
    { stdio: 'ignore' });
  const end = Date.now() + 30000;
  for (;;) {
    try {
      await listening(tlsPort);
      break;
    } catch (e) {
      if (nginx.exitCode !== null || Date.now() > end) throw new Error(`nginx did not start: ${e.message}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { nginx, tlsPort };
}

let proxy;
const code = await withOnairPage(
  ['ascii-web', '-s', `uri=${clip}`, '-s', 'quality=low', '-s', 'presets=off',
    '--output-dir', join(out, 'runs')],
  async (page, url) => {
    proxy = await startNginx(Number(new URL(url).port));
    // The certificate is the test's own.
    const context = await page.context().browser().newContext({ ignoreHTTPSErrors: true });
    const viaProxy = await context.newPage();
    viaProxy.setDefaultTimeout(60000);
    const errors = [];
    viaProxy.on('pageerror', (e) => errors.push(String(e)));
    await viaProxy.goto(`https://127.0.0.1:${proxy.tlsPort}/ascii/`);
    await viaProxy.waitForFunction(
      () => window.asciiPlayer && window.asciiPlayer.drawn > 10 && window.asciiPlayer.soundState === 'playing',
      null, { timeout: 30000, polling: 250 });
    const t1 = await viaProxy.evaluate(() => window.asciiPlayer.audio.currentTime);
    await viaProxy.evaluate(() => { window.asciiPlayer.audio.id = 'sound-via-proxy'; });
    const { reached: t2 } = await waitForPlayback(viaProxy, '#sound-via-proxy', t1, 'sound through nginx');
    const got = await viaProxy.evaluate(() => ({ drawn: window.asciiPlayer.drawn,
      transport: window.asciiPlayer.soundTransport, page: location.href }));
    console.log(`through nginx (${got.page}): ${got.drawn} frames drawn, sound ${t1.toFixed(2)} -> ` +
      `${t2.toFixed(2)} s over ${got.transport}`);
    if (got.transport !== 'websocket') throw new Error(`the sound came over ${got.transport}`);
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    await context.close();
  });
if (proxy) proxy.nginx.kill('SIGTERM');
rmSync(out, { recursive: true, force: true });
process.exit(code);
