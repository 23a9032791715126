/* Public progress map (Leaflet, offline base map beneath): each district shaded by the communities completed this
   year, with started / completed against the targets in its popup; each completed community a dot linking to its
   before / after page. No inline script (CSP): the URLs come from data-* attributes; text is set as text. */
(function () {
  "use strict";
  var el = document.getElementById("portal-map");
  if (!el || typeof L === "undefined") { return; }
  var en = (document.documentElement.lang || "zh").indexOf("en") === 0;
  var map = L.map(el, { preferCanvas: true }).setView([30.25, 120.16], 9);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "© OpenStreetMap contributors" }).addTo(map);
  }
  var SHADES = ["#f0f4f8", "#c6dbef", "#6baed6", "#2171b5", "#08306b"];
  function shade(n, max) {
    if (!n) { return SHADES[0]; }
    return SHADES[Math.min(SHADES.length - 1, 1 + Math.floor(3 * n / Math.max(max, 1)))];
  }
  function line(parent, text) {
    var div = document.createElement("div");
    div.textContent = text;
    parent.appendChild(div);
    return div;
  }
  function json(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; });
  }
  Promise.all([json(el.dataset.src), el.dataset.boundaries ? json(el.dataset.boundaries) : Promise.resolve(null)])
    .then(function (got) {
      var data = got[0], boundaries = got[1];
      if (!data) { return; }
      var byCode = {};
      var max = 0;
      data.districts.forEach(function (d) { byCode[d.code] = d; max = Math.max(max, d.completed + d.started); });
      function popup(d) {
        var box = document.createElement("div");
        var title = line(box, d.name);
        title.className = "popup-title";
        line(box, (en ? "Started " : "开工 ") + d.started + (d.target_started !== null ? " / " + d.target_started : ""));
        line(box, (en ? "Completed " : "完工 ") + d.completed + (d.target_completed !== null ? " / " + d.target_completed : ""));
        return box;
      }
      var shown = 0;
      if (boundaries) {
        L.geoJSON(boundaries, {
          style: function (f) {
            var d = byCode[f.properties.code] || { started: 0, completed: 0 };
            return { color: "#486581", weight: 1, fillColor: shade(d.completed + d.started, max), fillOpacity: 0.6 };
          },
          onEachFeature: function (f, layer) {
            var d = byCode[f.properties.code];
            if (d) { layer.bindPopup(popup(d)); shown += 1; }
          }
        }).addTo(map);
      } else {
        data.districts.forEach(function (d) {
          if (d.lat === null || d.lon === null) { return; }
          L.circleMarker([d.lat, d.lon], { radius: 6 + 2 * Math.sqrt(d.started + d.completed), color: "#2171b5" })
            .bindPopup(popup(d)).addTo(map);
          shown += 1;
        });
      }
      var dots = L.geoJSON(data.communities, {
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, { radius: 6, color: "#0b6e4f", fillColor: "#0b6e4f", fillOpacity: 0.9 });
        },
        onEachFeature: function (f, marker) {
          var p = f.properties;
          var box = document.createElement("div");
          var a = document.createElement("a");
          a.href = p.url;
          a.textContent = p.name;
          box.appendChild(a);
          line(box, p.district + " · " + (en ? "completed " : "完工 ") + p.completed_on);
          marker.bindPopup(box);
        }
      }).addTo(map);
      el.dataset.districts = String(shown);
      el.dataset.communities = String(data.communities.features.length);
      if (data.communities.features.length) { map.fitBounds(dots.getBounds(), { maxZoom: 13, padding: [30, 30] }); }
    })
    .catch(function () { el.dataset.failed = "1"; });
})();
