// Plays the run's HLS output and shows the live figures from /api/status.
'use strict';

const PLAYLIST = 'hls/playlist.m3u8';
const video = document.getElementById('video');
const message = document.getElementById('message');

function say(text) { message.textContent = text; }

function startPlayer() {
  if (window.Hls && Hls.isSupported()) {
    const hls = new Hls({ liveSyncDurationCount: 2, manifestLoadingMaxRetry: 30, manifestLoadingRetryDelay: 1000 });
    hls.on(Hls.Events.MANIFEST_PARSED, () => { say(''); video.play().catch(() => {}); });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      say('playback problem: ' + data.details + ', retrying…');
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else setTimeout(() => hls.loadSource(PLAYLIST), 2000);
    });
    hls.loadSource(PLAYLIST);
    hls.attachMedia(video);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = PLAYLIST;
  } else {
    say('This browser cannot play HLS, and hls.js did not load (run tools/setup).');
  }
}

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function rate(bps) {
  if (bps >= 1e6) return (bps / 1e6).toFixed(2) + ' Mb/s';
  return (bps / 1e3).toFixed(0) + ' kb/s';
}

async function refreshStatus() {
  try {
    const response = await fetch('api/status', { cache: 'no-store' });
    const status = await response.json();
    document.getElementById('pipeline').textContent = status.pipeline + ': ' + status.description;
    document.getElementById('state').textContent = status.state;
    const body = document.querySelector('#monitors tbody');
    body.replaceChildren(...status.monitors.map((m) => {
      const tr = document.createElement('tr');
      tr.append(cell(m.name), cell(m.media), cell(m.stalled ? 'stalled' : m.fps.toFixed(1)),
        cell(rate(m.bitrate)), cell(String(m.dropped)), cell(String(m.gaps)),
        cell(m.latency_ms === null ? '–' : m.latency_ms.toFixed(1) + ' ms'),
        cell(m.alerts.join(', '), m.alerts.length ? 'alert' : ''));
      return tr;
    }));
  } catch (e) {
    document.getElementById('state').textContent = 'app not reachable';
  }
}

document.getElementById('unmute').addEventListener('click', () => {
  video.muted = false;
  video.play().catch(() => {});
});

startPlayer();
refreshStatus();
setInterval(refreshStatus, 2000);
