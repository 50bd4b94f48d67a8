/* coverage-gaps run index (MIT licence).
 *
 * Draws the national map from the JSON block #cg-data.  Every text from the data goes into the
 * page with textContent (never innerHTML); links only ever point to file names of this folder.
 */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("cg-data").textContent);
  var Q = D.quantum;
  var el = cgCommon.el, esc = cgCommon.esc, quiet = cgCommon.quiet, clash = cgCommon.clash;
  var decode = cgCommon.decoder(Q), ring = decode.ring, latlngs = decode.latlngs;
  var FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;  // a file of this folder, nothing else

  function link(label, name) {
    var a = el("a", null, label);
    if (FILE.test(name)) a.setAttribute("href", name);
    return a;
  }

  var map = L.map("map", {preferCanvas: false, zoomSnap: 0.25, minZoom: 4});
  window.cgMap = map;
  var bases = {}, offline = null;
  D.bases.forEach(function (b) {
    var layer = b.url ? L.tileLayer(b.url, {attribution: b.attribution, maxZoom: b.max_zoom})
                      : L.layerGroup();
    bases[esc(b.name)] = layer;
    if (!b.url) offline = layer;
  });
  (offline || L.layerGroup()).addTo(map);  // offline first: the provinces are the base
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  map.attributionControl.addAttribution(D.attribution);
  L.control.layers(bases, null, {collapsed: true, position: "topright"}).addTo(map);
  L.control.scale({imperial: false, position: "bottomright"}).addTo(map);

  // ---- the provinces -------------------------------------------------------------------
  var provinces = L.featureGroup().addTo(map);
  window.cgProvinces = [];
  function rowFor(slug) {
    return document.querySelector('tr[data-slug="' + (window.CSS && CSS.escape ? CSS.escape(slug) : slug) + '"]');
  }
  function tip(p) {
    var box = el("div");
    box.appendChild(el("strong", null, p.name));
    var table = el("table");
    p.rows.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("th", null, r[0]));
      tr.appendChild(el("td", null, r[1]));
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }
  function popup(p) {
    var box = el("div", "cg-pop");
    box.appendChild(el("strong", null, p.name));
    var ul = el("ul");
    p.links.forEach(function (l) {
      var li = el("li");
      li.appendChild(link(l[0], l[1]));
      ul.appendChild(li);
    });
    box.appendChild(ul);
    return box;
  }
  D.provinces.forEach(function (p) {
    var layer = L.polygon(latlngs(p.geom), {
      color: "#555", weight: 0.8, fillColor: p.colour, fillOpacity: 0.85
    });
    layer.bindTooltip(function () { return tip(p); }, {sticky: true, className: "cg-tip", direction: "top"});
    layer.bindPopup(function () { return popup(p); });
    layer.on("mouseover", function () {
      layer.setStyle({weight: 2.5, color: "#000"});
      var tr = rowFor(p.slug); if (tr) tr.classList.add("cg-hl");
    });
    layer.on("mouseout", function () {
      layer.setStyle({weight: 0.8, color: "#555"});
      var tr = rowFor(p.slug); if (tr) tr.classList.remove("cg-hl");
    });
    layer.cgProvince = p;
    layer.addTo(provinces);
    window.cgProvinces.push(layer);
  });
  map.fitBounds(D.bounds, {padding: [12, 12], animate: false});

  // ---- legend --------------------------------------------------------------------------
  var Legend = L.Control.extend({
    options: {position: "bottomleft"},
    onAdd: function () {
      var box = el("div", "cg-box cg-legend");
      box.id = "cg-legend";
      box.appendChild(el("h4", null, D.measure));
      D.legend.forEach(function (row) {
        var r = el("div", "cg-row");
        var sw = el("span", "cg-sw");
        sw.style.background = row.colour;
        r.appendChild(sw);
        r.appendChild(el("span", null, row.label));
        box.appendChild(r);
      });
      box.appendChild(el("div", "cg-note", D.outline_note));
      if (D.missing_note) box.appendChild(el("div", "cg-note", D.missing_note));
      quiet(box);
      return box;
    }
  });
  new Legend().addTo(map);

  // ---- names, placed without overlap ---------------------------------------------------
  var labelPane = map.createPane("cgLabels");
  labelPane.style.zIndex = "650";
  labelPane.style.pointerEvents = "none";
  var names = D.provinces.map(function (p) { return {text: p.name, ll: L.latLng(p.at[0], p.at[1])}; });
  function placeLabels() {
    var taken = [];
    names.forEach(function (it) {
      if (!it.el) {
        it.el = el("div", "cg-label", it.text);
        labelPane.appendChild(it.el);
        it.w = it.el.offsetWidth; it.h = it.el.offsetHeight;
      }
      var cp = map.latLngToContainerPoint(it.ll);
      var box = [cp.x - it.w / 2 - 2, cp.y - it.h / 2, cp.x + it.w / 2 + 2, cp.y + it.h / 2];
      if (clash(box, taken)) {
        it.el.style.display = "none";
        return;
      }
      taken.push(box);
      it.el.style.display = "";
      var lp = map.latLngToLayerPoint(it.ll);
      L.DomUtil.setPosition(it.el, L.point(Math.round(lp.x - it.w / 2), Math.round(lp.y - it.h / 2)));
    });
  }
  map.on("zoomstart", function () { labelPane.style.visibility = "hidden"; });
  map.on("zoomend moveend", function () { labelPane.style.visibility = ""; placeLabels(); });
  placeLabels();

  // ---- the table's rows light their province up ----------------------------------------
  window.cgProvinces.forEach(function (layer) {
    var tr = rowFor(layer.cgProvince.slug);
    if (!tr) return;
    tr.addEventListener("mouseenter", function () { layer.setStyle({weight: 2.5, color: "#000"}); layer.bringToFront(); });
    tr.addEventListener("mouseleave", function () { layer.setStyle({weight: 0.8, color: "#555"}); });
  });

  document.documentElement.setAttribute("data-cg-ready", "1");
  requestAnimationFrame(function () {
    requestAnimationFrame(function () { window.cgPainted = performance.now(); });
  });
})();
