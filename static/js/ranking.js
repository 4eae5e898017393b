// Staff ranking page: the filters apply as soon as a value changes; without JavaScript
// the "Filter" button does the same.
(function () {
  "use strict";
  var form = document.getElementById("ranking-filter");
  if (!form) {
    return;
  }
  var button = form.querySelector(".ranking-filter-submit");
  if (button) {
    button.classList.add("d-none");
  }
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () {
      form.submit();
    });
  });
})();
