"""A build that only re-renders what a few edited, new or deleted items change: the common
edits, a sentence or a title fixed, an item moved to another column, a new item published
(with its attachment), an item taken down.

`lastbuild.edited` finds that this build's inputs differ from the last good build's only in
the bytes of a few item files, a few new or deleted ones, and new files beside them. If each
edited file validates as before but for its body and the fields only its own page shows
(`OWN_FIELDS`: 内容概述, 主题词, the review record …),
and the output is as the last build left it, nothing but those items' pages, their search
documents, their lines of search.json and the feeds that show them can change: every list,
neighbour link, category page, archive and sitemap entry is made of what did not change.
A corrected title or 文号 (`LIST_FIELDS`) keeps the item's place everywhere: then the
lists that show it and the pages of the items linking to it are made again too (`_shown`).
A move to another column (`MOVE_FIELDS`) keeps its place in time: the site model is filed
anew, and the lists and neighbours of both columns, the pages whose bodies link to it, both
columns' feeds, the sitemap and the search facets follow. A new item, published and valid,
is filed in the same way: its lists and neighbours, the pages whose links to it were broken
until now, its feeds, the sitemap, the search index and the footer's newest date follow; a
new file it uses (its PDF) is copied. A deleted item leaves the model the same way, its
page and the files only it used leave the output, and the pages linking to it get a broken
link each.
`rebuild` renders just those items with the site model the last whole build kept
(`remember_site`, brought up to date by the quick builds since: `SITE_PATCHES`), updates the
index files their words touch, writes the changed files with `AtomicOutput.patch` and leaves
the cache as a whole build would have. Whenever it cannot be sure, it returns None having
written nothing, and `generate.py` does the whole build. Tests compare its output with a
clean build's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import itertools
import logging
import pickle
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from sitegen import feeds, generate, lastbuild, search, sitemap, structure
from sitegen.cache import Cache, fingerprint
from sitegen.config import SiteConfig
from sitegen.content import ContentFile, same_on_windows
from sitegen.diagnostics import Diagnostic, Level
from sitegen.markdown import LinkContext, asset_url
from sitegen.output import AtomicOutput
from sitegen.pages import (
    LAST_PUBLISHED_JS,
    NOT_IN_SITEMAP,
    PageRenderer,
    cached_theme_analysis,
    from_template,
    last_published_js,
    list_names,
    make_environment,
    move_briefs,
)
from sitegen.parallel import batches, pmap, shared
from sitegen.structure import Site
from sitegen.themes import theme_dirs
from sitegen.validate import Checked, HeldBack, Item, as_of

log = logging.getLogger(__name__)

SITE = "site"  # cache meta: the pickled Site of the last good whole build
SITE_PATCHES = "site_patches"  # pickled {index_no: Item}: items quick builds changed since
SITE_FOR = "site_for"  # the inputs key of the last good build that Site (patched) is right for
NUMBERS = "index_numbers"  # pickled {source: index_no} of the items of that Site (unpatched)

# Item fields that no page but the item's own shows (besides its search document, its line
# of search.json and the feeds that show it): an edit of these and of the body is quick.
# Lists, neighbours and the other pages show `pages.brief` only, unless the theme's other
# templates name more (`pages.listed_fields`): edits of those make the pages showing the
# item again, as a corrected title does (`LIST_FIELDS`).
OWN_FIELDS = ("digest", "body", "body_line", "summary", "keywords", "review", "date_invalid",
              "type_fields", "genre", "department", "topic", "date_effective", "period", "expires",
              "validity_pending", "annual")
# Fields the lists and the neighbours' pages show, which an edit may change while the item
# keeps its place everywhere (a corrected title or 文号): then the pages showing it are made
# again too — the list pages whose keys change, and the pages of the items linking to it.
LIST_FIELDS = ("title", "doc_no")
# A move to another column (and so to another address): then the lists that show the item
# before and after, its neighbours before and after, the pages whose bodies link to it, the
# feeds of both columns, the sitemap and the search facets change too.
MOVE_FIELDS = ("category", "url")
QUICK_FIELDS = (*OWN_FIELDS, *LIST_FIELDS, *MOVE_FIELDS)


def remember_site(cache: Cache, site: Site, inputs: str) -> None:
    """Keep the site model of a whole build (its items without bodies) for quick builds."""
    cache.set_meta(SITE, pickle.dumps(site, protocol=pickle.HIGHEST_PROTOCOL))
    cache.set_meta(SITE_PATCHES, pickle.dumps({}))
    cache.set_meta(SITE_FOR, inputs)
    cache.set_meta(NUMBERS, pickle.dumps({i.source: i.index_no for i in site.items},
                                         protocol=pickle.HIGHEST_PROTOCOL))


def published_numbers(cache: Cache) -> dict[str, str]:
    """source -> 索引号 of every item the last good build published (quick builds included;
    {} when unknown): a 索引号 never changes once published (domain.md §c.1). Read without
    the whole site model, which a build that needs this has no use for."""
    if cache.get_meta(SITE_FOR) != lastbuild.last_inputs(cache):
        return {}
    data = cache.get_meta(NUMBERS)
    numbers: dict[str, str] = pickle.loads(data) if isinstance(data, bytes) else {}
    patches = _patches(cache)
    if patches is None:
        return {}
    for index_no, patch in patches.items():
        if patch is None:
            numbers = {source: n for source, n in numbers.items() if n != index_no}
        else:
            numbers[patch.source] = index_no
    return numbers


@dataclass
class Done:
    diagnostics: list[Diagnostic]
    written: int  # files of the output
    unchanged: int  # of those, not rewritten
    published: int  # items
    held_back: list[HeldBack]
    removed: int = 0  # files of the previous output that are gone


@dataclass
class _Edit:
    file: ContentFile
    digest: str
    checked: Checked
    before: Checked | None  # as the last build validated the file; None: a new file
    item: Item  # the site model's, brought up to date
    body: str


def rebuild(config: SiteConfig, edit: lastbuild.Edited, files: list[ContentFile],
            asset_files: list[ContentFile], rest: str, inputs: str, cache: Cache, output: Path,
            encoding: str, jobs: int, now: dt.date, strict: bool, walk: lastbuild.OutputWalk,
            env: jinja2.Environment | None = None) -> Done | None:
    """Update the output for the edits in `edit.files`; None (nothing written) if they are
    not all quick. `files`: every item file; `rest`: `lastbuild.rest_key` of this build,
    `inputs` its `inputs_key`; `walk`: the output folder as it is."""
    with contextlib.ExitStack() as stack:  # (worker processes end with it, however it ends)
        return _rebuild(config, edit, files, asset_files, rest, inputs, cache, output, encoding,
                        jobs, now, strict, walk, stack, env)


def _rebuild(config: SiteConfig, edit: lastbuild.Edited, files: list[ContentFile],
             asset_files: list[ContentFile], rest: str, inputs: str, cache: Cache,
             output: Path, encoding: str, jobs: int, now: dt.date, strict: bool,
             walk: lastbuild.OutputWalk, stack: contextlib.ExitStack,
             env: jinja2.Environment | None = None) -> Done | None:
    assets = frozenset(a.content_rel for a in asset_files)
    if same_on_windows(assets):  # whether both are published: the whole build tells
        return None
    fronts = _same_fronts(config, edit, assets, cache, encoding, now, strict)
    if fronts is None:  # the cheap test first: most edits that are not quick fail it
        return None
    if walk.files() != edit.output_files:
        return None  # edited by hand since: the whole build renders those files again
    old_site = _site(cache, edit.inputs)
    edits = None if old_site is None else _edits(fronts, old_site, edit, cache, now)
    if old_site is None or edits is None:
        return None
    removal = _removal(edit, old_site, edits)
    if removal is None or not _held_back_still(config, edit, files, assets, encoding):
        return None
    gone, held_gone = removal
    if held_gone:  # named by an item (相关信息: a warning changes; 替代文件: an error comes)
        held_numbers = {c.index_no for c in cache.checked_of([h.source for h in held_gone]).values()}
        if any(not held_numbers.isdisjoint(i.related) or i.replaced_by in held_numbers
               for i in old_site.items):
            return None
    added = [e for e in edits if e.before is None]
    if any(e.item.related or any(e.item.index_no in i.related for i in old_site.items)
           for e in added):
        return None  # 相关信息 with other items, or a warning of another item's to drop
    moved = [e for e in edits if e.before is not None and e.item.url != e.before.item.url]
    site = old_site
    if moved or added or gone:  # the items (updated in place, new ones added) filed anew
        site = structure.build_site(old_site.config, _with(old_site.items, [e.item for e in added],
                                                           {g.index_no for g in gone}))
    env = env or make_environment(theme_dirs(config))
    renderer = PageRenderer(site, env, analysis=cached_theme_analysis(env, cache))
    before = renderer.for_site(old_site)
    # A theme reading the whole site (the newest date or items on every page) makes every
    # page depend on every item: the whole build's page keys sort that out. (Comparing the
    # two site keys cannot: the edited items are the old model's objects, updated in place.)
    if renderer.whole_site or before.site_key != renderer.site_key:
        return None
    if _taken(cache, site, [*moved, *added]):
        return None
    old_records = _records(cache, {e.item.url: e.before.item.url for e in edits if e.before})
    gone_records = _records(cache, {g.url: g.url for g in gone})
    if old_records is None or gone_records is None:
        return None
    files_used = _Assets(edit.new_assets, cache)
    made = _render(edits, renderer, assets, old_records, files_used)
    if made is None:
        return None
    done, out_files = made
    page_keys: dict[str, tuple[str | None, str | None]] = {}
    rendering = None
    brief_changes: set[str] = set()  # the items whose kept briefs are not taken
    # (a field the theme shows in lists or on the neighbours' pages is in their keys as the
    # title is: `PageRenderer.brief_key`; a site's own item.html may show any field there)
    # (compared as they stand today, as the pages show them: `validity_pending` is made by
    # `as_of`, a 失效 turned 废止 ahead of its date changes only that; found by review)
    dated = [(as_of(e.checked.item, now), as_of(e.before.item, now)) for e in edits if e.before]
    if moved or added or gone or edit.new_assets \
            or any(getattr(after, name) != getattr(was, name)
                   for after, was in dated for name in (*LIST_FIELDS, *renderer.listed)):
        brief_changes = {*(e.item.index_no for e in edits),
                         *(e.before.item.index_no for e in edits if e.before),
                         *(g.index_no for g in gone)}
        renderer.take_briefs(cache, edit.inputs, brief_changes)
        shown = _shown(before, renderer, edits, assets, files_used, jobs, stack, gone)
        if shown is None:
            return None
        related, related_records, relisted, page_keys, rendering = shown
        done.update(related)
        old_records.update(related_records)
        out_files.update(relisted)
    out_files.update((e.before.item.url, None) for e in moved if e.before)
    out_files.update((g.url, None) for g in gone)
    dropped = _unused_assets(cache, site, gone, gone_records, edit.removed_assets)
    if dropped is None:
        return None
    out_files.update((url, None) for url in dropped)
    # (The sitemap lists the last build's pages but its files', those removed too.)
    more = _listings(old_site, site, cache, output, old_records, done, page_keys, edits,
                     assets | edit.removed_assets, jobs, gone, rendering)
    if more is None:
        return None
    out_files.update(more[0])
    new_index = more[1]
    if rendering is not None:
        pages = rendering.finish()
        if pages is None:
            return None
        out_files.update(pages)
    content = config.root / config.content_dir
    out_files.update((asset_url(rel), content / rel) for rel in files_used.fresh)  # (copied)
    diagnostics = _diagnostics(edit.last.diagnostics, old_records, done, added, edit.removed)
    if diagnostics is None or (strict and any(
            generate.is_unsafe_removed(d.message) for d in diagnostics)):
        return None  # (the whole build reports HTML removed from a body as an error)
    out = AtomicOutput(output)
    inodes, spare = walk.more()
    written = out.patch(out_files, inodes, spare)
    if written is None:
        return None
    output_files = {rel: stat for rel, stat in edit.output_files.items()
                    if out_files.get(rel, b"") is not None}
    output_files.update(written)

    # The cache as a whole build of these inputs would leave it.
    env = generate.checked_env(config, encoding, asset_files)
    cache.put_checked((e.file.rel, e.file.stat, e.digest, env, *generate.pack_checked(e.checked))
                      for e in edits)
    if edit.removed:
        cache.put_checked((), keep={f.rel for f in files})
    cache.drop_item_records([*(e.before.item.url for e in moved if e.before), *gone_records])
    cache.put_item_records(r.record.row(url) for url, r in done.items())
    cache.put_bodies((r.record.body_key, Cache.pack(r.body)) for r in done.values() if r.fresh)
    cache.put_search_docs((*r.record.search_id, Cache.pack(r.doc)) for r in done.values())
    new_keys = {url: r.record.page_key for url, r in done.items()}
    new_keys.update((url, key) for url, (key, _) in page_keys.items() if key is not None)
    stats = {a.content_rel: a.stat for a in asset_files}
    new_keys.update((asset_url(rel), fingerprint("asset", stats[rel])) for rel in files_used.fresh)
    was = {e.item.url: e.before.item.url for e in edits if e.before}
    old_keys = {was.get(url, url): old_records[url].page_key for url in done if url in old_records}
    old_keys.update((url, old) for url, (_, old) in page_keys.items() if old is not None)
    old_keys.update((url, record.page_key) for url, record in gone_records.items())
    old_keys.update(dropped)
    cache.replace_pages(new_keys, old_keys)
    cache.set_meta("search_index", new_index.state.to_json())
    published = edit.last.published + len(added) - len(gone)
    held_back = [h for h in edit.last.held_back if h not in held_gone]
    lastbuild.remember(cache, rest, inputs, files, asset_files, output, output_files, published,
                       diagnostics, held_back)
    patches = _patches(cache) or {}  # (read whole by `_site` for this build)
    patches.update((e.item.index_no, e.item) for e in edits)
    patches.update((g.index_no, None) for g in gone)
    cache.set_meta(SITE_PATCHES, pickle.dumps(patches, protocol=pickle.HIGHEST_PROTOCOL))
    cache.set_meta(SITE_FOR, inputs)
    if rendering is not None:
        renderer.keep_briefs(cache, inputs, brief_changes)
    else:
        move_briefs(cache, edit.inputs, inputs)
    log.info("quick build: %d item(s), %d file(s) written", len(edits) + len(gone), len(written))
    removed = sum(1 for rel in edit.output_files if out_files.get(rel, b"") is None)
    return Done(diagnostics, len(out.written), out.reused, published, held_back, removed)


def _with(items: list[Item], new: list[Item], without: set[str] | frozenset[str] = frozenset()
          ) -> list[Item]:
    """`items` (newest first) with `new` filed in their places, and those whose 索引号 is in
    `without` left out."""
    kept = [i for i in items if i.index_no not in without] if without else items
    return sorted([*kept, *new], key=lambda i: i.sort_key, reverse=True) if new else kept


def _removal(edit: lastbuild.Edited, site: Site, edits: list[_Edit]
             ) -> tuple[list[Item], list[HeldBack]] | None:
    """The published items and the items held back whose files are gone, if a quick build can
    take them out: no file edited or added with them, and no item left replaced by one."""
    if not edit.removed:
        return [], []
    if edits:
        return None
    by_source = {i.source: i for i in site.items}
    held = {h.source: h for h in edit.last.held_back}
    gone: list[Item] = []
    held_gone: list[HeldBack] = []
    for rel in sorted(edit.removed):
        if rel in by_source:
            gone.append(by_source[rel])
        elif rel in held:
            held_gone.append(held[rel])
        else:
            return None
    numbers = {g.index_no for g in gone}
    if any(i.replaced_by in numbers for i in site.items if i.index_no not in numbers):
        return None  # the whole build reports the broken replaced_by
    if any(g.related or g.index_no in site.related for g in gone):
        return None  # 相关信息 shown on other pages, or named there (then a warning)
    return gone, held_gone


def _held_back_still(config: SiteConfig, edit: lastbuild.Edited, files: list[ContentFile],
                     assets: frozenset[str], encoding: str) -> bool:
    """Whether the files held back (not rendered, so no page tells) still validate without an
    error once files beside the items are removed: one may name a removed file as its
    attachment, which a whole build reports."""
    if not edit.removed_assets:
        return True
    held = {h.source for h in edit.last.held_back}
    for f in files:
        if f.rel in held:
            checked = generate.check_file(f, config, assets, encoding)[1]
            if any(d.level is Level.ERROR for d in checked.diagnostics):
                return False
    return True


def _unused_assets(cache: Cache, site: Site, gone: list[Item], records: Records,
                   removed: frozenset[str]) -> dict[str, str] | None:
    """The files of the content no page uses any more, which a whole build does not copy:
    those only deleted items used, and those `removed` from the content. url -> its page key
    in the last build. None if a page left uses a removed file (the whole build reports
    the attachment missing, or makes the link a broken one)."""
    theirs = {a for r in records.values() for a in r.assets} | removed
    theirs |= {f for g in gone for f in g.files}
    if not theirs:
        return {}
    left = {i.url for i in site.items}
    used = {f for i in site.items for f in i.files}
    for url, record in map(generate.ItemRecord.from_row, cache.item_records()):
        if url in left:
            used.update(record.assets)
    if not removed.isdisjoint(used):
        return None
    return cache.page_keys([asset_url(a) for a in sorted(theirs - used)])


Rendered = dict[str, generate.RenderedItem]  # url -> what rendering the item gave
OutFiles = dict[str, bytes | Path | None]  # output path -> new bytes (or the file), None: removed
Records = dict[str, generate.ItemRecord]  # url now -> the last build's record of the item


def _taken(cache: Cache, site: Site, placed: list[_Edit]) -> bool:
    """Whether a moved or new item's address is another item's, or was a page of the last
    build (another item's, a column page's): the whole build reports or sorts that out."""
    urls = [e.item.url for e in placed]
    if not urls:
        return False
    count = Counter(_same_file(i.url) for i in site.items)
    return any(count[_same_file(url)] > 1 for url in urls) or bool(cache.page_keys(urls))


def _same_file(url: str) -> str:
    """One key for the addresses a case-blind file system takes for one (`validate`)."""
    return unicodedata.normalize("NFC", url).casefold()


class _Assets:
    """The files of the content the pages made again use: those the last build copied into
    the output, and those new since (`fresh`: to copy now)."""

    def __init__(self, new: frozenset[str], cache: Cache) -> None:
        self.new, self.cache = new, cache
        self.fresh: set[str] = set()

    def take(self, used: Iterable[str], before: Iterable[str] | None = None) -> bool:
        """Whether a page may use the files `used` (content-relative), having used `before`
        (None: a new page): each is in the output or new, and none is dropped (a file no
        page may use any more goes the whole way, which leaves it out)."""
        now, then = set(used), set(before or ())
        if not then <= now:
            return False
        gained = now - then
        if not _copied(self.cache, sorted(gained - self.new)):
            return False
        self.fresh |= gained & self.new
        return True


def _render(edits: list[_Edit], renderer: PageRenderer, assets: frozenset[str],
            old_records: Records, files_used: _Assets) -> tuple[Rendered, OutFiles] | None:
    """The edited items' pages, as the page stage of a whole build makes them."""
    cache = files_used.cache
    item_urls = {i.content_rel: i.url for i in renderer.site.items}
    done: Rendered = {}
    pages: OutFiles = {}
    for e in edits:
        item = e.item
        ctx = LinkContext(item.url, item.content_rel, item_urls, assets)
        key = generate.body_key(item)
        rendered = generate.render_item(item, renderer, ctx, cache.bodies([key]).get(key),
                                        lambda _, b=e.body: b)
        if isinstance(rendered, str):
            return None  # the whole build reports the error
        if e.before is not None and not files_used.take(rendered.record.assets,
                                                        old_records[item.url].assets):
            return None  # a file to drop, or one the output does not have
        if e.before is None and not files_used.take([*rendered.record.assets,
                                                     *item.files]):
            return None  # a file the output does not have
        try:
            pages[item.url] = renderer.item(item, rendered.body.html).encode("utf-8")
        except Exception as exc:
            if not from_template(exc):
                raise
            return None  # the whole build reports it
        done[item.url] = rendered
    return done, pages


