// The responder view's service worker. Keeps the last assignments readable without signal: the page and
// its list are fetched from the network first and kept; without a network the kept copy answers. Taps
// made without signal are queued by the page (static/js/responder.js), not here.
// Nothing of a case is kept once the responder logs out (the page asks for "clear").
"use strict";
const CACHE = "ess-responder-v1";
const SHELL = [{% for url in shell %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const SCOPE = new URL(self.registration.scope).pathname;
// Only the assignment list pages are kept, never photos or anything outside the responder view.
const KEPT = [SCOPE, SCOPE + "assignments/"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "clear") {
    event.waitUntil(caches.delete(CACHE));
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (KEPT.includes(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // A redirect (to the login page) or an error must not replace the last good list.
    if (response.ok && !response.redirected) {
      await cache.put(key, response.clone());
    }
    return response;
  } catch (err) {
    const kept = await cache.match(key);
    if (kept) return kept;
    throw err;
  }
}
