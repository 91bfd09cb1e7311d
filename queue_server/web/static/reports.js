// The reports page's charts: Apache ECharts over the figures in #report-data (the same rows
// as the tables beside them). Drawn once, no animation: the page must not keep the CPU busy,
// and a chart caught mid-animation would print half drawn.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent || "{}");
  var charts = [];

  function option(spec) {
    var base = { animation: false, tooltip: {}, textStyle: { fontFamily: "sans-serif" } };
    if (spec.type === "pie") {
      base.legend = { bottom: 0 };
      base.series = [{ type: "pie", radius: ["35%", "65%"], data: spec.data, label: { formatter: "{b}: {c}" } }];
      return base;
    }
    var category = { type: "category", data: spec.categories, axisLabel: { interval: 0, width: 110, overflow: "truncate" } };
    var value = { type: "value", axisLabel: spec.percent ? { formatter: "{value}%" } : {} };
    base.grid = { left: spec.horizontal ? 150 : 50, right: 20, top: 30, bottom: spec.series.length > 1 ? 50 : 40 };
    base.xAxis = spec.horizontal ? value : category;
    base.yAxis = spec.horizontal ? category : value;
    if (spec.series.length > 1) base.legend = { bottom: 0 };
    if (spec.colors) base.color = spec.colors;
    base.series = spec.series.map(function (s) {
      return { type: "bar", name: s.name, data: s.data, stack: spec.stack ? "all" : undefined };
    });
    return base;
  }

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var spec = data[el.dataset.chart];
    if (!spec || !spec.type) return;
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option(spec));
    charts.push(chart);
  });
  // Paper is narrower than the screen: draw again at the printed size, and back after.
  function resize() { charts.forEach(function (c) { c.resize(); }); }
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
  window.addEventListener("resize", resize);

  // The period choice: "on the day" is for a day/week/month, from/to for a chosen period.
  var form = document.getElementById("report-controls");
  function sync() {
    var custom = form.querySelector("input[name=span]:checked").value === "custom";
    form.querySelector("#on").disabled = custom;
    form.querySelector("#since").disabled = !custom;
    form.querySelector("#until").disabled = !custom;
  }
  form.querySelectorAll("input[name=span]").forEach(function (r) { r.addEventListener("change", sync); });
  sync();
})();
