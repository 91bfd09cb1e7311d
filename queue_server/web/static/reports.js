// The reports page's charts: Apache ECharts over the figures in #report-data (the same rows
// as the tables beside them). Drawn once, no animation: the page must not keep the CPU busy,
// and a chart caught mid-animation would print half drawn.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent || "{}");
  var charts = [];

  function empty(spec) {
    var values = spec.type === "pie" ? spec.data.map(function (d) { return d.value; })
      : [].concat.apply([], spec.series.map(function (s) { return s.data; }));
    return !values.some(function (v) { return v; });
  }

  function option(spec) {
    var base = { animation: false, tooltip: {}, textStyle: { fontFamily: "sans-serif" } };
    if (empty(spec)) {
      // Said in the chart itself, so a printed page does not show a blank box.
      base.title = { text: "本期无数据", subtext: "Nothing in this period", left: "center", top: "middle",
        textStyle: { color: "#5b6673", fontWeight: "normal" } };
      return base;
    }
    if (spec.type === "pie") {
      base.legend = { bottom: 0 };
      if (spec.colors) base.color = spec.colors;
      base.series = [{ type: "pie", radius: ["35%", "65%"], data: spec.data, label: { formatter: "{b}: {c}" } }];
      return base;
    }
    // Horizontal bars list from the top, in the table's order.
    var category = { type: "category", data: spec.categories, inverse: !!spec.horizontal,
      axisLabel: { interval: 0, width: spec.horizontal ? 140 : 90, overflow: "truncate" } };
    var value = { type: "value", axisLabel: spec.percent ? { formatter: "{value}%" } : {} };
    base.grid = { left: spec.horizontal ? 150 : 50, right: 20, top: 30, bottom: spec.series.length > 1 ? 50 : 40 };
    base.xAxis = spec.horizontal ? value : category;
    base.yAxis = spec.horizontal ? category : value;
    if (spec.series.length > 1) base.legend = { bottom: 0 };
    if (spec.colors) base.color = spec.colors;
    base.series = spec.series.map(function (s) {
      return { type: "bar", name: s.name, data: s.data, barMaxWidth: 60, stack: spec.stack ? "all" : undefined };
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
