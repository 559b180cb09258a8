// Follows a live run: polls its progress and reloads the page when it ends.
// The only script of the app; every page works without it (a reload shows
// the same state).
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) { return; }
  var url = live.getAttribute("data-progress");
  var bar = document.getElementById("bar");
  var line = document.getElementById("line");
  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        if (p.status !== "running") { window.location.reload(); return; }
        if (p.line) { line.textContent = p.line; }
        if (typeof p.fraction === "number") { bar.value = p.fraction; } else { bar.removeAttribute("value"); }
        window.setTimeout(poll, 500);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 300);
})();
