"""The Hugo and Pelican sites of the benchmark: the same generated catalogue as sitegen's, and
checks that each tool really produced the pages, category pages, feeds and search JSON.

Used by bench/build_bench.py. Templates and configurations live in bench/peers/.

Items held back for review (about 2 %) are left out of the peers' content: sitegen reads,
validates and withholds them; Hugo and Pelican have no review rule, so writing them as drafts
would only add work sitegen does not do either.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from generate import GenItem, attachment_bytes

PEERS = Path(__file__).resolve().parent / "peers"
PAGE_SIZE = 20
FEED_LENGTH = 20


def organization_name(sitegen_folder: Path) -> str:
    """The default organisation's full name in the generated sitegen.toml."""
    config = tomllib.loads((sitegen_folder / "sitegen.toml").read_text(encoding="utf-8"))
    default = config["site"]["organization"]
    return next(o["full_name"] for o in config["organization"] if o["id"] == default)


def published(generated: list[GenItem]) -> list[GenItem]:
    return [i for i in generated if not i.held_back]


def _validity(item: GenItem) -> str:
    return "废止" if item.repealed_by else "有效"


# -- Hugo ----------------------------------------------------------------------------------------

def attachment_path(item: GenItem) -> str:
    return f"files/{item.leaf}/{item.attachment}"


def write_attachment(base: Path, item: GenItem) -> None:
    path = base / attachment_path(item)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(attachment_bytes(item))


def hugo_item_path(folder: Path, item: GenItem) -> Path:
    return folder / "content" / item.leaf / f"{item.slug}.md"


def hugo_source(item: GenItem, org: str) -> str:
    def j(value: object) -> str:  # JSON is YAML: no quoting surprises
        return json.dumps(value, ensure_ascii=False)

    lines = ["---", f"title: {j(item.title)}", f"date: {item.published}",
             f"categories: [{j(item.leaf)}]", f"summary: {j(item.summary)}", f"slug: {item.slug}",
             "params:", f"  index_no: {j(item.index_no)}", f"  doc_no: {j(item.doc_no)}",
             f"  date_created: {j(item.created)}", f"  keywords: {j(item.keywords)}",
             f"  organization: {j(org)}", f"  validity: {j(_validity(item))}"]
    if item.attachment:  # a static file (static/files/...), as sitegen copies it to files/...
        lines += [f"  attachment: {j(attachment_path(item))}", f"  attachment_title: {j(item.title)}"]
    lines.append("---")
    return "\n".join(lines) + "\n" + item.body + "\n"


