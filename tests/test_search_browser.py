"""Search in a real browser (Debian's Chromium driven by Playwright): the example catalog built
once, opened from file:// as on an offline kiosk and over HTTP from a sub-path of a static
server. The relevance set (tests/search_relevance.json) must be found in full by both, and what
the browser finds must be exactly what brute force finds on the same texts. The JavaScript
tokeniser must agree with sitegen/tokenize.py on the shared vectors and on random text.

Never runs `playwright install`: the tests use /usr/bin/chromium (apt-get install chromium).
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import serve
from playwright.sync_api import Browser, Page

from sitegen import search, tokenize
from sitegen.build import build
from sitegen.search import SearchDoc

ROOT = Path(__file__).resolve().parent.parent
NOW = __import__("datetime").date(2026, 11, 27)
SUB_PATH = "xxgk/zbs/"
VECTORS = json.loads((Path(__file__).parent / "search_vectors.json").read_text(encoding="utf-8"))
RELEVANCE = json.loads((Path(__file__).parent / "search_relevance.json").read_text(encoding="utf-8"))
MODES = ["file", "http"]


# --- fixtures: one build, one server, one browser, one page per mode ----------------------------


@pytest.fixture(scope="module")
def www(tmp_path_factory: pytest.TempPathFactory) -> Path:
    top = tmp_path_factory.mktemp("search-www")
    result = build(ROOT, output=top / SUB_PATH, now=NOW)
    assert result.ok, "\n".join(d.format() for d in result.report.errors)
    return top


@pytest.fixture(scope="module")
def site(www: Path) -> Path:
    return www / SUB_PATH


@pytest.fixture(scope="module")
def http_root(www: Path) -> Iterator[str]:
    with serve(www) as base:
        yield base + SUB_PATH


class Watch:
    """Console errors, uncaught exceptions, failed requests, HTTP errors."""

    def __init__(self, page: Page):
        self.problems: list[str] = []
        page.on("console", self.console)
        page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))
        page.on("requestfailed", self.request_failed)
        page.on("response", lambda r: r.status >= 400 and self.problems.append(f"{r.status}: {r.url}"))

    def request_failed(self, request: object) -> None:
        url, failure = request.url, request.failure  # type: ignore[attr-defined]
        # A page's icon, fetched after the page loaded, is cancelled by going on (not a 404).
        if not (url.endswith("/assets/favicon.svg") and failure == "net::ERR_ABORTED"):
            self.problems.append(f"failed: {url} {failure}")

    def console(self, msg: object) -> None:
        url = (msg.location or {}).get("url") or ""  # type: ignore[attr-defined]
        if msg.type == "error":  # type: ignore[attr-defined]
            self.problems.append(f"console error at {url}: {msg.text}")  # type: ignore[attr-defined]

    def check(self) -> None:
        problems = list(self.problems)
        self.problems.clear()
        assert not problems, problems


@pytest.fixture(scope="module")
def roots(site: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    return {"file": site.as_uri() + "/", "http": request.getfixturevalue("http_root")}


@pytest.fixture(scope="module")
def pages(browser: Browser, roots: dict[str, str]) -> Iterator[dict[str, tuple[Page, Watch]]]:
    out = {}
    for mode in MODES:
        page = browser.new_context().new_page()
        page.set_default_timeout(15_000)
        out[mode] = (page, Watch(page))
    yield out
    for page, _ in out.values():
        page.context.close()


def open_search(page: Page, root: str, query: str = "") -> None:
    page.goto(root + "search.html" + ("?q=" + quote(query) if query else ""))
    page.wait_for_function("document.getElementById('search-status').dataset.state === 'done'")


def run_query(page: Page, query: str) -> list[str]:
    """Type `query` into the search page's box, press Enter, return the links shown."""
    page.fill("#search-input", query)
    page.press("#search-input", "Enter")
    page.wait_for_function(
        "q => document.getElementById('search-results').dataset.query === q.trim()"
        " && document.getElementById('search-status').dataset.state === 'done'", arg=query)
    return page.eval_on_selector_all("#search-results li > a", "els => els.map(e => e.getAttribute('href'))")


