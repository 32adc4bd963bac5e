// The period page's package panel while the package is built (archive/_package_panel.html):
// asks the server how far the build has come every two seconds and shows it; when the
// package is ready (or the build failed), loads the page again, which then shows the
// download link (or the reason). Without this script the panel has a refresh link.
(function () {
  "use strict";
  var panel = document.querySelector("[data-package-status]");
  if (!panel || !window.fetch) {
    return;
  }
  var url = panel.getAttribute("data-package-status");
  var building = panel.getAttribute("data-building-text");
  var bar = panel.querySelector("[data-package-progress]");
  var message = panel.querySelector("[data-package-message]");

  function show(status) {
    var percent = Math.max(0, Math.min(100, Math.round(status.percent) || 0));
    var inner = bar.firstElementChild;
    bar.setAttribute("aria-valuenow", String(percent));
    inner.className = inner.className.replace(/\bw-pct-\d+\b/, "w-pct-" + percent);
    inner.textContent = percent + " %";
    if (status.state === "building") {
      var text = building.replace("%(done)s", status.done).replace("%(total)s", status.total);
      if (message.textContent !== text) {
        message.textContent = text;
      }
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (status) {
        if (!status.waiting) {
          window.location.reload();
          return;
        }
        show(status);
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        window.setTimeout(poll, 10000); // a network hiccup: try again, more slowly
      });
  }

  window.setTimeout(poll, 2000);
})();
