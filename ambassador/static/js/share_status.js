// Feed: after a share, the card says so. The share form opens the network in a new tab (or the
// mail program), so this page stays put: it asks the server for the card's share status until the
// new share shows up, and says whether the caption was copied (feed.js copies it).
// Without this file the share form comes back to the card, which confirms the share and offers
// "Continue on <network>" (the server's "then=card").
(function () {
  "use strict";

  var DELAYS = [250, 500, 1000, 2000, 4000, 8000];

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function statusOf(form) {
    var card = form.closest("article");
    return card ? card.querySelector("[data-share-status]") : null;
  }

  // Put the fresh status in place, keeping the region (a live region announces changed content)
  // and the note about the copied caption.
  function apply(status, fresh) {
    var note = status.querySelector("[data-copy-note]");
    var kept = note && !note.hidden ? note.cloneNode(true) : null;
    status.className = fresh.className;
    status.setAttribute("data-latest", fresh.getAttribute("data-latest"));
    status.innerHTML = fresh.innerHTML;
    if (kept) {
      var slot = status.querySelector("[data-copy-note]");
      if (slot) slot.replaceWith(kept);
    }
    var card = status.closest("article");
    var badge = card && card.querySelector(".badge--fresh");
    if (badge && status.classList.contains("share-status--shared")) badge.remove();
  }

  function refresh(status, before, attempt) {
    window.fetch(status.getAttribute("data-share-status"), {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("[data-share-status]");
        if (fresh && fresh.getAttribute("data-latest") !== before) apply(status, fresh);
        else again(status, before, attempt);
      })
      .catch(function () { again(status, before, attempt); });
  }

  function again(status, before, attempt) {
    if (attempt + 1 < DELAYS.length) {
      window.setTimeout(function () { refresh(status, before, attempt + 1); }, DELAYS[attempt + 1]);
    }
  }

  function showCopyNote(form, ok) {
    var status = statusOf(form);
    var button = form.querySelector("[data-copy-caption]");
    var note = status && status.querySelector("[data-copy-note]");
    if (!note || !button) return;
    note.textContent = button.getAttribute(ok ? "data-copied-message" : "data-copy-failed-message");
    note.classList.toggle("share-status__note--failed", !ok);
    note.hidden = false;
  }

  onReady(function () {
    document.querySelectorAll("form.share-form").forEach(function (form) {
      var then = form.querySelector('input[name="then"]');
      if (then) then.remove();
      if (form.hasAttribute("data-opens-tab")) {
        form.target = "_blank";
        form.setAttribute("rel", "noopener noreferrer");
        form.querySelectorAll("[data-new-tab-hint]").forEach(function (hint) { hint.hidden = false; });
      }
      var status = statusOf(form);
      if (!status || !window.fetch) return;
      form.addEventListener("submit", function () {
        var before = status.getAttribute("data-latest");
        window.setTimeout(function () { refresh(status, before, 0); }, DELAYS[0]);
      });
    });
    document.addEventListener("share:caption-copy", function (event) {
      showCopyNote(event.target, Boolean(event.detail && event.detail.ok));
    });
  });
})();