def all_results(page: Page, query: str, filters: dict[str, str] | None = None) -> list[str]:
    return page.evaluate("([q, f]) => SITEGEN_SEARCH.all(q, f)", [query, filters or {}])


def read_docs(site: Path) -> list[dict]:
    manifest = site / "assets/search/manifest.js"
    count = json.loads(manifest.read_text(encoding="utf-8").split("=", 2)[-1].rstrip(";\n"))["docs"]
    out = []
    for docid in range(count):
        name = search.name_of(lambda rel: (site / "assets/search" / rel).read_bytes(), docid)
        text = (site / "assets/search" / search.doc_path(name)).read_text(encoding="utf-8")
        out.append(json.loads(text[text.index("=") + 1 :].rstrip(";\n")))
    return out


def as_search_doc(d: dict) -> SearchDoc:
    return SearchDoc(d["x"], d["t"], d["u"], d["c"], d["o"], d["d"], d["n"], tuple(d["k"]), d["s"],
                     d["v"], d["b"], tuple(d["a"]))


@pytest.fixture(scope="module")
def docs(site: Path) -> list[dict]:
    return read_docs(site)


# --- the tokeniser in JavaScript ---------------------------------------------------------------


def _random_texts(n: int) -> list[str]:
    rng = random.Random(20261127)
    pool = ("财政预算公开信息招宝山街道号年月日〇一二三豈𠀋𠀌" "abcXYZ0129" "ＡＢＣ０１２９ｘ"
            "  \t\n\u3000\u00a0\u200b\u00ad" "，。、〔〕《》“”（）-/·—…:;!?#@%"
            "①Ⅻﬁ㈱㍿éΣİß\u0301")
    return ["".join(rng.choice(pool) for _ in range(rng.randint(0, 30))) for _ in range(n)]


def test_js_tokenizer_matches_the_vectors_and_python(pages: dict, roots: dict) -> None:
    page, watch = pages["file"]
    open_search(page, roots["file"])
    got = page.evaluate(
        """texts => texts.map(t => ({
            runs_document: SITEGEN_TOKENIZE.runs(t, true), runs_query: SITEGEN_TOKENIZE.runs(t, false),
            index: SITEGEN_TOKENIZE.indexTokens(t), query: SITEGEN_TOKENIZE.queryTerms(t)}))""",
        [v["text"] for v in VECTORS])
    for vector, js in zip(VECTORS, got, strict=True):
        want = {k: vector[k] for k in ("runs_document", "runs_query", "index", "query")}
        assert js == want, vector["note"]
    texts = _random_texts(400)
    got = page.evaluate("texts => texts.map(t => [SITEGEN_TOKENIZE.indexTokens(t), SITEGEN_TOKENIZE.queryTerms(t)])", texts)
    for text, (index, query) in zip(texts, got, strict=True):
        assert index == tokenize.index_tokens(text), text
        assert query == [t.as_json() for t in tokenize.query_terms(text)], text
    edges = ["@[`{~\x7f", "AZaz09", "\u3000\u3001\u3002\u3007\u3008\u3011\u3012", "\u2018\u201d\u201e",
             "\u4dff\u4e00\u9fff\ua000\uff0c\uff21"]
    normalized = page.evaluate("ts => ts.map(t => SITEGEN_TOKENIZE.normalize(t))", texts + edges)
    assert normalized == [tokenize.normalize(t) for t in texts + edges]
    # normalize() folds only what its quick pattern lets through: every code point of the
    # BMP, folded alone, must come out as NFKC + lower case says (in the browser's own Unicode).
    odd = page.evaluate("""() => {
        const ignored = new Set([0xad, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff]), out = [];
        for (let c = 0; c < 0x10000; c++) {
            if (c >= 0xd800 && c <= 0xdfff) continue;
            const ch = String.fromCharCode(c);
            const want = ignored.has(c) ? "" : ch.normalize("NFKC").toLowerCase();
            if (SITEGEN_TOKENIZE.normalize(ch) !== want) out.push(c);
        }
        return out;
    }""")
    assert odd == []
    tokens = sorted({t for text in texts for t in tokenize.index_tokens(text)})
    hashes = page.evaluate("ts => ts.map(t => SITEGEN_SEARCH.hash(t))", tokens)
    assert hashes == [search.token_hash(t) for t in tokens]
    watch.check()


