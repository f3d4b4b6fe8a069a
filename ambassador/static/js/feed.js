// Feed: networks as tabs on each card, caption copying for networks that only take a link, and
// in "Share through my accounts" only the captions of the networks whose accounts are ticked.
// Progressive enhancement: without this file every network's form is shown and works.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function setupTabs(area) {
    var list = area.querySelector("[data-tablist]");
    if (!list) return;
    var tabs = Array.prototype.slice.call(list.querySelectorAll("[aria-controls]"));
    var panels = tabs.map(function (tab) { return document.getElementById(tab.getAttribute("aria-controls")); });
    list.hidden = false;
    list.setAttribute("role", "tablist");
    area.classList.add("is-tabbed");

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
      // Named "LinkedIn – <post title>": every card has a LinkedIn panel, each name must be unique.
      var title = area.closest("article[aria-labelledby]");
      panels[i].setAttribute("aria-labelledby", tab.id + (title ? " " + title.getAttribute("aria-labelledby") : ""));
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
    // Re-show the panel with an error, else the first network.
    var withError = panels.findIndex(function (p) { return p.querySelector("[aria-invalid]"); });
    select(withError >= 0 ? withError : 0, false);
  }

  // LinkedIn and XING take only the link: put the caption (with hashtags and the
  // disclosure the server adds too) on the clipboard so it can be pasted there.
  function textToPaste(button) {
    var area = document.getElementById(button.getAttribute("data-copy-caption"));
    var caption = area.value.trim();
    var lower = caption.toLowerCase();
    var extra = (button.getAttribute("data-tags") || "").split(/\s+/).filter(function (t) {
      return t && lower.indexOf(t.toLowerCase()) === -1;
    });
    var disclosure = button.getAttribute("data-disclosure") || "";
    if (disclosure && lower.indexOf(disclosure.toLowerCase()) === -1) extra.push(disclosure);
    return [caption].concat(extra).join(" ").trim();
  }

  // Show a network's caption only while one of its accounts is ticked (errors stay visible).
  function setupAccountShare(form) {
    var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="accounts"][data-network]'));
    var fields = form.querySelectorAll("[data-caption-network]");
    function update() {
      var on = {};
      boxes.forEach(function (box) { if (box.checked) on[box.getAttribute("data-network")] = true; });
      fields.forEach(function (field) {
        field.hidden = !on[field.getAttribute("data-caption-network")] && !field.querySelector("[aria-invalid]");
      });
    }
    boxes.forEach(function (box) { box.addEventListener("change", update); });
    update();
  }

  onReady(function () {
    document.querySelectorAll("[data-share-tabs]").forEach(setupTabs);
    document.querySelectorAll(".account-share__form").forEach(setupAccountShare);
    document.querySelectorAll("[data-copy-caption]").forEach(function (button) {
      button.addEventListener("click", function () {
        // The card says whether it worked (share_status.js listens).
        function tell(ok) {
          button.form.dispatchEvent(new CustomEvent("share:caption-copy", {bubbles: true, detail: {ok: ok}}));
        }
        if (!navigator.clipboard) { tell(false); return; }
        navigator.clipboard.writeText(textToPaste(button)).then(function () { tell(true); }, function () { tell(false); });
      });
    });
  });
})();
