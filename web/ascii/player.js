// Plays an asciiline stream (docs/protocol/asciiline.md) from /ascii/ws on a
// canvas, with the sound from /ascii/audio.aac.
//
// Picture and sound stay together like this: both streams leave the server
// at the pace of the same clock, so a frame that arrives now belongs with the
// sound that arrives now. The sound's data arrives in real time from the
// moment its request starts, so the sound at audio.currentTime arrived
// currentTime seconds after that moment; the sound plays late by
// (time since the request) - currentTime, which grows while it stalls. Each
// frame is held back by that lead, measured continuously, and the frames that
// became due together are decoded but only the last is drawn.
'use strict';

const FONT_PX = 12;
const MAX_LEAD = 8.0;  // seconds a frame is held back at most (Chromium buffers 2-4 s of sound)
const canvas = document.getElementById('screen');
const ctx = canvas.getContext('2d', { alpha: false });
const audio = document.getElementById('audio');
const soundButton = document.getElementById('sound');
const stateEl = document.getElementById('state');
const statsEl = document.getElementById('stats');
const qualityEl = document.getElementById('quality');
const base = new URL('.', location.href);

const player = {
  header: null,      // {fps, mode, cols, rows, ext}
  glyphs: null,      // Uint8Array cols*rows
  colors: null,      // Uint8Array cols*rows*3
  shownGlyphs: null, // what the canvas shows
  shownColors: null,
  haveFull: false,
  pending: [],       // {t, data}: frames waiting for their time
  lastIndex: -1,
  received: 0, drawn: 0, skipped: 0, gaps: 0, malformed: 0,
  lead: 0,           // seconds the sound plays behind its arrival
  fps: 0,
  cellW: 0, cellH: 0,
};
window.asciiPlayer = player;  // for tests and curious consoles

// --- the stream header -------------------------------------------------------

function parseInit(text) {
  const f = text.split(':');
  if (f.length < 6 || f[0] !== 'INIT') return null;
  const h = { fps: parseFloat(f[1]), mode: +f[2], cols: +f[3], rows: +f[4], ext: +f[5] };
  if (!(h.cols > 0 && h.rows > 0 && h.mode >= 1 && h.mode <= 5)) return null;
  return h;
}

function configure(h) {
  player.header = h;
  const n = h.cols * h.rows;
  player.glyphs = new Uint8Array(n);
  player.colors = new Uint8Array(n * 3);
  player.shownGlyphs = new Uint8Array(n).fill(0xff);
  player.shownColors = new Uint8Array(n * 3);
  player.haveFull = false;
  player.pending = [];
  player.lastIndex = -1;
  ctx.font = `${FONT_PX}px monospace`;
  player.cellW = Math.ceil(ctx.measureText('M').width);
  player.cellH = player.cellW * 2;
  canvas.width = h.cols * player.cellW;
  canvas.height = h.rows * player.cellH;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.font = `${FONT_PX}px monospace`;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'center';
  const mode = h.mode === 1 ? 'glyphs only' : `colour mode ${h.mode}`;
  qualityEl.textContent = `${h.cols}×${h.rows}, ${mode}, ${h.fps} fps` +
    (h.ext === 1 ? ', changed cells' : '');
}

// --- frames ------------------------------------------------------------------

// Applies one binary frame to the grid; false when it cannot be used.
function decode(buf) {
  const h = player.header;
  if (!h) return false;
  const v = new DataView(buf);
  const bytes = new Uint8Array(buf);
  const n = h.cols * h.rows;
  const cb = h.mode === 1 ? 1 : 4;
  if (bytes.length < 4) return false;
  const index = v.getUint32(0);
  let p = 4;
  let type = 0;
  if (h.ext === 1) {
    if (bytes.length < 5) return false;
    type = bytes[p++];
  }
  if (type === 0) {
    if (bytes.length - p !== n * cb) return false;
    readCells(bytes, p, 0, n, cb);
    player.haveFull = true;
  } else if (type === 1) {
    if (!player.haveFull || bytes.length - p < 4) return false;
    const runs = v.getUint32(p);
    p += 4;
    for (let r = 0; r < runs; r++) {
      if (p + 6 > bytes.length) return false;
      const first = v.getUint32(p);
      const count = v.getUint16(p + 4);
      p += 6;
      if (first + count > n || p + count * cb > bytes.length) return false;
      readCells(bytes, p, first, count, cb);
      p += count * cb;
    }
  } else {
    return false;
  }
  if (player.lastIndex >= 0 && index > player.lastIndex + 1) player.gaps += index - player.lastIndex - 1;
  player.lastIndex = index;
  return true;
}

function readCells(bytes, p, first, count, cb) {
  const g = player.glyphs, c = player.colors;
  for (let i = first; i < first + count; i++, p += cb) {
    g[i] = bytes[p];
    if (cb === 4) {
      c[i * 3] = bytes[p + 1];
      c[i * 3 + 1] = bytes[p + 2];
      c[i * 3 + 2] = bytes[p + 3];
    } else {
      c[i * 3] = c[i * 3 + 1] = c[i * 3 + 2] = 220;
    }
  }
}

