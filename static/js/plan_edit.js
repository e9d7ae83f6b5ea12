// The plan pages' small behaviours, without a framework. Without JavaScript all of it works
// through the server (each section's form posts to its own URL, "add" buttons submit the form)
// and the browser (Ctrl+P prints). With it:
// - a section saves in the background, so what is typed in the other sections stays on the page;
//   after the save the other sections carry the new plan version, so their save is not taken
//   for someone else's conflicting edit;
// - the contents list and the save bar say which sections are changed and not saved, and the
//   browser warns before leaving the page with unsaved changes;
// - a row is added in place; long texts grow where CSS `field-sizing` is not supported;
// - a focused field is never left under the sticky save bar.
// Events for static/js/drafts.js (see the contract in the notes): "drafts:saved" {key} when a
// section's save went through, "drafts:version" {key, version} when a form's version moved on.
(function () {
  "use strict";

  var FORM = "form[data-plan-form]";
  var growsByCss = window.CSS && CSS.supports && CSS.supports("field-sizing", "content");
  var statusRegion = document.getElementById("plan-save-status");

  function sectionKey(form) {
    var section = form.closest("[data-plan-section]");
    return section ? section.getAttribute("data-plan-section") : "";
  }

  function contentsStatus(key) {
    return document.querySelector("[data-contents-for='" + key + "'] [data-section-status]");
  }

  function text(name) {
    var holder = document.querySelector("[data-plan-texts]");
    return holder ? holder.getAttribute("data-" + name) : "";
  }

  function setDirty(form, dirty) {
    if (dirty) { form.setAttribute("data-dirty", ""); } else { form.removeAttribute("data-dirty"); }
    var state = form.querySelector("[data-save-state]");
    if (state && dirty) { state.textContent = text("not-saved"); }
    var status = contentsStatus(sectionKey(form));
    if (status && dirty && !status.classList.contains("plan-contents__status--error")) {
      status.textContent = text("changed");
      status.classList.add("plan-contents__status--unsaved");
    }
  }

  function grow(area) {
    if (growsByCss || !area.matches("textarea[data-grow]")) { return; }
    area.style.height = "auto";
    area.style.height = area.scrollHeight + 2 + "px";
  }

  function growAll(root) {
    if (growsByCss) { return; }
    root.querySelectorAll("textarea[data-grow]").forEach(grow);
  }

  function dispatch(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }

  document.querySelectorAll(FORM + "[data-unsaved]").forEach(function (form) { setDirty(form, true); });
  growAll(document);

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest(FORM);
    if (!form) { return; }
    grow(event.target);
    if (!form.hasAttribute("data-dirty")) { setDirty(form, true); }
  });
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest(FORM);
    if (form && !form.hasAttribute("data-dirty")) { setDirty(form, true); }
  });
  window.addEventListener("beforeunload", function (event) {
    if (!document.querySelector(FORM + "[data-dirty]")) { return; }
    event.preventDefault();
    event.returnValue = "";
  });

  // Adding a row in place.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-formset-add]");
    if (!button) { return; }
    var form = button.closest(FORM);
    var formset = form && form.querySelector("[data-formset]");
    if (!formset) { return; }
    var prefix = formset.getAttribute("data-formset");
    var total = form.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var rows = formset.querySelector("[data-formset-rows]");
    var template = formset.querySelector("template[data-formset-template]");
    if (!total || !rows || !template) { return; }
    event.preventDefault();
    var index = parseInt(total.value, 10) || 0;
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index)).trim();
    var row = holder.firstElementChild;
    rows.appendChild(row);
    total.value = String(index + 1);
    var empty = rows.querySelector("[data-formset-empty]");
    if (empty) { empty.remove(); }
    setDirty(form, true);
    growAll(row);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) { first.focus(); }
  });

  // A focused field is scrolled clear of its section's sticky save bar (where the browser's
  // scroll-padding did not already do it).
  document.addEventListener("focusin", function (event) {
    var form = event.target.closest && event.target.closest(FORM);
    var bar = form && form.querySelector(".plan-save-bar");
    if (!bar || bar.contains(event.target)) { return; }
    var hidden = event.target.getBoundingClientRect().bottom - bar.getBoundingClientRect().top;
    if (hidden > 0) { window.scrollBy({ top: hidden + 8, behavior: "instant" }); }
  });

  // Saving one section in the background.
  function replaceFrom(doc, selector) {
    var fresh = doc.querySelector(selector);
    var old = document.querySelector(selector);
    if (fresh && old) { old.replaceWith(document.importNode(fresh, true)); }
    return document.querySelector(selector);
  }

  function nativeSubmit(form) {
    setDirty(form, false);
    HTMLFormElement.prototype.submit.call(form);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches(FORM) || !window.fetch || !window.DOMParser) { return; }
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("data-formset-add")) { return; }
    event.preventDefault();
    var key = sectionKey(form);
    var versionInput = form.querySelector("input[name=version]");
    var postedVersion = versionInput ? versionInput.value : "";
    var state = form.querySelector("[data-save-state]");
    if (state) { state.textContent = text("saving"); }
    var editPath = new URL(form.action, location.href).pathname.replace(/[^/]+\/$/, "");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    }).then(function (response) {
      var landed = new URL(response.url, location.href).pathname;
      // Logged out, refused or broken: the server's own page says it best, and the draft
      // keeps the typing.
      if (![200, 400, 409].includes(response.status) || landed.indexOf(editPath) !== 0) {
        nativeSubmit(form);
        return null;
      }
      return response.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (!doc.querySelector("[data-plan-section='" + key + "']")) { nativeSubmit(form); return; }
        var saved = response.status === 200;
        var section = replaceFrom(doc, "[data-plan-section='" + key + "']");
        replaceFrom(doc, "[data-contents-for='" + key + "']");
        replaceFrom(doc, "#plan-error-summary");
        growAll(section);
        var newForm = section.querySelector(FORM);
        if (!saved) {
          setDirty(newForm, true);
          var summary = document.querySelector("#plan-error-summary [data-error-summary]");
          if (summary && summary.querySelector("[role=alert]") && window.ErrorSummary) {
            window.ErrorSummary.focus(summary);
          } else {
            var heading = section.querySelector("[role=alert]") || section.querySelector("h2");
            heading.setAttribute("tabindex", "-1");
            heading.focus();
          }
          return;
        }
        var newVersion = newForm.querySelector("input[name=version]").value;
        dispatch("drafts:saved", { key: newForm.getAttribute("data-draft") });
        // The other sections were loaded at the version this save started from: the new
        // version is theirs too. A section loaded earlier keeps its version, so a save of it
        // still hears about what others changed meanwhile.
        document.querySelectorAll(FORM).forEach(function (other) {
          var input = other.querySelector("input[name=version]");
          if (other === newForm || !input || input.value !== postedVersion) { return; }
          input.value = newVersion;
          other.setAttribute("data-draft-version", newVersion);
          dispatch("drafts:version", { key: other.getAttribute("data-draft"), version: newVersion });
        });
        var message = doc.querySelector(".messages");
        var announcement = message ? message.textContent.trim() : text("saved");
        if (statusRegion) { statusRegion.textContent = announcement; }
        var newState = newForm.querySelector("[data-save-state]");
        if (newState) { newState.textContent = announcement; newState.classList.add("plan-save-bar__state--saved"); }
        var button = newForm.querySelector(".plan-save-bar button[type=submit]");
        if (button) { button.focus({ preventScroll: true }); }
      });
    }).catch(function () {
      if (state) { state.textContent = text("offline"); }
    });
  });

  var current = document.querySelector("[data-current-section]");
  if (current && !location.hash && !document.querySelector("[data-error-summary] [role=alert]")) {
    current.scrollIntoView({ block: "start", behavior: "instant" });
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
