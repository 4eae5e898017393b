/* Accessible names for what Django's admin leaves unnamed (WCAG 4.1.2):
   - the fields of a tabular inline row, whose only label is the column header;
   - the select2 boxes of autocomplete fields, named after the field's own label;
   - the search icons of the two-list filter, which carry a label without a role.
   Run once the admin's own scripts have built their widgets, and again for each row
   added to an inline. */
(function () {
  "use strict";

  function translate(message) {
    return typeof window.gettext === "function" ? window.gettext(message) : message;
  }

  function text(element) {
    return element ? element.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function nameTabularFields(root) {
    root.querySelectorAll("div.tabular table, table#result_list").forEach(function (table) {
      var headers = Array.prototype.map.call(
        table.querySelectorAll("thead th"),
        function (th) { return { span: th.colSpan || 1, label: text(th) }; }
      );
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          var label = "";
          var offset = 0;
          for (var index = 0; index < headers.length; index += 1) {
            if (column < offset + headers[index].span) { label = headers[index].label; break; }
            offset += headers[index].span;
          }
          column += cell.colSpan || 1;
          if (!label && cell.classList.contains("delete")) { label = translate("Delete"); }
          if (!label) { return; }
          cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(
            function (field) {
              if (!field.labels || field.labels.length === 0) {
                if (!field.hasAttribute("aria-label")) { field.setAttribute("aria-label", label); }
              }
            }
          );
        });
      });
    });
  }

  function nameAutocompletes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var label = select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
      var name = text(label) || select.getAttribute("aria-label") || "";
      var container = select.nextElementSibling;
      if (!name || !container || !container.classList.contains("select2")) { return; }
      name = name.replace(/:$/, "");
      container.querySelectorAll('[role="combobox"], [role="textbox"], .select2-search__field').forEach(
        function (box) {
          box.removeAttribute("aria-labelledby");
          box.setAttribute("aria-label", name);
        }
      );
    });
  }

  function nameSplitDateTimes(root) {
    // "Date: [..] Time: [..]": the field's label names neither box since Django 4.0.
    root.querySelectorAll("p.datetime").forEach(function (paragraph) {
      var row = paragraph.closest(".form-row, .fieldBox, td");
      var label = row ? row.querySelector("label") : null;
      var field = text(label).replace(/:$/, "");
      var part = "";
      paragraph.childNodes.forEach(function (node) {
        if (node.nodeType === Node.TEXT_NODE && node.textContent.trim()) {
          part = node.textContent.trim().replace(/:$/, "");
        } else if (node.nodeName === "INPUT" && node.type !== "hidden") {
          if (!node.labels || node.labels.length === 0) {
            node.setAttribute("aria-label", field ? field + " – " + part : part);
          }
        }
      });
    });
  }

  function roleForFilterIcons(root) {
    root.querySelectorAll(".help-tooltip.search-label-icon[aria-label]").forEach(
      function (icon) { icon.setAttribute("role", "img"); }
    );
  }

  function fix(root) {
    nameTabularFields(root);
    nameAutocompletes(root);
    nameSplitDateTimes(root);
    roleForFilterIcons(root);
  }

  // After the admin's own ready handlers (autocomplete.js builds its select2 boxes in one).
  if (window.django && window.django.jQuery) {
    window.django.jQuery(function () { window.setTimeout(function () { fix(document); }, 0); });
  }
  window.addEventListener("load", function () { fix(document); });
  document.addEventListener("formset:added", function () { fix(document); });
})();
