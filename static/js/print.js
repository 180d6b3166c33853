// A button with data-print prints the page (no inline onclick: the Content-Security-Policy allows none).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
