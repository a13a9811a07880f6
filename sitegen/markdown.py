"""Stage 3a, render bodies: Markdown to safe HTML with relative links.

One function, `render_body`, that depends only on its arguments, so a later parallel or cached
build can call it per item in any process.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
import signal
import threading
import time
import xml.etree.ElementTree as etree
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape as html_unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import HTML_RE, HtmlInlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import Registry
from pygments.formatters import HtmlFormatter

from sitegen.fields import PUBLISHABLE_EXTENSIONS

EXTENSIONS = ["tables", "fenced_code", "codehilite", "toc", "footnotes", "attr_list", "sane_lists"]
EXTENSION_CONFIG = {
    "codehilite": {"css_class": "highlight", "guess_lang": False},
    "toc": {"slugify": slugify_unicode, "permalink": False},
    # (the default back link, "↩", is read out as an arrow, and is no word to an elderly reader)
    "footnotes": {"BACKLINK_TITLE": "返回正文第 %d 处", "BACKLINK_TEXT": "返回正文"},
}
PYGMENTS_STYLE = "default"

# Raw HTML in bodies is sanitised to this allow-list (documented in README, 安全与可靠性).
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "ol": {"start", "type"},
    "col": {"span"},
    "colgroup": {"span"},
}
# Tags a paste from Word, WPS, the WeChat editors or an old CMS leaves for formatting or
# structure: removed with their text kept, a warning (and no error under --strict); so are
# namespaced tags (Word's <o:p>, <u1:p>, <w10:wrap>, <st1:chsdate>) and custom elements (<mp-
# style-type>), which a browser treats as unknown, inert elements. Any other tag not in
# ALLOWED_TAGS is unsafe (a script, a frame, a form, an element a browser adds next year).
FORMATTING_TAGS = {
    "acronym", "address", "article", "aside", "basefont", "bdi", "bdo", "big", "blink", "center",
    "cite", "data", "details", "dfn", "dir", "font", "footer", "header", "hgroup", "label",
    "leaf", "main", "marquee", "menu", "mpprofile", "nav", "nobr", "rb", "rp", "rt", "rtc",
    "ruby", "samp", "section", "spacer", "strike", "summary", "time", "tt", "var", "wbr", "xml",
}
_INERT_TAG_RE = re.compile(r"[a-z][a-z0-9]*(?::[a-z]|-)")  # prefix:name, or a custom element-name
URL_SCHEMES = {"http", "https", "mailto", "tel", "data"}  # data: only survives on <img>

# The theme's marks of an item's status and its metadata: a body using them could show a
# false 已废止 banner or a second 有效性 table that looks like the page's own. They are taken
# out of a body's class attributes (Markdown itself writes none of them).
THEME_CLASSES = frozenset({"notice-invalid", "notice-pending", "notice-period", "badge",
                           "badge-repealed", "badge-expired", "badge-period", "metadata",
                           "validity", "expired-link", "type-fields", "replaces"})
_THEME_CLASS_RE = re.compile(r"class=\"[^\"]*(?<![\w-])(?:"
                             + "|".join(sorted(map(re.escape, THEME_CLASSES), key=len, reverse=True))
                             + r")(?![\w-])")


class _Removed(HTMLParser):
    """Finds, in Markdown's output before sanitising, what nh3 will remove: the author is told
    (file and line), not silently corrected. Code is escaped text there, so `<script>` shown in
    a code block is not reported."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []  # (text to find in the source, what)
        self.formatting: dict[str, int] = {}  # tags merely not published -> how many

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or ""
        if tag in ALLOWED_TAGS:
            pass
        elif tag in FORMATTING_TAGS or _INERT_TAG_RE.match(tag):
            self.formatting[tag] = self.formatting.get(tag, 0) + 1
            if self.formatting[tag] == 1:
                self.found.append((raw, tag))
        else:
            self.found.append((raw, f"<{tag}> 标签"))
        for name, value in attrs:
            value = value or ""
            folded = re.sub(r"[\x00-\x20]", "", value).lower()  # browsers ignore these in schemes
            if name.startswith("on"):
                self.found.append((raw, f"事件属性 {name}"))
            elif name in ("href", "src") and folded.startswith(("javascript:", "vbscript:")):
                self.found.append((value, f"{folded.split(':')[0]}: 链接"))
            elif name in ("href", "src") and folded.startswith("data:") and not (
                    tag == "img" and name == "src" and _DATA_IMAGE_RE.match(value)):
                self.found.append((value[:40], "data: 地址"))
            elif name == "style" and ("url(" in folded or "expression(" in folded):
                self.found.append((raw, "style 中的 url()/expression()"))
            elif name == "class":
                for taken in sorted(THEME_CLASSES.intersection(value.split())):
                    self.found.append((taken, f"class “{taken}”（主题用来标示“已废止”等状态和元数据的样式）"))


