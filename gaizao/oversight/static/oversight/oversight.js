/* Oversight public charts: ECharts fed by the data-chart attribute (no inline script; CSP). */
(function () {
  "use strict";
  function render(id, build) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") { return; }
    var data = JSON.parse(el.getAttribute("data-chart") || "{}");
    var chart = echarts.init(el);
    chart.setOption(build(data));
    window.addEventListener("resize", function () { chart.resize(); });
  }
  render("progress-chart", function (d) {
    var rows = d.rows || [];
    return {
      tooltip: { trigger: "axis" }, legend: {},
      xAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { rotate: 30 } },
      yAxis: { type: "value", name: "个 / communities", minInterval: 1 },
      series: [
        { name: "开工 / started", type: "bar", data: rows.map(function (r) { return r.started; }) },
        { name: "完工 / completed", type: "bar", data: rows.map(function (r) { return r.completed; }) },
        { name: "开工目标 / target", type: "line", data: rows.map(function (r) { return r.target_started; }) }
      ]
    };
  });
})();
