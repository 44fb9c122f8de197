/* Lazy AG Grid (issue 11): dash-ag-grid's JavaScript (1.3 MB, 0.36 MB brotli, plus its 0.26 MB community chunk)
 * is loaded only when a grid becomes visible, not on every page (the map page's table sits in a hidden tab).
 *
 * Why a stand-in: Dash's renderer resolves a component synchronously as window[namespace][type], so a library
 * that is not on the page cannot be rendered. This file (served by dashboard/frontend.py, which puts the real
 * library's fingerprinted URL in place of __IA_GRID_SRC__ and leaves its script tag out of the page) defines
 * window.dash_ag_grid.AgGrid as a small React component: it renders an empty box with the grid's id, class and
 * style, loads the real script once the box is on screen (IntersectionObserver), and from then on renders the
 * real AgGrid with the same props (Dash's setProps included). Once one grid has started the download, the others
 * on the page render too, in view or not (nothing more to download). The real script replaces window.dash_ag_grid,
 * so grids rendered later resolve to the real component directly.
 */
(function () {
  "use strict";
  var SRC = "__IA_GRID_SRC__";
  if (window.dash_ag_grid || !window.React) return;     // the real library is already on the page
  var React = window.React, real = null, loading = null, waiting = [];

  function load() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = SRC; s.async = true;
        s.onload = function () {
          real = window.dash_ag_grid && window.dash_ag_grid.AgGrid ? window.dash_ag_grid.AgGrid : null;
          if (real) resolve(real); else reject(new Error("dash_ag_grid did not register"));
        };
        s.onerror = function () { loading = null; reject(new Error("could not load " + SRC)); };
        document.head.appendChild(s);
      });
      // grids still waiting to come into view: the library is on its way anyway, so they render too
      waiting.splice(0).forEach(function (w) { w(); });
    }
    return loading;
  }

  function LazyAgGrid(props) {
    var st = React.useState(function () { return real; }), Comp = st[0], setComp = st[1];
    var ref = React.useRef(null);
    React.useEffect(function () {
      if (Comp) return undefined;
      var alive = true, go = function () {
        load().then(function (c) { if (alive) setComp(function () { return c; }); })
          .catch(function (e) { console.warn("IA lazy grid:", e); });
      };
      var el = ref.current;
      if (loading || !el || !("IntersectionObserver" in window)) { go(); return function () { alive = false; }; }
      var io = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) { io.disconnect(); go(); }
      }, {rootMargin: "300px"});
      var start = function () { io.disconnect(); go(); };
      io.observe(el);
      waiting.push(start);
      return function () {
        alive = false; io.disconnect();
        var i = waiting.indexOf(start);
        if (i >= 0) waiting.splice(i, 1);
      };
    }, [Comp]);
    if (Comp) return React.createElement(Comp, props);
    var style = Object.assign({height: "400px"}, props.style || {});
    return React.createElement("div", {id: props.id, ref: ref, className: props.className, style: style,
                                       "data-ia-lazy-grid": "loading"});
  }

  window.dash_ag_grid = {AgGrid: LazyAgGrid, _iaLazy: true, load: load};
})();
