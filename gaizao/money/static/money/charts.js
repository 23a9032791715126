/* Money charts: sources (budgeted / received / paid) and execution, fed by data-chart (no inline script; CSP). */
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
  function sources(d) {
    var series = [
      { name: "预算 / budgeted", type: "bar", data: d.budgeted || [] },
      { name: "到位 / received", type: "bar", data: d.received || [] }
    ];
    if (d.committed) { series.push({ name: "承诺 / committed", type: "bar", data: d.committed }); }
    series.push({ name: "支付 / paid", type: "bar", data: d.paid || [], itemStyle: { color: "#199473" } });
    return { tooltip: { trigger: "axis" }, legend: {}, grid: { containLabel: true },
             xAxis: { type: "category", data: d.sources || [], axisLabel: { interval: 0, rotate: 30 } },
             yAxis: { type: "value", name: "元 / yuan" }, series: series };
  }
  render("money-sources-chart", sources);
  render("project-sources-chart", sources);
  render("money-execution-chart", function (d) {
    return { tooltip: { trigger: "axis" }, xAxis: { type: "category", data: d.districts || [] },
             yAxis: { type: "value", name: "执行率 % / execution %", max: 100 },
             series: [{ name: "执行率 / execution", type: "bar", data: d.execution || [], itemStyle: { color: "#2251a8" } }] };
  });
})();
