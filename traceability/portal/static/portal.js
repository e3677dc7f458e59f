// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // A double click or a second tap must not send a form twice (an order, a new account).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.getAttribute("aria-busy") === "true") {
      event.preventDefault();
      return;
    }
    form.setAttribute("aria-busy", "true");
    // Let the person try again if the answer never comes (a weak 3G signal).
    setTimeout(function () { form.removeAttribute("aria-busy"); }, 15000);
  }, true);
  // Receiving: a handheld scanner types each code and Enter into the box. Count the codes as
  // they arrive, so the clerk sees each scan land (the form itself never submits on Enter).
  var box = document.querySelector("textarea.scanner");
  var counter = document.querySelector("[data-scan-count]");
  if (box && counter) {
    var count = function () {
      var n = box.value.split(/\r?\n/).filter(function (line) { return line.trim() !== ""; }).length;
      counter.textContent = n ? "(" + n.toLocaleString(document.documentElement.lang || "vi") + ")" : "";
    };
    box.addEventListener("input", count);
    count();
  }
  // htmx swaps a row and keeps the form: free it again for the next request.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest && event.target.closest("form");
    if (form) { form.removeAttribute("aria-busy"); }
  });
})();
