// The plan pages' small behaviours, without a framework: add a row to a part of the plan, warn
// before leaving the edit form with unsaved changes, and print the plan. Without JavaScript the
// same things work through the server ("add" buttons submit the form) and the browser (Ctrl+P).
(function () {
  "use strict";

  var form = document.querySelector("form[data-plan-form]");
  if (form) {
    // A page re-rendered with what the user typed (errors, a conflict) is unsaved from the start.
    var dirty = form.hasAttribute("data-unsaved");
    var markDirty = function () { dirty = true; };
    form.addEventListener("input", markDirty);
    form.addEventListener("change", markDirty);
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (!dirty) { return; }
      event.preventDefault();
      event.returnValue = "";
    });

    form.querySelectorAll("[data-formset]").forEach(function (section) {
      var prefix = section.getAttribute("data-formset");
      var total = form.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
      var rows = section.querySelector("[data-formset-rows]");
      var template = section.querySelector("template[data-formset-template]");
      var button = section.querySelector("[data-formset-add]");
      if (!total || !rows || !template || !button) { return; }
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var index = parseInt(total.value, 10) || 0;
        var holder = document.createElement("div");
        holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index)).trim();
        var row = holder.firstElementChild;
        rows.appendChild(row);
        total.value = String(index + 1);
        var empty = rows.querySelector("[data-formset-empty]");
        if (empty) { empty.remove(); }
        dirty = true;
        var first = row.querySelector("input:not([type=hidden]), select, textarea");
        if (first) { first.focus(); }
      });
    });
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
