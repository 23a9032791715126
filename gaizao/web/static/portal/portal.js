// Public portal: stacked bars of communities by scope status per district.
(function () {
  "use strict";
  var el = document.getElementById("portal-chart");
  if (!el || !window.echarts) { return; }
  var en = (el.dataset.lang || "").indexOf("en") === 0;
  fetch(el.dataset.src).then(function (r) { return r.json(); }).then(function (data) {
    var rows = data.districts;
    var names = rows.map(function (d) { return en ? (d.name_en || d.name) : d.name; });
    function series(key, zh, eng, color, group) {
      return { name: en ? eng : zh, type: "bar", stack: group, itemStyle: { color: color },
        data: rows.map(function (d) { return (d[group][key] || 0); }) };
    }
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" }, legend: {}, grid: { left: 40, right: 20, bottom: 60 },
      xAxis: { type: "category", data: names, axisLabel: { rotate: 30 } }, yAxis: { type: "value" },
      series: [
        series("priority", "重点改造", "Priority", "#d64545", "scope"),
        series("may_include", "可纳入", "May include", "#f0b429", "scope"),
        series("reserve", "储备", "Reserve", "#9aa5b1", "pools"),
        series("planning", "谋划", "Planning", "#3e7cb1", "pools"),
        series("implementing", "实施", "Implementing", "#0b6e4f", "pools")
      ]
    });
    el.dataset.loaded = String(rows.length);
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
