// AsciilinePlayer: plays an asciiline stream (docs/protocol/asciiline.md) on a
// canvas, with its sound, inside any element of a page (docs/player.md).
//
// Picture and sound stay together by their stream times (the pipeline's
// running time): the frames' socket is opened with ?times=1 (and
// ?cells=changed, for only the cells that changed where the stream offers
// it), so each frame comes after a TIME:<ns> message. The sound comes as ADTS
// chunks on a WebSocket (also with ?times=1), or, where the server has no such
// endpoint, as an endless HTTP response whose X-Stream-Time header says the
// time of its first byte. A WebSocket does not count towards the browser's
// six HTTP connections per host, so many tabs all get sound. The sound is fed
// to a hidden audio element through Media Source Extensions, so the stream
// time playing now is that first time plus audio.currentTime; each frame
// waits until the sound reaches its time, and frames that fall due together
// are decoded but only the last is drawn. Without sound (none, not yet, or
// refused by the autoplay rule) frames are drawn as they arrive.

const FONT_PX = 12;
const MAX_WAIT = 10.0;     // seconds a frame may wait for the sound
const MAX_BEHIND = 1.0;    // seconds of sound buffered beyond which it skips ahead
const KEEP_PLAYED = 10.0;  // seconds of played sound kept in the buffer
const FIRST_RETRY = 500;   // ms before reconnecting, doubled up to LAST_RETRY
const LAST_RETRY = 8000;

function socketUrl(url) {
  const u = new URL(url, document.baseURI);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  return u;
}

function parseInit(text) {
  const f = text.split(':');
  if (f.length < 6 || f[0] !== 'INIT') return null;
  const h = { fps: parseFloat(f[1]), mode: +f[2], cols: +f[3], rows: +f[4], ext: +f[5] };
  if (!(h.cols > 0 && h.rows > 0 && h.mode >= 1 && h.mode <= 5)) return null;
  return h;
}

export class AsciilinePlayer extends EventTarget {
  // element: where the canvas goes. options (all optional):
  //   frames: the frames' WebSocket URL (default ws next to this module)
  //   sound: the sound's WebSocket URL (default audio.ws), or null for none
  //   soundHttp: the endless HTTP sound, used when `sound` is refused
  //     (default audio.aac), or null
  //   quality: a preset name (frames + '/' + name) or a frames URL
  //   autoplay: start at once (default true)
  constructor(element, options = {}) {
    super();
    const here = (name) => new URL(name, import.meta.url).href;
    this.framesUrl = options.frames ?? here('ws');
    this.soundUrl = options.sound === undefined ? here('audio.ws') : options.sound;
    this.soundHttpUrl = options.soundHttp === undefined ? here('audio.aac') : options.soundHttp;
    this.quality = options.quality || '';

    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('aria-label', 'ASCII art video');
    this.audio = document.createElement('audio');
    this.audio.hidden = true;
    element.append(this.canvas, this.audio);
    this.ctx = this.canvas.getContext('2d', { alpha: false });

    // What a page or a test may read.
    this.header = null;       // {fps, mode, cols, rows, ext}
    this.received = 0;        // frames received
    this.timed = 0;           // of those, with their stream time
    this.drawn = 0;
    this.gaps = 0;            // frames the server dropped for this viewer
    this.skipped = 0;         // frames decoded but never drawn (late)
    this.malformed = 0;
    this.soundTime = null;    // stream time (s) of the sound playing, when known
    this.soundState = 'none'; // none | waiting | playing | blocked
    this.soundTransport = null; // 'websocket' or 'http' once sound has come
    this.lead = 0;            // seconds of picture received ahead of the sound
    this.fps = 0;
    this.state = 'stopped';   // connecting | live | reconnecting | stopped
    this._probing = '';       // a quality whose stream did not open, being told from a server away

    this._pending = [];       // {time, data}: frames waiting for the sound
    this._socket = null;
    this._socketRetry = FIRST_RETRY;
    this._sound = null;       // the running sound: {close()}
    this._soundRetry = FIRST_RETRY;
    this._soundStart = null;  // stream time of the first sound byte fed
    this._timers = new Set();
    this._running = false;

    this.audio.addEventListener('playing', () => {
      this._soundRetry = FIRST_RETRY;
      this._setSound('playing');
    });
    this.audio.addEventListener('error', () => this._retrySound());
    if (options.autoplay !== false) this.play();
  }

