// The dashboard: the run's state pushed by the server (GET api/status/stream, Server-Sent
// Events), plots of the last minutes (uPlot), and controls for what the pipeline has. The
// controls need the API token; without it the page only shows.
'use strict';

const dashboard = (() => {
  const $ = (id) => document.getElementById(id);
  const MAX_POINTS = 300;  // five minutes, a sample a second, as the server keeps
  const plots = {};        // 'output:NAME' / 'monitor:NAME' -> { plot, data, box }
  let tokenOk = false;
  let lastStatus = null;

  function say(text) { $('message').textContent = text; }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function rate(bps) {
    if (bps >= 1e6) return (bps / 1e6).toFixed(2) + ' Mb/s';
    return (bps / 1e3).toFixed(0) + ' kb/s';
  }

  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const two = (n) => String(n).padStart(2, '0');
    return two(Math.floor(s / 3600)) + ':' + two(Math.floor(s / 60) % 60) + ':' + two(s % 60);
  }

  // ---- the token ----

  function setControls() {
    document.querySelectorAll('.needs-token').forEach((f) => { f.disabled = !tokenOk; });
    document.querySelectorAll('button.reconnect').forEach((b) => { b.disabled = !tokenOk; });
  }

  function tokenState(text, cls) {
    $('token-state').textContent = text;
    $('token-state').className = cls || '';
  }

  // A wrong token is dropped, and the page goes back to read-only.
  function refused(answer) {
    onairToken.clear();
    $('token').value = '';
    tokenOk = false;
    setControls();
    tokenState('token refused (401): ' + (answer && answer.error ? answer.error : 'wrong token') +
      '; read-only', 'refused');
  }

  async function checkToken() {
    if (!onairToken.get()) {
      tokenOk = false;
      setControls();
      tokenState('read-only: no token');
      return;
    }
    try {
      // Any request of the control API tells whether the token is right.
      const response = await fetch('api/overlay', { headers: onairToken.headers(), cache: 'no-store' });
      if (response.status === 401) { refused(await response.json()); return; }
      tokenOk = true;
      setControls();
      tokenState('token accepted: controls on', 'accepted');
    } catch (e) {
      tokenState('app not reachable');
    }
  }

  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    onairToken.set($('token').value.trim());
    $('token').value = '';
    checkToken();
  });
  $('token-forget').addEventListener('click', () => {
    onairToken.clear();
    checkToken();
  });

  // Sends one command; says the answer. `body` null sends none.
  async function send(method, path, body) {
    const headers = onairToken.headers();
    if (body !== null) headers['Content-Type'] = 'application/json';
    try {
      const response = await fetch(path, {
        method, headers, body: body === null ? undefined : JSON.stringify(body),
      });
      const answer = await response.json();
      if (response.status === 401) { refused(answer); say(method + ' ' + path + ': refused (401)'); return null; }
      if (response.status === 429) {
        say(method + ' ' + path + ': ' + answer.error + ' (retry after ' +
          response.headers.get('Retry-After') + ' s)');
        return null;
      }
      say(method + ' ' + path + ': ' + (answer.ok ? 'done' + (answer.id ? ' (' + answer.id + ')' : '') : answer.error));
      return answer.ok ? answer : null;
    } catch (e) {
      say(method + ' ' + path + ': app not reachable');
      return null;
    }
  }

  // ---- plots ----

  const fromZero = (u, min, max) => [0, Math.max(max || 0, 1) * 1.1];

  function plotFor(key, title, container) {
    if (plots[key]) return plots[key];
    const box = el('div', null, 'plot');
    box.dataset.plot = key;
    container.append(box);
    const data = [[], [], []];
    const plot = new uPlot({
      title, width: 420, height: 160,
      // Both from zero, so a drop shows as one.
      scales: { x: { time: true }, 'kb/s': { range: fromZero }, fps: { range: fromZero } },
      series: [{}, { label: 'kb/s', stroke: '#4af', scale: 'kb/s' },
        { label: 'fps', stroke: '#fa4', scale: 'fps' }],
      axes: [{ stroke: '#aaa', grid: { stroke: '#333' } },
        { scale: 'kb/s', stroke: '#4af', grid: { stroke: '#333' } },
        { scale: 'fps', side: 1, stroke: '#fa4', grid: { show: false } }],
    }, data, box);
    plots[key] = { plot, data, box };
    return plots[key];
  }

  function addPoint(entry, t, figures) {
    const [ts, kbps, fps] = entry.data;
    ts.push(t);
    kbps.push(figures.bitrate === null ? null : figures.bitrate / 1e3);
    fps.push(figures.fps);
    if (ts.length > MAX_POINTS) { ts.shift(); kbps.shift(); fps.shift(); }
  }

  function addSample(sample) {
    for (const [name, figures] of Object.entries(sample.outputs))
      addPoint(plotFor('output:' + name, 'bitrate and fps', outputCard(name).querySelector('.plots')), sample.t, figures);
    for (const [name, figures] of Object.entries(sample.monitors))
      addPoint(plotFor('monitor:' + name, name, $('monitor-plots')), sample.t, figures);
  }

  function redraw() {
    for (const entry of Object.values(plots)) {
      entry.plot.setData(entry.data);
      entry.box.dataset.points = entry.data[0].length;
    }
  }

  // ---- the status ----

  function outputCard(name) {
    const existing = document.querySelector(`#outputs article[data-output="${CSS.escape(name)}"]`);
    if (existing) return existing;
    const card = el('article', null, 'card output');
    card.dataset.output = name;
    const title = el('h3', name);
    const state = el('span', '', 'badge');
    title.append(' ', state);
    const reconnect = el('button', 'Reconnect', 'reconnect');
    reconnect.type = 'button';
    reconnect.disabled = !tokenOk;
    reconnect.addEventListener('click', () => send('POST', 'api/outputs/reconnect', { output: name }));
    card.append(title, el('p', '', 'location'), el('p', '', 'figures'), el('p', '', 'error'),
      reconnect, el('div', null, 'plots'));
    $('outputs').append(card);
    return card;
  }

  function outputState(o) {
    if (o.state === 'reconnecting' && o.next_attempt_in !== null && o.next_attempt_in !== undefined)
      return 'reconnecting, next try in ' + Math.ceil(o.next_attempt_in) + ' s (attempt ' + o.attempt + ')';
    if (o.state === 'live') return 'live ' + duration(o.uptime);
    return o.state;
  }

  function showOutputs(outputs) {
    $('output-section').hidden = outputs.length === 0;
    for (const o of outputs) {
      const card = outputCard(o.name);
      const badge = card.querySelector('.badge');
      badge.textContent = outputState(o);
      badge.className = 'badge ' + o.state;
      card.dataset.state = o.state;
      card.querySelector('.location').textContent = o.location;
      card.querySelector('.figures').textContent = rate(o.bitrate) + ' · ' + o.frames_sent +
        ' frames sent · dropped ' + o.frames_dropped + ' · latency ' +
        (o.encoding_latency_ms === null ? '–' : o.encoding_latency_ms.toFixed(0) + ' ms') +
        ' · reconnects ' + o.reconnects;
      card.querySelector('.error').textContent = o.last_error ? 'last error: ' + o.last_error : '';
    }
  }

  function cell(text, cls) { return el('td', text, cls); }

  function showMonitors(monitors) {
    $('monitor-section').hidden = monitors.length === 0;
    $('monitors').querySelector('tbody').replaceChildren(...monitors.map((m) => {
      const tr = document.createElement('tr');
      tr.append(cell(m.name), cell(m.media), cell(m.stalled ? 'stalled' : m.fps.toFixed(1)),
        cell(rate(m.bitrate)), cell(String(m.dropped)), cell(String(m.gaps)),
        cell(m.latency_ms === null ? '–' : m.latency_ms.toFixed(1) + ' ms'),
        cell(m.alerts.join(', '), m.alerts.length ? 'alert' : ''));
      return tr;
    }));
  }

  // The picture sources (live, or on the slate while lost) and inputs fed by other programs.
  function showInputs(status) {
    const items = [];
    for (const s of status.sources || []) {
      let text = s.name + ': ';
      if (s.state === 'live') text += 'live';
      else {
        const why = [s.reason || s.last_error, 'for ' + Math.floor(s.lost_for || 0) + ' s'];
        if (s.next_attempt_in !== null && s.next_attempt_in !== undefined)
          why.push('retry in ' + Math.ceil(s.next_attempt_in) + ' s');
        text += 'on slate (' + why.filter(Boolean).join(', ') + ')';
      }
      items.push(el('li', text, s.state === 'live' ? 'live' : 'lost'));
    }
    for (const i of status.inputs || []) {
      const text = i.name + ': ' + (i.stalled ? 'stalled' : 'receiving') +
        (i.connected ? '' : ', no writer') + ', ' + i.frames_received + ' frames' +
        (i.frames_refused ? ', refused ' + i.frames_refused : '');
      items.push(el('li', text, i.stalled ? 'lost' : 'live'));
    }
    $('input-section').hidden = items.length === 0;
    $('inputs').replaceChildren(...items);
  }

  function showControls(status) {
    const overlays = status.overlays || [];
    $('overlay-controls').hidden = overlays.length === 0;
    $('overlay-state').textContent = overlays.map((o) => o.name + ': ' + o.chat_count +
      (o.chat_count === 1 ? ' chat line' : ' chat lines') + ', ' + o.alerts_queued +
      (o.alerts_queued === 1 ? ' alert' : ' alerts') + ' showing or waiting' +
      (o.status ? ', status "' + o.status + '"' : '')).join('; ');
    const speech = status.speech || [];
    $('speech-controls').hidden = speech.length === 0;
    $('speech-state').textContent = speech.map((s) => s.name + ': ' +
      (s.speaking === null ? 'idle' : 'saying "' + s.speaking + '"') + ', ' + s.queue_length +
      ' waiting, ' + s.played + ' played').join('; ');
    $('scene-controls').hidden = !(status.scene_detectors && status.scene_detectors.length);
    showSession(status.session);
  }

  let sessionEvents = null;
  function showSession(session) {
    $('session-section').hidden = !session;
    if (!session) return;
    $('session-state').textContent = 'session ' + session.id + ': ' +
      (session.waiting ? 'waiting for a sender' : 'sender ' + session.sender + ', ' +
        (session.segment || 'no segment')) + ' · ' + session.segments + ' segments';
    if (sessionEvents) return;
    // Session events need no token to follow.
    sessionEvents = new EventSource('api/events');
    const list = $('session-events');
    const log = (e) => {
      list.prepend(el('li', e.type + ' ' + e.data));
      while (list.children.length > 20) list.lastChild.remove();
    };
    for (const type of ['sender-connected', 'sender-refused', 'sender-left', 'segment-opened',
      'segment-closed', 'snapshot', 'audio-chunk']) sessionEvents.addEventListener(type, log);
  }

  function showStatus(status) {
    lastStatus = status;
    $('pipeline').textContent = status.pipeline + ': ' + status.description;
    $('state').textContent = status.state;
    $('uptime').textContent = duration(status.uptime);
    showInputs(status);
    showOutputs(status.outputs || []);
    showMonitors(status.monitors || []);
    showControls(status);
  }

  // ---- the stream ----

  function follow() {
    const source = new EventSource('api/status/stream');
    source.addEventListener('history', (e) => {
      for (const entry of Object.values(plots)) entry.data.forEach((column) => { column.length = 0; });
      for (const sample of JSON.parse(e.data).samples) addSample(sample);
      redraw();
    });
    source.addEventListener('status', (e) => {
      const event = JSON.parse(e.data);
      showStatus(event.status);
      if (event.sample) { addSample(event.sample); redraw(); }
    });
    // EventSource connects again by itself; the history comes again with it.
    source.addEventListener('error', () => { $('state').textContent = 'app not reachable, retrying…'; });
  }

  // ---- the controls ----

  function onSubmit(id, action) {
    $(id).addEventListener('submit', (e) => { e.preventDefault(); action(); });
  }
  onSubmit('chat-form', async () => {
    if (await send('POST', 'api/overlay/chat', { user: $('chat-user').value, text: $('chat-text').value }))
      $('chat-text').value = '';
  });
  onSubmit('alert-form', async () => {
    if (await send('POST', 'api/overlay/alert', { text: $('alert-text').value, type: $('alert-type').value }))
      $('alert-text').value = '';
  });
  onSubmit('status-form', () => send('PUT', 'api/overlay/status', { text: $('status-text').value }));
  onSubmit('logo-form', () => send('PUT', 'api/overlay/logo', { location: $('logo-location').value }));
  onSubmit('say-form', async () => {
    if (await send('POST', 'api/say', { text: $('say-text').value })) $('say-text').value = '';
  });
  $('speech-skip').addEventListener('click', () => send('POST', 'api/speech/skip', null));
  $('capture').addEventListener('click', () => send('POST', 'api/capture', null));
  document.querySelectorAll('button[data-delete]').forEach((b) =>
    b.addEventListener('click', () => send('DELETE', b.dataset.delete, null)));

  // A per-port run has SDI previews, on their own page.
  fetch('api/previews', { cache: 'no-store' })
    .then((r) => { $('previews-link').hidden = !r.ok; })
    .catch(() => {});

  checkToken();
  follow();
  return { plots, status: () => lastStatus };
})();