_DATA_IMAGE_RE = re.compile(r"\s*data:image/(png|jpeg|gif|webp);", re.I)


# A start tag that `_Removed` would find nothing in: an allowed tag, its attributes double-
# quoted without entities, no event handler, links without a scheme or with a harmless one,
# styles without parentheses. Markdown writes nothing else; parsing its output in Python only
# to find nothing cost a fifth of rendering a body, so the parser runs only when some tag is
# not of this kind.
_PLAIN_VALUE = r'"[^"<>&]*"'
_PLAIN_LINK = r'"(?:(?:https?://|mailto:|tel:|#)[^"<>&\x00-\x20]*|[^"<>&:\x00-\x20]*)"'
_SPACE = "[ \t\n\r\f]"  # what ends a tag name for the parser; not \s (U+3000 is a tag-name letter)
_PLAIN_TAG_RE = re.compile(
    "<(?:" + "|".join(sorted(ALLOWED_TAGS, key=len, reverse=True)) + ")"
    "(?:" + _SPACE + r"+(?:(?:href|src)=" + _PLAIN_LINK + r"|style=\"[^\"<>&()]*\""
    r"|(?!on|href=|src=|style=)[a-z][a-z0-9-]*(?:=" + _PLAIN_VALUE + r")?))*" + _SPACE + "*/?>")
# The start of a tag that is not plain, in one search (matching each tag from Python cost as
# much again as the search)
_NOT_PLAIN_RE = re.compile("<(?=[a-zA-Z])(?!" + _PLAIN_TAG_RE.pattern.removeprefix("<") + ")")


def _only_plain_tags(html: str) -> bool:
    return _NOT_PLAIN_RE.search(html) is None


def removed_html(html: str, source: str) -> list[tuple[int | None, str, bool]]:
    """(line offset in `source` or None, what, whether unsafe) for everything the sanitiser
    will remove: what is unsafe (a script, an event handler, a javascript: link) by what it
    is; a tag that is only not published (Word's <o:p>, <font>) as a whole message, once."""
    if "<" not in html or (_only_plain_tags(html) and not _THEME_CLASS_RE.search(html)):
        return []
    return parse_removed(html, source)


def parse_removed(html: str, source: str) -> list[tuple[int | None, str, bool]]:
    """`removed_html` the long way, every tag parsed."""
    finder = _Removed()
    finder.feed(html)
    finder.close()
    result: list[tuple[int | None, str, bool]] = []
    for needle, what in finder.found:
        at = source.find(needle) if needle else -1
        line = source.count("\n", 0, at) if at >= 0 else None
        if what in finder.formatting:  # a tag that is only not published: once, with its count
            result.append((line, _formatting_removed(what, finder.formatting[what]), False))
        else:
            result.append((line, what, True))
    return result


