/* Gaizao's own behaviour for every page (no CDN, no inline script).

   data-confirm: a button (or form) whose action cannot be undone asks first, in a dialog with a summary.
     <button name="action" value="close" data-confirm="截止并计票？"
             data-confirm-summary="表决：…|参与：10 人|截止后不能再投票。">截止并计票</button>
   The summary is split on "|" and "{field}" is replaced by the form's current value of that field; a line "标签：值" (or "label: value") becomes a term and its value. The dialog also
   names the button pressed (for an owner's vote: the choice). Confirm submits the form with the same button, so
   plain and HTMX forms work alike; Cancel (or Esc) does nothing. */
(function () {
  "use strict";
  var zh = (document.documentElement.lang || "zh").indexOf("zh") === 0;
  var TEXT = zh
    ? { ok: "确认", cancel: "取消", action: "操作", title: "请确认" }
    : { ok: "Confirm", cancel: "Cancel", action: "Action", title: "Please confirm" };
  var confirmed = new WeakSet();

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) { node.textContent = text; }
    return node;
  }

  function fill(text, form) {
    // "{days}" → the current value of the form's field "days"
    return (text || "").replace(/\{([a-z_]+)\}/g, function (all, name) {
      var field = form.elements.namedItem(name);
      return field && "value" in field ? field.value : all;
    });
  }

  function summaryList(source, submitter) {
    var dl = el("dl");
    function add(term, value) {
      dl.appendChild(el("dt", {}, term));
      dl.appendChild(el("dd", {}, value));
    }
    if (submitter && submitter.textContent.trim()) { add(TEXT.action, submitter.textContent.trim()); }
    (source || "").split("|").forEach(function (line) {
      line = line.trim();
      if (!line) { return; }
      var m = line.match(/^([^：:]{1,30})[：:]\s*(.+)$/);
      if (m) { add(m[1], m[2]); } else { dl.appendChild(el("dd", { "class": "note" }, line)); }
    });
    return dl;
  }

  function ask(form, submitter) {
    var origin = submitter && submitter.hasAttribute("data-confirm") ? submitter : form;
    var dialog = el("dialog", { "class": "confirm", "aria-labelledby": "confirm-title", "data-confirm-dialog": "" });
    dialog.appendChild(el("h2", { id: "confirm-title" }, origin.getAttribute("data-confirm") || TEXT.title));
    dialog.appendChild(summaryList(fill(origin.getAttribute("data-confirm-summary"), form), submitter));
    var actions = el("div", { "class": "actions" });
    var cancel = el("button", { type: "button", value: "cancel" }, origin.getAttribute("data-confirm-cancel") || TEXT.cancel);
    var ok = el("button", { type: "button", value: "confirm", "class": (submitter && submitter.classList.contains("danger")) ? "danger" : "primary" },
      origin.getAttribute("data-confirm-ok") || TEXT.ok);
    actions.appendChild(cancel);
    actions.appendChild(ok);
    dialog.appendChild(actions);
    document.body.appendChild(dialog);
    function close() { dialog.close(); dialog.remove(); if (submitter) { submitter.focus(); } }
    cancel.addEventListener("click", close);
    dialog.addEventListener("cancel", function (e) { e.preventDefault(); close(); });
    ok.addEventListener("click", function () {
      dialog.close();
      dialog.remove();
      confirmed.add(form);
      if (submitter) { form.requestSubmit(submitter); } else { form.requestSubmit(); }
    });
    dialog.showModal();
    cancel.focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    if (confirmed.has(form)) { confirmed.delete(form); return; }
    var submitter = event.submitter || null;
    var needs = (submitter && submitter.hasAttribute("data-confirm")) || form.hasAttribute("data-confirm");
    if (!needs) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    ask(form, submitter);
  }, true);
})();

/* Required fields are marked: a red asterisk after the label text of every required input, select or textarea
   (screen readers already announce "required" from the attribute, so the mark is hidden from them). */
(function () {
  "use strict";
  function mark(root) {
    root.querySelectorAll("input[required], select[required], textarea[required]").forEach(function (field) {
      var label = field.closest("label") || (field.id && document.querySelector('label[for="' + field.id + '"]'));
      if (!label || label.querySelector(".req")) { return; }
      var star = document.createElement("span");
      star.className = "req";
      star.setAttribute("aria-hidden", "true");
      star.textContent = " *";
      var text = Array.prototype.find.call(label.childNodes, function (n) { return n.nodeType === 3 && n.textContent.trim(); });
      if (text) { label.insertBefore(star, text.nextSibling); } else { label.insertBefore(star, label.firstChild); }
    });
  }
  mark(document);
  document.addEventListener("htmx:afterSwap", function (e) { mark(e.target); });
})();
