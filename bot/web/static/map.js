// The station map: markers from the web view's API; tiles only when a tile URL is configured (WEB_TILE_URL).
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("map");
    if (!box || typeof L === "undefined") { return; }
    var map = L.map(box, { preferCanvas: false }).setView([26.6, 106.7], 7);
    var tiles = box.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 18, subdomains: box.getAttribute("data-subdomains") || "abc", attribution: box.getAttribute("data-attribution") || "" }).addTo(map);
    }
    fetch(box.getAttribute("data-api"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var points = [];
        data.stations.forEach(function (s) {
          var marker = L.circleMarker([s.lat, s.lng], { radius: 6, color: "#b3261e", weight: 2, fillOpacity: 0.7 });
          var popup = document.createElement("div");
          var title = document.createElement("b");
          title.textContent = s.name;
          popup.appendChild(title);
          popup.appendChild(document.createElement("br"));
          popup.appendChild(document.createTextNode(s.kind + " · " + (s.address || "")));
          marker.bindPopup(popup).addTo(map);
          points.push([s.lat, s.lng]);
        });
        if (points.length) { map.fitBounds(points, { padding: [20, 20], maxZoom: 12 }); }
        box.setAttribute("data-markers", String(points.length));
      })
      .catch(function () { box.setAttribute("data-markers", "error"); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
