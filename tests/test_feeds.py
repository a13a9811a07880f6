"""RSS feeds of a built site, read back with feedparser: well-formed, newest first, absolute
links under base_url, dates in +0800, and bodies whose relative links were made absolute."""

from __future__ import annotations

import email.utils
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import feedparser
import pytest
from conftest import item_text as item

NOW = "2026-11-27"
BASE_URL = "https://www.example.gov.cn/xxgk/"  # the scaffold's site.base_url
FEED_LENGTH = 5
CATEGORY_FEED = "fdzdgknr/zcwj/rss.xml"  # 政策文件: four items below, in two sub-categories



NOTICE_URL = "fdzdgknr/zcwj/qtwj/通知.html"
INTERPRETATION_URL = "fdzdgknr/zcwj/zcjd/interpretation.html"
ATTACHMENT = "附件/宣传 安排.pdf"
EXTRA_CONTENT = {
    "通知.md": item("关于开展垃圾分类宣传周活动的通知", "其他文件", "12345678X/2026-00001",
                  "2026-03-04", "## 一、活动时间\n\n2026年3月9日至15日。\n",
                  f"attachments:\n  - file: {ATTACHMENT}\n    title: 宣传周活动安排表\n"),
    "policy/interpretation.md": item(
        "垃圾分类宣传周政策解读", "政策解读", "12345678X/2026-00002", "2026-03-06",
        "本解读针对[该通知](../通知.md#一活动时间)，安排表见[附件](<../附件/宣传 安排.pdf>)。\n\n"
        "![宣传海报](images/poster.png)\n\n宣传周由城管科负责[^1]，另见[上级文件](https://www.gov.cn/)。\n\n"
        "[^1]: 联系电话 010-00000000。\n",
        "summary: 解读垃圾分类宣传周通知 <重点> & 要求。\n"),
    "policy/rules.md": item("示例街道门前三包管理办法", "行政规范性文件", "12345678X/2026-00003",
                            "2026-05-20", "第一条 为加强市容管理，制定本办法。\n", "validity: 有效\n"),
    "policy/old-rules.md": item("示例街道门前三包管理暂行办法", "行政规范性文件", "12345678X/2026-00004",
                                "2026-01-05", "第一条 为加强市容管理，制定本办法。\n",
                                "validity: 废止\ndate_invalid: 2026-05-20\n"),
}
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("feeds") / "site"
    run = [sys.executable, "-m", "sitegen"]
    result = subprocess.run([*run, "init", str(root)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    config = root / "sitegen.toml"
    config.write_text(re.sub(r"(?m)^feed_length = \d+", f"feed_length = {FEED_LENGTH}",
                             config.read_text(encoding="utf-8")), encoding="utf-8")
    content = root / "content"
    for rel, text in EXTRA_CONTENT.items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(text, encoding="utf-8")
    (content / ATTACHMENT).parent.mkdir(parents=True, exist_ok=True)
    (content / ATTACHMENT).write_bytes(b"%PDF-1.4\n%%EOF\n")
    (content / "policy/images").mkdir(parents=True, exist_ok=True)
    (content / "policy/images/poster.png").write_bytes(PNG)
    result = subprocess.run([*run, "build", str(root), "--now", NOW], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (root / "output" / INTERPRETATION_URL).is_file(), result.stdout + result.stderr
    return root / "output"


def parse(path: Path) -> feedparser.FeedParserDict:
    # No help from feedparser: it would itself resolve relative links and sanitise HTML.
    feed = feedparser.parse(path.read_bytes(), resolve_relative_uris=False, sanitize_html=False)
    assert not feed.bozo, f"{path}: {feed.get('bozo_exception')}"
    return feed


def absolute(rel: str) -> str:
    return BASE_URL + quote(rel)


def output_file(output: Path, url: str) -> Path:
    assert url.startswith(BASE_URL), url
    return output / unquote(urlsplit(url).path[len(urlsplit(BASE_URL).path):])


@pytest.mark.parametrize("feed_path", ["rss.xml", CATEGORY_FEED])
def test_feed_is_well_formed_newest_first_and_absolute(output: Path, feed_path: str) -> None:
    feed = parse(output / feed_path)
    assert feed.version == "rss20"
    entries = feed.entries
    expected = FEED_LENGTH if feed_path == "rss.xml" else 4
    assert len(entries) == expected
    dates = [e.published_parsed for e in entries]
    assert dates == sorted(dates, reverse=True), "items must be newest first"
    assert entries[0].title == ("示例街道门前三包管理办法")
    assert feed.feed.link.startswith(BASE_URL)
    self_links = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_links == [absolute(feed_path)]
    for entry in entries:
        assert entry.link.startswith(BASE_URL), entry.link
        assert entry.id == entry.link
        assert output_file(output, entry.link).is_file(), f"feed links to a missing page: {entry.link}"
    if feed_path == CATEGORY_FEED:
        assert [e.link for e in entries[1:3]] == [absolute(INTERPRETATION_URL), absolute(NOTICE_URL)]


@pytest.mark.parametrize("feed_path", ["rss.xml", CATEGORY_FEED])
def test_channel_link_is_the_html_page(output: Path, feed_path: str) -> None:
    """RSS 2.0: <channel><link> is "the URL to the HTML website corresponding to the channel"."""
    channel = ET.parse(output / feed_path).getroot().find("channel")
    assert channel is not None
    page = feed_path.replace("rss.xml", "index.html")
    assert channel.findtext("link") == absolute(page)
    assert parse(output / feed_path).feed.link == absolute(page)


def test_every_feed_parses(output: Path) -> None:
    feeds = sorted(output.rglob("rss.xml"))
    assert len(feeds) > 30  # the site's and one per category, empty ones included
    for path in feeds:
        parse(path)


def test_an_empty_columns_feed_has_no_made_up_date(output: Path) -> None:
    """Found by review: a column with no items said lastBuildDate 1 January 2000."""
    empty = [path for path in sorted(output.rglob("rss.xml"))
             if not ET.parse(path).getroot().findall("channel/item")]
    assert empty
    for path in empty:
        channel = ET.parse(path).getroot().find("channel")
        assert channel is not None and channel.find("lastBuildDate") is None, path
        parse(path)


def test_a_repealed_item_says_so_in_the_feed(output: Path) -> None:
    """Found by review: the page had a badge 已废止, the feed listed the rule as current."""
    [entry] = [e for e in parse(output / "fdzdgknr/zcwj/xzgfxwj/rss.xml").entries
               if "暂行办法" in e.title]
    assert entry.title == "【已废止】示例街道门前三包管理暂行办法"
    assert "已废止" in [t.term for t in entry.tags]


def test_the_site_feed_says_the_sites_name_once(output: Path) -> None:
    channel = ET.parse(output / "rss.xml").getroot().find("channel")
    assert channel is not None
    title, description = channel.findtext("title"), channel.findtext("description")
    assert title and description == title


@pytest.mark.parametrize("feed_path", ["rss.xml", CATEGORY_FEED])
def test_dates_are_rfc822_in_china_time(output: Path, feed_path: str) -> None:
    channel = ET.parse(output / feed_path).getroot().find("channel")
    assert channel is not None
    stamps = [channel.findtext("lastBuildDate", "")]
    stamps += [i.findtext("pubDate", "") for i in channel.findall("item")]
    for stamp in stamps:
        assert stamp.endswith(" +0800"), stamp
        parsed = email.utils.parsedate_to_datetime(stamp)
        assert parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 8 * 3600
        assert (parsed.hour, parsed.minute) == (0, 0)
    assert stamps[0] == stamps[1], "lastBuildDate is the newest item's date"
    assert stamps[1].startswith("Wed, 20 May 2026")


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.refs += [v or "" for k, v in attrs if k in ("href", "src")]


@pytest.mark.parametrize("feed_path", ["rss.xml", CATEGORY_FEED])
def test_relative_links_in_descriptions_are_absolute(output: Path, feed_path: str) -> None:
    feed = parse(output / feed_path)
    entry = next(e for e in feed.entries if e.link == absolute(INTERPRETATION_URL))
    html = entry.description
    item_link = absolute(INTERPRETATION_URL)
    for url in (absolute(NOTICE_URL) + "#",  # the .md link, fragment kept
                absolute("files/policy/images/poster.png"),
                absolute("files/" + ATTACHMENT),
                item_link + "#fn:1"):  # a footnote: the item page, not the feed
        assert f'"{url}' in html, f"{url} not in description:\n{html}"
    assert 'href="https://www.gov.cn/"' in html  # external links untouched
    refs = _Refs()
    refs.feed(html)
    assert refs.refs and all(r.startswith(("https://", "http://")) for r in refs.refs), refs.refs
    for ref in refs.refs:
        if ref.startswith(BASE_URL):
            assert output_file(output, ref.split("#")[0]).is_file(), f"dangling: {ref}"
    # the summary is escaped text, shown before the body
    assert html.startswith("<p>解读垃圾分类宣传周通知 &lt;重点&gt; &amp; 要求。</p>")


class _Alternates(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []  # (href, title)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "alternate" and a.get("type") == "application/rss+xml":
            self.found.append((a.get("href") or "", a.get("title") or ""))


def _check_alternates(output: Path, pages: list[str]) -> list[str]:
    problems = []
    for rel in pages:
        parser = _Alternates()
        parser.feed((output / rel).read_text(encoding="utf-8"))
        assert parser.found, f"{rel}: no RSS autodiscovery link"
        for href, title in parser.found:
            target = (output / rel).parent / unquote(href)
            if not target.is_file():
                problems.append(f"{rel}: alternate {href!r} does not exist")
                continue
            channel_title = ET.parse(target).getroot().findtext("channel/title", "")
            # The autodiscovery title names the feed (the site or the category), so that a
            # reader subscribing from this page sees what it subscribes to.
            if not channel_title.endswith(title):
                problems.append(f"{rel}: alternate {href!r} titled {title!r}, but the feed is "
                                f"{channel_title!r}")
    return problems


def test_autodiscovery_links_on_home_and_category_pages(output: Path) -> None:
    pages = ["index.html", "search.html", "fdzdgknr/index.html", "fdzdgknr/zcwj/index.html",
             "fdzdgknr/zcwj/qtwj/index.html"]
    assert not (problems := _check_alternates(output, pages)), "\n".join(problems)


def test_autodiscovery_links_on_item_pages(output: Path) -> None:
    pages = [NOTICE_URL, INTERPRETATION_URL, "fdzdgknr/czyjs/budget.html"]
    assert not (problems := _check_alternates(output, pages)), "\n".join(problems)
