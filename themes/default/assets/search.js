/* Offline search over window.SITEGEN_SEARCH_DATA (assets/search-data.js, loaded by a classic
   <script> because fetch() is blocked on file://). Results are built with text nodes only. */
(function () {
  "use strict";
  var data = window.SITEGEN_SEARCH_DATA || [];
  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (!input || !list) { return; }

  function normalize(text) {
    return String(text || "").normalize("NFKC").toLowerCase();
  }

  function terms(query) {
    return normalize(query).split(/[\s,，、]+/).filter(function (t) { return t.length > 0; });
  }

  function fields(rec) {
    return {
      title: normalize(rec.title),
      other: normalize([rec.doc_no, (rec.keywords || []).join(" "), rec.index_no].join(" ")),
      summary: normalize([rec.summary, rec.category, rec.organization].join(" "))
    };
  }

  function score(rec, words) {
    var f = fields(rec);
    var total = 0;
    for (var i = 0; i < words.length; i++) {
      var w = words[i];
      if (f.title.indexOf(w) >= 0) { total += 10; }
      else if (f.other.indexOf(w) >= 0) { total += 5; }
      else if (f.summary.indexOf(w) >= 0) { total += 1; }
      else { return 0; }
    }
    return total;
  }

  function highlighted(text, words) {
    var frag = document.createDocumentFragment();
    var norm = normalize(text);
    var pos = 0;
    while (pos < text.length) {
      var best = -1, len = 0;
      for (var i = 0; i < words.length; i++) {
        var at = norm.indexOf(words[i], pos);
        if (at >= 0 && (best < 0 || at < best)) { best = at; len = words[i].length; }
      }
      if (best < 0 || norm.length !== text.length) { frag.appendChild(document.createTextNode(text.slice(pos))); break; }
      frag.appendChild(document.createTextNode(text.slice(pos, best)));
      var mark = document.createElement("mark");
      mark.appendChild(document.createTextNode(text.slice(best, best + len)));
      frag.appendChild(mark);
      pos = best + len;
    }
    return frag;
  }

  function show(query) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var words = terms(query);
    if (!words.length) { status.textContent = "请输入要搜索的文字。"; return; }
    var hits = [];
    for (var i = 0; i < data.length; i++) {
      var s = score(data[i], words);
      if (s > 0) { hits.push({ rec: data[i], score: s }); }
    }
    hits.sort(function (a, b) {
      return b.score - a.score || (b.rec.date_published > a.rec.date_published ? 1 : b.rec.date_published < a.rec.date_published ? -1 : 0);
    });
    status.textContent = hits.length ? "找到 " + hits.length + " 条信息。" : "没有找到与“" + query + "”相关的信息。";
    hits.forEach(function (hit) {
      var rec = hit.rec;
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = rec.url;
      a.appendChild(highlighted(rec.title, words));
      li.appendChild(a);
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.appendChild(document.createTextNode([rec.doc_no, rec.category, rec.date_published].filter(Boolean).join("　")));
      li.appendChild(meta);
      if (rec.summary) {
        var p = document.createElement("span");
        p.className = "snippet";
        p.appendChild(highlighted(rec.summary, words));
        li.appendChild(p);
      }
      list.appendChild(li);
    });
  }

  var params = new URLSearchParams(window.location.search);
  var q = params.get("q") || "";
  input.value = q;
  show(q);
  document.getElementById("search-page-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    show(input.value);
    if (window.history && window.history.replaceState) {
      try { window.history.replaceState(null, "", "?q=" + encodeURIComponent(input.value)); } catch (e) { /* file:// may refuse */ }
    }
  });
})();
