/* Behaviour every page shares. No inline scripts anywhere (the Content-Security-Policy forbids them):
   templates say what they want with data- attributes and this file does it. */
(function () {
  "use strict";

  // The current menu entry stays in view when the menu scrolls sideways (phones).
  function scrollNav() {
    var a = document.querySelector(".nav [aria-current=page]");
    if (a && a.offsetLeft + a.offsetWidth > a.parentNode.clientWidth) a.parentNode.scrollLeft = a.offsetLeft - 16;
  }

  // data-confirm="…" on a form (submit) or a button/link (click): ask first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  }, true);
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]:not(form)");
    if (el && !window.confirm(el.dataset.confirm)) { event.preventDefault(); event.stopImmediatePropagation(); return; }
    if (event.target.closest("[data-print]")) { event.preventDefault(); window.print(); return; }
    var back = event.target.closest("[data-back]");
    if (back && window.history.length > 1) { event.preventDefault(); window.history.back(); }
  });

  // data-autosubmit on a select: choosing an option submits its form (a <noscript> button does without).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) el.form.requestSubmit(); else el.form.submit();
    }
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scrollNav); else scrollNav();
})();
