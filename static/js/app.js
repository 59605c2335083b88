// PMO Web browser behaviour. Progressive enhancement only: every page works without it.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// After an htmx swap, put keyboard focus somewhere sensible (WCAG 2.4.3, 3.2.2):
// an error summary or refusal first, else an element the fragment marked with data-focus;
// if the control that had focus was swapped away, the new content. Otherwise focus stays
// where the user is, so a live preview updating as they type never steals it.
document.body.addEventListener("htmx:afterSettle", (event) => {
  let root = event.detail.target;
  // An outerHTML swap detaches the old target; fragments keep a stable id, so find the new one.
  if (root instanceof HTMLElement && !document.body.contains(root) && root.id) {
    root = document.getElementById(root.id);
  }
  if (!(root instanceof HTMLElement) || !document.body.contains(root)) return;
  initAll({ scope: root });
  // A region that refreshes itself (data-refresh: the dashboard's tiles) never takes focus.
  if (root.hasAttribute("data-refresh")) return;
  const lostFocus = !document.activeElement || document.activeElement === document.body;
  const target = root.querySelector(".govuk-error-summary, .app-refusal, [data-focus]")
    || (root.matches(".govuk-error-summary, .app-refusal, [data-focus]") ? root : null)
    || (lostFocus && !root.closest("[aria-live]") ? root : null);
  if (!target) return;
  if (!target.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) {
    target.setAttribute("tabindex", "-1");
  }
  target.focus();
});

// A request htmx will not swap (404, 500, network down): say so instead of doing nothing.
document.body.addEventListener("htmx:responseError", () => announce("Sorry, that did not work. Reload the page and try again."));
document.body.addEventListener("htmx:sendError", () => announce("The service could not be reached. Check your connection and try again."));

// Shown in a visible banner at the top of the page and read out by screen readers.
function announce(message) {
  const banner = document.getElementById("app-error-banner");
  if (banner) {
    banner.querySelector("p").textContent = message;
    banner.hidden = false;
    banner.focus();
  }
}
