/* Integrationsatlas map layer: paints the choropleth through MapLibre feature-state.
 *
 * Why: a Plotly choroplethmap restyle re-serialises and re-tessellates every polygon on each
 * colour change (~2 s for 11,000 Gemeinden in software WebGL). Here the geometry is added once as a
 * MapLibre source inside Plotly's map subplot; an indicator/year/filter change only sets per-feature
 * state (colour, opacity, no-data), which MapLibre applies without touching the tessellated geometry.
 *
 * The source is a vector tile set cut from the content-hashed geometry asset (geodata/tiles.py,
 * IA_MAP_TILES=1): MapLibre's worker decodes a few pre-cut tiles instead of the main thread parsing
 * 4 MB of GeoJSON, cloning it to the worker and the worker indexing it (geojson-vt) — about half the
 * time to the first coloured frame. With IA_MAP_TILES=0 the GeoJSON asset itself is the source.
 * The source is added as soon as the map exists (`prepare`, from the layout's meta store), so tiles
 * load while the server computes the first paint payload; units stay transparent until painted.
 *
 * Also provides what the Plotly trace could not: hatched no-data polygons (fill-pattern),
 * faded filtered-out units, a hover card, click → profile, and keyboard use (arrows pan,
 * +/- zoom, Enter opens the unit under the cross-hair).
 *
 * Used by the dashboard (clientside callbacks `iamap.paint`, `iamap.prepare`) and by bench/bench_map_payload.py.
 */
