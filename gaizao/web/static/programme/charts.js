/* Programme dashboards: ECharts bar charts fed by the data-chart attribute (no inline script; CSP). */
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
  render("pool-chart", function (d) {
    var series = (d.states || []).map(function (s) {
      return { name: s.label, type: "bar", stack: "pool", data: (d.districts || []).map(function (r) { return r[s.id]; }) };
    });
    if (!d.districts || d.districts.length < 2) {
      return { tooltip: {}, xAxis: { type: "category", data: d.labels }, yAxis: { type: "value", minInterval: 1 },
               series: [{ type: "bar", data: d.values, itemStyle: { color: "#199473" } }] };
    }
    return { tooltip: { trigger: "axis" }, legend: {}, xAxis: { type: "category", data: d.districts.map(function (r) { return r.district; }) },
             yAxis: { type: "value", minInterval: 1 }, series: series };
  });
  render("city-chart", function (d) {
    return { tooltip: { trigger: "axis" }, legend: {}, xAxis: { type: "category", data: d.labels },
             yAxis: { type: "value", minInterval: 1 },
             series: [{ name: "项目数 / projects", type: "bar", data: d.projects },
                      { name: "逾期 / late", type: "bar", data: d.late, itemStyle: { color: "#cf1124" } }] };
  });
})();
