// The responder's phone view: reload the list whenever the agency's websocket says a case changed,
// keep the presence fresh, and (only when asked) share the phone's position.
// Also: alert on a new assignment (sound, notification, vibration, the page title), count down to the
// acknowledgement deadline, send taps with fetch and — without signal — queue them on the phone and send
// them in order when the signal is back. The service worker (/responder/sw.js) keeps the last list
// readable offline.
(function () {
  "use strict";
  const bar = document.getElementById("responder-bar");
  const list = document.getElementById("assignments");
  const state = document.getElementById("live-state");
  if (!bar || !list || !state) return;

  function readJSON(id, fallback) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : fallback;
  }
  const T = readJSON("responder-texts", {});
  const LABELS = readJSON("step-labels", {});
  const NEXT = T.next || {};
  const QUEUE_KEY = "ess.responder.queue";
  const SEEN_KEY = "ess.responder.seen";
  const baseTitle = document.title;
  const queueState = document.getElementById("queue-state");

  let socket = null;
  let backoff = 1000;
  let watchId = null;
  let refreshing = null;

  function fmt(text, values) {
    return String(text || "").replace(/%\((\w+)\)s/g, function (_, k) { return values[k]; });
  }

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
      let html = null;
      try {
        const response = await fetch(bar.dataset.listUrl, { credentials: "same-origin" });
        html = response.ok && !response.redirected ? await response.text() : null;
      } catch (err) {
        html = null; // no signal: keep what is on screen
      }
      // Checked again: the responder may have started typing while the list was on its way.
      if (html !== null) {
        if (typing()) deferred = true; else { list.innerHTML = html; afterRender(); }
      }
    } finally {
      const again = refreshing.again;
      refreshing = null;
      if (again) refresh();
    }
  }

  // --- New assignments: alert ----------------------------------------------------------------------

  function loadSet(key) {
    try { return new Set(JSON.parse(localStorage.getItem(key) || "[]")); } catch (e) { return new Set(); }
  }

  let audio = null;
  function beep() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return false;
    audio = audio || new Ctx();
    if (audio.state === "suspended") audio.resume();
    const start = audio.currentTime;
    [0, 0.35, 0.7].forEach(function (offset) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "square";
      osc.frequency.value = 1046;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(audio.destination);
      osc.start(start + offset);
      osc.stop(start + offset + 0.22);
    });
    return true;
  }

  async function notify(title, body) {
    if (!("Notification" in window) || Notification.permission !== "granted") return false;
    try {
      const reg = "serviceWorker" in navigator ? await navigator.serviceWorker.getRegistration() : null;
      if (reg && reg.showNotification) {
        await reg.showNotification(title, { body: body, tag: "ess-assignment", renotify: true, requireInteraction: true });
      } else {
        new Notification(title, { body: body, tag: "ess-assignment" });
      }
      return true;
    } catch (e) {
      return false;
    }
  }

  function alertNew(cards) {
    const n = cards.length;
    const title = n === 1 ? T.new_assignment : fmt(T.new_assignments, { n: n });
    const body = cards.map(function (c) {
      return "P" + c.dataset.priority + " " + c.dataset.reference + " " + (c.dataset.category || "");
    }).join("\n");
    const channels = [];
    document.title = "🔔 (" + n + ") " + title + " · " + baseTitle;
    channels.push("title");
    try { if (beep()) channels.push("sound"); } catch (e) { /* no audio on this phone */ }
    if (navigator.vibrate && navigator.vibrate([400, 150, 400, 150, 400])) channels.push("vibration");
    notify(title, body).then(function (shown) {
      if (shown) channels.push("notification");
      window.essAlerts = (window.essAlerts || []).concat([{ references: cards.map(function (c) { return c.dataset.reference; }), channels: channels }]);
      document.documentElement.dataset.alerts = String(window.essAlerts.length);
    });
    cards.forEach(function (c) { c.classList.add("fresh"); });
  }

  function checkNew() {
    const seen = loadSet(SEEN_KEY);
    // A drill's assignment (docs/drills.md) is on the list with its DRILL badge but raises no alert: no
    // notification, sound or vibration is ever pushed for an exercise.
    const fresh = Array.prototype.filter.call(list.querySelectorAll("article[data-status=pending]"), function (c) {
      return !seen.has(c.dataset.assignment) && !c.dataset.drillCase;
    });
    list.querySelectorAll("article[data-assignment]").forEach(function (c) { seen.add(c.dataset.assignment); });
    // Keep the set small: only what is still on the list.
    const onList = new Set(Array.prototype.map.call(list.querySelectorAll("article[data-assignment]"), function (c) { return c.dataset.assignment; }));
    localStorage.setItem(SEEN_KEY, JSON.stringify(Array.from(seen).filter(function (id) { return onList.has(id); })));
    if (fresh.length) alertNew(fresh);
  }

  // The alert stays in the title until the responder touches the screen.
  ["pointerdown", "keydown"].forEach(function (kind) {
    document.addEventListener(kind, function () {
      if (document.title !== baseTitle) document.title = baseTitle;
      if (audio && audio.state === "suspended") audio.resume();
    }, true);
  });

  const enable = document.getElementById("enable-alerts");
  if (enable) {
    enable.hidden = !("Notification" in window) || Notification.permission === "granted";
    enable.addEventListener("click", function () {
      beep(); // a tap unlocks sound on phones that block it until then
      if ("Notification" in window) {
        Notification.requestPermission().then(function (p) { enable.hidden = p === "granted"; });
      }
    });
  }

  // --- Acknowledgement countdown -------------------------------------------------------------------

  let skew = 0; // server clock minus phone clock, in ms
  function readSkew() {
    const mark = list.querySelector("[data-server-now]");
    if (mark) skew = parseInt(mark.dataset.serverNow, 10) * 1000 - Date.now();
  }

  function mmss(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function tick() {
    const now = Date.now() + skew;
    list.querySelectorAll("[data-ack-due]").forEach(function (el) {
      const left = parseInt(el.dataset.ackDue, 10) * 1000 - now;
      el.classList.toggle("late", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 60000);
      el.textContent = left >= 0 ? fmt(T.ack_in, { t: mmss(left) }) : fmt(T.ack_late, { t: mmss(-left) });
    });
  }
  setInterval(tick, 1000);

  // --- Taps: sent with fetch, queued without signal, replayed in order ------------------------------

  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }
  function saveQueue(q) { localStorage.setItem(QUEUE_KEY, JSON.stringify(q)); }

  function showQueue(message) {
    const n = loadQueue().length;
    queueState.textContent = message || (n ? fmt(T.queued, { n: n }) : "");
    queueState.dataset.queued = String(n);
  }

  function csrf(form) {
    const field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function stepOf(url) {
    const parts = url.replace(/\/$/, "").split("/");
    return parts[parts.length - 1];
  }

  function advanceCard(card, form, step) {
    // Shown at once, before the server answers (or the signal returns): the next step's button.
    card.dataset.queuedStatus = step;
    const badge = card.querySelector(".queued-step") || document.createElement("span");
    badge.className = "badge queued-step";
    badge.textContent = T.queued_step;
    card.querySelector("header").appendChild(badge);
    const next = NEXT[step];
    const button = form.querySelector("button[data-step]");
    if (step === "declined" || step === "completed" || !next || next === "completed" || !button) {
      card.classList.add("queued-done");
      card.querySelectorAll("form[data-tap] button").forEach(function (b) { b.disabled = true; });
      return;
    }
    form.action = form.action.replace(/[^/]+\/$/, next + "/");
    button.dataset.step = next;
    button.className = "big step-" + next;
    button.textContent = LABELS[next] || next;
  }

  list.addEventListener("submit", function (e) {
    const form = e.target;
    if (!form.matches("form[data-tap]")) return;
    e.preventDefault();
    if (!form.reportValidity()) return;
    const card = form.closest("article[data-assignment]");
    const step = stepOf(form.getAttribute("action"));
    const q = loadQueue();
    q.push({
      url: form.action,
      body: new URLSearchParams(new FormData(form)).toString(),
      token: csrf(form),
      reference: card ? card.dataset.reference : "",
      step: step,
      at: Date.now(),
    });
    saveQueue(q);
    form.querySelectorAll("textarea").forEach(function (t) { t.value = ""; t.blur(); });
    if (card) advanceCard(card, form, step);
    flush();
  });

  let flushing = false;
  async function flush() {
    if (flushing) return;
    flushing = true;
    let sent = 0;
    let message = "";
    try {
      let q = loadQueue();
      while (q.length) {
        const tap = q[0];
        let response;
        try {
          response = await fetch(tap.url, {
            method: "POST",
            credentials: "same-origin",
            headers: {
              "Content-Type": "application/x-www-form-urlencoded",
              "X-Requested-With": "fetch",
              "X-CSRFToken": tap.token,
            },
            body: tap.body,
          });
        } catch (err) {
          showQueue(); // no signal: try again when it is back
          return;
        }
        if (response.status === 403 || response.redirected) {
          showQueue(T.login);
          return;
        }
        if (response.status >= 500) {
          setTimeout(flush, 5000);
          showQueue();
          return;
        }
        if (!response.ok) {
          // Refused (already done, stood down meanwhile): drop this tap, say why, carry on in order.
          let error = "";
          try { error = (await response.json()).error || ""; } catch (e) { error = String(response.status); }
          message = fmt(T.refused, { error: tap.reference + " — " + error });
        } else {
          const answer = await response.json();
          message = answer.message || message;
        }
        q = loadQueue();
        q.shift();
        saveQueue(q);
        sent += 1;
      }
    } finally {
      flushing = false;
      if (sent) {
        showQueue(message);
        refresh();
      }
    }
  }

  window.addEventListener("online", flush);

  // --- Live updates --------------------------------------------------------------------------------

  function afterRender() {
    readSkew();
    tick();
    checkNew();
  }

  function connect() {
    setState("connecting");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + bar.dataset.wsPath);
    socket.onopen = function () { backoff = 1000; setState("live"); flush(); refresh(); };
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
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "heartbeat" }));
      // The heartbeat re-joins the agency's group on the server; a change announced while this socket was
      // out of it (a Redis restart) is healed by reading the list again, cheaply, every 30 s.
      refresh();
    }
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

  // --- Installable, readable offline ---------------------------------------------------------------

  if ("serviceWorker" in navigator && bar.dataset.swUrl) {
    navigator.serviceWorker.register(bar.dataset.swUrl, { scope: bar.dataset.swScope }).catch(function () {});
  }
  // Logging out forgets the kept list and any waiting taps: the phone may be handed to someone else.
  document.querySelectorAll('form[action$="/logout/"]').forEach(function (form) {
    form.addEventListener("submit", function () {
      localStorage.removeItem(QUEUE_KEY);
      localStorage.removeItem(SEEN_KEY);
      if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage("clear");
    });
  });

  afterRender();
  showQueue();
  connect();
})();
