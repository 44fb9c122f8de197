/* Integrationsatlas reach layer (issue 12): accessibility patches, phone drawer, copy/share, and
 * client-side PNG/SVG export of charts and the map with title, legend, source line, reference date
 * and licence in the image.
 *
 * Why client-side: Plotly's kaleido needs a browser download that does not work offline; the
 * browser already has every chart (Plotly.toImage) and the map canvas (MapLibre), and the source
 * line and legend are in the DOM.
 *
 * Accessibility patches (applied to every render through one MutationObserver):
 *  - Dash 4 dropdowns put a focusable <input aria-hidden="true"> in front of their button (a focus
 *    trampoline). The button itself becomes the tab stop and the trampoline leaves the tab order; the
 *    button is named by its <label for> + its value (label-in-name). app.css shows every chosen value
 *    (wrapped, no "3 selected" count), so the visible text is exactly the value;
 *  - slider thumbs are named by the slider's <label for>;
 *  - <html lang> follows ?lang= when the language toggle navigates without a reload.
 */
(function () {
  "use strict";

  function ensureId(el, prefix) {
    if (!el.id) el.id = prefix + Math.random().toString(36).slice(2, 9);
    return el.id;
  }

  function labelFor(id) {
    return id ? document.querySelector('label[for="' + (window.CSS && CSS.escape ? CSS.escape(id) : id) + '"]') : null;
  }

  function fixDropdowns(root) {
    root.querySelectorAll(".dash-dropdown-wrapper").forEach(function (w) {
      var ft = w.querySelector(":scope > .dash-dropdown-focus-target");
      var btn = w.querySelector(":scope > button.dash-dropdown");
      if (ft && ft.tabIndex !== -1) ft.tabIndex = -1;
      if (!btn) return;
      if (!btn.disabled && btn.tabIndex !== 0) btn.tabIndex = 0;
      if (btn.id) {
        var lab = labelFor(btn.id);
        var want = [lab ? ensureId(lab, "ia-lbl-") : null, btn.id + "-value"]
          .filter(Boolean).join(" ");
        if (btn.getAttribute("aria-labelledby") !== want) btn.setAttribute("aria-labelledby", want);
      }
    });
  }

  function fixSliders(root) {
    root.querySelectorAll('[role="slider"]').forEach(function (th) {
      if (th.getAttribute("aria-label") || th.getAttribute("aria-labelledby")) return;
      var host = th.parentElement;
      while (host && host !== document.body) {
        var lab = host.id && labelFor(host.id);
        if (lab) { th.setAttribute("aria-labelledby", ensureId(lab, "ia-lbl-")); return; }
        host = host.parentElement;
      }
    });
  }

  function fixLang() {
    var lang = new URLSearchParams(location.search).get("lang") === "en" ? "en" : "de";
    if (document.documentElement.lang !== lang) document.documentElement.lang = lang;
  }

  var scheduled = false;
  function patch() {
    scheduled = false;
    fixLang();
    fixDropdowns(document);
    fixSliders(document);
    markDrawer();
  }
  function schedule() {
    if (!scheduled) { scheduled = true; requestAnimationFrame(patch); }
  }

  // -- phone drawer ------------------------------------------------------------------------------

  function sidebar() { return document.querySelector("#page-content .sidebar"); }

  function markDrawer() {
    var sb = sidebar();
    if (sb && sb.id !== "ia-drawer") sb.id = "ia-drawer";
    if (sb && !sb.getAttribute("aria-label")) {
      var t = document.getElementById("ia-drawer-toggle");
      if (t) sb.setAttribute("aria-label", t.textContent.replace("☰", "").trim());
    }
  }

  function drawer(open) {
    var body = document.body, t = document.getElementById("ia-drawer-toggle"), sb = sidebar();
    body.classList.toggle("ia-drawer-open", !!open);
    if (t) t.setAttribute("aria-expanded", String(!!open));
    if (open && sb) {
      var first = sb.querySelector("button, [href], input, select, textarea, [tabindex]:not([tabindex='-1'])");
      if (first) first.focus();
    } else if (!open && t && sb && sb.contains(document.activeElement)) {
      t.focus();
    }
  }

  // -- copy, share -------------------------------------------------------------------------------

  function say(key) {
    var s = document.getElementById("ia-share-status");
    if (s) s.textContent = s.getAttribute(key === "ok" ? "data-ok" : "data-fail") || "";
  }

  function copyText(text) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(text).then(function () { say("ok"); }, function () { fallbackCopy(text); });
    }
    fallbackCopy(text);
    return Promise.resolve();
  }

  function fallbackCopy(text) {
    var ta = document.createElement("textarea");
    ta.value = text; ta.setAttribute("readonly", ""); ta.style.position = "fixed"; ta.style.opacity = "0";
    document.body.appendChild(ta); ta.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    ta.remove();
    say(ok ? "ok" : "fail");
  }

  // -- export --------------------------------------------------------------------------------------

  function textOf(id) {
    var el = id && document.getElementById(id);
    return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function viewTitle() {
    var h = document.querySelector("#page-content h1");
    return h ? h.textContent.replace(/\s+/g, " ").trim() : document.title;
  }

  function sourceOf(id) {
    var el = id && document.getElementById(id);
    if (!el) return "";
    var s = el.querySelector(".ia-source");
    return (s || el).textContent.replace(/\s+/g, " ").trim();
  }

  function wrap(text, maxChars) {
    var words = String(text || "").split(" "), lines = [], cur = "";
    words.forEach(function (w) {
      if ((cur + " " + w).trim().length > maxChars && cur) { lines.push(cur); cur = w; } else { cur = (cur + " " + w).trim(); }
    });
    if (cur) lines.push(cur);
    return lines;
  }

  function xml(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function slug(s) {
    return String(s || "export").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/ß/g, "ss").replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 80) || "export";
  }

  function dataUrlToBlob(url) {
    var comma = url.indexOf(","), head = url.slice(0, comma), body = url.slice(comma + 1);
    var mime = (head.match(/^data:([^;,]+)/) || [])[1] || "application/octet-stream";
    if (/;base64/.test(head)) {
      var bin = atob(body), arr = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) arr[i] = bin.charCodeAt(i);
      return new Blob([arr], {type: mime});
    }
    return new Blob([decodeURIComponent(body)], {type: mime});
  }

  function download(dataUrl, name) {
    var blob = dataUrlToBlob(dataUrl), url = URL.createObjectURL(blob), a = document.createElement("a");
    a.href = url; a.download = name; a.style.display = "none";
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
  }

  function graphDiv(id) {
    var host = document.getElementById(id);
    return host && (host.classList.contains("js-plotly-plot") ? host : host.querySelector(".js-plotly-plot"));
  }

  /* A chart as PNG/SVG data URL: the figure with a title above and the source line (source, table,
   * reference date, licence) below, drawn by Plotly itself (so the SVG keeps real <text>). */
  function chartImage(gd, fmt, title, source, opts) {
    opts = opts || {};
    var fl = gd._fullLayout, W = Math.round(fl.width), H = Math.round(fl.height), m = fl.margin;
    var lines = opts.footer === false ? [] : wrap(source, Math.max(40, Math.floor((W - 16) / 6.1)));
    var top = 40, bottom = lines.length ? 15 * lines.length + 14 : 0;
    var layout = JSON.parse(JSON.stringify(gd.layout || {}));
    var total = H + top + bottom;
    layout.width = W; layout.height = total;
    layout.margin = {l: m.l, r: m.r, t: m.t + top, b: m.b + bottom, pad: m.p || 0, autoexpand: false};
    layout.title = {text: xml(title), x: 8 / W, xref: "container", xanchor: "left", y: 1 - 10 / total,
                    yref: "container", yanchor: "top", font: {size: 15, color: "#111"}};
    if (lines.length) {
      var plotH = total - layout.margin.t - layout.margin.b;
      layout.annotations = (layout.annotations || []).concat([{
        text: lines.map(xml).join("<br>"), showarrow: false, xref: "paper", yref: "paper", x: 0, xanchor: "left",
        xshift: -m.l + 8, y: -(m.b + 6) / plotH, yanchor: "top", align: "left", font: {size: 10.5, color: "#333"},
        name: "ia-source"}]);
    }
    layout.paper_bgcolor = "#ffffff";
    return window.Plotly.toImage({data: gd.data, layout: layout, config: {staticPlot: true}},
                                 {format: fmt, width: W, height: total});
  }

  function mapCanvasUrl(gd) {
    var map = window.IAMap && IAMap.mapOf(gd);
    if (!map) return Promise.reject(new Error("map not ready"));
    return new Promise(function (resolve) {
      map.once("render", function () { resolve(map.getCanvas().toDataURL("image/png")); });
      map.triggerRepaint();
    });
  }

  function legendItems() {
    var box = document.getElementById("map-legend");
    if (!box) return {title: "", rows: []};
    var h = box.querySelector("h2, h3, strong");
    var rows = Array.prototype.map.call(box.querySelectorAll("li"), function (li) {
      var sw = li.querySelector(".legend-swatch"), cs = sw ? getComputedStyle(sw) : null;
      return {colour: cs ? cs.backgroundColor : "#ccc", opacity: cs ? +cs.opacity : 1,
              hatched: !!(sw && sw.classList.contains("hatched")), dashed: !!(sw && sw.classList.contains("no-boundary")),
              label: ((li.querySelector(".legend-label") || li).textContent || "").trim(),
              count: ((li.querySelector(".legend-count") || {}).textContent || "").trim()};
    });
    return {title: h ? h.textContent.trim() : "", rows: rows};
  }

  /* The map as PNG/SVG data URL: title band, the MapLibre canvas, the legend beside it and the
   * source band (source, table, reference date, licence) below. opts.footer=false leaves the band out. */
  function mapImage(gd, fmt, title, source, opts) {
    opts = opts || {};
    return mapCanvasUrl(gd).then(function (png) {
      var cw = gd.clientWidth, ch = gd.clientHeight, LW = 250, TOP = 42, PAD = 10;
      var leg = legendItems();
      var lines = opts.footer === false ? [] : wrap(source, Math.max(50, Math.floor((cw + LW - 2 * PAD) / 6.3)));
      var FOOT = lines.length ? 16 * lines.length + 14 : 0;
      var W = cw + LW, H = TOP + ch + FOOT;
      if (fmt === "svg") {
        var s = ['<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="' + W +
                 '" height="' + H + '" viewBox="0 0 ' + W + " " + H + '" font-family="Helvetica, Arial, sans-serif">',
                 '<defs><pattern id="ia-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
                 '<rect width="6" height="6" fill="#d9d9d9"/><rect width="2" height="6" fill="#808080"/></pattern></defs>',
                 '<rect width="' + W + '" height="' + H + '" fill="#ffffff"/>',
                 '<text class="ia-title" x="' + PAD + '" y="26" font-size="16" font-weight="bold" fill="#111">' + xml(title) + "</text>",
                 '<image x="0" y="' + TOP + '" width="' + cw + '" height="' + ch + '" href="' + png + '" xlink:href="' + png + '"/>'];
        var y = TOP + 16;
        s.push('<g class="ia-legend"><text x="' + (cw + PAD) + '" y="' + y + '" font-size="13" font-weight="bold">' + xml(leg.title) + "</text>");
        leg.rows.forEach(function (r) {
          y += 20;
          var fill = r.hatched ? "url(#ia-hatch)" : (r.dashed ? "#ffffff" : r.colour);
          s.push('<rect x="' + (cw + PAD) + '" y="' + (y - 11) + '" width="18" height="12" fill="' + fill + '" fill-opacity="' +
                 r.opacity + '" stroke="#777"' + (r.dashed ? ' stroke-dasharray="3 2"' : "") + "/>");
          s.push('<text x="' + (cw + PAD + 24) + '" y="' + y + '" font-size="11">' + xml(r.label + " " + r.count) + "</text>");
        });
        s.push("</g>");
        lines.forEach(function (l, i) {
          s.push('<text class="ia-source" x="' + PAD + '" y="' + (TOP + ch + 18 + 16 * i) + '" font-size="11" fill="#333">' + xml(l) + "</text>");
        });
        s.push("</svg>");
        return "data:image/svg+xml;charset=utf-8," + encodeURIComponent(s.join("\n"));
      }
      return new Promise(function (resolve, reject) {
        var img = new Image();
        img.onload = function () {
          var c = document.createElement("canvas"), k = window.devicePixelRatio || 1;
          c.width = Math.round(W * k); c.height = Math.round(H * k);
          var g = c.getContext("2d");
          g.scale(k, k);
          g.fillStyle = "#ffffff"; g.fillRect(0, 0, W, H);
          g.fillStyle = "#111"; g.font = "bold 16px Helvetica, Arial, sans-serif"; g.textBaseline = "alphabetic";
          g.fillText(title, PAD, 26);
          g.drawImage(img, 0, TOP, cw, ch);
          var y = TOP + 16;
          g.font = "bold 13px Helvetica, Arial, sans-serif"; g.fillText(leg.title, cw + PAD, y);
          g.font = "11px Helvetica, Arial, sans-serif";
          leg.rows.forEach(function (r) {
            y += 20;
            var x0 = cw + PAD, y0 = y - 11;
            g.globalAlpha = r.opacity;
            g.fillStyle = r.hatched ? "#d9d9d9" : (r.dashed ? "#ffffff" : r.colour);
            g.fillRect(x0, y0, 18, 12);
            if (r.hatched) {
              g.strokeStyle = "#808080"; g.lineWidth = 1.5;
              for (var d = -12; d < 18; d += 5) { g.beginPath(); g.moveTo(x0 + d, y0 + 12); g.lineTo(x0 + d + 12, y0); g.stroke(); }
            }
            g.globalAlpha = 1;
            g.strokeStyle = "#777"; g.lineWidth = 1; g.setLineDash(r.dashed ? [3, 2] : []);
            g.strokeRect(x0, y0, 18, 12); g.setLineDash([]);
            g.fillStyle = "#111"; g.fillText(r.label + " " + r.count, x0 + 24, y);
          });
          g.fillStyle = "#333"; g.font = "11px Helvetica, Arial, sans-serif";
          lines.forEach(function (l, i) { g.fillText(l, PAD, TOP + ch + 18 + 16 * i); });
          resolve(c.toDataURL("image/png"));
        };
        img.onerror = function () { reject(new Error("map image could not be decoded")); };
        img.src = png;
      });
    });
  }

  function exportFrom(btn) {
    var fmt = btn.getAttribute("data-ia-export"), target = btn.getAttribute("data-ia-target");
    var kind = btn.getAttribute("data-ia-kind"), gd = graphDiv(target);
    if (!gd) return Promise.reject(new Error("nothing to export"));
    var head = viewTitle(), sub = textOf(btn.getAttribute("data-ia-title-from"));
    var title = sub && sub !== head ? head + " – " + sub : head;
    var source = sourceOf(btn.getAttribute("data-ia-source-from") || (kind === "map" ? "map-footer" : ""));
    var make = kind === "map" ? mapImage(gd, fmt, title, source) : chartImage(gd, fmt, title, source);
    return make.then(function (url) {
      download(url, "integrationsatlas_" + slug(title) + "." + fmt);
      return url;
    });
  }

  // -- events --------------------------------------------------------------------------------------

  document.addEventListener("click", function (ev) {
    var el = ev.target.closest && ev.target.closest("[data-ia-export], [data-ia-copy], [data-ia-drawer], [data-ia-geojson]");
    if (!el) return;
    if (el.hasAttribute("data-ia-geojson")) {
      el.setAttribute("href", "/api/geojson" + location.search);   // the view as it is now
      return;                                                       // default action: download
    }
    if (el.hasAttribute("data-ia-drawer")) {
      drawer(el.getAttribute("data-ia-drawer") === "toggle" ? !document.body.classList.contains("ia-drawer-open") : false);
      return;
    }
    if (el.hasAttribute("data-ia-copy")) {
      var what = el.getAttribute("data-ia-copy");
      copyText(what === "location" ? location.href : textOf(what) || (document.getElementById(what) || {}).textContent || "");
      return;
    }
    el.disabled = true;
    exportFrom(el).catch(function (err) {
      console.warn("IAReach export:", err);
      var s = document.getElementById("ia-share-status");
      if (s) s.textContent = String(err.message || err);
    }).then(function () { el.disabled = false; });
  });

  // an embed view never navigates inside the host's iframe: its internal links (chart data links, …) open the
  // full view (no embed=1) in a new tab; capture phase, before dcc.Link's client-side navigation
  document.addEventListener("click", function (ev) {
    if (!document.documentElement.classList.contains("ia-embed-doc")) return;
    var a = ev.target.closest && ev.target.closest("a[href]");
    if (!a || a.hasAttribute("download") || a.target === "_blank") return;
    var url = new URL(a.getAttribute("href"), location.href);
    if (url.origin !== location.origin || url.pathname.indexOf("/api/") === 0) return;
    url.searchParams.delete("embed");
    ev.preventDefault();
    ev.stopPropagation();
    var w = window.open(url.toString(), "_blank");
    if (w) { try { w.opener = null; } catch (e) { /* detached */ } }
  }, true);

  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && document.body.classList.contains("ia-drawer-open")) drawer(false);
    tabKey(ev);
  });

  // -- tabs (components/tabs.py): WAI-ARIA tabs with automatic activation -----------------------------

  function tabKey(ev) {
    var tab = ev.target.closest && ev.target.closest('[role="tab"][data-ia-tabs]');
    if (!tab) return;
    var tabs = Array.prototype.slice.call(tab.parentElement.querySelectorAll('[role="tab"]'));
    var i = tabs.indexOf(tab), n = tabs.length, j = null;
    if (ev.key === "ArrowRight" || ev.key === "ArrowDown") j = (i + 1) % n;
    else if (ev.key === "ArrowLeft" || ev.key === "ArrowUp") j = (i - 1 + n) % n;
    else if (ev.key === "Home") j = 0;
    else if (ev.key === "End") j = n - 1;
    if (j === null) return;
    ev.preventDefault();
    tabs[j].focus();
    if (tabs[j].getAttribute("aria-selected") !== "true") tabs[j].click();   // n_clicks → the tab callback
  }

  function tabShown(panelId) {
    // a Plotly graph (and the map inside it) drawn while its panel was hidden has no size: resize once shown
    setTimeout(function () {
      var panel = document.getElementById(panelId);
      if (!panel || !window.Plotly) return;
      panel.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
        try { window.Plotly.Plots.resize(gd); } catch (e) { /* not drawn yet */ }
        var m = window.IAMap && IAMap.mapOf && IAMap.mapOf(gd);
        if (m && m.resize) m.resize();
      });
    }, 60);
  }
  window.addEventListener("popstate", fixLang);

  function start() {
    schedule();
    new MutationObserver(schedule).observe(document.body, {childList: true, subtree: true, attributes: true,
                                                            attributeFilter: ["tabindex", "aria-labelledby"]});
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();

  window.IAReach = {chartImage: chartImage, mapImage: mapImage, exportFrom: exportFrom, graphDiv: graphDiv,
                    download: download, drawer: drawer, tabShown: tabShown};
})();
