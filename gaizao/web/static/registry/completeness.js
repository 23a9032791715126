// Survey completeness chart (ECharts, vendored): one bar per district, percent of required answers filled.
(function () {
  "use strict";
  var el = document.getElementById("completeness-chart");
  if (!el || !window.echarts) { return; }
  var chart = window.echarts.init(el);
  window.addEventListener("resize", function () { chart.resize(); });
  fetch(el.dataset.url, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var names = data.districts.map(function (d) { return d.name; });
      var values = data.districts.map(function (d) { return Math.round(d.share * 1000) / 10; });
      chart.setOption({
        grid: { left: 48, right: 16, top: 32, bottom: 64 },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
        xAxis: { type: "category", data: names, axisLabel: { rotate: 30 } },
        yAxis: { type: "value", min: 0, max: 100, name: el.dataset.title },
        series: [{ type: "bar", data: values, itemStyle: { color: "#14919b" }, label: { show: true, position: "top", formatter: "{c}%" } }]
      });
      el.dataset.loaded = String(values.length);
    })
    .catch(function () { el.dataset.loaded = "error"; });
})();
