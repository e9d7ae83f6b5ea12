// A table wider than a phone scrolls sideways inside its wrapper (.table-responsive), and so does
// a chart too small to read at a phone's width (.scroll-x). Keyboard users must be able to reach
// that scroll too (WCAG 2.1.1), so a wrapper that overflows becomes a focusable, named region; one
// that fits is left out of the tab order. Templates that name the region themselves
// (tabindex in the markup) are left alone.
(function () {
  "use strict";

  function nameOf(wrapper) {
    var caption = wrapper.querySelector("caption");
    if (caption && caption.textContent.trim()) {
      return caption.textContent.trim();
    }
    var heading = wrapper.previousElementSibling;
    while (heading && !/^H[1-6]$/.test(heading.tagName)) {
      heading = heading.previousElementSibling;
    }
    return heading ? heading.textContent.trim() : document.title;
  }

  function update() {
    var wrappers = Array.prototype.filter.call(
      document.querySelectorAll(".table-responsive, .scroll-x"),
      function (wrapper) {
        if (wrapper.dataset.scrollRegion === undefined && wrapper.hasAttribute("tabindex")) {
          wrapper.dataset.scrollRegion = "markup";
        }
        return wrapper.dataset.scrollRegion !== "markup";
      }
    );
    // Measure every wrapper before changing any: a change between two measurements would make
    // the browser lay the page out again for each table.
    var overflowing = wrappers.map(function (wrapper) {
      return wrapper.scrollWidth > wrapper.clientWidth + 1;
    });
    wrappers.forEach(function (wrapper, index) {
      if (overflowing[index]) {
        wrapper.setAttribute("tabindex", "0");
        wrapper.setAttribute("role", "region");
        wrapper.setAttribute("aria-label", nameOf(wrapper));
        wrapper.dataset.scrollRegion = "script";
      } else if (wrapper.dataset.scrollRegion === "script") {
        wrapper.removeAttribute("tabindex");
        wrapper.removeAttribute("role");
        wrapper.removeAttribute("aria-label");
        wrapper.dataset.scrollRegion = "";
      }
    });
  }

  document.addEventListener("DOMContentLoaded", update);
  window.addEventListener("resize", update);
  document.addEventListener("htmx:afterSettle", update);
})();
