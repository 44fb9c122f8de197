'use strict';
var Plotly = require('plotly.js/lib/core');
Plotly.register([
  require('plotly.js/lib/bar'),
  require('plotly.js/lib/box'),
  require('plotly.js/lib/scattergl'),
  require('plotly.js/lib/scattermap'),
  require('plotly.js/lib/choroplethmap'),
]);
module.exports = Plotly;
