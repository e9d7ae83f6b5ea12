// A copy button beside a read-only link field (a calendar feed's address). Without script, or
// without the clipboard API, the button stays hidden and the field can be selected and copied.
(function () {
  "use strict";

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
}());