def _copied(cache: Cache, assets: list[str]) -> bool:
    """Whether the last build copied these files (content-relative) into the output."""
    urls = {asset_url(a) for a in assets}
    return len(cache.page_keys(list(urls))) == len(urls)


# What shows an edited item besides its own page, made again: the other items' pages (by
# url), their last records, the list pages gone, url -> (new key, old key) of the list pages
# (None: a page that is new, or gone), and the list pages to render.
Shown = tuple[Rendered, Records, OutFiles, dict[str, tuple[str | None, str | None]], "_Rendering"]


def _shown(before: PageRenderer, renderer: PageRenderer, edits: list[_Edit],
           assets: frozenset[str], files_used: _Assets, jobs: int, stack: contextlib.ExitStack,
           gone: Sequence[Item] = ()) -> Shown | None:
    """For an edited title or 文号, a move to another column or a new item: the pages of
    the items that link to an edited one (its neighbours before and after, the items it
    replaces or is replaced by, for a move or a new item those whose bodies link to it), and
    the pages of every list that shows it before or after (`pages.list_names`) whose key
    changed; and so for the items deleted (`gone`), and the pages linking to new files of the
    content. `before`: the renderer of the site as the last build filed its items. The list
    pages come last, to be rendered (`_Rendering`: started by `_listings`, ended with
    `stack`)."""
    site, old_site = renderer.site, before.site
    cache = files_used.cache
    related = _related(old_site, site, edits, cache, gone, files_used.new)
    records = _records(cache, {url: url for url in related})
    if records is None:
        return None
    item_urls = {i.content_rel: i.url for i in site.items}
    sources = generate.ItemSources(cache)  # for bodies whose links changed, and for lines
    done: Rendered = {}
    files: OutFiles = {}
    for url, item in related.items():
        old = records[url]
        cached = cache.bodies([old.body_key]).get(old.body_key)
        if cached is None or generate.body_key(item) != old.body_key:
            return None
        ctx = LinkContext(item.url, item.content_rel, item_urls, assets)
        rendered = generate.render_item(item, renderer, ctx, cached, sources)
        if isinstance(rendered, str) or not files_used.take(rendered.record.assets, old.assets):
            return None
        try:
            files[url] = renderer.item(item, rendered.body.html).encode("utf-8")
        except Exception as exc:
            if not from_template(exc):
                raise
            return None  # the whole build reports it
        done[url] = rendered
    names = set()
    for e in edits:
        names |= list_names(site, e.item)
        if e.before is not None:
            names |= list_names(old_site, e.before.item)
    for g in gone:
        names |= list_names(old_site, g)
    old_urls = [url for url, _, _ in before.site_pages(names, keyed=False)]
    made = list(renderer.site_pages(names))
    new_urls = {url for url, _, _ in made}
    old_keys = cache.page_keys([*old_urls, *new_urls])
    if any(url in old_keys for url in new_urls.difference(old_urls)) \
            or any(url not in old_keys for url in old_urls):
        return None  # the lists are not as the last build made them
    todo = [(url, key, render) for url, key, render in made if key != old_keys.get(url)]
    keys = {url: (key, old_keys.get(url)) for url, key, _ in todo}
    for url in set(old_urls) - new_urls:
        files[url] = None
        keys[url] = (None, old_keys[url])
    rendering = _Rendering([url for url, _, _ in todo], [render for _, _, render in todo], jobs)
    stack.callback(rendering.close)
    return done, records, files, keys, rendering


