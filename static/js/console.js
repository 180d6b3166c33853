/* ESS operator console: live queue + map + case panel. No framework: htmx does the requests, this file
   keeps the queue and the map in step with the websocket, catches up after a reconnect, and falls back to
   polling while the socket is down. Rows come rendered by the server (the same partial as the page). */
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) return;

  var OPEN = ["new", "triaged", "dispatched", "acknowledged", "en_route", "on_scene"];
  var lastEventId = parseInt(root.dataset.lastEvent || "0", 10);
  var confirmedEventId = lastEventId;  // every event up to here reached this page (the server's pong says so)
  var seen = {};  // event ids applied: live pushes, the server's tail and catch-up may overlap or come out of order
  var baseTitle = document.title;
  var queueBody = function () { return document.getElementById("queue-body"); };
  var filters = document.getElementById("filters");

  // --- map ---------------------------------------------------------------------------------------------
  var map = null, cluster = null, markers = {}, responderLayer = null, minimap = null;
  if (window.L) {
    map = L.map("map", { zoomControl: true, worldCopyJump: true }).setView([13.2, 101.0], 6);
    // Tiles come from settings.MAP_TILE_URL; offline they fail quietly and markers still work.
    L.tileLayer(root.dataset.tileUrl, { attribution: root.dataset.tileAttribution, maxZoom: 19 }).addTo(map);
    cluster = L.markerClusterGroup({ maxClusterRadius: 40, showCoverageOnHover: false });
    map.addLayer(cluster);
    responderLayer = L.layerGroup();
    var responders = JSON.parse(document.getElementById("responders-data").textContent || "[]");
    responders.forEach(function (r) {
      L.marker([r.lat, r.lng], {
        icon: L.divIcon({ className: "responder-marker", iconSize: [12, 12] }),
        title: r.name + " — " + r.agency,
      }).addTo(responderLayer);
    });
    var overlays = {};
    overlays[root.dataset.textResponders || "Responders"] = responderLayer;
    L.control.layers(null, overlays).addTo(map);
    if (responders.length) responderLayer.addTo(map);
    window.__essMap = map;  // for the browser tests (and a curious operator's console)
  }

  // The server's queue order (console.screen.queue_cases): my own claimed cases pinned at the top,
  // then unclaimed, cases waiting for the centre before those with help on the way, then priority,
  // then the oldest. Rows are rendered once for everyone, so "mine" is worked out here.
  var me = root.dataset.user;
  function isMine(tr) { return tr.classList.contains("claimed") && tr.dataset.holder === me; }
  function rowKey(tr) {
    var waiting = tr.dataset.status === "new" || tr.dataset.status === "triaged" ? 0 : 1;
    return [isMine(tr) ? 0 : 1, tr.classList.contains("claimed") ? 1 : 0, waiting,
      parseInt(tr.dataset.priority, 10), tr.dataset.received];
  }
  function markMine() {
    var n = 0;
    allRows().forEach(function (tr) { var mine = isMine(tr); tr.classList.toggle("mine", mine); if (mine) n += 1; });
    var out = document.getElementById("my-count");
    if (out) out.textContent = String(n);
  }
  function before(a, b) {
    for (var i = 0; i < a.length; i++) { if (a[i] < b[i]) return true; if (a[i] > b[i]) return false; }
    return false;
  }

  function syncMarker(tr) {
    if (!cluster) return;
    var id = tr.dataset.id;
    if (markers[id]) { cluster.removeLayer(markers[id]); delete markers[id]; }
    if (tr.dataset.lat === "" || tr.dataset.lng === "") return;
    var lat = parseFloat(tr.dataset.lat), lng = parseFloat(tr.dataset.lng);
    if (isNaN(lat) || isNaN(lng)) return;
    var m = L.marker([lat, lng], {
      icon: L.divIcon({
        className: "case-marker p" + tr.dataset.priority + (tr.classList.contains("claimed") ? " claimed" : ""),
        iconSize: [16, 16],
      }),
      title: tr.dataset.ref + " · P" + tr.dataset.priority + " · " + (tr.dataset.categoryLabel || ""),
    });
    m.caseId = id;
    m.on("click", function () { openCase(id); });
    markers[id] = m;
    cluster.addLayer(m);
  }
  function removeMarker(id) {
    if (cluster && markers[id]) { cluster.removeLayer(markers[id]); delete markers[id]; }
  }
  function syncAllMarkers(fit) {
    if (!cluster) return;
    cluster.clearLayers(); markers = {};
    allRows().forEach(syncMarker);
    if (fit) {
      var ids = Object.keys(markers);
      if (ids.length) map.fitBounds(cluster.getBounds(), { padding: [20, 20], maxZoom: 12 });
    }
  }
  function allRows() { return Array.prototype.slice.call(document.querySelectorAll("#queue-body tr.case-row")); }

  // --- panel -------------------------------------------------------------------------------------------
  function openCase(id) {
    htmx.ajax("GET", "/console/case/" + id + "/", { target: "#panel", swap: "innerHTML" });
  }
  function panelCaseId() {
    var body = document.querySelector("#panel .panel-body");
    return body ? body.dataset.case : null;
  }
  function markOpenRow() {
    var id = panelCaseId();
    allRows().forEach(function (tr) { tr.classList.toggle("open-in-panel", tr.dataset.id === id); });
  }
  function initMinimap() {
    if (minimap) { minimap.remove(); minimap = null; }
    var body = document.querySelector("#panel .panel-body");
    var el = body && body.querySelector("[data-minimap]");
    if (!el || !window.L || body.dataset.lat === "") return;
    var at = [parseFloat(body.dataset.lat), parseFloat(body.dataset.lng)];
    minimap = L.map(el, { zoomControl: false, attributionControl: false }).setView(at, 15);
    L.tileLayer(root.dataset.tileUrl, { maxZoom: 19 }).addTo(minimap);
    L.circleMarker(at, { radius: 8, color: "#c0262d", weight: 3 }).addTo(minimap);
  }
  // Messages to the reporter show "queued" until the outbox has sent them: look again a few times.
  var pendingTimer = null, pendingTries = 0;
  function watchDelivery() {
    clearTimeout(pendingTimer);
    var body = document.querySelector("#panel .panel-body");
    if (!body || body.dataset.pending !== "1") { pendingTries = 0; return; }
    if (pendingTries >= 10) return;
    pendingTries += 1;
    pendingTimer = setTimeout(function () {
      var now = document.querySelector("#panel .panel-body");
      if (now && now.dataset.case === body.dataset.case && !panelTyping()) openCase(body.dataset.case);
    }, 2000);
  }
  function panelTyping() {
    var panel = document.getElementById("panel");
    return Array.prototype.some.call(panel.querySelectorAll("input[type=text], input:not([type]), textarea"),
      function (el) { return el.value.trim() !== ""; });
  }
  // The main map follows the open case: it flies there, marks it, and shows the agencies recommended
  // for it (read from the dispatch panel once that has loaded).
  var agencyLayer = window.L ? L.layerGroup() : null;
  var focusMarker = null;
  function focusCase() {
    if (!map) return;
    agencyLayer.clearLayers();
    if (focusMarker) { map.removeLayer(focusMarker); focusMarker = null; }
    var body = document.querySelector("#panel .panel-body");
    if (!body || body.dataset.lat === "") return;
    var at = [parseFloat(body.dataset.lat), parseFloat(body.dataset.lng)];
    focusMarker = L.marker(at, {
      icon: L.divIcon({ className: "case-marker focus p" + body.dataset.priority, iconSize: [18, 18] }),
      title: body.dataset.ref, zIndexOffset: 1000,
    }).addTo(map);
    map.invalidateSize();
    map.flyTo(at, Math.max(map.getZoom(), 13), { duration: 0.6 });
  }
  function showAgencies(panel) {
    if (!map) return;
    var body = document.querySelector("#panel .panel-body");
    if (!body || body.dataset.lat === "") return;
    agencyLayer.clearLayers();
    var points = [[parseFloat(body.dataset.lat), parseFloat(body.dataset.lng)]];
    var seenAgency = {};
    panel.querySelectorAll(".agency-option[data-lat]").forEach(function (el) {
      if (el.dataset.lat === "" || seenAgency[el.dataset.agency]) return;
      seenAgency[el.dataset.agency] = true;
      var at = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
      L.marker(at, { icon: L.divIcon({ className: "agency-marker", iconSize: [12, 12] }), title: el.dataset.name })
        .addTo(agencyLayer);
      // The view takes in the agencies in the strip (the rules' first choices), not every fold-away one.
      if (!el.closest("details")) points.push(at);
    });
    agencyLayer.addTo(map);
    if (points.length > 1) map.flyToBounds(L.latLngBounds(points), { padding: [24, 24], maxZoom: 15, duration: 0.6 });
  }
  // After Assign, a confirmation at the top of the strip. The case's own refresh (pushed when the
  // assignment commits) may replace the panel before or after the Assign answer arrives, so the
  // confirmation is shown whenever the panel of that case lists the agencies just assigned.
  var flash = null;
  document.addEventListener("submit", function (e) {
    var form = e.target.closest(".assign-form");
    var dispatchPanel = form && form.closest(".dispatch-panel");
    if (!dispatchPanel) return;
    var names = Array.prototype.map.call(form.querySelectorAll("input[name=agency]:checked"), function (box) {
      return box.closest(".agency-option").dataset.name;
    });
    flash = { id: dispatchPanel.dataset.incident, names: names, until: Date.now() + 20000 };
  }, true);
  function showFlash() {
    var body = document.querySelector("#panel .panel-body");
    if (!flash || !body || body.dataset.case !== flash.id || Date.now() > flash.until) return;
    var listed = Array.prototype.map.call(body.querySelectorAll(".dispatch-panel tr.assignment strong"),
      function (el) { return el.textContent.trim(); });
    var done = flash.names.filter(function (n) { return listed.indexOf(n) >= 0; });
    if (!done.length) return;
    var box = body.querySelector("[data-notices]");
    if (box && !box.querySelector(".notice")) {
      var p = document.createElement("p");
      p.className = "notice ok"; p.setAttribute("role", "status");
      p.textContent = (root.dataset.textAssigned || "Assigned") + ": " + done.join(", ");
      box.appendChild(p);
    }
  }
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target.id === "panel") {
      var body = document.querySelector("#panel .panel-body");
      var sameCase = body && focusMarker && focusMarker.options.title === body.dataset.ref;
      initMinimap(); markOpenRow(); watchDelivery(); showFlash();
      if (!sameCase) focusCase();
    }
  });
  document.body.addEventListener("htmx:afterSettle", function (e) {
    // With an outerHTML swap the event fires on the new element itself.
    var panel = e.target.classList && e.target.classList.contains("dispatch-panel") ? e.target : null;
    if (!panel) return;
    showAgencies(panel);
    showFlash();
  });
  // htmx replaced the queue (filters, polling): the map follows the rows.
  document.body.addEventListener("htmx:afterSettle", function (e) {
    if (e.detail.elt && e.detail.elt.id === "queue-body") { syncAllMarkers(false); markOpenRow(); updateCount(); }
  });
  // A canned reply fills the message box, in the reporter's language, for the operator to adjust.
  document.addEventListener("change", function (e) {
    if (!e.target.matches("[data-canned]")) return;
    var option = e.target.selectedOptions[0];
    var box = e.target.form.querySelector("[data-reply]");
    if (option && option.dataset.text && box) { box.value = option.dataset.text; box.focus(); }
  });
  document.addEventListener("click", function (e) {
    var link = e.target.closest("[data-case-link]");
    if (link) { e.preventDefault(); openCase(link.dataset.caseLink); return; }
    if (e.target.closest("[data-close-panel]")) { closePanel(); return; }
    var opener = e.target.closest("[data-open-dialog]");
    if (opener) { document.getElementById(opener.dataset.openDialog).showModal(); return; }
    var closer = e.target.closest("[data-close-dialog]");
    if (closer) {
      var dialog = closer.closest("dialog");
      if (dialog) dialog.close(); else closer.closest(".merge-preview").textContent = "";
      return;
    }
    var tr = e.target.closest("tr.case-row");
    if (tr) { select(tr); openCase(tr.dataset.id); }
  });
  function closePanel() {
    if (minimap) { minimap.remove(); minimap = null; }
    if (agencyLayer) agencyLayer.clearLayers();
    if (focusMarker) { map.removeLayer(focusMarker); focusMarker = null; }
    document.getElementById("panel").innerHTML = "";
    markOpenRow();
  }

  // --- applying live changes ---------------------------------------------------------------------------
  function matchesFilters(tr, isOpen) {
    var f = new FormData(filters);
    var status = f.get("status") || "open";
    if (status === "open" ? !isOpen : tr.dataset.status !== status) return false;
    if (f.get("category") && tr.dataset.category !== f.get("category")) return false;
    if (f.get("province") && tr.dataset.province !== f.get("province")) return false;
    if (f.get("mine") && !isMine(tr)) return false;
    return true;
  }
  function parseRow(html) {
    var t = document.createElement("template");
    t.innerHTML = "<table><tbody>" + html.trim() + "</tbody></table>";
    return t.content.querySelector("tr.case-row");
  }
  function insertSorted(tr) {
    var body = queueBody();
    var key = rowKey(tr);
    var empty = body.querySelector("tr.empty");
    if (empty) empty.remove();
    var rows = allRows();
    for (var i = 0; i < rows.length; i++) {
      if (before(key, rowKey(rows[i]))) { body.insertBefore(tr, rows[i]); return; }
    }
    body.appendChild(tr);
  }

  function applyCase(c, quiet) {
    var id = String(c.incident_id);
    var old = document.getElementById("case-" + id);
    var tr = c.row ? parseRow(c.row) : null;
    var searching = (new FormData(filters).get("q") || "").trim() !== "";
    var show = tr && matchesFilters(tr, c.open) && (old || !searching);
    if (old) old.remove();
    if (show) {
      // A later change of a case just announced keeps its highlight (and the selection).
      ["selected", "fresh"].forEach(function (name) { if (old && old.classList.contains(name)) tr.classList.add(name); });
      insertSorted(tr);
      htmx.process(tr);
      syncMarker(tr);
      if (!old && c.kind === "created" && !quiet) announce([tr]);
      // A catch-up (after connecting or a gap) brings reports that arrived meanwhile, their kinds collapsed
      // to the latest: a row new to this page that nobody has opened is announced with the batch.
      else if (!old && quiet && caughtUp) caughtUp.push(tr);
    } else {
      removeMarker(id);
    }
    tick();
    markOpenRow();
    updateCount();
    if (panelCaseId() === id) refreshPanel(id, c.event_id);
    if (CLAIM_KINDS.indexOf(c.kind) >= 0 && !quiet) refreshStaffSoon();
  }
  // Each operator's load on the staff strip follows claims (debounced: a hand-over moves many at once).
  var CLAIM_KINDS = ["claimed", "released", "claim_taken_over", "handed_over", "status"];
  var staffTimer = null;
  function refreshStaffSoon() {
    clearTimeout(staffTimer);
    staffTimer = setTimeout(function () { htmx.trigger(document.body, "staff-refresh"); }, 1000);
  }
  // A pushed change may arrive while the panel's own request for the same change is on its way (our
  // claim, our save): refreshing then would swap in a second copy over what the operator does next
  // (a priority just picked). Wait for the request; its answer usually already shows the event.
  var panelInFlight = 0, deferredRefresh = null;
  function isPanelRequest(e) { return e.detail.target && e.detail.target.id === "panel"; }
  document.body.addEventListener("htmx:beforeRequest", function (e) { if (isPanelRequest(e)) panelInFlight += 1; });
  document.body.addEventListener("htmx:afterRequest", function (e) {
    if (!isPanelRequest(e)) return;
    panelInFlight = Math.max(0, panelInFlight - 1);
    if (!panelInFlight && deferredRefresh) {
      var d = deferredRefresh; deferredRefresh = null;
      setTimeout(function () { refreshPanel(d.id, d.eventId); }, 50);
    }
  });
  function refreshPanel(id, eventId) {
    if (panelInFlight) {
      if (!deferredRefresh || deferredRefresh.eventId < eventId) deferredRefresh = { id: id, eventId: eventId };
      return;
    }
    var panel = document.getElementById("panel");
    var body = panel.querySelector(".panel-body");
    // The panel already shows this event (e.g. our own action's answer): keep it and its message.
    if (!body || body.dataset.case !== String(id)) return;
    if (eventId <= parseInt(body.dataset.event || "0", 10)) return;
    if (panelTyping()) {
      if (!panel.querySelector(".notice.stale")) {
        var p = document.createElement("p");
        p.className = "notice error stale";
        p.innerHTML = "";
        var b = document.createElement("button");
        b.type = "button"; b.textContent = root.dataset.textUpdated;
        b.addEventListener("click", function () { openCase(id); });
        p.appendChild(b);
        panel.querySelector(".panel-body").prepend(p);
      }
    } else {
      openCase(id);
    }
  }
  function updateCount() {
    document.getElementById("open-count").textContent = String(allRows().length);
    markMine();
    updateAlerts();
  }
  // New rows are highlighted for a moment; if any is unopened, one tone rings for them all, the highest
  // priority's (rows that arrive together ring once).
  function announce(rows) {
    var unopened = [];
    rows.forEach(function (tr) {
      tr.classList.add("fresh");
      var id = tr.id;
      setTimeout(function () { var row = document.getElementById(id); if (row) row.classList.remove("fresh"); }, 6000);
      if (tr.classList.contains("unopened")) unopened.push(tr);
    });
    if (!unopened.length) return;
    var p1 = unopened.some(function (tr) { return tr.dataset.priority === "1"; });
    tone(p1 ? "p1" : "p2");
    lastTone[p1 ? "p1" : "p2"] = Date.now();
  }
  var caughtUp = null;  // while a catch-up is applied: the rows it added to the page

  // --- new reports nobody has opened (#15 item 6) -------------------------------------------------------
  // A banner, the page title and the favicon count the unopened reports; a P1 tone repeats until someone
  // (anyone: the "opened" event re-renders the row everywhere) opens the case; P2/P3 ring in a softer
  // tone, once or repeated. The operator's settings come with the page and are saved with the account.
  var alertSettings = JSON.parse(document.getElementById("alert-settings-data").textContent);
  var lastTone = { p1: 0, p2: 0 };
  var banner = document.getElementById("new-banner");
  var baseIcon = (document.querySelector("link[rel=icon]") || {}).href;
  window.__essTones = [];  // what was played, for the browser tests
  function unopenedRows() {
    return allRows().filter(function (tr) { return tr.classList.contains("unopened"); });
  }
  function updateAlerts() {
    var rows = unopenedRows();
    banner.hidden = rows.length === 0;
    banner.classList.toggle("has-p1", rows.some(function (tr) { return tr.dataset.priority === "1"; }));
    banner.textContent = "";
    if (rows.length) {
      var title = document.createElement("b");
      title.textContent = (rows.length === 1 ? banner.dataset.textOne : banner.dataset.textMany) + " (" + rows.length + ")";
      banner.appendChild(title);
      rows.slice().sort(function (a, b) { return before(rowKeyAlert(a), rowKeyAlert(b)) ? -1 : 1; })
        .slice(0, 4).forEach(function (tr) {
          var b = document.createElement("button");
          b.type = "button"; b.className = "p" + tr.dataset.priority; b.dataset.caseLink = tr.dataset.id;
          b.textContent = "P" + tr.dataset.priority + " " + tr.dataset.ref + " · " + (tr.dataset.categoryLabel || "");
          banner.appendChild(b);
        });
      if (rows.length > 4) {
        // The rest are in the queue, marked "unopened": say how many the banner leaves out.
        var more = document.createElement("span");
        more.className = "more"; more.textContent = "+" + (rows.length - 4);
        banner.appendChild(more);
      }
    }
    document.title = (rows.length ? "(" + rows.length + ") " : "") + baseTitle;
    setFavicon(rows.length);
  }
  function rowKeyAlert(tr) { return [parseInt(tr.dataset.priority, 10), tr.dataset.received]; }
  var iconCount = -1;
  function setFavicon(n) {
    if (n === iconCount) return;
    iconCount = n;
    var link = document.querySelector("link[rel=icon]");
    if (!link) return;
    if (!n) { link.href = baseIcon; return; }
    var c = document.createElement("canvas"); c.width = c.height = 32;
    var g = c.getContext("2d");
    g.fillStyle = "#0b4f8a"; g.fillRect(0, 0, 32, 32);
    g.fillStyle = "#d92d20"; g.beginPath(); g.arc(21, 11, 11, 0, 2 * Math.PI); g.fill();
    g.fillStyle = "#fff"; g.font = "bold 15px sans-serif"; g.textAlign = "center"; g.textBaseline = "middle";
    g.fillText(n > 9 ? "9+" : String(n), 21, 12);
    link.type = "image/png"; link.href = c.toDataURL("image/png");
  }
  var audio = null;
  // P1: three rising square-wave pulses; P2/P3: one soft sine note. Distinct by ear and by rhythm.
  function tone(kind) {
    if (!alertSettings.sound_on) return;
    window.__essTones.push({ kind: kind, at: Date.now() });
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var volume = Math.max(0, Math.min(100, alertSettings.volume)) / 100 * 0.3;
      var notes = kind === "p1" ? [[880, 0, 0.14], [1100, 0.18, 0.14], [1320, 0.36, 0.22]] : [[660, 0, 0.3]];
      notes.forEach(function (n) {
        var o = audio.createOscillator(), g = audio.createGain();
        o.type = kind === "p1" ? "square" : "sine";
        o.frequency.value = n[0]; g.gain.value = volume;
        o.connect(g); g.connect(audio.destination);
        o.start(audio.currentTime + n[1]); o.stop(audio.currentTime + n[1] + n[2]);
      });
    } catch (err) { /* no audio device: the banner, the title and the favicon still show it */ }
  }
  function repeatTones() {
    var rows = unopenedRows(), now = Date.now();
    var hasP1 = rows.some(function (tr) { return tr.dataset.priority === "1"; });
    var hasOther = rows.some(function (tr) { return tr.dataset.priority !== "1"; });
    var p1Every = alertSettings.p1_repeat_seconds * 1000, otherEvery = alertSettings.other_repeat_seconds * 1000;
    if (hasP1 && p1Every && now - lastTone.p1 >= p1Every) { lastTone.p1 = now; tone("p1"); }
    else if (!hasP1 && hasOther && otherEvery && now - lastTone.p2 >= otherEvery) { lastTone.p2 = now; tone("p2"); }
  }
  setInterval(repeatTones, 1000);
  var muteButton = document.getElementById("mute");
  var alertForm = document.getElementById("alert-form");
  function showMute() {
    muteButton.setAttribute("aria-pressed", alertSettings.sound_on ? "false" : "true");
    alertForm.elements.sound_on.checked = alertSettings.sound_on;
  }
  function saveAlerts() {
    var data = new FormData(alertForm);
    if (!alertSettings.sound_on) data.delete("sound_on");
    fetch(alertForm.action, { method: "POST", body: data, headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (saved) { if (saved) { alertSettings = saved; showMute(); } });
  }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (err) { return ""; }
  }
  muteButton.addEventListener("click", function () { alertSettings.sound_on = !alertSettings.sound_on; showMute(); saveAlerts(); });
  alertForm.addEventListener("change", function () {
    alertSettings.sound_on = alertForm.elements.sound_on.checked;
    alertSettings.p1_repeat_seconds = parseInt(alertForm.elements.p1_repeat_seconds.value, 10) || 0;
    alertSettings.other_repeat_seconds = parseInt(alertForm.elements.other_repeat_seconds.value, 10) || 0;
    alertSettings.volume = parseInt(alertForm.elements.volume.value, 10) || 0;
    saveAlerts();
  });
  alertForm.addEventListener("click", function (e) {
    var b = e.target.closest("[data-test-tone]");
    if (b) tone(b.dataset.testTone === "1" ? "p1" : "p2");
  });
  showMute();

  // --- ages, SLA colours, claim expiry: every second, no reload ----------------------------------------
  function fmtAge(s) {
    s = Math.max(0, Math.floor(s));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + pad(m) + ":" + pad(sec) : m + ":" + pad(sec);
  }
  // Each case's step timer (console.screen.step_timer): time in the step, or time left for the agency
  // to acknowledge; amber from half the SLA target, red past it. Rows and the panel's head alike.
  function tickTimer(el, now) {
    var due = el.dataset.due ? Date.parse(el.dataset.due) : null;
    var warn = el.dataset.warn ? Date.parse(el.dataset.warn) : null;
    var clock = el.querySelector(".step-clock");
    if (el.dataset.countdown && due !== null) {
      var left = (due - now) / 1000;
      clock.textContent = left >= 0 ? fmtAge(left) : "+" + fmtAge(-left);
    } else {
      clock.textContent = fmtAge((now - Date.parse(el.dataset.since)) / 1000);
    }
    var breach = due !== null && now >= due;
    var warning = !breach && warn !== null && now >= warn;
    el.classList.toggle("sla-breach", breach);
    el.classList.toggle("sla-warn", warning);
    return breach ? "breach" : warning ? "warn" : "";
  }
  function tick() {
    var now = Date.now();
    allRows().forEach(function (tr) {
      var age = (now - Date.parse(tr.dataset.received)) / 1000;
      var t = tr.querySelector(".age time");
      if (t) t.textContent = fmtAge(age);
      var timer = tr.querySelector(".step-timer");
      var state = timer ? tickTimer(timer, now) : "";
      tr.classList.toggle("sla-breach", state === "breach");
      tr.classList.toggle("sla-warn", state === "warn");
      if (tr.dataset.claimUntil && Date.parse(tr.dataset.claimUntil) <= now && tr.classList.contains("claimed")) {
        tr.classList.remove("claimed");
        var holder = tr.querySelector(".holder");
        if (holder) holder.classList.add("muted");
      }
    });
    document.querySelectorAll("#panel .panel-head .step-timer").forEach(function (el) { tickTimer(el, now); });
  }
  setInterval(tick, 1000);

  // --- the websocket, catch-up, back-off, polling fallback ---------------------------------------------
  var conn = document.getElementById("conn");
  var socket = null, attempts = 0, pollTimer = null, pingTimer = null;
  function setConn(state) {
    conn.className = "conn " + state;
    conn.textContent = state === "online" ? root.dataset.textOnline
      : state === "offline" ? root.dataset.textOffline : root.dataset.textConnecting;
    root.dataset.conn = state;
  }
  function refreshQueue() {
    var params = new URLSearchParams(new FormData(filters)).toString();
    htmx.ajax("GET", root.dataset.queueUrl + "?" + params, { target: "#queue-body", swap: "outerHTML" });
  }
  function startPolling() {
    if (!pollTimer) pollTimer = setInterval(refreshQueue, 5000);
  }
  function stopPolling() { clearInterval(pollTimer); pollTimer = null; }

  function connect() {
    setConn(attempts ? "offline" : "connecting");
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.wsPath);
    socket.onopen = function () {
      attempts = 0;
      setConn("online");
      stopPolling();
      // From the last point the server confirmed complete, not from the newest event: a live update lost
      // just before the drop (while a later one arrived) is caught up too; `seen` drops the repeats.
      socket.send(JSON.stringify({ type: "catch_up", after: Math.min(confirmedEventId, lastEventId) }));
      // We are on the staff strip now (presence is written on connect).
      setTimeout(function () { htmx.trigger(document.body, "staff-refresh"); }, 500);
      clearInterval(pingTimer);
      // The ping also makes the server join this socket's groups again and send whatever it never sent
      // (a Redis restart or group expiry would otherwise leave an open console silently deaf).
      pingTimer = setInterval(function () { socket.send(JSON.stringify({ type: "ping" })); }, 30000);
    };
    socket.onmessage = function (e) {
      var msg = JSON.parse(e.data);
      if (msg.type === "case") {
        if (seen[msg.event_id]) return;
        seen[msg.event_id] = true;
        lastEventId = Math.max(lastEventId, msg.event_id);
        root.dataset.lastEvent = String(lastEventId);
        applyCase(msg, false);
      } else if (msg.type === "catch_up") {
        msg.events.forEach(function (id) { seen[id] = true; });
        caughtUp = [];
        msg.cases.forEach(function (c) { applyCase(c, true); });
        var added = caughtUp.filter(function (tr) { return document.body.contains(tr); });
        caughtUp = null;
        if (added.length) announce(added);
        lastEventId = Math.max(lastEventId, msg.last_event_id);
        root.dataset.lastEvent = String(lastEventId);
        if (msg.truncated) refreshQueue();
      } else if (msg.type === "pong" && typeof msg.checked === "number") {
        confirmedEventId = Math.max(confirmedEventId, msg.checked);
      }
    };
    socket.onclose = function () {
      clearInterval(pingTimer);
      setConn("offline");
      startPolling();
      attempts += 1;
      // Exponential back-off with jitter, capped at 30 s, so a restarted server is not stampeded.
      var delay = Math.min(30000, 500 * Math.pow(2, attempts)) * (0.75 + Math.random() / 2);
      setTimeout(connect, delay);
    };
  }

  // --- keyboard ---------------------------------------------------------------------------------------
  function select(tr) {
    allRows().forEach(function (r) { r.classList.remove("selected"); });
    if (tr) { tr.classList.add("selected"); tr.scrollIntoView({ block: "nearest" }); }
  }
  function move(step) {
    var rows = allRows();
    if (!rows.length) return;
    var i = rows.findIndex(function (r) { return r.classList.contains("selected"); });
    select(rows[Math.min(rows.length - 1, Math.max(0, i + step))]);
  }
  // Every panel action carries data-key (shown on it as <kbd>): a button is pressed, a field focused, a
  // folded section (summary) opened with its first field focused.
  function keyAction(key) {
    var el = document.querySelector('#panel [data-key="' + key + '"]');
    if (!el || el.disabled) return false;
    if (el.tagName === "SUMMARY") {
      var details = el.parentElement;
      details.open = true;
      var first = details.querySelector("input:not([type=hidden]), textarea, select, button[type=submit]");
      if (first) first.focus();
    } else if (el.tagName === "BUTTON") {
      el.click();
    } else {
      el.focus();
    }
    return true;
  }
  var help = document.getElementById("help");
  document.getElementById("help-toggle").addEventListener("click", function () { help.hidden = !help.hidden; });
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (e.key === "Escape") {
      if (!help.hidden) { help.hidden = true; return; }
      if (tag === "input" || tag === "textarea" || tag === "select") { e.target.blur(); return; }
      closePanel(); return;
    }
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target.matches("[data-reply]")) {
      e.preventDefault(); e.target.form.requestSubmit(); return;
    }
    if (tag === "input" || tag === "textarea" || tag === "select" || e.ctrlKey || e.metaKey || e.altKey) return;
    var selected = document.querySelector("#queue-body tr.selected");
    switch (e.key) {
      case "j": case "ArrowDown": move(1); e.preventDefault(); break;
      case "k": case "ArrowUp": move(-1); e.preventDefault(); break;
      case "Enter": if (selected) openCase(selected.dataset.id); break;
      case "1": case "2": case "3": {
        // The priority is picked, not focused: "s" right after saves (the select would swallow it).
        var sel = document.querySelector("#panel [data-priority-select]");
        if (sel) { sel.value = e.key; sel.classList.add("picked"); }
        break;
      }
      case "/": document.getElementById("q").focus(); e.preventDefault(); break;
      case "m": muteButton.click(); break;
      case "?": help.hidden = !help.hidden; break;
      default:
        if (e.key.length === 1 && /[a-z]/.test(e.key) && keyAction(e.key)) e.preventDefault();
    }
  });

  syncAllMarkers(true);
  initMinimap();
  focusCase();
  markOpenRow();
  updateCount();
  tick();
  connect();
})();
