'use strict';
var Plotly = require('plotly.js/lib/core');
Plotly.register([
  require('plotly.js/lib/bar'),
  require('plotly.js/lib/box'),
  require('plotly.js/lib/scattergl'),
  require('plotly.js/lib/scattermap'),
  require('plotly.js/lib/choroplethmap'),
]);
// The same maplibre-gl module instance plotly.js's map subplot uses (esbuild bundles it once).
var maplibregl = require('maplibre-gl/dist/maplibre-gl.mjs');
var maplibreWorkerSource = require('plotly.js/build/maplibre_worker');
// Start MapLibre's worker while Dash is still booting, instead of when the first map is created
// (dashboard/assets/ia_map.js calls it on map pages). plotly.js later sets its own worker URL; the
// prewarmed global worker pool is the one every map then uses.
Plotly.prewarmMap = function () {
  if (Plotly.prewarmMap.done) return;
  Plotly.prewarmMap.done = true;
  maplibregl.setWorkerUrl(URL.createObjectURL(new Blob([maplibreWorkerSource], {type: 'text/javascript'})));
  maplibregl.prewarm();
};
module.exports = Plotly;
