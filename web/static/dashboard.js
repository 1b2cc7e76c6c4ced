// Live check-in counter: the page works without this; it only keeps the numbers current.
(function () {
  "use strict";
  var stats = document.querySelector("[data-live]");
  if (!stats || !window.EventSource) return;
  var source = new EventSource(stats.getAttribute("data-live"));
  var state = document.getElementById("live-state");
  source.addEventListener("counts", function (message) {
    var counts = JSON.parse(message.data);
    document.getElementById("live-checked-in").textContent = String(counts.checked_in);
    document.getElementById("live-sold").textContent = String(counts.tickets_sold);
    stats.setAttribute("data-connected", "yes");
  });
  source.addEventListener("signed_out", function () {
    source.close();
    if (state) state.textContent = "Your session ended; reload to sign in again.";
  });
})();