RENDER_POOL_FROM = 400  # list pages: fewer render in this process (a deletion's 600 took as
# long either way)


class _Rendering:
    """List pages rendered on every core when there are many (a deletion makes every page of
    its lists from its place on again: hundreds, for a large first level or organisation),
    while this process goes on with search.json and the sitemap (`start`); `finish` collects
    them (None: a template failed), `close` ends the workers if they are not wanted.
    A few hundred pages render here: forking the workers, and the copies of the memory
    pages that both sides then touch, cost more than they save (a move's 183 pages at
    10 000 items: 0.06 s more with the workers)."""

    def __init__(self, urls: list[str], renders: list[Callable[[], str]], jobs: int) -> None:
        jobs = jobs if len(renders) >= RENDER_POOL_FROM else 1
        self.urls, self._renders, self._jobs = urls, renders, jobs
        self._parts: Iterator[list[bytes] | None] | None = None
        self._frozen = False
        self._first: list[bytes] | None = []
        self._started = False

    def start(self) -> None:
        """Start rendering: after anything else that runs on every core (two pools at once
        would fork one while the other's threads run), before what runs here meanwhile."""
        if self._started:
            return
        self._started = True
        renders, jobs = self._renders, self._jobs
        if not renders or jobs == 1:
            return  # (rendered by `finish`)
        # The first here: the workers are forked with its templates compiled.
        self._first = _render_slice(range(1), renders)
        if self._first is None or len(renders) == 1:
            return
        # The workers must not collect what they share with this process: a full collection
        # walks (and so copies) all of it, which made two workers slower than one.
        gc.freeze()
        self._frozen = True
        self._parts = pmap(_render_slice, batches(range(1, len(renders)), jobs),
                           {"renders": renders}, jobs)
        # Started (and with many pages, forked): the workers go on with the rest meanwhile.
        self._second = next(self._parts)

    def finish(self) -> OutFiles | None:
        try:
            self.start()
            found = self._first
            if self._jobs == 1 and self._renders:
                found = _render_slice(range(len(self._renders)), self._renders)
            if self._parts is not None:
                for part in itertools.chain([self._second], self._parts):
                    if part is None or found is None:
                        return None
                    found += part
            if found is None:
                return None
            return dict(zip(self.urls, found, strict=True))
        finally:
            self.close()

    def close(self) -> None:
        if self._parts is not None:
            self._parts.close()  # (the pool's clean-up ends the workers)
            self._parts = None
        if self._frozen:
            gc.unfreeze()
            self._frozen = False


