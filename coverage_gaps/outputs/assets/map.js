/* coverage-gaps map (MIT licence).
 *
 * Builds the map from the JSON block #cg-data.  Every text from the data goes into the page
 * with textContent (never innerHTML); the only HTML strings handed to Leaflet are the layer
 * names (escaped here) and the attributions (the program's own words).
 *
 * Order, so that the map is drawn once: the controls first (with empty layer groups), then the
 * view fitted to the space they leave, then the layers built in the style of that zoom and
 * added.
 */
(function () {
  "use strict";
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById("cg-data").textContent);
  var T = D.text;
  var Q = D.quantum;
  var el = cgCommon.el, esc = cgCommon.esc, quiet = cgCommon.quiet, clash = cgCommon.clash;
  var decode = cgCommon.decoder(Q), ring = decode.ring, latlngs = decode.latlngs;
  var V = D.villages, S = D.sites, C = D.communes;
  var narrow = window.matchMedia("(max-width: 700px)").matches;
  performance.mark("cg-parsed");

  function fold(s) {
    return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐ]/g, "d").toLowerCase().trim();
  }
  function isPoint(g) { return typeof g[0] === "number"; }
  function swatch(kind, colour) {
    var s = el("span", "cg-sw cg-" + kind);
    if (kind === "fill" || kind === "dot") s.style.background = colour;
    return s;
  }

  document.title = D.title;
  var map = L.map("map", {preferCanvas: true, zoomControl: false, minZoom: 5, zoomSnap: 0.25});
  var layers = {};  // id -> layer
  var villageLayers = [];
  window.cgMap = map;
  window.cgLayers = layers;
  window.cgVillages = villageLayers;

  function pane(name, z, interactive) {
    var p = map.createPane(name);
    p.style.zIndex = String(z);
    if (!interactive) p.style.pointerEvents = "none";
    return p;
  }
  pane("cgBase", 350, false);
  pane("cgRaster", 380, false);
  pane("cgDead", 420, false);
  pane("cgMain", 450, true);
  var labelPane = pane("cgLabels", 560, false);
  labelPane.classList.add("cg-labels");
  var baseR = L.canvas({pane: "cgBase"});
  var deadR = L.canvas({pane: "cgDead"});
  // Villages and sites share one canvas, so that a site never hides a village's tooltip.
  var mainR = L.canvas({pane: "cgMain", tolerance: narrow ? 8 : 3});

  // ---- base maps: tiles need internet; offline the communes are the base ----------------
  var bases = {}, firstBase = null, banner = null, tileErrors = 0;
  D.bases.forEach(function (b) {
    var layer = b.url
      ? L.tileLayer(b.url, {attribution: b.attribution, maxZoom: b.max_zoom})
      : L.layerGroup();
    if (b.url) {
      layer.on("tileerror", function () {
        tileErrors += 1;
        if (banner) banner.classList.add("cg-shown");
      });
    }
    bases[esc(b.name)] = layer;
    if (!firstBase) firstBase = layer;
  });

  // ---- the overlays, empty for now, in the layer control's order ------------------------
  layers.villages = L.featureGroup();
  layers.dead_land = L.layerGroup();
  D.images.forEach(function (im) {
    layers[im.id] = L.imageOverlay(im.png, im.bounds, {pane: "cgRaster", interactive: false});
  });
  layers.sites = L.featureGroup();
  if (D.plan) layers.plan = L.featureGroup();
  layers.communes = L.layerGroup();
  layers.area = L.rectangle(D.area_bounds, {
    renderer: baseR, interactive: false, fill: false, color: "#555", weight: 1.5,
    dashArray: "6 6"
  });
  var overlays = [["villages", D.layers.villages, true], ["dead_land", D.layers.dead_land, true]];
  D.images.forEach(function (im) { overlays.push([im.id, im.name, im.visible]); });
  overlays.push(["sites", D.layers.sites, S.lon.length > 0]);
  if (D.plan) overlays.push(["plan", D.layers.plan, true]);
  // The page's own base, named for what it holds; none when it holds nothing.
  if (D.layers.communes) overlays.push(["communes", D.layers.communes, true]);
  overlays.push(["area", D.layers.area, true]);

  // ---- title and search (top left) ---------------------------------------------------
  function villageTip(i) {
    var box = el("div");
    box.appendChild(el("strong", null, V.name[i]));
    var table = el("table");
    V.fields.forEach(function (label, k) {
      var tr = el("tr");
      tr.appendChild(el("th", null, label));
      var td = el("td");
      if (k === V.status_field) {
        var sw = swatch("fill", D.statuses[V.status[i]].colour);
        sw.style.marginRight = "4px";
        sw.style.verticalAlign = "-2px";
        td.appendChild(sw);
      }
      td.appendChild(document.createTextNode(V.rows[i][k]));
      tr.appendChild(td);
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }
  // The title box is as wide as its title: the search field is made at least as wide as its
  // placeholder (measured in the field's own font), its padding and border and the room a
  // search field keeps for its clear button (1.5em), as far as the box may grow.
  function fitPlaceholder(input, box) {
    var cs = getComputedStyle(input), bs = getComputedStyle(box);
    var g = document.createElement("canvas").getContext("2d");
    g.font = [cs.fontStyle, cs.fontWeight, cs.fontSize, cs.fontFamily].join(" ");
    var px = function (v) { return parseFloat(v) || 0; };
    var need = g.measureText(input.placeholder).width + px(cs.paddingLeft) + px(cs.paddingRight) +
      px(cs.borderLeftWidth) + px(cs.borderRightWidth) + 1.5 * px(cs.fontSize);
    var room = px(bs.maxWidth) || need;
    input.style.minWidth = Math.ceil(Math.min(need, room)) + "px";
  }
  var searchInput = null;
  var Title = L.Control.extend({
    options: {position: "topleft"},
    onAdd: function () {
      var box = el("div", "cg-box cg-title");
      if (D.index) {
        var back = el("a", "cg-back", D.index.label);
        back.href = D.index.href;
        box.appendChild(back);
      }
      box.appendChild(el("h1", null, D.area));
      box.appendChild(el("div", "cg-sub", D.subtitle));
      var wrap = el("div", "cg-search");
      var input = el("input");
      input.type = "search";
      input.placeholder = T.search;
      input.setAttribute("aria-label", T.search);
      input.title = T.search;
      searchInput = input;
      input.autocomplete = "off";
      var list = el("ul", "cg-results");
      wrap.appendChild(input);
      wrap.appendChild(list);
      box.appendChild(wrap);
      var keys = null, found = [];
      function show() {
        while (list.firstChild) list.removeChild(list.firstChild);
        var q = fold(input.value);
        found = [];
        if (!q) return;
        if (!keys) {  // folded once, at the first search
          keys = V.name.map(function (n, i) { return [fold(n), fold(V.id[i]), fold(V.commune[i])]; });
        }
        var exact = [], starts = [], within = [];
        for (var i = 0; i < keys.length; i++) {
          var k = keys[i];
          if (k[1] === q || k[0] === q) exact.push(i);
          else if (k[0].indexOf(q) === 0 || k[1].indexOf(q) === 0) starts.push(i);
          else if (k[0].indexOf(q) >= 0 || k[2].indexOf(q) >= 0) within.push(i);
        }
        found = exact.concat(starts, within).slice(0, 8);
        if (!found.length) { list.appendChild(el("li", "cg-empty", T.no_match)); return; }
        found.forEach(function (i, n) {
          var li = el("li", n === 0 ? "cg-active" : "");
          var sw = swatch("fill", D.statuses[V.status[i]].colour);
          sw.style.marginRight = "5px";
          sw.style.verticalAlign = "-2px";
          li.appendChild(sw);
          li.appendChild(document.createTextNode(V.name[i] + " — " + V.commune[i] + " (" + V.id[i] + ")"));
          // Stopped here: the item is gone once chosen, so Leaflet could not tell that the
          // click was on a control and would take it for a click on the map.
          li.addEventListener("click", function (e) { L.DomEvent.stop(e); go(i); });
          list.appendChild(li);
        });
      }
      function go(i) {
        var layer = villageLayers[i];
        while (list.firstChild) list.removeChild(list.firstChild);
        input.value = V.name[i];
        if (!map.hasLayer(layers.villages)) layers.villages.addTo(map);
        if (layer.getBounds) map.fitBounds(layer.getBounds(), {maxZoom: 15, animate: false});
        else map.setView(layer.getLatLng(), Math.max(map.getZoom(), 14), {animate: false});
        layer.openTooltip(layer.getBounds ? layer.getBounds().getCenter() : layer.getLatLng());
      }
      input.addEventListener("input", show);
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter" && found.length) { e.preventDefault(); go(found[0]); }
        if (e.key === "Escape") { input.value = ""; show(); }
      });
      quiet(box);
      return box;
    }
  });
  var title = new Title().addTo(map);
  fitPlaceholder(searchInput, title.getContainer());
  L.control.zoom({position: "topleft"}).addTo(map);

  // ---- layer control -----------------------------------------------------------------
  var named = {};
  overlays.forEach(function (o) { named[esc(o[1])] = layers[o[0]]; });
  var control = L.control.layers(bases, named, {collapsed: narrow, position: "topright"}).addTo(map);
  window.cgLayerControl = control;

  // ---- legend (bottom left, collapsible) ---------------------------------------------
  var sections = {};
  var Legend = L.Control.extend({
    options: {position: "bottomleft"},
    onAdd: function () {
      var box = el("details", "cg-box cg-legend");
      box.id = "coverage-gaps-legend";
      if (!narrow) box.open = true;
      box.appendChild(el("summary", null, T.legend));
      banner = el("div", "cg-banner", T.offline_banner);
      if (tileErrors || navigator.onLine === false) banner.classList.add("cg-shown");
      box.appendChild(banner);
      var legends = [["villages", D.layers.villages, D.legend.villages],
                     ["dead_land", D.layers.dead_land, D.legend.dead_land]];
      D.images.forEach(function (im) { legends.push([im.id, im.name, im.legend]); });
      legends.push(["sites", D.layers.sites, D.legend.sites]);
      if (D.plan) legends.push(["plan", D.layers.plan, D.legend.plan]);
      legends.push(["communes", null, D.legend.communes]);
      legends.push(["area", null, D.legend.area]);
      legends.forEach(function (lg) {
        if (!lg[2].length) return;
        var sec = el("section");
        sec.setAttribute("data-layer", lg[0]);
        if (lg[1] && lg[2].length > 1) sec.appendChild(el("h2", null, lg[1]));
        lg[2].forEach(function (row) {
          if (row.kind === "note") { sec.appendChild(el("div", "cg-note", row.label)); return; }
          var r = el("div", "cg-row");
          r.appendChild(swatch(row.kind, row.colour));
          r.appendChild(el("span", null, row.label));
          sec.appendChild(r);
        });
        sections[lg[0]] = sec;
        box.appendChild(sec);
      });
      var foot = el("footer");
      foot.appendChild(el("div", null, T.offline_note));
      foot.appendChild(el("div", null, D.stamp));
      foot.appendChild(el("div", null, D.software));
      box.appendChild(foot);
      quiet(box);
      return box;
    }
  });
  new Legend().addTo(map);
  function syncLegend() {
    Object.keys(sections).forEach(function (id) {
      sections[id].style.display = map.hasLayer(layers[id]) ? "" : "none";
    });
  }

  // ---- credits and scale -------------------------------------------------------------
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  map.attributionControl.addAttribution(D.attribution);
  L.control.scale({imperial: false, position: "bottomright"}).addTo(map);
  performance.mark("cg-controls");

  // ---- the view: the villages in the part of the map the open legend and layer list leave
  var fit = {padding: [10, 10], maxZoom: 14, animate: false};
  if (!narrow && map.getSize().x > 900) {
    fit = {paddingTopLeft: [document.getElementById("coverage-gaps-legend").offsetWidth + 20, 20],
           paddingBottomRight: [control.getContainer().offsetWidth + 20, 20],
           maxZoom: 14, animate: false};
  }
  map.fitBounds(D.bounds, fit);
  firstBase.addTo(map);

  // ---- communes ----------------------------------------------------------------------
  var outline = {renderer: baseR, interactive: false, fill: false, color: "#6d6d6d", weight: 1.2,
                 opacity: 0.9};
  C.geom.forEach(function (g) {
    if (!isPoint(g)) L.polygon(latlngs(g), outline).addTo(layers.communes);
  });
  // Without commune outlines, polygon villages are outlined in this base layer instead.
  var baseFromVillages = C.geom.length === 0;

  // ---- dead-zone land, hatched -------------------------------------------------------
  function hatch(colour) {
    var c = document.createElement("canvas");
    c.width = c.height = 8;
    var g = c.getContext("2d");
    g.fillStyle = "rgba(103,0,13,0.18)";
    g.fillRect(0, 0, 8, 8);
    g.strokeStyle = colour;
    g.lineWidth = 2;
    g.beginPath();
    g.moveTo(0, 8); g.lineTo(8, 0);
    g.moveTo(-2, 2); g.lineTo(2, -2);
    g.moveTo(6, 10); g.lineTo(10, 6);
    g.stroke();
    return g.createPattern(c, "repeat");
  }
  var deadStyle = {renderer: deadR, interactive: false, color: D.dead_colour, weight: 1,
                   opacity: 0.9, fillColor: hatch(D.dead_colour), fillOpacity: 1};
  D.dead_land.forEach(function (g) { L.polygon(latlngs(g), deadStyle).addTo(layers.dead_land); });

  // ---- villages: points grow with the zoom (small at province zoom, so that thousands stay
  // readable); polygons are filled lightly ---------------------------------------------
  var pointVillages = [];
  function villageStyle(zoom) {
    var r = Math.max(3, Math.min(7, Math.round(zoom) - 5)) + (narrow ? 1 : 0);
    return {radius: r, weight: r <= 4 ? 0.6 : 1};
  }
  var villageRadius = villageStyle(map.getZoom()).radius;
  function styleVillages() {
    var st = villageStyle(map.getZoom());
    if (st.radius === villageRadius) return;
    villageRadius = st.radius;
    pointVillages.forEach(function (m) { m.setRadius(st.radius); m.setStyle({weight: st.weight}); });
  }
  V.geom.forEach(function (g, i) {
    var status = D.statuses[V.status[i]], layer;
    if (isPoint(g)) {
      layer = L.circleMarker([g[1] * Q, g[0] * Q], L.extend({
        renderer: mainR, color: "#333", fillColor: status.colour, fillOpacity: status.opacity
      }, villageStyle(map.getZoom())));
      pointVillages.push(layer);
    } else {
      var ll = latlngs(g);
      layer = L.polygon(ll, {
        renderer: mainR, color: "#333", weight: 0.7, fillColor: status.colour,
        fillOpacity: 0.55 * status.opacity
      });
      if (baseFromVillages) L.polygon(ll, L.extend({}, outline, {weight: 1})).addTo(layers.communes);
    }
    layer.bindTooltip(function () { return villageTip(i); }, {
      sticky: !isPoint(g), direction: "top", className: "cg-tip", opacity: 0.96
    });
    villageLayers.push(layer);
    layer.addTo(layers.villages);
  });

  // ---- sites: small and light below D.zoom.sites_full --------------------------------
  function siteStyle(full, colour) {
    return full
      ? {radius: narrow ? 6 : 5, color: "#fff", weight: 1, opacity: 1, fillColor: colour,
         fillOpacity: 0.95}
      : {radius: 2, weight: 0, opacity: 0, fillColor: colour, fillOpacity: 0.45};
  }
  function siteTip(i) {
    var op = D.operators[S.op[i]];
    var box = el("div");
    var head = el("strong");
    var sw = swatch("dot", op.colour);
    sw.style.marginRight = "4px";
    head.appendChild(sw);
    head.appendChild(document.createTextNode(T.site + ": " + op.name));
    box.appendChild(head);
    var table = el("table");
    [[T.radios, S.radios[i]], [T.cells, S.cells[i]], [T.range, S.range[i]]].forEach(function (r) {
      if (r[1] === undefined) return;
      var tr = el("tr");
      tr.appendChild(el("th", null, r[0]));
      tr.appendChild(el("td", null, r[1]));
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }
  var siteFull = map.getZoom() >= D.zoom.sites_full;
  S.lon.forEach(function (x, i) {
    var colour = D.operators[S.op[i]].colour;
    var m = L.circleMarker([S.lat[i] * Q, x * Q],
                           L.extend({renderer: mainR}, siteStyle(siteFull, colour)));
    m.cgColour = colour;
    m.bindTooltip(function () { return siteTip(i); }, {direction: "top", className: "cg-tip"});
    m.addTo(layers.sites);
  });
  function styleSites() {
    var full = map.getZoom() >= D.zoom.sites_full;
    if (full === siteFull) return;
    siteFull = full;
    layers.sites.eachLayer(function (m) {
      var st = siteStyle(full, m.cgColour);
      m.setRadius(st.radius);
      m.setStyle(st);
    });
  }

  // ---- proposed sites (the map of a plan only): numbered in rank order ------------------
  function planTip(i) {
    var box = el("div");
    box.appendChild(el("strong", null, D.plan.title[i]));
    var table = el("table");
    D.plan.fields.forEach(function (label, k) {
      var tr = el("tr");
      tr.appendChild(el("th", null, label));
      tr.appendChild(el("td", null, D.plan.rows[i][k]));
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }
  if (D.plan) {
    D.plan.lon.forEach(function (x, i) {
      var label = el("div", "cg-plan-site cg-plan-" + D.plan.kind[i], D.plan.rank[i]);
      var icon = L.divIcon({html: label, className: "cg-plan-icon", iconSize: [22, 22]});
      var m = L.marker([D.plan.lat[i] * Q, x * Q], {icon: icon, keyboard: false});
      m.bindTooltip(function () { return planTip(i); }, {direction: "top", className: "cg-tip"});
      m.addTo(layers.plan);
    });
  }
  performance.mark("cg-built");

  // ---- onto the map, bottom to top (villages, then sites on their shared canvas) --------
  var startOn = {};
  overlays.forEach(function (o) { startOn[o[0]] = o[2]; });
  ["communes", "area"].concat(D.images.map(function (im) { return im.id; }))
    .concat(["dead_land", "villages", "sites", "plan"])
    .forEach(function (id) { if (startOn[id]) layers[id].addTo(map); });
  performance.mark("cg-added");

  // ---- labels: commune and village names, placed without overlap ---------------------
  var labelSets = [
    {layer: "communes", zoom: D.zoom.commune_labels, cls: "cg-label cg-commune",
     items: C.name.map(function (n, i) { return {text: n, ll: L.latLng(C.lat[i] * Q, C.lon[i] * Q)}; })},
    {layer: "villages", zoom: D.zoom.village_labels, cls: "cg-label cg-village", beside: true,
     items: V.name.map(function (n, i) { return {text: n, ll: L.latLng(V.lat[i] * Q, V.lon[i] * Q)}; })}
  ];
  function placeLabels() {
    var size = map.getSize(), zoom = map.getZoom(), taken = [], pad = 40;
    labelSets.forEach(function (set) {
      var on = map.hasLayer(layers[set.layer]) && zoom >= set.zoom;
      set.items.forEach(function (it) {
        if (!on) { if (it.el) it.el.style.display = "none"; return; }
        var cp = map.latLngToContainerPoint(it.ll);
        if (cp.x < -pad || cp.y < -pad || cp.x > size.x + pad || cp.y > size.y + pad) {
          if (it.el) it.el.style.display = "none";
          return;
        }
        if (!it.el) {
          it.el = el("div", set.cls, it.text);
          labelPane.appendChild(it.el);
          it.w = it.el.offsetWidth; it.h = it.el.offsetHeight;
        }
        // Commune names centred on their place, village names beside their point.
        var left = set.beside ? cp.x + 8 : cp.x - it.w / 2;
        var box = [left - 2, cp.y - it.h / 2 - 1, left + it.w + 2, cp.y + it.h / 2 + 1];
        if (clash(box, taken)) {
          it.el.style.display = "none";
          return;
        }
        taken.push(box);
        it.el.style.display = "";
        var lp = map.latLngToLayerPoint(it.ll);
        L.DomUtil.setPosition(it.el, L.point(Math.round(lp.x + left - cp.x), Math.round(lp.y - it.h / 2)));
      });
    });
  }

  // ---- events ------------------------------------------------------------------------
  map.on("zoomstart", function () { labelPane.style.visibility = "hidden"; });
  map.on("zoomend moveend", function () {
    labelPane.style.visibility = "";
    styleSites();
    styleVillages();
    placeLabels();
  });
  map.on("overlayadd", function (e) {
    // Sites stay on top of the villages on their shared canvas.
    if (e.layer === layers.villages && map.hasLayer(layers.sites)) {
      layers.sites.eachLayer(function (m) { m.bringToFront(); });
    }
  });
  map.on("overlayadd overlayremove", function () { syncLegend(); placeLabels(); });

  syncLegend();
  placeLabels();
  window.cgReady = {ms: performance.now() - t0, at: performance.now()};
  document.documentElement.setAttribute("data-cg-ready", "1");
  // Drawn: the images shown decoded, then two frames (the canvases are painted in a frame).
  var shown = Array.prototype.slice.call(document.querySelectorAll("img.leaflet-image-layer"));
  Promise.all(shown.map(function (im) { return im.decode ? im.decode().catch(function () {}) : null; }))
    .then(function () {
      requestAnimationFrame(function () {
        requestAnimationFrame(function () { window.cgPainted = performance.now(); });
      });
    });
})();
