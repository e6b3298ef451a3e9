/* Maps of the pages: Leaflet over country outlines from world-atlas (no tile server: every
   request goes to this site). The overview map reads its cells from a same-origin JSON
   address named in data-src; an event's map reads its point from data-point. Text from the
   data is put in the page as text nodes, never as markup. */
(function () {
  "use strict";

  var OUTLINE = { color: "#7d8b99", weight: 0.7, fillColor: "#f5f2e8", fillOpacity: 1 };

  function baseMap(element, options) {
    var map = L.map(element, Object.assign({
      attributionControl: false,
      worldCopyJump: true,
      minZoom: 1,
      maxZoom: 9,
      zoomSnap: 0.5,
    }, options || {}));
    L.control.attribution({ prefix: "Leaflet" }).addAttribution("Natural Earth").addTo(map);
    return map;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(url + ": " + response.status); }
        return response.json();
      });
  }

  function drawOutlines(map, element) {
    return getJSON(element.dataset.outlines).then(function (topology) {
      var countries = topojson.feature(topology, topology.objects.countries);
      L.geoJSON(countries, { style: OUTLINE, interactive: false }).addTo(map);
    });
  }

  // The colour of each threat domain, as the legend's swatches are painted by app.css.
  function domainColours() {
    var colours = {};
    document.querySelectorAll(".legend .swatch").forEach(function (swatch) {
      colours[swatch.dataset.domain] = getComputedStyle(swatch).backgroundColor;
    });
    return colours;
  }

  function dominant(domains) {
    var best = "", most = 0;
    Object.keys(domains).forEach(function (key) {
      if (domains[key] > most) { best = key; most = domains[key]; }
    });
    return best;
  }

  function popup(cell, data, element) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var head = document.createElement("strong");
    head.textContent = element.dataset.eventsWord + ": " + cell.count;
    box.appendChild(head);
    var list = document.createElement("ul");
    Object.keys(cell.domains).forEach(function (key) {
      var item = document.createElement("li");
      item.textContent = (data.domains[key] || key) + ": " + cell.domains[key];
      list.appendChild(item);
    });
    if (!list.children.length) {
      var none = document.createElement("li");
      none.textContent = element.dataset.none;
      list.appendChild(none);
    }
    box.appendChild(list);
    return box;
  }

  function drawCells(map, element, data) {
    var colours = domainColours();
    var most = data.cells.reduce(function (m, c) { return Math.max(m, c.count); }, 1);
    var layer = L.featureGroup();
    data.cells.forEach(function (cell) {
      var colour = colours[dominant(cell.domains)] || colours[""] || "#888";
      L.circleMarker([cell.lat, cell.lon], {
        radius: 5 + 17 * Math.sqrt(cell.count / most),
        color: "#1b1f24",
        weight: 1,
        fillColor: colour,
        fillOpacity: 0.8,
        className: "event-cell",
      }).bindPopup(popup(cell, data, element)).addTo(layer);
    });
    layer.addTo(map);
    if (data.cells.length) {
      // Not animated: data-cells tells that the map is ready to use, and a click during the
      // zoom's animation (long on a busy machine) was lost, its popup never opened.
      map.fitBounds(layer.getBounds().pad(0.3), { maxZoom: 5, animate: false });
    }
    element.dataset.cells = String(data.cells.length);
  }

  function overviewMap(element) {
    var map = baseMap(element).setView([35, 65], 3);
    drawOutlines(map, element)
      .then(function () { return getJSON(element.dataset.src); })
      .then(function (data) { drawCells(map, element, data); })
      .catch(function (error) { element.dataset.error = String(error); });
  }

  function placeMap(element) {
    var point = JSON.parse(element.dataset.point);
    var map = baseMap(element).setView([point.lat, point.lon], 5);
    drawOutlines(map, element).then(function () {
      L.circleMarker([point.lat, point.lon], {
        radius: 8, color: "#1b1f24", weight: 2, fillColor: "#c62828", fillOpacity: 0.9,
        className: "event-place",
      }).addTo(map);
      element.dataset.cells = "1";
    }).catch(function (error) { element.dataset.error = String(error); });
  }

  function start() {
    var overview = document.getElementById("event-map");
    if (overview) { overviewMap(overview); }
    var place = document.getElementById("event-place");
    if (place) { placeMap(place); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
