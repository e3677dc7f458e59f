// The dashboard's map of shared scan places, drawn from the list under it (which stays the
// page's content: without this file, without Leaflet, or when the tile server does not
// answer, the list is all there is). Loaded only when a tile server is configured.
(function () {
  "use strict";
  var box = document.getElementById("scan-map");
  var list = document.getElementById("scan-places");
  if (!box || !list || !window.L) { return; }
  var places = Array.prototype.map.call(list.querySelectorAll("li[data-lat]"), function (li) {
    return [parseFloat(li.dataset.lat), parseFloat(li.dataset.lon), parseInt(li.dataset.scans, 10)];
  });
  if (!places.length) { return; }
  box.classList.add("shown");
  var map = window.L.map(box, { scrollWheelZoom: false });
  var failed = 0;
  var tiles = window.L.tileLayer(box.dataset.tiles, {
    maxZoom: 12, attribution: box.dataset.attribution || ""
  });
  tiles.on("tileerror", function () {
    failed += 1;
    if (failed > 3) { box.classList.remove("shown"); }  // no tile server: the list remains
  });
  tiles.addTo(map);
  var most = Math.max.apply(null, places.map(function (p) { return p[2]; }));
  var bounds = [];
  places.forEach(function (p) {
    window.L.circleMarker([p[0], p[1]], {
      radius: 4 + 10 * Math.sqrt(p[2] / most), color: "#17603a", weight: 1, fillOpacity: 0.5
    }).bindTooltip(String(p[2])).addTo(map);
    bounds.push([p[0], p[1]]);
  });
  map.fitBounds(bounds, { maxZoom: 9, padding: [20, 20] });
})();
