// Life-circle maps: a run's communities coloured by distance to a category, a community's catchments,
// and a siting result. Data comes from /api/v1/lifecircle/...; no tiles unless GAIZAO_MAP_TILE_URL is set.
(function () {
  "use strict";
  if (!window.L) { return; }

  function baseMap(el) {
    var map = L.map(el, { preferCanvas: true }).setView([30.27, 120.17], 12);
    var tiles = el.dataset.tiles;
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: "© OpenStreetMap contributors" }).addTo(map);
    }
    if (el.dataset.attribution) { map.attributionControl.addAttribution(el.dataset.attribution); }
    return map;
  }

  // The run's roads under the markers (grey), drawn once.
  function drawRoads(map, el) {
    if (!el.dataset.roads) { return; }
    getJSON(el.dataset.roads).then(function (f) {
      L.geoJSON(f, { style: { color: "#9aa5b1", weight: 1.5, opacity: 0.8 }, interactive: false }).addTo(map).bringToBack();
      el.dataset.roadsLoaded = String(f.properties.segments);
    }).catch(function () { el.dataset.roadsLoaded = "error"; });
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    });
  }

  function esc(text) {
    var d = document.createElement("div");
    d.textContent = text == null ? "" : String(text);
    return d.innerHTML;
  }

  function distanceColour(d) {
    if (d === null || d === undefined) { return "#d64545"; }
    if (d <= 300) { return "#0b6e4f"; }
    if (d <= 500) { return "#5c940d"; }
    if (d <= 1000) { return "#f0b429"; }
    return "#d64545";
  }

  // --- a run: communities by distance to a category -------------------------------------------------------
  function runMap(el) {
    var map = baseMap(el);
    drawRoads(map, el);
    var layer = null;
    var fitted = false;
    function load(category) {
      el.dataset.loaded = "";
      var query = el.dataset.query ? "&" + el.dataset.query : "";
      getJSON(el.dataset.geojson + "?category=" + encodeURIComponent(category) + query).then(function (fc) {
        if (layer) { map.removeLayer(layer); }
        var gaps = 0;
        layer = L.geoJSON(fc, {
          pointToLayer: function (f, latlng) {
            var p = f.properties;
            if (p.gap) { gaps += 1; }
            return L.circleMarker(latlng, {
              radius: 6, weight: p.gap ? 2 : 1, color: p.gap ? "#1f2933" : "#ffffff",
              fillColor: distanceColour(p.distance_m), fillOpacity: 0.9
            });
          },
          onEachFeature: function (f, l) {
            var p = f.properties;
            var dist = p.distance_m === null ? el.dataset.labelNone : Math.round(p.distance_m) + " m";
            l.bindPopup('<a href="' + esc(p.url) + '">' + esc(p.name) + "</a><br>" + esc(el.dataset.labelDistance) + ": " + esc(dist) +
              (p.gap ? "<br><strong>" + esc(el.dataset.labelGap) + "</strong> " + esc(p.gap_levels.join(", ")) : "") +
              "<br>" + esc(el.dataset.labelScore) + ": " + esc(p.score));
          }
        }).addTo(map);
        if (!fitted && fc.features.length) { map.fitBounds(layer.getBounds(), { padding: [20, 20] }); fitted = true; }
        el.dataset.loaded = String(fc.features.length);
        el.dataset.gaps = String(gaps);
        el.dataset.shown = category;
      }).catch(function () { el.dataset.loaded = "error"; });
    }
    var select = document.getElementById("category");
    var hidden = document.getElementById("filter-category");
    if (select) {
      select.addEventListener("change", function () {
        if (hidden) { hidden.value = select.value; }
        load(select.value);
        if (window.history && window.history.replaceState) {
          var query = el.dataset.query ? "&" + el.dataset.query : "";
          window.history.replaceState(null, "", "?category=" + encodeURIComponent(select.value) + query);
        }
      });
    }
    // The result table is filtered on the server (HTMX swaps #results): the map shows the same communities.
    document.body.addEventListener("htmx:afterSwap", function (evt) {
      var results = document.getElementById("results");
      if (!results || !evt.detail || !evt.detail.target || evt.detail.target.id !== "results" && evt.detail.elt !== results) { return; }
      if (el.dataset.query === results.dataset.query) { return; }
      el.dataset.query = results.dataset.query || "";
      load(select ? select.value : el.dataset.category);
    });
    load(el.dataset.category);
  }

  // --- a community: catchments, facilities, roads ---------------------------------------------------------
  var LEVEL_STYLE = {
    "15min": { color: "#14919b", fillOpacity: 0.12 },
    "10min": { color: "#3e7cb1", fillOpacity: 0.18 },
    "5min": { color: "#0b6e4f", fillOpacity: 0.28 }
  };

  function communityMap(el) {
    var map = baseMap(el);
    getJSON(el.dataset.url).then(function (data) {
      if (data.attribution) { map.attributionControl.addAttribution(data.attribution); }
      var bounds = null;
      if (data.roads) {
        L.geoJSON(data.roads, { style: { color: "#7b8794", weight: 2, opacity: 0.8 } }).addTo(map);
      }
      var order = ["15min", "10min", "5min"];
      var byLevel = {};
      data.catchments.features.forEach(function (f) { byLevel[f.properties.level] = f; });
      var drawn = 0;
      order.forEach(function (level) {
        var f = byLevel[level];
        if (!f) { return; }
        var style = LEVEL_STYLE[level] || { color: "#3e7cb1", fillOpacity: 0.15 };
        var l = L.geoJSON(f, { style: { color: style.color, weight: 1.5, fillColor: style.color, fillOpacity: style.fillOpacity } })
          .bindTooltip((el.dataset["label" + level] || level) + " · " + f.properties.distance_m + " m")
          .addTo(map);
        drawn += 1;
        bounds = bounds ? bounds.extend(l.getBounds()) : l.getBounds();
      });
      L.geoJSON(data.facilities, {
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, { radius: 4, weight: 1, color: "#ffffff", fillColor: "#8e6c8a", fillOpacity: 0.95 });
        },
        onEachFeature: function (f, l) { l.bindTooltip(esc(f.properties.category_name) + " · " + esc(f.properties.name)); }
      }).addTo(map);
      var c = data.community;
      if (c.lat !== null && c.lon !== null) {
        L.circleMarker([c.lat, c.lon], { radius: 8, weight: 3, color: "#1f2933", fillColor: "#ffffff", fillOpacity: 1 })
          .bindTooltip(esc(c.name)).addTo(map);
        (c.entrances || []).forEach(function (e) {
          L.circleMarker([e[1], e[0]], { radius: 3, weight: 1, color: "#1f2933", fillColor: "#1f2933", fillOpacity: 1 }).addTo(map);
        });
        if (bounds) { map.fitBounds(bounds, { padding: [10, 10] }); } else { map.setView([c.lat, c.lon], 15); }
      }
      el.dataset.catchments = String(drawn);
      el.dataset.facilities = String(data.facilities.features.length);
      el.dataset.loaded = "1";
    }).catch(function () { el.dataset.loaded = "error"; });
  }

  // --- a siting result ------------------------------------------------------------------------------------
  function sitingMap(el) {
    var map = baseMap(el);
    drawRoads(map, el);
    var limit = parseFloat(el.dataset.distance);
    Promise.all([getJSON(el.dataset.proposal), getJSON(el.dataset.geojson)]).then(function (both) {
      var p = both[0];
      var fc = both[1];
      var fresh = {};
      p.newly_covered.forEach(function (id) { fresh[id] = true; });
      var layer = L.geoJSON(fc, {
        pointToLayer: function (f, latlng) {
          var q = f.properties;
          var before = q.distance_m !== null && q.distance_m <= limit;
          var colour = fresh[q.id] ? "#3e7cb1" : (before ? "#0b6e4f" : "#d64545");
          return L.circleMarker(latlng, { radius: 5, weight: 1, color: "#ffffff", fillColor: colour, fillOpacity: 0.9 });
        },
        onEachFeature: function (f, l) {
          var q = f.properties;
          var state = fresh[q.id] ? el.dataset.labelNew : ((q.distance_m !== null && q.distance_m <= limit) ? el.dataset.labelBefore : el.dataset.labelNone);
          l.bindTooltip(esc(q.name) + " · " + esc(q.population) + " · " + esc(state));
        }
      }).addTo(map);
      var sites = L.featureGroup();
      p.chosen.forEach(function (s, i) {
        L.marker([s.lat, s.lon], { title: s.name })
          .bindPopup("<strong>" + (i + 1) + ". " + esc(s.name) + "</strong><br>" + esc(el.dataset.labelSite) + " · +" + esc(s.covered_new))
          .addTo(sites);
      });
      sites.addTo(map);
      var b = layer.getBounds();
      if (p.chosen.length) { b = sites.getBounds().pad(0.6); }
      if (b.isValid()) { map.fitBounds(b, { padding: [20, 20] }); }
      el.dataset.sites = String(p.chosen.length);
      el.dataset.loaded = String(fc.features.length);
    }).catch(function () { el.dataset.loaded = "error"; });
  }

  var run = document.getElementById("lc-run-map");
  if (run) { runMap(run); }
  var community = document.getElementById("lc-community-map");
  if (community) { communityMap(community); }
  var siting = document.getElementById("lc-siting-map");
  if (siting) { sitingMap(siting); }
})();