def _render_slice(span: Sequence[int], renders: list[Callable[[], str]] | None = None
                  ) -> list[bytes] | None:
    renders = renders or shared()["renders"]
    try:
        return [renders[i]().encode("utf-8") for i in span]
    except Exception as exc:
        if not from_template(exc):
            raise
        return None  # the whole build reports it


def _related(old_site: Site, site: Site, edits: list[_Edit], cache: Cache,
             gone: Sequence[Item] = (), new_assets: frozenset[str] = frozenset()
             ) -> dict[str, Item]:
    """url -> the items whose pages show an edited or deleted item, but for the edited ones."""
    edited = {e.item.index_no for e in edits}
    found: dict[str, Item] = {}
    for g in gone:  # its neighbours, and the item replacing it (which lists what it replaces)
        for other in (*old_site.neighbours.get(g.index_no, (None, None)),
                      old_site.by_index_no.get(g.replaced_by)):
            if other is not None and other.index_no in site.by_index_no:
                found[other.url] = site.by_index_no[other.index_no]
    for e in edits:
        index_no = e.item.index_no
        for other in (*old_site.neighbours.get(index_no, (None, None)), *site.neighbours[index_no],
                      site.by_index_no.get(e.before.item.replaced_by) if e.before else None,
                      site.by_index_no.get(e.item.replaced_by),
                      *site.replacements.get(index_no, []), *site.related.get(index_no, [])):
            if other is not None and other.index_no not in edited:
                found[other.url] = other
    left = {e.before.item.url for e in edits if e.before and e.item.url != e.before.item.url}
    left |= {g.url for g in gone}
    new = {e.item.content_rel for e in edits if e.before is None} | new_assets
    if left or new:  # bodies linking to a moved or deleted item, or to a new one or a new file
        # (until now broken)
        by_url = {i.url: i for i in site.items}
        # A record names a link's target and address in its pickled part, as UTF-8: one
        # that names none of these links to none of them, and is not unpickled.
        # (as pickle writes them: a file name read from a disk in another encoding keeps its
        # undecodable bytes as lone surrogates)
        names = [n.encode("utf-8", "surrogatepass") for n in left | new]
        for row in cache.item_records_naming(names):
            url, record = generate.ItemRecord.from_row(row)
            item = by_url.get(url)
            if item is not None and item.index_no not in edited \
                    and (not left.isdisjoint(record.links.values())
                         or not new.isdisjoint(record.links)):
                found[url] = item
    return found


