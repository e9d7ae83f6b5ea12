// Never lose a word: what a person types in a long form is kept in this browser until the server
// has it, and the session stays alive while they type.
//
// A form opts in with data-draft="<key>" (unique per object and form, e.g. "plan-12") and, when
// the server counts versions, data-draft-version="<n>". The draft lives in localStorage under the
// person's id (body data-user-id) and the key. On load it is put back when it differs from what
// the server rendered and the version is the same, and the person is told so; it is dropped when
// the server shows a higher version, when the server says the submit that carried it was saved
// (a cookie set by leanprogram.middleware.DraftSavedMiddleware), or after 30 days.
// data-draft-unsaved marks a form the server re-rendered from what was posted (a validation
// error, a conflict): that typing is kept as the draft at once.
//
// While the person has typed since the last ping, a keepalive POST goes to the server at most
// every quarter of the idle timeout (body data-idle-timeout, seconds) and at most every five
// minutes: typing counts as activity, reading does not.
(function () {
  "use strict";

  var PREFIX = "lean-draft:";
  var KEEP_MS = 30 * 24 * 3600 * 1000;
  var SAVE_DELAY_MS = 500;
  var TOKEN_FIELD = "_draft";
  var SAVED_COOKIE = "lean_draft_saved";
  // Never written to a draft: secrets, the CSRF token, and the version the form was loaded from.
  var SKIP_NAMES = { csrfmiddlewaretoken: true, version: true, _draft: true };
  var SKIP_TYPES = {
    password: true, hidden: true, submit: true, button: true, reset: true, file: true, image: true
  };

  var body = document.body;
  var userId = body.getAttribute("data-user-id");

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      // Storage switched off: the forms work as before, without drafts.
      return null;
    }
  }

  function read(store, key) {
    try {
      return JSON.parse(store.getItem(key));
    } catch (error) {
      return null;
    }
  }

  function write(store, key, value) {
    try {
      store.setItem(key, JSON.stringify(value));
    } catch (error) {
      // Full or refused: nothing more this page can do.
    }
  }

  function sweepOld(store) {
    var now = Date.now();
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        var draft = read(store, key);
        if (!draft || typeof draft.savedAt !== "number" || now - draft.savedAt > KEEP_MS) {
          store.removeItem(key);
        }
      }
    }
  }

  function savedToken() {
    var match = document.cookie.match(new RegExp("(?:^|; )" + SAVED_COOKIE + "=([A-Za-z0-9]+)"));
    return match ? match[1] : null;
  }

  function forgetSavedToken() {
    document.cookie = SAVED_COOKIE + "=; Max-Age=0; Path=/; SameSite=Lax" +
      (location.protocol === "https:" ? "; Secure" : "");
  }

  function dropSavedDrafts(store, token) {
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        var draft = read(store, key);
        if (draft && draft.token === token) {
          store.removeItem(key);
        }
      }
    }
  }

  function eligible(element) {
    var name = element.name;
    if (!name || SKIP_NAMES[name] || element.disabled) { return false; }
    var tag = element.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select") { return true; }
    return tag === "input" && !SKIP_TYPES[(element.type || "text").toLowerCase()];
  }

  // name -> the values the form would submit for it ([] for an unticked checkbox).
  function collect(form) {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!eligible(element)) { return; }
      var values = fields[element.name] || (fields[element.name] = []);
      var type = (element.type || "").toLowerCase();
      if (type === "checkbox" || type === "radio") {
        if (element.checked) { values.push(element.value); }
      } else if (element.tagName.toLowerCase() === "select") {
        Array.prototype.forEach.call(element.options, function (option) {
          if (option.selected) { values.push(option.value); }
        });
      } else {
        values.push(element.value);
      }
    });
    return fields;
  }

  function same(a, b) {
    var keys = Object.keys(a).concat(Object.keys(b));
    return keys.every(function (key) {
      return JSON.stringify(a[key] || []) === JSON.stringify(b[key] || []);
    });
  }

  function named(form, name) {
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.name === name && eligible(element);
    });
  }

  // A row the person added in the browser is not in the page the server renders: add it again
  // with the form's own "add" button (static/js/plan_edit.js), and keep a stray click from
  // submitting the form.
  function addRowsFor(form, fields) {
    var added = [];
    var block = function (event) { event.preventDefault(); };
    form.addEventListener("submit", block, true);
    try {
      Object.keys(fields).forEach(function (name) {
        var match = name.match(/^(.+)-(\d+)-[^-]+$/);
        var filled = fields[name].some(function (value) { return value !== ""; });
        if (!match || !filled || named(form, name).length) { return; }
        var section = form.querySelector('[data-formset="' + match[1] + '"]');
        // The sectioned plan form keeps its "add" button in the section's save bar.
        var button = section && (section.querySelector("[data-formset-add]") ||
          form.querySelector('[data-formset-add][name="add_' + match[1] + '"]'));
        var rows = section && section.querySelector("[data-formset-rows]");
        for (var tries = 0; button && rows && tries < 50 && !named(form, name).length; tries++) {
          var before = rows.children.length;
          button.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));
          if (rows.children.length === before) { break; }
          added.push(rows.lastElementChild);
        }
      });
    } finally {
      form.removeEventListener("submit", block, true);
    }
    return added;
  }

  function apply(form, fields) {
    Object.keys(fields).forEach(function (name) {
      var values = fields[name];
      named(form, name).forEach(function (element, index) {
        var type = (element.type || "").toLowerCase();
        if (type === "checkbox" || type === "radio") {
          element.checked = values.indexOf(element.value) !== -1;
        } else if (element.tagName.toLowerCase() === "select") {
          Array.prototype.forEach.call(element.options, function (option) {
            option.selected = values.indexOf(option.value) !== -1;
          });
        } else if (index < values.length) {
          element.value = values[index];
        }
      });
    });
  }

  // Every element's state, hidden ones too, so that "Discard" puts the page back as it came.
  function snapshot(form) {
    return Array.prototype.map.call(form.elements, function (element) {
      return {
        element: element,
        value: element.value,
        checked: element.checked,
        selected: element.options ? Array.prototype.map.call(element.options, function (o) {
          return o.selected;
        }) : null
      };
    });
  }

  function putBack(state) {
    state.forEach(function (item) {
      var element = item.element;
      if (item.selected) {
        Array.prototype.forEach.call(element.options, function (option, index) {
          option.selected = item.selected[index];
        });
      } else if (element.type === "checkbox" || element.type === "radio") {
        element.checked = item.checked;
      } else if ("value" in element) {
        element.value = item.value;
      }
    });
  }

  function pad(number) { return (number < 10 ? "0" : "") + number; }

  function notice(form, template, when) {
    var box = document.createElement("div");
    box.className = "alert alert-info draft-notice";
    box.setAttribute("role", "status");
    form.parentNode.insertBefore(box, form);
    var content = template.content.cloneNode(true);
    var text = content.querySelector("[data-draft-text]");
    if (text && when) {
      var moment = new Date(when);
      text.textContent = text.textContent
        .replace("{date}", pad(moment.getDate()) + "." + pad(moment.getMonth() + 1) + "." +
                 moment.getFullYear())
        .replace("{time}", pad(moment.getHours()) + ":" + pad(moment.getMinutes()));
    }
    // Filled after it is in the page, so that screen readers announce it.
    window.setTimeout(function () { box.appendChild(content); }, 50);
    return box;
  }

  function csrfToken(form) {
    var field = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) { return field.value; }
    try {
      return JSON.parse(body.getAttribute("data-hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function randomToken() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return pad16(b); }).join("");
  }

  function pad16(byte) { return (byte < 16 ? "0" : "") + byte.toString(16); }

  function setUp(store) {
    var forms = document.querySelectorAll("form[data-draft]");
    if (!forms.length) { return; }
    var typed = false;
    var expiredShown = false;
    var keepalive = function () {};
    // Per draft key: the pending save's timer and the token of the submit that carried it. Kept
    // by key, not by element: the sectioned plan form swaps in a fresh <form> after a background
    // save (static/js/plan_edit.js), and typing in it must be kept like typing in the old one.
    var pending = {};

    var keyOf = function (form) { return PREFIX + userId + ":" + form.getAttribute("data-draft"); };
    var stateOf = function (form) {
      var key = keyOf(form);
      return pending[key] || (pending[key] = { timer: null, token: null, form: form });
    };
    var save = function (form) {
      var state = stateOf(form);
      window.clearTimeout(state.timer);
      state.timer = null;
      state.form = form;
      write(store, keyOf(form), {
        version: form.getAttribute("data-draft-version"),
        savedAt: Date.now(),
        fields: collect(form),
        token: state.token
      });
    };
    var savePending = function () {
      Object.keys(pending).forEach(function (key) {
        var state = pending[key];
        if (state.timer && document.contains(state.form)) { save(state.form); }
      });
    };

    Array.prototype.forEach.call(forms, function (form) {
      var key = keyOf(form);
      var version = form.getAttribute("data-draft-version");
      var draft = read(store, key);

      if (draft && version !== null && draft.version !== version) {
        // A higher version: the save went through (or someone else's did, which the person
        // sees on the page). Restoring onto it would undo what is saved.
        store.removeItem(key);
        draft = null;
      }
      if (draft && draft.fields && !same(draft.fields, collect(form))) {
        var state = snapshot(form);
        var added = addRowsFor(form, draft.fields);
        apply(form, draft.fields);
        // The form's own scripts learn that it now holds unsaved typing.
        form.dispatchEvent(new Event("input", { bubbles: true }));
        var template = document.querySelector("template[data-draft-restored]");
        if (template) {
          var box = notice(form, template, draft.savedAt);
          box.addEventListener("click", function (event) {
            if (!event.target.closest("[data-draft-discard]")) { return; }
            added.forEach(function (row) { row.remove(); });
            putBack(state);
            store.removeItem(key);
            box.remove();
            var first = form.querySelector("input:not([type=hidden]), textarea, select");
            if (first) { first.focus(); }
          });
        }
      } else if (form.hasAttribute("data-draft-unsaved")) {
        save(form);
      }
    });

    var changed = function (event) {
      var form = event.target.closest && event.target.closest("form[data-draft]");
      if (!form) { return; }
      typed = true;
      keepalive();
      var state = stateOf(form);
      window.clearTimeout(state.timer);
      state.timer = window.setTimeout(function () { save(form); }, SAVE_DELAY_MS);
    };
    document.addEventListener("input", changed);
    document.addEventListener("change", changed);
    // In the capture phase: before a script that sends the form in the background reads it.
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches || !form.matches("form[data-draft]")) { return; }
      var state = stateOf(form);
      state.token = randomToken();
      var field = form.querySelector("input[name=" + TOKEN_FIELD + "]");
      if (!field) {
        field = document.createElement("input");
        field.type = "hidden";
        field.name = TOKEN_FIELD;
        form.appendChild(field);
      }
      field.value = state.token;
      save(form);
    }, true);
    // A section saved in the background: its draft is on the server now.
    document.addEventListener("drafts:saved", function (event) {
      var key = PREFIX + userId + ":" + event.detail.key;
      if (pending[key]) { window.clearTimeout(pending[key].timer); pending[key].timer = null; }
      store.removeItem(key);
    });
    // Another section's save moved the plan's version on: that form's unsaved typing belongs to
    // the new version, or the next load would take it for saved and drop it.
    document.addEventListener("drafts:version", function (event) {
      var key = PREFIX + userId + ":" + event.detail.key;
      var draft = read(store, key);
      if (draft) {
        draft.version = String(event.detail.version);
        write(store, key, draft);
      }
    });
    // A closed tab or a crash between two keystrokes: keep what the timers had not yet written.
    window.addEventListener("pagehide", savePending);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { savePending(); }
    });

    // A page load was a request: the first ping is due one interval after it. Typing after a
    // quiet spell pings at once, so that it counts even just before the timeout.
    var url = body.getAttribute("data-keepalive-url");
    var idle = parseInt(body.getAttribute("data-idle-timeout"), 10);
    if (!url || !(idle > 0) || !window.fetch) { return; }
    var every = Math.max(1, Math.min(300, Math.floor(idle / 4))) * 1000;
    var lastPing = Date.now();
    keepalive = function () {
      if (!typed || Date.now() - lastPing < every) { return; }
      typed = false;
      lastPing = Date.now();
      window.fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(forms[0]) }
      }).then(function (response) {
        if (response.status === 403 && !expiredShown) {
          var template = document.querySelector("template[data-draft-expired]");
          if (template) {
            expiredShown = true;
            notice(forms[0], template, null);
          }
        }
      }).catch(function () {
        // Offline for a moment: the draft is kept, and the next ping tries again.
        typed = true;
      });
    };
    window.setInterval(keepalive, Math.min(every, 60000));
  }

  var store = userId ? storage() : null;
  if (!store) { return; }
  sweepOld(store);
  var token = savedToken();
  if (token) {
    dropSavedDrafts(store, token);
    forgetSavedToken();
  }
  // After the other deferred scripts (they run while the state is "interactive", before
  // DOMContentLoaded): a restored row needs the form's own "add" button working.
  if (document.readyState !== "complete") {
    document.addEventListener("DOMContentLoaded", function () { setUp(store); });
  } else {
    setUp(store);
  }
})();
