// Detail page: a small map of the community (and its stock sites).
(function () {
  "use strict";
  var el = document.getElementById("detail-map");
  if (!el || !window.L) { return; }
  var COLOURS = { priority: "#d64545", may_include: "#f0b429", out_of_scope: "#9aa5b1", unscreened: "#3e7cb1" };
  var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
  var map = L.map(el, { maxZoom: 19 }).setView([lat, lon], 16);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "© OpenStreetMap contributors" }).addTo(map);
  }
  L.circleMarker([lat, lon], { radius: 9, color: "#fff", weight: 2, fillColor: COLOURS[el.dataset.status] || COLOURS.unscreened, fillOpacity: 0.95 })
    .bindTooltip(el.dataset.name).addTo(map);
  (el.dataset.stock || "").split(";").forEach(function (pair) {
    if (!pair) { return; }
    var xy = pair.split(",");
    L.circleMarker([parseFloat(xy[1]), parseFloat(xy[0])], { radius: 5, color: "#0b6e4f", weight: 2, fillOpacity: 0.2 }).addTo(map);
  });
})();
