"""A build that only re-renders edited items: the common edit, a sentence or a title fixed.

`lastbuild.edited` finds that this build's inputs differ from the last good build's only in
the bytes of a few item files. If each of those files validates as before but for its body
and the fields only its own page shows (`OWN_FIELDS`: 内容概述, 主题词, the review record …),
and the output is as the last build left it, nothing but those items' pages, their search
documents, their lines of search.json and the feeds that show them can change: every list,
neighbour link, category page, archive and sitemap entry is made of what did not change.
A corrected title or 文号 (`LIST_FIELDS`) keeps the item's place everywhere: then the list
pages whose keys change and the pages of the items linking to it are made again too
(`_relisted`).
`rebuild` renders just those items with the site model the last whole build kept
(`remember_site`, brought up to date by the quick builds since: `SITE_PATCHES`), updates the
index files their words touch, writes the changed files with `AtomicOutput.patch` and leaves
the cache as a whole build would have. Whenever it cannot be sure, it returns None having
written nothing, and `generate.py` does the whole build. Tests compare its output with a
clean build's.
"""

from __future__ import annotations

import dataclasses
import logging
import pickle
from dataclasses import dataclass
from pathlib import Path

import jinja2

from sitegen import feeds, generate, lastbuild, search
from sitegen.cache import Cache
from sitegen.config import SiteConfig
from sitegen.content import ContentFile
from sitegen.diagnostics import Diagnostic, Level
from sitegen.markdown import LinkContext
from sitegen.output import AtomicOutput
from sitegen.pages import PageRenderer, make_environment
from sitegen.structure import Site
from sitegen.themes import theme_dirs
from sitegen.validate import Checked, Item

log = logging.getLogger(__name__)

SITE = "site"  # cache meta: the pickled Site of the last good whole build
SITE_PATCHES = "site_patches"  # pickled {index_no: Item}: items quick builds changed since
SITE_FOR = "site_for"  # the inputs key of the last good build that Site (patched) is right for

# Item fields that no page but the item's own shows (besides its search document, its line
# of search.json and the feeds that show it): an edit of these and of the body is quick.
# Lists, neighbours and the other pages show `pages.brief` only, unless the theme's other
# templates name more (`pages.listed_fields`): edits of those are whole builds.
OWN_FIELDS = ("digest", "body", "body_line", "summary", "keywords", "review", "date_invalid",
              "type_fields", "genre", "department")
# Fields the lists and the neighbours' pages show, which an edit may change while the item
# keeps its place everywhere (a corrected title or 文号): then the pages showing it are made
# again too — the list pages whose keys change, and the pages of the items linking to it.
LIST_FIELDS = ("title", "doc_no")


def remember_site(cache: Cache, site: Site, inputs: str) -> None:
    """Keep the site model of a whole build (its items without bodies) for quick builds."""
    cache.set_meta(SITE, pickle.dumps(site, protocol=pickle.HIGHEST_PROTOCOL))
    cache.set_meta(SITE_PATCHES, pickle.dumps({}))
    cache.set_meta(SITE_FOR, inputs)


@dataclass
class Done:
    diagnostics: list[Diagnostic]
    written: int  # files of the output
    unchanged: int  # of those, not rewritten


@dataclass
class _Edit:
    file: ContentFile
    digest: str
    checked: Checked
    before: Checked  # as the last build validated the file
    item: Item  # the site model's, brought up to date
    body: str


