/* Draws every chart on the page: each <div class="chart" data-figure="ID"> gets the Plotly figure held
   in the JSON <script type="application/json" id="ID"> that the server wrote beside it (plans/charts/).
   No inline script, so the Content-Security-Policy can say script-src 'self'.

   The figure's title (the finding) is already on the page as text above the chart, where it wraps on a
   phone, prints and reads aloud; Plotly does not wrap titles, so the plot leaves its own out. */
(function () {
  "use strict";

  var PRINT_WIDTH = 640; // CSS pixels across an A4 page inside print.css's margins
  var NARROW = 520; // below this width a chart takes the changes in layout.meta.narrow (short labels)
  var CONFIG = {
    responsive: true,
    displaylogo: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
  };

  // The reader's language, as plans/charts/base.py hands it over: month names and the mode bar's words.
  function config(locale) {
    var result = Object.assign({}, CONFIG);
    if (locale && locale.code) {
      result.locale = locale.code;
      result.locales = {};
      result.locales[locale.code] = { dictionary: locale.dictionary || {}, format: locale.format || {} };
    }
    return result;
  }

  function charts() {
    return Array.prototype.slice.call(document.querySelectorAll(".chart[data-figure]"));
  }

  // Set "yaxis.title.text"-style dotted paths, the way Plotly.relayout takes them.
  function assign(target, changes) {
    Object.keys(changes).forEach(function (path) {
      var keys = path.split(".");
      var node = target;
      keys.slice(0, -1).forEach(function (key) {
        if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
        node = node[key];
      });
      node[keys[keys.length - 1]] = changes[path];
    });
  }

  function draw(container) {
    var source = document.getElementById(container.dataset.figure);
    if (!source) return;
    var figure = JSON.parse(source.textContent);
    var layout = figure.layout || {};
    // The pixels the figure keeps above the plot for its title (plans/charts/base.py TITLE_SPACE).
    var titleSpace = Number(container.dataset.titleSpace) || 0;
    layout.margin = layout.margin || {};
    layout.margin.t = Math.max(12, (layout.margin.t || 56) - titleSpace);
    layout.title = { text: "" };
    if (layout.meta && layout.meta.narrow && container.clientWidth < NARROW) {
      assign(layout, layout.meta.narrow);
    }
    if (layout.height) {
      layout.height -= titleSpace;
      container.style.minHeight = layout.height + "px";
    }
    Plotly.newPlot(container, figure.data, layout, config(layout.meta && layout.meta.locale));
  }

  // Print at a fixed width, so that the SVG fits the page; then back to the width of the page.
  function setWidth(width) {
    charts().forEach(function (container) {
      if (container.classList.contains("js-plotly-plot")) {
        Plotly.relayout(container, { width: width, autosize: width === null });
      }
    });
  }

  function beforePrint() {
    document.querySelectorAll("details.chart-table").forEach(function (details) {
      if (!details.open) {
        details.open = true;
        details.dataset.openedForPrint = "1";
      }
    });
    setWidth(PRINT_WIDTH);
  }

  function afterPrint() {
    document.querySelectorAll("details[data-opened-for-print]").forEach(function (details) {
      details.open = false;
      delete details.dataset.openedForPrint;
    });
    setWidth(null);
  }

  function start() {
    if (typeof Plotly === "undefined") return;
    charts().forEach(draw);
    window.addEventListener("beforeprint", beforePrint);
    window.addEventListener("afterprint", afterPrint);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
