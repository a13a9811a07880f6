"""What a build does once it knows there is work: read and validate the content (`load`),
render the pages (`write_site`, on every core), update or build the search index
(`write_search`) and write everything through `output.AtomicOutput`. `build.py` runs it;
this module brings Jinja, Python-Markdown, the feeds and the index with it, which a build that
finds nothing changed never imports.
"""

from __future__ import annotations

import datetime as dt
import pickle
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple

import jinja2

from sitegen import feeds, lastbuild, search, sitemap
from sitegen.cache import Cache, fingerprint, text_digest
from sitegen.config import SiteConfig, load_config
from sitegen.content import SAME_ON_WINDOWS, ContentFile, read_item, same_on_windows, scan
from sitegen.diagnostics import Level, Report
from sitegen.fields import PUBLISHABLE_EXTENSIONS, label
from sitegen.markdown import (
    LOCAL_FILE_RE,
    LinkContext,
    RenderedBody,
    asset_url,
    pygments_css,
    render_body,
    resolve_target,
)
from sitegen.output import AtomicOutput
from sitegen.pages import (
    LAST_PUBLISHED_JS,
    NOT_IN_SITEMAP,
    PageJob,
    PageRenderer,
    cached_theme_analysis,
    check_templates,
    from_template,
    last_published_js,
    make_environment,
    template_error,
    theme_file,
)
from sitegen.parallel import batches, default_jobs, forks, pmap, shared
from sitegen.structure import Site, build_site
from sitegen.themes import check_theme, theme_assets, theme_dirs
from sitegen.validate import Catalog, Checked, Item, check_item, finish


@dataclass
class Loaded:
    config: SiteConfig
    catalog: Catalog
    assets: frozenset[str]  # every asset under content/, content-relative
    asset_stats: dict[str, str] = field(default_factory=dict)  # content-relative -> ContentFile.stat


# -- read + validate ---------------------------------------------------------------------------

def check_file(f: ContentFile, config: SiteConfig, assets: set[str] | frozenset[str],
               encoding: str, known: tuple[str, bytes] | None = None) -> tuple[str, Checked]:
    """Read and validate one item file: its digest ("" if unreadable) and result. `known`:
    (digest, pickled Checked) of the file as last validated, taken if the bytes are the same."""
    report = Report()
    src = read_item(config.root / f.rel, f.rel, f.content_rel, report, encoding)
    if src is None:
        return "", Checked(f.rel, None, None, report.diagnostics, "", {})
    if known and known[0] == src.digest:  # touched, not changed
        checked = pickle.loads(known[1])
        if checked.item is not None:
            checked.item.body = src.body
        return src.digest, checked
    checked = check_item(src, config, assets)
    checked.diagnostics[:0] = report.diagnostics
    return src.digest, checked


CheckedFile = tuple[ContentFile, str, Checked | tuple[bytes, str]]


def _check_batch(files: Sequence[ContentFile]) -> list[CheckedFile]:
    """Each file, its digest and its result; with `pack`, the result as the cache stores it
    (`pack_checked`): pickled in the worker, so that the build's process only reads it (it
    pickled each result again for the cache: a fifth of its work while the workers check)."""
    state = shared()
    known: dict[str, tuple[str, bytes]] = state["known"]  # path -> (digest, pickled Checked)
    done: list[CheckedFile] = []
    for f in files:
        digest, result = check_file(f, state["config"], state["assets"], state["encoding"],
                                    known.get(f.rel))
        done.append((f, digest, pack_checked(result) if state["pack"] else result))
    return done


def _unpacked(found: Checked | tuple[bytes, str]) -> Checked:
    if isinstance(found, Checked):
        return found
    data, body = found
    checked = pickle.loads(data)
    if checked.item is not None:
        checked.item.body = body
    return checked


def checked_env(config: SiteConfig, encoding: str, asset_files: Sequence[ContentFile]) -> str:
    """What validating an item reads besides its file: the config and which attachments
    exist (and their sizes). A cached result counts only under the same."""
    return fingerprint(config.identity(), encoding,
                       [(a.content_rel, a.stat.split(":")[0]) for a in asset_files])


def pack_checked(checked: Checked) -> tuple[bytes, str]:
    """What the cache stores of a checked file: the pickle without the item's body, and the
    body."""
    item = checked.item
    if item is None:
        return pickle.dumps(checked, protocol=pickle.HIGHEST_PROTOCOL), ""
    body, item.body = item.body, ""
    try:
        return pickle.dumps(checked, protocol=pickle.HIGHEST_PROTOCOL), body
    finally:
        item.body = body


StageProgress = Callable[[str, int, int], None]  # stage name, done, total


Scanned = tuple[SiteConfig, list[ContentFile], list[ContentFile]]


