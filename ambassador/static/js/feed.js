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
    area.classList.add("is-tabbed");
    // Named "LinkedIn – <post title>": every card has a LinkedIn panel, each name must be unique.
    var title = area.closest("article[aria-labelledby]");
    window.ambassadorTabs(list, function (tab) {
      return tab.id + (title ? " " + title.getAttribute("aria-labelledby") : "");
    });
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
