// Community map: points coloured by scope status, clustered when zoomed out; district boundaries drawn offline.
(function () {
  "use strict";
  var el = document.getElementById("registry-map");
  if (!el || !window.L) { return; }
  var COLOURS = { priority: "#d64545", may_include: "#f0b429", out_of_scope: "#9aa5b1", unscreened: "#3e7cb1" };
  var map = L.map(el, { preferCanvas: false, maxZoom: 19 }).setView([30.27, 120.17], 12);
  window.registryMap = map;
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "© OpenStreetMap contributors" }).addTo(map);
  }
  function label(status) { return el.getAttribute("data-label-" + status) || status; }
  function esc(text) { var d = document.createElement("div"); d.textContent = text == null ? "" : String(text); return d.innerHTML; }

  // Legend
  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "legend");
    Object.keys(COLOURS).forEach(function (s) {
      var row = document.createElement("div");
      var dot = document.createElement("i");
      dot.style.background = COLOURS[s];
      row.appendChild(dot);
      row.appendChild(document.createTextNode(label(s)));
      div.appendChild(row);
    });
    return div;
  };
  legend.addTo(map);

  // Clusters take the colour of their most urgent member (priority > may include > unscreened > out of scope).
  var RANK = { priority: 3, may_include: 2, unscreened: 1, out_of_scope: 0 };
  var cluster = L.markerClusterGroup({
    maxClusterRadius: 45,
    disableClusteringAtZoom: 16,
    iconCreateFunction: function (c) {
      var best = "out_of_scope";
      c.getAllChildMarkers().forEach(function (m) { if (RANK[m.options.status] > RANK[best]) { best = m.options.status; } });
      var n = c.getChildCount();
      return L.divIcon({
        html: "<div style=\"background:" + COLOURS[best] + "\"><span>" + n + "</span></div>",
        className: "marker-cluster registry-cluster registry-cluster-" + best,
        iconSize: L.point(40, 40)
      });
    }
  });
  map.addLayer(cluster);

  fetch(el.dataset.boundaries, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (fc) {
      L.geoJSON(fc, {
        style: function () { return { color: "#52606d", weight: 1.2, fill: false, dashArray: "4 3" }; },
        interactive: false
      }).addTo(map);
    })
    .catch(function () { /* boundaries are context only */ });

  var detail = el.dataset.detail; // ".../communities/0/"
  var grid = L.layerGroup().addTo(map); // server-side clusters, for views holding more communities than one answer
  var firstLoad = true;
  var dynamic = false; // once the scope is too large for one answer, reload by view (bbox and zoom)
  var pending = null;

  function point(f) {
    var p = f.properties;
    var c = f.geometry.coordinates;
    var colour = COLOURS[p.status] || COLOURS.unscreened;
    var m = L.circleMarker([c[1], c[0]], { radius: 7, color: "#fff", weight: 1.5, fillColor: colour, fillOpacity: 0.9, status: p.status });
    var url = detail.replace("/0/", "/" + p.id + "/");
    m.bindPopup("<a href=\"" + url + "\"><b>" + esc(p.name) + "</b></a><br>" + esc(label(p.status)) +
      (p.built_year ? " · " + esc(el.dataset.labelBuilt) + " " + p.built_year : "") +
      (p.is_sample ? " <span class=\"badge badge-sample\">" + esc(el.dataset.labelSample) + "</span>" : ""));
    return m;
  }

  function gridCluster(f) {
    var c = f.geometry.coordinates;
    var p = f.properties;
    var icon = L.divIcon({
      html: "<div style=\"background:" + (COLOURS[p.status] || COLOURS.unscreened) + "\"><span>" + p.count + "</span></div>",
      className: "marker-cluster registry-cluster registry-cluster-" + p.status,
      iconSize: L.point(40, 40)
    });
    var m = L.marker([c[1], c[0]], { icon: icon, status: p.status });
    m.on("click", function () { map.setView(m.getLatLng(), Math.min(map.getZoom() + 2, 19)); });
    return m;
  }

  function url() {
    if (!dynamic) { return el.dataset.geojson; }
    var b = map.getBounds();
    var sep = el.dataset.geojson.indexOf("?") < 0 ? "?" : "&";
    return el.dataset.geojson + sep + "bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
      return v.toFixed(5);
    }).join(",") + "&zoom=" + map.getZoom();
  }

  function load() {
    var target = url();
    pending = target;
    fetch(target, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (fc) {
        if (pending !== target) { return; } // a newer view was asked for
        cluster.clearLayers();
        grid.clearLayers();
        var markers = [];
        var represented = 0;
        fc.features.forEach(function (f) {
          if (f.properties.cluster) {
            grid.addLayer(gridCluster(f));
            represented += f.properties.count;
          } else {
            markers.push(point(f));
            represented += 1;
          }
        });
        cluster.addLayers(markers);
        if (firstLoad) {
          firstLoad = false;
          var bounds = markers.length ? cluster.getBounds() : null;
          if (fc.clustered) {
            dynamic = true;
            bounds = L.latLngBounds(fc.features.map(function (f) {
              return [f.geometry.coordinates[1], f.geometry.coordinates[0]];
            }));
          }
          if (bounds && bounds.isValid()) { map.fitBounds(bounds, { maxZoom: 15, padding: [20, 20] }); }
          if (dynamic) { map.on("moveend", load); }
        }
        el.dataset.loaded = String(represented);
        el.dataset.clustered = fc.clustered ? "1" : "0";
        var count = document.getElementById("registry-map-count");
        if (count) { count.textContent = represented + " / " + (fc.total != null ? fc.total : fc.features.length); }
      })
      .catch(function () { el.dataset.loaded = "error"; });
  }
  load();
})();
