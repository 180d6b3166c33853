// The supervisor dashboard: draws the charts and the map from the JSON the server rendered, and
// every few seconds fetches the same "figures" partial again and swaps it in (no reload).
(function () {
  "use strict";
  var charts = [];
  var map = null;
  var cellLayer = null;

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function drawCharts(data) {
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    if (!window.Chart) { return; }
    var kinds = { days: "line", hours: "bar", categories: "bar", provinces: "bar" };
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var key = canvas.dataset.chart;
      var series = data[key];
      if (!series) { return; }
      charts.push(new window.Chart(canvas, {
        type: kinds[key] || "bar",
        data: {
          labels: series.labels,
          datasets: [{ data: series.values, backgroundColor: "#0b4f8a", borderColor: "#0b4f8a", fill: false }]
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          indexAxis: key === "categories" || key === "provinces" ? "y" : "x",
          plugins: { legend: { display: false } },
          scales: {
            x: { beginAtZero: true, ticks: { precision: 0, autoSkip: true } },
            y: { beginAtZero: true, ticks: { precision: 0, autoSkip: false } }
          }
        }
      }));
    });
  }

  function drawMap(cells) {
    var el = document.getElementById("dash-map");
    if (!el || !window.L) { return; }
    if (!map) {
      map = window.L.map(el, { scrollWheelZoom: false }).setView([13.0, 101.0], 5);
      var url = readJSON("dash-tiles");
      if (url) {
        window.L.tileLayer(url, { attribution: readJSON("dash-attribution") || "", maxZoom: 18 }).addTo(map);
      }
    } else if (map.getContainer() !== el) {
      // The partial was swapped and the map's container with it: start over on the new element.
      map.remove();
      map = null;
      drawMap(cells);
      return;
    }
    if (cellLayer) { cellLayer.remove(); }
    var max = cells.reduce(function (m, c) { return Math.max(m, c.n); }, 1);
    cellLayer = window.L.layerGroup(cells.map(function (c) {
      return window.L.circleMarker([c.lat, c.lng], {
        radius: 4 + 16 * Math.sqrt(c.n / max), weight: 0, fillColor: "#c0262d", fillOpacity: 0.25 + 0.5 * (c.n / max)
      }).bindTooltip(String(c.n));
    })).addTo(map);
  }

  function draw() {
    var data = readJSON("dash-data");
    if (!data) { return; }
    drawCharts(data);
    drawMap(data.cells || []);
    document.documentElement.dataset.dashboardDrawn = String(Date.now());
  }

  function refresh(box) {
    fetch(box.dataset.refreshUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.text(); })
      .then(function (html) {
        if (map) { map.remove(); map = null; cellLayer = null; }
        box.innerHTML = html;
        draw();
      })
      .catch(function (err) { box.dataset.refreshError = String(err); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw();
    // Picking or typing a date means a custom range.
    document.querySelectorAll("#dash-filters input[name=from], #dash-filters input[name=to]").forEach(function (input) {
      ["change", "input"].forEach(function (kind) {
        input.addEventListener(kind, function () {
          var range = document.querySelector("#dash-filters select[name=range]");
          if (range) { range.value = "custom"; }
        });
      });
    });
    // One filter list open at a time; a click elsewhere closes it.
    document.addEventListener("click", function (e) {
      document.querySelectorAll("#dash-filters details.pick[open]").forEach(function (d) {
        if (!d.contains(e.target)) { d.open = false; }
      });
    });
    var box = document.getElementById("figures");
    var seconds = box ? parseInt(box.dataset.refreshSeconds, 10) : 0;
    if (box && seconds > 0) {
      window.setInterval(function () { refresh(box); }, seconds * 1000);
    }
  });
})();
