"""End to end: the repository's own example catalog, built as a new user would build it."""

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

import feedparser
import pytest

from sitegen import sitemap
from sitegen.build import build
from sitegen.config import load_config
from sitegen.diagnostics import Report
from sitegen.structure import Pagination

ROOT = Path(__file__).resolve().parent.parent
NOW = __import__("datetime").date(2026, 11, 27)


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, dict[str, str | None]]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        for attr in ("href", "src"):
            if a.get(attr):
                self.refs.append((tag, a[attr] or "", a))


@pytest.fixture(scope="module")
def site(example_output: Path) -> Path:
    return example_output


@pytest.fixture(scope="module")
def records(site: Path) -> list[dict]:
    return json.loads((site / "search.json").read_text(encoding="utf-8"))


def sources() -> list[Path]:
    return sorted((ROOT / "content").rglob("*.md"))


def test_catalog_is_realistic():
    assert len(sources()) >= 40
    report = Report()
    config = load_config(ROOT, report)
    assert config is not None and not report.errors
    assert {o.id for o in config.organizations.values()} >= {"zhaobaoshan"}


def test_every_relative_link_resolves_on_disk(site: Path):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 60
    checked = 0
    for page in pages:
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for tag, ref, attrs in parser.refs:
            if tag == "base" and page.name == "404.html" and page.parent == site:
                continue  # a server shows it at any depth: its links start from base_url's path
            parts = urlsplit(ref)
            if parts.scheme in ("http", "https"):
                assert tag == "link" and attrs.get("rel") == "canonical", f"{page}: absolute {ref}"
                continue
            if parts.scheme == "mailto" or parts.scheme == "tel":
                continue
            assert not parts.scheme and not ref.startswith("/"), f"{page}: {ref}"
            if not parts.path:
                assert parts.fragment in parser.ids, f"{page}: dangling anchor {ref}"
                continue
            assert not parts.path.endswith("/"), f"{page}: bare folder link {ref}"
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file(), f"{page.relative_to(site)}: {ref} does not exist"
            assert target.is_relative_to(site.resolve()), f"{page}: {ref} leaves the site"
            checked += 1
    assert checked > 1000


def test_search_json_has_one_record_per_published_item(site: Path, records: list[dict]):
    raw = (site / "search.json").read_text(encoding="utf-8")
    assert "\\u" not in raw  # UTF-8, not ASCII-escaped
    assert len(records) == len(sources()) - 1  # the one held-back item
    assert len({r["index_no"] for r in records}) == len(records)
    for r in records:
        assert set(r) == {"index_no", "title", "url", "category", "organization", "date_published",
                          "doc_no", "keywords", "validity", "summary"}
        assert (site / r["url"]).is_file()
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["date_published"])
    dates = [r["date_published"] for r in records]
    assert dates == sorted(dates, reverse=True)


def test_held_back_item_is_nowhere(site: Path):
    held = [p for p in sources() if "pending-review" in p.name]
    assert len(held) == 1
    title = re.search(r"^title:\s*(.+)$", held[0].read_text(encoding="utf-8"), re.M)
    assert title
    needle = title.group(1).strip().strip('"')
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".xml", ".js"):
            assert needle not in path.read_text(encoding="utf-8"), path
    assert not list(site.rglob("pending-review*"))


def test_category_counts_include_descendants(site: Path, records: list[dict]):
    home = (site / "index.html").read_text(encoding="utf-8")
    # (限时公开 items past their last day are counted in the list of expired items instead)
    expired = (site / "archive" / "expired.html").read_text(encoding="utf-8")
    total = sum(1 for r in records if r["category"].startswith("法定主动公开内容/")
                and f'href="../{r["url"]}"' not in expired)
    assert total < sum(1 for r in records if r["category"].startswith("法定主动公开内容/"))
    assert re.search(r'fdzdgknr/index\.html">法定主动公开内容</a> <span class="count">（'
                     + str(total) + "）", home)
    page = (site / "fdzdgknr" / "index.html").read_text(encoding="utf-8")
    assert f"法定主动公开内容 <span class=\"count\">（{total} 条）" in page


