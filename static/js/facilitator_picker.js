// The facilitator checkboxes' name filter. Without JavaScript the list is complete and works with
// the keyboard; with it, typing part of a name hides everyone else. Ticked people stay visible so
// nobody is chosen out of sight.
(function () {
  "use strict";

  var fold = function (text) {
    return text.toLocaleLowerCase("nb").replace(/\s+/g, " ").trim();
  };

  document.querySelectorAll("[data-facilitator-picker]").forEach(function (picker) {
    var filter = picker.querySelector("[data-facilitator-filter]");
    var input = filter && filter.querySelector("input");
    var shown = filter && filter.querySelector("[data-facilitator-shown]");
    var people = Array.prototype.slice.call(picker.querySelectorAll("[data-facilitator]"));
    if (!input || people.length === 0) { return; }
    filter.hidden = false;

    var apply = function () {
      var query = fold(input.value);
      var count = 0;
      people.forEach(function (person) {
        var box = person.querySelector("input");
        var visible = !query || box.checked || fold(person.textContent).indexOf(query) !== -1;
        person.hidden = !visible;
        if (visible) { count += 1; }
      });
      picker.querySelectorAll("[data-facilitator-group]").forEach(function (group) {
        group.hidden = !group.querySelector("[data-facilitator]:not([hidden])");
      });
      shown.textContent = query
        ? shown.getAttribute("data-template")
          .replace("%(shown)s", count).replace("%(total)s", people.length)
        : "";
    };
    input.addEventListener("input", apply);
    // Enter in the filter would submit the course day before it is finished.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
  });
})();
