"""Stage 4b, feeds: RSS 2.0 for the site and for every category (feedgen writes the XML).

Links and guids are absolute (feed readers have no page to be relative to); dates are RFC 822
in +0800; lastBuildDate is the newest item's date, never the build time, so output is
reproducible.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urljoin

from sitegen.structure import Site
from sitegen.validate import Item

CHINA_TZ = dt.timezone(dt.timedelta(hours=8))
_LINK_ATTR = re.compile(r'(\s(?:href|src)=")([^"]*)(")')


def absolutize(html: str, page_url: str) -> str:
    """Relative href/src in rendered HTML made absolute against the page's absolute URL."""
    return _LINK_ATTR.sub(lambda m: m.group(1) + urljoin(page_url, m.group(2)) + m.group(3), html)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ)


def rss(site: Site, items: list[Item], feed_url: str, title: str, page_url: str,
        bodies: dict[str, str]) -> bytes:
    from feedgen.feed import FeedGenerator  # lxml; not needed when nothing changed

    config = site.config
    fg = FeedGenerator()
    fg.title(_xml(title))
    # feedgen writes the last "alternate" link as <channel><link>: the self link goes first.
    fg.link(href=config.absolute_url(feed_url), rel="self")
    fg.link(href=config.absolute_url(page_url), rel="alternate")
    fg.description(_xml(title if title == config.name else f"{config.name}：{title}"))
    fg.language(config.language)
    fg.generator("sitegen")
    newest = items[: config.feed_length]
    if newest:
        fg.lastBuildDate(_midnight(newest[0].date_published))
    else:
        # A column with nothing in it yet has no date to give (RSS makes the element optional).
        # feedgen has no way to leave it out, and would write the build's time: unset its own.
        fg._FeedGenerator__rss_lastBuildDate = None  # type: ignore[attr-defined]
    for item in newest:
        link = config.absolute_url(item.url)
        entry = fg.add_entry(order="append")
        # (a repealed rule reads as one in a feed reader too, as its page's badge says)
        entry.title(_xml(item.title if item.is_valid else f"【已{item.validity}】{item.title}"))
        entry.link(href=link)
        entry.guid(link, permalink=True)
        entry.pubDate(_midnight(item.date_published))
        entry.category(term=_xml(item.category.path))
        if not item.is_valid:
            entry.category(term=f"已{item.validity}")
        summary = f"<p>{_escape(item.summary)}</p>" if item.summary else ""
        entry.description(_xml(summary + absolutize(bodies[item.index_no], link)))
    return fg.rss_str(pretty=True)


# Characters XML 1.0 cannot carry at all (lxml refuses them and the build failed with a
# traceback): Word's manual line break (\x0b) and page break (\x0c) pasted into a body, U+FFFE.
# (The complement of XML's Char, written out: the negated class took 5 ms to compile, on
# every run.)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def feed_lists(site: Site) -> list[tuple[str, list[Item], str, str]]:
    """(url, items, title, page url) of every feed: the site's, then each category's."""
    name = site.config.name
    return [("rss.xml", site.current_items, name, "index.html"),
            *((node.feed_url, node.items, f"{name} - {node.category.path}", node.url)
              for node in site.nodes.values())]


def shown(site: Site) -> dict[str, list[str]]:
    """index_no -> the feeds that show the item (whose bodies they carry)."""
    found: dict[str, list[str]] = {}
    for url, items, _, _ in feed_lists(site):
        for item in items[: site.config.feed_length]:
            found.setdefault(item.index_no, []).append(url)
    return found


def feeds(site: Site, bodies: dict[str, str], only: set[str] | None = None
          ) -> list[tuple[str, bytes]]:
    """Every feed, or those whose urls are in `only`; `bodies`: index_no -> body HTML of the
    items they show."""
    return [(url, rss(site, items, url, title, page_url, bodies))
            for url, items, title, page_url in feed_lists(site) if only is None or url in only]