def _formatting_removed(tag: str, count: int) -> str:
    where = "（Word 等软件的排版标记）" if ":" in tag else ""
    times = f"共 {count} 处，" if count > 1 else ""
    return f"正文中的 <{tag}> 标签{where}不在可发布的 HTML 之列：{times}发布时删去标签、保留其中的文字"


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    if attribute in ("href", "src") and value.lstrip().lower().startswith("data:"):
        ok = element == "img" and attribute == "src" and _DATA_IMAGE_RE.match(value)
        return value if ok else None
    if attribute == "class" and not THEME_CLASSES.isdisjoint(value.split()):
        kept = [c for c in value.split() if c not in THEME_CLASSES]
        return " ".join(kept) if kept else None
    return value


# Old CMS tables use align=; HTML5 has only CSS for it.
_ALIGN_RE = re.compile(r"""(<t[dh]\b[^>]*?)\salign\s*=\s*["']?(left|right|center|justify)["']?""", re.I)


@dataclass(frozen=True)
class LinkContext:
    """What a body's relative links may point at."""

    page_url: str  # output path of the page being rendered
    content_rel: str  # the item's source path relative to content/
    item_urls: dict[str, str]  # content-relative .md path -> output path
    assets: frozenset[str]  # content-relative asset paths (copied to files/<path>)


@dataclass
class RenderedBody:
    html: str
    broken_links: list[str] = field(default_factory=list)
    assets: list[str] = field(default_factory=list)  # content-relative assets the body links to
    # every relative link target (content-relative) -> what it became (None: broken); a cached
    # body is reused only while all of these still resolve the same way
    links: dict[str, str | None] = field(default_factory=dict)
    text: str = ""  # visible text, for search and feeds
    # what the sanitiser removed: (line offset, what, whether unsafe)
    removed: list[tuple[int | None, str, bool]] = field(default_factory=list)
    error: str = ""  # the body could not be rendered at all (the build fails, naming the file)


def asset_url(content_rel: str) -> str:
    return "files/" + content_rel


_URL_SAFE = re.compile(r"[A-Za-z0-9/._~-]*")


def relative(target: str, page_url: str) -> str:
    """Link from the page at `page_url` to the output file `target` (both site-root
    relative, normalised), percent-encoded. Called for every link of every page, hence
    no posixpath.relpath (which resolves against the working directory)."""
    page_dirs = page_url.split("/")[:-1]
    parts = target.split("/")
    common = 0
    while common < len(page_dirs) and common < len(parts) - 1 \
            and page_dirs[common] == parts[common]:
        common += 1
    rel = "../" * (len(page_dirs) - common) + "/".join(parts[common:])
    return rel if _URL_SAFE.fullmatch(rel) else quote(rel, safe="/-._~")


def resolve_target(target: str, ctx: LinkContext) -> str | None:
    """The output path a content-relative link target stands for, or None."""
    if target in ctx.item_urls:
        return ctx.item_urls[target]
    if target in ctx.assets and publishable(target):
        return asset_url(target)
    return None


# A link to a file on the author's own computer: file:///C:/…, C:\…, \\server\share (what
# Word leaves in pasted HTML). No reader can open it.
LOCAL_FILE_RE = re.compile(r"^\s*(?:file:|[A-Za-z]:[\\/]|\\)", re.I)  # (\srv: a \\srv escaped)


def _mentions_local_file(html: str) -> bool:
    """Whether `html` may hold an address on the author's computer: a quick test before the
    expression, in the per-item loop (an expression over every body cost 0.1 ms of each)."""
    if "\\" in html:  # C:\…, \\server\share (a backslash is rare in HTML otherwise)
        return True
    at = html.find(":/")
    while at != -1:  # file:/…, file:d:/…, or D:/ after a quote, = or space; not http(s)://
        if "file:" in html[max(0, at - 7):at + 1].lower() or (
                at >= 2 and html[at - 1].isascii() and html[at - 1].isalpha()
                and html[at - 2] in "\"'= \n\t"):
            return True
        at = html.find(":/", at + 2)
    return False


