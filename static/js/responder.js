// The responder's phone view: reload the list whenever the agency's websocket says a case changed,
// keep the presence fresh, and (only when asked) share the phone's position.
(function () {
  "use strict";
  const bar = document.getElementById("responder-bar");
  const list = document.getElementById("assignments");
  const state = document.getElementById("live-state");
  if (!bar || !list || !state) return;

  let socket = null;
  let backoff = 1000;
  let watchId = null;
  let refreshing = null;

  function setState(name) {
    state.dataset.state = name;
    state.textContent = { live: "●", connecting: "…", offline: "○" }[name];
  }

  function typing() {
    // A half-written outcome or decline reason must not be replaced under the responder's thumb.
    return Array.prototype.some.call(list.querySelectorAll("textarea"), function (t) {
      return t.value.trim() !== "" || t === document.activeElement;
    });
  }

  let deferred = false;
  list.addEventListener("focusout", function () {
    // Catch up with what was held back once the responder leaves the text box.
    setTimeout(function () { if (deferred && !typing()) { deferred = false; refresh(); } }, 0);
  });

  async function refresh() {
    // One fetch at a time; a change arriving meanwhile triggers one more.
    if (refreshing) { refreshing.again = true; return; }
    refreshing = { again: false };
    try {
      if (typing()) { deferred = true; return; }
      const response = await fetch(bar.dataset.listUrl, { credentials: "same-origin" });
      const html = response.ok ? await response.text() : null;
      // Checked again: the responder may have started typing while the list was on its way.
      if (html !== null) {
        if (typing()) deferred = true; else list.innerHTML = html;
      }
    } finally {
      const again = refreshing.again;
      refreshing = null;
      if (again) refresh();
    }
  }

  function connect() {
    setState("connecting");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + bar.dataset.wsPath);
    socket.onopen = function () { backoff = 1000; setState("live"); refresh(); };
    socket.onmessage = function (e) {
      const msg = JSON.parse(e.data);
      if (msg.type === "changed") refresh();
    };
    socket.onclose = function () {
      setState("offline");
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 30000);
    };
  }

  setInterval(function () {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "heartbeat" }));
  }, 30000);

  const share = document.getElementById("share-position");
  if (share && "geolocation" in navigator) {
    share.addEventListener("click", function () {
      if (watchId !== null) {
        navigator.geolocation.clearWatch(watchId);
        watchId = null;
        share.setAttribute("aria-pressed", "false");
        return;
      }
      share.setAttribute("aria-pressed", "true");
      watchId = navigator.geolocation.watchPosition(function (pos) {
        if (socket && socket.readyState === WebSocket.OPEN) {
          socket.send(JSON.stringify({ type: "position", latitude: pos.coords.latitude, longitude: pos.coords.longitude }));
        }
      }, function () { share.setAttribute("aria-pressed", "false"); watchId = null; },
      { enableHighAccuracy: true, maximumAge: 30000 });
    });
  } else if (share) {
    share.hidden = true;
  }

  connect();
})();
