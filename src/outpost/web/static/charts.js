/* Indicator charts of the overview: uPlot, one small chart per series, drawn into the figures
   the page made (each with its caption in words). The data comes from the same-origin JSON
   address in #charts[data-src]: daily counts, the baseline each day was read against, and
   the days that were spikes. */
(function () {
  "use strict";

  var DAY = 86400;
  var plots = [];

  function dayFormat() {
    var lang = document.documentElement.lang || "en";
    return new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", timeZone: "UTC" });
  }

  function seconds(isoDay) {
    return Date.parse(isoDay + "T00:00:00Z") / 1000;
  }

  function figureFor(root, series) {
    var found = null;
    root.querySelectorAll("figure.chart").forEach(function (figure) {
      if (figure.dataset.kind === series.kind && figure.dataset.key === series.key) {
        found = figure;
      }
    });
    return found;
  }

  function draw(root, series, format) {
    var figure = figureFor(root, series);
    if (!figure) { return; }
    var plot = figure.querySelector(".plot");
    var start = seconds(series.start);
    var xs = series.values.map(function (_, i) { return start + i * DAY; });
    var spikes = series.values.map(function (v, i) {
      return series.spikes.indexOf(i) >= 0 ? v : null;
    });
    var options = {
      width: Math.max(plot.clientWidth, 200),
      height: 130,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(2, max * 1.15)]; } } },
      axes: [
        {
          size: 24, space: 64, font: "11px system-ui, sans-serif", stroke: "#515a64",
          grid: { stroke: "#eef1f4" }, ticks: { show: false },
          values: function (u, splits) {
            return splits.map(function (s) { return format.format(new Date(s * 1000)); });
          },
        },
        {
          size: 30, font: "11px system-ui, sans-serif", stroke: "#515a64",
          grid: { stroke: "#eef1f4" }, ticks: { show: false },
        },
      ],
      series: [
        {},
        { label: root.dataset.observed, stroke: "#0b5cad", width: 1.5, fill: "rgba(11, 92, 173, 0.12)", points: { show: false } },
        { label: root.dataset.expected, stroke: "#515a64", width: 1, dash: [4, 4], points: { show: false } },
        { label: "spike", stroke: "#b42318", width: 0, paths: function () { return null; },
          points: { show: true, size: 8, width: 1, fill: "#b42318", stroke: "#ffffff" } },
      ],
    };
    var chart = new uPlot(options, [xs, series.values, series.expected, spikes], plot);
    plots.push({ chart: chart, plot: plot });
    figure.dataset.drawn = "true";
  }

  function start() {
    var root = document.getElementById("charts");
    if (!root || typeof uPlot === "undefined") { return; }
    var format = dayFormat();
    fetch(root.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("charts: " + response.status); }
        return response.json();
      })
      .then(function (data) {
        data.groups.forEach(function (group) {
          group.series.forEach(function (series) { draw(root, series, format); });
        });
        root.dataset.drawn = String(plots.length);
      })
      .catch(function (error) { root.dataset.error = String(error); });
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        plots.forEach(function (p) { p.chart.setSize({ width: Math.max(p.plot.clientWidth, 200), height: 130 }); });
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
