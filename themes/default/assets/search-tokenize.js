/* The search tokeniser, the browser half of sitegen/tokenize.py (spec: docs/search.md).
   Both must give the same tokens for the same text: tests/search_vectors.json is checked
   against each. Classic script, ES5 syntax plus a few ES2015 built-ins (String.prototype.normalize,
   codePointAt, String.fromCodePoint, typed arrays): works on file://.

   window.SITEGEN_TOKENIZE = {
     normalize(text)          -> string (each code point NFKC + lower case on its own)
     runs(text, document)     -> [[unit, ...], ...]
     units(text, document)    -> [{u: unit, s: start, e: end, r: run number}, ...]  (offsets
                                 into the original text, for highlighting)
     indexTokens(text)        -> [token, ...]  (document mode, order of first occurrence)
     queryTerms(text)         -> [{units: [...], tokens: [...], joined: bool}, ...]
   } */
(function () {
  "use strict";
  var WORD_MAX = 64;
  var IGNORED = { 0xad: 1, 0x200b: 1, 0x200c: 1, 0x200d: 1, 0x2060: 1, 0xfeff: 1 };
  var SPACE = { 9: 1, 10: 1, 11: 1, 12: 1, 13: 1, 32: 1, 0x85: 1, 0x1680: 1, 0x2028: 1, 0x2029: 1 };
  var cache = {};

  function isCJK(c) {
    return c === 0x3007 || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
      (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x3ffff);
  }
  function isWordChar(c) {
    return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
  }

  function fold(ch, code) {
    var v = cache[ch];
    if (v === undefined) {
      v = IGNORED[code] ? "" : ch.normalize("NFKC").toLowerCase();
      cache[ch] = v;
    }
    return v;
  }

  // The normalised text as code points, each with the offsets of the original code point.
  function stream(text) {
    text = String(text || "");
    var cps = [], starts = [], ends = [];
    var i = 0, n = text.length;
    while (i < n) {
      var c = text.charCodeAt(i), len = 1;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        var d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { len = 2; c = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000; }
      }
      if (len === 1 && SAME[c] === 1) { cps.push(c); starts.push(i); ends.push(i + 1); i++; continue; }
      var folded = fold(text.substr(i, len), c);
      for (var j = 0; j < folded.length; j++) {
        var f = folded.charCodeAt(j);
        if (f >= 0xd800 && f <= 0xdbff && j + 1 < folded.length) {
          var g = folded.charCodeAt(j + 1);
          if (g >= 0xdc00 && g <= 0xdfff) { f = (f - 0xd800) * 0x400 + (g - 0xdc00) + 0x10000; j++; }
        }
        cps.push(f); starts.push(i); ends.push(i + len);
      }
      i += len;
    }
    return { cps: cps, starts: starts, ends: ends };
  }

  // Characters that normalise to themselves (Han, printable ASCII but capitals, line breaks,
  // 、。《》「」“” …): most of a Chinese text. stream() takes them as they are and normalize()
  // folds only the others, with the engine's regular expressions rather than a loop over
  // every code point; the results are the same as folding each code point.
  var SAME_RANGES = [[0x0a, 0x0a], [0x20, 0x40], [0x5b, 0x7e], [0x3001, 0x3002], [0x3008, 0x3011],
    [0x2018, 0x2019], [0x201c, 0x201d], [0x4e00, 0x9fff]];
  var SAME = new Uint8Array(0x10000), cls = "", r;
  function esc(c) { return "\\u" + ("000" + c.toString(16)).slice(-4); }
  for (r = 0; r < SAME_RANGES.length; r++) {
    SAME.fill(1, SAME_RANGES[r][0], SAME_RANGES[r][1] + 1);
    cls += esc(SAME_RANGES[r][0]) + "-" + esc(SAME_RANGES[r][1]);
  }
  var OTHERS = new RegExp("[\\ud800-\\udbff][\\udc00-\\udfff]|[^" + cls + "]", "g");
  function foldMatch(ch) { return fold(ch, ch.codePointAt(0)); }
  function normalize(text) {
    return String(text || "").replace(OTHERS, foldMatch);
  }

  // Units with offsets. In document mode whitespace touching a Han character joins; in a query
  // every separator ends the run. Each unit also says whether only whitespace preceded it
  // (since the previous unit), for the query's phrase pairs.
  function units(text, document) {
    var st = stream(text), cps = st.cps, n = cps.length;
    var out = [], run = -1, open = false, gap = "", i = 0;
    while (i < n) {
      var c = cps[i];
      if (isCJK(c)) {
        if (!open) { run++; open = true; }
        out.push({ u: String.fromCodePoint(c), s: st.starts[i], e: st.ends[i], r: run, ws: gap });
        gap = ""; i++;
      } else if (isWordChar(c)) {
        var j = i, word = "";
        while (j < n && isWordChar(cps[j])) { if (word.length < WORD_MAX) { word += String.fromCharCode(cps[j]); } j++; }
        if (!open) { run++; open = true; }
        out.push({ u: word, s: st.starts[i], e: st.ends[j - 1], r: run, ws: gap });
        gap = ""; i = j;
      } else if (SPACE[c]) {
        var k = i;
        while (k < n && SPACE[cps[k]]) { k++; }
        var before = i > 0 && isCJK(cps[i - 1]), after = k < n && isCJK(cps[k]);
        if (!(document && (before || after))) { open = false; if (gap !== "x") { gap = "s"; } }
        i = k;
      } else {
        open = false; gap = "x"; i++;
      }
    }
    return out;
  }

  function runs(text, document) {
    var us = units(text, document), out = [], last = -1;
    for (var i = 0; i < us.length; i++) {
      if (us[i].r !== last) { out.push([]); last = us[i].r; }
      out[out.length - 1].push(us[i].u);
    }
    return out;
  }

  function indexTokens(text) {
    var rs = runs(text, true), seen = {}, out = [];
    function add(t) { if (!Object.prototype.hasOwnProperty.call(seen, t)) { seen[t] = 1; out.push(t); } }
    for (var r = 0; r < rs.length; r++) {
      for (var i = 0; i < rs[r].length; i++) {
        add(rs[r][i]);
        if (i > 0) { add(rs[r][i - 1] + rs[r][i]); }
      }
    }
    return out;
  }

  function queryTerms(text) {
    var us = units(text, false), terms = [], cur = null;
    for (var i = 0; i < us.length; i++) {
      if (!cur || us[i].r !== cur.r) {
        cur = { r: us[i].r, units: [], tokens: [], joined: terms.length > 0 && us[i].ws === "s" };
        terms.push(cur);
      }
      cur.units.push(us[i].u);
    }
    for (var t = 0; t < terms.length; t++) {
      var u = terms[t].units, seen = {};
      if (u.length === 1) { terms[t].tokens.push(u[0]); }
      for (var p = 1; p < u.length; p++) {
        var pair = u[p - 1] + u[p];
        if (!Object.prototype.hasOwnProperty.call(seen, pair)) { seen[pair] = 1; terms[t].tokens.push(pair); }
      }
      delete terms[t].r;
    }
    return terms;
  }

  window.SITEGEN_TOKENIZE = {
    WORD_MAX: WORD_MAX, isCJK: isCJK, normalize: normalize, units: units, runs: runs,
    indexTokens: indexTokens, queryTerms: queryTerms
  };
})();
