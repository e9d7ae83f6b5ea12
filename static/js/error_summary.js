// The GOV.UK error summary (templates/components/_error_summary.html). On load, the summary takes
// focus so that a screen reader reads it and the keyboard starts from it. A link in it moves
// focus to its field and scrolls the field's label or legend into view, not just the input, so
// the person sees what the field is. Pages that swap a summary in later call
// window.ErrorSummary.focus(element).
(function () {
  "use strict";

  function labelFor(field) {
    var fieldset = field.closest("fieldset");
    var legend = fieldset && fieldset.querySelector("legend");
    var label = field.id ? document.querySelector("label[for='" + CSS.escape(field.id) + "']") : null;
    // A legend above a short row keeps the row's name in view; a long row scrolls to the label.
    if (legend && label && label.getBoundingClientRect().top - legend.getBoundingClientRect().top < window.innerHeight / 2) {
      return legend;
    }
    return label || legend || field;
  }

  function focusField(id) {
    var field = document.getElementById(id);
    if (!field) { return false; }
    var target = labelFor(field);
    target.scrollIntoView({ block: "start", behavior: "instant" });
    field.focus({ preventScroll: true });
    return document.activeElement === field;
  }

  function focusSummary(container) {
    var box = container && container.querySelector("[role=alert][tabindex]");
    if (!box) { return; }
    box.scrollIntoView({ block: "start", behavior: "instant" });
    box.focus({ preventScroll: true });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) { return; }
    if (focusField(decodeURIComponent(link.getAttribute("href").slice(1)))) {
      event.preventDefault();
    }
  });

  window.ErrorSummary = { focus: focusSummary, focusField: focusField };

  var first = document.querySelector("[data-error-summary]");
  if (first) { focusSummary(first); }
})();
