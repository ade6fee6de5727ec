// The families' pages work without this script; with it, "Leave quickly" replaces the page in
// the browser's history (the back button does not return here) and "Print" prints the receipt.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var exit = event.target.closest("[data-quick-exit]");
    if (exit) {
      event.preventDefault();
      document.body.hidden = true;
      window.location.replace(exit.href);
      return;
    }
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
  var printButton = document.querySelector("[data-print]");
  if (printButton) {
    printButton.hidden = false;
  }
})();
