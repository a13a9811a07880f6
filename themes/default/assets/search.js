/* The search page (search.html). Reads the sharded index under assets/search/ (written by
   sitegen/search.py; layout in docs/search.md) with classic <script> elements only: no fetch,
   no modules, no workers, no WebAssembly, so it works from file:// as well as over HTTP.
   A query loads the manifest, the shards of its tokens and the documents it shows, nothing
   else. Results are built from text nodes and <mark> elements: no indexed text is ever parsed
   as HTML. */
(function () {
  "use strict";
  var S = window.SITEGEN_SEARCH = window.SITEGEN_SEARCH || {};
  S.t = S.t || {}; S.x = S.x || {}; S.d = S.d || {}; S.n = S.n || {};
  S.timings = S.timings || [];
  var T = window.SITEGEN_TOKENIZE;

  var PAGE = 10;
  var MAX_TERMS = 16;
  var WEIGHT = { title: 16, meta: 8, summary: 4, body: 2, phrase: 6, exact: 16 };
  var ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  var DIGIT = new Int8Array(128);
  for (var a = 0; a < ALPHABET.length; a++) { DIGIT[ALPHABET.charCodeAt(a)] = a; }

  var me = document.currentScript;
  var base = (me && me.getAttribute("data-index")) || "assets/search";
  if (base.charAt(base.length - 1) !== "/") { base += "/"; }

  // --- loading ------------------------------------------------------------------------------
  // Each index file once; its <script> element is removed once run (its data stays in
  // SITEGEN_SEARCH). S.loaded lists the files loaded, for the benchmark.
  var loads = {};
  S.loaded = S.loaded || [];
  function load(rel) {
    if (loads[rel]) { return loads[rel]; }
    var build = S.m && S.m.build ? "?v=" + S.m.build : "";
    loads[rel] = new Promise(function (resolve, reject) {
      var el = document.createElement("script");
      el.src = base + rel + build;
      el.async = true;
      el.onload = function () { el.parentNode.removeChild(el); S.loaded.push(rel); resolve(); };
      el.onerror = function () { el.parentNode.removeChild(el); delete loads[rel]; reject(new Error(rel)); };
      document.head.appendChild(el);
    });
    return loads[rel];
  }

  // --- hashing and shards (same as sitegen/search.py) ----------------------------------------
  function utf8(str) {
    var out = [];
    for (var i = 0; i < str.length; i++) {
      var c = str.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length) {
        var d = str.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { c = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000; i++; }
      }
      if (c < 0x80) { out.push(c); }
      else if (c < 0x800) { out.push(0xc0 | (c >> 6), 0x80 | (c & 63)); }
      else if (c < 0x10000) { out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)); }
      else { out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)); }
    }
    return out;
  }
  function hash(token) {
    var bytes = utf8(token), h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) { h = Math.imul(h ^ bytes[i], 0x01000193); }
    h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }
  function hex(n, width) {
    var s = n.toString(16);
    while (s.length < width) { s = "0" + s; }
    return s;
  }
  function shardOf(h) {
    var count = S.m.shards, width = Math.max(1, (count - 1).toString(16).length);
    return hex(h & (count - 1), width);
  }

  // --- postings ------------------------------------------------------------------------------
  // Lists of document numbers are Int32Arrays (see docs/search.md for the two encodings).
  function readGaps(s, from, to) {
    var count = 0, i;
    for (i = from; i < to; i++) { if (DIGIT[s.charCodeAt(i)] < 32) { count++; } }
    var out = new Int32Array(count), v = 0, prev = -1, k = 0;
    for (i = from; i < to; i++) {
      var d = DIGIT[s.charCodeAt(i)];
      if (d >= 32) { v = v * 32 + d - 32; } else { prev += v * 32 + d + 1; out[k++] = prev; v = 0; }
    }
    return out;
  }
  function readIds(s) {
    if (s.charAt(0) !== "~") { return readGaps(s, 0, s.length); }
    var i = 1, v = 0;
    for (; i < s.length; i++) {
      var d = DIGIT[s.charCodeAt(i)];
      if (d >= 32) { v = v * 32 + d - 32; } else { v = v * 32 + d; i++; break; }
    }
    var out = new Int32Array((s.length - i) * 6), k = 0, id = v * 6;
    for (; i < s.length; i++, id += 6) {
      var bits = DIGIT[s.charCodeAt(i)];
      for (var b = 0; bits; b++, bits >>= 1) { if (bits & 1) { out[k++] = id + b; } }
    }
    return out.subarray(0, k);
  }
  function decode(entry) {
    var parts = entry.split(","), ids = readIds(parts[0]), fields = [];
    for (var f = 1; f < 4; f++) {
      var sub = parts[f] ? readIds(parts[f]) : NONE;
      for (var p = 0; p < sub.length; p++) { sub[p] = ids[sub[p]]; }
      fields.push(sub);
    }
    return { ids: ids, title: fields[0], meta: fields[1], summary: fields[2] };
  }
  var NONE = new Int32Array(0);
  var EMPTY = { ids: NONE, title: NONE, meta: NONE, summary: NONE };
  var decoded = {};
  var bigNames = null;

  // Frequent tokens live in x/<top 20 bits of the hash>.js; the manifest lists those files.
  var BIG_SHIFT = 12;
  function bigName(h) { return hex(h >>> BIG_SHIFT, 5); }
  function isBig(h) {
    if (!bigNames) {
      bigNames = {};
      var names = readGaps(S.m.big || "", 0, (S.m.big || "").length);
      for (var i = 0; i < names.length; i++) { bigNames[names[i]] = 1; }
    }
    return bigNames[h >>> BIG_SHIFT] === 1;
  }
  function entryOf(token, h) {
    var e = isBig(h) ? (S.x[bigName(h)] || {})[token] : undefined;
    return e !== undefined ? e : (S.t[shardOf(h)] || {})[token];
  }

  // Postings of every token: one round of script loads (a name shared with a frequent token
  // may send a rare one to its shard in a second round).
  function postings(tokens, marks) {
    var files = {}, hashes = {}, i;
    for (i = 0; i < tokens.length; i++) {
      var h = hashes[tokens[i]] = hash(tokens[i]);
      files[isBig(h) ? "x/" + bigName(h) + ".js" : "t/" + shardOf(h) + ".js"] = 1;
    }
    function loadAll(names) { return Promise.all(names.map(load)); }
    return loadAll(Object.keys(files)).then(function () {
      var again = {};
      for (i = 0; i < tokens.length; i++) {
        var h = hashes[tokens[i]];
        if (isBig(h) && (S.x[bigName(h)] || {})[tokens[i]] === undefined) { again["t/" + shardOf(h) + ".js"] = 1; }
      }
      return loadAll(Object.keys(again));
    }).then(function () {
      if (marks) { marks.loaded = performance.now(); }
      var out = {};
      for (i = 0; i < tokens.length; i++) {
        var t = tokens[i];
        if (!decoded.hasOwnProperty(t)) {
          var entry = entryOf(t, hashes[t]);
          decoded[t] = typeof entry === "string" ? decode(entry) : EMPTY;
        }
        out[t] = decoded[t];
      }
      return out;
    });
  }

  function intersect(a, b) {
    if (a.length > b.length) { var c = a; a = b; b = c; }
    var out = new Int32Array(a.length), i = 0, j = 0, k = 0, n = b.length;
    if (a.length * 16 < n) {
      // A short list against a long one: gallop through the long one (a frequent token's list
      // has tens of thousands of numbers; a rare one's, a few dozen).
      for (; i < a.length && j < n; i++) {
        var v = a[i], step = 1, lo = j;
        if (b[n - 1] < v) { break; }  // the rest of `a` is beyond the end of `b`
        while (j < n && b[j] < v) { lo = j; j += step; step *= 2; }
        var hi = Math.min(j, n - 1);
        while (lo < hi) { var mid = (lo + hi) >> 1; if (b[mid] < v) { lo = mid + 1; } else { hi = mid; } }
        j = lo;
        if (b[j] === v) { out[k++] = v; j++; }
      }
      return out.subarray(0, k);
    }
    while (i < a.length && j < n) {
      if (a[i] < b[j]) { i++; } else if (a[i] > b[j]) { j++; } else { out[k++] = a[i]; i++; j++; }
    }
    return out.subarray(0, k);
  }
  function range(lo, hi) {
    var out = new Int32Array(hi - lo + 1);
    for (var i = lo; i <= hi; i++) { out[i - lo] = i; }
    return out;
  }

  // --- the query -----------------------------------------------------------------------------
  // Which pairs of a long term to look up. All of them are in the index, but any of them
  // finds every document that has the term (the rest is checked on the text of the results
  // shown), so a few suffice: up to three rare ones (in shards, small) or else the first and
  // the last (frequent: files of their own, the manifest says which).
  function chooseTokens(tokens) {
    if (tokens.length <= 2) { return tokens; }
    var rare = tokens.filter(function (t) { return !isBig(hash(t)); });
    if (rare.length) {
      return rare.length <= 3 ? rare : [rare[0], rare[rare.length >> 1], rare[rare.length - 1]];
    }
    // Frequent pairs only. Of a four-character term all three: its ends alone let through
    // every document that has both words apart (公开 … 招聘 for 公开招聘), each loaded and
    // rejected before the page is full. A longer term's ends are specific enough, and each
    // more frequent pair costs a file of tens of KB.
    return tokens.length === 3 ? tokens : [tokens[0], tokens[tokens.length - 1]];
  }

  function plan(query, filters) {
    // A word typed twice is one term; beyond MAX_TERMS the rest is left out, and the status
    // line says so (`dropped`), for the results then need not hold them.
    var all = T.queryTerms(query), seen = {}, terms = [], dropped = 0, tokens = {}, approx = false, i, j;
    for (i = 0; i < all.length; i++) {
      var key = all[i].units.join("\u0001") + (all[i].joined ? "+" : "");
      if (seen[key]) { continue; }
      seen[key] = 1;
      if (terms.length < MAX_TERMS) { terms.push(all[i]); } else { dropped++; }
    }
    for (i = 0; i < terms.length; i++) {
      var term = terms[i];
      term.need = chooseTokens(term.tokens);
      // Han characters that are their own normal form: where the text holds them as typed, the
      // term is there (verify() looks for that first, before splitting the text into units).
      var joined = term.units.join("");
      term.plain = /^[\u4e00-\u9fff]+$/.test(joined) ? joined : "";
      if (term.need.length < term.tokens.length) { approx = true; }
      for (j = 0; j < term.need.length; j++) { tokens[term.need[j]] = 1; }
      if (i > 0 && term.joined) {
        var prev = terms[i - 1].units, pair = prev[prev.length - 1] + term.units[0];
        if (!isBig(hash(pair))) { term.pair = pair; tokens[pair] = 1; }  // a phrase bonus
      }
    }
    var facets = [];
    if (filters.c) { facets.push("#c" + filters.c); }
    if (filters.o) { facets.push("#o" + filters.o); }
    if (filters.v) { facets.push("#v" + filters.v); }
    for (i = 0; i < facets.length; i++) { tokens[facets[i]] = 1; }
    return { query: query, terms: terms, facets: facets, tokens: Object.keys(tokens), year: filters.y,
             approx: approx, dropped: dropped, marks: {} };
  }

  // Every document with all the terms (and the filters), best first: {ids, scores, length}.
  // `stale`, if given, says a newer query has started: then the work stops before ranking
  // (typing fires a query per keystroke; their ranking must not delay the last one).
  function execute(p, stale) {
    return postings(p.tokens, p.marks).then(function (lists) {
      p.marks.postings = performance.now();
      if (stale && stale()) { return null; }
      var sets = [], i, j;
      for (i = 0; i < p.terms.length; i++) {
        for (j = 0; j < p.terms[i].need.length; j++) { sets.push(lists[p.terms[i].need[j]].ids); }
      }
      for (i = 0; i < p.facets.length; i++) { sets.push(lists[p.facets[i]].ids); }
      if (p.year) {
        var span = null;
        for (i = 0; i < S.m.years.length; i++) {
          if (String(S.m.years[i][0]) === String(p.year)) { span = S.m.years[i]; }
        }
        sets.push(span ? range(span[1], span[2]) : NONE);
      }
      if (!sets.length) { return { ids: new Int32Array(0), scores: new Int32Array(0), length: 0 }; }
      sets.sort(function (x, y) { return x.length - y.length; });
      var ids = sets[0];
      for (i = 1; i < sets.length && ids.length; i++) { ids = intersect(ids, sets[i]); }
      if (p.prefetch) {
        // The documents of the first page load while the rest is ranked (ranking tens of
        // thousands of candidates takes about as long as loading them).
        var head = firstPage(ids, p.terms, lists);
        if (head.length) { loadDocs(head).then(null, function () { /* nextPage loads them again */ }); }
      }
      var ranked = rank(ids, p.terms, lists);
      p.marks.ranked = performance.now();
      return ranked;
    });
  }

  // Scores `ids` (ascending) and sorts them, best first (then newest, the highest id, first):
  // {ids, scores, length}. A term scores the weight of the best field that holds all its
  // tokens, the body's if none does; a phrase pair adds a bonus. Work is done on the title,
  // 文号/主题词 and summary lists (short) and on the phrase pairs' (rare tokens), by document
  // number; the candidates themselves, often tens of thousands, are only counted and placed.
  var FIELDS = ["title", "meta", "summary"];
  var best = null, touched = null;  // by document number, reused by every query (zero between)
  function rank(ids, terms, lists) {
    var n = ids.length, body = WEIGHT.body, docs = S.m.docs, i, j, f, k, x, id, t;
    if (!best || best.length < docs) { best = new Int32Array(docs); touched = new Int32Array(docs); }
    var extra = new Int32Array(docs);  // by document number: score above the body's
    for (j = 0; j < terms.length; j++) {
      var term = terms[j];
      t = 0;
      for (f = 0; f < FIELDS.length; f++) {
        var both = lists[term.need[0]][FIELDS[f]], w = WEIGHT[FIELDS[f]] - body;
        for (k = 1; k < term.need.length && both.length; k++) { both = intersect(both, lists[term.need[k]][FIELDS[f]]); }
        for (x = 0; x < both.length; x++) {
          id = both[x];
          if (best[id] === 0) { touched[t++] = id; }
          if (w > best[id]) { best[id] = w; }
        }
      }
      for (x = 0; x < t; x++) { id = touched[x]; extra[id] += best[id]; best[id] = 0; }
      if (term.pair) {
        var pair = lists[term.pair].ids;
        for (x = 0; x < pair.length; x++) { extra[pair[x]] += WEIGHT.phrase; }
      }
    }
    // Best score first, newest (highest id) first within a score: a counting sort, as
    // scores are small integers.
    var max = 0;
    for (i = 0; i < n; i++) { if (extra[ids[i]] > max) { max = extra[ids[i]]; } }
    var start = new Int32Array(max + 2);
    for (i = 0; i < n; i++) { start[max - extra[ids[i]] + 1]++; }
    for (k = 1; k <= max + 1; k++) { start[k] += start[k - 1]; }
    var outIds = new Int32Array(n), outScores = new Int32Array(n), base = terms.length * body;
    for (i = n - 1; i >= 0; i--) {
      var e = extra[ids[i]], at = start[max - e]++;
      outIds[at] = ids[i];
      outScores[at] = base + e;
    }
    return { ids: outIds, scores: outScores, length: n };
  }

  // The first documents of the ranking, when they can be told without ranking: with one or
  // two terms, a candidate with every term in its title scores at least 2 × 14 above the
  // body's weight and any other at most 14 + 6 + 6 (title, 文号/主题词/索引号 and the phrase
  // pair), so the
  // ranking starts with those, the ones with the phrase pair first, newest first. Otherwise
  // none.
  function firstPage(ids, terms, lists) {
    if (!terms.length || terms.length > 2) { return []; }
    var inTitle = ids, j, k, x;
    for (j = 0; j < terms.length; j++) {
      for (k = 0; k < terms[j].need.length; k++) { inTitle = intersect(inTitle, lists[terms[j].need[k]].title); }
    }
    var pair = terms.length === 2 && terms[1].pair ? intersect(inTitle, lists[terms[1].pair].ids) : NONE;
    var out = [], taken = {};
    for (x = pair.length - 1; x >= 0 && out.length < PAGE; x--) { out.push(pair[x]); taken[pair[x]] = 1; }
    for (x = inTitle.length - 1; x >= 0 && out.length < PAGE; x--) {
      if (!taken[inTitle[x]]) { out.push(inTitle[x]); }
    }
    return out;
  }

  // Run the hot loops on made-up entries while the page is idle, so that the first real query
  // does not wait for the JavaScript engine to compile them (on a 100 000-item index that was
  // a third of the first query's time).
  function warmUp() {
    var top = S.m.docs - 1;  // numbers within the document count, as real ones are
    if (top < 12) { return; }
    isBig(0);
    var sixth = Math.floor(top / 6), count = Math.min(3000, top >> 2);
    function bits(ch, n) { return "~0" + new Array(n + 1).join(ch); }
    function gaps(n) { return new Array(n + 1).join("W1"); }
    var entries = {
      a: [bits("_", sixth), bits("l", sixth >> 1), gaps(count), bits("V", sixth >> 2)].join(","),
      b: [gaps(top >> 1), bits("t", sixth >> 2), gaps(count >> 1)].join(","),
    };
    for (var r = 0; r < 3; r++) {
      var lists = { a: decode(entries.a), b: decode(entries.b) };
      rank(intersect(lists.a.ids, lists.b.ids), [{ need: ["a", "b"], pair: "b" }, { need: ["b", "a", "b"] }], lists);
    }
  }
  function scoreMap(scored, from, to) {
    var out = {};
    for (var i = from; i < to; i++) { out[scored.ids[i]] = scored.scores[i]; }
    return out;
  }
  // A document's file is named by a digest of its 索引号 (so that it keeps its name when the
  // numbers around it change); the files of n/ list the names, S.m.bucket documents each.
  var NAME = 12;
  function nameOf(id) {
    var list = S.n[Math.floor(id / S.m.bucket)] || "", at = (id % S.m.bucket) * NAME;
    return list.substring(at, at + NAME);
  }
  function loadDocs(ids) {
    var chunks = [];
    ids.forEach(function (id) {
      var c = Math.floor(id / S.m.bucket);
      if (chunks.indexOf(c) < 0) { chunks.push(c); }
    });
    return Promise.all(chunks.map(function (c) { return load("n/" + c + ".js"); }))
      .then(function () {
        var names = ids.map(nameOf);
        return Promise.all(names.map(function (n) { return load("d/" + n.slice(0, 2) + "/" + n.slice(2) + ".js"); }))
          .then(function () {
            return ids.map(function (id, i) { var doc = S.d[names[i]]; if (doc) { doc.id = id; } return doc; });
          });
      });
  }

  function docTexts(doc) {
    return [doc.t, doc.n, doc.x, doc.s, doc.b].concat(doc.k || [], doc.a || [], (doc.c || "").split("/"));
  }
  // Where the units of each term occur in `text` (document mode): [[start, end], ...].
  var unitCache = { text: [], units: [] };  // the few texts of the results being shown
  function unitsOf(text) {
    var at = unitCache.text.indexOf(text);
    if (at >= 0) { return unitCache.units[at]; }
    var us = T.units(text, true);
    unitCache.text.push(text); unitCache.units.push(us);
    if (unitCache.text.length > 64) { unitCache.text.shift(); unitCache.units.shift(); }
    return us;
  }
  function matches(text, terms) {
    var us = unitsOf(text), out = [];
    for (var t = 0; t < terms.length; t++) {
      var want = terms[t].units;
      for (var i = 0; i + want.length <= us.length; i++) {
        var ok = true;
        for (var k = 0; k < want.length && ok; k++) {
          ok = us[i + k].u === want[k] && us[i + k].r === us[i].r;
        }
        if (ok) { out.push([us[i].s, us[i + want.length - 1].e]); }
      }
    }
    out.sort(function (x, y) { return x[0] - y[0] || y[1] - x[1]; });
    return out;
  }
  // Every term in some field of the document (a body cut short may hide it: then kept).
  function verify(doc, terms) {
    var texts = docTexts(doc);
    for (var t = 0; t < terms.length; t++) {
      if (terms[t].units.length < 3) { continue; }  // exact by the index already
      var found = false;
      var plain = terms[t].plain;
      for (var f = 0; f < texts.length && !found; f++) {
        if (texts[f] && plain && texts[f].indexOf(plain) >= 0) { found = true; }
      }
      for (f = 0; f < texts.length && !found; f++) {
        if (texts[f] && matches(texts[f], [terms[t]]).length) { found = true; }
      }
      if (!found && !doc.z) { return false; }
    }
    return true;
  }

  // The whole query, typed with spaces and punctuation, inside a field: ranks higher. Checked
  // on the text of the documents of one page (the index keeps no positions), so a page is
  // reordered, never the pages among themselves.
  function squeeze(str) { return T.normalize(str).replace(/[\s\u200b]+/g, ""); }
  function rerank(docs, scores, p) {
    var phrase = p.terms.length > 1 ? squeeze(p.query) : "";
    var ranked = docs.map(function (doc, i) {
      var bonus = 0;
      if (phrase) {
        var texts = docTexts(doc);
        for (var f = 0; f < texts.length; f++) {
          if (texts[f] && squeeze(texts[f]).indexOf(phrase) >= 0) { bonus = WEIGHT.exact; break; }
        }
      }
      return { doc: doc, i: i, score: (scores[doc.id] || 0) + bonus };
    });
    ranked.sort(function (a, b) { return b.score - a.score || a.i - b.i; });
    return ranked.map(function (r) { return r.doc; });
  }

  // --- rendering -----------------------------------------------------------------------------
  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var none = document.getElementById("search-none"), unfilter = document.getElementById("search-unfilter");
  var form = document.getElementById("search-page-form");
  var filterBox = document.getElementById("search-filters");
  var selects = {
    c: document.getElementById("search-category"), y: document.getElementById("search-year"),
    o: document.getElementById("search-organization"), v: document.getElementById("search-validity")
  };
  if (!input || !list || !status) { return; }

  function text(str) { return document.createTextNode(str); }
  // Marks are merged across a short gap with no letters, digits or Han characters in it, so
  // that 招街办〔2010〕12号 is one mark, not three.
  function merged(str, ranges) {
    var out = [];
    for (var i = 0; i < ranges.length; i++) {
      var last = out[out.length - 1], r = ranges[i];
      if (last && r[0] <= last[1]) { last[1] = Math.max(last[1], r[1]); continue; }
      if (last && r[0] - last[1] <= 3 && !T.runs(str.slice(last[1], r[0]), false).length) {
        last[1] = Math.max(last[1], r[1]);
        continue;
      }
      out.push([r[0], r[1]]);
    }
    return out;
  }
  function highlighted(str, ranges) {
    ranges = merged(str, ranges);
    var frag = document.createDocumentFragment(), pos = 0;
    for (var i = 0; i < ranges.length; i++) {
      var s = ranges[i][0], e = ranges[i][1];
      if (e <= pos) { continue; }
      if (s < pos) { s = pos; }
      if (s > pos) { frag.appendChild(text(str.slice(pos, s))); }
      var mark = document.createElement("mark");
      mark.appendChild(text(str.slice(s, e)));
      frag.appendChild(mark);
      pos = e;
    }
    if (pos < str.length) { frag.appendChild(text(str.slice(pos))); }
    return frag;
  }
  function clip(str, at) {  // never cut a surrogate pair
    var c = str.charCodeAt(at);
    return c >= 0xdc00 && c <= 0xdfff ? at - 1 : at;
  }
  function snippet(doc, terms) {
    var sources = [doc.b || "", doc.s || ""];
    for (var i = 0; i < sources.length; i++) {
      var src = sources[i];
      var ms = terms.length ? matches(src, terms) : [];
      if (!ms.length) { continue; }
      var start = clip(src, Math.max(0, ms[0][0] - 30)), end = clip(src, Math.min(src.length, ms[0][0] + 90));
      var inside = [];
      for (var m = 0; m < ms.length; m++) {
        if (ms[m][0] >= start && ms[m][1] <= end) { inside.push([ms[m][0] - start, ms[m][1] - start]); }
      }
      var frag = document.createDocumentFragment();
      if (start > 0) { frag.appendChild(text("…")); }
      frag.appendChild(highlighted(src.slice(start, end), inside));
      if (end < src.length) { frag.appendChild(text("…")); }
      return frag;
    }
    var plain = doc.s || doc.b || "";
    var cut = clip(plain, Math.min(plain.length, 100));
    return text(plain.slice(0, cut) + (cut < plain.length ? "…" : ""));
  }
  function resultItem(doc, terms) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = doc.u;
    a.appendChild(highlighted(doc.t, matches(doc.t, terms)));
    li.appendChild(a);
    if (doc.v && doc.v !== "有效") {
      var badge = document.createElement("span");
      badge.className = "badge " + (doc.v === "废止" ? "badge-repealed" : "badge-expired");
      badge.appendChild(text("已" + doc.v));  // (as the lists say it)
      li.appendChild(text(" "));
      li.appendChild(badge);
    }
    if (doc.e) {  // (as its page and the lists say: found, but past its 公开截止日期)
      var period = document.createElement("span");
      period.className = "badge badge-period";
      period.appendChild(text("公开期已满"));
      li.appendChild(text(" "));
      li.appendChild(period);
    }
    var meta = document.createElement("span");
    meta.className = "meta";
    var cat = document.createElement("span");
    cat.appendChild(text(doc.c.split("/").join(" › ")));
    meta.appendChild(cat);
    // (spaces between the parts, as in the lists: a screen reader ran them into one word)
    meta.appendChild(text(" "));
    var time = document.createElement("time");
    time.setAttribute("datetime", doc.d);
    time.appendChild(text(doc.d));
    meta.appendChild(time);
    if (doc.n) {
      meta.appendChild(text(" "));
      var no = document.createElement("span");
      no.appendChild(highlighted(doc.n, matches(doc.n, terms)));
      meta.appendChild(no);
    }
    li.appendChild(meta);
    var snip = document.createElement("span");
    snip.className = "snippet";
    snip.appendChild(snippet(doc, terms));
    li.appendChild(snip);
    return li;
  }

  // --- state ---------------------------------------------------------------------------------
  var seq = 0, current = null, timer = null;

  function filtersNow() {
    var f = {};
    for (var k in selects) { if (selects[k] && selects[k].value) { f[k] = selects[k].value; } }
    return f;
  }
  function describe(query, filters) {
    var bits = [];
    // (a long query is not read out whole by the status line)
    if (query) { bits.push("“" + (query.length > 30 ? query.slice(0, 30) + "…" : query) + "”"); }
    if (filters.c) { bits.push("分类：" + filters.c.split("/").pop()); }
    if (filters.y) { bits.push(filters.y + "年"); }
    if (filters.o) { bits.push("发布机构：" + filters.o); }
    if (filters.v) { bits.push("有效性：" + filters.v); }
    return bits.join("，");
  }
  function setState(state) { status.setAttribute("data-state", state); }

  function search(query, started) {
    var my = ++seq, filters = filtersNow();
    query = String(query || "").slice(0, 200);
    var trimmed = query.replace(/^\s+|\s+$/g, "");
    var p = plan(trimmed, filters);
    p.prefetch = true;
    if (!p.terms.length && !p.facets.length && !p.year) {
      current = null;
      clear();
      status.textContent = trimmed ? "请输入汉字、字母或数字。" : "请输入要搜索的文字，或选择筛选条件。";
      setState("done");
      return Promise.resolve();
    }
    setState("loading");
    return execute(p, function () { return my !== seq; }).then(function (scored) {
      if (my !== seq || scored === null) { return null; }
      current = { query: trimmed, filters: filters, plan: p, scored: scored, next: 0, shown: 0, rejected: 0 };
      return nextPage(current, true, my);
    }).then(function (res) {
      if (my !== seq || res === null) { return; }
      painted(started, trimmed, p.marks);
    }, function (err) {
      if (my !== seq) { return; }
      clear();
      status.textContent = "搜索索引加载失败（" + err.message + "），请稍后再试或按目录浏览。";
      setState("error");
    });
  }

  function clear() {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (more) { more.hidden = true; }
  }

  // Shows the next PAGE verified results of `state` (replacing the list if `fresh`).
  function nextPage(state, fresh, my) {
    var found = [], scores = {};
    function step() {
      if (found.length >= PAGE || state.next >= state.scored.length) { return Promise.resolve(found); }
      var to = Math.min(state.scored.length, state.next + PAGE - found.length);
      var ids = Array.prototype.slice.call(state.scored.ids.subarray(state.next, to));
      for (var k = state.next; k < to; k++) { scores[state.scored.ids[k]] = state.scored.scores[k]; }
      state.next = to;
      return loadDocs(ids).then(function (docs) {
        for (var i = 0; i < docs.length; i++) {
          if (docs[i] && verify(docs[i], state.plan.terms)) { found.push(docs[i]); } else { state.rejected++; }
        }
        return step();
      });
    }
    return step().then(function (docs) {
      state.plan.marks.documents = performance.now();
      if (my !== undefined && my !== seq) { return null; }
      docs = rerank(docs, scores, state.plan);
      if (fresh) { clear(); }
      var first = null;
      for (var i = 0; i < docs.length; i++) {
        var li = resultItem(docs[i], state.plan.terms);
        list.appendChild(li);
        if (!first) { first = li; }
      }
      state.shown += docs.length;
      var total = state.scored.length - state.rejected;
      var what = describe(state.query, state.filters);
      // With some pairs of a long term left out, candidates not yet shown may lack the phrase.
      var about = state.plan.approx && state.next < state.scored.length ? "约" : "";
      var filtered = state.filters.c || state.filters.y || state.filters.o || state.filters.v;
      status.textContent = (total ? "找到" + about + " " + total + " 条" + (what ? "与" + what + "相关的" : "") + "信息" +
        (total > state.shown ? "，显示前 " + state.shown + " 条。" : "。") :
        "没有找到与" + what + "相关的信息。" + (filtered ? "可以取消筛选条件再找，" : "") +
        (/[〔号]/.test(state.query) ? "可以只输入文号中的年份和序号，" : "可以减少或更换搜索词，") + "或按目录浏览。") +
        (state.plan.dropped ? "（搜索词过多，只按前 " + MAX_TERMS + " 个词查找，其余 " + state.plan.dropped + " 个未使用。）" : "");
      list.setAttribute("data-query", state.query);
      if (none) {  // the ways on from no results, as links (a touch screen has no keyboard to retype)
        none.hidden = total > 0;
        unfilter.hidden = !filtered;
        unfilter.href = unfilter.getAttribute("data-href") + (state.query ? "?q=" + encodeURIComponent(state.query) : "");
      }
      if (more) { more.hidden = state.next >= state.scored.length; }
      setState("done");
      return { first: first };
    });
  }

  // For the benchmark: milliseconds from the input event to the frame after the results,
  // and when the postings were loaded, the candidates ranked and the documents loaded.
  function painted(started, query, marks) {
    if (!started) { return; }
    var raf = window.requestAnimationFrame || function (f) { setTimeout(f, 0); };
    var rendered = performance.now();
    raf(function () {
      setTimeout(function () {
        var t = { query: query, ms: performance.now() - started, rendered: rendered - started };
        for (var k in marks) { t[k] = marks[k] - started; }
        S.timings.push(t);
      }, 0);
    });
  }

  function updateUrl() {
    var parts = [];
    if (input.value) { parts.push("q=" + encodeURIComponent(input.value)); }
    var f = filtersNow();
    for (var k in f) { parts.push(k + "=" + encodeURIComponent(f[k])); }
    try { window.history.replaceState(null, "", "?" + parts.join("&")); } catch (e) { /* file:// may refuse */ }
  }

  function option(select, value, label) {
    var o = document.createElement("option");
    o.value = value;
    o.appendChild(text(label));
    select.appendChild(o);
  }
  // "（2，含公开期已满 1）": the column's own page lists only the 1 still in its period
  function count(entry) {
    return "（" + entry[1] + (entry[2] ? "，含公开期已满 " + entry[2] : "") + "）";
  }
  function fillFilters(params) {
    if (!filterBox) { return; }
    var m = S.m;
    if (selects.c) {
      for (var i = 0; i < m.categories.length; i++) {
        var path = m.categories[i][0], depth = path.split("/").length - 1;
        option(selects.c, path, new Array(depth + 1).join("　") + path.split("/").pop() + count(m.categories[i]));
      }
    }
    if (selects.y) { for (i = 0; i < m.years.length; i++) { option(selects.y, String(m.years[i][0]), m.years[i][0] + "年（" + (m.years[i][2] - m.years[i][1] + 1) + "）"); } }
    if (selects.o) { for (i = 0; i < m.organizations.length; i++) { option(selects.o, m.organizations[i][0], m.organizations[i][0] + count(m.organizations[i])); } }
    if (selects.v) { for (i = 0; i < m.validity.length; i++) { option(selects.v, m.validity[i][0], m.validity[i][0] + count(m.validity[i])); } }
    for (var k in selects) {
      if (!selects[k]) { continue; }
      var want = params[k] || "";
      for (var j = 0; j < selects[k].options.length; j++) {
        if (selects[k].options[j].value === want) { selects[k].selectedIndex = j; }
      }
      selects[k].addEventListener("change", function () { search(input.value, performance.now()); updateUrl(); });
    }
    filterBox.hidden = false;
  }

  function params() {
    var out = {}, qs = window.location.search.replace(/^\?/, "").split("&");
    for (var i = 0; i < qs.length; i++) {
      if (!qs[i]) { continue; }
      var eq = qs[i].indexOf("="), key = eq < 0 ? qs[i] : qs[i].slice(0, eq);
      var value = eq < 0 ? "" : qs[i].slice(eq + 1);
      try { out[decodeURIComponent(key)] = decodeURIComponent(value.replace(/\+/g, " ")); } catch (e) { /* malformed */ }
    }
    return out;
  }

  if (!S.m || !T) {
    status.textContent = "搜索索引未能加载，请按目录浏览。";
    setState("error");
    S.ready = true;
    return;
  }
  var initial = params();
  input.value = initial.q || "";
  fillFilters(initial);
  var composing = false;
  input.addEventListener("compositionstart", function () { composing = true; });
  input.addEventListener("compositionend", function (ev) {
    composing = false;
    schedule(ev.timeStamp);
  });
  input.addEventListener("input", function (ev) {
    if (composing || ev.isComposing) { return; }
    schedule(ev.timeStamp);
  });
  function schedule(started) {
    clearTimeout(timer);
    // The URL after the query's files are requested: replacing it costs milliseconds.
    timer = setTimeout(function () { search(input.value, started); updateUrl(); }, 0);
  }
  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clearTimeout(timer);
      search(input.value, performance.now());
      updateUrl();
    });
  }
  if (more) {
    more.addEventListener("click", function () {
      if (!current) { return; }
      var state = current, my = seq;
      nextPage(state, false, my).then(function (res) {
        var first = res && res.first;
        if (first) { var link = first.querySelector("a"); if (link) { link.focus(); } }
      });
    });
  }

  // Back from a result: the results shown (after 显示更多结果) and the place in them come back.
  // Kept for this tab only (sessionStorage works from file:// too), under the address as it is
  // when the page is left (the query and filters, where history.replaceState was allowed to
  // put them there), and used only when the page is reached by Back or Forward: a new search
  // for the same words starts at the top (a kiosk's tab is never closed: the next person
  // would get the last one's place).
  function placeKey() { return "sitegen-search-place:" + location.pathname + location.search; }
  function keepPlace() {
    // (Not when a kiosk left idle goes home: site.js has just forgotten everything.)
    if (!current || !current.shown || window.SITEGEN_IDLE_RESET) { return; }
    try {
      sessionStorage.setItem(placeKey(), JSON.stringify({
        q: current.query, f: current.filters, shown: current.shown, y: window.scrollY }));
    } catch (e) { /* storage refused: nothing kept */ }
  }
  window.addEventListener("pagehide", keepPlace);
  function cameBack() {
    var nav = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    return !!nav && nav.type === "back_forward";
  }
  function restorePlace() {
    var place = null;
    try { place = JSON.parse(sessionStorage.getItem(placeKey()) || "null"); } catch (e) { return; }
    if (!place || !current || place.q !== current.query ||
        JSON.stringify(place.f || {}) !== JSON.stringify(current.filters)) { return; }
    var state = current, my = seq;
    function more() {
      if (my !== seq || state.shown >= place.shown || state.next >= state.scored.length) { return Promise.resolve(); }
      return nextPage(state, false, my).then(more);
    }
    return more().then(function () { if (my === seq) { window.scrollTo(0, place.y || 0); } });
  }
  // For tests and the benchmark: the search as the page runs it, and every verified result.
  S.search = search;
  S.hash = hash;
  S.internals = { intersect: intersect, firstPage: firstPage, plan: plan, execute: execute, rank: rank, postings: postings, loadDocs: loadDocs, verify: verify, rerank: rerank };
  S.all = function (query, filters) {
    var p = plan(String(query || "").replace(/^\s+|\s+$/g, ""), filters || {});
    if (!p.terms.length && !p.facets.length && !p.year) { return Promise.resolve([]); }
    return execute(p).then(function (scored) {
      return loadDocs(Array.prototype.slice.call(scored.ids)).then(function (docs) {
        var ok = docs.filter(function (d) { return verify(d, p.terms); });
        var scores = scoreMap(scored, 0, scored.length), out = [];
        for (var i = 0; i < ok.length; i += PAGE) { out = out.concat(rerank(ok.slice(i, i + PAGE), scores, p)); }
        return out.map(function (d) { return d.u; });
      });
    });
  };
  // S.ready: the page has run its first query and its warm-up (the benchmark waits for it, as
  // a person's first keystroke comes well after the page has opened). A page opened with a
  // query has just run the real thing: no warm-up, which could only delay the next query.
  var opened = input.value;
  search(input.value, performance.now()).then(function () {
    if (cameBack()) { return restorePlace(); }
    // Opened with a query (from another page's search box): the count said while the page
    // loaded is often not read out; the focus on it is.
    if (opened) { status.focus(); }
    return null;
  }).then(function () {
    setTimeout(function () { try { if (!opened) { warmUp(); } } finally { S.ready = true; } }, 0);
  });
})();
