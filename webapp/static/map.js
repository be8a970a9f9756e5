// The supervisors' map (webapp/templates/map.html): the county's boundaries, no tiles (a bureau's
// network has no internet), and the open cases as markers in their colours, clustered when zoomed
// out. Everything taken from data is put in with textContent, never as HTML: titles are typed by
// residents, and boundary names by whoever made the file.
(function () {
  "use strict";
  const RANK = { red: 3, yellow: 2, blue: 1, green: 0 };
  const LIST_LIMIT = 200;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_all, name) => String(values[name] ?? ""));
  }

  function markerIcon(text, colour) {
    const box = el("span", "case-marker m-" + colour);
    box.appendChild(el("span", null, text.mark[colour] || "?"));
    return L.divIcon({ className: "case-marker-host", html: box, iconSize: [28, 28], iconAnchor: [14, 14],
                       popupAnchor: [0, -12] });
  }

  function popupContent(text, c) {
    const box = el("div", "case-popup");
    const heading = el("p", "case-popup-number");
    const link = el("a", null, c.number);
    link.href = c.url;
    heading.appendChild(link);
    if (c.urgent) heading.appendChild(el("span", "badge red", text.urgent));
    box.appendChild(heading);
    box.appendChild(el("p", "case-popup-title", c.title));
    const facts = el("dl", "case-popup-facts");
    const add = (label, value, className) => {
      facts.appendChild(el("dt", null, label));
      facts.appendChild(el("dd", className, value));
    };
    add(text.colour_heading, c.colour_label, "c-" + c.colour);
    add(text.stage, c.stage);
    add(text.tier, c.tier);
    add(text.deadline, c.deadline, c.overdue ? "nowrap c-red" : "nowrap");
    add(text.department, c.department);
    add(text.town, c.town);
    box.appendChild(facts);
    if (c.approximate) box.appendChild(el("p", "muted", text.approximate));
    const open = el("a", "button", text.open);
    open.href = c.url;
    box.appendChild(open);
    return box;
  }

  function clusterIcon(text, cluster) {
    const counts = { red: 0, yellow: 0, blue: 0, green: 0 };
    let worst = "green";
    cluster.getAllChildMarkers().forEach((m) => {
      const colour = m.options.caseColour;
      counts[colour] = (counts[colour] || 0) + 1;
      if (RANK[colour] > RANK[worst]) worst = colour;
    });
    const n = cluster.getChildCount();
    const box = el("span", "case-cluster k-" + worst);
    box.dataset.label = format(text.cluster, { n: n, red: counts.red, yellow: counts.yellow, blue: counts.blue });
    box.appendChild(el("span", "case-cluster-count", n));
    if (counts.red) box.appendChild(el("span", "case-cluster-red", counts.red + text.mark.red));
    const size = n < 10 ? 36 : n < 100 ? 42 : 50;
    return L.divIcon({ className: "case-cluster-host", html: box, iconSize: [size, size] });
  }

  function start() {
    const holder = document.getElementById("case-map");
    if (!holder || !window.L || !L.markerClusterGroup) return;
    const text = JSON.parse(document.getElementById("map-text").textContent);
    const status = document.getElementById("map-status");
    const map = L.map(holder, { attributionControl: false, zoomSnap: 0.25, minZoom: 5, maxZoom: 18,
                                center: [27.7, 112.9], zoom: 9, keyboard: true });
    const boundaries = L.featureGroup().addTo(map);
    const labels = L.layerGroup().addTo(map);
    const clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 48, spiderfyOnMaxZoom: true,
                                            iconCreateFunction: (cluster) => clusterIcon(text, cluster) });
    map.addLayer(clusters);
    const byId = new Map();
    let cases = [];

    // Enter on a focused cluster zooms in (or spreads it at the last zoom): markercluster does it.
    clusters.on("animationend", () => describeClusters());
    map.on("moveend", () => { describeClusters(); listVisible(); });

    function drawBoundaries(layer) {
      const towns = layer.features.filter((f) => f.properties.level === "town").map((f) => f.properties.code);
      const style = (feature) => {
        const level = feature.properties.level;
        if (level === "county") return { className: "b-county", weight: 2.5, fillOpacity: 1 };
        if (level === "town") {
          return { className: "b-town tone-" + (towns.indexOf(feature.properties.code) % 5), weight: 2, fillOpacity: 1 };
        }
        return { className: "b-area", weight: 1, fill: false, dashArray: "4 4" };
      };
      L.geoJSON(layer, { style: style, interactive: false }).addTo(boundaries);
      layer.features.filter((f) => f.properties.level === "town" && f.properties.anchor).forEach((f) => {
        const [lon, lat] = f.properties.anchor;
        const label = el("span", "town-label-text", f.properties.name);
        L.marker([lat, lon], { icon: L.divIcon({ className: "town-label", html: label, iconSize: null }),
                               interactive: false, keyboard: false }).addTo(labels);
      });
    }

    function addCases(items) {
      const markers = items.map((c) => {
        const marker = L.marker([c.lat, c.lon], { icon: markerIcon(text, c.colour), caseColour: c.colour,
                                                  title: `${c.number} ${c.colour_label}`, keyboard: true, riseOnHover: true });
        marker.bindPopup(() => popupContent(text, c), { minWidth: 220, maxWidth: 280, autoPanPadding: [16, 16] });
        marker.on("add", () => {
          const node = marker.getElement();
          if (node) node.setAttribute("aria-label", `${c.number} ${c.colour_label} ${c.title}`);
        });
        byId.set(c.id, marker);
        return marker;
      });
      clusters.addLayers(markers);
    }

    function showCounts(data) {
      Object.keys(data.counts).forEach((colour) => {
        const target = document.getElementById("count-" + colour);
        if (target) target.textContent = String(data.counts[colour]);
      });
      const notes = [];
      if (data.unplaced) notes.push(format(text.unplaced, { n: data.unplaced }));
      if (data.more) notes.push(format(text.more, { n: data.more }));
      status.textContent = notes.join(" ");
    }

    function listVisible() {
      const body = document.querySelector("#visible-cases tbody");
      const count = document.getElementById("visible-count");
      if (!body) return;
      const bounds = map.getBounds();
      const shown = cases.filter((c) => bounds.contains([c.lat, c.lon]));
      const rows = shown.slice(0, LIST_LIMIT).map((c) => {
        const row = el("tr");
        const cell = (label, child, className) => {
          const td = el("td", className);
          if (label) td.dataset.label = label;
          if (child instanceof Node) td.appendChild(child); else td.textContent = child;
          row.appendChild(td);
        };
        const link = el("a", null, c.number);
        link.href = c.url;
        cell(text.number, link);
        cell(text.title, c.title);
        const badge = el("span", "badge " + c.colour, `${text.mark[c.colour]} ${c.colour_label}`);
        cell(text.colour_heading, badge);
        cell(text.stage, c.stage);
        cell(text.town, c.town);
        cell(text.deadline, c.deadline, "nowrap" + (c.overdue ? " c-red" : ""));
        const locate = el("button", "link locate", text.locate);
        locate.type = "button";
        locate.addEventListener("click", () => {
          const marker = byId.get(c.id);
          clusters.zoomToShowLayer(marker, () => {
            marker.openPopup();
            const node = marker.getElement();
            if (node) node.focus();
          });
        });
        cell("", locate);
        return row;
      });
      body.replaceChildren(...rows);
      let summary = shown.length ? format(text.shown, { n: shown.length }) : text.none;
      if (shown.length > LIST_LIMIT) summary += " · " + format(text.first, { n: LIST_LIMIT });
      count.textContent = summary;
    }

    const layerRequest = fetch(holder.dataset.layerUrl, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : { features: [] }));
    const caseRequest = fetch(holder.dataset.casesUrl, { credentials: "same-origin" })
      .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); });
    Promise.all([layerRequest, caseRequest]).then(([layer, data]) => {
      if (layer.features && layer.features.length) drawBoundaries(layer);
      cases = data.cases;
      // The view is set before the markers are added, without animation, so the clusters are made
      // once for the zoom the map opens at.
      if (boundaries.getLayers().length) {
        map.fitBounds(boundaries.getBounds(), { padding: [8, 8], animate: false });
      } else if (cases.length) {
        map.fitBounds(L.latLngBounds(cases.map((c) => [c.lat, c.lon])), { padding: [24, 24], maxZoom: 13,
                                                                          animate: false });
      }
      addCases(cases);
      showCounts(data);
      describeClusters();
      listVisible();
      holder.dataset.ready = "true";
    }).catch(() => {
      status.textContent = text.failed;
      document.getElementById("visible-count").textContent = text.failed;
    });
  }

  // A cluster's counts by colour become its accessible name and tooltip (the icon itself shows the
  // total and the reds); Leaflet gives an icon no attributes of our own, so they are set once drawn.
  function describeClusters() {
    document.querySelectorAll(".case-cluster-host").forEach((node) => {
      const box = node.querySelector(".case-cluster");
      if (box && box.dataset.label) {
        node.setAttribute("aria-label", box.dataset.label);
        node.title = box.dataset.label;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
