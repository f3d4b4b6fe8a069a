// Tabs (the WAI-ARIA tablist pattern) over panels that are all shown without JavaScript: a list of
// buttons, each with aria-controls naming its panel. Arrow keys, Home and End move between tabs;
// the first panel holding an invalid field is shown first. Used by the feed (networks) and the
// post editor (languages).
(function () {
  "use strict";

  // `labelledBy(tab)`: the panel's aria-labelledby (default: its tab).
  window.ambassadorTabs = function (list, labelledBy) {
    var tabs = Array.prototype.slice.call(list.querySelectorAll("[aria-controls]"));
    var panels = tabs.map(function (tab) { return document.getElementById(tab.getAttribute("aria-controls")); });
    list.hidden = false;
    list.setAttribute("role", "tablist");

    function select(index, focus) {
      tabs.forEach(function (tab, i) {
        var on = i === index;
        tab.setAttribute("aria-selected", on ? "true" : "false");
        tab.tabIndex = on ? 0 : -1;
        panels[i].hidden = !on;
      });
      if (focus) tabs[index].focus();
    }

    tabs.forEach(function (tab, i) {
      tab.setAttribute("role", "tab");
      panels[i].setAttribute("role", "tabpanel");
      panels[i].setAttribute("aria-labelledby", labelledBy ? labelledBy(tab) : tab.id);
      tab.addEventListener("click", function () { select(i, false); });
      tab.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight") next = (i + 1) % tabs.length;
        else if (event.key === "ArrowLeft") next = (i - 1 + tabs.length) % tabs.length;
        else if (event.key === "Home") next = 0;
        else if (event.key === "End") next = tabs.length - 1;
        if (next !== null) { event.preventDefault(); select(next, true); }
      });
    });
    var withError = panels.findIndex(function (p) { return p.querySelector("[aria-invalid]"); });
    select(withError >= 0 ? withError : 0, false);
  };
})();