def write_hugo(generated: list[GenItem], folder: Path, org: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(PEERS / "hugo" / "hugo.toml", folder / "hugo.toml")
    shutil.copytree(PEERS / "hugo" / "layouts", folder / "layouts", dirs_exist_ok=True)
    for item in published(generated):
        path = hugo_item_path(folder, item)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(hugo_source(item, org), encoding="utf-8")
        if item.attachment:
            write_attachment(folder / "static", item)


# -- Pelican -------------------------------------------------------------------------------------

def pelican_item_path(folder: Path, item: GenItem) -> Path:
    return folder / "content" / item.leaf / f"{item.slug}.md"


def pelican_source(item: GenItem, org: str) -> str:
    lines = [f"Title: {item.title}", f"Date: {item.published}", f"Category: {item.leaf}",
             f"Slug: {item.slug}", f"Summary: {item.summary}", f"Index_no: {item.index_no}",
             f"Doc_no: {item.doc_no}", f"Date_created: {item.created}",
             f"Keywords: {'，'.join(item.keywords)}", f"Organization: {org}",
             f"Validity: {_validity(item)}"]
    if item.attachment:  # content/files/... is a static path
        lines += [f"Attachment: {attachment_path(item)}", f"Attachment_title: {item.title}"]
    return "\n".join(lines) + "\n\n" + item.body + "\n"


def write_pelican(generated: list[GenItem], folder: Path, org: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(PEERS / "pelican" / "pelicanconf.py", folder / "pelicanconf.py")
    shutil.copytree(PEERS / "pelican" / "templates", folder / "templates", dirs_exist_ok=True)
    for item in published(generated):
        path = pelican_item_path(folder, item)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(pelican_source(item, org), encoding="utf-8")
        if item.attachment:
            write_attachment(folder / "content", item)


# -- checks --------------------------------------------------------------------------------------

@dataclass
class Produced:
    """What a build wrote, counted from its output folder."""

    item_pages: int
    category_pages: int  # first pages of categories
    second_pages: int  # categories with a page 2
    feeds: int  # per-category feeds
    site_feed_items: int
    search_records: int
    files: int

    def summary(self) -> str:
        return (f"{self.item_pages} item pages, {self.category_pages} categories "
                f"({self.second_pages} with page 2), {self.feeds} category feeds, "
                f"site feed {self.site_feed_items} items, search {self.search_records} records, "
                f"{self.files} files")


class CheckFailed(AssertionError):
    pass


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def _count_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file())


def _feed_items(path: Path) -> int:
    return len(ET.parse(path).getroot().findall("./channel/item"))


def _expect_attachments(root: Path, tool: str, pub: list[GenItem]) -> None:
    missing = [i.attachment for i in pub if i.attachment and not (root / attachment_path(i)).is_file()]
    _require(not missing, f"{tool}: attachments not copied, e.g. {missing[:3]}")


def _expect(p: Produced, tool: str, n_published: int, n_categories: int) -> None:
    """Counts every tool must reach with the benchmark catalogue."""
    expected_second = n_categories if n_published // n_categories > PAGE_SIZE else None
    _require(p.item_pages == n_published,
             f"{tool}: {p.item_pages} item pages, expected {n_published}")
    _require(p.category_pages == n_categories,
             f"{tool}: {p.category_pages} category pages, expected {n_categories}")
    if expected_second is not None:
        _require(p.second_pages == expected_second,
                 f"{tool}: {p.second_pages} categories with a page 2, expected {expected_second}")
    _require(p.feeds >= n_categories, f"{tool}: {p.feeds} category feeds, expected {n_categories}")
    _require(p.site_feed_items == min(FEED_LENGTH, n_published),
             f"{tool}: site feed has {p.site_feed_items} items")
    _require(p.search_records == n_published,
             f"{tool}: search JSON has {p.search_records} records, expected {n_published}")


def check_hugo(folder: Path, generated: list[GenItem]) -> Produced:
    public = folder / "public"
    pub = published(generated)
    leaves = {i.leaf for i in pub}
    item_pages = sum(1 for i in pub if (public / i.leaf / i.slug / "index.html").is_file())
    terms = public / "categories"
    cats = [d for d in terms.iterdir() if d.is_dir() and (d / "index.html").is_file()] \
        if terms.is_dir() else []
    second = sum(1 for d in cats if (d / "page" / "2" / "index.html").is_file())
    feeds = sum(1 for d in cats if (d / "index.xml").is_file())
    search = json.loads((public / "index.json").read_text(encoding="utf-8"))
    sample = pub[len(pub) // 2]
    page = (public / sample.leaf / sample.slug / "index.html").read_text(encoding="utf-8")
    _require(sample.index_no in page and "<table" in page, "hugo: item page lacks its metadata table or body")
    produced = Produced(item_pages, len(cats), second, feeds, _feed_items(public / "index.xml"),
                        len(search), _count_files(public))
    _expect(produced, "hugo", len(pub), len(leaves))
    _expect_attachments(public, "hugo", pub)
    return produced


def check_pelican(folder: Path, generated: list[GenItem]) -> Produced:
    out = folder / "output"
    pub = published(generated)
    leaves = {i.leaf for i in pub}
    search = json.loads((out / "search.json").read_text(encoding="utf-8"))
    urls = {r["url"] for r in search}
    item_pages = sum(1 for u in urls if (out / u).is_file())
    cat_dir = out / "category"
    firsts = [p for p in cat_dir.glob("*.html") if not re.search(r"\d+\.html$", p.name)] \
        if cat_dir.is_dir() else []
    second = sum(1 for p in firsts if (cat_dir / f"{p.stem}2.html").is_file())
    feeds = [p for p in (out / "feeds").glob("*.rss.xml") if p.name != "all.rss.xml"]
    sample = pub[len(pub) // 2]
    record = next(r for r in search if r["index_no"] == sample.index_no)
    page = (out / record["url"]).read_text(encoding="utf-8")
    _require(sample.index_no in page and "<table" in page, "pelican: item page lacks its metadata table or body")
    produced = Produced(item_pages, len(firsts), second, len(feeds),
                        _feed_items(out / "feeds" / "all.rss.xml"), len(search), _count_files(out))
    _expect(produced, "pelican", len(pub), len(leaves))
    _expect_attachments(out, "pelican", pub)
    return produced


def check_sitegen(folder: Path, generated: list[GenItem]) -> Produced:
    """sitegen's category tree has parents too: every leaf must have its page and feed."""
    out = folder / "output"
    pub = published(generated)
    search = json.loads((out / "search.json").read_text(encoding="utf-8"))
    item_pages = sum(1 for r in search if (out / r["url"]).is_file())
    by_leaf: dict[str, Path] = {}
    for r in search:
        by_leaf.setdefault(r["category"].rsplit("/", 1)[-1], (out / r["url"]).parent)
    leaves = {i.leaf for i in pub}
    cats = [d for leaf, d in by_leaf.items() if (d / "index.html").is_file()]
    second = sum(1 for d in cats if (d / "index-2.html").is_file())
    feeds = sum(1 for d in cats if (d / "rss.xml").is_file())
    produced = Produced(item_pages, len(cats), second, feeds, _feed_items(out / "rss.xml"),
                        len(search), _count_files(out))
    _expect(produced, "sitegen", len(pub), len(leaves))
    _expect_attachments(out, "sitegen", pub)
    return produced
