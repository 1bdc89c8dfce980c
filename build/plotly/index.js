// plotly.js with only the trace types the site's figures use (plans/charts/): bar, heatmap and
// scatter, registered on plotly.js's own core as its lib/index-*.js partial bundles do.
// tests/test_plotly_bundle.py fails when a figure uses a type that is not listed here.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/scatter'),
]);

module.exports = Plotly;
