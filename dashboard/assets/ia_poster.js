/* The map's still image (dashboard/poster.py): keeps it over the live map's box and removes it once the live
 * map has drawn. Until Dash has rendered the page the image sits where app.css expects the box; from then on it
 * follows the box (#map-graph) itself, and goes when the page is no longer the map it shows (another page, the
 * table tab, a changed URL). Marks `ia-map-poster` at the image's render time (Element Timing) for
 * bench/bench_first_paint.py and the browser tests; `data-ia-poster` on <html>: shown, placed, done. */
(function () {
  "use strict";
  var el = document.getElementById("ia-poster");
  if (!el) return;
  var img = el.querySelector("img"), cx = +el.getAttribute("data-cx"), cy = +el.getAttribute("data-cy");
  var search = location.search, path = location.pathname, placed = false, done = false;
  var root = document.documentElement;
  root.setAttribute("data-ia-poster", "shown");

  function finish(why) {
    if (done) return;
    done = true;
    root.setAttribute("data-ia-poster", "done:" + why);
    el.classList.add("ia-poster-done");
    watch.disconnect();
    setTimeout(function () { if (el.parentNode) el.parentNode.removeChild(el); }, 200);
  }

  function place() {
    if (done) return;
    if (location.pathname !== path || location.search !== search) return finish("navigated");
    var main = document.getElementById("page-content");
    if (!main || !main.firstElementChild) return;           // Dash has not rendered the page yet
    var g = document.getElementById("map-graph");
    if (!g) return;                                          // dcc.Graph's code is still loading
    if (g.offsetParent === null) return finish("hidden");   // the table tab, or no geometry (display: none)
    var r = g.getBoundingClientRect();
    if (!r.width || !r.height) return;                       // not laid out yet
    // whole pixels, as the browser places the map's canvas; the image's centre pixel on the map's centre
    el.style.left = Math.round(r.left + window.scrollX) + "px";
    el.style.top = Math.round(r.top + window.scrollY) + "px";
    el.style.width = r.width + "px";
    el.style.height = r.height + "px";
    img.style.left = Math.round(r.width / 2 - cx) + "px";
    img.style.top = Math.round(r.height / 2 - cy) + "px";
    if (!placed) { placed = true; root.setAttribute("data-ia-poster", "placed"); }
  }

  if (window.PerformanceObserver) {
    try {
      new PerformanceObserver(function (list) {
        list.getEntries().forEach(function (e) {
          if (e.identifier === "ia-map-poster" && performance.mark) {
            performance.mark("ia-map-poster", {startTime: e.renderTime || e.loadTime});
          }
        });
      }).observe({type: "element", buffered: true});
      new PerformanceObserver(function (list) {
        list.getEntries().forEach(function (e) { if (e.name === "ia-map-drawn") finish("drawn"); });
      }).observe({type: "mark", buffered: true});
    } catch (e) { /* no Element Timing: no mark; the poster still goes when the map has drawn */ }
  }
  var watch = new MutationObserver(place);
  watch.observe(document.body, {childList: true, subtree: true});
  window.addEventListener("resize", place);
  window.addEventListener("popstate", place);
  var poll = setInterval(function () { if (done) clearInterval(poll); else place(); }, 250);
})();
