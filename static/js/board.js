// The improvement board works without this file; it only adds the browser's own full-screen
// mode, a print button, and puts keyboard focus back on the card that just moved.
(function () {
  "use strict";

  var fill = document.querySelector("[data-board-fill-screen]");
  if (fill && document.fullscreenEnabled) {
    fill.hidden = false;
    fill.addEventListener("click", function () {
      if (document.fullscreenElement) {
        document.exitFullscreen();
      } else {
        document.documentElement.requestFullscreen();
      }
    });
    document.addEventListener("fullscreenchange", function () {
      fill.textContent = document.fullscreenElement ? fill.dataset.labelLeave : fill.dataset.labelEnter;
    });
  }

  var print = document.querySelector("[data-board-print]");
  if (print && window.print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }

  document.body.addEventListener("htmx:afterSettle", function (event) {
    var board = document.getElementById("board");
    var id = board && board.getAttribute("data-focus-after-swap");
    var card = id && document.getElementById(id);
    if (card) {
      card.focus();
    }
  });
})();