def rebuild(config: SiteConfig, edit: lastbuild.Edited, files: list[ContentFile],
            asset_files: list[ContentFile], rest: str, cache: Cache, output: Path,
            encoding: str) -> Done | None:
    """Update the output for the edits in `edit.files`; None (nothing written) if they are
    not all quick. `files`: every item file; `rest`: `lastbuild.rest_key` of this build."""
    assets = frozenset(a.content_rel for a in asset_files)
    fronts = _same_fronts(config, edit.files, assets, cache, encoding)
    if fronts is None:  # the cheap test first: most edits that are not quick fail it
        return None
    inodes: dict[str, int] = {}
    if lastbuild.output_files(output, inodes) != edit.output_files:
        return None  # edited by hand since: the whole build renders those files again
    site = _site(cache, edit.inputs)
    edits = None if site is None else _edits(fronts, site)
    if site is None or edits is None:
        return None
    renderer = PageRenderer(site, make_environment(theme_dirs(config)))
    if any(getattr(e.checked.item, name) != getattr(e.before.item, name)
           for e in edits for name in renderer.listed):
        return None  # the theme shows it in lists too
    old_records = _records(cache, [e.item for e in edits])
    if old_records is None:
        return None
    made = _render(edits, renderer, assets, old_records, cache)
    if made is None:
        return None
    done, out_files = made
    relisted: Relisted = ({}, {}, {})
    if any(getattr(e.checked.item, name) != getattr(e.before.item, name)
           for e in edits for name in LIST_FIELDS):
        found = _relisted(renderer, edits, assets, cache)
        if found is None:
            return None
        relisted = found
        out_files.update(relisted[1])
    more = _listings(site, cache, output, old_records, done, edits)
    if more is None:
        return None
    out_files.update(more[0])
    new_index = more[1]
    diagnostics = _diagnostics(edit.last.diagnostics, old_records, done)
    if diagnostics is None:
        return None
    out = AtomicOutput(output)
    written = out.patch(out_files, inodes)
    if written is None:
        return None
    output_files = {rel: stat for rel, stat in edit.output_files.items()
                    if out_files.get(rel, b"") is not None}
    output_files.update(written)

    env = generate.checked_env(config, encoding, asset_files)
    cache.put_checked((e.file.rel, e.file.stat, e.digest, env, *generate.pack_checked(e.checked))
                      for e in edits)
    related, _, page_keys = relisted
    cache.put_item_records(r.record.row(url) for url, r in (*done.items(), *related.items()))
    cache.put_bodies((r.record.body_key, r.body) for r in done.values() if r.fresh)
    cache.put_search_docs((*r.record.search_id, Cache.pack(r.doc)) for r in done.values())
    new_keys = {url: r.record.page_key for url, r in (*done.items(), *related.items())}
    new_keys.update((url, key) for url, (key, _) in page_keys.items())
    old_keys = {url: old_records[url].page_key for url in done}
    old_keys.update((url, old) for url, (_, old) in page_keys.items())
    cache.replace_pages(new_keys, old_keys)
    cache.set_meta("search_index", new_index.state.to_json())
    lastbuild.remember(cache, rest, files, output, output_files, edit.last.published,
                       diagnostics, edit.last.held_back)
    patches = _patches(cache)
    patches.update((e.item.index_no, e.item) for e in edits)
    cache.set_meta(SITE_PATCHES, pickle.dumps(patches, protocol=pickle.HIGHEST_PROTOCOL))
    cache.set_meta(SITE_FOR, lastbuild.inputs_key(rest, files))
    log.info("quick build: %d item(s), %d file(s) written", len(edits), len(written))
    return Done(diagnostics, len(out.written), out.reused)


Rendered = dict[str, generate.RenderedItem]  # url -> what rendering the item gave
OutFiles = dict[str, bytes | None]  # output path -> new bytes, None: removed


def _render(edits: list[_Edit], renderer: PageRenderer, assets: frozenset[str],
            old_records: dict[str, generate.ItemRecord], cache: Cache
            ) -> tuple[Rendered, OutFiles] | None:
    """The edited items' pages, as the page stage of a whole build makes them."""
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
        if set(rendered.record.assets) != set(old_records[item.url].assets):
            return None  # an attachment to copy or to drop
        try:
            pages[item.url] = renderer.item(item, rendered.body.html).encode("utf-8")
        except jinja2.TemplateError:
            return None
        done[item.url] = rendered
    return done, pages


# The items whose pages show an edited one, rendered again; the list pages made again; and
# url -> (new key, old key) of those list pages (an item's page key is in its record).
Relisted = tuple[Rendered, OutFiles, dict[str, tuple[str, str]]]


