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
  // Print files: a progress bar counted in what the file holds (PDF pages, PNG pages in the
  // zip, CSV rows) as it streams in, then saved under the server's file name. Without this
  // the GET form downloads as any link does.
  var clicked = null;
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("form[data-progress] button");
    if (button) { clicked = button; }
  }, true);
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.hasAttribute("data-progress") || !window.fetch
        || !window.ReadableStream) { return; }
    event.preventDefault();
    var params = new URLSearchParams(new FormData(form));
    if (clicked && clicked.name) { params.set(clicked.name, clicked.value); }
    var url = form.action + "?" + params.toString();
    var box = form.querySelector(".progress");
    var bar = box.querySelector("progress");
    var said = box.querySelector("[role=status]");
    box.hidden = false;
    bar.removeAttribute("value");
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok || !response.body) { window.location = url; return null; }
      var format = params.get("format") || "pdf";
      var total = format === "csv" ? parseInt(response.headers.get("X-Stamp-Count"), 10) + 1
        : parseInt(response.headers.get("X-Page-Count"), 10);
      var marker = format === "pdf" ? "/Type /Page " : format === "png" ? "PK\u0003\u0004" : "\n";
      var name = (/filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "") || [])[1];
      var reader = response.body.getReader();
      var decoder = new TextDecoder("latin1");
      var parts = [];
      var seen = 0;
      var tail = "";
      function pump() {
        return reader.read().then(function (step) {
          if (step.done) { return; }
          parts.push(step.value);
          var text = tail + decoder.decode(step.value, { stream: true });
          seen += text.split(marker).length - 1;
          tail = text.slice(-marker.length + 1);
          bar.max = total; bar.value = Math.min(seen, total);
          said.textContent = Math.min(seen, total) + " / " + total;
          return pump();
        });
      }
      return pump().then(function () {
        bar.value = bar.max;
        var link = document.createElement("a");
        link.href = URL.createObjectURL(new Blob(parts, { type: response.headers.get("Content-Type") }));
        link.download = name || "stamps";
        document.body.appendChild(link);
        link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 10000);
      });
    }).catch(function () { window.location = url; }).then(function () {
      form.removeAttribute("aria-busy");
    });
  });
  // htmx swaps a row and keeps the form: free it again for the next request.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest && event.target.closest("form");
    if (form) { form.removeAttribute("aria-busy"); }
  });
})();
