// Triage board: drag a card onto another column to move it. An enhancement only: each
// card's Move menu does the same with a keyboard or without JavaScript.
//
// Each card says which column each of its moves leads to (data-moves, e.g.
// {"scoring": "accept"}); only moves that need no further input are listed, and the
// columns reached another way (a gate review, a form) are in data-ways. A drop posts
// that move through htmx.ajax, which sends the CSRF header from <body hx-headers> because
// the card is the request's source element. The server answers with the new board, or
// with the card and the refusal on it.

const CARD = ".app-card";
const COLUMN = ".app-board__column";
let dragged = null;

function makeDraggable(root) {
  root.querySelectorAll(CARD).forEach((card) => { card.draggable = true; });
}

// The card's message slot is role="alert", so the refusal is read out as well as shown.
// `way` is [action, address]: the real way to that column (a gate, a move asking for
// details), named and linked after the message.
function showOnCard(card, message, way) {
  const slot = card.querySelector("[data-drop-message]");
  if (!slot) return;
  slot.textContent = message;
  if (way) {
    const link = document.createElement("a");
    link.className = "govuk-link";
    link.href = way[1];
    link.textContent = way[0];
    slot.append(" ", link);
  }
  slot.hidden = false;
}

function columnOf(event) {
  return event.target instanceof Element ? event.target.closest(COLUMN) : null;
}

document.addEventListener("dragstart", (event) => {
  dragged = event.target instanceof Element ? event.target.closest(CARD) : null;
  if (!dragged) return;
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", dragged.id);
});

document.addEventListener("dragend", () => {
  dragged = null;
  document.querySelectorAll(".app-drop-target").forEach((column) => column.classList.remove("app-drop-target"));
});

document.addEventListener("dragover", (event) => {
  const column = columnOf(event);
  if (!dragged || !column) return;
  event.preventDefault(); // allows the drop
  column.classList.add("app-drop-target");
});

document.addEventListener("dragleave", (event) => {
  const column = columnOf(event);
  if (column && !column.contains(event.relatedTarget)) column.classList.remove("app-drop-target");
});

document.addEventListener("drop", (event) => {
  const column = columnOf(event);
  const card = dragged;
  if (!card || !column) return;
  event.preventDefault();
  column.classList.remove("app-drop-target");
  if (column.contains(card)) return; // dropped where it already is
  const moves = JSON.parse(card.dataset.moves || "{}");
  const trigger = moves[column.dataset.stage];
  if (!trigger) {
    const way = JSON.parse(card.dataset.ways || "{}")[column.dataset.stage];
    const from = card.dataset.stageLabel;
    const to = column.dataset.stageLabel;
    if (way) {
      showOnCard(card, `${card.dataset.reference} cannot be dropped on ${to}. To move it there:`, way);
    } else {
      showOnCard(card, `${card.dataset.reference} cannot move from ${from} to ${to}.`);
    }
    return;
  }
  window.htmx.ajax("POST", card.dataset.moveUrl, {
    source: card, target: "#board", swap: "outerHTML", values: { trigger },
  });
});

// A card's Move menu (or the confirmation that replaces it) opens below its Move link, in the
// card's empty #moves-<id> slot. Escape, or Cancel, closes it and puts focus back on the link.
const MENU = ".app-card .app-card__moves";

function closeMenu(menu) {
  const slot = document.createElement("div");
  slot.id = menu.id;
  slot.hidden = true;
  menu.replaceWith(slot);
  const link = document.getElementById(menu.id.replace(/^moves-/, "move-"));
  if (link) {
    link.setAttribute("aria-expanded", "false");
    link.focus();
  }
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !(event.target instanceof Element)) return;
  const card = event.target.closest(CARD);
  const menu = card && card.querySelector(MENU);
  if (!menu) return;
  event.preventDefault();
  closeMenu(menu);
});

document.addEventListener("click", (event) => {
  const cancel = event.target instanceof Element ? event.target.closest("[data-close-moves]") : null;
  const menu = cancel && cancel.closest(MENU);
  if (!menu) return; // without a card around it (its own page), Cancel goes back to the board
  event.preventDefault();
  closeMenu(menu);
});

document.body.addEventListener("htmx:afterSettle", (event) => {
  const target = event.detail.target;
  const menu = target instanceof Element && target.id ? document.getElementById(target.id) : null;
  if (!menu || !menu.matches(MENU)) return;
  const link = document.getElementById(menu.id.replace(/^moves-/, "move-"));
  if (link) link.setAttribute("aria-expanded", "true");
});

// The cards of the first page load, then each new lot a board swap brings (filters, moves).
makeDraggable(document);
window.htmx.onLoad(makeDraggable);