def test_list_intersection_short_against_long(pages: dict, roots: dict) -> None:
    """Intersecting a short list with a long one gallops through the long one; both ways must
    give what a plain merge gives, at every length ratio and at the lists' ends."""
    page, watch = pages["file"]
    open_search(page, roots["file"])
    bad = page.evaluate("""() => {
        const I = SITEGEN_SEARCH.internals, out = [];
        let seed = 7;
        const rnd = n => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
        const list = (n, top) => Int32Array.from(new Set(Array.from({length: n}, () => rnd(top)))).sort();
        for (let r = 0; r < 300; r++) {
            const top = 1 + rnd(5000), a = list(rnd(40), top), b = list(rnd(4000), top);
            const inB = new Set(b), want = Array.from(a).filter(v => inB.has(v));
            for (const got of [I.intersect(a, b), I.intersect(b, a)]) {
                if (JSON.stringify(Array.from(got)) !== JSON.stringify(want)) out.push([Array.from(a), top]);
            }
        }
        return out.slice(0, 3);
    }""")
    assert bad == []
    watch.check()


# --- relevance ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_relevance_set_full_recall(pages: dict, roots: dict, docs: list[dict], mode: str) -> None:
    page, watch = pages[mode]
    open_search(page, roots[mode])
    search_docs = [as_search_doc(d) for d in docs]
    cut = {d["u"] for d in docs if d.get("z")}
    missed, misranked = [], []
    for case in RELEVANCE:
        shown = run_query(page, case["q"])
        found = all_results(page, case["q"])
        missing = [u for u in case["expect"] if u not in found]
        if missing:
            missed.append((case["q"], missing))
        if "first" in case and (not shown or shown[0] != case["first"]):
            misranked.append((case["q"], shown[:3]))
        assert shown == found[: len(shown)], case["q"]  # the page shows the ranking's head
        truth = {d.url for d in search_docs if search.reference_matches(d, case["q"])}
        assert truth <= set(found) <= truth | cut, (case["q"], set(found) ^ truth)
    assert not missed, missed
    assert not misranked, misranked
    watch.check()


# --- the page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_results_show_title_category_date_doc_no_and_snippet(pages: dict, roots: dict, mode: str) -> None:
    page, watch = pages[mode]
    open_search(page, roots[mode], "招街办〔2010〕12号")
    first = page.locator("#search-results li").first
    assert first.locator("a").inner_text() == "招宝山街道城市管理网格化实施办法"
    meta = first.locator(".meta").inner_text()
    assert "行政规范性文件" in meta and "2010-06-10" in meta
    assert first.locator(".meta mark").all_inner_texts() == ["招街办〔2010〕12号"]
    assert re.search(r"找到约? \d+ 条", page.inner_text("#search-status"))
    assert page.get_attribute("#search-status", "aria-live") == "polite"
    # A body phrase: the snippet is cut around it and marks it.
    run_query(page, "防范和遏制安全生产事故")
    snippet = page.locator("#search-results li .snippet").first
    assert snippet.locator("mark").all_inner_texts() == ["防范和遏制安全生产事故"]
    # Clicking a result opens the item page, from file:// and from the sub-path.
    with page.expect_navigation():
        page.locator("#search-results li a").first.click()
    assert page.url.endswith("fdzdgknr/jdjc/2010-work-safety-inspection.html")
    assert page.locator("h1").inner_text().startswith("招宝山街道2010年安全生产大检查")
    watch.check()


