// Small progressive enhancements; every page works without this file.
document.addEventListener("click", (event) => {
  const el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) event.preventDefault();
  if (event.target.closest("[data-back]")) history.back();
});
// The error page's "back" button (a link to a script URL would be inline script, refused by the CSP).
document.addEventListener("DOMContentLoaded", () => {
  if (history.length > 1) document.querySelectorAll("[data-back]").forEach((el) => { el.hidden = false; });
});
