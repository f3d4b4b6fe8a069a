// The post and campaign editors, progressively enhanced (every part works without this file):
// live counters and per-network previews drawn by count.js's rules (the server's, from one table),
// the link card following the fields, a thumbnail of a newly chosen image, and a filter for team lists.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  var WORD = "\\p{L}\\p{N}_";

  // The text split as drafts.preview_parts does: links and hashtags marked, the rest plain text.
  function drawText(target, text) {
    var parts = new RegExp("(" + window.ambassadorText.rules().url.source + ")|((?<![" + WORD + "#@])#[" + WORD + "]+)", "gu");
    target.textContent = "";
    var pos = 0, match;
    function plain(s) { if (s) target.appendChild(document.createTextNode(s)); }
    while ((match = parts.exec(text)) !== null) {
      plain(text.slice(pos, match.index));
      var span = document.createElement("span");
      span.className = match[1] ? "net-preview__link" : "net-preview__tag";
      span.textContent = match[0];
      target.appendChild(span);
      pos = match.index + match[0].length;
    }
    plain(text.slice(pos));
  }

  function postEditor(form) {
    var T = window.ambassadorText;
    var hashtags = form.querySelector('[name="hashtags"]');
    var captions = Array.prototype.slice.call(form.querySelectorAll("[data-compose]"));

    function disclosures() {
      var internal = form.querySelector('[data-audience][value="internal"]');
      var attr = internal && internal.checked ? "data-disclosures-internal" : "data-disclosures-everyone";
      var list = JSON.parse(form.getAttribute(attr) || "[]");
      return list.length ? list : [""];
    }

    function updateCaption(input) {
      var tags = T.cleanHashtags(hashtags ? hashtags.value : "");
      var list = disclosures();
      // The counter holds for every kind of member who may share it: the longest text counts.
      var url = form.getAttribute("data-short-link");
      var composed = list.map(function (d) { return T.compose(input.getAttribute("data-compose"), input.value, tags, d, url); });
      var used = Math.max.apply(null, composed.map(function (c) { return c.length; }));
      var limit = composed[0].limit;
      var out = form.querySelector('[data-counter-for="' + input.id + '"]');
      if (out) {
        out.textContent = used + " / " + limit;
        out.classList.toggle("counter--over", used > limit);
      }
      var preview = form.querySelector('[data-preview-for="' + input.id + '"]');
      if (!preview) return;
      var hasText = input.value.trim() !== "";
      var textBox = preview.querySelector("[data-preview-text]");
      drawText(textBox, hasText ? composed[0].text : "");
      textBox.hidden = !hasText;
      preview.querySelector("[data-preview-empty]").hidden = hasText;
      preview.classList.toggle("net-preview--empty", !hasText);
    }

    function updateAll() { captions.forEach(updateCaption); }
    captions.forEach(function (input) { input.addEventListener("input", function () { updateCaption(input); }); });
    if (hashtags) hashtags.addEventListener("input", updateAll);
    form.querySelectorAll("[data-audience]").forEach(function (radio) { radio.addEventListener("change", updateAll); });
    updateAll();

    // The link card follows the link and preview fields.
    var cards = form.querySelectorAll("[data-link-card]");
    function field(name) { return form.querySelector('[name="' + name + '"]'); }
    var uploaded = null; // a data: URL of a newly chosen file, or the held/saved image's address
    var thumb = form.querySelector("[data-image-thumb]");
    if (thumb && !thumb.hidden) uploaded = thumb.getAttribute("src");

    function updateCard() {
      var host = "";
      try { host = new URL(field("link_url").value.trim()).hostname; } catch (e) { host = ""; }
      var title = field("preview_title").value.trim() || field("title").value.trim();
      var image = uploaded || field("preview_image_url").value.trim();
      var remove = field("remove_image");
      if (remove && remove.checked && !(field("image").files || []).length) image = field("preview_image_url").value.trim();
      if (image && !/^(https?:|data:image\/|\/)/.test(image)) image = "";
      cards.forEach(function (card) {
        card.querySelector("[data-card-host]").textContent = host;
        card.querySelector("[data-card-title]").textContent = title;
        card.querySelector("[data-card-placeholder]").hidden = !!(host || title);
        var description = card.querySelector("[data-card-description]");
        if (description) description.textContent = field("preview_description").value.trim();
        var img = card.querySelector("[data-card-image]");
        img.hidden = !image;
        card.querySelector("[data-card-noimage]").hidden = !!image;
        if (image && img.getAttribute("src") !== image) img.setAttribute("src", image);
      });
    }
    ["title", "link_url", "preview_title", "preview_description", "preview_image_url", "remove_image"].forEach(function (name) {
      var el = field(name);
      if (el) el.addEventListener(el.type === "checkbox" ? "change" : "input", updateCard);
    });

    // A newly chosen image shows at once (read locally; the CSP allows data: images).
    var file = field("image");
    var note = form.querySelector("[data-image-note]");
    if (file && thumb) {
      file.addEventListener("change", function () {
        var chosen = file.files && file.files[0];
        if (!chosen || !/^image\//.test(chosen.type)) return;
        var reader = new FileReader();
        reader.onload = function () {
          uploaded = reader.result;
          thumb.src = uploaded;
          thumb.hidden = false;
          if (note) note.hidden = false;
          updateCard();
        };
        reader.readAsDataURL(chosen);
      });
    }
  }

  // A filter box over a list of team checkboxes: typing narrows the list; ticked teams stay ticked.
  function teamPicker(box) {
    var filterBox = box.querySelector("[data-team-filter-box]");
    var input = box.querySelector("[data-team-filter]");
    var status = box.querySelector("[data-team-filter-status]");
    var items = Array.prototype.slice.call(box.querySelectorAll("li"));
    if (!input) return;
    filterBox.hidden = false;
    function describe() {
      var ticked = items.filter(function (li) { return li.querySelector("input").checked; }).length;
      var shown = items.filter(function (li) { return !li.hidden; }).length;
      status.textContent = (box.getAttribute("data-status-format") || "")
        .replace("{shown}", shown).replace("{total}", items.length).replace("{ticked}", ticked);
    }
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLocaleLowerCase();
      items.forEach(function (li) {
        li.hidden = needle !== "" && li.textContent.toLocaleLowerCase().indexOf(needle) === -1;
      });
      describe();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault(); // Enter filters; it does not send the form
      if (event.key === "Escape" && input.value) { input.value = ""; input.dispatchEvent(new Event("input")); }
    });
    box.addEventListener("change", describe);
    describe();
  }

  onReady(function () {
    // Languages as tabs; a language missing words keeps its marker on its tab.
    document.querySelectorAll("[data-lang-tablist]").forEach(function (list) {
      list.closest("fieldset").classList.add("is-tabbed");
      window.ambassadorTabs(list);
    });
    document.querySelectorAll("form[data-editor]").forEach(postEditor);
    document.querySelectorAll("[data-team-picker]").forEach(teamPicker);
  });
})();