def _listings(old_site: Site, site: Site, cache: Cache, output: Path, old_records: Records,
              done: Rendered, page_keys: dict[str, tuple[str | None, str | None]],
              edits: list[_Edit], assets: frozenset[str], jobs: int, gone: list[Item],
              rendering: _Rendering | None) -> tuple[OutFiles, search.Index] | None:
    """What else shows the items made again or deleted: the search index, the feeds,
    search.json, and after a move, a new item or a deletion the sitemap and the footer's
    newest date. The list pages (`rendering`) are rendered meanwhile: from the start, or when
    documents are numbered anew (the index's update then runs on every core) from after it."""
    moved = [e for e in edits if e.before and e.item.url != e.before.item.url]
    added = [e for e in edits if e.before is None]
    files: OutFiles = {}
    newest = {i.index_no for i in site.items[: len(added)]}
    if rendering is not None and not gone and all(e.item.index_no in newest for e in added):
        # No document numbered anew (the documents are numbered oldest first): the index's
        # update is small, and runs here (no second pool while the first one's threads run).
        rendering.start()
    folder = output / search.INDEX_DIR
    if added or gone:  # every count and each year's span of numbers may change
        manifest = search.manifest_of(search.search_docs(site), search.category_order(site))
    else:
        manifest = search.restamped(
            (folder / "manifest.js").read_bytes(),
            [(e.before.item.category.path, e.item.category.path, e.item.expired)
             for e in moved if e.before],
            search.category_order(site))
    index = _index(cache, output, old_records, done, manifest, site, jobs, gone)
    if index is None:
        return None
    old_state, new_index = index
    files.update(new_index.files)
    for rel in old_state.digests.keys() - new_index.state.digests.keys():
        files[search.INDEX_DIR + rel] = None
    if rendering is not None:
        rendering.start()
    feed_files = _feeds(old_site, site, cache, done, gone)
    if feed_files is None:
        return None
    files.update(feed_files)
    if added or gone or any(r.record.search_line != old_records[url].search_line
                    for url, r in done.items()):
        listing = _search_json(old_site, site, output, old_records, done)
        if listing is None:
            return None
        files["search.json"] = listing
    if moved or added or gone:
        left = {e.before.item.url for e in moved if e.before} | {g.url for g in gone}
        files.update(_sitemaps(site, cache, left, page_keys, assets))
    if site.updated != old_site.updated:
        files[LAST_PUBLISHED_JS] = last_published_js(site).encode("utf-8")
    return files, new_index