_REPEATED = ("organization", "validity", "type", "genre", "department", "topic", "period",
             "validity_pending", "date_created", "date_published", "date_invalid",
             "date_effective", "expires", "review")


class _Sharing:
    """One object for equal values of a field across the items of a build. Each checked item
    arrives pickled on its own (from the cache, or from a worker), with its own copy of its
    column, its dates, its review and its organisation's id; shared, the site model takes a
    third less memory, and its pickle (kept for quick builds, which load it first) a quarter
    less space and time: at 10 000 items 44 MB instead of 66, 7.1 MB instead of 9.6.
    A field's values are shared with that field's only: two fields of one item never become
    one object (a pickle, as the search document's fingerprint is made, would tell)."""

    def __init__(self, config: SiteConfig) -> None:
        self._categories = {c.path: c for c in config.categories.categories}
        self._values: dict[str, dict[object, object]] = {name: {} for name in _REPEATED}
        self._keywords: dict[str, str] = {}  # (an item's are all different)

    def share(self, item: Item) -> None:
        category = self._categories.get(item.category.path)
        if category == item.category:  # (the config's own, as validation gave it)
            item.category = category
        for name, values in self._values.items():
            value = getattr(item, name)
            if value:
                setattr(item, name, values.setdefault(value, value))
        if item.keywords:
            one = self._keywords.setdefault
            item.keywords = [one(k, k) for k in item.keywords]


def load(root: Path, now: dt.date, strict: bool, report: Report, cache: Cache,
         jobs: int, progress: StageProgress | None = None,
         encoding: str = "utf-8", scanned: Scanned | None = None,
         bodies: bool = True, published: dict[str, str] | None = None) -> Loaded | None:
    """Read and validate every item; unchanged files come from the cache. With `bodies`
    false the items' Markdown is dropped as soon as the cache has it (`ItemSources`).
    `published`: source -> 索引号 of the last good build's items (`quick.published_numbers`)."""
    def kept(result: Checked) -> Checked:
        if result.item is not None:
            sharing.share(result.item)
            if not bodies:
                result.item.body = ""
        return result

    if scanned is None:
        config = load_config(root, report)
        if config is None:
            return None
        files, asset_files = scan(root, config.content_dir, report)
    else:
        config, files, asset_files = scanned
    sharing = _Sharing(config)
    assets = frozenset(a.content_rel for a in asset_files)
    env = checked_env(config, encoding, asset_files)
    by_rel = {f.rel: f for f in files}
    checked: dict[str, Checked] = {}
    known: dict[str, tuple[str, bytes]] = {}
    for rel, stat, digest, row_env, data in cache.checked():
        f = by_rel.get(rel)
        if f is not None and row_env == env:
            if stat == f.stat:
                checked[rel] = kept(pickle.loads(data))
            else:
                known[rel] = (digest, data)
    if bodies:  # the cache keeps the bodies apart
        for rel, found in cache.checked_of(list(checked)).items():
            checked[rel] = found
    todo = [f for f in files if f.rel not in checked]
    tasks = batches(todo, jobs)
    # (in one process, or without a cache to store them in, the results stay objects)
    pack = cache.db is not None and forks(jobs, tasks)
    state = {"config": config, "assets": set(assets), "known": known, "encoding": encoding,
             "pack": pack}
    tick = (lambda d, t: progress("读取和校验", d, t)) if progress else None
    for batch in pmap(_check_batch, tasks, state, jobs, tick):
        cache.put_checked((f.rel, f.stat, digest, env,
                           *(found if isinstance(found, tuple) else pack_checked(found)))
                          for f, digest, found in batch if digest)
        for f, _, found in batch:
            checked[f.rel] = kept(_unpacked(found))
    cache.put_checked((), keep={f.rel for f in files})
    catalog = finish([checked[f.rel] for f in files], now, report)
    for item in catalog.items:
        before = (published or {}).get(item.source)
        if before is not None and before != item.index_no:
            report.warning(item.source, f"索引号由已发布的 {before} 改为 {item.index_no}：索引号一经发布不再更改"
                           "（即使发布机构变更）；若确需更正，请确认后再发布",
                           line=checked[item.source].lines.get("index_no"), field="index_no", label="索引号")
    for held in catalog.held_back:
        if strict and held.review:
            report.error(held.source, f"未发布：{held.reason}", field=held.field or None,
                         label=label(held.field) if held.field else None,
                         line=held.line or checked[held.source].lines.get(held.field))
    return Loaded(config, catalog, assets, {a.content_rel: a.stat for a in asset_files})


# -- render item pages (in worker processes) ---------------------------------------------------

BodyWarning = tuple[str, str, int | None]  # (source, message, line)
RecordRow = tuple[str, str, str, str, str, str, str, bytes]  # ItemRecord.row
UNSAFE_REMOVED = " 不安全，发布时删去"  # ends the warning for HTML the sanitiser took out of a body


