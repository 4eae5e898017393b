// Candidacy application form: show details only when their checkbox is ticked, and count
// the motivation's characters. The form works the same without this script.
(function () {
  "use strict";

  function bindToggle(checkbox) {
    var target = document.getElementById(checkbox.dataset.intakeToggle);
    if (!target) {
      return;
    }
    var update = function () {
      target.classList.toggle("d-none", !checkbox.checked);
    };
    checkbox.addEventListener("change", update);
    update();
  }

  function bindCounter(textarea) {
    var minimum = parseInt(textarea.dataset.intakeMinimum, 10);
    var template = textarea.dataset.intakeCounter || "{count}";
    var counter = document.createElement("div");
    counter.className = "form-text";
    counter.setAttribute("aria-live", "polite");
    textarea.insertAdjacentElement("afterend", counter);
    var update = function () {
      var count = textarea.value.trim().length;
      counter.textContent = template.replace("{count}", String(count));
      counter.classList.toggle("text-success", count >= minimum);
    };
    textarea.addEventListener("input", update);
    update();
  }

  document.querySelectorAll("[data-intake-toggle]").forEach(bindToggle);
  document.querySelectorAll("textarea[data-intake-minimum]").forEach(bindCounter);
})();
