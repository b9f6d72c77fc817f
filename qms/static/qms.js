/* QMS Tracker: the page behaviour every template relies on, with no inline script (CSP-ready).
 *
 * 1. <form data-confirm="question"> asks the question before it submits, and does nothing if the
 *    user says no. A form whose action ends in /delete or /remove (or contains /delete/ or
 *    /remove/) asks the page's generic question (<body data-confirm-default>) when it names none.
 * 2. <form data-warn-unsaved> becomes dirty on input or change; while a form is dirty, leaving the
 *    page asks first (beforeunload). Submitting the form clears it.
 * 3. A <select data-autosubmit> submits its form when the user picks another option.
 * 4. A checkbox <input data-check-all="NAME"> checks or clears every checkbox named NAME of its form.
 */
(function () {
  "use strict";

  var DESTRUCTIVE = /\/(delete|remove)(\/|$|\?)/;

  function actionPath(form) {
    var action = form.getAttribute("action") || "";
    try {
      return new URL(action, window.location.href).pathname;
    } catch (e) {
      return action.split("?")[0];
    }
  }

  function confirmQuestion(form) {
    if (form.hasAttribute("data-confirm")) {
      return form.getAttribute("data-confirm") || document.body.getAttribute("data-confirm-default");
    }
    if (DESTRUCTIVE.test(actionPath(form))) {
      return document.body.getAttribute("data-confirm-default") || "?";
    }
    return null;
  }

  var dirty = new Set();

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement)) {
        return;
      }
      var question = confirmQuestion(form);
      if (question && !window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
        return;
      }
      dirty.delete(form);
    },
    true
  );

  function markDirty(event) {
    var form = event.target && event.target.form;
    if (form && form.hasAttribute("data-warn-unsaved")) {
      dirty.add(form);
    }
  }
  document.addEventListener("input", markDirty, true);
  document.addEventListener("change", markDirty, true);

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box instanceof HTMLInputElement && box.hasAttribute("data-check-all") && box.form) {
      var name = box.getAttribute("data-check-all");
      box.form.querySelectorAll('input[type="checkbox"]').forEach(function (other) {
        if (other.name === name && !other.disabled) {
          other.checked = box.checked;
        }
      });
    }
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
      if (typeof field.form.requestSubmit === "function") {
        field.form.requestSubmit();
      } else {
        field.form.submit();
      }
    }
  });

  window.addEventListener("beforeunload", function (event) {
    dirty.forEach(function (form) {
      if (!document.body.contains(form)) {
        dirty.delete(form);
      }
    });
    if (dirty.size === 0) {
      return undefined;
    }
    var message = document.body.getAttribute("data-unsaved-warning") || "";
    event.preventDefault();
    event.returnValue = message;
    return message;
  });
})();