_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_ESCAPED_RE = re.compile("\x02(\\d+)\x03")
_LOCAL_ATTRIBUTE_RE = re.compile(  # (in a tag: not in text or code about such a link)
    r"""<[A-Za-z][^<>]*?\s(?:href|src)\s*=\s*(?:"\s*((?:file:|[A-Za-z]:[\\/]|\\\\)[^"]*)"|'\s*((?:file:|[A-Za-z]:[\\/]|\\\\)[^']*)'|((?:file:|[A-Za-z]:[\\/]|\\\\)[^\s>]*))""",
    re.I)
# A colon or backslash written as an entity, and the value of a tag's href or src
_ENCODED_MARK_RE = re.compile(r"&(?:#0*58|#x0*3a|colon|#0*92|#x0*5c|bsol);?", re.I)
_ATTRIBUTE_VALUE_RE = re.compile(
    r"""<[A-Za-z][^<>]*?\s(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.I)
# An image left without a picture (its address dropped, or broken): its text instead, as a
# Markdown image that leads nowhere becomes
_BARE_IMG_RE = re.compile(r"<img\b(?![^>]*\ssrc=)([^>]*)>")
_ALT_RE = re.compile(r'\salt="([^"]*)"')


def _image_text(match: re.Match[str]) -> str:
    alt = _ALT_RE.search(match.group(1))
    return f"<span>[图片：{alt.group(1)}]</span>" if alt and alt.group(1) else "<span>[图片]</span>"


def publishable(target: str) -> bool:
    return posixpath.splitext(target)[1].lstrip(".").lower() in PUBLISHABLE_EXTENSIONS


class _LinkRewriter(Treeprocessor):
    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.context: LinkContext | None = None
        self.broken: list[str] = []
        self.used: list[str] = []
        self.resolved: dict[str, str | None] = {}
        self.produced: set[str] = set()

    def run(self, root: etree.Element) -> None:
        self.produced: set[str] = set()
        for el in root.iter():
            attr = "href" if el.tag == "a" else "src" if el.tag == "img" else None
            if not attr or not el.get(attr):
                continue
            new = self.rewrite(el.get(attr, ""))
            if new is not None:
                el.set(attr, new)
                self.produced.add(new)
            elif el.tag == "a":
                del el.attrib["href"]  # text stays; a dead link would fail the kiosk reader
            else:
                alt = el.get("alt", "")
                el.tag, el.text = "span", f"[图片：{alt}]" if alt else "[图片]"
                el.attrib.clear()

    def rewrite(self, url: str) -> str | None:
        """The output-relative URL, the URL unchanged if not ours, or None if it is broken."""
        ctx = self.context
        # (Python-Markdown's placeholders for escaped characters: \\srv is \x0292\x03srv here)
        shown = _ESCAPED_RE.sub(lambda m: chr(int(m.group(1))), url) if "\x02" in url else url
        if LOCAL_FILE_RE.match(shown):  # a file on the author's computer (pasted from Word)
            self.broken.append(shown)
            return None
        try:
            parts = urlsplit(url)
        except ValueError:  # "http://x.cn[1]": no address a browser could open
            self.broken.append(url)
            return None
        if ctx is None or parts.scheme or parts.netloc or not parts.path:
            return url
        path = unquote(parts.path)
        base = "" if path.startswith("/") else posixpath.dirname(ctx.content_rel)
        target = posixpath.normpath(posixpath.join(base, path.lstrip("/")))
        fragment = "#" + parts.fragment if parts.fragment else ""
        resolved = resolve_target(target, ctx)
        self.resolved[target] = resolved
        if resolved is None:
            self.broken.append(url)
            return None
        if target in ctx.assets:
            self.used.append(target)
        return relative(resolved, ctx.page_url) + fragment


# Parts of Python-Markdown that can act only on a body containing one of these strings: for a
# body with none of them the part is left out, and the HTML is the same (read off Python-Markdown
# 3.11's patterns; tests/test_markdown.py renders the example catalog, the XSS payloads and
# random Markdown both ways with the installed version). Every inline
# pattern is tried on every run of text, so a plain Chinese notice (no backticks, escapes,
# raw HTML, entities, footnotes, images or references) converts in about 60 % of the time.
# "  ", tab and CR stand for a line break's two spaces, which tabs and CRLF can become.
# A link is "[text](url)" with nothing between "]" and "(".
_NEEDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("inline", "backtick"): ("`",),
    ("inline", "escape"): ("\\",),
    ("inline", "footnote"): ("[^",),
    ("inline", "reference"): ("]:",),  # only with a reference definition ("[id]: url")
    ("inline", "short_reference"): ("]:",),
    ("inline", "image_reference"): ("]:",),
    ("inline", "short_image_ref"): ("]:",),
    ("inline", "link"): ("](",),
    ("inline", "image_link"): ("![",),
    ("inline", "autolink"): ("<",),
    ("inline", "automail"): ("<",),
    ("inline", "html"): ("<",),
    ("inline", "linebreak"): ("  ", "\t", "\r"),
    ("inline", "entity"): ("&",),
    ("inline", "em_strong"): ("*", "_"),
    ("block", "table"): ("|",),
    ("block", "quote"): (">",),
    ("block", "footnote"): ("[^",),
    ("block", "reference"): ("]:",),
    ("tree", "attr_list"): ("{",),
    ("tree", "unescape"): ("\\",),  # restores what the escape pattern replaced
    ("toc", "marker"): ("[TOC]",),  # the marker is looked for in every element
    # a marker, or headings: "#", or a line of "=" or "-" under a line (after a quote's ">"
    # or indentation)
    ("tree", "toc"): ("[TOC]", "#", "=", "\n-", " -", "\t-", "\r-", ">-"),
}


def _unneeded(source: str) -> frozenset[tuple[str, str]]:
    if "\x02" in source or "\x03" in source:  # Python-Markdown's placeholder marks: it drops them
        source = source.replace("\x02", "").replace("\x03", "")
    source = "\n" + source  # the first line starts a line too
    if "<" not in source:
        return frozenset(part for part, needles in _NEEDS.items()
                         if not any(needle in source for needle in needles))
    # After raw HTML, Python-Markdown moves an entity, <br/> or a comment out of the rest of
    # its line, joining what was on either side of it ("[a]&amp;(b)" becomes "[a](b)"): a
    # needle of several characters then counts as there if each of its characters is.
    chars = set(source)
    return frozenset(part for part, needles in _NEEDS.items()
                     if not any(chars.issuperset(needle) for needle in needles))


# Every element name a browser knows (HTML, its obsolete elements, SVG, MathML). A "tag" with
# any other name is text an officer put in angle brackets (按照<GB/T 9704-2012>执行, 按<Enter>
# 键): Python-Markdown took it for raw HTML, which the sanitiser removed with its text.
_ELEMENTS = """
a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound big blink
blockquote body br button canvas caption center cite code col colgroup data datalist dd del
details dfn dialog dir div dl dt em embed fencedframe fieldset figcaption figure font footer form
frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe image img input ins isindex
kbd keygen label legend li link listing main map mark marquee math menu menuitem meta meter
multicol nav nextid nobr noembed noframes noscript object ol optgroup option output p param
picture plaintext portal pre progress q rb rp rt rtc ruby s samp script search section select
selectedcontent selectlist slot small source spacer span strike strong style sub summary sup
svg table tbody td template textarea tfoot th thead time title tr track tt u ul var video wbr
xml xmp
animate animatemotion animatetransform circle clippath defs desc ellipse feblend filter
foreignobject g line lineargradient marker mask metadata path pattern polygon polyline
radialgradient rect set stop switch symbol text textpath tspan use view
maction annotation annotation-xml menclose merror mfenced mfrac mglyph mi mlabeledtr mmultiscripts
mn mo mover mpadded mphantom mprescripts mroot mrow ms mspace msqrt mstyle msub msubsup msup
mtable mtd mtext mtr munder munderover none semantics
"""
# (and the tags this file allows or takes for formatting: those are removed, never shown)
ELEMENT_NAMES = frozenset(_ELEMENTS.split()) | ALLOWED_TAGS | FORMATTING_TAGS
_TAG_NAME_RE = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)")


class _TextOrHtml(HtmlInlineProcessor):
    """Raw inline HTML as Python-Markdown keeps it, but for a "tag" whose name no browser
    knows (and that is no namespaced or custom element): that stays text."""

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[str | None, int, int]:  # type: ignore[override]
        name = _TAG_NAME_RE.match(m.group(1))
        if name is not None and name.group(1).lower() not in ELEMENT_NAMES \
                and not _INERT_TAG_RE.match(m.group(1)[1:].lstrip("/").lower()):
            return m.group(1), m.start(0), m.end(0)
        return super().handleMatch(m, data)


class _ListedRegistry(Registry):  # type: ignore[type-arg]
    """A Registry that lists its items once, not on every loop over them and every read by
    position (Python-Markdown's does: for each block and each run of text)."""

    _listed: list[Any]

    def relist(self) -> None:
        self._listed = list(super().__iter__())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._listed)

    def __getitem__(self, key: Any) -> Any:
        return self._listed[key] if type(key) is int else super().__getitem__(key)

    def register(self, item: Any, name: str, priority: float) -> None:
        super().register(item, name, priority)
        self.relist()

    def deregister(self, name: str, strict: bool = True) -> None:
        super().deregister(name, strict)
        self.relist()


def _tune(md: markdown.Markdown) -> None:
    """Python-Markdown, the same HTML in less time: where it looks a tag up in a list, loops
    over a registry it sorts and lists anew each time, or splits a table row without code or
    escapes character by character (together a sixth of converting a body here). Tested:
    a converter without these gives the same HTML (tests/test_markdown.py)."""
    blocks = frozenset(md.block_level_elements)

    def is_block_level(tag: object) -> bool:
        return isinstance(tag, str) and tag.lower().rstrip("/") in blocks

    md.is_block_level = is_block_level  # type: ignore[method-assign]
    for registry in (md.preprocessors, md.parser.blockprocessors, md.inlinePatterns,
                     md.treeprocessors, md.postprocessors):
        registry.__class__ = _ListedRegistry
        registry.relist()
    if "table" in md.parser.blockprocessors:
        table = md.parser.blockprocessors["table"]
        split = table._split

        def split_row(row: str) -> list[str]:
            # (without a backtick or backslash every pipe separates cells)
            return row.split("|") if "`" not in row and "\\" not in row else split(row)

        table._split = split_row


class _Converter:
    """One Python-Markdown instance, without the parts in `left_out`; `tuned` (`_tune`)."""

    def __init__(self, left_out: frozenset[tuple[str, str]], tuned: bool = True) -> None:
        self.md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIG,
                                    output_format="html")
        self.links = _LinkRewriter(self.md)
        # After inline processing (so links exist), before serialisation.
        self.md.treeprocessors.register(self.links, "sitegen-links", 1)
        self.md.inlinePatterns.register(_TextOrHtml(HTML_RE, self.md), "html", 90)
        registries = {"inline": self.md.inlinePatterns, "block": self.md.parser.blockprocessors,
                      "tree": self.md.treeprocessors}
        for kind, name in left_out:
            if kind != "toc":
                registries[kind].deregister(name)
            elif "toc" in self.md.treeprocessors:
                self.md.treeprocessors["toc"].marker = ""
        if tuned:
            _tune(self.md)


