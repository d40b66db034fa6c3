/* triage: live updates without reloading. An element #live (data-url, data-every seconds,
   data-after or data-signature) is polled; new tickets show as a "N nouveaux tickets"
   link (rows never move under the cursor), tab counts follow, the dashboard offers a
   refresh when its figures changed. Served from /static: the CSP allows no inline script. */
(function () {
  "use strict";
  var box = document.getElementById("live");
  if (!box || !window.fetch) { return; }
  var every = Math.max(parseInt(box.getAttribute("data-every"), 10) || 15, 2) * 1000;
  var url = box.getAttribute("data-url");
  var link = box.querySelector("a");
  var known = box.getAttribute("data-signature");

  function showCounts(counts) {
    Object.keys(counts || {}).forEach(function (key) {
      var span = document.querySelector('[data-tab="' + key + '"] .count');
      if (span && span.textContent !== String(counts[key])) { span.textContent = counts[key]; }
    });
  }

  function show(data) {
    if (known !== null) {  // the dashboard: the first answer is the page's own state
      if (known === "") { known = data.signature; } else if (data.signature !== known) { link.hidden = false; }
      return;
    }
    showCounts(data.counts);
    if (data.new > 0) {
      link.textContent = data.label;
      link.hidden = false;
    }
  }

  function poll() {
    if (document.hidden && known !== "") { window.setTimeout(poll, every); return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { show(data); } })
      .catch(function () { /* offline or signed out: the next poll tries again */ })
      .then(function () { window.setTimeout(poll, every); });
  }
  if (known === "") { window.setTimeout(poll, 0); } else { window.setTimeout(poll, every); }
}());
