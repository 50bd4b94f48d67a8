/* coverage-gaps: the helpers its map and its run index share (MIT licence).
 *
 * Inlined before each page's own script.  Texts go into the page with textContent only.
 */
var cgCommon = (function () {
  "use strict";
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  // Geometry as the writers encode it: rings of integer steps of Q degrees, each point the
  // difference from the one before, x then y.
  function decoder(Q) {
    function ring(flat) {
      var out = new Array(flat.length / 2), x = 0, y = 0;
      for (var i = 0, j = 0; i + 1 < flat.length; i += 2, j++) {
        x += flat[i]; y += flat[i + 1];
        out[j] = [y * Q, x * Q];
      }
      return out;
    }
    function latlngs(g) { return g.map(function (p) { return p.map(ring); }); }
    return {ring: ring, latlngs: latlngs};
  }
  // A control's clicks stay in it (Leaflet would count two quick taps on controls as a double
  // tap on the map, and zoom).
  function quiet(box) {
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    L.DomEvent.on(box, "click", L.DomEvent.stopPropagation);
  }
  // Whether the screen box [x0, y0, x1, y1] overlaps any box of taken (labels that would).
  function clash(box, taken) {
    for (var k = 0; k < taken.length; k++) {
      var o = taken[k];
      if (box[0] < o[2] && box[2] > o[0] && box[1] < o[3] && box[3] > o[1]) return true;
    }
    return false;
  }
  return {el: el, esc: esc, decoder: decoder, quiet: quiet, clash: clash};
})();
