// Inline "new row" forms in register tables (milestones, benefits). Progressive enhancement:
// without JavaScript the add button and Cancel are ordinary links to full pages.

// One new-row form at a time: a second press of the add button goes back to the open form.
document.body.addEventListener("htmx:beforeRequest", (event) => {
  const opener = event.detail.elt.closest("[data-new-row]");
  if (!opener) return;
  const open = document.getElementById(opener.dataset.newRow);
  if (open) {
    event.preventDefault();
    open.querySelector("input, select, textarea")?.focus();
  }
});

// Cancel on a new row removes it without a round trip and returns focus to the add button.
document.body.addEventListener("click", (event) => {
  const cancel = event.target.closest("[data-cancel-new-row]");
  if (!cancel) return;
  const row = cancel.closest("tr");
  if (!row) return;
  event.preventDefault();
  row.remove();
  document.querySelector(`[data-new-row="${row.id}"]`)?.focus();
});
