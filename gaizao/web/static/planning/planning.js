// Special plan map (click communities to add to or remove from a unit) and the optimiser's result map and slider.
(function () {
  "use strict";
  var palette = ["#0b6e4f", "#3e7cb1", "#d64545", "#8e6c8a", "#f0b429", "#14919b", "#5c940d", "#c2255c", "#e8590c", "#7048e8", "#1098ad", "#2b8a3e"];

  function csrf() {
    var m = document.cookie.match(/csrftoken=([^;]+)/);
    if (m) { return m[1]; }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function baseMap(el) {
    var map = L.map(el, { preferCanvas: true }).setView([30.25, 120.16], 12);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "© OpenStreetMap contributors" }).addTo(map);
    }
    return map;
  }

  // Convex hull (monotone chain) of [lng, lat] points, for a unit's outline.
  function hull(points) {
    var p = points.slice().sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    if (p.length < 3) { return p; }
    function cross(o, a, b) { return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]); }
    var lower = [], upper = [], i;
    for (i = 0; i < p.length; i++) {
      while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p[i]) <= 0) { lower.pop(); }
      lower.push(p[i]);
    }
    for (i = p.length - 1; i >= 0; i--) {
      while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p[i]) <= 0) { upper.pop(); }
      upper.push(p[i]);
    }
    upper.pop(); lower.pop();
    return lower.concat(upper);
  }

  // --- special plan ---------------------------------------------------------------------------------------------
  var planEl = document.getElementById("plan-map");
  if (planEl && window.L) {
    var map = baseMap(planEl);
    window.gaizaoPlanMap = map;
    var layer = null;
    var outlines = null;
    var picked = [];
    var select = document.getElementById("active-unit");
    // the page reloads after each edit; it comes back to the same view and the same unit
    var viewKey = "gaizao.planMap." + window.location.pathname;
    var unitKey = viewKey + ".unit";
    if (select && sessionStorage.getItem(unitKey)) {
      select.value = sessionStorage.getItem(unitKey);
      sessionStorage.removeItem(unitKey);
    }
    var message = document.getElementById("map-message");
    var colours = {};
    var next = 0;
    function colour(unit) {
      if (!unit) { return "#868e96"; }
      if (!colours[unit]) { colours[unit] = palette[next++ % palette.length]; }
      return colours[unit];
    }
    function showPicked() {
      var ids = document.getElementById("new-unit-ids");
      var label = document.getElementById("new-unit-picked");
      if (ids) { ids.value = picked.join(","); }
      if (label) { label.textContent = "已选 " + picked.length + " 个小区 / " + picked.length + " picked"; }
    }
    function draw(first) {
      fetch(planEl.dataset.geojson, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (fc) {
          if (layer) { map.removeLayer(layer); }
          if (outlines) { map.removeLayer(outlines); }
          var members = {};
          fc.features.forEach(function (f) {
            var u = f.properties.unit;
            if (u) { (members[u] = members[u] || []).push(f.geometry.coordinates); }
          });
          outlines = L.featureGroup(Object.keys(members).map(function (u) {
            var ring = hull(members[u]).map(function (c) { return [c[1], c[0]]; });
            var shape = ring.length >= 3 ? L.polygon(ring, { color: colour(u), weight: 2, fillOpacity: 0.08, interactive: false })
              : L.polyline(ring, { color: colour(u), weight: 6, opacity: 0.4, interactive: false });
            return shape.bindTooltip(u, { permanent: true, direction: "center", className: "unit-label" });
          })).addTo(map);
          layer = L.geoJSON(fc, {
            pointToLayer: function (f, latlng) {
              var p = f.properties;
              var isPicked = picked.indexOf(p.id) >= 0;
              return L.circleMarker(latlng, {
                radius: p.unit ? 8 : 6, color: isPicked ? "#000" : colour(p.unit), weight: isPicked ? 3 : 1,
                fillColor: colour(p.unit), fillOpacity: p.scope === "out_of_scope" ? 0.15 : 0.75
              });
            },
            onEachFeature: function (f, l) {
              var p = f.properties;
              l.bindTooltip(p.name + (p.unit ? " · " + p.unit : "") + " · " + p.households + "户");
              l.on("click", function () { clicked(p); });
            }
          }).addTo(map);
          if (first && fc.features.length) {
            var saved = sessionStorage.getItem(viewKey);
            sessionStorage.removeItem(viewKey);
            if (saved) {
              saved = JSON.parse(saved);
              map.setView(saved.center, saved.zoom, { animate: false });
            } else {
              map.fitBounds(layer.getBounds(), { padding: [20, 20] });
            }
          }
          planEl.dataset.loaded = String(fc.features.length);
          planEl.dataset.version = String(Number(planEl.dataset.version || "0") + 1);
        });
    }
    function clicked(p) {
      if (!planEl.dataset.editable || !select) { return; }
      if (message) { message.hidden = true; }
      var option = select.options[select.selectedIndex];
      if (select.value === "new") {
        var i = picked.indexOf(p.id);
        if (i >= 0) { picked.splice(i, 1); } else { picked.push(p.id); }
        showPicked();
        draw(false);
        return;
      }
      var body = new URLSearchParams();
      body.set("community_id", String(p.id));
      fetch(option.dataset.toggle, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "X-CSRFToken": csrf(), "Content-Type": "application/x-www-form-urlencoded" }
      }).then(function (r) { return r.json(); }).then(function (data) {
        if (!data.ok) {
          if (message) { message.textContent = data.message; message.hidden = false; }
          return;
        }
        sessionStorage.setItem(viewKey, JSON.stringify({ center: map.getCenter(), zoom: map.getZoom() }));
        sessionStorage.setItem(unitKey, select.value);
        window.location.reload();
      });
    }
    // test hook and keyboard-free access: click a community by id
    window.gaizaoPlanClick = function (id) {
      layer.eachLayer(function (l) { if (l.feature.properties.id === id) { clicked(l.feature.properties); } });
    };
    draw(true);
  }

  // --- optimiser result -----------------------------------------------------------------------------------------
  // The result panel (with its map) is replaced on every what-if; the map is drawn again each time.
  var rmap = null;
  function renderRun() {
    var runEl = document.getElementById("run-map");
    var data = document.getElementById("run-points");
    if (!runEl || !data || !window.L) { return; }
    if (rmap) { rmap.remove(); }
    rmap = baseMap(runEl);
    var points = JSON.parse(data.textContent);
    var group = L.featureGroup(points.map(function (p) {
      return L.circleMarker([p.lat, p.lon], {
        radius: p.chosen ? 8 : 5, color: p.chosen ? "#0b6e4f" : "#adb5bd", weight: p.committed ? 3 : 1,
        fillColor: p.chosen ? "#0b6e4f" : "#dee2e6", fillOpacity: 0.8
      }).bindTooltip(p.name + (p.chosen ? " ✓" : "") + " · " + p.benefit);
    })).addTo(rmap);
    if (points.length) { rmap.fitBounds(group.getBounds(), { padding: [20, 20] }); }
    runEl.dataset.chosen = String(points.filter(function (p) { return p.chosen; }).length);
  }
  renderRun();
  // after settle: htmx restores the swapped elements' attributes when it settles, which would drop Leaflet's classes
  document.body.addEventListener("htmx:afterSettle", function () { renderRun(); bindSlider(); });
  function bindSlider() {
    Array.prototype.forEach.call(document.querySelectorAll(".budget-slider"), function (slider) {
      var out = document.getElementById(slider.dataset.output);
      if (out) { slider.addEventListener("input", function () { out.textContent = slider.value; }); }
    });
  }
  bindSlider();
})();