  // Connects (if stopped) and starts the sound. Call it from a click when
  // the autoplay rule refused the sound (soundState 'blocked').
  play() {
    if (!this._running) {
      this._running = true;
      this._connect();
      this._tick();
      let lastDrawn = this.drawn;
      this._every(1000, () => {
        this.fps = this.drawn - lastDrawn;
        lastDrawn = this.drawn;
        this._emit('fps', { fps: this.fps });
      });
    }
    this._startSound();
    // Inside a click: ask now, as some browsers allow sound only during the
    // click itself; it plays once the first chunk is in.
    if (navigator.userActivation && navigator.userActivation.isActive) this.audio.play().catch(() => {});
  }

  // Closes the sockets and silences the sound; play() starts again.
  stop() {
    this._running = false;
    for (const t of this._timers) { clearTimeout(t); clearInterval(t); }
    this._timers.clear();
    cancelAnimationFrame(this._frameRequest);
    const socket = this._socket;
    this._socket = null;
    if (socket) socket.close();
    this._stopSound();
    this._pending = [];
    this._setSound('none');
    this._setState('stopped');
  }

  // '' for the frames URL given, a preset name for frames + '/' + name
  // (ascii-web's low, medium, high), or a full frames URL.
  setQuality(quality) {
    this.quality = quality || '';
    this._probing = '';
    this._socketRetry = FIRST_RETRY;
    const old = this._socket;
    this._socket = null;
    if (old) old.close();
    if (this._running) this._connect();
  }

  // --- events ----------------------------------------------------------------

  _emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  _setState(state, extra = {}) {
    this.state = state;
    this._emit('state', { state, ...extra });
  }

  _setSound(state) {
    if (this.soundState === state) return;
    this.soundState = state;
    this._emit('sound', { state });
  }

  _later(ms, fn) {
    const t = setTimeout(() => { this._timers.delete(t); fn(); }, ms);
    this._timers.add(t);
  }

  _every(ms, fn) { this._timers.add(setInterval(fn, ms)); }

  // --- the frames' socket ------------------------------------------------------

  _qualityUrl() {
    const q = this.quality;
    if (!q) return this.framesUrl;
    if (/^[a-z0-9_-]+$/i.test(q)) return this.framesUrl.replace(/\/?$/, '/' + q);
    return q;
  }

  _connect() {
    const url = socketUrl(this._qualityUrl());
    url.searchParams.set('times', '1');
    // Changed cells when the stream offers them (INIT then says ext 1); a
    // frame that was dropped on the way is followed by a whole one.
    url.searchParams.set('cells', 'changed');
    const ws = new WebSocket(url);
    this._socket = ws;
    ws.binaryType = 'arraybuffer';
    let opened = false;
    let nextTime = null;  // stream time of the frame that comes next
    this._setState('connecting');
    ws.onopen = () => {
      opened = true;
      this._socketRetry = FIRST_RETRY;
      if (this._probing) {
        // The frames URL answers where the quality's did not: no such stream here.
        const refused = this._probing;
        this._probing = '';
        this._emit('error', { message: `no stream for quality ${refused}`, quality: refused });
      }
      this._setState('live');
    };
    ws.onmessage = (e) => {
      if (this._socket !== ws) return;  // the stream of an earlier quality choice
      if (typeof e.data === 'string') {
        if (e.data.startsWith('TIME:')) {
          nextTime = Number(e.data.slice(5)) / 1e9;
          return;
        }
        const h = parseInit(e.data);
        if (h) this._configure(h);
        return;
      }
      this.received++;
      if (nextTime !== null) this.timed++;
      this._pending.push({ time: nextTime, data: e.data });
      nextTime = null;
      const max = Math.ceil((MAX_WAIT + 1) * Math.max(this.header ? this.header.fps : 30, 1));
      while (this._pending.length > max) { this._pending.shift(); this.skipped++; }
    };
    ws.onclose = () => {
      if (this._socket !== ws) return;  // replaced or stopped
      if (!opened && this.quality) {
        // No such stream here (ascii-web with presets=off), or no server at
        // all (it restarts): the frames URL given tells which.
        this._probing = this.quality;
        this.quality = '';
        this._connect();
        return;
      }
      if (!opened && this._probing) {
        // Not even the frames URL: the server is away; keep the quality.
        this.quality = this._probing;
        this._probing = '';
      }
      this._setState('reconnecting', { retryIn: this._socketRetry });
      this._later(this._socketRetry, () => this._connect());
      this._socketRetry = Math.min(this._socketRetry * 2, LAST_RETRY);
    };
  }

