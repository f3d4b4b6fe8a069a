/* Draws every <canvas data-chart="ID"> from the JSON spec in <script type="application/json" id="ID">
   (built by ambassador/web/charts.py) with the vendored Chart.js. No inline script or style (CSP):
   sizes come from the stylesheet (charts.css), data from the JSON block. Each chart's figures are
   also in the table next to it; before printing, those tables are opened and the charts redrawn at
   the paper's width. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }

  // Colours that stay apart for common colour blindness and in greyscale print (with markers and dashes).
  var STYLES = {
    "shares": {color: "#4338ca", point: "circle"},
    "clicks": {color: "#0f766e", point: "triangle"},
    "shares-previous": {color: "#818cf8", point: "circle", dash: [6, 4]},
    "clicks-previous": {color: "#5eead4", point: "triangle", dash: [6, 4]},
    "points": {color: "#b45309", point: "rectRot"},
    "engagement": {color: "#a21caf", point: "rect"},
    "engagement-previous": {color: "#e879f9", point: "rect", dash: [6, 4]},
    "nps": {color: "#4338ca", point: "circle"},
    "band-low": {color: "rgba(67, 56, 202, 0)", point: "rect", band: true},
    "band-high": {color: "rgba(67, 56, 202, 0)", point: "rect", band: true, fill: "-1"}
  };
  var BAND_FILL = "rgba(67, 56, 202, 0.16)";
  var NPS_MIN = -100, NPS_MAX = 100;  // the whole NPS scale, so weeks compare at a glance

  function dataset(spec, d) {
    var style = STYLES[d.style] || STYLES.shares;
    var out = {
      label: d.label, data: d.data, borderColor: style.color, backgroundColor: style.color,
      pointStyle: style.point || false, borderWidth: 2, pointRadius: spec.labels.length > 45 ? 0 : 3,
      spanGaps: false, tension: 0
    };
    if (style.dash) { out.borderDash = style.dash; }
    if (style.band) {
      out.pointRadius = 0; out.borderWidth = 0; out.pointHitRadius = 0;
      if (style.fill) { out.fill = style.fill; out.backgroundColor = BAND_FILL; }
    }
    if (spec.type === "bar") { out.borderWidth = 0; out.maxBarThickness = 18; }
    return out;
  }

  function axis(conf) {
    var out = {beginAtZero: true, ticks: {}};
    if (!conf) { return out; }
    if (conf.title) { out.title = {display: true, text: conf.title}; }
    if (conf.integer) { out.ticks.precision = 0; }
    if (conf.scale === "nps") { out.min = NPS_MIN; out.max = NPS_MAX; out.ticks.stepSize = 50; }
    return out;
  }

  function config(spec) {
    var horizontal = !!spec.horizontal;
    var scales = {x: {ticks: {autoSkip: true, autoSkipPadding: 12, maxRotation: 0}}, y: axis(spec.y)};
    if (horizontal) {
      scales = {x: axis(spec.y), y: {ticks: {autoSkip: false}}};
    }
    return {
      type: spec.type,
      data: {labels: spec.labels, datasets: spec.datasets.map(function (d) { return dataset(spec, d); })},
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: {mode: "index", intersect: false},
        scales: scales,
        plugins: {
          legend: {position: "bottom", labels: {
            usePointStyle: spec.type === "line",
            // The band's lower edge is not a series of its own: one legend entry for the band.
            filter: function (item, data) {
              var style = STYLES[data.datasets[item.datasetIndex].style] || {};
              return !style.band || !!style.fill;
            }
          }},
          tooltip: {enabled: true}
        }
      }
    };
  }

  function init() {
    var root = document.documentElement;
    window.Chart.defaults.font.family = getComputedStyle(root).fontFamily;
    window.Chart.defaults.color = "#374151";
    var charts = [];
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var block = document.getElementById(canvas.getAttribute("data-chart"));
      if (!block) { return; }
      var spec = JSON.parse(block.textContent);
      // Keep the original datasets' style names for the legend filter.
      var conf = config(spec);
      conf.data.datasets.forEach(function (d, i) { d.style = spec.datasets[i].style; });
      charts.push(new window.Chart(canvas, conf));
      canvas.setAttribute("data-chart-drawn", "true");
    });

    var opened = [];
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll("details.chart__data:not([open])").forEach(function (d) {
        d.open = true; opened.push(d);
      });
      charts.forEach(function (c) { c.resize(); });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (d) { d.open = false; });
      opened = [];
      charts.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
