// The improvement board works without this file; it only adds the browser's own full-screen
// mode on the wall-screen view, a print button, a copy button for screen links, puts keyboard
// focus back on the card that just moved, and stops a withdrawn screen link from asking again.
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

  document.querySelectorAll("[data-copy-from]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-from"));
    if (!field || !navigator.clipboard) { return; }
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = button.getAttribute("data-copied");
        window.setTimeout(function () { button.textContent = label; }, 3000);
      }, function () {
        field.select();
      });
    });
  });

  document.body.addEventListener("htmx:afterSettle", function () {
    var board = document.getElementById("board");
    var id = board && board.getAttribute("data-focus-after-swap");
    var card = id && document.getElementById(id);
    if (card) {
      card.focus();
    }
  });

  // The wall-screen view's refresh is the page asking, not a person: it must not keep a
  // logged-in session alive (leanprogram.middleware.BACKGROUND_HEADER). Set here, not through
  // hx-headers, which the move buttons inside would inherit.
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "board-live") {
      event.detail.headers["X-Lean-Background"] = "1";
    }
  });

  // A withdrawn (or forged) screen link answers 404: say so in place of the board, and stop
  // polling by putting a plain element where the polling one was. Other errors (the network, a
  // restart) leave the last board up, and the next refresh tries again.
  document.body.addEventListener("htmx:responseError", function (event) {
    var live = document.getElementById("board-live");
    if (!live || event.detail.elt !== live || event.detail.xhr.status !== 404) { return; }
    var gone = document.createElement("p");
    gone.className = "alert alert-warning board-gone";
    gone.setAttribute("role", "alert");
    gone.textContent = live.getAttribute("data-board-gone");
    live.replaceWith(gone);
  });
})();