def is_unsafe_removed(message: str) -> bool:
    return message.endswith(UNSAFE_REMOVED)


_WEB_ADDRESS_RE = re.compile(r"^(www\.|[a-z0-9-]+(\.[a-z0-9-]+)*\.(cn|com|net|org)(/|$))", re.I)


def _why_broken(link: str) -> str:
    """What is wrong with a link of a body that leads nowhere, as far as its text tells."""
    if LOCAL_FILE_RE.match(link):
        return ("指向作者电脑上的文件（从 Word 粘贴时常见），网站和查阅终端上打不开；请把文件放进 content/ "
                "（例如与本文同一目录）并改用相对路径，如 图1.png")
    if _WEB_ADDRESS_RE.match(link):
        return f"缺少 https://：网址请写完整，例如 https://{link}"
    path = link.split("#")[0].split("?")[0]
    extension = posixpath.splitext(path)[1].lstrip(".").lower()
    if extension and extension != "md" and extension not in PUBLISHABLE_EXTENSIONS:
        return (f"是 .{extension} 文件，不能发布（可以发布：{'、'.join(sorted(PUBLISHABLE_EXTENSIONS))}）")
    return ("指向的文件不存在或未发布（或地址无效；请核对文件名，包括大小写：网站服务器区分大小写，"
            "Windows 不区分）")


def body_warnings(item: Item, body: RenderedBody, source: str) -> list[BodyWarning]:
    """What converting a body warns of: links that lead nowhere, HTML taken out as unsafe
    (`source`: the body's Markdown, for the lines)."""
    warnings = [(item.source, f"正文链接 {link} {_why_broken(link)}，发布时改为纯文本",
                 _line_of(source, link, item.body_line)) for link in body.broken_links]
    warnings += [(item.source, f"正文中的 {what}{UNSAFE_REMOVED}" if unsafe else what,
                  item.body_line + (offset or 0)) for offset, what, unsafe in body.removed]
    return warnings


class ItemRecord(NamedTuple):
    """What rendering an item page produced, kept for the next build. While the page's
    inputs other than the body are the same (`inputs`, which covers the file's bytes) and
    every link of the body still resolves the same way, the next build takes all of this from
    here: it neither reads nor renders the item (a one-item edit then touches one item)."""

    inputs: str  # PageRenderer.item_inputs
    links: dict[str, str | None]  # as RenderedBody.links
    page_key: str
    body_key: str
    search_id: tuple[str, str]  # (index_no, fingerprint of its search document)
    search_line: str  # its line of search.json
    assets: list[str]
    warnings: list[BodyWarning]

    def row(self, url: str) -> RecordRow:
        """As the cache stores it: plain columns (reading a pickled NamedTuple per item
        costs more than the rest of an unchanged item's check)."""
        rest = pickle.dumps((self.links, self.assets, self.warnings), protocol=pickle.HIGHEST_PROTOCOL)
        return (url, self.inputs, self.page_key, self.body_key, *self.search_id, self.search_line,
                rest)

    @classmethod
    def from_row(cls, row: RecordRow) -> tuple[str, ItemRecord]:
        url, inputs, page_key, body_key, index_no, search_fp, line, rest = row
        links, assets, warnings = pickle.loads(rest)
        return url, cls(inputs, links, page_key, body_key, (index_no, search_fp), line, assets,
                        warnings)


@dataclass
class ItemBatchResult:
    output: tuple[list[str], list[str], int] = ([], [], 0)  # AtomicOutput.report()
    records: list[RecordRow] = field(default_factory=list)  # of each item rendered
    new_bodies: list[tuple[str, bytes]] = field(default_factory=list)  # (key, Cache.pack)
    search_rows: list[tuple[str, str, bytes]] = field(default_factory=list)  # new to the cache
    feed_bodies: dict[str, str] = field(default_factory=dict)  # index_no -> body HTML
    template_error: tuple[str, str, int | None] | None = None  # exceptions may not pickle
    errors: list[tuple[str, str]] = field(default_factory=list)  # (source, message)


def body_key(item: Item) -> str:
    return fingerprint(item.digest, item.url, item.content_rel)


def body_for(source: Callable[[], str], ctx: LinkContext,
             cached: RenderedBody | None) -> tuple[RenderedBody, bool]:
    """The item's rendered body: the cached one while every link it made resolves the same
    way, else rendered afresh from `source()`. Returns the body and whether it was rendered now."""
    if cached is not None and all(resolve_target(t, ctx) == r for t, r in cached.links.items()):
        return cached, False
    return render_body(source(), ctx), True


