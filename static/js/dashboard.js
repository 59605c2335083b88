// The dashboard's headline tiles refresh themselves: #dashboard-tiles polls the page's own
// address (hx-trigger="every 60s, app:refresh") and htmx swaps in the tiles partial. This
// script only holds the polling back: no request while the tab is hidden, nor while the
// keyboard focus is inside the tiles (the swap would take it away); coming back to the tab
// after a minute or more refreshes at once. Without it the tiles still refresh every minute.
const REFRESH_MS = 60_000;
let updated = Date.now();

const isTiles = (element) => element instanceof HTMLElement && element.id === "dashboard-tiles";

document.body.addEventListener("htmx:beforeRequest", (event) => {
  const tiles = event.detail.elt;
  if (!isTiles(tiles)) return;
  if (document.visibilityState !== "visible" || tiles.contains(document.activeElement)) {
    event.preventDefault();
  }
});

document.body.addEventListener("htmx:afterRequest", (event) => {
  if (isTiles(event.detail.elt) && event.detail.successful) updated = Date.now();
});

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState !== "visible" || Date.now() - updated < REFRESH_MS) return;
  const tiles = document.getElementById("dashboard-tiles");
  if (tiles && window.htmx) window.htmx.trigger(tiles, "app:refresh");
});