_CONVERTERS_KEPT = 64  # a catalog's bodies need a handful; each instance holds ~0.1 MB


class _Renderer:
    def __init__(self, prune: bool = True) -> None:
        self.converters: dict[frozenset[tuple[str, str]], _Converter] = {}
        self.prune = prune  # False: every part always, untuned (what the tests compare with)

    def converter(self, source: str) -> _Converter:
        left_out = _unneeded(source) if self.prune else frozenset()
        found = self.converters.get(left_out)
        if found is None:
            if len(self.converters) >= _CONVERTERS_KEPT:  # a catalog of very varied bodies
                self.converters.clear()
            self.converters[left_out] = found = _Converter(left_out, tuned=self.prune)
        return found

    def render(self, source: str, context: LinkContext) -> RenderedBody:
        converter = self.converter(source)
        converter.md.reset()
        links = converter.links
        links.context = context
        links.broken = []
        links.used = []
        links.resolved = {}
        links.produced = set()
        html = _ALIGN_RE.sub(r'\1 style="text-align:\2"', converter.md.convert(source))
        removed = removed_html(html, source)

        def raw_links(element: str, attribute: str, value: str) -> str | None:
            """Links in raw HTML blocks are rewritten like Markdown links (which the tree
            processor already rewrote: those are passed over)."""
            if attribute in ("href", "src") and LOCAL_FILE_RE.match(value):
                links.broken.append(value)
                return None
            checked = _filter_attribute(element, attribute, value)
            if checked is None or attribute not in ("href", "src") or value in links.produced:
                return checked
            new = links.rewrite(value)
            if new is not None:
                links.produced.add(new)
            return new

        if _mentions_local_file(html):
            # (raw HTML: the sanitiser drops such an address before any filter sees it)
            links.broken.extend(next(g for g in m.groups() if g) for m in _LOCAL_ATTRIBUTE_RE.finditer(
                _COMMENT_RE.sub("", html)))  # (a comment is dropped, not published)
        if "&" in html and _ENCODED_MARK_RE.search(html):
            # D&#58;/… : written with entities (as some editors save a colon), the same address
            for m in _ATTRIBUTE_VALUE_RE.finditer(_COMMENT_RE.sub("", html)):
                value = html_unescape(next(g for g in m.groups() if g is not None))
                if LOCAL_FILE_RE.match(value) and value not in links.broken:
                    links.broken.append(value)
        # (Markdown closes every element it writes: only raw HTML can leave some open)
        unclosed = _unclosed_formatting(html) if "<" in source else 0
        if unclosed > MAX_UNCLOSED:
            raise _Unsafe(f"正文的 HTML 中有 {unclosed} 个各不相同、没有结束标签的 <b>、<i>、<a> 等格式"
                          "标签，无法处理（每个段落都要重复它们，页面会大到几百 MB）；请检查粘贴的 HTML")
        safe = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                         url_schemes=URL_SCHEMES, link_rel=None, strip_comments=True,
                         attribute_filter=raw_links,
                         filter_style_properties={"text-align"})
        if "<img" in safe:
            safe = _BARE_IMG_RE.sub(_image_text, safe)
        # (a raw HTML link to the author's computer is seen twice: before and by the sanitiser)
        return RenderedBody(safe, list(dict.fromkeys(links.broken)), sorted(set(links.used)),
                            dict(links.resolved), plain_text(safe), removed)


