// "Print this report": opens the browser's print dialogue (the print stylesheet in app.css
// lays the report out with the security marking on every page). Without JavaScript the
// link simply stays on the page and the browser's own Print works the same way.
for (const link of document.querySelectorAll("[data-print]")) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    window.print();
  });
}
