// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  onReady(function () {
    // The phone's navigation (a button that shows #main-nav) and the drop-down menus (details.menu, also
    // inside that navigation): one menu open at a time; a click elsewhere or focus moving out closes them;
    // Escape closes the innermost one and, when focus was inside it, puts focus back on its button.
    var navs = Array.prototype.slice.call(document.querySelectorAll("[data-nav-toggle]")).map(function (btn) {
      return { button: btn, panel: document.getElementById(btn.getAttribute("aria-controls")) };
    });
    var menus = Array.prototype.slice.call(document.querySelectorAll("details.menu"));

    function setNav(nav, open) {
      nav.panel.classList.toggle("is-open", open);
      nav.button.setAttribute("aria-expanded", open ? "true" : "false");
      if (!open) menus.forEach(function (menu) { if (nav.panel.contains(menu)) menu.open = false; });
    }
    function navHolds(nav, node) { return nav.panel.contains(node) || nav.button.contains(node); }
    function closeWhenLeft(container, holds, close) {
      // relatedTarget is where focus goes; null (a click on nothing focusable) is left to the click handler.
      container.addEventListener("focusout", function (event) {
        if (event.relatedTarget && !holds(event.relatedTarget)) close();
      });
    }

    navs.forEach(function (nav) {
      nav.button.addEventListener("click", function () { setNav(nav, !nav.panel.classList.contains("is-open")); });
      [nav.button, nav.panel].forEach(function (part) {
        closeWhenLeft(part, function (node) { return navHolds(nav, node); }, function () {
          if (nav.panel.classList.contains("is-open")) setNav(nav, false);
        });
      });
    });
    menus.forEach(function (menu) {
      menu.addEventListener("toggle", function () {
        if (menu.open) menus.forEach(function (other) { if (other !== menu) other.open = false; });
      });
      closeWhenLeft(menu, function (node) { return menu.contains(node); }, function () { menu.open = false; });
    });
    document.addEventListener("click", function (event) {
      menus.forEach(function (menu) { if (menu.open && !menu.contains(event.target)) menu.open = false; });
      navs.forEach(function (nav) {
        if (nav.panel.classList.contains("is-open") && !navHolds(nav, event.target)) setNav(nav, false);
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      var focus = document.activeElement;
      var openMenus = menus.filter(function (menu) { return menu.open; });
      if (openMenus.length) {
        openMenus.forEach(function (menu) {
          menu.open = false;
          if (menu.contains(focus)) menu.querySelector("summary").focus();
        });
        return;
      }
      navs.forEach(function (nav) {
        if (!nav.panel.classList.contains("is-open")) return;
        setNav(nav, false);
        if (navHolds(nav, focus)) nav.button.focus();
      });
    });

    // A table wider than its box scrolls sideways (phones): keyboard users reach it with Tab and scroll it
    // with the arrow keys, and screen readers name it after its caption or section (a group, not a region:
    // a second landmark named like its section would be ambiguous). Rechecked on resize and when a
    // <details> opens (a hidden table has no width).
    var captions = 0;
    function nameOf(wrap) {
      var caption = wrap.querySelector("caption");
      if (caption) {
        if (!caption.id) caption.id = "table-caption-" + (captions += 1);
        return caption.id;
      }
      var section = wrap.closest("[aria-labelledby]");
      return section ? section.getAttribute("aria-labelledby") : null;
    }
    function markScrollables() {
      document.querySelectorAll(".table-wrap").forEach(function (wrap) {
        var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
        if (scrolls && !wrap.hasAttribute("tabindex")) {
          var name = nameOf(wrap);
          wrap.tabIndex = 0;
          wrap.setAttribute("data-scroll-focus", "");
          if (name) { wrap.setAttribute("role", "group"); wrap.setAttribute("aria-labelledby", name); }
        } else if (!scrolls && wrap.hasAttribute("data-scroll-focus")) {
          ["tabindex", "data-scroll-focus", "role", "aria-labelledby"].forEach(function (a) { wrap.removeAttribute(a); });
        }
      });
    }
    var pending = false;
    function markSoon() {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () { pending = false; markScrollables(); });
    }
    markScrollables();
    window.addEventListener("resize", markSoon);
    document.addEventListener("toggle", markSoon, true);

    // Announce what a page has just made (e.g. the new short link after sharing): <p role="status"
    // aria-live="polite" data-announce="text">, filled a moment after load, as screen readers read
    // changes to a live region, not what it held when the page came.
    document.querySelectorAll("[data-announce]").forEach(function (region) {
      setTimeout(function () { region.textContent = region.getAttribute("data-announce"); }, 300);
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
    // With data-compose (a network), the text that goes out is put together as the server does (caption,
    // the post's hashtags unless the caption has them, the disclosure, a short link's stand-in) and counted
    // whole; otherwise the caption is counted plus data-extra, what the server said the rest adds.
    document.querySelectorAll("[data-limit]").forEach(function (input) {
      var out = document.querySelector('[data-counter-for="' + input.id + '"]');
      if (!out) return;
      var limit = parseInt(input.getAttribute("data-limit"), 10);
      var kind = input.getAttribute("data-counter") || "chars";
      var network = input.getAttribute("data-compose");
      function measure() {
        if (network && window.ambassadorText) {
          return window.ambassadorText.compose(network, input.value, input.getAttribute("data-hashtags") || "",
            input.getAttribute("data-disclosure") || "", input.getAttribute("data-url") || "").length;
        }
        return window.ambassadorCount(kind, input.value) + parseInt(input.getAttribute("data-extra") || "0", 10);
      }
      function update() {
        var used = measure();
        out.textContent = used + " / " + limit;
        out.classList.toggle("counter--over", used > limit);
      }
      input.addEventListener("input", update);
      update();
    });
  });
})();