// Draws the cells that differ from what the canvas shows.
function draw() {
  const h = player.header;
  const g = player.glyphs, c = player.colors, sg = player.shownGlyphs, sc = player.shownColors;
  const w = player.cellW, ch = player.cellH;
  let style = '';
  for (let i = 0, n = h.cols * h.rows; i < n; i++) {
    const k = i * 3;
    if (g[i] === sg[i] && c[k] === sc[k] && c[k + 1] === sc[k + 1] && c[k + 2] === sc[k + 2]) continue;
    const x = (i % h.cols) * w, y = Math.floor(i / h.cols) * ch;
    ctx.fillStyle = '#000';
    style = '';
    ctx.fillRect(x, y, w, ch);
    if (g[i] !== 32) {
      const s = `rgb(${c[k]},${c[k + 1]},${c[k + 2]})`;
      if (s !== style) ctx.fillStyle = style = s;
      ctx.fillText(String.fromCharCode(g[i]), x + w / 2, y + ch / 2);
    }
    sg[i] = g[i];
    sc[k] = c[k]; sc[k + 1] = c[k + 1]; sc[k + 2] = c[k + 2];
  }
  player.drawn++;
}

// --- sound and the picture's delay -------------------------------------------

function measureLead() {
  let lead = 0;
  if (!audio.paused && audio.readyState >= 2 && audioStart !== null) {
    lead = (performance.now() - audioStart) / 1000 - audio.currentTime;
    lead = Math.min(Math.max(lead, 0), MAX_LEAD);
  }
  // Smooth, but follow a big change (sound starting or stopping) at once.
  player.lead = Math.abs(lead - player.lead) > 0.5 ? lead : player.lead * 0.9 + lead * 0.1;
}

let audioRetry = 500;
let audioStart = null;  // performance.now() when the sound's request started
function startAudio() {
  audio.src = new URL('audio.aac', base).href + '?t=' + Date.now();
  audioStart = performance.now();
  const p = audio.play();
  if (p) p.then(() => { soundButton.hidden = true; }, () => { soundButton.hidden = false; });
}
audio.addEventListener('playing', () => { audioRetry = 500; soundButton.hidden = true; });
for (const ev of ['error', 'ended']) {
  audio.addEventListener(ev, () => {
    setTimeout(startAudio, audioRetry);
    audioRetry = Math.min(audioRetry * 2, 8000);
  });
}
soundButton.addEventListener('click', () => startAudio());

function tick() {
  requestAnimationFrame(tick);
  measureLead();
  if (!player.header) return;
  const now = performance.now();
  let any = false;
  let due = 0;
  while (player.pending.length && now - player.pending[0].t >= player.lead * 1000) {
    const f = player.pending.shift();
    if (decode(f.data)) any = true;
    else player.malformed++;
    due++;
  }
  if (due > 1) player.skipped += due - 1;
  if (any) draw();
}
requestAnimationFrame(tick);

// --- the socket --------------------------------------------------------------

// The quality menu picks the grid: '' is the stream the run was started
// with (/ascii/ws), a preset name its own stream (/ascii/ws/NAME). The
// choice stays in the address (?quality=NAME) so a reload keeps it.
const presetEl = document.getElementById('preset');
const PRESETS = ['low', 'medium', 'high'];
let preset = new URLSearchParams(location.search).get('quality') || '';
if (!PRESETS.includes(preset)) preset = '';
presetEl.value = preset;

let socketRetry = 500;
let socket = null;
function connect() {
  const url = new URL(preset ? 'ws/' + preset : 'ws', base);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url);
  socket = ws;
  let opened = false;
  ws.binaryType = 'arraybuffer';
  stateEl.textContent = 'connecting…';
  ws.onopen = () => { opened = true; stateEl.textContent = 'live'; socketRetry = 500; };
  ws.onmessage = (e) => {
    if (socket !== ws) return;  // the stream of an earlier quality choice
    if (typeof e.data === 'string') {
      const h = parseInit(e.data);
      if (h) configure(h);
      return;
    }
    player.received++;
    player.pending.push({ t: performance.now(), data: e.data });
    const max = Math.ceil((MAX_LEAD + 1) * Math.max(player.header ? player.header.fps : 30, 1));
    while (player.pending.length > max) { player.pending.shift(); player.skipped++; }
  };
  ws.onclose = () => {
    if (socket !== ws) return;  // replaced by a quality change
    if (!opened && preset) {
      // This run serves no such preset (presets=off): back to its own grid.
      presetEl.querySelector(`option[value="${preset}"]`).disabled = true;
      choosePreset('');
      return;
    }
    stateEl.textContent = `reconnecting in ${(socketRetry / 1000).toFixed(1)} s`;
    setTimeout(connect, socketRetry);
    socketRetry = Math.min(socketRetry * 2, 8000);
  };
}

function choosePreset(name) {
  preset = name;
  presetEl.value = name;
  const u = new URL(location.href);
  if (name) u.searchParams.set('quality', name);
  else u.searchParams.delete('quality');
  history.replaceState(null, '', u);
  const old = socket;
  socket = null;
  if (old) old.close();
  socketRetry = 500;
  connect();
}
presetEl.addEventListener('change', () => choosePreset(presetEl.value));

// Frames per second drawn, once a second.
let lastDrawn = 0;
setInterval(() => {
  player.fps = player.drawn - lastDrawn;
  lastDrawn = player.drawn;
  statsEl.textContent = `${player.fps} fps · dropped ${player.gaps} (server) ${player.skipped} (late)` +
    ` · sound lead ${(player.lead * 1000).toFixed(0)} ms` +
    (audio.paused ? ' · no sound' : '');
}, 1000);

connect();
startAudio();
