// Counts a play of a briefing, anonymously and once per visit, when most of the video has been watched.
// Progressive enhancement only: the page and the video work without this file, and nothing about the
// person is sent: no name, no identifier, only "one more play".
const SHARE_TO_WATCH = 0.8;
// timeupdate fires a few times a second; a bigger jump is a seek, which is not watching.
const LONGEST_STEP_SECONDS = 2;

function remember(key) {
  try {
    sessionStorage.setItem(key, "1");
  } catch {
    // Storage is blocked: the page still counts only once while it is open.
  }
}

function remembered(key) {
  try {
    return sessionStorage.getItem(key) === "1";
  } catch {
    return false;
  }
}

function countPlays(video) {
  const key = `briefing-played:${video.dataset.briefing}`;
  let sent = remembered(key);
  let watched = 0;
  let last = null;

  function send() {
    sent = true;
    remember(key);
    fetch(video.dataset.playUrl, {
      method: "POST",
      headers: { "X-CSRFToken": video.dataset.csrfToken },
      credentials: "same-origin",
      keepalive: true,
    }).catch(() => {});
  }

  video.addEventListener("timeupdate", () => {
    const now = video.currentTime;
    if (last !== null && !video.seeking) {
      const step = now - last;
      if (step > 0 && step < LONGEST_STEP_SECONDS) {
        watched += step;
      }
    }
    last = now;
    if (!sent && video.duration && watched >= SHARE_TO_WATCH * video.duration) {
      send();
    }
  });
  video.addEventListener("seeking", () => {
    last = null;
  });
}

document.querySelectorAll("video[data-play-url]").forEach(countPlays);
