// The district map: boundaries drawn offline from the API; an OSM tile layer only when configured.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { preferCanvas: true }).setView([30.25, 120.16], 9);
  window.gaizaoMap = map;
  var tiles = el.dataset.tiles;
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: "© OpenStreetMap contributors" }).addTo(map);
  }
  var palette = ["#0b6e4f", "#14919b", "#3e7cb1", "#8e6c8a", "#d64545", "#f0b429", "#5c940d", "#c2255c", "#1098ad", "#e8590c", "#495057", "#7048e8", "#2b8a3e"];
  fetch(el.dataset.boundaries, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (fc) {
      var i = 0;
      var layer = L.geoJSON(fc, {
        style: function () { var c = palette[i++ % palette.length]; return { color: c, weight: 1.5, fillColor: c, fillOpacity: 0.15 }; },
        onEachFeature: function (f, l) { l.bindTooltip(f.properties.name + " " + f.properties.code); }
      }).addTo(map);
      map.fitBounds(layer.getBounds());
      el.dataset.loaded = String(fc.features.length);
    })
    .catch(function () { el.dataset.loaded = "error"; });
})();