# An HTML parser repeats every formatting element still open in each new block (the HTML
# standard's "active formatting elements"; of identical ones it keeps three): 5 500 unclosed
# <b class="c1">, <b class="c2"> … in list items made nh3 write 297 MB from a body of 143 KB,
# in 25 s, beyond any deadline (nh3 runs in Rust). Old pasted HTML leaves many identical
# <b> or <font> open, which costs nothing.
MAX_UNCLOSED = 100
_FORMATTING_RE = re.compile(
    r"<(/?)(a|b|big|code|em|font|i|nobr|s|small|strike|strong|tt|u)\b([^>]*)>", re.I)
_NOT_MARKUP_RE = re.compile(r"<!--.*?-->|<(script|style|textarea|title|xmp|noscript)\b.*?</\1\s*>",
                            re.I | re.S)


def _unclosed_formatting(html: str) -> int:
    """The most different formatting elements (tag and attributes) open at one point; an end
    tag closes the latest of its kind, a stray one nothing (as the parser does)."""
    if html.count("<") < MAX_UNCLOSED:
        return 0
    stacks: dict[str, list[str]] = {}
    opened: dict[str, int] = {}  # (tag and attributes) -> how many are open
    most = 0
    for end, tag, attributes in _FORMATTING_RE.findall(_NOT_MARKUP_RE.sub("", html)):
        tag = tag.lower()
        if end:
            stack = stacks.get(tag)
            if stack:
                key = stack.pop()
                opened[key] -= 1
                if not opened[key]:
                    del opened[key]
            continue
        key = tag + " " + " ".join(attributes.split())
        stacks.setdefault(tag, []).append(key)
        opened[key] = opened.get(key, 0) + 1
        most = max(most, len(opened))
    return most