def _sitemaps(site: Site, cache: Cache, gone: set[str],
              page_keys: dict[str, tuple[str | None, str | None]],
              assets: frozenset[str]) -> dict[str, bytes]:
    """The sitemap: the last build's pages (every address with a key, but the attachments')
    less those gone, with the items' new addresses and the new list pages."""
    urls = cache.pages().keys() - {asset_url(a) for a in assets} - gone
    urls -= {url for url, (key, _) in page_keys.items() if key is None}
    urls |= {i.url for i in site.items} | {url for url, (key, _) in page_keys.items() if key}
    urls -= set(NOT_IN_SITEMAP)
    return {rel: text.encode("utf-8") for rel, text in sitemap.sitemaps(site, sorted(urls))}


def _site(cache: Cache, inputs: str) -> Site | None:
    """The site model as the last good build made it."""
    if cache.get_meta(SITE_FOR) != inputs:
        return None
    data = cache.get_meta(SITE)
    if not isinstance(data, bytes):
        return None
    patches = _patches(cache)
    if patches is None:
        return None
    try:
        site: Site = pickle.loads(data)
    except Exception:  # noqa: BLE001 (a damaged cache: the whole build, which is always right)
        log.warning("构建缓存中的网站模型已损坏，本次完整生成")
        return None
    moved, added, removed = False, [], set()
    for index_no, patch in patches.items():
        # The items are shared by every list of the model: updated once, updated everywhere.
        item = site.by_index_no.get(index_no)
        if patch is None:  # deleted
            removed.add(index_no)
        elif item is None:
            added.append(patch)
        else:  # (a deleted item's 索引号 given to a new one may take another place in time)
            moved = moved or item.url != patch.url or item.sort_key != patch.sort_key
            item.__dict__.update(patch.__dict__)
            removed.discard(index_no)
    if moved or added or removed:
        items = [i for i in site.items if i.index_no not in removed] + added
        return structure.build_site(site.config, sorted(items, key=lambda i: i.sort_key,
                                                        reverse=True))
    return site


