// How each network counts a caption: the rules of ambassador/networks.py (COUNTERS), for the live
// counters. tests/services/test_counting_js.py runs both on the same cases, so they stay one rule.
(function (root) {
  "use strict";
  var TCO = "xxxxxxxxxxxxxxxxxxxxxxx"; // X and Mastodon count every URL as 23 characters
  // A URL ends before trailing punctuation ("see https://x.example/a." counts the dot as text).
  var URL_RE = /https?:\/\/\S+?(?=[.,:;!?'")\]]*(?:\s|$))/g;
  // Mastodon counts a remote mention (@user@domain) as just "@user".
  var REMOTE_MENTION_RE = /(?<![\p{L}\p{N}_@])(@[A-Za-z0-9_]+)@[\p{L}\p{N}_.-]+\.[\p{L}\p{N}_]+/gu;
  var EMOJI_RE = /[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]/u;

  function graphemes(text) {
    if (typeof Intl !== "undefined" && Intl.Segmenter) {
      return Array.from(new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text), function (s) {
        return s.segment;
      });
    }
    return Array.from(text);
  }

  // twitter-text v3: these ranges weigh 1, everything else (CJK, emoji…) 2.
  function xWeight(cp) {
    return (cp <= 4351 || (cp >= 8192 && cp <= 8205) || (cp >= 8208 && cp <= 8223) || (cp >= 8242 && cp <= 8247)) ? 1 : 2;
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
    var total = 0, pos = 0, match;
    URL_RE.lastIndex = 0;
    while ((match = URL_RE.exec(text)) !== null) {
      total += xWeightText(text.slice(pos, match.index)) + TCO.length;
      pos = match.index + match[0].length;
    }
    return total + xWeightText(text.slice(pos));
  }

  function count(kind, text) {
    if (kind === "x") return countX(text);
    if (kind === "mastodon") return graphemes(text.replace(URL_RE, TCO).replace(REMOTE_MENTION_RE, "$1")).length;
    if (kind === "graphemes") return graphemes(text).length;
    return Array.from(text).length; // code points, as Python's len()
  }

  root.ambassadorCount = count;
  if (typeof module !== "undefined" && module.exports) module.exports = count;
})(typeof window !== "undefined" ? window : globalThis);