def test_pagination_newest_first(site: Path, records: list[dict]):
    in_tree = [r for r in records if r["category"].startswith("法定主动公开内容/")]
    assert len(in_tree) > 20, "the example needs more than one page in 法定主动公开内容"
    first = (site / "fdzdgknr" / "index.html").read_text(encoding="utf-8")
    second = (site / "fdzdgknr" / "index-2.html").read_text(encoding="utf-8")
    assert 'href="index-2.html"' in first and 'href="index.html"' in second
    newest = in_tree[0]["url"].removeprefix("fdzdgknr/")
    assert newest in first and newest not in second
    # Each page is told apart by a reader and in the tab: its number, after the first.
    assert "<title>法定主动公开内容 - " in first and "第 1 页" not in first
    assert "<title>法定主动公开内容（第 2 页） - " in second
    assert re.search(r"<h1>法定主动公开内容 .*<span class=\"page-number\">第 2 页</span></h1>", second)
    assert "条）" not in second.split("<h1>")[1].split("</h1>")[0]  # (the count: first page)
    # The column's own crumb is the current page on its first page only.
    assert '<a href="index.html" aria-current="page">法定主动公开内容</a>' in first
    assert 'aria-current="page">法定主动公开内容' not in second


def test_organisation_and_year_pages_are_paginated(site: Path, records: list[dict]):
    # each item once, on a page of at most page_size (20), page 1 keeping the plain name;
    # an organisation's list leaves out 限时公开 items past their last day, its year does not
    expired = (site / "archive" / "expired.html").read_text(encoding="utf-8")
    for stem, mine in (("org/zhaobaoshan", [r for r in records if r["organization"] == "宁波市镇海区人民政府招宝山街道办事处"
                                            and f'href="../{r["url"]}"' not in expired]),
                       ("archive/2011", [r for r in records if r["date_published"].startswith("2011")])):
        assert mine
        pages = [site / f"{stem}.html", *sorted(site.glob(f"{stem}-*.html"),
                                                 key=lambda p: int(p.stem.rsplit("-", 1)[1]))]
        assert len(pages) == -(-len(mine) // 20)
        found = []
        for page in pages:
            html = page.read_text(encoding="utf-8")
            found += [r["url"] for r in mine if f'{r["url"].rsplit("/", 1)[1]}"' in html]
        assert sorted(found) == sorted(r["url"] for r in mine)
        # the count on the first page; the later ones say which page they are (and keep their
        # bytes when an item before them is deleted)
        assert f"（{len(mine)} 条）" in pages[0].read_text(encoding="utf-8")
        for number, page in enumerate(pages[1:], start=2):
            heading = page.read_text(encoding="utf-8").split("<h1>")[1].split("</h1>")[0]
            assert "条）" not in heading and f"第 {number} 页" in heading
        if len(pages) > 1:
            assert f'href="{pages[1].name}"' in pages[0].read_text(encoding="utf-8")


def test_a_pager_shows_the_ends_and_the_neighbourhood():
    urls = [f"p{n}" for n in range(1, 101)]
    def window(number: int, total: int = 100) -> list:
        return [w[0] if w else None for w in Pagination(number, total, [], urls[:total]).window()]
    assert window(50) == [1, None, 48, 49, 50, 51, 52, None, 100]
    assert window(1) == [1, 2, 3, None, 100]
    assert window(4) == [1, 2, 3, 4, 5, 6, None, 100]
    assert window(100) == [1, None, 98, 99, 100]
    assert window(1, 1) == [1]
    assert window(2, 3) == [1, 2, 3]


def test_item_page_metadata_and_repealed_badge(site: Path, records: list[dict]):
    repealed = [r for r in records if r["validity"] == "废止"]
    assert repealed
    html = (site / repealed[0]["url"]).read_text(encoding="utf-8")
    for label in ("索引号", "信息分类", "发布机构", "生成日期", "发布日期", "文号", "主题词", "有效性"):
        assert f"<th scope=\"row\">{label}</th>" in html
    assert "已废止" in html and "现行文件" in html
    home = (site / "index.html").read_text(encoding="utf-8")
    latest = home.split('id="latest-h"')[1].split("</section>")[0]
    assert repealed[0]["title"] not in latest


def test_no_landmark_is_empty(site: Path, records: list[dict]):
    """Found by review: an item alone in its column had an empty 同栏目信息 navigation, which a
    screen reader announces with nothing in it."""
    empty = re.compile(r"<(nav|aside|section)\b[^>]*>\s*</\1>")
    pages = [site / r["url"] for r in records] + sorted(site.rglob("index*.html"))
    assert len(pages) > 50
    found = [str(p.relative_to(site)) for p in pages if empty.search(p.read_text(encoding="utf-8"))]
    assert found == []


def test_attachments_are_copied_with_type_and_size(site: Path):
    pages = [p for p in site.rglob("*.html") if "id=\"att-h\"" in p.read_text(encoding="utf-8")]
    assert len(pages) >= 5
    html = pages[0].read_text(encoding="utf-8")
    assert re.search(r"（PDF，[\d.]+ (B|KB)）", html)
    assert all(p.suffix != ".md" for p in (site / "files").rglob("*"))


def test_feeds_parse(site: Path, records: list[dict]):
    feed = feedparser.parse((site / "rss.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.entries[0].link.startswith("https://xxgk.example.gov.cn/zbs/")
    assert feed.entries[0].title == records[0]["title"]
    assert feed.entries[0].published.endswith("+0800")
    for rss in site.rglob("rss.xml"):
        assert not feedparser.parse(rss.read_bytes()).bozo, rss


def test_a_large_site_gets_a_sitemap_index(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    # the protocol's limit is 50 000 URLs a file; the example has fewer pages than that
    monkeypatch.setattr(sitemap, "MAX_URLS", 7)
    result = build(ROOT, output=tmp_path / "out", now=NOW, use_cache=False)
    assert result.ok
    out = tmp_path / "out"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    index = ElementTree.parse(out / "sitemap.xml").getroot()
    assert index.tag == "{" + ns["s"] + "}sitemapindex"
    parts = [loc.text for loc in index.findall("s:sitemap/s:loc", ns)]
    assert parts and all(p.startswith("https://xxgk.example.gov.cn/zbs/sitemap-") for p in parts)
    locs = []
    for part in parts:
        urls = ElementTree.parse(out / part.rsplit("/", 1)[1]).getroot().findall("s:url/s:loc", ns)
        assert 0 < len(urls) <= 7
        locs += [u.text for u in urls]
    pages = [p for p in out.rglob("*.html") if p.name not in ("404.html", "viewer.html")]
    assert len(locs) == len(set(locs)) == len(pages)


def test_sitemap_lists_every_page_but_404(site: Path):
    """Every page but those for the browser alone: 404.html and the kiosk's PDF viewer."""
    xml = (site / "sitemap.xml").read_text(encoding="utf-8")
    locs = re.findall(r"<loc>([^<]+)</loc>", xml)
    pages = [p for p in site.rglob("*.html") if p.name not in ("404.html", "viewer.html")]
    assert len(locs) == len(pages)
    assert "404.html" not in xml
    assert "Sitemap: https://xxgk.example.gov.cn/zbs/sitemap.xml" in \
        (site / "robots.txt").read_text(encoding="utf-8")


def test_the_example_pdfs_are_the_tools_and_say_their_titles_in_chinese():
    """Every PDF attachment of the example is as tools/make_example_pdfs.py writes it, with
    its title as UTF-16 with a byte-order mark (found by review: without one, readers showed
    the title garbled in their toolbar)."""
    result = subprocess.run([sys.executable, str(ROOT / "tools/make_example_pdfs.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
    for path in sorted((ROOT / "content").rglob("*.pdf")):
        assert b"/Title <FEFF" in path.read_bytes(), path