def _more_then_open(page: Page) -> tuple[int, float, str]:
    """显示更多结果 twice (or as often as there is more), then open the last result but one:
    (results shown, scroll position, its href)."""
    for _ in range(2):
        before = page.eval_on_selector_all("#search-results > li", "l => l.length")
        if page.is_hidden("#search-more"):
            break
        page.click("#search-more")
        page.wait_for_function("n => document.querySelectorAll('#search-results > li').length > n",
                               arg=before)
    count = page.eval_on_selector_all("#search-results > li", "l => l.length")
    assert count >= 21
    link = page.locator("#search-results > li > a").nth(count - 2)
    link.scroll_into_view_if_needed()
    place, href = page.evaluate("scrollY"), link.get_attribute("href")
    assert place > 0 and href
    with page.expect_navigation():
        link.click()
    return count, place, href


def _shown_again(page: Page, count: int, place: float, href: str) -> None:
    page.wait_for_function("n => document.querySelectorAll('#search-results > li').length >= n",
                           arg=count)
    page.wait_for_function("y => Math.abs(window.scrollY - y) < 5", arg=place)
    assert page.eval_on_selector_all("#search-results > li", "l => l.length") == count
    assert page.locator("#search-results > li > a").nth(count - 2).get_attribute("href") == href


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("how", ["opened-with-query", "typed", "filter-only"])
def test_back_from_a_result_keeps_the_results_shown_and_the_place(browser: Browser, roots: dict,
                                                                  mode: str, how: str) -> None:
    """On a kiosk the way back is the Back button: after 显示更多结果 twice and a result
    opened, Back showed the first ten results again, at another place; a new search for the
    same words must start at the top again (the next person at the kiosk)."""
    context = browser.new_context(viewport={"width": 1080, "height": 1920})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        if how == "typed":
            open_search(page, roots[mode])
            run_query(page, "政府信息公开")
        elif how == "filter-only":
            page.goto(roots[mode] + "search.html?y=2011")
            page.wait_for_function("document.getElementById('search-status').dataset.state === 'done'")
        else:
            open_search(page, roots[mode], "政府信息公开")
        count, place, href = _more_then_open(page)
        page.go_back()
        _shown_again(page, count, place, href)
        if how == "opened-with-query":  # the same search again, not by Back: from the top
            with page.expect_navigation():
                page.goto(roots[mode] + "index.html")
            page.fill("#q-home", "政府信息公开")
            with page.expect_navigation():
                page.press("#q-home", "Enter")
            page.wait_for_function("document.getElementById('search-status').dataset.state === 'done'")
            page.wait_for_timeout(300)
            assert page.eval_on_selector_all("#search-results > li", "l => l.length") == 10
            assert page.evaluate("scrollY") == 0
    finally:
        context.close()


def test_the_site_works_under_a_strict_script_policy(browser: Browser, www: Path) -> None:
    """Offices' security rules often require a Content-Security-Policy: with
    `script-src 'self'` (no inline script, no eval) every page's scripts still run, search
    included, and the browser reports no violation."""
    policy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
    with serve(www, headers={"Content-Security-Policy": policy}) as host:
        context = browser.new_context()
        try:
            page = context.new_page()
            watch = Watch(page)
            root = host + SUB_PATH
            page.goto(root + "index.html")
            page.goto(root + "fdzdgknr/index-2.html")
            open_search(page, root, "预算")
            assert page.locator("#search-results li").count() > 0
            assert "信息更新至" in page.inner_text("#last-published")  # last-published.js ran
            watch.check()  # a refused script or style is a console error
        finally:
            context.close()


def test_many_words_repeated_or_too_many(pages: dict, roots: dict) -> None:
    """A word typed again is one word; beyond 16 different words the rest is left out, and
    the status line says so (it found items without the 17th word and did not say)."""
    page, watch = pages["file"]
    open_search(page, roots["file"])
    assert run_query(page, " ".join(["招宝山"] * 20 + ["火星殖民"])) == []
    assert "没有找到" in page.inner_text("#search-status")
    words = "招宝山 街道 财政 预算 2011 公开 收入 支出 项目 安排 党工委 办事处 财政局 备案 社会保障 医疗卫生"
    assert len(words.split()) == 16
    found = run_query(page, words)
    assert found and "搜索词过多" not in page.inner_text("#search-status")
    assert run_query(page, words + " 火星") == found
    assert "搜索词过多，只按前 16 个词查找，其余 1 个未使用" in page.inner_text("#search-status")
    watch.check()