def _patches(cache: Cache) -> dict[str, Item | None] | None:
    """The items quick builds changed since the last whole build; None when the cache holds
    them damaged (then the kept site model is of no use, and a whole build is due)."""
    data = cache.get_meta(SITE_PATCHES)
    if not isinstance(data, bytes):
        return {}
    try:
        found: dict[str, Item | None] = pickle.loads(data)
    except Exception:  # noqa: BLE001 (a damaged cache: any of pickle's many errors)
        log.warning("构建缓存中的网站模型已损坏，本次完整生成")
        return None
    return found


_BLANK = {name: None for name in QUICK_FIELDS}


def _front(checked: Checked) -> Checked:
    """A validation result but for what the body and the item's own fields decide."""
    assert checked.item is not None
    return dataclasses.replace(checked, item=dataclasses.replace(checked.item, **_BLANK))


def _as_of(checked: Checked, now: dt.date) -> Checked:
    """A cached validation result as `validate.finish` files its item today."""
    if checked.item is None:
        return checked
    return dataclasses.replace(checked, item=as_of(checked.item, now))


Front = tuple[ContentFile, str, Checked, Checked | None]  # file, digest, result now and before


def _same_fronts(config: SiteConfig, edit: lastbuild.Edited, assets: frozenset[str],
                 cache: Cache, encoding: str, now: dt.date, strict: bool) -> list[Front] | None:
    """Each edited file read and validated, if each still validates as it did but for the
    body and the item's own fields; and each new file, if it is an item published now,
    valid without an error (under `strict`, without a warning either)."""
    before = cache.checked_of([f.rel for f in edit.files if f.rel not in edit.added])
    found: list[Front] = []
    for f in edit.files:
        # (as it stands today for the comparisons; cached as written, as a whole build does)
        digest, checked = generate.check_file(f, config, assets, encoding)
        if f.rel in edit.added:
            if checked.item is None or checked.held_back is not None \
                    or checked.item.date_published > now \
                    or any(strict or d.level is Level.ERROR for d in checked.diagnostics):
                return None
            found.append((f, digest, checked, None))
            continue
        old = before.get(f.rel)
        if checked.item is None or old is None or old.item is None \
                or _front(_as_of(checked, now)) != _front(_as_of(old, now)):
            return None
        found.append((f, digest, checked, old))
    return found


def _edits(fronts: list[Front], site: Site, edit: lastbuild.Edited, cache: Cache, now: dt.date
           ) -> list[_Edit] | None:
    """The edits, if each file is a published item (not one held back until its date) and
    what it is compared with is what the last good build published. (The cache's validation
    results are a memo of what some build validated: a build that failed later, into another
    output folder, may have left a newer one.) A new item's 索引号 must be no other file's,
    and what it replaces must be published."""
    edits = []
    held = {c.index_no for c in cache.checked_of([h.source for h in edit.last.held_back]).values()}
    new_numbers = [c.item.index_no for _, _, c, old in fronts if old is None and c.item]
    if len(set(new_numbers)) < len(new_numbers):
        return None
    for f, digest, checked, old in fronts:
        assert checked.item is not None
        if old is None:
            item = dataclasses.replace(as_of(checked.item, now), body="")
            if item.index_no in site.by_index_no or item.index_no in held or (
                    item.replaced_by and item.replaced_by not in site.by_index_no
                    and item.replaced_by not in new_numbers) or item.replaced_by == item.index_no:
                return None  # (the whole build reports what is wrong)
            edits.append(_Edit(f, digest, checked, None, item, checked.item.body))
            continue
        assert old.item is not None
        item = site.by_index_no.get(checked.item.index_no)
        if item is None or item.source != f.rel or item.digest != old.item.digest:
            return None
        edits.append(_Edit(f, digest, checked, old, item, checked.item.body))
    for e in edits:  # the site model brought up to date, once nothing can fail here
        if e.before is not None:
            today = as_of(e.checked.item, now)
            for name in QUICK_FIELDS:
                setattr(e.item, name, "" if name == "body" else getattr(today, name))
    return edits


