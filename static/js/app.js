// PMO Web browser behaviour. Progressive enhancement only: every page works without it.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// After an htmx swap, put keyboard focus somewhere sensible: an error summary or refusal
// first, else an element the fragment marked with data-focus, else the swapped element.
document.body.addEventListener("htmx:afterSwap", (event) => {
  const root = event.detail.target;
  if (!(root instanceof HTMLElement) || !document.body.contains(root)) return;
  initAll({ scope: root });
  const target = root.querySelector(".govuk-error-summary, .app-refusal, [data-focus]") || root;
  if (!target.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) {
    target.setAttribute("tabindex", "-1");
  }
  target.focus({ preventScroll: false });
});

// A request htmx will not swap (404, 500, network down): say so instead of doing nothing.
document.body.addEventListener("htmx:responseError", () => announce("Sorry, that did not work. Reload the page and try again."));
document.body.addEventListener("htmx:sendError", () => announce("The service could not be reached. Check your connection and try again."));

function announce(message) {
  const live = document.getElementById("app-live");
  if (live) live.textContent = message;
  window.alert(message);
}
