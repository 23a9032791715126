// Import page: show that a (possibly large) upload is in progress and prevent a double submission.
(function () {
  "use strict";
  var form = document.querySelector("[data-import-form]");
  if (!form) { return; }
  form.addEventListener("submit", function () {
    var button = document.getElementById("import-submit");
    if (button) {
      button.disabled = true;
      if (button.dataset.busy) { button.textContent = button.dataset.busy; }
    }
  });
})();
