/* The browser map of Maillage (/carte, the search page's map): Leaflet with clustered
 * markers from /api/places.geojson. Served by the node itself, like Leaflet (no CDN, no
 * inline script). Each .map-panel[data-map] says, in JSON written by node/web/map_page.py:
 *  - geojson: the URL of the markers (the page's own search filters);
 *  - background, projection: the bundled map of departments and the constants of
 *    node/display/france_map.py's project(), so markers fall where the server draws dots;
 *  - tiles: null, or the operator's tile server {url, attribution} (standard CRS then).
 * Without JavaScript the server's SVG stays; a failed load leaves it too. */
(function () {
  "use strict";

  // france_map.project: x = A·lon + B·merc(lat) + C, y = D·lon + E·merc(lat) + F
  function projector(p) {
    return function (lat, lon) {
      if (lat < p.bounds[0] || lat > p.bounds[1] || lon < p.bounds[2] || lon > p.bounds[3]) {
        return null;
      }
      var merc = (Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 180 / 2)) * 180) / Math.PI;
      var x = p.x[0] * lon + p.x[1] * merc + p.x[2];
      var y = p.y[0] * lon + p.y[1] * merc + p.y[2];
      return L.latLng(-y, x); // L.CRS.Simple: y grows upwards
    };
  }

  function popup(properties) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.title;
    var title = document.createElement("p");
    title.className = "map-popup-title";
    title.appendChild(link);
    box.appendChild(title);
    var parts = [properties.col_label];
    if (properties.place && properties.place !== properties.title) parts.push(properties.place);
    if (properties.city) parts.push(properties.city);
    if (properties.category_label) parts.push(properties.category_label);
    var line = document.createElement("p");
    line.textContent = parts.filter(Boolean).join(" · ");
    box.appendChild(line);
    return box;
  }

  function label(cluster) {
    var n = cluster.getChildCount();
    return n + " résultats ici : Entrée pour zoomer";
  }

  function start(panel) {
    var config = JSON.parse(panel.getAttribute("data-map"));
    var live = panel.querySelector(".map-live");
    var still = panel.querySelector(".map-static");
    var p = config.projection;
    var simple = !config.tiles;
    var toLatLng = simple
      ? projector(p)
      : function (lat, lon) {
          return L.latLng(lat, lon);
        };
    live.hidden = false;
    var map = L.map(live, {
      crs: simple ? L.CRS.Simple : L.CRS.EPSG3857,
      keyboard: true,
      minZoom: simple ? -3 : 3,
      maxZoom: simple ? 6 : 18,
      zoomSnap: 0.25,
      attributionControl: true,
    });
    map.attributionControl.setPrefix(false);
    var france = L.latLngBounds([-p.height, 0], [0, p.width]);
    if (simple) {
      L.imageOverlay(config.background, france, { alt: "" }).addTo(map);
      map.fitBounds(france);
    } else {
      L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution }).addTo(map);
      map.fitBounds([[41.3, -5.2], [51.1, 9.6]]);
      france = null;
    }
    var clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 });
    map.addLayer(clusters);
    map.on("layeradd", function (event) {
      var layer = event.layer;
      if (layer.getChildCount && layer._icon) {
        layer._icon.setAttribute("role", "button");
        layer._icon.setAttribute("aria-label", label(layer));
      }
    });
    map.on("popupopen", function (event) {
      var link = event.popup.getElement().querySelector("a");
      if (link) link.focus(); // the keyboard goes on to the place's page
    });
    panel.setAttribute("data-state", "loading");
    fetch(config.geojson, { headers: { Accept: "application/geo+json" } })
      .then(function (answer) {
        if (!answer.ok) throw new Error("HTTP " + answer.status);
        return answer.json();
      })
      .then(function (data) {
        var markers = [];
        data.features.forEach(function (feature) {
          var c = feature.geometry.coordinates;
          var at = toLatLng(c[1], c[0]);
          if (!at) return; // overseas, off the map of departments
          var title = feature.properties.title;
          var marker = L.marker(at, { title: title, alt: title, keyboard: true });
          marker.bindPopup(popup(feature.properties));
          markers.push(marker);
        });
        clusters.addLayers(markers);
        if (markers.length && !simple) {
          map.fitBounds(clusters.getBounds(), { maxZoom: 12, animate: false }); // settled when ready
        }
        panel.setAttribute("data-markers", String(markers.length));
        panel.setAttribute("data-state", "ready");
        still.hidden = true;
      })
      .catch(function () {
        panel.setAttribute("data-state", "failed"); // the server's map stays
        map.remove();
        live.hidden = true;
      });
  }

  document.querySelectorAll(".map-panel[data-map]").forEach(start);
})();
