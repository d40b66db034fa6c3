/* triage: keyboard shortcuts of the queue. "/" goes to the search field, "j" / "k" to the
   next / previous ticket (Enter opens it). Not while typing in a field, nor with Ctrl/Alt/Meta. */
(function () {
  "use strict";
  function links() { return Array.prototype.slice.call(document.querySelectorAll("table.queue tbody tr[data-ref] td.ref-cell a:first-child")); }
  function typing(target) {
    var name = (target && target.tagName) || "";
    return name === "INPUT" || name === "TEXTAREA" || name === "SELECT" || (target && target.isContentEditable);
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) { return; }
    var search = document.getElementById("q");
    if (event.key === "/" && search) {
      event.preventDefault();
      search.focus();
      search.select();
      return;
    }
    if (event.key !== "j" && event.key !== "k") { return; }
    var all = links();
    if (!all.length) { return; }
    var here = all.indexOf(document.activeElement);
    var next = event.key === "j" ? Math.min(here + 1, all.length - 1) : Math.max(here - 1, 0);
    if (here === -1) { next = event.key === "j" ? 0 : all.length - 1; }
    event.preventDefault();
    all[next].focus();
    all[next].scrollIntoView({ block: "nearest" });
  });
}());
