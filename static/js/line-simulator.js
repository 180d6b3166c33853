// The LINE simulator: sends signed events to the real webhook and shows what the bot answered.
(function () {
  "use strict";
  const root = document.getElementById("simulator");
  if (!root) return;
  const chat = document.getElementById("sim-chat");
  const quick = document.getElementById("sim-quick");
  const places = document.getElementById("sim-places");
  const status = document.getElementById("sim-status");
  const lang = document.getElementById("sim-lang");
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  let seen = 0;

  function bubble(text, who) {
    const div = document.createElement("div");
    div.className = "bubble " + who;
    div.textContent = text;
    chat.appendChild(div);
    chat.scrollTop = chat.scrollHeight;
  }

  function showQuickReply(items) {
    quick.replaceChildren();
    (items || []).forEach(function (item) {
      const action = item.action || {};
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = action.label || action.type;
      button.addEventListener("click", function () { tap(action); });
      quick.appendChild(button);
    });
  }

  function tap(action) {
    if (action.type === "postback") {
      send({kind: "postback", data: action.data, displayText: action.displayText || ""}, action.displayText || action.label);
    } else if (action.type === "location") {
      places.classList.toggle("open");
    } else if (action.type === "camera" || action.type === "cameraRoll") {
      document.getElementById("sim-photo").click();
    } else if (action.type === "message") {
      send({kind: "text", text: action.text}, action.text);
    }
  }

  async function send(fields, echo, file) {
    const form = new FormData();
    form.append("lang", lang.value);
    Object.keys(fields).forEach(function (k) { form.append(k, fields[k]); });
    if (file) form.append("photo", file);
    if (echo) bubble(echo, "me");
    quick.replaceChildren();
    const built = await fetch(root.dataset.sendUrl, {method: "POST", body: form, headers: {"X-CSRFToken": csrf}});
    const data = await built.json();
    if (!built.ok) { status.textContent = data.error || built.statusText; return; }
    // Exactly what LINE's servers do: POST the body with its X-Line-Signature to the webhook.
    const started = performance.now();
    const answer = await fetch(root.dataset.webhookUrl, {
      method: "POST", body: data.body,
      headers: {"Content-Type": "application/json", "X-Line-Signature": data.signature},
    });
    status.textContent = "webhook → " + answer.status + " in " + Math.round(performance.now() - started) + " ms";
  }

  async function poll() {
    try {
      const response = await fetch(root.dataset.feedUrl + "?lang=" + lang.value + "&after=" + seen);
      const data = await response.json();
      (data.messages || []).forEach(function (item) {
        const message = item.message || {};
        bubble(message.text || message.altText || "[" + message.type + "]", "bot");
        showQuickReply((message.quickReply || {}).items);
      });
      seen = data.count || seen;
    } catch (e) { /* the next poll tries again */ }
    setTimeout(poll, 1000);
  }

  lang.addEventListener("change", function () { seen = 0; chat.replaceChildren(); quick.replaceChildren(); });
  document.getElementById("sim-follow").addEventListener("click", function () { send({kind: "follow"}, null); bubble("(added ESS Help Me as a friend)", "note"); });
  document.getElementById("sim-block").addEventListener("click", function () { send({kind: "unfollow"}, null); bubble("(blocked ESS Help Me)", "note"); });
  document.getElementById("sim-pin").addEventListener("click", function () { places.classList.toggle("open"); });
  document.getElementById("sim-sticker").addEventListener("click", function () { send({kind: "sticker"}, "🙂 (sticker)"); });
  places.querySelectorAll("button[data-place]").forEach(function (button) {
    button.addEventListener("click", function () {
      places.classList.remove("open");
      send({kind: "location", place: button.dataset.place}, "📍 " + button.textContent);
    });
  });
  document.getElementById("sim-photo").addEventListener("change", function (event) {
    const file = event.target.files[0];
    if (file) send({kind: "image"}, "📷 " + file.name, file);
    event.target.value = "";
  });
  document.getElementById("sim-compose").addEventListener("submit", function (event) {
    event.preventDefault();
    const input = document.getElementById("sim-text");
    if (!input.value.trim()) return;
    send({kind: "text", text: input.value}, input.value);
    input.value = "";
  });
  poll();
})();
