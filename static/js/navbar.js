// The menu button on narrow screens opens and closes the main menu. This is the one piece of
// Bootstrap's JavaScript the pages used: Bootstrap's bundle (80 KiB) is not shipped for it.
// Markup as Bootstrap documents it: a button with data-bs-toggle="collapse" and
// data-bs-target="#id" over a ".collapse" element, which shows while it has "show".
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest('[data-bs-toggle="collapse"]');
    if (!button) {
      return;
    }
    var target = document.querySelector(button.getAttribute("data-bs-target"));
    if (!target) {
      return;
    }
    var open = target.classList.toggle("show");
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.classList.toggle("collapsed", !open);
  });
})();
