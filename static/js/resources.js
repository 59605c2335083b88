// Month grids of the resource matrix (allocations, demand, leave): each cell saves itself
// with htmx. After a save the cell is replaced; keep keyboard focus in the same cell.
document.body.addEventListener("htmx:afterSettle", (event) => {
  const id = event.detail.target && event.detail.target.id;
  if (!id) return;
  const cell = document.getElementById(id);
  if (!cell || !cell.classList.contains("app-cell")) return;
  const active = document.activeElement;
  if (active === cell || active === document.body || !active) {
    cell.querySelector("input[name=fte]")?.focus();
  }
});
