/* Day-by-day charts of a story's or an actor's page: uPlot, drawn into each
   figure.timeline-chart from its data-chart attribute (JSON the server wrote: "x", the days
   as YYYY-MM-DD; "count", a number per day drawn as bars; "total", if present, drawn as a
   line). The table beside each chart has the same numbers in words. */
(function () {
  "use strict";

  var DAY = 86400;
  var DAYS = [DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 91 * DAY, 182 * DAY, 365 * DAY];  /* ticks on whole days */

  function seconds(isoDay) {
    return Date.parse(isoDay + "T00:00:00Z") / 1000;
  }

  function draw(figure) {
    var data = JSON.parse(figure.dataset.chart);
    var plot = figure.querySelector(".plot");
    if (!plot || !data.x.length) { return; }
    var format = new Intl.DateTimeFormat(document.documentElement.lang || "en",
      { day: "numeric", month: "short", year: "2-digit", timeZone: "UTC" });
    var xs = data.x.map(seconds);
    var axis = { size: 30, font: "11px system-ui, sans-serif", stroke: "#515a64",
      grid: { stroke: "#eef1f4" }, ticks: { show: false } };
    var series = [
      {},
      { label: figure.dataset.count, stroke: "#0b5cad", fill: "rgba(11, 92, 173, 0.35)", width: 1,
        paths: uPlot.paths.bars({ size: [0.6, 24] }), points: { show: false } },
    ];
    var values = [xs, data.count];
    if (data.total) {
      series.push({ label: figure.dataset.total, stroke: "#c2410c", width: 2,
        points: { show: true, size: 5 } });
      values.push(data.total);
    }
    var pad = xs.length > 1 ? 0 : DAY;
    var chart = new uPlot({
      width: Math.max(plot.clientWidth, 240),
      height: 180,
      legend: { show: false },  /* the caption says what is drawn, the table has the numbers */
      cursor: { show: false },
      scales: {
        x: { time: true, range: function (u, min, max) { return [min - pad - DAY / 2, max + pad + DAY / 2]; } },
        y: { range: function (u, min, max) { return [0, Math.max(2, max * 1.15)]; } },
      },
      axes: [
        Object.assign({}, axis, { space: 70, incrs: DAYS, values: function (u, splits) {
          return splits.map(function (s) { return format.format(new Date(s * 1000)); });
        } }),
        axis,
      ],
      series: series,
    }, values, plot);
    figure.dataset.drawn = "true";
    window.addEventListener("resize", function () {
      chart.setSize({ width: Math.max(plot.clientWidth, 240), height: 180 });
    });
  }

  function start() {
    if (typeof uPlot === "undefined") { return; }
    document.querySelectorAll("figure.timeline-chart[data-chart]").forEach(function (figure) {
      try { draw(figure); } catch (error) { figure.dataset.error = String(error); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