class ItemSources:
    """The Markdown of items, for a worker. The build's main process drops every item's body
    after validation (at 100 000 items they would be hundreds of MB held through the whole
    build); a worker reads back from the cache the few it needs: bodies it renders, and those
    whose warnings name a line."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self.found: dict[str, str] = {}

    def fetch(self, items: Sequence[Item]) -> None:
        wanted = [i.source for i in items if i.source not in self.found]
        for path, checked in self.cache.checked_of(wanted).items():
            self.found[path] = checked.item.body

    def __call__(self, item: Item) -> str:
        if item.source not in self.found:
            self.fetch([item])
        return self.found[item.source]


def _render_batch(task: tuple[str, Sequence[Any]]) -> ItemBatchResult:
    """One task of the page stage: a batch of items, or a slice of the other pages."""
    kind, work = task
    if kind == "pages":
        return _render_page_slice(work)
    return _render_item_batch(work)


def _render_page_slice(indices: Sequence[int]) -> ItemBatchResult:
    state = shared()
    jobs: list[PageJob] = state["site_jobs"]
    out: AtomicOutput = state["out"].child()
    result = ItemBatchResult()
    for i in indices:
        url, key, render = jobs[i]
        try:
            out.write_text(url, render())
        except Exception as exc:
            if not from_template(exc):
                raise
            result.template_error = template_error(exc, url)
            break
    result.output = out.report()
    return result


def _render_item_batch(items: Sequence[Item]) -> ItemBatchResult:
    state = shared()
    renderer: PageRenderer = state["renderer"]
    out: AtomicOutput = state["out"].child()
    old_keys: dict[str, str] = state["old_keys"]
    cache: Cache = state["cache"].reader()
    result = ItemBatchResult()
    keys = [body_key(item) for item in items]
    cached = cache.bodies(keys)
    sources = ItemSources(cache)
    sources.fetch([item for item, key in zip(items, keys, strict=True) if key not in cached])
    for item, key in zip(items, keys, strict=True):
        ctx = LinkContext(item.url, item.content_rel, state["item_urls"], state["assets"])
        done = render_item(item, renderer, ctx, cached.get(key), sources)
        if isinstance(done, str):
            result.errors.append((item.source, done))
            continue
        body, record = done.body, done.record
        if done.fresh:
            result.new_bodies.append((key, Cache.pack(body)))
        if record.search_id not in state["search_known"]:
            result.search_rows.append((*record.search_id, Cache.pack(done.doc)))
        if item.index_no in state["feed_items"]:
            result.feed_bodies[item.index_no] = body.html
        result.records.append(record.row(item.url))
        if not (old_keys.get(item.url) == record.page_key and out.reuse(item.url)):
            try:
                out.write_text(item.url, renderer.item(item, body.html))
            except Exception as exc:
                if not from_template(exc):
                    raise
                result.template_error = template_error(exc, item.url)
                break
    cache.close()
    result.output = out.report()
    return result


class RenderedItem(NamedTuple):
    body: RenderedBody
    fresh: bool  # rendered now, not taken from the cache
    record: ItemRecord
    doc: search.SearchDoc


def render_item(item: Item, renderer: PageRenderer, ctx: LinkContext,
                cached: RenderedBody | None, sources: Callable[[Item], str]) -> RenderedItem | str:
    """An item's body, search document and record (all but its page's HTML, which is made
    only when the record's page key says it changed); or the error that stops the build."""
    body, fresh = body_for(lambda: sources(item), ctx, cached)
    if body.error:
        return body.error
    warnings = body_warnings(item, body, sources(item)) if body.broken_links or body.removed else []
    doc = search.search_doc(renderer.site, item, body.text)
    inputs = renderer.item_inputs(item)
    record = ItemRecord(inputs, body.links, fingerprint(inputs, text_digest(body.html)),
                        body_key(item), (item.index_no, search.doc_fingerprint(doc)),
                        search.record_line(renderer.site, item), body.assets, warnings)
    return RenderedItem(body, fresh, record, doc)


def _line_of(body: str, needle: str, first_line: int) -> int | None:
    """File line of the first body line containing `needle` (Markdown keeps no positions)."""
    for number, line in enumerate(body.split("\n")):
        if needle in line:
            return first_line + number
    return None


# -- the whole build ---------------------------------------------------------------------------

class Abandon(Exception):
    """Leave the staging folder unused: the previous output stays."""


