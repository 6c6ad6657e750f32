// After htmx has swapped in new content, move focus to what changed: an error summary, else the new page's first
// heading, so that screen readers and keyboard users land on it. Forms work without this; it only helps htmx.
document.addEventListener("htmx:afterSettle", function () {
  var focusable = document.querySelector("#main [data-focus-after-swap]") || document.querySelector("#main h1");
  if (focusable) {
    if (!focusable.hasAttribute("tabindex")) focusable.setAttribute("tabindex", "-1");
    focusable.focus();
  }
});
