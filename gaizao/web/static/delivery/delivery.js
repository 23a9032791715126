/* Delivery pages: the map of projects coloured by stage (Leaflet), the Gantt-style schedule (ECharts) and the
   phone inspection's "locate me" button. No inline script (CSP); data comes from data-* attributes. */
(function () {
  "use strict";

  document.querySelectorAll("[data-colour]").forEach(function (el) {
    el.style.backgroundColor = el.getAttribute("data-colour");
  });

  var mapEl = document.getElementById("delivery-map");
  if (mapEl && typeof L !== "undefined") {
    var map = L.map(mapEl, { preferCanvas: true }).setView([30.25, 120.16], 10);
    if (mapEl.dataset.tiles) {
      L.tileLayer(mapEl.dataset.tiles, { maxZoom: 19, attribution: "© OpenStreetMap contributors" }).addTo(map);
    }
    if (mapEl.dataset.boundaries) {
      fetch(mapEl.dataset.boundaries, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (fc) {
          if (!fc) { return; }
          L.geoJSON(fc, { interactive: false, style: function () { return { color: "#627d98", weight: 1, fillOpacity: 0.03 }; } }).addTo(map);
        })
        .catch(function () { return null; });
    }
    fetch(mapEl.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          pointToLayer: function (feature, latlng) {
            var p = feature.properties;
            return L.circleMarker(latlng, { radius: 8, color: p.colour, fillColor: p.colour, fillOpacity: 0.8 });
          },
          onEachFeature: function (feature, marker) {
            var p = feature.properties;
            var box = document.createElement("div");
            var a = document.createElement("a");
            a.href = p.url;
            a.textContent = p.name;
            box.appendChild(a);
            box.appendChild(document.createTextNode(" · " + p.community + " · " + p.stage_label));
            marker.bindPopup(box);
          }
        }).addTo(map);
        mapEl.setAttribute("data-features", String(data.features.length));
        if (data.features.length) { map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [20, 20] }); }
      });
  }

  var ganttEl = document.getElementById("gantt");
  if (ganttEl && typeof echarts !== "undefined") {
    var d = JSON.parse(ganttEl.getAttribute("data-chart") || "{}");
    var rows = d.rows || [];
    if (!rows.length) {
      ganttEl.classList.add("empty");
    } else {
      var day = 86400000;
      var names = rows.map(function (r) { return r.name; });
      var planned = rows.map(function (r, i) { return [i, Date.parse(r.planned[0]), Date.parse(r.planned[1]) + day, r.late]; });
      var actual = rows.filter(function (r) { return r.actual[0]; }).map(function (r) {
        return [names.indexOf(r.name), Date.parse(r.actual[0]), Date.parse(r.actual[1]) + day, r.late];
      });
      var bar = function (offset, colourOf) {
        return function (params, api) {
          var start = api.coord([api.value(1), api.value(0)]);
          var end = api.coord([api.value(2), api.value(0)]);
          var h = api.size([0, 1])[1] * 0.3;
          return { type: "rect", shape: { x: start[0], y: start[1] + offset * h - h / 2, width: Math.max(end[0] - start[0], 2), height: h },
                   style: { fill: colourOf(api.value(3)) } };
        };
      };
      var chart = echarts.init(ganttEl);
      chart.setOption({
        tooltip: { formatter: function (p) { var v = p.value; return names[v[0]] + "<br>" + new Date(v[1]).toISOString().slice(0, 10) + " – " + new Date(v[2] - day).toISOString().slice(0, 10); } },
        legend: { data: ["计划 / planned", "实际 / actual"] },
        grid: { left: 120, right: 20, top: 30, bottom: 30 },
        xAxis: { type: "time" },
        yAxis: { type: "category", data: names, inverse: true },
        series: [
          { name: "计划 / planned", type: "custom", renderItem: bar(-0.6, function () { return "#9fb3c8"; }), encode: { x: [1, 2], y: 0 }, data: planned,
            itemStyle: { color: "#9fb3c8" },
            markLine: { silent: true, symbol: "none", lineStyle: { color: "#cf1124" },
                        label: { formatter: "今天 / today" }, data: [{ xAxis: Date.parse(d.today) }] } },
          { name: "实际 / actual", type: "custom", itemStyle: { color: "#199473" }, renderItem: bar(0.6, function (late) { return late ? "#cf1124" : "#199473"; }), encode: { x: [1, 2], y: 0 }, data: actual }
        ]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    }
  }

  var locate = document.getElementById("locate");
  if (locate && navigator.geolocation) {
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        var form = locate.closest("form");
        form.querySelector("[name=lon]").value = pos.coords.longitude.toFixed(6);
        form.querySelector("[name=lat]").value = pos.coords.latitude.toFixed(6);
      });
    });
  }
})();