def write_site(site: Site, loaded: Loaded, out: AtomicOutput, cache: Cache, jobs: int,
               report: Report, progress: StageProgress | None = None, strict: bool = False,
               env: jinja2.Environment | None = None, *, inputs: str) -> None:
    """Write every file (`inputs`: the inputs key of the build). Under `strict`, HTML
    removed from a body as unsafe is an error;
    broken body links stay warnings: a link to an item held back until its date is not the
    author's error."""
    config = site.config
    dirs = theme_dirs(config)
    env = env or make_environment(dirs)
    renderer = PageRenderer(site, env, analysis=cached_theme_analysis(env, cache))
    # Page keys and the search record describe the last good build's output folder: they
    # count only for that folder, and only for its files as that build left them.
    same_output = lastbuild.last_output(cache) == str(out.output)
    out.prepare(lastbuild.last_files(cache) if same_output else {})
    old_keys = cache.pages() if same_output else {}
    new_keys: dict[str, str] = {}
    feed_items = set(feeds.shown(site))
    site_jobs = list(renderer.site_pages())  # keys now; rendering in the workers
    renderer.keep_briefs(cache, inputs)  # (for quick builds from the model kept under `inputs`)
    item_urls = {i.content_rel: i.url for i in site.items}
    search_known = cache.search_doc_keys()
    todo, kept, feed_bodies = _kept_items(site, renderer, same_output, old_keys, search_known,
                                          feed_items, item_urls, loaded.assets, out, cache)
    state: dict[str, Any] = {
        "renderer": renderer, "out": out, "old_keys": old_keys, "cache": cache,
        "item_urls": item_urls, "assets": loaded.assets,
        "feed_items": feed_items, "site_jobs": site_jobs, "search_known": search_known,
    }
    tasks: list[tuple[str, Sequence[Any]]] = [("items", b) for b in batches(todo, jobs)]
    # Other pages whose key did not change are taken over here; only the rest go to workers.
    for url, key, _ in site_jobs:
        new_keys[url] = key
    pages = [i for i, (url, key, _) in enumerate(site_jobs)
             if not (old_keys.get(url) == key and out.reuse(url))]
    tasks += [("pages", b) for b in batches(pages, jobs, at_most=100)]
    cache.commit()  # workers open their own connections and must see the same data
    pages_done = PageStage(new_keys, report, strict)
    for item, record in kept:
        pages_done.take(item.url, record)
    tick = (lambda d, t: progress("生成页面", d, t)) if progress else None
    failed = template_failed = False
    for part in pmap(_render_batch, tasks, state, jobs, tick):
        for source, message in part.errors:
            report.error(source, message)
            failed = True
        if part.template_error and not template_failed:  # each batch stops at its first: one
            name, message, line = part.template_error
            report.error(theme_file(name, config.root), message, line=line)
            failed = template_failed = True
        if failed:
            continue
        out.absorb(part.output)
        for row in part.records:
            pages_done.take(*ItemRecord.from_row(row))
        # Stored as they come (a cold build's would be 100 MB at 100 000 items). A failed
        # build leaves them too, harmlessly: a record counts only with the page key that the
        # last good build wrote (`_kept_items`).
        cache.put_item_records(part.records)
        cache.put_bodies(part.new_bodies)
        cache.put_search_docs(part.search_rows)
        feed_bodies.update(part.feed_bodies)
    if failed or pages_done.unsafe:
        raise Abandon
    cache.prune_bodies(pages_done.body_keys)

    if progress:
        progress("生成搜索索引和订阅", 0, 1)
    html_pages = [i.url for i in site.items] + [url for url, _, _ in site_jobs]

    for rel, path in theme_assets(dirs).items():
        out.copy(rel, path)
    out.write_text("assets/pygments.css", pygments_css())
    out.write_text(LAST_PUBLISHED_JS, last_published_js(site))
    used_assets = pages_done.assets | {f for i in site.items for f in i.files}
    clashes = same_on_windows(sorted(used_assets))
    for names in clashes:
        for rel in names:
            report.error(f"{config.content_dir}/{rel}", SAME_ON_WINDOWS.format(
                names="、".join(f"{config.content_dir}/{n}" for n in names),
                what="两个都发布了，查阅点的拷贝只会留下一个：请给其中一个改名"))
    if clashes:
        raise Abandon
    for rel in sorted(used_assets):
        # Attachments may be hundreds of MB: one unchanged since the last build (by size and
        # mtime, like rsync) is taken over without reading it or its previous copy.
        url, key = asset_url(rel), fingerprint("asset", loaded.asset_stats.get(rel))
        new_keys[url] = key
        if not (old_keys.get(url) == key and out.reuse(url)):
            out.copy(url, config.root / config.content_dir / rel)
    cache.commit()  # the search workers read the documents just stored
    write_search(site, pages_done.search_ids, pages_done.search_lines, out, cache, jobs, same_output)
    for url, data in feeds.feeds(site, feed_bodies):
        out.write(url, data)
    for rel, text in sitemap.sitemaps(site, [u for u in html_pages if u not in NOT_IN_SITEMAP]):
        out.write_text(rel, text)
    out.write_text("robots.txt", sitemap.robots(site))
    # Only now: page keys committed early would describe files a failed build never swapped in.
    cache.replace_pages(new_keys, old_keys if same_output else None)
    cache.keep_item_records({i.url for i in site.items})