  _configure(h) {
    this.header = h;
    const n = h.cols * h.rows;
    this._glyphs = new Uint8Array(n);
    this._colors = new Uint8Array(n * 3);
    this._shownGlyphs = new Uint8Array(n).fill(0xff);
    this._shownColors = new Uint8Array(n * 3);
    this._haveFull = false;
    this._pending = [];
    this._lastIndex = -1;
    const ctx = this.ctx;
    ctx.font = `${FONT_PX}px monospace`;
    this._cellW = Math.ceil(ctx.measureText('M').width);
    this._cellH = this._cellW * 2;
    this.canvas.width = h.cols * this._cellW;
    this.canvas.height = h.rows * this._cellH;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.font = `${FONT_PX}px monospace`;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'center';
    this._emit('header', { ...h });
  }

  // --- frames ------------------------------------------------------------------

  // Applies one binary frame to the grid; false when it cannot be used.
  _decode(buf) {
    const h = this.header;
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
      this._readCells(bytes, p, 0, n, cb);
      this._haveFull = true;
    } else if (type === 1) {
      if (!this._haveFull || bytes.length - p < 4) return false;
      const runs = v.getUint32(p);
      p += 4;
      for (let r = 0; r < runs; r++) {
        if (p + 6 > bytes.length) return false;
        const first = v.getUint32(p);
        const count = v.getUint16(p + 4);
        p += 6;
        if (first + count > n || p + count * cb > bytes.length) return false;
        this._readCells(bytes, p, first, count, cb);
        p += count * cb;
      }
    } else {
      return false;
    }
    if (this._lastIndex >= 0 && index > this._lastIndex + 1) {
      this.gaps += index - this._lastIndex - 1;
      this._emit('drops', { server: this.gaps, late: this.skipped });
    }
    this._lastIndex = index;
    return true;
  }

  _readCells(bytes, p, first, count, cb) {
    const g = this._glyphs, c = this._colors;
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
  _draw() {
    const h = this.header, ctx = this.ctx;
    const g = this._glyphs, c = this._colors, sg = this._shownGlyphs, sc = this._shownColors;
    const w = this._cellW, ch = this._cellH;
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
    this.drawn++;
  }

  _tick() {
    if (!this._running) return;
    this._frameRequest = requestAnimationFrame(() => this._tick());
    if (!this.header) return;
    const a = this.audio;
    const sound = this._soundStart === null || a.paused || a.readyState < 2 ? null
      : this._soundStart + a.currentTime;
    this.soundTime = sound;
    const pending = this._pending;
    const newest = pending.length ? pending[pending.length - 1].time : null;
    this.lead = sound !== null && newest !== null ? newest - sound : 0;
    let any = false;
    let due = 0;
    while (pending.length) {
      const f = pending[0];
      // Without sound or without a time, a frame is drawn at once; with them,
      // when the sound reaches it (or when it has waited too long).
      if (sound !== null && f.time !== null && f.time > sound && f.time - sound < MAX_WAIT) break;
      pending.shift();
      if (this._decode(f.data)) any = true;
      else this.malformed++;
      due++;
    }
    if (due > 1) {
      this.skipped += due - 1;
      this._emit('drops', { server: this.gaps, late: this.skipped });
    }
    if (any) this._draw();
  }

  // --- sound -------------------------------------------------------------------

  _stopSound() {
    if (this._sound) this._sound.close();
    this._sound = null;
    this._soundAttempt = null;
    this._soundStart = null;
    this.audio.pause();
    this.audio.removeAttribute('src');
  }

  _retrySound() {
    if (!this._running) return;
    this._stopSound();
    this._later(this._soundRetry, () => this._startSound());
    this._soundRetry = Math.min(this._soundRetry * 2, LAST_RETRY);
  }

  // A fresh MediaSource fed from the WebSocket, else from the HTTP sound.
  // The "Sound on" state (blocked) only follows sound that really came: a
  // stream without sound never delivers a chunk, so nothing offers it.
  _startSound() {
    if (!this._running) return;
    this._stopSound();
    if (!this.soundUrl && !this.soundHttpUrl) return;
    const source = new MediaSource();
    this.audio.src = URL.createObjectURL(source);
    this._setSound('waiting');
    const attempt = {};
    this._soundAttempt = attempt;
    source.addEventListener('sourceopen', () => {
      if (this._soundAttempt !== attempt) return;  // stopped or started again since
      const buffer = source.addSourceBuffer('audio/aac');
      buffer.mode = 'sequence';  // the first byte plays at 0
      const fail = () => { if (this._sound === session) this._retrySound(); };
      const feed = this._feeder(buffer, fail);
      const session = this.soundUrl
        ? this._soundSocket(feed, fail, () => this._soundHttp(feed, fail))
        : this._soundHttp(feed, fail);
      this._sound = session;
    }, { once: true });
  }

  // The sound as WebSocket messages: ADTS chunks, each after its TIME:<ns>.
  // Refused before it opens (an older server, the documented gst-launch
  // line): `fallback` instead.
  _soundSocket(feed, fail, fallback) {
    const url = socketUrl(this.soundUrl);
    url.searchParams.set('times', '1');
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    let opened = false;
    let closed = false;
    const session = { close: () => { closed = true; ws.close(); } };
    ws.onopen = () => { opened = true; };
    ws.onmessage = (e) => {
      if (closed) return;
      if (typeof e.data === 'string') {
        if (this._soundStart === null && e.data.startsWith('TIME:')) this._soundStart = Number(e.data.slice(5)) / 1e9;
        return;
      }
      this.soundTransport = 'websocket';
      feed(new Uint8Array(e.data));
    };
    ws.onclose = () => {
      if (closed) return;
      if (opened || !this.soundHttpUrl) { fail(); return; }
      const replacement = fallback();
      session.close = replacement.close;
    };
    return session;
  }

  // The endless HTTP sound; X-Stream-Time is the time of its first byte.
  _soundHttp(feed, fail) {
    const abort = new AbortController();
    (async () => {
      const reply = await fetch(this.soundHttpUrl, { signal: abort.signal, cache: 'no-store' });
      if (!reply.ok) throw new Error(`sound: ${reply.status}`);
      const start = reply.headers.get('X-Stream-Time');
      this._soundStart = start === null ? null : Number(start) / 1e9;
      const reader = reply.body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error('sound ended');
        this.soundTransport = 'http';
        feed(value);
      }
    })().catch(() => { if (!abort.signal.aborted) fail(); });
    return { close: () => abort.abort() };
  }

  // Returns feed(chunk): appends chunks in order, drops sound long played and
  // skips ahead when too much piles up. The first chunk starts playback.
  _feeder(buffer, fail) {
    const queue = [];
    let first = true;
    const audio = this.audio;
    const pump = () => {
      if (buffer.updating) return;
      const ranges = buffer.buffered;
      if (ranges.length) {
        const end = ranges.end(ranges.length - 1);
        if (end - audio.currentTime > MAX_BEHIND + 0.5) audio.currentTime = end - 0.3;
        if (audio.currentTime - ranges.start(0) > KEEP_PLAYED * 2) {
          buffer.remove(0, audio.currentTime - KEEP_PLAYED);
          return;
        }
      }
      if (queue.length) buffer.appendBuffer(queue.shift());
    };
    // A buffer whose MediaSource was replaced refuses work: nothing to do.
    buffer.addEventListener('updateend', () => { try { pump(); } catch { /* replaced */ } });
    return (chunk) => {
      queue.push(chunk);
      try { pump(); } catch { fail(); return; }
      if (first) {
        first = false;
        const p = audio.play();
        if (p) p.catch(() => { if (this._running) this._setSound('blocked'); });
      }
    };
  }
}
