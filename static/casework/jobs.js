/* A background job's page: its progress bar follows the job's status (read every two seconds
   from the page's status URL), and the page is reloaded once the job has finished, to show its
   result or what stopped it. Without JavaScript the page refreshes itself (a meta refresh). */
(function () {
  "use strict";

  var POLL_MS = 2000;

  function start() {
    var box = document.getElementById("job");
    if (!box || box.getAttribute("data-finished") === "1" || !window.fetch) {
      return;
    }
    var url = box.getAttribute("data-status-url");
    var bar = document.getElementById("job-progress");
    var state = document.getElementById("job-state");
    var message = document.getElementById("job-message");
    var count = document.getElementById("job-count");

    function show(status) {
      if (status.total) {
        bar.max = status.total;
        bar.value = status.done;
        bar.textContent = status.percent + " %";
        count.textContent = status.done + " / " + status.total;
      }
      state.textContent = status.state_label;
      if (status.message) {
        message.textContent = status.message;
      }
      if (status.finished) {
        window.location.reload();
        return;
      }
      window.setTimeout(poll, POLL_MS);
    }

    function poll() {
      window
        .fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(show)
        .catch(function () {
          window.setTimeout(poll, POLL_MS * 5);
        });
    }

    window.setTimeout(poll, POLL_MS);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
