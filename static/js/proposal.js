// Proposal and decision pages. Loaded as a file: the strict CSP allows no inline script.
// A button with data-print prints the page (the proces-verbaal has print styles).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });
  // Withdrawing a municipality changes the programme: ask before posting.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
});
