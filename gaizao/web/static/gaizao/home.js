/* Workbench charts: the project pools and the screening of the user's scope (vendored ECharts, no inline script). */
(function () {
  "use strict";
  var source = document.getElementById("home-chart-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var colours = ["#0f4c81", "#2f7d32", "#b7791f", "#9b2c2c", "#5a6b7b"];
  var pools = document.getElementById("home-chart-pools");
  if (pools) {
    var a = window.echarts.init(pools, null, { renderer: "svg" });
    a.setOption({
      title: { text: data.title, textStyle: { fontSize: 14 } },
      color: colours,
      grid: { left: 40, right: 16, top: 40, bottom: 30 },
      tooltip: {},
      xAxis: { type: "category", data: data.categories },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: data.values, barMaxWidth: 40, label: { show: true, position: "top" } }]
    });
    window.addEventListener("resize", function () { a.resize(); });
  }
  var screening = document.getElementById("home-chart-screening");
  if (screening) {
    var b = window.echarts.init(screening, null, { renderer: "svg" });
    b.setOption({
      title: { text: data.screening_title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "60%"], data: data.screening, label: { formatter: "{b} {c}" } }]
    });
    window.addEventListener("resize", function () { b.resize(); });
  }
  document.getElementById("figures").dataset.charts = "ready";
})();
