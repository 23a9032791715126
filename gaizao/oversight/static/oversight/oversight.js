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
  /* A map of the districts' centres, the bubble sized by communities started (no tile server needed). */
  render("progress-map", function (d) {
    var rows = (d.rows || []).filter(function (r) { return r.lon !== null && r.lat !== null; });
    return {
      tooltip: { formatter: function (p) { return p.data.name + "<br>开工 " + p.data.value[2] + " · 完工 " + p.data.value[3]; } },
      xAxis: { type: "value", scale: true, name: "经度" }, yAxis: { type: "value", scale: true, name: "纬度" },
      series: [{ type: "scatter", symbolSize: function (v) { return 10 + 4 * Math.sqrt(v[2] || 0); },
                 label: { show: true, formatter: function (p) { return p.data.name; }, position: "top" },
                 data: rows.map(function (r) { return { name: r.name, value: [r.lon, r.lat, r.started, r.completed] }; }) }]
    };
  });
})();
