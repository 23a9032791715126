/* Stewardship charts: ECharts fed by the data-chart attribute (no inline script; CSP). */
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
  function pct(v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; }
  render("health-chart", function (d) {
    return {
      tooltip: { trigger: "axis" }, legend: {},
      xAxis: { type: "category", data: d.months || [] },
      yAxis: [{ type: "value", name: "件 / %", minInterval: 1 }, { type: "value", name: "元 / yuan" }, { type: "value", name: "1–5", min: 1, max: 5, show: false }],
      series: [
        { name: "未办结问题 / open issues", type: "bar", data: d.open_issues || [], itemStyle: { color: "#cf1124" } },
        { name: "物业费收缴率 / fee collection %", type: "line", data: (d.fee_collection || []).map(pct), connectNulls: true },
        { name: "维修资金余额 / fund balance", type: "line", yAxisIndex: 1, data: (d.fund_balance || []).map(Number), itemStyle: { color: "#199473" } },
        { name: "满意度 / satisfaction", type: "line", yAxisIndex: 2, data: d.satisfaction || [], connectNulls: true }
      ]
    };
  });
  render("coverage-chart", function (d) {
    return { tooltip: { trigger: "axis" }, xAxis: { type: "category", data: d.labels || [] },
             yAxis: { type: "value", max: 100, name: "%" },
             series: [{ name: "覆盖率 / coverage", type: "line", data: (d.shares || []).map(pct), itemStyle: { color: "#0c6b58" } }] };
  });
})();
