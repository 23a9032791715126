/* The offline base layer under every Leaflet map (load this right after leaflet.js).
   District outlines and names, main roads and street names (from zoom 12), road names (from zoom 15), drawn from /map/basemap.json,
   which the server builds from the package's own data: no tile server and no internet needed. A configured tile URL
   (GAIZAO_MAP_TILE_URL) still draws beneath it. A map opts out with data-basemap="off" on its container. */
(function () {
  "use strict";
  if (!window.L || !L.Map) { return; }
  var URL_ = "/map/basemap.json";
  var pending = null;
  function load() {
    if (!pending) {
      pending = fetch(URL_, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) { throw new Error("basemap " + r.status); }
        return r.json();
      });
    }
    return pending;
  }
  var zh = (document.documentElement.lang || "zh").indexOf("zh") === 0;
  var STYLE = {
    district: { color: "#627d98", weight: 1.5, dashArray: "6 4", fill: true, fillColor: "#f0f4f8", fillOpacity: 0.25, interactive: false },
    primary: { color: "#9fb3c8", weight: 3, interactive: false },
    secondary: { color: "#bcccdc", weight: 2.2, interactive: false },
    tertiary: { color: "#d9e2ec", weight: 1.5, interactive: false }
  };
  var ROAD_MIN_ZOOM = 12, STREET_MIN_ZOOM = 12, ROAD_NAME_MIN_ZOOM = 15;

  function midpoint(geometry) {
    // the middle vertex of the longest line of a (Multi)LineString, as [lat, lng]
    var lines = geometry.type === "LineString" ? [geometry.coordinates] : geometry.coordinates;
    var longest = lines.reduce(function (a, b) { return b.length > a.length ? b : a; }, []);
    var c = longest[Math.floor(longest.length / 2)];
    return c ? [c[1], c[0]] : null;
  }

  function legend(map) {
    var control = L.control({ position: "bottomleft" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "legend basemap-legend");
      div.innerHTML =
        '<div><i class="line" style="background:#627d98"></i>' + (zh ? "区县界" : "District boundary") + "</div>" +
        '<div><i class="line" style="background:#9fb3c8;height:3px"></i>' + (zh ? "主干道（放大后显示）" : "Main roads (zoom in)") + "</div>";
      return div;
    };
    control.addTo(map);
  }

  function draw(map, data) {
    var container = map.getContainer();
    if (!map.getPane("basemap")) {
      map.createPane("basemap").style.zIndex = 250;
      map.createPane("basemapLabels").style.zIndex = 450;
      map.getPane("basemapLabels").style.pointerEvents = "none";
    }
    var renderer = L.svg({ pane: "basemap" });
    var districts = L.layerGroup(), roads = L.layerGroup(), districtNames = L.layerGroup(), streetNames = L.layerGroup();
    var roadNames = L.layerGroup();
    data.features.forEach(function (f) {
      var p = f.properties;
      if (p.kind === "district") {
        L.geoJSON(f, { style: STYLE.district, renderer: renderer, pane: "basemap" }).addTo(districts);
        L.marker([p.label[1], p.label[0]], {
          pane: "basemapLabels", interactive: false, keyboard: false,
          icon: L.divIcon({ className: "basemap-label district", html: p.name, iconSize: null })
        }).addTo(districtNames);
      } else if (p.kind === "road") {
        L.geoJSON(f, { style: STYLE[p.highway] || STYLE.tertiary, renderer: renderer, pane: "basemap" }).addTo(roads);
        var at = p.name ? midpoint(f.geometry) : null;
        if (at) {
          L.marker(at, {
            pane: "basemapLabels", interactive: false, keyboard: false,
            icon: L.divIcon({ className: "basemap-label road", html: p.name, iconSize: null })
          }).addTo(roadNames);
        }
      } else if (p.kind === "street") {
        var c = f.geometry.coordinates;
        L.marker([c[1], c[0]], {
          pane: "basemapLabels", interactive: false, keyboard: false,
          icon: L.divIcon({ className: "basemap-label street", html: p.name, iconSize: null })
        }).addTo(streetNames);
      }
    });
    districts.addTo(map);
    districtNames.addTo(map);
    function byZoom() {
      var z = map.getZoom();
      if (z >= ROAD_MIN_ZOOM) { roads.addTo(map); } else { roads.remove(); }
      if (z >= STREET_MIN_ZOOM) { streetNames.addTo(map); } else { streetNames.remove(); }
      if (z >= ROAD_NAME_MIN_ZOOM) { roadNames.addTo(map); } else { roadNames.remove(); }
    }
    function declutter() {
      // hide a label that would overlap one already shown (district names first, then streets west to east)
      var shown = [];
      [districtNames, streetNames, roadNames].forEach(function (group) {
        if (!map.hasLayer(group)) { return; }
        group.eachLayer(function (marker) {
          var node = marker.getElement();
          if (!node) { return; }
          node.style.visibility = "";
          var r = node.getBoundingClientRect();
          var clash = shown.some(function (o) { return r.left < o.right && r.right > o.left && r.top < o.bottom && r.bottom > o.top; });
          if (clash) { node.style.visibility = "hidden"; } else { shown.push(r); }
        });
      });
    }
    map.on("zoomend", byZoom);
    map.on("zoomend moveend", declutter);
    byZoom();
    declutter();
    if (map.attributionControl) { map.attributionControl.addAttribution(data.attribution); }
    legend(map);
    container.dataset.basemap = "ready";
  }

  L.Map.addInitHook(function () {
    var map = this;
    var container = map.getContainer();
    if (container.dataset.basemap === "off") { return; }
    container.dataset.basemap = "loading";
    map.whenReady(function () {
      load().then(function (data) { draw(map, data); }).catch(function () { container.dataset.basemap = "error"; });
    });
  });
})();
