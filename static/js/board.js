/* Board members' pages. No inline scripts (strict CSP): behaviour is attached here. */
(function () {
  "use strict";

  // Dossier: warn before leaving the page with unsaved changes to the review.
  var review = document.querySelector("form[data-board-review]");
  if (review) {
    var dirty = false;
    var markDirty = function () { dirty = true; };
    review.addEventListener("input", markDirty);
    review.addEventListener("change", markDirty);
    review.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  // Declaration: the note is only asked for when a conflict is declared.
  var declaration = document.getElementById("conflict-form");
  var note = document.getElementById("conflict-note");
  if (declaration && note) {
    var update = function () {
      var checked = declaration.querySelector("input[name=conflict_type]:checked");
      var hasError = note.querySelector(".is-invalid") !== null;
      note.classList.toggle("d-none", !hasError && (!checked || checked.value === "none"));
    };
    declaration.addEventListener("change", update);
    update();
  }
})();