def _relisted(renderer: PageRenderer, edits: list[_Edit], assets: frozenset[str], cache: Cache
              ) -> Relisted | None:
    """What shows an edited item's title or 文号 besides its own page: every other page whose
    key changed (lists, the home page), as a whole build finds them, and the pages of the
    items that link to it (its neighbours, the items it replaces or is replaced by)."""
    site = renderer.site
    edited = {e.item.index_no for e in edits}
    related: dict[str, Item] = {}
    for e in edits:
        newer, older = site.neighbours[e.item.index_no]
        for other in (newer, older, site.by_index_no.get(e.item.replaced_by),
                      *site.replacements.get(e.item.index_no, [])):
            if other is not None and other.index_no not in edited:
                related[other.url] = other
    records = _records(cache, list(related.values()))
    if records is None:
        return None
    item_urls = {i.content_rel: i.url for i in site.items}
    sources = generate.ItemSources(cache)  # for the lines of their warnings, if any
    done: Rendered = {}
    files: OutFiles = {}
    for url, item in related.items():
        old = records[url]
        cached = cache.bodies([old.body_key]).get(old.body_key)
        ctx = LinkContext(item.url, item.content_rel, item_urls, assets)
        if cached is None or generate.body_key(item) != old.body_key:
            return None
        rendered = generate.render_item(item, renderer, ctx, cached, sources)
        # Its body, search document and warnings are as they were: only its page changes.
        if isinstance(rendered, str) or rendered.fresh \
                or rendered.record.search_id != old.search_id \
                or rendered.record.search_line != old.search_line \
                or rendered.record.warnings != old.warnings:
            return None
        try:
            files[url] = renderer.item(item, rendered.body.html).encode("utf-8")
        except jinja2.TemplateError:
            return None
        done[url] = rendered
    old_keys = cache.pages()
    keys: dict[str, tuple[str, str]] = {}
    for url, key, render in renderer.site_pages():
        if url not in old_keys:
            return None  # the lists are not as the last build made them
        if key != old_keys[url]:
            try:
                files[url] = render().encode("utf-8")
            except jinja2.TemplateError:
                return None
            keys[url] = (key, old_keys[url])
    return done, files, keys


def _listings(site: Site, cache: Cache, output: Path, old_records: dict[str, generate.ItemRecord],
              done: Rendered, edits: list[_Edit]) -> tuple[OutFiles, search.Index] | None:
    """What else shows the edited items: the feeds, search.json and the search index."""
    files: OutFiles = {}
    feed_files = _feeds(site, cache, done, edits)
    if feed_files is None:
        return None
    files.update(feed_files)
    if any(r.record.search_line != old_records[url].search_line for url, r in done.items()):
        listing = _search_json(site, output, old_records, done)
        if listing is None:
            return None
        files["search.json"] = listing
    index = _index(cache, output, old_records, done)
    if index is None:
        return None
    old_state, new_index = index
    files.update(new_index.files)
    for rel in old_state.digests.keys() - new_index.state.digests.keys():
        files[search.INDEX_DIR + rel] = None
    return files, new_index


def _site(cache: Cache, inputs: str) -> Site | None:
    """The site model as the last good build made it."""
    if cache.get_meta(SITE_FOR) != inputs:
        return None
    data = cache.get_meta(SITE)
    if not isinstance(data, bytes):
        return None
    site: Site = pickle.loads(data)
    for index_no, patch in _patches(cache).items():
        # The items are shared by every list of the model: updated once, updated everywhere.
        site.by_index_no[index_no].__dict__.update(patch.__dict__)
    return site


def _patches(cache: Cache) -> dict[str, Item]:
    data = cache.get_meta(SITE_PATCHES)
    return pickle.loads(data) if isinstance(data, bytes) else {}


_BLANK = {name: None for name in (*OWN_FIELDS, *LIST_FIELDS)}


def _front(checked: Checked) -> Checked:
    """A validation result but for what the body and the item's own fields decide."""
    assert checked.item is not None
    return dataclasses.replace(checked, item=dataclasses.replace(checked.item, **_BLANK))


Front = tuple[ContentFile, str, Checked, Checked]  # file, digest, result now and before


def _same_fronts(config: SiteConfig, files: list[ContentFile], assets: frozenset[str],
                 cache: Cache, encoding: str) -> list[Front] | None:
    """Each edited file read and validated, if each still validates as it did but for the
    body and the item's own fields."""
    before = cache.checked_of([f.rel for f in files])
    found = []
    for f in files:
        digest, checked = generate.check_file(f, config, assets, encoding)
        old = before.get(f.rel)
        if checked.item is None or old is None or old.item is None \
                or _front(checked) != _front(old):
            return None
        found.append((f, digest, checked, old))
    return found