@dataclass
class PageStage:
    """What the page stage gathers of every item page, rendered or kept (its `ItemRecord`),
    for the stages after it."""

    page_keys: dict[str, str]  # url -> input key, every page's
    report: Report
    strict: bool = False  # HTML removed from a body is an error
    unsafe: bool = False  # and there was some
    body_keys: set[str] = field(default_factory=set)
    search_ids: dict[str, str] = field(default_factory=dict)  # index_no -> search doc fingerprint
    search_lines: dict[str, str] = field(default_factory=dict)  # index_no -> line of search.json
    assets: set[str] = field(default_factory=set)  # content-relative, linked from bodies

    def take(self, url: str, record: ItemRecord) -> None:
        self.page_keys[url] = record.page_key
        self.body_keys.add(record.body_key)
        index_no, doc_fingerprint = record.search_id
        self.search_ids[index_no] = doc_fingerprint
        self.search_lines[index_no] = record.search_line
        self.assets.update(record.assets)
        for source, message, line in record.warnings:
            if self.strict and is_unsafe_removed(message):
                self.report.error(source, message, line=line)
                self.unsafe = True
            else:
                self.report.warning(source, message, line=line)


def _kept_items(site: Site, renderer: PageRenderer, same_output: bool,
                old_keys: dict[str, str], search_known: set[tuple[str, str]],
                feed_items: set[str], item_urls: dict[str, str], assets: frozenset[str],
                out: AtomicOutput, cache: Cache,
                ) -> tuple[list[Item], list[tuple[Item, ItemRecord]], dict[str, str]]:
    """Split the items into those to render and those whose page the last build's record
    proves unchanged (their file is taken over from the previous output here). Also returns
    the body HTML of the kept items that the feeds show. Only the records whose inputs and
    page key still match are read whole."""
    by_url = {i.url: i for i in site.items}
    matching = []
    for url, inputs, page_key in cache.record_keys() if same_output else ():
        item = by_url.get(url)
        if item is not None and old_keys.get(url) == page_key \
                and inputs == renderer.item_inputs(item):
            matching.append(url)
    records = dict(map(ItemRecord.from_row, cache.item_records_of(matching)))
    candidates: list[tuple[Item, ItemRecord]] = []
    todo: list[Item] = []
    for item in site.items:
        record = records.get(item.url)
        if (record is not None and record.search_id in search_known
                and _links_resolve(record.links, item, item_urls, assets)):
            candidates.append((item, record))
        else:
            todo.append(item)
    wanted = [r.body_key for i, r in candidates if i.index_no in feed_items]
    bodies = cache.bodies(wanted) if wanted else {}
    kept: list[tuple[Item, ItemRecord]] = []
    feed_bodies: dict[str, str] = {}
    for item, record in candidates:
        in_feed = item.index_no in feed_items
        if (in_feed and record.body_key not in bodies) or not out.reuse(item.url):
            todo.append(item)
            continue
        kept.append((item, record))
        if in_feed:
            feed_bodies[item.index_no] = bodies[record.body_key].html
    return todo, kept, feed_bodies


def _links_resolve(links: dict[str, str | None], item: Item, item_urls: dict[str, str],
                   assets: frozenset[str]) -> bool:
    if not links:
        return True
    ctx = LinkContext(item.url, item.content_rel, item_urls, assets)
    return all(resolve_target(t, ctx) == r for t, r in links.items())


def _search_span(span: range) -> tuple[str, list[int], dict[str, str],
                                       tuple[list[str], list[str], int]]:
    """Postings of a slice of the documents (read back from the cache, where the page stage
    put them), cut into parts in a scratch file, with their document files written and the
    digests of those."""
    state = shared()
    keys: list[tuple[str, str]] = state["ids"][span.start : span.stop]
    names: list[str] = state["names"][span.start : span.stop]
    cache: Cache = state["cache"].reader()
    docs = cache.search_docs(keys)
    cache.close()
    out: AtomicOutput = state["out"].child()
    digests: dict[str, str] = {}

    def tokens() -> Iterator[dict[str, int]]:
        for name, key in zip(names, keys, strict=True):
            rel, data = search.doc_file(name, docs[key])
            out.write(search.INDEX_DIR + rel, data)
            digests[rel] = search.file_digest(data)
            yield search.doc_tokens(docs[key])

    postings = search.collect_postings(tokens(), first=span.start)
    path = f"{state['scratch']}/span-{span.start}"
    bounds = _scratch(path, search.cut_postings(postings, state["parts"]))
    return path, bounds, digests, out.report()


