// The SDI previews page: every port of the run with its signal, start and stop buttons
// (the control API, with the token the user gives), and an HLS player for one port.
'use strict';

const video = document.getElementById('video');
const message = document.getElementById('message');
const tokenInput = document.getElementById('token');
let hls = null;
let watched = null;  // the port being played

tokenInput.value = onairToken.get();
tokenInput.addEventListener('input', () => onairToken.set(tokenInput.value.trim()));
document.getElementById('token-form').addEventListener('submit', (e) => e.preventDefault());

function say(text) { message.textContent = text; }

function watch(port) {
  watched = port;
  const playlist = port.playlist.replace(/^\//, '../');
  document.getElementById('watching').textContent = 'Port ' + port.port;
  if (hls) hls.destroy();
  hls = null;
  if (window.Hls && Hls.isSupported()) {
    hls = new Hls({ liveSyncDurationCount: 2, manifestLoadingMaxRetry: 30, manifestLoadingRetryDelay: 1000 });
    hls.on(Hls.Events.MANIFEST_PARSED, () => { say(''); video.play().catch(() => {}); });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      say('playback problem: ' + data.details + ', retrying…');
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else setTimeout(() => { if (hls && watched === port) hls.loadSource(playlist); }, 2000);
    });
    hls.loadSource(playlist);
    hls.attachMedia(video);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = playlist;
  } else {
    say('This browser cannot play HLS, and hls.js did not load (run tools/setup).');
  }
  render(lastList);
}

async function command(port, verb) {
  const response = await fetch('../api/previews/' + encodeURIComponent(port.port) + '/' + verb, {
    method: 'POST',
    headers: onairToken.headers(),
  });
  const answer = await response.json();
  if (response.status === 401) onairToken.clear();  // a wrong token is not kept
  say(answer.ok ? 'port ' + port.port + ': ' + answer.message : 'port ' + port.port + ': ' + answer.error);
  if (answer.ok && verb === 'start') watch(port);
  refresh();
}

function button(text, action, disabled) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.disabled = disabled;
  b.addEventListener('click', action);
  return b;
}

function line(text, cls) {
  const p = document.createElement('div');
  p.textContent = text;
  if (cls) p.className = cls;
  return p;
}

let lastList = [];

function render(list) {
  lastList = list;
  document.getElementById('ports').replaceChildren(...list.map((port) => {
    const card = document.createElement('article');
    card.className = 'port' + (watched && watched.port === port.port ? ' watched' : '');
    card.dataset.port = port.port;
    const title = document.createElement('h3');
    title.textContent = 'Port ' + port.port;
    card.append(title,
      line(port.state, 'state'),
      line('signal ' + port.signal + (port.mode ? ' (' + port.mode + ')' : ''), 'signal ' + port.signal),
      line(port.bitrate + ' kb/s video, ' + port.audio_bitrate + ' kb/s sound'));
    if (port.last_error) card.append(line(port.last_error, 'error'));
    card.append(
      button('Start', () => command(port, 'start'), port.previewing),
      button('Stop', () => command(port, 'stop'), !port.previewing),
      button('Watch', () => watch(port), !port.previewing));
    return card;
  }));
}

async function refresh() {
  try {
    const response = await fetch('../api/previews', { cache: 'no-store' });
    const answer = await response.json();
    document.getElementById('state').textContent = answer.ok ? 'connected' : answer.error;
    if (answer.ok) render(answer.previews);
  } catch (e) {
    document.getElementById('state').textContent = 'app not reachable';
  }
}

refresh();
setInterval(refresh, 1000);
