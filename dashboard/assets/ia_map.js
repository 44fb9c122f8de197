/* Integrationsatlas map layer: paints the choropleth through MapLibre feature-state.
 *
 * Why: a Plotly choroplethmap restyle re-serialises and re-tessellates every polygon on each
 * colour change (~2 s for 11,000 Gemeinden in software WebGL). Here the geometry (content-hashed
 * asset URL, cached for good) is added once as a MapLibre source inside Plotly's map subplot;
 * an indicator/year/filter change only sets per-feature state (colour, opacity, no-data), which
 * MapLibre applies without touching the tessellated geometry.
 *
 * Also provides what the Plotly trace could not: hatched no-data polygons (fill-pattern),
 * faded filtered-out units, a hover card, click → profile, and keyboard use (arrows pan,
 * +/- zoom, Enter opens the unit under the cross-hair).
 *
 * Used by the dashboard (clientside callback `iamap.paint`) and by bench/bench_map_payload.py.
 */
(function () {
  "use strict";
  var SRC = "ia-units", FILL = "ia-fill", HATCH = "ia-hatch", LINE = "ia-line", PATTERN = "ia-hatch-pattern";
  var NO_DATA = "#d9d9d9";
  var geoCache = {};            // url -> Promise<{fc, index: Map(ags -> numeric id), ags: [ids -> ags]}>
  var states = new WeakMap();   // graph div -> {map, url, geo, last}

  function mapOf(gd) {
    var fl = gd && gd._fullLayout, sp = fl && fl.map && fl.map._subplot;
    return sp && sp.map ? sp.map : null;
  }

  function waitFor(test, timeoutMs) {
    return new Promise(function (resolve, reject) {
      var t0 = Date.now();
      (function poll() {
        var v = test();
        if (v) return resolve(v);
        if (Date.now() - t0 > timeoutMs) return reject(new Error("map not ready"));
        setTimeout(poll, 40);
      })();
    });
  }

  function loadGeo(url) {
    if (!geoCache[url]) {
      geoCache[url] = fetch(url).then(function (r) {
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
        return {fc: fc, index: index, ags: ags};
      });
    }
    return geoCache[url];
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
    map.addSource(SRC, {type: "geojson", data: geo.fc, tolerance: 0.2});
    if (!map.hasImage(PATTERN)) map.addImage(PATTERN, hatchImage());
    var opacity = ["coalesce", ["feature-state", "o"], 1];
    map.addLayer({id: FILL, type: "fill", source: SRC,
      paint: {"fill-color": ["coalesce", ["feature-state", "c"], NO_DATA], "fill-opacity": opacity}});
    map.addLayer({id: HATCH, type: "fill", source: SRC,
      paint: {"fill-pattern": PATTERN,
              "fill-opacity": ["case", ["==", ["feature-state", "nd"], false], 0, opacity]}});
    var hl = ["boolean", ["feature-state", "hl"], false], sel = ["boolean", ["feature-state", "sel"], false];
    map.addLayer({id: LINE, type: "line", source: SRC,
      paint: {"line-color": ["case", hl, "#000000", sel, "#D55E00", "#ffffff"],
              "line-width": ["case", hl, 2.2, sel, 2.6, 0.25]}});
  }

  /* Ensure Plotly's map exists and carries our source for `url`; returns the per-graph state. */
  function ensure(gd, url) {
    return waitFor(function () {
      var m = mapOf(gd);
      return m && m.isStyleLoaded() ? m : null;
    }, 20000).then(function (map) {
      var st = states.get(gd);
      if (st && st.map === map && st.url === url && map.getSource(SRC)) return st;
      return loadGeo(url).then(function (geo) {
        if (st) {   // another level: the old state's labels and their move handler go
          (st.labelEls || []).forEach(function (el) { el.remove(); });
          if (st.labelHandler) st.map.off("move", st.labelHandler);
        }
        addLayers(map, geo);
        // narrow screens (phones): the whole of Germany instead of the desktop zoom, once per map
        if (!st && map.getContainer().clientWidth < 700) {
          map.fitBounds([[5.87, 47.27], [15.04, 55.06]], {padding: 4, duration: 0});
        }
        var fresh = {map: map, url: url, geo: geo, last: null, hl: null};
        if (!st || st.map !== map) wire(gd, fresh);   // handlers read states.get(gd): wired once per map
        states.set(gd, fresh);
        return fresh;
      });
    });
  }

  var unitsCache = {};          // units_key -> {ags, name, kt, size}: sent once per level and language

  function withUnits(p) {
    if (p.ags && p.units_key) unitsCache[p.units_key] = {ags: p.ags, name: p.name, kt: p.kt, size: p.size};
    if (!p.ags && p.units_key && unitsCache[p.units_key]) Object.assign(p, unitsCache[p.units_key]);
    if (!p.ags) throw new Error("payload without units and none cached for " + p.units_key);
    return p;
  }

  /* Paint one payload. p = {ags: [...] units, cls: [class or -1], colours: [...], fade: [indices],
   * opacity: [on, off], focus}. Units of the geometry missing from p.ags get the no-data state. */
  function paint(gd, url, p) {
    p = withUnits(p);
    if (url) loadGeo(url);        // geometry download + parse overlaps the map's own start-up
    var n = gd.__iaPaintSeq = (gd.__iaPaintSeq || 0) + 1;
    if (window.performance && performance.mark) performance.mark("ia-map-paint", {detail: {paint: n}});
    return ensure(gd, url).then(function (st) {
      var map = st.map, geo = st.geo, colours = p.colours || [], fade = new Set(p.fade || []);
      var on = (p.opacity || [1, 0.22])[0], off = (p.opacity || [1, 0.22])[1];
      var seen = new Uint8Array(geo.ags.length), painted = 0;
      for (var i = 0; i < p.ags.length; i++) {
        var id = geo.index.get(p.ags[i]);
        if (id === undefined) continue;
        var k = p.cls[i];
        seen[id] = 1; painted++;
        map.setFeatureState({source: SRC, id: id},
          {c: k >= 0 ? colours[k] : NO_DATA, nd: !(k >= 0), o: fade.has(i) ? off : on});
      }
      for (var j = 0; j < seen.length; j++) {
        if (!seen[j]) map.setFeatureState({source: SRC, id: j}, {c: NO_DATA, nd: true, o: on});
      }
      focus(st, p.focus);
      st.last = p;
      st.pos = new Map();
      p.ags.forEach(function (a, n) { st.pos.set(a, n); });
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
    (st.selIds || []).forEach(function (i) { st.map.setFeatureState({source: SRC, id: i}, {sel: false}); });
    ids.forEach(function (i) { st.map.setFeatureState({source: SRC, id: i}, {sel: true}); });
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
    if (p.kt) box.appendChild(row(L.kommunaltyp || "Kommunaltyp", p.kt[n] || "–"));
    if (p.size) box.appendChild(row(L.size || "Größe", p.size[n] || "–"));
    box.appendChild(row(L.value || "Wert", p.v ? p.v[n] : "–"));
    box.appendChild(row(L.flag || "Kennz.", (p.flags && p.flags[n]) || "–"));
    box.appendChild(row(L.date || "Stichtag", Array.isArray(p.date) ? (p.date[n] || "–") : (p.date || "–")));
    var hint = tap ? (L.tap || L.click) : L.click;
    if (hint) { var i = document.createElement("em"); i.textContent = hint; box.appendChild(i); }
    return box;
  }

  function highlight(st, id) {
    if (st.hl === id || !st.map || !st.map.style) return;   // no map, or removed after navigation
    if (st.hl !== null && st.hl !== undefined) st.map.setFeatureState({source: SRC, id: st.hl}, {hl: false});
    st.hl = id;
    if (id !== null && id !== undefined) st.map.setFeatureState({source: SRC, id: id}, {hl: true});
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

  window.IAMap = {paint: paint, ensure: ensure, mapOf: mapOf, profileUrl: profileUrl, SOURCE: SRC, FILL: FILL, HATCH: HATCH};

  // Dash clientside callback: store data → paint. Returns a status string for tests/ARIA.
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    iamap: {
      paint: function (payload) {
        var noop = window.dash_clientside.no_update;
        if (!payload || !payload.geo) return noop;
        return waitFor(function () {
          var host = document.getElementById(payload.graph);
          return host && (host.classList.contains("js-plotly-plot") ? host : host.querySelector(".js-plotly-plot"));
        }, 20000).then(function (gd) {
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