def _search_part(part: int) -> tuple[str, list[int], int]:
    state = shared()
    pieces = _pieces((path, bounds, part) for path, bounds in state["spans"])
    groups, small_bytes = search.encode_part(pieces, state["parts"])
    path = f"{state['scratch']}/part-{part}"
    return path, _scratch(path, groups), small_bytes


def _search_group(group: int) -> tuple[dict[str, str], tuple[list[str], list[str], int]]:
    state = shared()
    tasks: int = state["tasks"]
    pieces = _pieces((path, bounds, g) for g in range(group, state["parts"], tasks)
                     for path, bounds in state["encoded"])
    out: AtomicOutput = state["out"].child()
    digests: dict[str, str] = {}
    for rel, data in search.group_files(pieces, state["shards"], group, tasks):
        out.write(search.INDEX_DIR + rel, data)
        digests[rel] = search.file_digest(data)
    return digests, out.report()


def _scratch(path: str, pieces: Sequence[bytes]) -> list[int]:
    """Writes the pieces one after the other; returns where each starts (and the end)."""
    with open(path, "wb") as file:
        for piece in pieces:
            file.write(piece)
    return list(accumulate(map(len, pieces), initial=0))


def _pieces(where: Iterable[tuple[str, list[int], int]]) -> Iterator[bytes]:
    """Piece `n` of each scratch file."""
    for path, bounds, n in where:
        with open(path, "rb") as file:
            file.seek(bounds[n])
            yield file.read(bounds[n + 1] - bounds[n])


def write_search(site: Site, fingerprints: dict[str, str], lines: dict[str, str],
                 out: AtomicOutput, cache: Cache, jobs: int, same_output: bool) -> None:
    """search.json, and the search index: updated from the previous output's where few
    documents changed (only the files those touch are written), else built on every core.
    `fingerprints`: index_no -> fingerprint of its document, which the cache holds; `lines`:
    index_no -> its line of search.json."""
    out.write("search.json",
              search.search_json([lines[i.index_no] for i in site.items]).encode("utf-8"))
    meta = search.search_docs(site)
    ids = [(d.index_no, fingerprints[d.index_no]) for d in meta]
    categories = search.category_order(site)
    old = search.IndexState.from_json(cache.get_meta("search_index")) if same_output else None
    index = None
    if old is not None and all(out.can_reuse(search.INDEX_DIR + rel) for rel in old.digests):
        folder = out.output / search.INDEX_DIR
        index = search.update_index(old, ids, search.manifest_of(meta, categories), cache.search_doc,
                                    lambda rel: (folder / rel).read_bytes(), spread_rewrite(jobs))
    if index is not None:
        written = {rel.removeprefix(search.INDEX_DIR) for rel, _ in index.files}
        for rel in index.state.digests.keys() - written:
            out.reuse(search.INDEX_DIR + rel)
    else:
        names = search.doc_names([n for n, _ in ids])
        doc_digests, tokens = _whole_index(ids, names, out, cache, jobs)
        index = search.finish_index(meta, categories, ids, tokens, doc_digests, names)
    for rel, data in index.files:
        out.write(rel, data)
    cache.prune_search_docs(set(ids))
    cache.set_meta("search_index", index.state.to_json())


def _whole_index(ids: list[tuple[str, str]], names: list[str], out: AtomicOutput, cache: Cache,
                 jobs: int) -> tuple[dict[str, str], search.TokenFiles]:
    """The document and token files of the index, written on every core in three rounds
    (search.py: the whole index, in parts); returns the digests of the document files and
    the token files."""
    span = search_span(len(ids), jobs)
    spans = [range(start, min(start + span, len(ids))) for start in range(0, len(ids), span)]
    parts = 1 << (max(1, len(spans)) - 1).bit_length()  # a power of two, a part a span
    doc_digests: dict[str, str] = {}
    token_digests: dict[str, str] = {}
    with cache.scratch() as scratch:  # (every document's postings: 23 MB at 10 000)
        state: dict[str, Any] = {"ids": ids, "names": names, "cache": cache, "out": out,
                                 "scratch": scratch, "parts": parts, "spans": []}
        for path, bounds, digests, done in pmap(_search_span, spans, state, jobs):
            state["spans"].append((path, bounds))
            doc_digests.update(digests)
            out.absorb(done)
        state["encoded"], small_bytes = [], 0
        for path, bounds, size in pmap(_search_part, range(parts), state, jobs):
            state["encoded"].append((path, bounds))
            small_bytes += size
        for path, _ in state["spans"]:  # (the disk holds the postings once, not twice)
            Path(path).unlink()
        state["shards"] = shards = search.shard_count(small_bytes)
        state["tasks"] = min(shards, parts)
        for digests, done in pmap(_search_group, range(state["tasks"]), state, jobs):
            token_digests.update(digests)
            out.absorb(done)
    return doc_digests, search.written_token_files(token_digests, shards, small_bytes)


