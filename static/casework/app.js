/* casework's own script (the CSP allows no inline script). Two things, both for staff who work
   with a keyboard or a screen reader all day:
   - after a refused form, the focus goes to the summary of its errors, which links to each field;
   - shortly before the idle timeout, a warning offers to stay signed in. What is typed is never
     put in the browser's storage (computers are shared): a form sent after the timeout is kept
     on the server and offered back after the next login. */
(function () {
  "use strict";

  function focusErrorSummary() {
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
    }
  }

  var WARN_BEFORE_SECONDS = 120;
  // The server writes "last seen" at most once a minute: warn as if the page were that much older.
  var SERVER_SLACK_SECONDS = 60;

  function idleWarning() {
    var idle = parseInt(document.body.getAttribute("data-idle-seconds"), 10);
    var form = document.getElementById("idle-warning");
    if (!idle || !form || !window.fetch) {
      return;
    }
    var text = document.getElementById("idle-warning-text");
    var button = form.querySelector("button");
    var timers = [];

    function schedule() {
      timers.forEach(window.clearTimeout);
      var warnAt = Math.max(idle - WARN_BEFORE_SECONDS - SERVER_SLACK_SECONDS, idle / 2);
      timers = [
        window.setTimeout(show, warnAt * 1000),
        window.setTimeout(ended, (idle - SERVER_SLACK_SECONDS) * 1000),
      ];
    }

    function show() {
      form.hidden = false;
      button.focus();
    }

    function ended() {
      text.textContent = text.getAttribute("data-ended");
      button.hidden = true;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window
        .fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          redirect: "manual",
        })
        .then(function (response) {
          if (response.status === 204) {
            form.hidden = true;
            schedule();
          } else {
            ended();
          }
        })
        .catch(ended);
    });
    schedule();
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    idleWarning();
  });
})();
