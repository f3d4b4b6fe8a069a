// How each network counts a caption, and the text a share puts together, for the live counters and
// the post editor's previews. The rules (URL pattern, t.co length, X weights, limits) are
// ambassador/networks.py's counting_rules(), read from <script id="counting-rules">
// in base.html, so there is one table. tests/services/content/caption_cases.json holds the cases both
// implementations must count alike: test_caption_rules.py runs them against Python, and
// tests/e2e/test_post_editor.py against this file in Chromium.
(function (root) {
  "use strict";
  var rules = null;
  // Mastodon counts a remote mention (@user@domain) as just "@user".
  var REMOTE_MENTION_RE = /(?<![\p{L}\p{N}_@])(@[A-Za-z0-9_]+)@[\p{L}\p{N}_.-]+\.[\p{L}\p{N}_]+/gu;
  var EMOJI_RE = /[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]/u;
  var WORD = "\\p{L}\\p{N}_"; // Python's \w on text
  var TAG_RE = new RegExp("^[" + WORD + "]+$", "u");

  function configure(data) {
    rules = {
      url: new RegExp(data.url_pattern, "g"),
      tco: new Array(data.tco_length + 1).join("x"),
      light: data.x_light_ranges,
      networks: data.networks
    };
    return rules;
  }

  function current() {
    if (rules) return rules;
    var el = typeof document !== "undefined" && document.getElementById("counting-rules");
    if (!el) throw new Error("counting rules are missing from the page");
    return configure(JSON.parse(el.textContent));
  }

  function graphemes(text) {
    if (typeof Intl !== "undefined" && Intl.Segmenter) {
      return Array.from(new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text), function (s) {
        return s.segment;
      });
    }
    return Array.from(text);
  }

  function xWeight(cp) {
    var light = current().light;
    for (var i = 0; i < light.length; i++) if (cp >= light[i][0] && cp <= light[i][1]) return 1;
    return 2;
  }

  // An emoji, even a sequence (skin tone, ZWJ family, flag, keycap), weighs 2 as a whole.
  function xWeightText(text) {
    return graphemes(text).reduce(function (sum, cluster) {
      var points = Array.from(cluster);
      if (EMOJI_RE.test(cluster) && (points.length > 1 || cluster.codePointAt(0) > 4351)) return sum + 2;
      return sum + points.reduce(function (s, c) { return s + xWeight(c.codePointAt(0)); }, 0);
    }, 0);
  }

  function countX(text) {
    text = text.normalize("NFC"); // "e" + combining acute counts as one "é"
    var re = current().url, total = 0, pos = 0, match;
    re.lastIndex = 0;
    while ((match = re.exec(text)) !== null) {
      total += xWeightText(text.slice(pos, match.index)) + current().tco.length;
      pos = match.index + match[0].length;
    }
    return total + xWeightText(text.slice(pos));
  }

  function count(kind, text) {
    if (kind === "x") return countX(text);
    if (kind === "mastodon") {
      return graphemes(text.replace(current().url, current().tco).replace(REMOTE_MENTION_RE, "$1")).length;
    }
    if (kind === "graphemes") return graphemes(text).length;
    return Array.from(text).length; // code points, as Python's len()
  }

  function escapeRegExp(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  // Is `token` already in `text` as a whole word (networks._has_token)?
  function hasToken(text, token) {
    return new RegExp("(?<![" + WORD + "#@])" + escapeRegExp(token) + "(?![" + WORD + "])", "iu").test(text);
  }

  // The hashtags field as the server will clean it ("#a, b" → "#a #b"); "" while one is not valid yet.
  function cleanHashtags(text) {
    var tags = [];
    var raw = (text || "").split(/[\s,;]+/);
    for (var i = 0; i < raw.length; i++) {
      var tag = raw[i].replace(/^#+/, "");
      if (!tag) continue;
      if (!TAG_RE.test(tag)) return "";
      if (!tags.some(function (t) { return t.toLowerCase() === tag.toLowerCase(); })) tags.push(tag);
    }
    return tags.map(function (t) { return "#" + t; }).join(" ");
  }

  function normalizeNewlines(text) { return text.replace(/\r\n/g, "\n").replace(/\r/g, "\n"); }

  // networks.compose_text: caption, hashtags and disclosure (kept), then the link.
  function composeText(caption, hashtags, disclosure, url) {
    caption = normalizeNewlines(caption).trim();
    var parts = [caption], tags = [];
    (hashtags || "").split(/\s+/).forEach(function (tag) {
      if (!tag || hasToken(caption, tag)) return;
      if (!tags.some(function (t) { return t.toLowerCase() === tag.toLowerCase(); })) tags.push(tag);
    });
    if (tags.length) parts.push(tags.join(" "));
    disclosure = (disclosure || "").trim();
    if (disclosure && !hasToken(caption, disclosure) &&
        !tags.some(function (t) { return t.toLowerCase() === disclosure.toLowerCase(); })) parts.push(disclosure);
    var body = parts.filter(Boolean).join(" ");
    return url ? (body + " " + url).trim() : body;
  }

  // sharing.compose for the editor: the text that goes out (with `url`, a short link's stand-in) and its length.
  function compose(network, caption, hashtags, disclosure, url) {
    var net = current().networks[network];
    var text = composeText(caption, hashtags, disclosure, url);
    return { text: text, length: count(net.counter, text), limit: net.limit };
  }

  var api = {
    count: count, composeText: composeText, compose: compose, cleanHashtags: cleanHashtags,
    configure: configure, rules: current
  };
  root.ambassadorCount = count;
  root.ambassadorText = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
