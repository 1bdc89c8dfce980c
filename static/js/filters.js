// The actions list's filter form. Works without this script; with it, two conveniences:
// - on a phone the filter panel starts folded so that the list comes first (it stays open when a filter
//   value has an error, so the error is seen);
// - empty fields (and the default page size) are left out of the address, so a filtered list's URL
//   stays short and readable.
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 700px)");
  document.querySelectorAll("details[data-collapse-narrow]").forEach(function (panel) {
    if (narrow.matches && !panel.hasAttribute("data-keep-open")) {
      panel.open = false;
    }
  });
  document.querySelectorAll("form[data-drop-empty]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input, select").forEach(function (field) {
        var single = field.type === "search" || field.type === "text" || field.type === "date" ||
          (field.tagName === "SELECT" && !field.multiple);
        if (single && (field.value === "" || field.value === field.getAttribute("data-default"))) {
          field.disabled = true;
        }
      });
      // Re-enable after the browser has read the form, for the back button.
      window.setTimeout(function () {
        form.querySelectorAll("[disabled]").forEach(function (field) { field.disabled = false; });
      }, 0);
    });
  });
})();