def _records(cache: Cache, urls: dict[str, str]) -> Records | None:
    """The records of the last good build's item pages (`urls`: url now -> url then), or
    None if one is missing. A record counts only with the page key that build wrote (the
    record of a build that failed later may be there too)."""
    keys = cache.page_keys(list(urls.values()))
    found = dict(map(generate.ItemRecord.from_row, cache.item_records_of(list(urls.values()))))
    if any(then not in found or found[then].page_key != keys.get(then) for then in urls.values()):
        return None
    return {now: found[then] for now, then in urls.items()}


def _feeds(old_site: Site, site: Site, cache: Cache, done: Rendered, gone: Sequence[Item] = ()
           ) -> dict[str, bytes] | None:
    """The feeds that show an item made again, before or after, or a deleted one, with every
    body they show (None if one of those is not in the cache)."""
    made = {r.record.search_id[0]: url for url, r in done.items()}
    wanted: set[str] = set()
    for shown in {id(s): feeds.shown(s) for s in (old_site, site)}.values():
        wanted.update(feed for index_no in made for feed in shown.get(index_no, []))
    if gone:
        shown = feeds.shown(old_site)
        wanted.update(feed for g in gone for feed in shown.get(g.index_no, []))
    if not wanted:
        return {}
    items = {i.index_no: i for url, items, _, _ in feeds.feed_lists(site) if url in wanted
             for i in items[: site.config.feed_length] if i.index_no not in made}
    records = _records(cache, {i.url: i.url for i in items.values()})
    if records is None:
        return None
    keys = {n: records[i.url].body_key for n, i in items.items()}
    found = cache.bodies(list(keys.values()))
    bodies = {n: found[k].html for n, k in keys.items() if k in found}
    if len(bodies) < len(items):
        return None
    bodies.update({n: done[url].body.html for n, url in made.items()})
    return dict(feeds.feeds(site, bodies, only=wanted))


def _search_json(old_site: Site, site: Site, output: Path, old: Records, done: Rendered
                 ) -> bytes | None:
    """search.json with the lines of the items made again replaced or added (one line an
    item, newest first)."""
    # As bytes: decoding 5 MB of text (at 10 000 items) took most of the time.
    lines = (output / "search.json").read_bytes().split(b"\n")
    if len(lines) != len(old_site.items) + 3:  # "[", the items, "]", ""
        return None
    by_number = {item.index_no: line.removesuffix(b",")
                 for item, line in zip(old_site.items, lines[1:], strict=False)}
    for url, rendered in done.items():
        index_no = rendered.record.search_id[0]
        was = old[url].search_line.encode("utf-8") if url in old else None
        if by_number.get(index_no) != was:
            return None
        by_number[index_no] = rendered.record.search_line.encode("utf-8")
    return search.search_json_bytes([by_number[i.index_no] for i in site.items])


def _index(cache: Cache, output: Path, old_records: Records, done: Rendered,
           manifest: search.Manifest, site: Site, jobs: int, gone: Sequence[Item] = ()
           ) -> tuple[search.IndexState, search.Index] | None:
    old = search.IndexState.from_json(cache.get_meta("search_index"))
    if old is None:
        return None
    fingerprints = dict(old.docs)
    for g in gone:
        if fingerprints.pop(g.index_no, None) is None:
            return None
    new_docs = {}
    for url, rendered in done.items():
        index_no, fingerprint = rendered.record.search_id
        was = old_records[url].search_id if url in old_records else None
        if (index_no, fingerprints.get(index_no)) != (was or (index_no, None)):
            return None
        fingerprints[index_no] = fingerprint
        new_docs[rendered.record.search_id] = rendered.doc
    if len(fingerprints) != len(site.items):
        return None
    ids = [(i.index_no, fingerprints[i.index_no]) for i in reversed(site.items)]  # oldest first
    folder = output / search.INDEX_DIR
    gc.freeze()  # as in `_Rendering`: a deletion renumbers every list, on every core
    try:
        index = search.update_index(
            old, ids, manifest, lambda n, f: new_docs.get((n, f)) or cache.search_doc(n, f),
            lambda rel: (folder / rel).read_bytes(), generate.spread_rewrite(jobs))
    finally:
        gc.unfreeze()
    return None if index is None else (old, index)


def _diagnostics(last: list[Diagnostic], old: Records, done: Rendered, added: list[_Edit],
                 removed: frozenset[str] = frozenset()) -> list[Diagnostic] | None:
    """The last build's report with the bodies' warnings of the items made again replaced,
    the new files' validation warnings added and what it said of the files `removed` left
    out (None if it does not hold the old ones)."""
    kept = [d for d in last if d.file not in removed]
    for url in done:
        for source, message, line in old[url].warnings if url in old else ():
            gone = Diagnostic(Level.WARNING, source, message, line)
            if gone not in kept:
                return None
            kept.remove(gone)
    return kept + [d for e in added for d in e.checked.diagnostics] + [
        Diagnostic(Level.WARNING, source, message, line)
        for r in done.values() for source, message, line in r.record.warnings]