def test_indexed_text_and_queries_are_never_html(pages: dict, roots: dict) -> None:
    page, watch = pages["file"]
    evil = '<img src=x onerror="window.pwned=1">招宝山'
    open_search(page, roots["file"], evil)
    assert page.evaluate("window.pwned") is None
    assert page.locator("#search-results img, #search-status img").count() == 0
    assert "<img" in page.inner_text("#search-status")
    watch.check()


def test_filters(pages: dict, roots: dict, docs: list[dict]) -> None:
    page, watch = pages["http"]
    open_search(page, roots["http"], "公开")
    everything = all_results(page, "公开")
    page.select_option("#search-year", "2010")
    page.wait_for_function("document.getElementById('search-status').dataset.state === 'done'")
    assert "y=2010" in page.url
    by_url = {d["u"]: d for d in docs}
    shown = page.eval_on_selector_all("#search-results li > a", "els => els.map(e => e.getAttribute('href'))")
    assert shown and all(by_url[u]["d"].startswith("2010") for u in shown)
    cases = [
        ({"y": "2010"}, lambda d: d["d"].startswith("2010")),
        ({"c": "法定主动公开内容/财政预决算"}, lambda d: d["c"] == "法定主动公开内容/财政预决算"),
        ({"c": "法定主动公开内容"}, lambda d: d["c"].startswith("法定主动公开内容")),
        ({"v": "废止"}, lambda d: d["v"] == "废止"),
        ({"o": "彬县教育局"}, lambda d: d["o"] == "彬县教育局"),
        ({"y": "2011", "v": "有效"}, lambda d: d["d"].startswith("2011") and d["v"] == "有效"),
    ]
    for filters, keep in cases:
        got = all_results(page, "公开", filters)
        assert got == [u for u in everything if keep(by_url[u])], filters
        # Without a query, a filter lists its items (newest first).
        listed = all_results(page, "", filters)
        assert sorted(listed) == sorted(d["u"] for d in docs if keep(d)), filters
    # Filters come from the URL too, and the select shows them.
    page.goto(roots["http"] + "search.html?q=" + quote("救助") + "&v=" + quote("废止"))
    page.wait_for_function("document.getElementById('search-status').dataset.state === 'done'")
    assert page.input_value("#search-validity") == "废止"
    shown = page.eval_on_selector_all("#search-results li > a", "els => els.map(e => e.getAttribute('href'))")
    assert shown == [d["u"] for d in docs if d["v"] == "废止" and "救助" in d["t"] + d["b"]]
    watch.check()


def test_keyboard_only(pages: dict, roots: dict) -> None:
    page, watch = pages["file"]
    page.goto(roots["file"] + "index.html")
    page.focus("#q")  # the header box on every page
    page.keyboard.type("号")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"search\.html\?q="))
    page.wait_for_function("document.getElementById('search-status').dataset.state === 'done'")
    assert page.locator("#search-results li").count() == 10
    assert page.is_visible("#search-more")
    page.focus("#search-more")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#search-results li').length > 10")
    focused = page.evaluate("document.activeElement.closest('li') && [...document.querySelectorAll('#search-results li')].indexOf(document.activeElement.closest('li'))")
    assert focused == 10  # the first new result has the focus
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(".html") and not page.url.split("?")[0].endswith("search.html")
    # Typing in the page's box searches as one types (no Enter needed).
    page.goto(roots["file"] + "search.html")
    page.focus("#search-input")
    page.keyboard.type("慈善")
    page.wait_for_function("document.getElementById('search-results').dataset.query === '慈善'")
    assert "慈善" in page.locator("#search-results li a").first.inner_text()
    watch.check()