SEARCH_SPAN = 1000  # documents a search task tokenises, at most
SEARCH_SPAN_MIN = 200  # and at least (fewer are not worth a worker process)


def search_span(documents: int, jobs: int) -> int:
    """Documents per search task: two tasks a core for a small site too (a 1 000-item site
    tokenised its index on one core, a third of its cold build), none over SEARCH_SPAN."""
    return max(SEARCH_SPAN_MIN, min(SEARCH_SPAN, -(-documents // (2 * jobs))))
REWRITE_SPAN = 10000  # index entries a worker renumbers


def _rewrite_part(span: range) -> list[str | None]:
    state = shared()
    return search.rewrite_entries(state["entries"][span.start : span.stop], state["renumber"],
                                  state["changes"])


def spread_rewrite(jobs: int) -> search.Rewrite:
    """`search.rewrite_entries` on every core: renumbering every list of the index (after an
    item is removed or inserted before the newest) decodes and encodes them all."""
    def rewrite(entries: Sequence[tuple[str, str | None]], renumber: Sequence[int],
                changes: search.Changes) -> list[str | None]:
        spans = [range(i, min(i + REWRITE_SPAN, len(entries)))
                 for i in range(0, len(entries), REWRITE_SPAN)]
        state = {"entries": entries, "renumber": renumber, "changes": changes}
        return [e for part in pmap(_rewrite_part, spans, state, jobs) for e in part]
    return rewrite


def check(root: Path, now: dt.date, strict: bool, report: Report,
          jobs: int | None = None, encoding: str = "utf-8") -> Catalog | None:
    """`sitegen check`: everything a build checks, bodies and pages included (each page is
    made, in memory: a template may fail on one page only), without writing output; on every
    core, as a build."""
    jobs = jobs or default_jobs()
    loaded = load(root, now, strict, report, Cache(None), jobs, encoding=encoding)
    if loaded is None:
        return None
    if strict:  # as `build --strict` does before it renders
        report.escalate_warnings()
    config = loaded.config
    env = check_templates(config, report) if check_theme(config, report) else None
    items = loaded.catalog.items
    # The pages as a build makes them, if it would get that far.
    renderer = PageRenderer(build_site(config, items), env) if env and not report.errors else None
    state = {"items": items, "renderer": renderer, "strict": strict, "assets": loaded.assets,
             "item_urls": {i.content_rel: i.url for i in items},
             "pages": list(renderer.site_pages()) if renderer else []}
    tasks = [("items", b) for b in batches(range(len(items)), jobs)]
    tasks += [("pages", b) for b in batches(range(len(state["pages"])), jobs, at_most=100)]
    template_failed = False
    for part in pmap(_check_part, tasks, state, jobs):
        for level, source, message, line in part.diagnostics:
            (report.error if level is Level.ERROR else report.warning)(source, message, line=line)
        if part.template_error and not template_failed:  # the first, as a build reports it
            name, message, line = part.template_error
            report.error(theme_file(name, config.root), message, line=line)
            template_failed = True
    return loaded.catalog


class _CheckPart(NamedTuple):
    diagnostics: list[tuple[Level, str, str, int | None]]
    template_error: tuple[str, str, int | None] | None


def _check_part(task: tuple[str, Sequence[int]]) -> _CheckPart:
    """A batch of items (their bodies and pages) or of the other pages, made and dropped."""
    kind, span = task
    state = shared()
    renderer: PageRenderer | None = state["renderer"]
    found: list[tuple[Level, str, str, int | None]] = []
    failed = None
    if kind == "pages":
        for i in span:
            url, _, render = state["pages"][i]
            failed = _made(render, url)
            if failed:
                break
        return _CheckPart(found, failed)
    for i in span:
        item: Item = state["items"][i]
        body = render_body(item.body, LinkContext(item.url, item.content_rel, state["item_urls"],
                                                  state["assets"]))
        if body.error:
            found.append((Level.ERROR, item.source, body.error, None))
        for source, message, line in body_warnings(item, body, item.body):
            # under --strict, HTML taken out is an error, as in `build --strict`
            unsafe = state["strict"] and is_unsafe_removed(message)
            found.append((Level.ERROR if unsafe else Level.WARNING, source, message, line))
        if renderer is not None and failed is None and not body.error:
            failed = _made(lambda i=item, html=body.html: renderer.item(i, html), item.url)
    return _CheckPart(found, failed)


def _made(render: Callable[[], str], url: str) -> tuple[str, str, int | None] | None:
    """Make a page and drop it; its template error, if any."""
    try:
        render()
    except Exception as exc:
        if not from_template(exc):
            raise
        return template_error(exc, url)
    return None
