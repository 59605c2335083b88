// Inline rows in register tables (milestones, benefits, the RAID log). Progressive enhancement:
// without JavaScript the add button, Edit and Cancel are ordinary links to full pages.
//
// Keyboard: Enter in a one-line field saves (the browser's own implicit submission, which
// htmx turns into the in-place save); Escape anywhere in a row being edited cancels it, as its
// Cancel link would; focus then returns to the row's Edit link (data-focus, see app.js) or,
// for a new row, to the control that opened it.

// The control that opened a new row: the add button itself, or the button of an add form.
function openerControl(opener) {
  if (!opener) return null;
  return opener.matches("a, button") ? opener : opener.querySelector("button, [type=submit]");
}

// One new-row form at a time: a second press of the add button goes back to the open form,
// unless it asks for another kind of row (the RAID log), which replaces the open one.
document.body.addEventListener("htmx:beforeRequest", (event) => {
  const opener = event.detail.elt.closest("[data-new-row]");
  if (!opener) return;
  const open = document.getElementById(opener.dataset.newRow);
  if (!open) return;
  const kind = opener.querySelector("[name=kind]");
  if (kind && open.dataset.kind && open.dataset.kind !== kind.value) {
    open.remove();
    return;
  }
  event.preventDefault();
  // Not the form's hidden CSRF token and version, which cannot take focus.
  open.querySelector("[data-focus], input:not([type=hidden]), select, textarea")?.focus();
});

// Cancel on a new row removes it without a round trip and returns focus to the add button.
function cancelNewRow(row) {
  row.remove();
  openerControl(document.querySelector(`[data-new-row="${row.id}"]`))?.focus();
}

document.body.addEventListener("click", (event) => {
  const cancel = event.target.closest("[data-cancel-new-row]");
  if (!cancel) return;
  const row = cancel.closest("tr");
  if (!row) return;
  event.preventDefault();
  cancelNewRow(row);
});

// The row's way out: its Cancel link (marked data-cancel or data-cancel-new-row, or named Cancel).
function cancelControl(row) {
  return row.querySelector("[data-cancel], [data-cancel-new-row]")
    || [...row.querySelectorAll("a")].find((link) => link.textContent.trim().startsWith("Cancel"));
}

document.body.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented || event.isComposing) return;
  const row = event.target.closest?.(".app-editing-row");
  if (!row) return;
  const cancel = cancelControl(row);
  if (!cancel) return;
  event.preventDefault();
  if (cancel.matches("[data-cancel-new-row]")) {
    cancelNewRow(row);
  } else {
    cancel.click(); // htmx fetches the row as it was; without htmx, the page
  }
});

// A new row, once saved, comes back with its record's own id, so app.js cannot find it by the
// id of the form row it replaced: focus its Edit link (data-focus) here instead, so keyboard
// users stay at the row they added. htmx fires afterSettle on each element it put in.
document.body.addEventListener("htmx:afterSettle", (event) => {
  const replaced = event.detail.target;
  const added = event.target;
  if (!(replaced instanceof HTMLElement) || document.body.contains(replaced)) return;
  if (!replaced.id || document.getElementById(replaced.id)) return; // app.js finds a row that kept its id
  if (!(added instanceof HTMLElement) || !added.matches("tr") || !document.body.contains(added)) return;
  const target = added.querySelector("[data-focus]") || added;
  if (!target.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) {
    target.setAttribute("tabindex", "-1");
  }
  target.focus();
});