class _Unsafe(Exception):
    """A body refused with a message for its author."""


_renderer: _Renderer | None = None
MAX_NESTING = 64
# Some inputs make Python-Markdown take minutes (10 000 footnote references: 53 s; 20 000 "["
# before a "](x)" about as long), which in CI holds every later commit's build. A real body of
# 300 KB takes well under a second.
BODY_SECONDS = 15.0
_QUOTES_RE = re.compile(r"^(?:[ \t]*>){65}", re.M)
_INDENT_RE = re.compile(r"^[ \t]{260}", re.M)


def render_body(source: str, context: LinkContext) -> RenderedBody:
    """The body as safe HTML, or an error: Python-Markdown recurses once per nesting level, so
    absurdly nested input is refused up front, and any failure drops the renderer (its block
    parser keeps state that a failed run leaves corrupt)."""
    global _renderer
    if _QUOTES_RE.search(source) or _INDENT_RE.search(source):
        return RenderedBody("", error=f"正文嵌套超过 {MAX_NESTING} 层（引用或列表），无法生成；请检查缩进")
    if _renderer is None:
        _renderer = _Renderer()
    started = time.monotonic()
    try:
        with _deadline(BODY_SECONDS):
            done = _renderer.render(source, context)
        # Over the limit all the same (the timer is off in `sitegen serve`'s thread, and its
        # alarm is lost inside nh3): the same error, so that no build passes what another fails.
        return _too_slow() if time.monotonic() - started > BODY_SECONDS else done
    except _TooSlow:
        _renderer = None
        return _too_slow()
    except _Unsafe as exc:
        return RenderedBody("", error=str(exc))
    except RecursionError:
        _renderer = None
        return RenderedBody("", error="正文嵌套过深或强调符号（* _）过多，无法生成；请检查格式")
    except Exception as exc:  # a Markdown extension's bug must not become a traceback
        _renderer = None
        return RenderedBody("", error=f"正文无法转换为 HTML：{type(exc).__name__}: {str(exc)[:120]}")


def _too_slow() -> RenderedBody:
    return RenderedBody("", error=f"正文转换超过 {BODY_SECONDS:g} 秒仍未完成，已停止：正文中可能有大量"
                        "未配对的方括号“[”或脚注引用“[^…]”；请检查格式，或把正文分成几条信息")


class _TooSlow(BaseException):  # (not an Exception: no handler inside Markdown may take it)
    pass


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Stop the block after `seconds` (a SIGALRM timer: in the main thread of a process, as
    the build and its workers render; elsewhere, or without setitimer, no limit)."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def pygments_css() -> str:
    return HtmlFormatter(style=PYGMENTS_STYLE).get_style_defs(".highlight") + "\n"


_TAG_RE = re.compile(r"<[^>]+>")


def plain_text(html: str) -> str:
    """Visible text of rendered HTML, whitespace collapsed (for search and feeds)."""
    import html as html_lib

    return " ".join(html_lib.unescape(_TAG_RE.sub(" ", html)).split())  # (split: what \s is)
