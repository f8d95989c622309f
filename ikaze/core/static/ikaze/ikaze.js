// Small progressive enhancements; every page works without them.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("select[data-autosubmit]")) { el.form.submit(); }
});
document.addEventListener("click", function (event) {
  var el = event.target.closest && event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
});
