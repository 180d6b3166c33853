// The theme, before the first paint: the switch's choice (kept on this device) or the system's.
(function () {
  var root = document.documentElement, media = window.matchMedia("(prefers-color-scheme: dark)");
  function apply() {
    var chosen = localStorage.getItem("ess.theme") || "auto";
    root.dataset.themeChoice = chosen;
    root.dataset.theme = chosen === "auto" ? (media.matches ? "dark" : "light") : chosen;
  }
  apply();
  media.addEventListener("change", apply);
  window.essTheme = { apply: apply, cycle: function () {
    var order = ["auto", "dark", "light"], now = localStorage.getItem("ess.theme") || "auto";
    localStorage.setItem("ess.theme", order[(order.indexOf(now) + 1) % order.length]);
    apply();
  } };
  // The switch in the top bar (bound here: the CSP allows no inline handlers).
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.getElementById("theme-toggle");
    if (!toggle) return;
    toggle.addEventListener("click", function () {
      window.essTheme.cycle();
      toggle.dataset.choice = root.dataset.themeChoice;
    });
  });
})();
