// The preview player: plays the run's HLS output once the run has a playlist (the demo, hls,
// record); pipelines without one show no player.
'use strict';

(() => {
  const PLAYLIST = 'hls/playlist.m3u8';
  const video = document.getElementById('video');
  const message = document.getElementById('message');

  function say(text) { message.textContent = text; }

  function startPlayer() {
    document.getElementById('player').hidden = false;
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

  // The playlist comes with the first segment, a few seconds in; a run that writes none
  // is looked at for a minute, then left alone.
  let tries = 0;
  async function lookForPlaylist() {
    try {
      const response = await fetch(PLAYLIST, { method: 'HEAD', cache: 'no-store' });
      if (response.ok) { startPlayer(); return; }
    } catch (e) { /* the app is not reachable yet: try again */ }
    if (++tries < 30) setTimeout(lookForPlaylist, 2000);
  }

  document.getElementById('unmute').addEventListener('click', () => {
    video.muted = false;
    video.play().catch(() => {});
  });
  lookForPlaylist();
})();