def _edits(fronts: list[Front], site: Site) -> list[_Edit] | None:
    """The edits, if each file is a published item (not one held back until its date) and
    what it is compared with is what the last good build published. (The cache's validation
    results are a memo of what some build validated: a build that failed later, into another
    output folder, may have left a newer one.)"""
    edits = []
    for f, digest, checked, old in fronts:
        assert checked.item is not None and old.item is not None
        item = site.by_index_no.get(checked.item.index_no)
        if item is None or item.source != f.rel or item.digest != old.item.digest:
            return None
        edits.append(_Edit(f, digest, checked, old, item, checked.item.body))
    for e in edits:  # the site model brought up to date, once nothing can fail here
        for name in (*OWN_FIELDS, *LIST_FIELDS):
            setattr(e.item, name, "" if name == "body" else getattr(e.checked.item, name))
    return edits


def _records(cache: Cache, items: list[Item]) -> dict[str, generate.ItemRecord] | None:
    """The records of the last good build's pages of `items` (by url), or None if one is
    missing. A record counts only with the page key that build wrote (the record of a build
    that failed later may be there too)."""
    urls = [i.url for i in items]
    keys = cache.page_keys(urls)
    records = dict(map(generate.ItemRecord.from_row, cache.item_records_of(urls)))
    if any(url not in records or records[url].page_key != keys.get(url) for url in urls):
        return None
    return records


def _feeds(site: Site, cache: Cache, done: Rendered, edits: list[_Edit]
           ) -> dict[str, bytes] | None:
    """The feeds that show an edited item, with every body they show (None if one of those
    is not in the cache)."""
    shown = feeds.shown(site)
    edited = {e.item.index_no: e.item.url for e in edits}
    wanted = {feed for index_no in edited for feed in shown.get(index_no, [])}
    if not wanted:
        return {}
    items = {i.index_no: i for url, items, _, _ in feeds.feed_lists(site) if url in wanted
             for i in items[: site.config.feed_length] if i.index_no not in edited}
    records = _records(cache, list(items.values()))
    if records is None:
        return None
    keys = {n: records[i.url].body_key for n, i in items.items()}
    found = cache.bodies(list(keys.values()))
    bodies = {n: found[k].html for n, k in keys.items() if k in found}
    if len(bodies) < len(items):
        return None
    bodies.update({n: done[url].body.html for n, url in edited.items()})
    return dict(feeds.feeds(site, bodies, only=wanted))


def _search_json(site: Site, output: Path, old: dict[str, generate.ItemRecord],
                 done: Rendered) -> bytes | None:
    """search.json with the edited items' lines replaced (one line an item, newest first)."""
    lines = (output / "search.json").read_text(encoding="utf-8").split("\n")
    position = {item.url: n for n, item in enumerate(site.items)}
    if len(lines) != len(site.items) + 3:  # "[", the items, "]", ""
        return None
    for url, rendered in done.items():
        n = position[url] + 1
        comma = "," if n < len(site.items) else ""
        if lines[n] != old[url].search_line + comma:
            return None
        lines[n] = rendered.record.search_line + comma
    return "\n".join(lines).encode("utf-8")


def _index(cache: Cache, output: Path, old_records: dict[str, generate.ItemRecord],
           done: Rendered) -> tuple[search.IndexState, search.Index] | None:
    old = search.IndexState.from_json(cache.get_meta("search_index"))
    if old is None:
        return None
    position = {index_no: n for n, (index_no, _) in enumerate(old.docs)}
    ids = list(old.docs)
    new_docs = {}
    for url, rendered in done.items():
        index_no, fingerprint = rendered.record.search_id
        n = position.get(index_no)
        if n is None or ids[n] != old_records[url].search_id:
            return None
        ids[n] = (index_no, fingerprint)
        new_docs[rendered.record.search_id] = rendered.doc
    folder = output / search.INDEX_DIR
    index = search.update_index(
        old, ids, search.restamped((folder / "manifest.js").read_bytes()),
        lambda n, f: new_docs.get((n, f)) or cache.search_doc(n, f),
        lambda rel: (folder / rel).read_bytes())
    return None if index is None else (old, index)


def _diagnostics(last: list[Diagnostic], old: dict[str, generate.ItemRecord],
                 done: Rendered) -> list[Diagnostic] | None:
    """The last build's report with the edited bodies' warnings replaced (None if it does
    not hold them)."""
    kept = list(last)
    for url in done:
        for source, message, line in old[url].warnings:
            gone = Diagnostic(Level.WARNING, source, message, line)
            if gone not in kept:
                return None
            kept.remove(gone)
    return kept + [Diagnostic(Level.WARNING, source, message, line)
                   for r in done.values() for source, message, line in r.record.warnings]