(function () {
  "use strict";
  var SRC = "ia-units", FILL = "ia-fill", HATCH = "ia-hatch", LINE = "ia-line", PATTERN = "ia-hatch-pattern";
  var NO_DATA = "#d9d9d9";
  var LINE_MINZOOM = 6;         // vector tiles: border lines from this zoom on (below: the fill's outline)
  var geoCache = {};            // url -> Promise<geo>: {fc, index: ags -> feature id, ags: [id -> ags] | null, layer}
  var states = new WeakMap();   // graph div -> {map, url, geo, last}
  var pending = new WeakMap();  // graph div -> {url, promise of its state}: the source is added once per url

  function mapOf(gd) {
    var fl = gd && gd._fullLayout, sp = fl && fl.map && fl.map._subplot;
    return sp && sp.map ? sp.map : null;
  }

  function mark(name, detail) {
    if (window.performance && performance.mark) performance.mark(name, {detail: detail || {}});
  }

  /* The feature-state address of feature `id` (vector tiles also need their layer). */
  function ref(geo, id) {
    return geo.layer ? {source: SRC, sourceLayer: geo.layer, id: id} : {source: SRC, id: id};
  }

  function waitFor(test, timeoutMs) {
    return new Promise(function (resolve, reject) {
      var t0 = Date.now();
      (function poll() {
        var v = test();
        if (v) return resolve(v);
        if (Date.now() - t0 > timeoutMs) return reject(new Error("map not ready"));
        setTimeout(poll, 20);
      })();
    });
  }

  var IDENTITY = {get: function (a) { return a; }};

  /* Geometry of an asset url: vector tiles (template `tiles`; ids = the AGS, promoted from the tiles'
   * `ags` property; nothing to download here) or the GeoJSON asset (fetched and parsed; numeric ids). */
  function loadGeo(url, tiles) {
    var key = url + (tiles ? "|tiles" : "");
    if (!geoCache[key] && tiles) {
      var abs = /^https?:/.test(tiles) ? tiles : location.origin + tiles;   // the worker needs absolute URLs
      geoCache[key] = Promise.resolve({fc: null, index: IDENTITY, ags: null, url: url, tiles: abs, layer: "units"});
    }
    if (!geoCache[key]) {
      geoCache[key] = fetch(url).then(function (r) {
        if (!r.ok) throw new Error("geometry " + url + ": HTTP " + r.status);
        return r.json();
      }).then(function (fc) {
        var index = new Map(), ags = [];
        fc.features.forEach(function (f, i) {
          var a = String(f.id);
          index.set(a, i); ags.push(a);
          f.id = i;                     // feature-state needs numeric ids
          f.properties = {ags: a};
        });
        mark("ia-geo-parsed", {url: url});
        return {fc: fc, index: index, ags: ags, url: url, layer: null};
      });
    }
    return geoCache[key];
  }

  function hatchImage() {
    // 8×8 diagonal hatch on the no-data grey; the same look as the legend swatch
    var n = 8, data = new Uint8Array(n * n * 4);
    for (var y = 0; y < n; y++) for (var x = 0; x < n; x++) {
      var on = ((x + y) % n) < 2, o = (y * n + x) * 4;
      data[o] = on ? 0x80 : 0xd9; data[o + 1] = on ? 0x80 : 0xd9; data[o + 2] = on ? 0x80 : 0xd9; data[o + 3] = 255;
    }
    return {width: n, height: n, data: data};
  }

  function addLayers(map, geo) {
    [LINE, HATCH, FILL].forEach(function (id) { if (map.getLayer(id)) map.removeLayer(id); });
    if (map.getSource(SRC)) map.removeSource(SRC);
    map.addSource(SRC, geo.tiles
      ? {type: "vector", tiles: [geo.tiles], minzoom: 0, maxzoom: 7, promoteId: "ags"}
      : {type: "geojson", data: geo.fc, tolerance: 0.2});
    if (!map.hasImage(PATTERN)) map.addImage(PATTERN, hatchImage());
    // a unit without state is transparent: the source is added before the first payload arrives
    var opacity = ["coalesce", ["feature-state", "o"], 0];
    var sl = geo.layer ? {"source-layer": geo.layer} : {};
    var hl = ["boolean", ["feature-state", "hl"], false], sel = ["boolean", ["feature-state", "sel"], false];
    // Below zoom LINE_MINZOOM the borders are the fill's own 1-px outline (no line geometry to build: at the
    // Germany-wide zoom the line layer was ~40 % of the worker's time for 11,000 Gemeinden); from there on a
    // line layer draws them, with the wide hover and selection outlines.
    map.addLayer(Object.assign({id: FILL, type: "fill", source: SRC,
      paint: {"fill-color": ["coalesce", ["feature-state", "c"], NO_DATA], "fill-opacity": opacity,
              "fill-outline-color": ["case", hl, "#000000", sel, "#D55E00", "rgba(255,255,255,0.45)"]}}, sl));
    map.addLayer(Object.assign({id: HATCH, type: "fill", source: SRC,
      paint: {"fill-pattern": PATTERN,
              "fill-opacity": ["case", ["==", ["feature-state", "nd"], false], 0, opacity]}}, sl));
    map.addLayer(Object.assign({id: LINE, type: "line", source: SRC, minzoom: geo.layer ? LINE_MINZOOM : 0,
      paint: {"line-color": ["case", hl, "#000000", sel, "#D55E00", "#ffffff"],
              "line-width": ["case", hl, 2.2, sel, 2.6, 0.25]}}, sl));
  }

  /* Ensure Plotly's map exists and carries our source for `url`; returns (a promise of) the per-graph
   * state. Called by `prepare` (as soon as the layout names the geometry) and by every paint: the source
   * is added once per graph, map and url. */
  function ensure(gd, url, tiles) {
    var cur = pending.get(gd);
    if (cur && cur.url === url && cur.tiles === tiles) {
      return cur.promise.then(function (st) {
        if (st.map === mapOf(gd) && st.map.getSource(SRC)) return st;
        if (pending.get(gd) === cur) pending.delete(gd);   // Plotly made a new map meanwhile
        return ensure(gd, url, tiles);
      });
    }
    var promise = waitFor(function () {
      var m = mapOf(gd);
      return m && m.isStyleLoaded() ? m : null;
    }, 20000).then(function (map) {
      mark("ia-map-ready", {url: url});
      return loadGeo(url, tiles).then(function (geo) {
        var st = states.get(gd);
        if (st) {   // another level: the old state's labels and their move handler go
          (st.labelEls || []).forEach(function (el) { el.remove(); });
          if (st.labelHandler) st.map.off("move", st.labelHandler);
        }
        addLayers(map, geo);
        mark("ia-source-added", {url: url});
        // narrow screens (phones): the whole of Germany instead of the desktop zoom, once per map
        if (!st && map.getContainer().clientWidth < 700) {
          map.fitBounds([[5.87, 47.27], [15.04, 55.06]], {padding: 4, duration: 0});
        }
        var fresh = {map: map, url: url, geo: geo, last: null, hl: null, painted: null};
        if (!st || st.map !== map) wire(gd, fresh);   // handlers read states.get(gd): wired once per map
        states.set(gd, fresh);
        return fresh;
      });
    });
    var entry = {url: url, tiles: tiles, promise: promise};
    pending.set(gd, entry);
    promise.catch(function () { if (pending.get(gd) === entry) pending.delete(gd); });
    return promise;
  }

  var unitsCache = {};          // units_key -> {ags, name, kt, size + their label lists}: once per level and language
  var UNIT_KEYS = ["ags", "name", "kt", "kt_labels", "size", "size_labels"];

  function withUnits(p) {
    if (p.ags && p.units_key) {
      var u = {};
      UNIT_KEYS.forEach(function (k) { u[k] = p[k]; });
      unitsCache[p.units_key] = u;
    }
    if (!p.ags && p.units_key && unitsCache[p.units_key]) Object.assign(p, unitsCache[p.units_key]);
    if (!p.ags) throw new Error("payload without units and none cached for " + p.units_key);
    return p;
  }

  /* Paint one payload. p = {ags: [...] units, cls: [class or -1], colours: [...], fade: [indices],
   * opacity: [on, off], focus}. Units of the geometry missing from p.ags get the no-data state. */
  function paint(gd, url, p) {
    p = withUnits(p);
    var n = gd.__iaPaintSeq = (gd.__iaPaintSeq || 0) + 1;
    mark("ia-map-paint", {paint: n});
    return ensure(gd, url, p.tiles || null).then(function (st) {
      var map = st.map, geo = st.geo, colours = p.colours || [], fade = new Set(p.fade || []);
      var on = (p.opacity || [1, 0.22])[0], off = (p.opacity || [1, 0.22])[1];
      var now = new Set(), painted = 0;
      for (var i = 0; i < p.ags.length; i++) {
        var id = geo.index.get(p.ags[i]);
        if (id === undefined) continue;
        var k = p.cls[i];
        now.add(id); painted++;
        map.setFeatureState(ref(geo, id), {c: k >= 0 ? colours[k] : NO_DATA, nd: !(k >= 0), o: fade.has(i) ? off : on});
      }
      // every other unit of the geometry: no data (GeoJSON: all its ids; tiles: those painted before)
      var others = geo.ags ? geo.ags.map(function (a, j) { return j; }) : Array.from(st.painted || []);
      others.forEach(function (id) { if (!now.has(id)) map.setFeatureState(ref(geo, id), {c: NO_DATA, nd: true, o: on}); });
      st.painted = now;
      focus(st, p.focus);
      st.last = p;
      st.pos = new Map();
      p.ags.forEach(function (a, m) { st.pos.set(a, m); });
      gd.setAttribute("data-ia-painted", String(painted));
      gd.setAttribute("data-ia-paints", String(+(gd.getAttribute("data-ia-paints") || 0) + 1));
      markDrawn(gd, map, n);
      return painted;
    });
  }

  /* Performance marks for bench/bench_first_paint.py and the browser tests: `ia-map-drawn` = the first
   * frame after paint n in which the geometry source is loaded (the coloured polygons are on screen; on a
   * repaint the first frame after the colour change), `ia-map-idle` = MapLibre idle afterwards (every tile
   * of every source drawn, no transition running); `ia-map-paint` (in paint) = the payload arrived.
   * detail.paint = n, the n-th paint call on this graph; also data-ia-drawn / data-ia-idle. */
  function markDrawn(gd, map, n) {
    var done = false;
    var onRender = function () {
      var loaded = false;
      try { loaded = map.isSourceLoaded(SRC); } catch (e) { loaded = false; }   // source replaced meanwhile
      if (done || !loaded) return;
      done = true;
      map.off("render", onRender);
      if (window.performance && performance.mark) performance.mark("ia-map-drawn", {detail: {paint: n}});
      gd.setAttribute("data-ia-drawn", String(n));
    };
    map.on("render", onRender);
    map.once("idle", function () {
      if (window.performance && performance.mark) performance.mark("ia-map-idle", {detail: {paint: n}});
      gd.setAttribute("data-ia-idle", String(n));
    });
    map.triggerRepaint();
  }

  /* Selected units (URL `sel`): orange outline; zoom to them when the selection changes, not on every repaint. */
  function focus(st, f) {
    var ids = ((f && f.ags) || []).map(function (a) { return st.geo.index.get(a); })
      .filter(function (i) { return i !== undefined; });
    (st.selIds || []).forEach(function (i) { st.map.setFeatureState(ref(st.geo, i), {sel: false}); });
    ids.forEach(function (i) { st.map.setFeatureState(ref(st.geo, i), {sel: true}); });
    st.selIds = ids;
    var key = ids.join(",");
    if (key && key !== st.focusKey && f.bbox) {
      st.map.fitBounds([[f.bbox[0], f.bbox[1]], [f.bbox[2], f.bbox[3]]], {padding: 60, maxZoom: 9, duration: 0});
    }
    st.focusKey = key;
    placeLabels(st, (f && f.labels) || []);
  }

  /* Name labels of the selected units at their label points (centroid or a point inside), as HTML
   * over the canvas: the offline basemap has no glyphs for MapLibre symbol layers. */
  function placeLabels(st, labels) {
    var box = st.map.getContainer();
    (st.labelEls || []).forEach(function (el) { el.remove(); });
    st.labelEls = labels.map(function (l) {
      var el = document.createElement("div");
      el.className = "ia-label"; el.textContent = l.name; el.setAttribute("aria-hidden", "true");
      el._lngLat = [l.lon, l.lat];
      box.appendChild(el);
      return el;
    });
    var move = function () {
      (st.labelEls || []).forEach(function (el) {
        var p = st.map.project(el._lngLat);
        el.style.transform = "translate(-50%, -130%) translate(" + Math.round(p.x) + "px," + Math.round(p.y) + "px)";
      });
    };
    if (!st.labelHandler) { st.labelHandler = move; st.map.on("move", move); }
    move();
  }

  // -- hover card, click, keyboard ---------------------------------------------------------------

  function card(gd) {
    var wrap = gd.parentElement, el = wrap && wrap.querySelector(".ia-tooltip");
    if (!el && wrap) {
      el = document.createElement("div");
      el.className = "ia-tooltip"; el.setAttribute("role", "status"); el.hidden = true;
      wrap.appendChild(el);
    }
    return el;
  }

  /* A facet label of unit n: codes into p[key + "_labels"] (or, in older payloads, the labels themselves). */
  function label(p, key, n) {
    var c = p[key][n], labels = p[key + "_labels"];
    return (labels ? labels[c] : c) || "–";
  }

  function describe(st, ags, tap) {
    var p = st.last || {}, n = st.pos ? st.pos.get(ags) : undefined, L = p.labels || {};
    var row = function (label, value) {
      var d = document.createElement("div");
      var b = document.createElement("span"); b.className = "ia-k"; b.textContent = label + ": ";
      d.appendChild(b); d.appendChild(document.createTextNode(value)); return d;
    };
    var box = document.createDocumentFragment();
    var head = document.createElement("strong");
    head.textContent = (p.name && n !== undefined ? p.name[n] : ags);
    box.appendChild(head);
    if (n === undefined) { box.appendChild(row(L.value || "Wert", L.missing || "–")); return box; }
    if (p.kt) box.appendChild(row(L.kommunaltyp || "Kommunaltyp", label(p, "kt", n)));
    if (p.size) box.appendChild(row(L.size || "Größe", label(p, "size", n)));
    var v = p.v ? p.v[n] : "–", missing = L.missing || "–";
    box.appendChild(row(L.value || "Wert", p.unit && v !== missing ? v + " " + p.unit : v));
    box.appendChild(row(L.flag || "Kennz.", (p.flags && p.flags[n]) || "–"));
    box.appendChild(row(L.date || "Stichtag", Array.isArray(p.date) ? (p.date[n] || "–") : (p.date || "–")));
    var hint = tap ? (L.tap || L.click) : L.click;
    if (hint) { var i = document.createElement("em"); i.textContent = hint; box.appendChild(i); }
    return box;
  }

  function highlight(st, id) {
    if (st.hl === id || !st.map || !st.map.style) return;   // no map, or removed after navigation
    if (st.hl !== null && st.hl !== undefined) st.map.setFeatureState(ref(st.geo, st.hl), {hl: false});
    st.hl = id;
    if (id !== null && id !== undefined) st.map.setFeatureState(ref(st.geo, id), {hl: true});
  }

  function show(gd, st, ags, point, tap) {
    var el = card(gd);
    if (!el) return;
    el.replaceChildren(describe(st, ags, tap));
    el.style.left = Math.round(point.x + 14) + "px";
    el.style.top = Math.round(point.y + 14) + "px";
    el.hidden = false;
  }

  function hide(gd, st) {
    var el = card(gd);
    if (el) el.hidden = true;
    highlight(st, null);
  }

  function embedded() {
    return document.documentElement.classList.contains("ia-embed-doc") ||
      new URLSearchParams(location.search).get("embed") === "1";
  }

  function profileUrl(ags) {
    // the full profile (no embed=1), the view's other parameters kept and the unit chosen first
    var q = new URLSearchParams(location.search), sel = (q.get("sel") || "").split(",").filter(function (a) {
      return a && a !== ags; });
    q.delete("embed"); q.delete("tab");
    q.set("sel", [ags].concat(sel).slice(0, 8).join(","));
    var level = {2: "land", 5: "kreis", 8: "gemeinde"}[String(ags).length] || "gemeinde";
    return "/" + level + "/" + ags + "?" + q.toString().replace(/%2C/g, ",");
  }

  function open(gd, ags) {
    if (embedded()) {
      // an embedded map never navigates inside the host's iframe: the profile opens in a new tab / top window
      var w = window.open(profileUrl(ags), "_blank");
      if (w) { try { w.opener = null; } catch (e) { /* already detached */ } } else { try { window.top.location.href = location.origin + profileUrl(ags); } catch (e) { /* cross-origin */ } }
      gd.dispatchEvent(new CustomEvent("ia-open", {detail: {ags: ags, url: profileUrl(ags)}}));
      return;
    }
    var target = gd.getAttribute("data-ia-click-target");
    if (target && window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props(target, {data: {ags: ags, t: Date.now()}});
    }
    gd.dispatchEvent(new CustomEvent("ia-open", {detail: {ags: ags}}));
  }

  function unitAt(st, point) {
    var fs = st.map.queryRenderedFeatures([point.x, point.y], {layers: [FILL]});
    return fs.length ? fs[0] : null;
  }

  function wire(gd, st) {
    var map = st.map;
    var cur = function () { return states.get(gd) || st; };
    map.on("mousemove", FILL, function (e) {
      var s = cur(), f = e.features && e.features[0];
      if (!f) return;
      highlight(s, f.id);
      show(gd, s, f.properties.ags, e.point);
      map.getCanvas().style.cursor = "pointer";
    });
    map.on("mouseleave", FILL, function () { hide(gd, cur()); map.getCanvas().style.cursor = ""; });
    // touch (no hover): the first tap shows the hover card, a second tap on the same unit opens its profile
    var touchy = function (e) {
      var oe = e.originalEvent || {};
      return oe.pointerType === "touch" || (window.matchMedia && window.matchMedia("(hover: none)").matches);
    };
    map.on("click", FILL, function (e) {
      var s = cur(), f = e.features && e.features[0];
      if (!f) return;
      if (touchy(e) && s.tapped !== f.properties.ags) {
        s.tapped = f.properties.ags;
        highlight(s, f.id);
        show(gd, s, f.properties.ags, e.point, true);
        return;
      }
      s.tapped = null;
      open(gd, f.properties.ags);
    });
    // keyboard: the cross-hair sits in the map centre; its unit gets the hover card
    var wrap = gd.closest("[data-ia-keyboard]") || gd.parentElement;
    var centreCard = function () {
      var s = cur(), c = map.getCanvas(), pt = {x: c.clientWidth / 2, y: c.clientHeight / 2};
      var f = unitAt(s, pt);
      if (!f) { hide(gd, s); return null; }
      highlight(s, f.id);
      show(gd, s, f.properties.ags, pt);
      return f.properties.ags;
    };
    // focus or a move while the polygons are still being drawn finds no unit yet: once more when drawn
    var kbd = function () { return wrap && wrap.classList.contains("ia-kbd"); };
    var centreWhenDrawn = function () {
      if (!centreCard()) map.once("idle", function () { if (kbd()) centreCard(); });
    };
    map.on("moveend", function () { if (kbd()) centreWhenDrawn(); });
    if (wrap && !wrap.getAttribute("data-ia-wired")) {
      wrap.setAttribute("data-ia-wired", "1");
      wrap.addEventListener("focus", function () { wrap.classList.add("ia-kbd"); centreWhenDrawn(); });
      wrap.addEventListener("blur", function () { wrap.classList.remove("ia-kbd"); hide(gd, cur()); });
      wrap.addEventListener("keydown", function (ev) {
        var step = 90, handled = true;
        switch (ev.key) {
          case "ArrowLeft": map.panBy([-step, 0]); break;
          case "ArrowRight": map.panBy([step, 0]); break;
          case "ArrowUp": map.panBy([0, -step]); break;
          case "ArrowDown": map.panBy([0, step]); break;
          case "+": case "=": map.zoomIn(); break;
          case "-": case "_": map.zoomOut(); break;
          case "Enter": case " ": { var a = centreCard(); if (a) open(gd, a); break; }
          default: handled = false;
        }
        if (handled) ev.preventDefault();
      });
    }
  }

  /* Feature-state of every unit the map knows (GeoJSON: every polygon; tiles: every unit painted), with
   * its AGS: what the browser tests and bench/bench_map_payload.py read instead of the source's internals. */
  function featureStates(gd) {
    var st = states.get(gd);
    if (!st) return [];
    var ids = st.geo.ags ? st.geo.ags.map(function (a, i) { return i; }) : Array.from(st.painted || []);
    return ids.map(function (id) {
      return Object.assign({ags: st.geo.ags ? st.geo.ags[id] : id}, st.map.getFeatureState(ref(st.geo, id)));
    });
  }

  // map pages: MapLibre's worker starts now (partial bundle, scripts/plotly_bundle/entry.js), not when Dash
  // has rendered the map ~1 s later
  if (window.Plotly && window.Plotly.prewarmMap && /^\/(kapazitaet\/?)?$/.test(location.pathname)) {
    try { window.Plotly.prewarmMap(); } catch (e) { /* the map then starts its worker itself */ }
  }

  window.IAMap = {paint: paint, ensure: ensure, ref: ref, featureStates: featureStates, mapOf: mapOf, profileUrl: profileUrl, SOURCE: SRC, FILL: FILL, HATCH: HATCH};

  function graphDiv(id) {
    return waitFor(function () {
      var host = document.getElementById(id);
      return host && (host.classList.contains("js-plotly-plot") ? host : host.querySelector(".js-plotly-plot"));
    }, 20000);
  }

  // Dash clientside callbacks: meta store → prepare (source added early); paint store → paint (returns a
  // status string for tests/ARIA).
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    iamap: {
      prepare: function (meta) {
        var noop = window.dash_clientside.no_update;
        if (!meta || !meta.url || !meta.graph) return noop;
        mark("ia-map-prepare", {url: meta.url});
        graphDiv(meta.graph).then(function (gd) { return ensure(gd, meta.url, meta.tiles || null); })
          .catch(function (err) { console.warn("IAMap prepare:", err); });   // paint reports what fails
        return noop;
      },
      // the page layout's own first payload (dashboard/pages/karte.py first_payload): painted without waiting
      // for update_map; a failure goes to the status line the payload names
      paintFirst: function (payload) {
        var noop = window.dash_clientside.no_update;
        if (!payload || !payload.geo) return noop;
        Promise.resolve(window.dash_clientside.iamap.paint(payload)).then(function (msg) {
          if (msg && typeof msg === "string" && payload.status && window.dash_clientside.set_props) {
            window.dash_clientside.set_props(payload.status, {children: msg});
          }
        });
        return noop;
      },
      paint: function (payload) {
        var noop = window.dash_clientside.no_update;
        if (!payload || !payload.geo) return noop;
        return graphDiv(payload.graph).then(function (gd) {
          gd.setAttribute("data-ia-click-target", payload.click_target || "");
          return paint(gd, payload.geo, payload);
        }).then(function () { return ""; })
          .catch(function (err) {
            console.warn("IAMap:", err);
            return ((payload.labels && payload.labels.error) || "Map could not be drawn") + " (" + err.message + ")";
          });
      }
    }
  });
})();
