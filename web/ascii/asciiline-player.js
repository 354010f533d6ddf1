// Plays an asciiline stream (docs/protocol/asciiline.md) from /ascii/ws on a
// canvas, with the sound from /ascii/audio.aac.
//
// Picture and sound stay together by their stream times (the pipeline's
// running time): the socket is opened with ?times=1 (and ?cells=changed, for
// only the cells that changed where the stream offers it), so each frame comes
// after a TIME:<ns> message, and the sound's response says the time of its
// first byte (X-Stream-Time). The sound is fed to the audio element through
// Media Source Extensions, so the stream time playing now is that start plus
// audio.currentTime; each frame waits until the sound reaches its time, and
// frames that fall due together are decoded but only the last is drawn.
// Without sound (not started, refused by the autoplay rule, or none) frames
// are drawn as they arrive.
'use strict';

const FONT_PX = 12;
const MAX_WAIT = 10.0;     // seconds a frame may wait for the sound
const MAX_BEHIND = 1.0;    // seconds of sound buffered beyond which it skips ahead
const KEEP_PLAYED = 10.0;  // seconds of played sound kept in the buffer
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
  pending: [],       // {time, data}: frames waiting for the sound (time in s, or null)
  lastIndex: -1,
  received: 0, drawn: 0, skipped: 0, gaps: 0, malformed: 0,
  timed: 0,          // frames received with their stream time
  soundTime: null,   // stream time (s) of the sound playing, when known
  lead: 0,           // seconds of picture received ahead of the sound playing
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

// --- sound and the picture's clock --------------------------------------------

// The stream time (s) of the sound playing now, or null without sound.
let soundStart = null;  // stream time of the first sound byte of this response
function soundTime() {
  if (soundStart === null || audio.paused || audio.readyState < 2) return null;
  return soundStart + audio.currentTime;
}

let audioRetry = 500;
let audioAbort = null;
function startAudio() {
  if (audioAbort) audioAbort.abort();
  const abort = new AbortController();
  audioAbort = abort;
  soundStart = null;
  const source = new MediaSource();
  audio.src = URL.createObjectURL(source);
  source.addEventListener('sourceopen', () => feedAudio(source, abort.signal).catch(() => {
    if (abort.signal.aborted) return;
    setTimeout(startAudio, audioRetry);
    audioRetry = Math.min(audioRetry * 2, 8000);
  }), { once: true });
  const p = audio.play();
  if (p) p.then(() => { soundButton.hidden = true; }, () => { soundButton.hidden = false; });
}

// Appends the endless ADTS stream to the source buffer as it arrives,
// dropping sound long played and skipping ahead when too much piles up.
async function feedAudio(source, signal) {
  const buffer = source.addSourceBuffer('audio/aac');
  buffer.mode = 'sequence';  // the first byte plays at 0
  const reply = await fetch(new URL('audio.aac', base), { signal, cache: 'no-store' });
  if (!reply.ok) throw new Error(`sound: ${reply.status}`);
  const start = reply.headers.get('X-Stream-Time');
  soundStart = start === null ? null : Number(start) / 1e9;
  const reader = reply.body.getReader();
  const updated = () => new Promise((resolve) => buffer.addEventListener('updateend', resolve, { once: true }));
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('sound ended');
    buffer.appendBuffer(value);
    await updated();
    const ranges = buffer.buffered;
    if (!ranges.length) continue;
    const end = ranges.end(ranges.length - 1);
    if (end - audio.currentTime > MAX_BEHIND + 0.5) audio.currentTime = end - 0.3;
    if (audio.currentTime - ranges.start(0) > KEEP_PLAYED * 2) {
      buffer.remove(0, audio.currentTime - KEEP_PLAYED);
      await updated();
    }
  }
}
audio.addEventListener('playing', () => { audioRetry = 500; soundButton.hidden = true; });
audio.addEventListener('error', () => {
  setTimeout(startAudio, audioRetry);
  audioRetry = Math.min(audioRetry * 2, 8000);
});
soundButton.addEventListener('click', () => startAudio());

function tick() {
  requestAnimationFrame(tick);
  if (!player.header) return;
  const sound = soundTime();
  player.soundTime = sound;
  const newest = player.pending.length ? player.pending[player.pending.length - 1].time : null;
  player.lead = sound !== null && newest !== null ? newest - sound : 0;
  let any = false;
  let due = 0;
  while (player.pending.length) {
    const f = player.pending[0];
    // Without sound or without a time, a frame is drawn at once; with them,
    // when the sound reaches it (or when it has waited too long).
    if (sound !== null && f.time !== null && f.time > sound && f.time - sound < MAX_WAIT) break;
    player.pending.shift();
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
let nextTime = null;  // stream time of the frame that comes next
function connect() {
  const url = new URL(preset ? 'ws/' + preset : 'ws', base);
  url.searchParams.set('times', '1');
  // Changed cells when the stream offers them (INIT then says ext 1); a
  // frame that was dropped on the way is followed by a whole one.
  url.searchParams.set('cells', 'changed');
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
      if (e.data.startsWith('TIME:')) {
        nextTime = Number(e.data.slice(5)) / 1e9;
        return;
      }
      const h = parseInit(e.data);
      if (h) configure(h);
      return;
    }
    player.received++;
    if (nextTime !== null) player.timed++;
    player.pending.push({ time: nextTime, data: e.data });
    nextTime = null;
    const max = Math.ceil((MAX_WAIT + 1) * Math.max(player.header ? player.header.fps : 30, 1));
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
    ` · picture ahead ${(player.lead * 1000).toFixed(0)} ms` +
    (audio.paused ? ' · no sound' : '');
}, 1000);

connect();
startAudio();
