// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  onReady(function () {
    // Mobile navigation toggle.
    document.querySelectorAll("[data-nav-toggle]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var nav = document.getElementById(btn.getAttribute("aria-controls"));
        var open = nav.classList.toggle("is-open");
        btn.setAttribute("aria-expanded", open ? "true" : "false");
      });
    });

    // Drop-down menus (details.menu): one open at a time, closed by a click elsewhere or Escape.
    var menus = Array.prototype.slice.call(document.querySelectorAll("details.menu"));
    menus.forEach(function (menu) {
      menu.addEventListener("toggle", function () {
        if (menu.open) menus.forEach(function (other) { if (other !== menu) other.open = false; });
      });
    });
    document.addEventListener("click", function (event) {
      menus.forEach(function (menu) { if (menu.open && !menu.contains(event.target)) menu.open = false; });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") menus.forEach(function (menu) { menu.open = false; });
    });

    // Confirm destructive actions.
    document.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (event) {
        if (!window.confirm(el.getAttribute("data-confirm"))) event.preventDefault();
      });
    });

    // Copy a value to the clipboard: <button data-copy="text">.
    document.querySelectorAll("[data-copy]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var text = btn.getAttribute("data-copy");
        var done = function () {
          var old = btn.textContent;
          btn.textContent = btn.getAttribute("data-copied") || "Copied";
          setTimeout(function () { btn.textContent = old; }, 1500);
        };
        if (navigator.clipboard) navigator.clipboard.writeText(text).then(done, done); else done();
      });
    });

    // Live character counters: <textarea data-limit="280" data-counter="x"> + <span data-counter-for=id>.
    document.querySelectorAll("[data-limit]").forEach(function (input) {
      var out = document.querySelector('[data-counter-for="' + input.id + '"]');
      if (!out) return;
      var limit = parseInt(input.getAttribute("data-limit"), 10);
      var kind = input.getAttribute("data-counter") || "chars";
      function update() {
        var extra = parseInt(input.getAttribute("data-extra") || "0", 10);
        var used = window.ambassadorCount(kind, input.value) + extra;
        out.textContent = used + " / " + limit;
        out.classList.toggle("counter--over", used > limit);
      }
      input.addEventListener("input", update);
      update();
    });
  });
})();