def test_a_phrase_across_a_line_break_in_the_markdown(browser: Browser, tmp_path: Path) -> None:
    """A soft line break inside a Chinese sentence of the Markdown source: a copy of the
    example catalog where one body line is broken in the middle of a phrase."""
    for name in ("sitegen.toml", "content", "themes"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, tmp_path / name)
        elif (ROOT / name).exists():
            shutil.copy(ROOT / name, tmp_path / name)
    phrase = target = None
    for path in sorted((tmp_path / "content").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        head, sep, body = text.partition("\n---\n")
        for line in body.split("\n"):
            m = re.search(r"[\u4e00-\u9fff]{12,}", line) if not re.match(r"\s*([|#>*-]|\d+\.)", line) else None
            if m:
                run = m.group()
                phrase, cut = run[2:10], 6
                broken = line.replace(run, run[:cut] + "\n" + run[cut:], 1)
                path.write_text(head + sep + body.replace(line, broken, 1), encoding="utf-8")
                target = path
                break
        if target:
            break
    assert target and phrase
    out = tmp_path / "output"
    assert build(tmp_path, output=out, now=NOW).ok
    page = browser.new_page()
    watch = Watch(page)
    try:
        open_search(page, out.as_uri() + "/", phrase)
        found = all_results(page, phrase)
        url = target.relative_to(tmp_path / "content").with_suffix(".html").as_posix()
        assert any(u.endswith(url.split("/")[-1]) for u in found), (phrase, found)
        assert phrase in "".join(page.locator("#search-results mark").all_inner_texts()).replace(" ", "")
        watch.check()
    finally:
        page.close()


def test_a_query_loads_only_what_it_needs(pages: dict, roots: dict, site: Path) -> None:
    page, watch = pages["http"]
    open_search(page, roots["http"])
    loaded: list[str] = []
    page.on("request", lambda r: loaded.append(r.url))
    run_query(page, "居家养老 补助")
    index = [u for u in loaded if "/assets/search/" in u]
    assert index and all(re.search(r"/assets/search/(t/|x/|n/\d+\.js|d/[0-9a-f]{2}/[0-9a-f]{10}\.js)", u)
                         for u in index)
    assert len([u for u in index if "/d/" in u]) <= 10
    assert len([u for u in index if "/n/" in u]) <= 1  # a small site: one list of names
    shards = len(list((site / "assets/search/t").glob("*.js")))
    assert len([u for u in index if "/t/" in u]) <= max(3, shards // 2)
    watch.check()


PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>t</title></head><body>
<form id="search-page-form"><input id="search-input"></form><p id="search-status"></p>
<ol id="search-results"></ol><button id="search-more" hidden>more</button>
<script src="assets/search/manifest.js"></script><script src="assets/search-tokenize.js"></script>
<script src="assets/search.js" data-index="assets/search/"></script></body></html>"""


# The ranking as defined (docs/search.md), each candidate scored on its own: search.js must
# order every result the same way and give it the same score.
REFERENCE_RANK = """async q => {
  const I = SITEGEN_SEARCH.internals, p = I.plan(q, {});
  const scored = await I.execute(p), lists = await I.postings(p.tokens);
  const W = {title: 16, meta: 8, summary: 4, body: 2, phrase: 6};
  const ids = Array.from(scored.ids).sort((a, b) => a - b);
  const has = (list, id) => list.indexOf(id) >= 0;
  const rows = ids.map(id => {
    let score = 0;
    for (const t of p.terms) {
      let best = W.body;
      for (const f of ["summary", "meta", "title"]) {
        if (t.need.every(tok => has(Array.from(lists[tok][f]), id))) { best = W[f]; }
      }
      score += best;
      if (t.pair && has(Array.from(lists[t.pair].ids), id)) { score += W.phrase; }
    }
    return [score, id];
  });
  rows.sort((a, b) => b[0] - a[0] || b[1] - a[1]);
  const head = Array.from(I.firstPage(Int32Array.from(ids), p.terms, lists));
  return [Array.from(scored.ids).map((id, i) => [scored.scores[i], id]), rows, head];
}"""


def _open_index(browser: Browser, root: Path, docs: list) -> tuple[Page, Watch]:
    """search.html over an index of `docs` alone, written under `root`."""
    for rel, data in search.build_index(docs):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    for name in ("search.js", "search-tokenize.js"):
        shutil.copy(ROOT / "themes/default/assets" / name, root / "assets" / name)
    (root / "search.html").write_text(PAGE, encoding="utf-8")
    page = browser.new_page()
    watch = Watch(page)
    open_search(page, root.as_uri() + "/")
    return page, watch


def test_the_documents_requested_before_ranking_are_its_first(browser: Browser, tmp_path: Path) -> None:
    """The page requests the first page's documents before it ranks (firstPage): they must be
    the ranking's first ones, whatever the titles, 文号 and phrase pairs, for one, two and
    three terms (three: none requested)."""
    rng = random.Random(11)
    words = ["财政", "预算", "公开", "通知", "社区", "招聘", "年度", "报告"]
    docs = [search.SearchDoc(
        index_no=f"X-{i:03d}", title="".join(rng.choices(words, k=rng.randint(1, 4))), url=f"i/{i}.html",
        category="机构概况", organization="某局", date=f"2020-01-{1 + i // 10:02d}",
        doc_no="".join(rng.choices(words, k=rng.randint(0, 2))), keywords=tuple(rng.choices(words, k=rng.randint(0, 2))),
        summary="".join(rng.choices(words, k=rng.randint(0, 3))), body="，".join(rng.choices(words, k=12)))
        for i in range(200)]
    page, watch = _open_index(browser, tmp_path, docs)
    try:
        queries = words + [f"{a} {b}" for a in words for b in words if a != b] + ["财政 预算 公开", "社区 招聘 通知"]
        full = 0
        for q in queries:
            fast, slow, head = page.evaluate(REFERENCE_RANK, q)
            assert fast == slow, q
            assert head == [doc for _, doc in slow[:len(head)]], q
            assert not head or len(q.split()) <= 2, q
            full += len(head) == 10
        assert full > len(queries) // 2
        watch.check()
    finally:
        page.close()


def test_a_generated_catalog_with_frequent_tokens(browser: Browser, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Bitmaps, frequent tokens in x/ files, many shards: a generated catalog of 500 items
    (bench/search_catalog.py) searched in the browser equals brute force."""
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from search_catalog import TYPICAL_QUERIES, catalog

    monkeypatch.setattr(search, "BIG_ENTRY", 100)
    monkeypatch.setattr(search, "SHARD_TARGET", 1024)
    docs = catalog(500, seed=7)
    files = search.build_index(docs)
    assert any("/x/" in rel for rel, _ in files) and any(b"~" in data for _, data in files)
    page, watch = _open_index(browser, tmp_path, docs)
    try:
        queries = [*TYPICAL_QUERIES, "号", "2010年", "财政 预算 公开",
                   docs[100].title, docs[200].body[30:36], docs[400].doc_no or docs[400].title[:5]]
        for q in queries:
            truth = [i for i, d in enumerate(docs) if search.reference_matches(d, q)]
            if len(truth) > 60 and all(len(t.units) < 3 for t in tokenize.query_terms(q)):
                # Pairs are exact: the index alone must give the answer (no need to load 300
                # documents to check it).
                ids = page.evaluate("q => SITEGEN_SEARCH.internals.execute("
                                    "SITEGEN_SEARCH.internals.plan(q, {})).then(r => Array.from(r.ids))", q)
                assert sorted(ids) == truth, q
            else:
                assert sorted(all_results(page, q)) == sorted(docs[i].url for i in truth), q
        heads = 0
        for q in queries:  # the ranking: as scoring every candidate on its own would rank
            fast, slow, head = page.evaluate(REFERENCE_RANK, q)
            assert fast == slow, q
            # The documents requested before ranking are the ranking's first ones.
            assert head == [doc for _, doc in slow[:len(head)]], q
            heads += bool(head)
        assert heads >= 3
        # Filters on the same index.
        got = all_results(page, "公开", {"v": "废止", "y": "2010"})
        assert sorted(got) == sorted(d.url for d in docs if search.reference_matches(d, "公开")
                                     and d.validity == "废止" and d.year == 2010)
        watch.check()
    finally:
        page.close()
