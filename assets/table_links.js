// Links inside data tables (drawn as plain HTML by layouts/components.data_table) move within the
// app as dcc.Link does, instead of reloading the whole page. Modified clicks open as usual.
document.addEventListener("click", function (event) {
  const link = event.target.closest(".data-table a[href^='/']");
  if (!link || event.defaultPrevented || event.button !== 0) return;
  if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  window.history.pushState({}, "", link.getAttribute("href"));
  window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
  window.scrollTo(0, 0);
});
